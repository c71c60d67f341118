import Foundation

/// RFC 4180 field quoting and line splitting shared by the CSV writers and readers.
enum CSV {
    /// `field` quoted when it contains a comma, a double quote, CR or LF (quotes doubled).
    static func quote(_ field: String) -> String {
        let needs = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard needs else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
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
