import Foundation
import TestSupport
import XCTest

/// Successive halving (`search.prune`): synchronous rungs decided from the trial folders' histories,
/// promoted points continuing from their checkpoints, pruned points kept with their status, and a
/// killed search resuming to the same decisions.
final class HalvingRunTests: XCTestCase {
    /// 4 points × 2 seeds, 4 epochs; rungs at epochs 1, 2, 4 (η = 2): 4 → 2 → 1 points.
    static let search = """
        search:
          method: random
          trials: 4
          seed: 3
          space:
            train.optimizer.lr: {loguniform: [1.0e-3, 3.0e-2]}
          prune: {method: successive_halving, min_epochs: 1, reduction_factor: 2}
        objective: {metric: val_loss, over_seeds: mean}
        """

    private func status(_ folder: String) throws -> String {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: folder + "/metrics.json"), folder)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(json["status"] as? String)
    }

    private func searchCSV(_ results: String) throws -> [[String]] {
        try String(contentsOfFile: results + "/search/tiny/search.csv", encoding: .utf8)
            .split(separator: "\n").map { csvFields(String($0)) }
    }

    func testRungsPruneKeepStatusesAndTheWinnerIsBitIdenticalToAFullRun() throws {
        let f = try EndToEndFixture(self, train: 400, test: 100, epochs: 4, extra: Self.search)

        let plan = try RunnerProcess.run(["plan", f.config, "--calibrate", "0", "--results", f.results()])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("search \"Tiny\": successive halving: rungs at epochs 1, 2, 4 (η = 2); "
                                           + "points per rung 4 → 2 → 1; 32 epochs without pruning, 16 with it (2 seeds per point)"),
                      plan.stdout)
        XCTAssertTrue(plan.stdout.contains("32 epochs to train at most, 16 after successive halving"), plan.stdout)
        // Timed: the worst case, and that time scaled by the epochs the rungs leave (16 of 32).
        let timed = try RunnerProcess.run(["plan", f.config, "--calibrate", "2", "--results", f.results()])
        XCTAssertEqual(timed.status, 0, timed.stderr)
        let line = try XCTUnwrap(timed.stdout.split(separator: "\n").last.map(String.init))
        let pattern = #"estimated (\d+) s at most \(about (\d+) s after successive halving\) with \d+ jobs? "#
        let match = try XCTUnwrap(line.firstMatch(of: try Regex(pattern)), line)
        let worst = Double(String(try XCTUnwrap(match.output[1].substring)))!, after = Double(String(try XCTUnwrap(match.output[2].substring)))!
        XCTAssertEqual(after, (worst / 2).rounded(), accuracy: 1, line)

        let run = try RunnerProcess.run(["run", f.config, "--jobs", "2", "--results", f.results()])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("search \"Tiny\": successive halving: rungs at epochs 1, 2, 4 (η = 2); rung 1 of 3 (epoch 1): 4 of 4 points"), run.stdout)
        XCTAssertTrue(run.stdout.contains("rung 2 of 3 (epoch 2): 2 of 4 points"), run.stdout)
        XCTAssertTrue(run.stdout.contains("rung 3 of 3 (epoch 4): 1 of 4 points"), run.stdout)

        let csv = try searchCSV(f.results())
        XCTAssertEqual(csv[0], ["point", "variant", "lr", "objective", "mean", "ci95", "median", "seeds",
                                "rung", "rung_epochs", "rung_objective", "status", "best"])
        let rows = Array(csv.dropFirst())
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows.filter { $0[11] == "pruned at rung 1 (epoch 1)" }.count, 2, "\(rows)")
        XCTAssertEqual(rows.filter { $0[11] == "pruned at rung 2 (epoch 2)" }.count, 1, "\(rows)")
        let winner = try XCTUnwrap(rows.first { $0[11] == "completed" }, "\(rows)")
        XCTAssertEqual(winner[12], "yes")
        XCTAssertEqual(winner[8], "3")
        XCTAssertEqual(winner[9], "4")
        for row in rows where row[11].hasPrefix("pruned") {
            XCTAssertEqual(row[3], "", "a pruned point has no objective of its own: \(row)")
            XCTAssertEqual(row[12], "")
            XCTAssertFalse(row[10].isEmpty, "its objective at the rung it lost: \(row)")
        }
        // The rung-2 decision: the winner's mean val_loss after epoch 2 is at most the other's.
        let second = try XCTUnwrap(rows.first { $0[11] == "pruned at rung 2 (epoch 2)" })
        XCTAssertLessThanOrEqual(try XCTUnwrap(Double(winner[10])), try XCTUnwrap(Double(second[10])))

        // Every trial folder: the pruned ones keep their history, status and checkpoint.
        let folders = try FileManager.default.contentsOfDirectory(atPath: f.results()).filter { $0.hasPrefix("tiny-") }.sorted()
        XCTAssertEqual(folders.count, 8)
        var statuses: [String: Int] = [:]
        for name in folders {
            let folder = f.results() + "/" + name
            let s = try status(folder)
            statuses[s, default: 0] += 1
            let epochs = try f.read(folder + "/history.csv").split(separator: "\n").count - 1
            switch s {
            case "pruned at rung 1 (epoch 1)": XCTAssertEqual(epochs, 1, name)
            case "pruned at rung 2 (epoch 2)": XCTAssertEqual(epochs, 2, name)
            case "completed": XCTAssertEqual(epochs, 4, name)
            default: XCTFail("\(name): \(s)")
            }
            XCTAssertEqual(FileManager.default.fileExists(atPath: folder + "/checkpoint.safetensors"), s != "completed", name)
            XCTAssertEqual(FileManager.default.fileExists(atPath: folder + "/model.safetensors"), s == "completed", name)
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/manifest.json"), name)
        }
        XCTAssertEqual(statuses, ["pruned at rung 1 (epoch 1)": 4, "pruned at rung 2 (epoch 2)": 2, "completed": 2])

        // summary.md compares only the completed point and lists the pruned ones on their own.
        let summary = try f.read(f.results() + "/summary.md")
        XCTAssertTrue(summary.contains("## Trials pruned by successive halving"), summary)
        XCTAssertFalse(summary.contains("## Trials that did not complete"), summary)
        XCTAssertTrue(summary.contains("Pruned by successive halving: rungs at epochs 1, 2, 4 (η = 2): 4 → 2 → 1 points; "
                                       + "every rung done, 3 points pruned"), summary)
        XCTAssertEqual(try f.rows(f.results()).filter { $0["status"] == "completed" }.count, 2)
        let aggregate = try f.read(f.results() + "/aggregate.csv").split(separator: "\n")
        XCTAssertEqual(aggregate.count, 2, "only the completed point is a variant in aggregate.csv: \(aggregate)")

        // The plan of the finished search: pruned trials are not work left.
        let replan = try RunnerProcess.run(["plan", f.config, "--calibrate", "0", "--results", f.results()])
        XCTAssertEqual(replan.status, 0, replan.stderr)
        XCTAssertEqual(replan.stdout.split(separator: "\n").filter { $0.hasSuffix("  pruned         —") }.count, 6, replan.stdout)
        XCTAssertTrue(replan.stdout.contains("8 trials (2 already trained, 6 pruned), 0 epochs to train at most, 0 after successive halving"), replan.stdout)

        // The rerun trains nothing and writes the same search.csv.
        let before = try f.read(f.results() + "/search/tiny/search.csv")
        let again = try RunnerProcess.run(["run", f.config, "--jobs", "2", "--results", f.results()])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stdout.contains("epoch 1/"), again.stdout)
        XCTAssertEqual(try f.read(f.results() + "/search/tiny/search.csv"), before)
        XCTAssertTrue(try RunnerProcess.run(["report", f.results()]).status == 0)
        XCTAssertEqual(try f.read(f.results() + "/search/tiny/search.csv"), before)

        // A pruned trial killed between its last epoch's checkpoint and its records (only the
        // checkpoint left): the rerun makes the same decisions, writes its records and marks it again.
        let victim = try XCTUnwrap(folders.first { (try? status(f.results() + "/" + $0)) == "pruned at rung 1 (epoch 1)" })
        let victimHistory = try f.historyWithoutTimes(f.results() + "/" + victim + "/history.csv")
        for name in try FileManager.default.contentsOfDirectory(atPath: f.results() + "/" + victim) where name != "checkpoint.safetensors" {
            try FileManager.default.removeItem(atPath: f.results() + "/" + victim + "/" + name)
        }
        let repaired = try RunnerProcess.run(["run", f.config, "--jobs", "2", "--results", f.results()])
        XCTAssertEqual(repaired.status, 0, repaired.stderr)
        XCTAssertEqual(try status(f.results() + "/" + victim), "pruned at rung 1 (epoch 1)")
        XCTAssertEqual(try f.historyWithoutTimes(f.results() + "/" + victim + "/history.csv"), victimHistory)
        XCTAssertEqual(try f.read(f.results() + "/search/tiny/search.csv"), before)

        // The same search without pruning trains every point fully: the winner's folders are the same
        // trials (same config, hash and folder) and bit-identical; a pruned trial's history is the
        // full trial's first epochs.
        let full = try RunnerProcess.run(["run", f.config, "search.prune=null", "--jobs", "2", "--results", f.results("full")])
        XCTAssertEqual(full.status, 0, full.stderr)
        for name in folders {
            let a = f.results() + "/" + name, b = f.results("full") + "/" + name
            XCTAssertEqual(f.bytes(a + "/config.yaml"), f.bytes(b + "/config.yaml"), name)
            XCTAssertEqual(f.bytes(a + "/trial.hash"), f.bytes(b + "/trial.hash"), name)
            let pruned = try f.historyWithoutTimes(a + "/history.csv"), fullHistory = try f.historyWithoutTimes(b + "/history.csv")
            if try status(a) == "completed" {
                XCTAssertEqual(f.bytes(a + "/model.safetensors"), f.bytes(b + "/model.safetensors"), name)
                XCTAssertEqual(pruned, fullHistory, name)
            } else {
                XCTAssertTrue(fullHistory.hasPrefix(pruned), name)
            }
        }

        // Run without pruning in the pruned folder: the pruned trials continue from their checkpoints.
        let promoted = try RunnerProcess.run(["run", f.config, "search.prune=null", "--jobs", "2", "--results", f.results()])
        XCTAssertEqual(promoted.status, 0, promoted.stderr)
        for name in folders {
            XCTAssertEqual(f.bytes(f.results() + "/" + name + "/model.safetensors"),
                           f.bytes(f.results("full") + "/" + name + "/model.safetensors"), name)
        }
    }

    /// Statuses of the trial folders under `results` (folders caught mid-write are skipped).
    private func statuses(_ results: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: results)) ?? []
        return names.filter { $0.hasPrefix("tiny-") }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: results + "/" + name + "/metrics.json"),
                  let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return json["status"] as? String
        }
    }

    /// Starts `runner run` and SIGKILLs it once `when` holds for the folders' statuses.
    private func killWhen(_ f: EndToEndFixture, _ what: String, _ when: ([String]) -> Bool) throws {
        let p = RunnerProcess.start(["run", f.config, "--jobs", "1", "--quiet", "--results", f.results("b")])
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(300)
        while p.isRunning && Date() < deadline && !when(statuses(f.results("b"))) { usleep(1000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal, "killed \(what) before the search finished")
    }

    func testKillNineBetweenRungsAndMidRungResumesToTheSameDecisions() throws {
        let f = try EndToEndFixture(self, train: 1500, test: 100, epochs: 4, extra: Self.search)
        let uninterrupted = try RunnerProcess.run(["run", f.config, "--jobs", "1", "--results", f.results("a")])
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)

        // Between rungs: every trial paused after rung 1, before any is marked pruned or trained on.
        try killWhen(f, "between rungs") { s in s.count == 8 && s.allSatisfy { $0 == "paused at epoch 1 (rung 1 of 3)" } }
        // Mid-rung: one trial of rung 2 paused at epoch 2, the other not yet.
        try killWhen(f, "mid-rung") { s in s.filter { $0 == "paused at epoch 2 (rung 2 of 3)" }.count == 1 }
        let mid = statuses(f.results("b"))
        // The 4 trials rung 1 pruned (marked, or still to be marked if the first kill hit their
        // marking) and the 3 of rung 2 not yet trained on.
        XCTAssertEqual(mid.filter { $0 == "pruned at rung 1 (epoch 1)" || $0 == "paused at epoch 1 (rung 1 of 3)" }.count, 7, "\(mid)")

        let resumed = try RunnerProcess.run(["run", f.config, "--jobs", "1", "--results", f.results("b")])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("rung 2 of 3 (epoch 2): 2 of 4 points"), resumed.stdout)
        XCTAssertEqual(try f.read(f.results("a") + "/search/tiny/search.csv"), try f.read(f.results("b") + "/search/tiny/search.csv"))
        for name in try FileManager.default.contentsOfDirectory(atPath: f.results("a")) where name.hasPrefix("tiny-") {
            XCTAssertEqual(try status(f.results("a") + "/" + name), try status(f.results("b") + "/" + name), name)
            XCTAssertEqual(try f.historyWithoutTimes(f.results("a") + "/" + name + "/history.csv"),
                           try f.historyWithoutTimes(f.results("b") + "/" + name + "/history.csv"), name)
            XCTAssertEqual(f.bytes(f.results("a") + "/" + name + "/model.safetensors"),
                           f.bytes(f.results("b") + "/" + name + "/model.safetensors"), name)
        }
    }

    /// Two shards per rung, as a Slurm job array per rung runs them: each invocation does its share
    /// of the current rung and exits 0 saying the rung waits; the next decides. The result equals a
    /// local run's.
    func testShardsRunOneRungPerInvocationAndEndAsALocalRun() throws {
        let f = try EndToEndFixture(self, train: 400, test: 100, epochs: 4, extra: Self.search)
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--jobs", "1", "--results", f.results("a")]).status, 0)
        for rung in 1...3 {
            for shard in 0..<2 {
                let r = try RunnerProcess.run(["run", f.config, "--shard", "\(shard)/2", "--jobs", "1", "--results", f.results("b")])
                XCTAssertEqual(r.status, 0, r.stderr)
                if rung < 3 {
                    XCTAssertTrue(r.stdout.contains("search \"Tiny\": shard \(shard)/2 did its share of rung \(rung) of 3"), r.stdout)
                }
            }
            let s = statuses(f.results("b"))
            switch rung {
            case 1: XCTAssertEqual(s.filter { $0 == "paused at epoch 1 (rung 1 of 3)" }.count, 8, "\(s)")
            case 2: XCTAssertEqual(s.filter { $0 == "paused at epoch 2 (rung 2 of 3)" }.count, 4, "\(s)")
            default: XCTAssertEqual(s.filter { $0 == "completed" }.count, 2, "\(s)")
            }
        }
        XCTAssertEqual(try RunnerProcess.run(["report", f.results("b")]).status, 0)
        XCTAssertEqual(try f.read(f.results("a") + "/search/tiny/search.csv"), try f.read(f.results("b") + "/search/tiny/search.csv"))
        XCTAssertEqual(statuses(f.results("a")).sorted(), statuses(f.results("b")).sorted())
    }
}
