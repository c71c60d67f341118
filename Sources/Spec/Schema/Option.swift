/// One documented key of the schema: its type, default and a one-line description.
/// The loader validates against these entries and `runner list` prints them, so the two cannot drift.
public struct OptionInfo: Sendable {
    public let key: String
    public let type: ValueType
    public let defaultValue: OptionDefault
    public let doc: String
    /// Variants this option applies to (e.g. `momentum` only for `sgd`); nil for all.
    public let appliesTo: [String]?
    /// A key added after results were first published: the canonical YAML writes it only when
    /// its value differs from its default, so every config written before the key existed keeps
    /// its resolved text, its hash and its cached results. Such a key must have a `.value`
    /// default that means "behave as before the key existed".
    public let elidedAtDefault: Bool

    public init(_ key: String, _ type: ValueType, _ defaultValue: OptionDefault, _ doc: String,
                appliesTo: [String]? = nil, elidedAtDefault: Bool = false) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
        self.appliesTo = appliesTo
        self.elidedAtDefault = elidedAtDefault
    }

    /// Whether the canonical YAML leaves `value` out (an added key at its default).
    func elides(_ value: OptionValue) -> Bool {
        guard elidedAtDefault, case let .value(initial) = defaultValue else { return false }
        return value == initial
    }
}

/// What an omitted option means.
public enum OptionDefault: Hashable, Sendable {
    /// Must be given.
    case required
    /// This value.
    case value(OptionValue)
    /// Computed from other settings; the text says how (e.g. `kernel`, `train.epochs`).
    case derived(String)

    /// The default as printed by `runner list`.
    public var display: String {
        switch self {
        case .required: "required"
        case let .value(value): value.yaml
        case let .derived(rule): "= \(rule)"
        }
    }
}

extension OptionValue {
    /// The value as plain YAML flow text (`0.5`, `true`, `null`, `[0.9, 0.999]`).
    var yaml: String {
        switch self {
        case .null: "null"
        case let .bool(v): v ? "true" : "false"
        case let .int(v): String(v)
        case let .number(v): OptionValue.format(v)
        case let .text(v): v
        case let .numbers(v): "[" + v.map(OptionValue.format).joined(separator: ", ") + "]"
        case let .texts(v): "[" + v.joined(separator: ", ") + "]"
        case let .ints(v): "[" + v.map(String.init).joined(separator: ", ") + "]"
        }
    }

    /// Shortest text that reads back as the same `Double` and as a YAML float (never an integer).
    static func format(_ x: Double) -> String { x.description }
}

/// A mapping in the schema (`data`, `train.optimizer`, ...) with its keys in canonical order.
public struct SectionInfo: Sendable {
    /// Dotted path of the section; empty for the top level.
    public let path: String
    public let doc: String
    public let options: [OptionInfo]

    public func option(_ key: String) -> OptionInfo? { options.first { $0.key == key } }
}

/// A layer type usable in `model.layers`: a registered `LayerDefinition` as the catalog sees it.
public struct LayerInfo: Sendable {
    public let definition: any LayerDefinition.Type

    public init(_ definition: any LayerDefinition.Type) { self.definition = definition }

    public var schema: LayerSchema { definition.schema }
    public var type: String { schema.type }
    public var doc: String { schema.doc }
    public var options: [OptionInfo] { schema.options }
    /// Whether the layer owns trainable parameters (only those accept `l2`).
    public var hasParameters: Bool { schema.hasParameters }
    /// Least number of inputs (2 for `add` and `concat`).
    public var minimumInputs: Int { schema.minimumInputs }
    /// Builds the kind from checked options (required ones present, static defaults filled in).
    func build(_ options: [String: OptionValue]) -> LayerKind { LayerKind(definition.init(options: options)) }
    /// The options of a kind, every one explicit, in catalog order.
    func values(_ kind: LayerKind) -> [OptionValue] { kind.definition.optionValues }
}

/// A registry model usable as `model: {<name>: {options}}`: a registered `ModelDefinition` as the
/// catalog sees it.
public struct ModelInfo: Sendable {
    public let definition: any ModelDefinition.Type

    public init(_ definition: any ModelDefinition.Type) { self.definition = definition }

    public var name: String { definition.schema.name }
    public var doc: String { definition.schema.doc }
    public var options: [OptionInfo] { definition.schema.options }
}

extension [OptionInfo] {
    /// The options' static defaults (`.value` ones), by key.
    public var defaults: [String: OptionValue] {
        var values: [String: OptionValue] = [:]
        for option in self { if case let .value(v) = option.defaultValue { values[option.key] = v } }
        return values
    }
}
