import Foundation
import TestSupport
import XCTest

/// The main job, run as a user runs it: the `runner` binary on real files.
final class EndToEndTests: XCTestCase {
    func testRunWritesEveryOutputAndEvalReproducesIt() throws {
        let f = try EndToEndFixture(self)
        let r = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(r.status, 0, r.stderr)
        for slug in ["tiny-seed0", "tiny-seed1"] {
            for file in ["history.csv", "convergence.svg", "loss.svg", "config.yaml", "metrics.json", "model.safetensors", "trial.hash"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(f.results())/\(slug)/\(file)"), "\(slug)/\(file)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(f.results())/\(slug)/checkpoint.safetensors"))
        }
        for file in ["results.csv", "aggregate.csv", "summary.md", "comparison.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(f.results())/\(file)"), file)
        }
        let rows = try f.rows(f.results())
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.map { $0["status"] }, ["completed", "completed"])
        XCTAssertEqual(rows.map { $0["selected_on"] }, ["val_acc", "val_acc"])
        let history = try f.read(f.results() + "/tiny-seed0/history.csv").split(separator: "\n")
        XCTAssertEqual(history.first, "epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds")
        XCTAssertEqual(history.count, 3)

        // The generated classes are easy: a correct engine learns them.
        let testAcc = try XCTUnwrap(Double(rows[0]["test_acc"] ?? ""))
        XCTAssertGreaterThan(testAcc, 80)

        // Per-class results of the selected checkpoint: the confusion matrix's diagonal is the test
        // accuracy, its rows are the test set's class counts, and the files are in the manifest.
        let metrics = try JSONSerialization.jsonObject(with: Data(try f.read(f.results() + "/tiny-seed0/metrics.json").utf8)) as! [String: Any]
        let matrix = try XCTUnwrap(metrics["testConfusion"] as? [[Int]])
        let perClass = try XCTUnwrap(metrics["testPerClass"] as? [[String: Any]])
        XCTAssertEqual(matrix.count, perClass.count)
        let total = matrix.joined().reduce(0, +), correct = matrix.indices.map { matrix[$0][$0] }.reduce(0, +)
        XCTAssertEqual(Double(correct) / Double(total), metrics["testAcc"] as? Double)
        XCTAssertEqual(perClass.map { $0["samples"] as? Int }, matrix.map { $0.reduce(0, +) })
        let confusionCSV = try f.read(f.results() + "/tiny-seed0/confusion.csv").split(separator: "\n")
        XCTAssertEqual(confusionCSV.count, matrix.count + 1)
        XCTAssertTrue(confusionCSV[0].hasPrefix("true \\ predicted,"), String(confusionCSV[0]))
        let manifest = try f.read(f.results() + "/tiny-seed0/manifest.json")
        XCTAssertTrue(manifest.contains("\"confusion.csv\"") && manifest.contains("\"confusion.svg\""), manifest)
        let summary = try f.read(f.results() + "/summary.md")
        XCTAssertTrue(summary.contains("## Per-class test accuracy"), summary)
        XCTAssertTrue(summary.contains("(tiny-seed0/confusion.svg)"), summary)

        // `runner eval` on the saved weights reproduces the recorded accuracies exactly.
        let trial = f.results() + "/tiny-seed0"
        let e = try RunnerProcess.run(["eval", trial + "/config.yaml", "--weights", trial + "/model.safetensors"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let row = try XCTUnwrap(rows.first { $0["seed"] == "0" })
        for (split, column) in [("train", "train_acc"), ("validation", "val_acc"), ("test", "test_acc")] {
            let line = try XCTUnwrap(e.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(split + " ") })
            XCTAssertTrue(line.contains("accuracy \(row[column]!) %") || line.contains("accuracy  \(row[column]!) %"), "\(line) vs \(row[column]!)")
        }
    }

    func testSecondRunIsCachedAndForceReruns() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results()]).status, 0)
        let weights = f.bytes(f.results() + "/tiny-seed0/model.safetensors")
        // A derivable file that went missing (here the confusion plot) is redrawn from the records.
        let plot = f.bytes(f.results() + "/tiny-seed0/confusion.svg")
        try FileManager.default.removeItem(atPath: f.results() + "/tiny-seed0/confusion.svg")
        let again = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("cached"), again.stdout)
        XCTAssertEqual(f.bytes(f.results() + "/tiny-seed0/confusion.svg"), plot)
        // A changed config is a cache miss for that trial only; the old folder stays in the report.
        let changed = try RunnerProcess.run(["run", f.config, "name=Tiny2", "--results", f.results()])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertFalse(changed.stdout.contains("cached"), changed.stdout)
        XCTAssertEqual(try f.rows(f.results()).count, 2)
        let forced = try RunnerProcess.run(["run", f.config, "--force", "--results", f.results()])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertFalse(forced.stdout.contains("cached"), forced.stdout)
        XCTAssertEqual(f.bytes(f.results() + "/tiny-seed0/model.safetensors"), weights, "same seed → identical weights")
    }

    func testSweepETACountsOnlyTheTrialsLeftToRun() throws {
        // seed 1 is cached, seed 0 (earlier in the list) is not: from its first epoch on, the sweep's
        // ETA is the running trial's own, not inflated by the cached trial's epochs.
        let f = try EndToEndFixture(self, epochs: 4, seeds: [0, 1])
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results()]).status, 0)
        try FileManager.default.removeItem(atPath: f.results() + "/tiny-seed0")
        let r = try RunnerProcess.run(["run", f.config, "--jobs", "1", "--log-format", "json", "--results", f.results()])
        XCTAssertEqual(r.status, 0, r.stderr)
        let epochs = r.stdout.split(separator: "\n").compactMap { line -> [String: Any]? in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["event"] as? String == "epoch" ? object : nil
        }
        XCTAssertEqual(epochs.count, 4, r.stdout)
        XCTAssertTrue(r.stdout.contains("\"trial_cached\""), r.stdout)
        for event in epochs {
            XCTAssertEqual(event["eta_sweep_s"] as? Double, event["eta_trial_s"] as? Double, "\(event)")
        }
    }

    func testDivergedTrialIsRecordedAndOthersStillRun() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let bad = f.root + "/bad.yaml"
        try "extends: tiny.yaml\nname: Exploding\ntrain: {optimizer: {type: sgd, lr: 1.0e+30}}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try RunnerProcess.run(["run", bad, f.config, "--results", f.results()])
        XCTAssertEqual(r.status, 1, r.stderr)
        let rows = try f.rows(f.results())
        XCTAssertEqual(rows.first { $0["variant"] == "Exploding" }?["status"], "diverged at epoch 1")
        XCTAssertEqual(rows.first { $0["variant"] == "Tiny" }?["status"], "completed")
        XCTAssertTrue(try f.read(f.results() + "/summary.md").contains("diverged at epoch 1"))

        // The rerun finds both cached, and the diverged one still makes the run a failure.
        let again = try RunnerProcess.run(["run", bad, f.config, "--results", f.results()])
        XCTAssertEqual(again.status, 1, again.stdout)
        XCTAssertTrue(again.stdout.contains("[Exploding seed 0] cached: \(f.results())/exploding-seed0 is up to date "
                                            + "(diverged at epoch 1)"), again.stdout)
    }

    func testKillNineThenRerunIsBitIdenticalToUninterrupted() throws {
        let f = try EndToEndFixture(self, train: 3000, epochs: 4, seeds: [0])
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results("a")]).status, 0)

        let p = RunnerProcess.start(["run", f.config, "--results", f.results("b"), "--quiet"])
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let checkpoint = f.results("b") + "/tiny-seed0/checkpoint.safetensors"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && p.isRunning && Date() < deadline { usleep(2000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal, "killed before it finished")

        let resumed = try RunnerProcess.run(["run", f.config, "--results", f.results("b")])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("resum"), resumed.stdout)
        XCTAssertEqual(f.bytes(f.results("a") + "/tiny-seed0/model.safetensors"),
                       f.bytes(f.results("b") + "/tiny-seed0/model.safetensors"))
        XCTAssertEqual(try f.historyWithoutTimes(f.results("a") + "/tiny-seed0/history.csv"),
                       try f.historyWithoutTimes(f.results("b") + "/tiny-seed0/history.csv"))
    }

    func testSigintStopsAfterTheBatchAndTheRunResumes() throws {
        let f = try EndToEndFixture(self, train: 3000, epochs: 4, seeds: [0])
        let p = RunnerProcess.start(["run", f.config, "--results", f.results(), "--quiet"])
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let checkpoint = f.results() + "/tiny-seed0/checkpoint.safetensors"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && p.isRunning && Date() < deadline { usleep(2000) }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        let metrics = try f.read(f.results() + "/tiny-seed0/metrics.json")
        XCTAssertTrue(metrics.contains("interrupted at epoch"), metrics)
        let resumed = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try f.rows(f.results()).first?["status"], "completed")
    }

    func testShardsMergedGiveTheUnshardedReport() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0, 1, 2])
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results("all")]).status, 0)
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--shard", "0/2", "--results", f.results("s0")]).status, 0)
        // The second shard takes its index from a Slurm job array's environment.
        let env = try RunnerProcess.run(["run", f.config, "--results", f.results("s1")],
                                        environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"])
        XCTAssertEqual(env.status, 0, env.stderr)
        let merged = f.results("merged")
        try FileManager.default.createDirectory(atPath: merged, withIntermediateDirectories: true)
        var slugs: [String] = []
        for shard in ["s0", "s1"] {
            for slug in try FileManager.default.contentsOfDirectory(atPath: f.results(shard)) where slug.hasPrefix("tiny-") {
                try FileManager.default.copyItem(atPath: f.results(shard) + "/" + slug, toPath: merged + "/" + slug)
                slugs.append(slug)
            }
        }
        XCTAssertEqual(slugs.sorted(), ["tiny-seed0", "tiny-seed1", "tiny-seed2"])
        XCTAssertEqual(try RunnerProcess.run(["report", merged]).status, 0)
        // Weights and every deterministic column agree; wall-clock columns differ between runs.
        for slug in slugs {
            XCTAssertEqual(f.bytes(f.results("all") + "/\(slug)/model.safetensors"), f.bytes(merged + "/\(slug)/model.safetensors"))
        }
        func deterministic(_ dir: String) throws -> [[String: String]] {
            try f.rows(dir).map { $0.filter { !["seconds", "images_per_second"].contains($0.key) } }
        }
        XCTAssertEqual(try deterministic(f.results("all")), try deterministic(merged))
        XCTAssertEqual(try f.read(f.results("all") + "/comparison.svg"), try f.read(merged + "/comparison.svg"))
        XCTAssertEqual(try f.read(f.results("all") + "/aggregate.csv"), try f.read(merged + "/aggregate.csv"))
    }

    func testAShardThatNeverRanIsReportedMissingNotSilentlyAbsent() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0, 1, 2])
        // Shard 1 of 2 fails before it trains (a bad override in its array element); shard 0 runs.
        let bad = try RunnerProcess.run(["run", f.config, "train.epochs=0", "--shard", "1/2", "--results", f.results()])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        let good = try RunnerProcess.run(["run", f.config, "--shard", "0/2", "--results", f.results()])
        XCTAssertEqual(good.status, 0, good.stderr)
        let trained = try FileManager.default.contentsOfDirectory(atPath: f.results()).filter { $0.hasPrefix("tiny-") }.sorted()
        let expected = ["tiny-seed0", "tiny-seed1", "tiny-seed2"]
        let absent = expected.filter { !trained.contains($0) }
        XCTAssertFalse(absent.isEmpty, "shard 0 of 2 trains only part of the 3 trials")
        let r = try RunnerProcess.run(["report", f.results()])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr, absent.map { slug in
            "runner: \(f.results())/\(slug): missing — Tiny (seed \(slug.last!)) is in expected-trials.json but has no finished results folder (its shard failed or did not run)\n"
        }.joined())
        let summary = try f.read(f.results() + "/summary.md")
        for slug in absent {
            XCTAssertTrue(summary.contains("- Tiny (seed \(slug.last!)): missing — no finished results folder"), summary)
        }
        // Once the shard has run, nothing is missing.
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--shard", "1/2", "--results", f.results()]).status, 0)
        XCTAssertEqual(try RunnerProcess.run(["report", f.results()]).status, 0)
        XCTAssertFalse(try f.read(f.results() + "/summary.md").contains("missing"))
    }

    func testConcurrentJobsAndThreadCountsGiveTheSameResults() throws {
        // Three jobs (the last trials widen onto the cores the others free) and one trial at a time
        // on two engine threads both give one thread's results, bit for bit.
        let f = try EndToEndFixture(self, epochs: 2, seeds: [0, 1, 2])
        let one = try RunnerProcess.run(["run", f.config, "train.threads=1", "--jobs", "1", "--results", f.results("one")])
        XCTAssertEqual(one.status, 0, one.stderr)
        let three = try RunnerProcess.run(["run", f.config, "train.threads=1", "--jobs", "3", "--results", f.results("three")])
        XCTAssertEqual(three.status, 0, three.stderr)
        // Every trial reported its own start, epochs and end.
        for seed in 0...2 {
            XCTAssertTrue(three.stdout.contains("[Tiny seed \(seed)] done in"), three.stdout)
            XCTAssertTrue(three.stdout.contains("[Tiny seed \(seed)] epoch 2/2"), three.stdout)
        }
        for slug in ["tiny-seed0", "tiny-seed1", "tiny-seed2"] {
            XCTAssertEqual(f.bytes(f.results("one") + "/\(slug)/model.safetensors"),
                           f.bytes(f.results("three") + "/\(slug)/model.safetensors"), slug)
        }
        func deterministic(_ dir: String) throws -> [[String: String]] {
            try f.rows(dir).map { $0.filter { !["seconds", "images_per_second"].contains($0.key) } }
        }
        XCTAssertEqual(try deterministic(f.results("one")), try deterministic(f.results("three")))
        XCTAssertEqual(try f.read(f.results("one") + "/aggregate.csv"), try f.read(f.results("three") + "/aggregate.csv"))
        let two = try RunnerProcess.run(["run", f.config, "train.threads=2", "--jobs", "1", "--results", f.results("two")])
        XCTAssertEqual(two.status, 0, two.stderr)
        for slug in ["tiny-seed0", "tiny-seed1", "tiny-seed2"] {  // the config (hash) differs, the numbers do not
            XCTAssertEqual(try f.historyWithoutTimes(f.results("one") + "/\(slug)/history.csv"),
                           try f.historyWithoutTimes(f.results("two") + "/\(slug)/history.csv"), slug)
        }
        let zero = try RunnerProcess.run(["run", f.config, "--jobs", "0", "--results", f.results("zero")])
        XCTAssertEqual(zero.status, 2)
        XCTAssertEqual(zero.stderr, "runner: --jobs: expected a positive number of jobs, found 0\n")
    }

    func testSelectionOnTestIsLabelledInEveryOutput() throws {
        let f = try EndToEndFixture(self, epochs: 2, seeds: [0])
        let r = try RunnerProcess.run(["run", f.config, "train.select=test_acc", "--results", f.results()])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try f.rows(f.results()).first?["selected_on"], "test_acc")
        XCTAssertTrue(try f.read(f.results() + "/summary.md").contains("selected on TEST"))
        XCTAssertTrue(try f.read(f.results() + "/aggregate.csv").contains("test_acc"))
        XCTAssertTrue(try f.read(f.results() + "/tiny-seed0/convergence.svg").contains("selected on TEST"))
        XCTAssertTrue(try f.read(f.results() + "/tiny-seed0/metrics.json").contains("test_acc"))
    }

    /// Quotes, pipes, markup, a formula prefix and a maximal-length name go through a real run: the
    /// folders are bounded, every table stays well-formed, and the rerun finds the trials cached.
    func testNastyButValidNamesRunAndEveryOutputStaysWellFormed() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        let formula = #"=HYPERLINK("http://x") | <i>a</i> & 'b' *c*"#
        let long = String(repeating: "Long name ", count: 12)   // 120 characters, the limit
        let a = try f.variant("formula.yaml", "name: '\(formula.replacingOccurrences(of: "'", with: "''"))'\n")
        let b = try f.variant("long.yaml", "name: '\(long)'\n")
        let r = try RunnerProcess.run(["run", a, b, "--results", f.results()])
        XCTAssertEqual(r.status, 0, r.stderr)
        let folders = try FileManager.default.contentsOfDirectory(atPath: f.results()).filter { $0.hasSuffix("-seed0") }.sorted()
        XCTAssertEqual(folders.count, 2)
        XCTAssertTrue(folders.contains("hyperlink-http-x-i-a-i-b-c-seed0"), "\(folders)")
        XCTAssertTrue(folders.allSatisfy { $0.utf8.count <= 86 }, "\(folders)")
        let rows = try f.rows(f.results())
        XCTAssertEqual(Set(rows.map { $0["variant"] ?? "" }), ["'" + formula, long])
        XCTAssertTrue(rows.allSatisfy { $0.count == 17 })
        let summary = try f.read(f.results() + "/summary.md")
        XCTAssertTrue(summary.contains("| =HYPERLINK(\"http://x\") \\| &lt;i&gt;a&lt;/i&gt; &amp; 'b' \\*c\\* (n = 1) |"), summary)
        let rerun = try RunnerProcess.run(["run", a, b, "--results", f.results()])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(rerun.stdout.components(separatedBy: "cached").count - 1, 2, rerun.stdout)

        let bad = try f.variant("escape.yaml", "name: \"Red \\e[31m\"\n")
        let v = try RunnerProcess.run(["validate", bad])
        XCTAssertEqual(v.status, 2)
        XCTAssertEqual(v.stderr, "\(bad):2:7: name: expected printable text, found the control character U+001B at character 5\n")
    }
}
