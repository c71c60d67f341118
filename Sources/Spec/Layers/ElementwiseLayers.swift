/// A layer without options whose output has its input's shape (activations). FLOPs: one per element.
public protocol ElementwiseLayerDefinition: LayerDefinition {
    init()
}

extension ElementwiseLayerDefinition {
    public init(options: [String: OptionValue]) { self.init() }
    public var optionValues: [OptionValue] { [] }
    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> { .success(inputs.first ?? []) }
}

/// `relu` (PyTorch `nn.ReLU`). Engine: `Engine/Layers/ReLU.swift`.
public struct ReLULayer: ElementwiseLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "relu", doc: "max(0, x)")
}

/// `tanh` (PyTorch `nn.Tanh`). Engine: `Engine/Layers/Tanh.swift`.
public struct TanhLayer: ElementwiseLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "tanh", doc: "hyperbolic tangent")
}

/// `sigmoid` (PyTorch `nn.Sigmoid`). Engine: `Engine/Layers/Sigmoid.swift`.
public struct SigmoidLayer: ElementwiseLayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "sigmoid", doc: "1 / (1 + e^-x)")
}
