/// One registry model, defined once: its name and options (schema, defaults, docs), how its
/// options are written back to YAML, and its expansion into an explicit layer graph — the same
/// graph an equivalent hand-written `model.layers` gives, so shape inference, the builder, the
/// checkpoint names and the reports treat both alike.
///
/// Adding a model: one file here and one line in `ModelRegistry.types`. Its layers must already
/// exist in `LayerRegistry`; `ModelRegistryTests` plans and builds every registered model.
public protocol ModelDefinition: Hashable, Sendable {
    /// `model: {<name>: {...}}` key, documentation and options in canonical order.
    static var schema: ModelSchema { get }
    /// The model from checked options (static defaults filled in).
    init(options: [String: OptionValue])
    /// Every option, explicit, in `schema.options` order (what the canonical YAML writes).
    var optionValues: [OptionValue] { get }
    /// The layer graph for samples of shape `input` (`[C, H, W]` or `[F]`) and `classes` classes.
    /// Layer names follow PyTorch's `state_dict` naming of the equivalent module tree.
    func layers(input: [Int], classes: Int) -> [LayerSpec]
}

extension ModelDefinition {
    /// The model of this type with `options` (checked, defaults filled in).
    public static func model(options: [String: OptionValue]) -> RegistryModel { RegistryModel(Self(options: options)) }
}

/// What `runner list` and validation know of a registry model.
public struct ModelSchema: Sendable {
    public let name: String
    public let doc: String
    public let options: [OptionInfo]

    public init(name: String, doc: String, options: [OptionInfo]) {
        self.name = name
        self.doc = doc
        self.options = options
    }
}

/// A configured registry model: one value of a registered `ModelDefinition`.
public struct RegistryModel: Hashable, Sendable {
    public let definition: any ModelDefinition

    public init(_ definition: some ModelDefinition) { self.definition = definition }

    public var schema: ModelSchema { type(of: definition).schema }
    /// The registry name (`lenet5`, `mlp`, ...).
    public var name: String { schema.name }

    public static func == (a: RegistryModel, b: RegistryModel) -> Bool { AnyHashable(a.definition) == AnyHashable(b.definition) }
    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(definition)) }
}

/// Every model `model:` accepts by name, in `runner list` order.
public enum ModelRegistry {
    public static let types: [any ModelDefinition.Type] = [LeNet5.self, MLP.self, VGG.self, ResNet.self]

    /// The definition registered as `name`.
    public static func type(named name: String) -> (any ModelDefinition.Type)? { types.first { $0.schema.name == name } }

    /// The explicit layer list of `model` (unchanged for `.layers`) for samples of shape `input`
    /// and `classes` classes.
    public static func layers(for model: ModelSpec, input: [Int], classes: Int) -> [LayerSpec] {
        switch model {
        case let .layers(layers): layers
        case let .registry(model): model.definition.layers(input: input, classes: classes)
        }
    }
}

/// Builds a registry model's layer list in order: each layer feeds on the previous one unless
/// `inputs` says otherwise.
public struct LayerListBuilder {
    public private(set) var layers: [LayerSpec] = []

    public init() {}

    /// The last layer's name (`input` before the first).
    public var last: String { layers.last?.name ?? "input" }

    /// Appends `kind` as `name`, fed by `inputs` (default: the previous layer), and returns `name`.
    @discardableResult
    public mutating func add(_ name: String, _ kind: LayerKind, inputs: [String]? = nil, l2: Double = 0) -> String {
        layers.append(LayerSpec(name: name, kind: kind, inputs: inputs ?? [last], l2: kind.schema.hasParameters ? l2 : 0))
        return name
    }
}

extension ModelSpec {
    /// `model: {lenet5: {...}}`
    public static func lenet5(_ options: LeNet5 = LeNet5()) -> ModelSpec { .registry(RegistryModel(options)) }
}
