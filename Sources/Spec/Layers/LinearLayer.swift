/// `linear`: fully connected layer over a vector `[F]` (PyTorch `nn.Linear`). FLOPs: two per
/// multiply-add plus one per output for the bias. Engine: `Engine/Layers/Linear.swift`.
public struct LinearLayer: LayerDefinition {
    public var outFeatures: Int
    public var bias = true

    public static let schema = LayerSchema(type: "linear", doc: "fully connected layer over a vector [F]", options: [
        OptionInfo("out", .integer(minimum: 1), .required, "output features"),
        OptionInfo("bias", .boolean, .value(.bool(true)), "learn a bias"),
    ], hasParameters: true)

    public init(outFeatures: Int, bias: Bool = true) { (self.outFeatures, self.bias) = (outFeatures, bias) }
    public init(options o: [String: OptionValue]) { self.init(outFeatures: o.int("out"), bias: o.bool("bias")) }
    public var optionValues: [OptionValue] { [.int(outFeatures), .bool(bias)] }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        guard inputs.first?.count == 1 else { return .failure(.expects("a vector input", hint: " (add a flatten layer)")) }
        return .success([outFeatures])
    }

    public func parameterCount(input: [Int]) -> Int {
        Saturating.sum(Saturating.product(outFeatures, input.first ?? 0), bias ? outFeatures : 0)
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int {
        let features = inputs.first?.first ?? 0
        return Saturating.product(Saturating.product(output), Saturating.sum(Saturating.product(2, features), bias ? 1 : 0))
    }
}
