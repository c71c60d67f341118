/// `conv2d`: 2-D convolution over `[C, H, W]` (PyTorch `nn.Conv2d`, square kernel). FLOPs: two per
/// multiply-add of the kernel, plus one per output for the bias. Engine: `Engine/Layers/Conv2D.swift`.
public struct Conv2DLayer: LayerDefinition {
    public var outChannels: Int
    public var kernel: Int
    public var stride = 1
    public var padding = 0
    public var bias = true

    public static let schema = LayerSchema(type: "conv2d", doc: "2-D convolution over [C, H, W]", options: [
        OptionInfo("out", .integer(minimum: 1), .required, "output channels"),
        OptionInfo("kernel", .integer(minimum: 1), .required, "square kernel size"),
        OptionInfo("stride", .integer(minimum: 1), .value(.int(1)), "step between windows"),
        OptionInfo("padding", .integer(minimum: 0), .value(.int(0)), "zeros added on each side"),
        OptionInfo("bias", .boolean, .value(.bool(true)), "learn a per-channel bias"),
    ], hasParameters: true)

    public init(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true) {
        (self.outChannels, self.kernel, self.stride, self.padding, self.bias) = (outChannels, kernel, stride, padding, bias)
    }

    public init(options o: [String: OptionValue]) {
        self.init(outChannels: o.int("out"), kernel: o.int("kernel"), stride: o.int("stride"),
                  padding: o.int("padding"), bias: o.bool("bias"))
    }

    public var optionValues: [OptionValue] { [.int(outChannels), .int(kernel), .int(stride), .int(padding), .bool(bias)] }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard x.count == 3 else { return .failure(.image) }
        let padded = (Saturating.sum(x[1], Saturating.product(2, padding)), Saturating.sum(x[2], Saturating.product(2, padding)))
        guard padded.0 >= kernel, padded.1 >= kernel else { return .failure(.tooSmall(window: kernel, padding: padding)) }
        return .success([outChannels, (padded.0 - kernel) / stride + 1, (padded.1 - kernel) / stride + 1])
    }

    public func parameterCount(input: [Int]) -> Int {
        Saturating.sum(Saturating.product(outChannels, input.first ?? 0, kernel, kernel), bias ? outChannels : 0)
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int {
        let channels = inputs.first?.first ?? 0
        return Saturating.product(Saturating.product(output),
                                  Saturating.sum(Saturating.product(2, channels, kernel, kernel), bias ? 1 : 0))
    }
}
