/// The schema both batch normalizations share. Parameters: a scale and a shift per channel (or
/// feature); FLOPs: two per element (one multiply-add once the statistics are folded in).
public protocol BatchNormLayerDefinition: LayerDefinition {
    var momentum: Double { get }
    var eps: Double { get }
    init(momentum: Double, eps: Double)
}

extension BatchNormLayerDefinition {
    static func batchNormSchema(_ type: String, _ doc: String) -> LayerSchema {
        LayerSchema(type: type, doc: doc, options: [
            OptionInfo("momentum", .number(.unitInterval), .value(.number(0.1)), "running-statistics update rate"),
            OptionInfo("eps", .number(.positive), .value(.number(1e-5)), "added to the variance"),
        ], hasParameters: true)
    }

    public init(options o: [String: OptionValue]) { self.init(momentum: o.number("momentum"), eps: o.number("eps")) }
    public var optionValues: [OptionValue] { [.number(momentum), .number(eps)] }
    public func parameterCount(input: [Int]) -> Int { Saturating.product(2, input.first ?? 0) }
    public func flops(inputs: [[Int]], output: [Int]) -> Int { Saturating.product(2, Saturating.product(output)) }
}

/// `batchnorm1d` over a vector `[F]` (PyTorch `nn.BatchNorm1d`). Engine: `Engine/Layers/BatchNorm1D.swift`.
public struct BatchNorm1DLayer: BatchNormLayerDefinition {
    public var momentum = 0.1
    public var eps = 1e-5
    public init(momentum: Double = 0.1, eps: Double = 1e-5) { (self.momentum, self.eps) = (momentum, eps) }
    public static let schema = batchNormSchema("batchnorm1d", "batch normalization over a vector [F]")

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard x.count == 1 else { return .failure(.expects("a vector input", hint: " (use batchnorm2d for images)")) }
        return .success(x)
    }
}

/// `batchnorm2d` per channel of `[C, H, W]` (PyTorch `nn.BatchNorm2d`). Engine: `Engine/Layers/BatchNorm2D.swift`.
public struct BatchNorm2DLayer: BatchNormLayerDefinition {
    public var momentum = 0.1
    public var eps = 1e-5
    public init(momentum: Double = 0.1, eps: Double = 1e-5) { (self.momentum, self.eps) = (momentum, eps) }
    public static let schema = batchNormSchema("batchnorm2d", "batch normalization per channel of [C, H, W]")

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard x.count == 3 else { return .failure(.expects("an image input [C, H, W]", hint: " (use batchnorm1d for vectors)")) }
        return .success(x)
    }
}
