/// One layer type, defined once: its schema (options, defaults, docs), how it is decoded from and
/// written back to YAML, its shape rule, its parameter count and its forward FLOPs. The engine's
/// layer class takes its shapes from the same rule (`Engine/Layers/<Type>.swift` builds itself
/// from the definition), so spec and engine cannot disagree.
///
/// Adding a layer type: one file here, one line in `LayerRegistry.types`, its engine class (with
/// its `EngineBuildable` conformance) and its gradient test. `LayerRegistryTests` builds every
/// registered type and checks the plan against the engine.
///
/// FLOPs count a multiply-add as 2; see each type for its rule. Shapes are per sample:
/// `[C, H, W]` for images, `[F]` for vectors.
public protocol LayerDefinition: Hashable, Sendable {
    /// `type:` name, documentation, options in canonical order, and input count.
    static var schema: LayerSchema { get }
    /// The layer from checked options (required ones present, static defaults filled in).
    init(options: [String: OptionValue])
    /// Every option, explicit, in `schema.options` order (what the canonical YAML writes).
    var optionValues: [OptionValue] { get }
    /// The output shape for `inputs` (already counted: one input, or `minimumInputs` or more).
    func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem>
    /// Why the options do not fit together (`padding: same` with stride 2), as the key to report
    /// and the message; nil when they do. Checked when the layer is decoded.
    func optionProblem() -> (key: String, message: String)?
    /// Trainable scalars for a first input of shape `input`.
    func parameterCount(input: [Int]) -> Int
    /// Forward FLOPs per sample.
    func flops(inputs: [[Int]], output: [Int]) -> Int
}

extension LayerDefinition {
    /// The layer of this type with `options` (checked, defaults filled in).
    public static func kind(options: [String: OptionValue]) -> LayerKind { LayerKind(Self(options: options)) }
    public func optionProblem() -> (key: String, message: String)? { nil }
    public func parameterCount(input: [Int]) -> Int { 0 }
    /// One op per output element (activations, dropout).
    public func flops(inputs: [[Int]], output: [Int]) -> Int { Saturating.product(output) }
}

/// What `runner list` and validation know of a layer type.
public struct LayerSchema: Sendable {
    public let type: String
    public let doc: String
    public let options: [OptionInfo]
    /// Whether the layer owns trainable parameters (only those accept `l2`).
    public let hasParameters: Bool
    /// Least number of inputs (2 for `add` and `concat`).
    public let minimumInputs: Int

    public init(type: String, doc: String, options: [OptionInfo] = [], hasParameters: Bool = false, minimumInputs: Int = 1) {
        self.type = type
        self.doc = doc
        self.options = options
        self.hasParameters = hasParameters
        self.minimumInputs = minimumInputs
    }
}

/// Why an input does not fit a layer.
public enum LayerShapeProblem: Error, Hashable, Sendable {
    /// Input 0 has the wrong rank; the text says what is expected (`a vector input`).
    case expects(String, hint: String)
    /// Input 0 is spatially smaller than the window.
    case tooSmall(window: Int, padding: Int)
    /// Inputs disagree; the text says how they should agree.
    case mismatch(String)

    static let image = LayerShapeProblem.expects("an image input [C, H, W]", hint: "")
}

/// A layer of a network: one value of a registered `LayerDefinition`.
public struct LayerKind: Hashable, Sendable {
    public let definition: any LayerDefinition

    public init(_ definition: some LayerDefinition) { self.definition = definition }

    /// The registry's type string (`conv2d`, `linear`, ...).
    public var typeName: String { type(of: definition).schema.type }
    public var schema: LayerSchema { type(of: definition).schema }

    public static func == (a: LayerKind, b: LayerKind) -> Bool { AnyHashable(a.definition) == AnyHashable(b.definition) }
    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(definition)) }

    func outputShape(_ inputs: [[Int]]) -> Result<[Int], LayerShapeProblem> { definition.outputShape(inputs) }
    func parameterCount(input: [Int]) -> Int { definition.parameterCount(input: input) }
    func flops(inputs: [[Int]], output: [Int]) -> Int { definition.flops(inputs: inputs, output: output) }
}

/// Every layer type `model.layers` accepts, in `runner list` order.
public enum LayerRegistry {
    public static let types: [any LayerDefinition.Type] = [
        Conv2DLayer.self, LinearLayer.self, MaxPool2DLayer.self, AvgPool2DLayer.self, GlobalAvgPoolLayer.self,
        DropoutLayer.self, BatchNorm1DLayer.self, BatchNorm2DLayer.self, LayerNormLayer.self,
        ReLULayer.self, LeakyReLULayer.self, ELULayer.self, GELULayer.self, SiLULayer.self, TanhLayer.self,
        SigmoidLayer.self, IdentityLayer.self, FlattenLayer.self, AddLayer.self, ConcatLayer.self, PadChannelsLayer.self,
    ]

    /// The element-wise activations a registry model's `activation:` option can name (each with
    /// its default options).
    public static let activations = ["relu", "leaky_relu", "elu", "gelu", "silu", "tanh", "sigmoid"]

    /// The definition registered as `type`.
    public static func type(named type: String) -> (any LayerDefinition.Type)? { types.first { $0.schema.type == type } }
}

/// Typed access to options that the schema guarantees are present (required or defaulted).
extension Dictionary where Key == String, Value == OptionValue {
    func int(_ key: String) -> Int { self[key]?.int ?? 0 }
    func number(_ key: String) -> Double { self[key]?.number ?? 0 }
    func bool(_ key: String) -> Bool { self[key]?.bool ?? false }
    func text(_ key: String) -> String? { self[key]?.text }
}

/// Shorthands for building layers in code (registry models, tests): `.conv2d(outChannels: 6, kernel: 5)`.
extension LayerKind {
    public static func conv2d(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
                              bias: Bool = true) -> LayerKind {
        LayerKind(Conv2DLayer(outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, groups: groups, bias: bias))
    }
    public static func linear(outFeatures: Int, bias: Bool = true) -> LayerKind { LayerKind(LinearLayer(outFeatures: outFeatures, bias: bias)) }
    public static func maxpool2d(kernel: Int, stride: Int) -> LayerKind { LayerKind(MaxPool2DLayer(kernel: kernel, stride: stride)) }
    public static func avgpool2d(kernel: Int, stride: Int) -> LayerKind { LayerKind(AvgPool2DLayer(kernel: kernel, stride: stride)) }
    public static func dropout(p: Double) -> LayerKind { LayerKind(DropoutLayer(p: p)) }
    public static func batchnorm1d(momentum: Double, eps: Double) -> LayerKind { LayerKind(BatchNorm1DLayer(momentum: momentum, eps: eps)) }
    public static func batchnorm2d(momentum: Double, eps: Double) -> LayerKind { LayerKind(BatchNorm2DLayer(momentum: momentum, eps: eps)) }
    /// An option-free layer named by its type (`relu`, `tanh`): what a model's `activation:` names.
    public static func activation(_ type: String) -> LayerKind {
        guard let definition = LayerRegistry.type(named: type) else { preconditionFailure("no layer type \(type)") }
        return definition.kind(options: definition.schema.options.defaults)
    }
    public static let relu = LayerKind(ReLULayer())
    public static let tanh = LayerKind(TanhLayer())
    public static let sigmoid = LayerKind(SigmoidLayer())
    public static let flatten = LayerKind(FlattenLayer())
    public static let globalAvgPool = LayerKind(GlobalAvgPoolLayer())
    public static let identity = LayerKind(IdentityLayer())
    public static let add = LayerKind(AddLayer())
    public static let concat = LayerKind(ConcatLayer())
}
