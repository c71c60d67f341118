import Foundation

/// `train.optimizer:` and `train.schedule:` as typed variants. Each case carries exactly the
/// options of its algorithm; `options` lists them by their YAML keys, and the canonical YAML (so the
/// config hash and `runner diff`) is written from the catalog's keys for the case and these values,
/// so an option cannot be decoded and then left out of the hash (`OptimizationSpecTests` checks
/// every key of every variant).

public enum OptimizerKind: String, CaseIterable, Hashable, Sendable {
    case sgd, adam, adamw, rmsprop
}

/// `train.optimizer:` — PyTorch (`torch.optim`) semantics for every option.
public enum OptimizerSpec: Hashable, Sendable {
    case sgd(SGDOptions)
    case adam(AdamOptions)
    /// Adam with decoupled weight decay.
    case adamw(AdamOptions)
    case rmsprop(RMSpropOptions)

    /// `{type: adam}` with PyTorch's defaults.
    public init() { self = .adam(AdamOptions()) }

    /// The variant `kind` with the options of `values` (YAML keys; absent keys keep their defaults).
    init(kind: OptimizerKind, values: [String: OptionValue]) {
        switch kind {
        case .sgd: self = .sgd(SGDOptions(values: values))
        case .adam: self = .adam(AdamOptions(values: values))
        case .adamw: self = .adamw(AdamOptions(values: values))
        case .rmsprop: self = .rmsprop(RMSpropOptions(values: values))
        }
    }

    public var kind: OptimizerKind {
        switch self {
        case .sgd: .sgd
        case .adam: .adam
        case .adamw: .adamw
        case .rmsprop: .rmsprop
        }
    }

    /// The learning rate (every optimizer has one; schedules scale it).
    public var lr: Double {
        switch self {
        case let .sgd(o): o.lr
        case let .adam(o), let .adamw(o): o.lr
        case let .rmsprop(o): o.lr
        }
    }

    /// The weight decay (coupled L2 for SGD and Adam, decoupled for AdamW).
    public var weightDecay: Double {
        switch self {
        case let .sgd(o): o.weightDecay
        case let .adam(o), let .adamw(o): o.weightDecay
        case let .rmsprop(o): o.weightDecay
        }
    }

    /// Every option of the variant by YAML key (without `type`).
    public var options: [String: OptionValue] {
        switch self {
        case let .sgd(o): o.options
        case let .adam(o), let .adamw(o): o.options
        case let .rmsprop(o): o.options
        }
    }
}

/// `torch.optim.SGD` options.
public struct SGDOptions: Hashable, Sendable {
    public var lr = 1e-3
    public var momentum = 0.0
    /// The share of the gradient the momentum buffer does not take in: b ← μ·b + (1 − d)·g.
    public var dampening = 0.0
    public var nesterov = false
    /// L2 added to the gradient.
    public var weightDecay = 0.0

    public init(lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
        (self.lr, self.momentum, self.dampening, self.nesterov, self.weightDecay) = (lr, momentum, dampening, nesterov, weightDecay)
    }

    init(values v: [String: OptionValue]) {
        self.init()
        lr = v["lr"]?.number ?? lr
        momentum = v["momentum"]?.number ?? momentum
        dampening = v["dampening"]?.number ?? dampening
        nesterov = v["nesterov"]?.bool ?? nesterov
        weightDecay = v["weight_decay"]?.number ?? weightDecay
    }

    var options: [String: OptionValue] {
        ["lr": .number(lr), "momentum": .number(momentum), "dampening": .number(dampening), "nesterov": .bool(nesterov),
         "weight_decay": .number(weightDecay)]
    }
}

/// `torch.optim.RMSprop` options.
public struct RMSpropOptions: Hashable, Sendable {
    public var lr = 1e-3
    /// Decay rate of the squared-gradient average.
    public var alpha = 0.99
    public var eps = 1e-8
    public var momentum = 0.0
    /// Normalize by the gradient's variance estimate (E[g²] − E[g]²) instead of E[g²].
    public var centered = false
    /// L2 added to the gradient.
    public var weightDecay = 0.0

    public init(lr: Double = 1e-3, alpha: Double = 0.99, eps: Double = 1e-8, momentum: Double = 0, centered: Bool = false,
                weightDecay: Double = 0) {
        (self.lr, self.alpha, self.eps, self.momentum, self.centered, self.weightDecay) = (lr, alpha, eps, momentum, centered, weightDecay)
    }

