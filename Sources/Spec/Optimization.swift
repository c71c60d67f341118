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

    /// The variant named `type` with the options of `values`; `epochs` is `t_max`'s default.
    init(type: String, values v: [String: OptionValue], epochs: Int) {
        switch type {
        case "step": self = .step(stepSize: v["step_size"]?.int ?? 1, gamma: v["gamma"]?.number ?? 0.1)
        case "cosine": self = .cosine(tMax: v["t_max"]?.int ?? epochs, etaMin: v["eta_min"]?.number ?? 0)
        case "reduce_on_plateau": self = .reduceOnPlateau(PlateauOptions(values: v))
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
        }
    }

    /// Every option of the variant by YAML key (without `type` and the warmup keys).
    public var options: [String: OptionValue] {
        switch self {
        case .constant: [:]
        case let .step(stepSize, gamma): ["step_size": .int(stepSize), "gamma": .number(gamma)]
        case let .cosine(tMax, etaMin): ["t_max": .int(tMax), "eta_min": .number(etaMin)]
        case let .reduceOnPlateau(o): o.options
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
