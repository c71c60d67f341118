/// Renders user text inside a one-line message: quotes, backslashes and control characters
/// escaped (by the YAML layer's `quotedForMessage`), long text shortened with `…`.
enum Printable {
    static func escape(_ text: String, limit: Int = 60) -> String {
        String(quotedForMessage(text, limit: limit).dropFirst().dropLast())
    }
}
