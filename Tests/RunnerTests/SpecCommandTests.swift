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
