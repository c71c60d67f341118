/// `flatten`: `[C, H, W]` → `[C·H·W]` (PyTorch `nn.Flatten`). Free. Engine: `Engine/Layers/Flatten.swift`.
public struct FlattenLayer: LayerDefinition {
    public init() {}
    public init(options: [String: OptionValue]) {}
    public static let schema = LayerSchema(type: "flatten", doc: "[C, H, W] → [C·H·W]")
    public var optionValues: [OptionValue] { [] }
    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> { .success([Saturating.product(inputs.first ?? [])]) }
    public func flops(inputs: [[Int]], output: [Int]) -> Int { 0 }
}

/// `add`: element-wise sum of two or more inputs of equal shape (residual connections). FLOPs:
/// one per element per extra input. Engine: `Engine/Layers/Add.swift`.
public struct AddLayer: LayerDefinition {
    public init() {}
    public init(options: [String: OptionValue]) {}
    public static let schema = LayerSchema(type: "add", doc: "element-wise sum of two or more inputs of equal shape",
                                           minimumInputs: 2)
    public var optionValues: [OptionValue] { [] }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard inputs.allSatisfy({ $0 == x }) else { return .failure(.mismatch("inputs of equal shape")) }
        return .success(x)
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int { Saturating.product(Saturating.product(output), max(inputs.count - 1, 0)) }
}

/// `concat`: concatenation of two or more inputs along the channel (first) axis. Free.
/// Engine: `Engine/Layers/Concat.swift`.
public struct ConcatLayer: LayerDefinition {
    public init() {}
    public init(options: [String: OptionValue]) {}
    public static let schema = LayerSchema(type: "concat",
                                           doc: "concatenation of two or more inputs along channels (equal spatial size)",
                                           minimumInputs: 2)
    public var optionValues: [OptionValue] { [] }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        let rest = { (s: [Int]) in Array(s.dropFirst()) }
        guard inputs.allSatisfy({ $0.count == x.count && rest($0) == rest(x) }) else {
            return .failure(.mismatch(x.count == 3 ? "inputs of equal spatial size" : "inputs of equal rank"))
        }
        return .success([inputs.reduce(0) { Saturating.sum($0, $1.first ?? 0) }] + rest(x))
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int { 0 }
}

/// `pad_channels`: zero channels appended to reach `out` channels, `[C, H, W]` → `[out, H, W]`
/// (the zero-padded identity shortcut of He et al.'s CIFAR ResNets, option A; PyTorch
/// `F.pad(x, (0, 0, 0, 0, 0, out − C))`). Free. Engine: `Engine/Layers/PadChannels.swift`.
public struct PadChannelsLayer: LayerDefinition {
    public var out: Int

    public init(out: Int) { self.out = out }
    public init(options o: [String: OptionValue]) { self.init(out: o.int("out")) }
    public static let schema = LayerSchema(type: "pad_channels", doc: "zero channels appended: [C, H, W] → [out, H, W]", options: [
        OptionInfo("out", .integer(minimum: 1), .required, "channels of the output (at least the input's)"),
    ])
    public var optionValues: [OptionValue] { [.int(out)] }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        guard x.count == 3 else { return .failure(.image) }
        guard x[0] <= out else { return .failure(.mismatch("at most out = \(out) input channels")) }
        return .success([out, x[1], x[2]])
    }

    public func flops(inputs: [[Int]], output: [Int]) -> Int { 0 }
}
