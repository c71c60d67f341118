import Foundation

/// One sampled value of one dimension: the YAML node merged into the config and its display text.
public struct SearchValue: Hashable, Sendable {
    var node: YAMLNode
    /// `3.2e-4`, `64`, `relu` — also the exact text the config receives for sampled numbers.
    public var text: String
}

/// Draws the points of a search: a pure function of (method, seed, space, trials).
///
/// Real values are rounded to three significant digits (the point's name then states exactly the
/// value trained with); `random` and `sobol` drop a point equal to an earlier one and draw on
/// until `trials` distinct points (or 100 × `trials` draws, for small discrete spaces).
public enum SearchSampler {
    public static func points(_ block: SearchBlock) -> [[SearchValue]] {
        let dims = block.dimensions
        switch block.method {
        case .grid:
            return dims.reduce([[]]) { points, dim in
                let values = gridValues(dim, count: block.gridPoints)
                return points.flatMap { point in values.map { point + [$0] } }
            }
        case .random, .sobol:
            let trials = block.trials ?? 0
            let draws = Saturating.product([trials, 100])
            var units: () -> [Double]
            if block.method == .random {
                var random = SplitMix64(seed: block.seed)
                units = { dims.map { _ in random.unit() } }
            } else {
                // Drawn in blocks so that the sequence never has to be regenerated from its start.
                let sobol = Sobol(dimensions: max(dims.count, 1), seed: block.seed)
                var buffer: [[Double]] = []
                var next = 0
                units = {
                    if next == buffer.count { buffer = sobol.points(max(2 * buffer.count, 64)); }
                    defer { next += 1 }
                    return buffer[next]
                }
            }
            var points: [[SearchValue]] = []
            var seen: Set<[String]> = []
            var drawn = 0
            while points.count < trials && drawn < draws {
                drawn += 1
                let u = units()
                let point = zip(dims, u).map { value($0.0, unit: $0.1) }
                if seen.insert(point.map(\.text)).inserted { points.append(point) }
            }
            return points
        }
    }

    /// The value of `dim` at `u` in [0, 1).
    static func value(_ dim: SearchDimension, unit u: Double) -> SearchValue {
        switch dim.distribution {
        case let .uniform(low, high): return real(low + u * (high - low), low, high, dim)
        case let .loguniform(low, high): return real(exp(log(low) + u * (log(high) - log(low))), low, high, dim)
        case let .int(low, high, isLog):
            let x: Double = isLog ? exp(log(Double(low)) + u * (log(Double(high) + 1) - log(Double(low))))
                                  : Double(low) + u * (Double(high) - Double(low) + 1)
            return integer(min(max(Int(x.rounded(.down)), low), high), dim)
        case let .choice(values):
            let i = min(Int(u * Double(values.count)), values.count - 1)
            return SearchValue(node: values[i], text: Canonical.inline(values[i]))
        }
    }

    /// `count` evenly spaced values of a numeric dimension (geometrically on a log scale), both
    /// ends included; every listed value of a choice.
    static func gridValues(_ dim: SearchDimension, count: Int) -> [SearchValue] {
        let fractions = count == 1 ? [0.5] : (0..<count).map { Double($0) / Double(count - 1) }
        var values: [SearchValue] = []
        switch dim.distribution {
        case let .choice(items): return items.map { SearchValue(node: $0, text: Canonical.inline($0)) }
        case let .uniform(low, high): values = fractions.map { real(low + $0 * (high - low), low, high, dim) }
        case let .loguniform(low, high): values = fractions.map { real(exp(log(low) + $0 * (log(high) - log(low))), low, high, dim) }
        case let .int(low, high, isLog):
            values = fractions.map { f in
                let x = isLog ? exp(log(Double(low)) + f * (log(Double(high)) - log(Double(low))))
                              : Double(low) + f * Double(high - low)
                return integer(min(max(Int(x.rounded()), low), high), dim)
            }
        }
        var seen: Set<String> = []
        return values.filter { seen.insert($0.text).inserted }
    }

    private static func integer(_ v: Int, _ dim: SearchDimension) -> SearchValue {
        SearchValue(node: YAMLNode(.scalar(String(v), style: .plain), mark: dim.valueMark), text: String(v))
    }

    private static func real(_ x: Double, _ low: Double, _ high: Double, _ dim: SearchDimension) -> SearchValue {
        var text = format(x)
        if let rounded = Double(text), rounded < low || rounded > high { text = exact(rounded < low ? low : high) }
        return SearchValue(node: YAMLNode(.scalar(text, style: .plain), mark: dim.valueMark), text: text)
    }

    /// `x` to three significant digits as a YAML float: `3.2e-4`, `0.31`, `12.5`, `0.0`.
    public static func format(_ x: Double) -> String {
        guard x != 0, x.isFinite else { return x == 0 ? "0.0" : "\(x)" }
        let exponent = Int(floor(log10(abs(x))))
        if exponent < -3 || exponent >= 5 {
            var mantissa = x / pow(10, Double(exponent))
            var e = exponent
            mantissa = (mantissa * 100).rounded() / 100
            if abs(mantissa) >= 10 { mantissa /= 10; e += 1 }
            return trim(String(format: "%.2f", mantissa)) + "e\(e)"
        }
        let decimals = max(0, 2 - exponent)
        let text = trim(String(format: "%.\(decimals)f", x))
        return text.contains(".") ? text : text + ".0"
    }

    /// A bound written with every digit it needs.
    private static func exact(_ x: Double) -> String {
        let text = "\(x)"
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    /// `3.20` → `3.2`, `3.00` → `3`, `12.50` → `12.5`.
    private static func trim(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var out = Substring(text)
        while out.last == "0" { out.removeLast() }
        if out.last == "." { out.removeLast() }
        return String(out)
    }
}
