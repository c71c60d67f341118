import Foundation
import TestSupport
import XCTest

/// `model.init_from` and `train.freeze`, run as a user runs them: fine-tuning a saved trial.
final class WarmStartTests: XCTestCase {
    /// The tensors of a safetensors file by name (raw bytes of each).
    private func tensors(_ path: String) throws -> [String: Data] {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), path)
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        var out: [String: Data] = [:]
        for (name, value) in header where name != "__metadata__" {
            let offsets = try XCTUnwrap((value as? [String: Any])?["data_offsets"] as? [Int])
            out[name] = data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1]))
        }
        return out
    }

    func testFineTuningLoadsTheSavedWeightsAndFreezesWhatItNames() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        let base = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(base.status, 0, base.stderr)
        let saved = try tensors(f.results() + "/tiny-seed0/model.safetensors")

        let fine = try f.variant("fine.yaml", """
            name: Fine
            model:
              init_from: {weights: \(f.results())/tiny-seed0}
            train:
              freeze: [conv1]
            """)
        let run = try RunnerProcess.run(["run", fine, "--results", f.results("fine")])
        XCTAssertEqual(run.status, 0, run.stderr)
        let tuned = try tensors(f.results("fine") + "/fine-seed0/model.safetensors")
        XCTAssertEqual(tuned["conv1.weight"], saved["conv1.weight"], "frozen: not updated")
        XCTAssertEqual(tuned["conv1.bias"], saved["conv1.bias"])
        XCTAssertNotEqual(tuned["fc1.weight"], saved["fc1.weight"], "trained further")
        let config = try f.read(f.results("fine") + "/fine-seed0/config.yaml")
        XCTAssertTrue(config.contains("  init_from:\n    weights: \(f.results())/tiny-seed0\n    skip: []\n    strict: true\n"), config)
        XCTAssertTrue(config.contains("  freeze: [conv1]\n"), config)
        // Starting from the trained weights: the first epoch is already as good as the base run's last.
        let rows = try f.rows(f.results("fine")), baseRows = try f.rows(f.results())
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(Double(rows[0]["test_acc"] ?? "")), try XCTUnwrap(Double(baseRows[0]["test_acc"] ?? "")) - 5)

        // The weights file is part of the cache key: same file → cached, other bytes → trained again.
        let again = try RunnerProcess.run(["run", fine, "--results", f.results("fine")])
        XCTAssertTrue(again.stdout.contains("cached"), again.stdout)
        try FileManager.default.removeItem(atPath: f.results() + "/tiny-seed0/model.safetensors")
        try FileManager.default.copyItem(atPath: f.results("fine") + "/fine-seed0/model.safetensors",
                                         toPath: f.results() + "/tiny-seed0/model.safetensors")
        let changed = try RunnerProcess.run(["run", fine, "--results", f.results("fine")])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertFalse(changed.stdout.contains("cached"), changed.stdout)
    }

    func testWeightsThatDoNotFitAndUnknownLayerNamesAreOneLineEach() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results()]).status, 0)
        let weights = f.results() + "/tiny-seed0/model.safetensors"
        let wider = """
            name: Wider
            model:
              init_from: {weights: \(weights)}
              layers:
                - {type: conv2d, name: conv1, out: 6, kernel: 5, stride: 2}
                - {type: relu}
                - {type: flatten}
                - {type: linear, name: fc1, out: 10}
            """
        let mismatch = try RunnerProcess.run(["run", try f.variant("wider.yaml", wider), "--results", f.results("w")])
        XCTAssertEqual(mismatch.status, 2)
        XCTAssertEqual(mismatch.stderr, "runner: \(weights): tensor \"conv1.weight\" is F32 [4, 1, 5, 5], the network's is F32 [6, 1, 5, 5] "
                       + "(model.init_from.skip lists layers to initialize afresh; strict: false loads what matches)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results("w")))
        // Skipping the layers that changed trains them afresh; not strict loads what still fits.
        let skipped = try f.variant("skipped.yaml", wider.replacingOccurrences(of: "{weights: \(weights)}", with: "{weights: \(weights), skip: [conv1, fc1]}"))
        let ok = try RunnerProcess.run(["run", skipped, "--results", f.results("w")])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let loose = try f.variant("loose.yaml", wider.replacingOccurrences(of: "{weights: \(weights)}", with: "{weights: \(weights), strict: false}"))
        let looseRun = try RunnerProcess.run(["run", loose, "--results", f.results("w")])
        XCTAssertEqual(looseRun.status, 0, looseRun.stderr)
        // A file holding a tensor the network does not have is refused when strict.
        let smaller = try f.variant("smaller.yaml", """
            name: Smaller
            model:
              init_from: {weights: \(weights), skip: [fc1]}
              layers:
                - {type: flatten}
                - {type: linear, name: fc1, out: 10}
            """)
        let extra = try RunnerProcess.run(["run", smaller, "--results", f.results("s")])
        XCTAssertEqual(extra.status, 2)
        XCTAssertEqual(extra.stderr, "runner: \(weights): tensor \"conv1.bias\" is not in the network "
                       + "(model.init_from.skip lists layers to initialize afresh; strict: false loads what matches)\n")

        let typo = try f.variant("typo.yaml", "name: Typo\ntrain:\n  freeze: [conv, fc1]\n")
        let bad = try RunnerProcess.run(["run", typo, "--results", f.results("t")])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "\(typo):4:12: train.freeze[0]: no layer \"conv\" in the model, did you mean \"conv1\"?\n")
        let missing = try f.variant("missing.yaml", "name: Missing\nmodel:\n  init_from: {weights: \(f.root)/nothing.safetensors}\n")
        let gone = try RunnerProcess.run(["run", missing, "--results", f.results("m")])
        XCTAssertEqual(gone.status, 2)
        XCTAssertEqual(gone.stderr, "runner: \(f.root)/nothing.safetensors: no such file (model.init_from.weights)\n")
    }
}

