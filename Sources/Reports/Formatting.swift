import Foundation

/// Number and text formatting shared by the CSV, Markdown and SVG writers.
enum Format {
    /// Shortest text that parses back to exactly `value` (`nan`, `inf`, `-inf` for non-finite values).
    static func exact(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }

    /// `value` with a fixed number of decimals, locale-independent (`nan` for non-finite values).
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let text = String(format: "%.\(decimals)f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text
    }

    /// An accuracy fraction as a percentage with two decimals, e.g. 0.90123 → "90.12".
    static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 2) }

    /// A difference of fractions in percentage points with its sign, e.g. 0.0092 → "+0.92", −0.0005 → "-0.05".
    static func signedPercent(_ fraction: Double) -> String {
        let text = percent(fraction)
        return text.hasPrefix("-") || !fraction.isFinite ? text : "+" + text
    }

    /// An integer with comma thousands separators, e.g. 5000 → "5,000".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return value < 0 ? "-" + out : out
    }

    /// A p-value with 3 significant decimals, or "< 0.001".
    static func pValue(_ p: Double) -> String {
        if p < 0.001 { return "< 0.001" }
        return fixed(p, 3)
    }
}
