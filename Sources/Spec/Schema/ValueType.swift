/// The type of one option in the schema: what the loader accepts and how `runner list` names it.
public indirect enum ValueType: Hashable, Sendable {
    /// A whole number `>= minimum` (1: positive, 0: non-negative).
    case integer(minimum: Int)
    /// A finite number in `range`.
    case number(NumberRange)
    case boolean
    /// Any non-null scalar, read as text.
    case text
    /// One of a fixed set of identifiers.
    case choice([String])
    /// A list of exactly two finite numbers in `range` (Adam's betas).
    case numberPair(NumberRange)
    /// A number in `range`, or a non-empty list of them (one per channel: `data.normalize`).
    case numberOrList(NumberRange)
    /// A layer name or a list of layer names (`inputs:`).
    case names
    /// A list (possibly empty) of whole numbers `>= minimum` (an MLP's hidden sizes).
    case integers(minimum: Int)
    /// The wrapped type, or `null` for "none".
    case nullable(ValueType)
    /// A value of the first type or of the second (`padding`: an integer or `same`).
    case either(ValueType, ValueType)
    /// A structured value read by the loader itself (sections, `extends`, `seeds`, `sweep`);
    /// the text is its description.
    case custom(String)

    /// The phrase used in messages and in the listing, e.g. `a positive integer`.
    public var phrase: String {
        switch self {
        case let .integer(minimum):
            minimum == 1 ? "a positive integer" : minimum == 0 ? "a non-negative integer" : "an integer ≥ \(minimum)"
        case let .number(range): range.phrase
        case .boolean: "true or false"
        case .text: "a string"
        case let .choice(options): options.count == 1 ? options[0] : "one of " + options.joined(separator: ", ")
        case let .numberPair(range): "a list of two numbers (each \(range.bounds))"
        case let .numberOrList(range): range.phrase + " or a list of them (one per channel)"
        case .names: "a layer name or a list of layer names"
        case let .integers(minimum): "a list of " + (minimum == 1 ? "positive integers" : "integers ≥ \(minimum)")
        case let .nullable(inner): inner.phrase + " or null"
        case let .either(a, b): a.phrase + " or " + b.phrase
        case let .custom(description): description
        }
    }
}

/// The allowed interval of a number option.
public enum NumberRange: Hashable, Sendable {
    case any, positive, nonNegative
    /// `0 ≤ x < 1`
    case unitInterval

    func contains(_ x: Double) -> Bool {
        switch self {
        case .any: true
        case .positive: x > 0
        case .nonNegative: x >= 0
        case .unitInterval: x >= 0 && x < 1
        }
    }

    var phrase: String {
        switch self {
        case .any: "a finite number"
        case .positive: "a positive number"
        case .nonNegative: "a non-negative number"
        case .unitInterval: "a number in [0, 1)"
        }
    }

    /// `finite numbers`, `positive numbers`, …
    var plural: String {
        switch self {
        case .any: "finite numbers"
        case .positive: "positive numbers"
        case .nonNegative: "non-negative numbers"
        case .unitInterval: "numbers in [0, 1)"
        }
    }

    var bounds: String {
        switch self {
        case .any: "finite"
        case .positive: "> 0"
        case .nonNegative: "≥ 0"
        case .unitInterval: "in [0, 1)"
        }
    }
}

/// A value that passed its `ValueType` check.
public enum OptionValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case text(String)
    case numbers([Double])
    case texts([String])
    case ints([Int])

    var int: Int? { if case let .int(v) = self { v } else { nil } }
    var number: Double? {
        switch self {
        case let .number(v): v
        case let .int(v): Double(v)
        default: nil
        }
    }
    var bool: Bool? { if case let .bool(v) = self { v } else { nil } }
    var text: String? { if case let .text(v) = self { v } else { nil } }
}

