import Foundation
import Spec

/// RFC 4180 field quoting and line splitting shared by the CSV writers and readers.
enum CSV {
    /// `field` quoted when it contains a comma, a double quote, CR or LF (quotes doubled).
    static func quote(_ field: String) -> String {
        let needs = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A text cell that is safe to open in a spreadsheet: unsafe characters replaced (see
    /// `SafeText`), and a leading `=`, `+`, `-` or `@` (which spreadsheets evaluate as a formula)
    /// preceded by an apostrophe, the usual defence against CSV injection. Numbers are not text cells.
    static func text(_ value: String) -> String {
        let value = SafeText.printable(value)
        guard let first = value.first, "=+-@".contains(first) else { return value }
        return "'" + value
    }

    /// One CSV line (with trailing newline) from unquoted fields.
    static func row(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",") + "\n"
    }

    /// Whole document: header plus rows.
    static func document(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map(row).joined()
    }
}
