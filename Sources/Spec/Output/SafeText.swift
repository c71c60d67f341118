/// The one rule for which characters of user text (variant names, layer names, statuses) may reach an
/// output verbatim. Validation rejects names containing an unsafe character; every writer (CSV,
/// Markdown, SVG, JSON, terminal) still passes text through `printable` so that names read back from
/// an old or hand-edited record cannot break a file or a terminal either.
public enum SafeText {
    /// Longest display name (`name:`, `baseline:`) `validate` accepts, in characters.
    public static let maxNameLength = 120
    /// Longest layer name accepted, in characters.
    public static let maxLayerNameLength = 64

    /// Whether `scalar` must not appear in output text: C0 and C1 control characters (NUL, CR, LF,
    /// TAB, ESC, DEL...), the line and paragraph separators, the bidirectional embedding, override and
    /// isolate controls (which reorder what a reader sees), and the non-characters U+FFFE/U+FFFF.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x2028, 0x2029: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true
        case 0xFFFE, 0xFFFF: return true
        default: return false
        }
    }

    /// `text` with every unsafe scalar replaced by U+FFFD (the replacement character).
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { out.append(isUnsafe(scalar) ? "\u{FFFD}" : scalar) }
        return String(out)
    }

    /// The first unsafe scalar of `text` and its 1-based position in characters, or nil.
    public static func firstUnsafe(_ text: String) -> (scalar: Unicode.Scalar, position: Int)? {
        for (i, ch) in text.enumerated() {
            if let scalar = ch.unicodeScalars.first(where: isUnsafe) { return (scalar, i + 1) }
        }
        return nil
    }

    /// How `scalar` is named in a message: "the control character U+001B".
    public static func describe(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return "the control character \(code)"
        case 0x2028, 0x2029: return "the line separator \(code)"
        case 0x202A...0x202E, 0x2066...0x2069: return "the bidirectional control \(code)"
        default: return "the non-character \(code)"
        }
    }
}
