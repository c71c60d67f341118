import Foundation

/// A Keras-like table of a planned network: one row per layer with its output shape, parameters
/// and forward MFLOPs per image, then totals and the input shape. Graphs that are not a plain
/// chain get a "Connected to" column.
public func modelSummary(_ plan: NetworkPlan, title: String) -> String {
    let chain = plan.layers.enumerated().allSatisfy { $1.inputs == [$0 - 1] }
    var rows: [[String]] = [["Layer (type)", "Output shape", "Params", "MFLOPs"] + (chain ? [] : ["Connected to"])]
    for layer in plan.layers {
        var row = ["\(layer.name) (\(layer.kind.typeName))", ShapeInference.format(layer.outputShape),
                   groupedThousands(layer.parameterCount), megaflops(layer.flops)]
        if !chain { row.append(layer.inputs.map { $0 < 0 ? "input" : plan.layers[$0].name }.joined(separator: ", ")) }
        rows.append(row)
    }
    let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
    /// Numbers are right-aligned, text left-aligned.
    let numeric: Set<Int> = [2, 3]
    func line(_ row: [String]) -> String {
        row.enumerated().map { column, cell in
            let gap = String(repeating: " ", count: widths[column] - cell.count)
            return numeric.contains(column) ? gap + cell : cell + gap
        }.joined(separator: "   ").trimmingTrailingSpaces()
    }
    let rule = String(repeating: "─", count: widths.reduce(0, +) + 3 * (widths.count - 1))
    var out = ["Model: \"\(title)\"", rule, line(rows[0]), rule]
    out += rows.dropFirst().map(line)
    out.append(String(repeating: "═", count: rule.count))
    out.append("Total params: \(groupedThousands(plan.parameterCount))")
    out.append("Forward MFLOPs per image: \(megaflops(plan.flops))")
    out.append("Input shape: \(ShapeInference.format(plan.inputShape))")
    return out.joined(separator: "\n") + "\n"
}

/// `61706` → `61,706`
func groupedThousands(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}

/// FLOPs in millions with three decimals.
private func megaflops(_ flops: Int) -> String { String(format: "%.3f", Double(flops) / 1e6) }

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
