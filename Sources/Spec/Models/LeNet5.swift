/// `model: {lenet5: {...}}` — LeNet-5 for `C×32×32` input (any channel count), named so that
/// parameter names match PyTorch's `state_dict`: `conv1, [batch_norm1], relu1, pool1, conv2,
/// [batch_norm2], relu2, pool2, conv3, [batch_norm3], relu3, flatten, [dropout], fc1, relu4, fc2`
/// (activations are named after the chosen activation; `l2` goes on every layer with parameters).
public struct LeNet5: ModelDefinition {
    public enum Activation: String, CaseIterable, Hashable, Sendable { case relu, tanh, sigmoid }
    public enum Pooling: String, CaseIterable, Hashable, Sendable { case avg, max }

    /// Dropout probability before `fc1`; 0 = no dropout layer.
    public var dropout: Double = 0
    /// BatchNorm2d after each convolution (before the activation).
    public var batchnorm: Bool = false
    /// L2 penalty λ on every parameter (adds λ·w to gradients, λ/2·‖w‖² to the loss).
    public var l2: Double = 0
    public var activation: Activation = .relu
    public var pooling: Pooling = .avg

    public init() {}

    public static let schema = ModelSchema(
        name: "lenet5",
        doc: "LeNet-5 (for 32×32 inputs, any channel count): conv 6, pool, conv 16, pool, conv 120, fc 84, fc <classes>",
        options: [
            OptionInfo("dropout", .number(.unitInterval), .value(.number(0)), "dropout p before fc1; 0 = no dropout layer"),
            OptionInfo("batchnorm", .boolean, .value(.bool(false)), "BatchNorm2d after each convolution, before the activation"),
            OptionInfo("l2", .number(.nonNegative), .value(.number(0)), "L2 penalty on every parametrized layer"),
            OptionInfo("activation", .choice(Activation.allCases.map(\.rawValue)), .value(.text("relu")), "nonlinearity"),
            OptionInfo("pooling", .choice(Pooling.allCases.map(\.rawValue)), .value(.text("avg")), "2×2 pooling, stride 2"),
        ])

    public init(options: [String: OptionValue]) {
        dropout = options.number("dropout")
        batchnorm = options.bool("batchnorm")
        l2 = options.number("l2")
        activation = options.text("activation").flatMap(Activation.init(rawValue:)) ?? .relu
        pooling = options.text("pooling").flatMap(Pooling.init(rawValue:)) ?? .avg
    }

    public var optionValues: [OptionValue] {
        [.number(dropout), .bool(batchnorm), .number(l2), .text(activation.rawValue), .text(pooling.rawValue)]
    }

    public func layers(input: [Int], classes: Int) -> [LayerSpec] {
        var net = LayerListBuilder()
        let act = LayerKind.activation(activation.rawValue)
        let pool: LayerKind = pooling == .avg ? .avgpool2d(kernel: 2, stride: 2) : .maxpool2d(kernel: 2, stride: 2)
        for (i, channels) in [6, 16, 120].enumerated() {
            let k = i + 1
            net.add("conv\(k)", .conv2d(outChannels: channels, kernel: 5, stride: 1, padding: 0, bias: true), l2: l2)
            if batchnorm { net.add("batch_norm\(k)", .batchnorm2d(momentum: 0.1, eps: 1e-5), l2: l2) }
            net.add("\(activation.rawValue)\(k)", act)
            if k < 3 { net.add("pool\(k)", pool) }
        }
        net.add("flatten", .flatten)
        if dropout > 0 { net.add("dropout", .dropout(p: dropout)) }
        net.add("fc1", .linear(outFeatures: 84, bias: true), l2: l2)
        net.add("\(activation.rawValue)4", act)
        net.add("fc2", .linear(outFeatures: classes, bias: true), l2: l2)
        return net.layers
    }
}
