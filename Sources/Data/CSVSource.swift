import CSV
import Foundation
import Spec

/// A folder of CSV tables (`data.format: csv`): `train.csv`, `test.csv` and optionally `val.csv`,
/// each with a header row naming its columns. The column named `label` holds each row's class —
/// integers or names — and every other column is a numeric feature, so a sample is a Float32
/// vector of shape `[F]`. RFC 4180 parsing (quotes, embedded commas and newlines, CRLF) is
/// yaslab/CSV.swift's.
///
/// Classes are the training split's distinct labels: when every label is an integer, in numeric
/// order (named by their digits); otherwise as names, sorted. The test and validation splits
/// must use the same columns, and only labels the training split has. Errors name the file and
/// line: a row with more or fewer fields than the header, an empty, non-numeric or non-finite
/// value, a missing label column, a label the training split does not have.
public struct CSVSource: DatasetSource {
    public let folder: String
    /// The header name of the label column.
    public let labelColumn: String

    public init(folder: String, labelColumn: String = "label") {
        self.folder = folder
        self.labelColumn = labelColumn
    }

    /// At most this many classes (labels are stored as bytes).
    public static let maximumClasses = 256

    public func describe() throws -> DatasetInfo {
        let tables = try self.tables()
        return DatasetInfo(sampleShape: [tables.train.features], classes: tables.classes, trainCount: tables.train.count,
                           testCount: tables.test.count, validationCount: tables.validation?.count)
    }

    public func fingerprint() throws -> String {
        var text = "csv|label=\(labelColumn)"
        for name in ["train.csv", "test.csv", "val.csv"] where FileBytes.kind(path(name)) != .missing {
            text += "|\(name)=" + SHA256.hex(try FileBytes.contents(of: path(name)))
        }
        return SHA256.hex(text)
    }

    public func load() throws -> (train: ImageSet, test: ImageSet) {
        let tables = try self.tables()
        return (try tables.train.set(classes: tables.classes), try tables.test.set(classes: tables.classes))
    }

    public func loadSplits() throws -> DatasetSplits {
        let tables = try self.tables()
        return DatasetSplits(train: try tables.train.set(classes: tables.classes),
                             test: try tables.test.set(classes: tables.classes),
                             validation: try tables.validation?.set(classes: tables.classes))
    }

    // MARK: - Parsing

    /// One parsed file: its feature columns, row-major values, and each row's label text and line.
    struct Table {
        var file: String
        var columns: [String]
        var values: [Float] = []
        var labels: [String] = []
        var lines: [Int] = []
        var features: Int { columns.count }
        var count: Int { labels.count }

