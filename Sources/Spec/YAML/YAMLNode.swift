/// A YAML node as parsed by libyaml, with the source mark of its first character.
///
/// Scalars keep their raw text and whether they were quoted (a quoted `"5"` is a string, a plain
/// `5` may be read as a number). Mappings keep their keys in source order; duplicate keys are a
/// parse error, so keys are unique. Aliases are expanded by the parser (within bounds).
public indirect enum YAMLValue: Hashable, Sendable {
    case scalar(String, style: ScalarStyle)
    case sequence([YAMLNode])
    case mapping([(key: YAMLNode, value: YAMLNode)])

    public static func == (a: YAMLValue, b: YAMLValue) -> Bool {
        switch (a, b) {
        case let (.scalar(x, s), .scalar(y, t)): return x == y && s == t
        case let (.sequence(x), .sequence(y)): return x == y
        case let (.mapping(x), .mapping(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case let .scalar(s, style): h.combine(0); h.combine(s); h.combine(style)
        case let .sequence(items): h.combine(1); h.combine(items)
        case let .mapping(pairs):
            h.combine(2)
            for p in pairs { h.combine(p.key); h.combine(p.value) }
        }
    }
}

/// How a scalar was written. Plain scalars are subject to type resolution (`5`, `1e-3`, `true`,
/// `null`, `~`); quoted and block scalars are always strings.
public enum ScalarStyle: Hashable, Sendable {
    case plain
    case quoted
}

public struct YAMLNode: Hashable, Sendable {
    public var value: YAMLValue
    /// Where the node starts (file, 1-based line and column).
    public var mark: SourceMark

    public init(_ value: YAMLValue, mark: SourceMark) {
        self.value = value
        self.mark = mark
    }

    /// Structural equality: marks are ignored.
    public static func == (a: YAMLNode, b: YAMLNode) -> Bool { a.value == b.value }
    public func hash(into h: inout Hasher) { h.combine(value) }
}
