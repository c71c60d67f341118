import Foundation
import XCTest
@testable import Reports
import Spec

/// Every output a variant name reaches stays well-formed and inert for any name, including names no
/// validated config can have (they can still come from a hand-edited or old `metrics.json`).
final class NastyNameTests: XCTestCase {
    static let names = [
        "NUL\u{0}inside", "CR\rLF\nboth", "ESC\u{1B}[31mred\u{1B}[0m", "C1\u{85}next", "tab\there",
        #"quote "double" and 'single'"#, "pipe | in | cell", "<script>alert(1)</script>", "<b>bold</b> & co",
        "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=leading tab",
        "[link](http://x) *em* _u_ `code` ~~s~~ # h \\ !",
        "bidi \u{202E}exe.fdp", "line\u{2028}separator", "Über 🧪 naïve",
        String(repeating: "long name ", count: 30),
    ]

    /// One completed trial per name (slugs as the runner would make them) in a fresh results folder.
    private func resultsFolder() throws -> (dir: String, records: [TrialRecord]) {
        let dir = try makeTempDir()
        var records: [TrialRecord] = []
        for (i, name) in Self.names.enumerated() {
            var r = Fixtures.record(variant: name, seed: 0, train: 0.9, val: 0.89, test: 0.88 + Double(i) / 1000,
                                    baseline: Self.names[5])
            r.slug = "nasty-\(i)-seed0"
            r.status = i == 3 ? "failed: \(name)" : "completed"
            try ReportBuilder.writeTrial(record: r, history: Fixtures.history(epochs: 5, seed: i), dir: dir + "/" + r.slug)
            records.append(r)
        }
        _ = try ReportBuilder.rebuild(resultsDir: dir)
        return (dir, records)
    }

    private func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// What a CSV cell must hold for `name`: printable, and not starting like a formula.
    private func expectedCell(_ name: String) -> String {
        let printable = SafeText.printable(name)
        return "=+-@".contains(printable.first ?? " ") ? "'" + printable : printable
    }

    func testCSVFilesParseToOneRowPerTrialWithInertCells() throws {
        let (dir, records) = try resultsFolder()
        let results = try XCTUnwrap(RFC4180.parse(try read(dir + "/results.csv")))
        XCTAssertEqual(results.count, records.count + 1)
        XCTAssertTrue(results.allSatisfy { $0.count == ResultsCSV.columns.count })
        let nameColumn = try XCTUnwrap(results[0].firstIndex(of: "variant"))
        XCTAssertEqual(Set(results.dropFirst().map { $0[nameColumn] }), Set(Self.names.map(expectedCell)))
        for row in results.dropFirst() {
            for cell in row {
                XCTAssertFalse(cell.unicodeScalars.contains(where: SafeText.isUnsafe), cell)
                XCTAssertFalse("=+-@".contains(cell.first ?? " ") && Double(cell) == nil, "formula-like cell \(cell)")
            }
        }
        let aggregate = try XCTUnwrap(RFC4180.parse(try read(dir + "/aggregate.csv")))
        XCTAssertTrue(aggregate.allSatisfy { $0.count == AggregateCSV.columns.count })
        XCTAssertEqual(Set(aggregate.dropFirst().map { $0[0] }), Set(Self.names.map(expectedCell)))
    }