        /// The table as a set of feature vectors with labels indexed by `classes`.
        func set(classes: [String]) throws -> ImageSet {
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, UInt8($0)) })
            var bytes = [UInt8](repeating: 0, count: count)
            for (i, label) in labels.enumerated() {
                guard let k = index[CSVSource.className(label, numeric: CSVSource.isInteger(classes))] else {
                    throw DataError(path: "\(file):\(lines[i])", "label \"\(SafeText.printable(label))\" is not a class of the "
                                    + "training split (\(CSVSource.list(classes)))")
                }
                bytes[i] = k
            }
            return ImageSet(features: values, labels: bytes, count: count, features: features)
        }
    }

    func tables() throws -> (train: Table, test: Table, validation: Table?, classes: [String]) {
        guard FileBytes.kind(folder) == .directory else {
            throw DataError(keyPath: "data.path", path: folder, "dataset folder not found")
        }
        let train = try parse("train.csv")
        let test = try parse("test.csv", columns: train.columns)
        let validation = FileBytes.kind(path("val.csv")) == .missing ? nil : try parse("val.csv", columns: train.columns)
        guard train.count > 0 else { throw DataError(path: train.file, "holds no data rows") }
        guard test.count > 0 else { throw DataError(path: test.file, "holds no data rows") }
        let numeric = train.labels.allSatisfy { Int($0) != nil }
        let distinct = Set(train.labels.map { Self.className($0, numeric: numeric) })
        let classes = numeric ? distinct.map { Int($0)! }.sorted().map(String.init) : distinct.sorted()
        guard classes.count <= Self.maximumClasses else {
            throw DataError(path: train.file, "has \(classes.count) distinct labels in column \"\(labelColumn)\", at most "
                            + "\(Self.maximumClasses) classes are supported")
        }
        guard classes.count >= 2 else {
            throw DataError(path: train.file, "has one class (\(Self.list(classes))) in column \"\(labelColumn)\"; a classifier needs two or more")
        }
        return (train, test, validation, classes)
    }

    /// Parses `name`; `columns` (the training file's feature columns) must match when given.
    func parse(_ name: String, columns expected: [String]? = nil) throws -> Table {
        let file = path(name)
        guard FileBytes.kind(file) != .missing else {
            throw DataError(keyPath: "data.path", path: file, "not found (a csv dataset holds train.csv and test.csv, optionally val.csv)")
        }
        let bytes = try FileBytes.contents(of: file)
        guard var text = String(validating: bytes, as: UTF8.self) else { throw DataError(path: file, "not UTF-8 text") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let reader: CSVReader
        do { reader = try CSVReader(string: text, hasHeaderRow: true) } catch {
            throw DataError(path: file, "holds no header row")
        }
        guard let header = reader.headerRow, header != [""] else { throw DataError(path: file, "holds no header row") }
        guard let labelIndex = header.firstIndex(of: labelColumn) else {
            throw DataError(keyPath: "data.label", path: "\(file):1",
                            "no column named \"\(SafeText.printable(labelColumn))\" in the header (\(Self.list(header)))"
                            + Suggestion.hint(for: labelColumn, in: header))
        }
        if let duplicate = Dictionary(grouping: header, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw DataError(path: "\(file):1", "the header names column \"\(SafeText.printable(duplicate))\" twice")
        }
        let columns = header.enumerated().filter { $0.offset != labelIndex }.map(\.element)
        guard !columns.isEmpty else { throw DataError(path: "\(file):1", "holds no feature column beside \"\(labelColumn)\"") }
        if let expected, columns != expected {
            throw DataError(path: "\(file):1", "expected the columns of train.csv (\(Self.list(expected))), found \(Self.list(columns))")
        }
        var table = Table(file: file, columns: columns)
        var line = 1 + Self.lineBreaks(in: header)
        while let row = reader.next() {
            line += 1
            defer { line += Self.lineBreaks(in: row) }
            if row == [""] { continue }  // a blank line
            guard row.count == header.count else {
                throw DataError(path: "\(file):\(line)", "expected \(header.count) fields (the header's columns), found \(row.count)")
            }
            for (k, field) in row.enumerated() where k != labelIndex {
                let trimmed = field.trimmingCharacters(in: .whitespaces)
                guard let value = Float(trimmed), value.isFinite else {
                    let what = trimmed.isEmpty ? "an empty field" : "\"\(SafeText.printable(String(field.prefix(40))))\""
                    throw DataError(path: "\(file):\(line)", "column \"\(SafeText.printable(header[k]))\": expected a finite number, found \(what)")
                }
                table.values.append(value)
            }
            let label = row[labelIndex].trimmingCharacters(in: .whitespaces)
            guard !label.isEmpty else {
                throw DataError(path: "\(file):\(line)", "column \"\(SafeText.printable(labelColumn))\": expected a label, found an empty field")
            }
            table.labels.append(label)
            table.lines.append(line)
        }
        if let error = reader.error { throw DataError(path: file, "cannot be parsed as CSV (\(error))") }
        return table
    }

    /// The class a label names: integers by their value ("07" is class 7), names as written.
    static func className(_ label: String, numeric: Bool) -> String {
        numeric ? Int(label).map(String.init) ?? label : label
    }

    static func isInteger(_ classes: [String]) -> Bool { classes.allSatisfy { Int($0) != nil } }

    /// Line breaks inside the quoted fields of a row (CRLF counts once), which move the next row down.
    static func lineBreaks(in row: [String]) -> Int {
        var breaks = 0
        for field in row {
            var previousCR = false
            for scalar in field.unicodeScalars {
                if scalar == "\n" { if !previousCR { breaks += 1 } } else if scalar == "\r" { breaks += 1 }
                previousCR = scalar == "\r"
            }
        }
        return breaks
    }

    static func list(_ names: [String]) -> String {
        let shown = names.prefix(8).map { SafeText.printable($0) }.joined(separator: ", ")
        return names.count > 8 ? shown + ", … (\(names.count) in all)" : shown
    }

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
}
