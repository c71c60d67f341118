/// `train.optimizer:` and `train.schedule:` as typed variants. Each case carries exactly the
/// options of its algorithm; `options` lists them by their YAML keys, and the canonical YAML (so the
/// config hash and `runner diff`) is written from the catalog's keys for the case and these values,
/// so an option cannot be decoded and then left out of the hash (`OptimizationSpecTests` checks
/// every key of every variant).

public enum OptimizerKind: String, CaseIterable, Hashable, Sendable {
    case sgd, adam, adamw
}

/// `train.optimizer:` — PyTorch (`torch.optim`) semantics for every option.
public enum OptimizerSpec: Hashable, Sendable {
    case sgd(SGDOptions)
    case adam(AdamOptions)
    /// Adam with decoupled weight decay.
    case adamw(AdamOptions)

    /// `{type: adam}` with PyTorch's defaults.
    public init() { self = .adam(AdamOptions()) }

    /// The variant `kind` with the options of `values` (YAML keys; absent keys keep their defaults).
    init(kind: OptimizerKind, values: [String: OptionValue]) {
        switch kind {
        case .sgd: self = .sgd(SGDOptions(values: values))
        case .adam: self = .adam(AdamOptions(values: values))
        case .adamw: self = .adamw(AdamOptions(values: values))
        }
    }

    public var kind: OptimizerKind {
        switch self {
        case .sgd: .sgd
        case .adam: .adam
        case .adamw: .adamw
        }
    }

    /// The learning rate (every optimizer has one; schedules scale it).
    public var lr: Double {
        switch self {
        case let .sgd(o): o.lr
        case let .adam(o), let .adamw(o): o.lr
        }
    }

    /// The weight decay (coupled L2 for SGD and Adam, decoupled for AdamW).
    public var weightDecay: Double {
        switch self {
        case let .sgd(o): o.weightDecay
        case let .adam(o), let .adamw(o): o.weightDecay
        }
    }

    /// Every option of the variant by YAML key (without `type`).
    public var options: [String: OptionValue] {
        switch self {
        case let .sgd(o): o.options
        case let .adam(o), let .adamw(o): o.options
        }
    }
}

/// `torch.optim.SGD` options.
public struct SGDOptions: Hashable, Sendable {
    public var lr = 1e-3
    public var momentum = 0.0
    public var nesterov = false
    /// L2 added to the gradient.
    public var weightDecay = 0.0

    public init(lr: Double = 1e-3, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
        (self.lr, self.momentum, self.nesterov, self.weightDecay) = (lr, momentum, nesterov, weightDecay)
    }

    init(values v: [String: OptionValue]) {
        self.init()
        lr = v["lr"]?.number ?? lr
        momentum = v["momentum"]?.number ?? momentum
        nesterov = v["nesterov"]?.bool ?? nesterov
        weightDecay = v["weight_decay"]?.number ?? weightDecay
    }

    var options: [String: OptionValue] {
        ["lr": .number(lr), "momentum": .number(momentum), "nesterov": .bool(nesterov), "weight_decay": .number(weightDecay)]
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
    /// eta_min + (lr - eta_min)(1 + cos(π·epoch/tMax))/2; tMax defaults to the epoch count.
    case cosine(tMax: Int, etaMin: Double)

    /// The variant named `type` with the options of `values`; `epochs` is `t_max`'s default.
    init(type: String, values v: [String: OptionValue], epochs: Int) {
        switch type {
        case "step": self = .step(stepSize: v["step_size"]?.int ?? 1, gamma: v["gamma"]?.number ?? 0.1)
        case "cosine": self = .cosine(tMax: v["t_max"]?.int ?? epochs, etaMin: v["eta_min"]?.number ?? 0)
        default: self = .constant
        }
    }

    /// The catalog's `type` of this variant.
    public var type: String {
        switch self {
        case .constant: "constant"
        case .step: "step"
        case .cosine: "cosine"
        }
    }

    /// Every option of the variant by YAML key (without `type`).
    public var options: [String: OptionValue] {
        switch self {
        case .constant: [:]
        case let .step(stepSize, gamma): ["step_size": .int(stepSize), "gamma": .number(gamma)]
        case let .cosine(tMax, etaMin): ["t_max": .int(tMax), "eta_min": .number(etaMin)]
        }
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
