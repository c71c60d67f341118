import XCTest
@testable import Reports

final class ReportBuilderTests: XCTestCase {
    private let fm = FileManager.default
    private let outputs = ["results.csv", "aggregate.csv", "summary.md", "comparison.svg",
                           "variants/no-regularization.svg", "variants/dropout.svg", "index.html"]

    /// Writes each fixture trial (with a history) into `dir` via `writeTrial`.
    private func writeTrials(_ records: [TrialRecord], into dir: String) throws {
        for r in records {
            let history = Fixtures.history(epochs: r.isCompleted ? 50 : 4, seed: Int(r.seed),
                                           offset: r.variant == "Dropout" ? 0.008 : 0)
            try ReportBuilder.writeTrial(record: r, history: history, dir: dir + "/" + r.slug)
        }
    }

    private func contents(_ dir: String) -> [String: Data] {
        Dictionary(uniqueKeysWithValues: outputs.map { ($0, fm.contents(atPath: dir + "/" + $0) ?? Data()) })
    }

    func testWriteTrialWritesReadableFiles() throws {
        let dir = try makeTempDir() + "/dropout-seed-1"
        let record = Fixtures.twoVariants[4]
        let history = Fixtures.history(epochs: 12)
        try ReportBuilder.writeTrial(record: record, history: history, dir: dir)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir).sorted(),
                       ["convergence.svg", "history.csv", "loss.svg", "metrics.json"])
        XCTAssertEqual(try ReportBuilder.readRecord(dir + "/metrics.json"), record)
        XCTAssertEqual(try HistoryCSV.parse(String(contentsOfFile: dir + "/history.csv", encoding: .utf8)), history)
        XCTAssertNotNil(XMLCheck.parse(try String(contentsOfFile: dir + "/convergence.svg", encoding: .utf8)))
        XCTAssertNotNil(XMLCheck.parse(try String(contentsOfFile: dir + "/loss.svg", encoding: .utf8)))
    }

    func testRebuildWritesAllReportsInReportOrder() throws {
        let dir = try makeTempDir()
        try writeTrials(Fixtures.twoVariants, into: dir)
        try fm.createDirectory(atPath: dir + "/not-a-trial", withIntermediateDirectories: true)
        let written = try ReportBuilder.rebuild(resultsDir: dir).written
        XCTAssertEqual(written, outputs.map { dir + "/" + $0 })
        let results = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(results.count, 8)
        XCTAssertEqual(results.dropFirst().map { String($0.split(separator: ",")[0]) },
                       ["No regularization (seed 1)", "No regularization (seed 2)", "No regularization (seed 3)",
                        "Dropout (seed 1)", "Dropout (seed 2)", "Dropout (seed 3)", "Dropout (seed 4)"])
        XCTAssertEqual(try String(contentsOfFile: dir + "/aggregate.csv", encoding: .utf8),
                       AggregateCSV.render(records: Fixtures.twoVariants))
        XCTAssertEqual(try String(contentsOfFile: dir + "/summary.md", encoding: .utf8),
                       Summary.markdown(records: Fixtures.twoVariants))
        let comparison = try XCTUnwrap(XMLCheck.parse(String(contentsOfFile: dir + "/comparison.svg", encoding: .utf8)))
        XCTAssertEqual(comparison.withClass("legend-entry").count, 2)
        let variant = try XCTUnwrap(XMLCheck.parse(String(contentsOfFile: dir + "/variants/dropout.svg", encoding: .utf8)))
        XCTAssertEqual(variant.withClass("marker-label").map(\.text),
                       ["seed 1: epoch 40", "seed 2: epoch 38", "seed 3: epoch 45"])
        XCTAssertFalse(try fm.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix(".") }, "temporary files left")
    }

    func testShardsMergedGiveByteIdenticalReports() throws {
        let root = try makeTempDir()
        let records = Fixtures.twoVariants
        try writeTrials(records.reversed(), into: root + "/all")
        try ReportBuilder.rebuild(resultsDir: root + "/all")
        try writeTrials(records.filter { $0.seed == 1 }, into: root + "/shard1")
        try writeTrials(records.filter { $0.seed != 1 }, into: root + "/shard2")
        try ReportBuilder.rebuild(resultsDir: root + "/shard1")
        try ReportBuilder.rebuild(resultsDir: root + "/shard2")
        try fm.createDirectory(atPath: root + "/merged/variants", withIntermediateDirectories: true)
        for shard in ["shard1", "shard2"] {
            for name in try fm.contentsOfDirectory(atPath: root + "/" + shard) where name != "variants" {
                let target = root + "/merged/" + name
                try? fm.removeItem(atPath: target)
                try fm.copyItem(atPath: root + "/" + shard + "/" + name, toPath: target)
            }
        }
        try ReportBuilder.rebuild(resultsDir: root + "/merged")
        let all = contents(root + "/all"), merged = contents(root + "/merged")
        for name in outputs {
            XCTAssertFalse(all[name]?.isEmpty ?? true, name)
            XCTAssertEqual(all[name], merged[name], name)
        }
        try ReportBuilder.rebuild(resultsDir: root + "/all")
        XCTAssertEqual(contents(root + "/all"), all, "a second rebuild changed the files")
    }

    func testStaleVariantChartsAreRemoved() throws {
        let dir = try makeTempDir()
        try writeTrials(Fixtures.twoVariants, into: dir)
        try fm.createDirectory(atPath: dir + "/variants", withIntermediateDirectories: true)
        try AtomicFile.write("<svg/>", to: dir + "/variants/old-variant.svg")
        try ReportBuilder.rebuild(resultsDir: dir)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir + "/variants").sorted(), ["dropout.svg", "no-regularization.svg"])
    }

    func testUnreadableTrialFilesAreOneLineErrorsNamingTheFile() throws {
        let dir = try makeTempDir()
        try writeTrials([Fixtures.twoVariants[1]], into: dir)
        let trial = dir + "/no-regularization-seed1"
        func message() -> String {
            do { return try ReportBuilder.rebuild(resultsDir: dir).damaged.map(\.message).joined(separator: "\n") } catch {
                return "thrown: \(error)"
            }
        }
        try AtomicFile.write("epoch,train_loss\n", to: trial + "/history.csv")
        XCTAssertEqual(message(), "\(trial)/history.csv:1: expected the header "
                       + "epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds, found epoch,train_loss")
        try AtomicFile.write("{\"name\": ", to: trial + "/metrics.json")
        XCTAssertEqual(message(), "\(trial)/metrics.json: malformed JSON")
        try AtomicFile.write("{\"name\": \"x\"}", to: trial + "/metrics.json")
        XCTAssertEqual(message(), "\(trial)/metrics.json: missing key \"variant\"")
        try AtomicFile.write("{\"name\": 3}", to: trial + "/metrics.json")
        XCTAssertEqual(message(), "\(trial)/metrics.json: name: expected String")
        XCTAssertThrowsError(try ReportBuilder.scan(resultsDir: dir + "/missing")) {
            XCTAssertEqual("\($0)", "\(dir)/missing: cannot list the results folder")
        }
    }

    /// One unreadable trial folder is named, and the tables of all the others are still complete.
    func testOneBadFolderIsReportedAndTheOthersStillMakeTheTables() throws {
        let good = try makeTempDir("one-bad-folder-good"), mixed = try makeTempDir("one-bad-folder-mixed")
        try writeTrials(Fixtures.twoVariants, into: good)
        try writeTrials(Fixtures.twoVariants, into: mixed)
        try ReportBuilder.rebuild(resultsDir: good)
        let bad = mixed + "/zz-broken-seed0"
        try fm.createDirectory(atPath: bad, withIntermediateDirectories: true)
        try AtomicFile.write("{\"name\": ", to: bad + "/metrics.json")
        let rebuilt = try ReportBuilder.rebuild(resultsDir: mixed)
        XCTAssertEqual(rebuilt.damaged.map(\.message), ["\(bad)/metrics.json: malformed JSON"])
        for file in ["results.csv", "aggregate.csv", "summary.md", "comparison.svg"] {
            XCTAssertEqual(fm.contents(atPath: mixed + "/" + file), fm.contents(atPath: good + "/" + file), file)
        }
    }

    /// A folder without trials is refused and nothing in it is touched.
    func testFolderWithoutTrialsIsRefusedAndNothingIsWritten() throws {
        let dir = try makeTempDir()
        try AtomicFile.write("keep me", to: dir + "/results.csv")
        try fm.createDirectory(atPath: dir + "/not-a-trial", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ReportBuilder.rebuild(resultsDir: dir)) {
            XCTAssertEqual("\($0)", "\(dir): holds no trial folders (no */metrics.json); nothing written")
        }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir).sorted(), ["not-a-trial", "results.csv"])
        XCTAssertEqual(try String(contentsOfFile: dir + "/results.csv", encoding: .utf8), "keep me")
    }

    func testAtomicWriteReplacesAndLeavesNoTemporaryFiles() throws {
        let dir = try makeTempDir()
        try AtomicFile.write("first", to: dir + "/a.txt")
        try AtomicFile.write("second", to: dir + "/a.txt")
        XCTAssertEqual(try String(contentsOfFile: dir + "/a.txt", encoding: .utf8), "second")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir), ["a.txt"])
        XCTAssertThrowsError(try AtomicFile.write("x", to: dir + "/no-folder/a.txt")) {
            XCTAssertEqual("\($0)", "\(dir)/no-folder/a.txt: could not create a temporary file: No such file or directory")
        }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir), ["a.txt"])
    }
}
