import Foundation

/// A trial's test confusion matrix as `confusion.csv` and `confusion.svg`, both drawn from the
/// record alone (`TrialRecord.testConfusion`, named by `testPerClass`), so they can be rederived.
public enum ConfusionReport {
    /// One row per true class: its name, the count predicted as each class, its sample count and
    /// its accuracy in percent (empty when the class has no sample).
    public static func csv(_ classes: [ClassResult], _ matrix: [[Int]]) -> String {
        let names = classes.map { CSV.text($0.name) }
        let header = ["true \\ predicted"] + names + ["samples", "accuracy_pct"]
        let rows = zip(classes, matrix).map { c, row in
            [CSV.text(c.name)] + row.map(String.init) + [String(c.samples), c.accuracy.map { Format.fixed(100 * $0, 2) } ?? ""]
        }
        return CSV.document(header: header, rows: rows)
    }

    /// A heat map: one cell per (true, predicted) pair holding its count, shaded by the fraction of
    /// the true class's samples it holds; per-class accuracy beside each row.
    public static func svg(_ classes: [ClassResult], _ matrix: [[Int]], title: String) -> String {
        let k = classes.count
        let cell = k <= 12 ? 40.0 : max(14, 480 / Double(max(k, 1)))
        let labelWidth = min(200, 16 + 7 * Double(classes.map { min($0.name.count, 26) }.max() ?? 1))
        let left = labelWidth + 10, top = 64.0
        let gridSize = cell * Double(k)
        let width = left + gridSize + 90, height = top + gridSize + labelWidth + 30
        let fontSize = cell >= 30 ? 11.0 : 8.0
        var svg = SVGDocument()
        svg.element("rect", ["x": "0", "y": "0", "width": SVGDocument.number(width), "height": SVGDocument.number(height),
                             "fill": "white"])
        svg.element("text", ["x": SVGDocument.number(left), "y": "22", "font-size": "15", "font-weight": "bold"], text: title)
        svg.element("text", ["x": SVGDocument.number(left), "y": "42", "font-size": "11", "fill": "#555"],
                    text: "rows: true class · columns: predicted class · shade: share of the row")
        for (i, row) in matrix.enumerated() {
            let total = max(classes[i].samples, 1)
            let y = top + Double(i) * cell
            for (j, count) in row.enumerated() {
                let share = Double(count) / Double(total)
                let x = left + Double(j) * cell
                svg.element("rect", ["x": SVGDocument.number(x), "y": SVGDocument.number(y),
                                     "width": SVGDocument.number(cell), "height": SVGDocument.number(cell),
                                     "fill": shade(share), "stroke": "#ffffff", "stroke-width": "1"])
                if cell >= 20 || count > 0 {
                    svg.element("text", ["x": SVGDocument.number(x + cell / 2), "y": SVGDocument.number(y + cell / 2 + fontSize / 3),
                                         "font-size": SVGDocument.number(fontSize), "text-anchor": "middle",
                                         "fill": share > 0.5 ? "white" : "#222"], text: String(count))
                }
            }
            svg.element("text", ["x": SVGDocument.number(left - 6), "y": SVGDocument.number(y + cell / 2 + 4),
                                 "font-size": "11", "text-anchor": "end"], text: truncated(classes[i].name))
            svg.element("text", ["x": SVGDocument.number(left + gridSize + 6), "y": SVGDocument.number(y + cell / 2 + 4),
                                 "font-size": "11", "fill": "#333"],
                        text: classes[i].accuracy.map { Format.fixed(100 * $0, 1) + " %" } ?? "—")
        }
        svg.element("text", ["x": SVGDocument.number(left + gridSize + 6), "y": SVGDocument.number(top - 6),
                             "font-size": "11", "fill": "#333"], text: "accuracy")
        for (j, c) in classes.enumerated() {
            let x = left + Double(j) * cell + cell / 2 + 4, y = top + gridSize + 8
            svg.element("text", ["x": SVGDocument.number(x), "y": SVGDocument.number(y), "font-size": "11",
                                 "text-anchor": "end",
                                 "transform": "rotate(-60 \(SVGDocument.number(x)) \(SVGDocument.number(y)))"],
                        text: truncated(c.name))
        }
        return svg.document(width: width, height: height)
    }

    /// White to the palette's blue, by `share` in [0, 1].
    static func shade(_ share: Double) -> String {
        let t = min(max(share, 0), 1)
        let (r, g, b) = (255 - t * (255 - 31), 255 - t * (255 - 119), 255 - t * (255 - 180))
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    private static func truncated(_ name: String) -> String {
        name.count <= 26 ? name : String(name.prefix(25)) + "…"
    }
}
