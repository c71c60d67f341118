import CCSV
import Foundation
import Spec

/// A folder of CSV tables (`data.format: csv`): `train.csv`, `test.csv` and optionally `val.csv`,
/// each with a header row naming its columns. The column named `label` holds each row's class —
/// integers or names — and every other column is a numeric feature, so a sample is a Float32
/// vector of shape `[F]`. RFC 4180 parsing (quotes, embedded delimiters and newlines, CRLF) is
/// libcsv's (Debian `libcsv-dev`), in strict mode.
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

    typealias Tables = (train: Table, test: Table, validation: Table?, classes: [String])

    /// The parsed tables, parsed once per process for the same files (describing a dataset and
    /// loading it read the same tables; keyed by the files' paths, sizes and modification times).
    func tables() throws -> Tables {
        guard FileBytes.kind(folder) == .directory else {
            throw DataError(keyPath: "data.path", path: folder, "dataset folder not found")
        }
        let stamp = [labelColumn] + ["train.csv", "test.csv", "val.csv"].map { name -> String in
            let attributes = try? FileManager.default.attributesOfItem(atPath: path(name))
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(path(name))|\(size)|\(modified)"
        }
        if let hit = Self.last.get(stamp) { return hit }
        let tables = try parseTables()
        Self.last.set(stamp, tables)
        return tables
    }

    /// The most recently parsed tables and their files' stamp.
    private static let last = LastTables()

    final class LastTables: @unchecked Sendable {
        private var entry: (stamp: [String], tables: Tables)?
        private let lock = NSLock()
        func get(_ stamp: [String]) -> Tables? {
            lock.lock(); defer { lock.unlock() }
            return entry?.stamp == stamp ? entry?.tables : nil
        }
        func set(_ stamp: [String], _ tables: Tables) {
            lock.lock(); defer { lock.unlock() }
            entry = (stamp, tables)
        }
    }

    private func parseTables() throws -> Tables {
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
        var bytes = try FileBytes.contents(of: file)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte order mark
        let reader = CSVTableReader(file: file, labelColumn: labelColumn, expected: expected)
        try reader.read(bytes)
        return reader.table
    }

    /// The class a label names: integers by their value ("07" is class 7), names as written.
    static func className(_ label: String, numeric: Bool) -> String {
        numeric ? Int(label).map(String.init) ?? label : label
    }

    static func isInteger(_ classes: [String]) -> Bool { classes.allSatisfy { Int($0) != nil } }

    static func list(_ names: [String]) -> String {
        let shown = names.prefix(8).map { SafeText.printable($0) }.joined(separator: ", ")
        return names.count > 8 ? shown + ", … (\(names.count) in all)" : shown
    }

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
}

/// Streams one CSV file through libcsv into a `CSVSource.Table`: the first row is the header,
/// every later row is checked against it as it arrives (one field callback, one row callback),
/// and the first problem stops the parse with a `file:line` error. Lines are counted from the
/// row terminators libcsv reports (all of them: `CSV_REPALL_NL`, so blank lines count) and the
/// line breaks inside quoted fields; CRLF is one line.
final class CSVTableReader {
    let file: String
    let labelColumn: String
    let expected: [String]?
    private(set) var table: CSVSource.Table
    private var header: [String]?
    private var headerFields: [String] = []
    private var labelIndex = 0
    private var field = 0
    private var label = ""
    /// The line the current row starts on, and the line breaks inside its quoted fields so far.
    private var line = 1, breaks = 0
    private var lastTerminatorWasCR = false
    private var error: DataError?

    init(file: String, labelColumn: String, expected: [String]?) {
        self.file = file
        self.labelColumn = labelColumn
        self.expected = expected
        table = CSVSource.Table(file: file, columns: [])
    }