    func testSummaryTableRowsKeepTheirCellsAndNoMarkupGetsThrough() throws {
        let (dir, records) = try resultsFolder()
        let summary = try read(dir + "/summary.md")
        XCTAssertFalse(summary.unicodeScalars.contains { SafeText.isUnsafe($0) && $0 != "\n" })
        XCTAssertNil(summary.range(of: #"<[A-Za-z/!?]"#, options: .regularExpression), "raw HTML in summary.md")
        let table = summary.split(separator: "\n").filter { $0.hasPrefix("|") }
        XCTAssertEqual(table.count, 2 + records.count)   // header, rule, one row per variant
        for row in table { XCTAssertEqual(Self.cells(String(row)).count, 9, String(row)) }   // with a baseline: Δ and Holm
        // Each name reads back as itself once its escapes are undone.
        let firstCells = Set(table.dropFirst(2).map { Self.unescape(Self.cells(String($0))[0]) })
        for (i, name) in Self.names.enumerated() where i != 3 {
            let label = SafeText.printable(name) + (i == 5 ? " (baseline, n = 1)" : " (n = 1)")
            XCTAssertTrue(firstCells.contains(label), label)
        }
        XCTAssertTrue(summary.contains("- \(Summary.escape(Self.names[3] + " (seed 0)")): \(Summary.escape("failed: " + Self.names[3]))\n"))
    }

    func testEverySVGParsesAsXMLAndShowsThePrintableName() throws {
        let (dir, records) = try resultsFolder()
        let variants = try FileManager.default.contentsOfDirectory(atPath: dir + "/variants").sorted()
        XCTAssertEqual(variants.count, records.count - 1)
        var files = ["comparison.svg"] + variants.map { "variants/" + $0 }
        for r in records { files += ["\(r.slug)/convergence.svg", "\(r.slug)/loss.svg"] }
        for file in files {
            let text = try read(dir + "/" + file)
            XCTAssertNotNil(XMLCheck.parse(text), "\(file) is not well-formed XML")
            XCTAssertFalse(text.unicodeScalars.contains { SafeText.isUnsafe($0) && $0 != "\n" }, file)
        }
        let script = try XCTUnwrap(XMLCheck.parse(try read(dir + "/nasty-7-seed0/convergence.svg")))
        XCTAssertTrue(script.elements.contains { $0.text.contains("<script>alert(1)</script> (seed 0): accuracy") })
        XCTAssertFalse(script.elements.contains { $0.name == "script" })
    }

    func testVariantPlotFileNamesComeFromTheTrialFoldersAndStayInside() throws {
        XCTAssertEqual(ReportBuilder.variantFileStem("weight-decay-l2-seed0"), "weight-decay-l2")
        XCTAssertEqual(ReportBuilder.variantFileStem("dropout-seed-12"), "dropout")
        XCTAssertEqual(ReportBuilder.variantFileStem("../../etc/passwd"), "etc-passwd")
        XCTAssertEqual(ReportBuilder.variantFileStem("\u{1B}"), "variant")
        XCTAssertEqual(ReportBuilder.variantFileStem(String(repeating: "a", count: 300)).count, 100)
        let (dir, _) = try resultsFolder()
        for file in try FileManager.default.contentsOfDirectory(atPath: dir + "/variants") {
            XCTAssertNotNil(file.range(of: #"^nasty-[0-9]+\.svg$"#, options: .regularExpression), file)
        }
    }

    func testJSONTextAndRecordsRoundTripEveryName() throws {
        let (dir, records) = try resultsFolder()
        for (name, r) in zip(Self.names, records) {
            let quoted = JSONText.quoted(name)
            XCTAssertFalse(quoted.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value)
                || $0 == "\u{2028}" || $0 == "\u{2029}" }, quoted)
            let parsed = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
            XCTAssertEqual(parsed, [name])
            XCTAssertEqual(try ReportBuilder.readRecord(dir + "/" + r.slug + "/metrics.json").variant, name)
        }
    }

    // MARK: - Independent readers

    /// Cells of a Markdown table row, split on `|` not preceded by a backslash.
    static func cells(_ row: String) -> [String] {
        var cells: [String] = [], current = "", escaped = false
        for ch in row.dropFirst() {
            if escaped { current.append(ch); escaped = false; continue }
            if ch == "\\" { current.append(ch); escaped = true; continue }
            if ch == "|" { cells.append(current.trimmingCharacters(in: .whitespaces)); current = "" } else { current.append(ch) }
        }
        return cells
    }

    /// A Markdown cell's text with backslash escapes and the three entities undone.
    static func unescape(_ cell: String) -> String {
        var out = "", escaped = false
        for ch in cell {
            if escaped { out.append(ch); escaped = false } else if ch == "\\" { escaped = true } else { out.append(ch) }
        }
        return out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF); nil on malformed input.
enum RFC4180 {
    static func parse(_ text: String) -> [[String]]? {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, afterQuote = false, atFieldStart = true
        for ch in text.unicodeScalars {
            if quoted {
                if ch == "\"" { quoted = false; afterQuote = true } else { field.unicodeScalars.append(ch) }
                continue
            }
            switch ch {
            case "\"" where atFieldStart: quoted = true; atFieldStart = false
            case "\"" where afterQuote: field.append("\""); quoted = true; afterQuote = false
            case "\"": return nil
            case ",": row.append(field); field = ""; atFieldStart = true; afterQuote = false
            case "\r": continue
            case "\n": row.append(field); rows.append(row); row = []; field = ""; atFieldStart = true; afterQuote = false
            default:
                if afterQuote { return nil }
                field.unicodeScalars.append(ch); atFieldStart = false
            }
        }
        guard !quoted, field.isEmpty, row.isEmpty else { return nil }
        return rows
    }
}
