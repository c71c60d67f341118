import Foundation

/// `search.svg`: one scatter panel per searched parameter, the objective of each point (its value
/// over seeds, with the 95 % CI of the mean as a whisker) against the parameter — on a log axis for
/// log-scaled dimensions, evenly spaced categories for non-numeric choices. The best point is red.
///
/// Elements carry classes (`panel`, `point`, `best`, `whisker`) so that tests can find them.
enum SearchChart {
    static let panelWidth = 360.0, panelHeight = 300.0, columns = 3
    static let left = 64.0, top = 40.0, right = 16.0, bottom = 52.0

    static func render(_ outcome: SearchOutcome) -> String {
        let d = outcome.description
        let count = max(d.parameters.count, 1)
        let cols = min(count, columns), rows = (count + columns - 1) / columns
        let width = Double(cols) * panelWidth, height = 44 + Double(rows) * panelHeight
        var svg = SVGDocument()
        svg.element("rect", ["x": "0", "y": "0", "width": n(width), "height": n(height), "fill": "white"])
        let objective = d.overSeeds == "lower_ci" ? "mean − CI" : d.overSeeds
        svg.element("text", ["x": n(width / 2), "y": "26", "text-anchor": "middle", "font-size": "17", "font-weight": "bold",
                             "class": "title"],
                    text: "\(d.search): \(d.metric) (\(objective) over seeds) per point")
        let scored = outcome.rows.enumerated().filter { $0.element.score != nil }
        let scale = outcome.isAccuracy ? 100.0 : 1.0
        let ys = scored.flatMap { _, r -> [Double] in
            let s = r.score! * scale
            guard let m = r.mean, let h = r.halfWidth else { return [s] }
            return [s, (m - h) * scale, (m + h) * scale]
        }
        var yLow = ys.min() ?? 0, yHigh = ys.max() ?? 1
        if yLow == yHigh { yLow -= 0.5; yHigh += 0.5 }
        let yStep = NiceScale.step(span: yHigh - yLow, target: 5)
        yLow = (yLow / yStep).rounded(.down) * yStep
        yHigh = (yHigh / yStep).rounded(.up) * yStep
        let yTicks = NiceScale.ticks(in: yLow...yHigh, step: yStep)
        let yDecimals = NiceScale.decimals(for: yStep)

        for (p, parameter) in d.parameters.enumerated() {
            let x0 = Double(p % columns) * panelWidth, y0 = 44 + Double(p / columns) * panelHeight
            let plotW = panelWidth - left - right, plotH = panelHeight - top - bottom
            let categories = parameter.numeric ? [] : orderedCategories(outcome.rows.map { $0.point.values[p] })
            func position(_ text: String) -> Double? {
                if !parameter.numeric { return categories.firstIndex(of: text).map(Double.init) }
                guard let v = Double(text), v.isFinite, !parameter.log || v > 0 else { return nil }
                return parameter.log ? log10(v) : v
            }
            let xs = outcome.rows.compactMap { position($0.point.values[p]) }
            var xLow = xs.min() ?? 0, xHigh = xs.max() ?? 1
            if !parameter.numeric { xLow = -0.5; xHigh = Double(max(categories.count, 1)) - 0.5 }
            if xLow == xHigh { xLow -= 0.5; xHigh += 0.5 }
            let xPad = parameter.numeric ? (xHigh - xLow) * 0.05 : 0
            xLow -= xPad; xHigh += xPad
            let px = { (x: Double) in x0 + left + (x - xLow) / (xHigh - xLow) * plotW }
            let py = { (y: Double) in y0 + top + (yHigh - y) / (yHigh - yLow) * plotH }
            svg.open("g", ["class": "panel", "data-parameter": parameter.key])
            svg.element("rect", ["x": n(x0 + left), "y": n(y0 + top), "width": n(plotW), "height": n(plotH),
                                 "fill": "none", "stroke": "#555555", "stroke-width": "1"])
            for t in yTicks {
                svg.element("line", ["x1": n(x0 + left), "y1": n(py(t)), "x2": n(x0 + left + plotW), "y2": n(py(t)),
                                     "stroke": "#E3E3E3"])
                svg.element("text", ["x": n(x0 + left - 6), "y": n(py(t) + 4), "text-anchor": "end", "font-size": "11"],
                            text: Format.fixed(t, yDecimals))
            }
            for (x, label) in xTicks(parameter: parameter, categories: categories, low: xLow, high: xHigh) {
                svg.element("text", ["x": n(px(x)), "y": n(y0 + top + plotH + 16), "text-anchor": "middle", "font-size": "11"],
                            text: label)
            }
            svg.element("text", ["x": n(x0 + left + plotW / 2), "y": n(y0 + panelHeight - 12), "text-anchor": "middle",
                                 "font-size": "13", "class": "axis-label"],
                        text: parameter.key + (parameter.log ? " (log scale)" : ""))
            if p % columns == 0 {
                let mid = y0 + top + plotH / 2
                svg.element("text", ["x": n(x0 + 16), "y": n(mid), "text-anchor": "middle", "font-size": "13",
                                     "transform": "rotate(-90 \(n(x0 + 16)) \(n(mid)))", "class": "axis-label"],
                            text: outcome.isAccuracy ? "\(d.metric) (%)" : d.metric)
            }
            for (i, r) in scored {
                guard let x = position(r.point.values[p]) else { continue }
                let isBest = outcome.best == i
                let color = isBest ? "#D62728" : "#0072B2"
                if let m = r.mean, let h = r.halfWidth {
                    svg.element("line", ["class": "whisker", "x1": n(px(x)), "y1": n(py((m - h) * scale)), "x2": n(px(x)),
                                         "y2": n(py((m + h) * scale)), "stroke": color, "stroke-opacity": "0.5"])
                }
                svg.element("circle", ["class": isBest ? "point best" : "point", "data-point": String(r.point.point),
                                       "cx": n(px(x)), "cy": n(py(r.score! * scale)), "r": isBest ? "6" : "4",
                                       "fill": color, "fill-opacity": isBest ? "1" : "0.75"])
            }
            svg.close("g")
        }
        return svg.document(width: width, height: height)
    }

    /// Category values in first-seen order.
    private static func orderedCategories(_ values: [String]) -> [String] {
        var seen: [String] = []
        for v in values where !seen.contains(v) { seen.append(v) }
        return seen
    }

    /// Tick positions and labels: categories, decades (and 2×, 5×) on log axes, nice steps otherwise.
    private static func xTicks(parameter: SearchDescription.Parameter, categories: [String],
                               low: Double, high: Double) -> [(Double, String)] {
        if !parameter.numeric { return categories.enumerated().map { (Double($0.offset), $0.element) } }
        if parameter.log {
            var ticks: [(Double, String)] = []
            let span = high - low
            for e in Int(floor(low))...Int(ceil(high)) {
                for m in span < 1.5 ? [1.0, 2, 5] : [1.0] {
                    let x = Double(e) + log10(m)
                    if x >= low && x <= high { ticks.append((x, Format.exact(m * pow(10, Double(e))))) }
                }
            }
            return ticks
        }
        let step = NiceScale.step(span: high - low, target: 5)
        let decimals = NiceScale.decimals(for: step)
        return NiceScale.ticks(in: low...high, step: step).map { ($0, Format.fixed($0, decimals)) }
    }

    private static func n(_ v: Double) -> String { SVGDocument.number(v) }
}
