/// `dropout`: zeroes each element with probability `p` while training and scales the rest by
/// 1/(1-p) (PyTorch `nn.Dropout`). FLOPs: one per element. Engine: `Engine/Layers/Dropout.swift`.
public struct DropoutLayer: LayerDefinition {
    public var p = 0.5

    public static let schema = LayerSchema(type: "dropout",
                                           doc: "zeroes each element with probability p while training (scales by 1/(1-p))",
                                           options: [OptionInfo("p", .number(.unitInterval), .value(.number(0.5)), "drop probability")])

    public init(p: Double = 0.5) { self.p = p }
    public init(options o: [String: OptionValue]) { self.init(p: o.number("p")) }
    public var optionValues: [OptionValue] { [.number(p)] }
    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> { .success(inputs.first ?? []) }
}
