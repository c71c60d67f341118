import Foundation
import TestSupport
import XCTest

/// Every bad input: exit status 2 and exactly the expected line on standard error, nothing on
/// standard output, and no results folder written.
final class BadInputTests: XCTestCase {
    private func expectFailure(_ args: [String], _ expected: [String], in dir: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try RunnerProcess.run(args, in: dir)
        XCTAssertEqual(r.status, 2, "exit status; stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").map(String.init), expected, file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
    }

    func testMissingFileGlobAndDirectory() throws {
        let dir = try temporaryFolder(self)
        try FileManager.default.createDirectory(atPath: dir + "/experiments", withIntermediateDirectories: true)
        try expectFailure(["run", "nope.yaml", "--results", "r"], ["runner: no such file: nope.yaml"], in: dir)
        try expectFailure(["run", "experiments/*.yaml", "--results", "r"], ["runner: no such file: experiments/*.yaml"], in: dir)
        try expectFailure(["validate", "experiments"], ["runner: experiments: is a directory, expected a YAML file"], in: dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/r"), "no results folder for bad input")
    }

    /// Command lines the option parser rejects are bad input too: one line, exit 2 (not the parser's 64).
    func testOptionParsingErrorsAreOneLineAndExitTwo() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        try expectFailure(["run", f.config, "--seeds", "abc"],
                          ["runner: The value 'abc' is invalid for '--seeds <seeds>' (see 'runner help')"])
        try expectFailure(["run", f.config, "--bogus"],
                          ["runner: Unknown option '--bogus'. Did you mean '--jobs'? (see 'runner help')"])
        try expectFailure(["resolve", f.config, f.config],
                          ["runner: expected exactly one experiment file (see 'runner help')"])
        let help = try RunnerProcess.run(["run", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("--max-trials"), help.stdout)
    }

    func testYAMLErrorsAreOneLineEachWithLocation() throws {
        let dir = try temporaryFolder(self)
        try "name: X\ntrain:\n\tepochs: 5\n".write(toFile: dir + "/tab.yaml", atomically: true, encoding: .utf8)
        try "name: X\ntrain: {epochs: [1, 2\n".write(toFile: dir + "/open.yaml", atomically: true, encoding: .utf8)
        try expectFailure(["validate", "tab.yaml", "open.yaml"], [
            "tab.yaml:3:1: found a tab character that violates indentation (indent with spaces)",
            "open.yaml:3:1: unclosed flow sequence \"[\" opened at line 2, column 17",
        ], in: dir)
    }

    func testOverrideErrorsNameTheOverride() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        try expectFailure(["validate", f.config, "train.epoch=3", "train.batch_size=zero"], [
            "override train.epoch=3: train.epoch: unknown key, did you mean \"epochs\"?",
            "override train.batch_size=zero: train.batch_size: expected a positive integer, found \"zero\"",
        ])
    }

