/// `model: {resnet: {...}}` — a CIFAR-style residual network (He et al. 2016, §4.2): a 3×3 stem
/// convolution of `width` channels, then `stages` stages of `blocks` basic blocks with
/// `width · 2^s` channels in stage s (from 0); the first block of every stage after the first
/// halves the image with a stride-2 convolution. A basic block is conv 3×3 → batch norm →
/// activation → conv 3×3 → batch norm, plus the shortcut (identity, or a 1×1 stride-2
/// convolution and batch norm where the shape changes), then the activation. Then a global
/// average pooling and one linear layer. Depth = 6·blocks + 2 for three stages (blocks 3:
/// ResNet-20, 5: ResNet-32, 9: ResNet-56).
///
/// Parameter names follow torchvision's ResNet: `conv1`, `bn1`, `layer<s>.<b>.conv1`, `.bn1`,
/// `.conv2`, `.bn2`, `.downsample.0` (conv), `.downsample.1` (batch norm), `fc`.
public struct ResNet: ModelDefinition {
    public var width = 16
    public var stages = 3
    public var blocks = 3
    public var activation = "relu"
    /// How a block that changes size or width shortcuts: a 1×1 stride-2 convolution with batch
    /// norm (`projection`, option B), or the input subsampled with stride 2 (1×1 max pooling) and
    /// zero-padded to the new width (`pooling`, option A of He et al., no parameters).
    public var shortcut = Shortcut.projection
    public var l2 = 0.0

    public enum Shortcut: String, CaseIterable, Hashable, Sendable { case projection, pooling }

    public init() {}

    public static let schema = ModelSchema(
        name: "resnet",
        doc: "CIFAR-style ResNet: conv 3×3, stages × blocks basic blocks (stride-2 downsampling), global avgpool, fc <classes>",
        options: [
            OptionInfo("width", .integer(minimum: 1), .value(.int(16)), "channels of the stem and the first stage (doubled in each next stage)"),
            OptionInfo("stages", .integer(minimum: 1), .value(.int(3)), "stages; each after the first halves the image size"),
            OptionInfo("blocks", .integer(minimum: 1), .value(.int(3)), "basic blocks per stage (3: ResNet-20, 5: ResNet-32, 9: ResNet-56)"),
            ModelOptions.activation("nonlinearity inside and after each block"),
            OptionInfo("shortcut", .choice(Shortcut.allCases.map(\.rawValue)), .value(.text("projection")),
                       "where a block changes size: projection (1×1 stride-2 conv + batch norm) or pooling (stride-2 subsampling, zero-padded channels; no parameters)"),
            ModelOptions.l2,
        ])

    public init(options o: [String: OptionValue]) {
        width = o.int("width")
        stages = o.int("stages")
        blocks = o.int("blocks")
        activation = o.text("activation") ?? "relu"
        shortcut = o.text("shortcut").flatMap(Shortcut.init(rawValue:)) ?? .projection
        l2 = o.number("l2")
    }

    public var optionValues: [OptionValue] {
        [.int(width), .int(stages), .int(blocks), .text(activation), .text(shortcut.rawValue), .number(l2)]
    }

    public func layers(input: [Int], classes: Int) -> [LayerSpec] {
        var net = LayerListBuilder()
        let bn = LayerKind.batchnorm2d(momentum: 0.1, eps: 1e-5)
        let act = LayerKind.activation(activation)
        net.add("conv1", .conv2d(outChannels: width, kernel: 3, padding: 1, bias: false), l2: l2)
        net.add("bn1", bn, l2: l2)
        var previous = net.add(activation, act)
        var channels = width
        for s in 1...stages {
            let out = Saturating.product(width, 1 << min(s - 1, 20))
            for b in 0..<blocks {
                let p = "layer\(s).\(b)"
                let stride = s > 1 && b == 0 ? 2 : 1
                net.add("\(p).conv1", .conv2d(outChannels: out, kernel: 3, stride: stride, padding: 1, bias: false), l2: l2)
                net.add("\(p).bn1", bn, l2: l2)
                net.add("\(p).\(activation)1", act)
                net.add("\(p).conv2", .conv2d(outChannels: out, kernel: 3, padding: 1, bias: false), l2: l2)
                let residual = net.add("\(p).bn2", bn, l2: l2)
                var shortcut = previous
                if stride != 1 || out != channels {
                    switch self.shortcut {
                    case .projection:
                        net.add("\(p).downsample.0", .conv2d(outChannels: out, kernel: 1, stride: stride, bias: false),
                                inputs: [previous], l2: l2)
                        shortcut = net.add("\(p).downsample.1", bn, l2: l2)
                    case .pooling:
                        if stride != 1 { shortcut = net.add("\(p).subsample", .maxpool2d(kernel: 1, stride: stride), inputs: [previous]) }
                        shortcut = net.add("\(p).pad", LayerKind(PadChannelsLayer(out: out)), inputs: [shortcut])
                    }
                }
                net.add("\(p).add", .add, inputs: [residual, shortcut])
                previous = net.add("\(p).\(activation)2", act)
                channels = out
            }
        }
        net.add("avgpool", .globalAvgPool)
        net.add("fc", .linear(outFeatures: classes), l2: l2)
        return net.layers
    }
}
