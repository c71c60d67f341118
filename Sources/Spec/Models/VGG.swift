/// `model: {vgg: {...}}` — a VGG-style network of 3×3 convolutions (padding 1): `stages` stages of
/// `convs` convolutions each, `width · 2^s` channels in stage s (from 0), each convolution followed
/// by an optional BatchNorm2d and the activation, each stage ending in a 2×2 max pooling; then a
/// global average pooling, an optional dropout and one linear layer to the classes.
/// Names: `stage<s>.conv<k>`, `stage<s>.bn<k>`, `stage<s>.pool`, `pool`, `dropout`, `fc`
/// (a PyTorch module tree with those attribute names loads the checkpoint as is).
public struct VGG: ModelDefinition {
    public var width = 32
    public var stages = 3
    public var convs = 2
    public var activation = "relu"
    public var batchnorm = true
    public var dropout = 0.0
    public var l2 = 0.0

    public init() {}

    public static let schema = ModelSchema(
        name: "vgg",
        doc: "VGG-style: stages × (convs × (conv 3×3 pad 1, [batchnorm2d], activation), maxpool 2), global avgpool, [dropout], fc <classes>",
        options: [
            OptionInfo("width", .integer(minimum: 1), .value(.int(32)), "channels of the first stage (doubled in each next stage)"),
            OptionInfo("stages", .integer(minimum: 1), .value(.int(3)), "stages, each halving the image size"),
            OptionInfo("convs", .integer(minimum: 1), .value(.int(2)), "3×3 convolutions per stage"),
            ModelOptions.activation("nonlinearity after each convolution (and its batch norm)"),
            ModelOptions.batchnorm("BatchNorm2d after each convolution (the convolutions then have no bias)"),
            ModelOptions.dropout("dropout p before the classifier; 0 = none"),
            ModelOptions.l2,
        ])

    public init(options o: [String: OptionValue]) {
        width = o.int("width")
        stages = o.int("stages")
        convs = o.int("convs")
        activation = o.text("activation") ?? "relu"
        batchnorm = o.bool("batchnorm")
        dropout = o.number("dropout")
        l2 = o.number("l2")
    }

    public var optionValues: [OptionValue] {
        [.int(width), .int(stages), .int(convs), .text(activation), .bool(batchnorm), .number(dropout), .number(l2)]
    }

    public func layers(input: [Int], classes: Int) -> [LayerSpec] {
        var net = LayerListBuilder()
        for s in 1...stages {
            let channels = Saturating.product(width, 1 << min(s - 1, 20))
            for k in 1...convs {
                net.add("stage\(s).conv\(k)", .conv2d(outChannels: channels, kernel: 3, padding: 1, bias: !batchnorm), l2: l2)
                if batchnorm { net.add("stage\(s).bn\(k)", .batchnorm2d(momentum: 0.1, eps: 1e-5), l2: l2) }
                net.add("stage\(s).\(activation)\(k)", .activation(activation))
            }
            net.add("stage\(s).pool", .maxpool2d(kernel: 2, stride: 2))
        }
        net.add("pool", .globalAvgPool)
        if dropout > 0 { net.add("dropout", .dropout(p: dropout)) }
        net.add("fc", .linear(outFeatures: classes), l2: l2)
        return net.layers
    }
}
