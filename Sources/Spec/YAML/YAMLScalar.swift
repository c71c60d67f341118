/// The type a scalar resolves to under the YAML 1.2 core schema (as far as configs need it).
///
/// Plain scalars resolve by their text: `true|True|TRUE|false|False|FALSE` are booleans;
/// decimal integers with an optional sign are integers; `1.5`, `.5`, `1e-3`, `-2.`, `.inf`,
/// `-.Inf`, `.nan` are floats; `null|Null|NULL|~` and the empty plain scalar are null; anything
/// else is a string. Quoted and block scalars are always strings. `yes`, `on`, `0x1F`, `1_000`
/// are strings (YAML 1.1 forms are not recognised).
public enum YAMLScalar: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A decimal integer. One too large for `Int` resolves to `.double` instead.
    case int(Int)
    /// A float; may be infinite or NaN (`.inf`, `.nan`) so that validation can reject those.
    case double(Double)
    case string(String)

    /// Resolves a scalar's text; `plain` is false for quoted and block scalars.
    public static func resolve(_ text: String, plain: Bool) -> YAMLScalar {
        guard plain else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        switch numberShape(text) {
        case .integer: return Int(text).map(YAMLScalar.int) ?? Double(text).map(YAMLScalar.double) ?? .string(text)
        case .float: return Double(text).map(YAMLScalar.double) ?? .string(text)
        case .none: return .string(text)
        }
    }

    private enum Shape { case integer, float }

    /// Matches `[-+]?[0-9]+` (integer) or `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (float).
    private static func numberShape(_ text: String) -> Shape? {
        let b = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
        let whole = digits()
        var isFloat = false
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            isFloat = true
            if digits() == 0 && whole == 0 { return nil }
        } else if whole == 0 {
            return nil
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            isFloat = true
            if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
            if digits() == 0 { return nil }
        }
        guard i == b.count else { return nil }
        return isFloat ? .float : .integer
    }

    /// What this value is, for messages: "null", "a boolean", "an integer", "a number", "a string".
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        }
    }

    /// Numeric value of an integer or float, for fields that accept either.
    public var number: Double? {
        switch self {
        case let .int(v): return Double(v)
        case let .double(v): return v
        default: return nil
        }
    }
}