    /// Limits are checked at validate time, before anything is allocated: one line, exit 2, no trap.
    func testOversizedNetworksAndGridsAreRefusedBeforeAllocation() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let huge = try f.variant("huge.yaml", """
            name: Huge
            model:
              layers:
                - {type: flatten}
                - {type: linear, name: fc1, out: 100000000}
                - {type: linear, name: fc2, out: 10}
            """)
        let r = try RunnerProcess.run(["run", huge, "--results", f.results()])
        XCTAssertEqual(r.status, 2, r.stderr)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(lines.first?.hasPrefix("\(huge):4:3: model: needs at least 1.62 TB of memory (79,500,000,010 parameters") == true,
                      r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results()))

        let grid = (1...20).map(String.init).joined(separator: ", ")
        let sweep = try f.variant("grid.yaml", """
            name: Grid
            sweep:
              train.epochs: [\(grid)]
              train.batch_size: [\(grid)]
              train.seed: [\(grid)]
              data.pad: [\(grid)]
            """)
        try expectFailure(["validate", sweep, "--max-trials", "1000"], [
            "\(sweep):4:3: sweep: expands to 160000 trials (20 × 20 × 20 × 20 points × 1 seed), more than the limit of 1000; "
            + "pass --max-trials 160000 to allow it",
        ])
    }

    /// `runner report` names one unreadable trial folder (exit 1) and still writes the others' tables;
    /// a folder with no trials is refused (exit 2) and left as it was.
    func testReportSurvivesOneBadFolderAndRefusesAnEmptyOne() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        let run = try RunnerProcess.run(["run", f.config, "--results", f.results(), "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let table = try f.read(f.results() + "/results.csv")
        let bad = f.results() + "/broken-seed0"
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
        try "{\"name\": ".write(toFile: bad + "/metrics.json", atomically: true, encoding: .utf8)
        let r = try RunnerProcess.run(["report", f.results()])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, "runner: \(bad)/metrics.json: malformed JSON\n")
        XCTAssertEqual(r.stdout, "runner: rebuilt reports in \(f.results()) without 1 unreadable trial folder\n")
        XCTAssertEqual(try f.read(f.results() + "/results.csv"), table)

        let empty = f.root + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try expectFailure(["report", empty], ["runner: \(empty): holds no trial folders (no */metrics.json); nothing written"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: empty), [])
    }

    /// A batch larger than the training split trains as one batch of the whole split.
    func testBatchLargerThanTheDataTrains() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        let r = try RunnerProcess.run(["run", f.config, "train.batch_size=100000", "--results", f.results(), "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try f.rows(f.results())
        XCTAssertEqual(rows.map { $0["status"] }, ["completed"])
    }

    func testShapeMismatchIsReportedAtTheLayer() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let bad = try f.variant("bad.yaml", """
            name: Bad
            model:
              layers:
                - {type: conv2d, name: conv1, out: 4, kernel: 5, stride: 2}
                - {type: linear, name: fc1, out: 10}
            """)
        let r = try RunnerProcess.run(["run", bad, "--results", f.results()])
        XCTAssertEqual(r.status, 2)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(lines[0].hasPrefix("\(bad):6:7: model.layers[1]: "), r.stderr)
        XCTAssertTrue(lines[0].contains("add a flatten layer"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results()))
    }

    func testMissingDatasetFolderSaysHowToInstallIt() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        try expectFailure(["run", f.config, "data.path=/nonexistent/fashion", "--results", f.results()], [
            "override data.path=/nonexistent/fashion: data.path: /nonexistent/fashion: dataset folder not found — "
                + "run scripts/setup.sh (installs dataset-fashion-mnist) or set data.path",
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results()))
        // The dataset is described when the config is validated, at the line that names it.
        let moved = try f.variant("moved.yaml", "data: {path: /nonexistent/mnist, dataset: mnist}\n")
        try expectFailure(["validate", moved], [
            "\(moved):2:14: data.path: /nonexistent/mnist: dataset folder not found — "
                + "set data.path to a folder holding the MNIST IDX files",
        ])
    }

    func testBadWeightsFilesAreRejectedWithOneLine() throws {
        let f = try EndToEndFixture(self, seeds: [0], extra: "")
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "train.epochs=1", "--results", f.results()]).status, 0)
        let good = try XCTUnwrap(f.bytes(f.results() + "/tiny-seed0/model.safetensors"))
        let config = f.results() + "/tiny-seed0/config.yaml"
        func write(_ name: String, _ data: Data) throws -> String {
            let path = f.root + "/" + name
            try data.write(to: URL(fileURLWithPath: path))
            return path
        }
        let missing = f.root + "/none.safetensors"
        try expectFailure(["eval", config, "--weights", missing], ["runner: \(missing): no such file"])
        let truncated = try write("truncated.safetensors", good.prefix(5))
        try expectFailure(["eval", config, "--weights", truncated],
                          ["runner: \(truncated): truncated file: 5 bytes, the 8-byte header length is missing"])
        let cut = try write("cut.safetensors", good.prefix(64))
        let headerLength = good.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        try expectFailure(["eval", config, "--weights", cut],
                          ["runner: \(cut): header length \(headerLength) exceeds the 56 bytes after the length field"])

        // A model with a different shape: fc1 has 8 outputs here.
        let other = f.root + "/other.yaml"
        try "extends: tiny.yaml\nname: Other\nmodel:\n  layers:\n    - {type: conv2d, name: conv1, out: 4, kernel: 5, stride: 2}\n    - {type: relu}\n    - {type: flatten}\n    - {type: linear, name: fc1, out: 8}\n    - {type: linear, name: fc2, out: 10}\n"
            .write(toFile: other, atomically: true, encoding: .utf8)
        let weights = f.results() + "/tiny-seed0/model.safetensors"
        try expectFailure(["eval", other, "--weights", weights],
                          ["runner: \(weights): tensor \"fc1.weight\": expected shape [8, 576], found [10, 576]"])
    }
}