    init(values v: [String: OptionValue]) {
        self.init()
        lr = v["lr"]?.number ?? lr
        alpha = v["alpha"]?.number ?? alpha
        eps = v["eps"]?.number ?? eps
        momentum = v["momentum"]?.number ?? momentum
        centered = v["centered"]?.bool ?? centered
        weightDecay = v["weight_decay"]?.number ?? weightDecay
    }

    var options: [String: OptionValue] {
        ["lr": .number(lr), "alpha": .number(alpha), "eps": .number(eps), "momentum": .number(momentum),
         "centered": .bool(centered), "weight_decay": .number(weightDecay)]
    }
}

/// `torch.optim.Adam` / `AdamW` options.
public struct AdamOptions: Hashable, Sendable {
    public var lr = 1e-3
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var eps = 1e-8
    /// Coupled L2 for Adam, decoupled decay for AdamW.
    public var weightDecay = 0.0

    public init(lr: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0) {
        (self.lr, self.beta1, self.beta2, self.eps, self.weightDecay) = (lr, beta1, beta2, eps, weightDecay)
    }

    init(values v: [String: OptionValue]) {
        self.init()
        lr = v["lr"]?.number ?? lr
        if case let .numbers(betas)? = v["betas"], betas.count == 2 { (beta1, beta2) = (betas[0], betas[1]) }
        eps = v["eps"]?.number ?? eps
        weightDecay = v["weight_decay"]?.number ?? weightDecay
    }

    var options: [String: OptionValue] {
        ["lr": .number(lr), "betas": .numbers([beta1, beta2]), "eps": .number(eps), "weight_decay": .number(weightDecay)]
    }
}

/// `train.schedule:` — learning rate by epoch (stepped once per epoch, like PyTorch schedulers).
public enum ScheduleSpec: Hashable, Sendable {
    case constant
    /// lr · gamma^floor(epoch / stepSize)
    case step(stepSize: Int, gamma: Double)
    /// eta_min + (lr - eta_min)(1 + cos(π·epoch/tMax))/2; tMax defaults to the epoch count (after warmup).
    case cosine(tMax: Int, etaMin: Double)
    /// `torch.optim.lr_scheduler.ReduceLROnPlateau` on a validation metric, stepped after each epoch.
    case reduceOnPlateau(PlateauOptions)
    /// `torch.optim.lr_scheduler.OneCycleLR`, stepped after every optimizer step.
    case oneCycle(OneCycleOptions)

    /// The variant named `type` with the options of `values`; `epochs` is `t_max`'s default.
    init(type: String, values v: [String: OptionValue], epochs: Int) {
        switch type {
        case "step": self = .step(stepSize: v["step_size"]?.int ?? 1, gamma: v["gamma"]?.number ?? 0.1)
        case "cosine": self = .cosine(tMax: v["t_max"]?.int ?? epochs, etaMin: v["eta_min"]?.number ?? 0)
        case "reduce_on_plateau": self = .reduceOnPlateau(PlateauOptions(values: v))
        case "onecycle": self = .oneCycle(OneCycleOptions(values: v))
        default: self = .constant
        }
    }

    /// The catalog's `type` of this variant.
    public var type: String {
        switch self {
        case .constant: "constant"
        case .step: "step"
        case .cosine: "cosine"
        case .reduceOnPlateau: "reduce_on_plateau"
        case .oneCycle: "onecycle"
        }
    }

    /// Every option of the variant by YAML key (without `type` and the warmup keys).
    public var options: [String: OptionValue] {
        switch self {
        case .constant: [:]
        case let .step(stepSize, gamma): ["step_size": .int(stepSize), "gamma": .number(gamma)]
        case let .cosine(tMax, etaMin): ["t_max": .int(tMax), "eta_min": .number(etaMin)]
        case let .reduceOnPlateau(o): o.options
        case let .oneCycle(o): o.options
        }
    }
}

/// `train.schedule: {type: reduce_on_plateau, ...}` — PyTorch's `ReduceLROnPlateau` with
/// `threshold_mode: rel`: after each epoch, the monitored validation metric either improves on
/// the best so far by more than `threshold` (relative) or counts as a bad epoch; more than
/// `patience` bad epochs in a row (outside `cooldown`) multiply the rate by `factor`, never below
/// `min_lr`.
public struct PlateauOptions: Hashable, Sendable {
    public enum Monitor: String, CaseIterable, Hashable, Sendable {
        case valLoss = "val_loss", valAcc = "val_acc"
    }
    public var monitor = Monitor.valLoss
    public var factor = 0.1
    public var patience = 10
    public var threshold = 1e-4
    public var cooldown = 0
    public var minLR = 0.0

