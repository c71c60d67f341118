import Foundation
import Spec

/// Writes `results/summary.md`: the comparison table, how checkpoints were chosen, what the numbers mean.
public enum Summary {
    /// The Markdown summary of `records` (any order; the output order is the report order).
    /// `missing`: names of expected trials that have no results (a failed shard), listed as not completed.
    /// Trials that successive halving pruned are not compared: they are listed in their own section.
    public static func markdown(records all: [TrialRecord], missing: [String] = []) -> String {
        let records = all.filter { !$0.isPruned }
        let aggregates = Aggregation.aggregate(records)
        var out = "# Results\n\n"
        let compared = aggregates.contains(where: \.isBaseline)
        if compared {
            out += "| Technique | Train acc % | Val acc % | Test acc % | Δ test vs baseline (95 % CI) | p vs baseline | p (Holm) | Selected epoch | Seconds |\n"
            out += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        } else {
            out += "| Technique | Train acc % | Val acc % | Test acc % | p vs baseline | Selected epoch | Seconds |\n"
            out += "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        }
        for a in aggregates { out += row(a, compared: compared) }
        out += "\n"
        for line in selectionLines(records.filter(\.isCompleted)) { out += line + "\n\n" }
        out += explanation(hasBaseline: aggregates.contains(where: \.isBaseline))
        let stopped = records.filter { $0.isCompleted && $0.stoppedEarly != nil }.sorted { $0.name < $1.name }
        if !stopped.isEmpty {
            out += "\n## Trials stopped early\n\n"
            for t in stopped {
                out += "- \(escape(t.name)): \(escape(t.stoppedEarly ?? "")) (\(t.completedEpochs) of \(t.epochs) epochs; "
                    + "checkpoint from epoch \(t.selectedEpoch.map(String.init) ?? "—"))\n"
            }
        }
        out += perClassSection(aggregates)
        let pruned = all.filter(\.isPruned).sorted { $0.name < $1.name }
        if !pruned.isEmpty {
            out += "\n## Trials pruned by successive halving\n\n"
            out += "Left out of the tables above: they trained only up to their rung's epochs.\n\n"
            for t in pruned { out += "- \(escape(t.name)): \(escape(t.status)), \(t.completedEpochs) of \(t.epochs) epochs\n" }
        }
        let incomplete = aggregates.flatMap(\.incomplete)
        if !incomplete.isEmpty || !missing.isEmpty {
            out += "\n## Trials that did not complete\n\n"
            for t in incomplete { out += "- \(escape(t.name)): \(escape(t.status))\n" }
            for name in missing { out += "- \(escape(name)): missing — no finished results folder (its shard failed or did not run)\n" }
        }
        return out
    }

    private static func row(_ a: VariantAggregate, compared: Bool) -> String {
        let label = a.isBaseline ? "\(a.variant) (baseline, n = \(a.completed.count))"
                                 : "\(a.variant) (n = \(a.completed.count))"
        let epochs = a.completed.compactMap(\.selectedEpoch).map(String.init)
        let seconds = a.completed.map(\.seconds)
        let tests = compared ? [a.difference.map(difference) ?? "—", a.pValue.map(Format.pValue) ?? "—",
                                a.holmPValue.map(Format.pValue) ?? "—"]
                             : [a.pValue.map(Format.pValue) ?? "—"]
        let cells = [escape(label), cell(a.train), cell(a.val), cell(a.test)] + tests + [
                     epochs.isEmpty ? "—" : epochs.joined(separator: ", "),
                     seconds.isEmpty ? "—" : Format.fixed(Stats.mean(seconds), 1)]
        return "| " + cells.joined(separator: " | ") + " |\n"
    }

    /// "+0.92 [+0.05, +1.79]": the difference in percentage points and its interval.
    static func difference(_ d: Stats.Difference) -> String {
        "\(Format.signedPercent(d.estimate)) [\(Format.signedPercent(d.low)), \(Format.signedPercent(d.high))]"
    }

    /// "90.12 ± 0.21" with two or more values, "90.12" with one, "—" with none.
    private static func cell(_ e: VariantAggregate.Estimate?) -> String {
        guard let e else { return "—" }
        guard let h = e.halfWidth else { return Format.percent(e.mean) }
        return "\(Format.percent(e.mean)) ± \(Format.percent(h))"
    }

    /// Per-class test accuracy of each variant (mean ± CI over its seeds) and links to each trial's
    /// confusion matrix; empty when no trial has per-class results (records written before them).
    static func perClassSection(_ aggregates: [VariantAggregate]) -> String {
        let variants = aggregates.filter { $0.completed.contains { $0.testPerClass != nil } }
        guard let first = variants.first?.completed.first(where: { $0.testPerClass != nil })?.testPerClass else { return "" }
        let classNames = first.map(\.name)
        var out = "\n## Per-class test accuracy\n\n"
        out += "| Class | " + variants.map { escape($0.variant) }.joined(separator: " | ") + " |\n"
        out += "| --- |" + String(repeating: " ---: |", count: variants.count) + "\n"
        for (k, name) in classNames.enumerated() {
            let cells = variants.map { v -> String in
                let values = v.completed.compactMap { r -> Double? in
                    guard let classes = r.testPerClass, k < classes.count, classes[k].name == name else { return nil }
                    return classes[k].accuracy
                }
                return cell(Aggregation.estimate(values))
            }
            out += "| " + ([escape(name)] + cells).joined(separator: " | ") + " |\n"
        }
        out += "\nConfusion matrices of the selected checkpoints (rows: true class, columns: predicted): "
        let links = variants.flatMap { v in
            v.completed.filter { $0.testConfusion != nil }.map { r in
                "[\(escape(r.name))](\(linkTarget(r.slug))/confusion.svg) ([csv](\(linkTarget(r.slug))/confusion.csv))"
            }
        }
        out += links.joined(separator: ", ") + ".\n"
        return out
    }

    /// A trial folder name as a Markdown link target (percent-encoded where it must be).
    private static func linkTarget(_ slug: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return slug.addingPercentEncoding(withAllowedCharacters: allowed) ?? slug
    }

    /// One sentence per checkpoint-selection rule in use; selection on test comes first, loudly.
    private static func selectionLines(_ records: [TrialRecord]) -> [String] {
        let rules = Set(records.map(\.selectedOn))
        let images = records.lazy.compactMap(\.validationImages).first
        let validation = "selected on validation (" +
            (images.map { "\(Format.grouped($0)) held-out training images" } ?? "held-out training images") + ")"
        var lines: [String] = []
        if rules.contains("test_acc") {
            lines.append("**⚠ Checkpoint selected on TEST — optimistic:** the epoch was chosen by test accuracy, "
                         + "so the test numbers overestimate accuracy on unseen data.")
        }
        if rules.contains("val_acc") {
            lines.append("Checkpoint: \(validation), the epoch with the highest validation accuracy; "
                         + "the test set was only evaluated, never used for choosing.")
        }
        if rules.contains("val_loss") {
            lines.append("Checkpoint: \(validation), the epoch with the lowest validation loss; "
                         + "the test set was only evaluated, never used for choosing.")
        }
        if rules.contains("last") {
            lines.append("Checkpoint: the last epoch (no selection).")
        }
        for other in rules.subtracting(["test_acc", "val_acc", "val_loss", "last"]).sorted() {
            lines.append("Checkpoint: selected on \(escape(other)).")
        }
        return lines
    }

    private static func explanation(hasBaseline: Bool) -> String {
        var text = "Values are the mean ± the half-width of the 95 % confidence interval over seeds "
            + "(Student t with n − 1 degrees of freedom), or the single value when a variant has one seed. "
        if hasBaseline {
            text += "\"Δ test vs baseline\" is the variant's mean test accuracy minus the baseline's, in percentage points, "
                + "with its 95 % confidence interval (Welch: the two variances kept separate, Welch–Satterthwaite degrees of freedom). "
                + "\"p vs baseline\" is the two-sided Welch t-test of the test accuracy against the baseline's seeds; "
                + "with few seeds it has little power, so read it together with the intervals. "
                + "\"p (Holm)\" corrects those p-values for comparing several variants with one baseline "
                + "(Holm's step-down method over every variant with a p-value; it keeps the chance of any false positive at 5 % when read at 0.05). "
        } else {
            text += "No baseline variant was named, so there are no p-values. "
        }
        text += "\"Selected epoch\" lists each seed's checkpoint epoch; \"Seconds\" is the mean training time per trial.\n"
        return text
    }

    /// User text as inert Markdown inside a table cell or list item: unsafe characters replaced (see
    /// `SafeText`), `<`, `>` and `&` as entities (no HTML gets through), and the characters that open
    /// emphasis, code, links, headings or end a cell (`\\ | [ ] * _ ` ~ # !`) backslash-escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in SafeText.printable(text) {
            switch ch {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "|", "[", "]", "*", "_", "`", "~", "#", "!": out += "\\" + String(ch)
            default: out.append(ch)
            }
        }
        return out
    }
}
