/// The schema and shape rule both pooling layers share: square windows, `stride` defaulting to
/// the window. FLOPs: one op per window element read.
public protocol PoolingLayerDefinition: LayerDefinition {
    var kernel: Int { get }
    var stride: Int { get }
    init(kernel: Int, stride: Int)
}

extension PoolingLayerDefinition {
    static func poolingSchema(_ type: String, _ doc: String) -> LayerSchema {
        LayerSchema(type: type, doc: doc, options: [
            OptionInfo("kernel", .integer(minimum: 1), .required, "square window size"),
            OptionInfo("stride", .integer(minimum: 1), .derived("kernel"), "step between windows"),
        ])
    }

    public init(options o: [String: OptionValue]) { self.init(kernel: o.int("kernel"), stride: o["stride"]?.int ?? o.int("kernel")) }
    public var optionValues: [OptionValue] { [.int(kernel), .int(stride)] }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard x.count == 3 else { return .failure(.image) }
        guard x[1] >= kernel, x[2] >= kernel else { return .failure(.tooSmall(window: kernel, padding: 0)) }
        return .success([x[0], (x[1] - kernel) / stride + 1, (x[2] - kernel) / stride + 1])
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int { Saturating.product(Saturating.product(output), kernel, kernel) }
}

/// `maxpool2d` (PyTorch `nn.MaxPool2d`). Engine: `Engine/Layers/MaxPool2D.swift`.
public struct MaxPool2DLayer: PoolingLayerDefinition {
    public var kernel: Int
    public var stride: Int
    public init(kernel: Int, stride: Int) { (self.kernel, self.stride) = (kernel, stride) }
    public static let schema = poolingSchema("maxpool2d", "max over square windows")
}

/// `avgpool2d` (PyTorch `nn.AvgPool2d`). Engine: `Engine/Layers/AvgPool2D.swift`.
public struct AvgPool2DLayer: PoolingLayerDefinition {
    public var kernel: Int
    public var stride: Int
    public init(kernel: Int, stride: Int) { (self.kernel, self.stride) = (kernel, stride) }
    public static let schema = poolingSchema("avgpool2d", "mean over square windows")
}

/// `global_avgpool`: the mean of each channel's plane, `[C, H, W]` → `[C]` (PyTorch
/// `nn.AdaptiveAvgPool2d(1)` followed by `flatten(1)`). FLOPs: one per input element.
/// Engine: `Engine/Layers/GlobalAvgPool.swift`.
public struct GlobalAvgPoolLayer: LayerDefinition {
    public init() {}
    public static let schema = LayerSchema(type: "global_avgpool", doc: "mean of each channel over H×W: [C, H, W] → [C]")
    public init(options: [String: OptionValue]) {}
    public var optionValues: [OptionValue] { [] }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard x.count == 3 else { return .failure(.image) }
        return .success([x[0]])
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int { Saturating.product(inputs.first ?? []) }
}