    func read(_ bytes: [UInt8]) throws {
        var parser = csv_parser()
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_REPALL_NL | CSV_STRICT_FINI | CSV_APPEND_NULL)) == 0 else {
            throw DataError(path: file, "cannot start the CSV parser (out of memory)")
        }
        defer { csv_free(&parser) }
        let context = Unmanaged.passUnretained(self).toOpaque()
        let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = { data, length, context in
            Unmanaged<CSVTableReader>.fromOpaque(context!).takeUnretainedValue().field(data, length)
        }
        let onRow: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { terminator, context in
            Unmanaged<CSVTableReader>.fromOpaque(context!).takeUnretainedValue().row(terminator)
        }
        let chunk = 1 << 20
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, error == nil {
                let n = min(chunk, raw.count - offset)
                if csv_parse(&parser, raw.baseAddress! + offset, n, onField, onRow, context) != n, error == nil {
                    throw DataError(path: "\(file):\(line + breaks)", "cannot be parsed as CSV (\(String(cString: csv_strerror(csv_error(&parser)))): "
                                    + "a quote inside an unquoted field, or text after a closing quote)")
                }
                offset += n
            }
        }
        if error == nil, csv_fini(&parser, onField, onRow, context) != 0, error == nil {
            throw DataError(path: "\(file):\(line)", "cannot be parsed as CSV (a quoted field is not closed)")
        }
        if let error { throw error }
        guard header != nil else { throw DataError(path: file, "holds no header row") }
    }

    private func fail(_ message: String, line: Int? = nil) {
        if error == nil { error = DataError(path: "\(file):\(line ?? self.line)", message) }
    }

    /// One field of the current row (NUL-terminated by libcsv, `length` bytes).
    private func field(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        guard error == nil else { return }
        defer { field += 1 }
        let bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length)
        var previousCR = false
        for b in bytes {  // line breaks inside a quoted field move the next row down
            if b == 0x0A { if !previousCR { breaks += 1 } } else if b == 0x0D { breaks += 1 }
            previousCR = b == 0x0D
        }
        guard let header else {
            headerFields.append(String(decoding: bytes, as: UTF8.self))
            return
        }
        if field == labelIndex {
            label = String(decoding: bytes, as: UTF8.self)
            return
        }
        guard field < header.count else { return }  // the row's field count is checked at its end
        var value: Float = .nan
        if length > 0, let start = data?.assumingMemoryBound(to: CChar.self) {
            var end: UnsafeMutablePointer<CChar>?
            let parsed = strtof(start, &end)
            if end == start + length { value = parsed }
        }
        guard value.isFinite else {
            let text = String(decoding: bytes.prefix(40), as: UTF8.self)
            fail("column \"\(SafeText.printable(header[field]))\": expected a finite number, found "
                 + (length == 0 ? "an empty field" : "\"\(SafeText.printable(text))\""))
            return
        }
        table.values.append(value)
    }

    /// The end of a row: `terminator` is the CR or LF that ended it, or −1 at the end of the file.
    private func row(_ terminator: Int32) {
        let fields = field
        let rowLine = line
        defer {
            field = 0
            let isLFofCRLF = fields == 0 && terminator == 0x0A && lastTerminatorWasCR
            if !isLFofCRLF { line += 1 + breaks }
            breaks = 0
            lastTerminatorWasCR = terminator == 0x0D
        }
        guard error == nil, fields > 0 else { return }  // a blank line
        guard let header else { startTable(headerFields); return }
        guard fields == header.count else {
            fail("expected \(header.count) fields (the header's columns), found \(fields)", line: rowLine)
            return
        }
        let trimmed = label.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            fail("column \"\(SafeText.printable(labelColumn))\": expected a label, found an empty field", line: rowLine)
            return
        }
        table.labels.append(trimmed)
        table.lines.append(rowLine)
    }

    private func startTable(_ names: [String]) {
        header = names
        guard let index = names.firstIndex(of: labelColumn) else {
            error = DataError(keyPath: "data.label", path: "\(file):1",
                              "no column named \"\(SafeText.printable(labelColumn))\" in the header (\(CSVSource.list(names)))"
                              + Suggestion.hint(for: labelColumn, in: names))
            return
        }
        labelIndex = index
        if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            fail("the header names column \"\(SafeText.printable(duplicate))\" twice", line: 1)
            return
        }
        let columns = names.enumerated().filter { $0.offset != index }.map(\.element)
        guard !columns.isEmpty else { fail("holds no feature column beside \"\(labelColumn)\"", line: 1); return }
        if let expected, columns != expected {
            fail("expected the columns of train.csv (\(CSVSource.list(expected))), found \(CSVSource.list(columns))", line: 1)
            return
        }
        table.columns = columns
    }
}
