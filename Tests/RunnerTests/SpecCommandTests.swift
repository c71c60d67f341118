import Foundation
import TestSupport
import XCTest

/// `validate`, `resolve`, `diff` and `list` through the binary, on the shipped experiments.
final class SpecCommandTests: XCTestCase {
    private var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    func testValidatePrintsFourSummariesWithTheLeNetParameterCount() throws {
        let r = try RunnerProcess.run(["validate", "experiments/lenet5-none.yaml", "experiments/lenet5-dropout.yaml",
                                       "experiments/lenet5-l2.yaml", "experiments/lenet5-batchnorm.yaml"], in: root)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.components(separatedBy: "Model: \"").count - 1, 4)
        XCTAssertEqual(r.stdout.components(separatedBy: "Total params: 61,706").count - 1, 3)
        XCTAssertTrue(r.stdout.contains("Total params: 61,990"), "batch norm adds 2·(6+16+120) parameters")
        XCTAssertTrue(r.stdout.hasSuffix("ok: 4 files, 4 variants, 12 trials\n"), r.stdout)
    }

    /// The committed study stays byte-identical: `runner resolve` (reading the installed dataset
    /// through the data layer) gives every committed trial's config.yaml and config hash exactly.
    func testResolveReproducesTheCommittedStudysConfigsAndHashes() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder) else { throw XCTSkip("\(folder) not installed") }
        var checked = 0
        for (file, slug) in [("lenet5-none", "no-regularization"), ("lenet5-dropout", "dropout"),
                             ("lenet5-l2", "weight-decay-l2"), ("lenet5-batchnorm", "batch-normalization")] {
            let r = try RunnerProcess.run(["resolve", "experiments/\(file).yaml"], in: root)
            XCTAssertEqual(r.status, 0, r.stderr)
            let documents = r.stdout.components(separatedBy: "# ").dropFirst()
            XCTAssertEqual(documents.count, 3)
            for (seed, document) in documents.enumerated() {
                let trial = root + "/results/\(slug)-seed\(seed)"
                let committed = try String(contentsOfFile: trial + "/config.yaml", encoding: .utf8)
                let (header, body) = (document.prefix { $0 != "\n" }, document.drop { $0 != "\n" }.dropFirst())
                var text = String(body)   // documents are separated by a blank line
                while text.hasSuffix("\n\n") { text.removeLast() }
                XCTAssertEqual(text, committed, "\(slug)-seed\(seed)")
                let metrics = try String(contentsOfFile: trial + "/metrics.json", encoding: .utf8)
                let hash = try XCTUnwrap(header.split(separator: " ").last?.dropLast())
                XCTAssertTrue(metrics.contains("\"configHash\" : \"\(hash)\""), "\(slug)-seed\(seed)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 12)
    }

    func testResolvingTheResolvedConfigGivesTheSameHash() throws {
        let dir = try temporaryFolder(self)
        let first = try RunnerProcess.run(["resolve", "experiments/lenet5-batchnorm.yaml", "--seeds", "1"], in: root)
        XCTAssertEqual(first.status, 0, first.stderr)
        let header = try XCTUnwrap(first.stdout.split(separator: "\n").first.map(String.init))
        XCTAssertTrue(header.hasPrefix("# Batch normalization, seed 0 (sha256 "), header)
        let body = first.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
        try body.write(toFile: dir + "/resolved.yaml", atomically: true, encoding: .utf8)
        let second = try RunnerProcess.run(["resolve", dir + "/resolved.yaml"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, first.stdout)
    }

    func testDiffPrintsChangedKeysAndExitsOne() throws {
        let r = try RunnerProcess.run(["diff", "experiments/lenet5-none.yaml", "experiments/lenet5-l2.yaml"], in: root)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stdout, """
            name: No regularization → Weight decay (L2)
            train.optimizer.weight_decay: 0.0 → 0.0001

            """)
        let same = try RunnerProcess.run(["diff", "experiments/lenet5-none.yaml", "experiments/lenet5-none.yaml"], in: root)
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertEqual(same.stdout, "no differences\n")
    }

    func testListShowsEveryLayerAndModel() throws {
        let r = try RunnerProcess.run(["list"])
        XCTAssertEqual(r.status, 0)
        for type in ["conv2d", "linear", "maxpool2d", "avgpool2d", "relu", "tanh", "sigmoid", "dropout",
                     "batchnorm1d", "batchnorm2d", "flatten", "add", "concat", "lenet5"] {
            XCTAssertTrue(r.stdout.contains("\n  \(type) — "), type)
        }
    }
}