    public init() {}

    init(values v: [String: OptionValue]) {
        monitor = v["monitor"]?.text.flatMap(Monitor.init(rawValue:)) ?? monitor
        factor = v["factor"]?.number ?? factor
        patience = v["patience"]?.int ?? patience
        threshold = v["threshold"]?.number ?? threshold
        cooldown = v["cooldown"]?.int ?? cooldown
        minLR = v["min_lr"]?.number ?? minLR
    }

    var options: [String: OptionValue] {
        ["monitor": .text(monitor.rawValue), "factor": .number(factor), "patience": .int(patience),
         "threshold": .number(threshold), "cooldown": .int(cooldown), "min_lr": .number(minLR)]
    }
}

/// `train.schedule: {type: onecycle, ...}` — PyTorch's `OneCycleLR` with `max_lr` the optimizer's
/// `lr` and `total_steps` the trial's optimizer steps (epochs × batches per epoch): the rate rises
/// from `lr / div_factor` to `lr` over the first `pct_start` of the steps and anneals to
/// `lr / div_factor / final_div_factor` (cosine or linear; three phases come back down to the start
/// first), while the momentum (SGD's and RMSprop's `momentum`, Adam's β₁) cycles the other way
/// between `max_momentum` and `base_momentum`.
public struct OneCycleOptions: Hashable, Sendable {
    public enum Anneal: String, CaseIterable, Hashable, Sendable { case cos, linear }
    public var pctStart = 0.3
    public var anneal = Anneal.cos
    public var divFactor = 25.0
    public var finalDivFactor = 1e4
    public var threePhase = false
    public var cycleMomentum = true
    public var baseMomentum = 0.85
    public var maxMomentum = 0.95

    public init() {}

    init(values v: [String: OptionValue]) {
        pctStart = v["pct_start"]?.number ?? pctStart
        anneal = v["anneal_strategy"]?.text.flatMap(Anneal.init(rawValue:)) ?? anneal
        divFactor = v["div_factor"]?.number ?? divFactor
        finalDivFactor = v["final_div_factor"]?.number ?? finalDivFactor
        threePhase = v["three_phase"]?.bool ?? threePhase
        cycleMomentum = v["cycle_momentum"]?.bool ?? cycleMomentum
        baseMomentum = v["base_momentum"]?.number ?? baseMomentum
        maxMomentum = v["max_momentum"]?.number ?? maxMomentum
    }

    var options: [String: OptionValue] {
        ["pct_start": .number(pctStart), "anneal_strategy": .text(anneal.rawValue), "div_factor": .number(divFactor),
         "final_div_factor": .number(finalDivFactor), "three_phase": .bool(threePhase), "cycle_momentum": .bool(cycleMomentum),
         "base_momentum": .number(baseMomentum), "max_momentum": .number(maxMomentum)]
    }

    /// The rate and momentum at optimizer step `step` (0-based) of `total`, for peak rate `maxLR`
    /// (`OneCycleLR.get_lr` at `last_epoch = step`).
    /// Called before every optimizer step: no allocation, only the phase the step falls in.
    public func values(step: Int, total: Int, maxLR: Double) -> (lr: Double, momentum: Double) {
        let initial = maxLR / divFactor, minimum = initial / finalDivFactor
        let t = Double(total), s = Double(step)
        let first = pctStart * t - 1
        // (start step, end step, rate ends, momentum ends) of the phase holding `step`.
        let phase: (Double, Double, (Double, Double), (Double, Double))
        if s <= first {
            phase = (0, first, (initial, maxLR), (maxMomentum, baseMomentum))
        } else if threePhase && s <= 2 * pctStart * t - 2 {
            phase = (first, 2 * pctStart * t - 2, (maxLR, initial), (baseMomentum, maxMomentum))
        } else if threePhase {
            phase = (2 * pctStart * t - 2, t - 1, (initial, minimum), (maxMomentum, maxMomentum))
        } else {
            phase = (first, t - 1, (maxLR, minimum), (baseMomentum, maxMomentum))
        }
        let pct = (s - phase.0) / (phase.1 - phase.0)
        return (interpolate(phase.2, pct), interpolate(phase.3, pct))
    }