/// `train.early_stopping`, run through the binary: where it stopped and why, in every output.
final class EarlyStoppingTests: XCTestCase {
    func testATrialStopsWhenValidationStopsImprovingAndKeepsItsBestEpoch() throws {
        let f = try EndToEndFixture(self, epochs: 6, seeds: [0], extra: "  early_stopping: {monitor: val_acc, patience: 1, min_delta: 0.5}")
        let run = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(run.status, 0, run.stderr)
        let trial = f.results() + "/tiny-seed0"
        // No accuracy can improve by more than 0.5 after the first epoch: epoch 2 is the last.
        XCTAssertEqual(try f.read(trial + "/history.csv").split(separator: "\n").count, 3)
        let metrics = try JSONSerialization.jsonObject(with: XCTUnwrap(f.bytes(trial + "/metrics.json"))) as? [String: Any]
        XCTAssertEqual(metrics?["stoppedEarly"] as? String, "stopped after epoch 2: val_acc did not improve by more than 0.5 for 1 epochs")
        XCTAssertEqual(metrics?["status"] as? String, "completed")
        XCTAssertEqual(metrics?["completedEpochs"] as? Int, 2)
        XCTAssertEqual(metrics?["epochs"] as? Int, 6)
        XCTAssertNotNil(metrics?["selectedEpoch"] as? Int)
        XCTAssertTrue(FileManager.default.fileExists(atPath: trial + "/model.safetensors"))
        XCTAssertTrue(run.stdout.contains("stopped after epoch 2"), run.stdout)
        XCTAssertTrue(try f.read(f.results() + "/summary.md").contains("## Trials stopped early\n\n- Tiny (seed 0): stopped after epoch 2"))
        // A finished early-stopped trial is a cached result, not an interrupted one.
        let again = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertTrue(again.stdout.contains("cached"), again.stdout)
        // Without validation there is nothing to watch.
        let bad = try RunnerProcess.run(["run", f.config, "data.validation=0", "train.select=last", "--results", f.results("v")])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("train.early_stopping.monitor: early_stopping watches val_acc and needs data.validation > 0"), bad.stderr)
    }
}

