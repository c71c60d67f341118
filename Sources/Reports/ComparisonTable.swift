import Foundation
import Spec

/// The comparison of variants as one table (one row per variant, in report order), and its
/// renderings: `runner report --format csv|md|latex|json` and the table of `index.html`.
public struct ComparisonTable: Sendable {
    public struct Row: Sendable {
        public var variant: String
        public var isBaseline: Bool
        public var n: Int
        /// Percentages: mean and 95 % CI half-width (nil with one seed); nil when no seed completed.
        public var train, val, test: (mean: Double, halfWidth: Double?)?
        /// Test accuracy minus the baseline's, in percentage points, with its 95 % Welch interval.
        public var difference: Stats.Difference?
        /// Welch two-sided p-value of the test accuracy against the baseline.
        public var p: Double?
        /// `p` after Holm's correction over every variant compared with the baseline.
        public var holm: Double?
        public var selectedEpochs: [Int]
        /// Mean training seconds per completed trial.
        public var seconds: Double?
    }

    public var rows: [Row]

    public static let columns = ["Technique", "n", "Train acc %", "Val acc %", "Test acc %", "Δ test vs baseline (95 % CI)",
                                 "p vs baseline", "p (Holm)", "Selected epoch", "Seconds"]

    public init(aggregates: [VariantAggregate]) {
        func percent(_ e: VariantAggregate.Estimate?) -> (mean: Double, halfWidth: Double?)? {
            e.map { (100 * $0.mean, $0.halfWidth.map { 100 * $0 }) }
        }
        rows = aggregates.map { a in
            Row(variant: a.variant, isBaseline: a.isBaseline, n: a.completed.count, train: percent(a.train), val: percent(a.val),
                test: percent(a.test), difference: a.difference, p: a.pValue, holm: a.holmPValue, selectedEpochs: a.completed.compactMap(\.selectedEpoch),
                seconds: a.completed.isEmpty ? nil : Stats.mean(a.completed.map(\.seconds)))
        }
    }

    public init(records: [TrialRecord]) { self.init(aggregates: Aggregation.aggregate(records)) }

    public enum Format: String, CaseIterable, Sendable { case csv, md, latex, json }

    public func render(_ format: Format) -> String {
        switch format {
        case .csv: csv()
        case .md: markdown()
        case .latex: latex()
        case .json: json()
        }
    }

    /// "90.12 ± 0.21", "90.12" with one seed, "—" with none.
    static func estimate(_ e: (mean: Double, halfWidth: Double?)?, plusMinus: String = " ± ") -> String {
        guard let e else { return "—" }
        return Reports.Format.fixed(e.mean, 2) + (e.halfWidth.map { plusMinus + Reports.Format.fixed($0, 2) } ?? "")
    }

    func label(_ r: Row) -> String { r.isBaseline ? "\(r.variant) (baseline)" : r.variant }
    func epochs(_ r: Row) -> String { r.selectedEpochs.isEmpty ? "—" : r.selectedEpochs.map(String.init).joined(separator: ", ") }
    func seconds(_ r: Row) -> String { r.seconds.map { Reports.Format.fixed($0, 1) } ?? "—" }
    func p(_ r: Row) -> String { r.p.map(Reports.Format.pValue) ?? "—" }
    func holm(_ r: Row) -> String { r.holm.map(Reports.Format.pValue) ?? "—" }
    func difference(_ r: Row) -> String { r.difference.map(Summary.difference) ?? "—" }

    /// Display cells in `columns` order.
    func cells(_ r: Row) -> [String] {
        [label(r), String(r.n), Self.estimate(r.train), Self.estimate(r.val), Self.estimate(r.test), difference(r), p(r), holm(r),
         epochs(r), seconds(r)]
    }

    /// Machine-readable: exact numbers, empty where there is none, each estimate as mean and half-width.
    func csv() -> String {
        let header = ["variant", "baseline", "n", "train_acc_mean", "train_acc_ci95", "val_acc_mean", "val_acc_ci95",
                      "test_acc_mean", "test_acc_ci95", "p_vs_baseline", "selected_epochs", "seconds_mean",
                      "test_diff_vs_baseline", "test_diff_ci95_low", "test_diff_ci95_high", "p_holm"]
        func number(_ v: Double?) -> String { v.map(Reports.Format.exact) ?? "" }
        var out = CSV.row(header)
        for r in rows {
            let fields = [CSV.text(r.variant), r.isBaseline ? "true" : "false", String(r.n), number(r.train?.mean), number(r.train?.halfWidth ?? nil),
                          number(r.val?.mean), number(r.val?.halfWidth ?? nil), number(r.test?.mean), number(r.test?.halfWidth ?? nil),
                          number(r.p), r.selectedEpochs.map(String.init).joined(separator: " "), number(r.seconds),
                          number(r.difference?.estimate), number(r.difference?.low), number(r.difference?.high), number(r.holm)]
            out += CSV.row(fields)
        }
        return out
    }

    func markdown() -> String {
        func escape(_ s: String) -> String { SafeText.printable(s).replacingOccurrences(of: "|", with: "\\|") }
        var out = "| " + Self.columns.joined(separator: " | ") + " |\n"
        out += "| --- |" + String(repeating: " ---: |", count: Self.columns.count - 1) + "\n"
        for r in rows { out += "| " + cells(r).map(escape).joined(separator: " | ") + " |\n" }
        return out
    }

    /// A booktabs table (`\usepackage{booktabs}`), text escaped for LaTeX.
    func latex() -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for ch in s {
                switch ch {
                case "\\": out += "\\textbackslash{}"
                case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(ch)
                case "~": out += "\\textasciitilde{}"
                case "^": out += "\\textasciicircum{}"
                case "—": out += "---"
                case "±": out += "$\\pm$"
                case "Δ": out += "$\\Delta$"
                case "<": out += "$<$"
                default: out.append(ch)
                }
            }
            return out
        }
        var out = "\\begin{tabular}{l" + String(repeating: "r", count: Self.columns.count - 1) + "}\n\\toprule\n"
        out += Self.columns.map(escape).joined(separator: " & ") + " \\\\\n\\midrule\n"
        for r in rows { out += cells(r).map(escape).joined(separator: " & ") + " \\\\\n" }
        return out + "\\bottomrule\n\\end{tabular}\n"
    }

    func json() -> String {
        func number(_ v: Double?) -> String { v.flatMap { $0.isFinite ? Reports.Format.exact($0) : nil } ?? "null" }
        func estimate(_ e: (mean: Double, halfWidth: Double?)?) -> String {
            guard let e else { return "null" }
            return "{\"mean\": \(number(e.mean)), \"ci95\": \(number(e.halfWidth))}"
        }
        func difference(_ d: Stats.Difference?) -> String {
            guard let d else { return "null" }
            return "{\"estimate\": \(number(d.estimate)), \"ci95_low\": \(number(d.low)), \"ci95_high\": \(number(d.high))}"
        }
        let items = rows.map { r in
            """
              {"variant": \(JSONText.quoted(r.variant)), "baseline": \(r.isBaseline), "n": \(r.n), \
            "train_acc": \(estimate(r.train)), "val_acc": \(estimate(r.val)), "test_acc": \(estimate(r.test)), \
            "p_vs_baseline": \(number(r.p)), "selected_epochs": [\(r.selectedEpochs.map(String.init).joined(separator: ", "))], \
            "seconds_mean": \(number(r.seconds)), "test_diff_vs_baseline": \(difference(r.difference)), "p_holm": \(number(r.holm))}
            """
        }
        return "[\n" + items.joined(separator: ",\n") + "\n]\n"
    }
}