    private func interpolate(_ ends: (Double, Double), _ pct: Double) -> Double {
        switch anneal {
        case .cos: ends.1 + (ends.0 - ends.1) / 2.0 * (cos(Double.pi * pct) + 1)
        case .linear: (ends.1 - ends.0) * pct + ends.0
        }
    }
}

/// `train.schedule.warmup_epochs` / `warmup_start_factor` — PyTorch's `LinearLR(start_factor,
/// total_iters: epochs)` chained before the schedule with `SequentialLR`: the rate rises linearly
/// from `startFactor · lr` to `lr` over `epochs` epochs, then the schedule runs from its own
/// epoch 0 (a cosine's `t_max` defaults to the epochs left).
public struct WarmupSpec: Hashable, Sendable {
    public var epochs: Int
    public var startFactor: Double

    public init(epochs: Int, startFactor: Double = 1.0 / 3.0) {
        self.epochs = epochs
        self.startFactor = startFactor
    }

    var options: [String: OptionValue] { ["warmup_epochs": .int(epochs), "warmup_start_factor": .number(startFactor)] }
}

/// `train.early_stopping: {monitor, patience, min_delta}` — stop a trial when the validation
/// metric has not improved by more than `minDelta` for `patience` epochs in a row (Keras
/// `EarlyStopping` semantics). The checkpoint is still the best epoch by `train.select`, wherever
/// training stopped. A pure function of the history, so a resumed trial stops where it would have.
public struct EarlyStopping: Hashable, Sendable {
    public var monitor: PlateauOptions.Monitor
    public var patience: Int
    public var minDelta: Double

    public init(monitor: PlateauOptions.Monitor = .valAcc, patience: Int = 5, minDelta: Double = 0) {
        (self.monitor, self.patience, self.minDelta) = (monitor, patience, minDelta)
    }

    init(values v: [String: OptionValue]) {
        self.init(monitor: v["monitor"]?.text.flatMap(PlateauOptions.Monitor.init(rawValue:)) ?? .valAcc,
                  patience: v["patience"]?.int ?? 5, minDelta: v["min_delta"]?.number ?? 0)
    }

    var options: [String: OptionValue] {
        ["monitor": .text(monitor.rawValue), "patience": .int(patience), "min_delta": .number(minDelta)]
    }

    /// After the epochs whose monitored values are `values` (in order): the 1-based epoch after
    /// which training stops and why, or nil to go on.
    public func stop(after values: [Double]) -> (epoch: Int, reason: String)? {
        var best: Double?
        var wait = 0
        for (i, v) in values.enumerated() {
            let improved = best.map { monitor == .valLoss ? v + minDelta < $0 : v - minDelta > $0 } ?? true
            if improved {
                best = v
                wait = 0
            } else {
                wait += 1
                if wait >= patience {
                    let by = minDelta > 0 ? " by more than \(OptionValue.format(minDelta))" : ""
                    return (i + 1, "\(monitor.rawValue) did not improve\(by) for \(patience) epochs")
                }
            }
        }
        return nil
    }
}

/// `train.loss:` — the training objective (PyTorch `nn.CrossEntropyLoss` semantics).
public enum LossSpec: Hashable, Sendable {
    /// Cross-entropy against targets `(1 − smoothing)·onehot + smoothing/K` (K classes);
    /// smoothing 0 is the plain cross-entropy.
    case crossEntropy(labelSmoothing: Double)

    /// `{type: cross_entropy, label_smoothing: 0.0}`: the objective before the key existed.
    public init() { self = .crossEntropy(labelSmoothing: 0) }

    init(type: String, values v: [String: OptionValue]) {
        self = .crossEntropy(labelSmoothing: v["label_smoothing"]?.number ?? 0)
    }

    /// The catalog's `type` of this variant.
    public var type: String {
        switch self {
        case .crossEntropy: "cross_entropy"
        }
    }

    /// Every option of the variant by YAML key (without `type`).
    public var options: [String: OptionValue] {
        switch self {
        case let .crossEntropy(smoothing): ["label_smoothing": .number(smoothing)]
        }
    }

    /// The label smoothing ε of the training loss (0 for none).
    public var labelSmoothing: Double {
        switch self {
        case let .crossEntropy(smoothing): smoothing
        }
    }
}
