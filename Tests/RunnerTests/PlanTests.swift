import Foundation
import TestSupport
import XCTest

/// `runner plan`: every trial before anything runs, what is cached, a refusal above the limit.
final class PlanTests: XCTestCase {
    func testPlanListsEveryTrialAndWhatIsCached() throws {
        let f = try EndToEndFixture(self, epochs: 1, extra: """
            sweep: {train.batch_size: [16, 32]}
            """)
        let before = try RunnerProcess.run(["plan", f.config, "--results", f.results(), "--calibrate", "2", "--jobs", "1"])
        XCTAssertEqual(before.status, 0, before.stderr)
        let lines = before.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 6, before.stdout)
        XCTAssertEqual(lines[0].split(separator: " ", omittingEmptySubsequences: true),
                       ["trial", "seed", "epochs", "params", "MFLOP/img", "TFLOP", "cached", "estimate"])
        XCTAssertTrue(lines[1].hasPrefix("tiny-bs16-seed0 "), lines[1])
        XCTAssertTrue(lines[1].contains(" 1  "), lines[1])
        XCTAssertTrue(lines[1].contains("  no  "), lines[1])
        XCTAssertTrue(lines[5].hasPrefix("plan: 1 file, 2 variants, 4 trials (0 already trained), 4 epochs to train, estimated "), lines[5])
        XCTAssertTrue(lines[5].hasSuffix("with 1 job (2 steps timed per architecture, 2 timed)"), lines[5])
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results()), "plan must not create the results folder")

        // `runner run` prints the same line first; afterwards every trial is cached.
        let run = try RunnerProcess.run(["run", f.config, "--jobs", "1", "--results", f.results()])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("plan: 1 file, 2 variants, 4 trials (0 already trained), 4 epochs to train, estimated "), run.stdout)
        let after = try RunnerProcess.run(["plan", f.config, "--results", f.results(), "--jobs", "1"])
        XCTAssertEqual(after.stdout.split(separator: "\n").last.map(String.init),
                       "plan: 1 file, 2 variants, 4 trials (4 already trained), 0 epochs to train, estimated 0 s with 1 job")
        XCTAssertEqual(after.stdout.components(separatedBy: "  yes  ").count - 1, 4, after.stdout)
    }

    func testPlanOverTheTrialLimitIsRefusedInOneLine() throws {
        let f = try EndToEndFixture(self, extra: """
            search:
              trials: 6000
              space: {train.optimizer.lr: {loguniform: [1.0e-4, 1.0e-2]}}
            """)
        let r = try RunnerProcess.run(["plan", f.config, "--calibrate", "0"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "\(f.config):17:3: search: expands to 12000 trials (6000 search points × 2 seeds), "
                       + "more than the limit of 10000; pass --max-trials 12000 to allow it\n")
        let allowed = try RunnerProcess.run(["plan", f.config, "--calibrate", "0", "--max-trials", "12000", "search.trials=3"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)
        XCTAssertTrue(allowed.stdout.hasSuffix("plan: 1 file, 3 variants, 6 trials (0 already trained), 12 epochs to train, not timed\n"), allowed.stdout)
    }
}
