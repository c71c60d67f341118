import Foundation
import Reports
import TestSupport
import XCTest

/// `runner export`, `runner report --format` and the TensorBoard switch, run as a user runs them.
final class ExportCommandTests: XCTestCase {
    func testExportTensorBoardAndTableFormats() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let r = try RunnerProcess.run(["run", f.config, "--results", f.results(), "--tensorboard"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let trial = f.results() + "/tiny-seed0"

        // TensorBoard: one events file per trial, with three epochs' records.
        let events = try XCTUnwrap(f.bytes(trial + "/events.out.tfevents.runner"))
        XCTAssertEqual(try TFRecordCheck.count(events), 1 + 1 + 2 + 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.results() + "/index.html"))

        // Export from the trial folder and from a config with --weights: the same bytes.
        let a = f.root + "/a.onnx", b = f.root + "/b.onnx"
        let e1 = try RunnerProcess.run(["export", trial, "--onnx", a])
        XCTAssertEqual(e1.status, 0, e1.stderr)
        let parameters: Int = (4 * 25 + 4) + (10 * 576 + 10)  // conv1 5×5 → 4 × 12 × 12, fc1 → 10
        XCTAssertEqual(e1.stdout, "runner: wrote \(a) (Tiny, seed 0; opset 20, 4 nodes, \(parameters) parameters)\n")
        let e2 = try RunnerProcess.run(["export", trial + "/config.yaml", "--weights", trial + "/model.safetensors", "--onnx", b])
        XCTAssertEqual(e2.status, 0, e2.stderr)
        XCTAssertEqual(f.bytes(a), f.bytes(b))

        // Bad input: one line, exit 2, nothing written.
        let c = f.root + "/c.onnx"
        let bad = try RunnerProcess.run(["export", trial, "--onnx", c, "--opset", "12"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "runner: --opset: expected an opset from 13 to 21, found 12\n")
        let noWeights = try RunnerProcess.run(["export", f.config, "--onnx", c])
        XCTAssertEqual(noWeights.status, 2)
        XCTAssertEqual(noWeights.stderr, "runner: --weights: expected --weights FILE (or a trial folder holding model.safetensors)\n")
        let missing = try RunnerProcess.run(["export", f.config, "--weights", f.root + "/nope.safetensors", "--onnx", c])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: c))

        // The comparison table in each format.
        let csv = try RunnerProcess.run(["report", f.results(), "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let lines = csv.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "variant,baseline,n,train_acc_mean,train_acc_ci95,val_acc_mean,val_acc_ci95,test_acc_mean,test_acc_ci95,p_vs_baseline,selected_epochs,seconds_mean,test_diff_vs_baseline,test_diff_ci95_low,test_diff_ci95_high,p_holm")
        XCTAssertTrue(lines.dropFirst().first?.hasPrefix("Tiny,false,1,") ?? false, csv.stdout)
        let md = try RunnerProcess.run(["report", f.results(), "--format", "md"])
        XCTAssertTrue(md.stdout.hasPrefix("| Technique | n | Train acc % | Val acc % | Test acc % | Δ test vs baseline (95 % CI) | p vs baseline | p (Holm) |"), md.stdout)
        let latex = try RunnerProcess.run(["report", f.results(), "--format", "latex"])
        XCTAssertTrue(latex.stdout.hasPrefix("\\begin{tabular}{lrrrrrrrrr}\n\\toprule\nTechnique & n & Train acc \\% &"), latex.stdout)
        let json = try RunnerProcess.run(["report", f.results(), "--format", "json"])
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["variant"] as? String }, ["Tiny"])
        let test = try XCTUnwrap(rows[0]["test_acc"] as? [String: Any])
        let metrics = try ReportBuilder.readRecord(trial + "/metrics.json")
        XCTAssertEqual(test["mean"] as? Double, 100 * (metrics.testAcc ?? 0))
        let unknown = try RunnerProcess.run(["report", f.results(), "--format", "xml"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(unknown.stderr.split(separator: "\n").count, 1, unknown.stderr)

        // --baseline: the same table against another variant (a second one trained for it).
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "name=Tiny B", "--results", f.results(), "--quiet"]).status, 0)
        let against = try RunnerProcess.run(["report", f.results(), "--format", "csv", "--baseline", "Tiny B"])
        XCTAssertEqual(against.status, 0, against.stderr)
        let rows2 = against.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(rows2.map { "\($0[0]),\($0[1])" }, ["Tiny B,true", "Tiny,false"])
        XCTAssertEqual(rows2.map(\.count), [16, 16])
        let own = try RunnerProcess.run(["report", f.results(), "--format", "csv"])
        XCTAssertTrue(own.stdout.contains("\nTiny B,false,"), "without --baseline the experiments' own (none here): \(own.stdout)")
        let misspelt = try RunnerProcess.run(["report", f.results(), "--format", "md", "--baseline", "Tiny C"])
        XCTAssertEqual(misspelt.status, 2)
        XCTAssertEqual(misspelt.stderr, "runner: --baseline: no variant \"Tiny C\" in \(f.results()), did you mean \"Tiny B\"?\n")
        let rebuild = try RunnerProcess.run(["report", f.results(), "--baseline", "Tiny B"])
        XCTAssertEqual(rebuild.status, 2)
        XCTAssertEqual(rebuild.stderr, "runner: --baseline: only with --format (the rebuilt files keep the experiments' own baseline)\n")
    }

    /// train.tensorboard changes no number: a cached trial stays cached and keeps its hash.
    func testTensorBoardKeyLeavesTheHashAlone() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results(), "--quiet"]).status, 0)
        let hash = try f.read(f.results() + "/tiny-seed0/trial.hash")
        XCTAssertNil(f.bytes(f.results() + "/tiny-seed0/events.out.tfevents.runner"))
        let again = try RunnerProcess.run(["run", f.config, "train.tensorboard=true", "--results", f.results()])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("cached"), again.stdout)
        XCTAssertEqual(try f.read(f.results() + "/tiny-seed0/trial.hash"), hash)
        XCTAssertNotNil(f.bytes(f.results() + "/tiny-seed0/events.out.tfevents.runner"))
        let resolved = try RunnerProcess.run(["resolve", f.config, "train.tensorboard=true"])
        XCTAssertFalse(resolved.stdout.contains("tensorboard"), resolved.stdout)
    }
}

/// Counts TFRecord records, checking both CRCs of each (CRC-32C, masked).
enum TFRecordCheck {
    static func crc32c(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        let c = crc ^ 0xFFFF_FFFF
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }

    static func count(_ data: Data) throws -> Int {
        let b = [UInt8](data)
        func u32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[i + $1]) << (8 * $1) } }
        var at = 0, n = 0
        while at < b.count {
            let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * $1) })
            XCTAssertEqual(u32(at + 8), crc32c(b[at..<at + 8]))
            XCTAssertEqual(u32(at + 12 + length), crc32c(b[(at + 12)..<(at + 12 + length)]))
            at += 16 + length
            n += 1
        }
        return n
    }
}
