/// `layernorm` (PyTorch `nn.LayerNorm(normalized_shape, eps)` with its affine weight and bias):
/// each sample is normalized over its last `dims` dimensions — the whole sample by default, so
/// `[F]` for vectors and `[C, H, W]` for images — with the biased variance, then scaled and
/// shifted element-wise by parameters of the normalized shape. FLOPs: five per element.
/// Engine: `Engine/Layers/LayerNorm.swift`.
public struct LayerNormLayer: LayerDefinition {
    /// Trailing dimensions normalized over; nil = all of the sample's.
    public var dims: Int?
    public var eps = 1e-5

    public init(dims: Int? = nil, eps: Double = 1e-5) { (self.dims, self.eps) = (dims, eps) }

    public static let schema = LayerSchema(type: "layernorm", doc: "normalization over each sample's last dims, then a per-element scale and shift", options: [
        OptionInfo("dims", .nullable(.integer(minimum: 1)), .value(.null), "trailing dimensions normalized over (PyTorch normalized_shape); null = all"),
        OptionInfo("eps", .number(.positive), .value(.number(1e-5)), "added to the variance"),
    ], hasParameters: true)

    public init(options o: [String: OptionValue]) { self.init(dims: o["dims"]?.int, eps: o.number("eps")) }
    public var optionValues: [OptionValue] { [dims.map(OptionValue.int) ?? .null, .number(eps)] }

    /// The normalized (and parameter) shape: the input's last `dims` dimensions.
    public func normalizedShape(_ input: [Int]) -> [Int] { Array(input.suffix(dims ?? input.count)) }

    public func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> {
        let x = inputs.first ?? []
        if let dims, dims > x.count {
            return .failure(.expects("an input of at least \(dims) dimensions", hint: " (dims: \(dims))"))
        }
        return .success(x)
    }

    public func parameterCount(input: [Int]) -> Int { Saturating.product(2, Saturating.product(normalizedShape(input))) }
    public func flops(inputs: [[Int]], output: [Int]) -> Int { Saturating.product(5, Saturating.product(output)) }
}