extension ValueType {
    /// Checks `node` against this type; on failure returns the message
    /// (`expected a positive integer, found "five"`).
    func read(_ node: YAMLNode) -> Result<OptionValue, ReadFailure> {
        let fail = { (extra: String) in Result<OptionValue, ReadFailure>.failure(
            ReadFailure("expected \(phrase), found \(node.foundDescription)\(extra)")) }
        switch self {
        case let .nullable(inner):
            if node.isNull { return .success(.null) }
            return inner.read(node).mapError { _ in ReadFailure("expected \(phrase), found \(node.foundDescription)") }
        case let .either(a, b):
            if case let .success(value) = a.read(node) { return .success(value) }
            if case let .success(value) = b.read(node) { return .success(value) }
            return fail("")
        case let .numberOrList(range):
            guard case .sequence(let items) = node.value else { return ValueType.number(range).read(node) }
            var values: [Double] = []
            for (index, item) in items.enumerated() {
                guard case let .success(value) = ValueType.number(range).read(item), let x = value.number else {
                    return .failure(ReadFailure("expected a list of \(range.plural) (one per channel), found \(item.foundDescription) at index \(index)"))
                }
                values.append(x)
            }
            if values.isEmpty { return .failure(ReadFailure("expected \(range.phrase) or a non-empty list of them, found []")) }
            return .success(.numbers(values))
        case let .integers(minimum):
            guard case .sequence(let items) = node.value else { return fail("") }
            var values: [Int] = []
            for item in items {
                guard case let .success(.int(v)) = ValueType.integer(minimum: minimum).read(item) else {
                    return .failure(ReadFailure("expected \(phrase), found \(item.foundDescription) in the list"))
                }
                values.append(v)
            }
            return .success(.ints(values))
        case .names:
            if case .sequence(let items) = node.value {
                var names: [String] = []
                for item in items {
                    guard let name = ValueType.name(item) else { return fail("") }
                    names.append(name)
                }
                return .success(.texts(names))
            }
            return ValueType.name(node).map { .success(.texts([$0])) } ?? fail("")
        case let .numberPair(range):
            guard case .sequence(let items) = node.value, items.count == 2 else { return fail("") }
            var values: [Double] = []
            for item in items {
                guard case let .success(value) = ValueType.number(range).read(item), let x = value.number else {
                    return fail("")
                }
                values.append(x)
            }
            return .success(.numbers(values))
        default:
            guard case let .scalar(text, style) = node.value else { return fail("") }
            return readScalar(YAMLScalar.resolve(text, plain: style == .plain), text: text, fail: fail)
        }
    }

    private func readScalar(_ scalar: YAMLScalar, text: String,
                            fail: (String) -> Result<OptionValue, ReadFailure>) -> Result<OptionValue, ReadFailure> {
        switch (self, scalar) {
        case let (.integer(minimum), .int(v)):
            return v >= minimum ? .success(.int(v)) : fail("")
        case let (.number(range), .int(v)):
            return range.contains(Double(v)) ? .success(.number(Double(v))) : fail("")
        case let (.number(range), .double(v)):
            guard v.isFinite else {
                return .failure(ReadFailure("expected a finite number, found \(Printable.escape(text))"))
            }
            return range.contains(v) ? .success(.number(v)) : fail("")
        case let (.boolean, .bool(v)):
            return .success(.bool(v))
        case (.text, .null):
            return fail("")
        case (.text, _):
            return text.isEmpty ? fail("") : .success(.text(text))
        case let (.choice(options), _):
            if options.contains(text), scalar != .null { return .success(.text(text)) }
            return fail(Suggestion.hint(for: text, in: options))
        default:
            return fail("")
        }
    }

    /// A layer name: a non-empty scalar that is not null.
    private static func name(_ node: YAMLNode) -> String? {
        guard case let .scalar(text, _) = node.value, !node.isNull else { return nil }
        return text
    }
}

extension ValueType {
    /// Whether a text value of this type is one of fixed identifiers (written plain, not quoted).
    var isIdentifier: Bool {
        switch self {
        case .choice: true
        case let .either(a, b): a.isIdentifier || b.isIdentifier
        case let .nullable(inner): inner.isIdentifier
        default: false
        }
    }
}

/// Why a node did not fit its `ValueType`: the message after the key path.
struct ReadFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
