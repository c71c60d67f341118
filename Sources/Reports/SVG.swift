import Foundation
import Spec

/// A minimal writer of SVG 1.1 markup: elements with escaped attributes and text.
struct SVGDocument {
    private(set) var body = ""

    /// Escapes the five XML special characters, after replacing the characters XML forbids or that
    /// would reorder what a reader sees (see `SafeText`).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for ch in SafeText.printable(text) {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A coordinate with two decimals and no trailing zeros ("12.5", "40").
    static func number(_ value: Double) -> String {
        var text = Format.fixed(value, 2)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// Appends `<name attrs/>` or `<name attrs>text</name>`.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String>, text: String? = nil) {
        body += "<\(name)\(Self.attributes(attributes))"
        if let text { body += ">\(Self.escape(text))</\(name)>\n" } else { body += "/>\n" }
    }

    /// Appends `<name attrs>`; pair with `close`.
    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        body += "<\(name)\(Self.attributes(attributes))>\n"
    }

    mutating func close(_ name: String) { body += "</\(name)>\n" }

    /// The complete document with an XML declaration, the SVG namespace and a viewBox.
    func document(width: Double, height: Double) -> String {
        let w = Self.number(width), h = Self.number(height)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" height=\"\(h)\" "
            + "viewBox=\"0 0 \(w) \(h)\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n"
            + body + "</svg>\n"
    }

    private static func attributes(_ attributes: KeyValuePairs<String, String>) -> String {
        attributes.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
    }
}

/// "Nice" axis ticks: steps of 1, 2, 2.5 or 5 times a power of ten.
enum NiceScale {
    /// A step giving about `target` intervals over `span` (at least `minimumStep`).
    static func step(span: Double, target: Int, minimumStep: Double = 0) -> Double {
        guard span > 0 else { return max(1, minimumStep) }
        let rough = span / Double(target)
        let magnitude = pow10(floor(log10(rough)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        return max(step, minimumStep)
    }

    /// The multiples of `step` inside `domain` (with a little tolerance at the ends).
    static func ticks(in domain: ClosedRange<Double>, step: Double) -> [Double] {
        let eps = step * 1e-9
        var value = (domain.lowerBound / step).rounded(.up) * step
        if value - step >= domain.lowerBound - eps { value -= step }
        var ticks: [Double] = []
        while value <= domain.upperBound + eps {
            if value >= domain.lowerBound - eps { ticks.append(abs(value) < eps ? 0 : value) }
            value += step
        }
        return ticks
    }

    /// Fewest decimals that show every multiple of `step` exactly (0 for 5, 1 for 0.5, 2 for 0.25).
    static func decimals(for step: Double) -> Int {
        for d in 0...8 {
            let scaled = step * pow10(Double(d))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { return d }
        }
        return 8
    }

    private static func pow10(_ e: Double) -> Double {
        var result = 1.0
        let n = Int(e)
        if n >= 0 { for _ in 0..<n { result *= 10 } } else { for _ in 0..<(-n) { result /= 10 } }
        return result
    }
}
