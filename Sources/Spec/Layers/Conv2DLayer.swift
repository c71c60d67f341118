/// `conv2d`: 2-D convolution over `[C, H, W]` (PyTorch `nn.Conv2d`, square kernel, symmetric
/// padding). `padding: same` (stride 1, odd kernel) pads by `(kernel − 1) / 2` so the output keeps
/// the input's size; `groups` splits input and output channels into that many independent
/// convolutions (depthwise when groups = input channels). FLOPs: two per multiply-add of the
/// kernel, plus one per output for the bias. Engine: `Engine/Layers/Conv2D.swift` (groups = 1) and
/// `Engine/Layers/GroupedConv2D.swift`.
public struct Conv2DLayer: LayerDefinition {
    public var outChannels: Int
    public var kernel: Int
    public var stride = 1
    /// Zeros added on each side (resolved from `same` when `samePadding`).
    public var padding = 0
    /// Written as `padding: same` (padding is then `(kernel − 1) / 2`).
    public var samePadding = false
    public var groups = 1
    public var bias = true

    public static let schema = LayerSchema(type: "conv2d", doc: "2-D convolution over [C, H, W]", options: [
        OptionInfo("out", .integer(minimum: 1), .required, "output channels"),
        OptionInfo("kernel", .integer(minimum: 1), .required, "square kernel size"),
        OptionInfo("stride", .integer(minimum: 1), .value(.int(1)), "step between windows"),
        OptionInfo("padding", .either(.integer(minimum: 0), .choice(["same"])), .value(.int(0)),
                   "zeros added on each side; same = (kernel − 1) / 2 (stride 1, odd kernel): output size = input size"),
        OptionInfo("groups", .integer(minimum: 1), .value(.int(1)),
                   "independent channel groups (input and output channels divisible by it); groups = input channels is depthwise",
                   elidedAtDefault: true),
        OptionInfo("bias", .boolean, .value(.bool(true)), "learn a per-channel bias"),
    ], hasParameters: true)

    public init(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = true) {
        (self.outChannels, self.kernel, self.stride, self.padding, self.groups, self.bias) = (outChannels, kernel, stride, padding, groups, bias)
    }

    /// `padding: same`.
    public static func same(outChannels: Int, kernel: Int, groups: Int = 1, bias: Bool = true) -> Conv2DLayer {
        var layer = Conv2DLayer(outChannels: outChannels, kernel: kernel, padding: (kernel - 1) / 2, groups: groups, bias: bias)
        layer.samePadding = true
        return layer
    }

    public init(options o: [String: OptionValue]) {
        self.init(outChannels: o.int("out"), kernel: o.int("kernel"), stride: o.int("stride"),
                  padding: o.int("padding"), groups: o["groups"]?.int ?? 1, bias: o.bool("bias"))
        if o["padding"] == .text("same") {
            samePadding = true
            padding = (kernel - 1) / 2
        }
    }

    public var optionValues: [OptionValue] {
        [.int(outChannels), .int(kernel), .int(stride), samePadding ? .text("same") : .int(padding), .int(groups), .bool(bias)]
    }

    public func optionProblem() -> (key: String, message: String)? {
        if samePadding && stride != 1 {
            return ("padding", "padding: same needs stride 1, found stride \(stride) (give the padding as a number)")
        }
        if samePadding && kernel % 2 == 0 {
            return ("padding", "padding: same needs an odd kernel, found \(kernel) (PyTorch pads even kernels asymmetrically; give the padding as a number)")
        }
        if outChannels % groups != 0 {
            return ("groups", "expected a divisor of out (\(outChannels)), found \(groups)")
        }
        return nil
    }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard x.count == 3 else { return .failure(.image) }
        guard x[0] % groups == 0 else {
            return .failure(.expects("input channels divisible by groups (\(groups))", hint: ""))
        }
        let padded = (Saturating.sum(x[1], Saturating.product(2, padding)), Saturating.sum(x[2], Saturating.product(2, padding)))
        guard padded.0 >= kernel, padded.1 >= kernel else { return .failure(.tooSmall(window: kernel, padding: padding)) }
        return .success([outChannels, (padded.0 - kernel) / stride + 1, (padded.1 - kernel) / stride + 1])
    }

    public func parameterCount(input: [Int]) -> Int {
        Saturating.sum(Saturating.product(outChannels, (input.first ?? 0) / groups, kernel, kernel), bias ? outChannels : 0)
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int {
        let channels = (inputs.first?.first ?? 0) / groups
        return Saturating.product(Saturating.product(output),
                                  Saturating.sum(Saturating.product(2, channels, kernel, kernel), bias ? 1 : 0))
    }
}