extension EarlyStoppingTests {
    /// The checkpoint is the best epoch by `select` whether patience fired or not (never the last
    /// epoch trained): its weights evaluate to exactly that epoch's recorded accuracies.
    func testTheCheckpointIsTheBestEpochWhetherPatienceFiresOrNot() throws {
        for (patience, fires) in [(1, true), (20, false)] {
            let f = try EndToEndFixture(self, epochs: 5, seeds: [0],
                                        extra: "  early_stopping: {monitor: val_acc, patience: \(patience), min_delta: 0.0}")
            let run = try RunnerProcess.run(["run", f.config, "--results", f.results()])
            XCTAssertEqual(run.status, 0, run.stderr)
            let trial = f.results() + "/tiny-seed0"
            let rows = try f.read(trial + "/history.csv").split(separator: "\n").dropFirst().map { csvFields(String($0)) }
            let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(f.bytes(trial + "/metrics.json"))) as? [String: Any])
            XCTAssertEqual(metrics["stoppedEarly"] != nil, fires, "patience \(patience): \(metrics["stoppedEarly"] ?? "none")")
            XCTAssertEqual(rows.count < 5, fires, "patience \(patience): \(rows.count) epochs")
            // The best validation accuracy, the first epoch that reached it.
            let val = rows.map { Double($0[4])! }
            let best = val.firstIndex(of: val.max()!)! + 1
            XCTAssertEqual(metrics["selectedEpoch"] as? Int, best, "patience \(patience)")
            if fires { XCTAssertLessThan(best, rows.count, "the last epoch trained is not the best one, so a wrong checkpoint would show") }
            // The saved weights are that epoch's: runner eval gives its validation and test accuracy.
            let eval = try RunnerProcess.run(["eval", trial + "/config.yaml", "--weights", trial + "/model.safetensors", "--json"])
            XCTAssertEqual(eval.status, 0, eval.stderr)
            let answer = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
            let validation = try XCTUnwrap(answer["validation"] as? [String: Any]), test = try XCTUnwrap(answer["test"] as? [String: Any])
            XCTAssertEqual(validation["accuracy"] as? Double, val[best - 1], "patience \(patience)")
            XCTAssertEqual(test["accuracy"] as? Double, Double(rows[best - 1][6])!, "patience \(patience)")
        }
    }
}

/// `data.augment` through the binary: reproducible, training split only, part of the cache key.
final class AugmentationRunTests: XCTestCase {
    func testAugmentedTrainingIsReproducibleAndDiffersFromPlainTraining() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        let augmented = try f.variant("aug.yaml", """
            name: Augmented
            data:
              augment: [{random_crop: {padding: 2}}, {horizontal_flip: 0.5}]
            """)
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results()]).status, 0)
        let first = try RunnerProcess.run(["run", augmented, "--results", f.results()])
        XCTAssertEqual(first.status, 0, first.stderr)
        let weights = f.bytes(f.results() + "/augmented-seed0/model.safetensors")
        XCTAssertNotNil(weights)
        XCTAssertNotEqual(weights, f.bytes(f.results() + "/tiny-seed0/model.safetensors"))
        // The same config again, forced: the same draws, the same bytes; two engine threads too.
        let forced = try RunnerProcess.run(["run", augmented, "--force", "--results", f.results()])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(f.bytes(f.results() + "/augmented-seed0/model.safetensors"), weights)
        let rows = try f.rows(f.results())
        let aug = try XCTUnwrap(rows.first { $0["variant"] == "Augmented" })
        XCTAssertEqual(aug["status"], "completed")
        XCTAssertTrue(try f.read(f.results() + "/augmented-seed0/config.yaml").contains("  augment:\n  - random_crop:\n      padding: 2\n"))
    }
}

/// `train.schedule: {type: onecycle}` through the binary: set per step, recorded per epoch.
final class OneCycleRunTests: XCTestCase {
    func testTheRateRisesAndFallsOverTheTrialsSteps() throws {
        let f = try EndToEndFixture(self, epochs: 3, seeds: [0], extra: "  schedule: {type: onecycle}")
        let run = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = try f.read(f.results() + "/tiny-seed0/history.csv").split(separator: "\n").dropFirst()
        let rates = lines.map { Double($0.split(separator: ",")[7])! }
        // 500 training images, batch 32: 16 steps per epoch, 48 in all; the peak is at step 13.4.
        XCTAssertEqual(rates[0], 0.01 / 25, accuracy: 1e-12)
        XCTAssertGreaterThan(rates[1], rates[0])
        XCTAssertLessThan(rates[2], rates[1])
        let rows = try f.rows(f.results())
        XCTAssertEqual(rows.first?["status"], "completed")
    }
}
