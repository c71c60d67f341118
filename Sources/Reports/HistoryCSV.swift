/// Reads and writes a trial's per-epoch `history.csv`.
///
/// Numbers are printed in their shortest exact form, so `parse(render(h)) == h` bit for bit.
public enum HistoryCSV {
    /// The header line's column names, in order.
    public static let columns = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc",
                                 "test_loss", "test_acc", "lr", "seconds"]

    /// The CSV text for `history`: header, then one line per epoch.
    public static func render(_ history: [EpochRecord]) -> String {
        CSV.document(header: columns, rows: history.map { r in
            [String(r.epoch)] + [r.trainLoss, r.trainAcc, r.valLoss, r.valAcc,
                                 r.testLoss, r.testAcc, r.lr, r.seconds].map(Format.exact)
        })
    }

    /// Parses `text` strictly: exact header, 9 fields per line, numbers only, epochs increasing.
    ///
    /// Errors are one line such as `history.csv:3: column "val_acc": expected a number, found "x"`.
    public static func parse(_ text: String, file: String = "history.csv") throws -> [EpochRecord] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        if lines.last == "" { lines.removeLast() }
        guard let header = lines.first else {
            throw ReportError("\(file): empty file, expected the header \(columns.joined(separator: ","))")
        }
        guard header == columns.joined(separator: ",") else {
            throw ReportError("\(file):1: expected the header \(columns.joined(separator: ",")), found \(header)")
        }
        var records: [EpochRecord] = []
        for (index, line) in lines.enumerated().dropFirst() {
            let at = "\(file):\(index + 1)"
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == columns.count else {
                throw ReportError("\(at): expected \(columns.count) fields, found \(fields.count)")
            }
            guard let epoch = Int(fields[0]) else {
                throw ReportError("\(at): column \"epoch\": expected an integer, found \"\(fields[0])\"")
            }
            if let previous = records.last, epoch <= previous.epoch {
                throw ReportError("\(at): column \"epoch\": expected a value above \(previous.epoch), found \(epoch)")
            }
            var values: [Double] = []
            for column in 1..<columns.count {
                guard let value = parseNumber(fields[column]) else {
                    throw ReportError("\(at): column \"\(columns[column])\": expected a number, found \"\(fields[column])\"")
                }
                values.append(value)
            }
            records.append(EpochRecord(epoch: epoch, trainLoss: values[0], trainAcc: values[1],
                                       valLoss: values[2], valAcc: values[3], testLoss: values[4],
                                       testAcc: values[5], lr: values[6], seconds: values[7]))
        }
        return records
    }

    /// A decimal number, or exactly `nan`, `inf`, `-inf` (Swift's `Double(_:)` alone accepts more).
    private static func parseNumber(_ text: String) -> Double? {
        switch text {
        case "nan": return .nan
        case "inf": return .infinity
        case "-inf": return -.infinity
        default:
            guard let first = text.first, first == "-" || first.isNumber || first == "." else { return nil }
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
            return Double(text)
        }
    }
}
