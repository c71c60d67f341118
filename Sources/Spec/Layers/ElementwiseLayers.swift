/// A layer whose output has its input's shape, element by element (activations, `identity`).
/// FLOPs: one per element.
public protocol ElementwiseLayerDefinition: LayerDefinition {}

extension ElementwiseLayerDefinition {
    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> { .success(inputs.first ?? []) }
}

/// An element-wise layer without options.
public protocol OptionFreeLayerDefinition: ElementwiseLayerDefinition {
    init()
}

extension OptionFreeLayerDefinition {
    public init(options: [String: OptionValue]) { self.init() }
    public var optionValues: [OptionValue] { [] }
}

/// `relu` (PyTorch `nn.ReLU`). Engine: `Engine/Layers/ReLU.swift`.
public struct ReLULayer: OptionFreeLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "relu", doc: "max(0, x)")
}

/// `tanh` (PyTorch `nn.Tanh`). Engine: `Engine/Layers/Tanh.swift`.
public struct TanhLayer: OptionFreeLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "tanh", doc: "hyperbolic tangent")
}

/// `sigmoid` (PyTorch `nn.Sigmoid`). Engine: `Engine/Layers/Sigmoid.swift`.
public struct SigmoidLayer: OptionFreeLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "sigmoid", doc: "1 / (1 + e^-x)")
}

/// `gelu` (PyTorch `nn.GELU()`, the exact erf form). Engine: `Engine/Layers/GELU.swift`.
public struct GELULayer: OptionFreeLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "gelu", doc: "x·Φ(x) = x/2·(1 + erf(x/√2)) (exact, not the tanh approximation)")
}

/// `silu` (PyTorch `nn.SiLU`, also called swish). Engine: `Engine/Layers/SiLU.swift`.
public struct SiLULayer: OptionFreeLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "silu", doc: "x·sigmoid(x)")
}

/// `identity` (PyTorch `nn.Identity`): passes its input on; a named tap or a placeholder in a
/// sweep. Engine: `Engine/Layers/Identity.swift`.
public struct IdentityLayer: OptionFreeLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "identity", doc: "y = x")
    public func flops(inputs: [[Int]], output: [Int]) -> Int { 0 }
}

/// `leaky_relu` (PyTorch `nn.LeakyReLU(negative_slope)`). Engine: `Engine/Layers/LeakyReLU.swift`.
public struct LeakyReLULayer: ElementwiseLayerDefinition {
    public var slope = 0.01

    public init(slope: Double = 0.01) { self.slope = slope }
    public static let schema = LayerSchema(type: "leaky_relu", doc: "x if x > 0, else slope·x", options: [
        OptionInfo("slope", .number(.unitInterval), .value(.number(0.01)), "slope for negative inputs (PyTorch negative_slope)"),
    ])
    public init(options o: [String: OptionValue]) { self.init(slope: o.number("slope")) }
    public var optionValues: [OptionValue] { [.number(slope)] }
}

/// `elu` (PyTorch `nn.ELU(alpha)`). Engine: `Engine/Layers/ELU.swift`.
public struct ELULayer: ElementwiseLayerDefinition {
    public var alpha = 1.0

    public init(alpha: Double = 1.0) { self.alpha = alpha }
    public static let schema = LayerSchema(type: "elu", doc: "x if x > 0, else alpha·(e^x − 1)", options: [
        OptionInfo("alpha", .number(.positive), .value(.number(1.0)), "saturation value for negative inputs"),
    ])
    public init(options o: [String: OptionValue]) { self.init(alpha: o.number("alpha")) }
    public var optionValues: [OptionValue] { [.number(alpha)] }
}
