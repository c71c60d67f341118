/// A line chart rendered as standalone SVG 1.1: title, axes with nice ticks, grid, polylines,
/// optional shaded bands, dashed vertical markers with annotations, and a legend outside the plot.
///
/// Elements carry classes (`series`, `band`, `marker`, `marker-label`, `legend-entry`) so that
/// tests and stylesheets can find them.
public struct LineChart: Sendable {
    /// One curve: points in data coordinates; a non-finite y breaks the line.
    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        /// Optional shaded band (e.g. mean ± CI) drawn under the line.
        public var band: [(x: Double, low: Double, high: Double)]
        public var dashed: Bool

        public init(name: String, color: String, points: [(x: Double, y: Double)],
                    band: [(x: Double, low: Double, high: Double)] = [], dashed: Bool = false) {
            self.name = name
            self.color = color
            self.points = points
            self.band = band
            self.dashed = dashed
        }
    }

    /// A dashed red vertical line at `x` with a text annotation.
    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var markers: [Marker]
    /// Extra line under the legend entries, e.g. "shaded: 95 % CI".
    public var legendNote: String?
    /// Ticks on the x axis are whole numbers (epochs).
    public var integerX: Bool
    public var width: Double = 900
    public var height: Double = 500

    public init(title: String, xLabel: String, yLabel: String, series: [Series], markers: [Marker] = [],
                legendNote: String? = nil, integerX: Bool = true) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.markers = markers
        self.legendNote = legendNote
        self.integerX = integerX
    }

    /// Okabe–Ito colors, distinguishable with the common color-vision deficiencies.
    public static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
    /// Color of the vertical markers.
    public static let markerColor = "#D62728"

    static let tickFont = 12.0, labelFont = 14.0, titleFont = 18.0, legendFont = 13.0

    /// Where the plot area sits in the SVG and how data maps onto it.
    public struct Layout: Sendable {
        public var plotLeft: Double, plotTop: Double, plotWidth: Double, plotHeight: Double
        public var xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>
        public var xTicks: [Double], yTicks: [Double]
        var xDecimals: Int, yDecimals: Int

        /// SVG x coordinate of data value `x`.
        public func x(_ value: Double) -> Double {
            plotLeft + (value - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * plotWidth
        }

        /// SVG y coordinate of data value `y` (up is larger).
        public func y(_ value: Double) -> Double {
            plotTop + (yDomain.upperBound - value) / (yDomain.upperBound - yDomain.lowerBound) * plotHeight
        }

        var plotRight: Double { plotLeft + plotWidth }
        var plotBottom: Double { plotTop + plotHeight }
    }

    /// Estimated width of `text` in pixels at `size` (DejaVu Sans averages about 0.55 em per glyph).
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.57 }

    /// `text` cut with "…" so that it fits `maxWidth` pixels at the legend font size.
    static func shortened(_ text: String, maxWidth: Double) -> String {
        let fits = Int(maxWidth / (legendFont * 0.57))
        return text.count <= fits ? text : String(text.prefix(max(1, fits - 1))) + "…"
    }

    /// Width of the legend column on the right.
    var legendWidth: Double {
        let names = series.map(\.name) + (markers.isEmpty ? [] : ["selected epoch"]) + (legendNote.map { [$0] } ?? [])
        let widest = names.map { Self.textWidth($0, size: Self.legendFont) }.max() ?? 0
        return min(300, 36 + widest + 16)
    }

    /// The plot rectangle, domains and ticks for the current data.
    public var layout: Layout {
        let xs = series.flatMap { $0.points.map(\.x) + $0.band.map(\.x) }.filter(\.isFinite)
            + markers.map(\.x).filter(\.isFinite)
        let ys = series.flatMap { $0.points.map(\.y) + $0.band.flatMap { [$0.low, $0.high] } }.filter(\.isFinite)
        var xLow = xs.min() ?? 0, xHigh = xs.max() ?? 1
        if xLow == xHigh { xLow -= 1; xHigh += 1 }
        let xStep = NiceScale.step(span: xHigh - xLow, target: 10, minimumStep: integerX ? 1 : 0)
        var yLow = ys.min() ?? 0, yHigh = ys.max() ?? 1
        if yLow == yHigh { let pad = max(abs(yLow) * 0.05, 0.5); yLow -= pad; yHigh += pad }
        let yStep = NiceScale.step(span: yHigh - yLow, target: 6)
        // Keep curves off the frame: 2 % headroom before rounding out to whole ticks.
        let pad = (yHigh - yLow) * 0.02
        yLow = ((yLow - pad) / yStep).rounded(.down) * yStep
        yHigh = ((yHigh + pad) / yStep).rounded(.up) * yStep
        let left = 78.0, top = 56.0
        return Layout(plotLeft: left, plotTop: top,
                      plotWidth: width - left - legendWidth - 16, plotHeight: height - top - 62,
                      xDomain: xLow...xHigh, yDomain: yLow...yHigh,
                      xTicks: NiceScale.ticks(in: xLow...xHigh, step: xStep),
                      yTicks: NiceScale.ticks(in: yLow...yHigh, step: yStep),
                      xDecimals: NiceScale.decimals(for: xStep), yDecimals: NiceScale.decimals(for: yStep))
    }

    /// The chart as a complete SVG document.
    public func render() -> String {
        let l = layout
        var svg = SVGDocument()
        svg.element("rect", ["x": "0", "y": "0", "width": n(width), "height": n(height), "fill": "white"])
        svg.element("text", ["x": n(l.plotLeft + l.plotWidth / 2), "y": "30", "text-anchor": "middle",
                             "font-size": n(Self.titleFont), "font-weight": "bold", "class": "title"], text: title)
        drawAxes(&svg, l)
        svg.open("defs")
        svg.open("clipPath", ["id": "plot-area"])
        svg.element("rect", ["x": n(l.plotLeft), "y": n(l.plotTop), "width": n(l.plotWidth), "height": n(l.plotHeight)])
        svg.close("clipPath")
        svg.close("defs")
        svg.open("g", ["clip-path": "url(#plot-area)"])
        for s in series where !s.band.isEmpty { drawBand(&svg, s, l) }
        for s in series { drawLine(&svg, s, l) }
        svg.close("g")
        drawMarkers(&svg, l)
        drawLegend(&svg, l)
        return svg.document(width: width, height: height)
    }

    private func n(_ v: Double) -> String { SVGDocument.number(v) }

    private func drawAxes(_ svg: inout SVGDocument, _ l: Layout) {
        svg.open("g", ["class": "grid", "stroke": "#E3E3E3", "stroke-width": "1"])
        for t in l.yTicks { svg.element("line", ["x1": n(l.plotLeft), "y1": n(l.y(t)), "x2": n(l.plotRight), "y2": n(l.y(t))]) }
        for t in l.xTicks { svg.element("line", ["x1": n(l.x(t)), "y1": n(l.plotTop), "x2": n(l.x(t)), "y2": n(l.plotBottom)]) }
        svg.close("g")
        svg.element("rect", ["x": n(l.plotLeft), "y": n(l.plotTop), "width": n(l.plotWidth), "height": n(l.plotHeight),
                             "fill": "none", "stroke": "#555555", "stroke-width": "1"])
        svg.open("g", ["class": "ticks", "font-size": n(Self.tickFont), "fill": "#333333"])
        for t in l.yTicks {
            svg.element("text", ["x": n(l.plotLeft - 8), "y": n(l.y(t) + 4), "text-anchor": "end"],
                        text: Format.fixed(t, l.yDecimals))
        }
        for t in l.xTicks {
            svg.element("text", ["x": n(l.x(t)), "y": n(l.plotBottom + 18), "text-anchor": "middle"],
                        text: Format.fixed(t, l.xDecimals))
        }
        svg.close("g")
        svg.element("text", ["x": n(l.plotLeft + l.plotWidth / 2), "y": n(l.plotBottom + 44), "text-anchor": "middle",
                             "font-size": n(Self.labelFont), "class": "axis-label"], text: xLabel)
        let yMid = l.plotTop + l.plotHeight / 2
        svg.element("text", ["x": "22", "y": n(yMid), "text-anchor": "middle", "font-size": n(Self.labelFont),
                             "transform": "rotate(-90 22 \(n(yMid)))", "class": "axis-label"], text: yLabel)
    }

    private func drawBand(_ svg: inout SVGDocument, _ s: Series, _ l: Layout) {
        let band = s.band.filter { $0.x.isFinite && $0.low.isFinite && $0.high.isFinite }
        guard band.count >= 2 else { return }
        let upper = band.map { "\(n(l.x($0.x))),\(n(l.y($0.high)))" }
        let lower = band.reversed().map { "\(n(l.x($0.x))),\(n(l.y($0.low)))" }
        svg.element("polygon", ["class": "band", "points": (upper + lower).joined(separator: " "),
                                "fill": s.color, "fill-opacity": "0.18", "stroke": "none"])
    }

    private func drawLine(_ svg: inout SVGDocument, _ s: Series, _ l: Layout) {
        var segments: [[String]] = [[]]
        for p in s.points {
            if p.x.isFinite && p.y.isFinite { segments[segments.count - 1].append("\(n(l.x(p.x))),\(n(l.y(p.y)))") }
            else if !(segments.last?.isEmpty ?? true) { segments.append([]) }
        }
        for segment in segments where !segment.isEmpty {
            let points = segment.count == 1 ? [segment[0], segment[0]] : segment
            svg.element("polyline", ["class": "series", "data-name": s.name, "points": points.joined(separator: " "),
                                     "fill": "none", "stroke": s.color, "stroke-width": "2.2",
                                     "stroke-linejoin": "round", "stroke-linecap": "round",
                                     "stroke-dasharray": s.dashed ? "7 4" : "none"])
        }
    }

    /// Dashed red verticals; labels stack in whichever half of the plot holds less data.
    private func drawMarkers(_ svg: inout SVGDocument, _ l: Layout) {
        guard !markers.isEmpty else { return }
        let ys = series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let middle = (l.yDomain.lowerBound + l.yDomain.upperBound) / 2
        let dataHigh = ys.filter { $0 > middle }.count >= ys.filter { $0 <= middle }.count
        for (i, m) in markers.enumerated() where m.x.isFinite {
            let x = l.x(m.x)
            svg.element("line", ["class": "marker", "x1": n(x), "y1": n(l.plotTop), "x2": n(x), "y2": n(l.plotBottom),
                                 "stroke": Self.markerColor, "stroke-width": "1.6", "stroke-dasharray": "6 4"])
            let row = Double(i) * 20
            let baseline = dataHigh ? l.plotBottom - 12 - row : l.plotTop + 20 + row
            let textWidth = Self.textWidth(m.label, size: Self.tickFont)
            let rightSide = x + 8 + textWidth <= l.plotRight - 4
            let textX = rightSide ? x + 8 : x - 8
            let boxX = rightSide ? textX - 4 : textX - textWidth - 4
            svg.element("rect", ["x": n(boxX), "y": n(baseline - 13), "width": n(textWidth + 8), "height": "18",
                                 "fill": "white", "fill-opacity": "0.85", "stroke": "none"])
            svg.element("text", ["class": "marker-label", "x": n(textX), "y": n(baseline),
                                 "text-anchor": rightSide ? "start" : "end", "font-size": n(Self.tickFont),
                                 "fill": Self.markerColor], text: m.label)
        }
    }

    private func drawLegend(_ svg: inout SVGDocument, _ l: Layout) {
        let x = l.plotRight + 16
        var y = l.plotTop + 10
        svg.open("g", ["class": "legend", "font-size": n(Self.legendFont), "fill": "#222222"])
        for s in series {
            svg.open("g", ["class": "legend-entry"])
            if !s.band.isEmpty {
                svg.element("rect", ["x": n(x), "y": n(y - 7), "width": "26", "height": "14",
                                     "fill": s.color, "fill-opacity": "0.18"])
            }
            svg.element("line", ["x1": n(x), "y1": n(y), "x2": n(x + 26), "y2": n(y), "stroke": s.color,
                                 "stroke-width": "2.6", "stroke-dasharray": s.dashed ? "7 4" : "none"])
            svg.element("text", ["x": n(x + 34), "y": n(y + 4.5)], text: Self.shortened(s.name, maxWidth: 300 - 52))
            svg.close("g")
            y += 24
        }
        if !markers.isEmpty {
            svg.element("line", ["x1": n(x), "y1": n(y), "x2": n(x + 26), "y2": n(y), "stroke": Self.markerColor,
                                 "stroke-width": "1.6", "stroke-dasharray": "6 4"])
            svg.element("text", ["x": n(x + 34), "y": n(y + 4.5), "class": "legend-marker"], text: "selected epoch")
            y += 24
        }
        if let legendNote {
            svg.element("text", ["x": n(x), "y": n(y + 4.5), "font-size": n(Self.tickFont), "fill": "#555555",
                                 "class": "legend-note"], text: legendNote)
        }
        svg.close("g")
    }
}
