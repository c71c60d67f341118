/// `model: {mlp: {...}}` — a multilayer perceptron: the sample flattened (images become
/// `[C·H·W]`), one hidden layer per entry of `hidden` (its units), each `fc<k>`, optional
/// `bn<k>` (BatchNorm1d), the activation and an optional dropout, then `fc<k+1>` to the classes.
public struct MLP: ModelDefinition {
    public var hidden = [256]
    public var activation = "relu"
    public var batchnorm = false
    public var dropout = 0.0
    public var l2 = 0.0

    public init() {}

    public static let schema = ModelSchema(
        name: "mlp",
        doc: "multilayer perceptron: flatten, per hidden size (fc, [batchnorm1d], activation, [dropout]), fc <classes>",
        options: [
            OptionInfo("hidden", .integers(minimum: 1), .value(.ints([256])), "hidden layer sizes, in order ([]: a linear classifier)"),
            ModelOptions.activation(),
            OptionInfo("batchnorm", .boolean, .value(.bool(false)), "BatchNorm1d after each hidden linear layer, before the activation"),
            ModelOptions.dropout("dropout p after each hidden activation; 0 = none"),
            ModelOptions.l2,
        ])

    public init(options o: [String: OptionValue]) {
        if case let .ints(sizes)? = o["hidden"] { hidden = sizes }
        activation = o.text("activation") ?? "relu"
        batchnorm = o.bool("batchnorm")
        dropout = o.number("dropout")
        l2 = o.number("l2")
    }

    public var optionValues: [OptionValue] {
        [.ints(hidden), .text(activation), .bool(batchnorm), .number(dropout), .number(l2)]
    }

    public func layers(input: [Int], classes: Int) -> [LayerSpec] {
        var net = LayerListBuilder()
        if input.count != 1 { net.add("flatten", .flatten) }
        for (i, width) in hidden.enumerated() {
            let k = i + 1
            net.add("fc\(k)", .linear(outFeatures: width), l2: l2)
            if batchnorm { net.add("bn\(k)", .batchnorm1d(momentum: 0.1, eps: 1e-5), l2: l2) }
            net.add("\(activation)\(k)", .activation(activation))
            if dropout > 0 { net.add("dropout\(k)", .dropout(p: dropout)) }
        }
        net.add("fc\(hidden.count + 1)", .linear(outFeatures: classes), l2: l2)
        return net.layers
    }
}
