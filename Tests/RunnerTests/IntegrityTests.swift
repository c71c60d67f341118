import Foundation
import Reports
import TestSupport
import XCTest

/// Issue 21, item 1: a trial folder is verified, not trusted.
final class IntegrityTests: XCTestCase {
    private let slug = "tiny-seed0"

    private func trained(_ f: EndToEndFixture) throws -> String {
        let r = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(r.status, 0, r.stderr)
        return f.results() + "/" + slug
    }

    private func rerun(_ f: EndToEndFixture, _ extra: [String] = []) throws -> RunnerResult {
        try RunnerProcess.run(["run", f.config, "--results", f.results()] + extra)
    }

    func testEveryFinishedTrialHasAManifestOfItsFiles() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let folder = try trained(f)
        let manifest = try JSONSerialization.jsonObject(with: XCTUnwrap(f.bytes(folder + "/manifest.json"))) as? [String: Any]
        let files = try XCTUnwrap(manifest?["files"] as? [String: [String: Any]])
        XCTAssertEqual(files.keys.sorted(), ["config.yaml", "confusion.csv", "confusion.svg", "convergence.svg", "history.csv",
                                             "loss.svg", "metrics.json", "model.safetensors", "trial.hash"])
        XCTAssertEqual(manifest?["engine_version"] as? String, "2")
        XCTAssertEqual(manifest?["trial_hash"] as? String,
                       try f.read(folder + "/trial.hash").trimmingCharacters(in: .newlines))
        let model = try XCTUnwrap(f.bytes(folder + "/model.safetensors"))
        XCTAssertEqual(files["model.safetensors"]?["bytes"] as? Int, model.count)
        XCTAssertEqual(files["model.safetensors"]?["sha256"] as? String, sha256(model))
    }

    func testDamagedWeightsOrRecordsAreRetrainedAndNeverReused() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let folder = try trained(f)
        let model = try XCTUnwrap(f.bytes(folder + "/model.safetensors"))
        let history = try f.historyWithoutTimes(folder + "/history.csv")

        // A truncated weights file: named, retrained, and the same weights come back.
        try model.prefix(model.count / 2).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        var r = try rerun(f)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("[Tiny seed 0] \(folder)/model.safetensors: \(model.count / 2) bytes, "
                                        + "the manifest says \(model.count); retraining"), r.stdout)
        XCTAssertFalse(r.stdout.contains("cached"), r.stdout)
        XCTAssertEqual(f.bytes(folder + "/model.safetensors"), model)

        // A deleted record.
        try FileManager.default.removeItem(atPath: folder + "/history.csv")
        r = try rerun(f)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("[Tiny seed 0] \(folder)/history.csv: missing; retraining"), r.stdout)
        XCTAssertEqual(try f.historyWithoutTimes(folder + "/history.csv"), history)

        // Same size, other bytes: the checksum tells.
        var flipped = model
        flipped[flipped.count - 1] ^= 0x01
        try flipped.write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        r = try rerun(f)
        XCTAssertTrue(r.stdout.contains("\(folder)/model.safetensors: content differs from the manifest (SHA-256); retraining"), r.stdout)
        XCTAssertEqual(f.bytes(folder + "/model.safetensors"), model)

        // An unreadable manifest is no manifest to trust.
        try "{".write(toFile: folder + "/manifest.json", atomically: true, encoding: .utf8)
        r = try rerun(f)
        XCTAssertTrue(r.stdout.contains("\(folder)/manifest.json: not a valid manifest; retraining"), r.stdout)
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testKeepDamagedReportsAndLeavesTheFolderAlone() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let folder = try trained(f)
        try "edited\n".write(toFile: folder + "/metrics.json", atomically: true, encoding: .utf8)
        let r = try rerun(f, ["--keep-damaged"])
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(r.stdout.contains("[Tiny seed 0] failed: \(folder)/metrics.json: 7 bytes, the manifest says "), r.stdout)
        XCTAssertTrue(r.stdout.contains("; left as it is (--keep-damaged)"), r.stdout)
        XCTAssertEqual(try f.read(folder + "/metrics.json"), "edited\n")
    }

    func testDerivableFilesAreRegeneratedFromTheRecords() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let folder = try trained(f)
        let before = try snapshot(folder)
        try FileManager.default.removeItem(atPath: folder + "/loss.svg")
        try "name: edited by hand\n".write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try rerun(f)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("[Tiny seed 0] regenerated config.yaml, loss.svg from the records"), r.stdout)
        XCTAssertTrue(r.stdout.contains("[Tiny seed 0] cached: \(folder) is up to date"), r.stdout)
        XCTAssertEqual(try snapshot(folder), before, "every file, manifest included, as the training wrote it")
        let again = try rerun(f)
        XCTAssertFalse(again.stdout.contains("regenerated"), again.stdout)
    }

    func testAFolderFromBeforeManifestsIsCheckedThenAdopted() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let folder = try trained(f)
        let before = try snapshot(folder)
        try FileManager.default.removeItem(atPath: folder + "/manifest.json")
        var r = try rerun(f)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("cached"), r.stdout)
        XCTAssertEqual(try snapshot(folder), before, "the same manifest written back")

        // Without a manifest the weights are still read and matched against the records.
        try FileManager.default.removeItem(atPath: folder + "/manifest.json")
        let model = try XCTUnwrap(f.bytes(folder + "/model.safetensors"))
        try model.prefix(100).write(to: URL(fileURLWithPath: folder + "/model.safetensors"))
        r = try rerun(f)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\(folder)/model.safetensors: "), r.stdout)
        XCTAssertTrue(r.stdout.contains("; retraining"), r.stdout)
        XCTAssertEqual(f.bytes(folder + "/model.safetensors"), model)
    }

    func testAResumeCheckpointIsUsedOnlyWhenComplete() throws {
        let f = try EndToEndFixture(self, epochs: 3, seeds: [0])
        let reference = try trained(f)
        let referenceHistory = try f.historyWithoutTimes(reference + "/history.csv")
        let referenceModel = f.bytes(reference + "/model.safetensors")

        for damage in ["flip", "drop-optimizer"] {
            let results = f.results(damage)
            let checkpoint = results + "/\(slug)/checkpoint.safetensors"
            try stopAfterFirstEpoch(f, results: results)
            var data = try XCTUnwrap(f.bytes(checkpoint))
            switch damage {
            case "flip":
                data[data.count - 3] ^= 0x40
            default:
                let file = try Safetensors.parse(data, path: checkpoint)
                let kept = file.names.filter { !$0.hasPrefix("optim.") }.map { name in
                    let t = file.tensors[name]!
                    return (name: name, dtype: t.dtype, shape: t.shape, bytes: t.bytes)
                }
                data = Safetensors.write(tensors: kept, metadata: file.metadata)
            }
            try data.write(to: URL(fileURLWithPath: checkpoint))
            let r = try RunnerProcess.run(["run", f.config, "--results", results])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("[Tiny seed 0] \(checkpoint): tensor data does not match its checksum; "
                                            + "training from epoch 1"), r.stdout)
            XCTAssertTrue(r.stdout.contains("training 3 epochs"), r.stdout)
            XCTAssertEqual(try f.historyWithoutTimes(results + "/\(slug)/history.csv"), referenceHistory, damage)
            XCTAssertEqual(f.bytes(results + "/\(slug)/model.safetensors"), referenceModel, damage)
        }
    }

    func testSecondsAddUpAcrossResumes() throws {
        let f = try EndToEndFixture(self, epochs: 3, seeds: [0])
        let results = f.results()
        try stopAfterFirstEpoch(f, results: results)
        let r = try RunnerProcess.run(["run", f.config, "--results", results])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("resuming at epoch 2/3"), r.stdout)
        let record = try ReportJSON.decode(TrialRecord.self, from: XCTUnwrap(f.bytes(results + "/\(slug)/metrics.json")))
        let history = try HistoryCSV.parse(f.read(results + "/\(slug)/history.csv"))
        let epochSeconds = history.reduce(0) { $0 + $1.seconds }
        XCTAssertGreaterThanOrEqual(record.seconds, epochSeconds, "the trial's time includes the first run's epoch")
    }

    /// Runs the fixture until its first epoch's checkpoint is written, then kills it there.
    private func stopAfterFirstEpoch(_ f: EndToEndFixture, results: String) throws {
        // File operations of the first epoch: the checkpoint's write, fsync, rename and folder
        // fsync; the fifth is the second epoch's checkpoint write.
        let r = try RunnerProcess.run(["run", f.config, "--results", results, "--quiet"],
                                      environment: ["RUNNER_FAULT": "kill:\(killPointAfterFirstEpoch)"])
        XCTAssertNotEqual(r.status, 0)
        let checkpoint = results + "/\(slug)/checkpoint.safetensors"
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint))
        let meta = try Safetensors.read(path: checkpoint).metadata["history"] ?? ""
        XCTAssertEqual(try JSONDecoder().decode([EpochRecord].self, from: Data(meta.utf8)).count, 1)
    }

    /// Unmarking the folder removes nothing on a first run, so the first epoch's checkpoint is
    /// operations 1–4 and the kill lands on the second epoch's checkpoint write.
    private let killPointAfterFirstEpoch = 5

    /// Every regular file of `folder` by name.
    private func snapshot(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where !name.hasPrefix(".") {
            out[name] = FileManager.default.contents(atPath: folder + "/" + name)
        }
        return out
    }
}

func sha256(_ data: Data) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try? p.run()
    input.fileHandleForWriting.write(data)
    try? input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(String(decoding: out, as: UTF8.self).prefix(64))
}
