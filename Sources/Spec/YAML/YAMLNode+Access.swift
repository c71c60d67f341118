/// Accessors used by validation: kind tests, children by key, scalar typing and message wording.
extension YAMLNode {
    /// A scalar node, plain by default.
    public init(scalar text: String, style: ScalarStyle = .plain, mark: SourceMark) {
        self.init(.scalar(text, style: style), mark: mark)
    }

    /// The text of a scalar node (quoted or not); nil for mappings and sequences.
    public var scalar: String? {
        if case let .scalar(text, _) = value { return text }
        return nil
    }

    /// The style of a scalar node; nil for mappings and sequences.
    public var scalarStyle: ScalarStyle? {
        if case let .scalar(_, style) = value { return style }
        return nil
    }

    /// Key/value pairs in source order; nil unless this is a mapping.
    public var mappingPairs: [(key: YAMLNode, value: YAMLNode)]? {
        if case let .mapping(pairs) = value { return pairs }
        return nil
    }

    /// Items in source order; nil unless this is a sequence.
    public var sequenceItems: [YAMLNode]? {
        if case let .sequence(items) = value { return items }
        return nil
    }

    public var isMapping: Bool { mappingPairs != nil }
    public var isSequence: Bool { sequenceItems != nil }

    /// The value stored under a (scalar) key in a mapping; nil if absent or not a mapping.
    public func child(_ key: String) -> YAMLNode? { pair(key)?.value }

    /// The key node and value stored under `key`, so messages can point at either.
    public func pair(_ key: String) -> (key: YAMLNode, value: YAMLNode)? {
        mappingPairs?.first { $0.key.scalar == key }
    }

    /// The scalar keys of a mapping in source order; empty for other nodes.
    public var keys: [String] { mappingPairs?.compactMap(\.key.scalar) ?? [] }

    /// The resolved value of a scalar (see `YAMLScalar`); nil for mappings and sequences.
    public var typedScalar: YAMLScalar? {
        if case let .scalar(text, style) = value { return YAMLScalar.resolve(text, plain: style == .plain) }
        return nil
    }

    /// True for a plain `null`, `~` or empty scalar.
    public var isNull: Bool { typedScalar == .null }

    /// What this node is, for messages: "a mapping", "a list", "a string", "an integer",
    /// "a number", "a boolean" or "null".
    public var kindName: String {
        switch value {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case let .scalar(text, style): return YAMLScalar.resolve(text, plain: style == .plain).kindName
        }
    }

    /// How a message shows what was found: scalars by value (strings quoted: `"five"`, numbers
    /// and booleans as written: `5`, `true`), collections by kind (`a mapping`, `a list`).
    public var foundDescription: String {
        switch value {
        case .mapping, .sequence: return kindName
        case let .scalar(text, style):
            switch YAMLScalar.resolve(text, plain: style == .plain) {
            case .null: return "null"
            case .string: return quotedForMessage(text)
            default: return text
            }
        }
    }

    /// Equality of meaning rather than of spelling: scalars compare by resolved type and value
    /// (`"abc"` equals plain `abc`, `~` equals `null`, `1.0` equals `1.00`, `.nan` equals `.nan`),
    /// mappings by keys and values in order, sequences item by item. Marks are ignored.
    public func sameContent(as other: YAMLNode) -> Bool {
        switch (value, other.value) {
        case (.scalar, .scalar):
            switch (typedScalar, other.typedScalar) {
            case let (.double(a)?, .double(b)?): return a == b || (a.isNaN && b.isNaN)
            case let (a?, b?): return a == b
            default: return false
            }
        case let (.sequence(a), .sequence(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameContent(as: $1) }
        case let (.mapping(a), .mapping(b)):
            return a.count == b.count
                && zip(a, b).allSatisfy { $0.key.sameContent(as: $1.key) && $0.value.sameContent(as: $1.value) }
        default:
            return false
        }
    }
}
