import XCTest
@testable import Training

/// Collects what the reporter writes.
final class Capture: TextOutputStream {
    var text = ""
    func write(_ string: String) { text += string }
    var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
}

final class ProgressTests: XCTestCase {
    private let dropout = TrialLabel(name: "Dropout", seed: 1, slug: "dropout-seed1")

    private func epoch(_ n: Int, of total: Int = 50, seconds: Double = 1.02) -> EpochProgress {
        EpochProgress(epoch: n, epochs: total, trainLoss: 0.31214, trainAcc: 0.8889, valLoss: 0.29,
                      valAcc: 0.894, testLoss: 0.3, testAcc: 0.89, lr: 0.001, seconds: seconds)
    }

    /// Seven epochs of 1.02 s in a 193-epoch sweep: 43 left in the trial, 186 in the sweep.
    private func runSevenEpochs(_ mode: ProgressReporter.Mode) -> Capture {
        let out = Capture()
        let reporter = ProgressReporter(mode: mode, output: out, clock: { 0 })
        reporter.sweepStarted(trials: 4, epochs: 193)
        reporter.trialStarted(dropout, epochs: 50, folder: "results/dropout-seed1")
        for n in 1...7 { reporter.epochEnded(epoch(n), of: dropout) }
        return out
    }

    func testPlainEpochLine() {
        let lines = runSevenEpochs(.plain).lines
        XCTAssertEqual(lines.count, 9)
        XCTAssertEqual(lines[0], "[Dropout seed 1] training 50 epochs in results/dropout-seed1")
        XCTAssertEqual(lines[7], "[Dropout seed 1] epoch 7/50  loss 0.3121  train 88.9 %  val 89.4 %  test 89.0 %  1.02 s  ETA trial 44 s, sweep 3m 10s")
        XCTAssertEqual(lines[8], "")
    }

    func testJSONEpochLine() {
        let lines = runSevenEpochs(.json).lines
        XCTAssertEqual(lines[0], #"{"event":"sweep_start","trials":4,"epochs":193}"#)
        XCTAssertEqual(lines[1], #"{"event":"trial_start","trial":"dropout-seed1","variant":"Dropout","seed":1,"epochs":50,"completed_epochs":0,"folder":"results/dropout-seed1"}"#)
        XCTAssertEqual(lines[8], #"{"event":"epoch","trial":"dropout-seed1","epoch":7,"epochs":50,"train_loss":0.31214,"train_acc":0.8889,"val_loss":0.29,"val_acc":0.894,"test_loss":0.3,"test_acc":0.89,"lr":0.001,"seconds":1.02,"eta_trial_s":43.9,"eta_sweep_s":189.7}"#)
    }

    /// Two trials running at once (`--jobs 2`): per-trial ETAs, a sweep ETA shared by both, no bar.
    func testConcurrentTrialsKeepTheirOwnAccounting() {
        let out = Capture()
        let reporter = ProgressReporter(mode: .live, output: out, clock: { 0 })
        let l2 = TrialLabel(name: "L2", seed: 0, slug: "l2-seed0")
        reporter.sweepStarted(trials: 2, epochs: 20)
        reporter.trialStarted(dropout, epochs: 10, folder: "a")
        reporter.trialStarted(l2, epochs: 10, folder: "b")
        reporter.batchProgress(done: 1, of: 4, epoch: 1, epochs: 10)
        reporter.epochEnded(epoch(1, of: 10, seconds: 2), of: dropout)
        reporter.epochEnded(epoch(1, of: 10, seconds: 4), of: l2)
        reporter.epochEnded(epoch(2, of: 10, seconds: 2), of: dropout)
        let lines = out.lines
        XCTAssertEqual(lines.count, 6, out.text)
        // L2: 9 epochs left at 4 s; the sweep 18 at a mean of 3 s, two at a time (then 17 at 8/3 s).
        XCTAssertTrue(lines[2].hasPrefix("[Dropout seed 1] epoch 1/10"), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("[L2 seed 0] epoch 1/10") && lines[3].hasSuffix("ETA trial 36 s, sweep 27 s"), lines[3])
        XCTAssertTrue(lines[4].hasSuffix("ETA trial 16 s, sweep 23 s"), lines[4])
        XCTAssertFalse(out.text.contains("["+"#"), "no live bar while two trials run")
    }

    func testQuietWritesNothing() {
        XCTAssertEqual(runSevenEpochs(.quiet).text, "")
    }

    func testTrialEventsAndSweepAccounting() {
        let out = Capture()
        let reporter = ProgressReporter(mode: .plain, output: out)
        let baseline = TrialLabel(name: "Baseline", seed: 0, slug: "baseline-seed0")
        reporter.sweepStarted(trials: 3, epochs: 30)
        reporter.trialCached(baseline, epochs: 10, folder: "results/baseline-seed0")
        reporter.trialStarted(dropout, epochs: 10, folder: "results/dropout-seed1")
        reporter.epochEnded(epoch(1, of: 10, seconds: 2), of: dropout)
        reporter.trialDiverged(dropout, epoch: 2, loss: .nan)
        let l2 = TrialLabel(name: "L2", seed: 2, slug: "l2-seed2")
        reporter.trialStarted(l2, epochs: 10, completedEpochs: 4, folder: "results/l2-seed2")
        // The sweep now has 10 − 4 epochs left; this one leaves 5 at the sweep mean of 3 s.
        reporter.epochEnded(EpochProgress(epoch: 5, epochs: 10, trainLoss: 1, trainAcc: 0.5, lr: 0.1, seconds: 4), of: l2)
        reporter.trialEnded(l2, seconds: 3725, selectedEpoch: 5, testAcc: 0.5)
        reporter.trialFailed(l2, message: "results/l2-seed2: in use by another runner (pid 7)")
        let point = TrialLabel(name: "Search [lr=0.1]", seed: 0, slug: "search-lr0.1-seed0")
        reporter.trialCached(point, epochs: 2, folder: "results/search-lr0.1-seed0", status: "paused at epoch 2 (rung 1 of 3)", atRung: true)
        XCTAssertEqual(out.lines, [
            "[Baseline seed 0] cached: results/baseline-seed0 is up to date",
            "[Dropout seed 1] training 10 epochs in results/dropout-seed1",
            "[Dropout seed 1] epoch 1/10  loss 0.3121  train 88.9 %  val 89.4 %  test 89.0 %  2.00 s  ETA trial 18 s, sweep 38 s",
            "[Dropout seed 1] diverged at epoch 2: loss nan",
            "[L2 seed 2] resuming at epoch 5/10 in results/l2-seed2",
            "[L2 seed 2] epoch 5/10  loss 1.0000  train 50.0 %  4.00 s  ETA trial 20 s, sweep 15 s",
            "[L2 seed 2] done in 1h 02m: selected epoch 5, test 50.0 %",
            "[L2 seed 2] failed: results/l2-seed2: in use by another runner (pid 7)",
            "[Search [lr=0.1] seed 0] cached: results/search-lr0.1-seed0 has trained to its rung: paused at epoch 2 (rung 1 of 3)",
            "",
        ])
    }

    /// A name or message read from an old record cannot move the cursor, recolour or reorder the terminal.
    func testPlainLinesShowControlCharactersAsReplacementCharacters() {
        let out = Capture()
        let reporter = ProgressReporter(mode: .plain, output: out)
        let nasty = TrialLabel(name: "Red\u{1B}[31m\u{202E}x", seed: 0, slug: "red-seed0")
        reporter.trialFailed(nasty, message: "bad\rvalue\u{85}")
        XCTAssertEqual(out.lines, ["[Red\u{FFFD}[31m\u{FFFD}x seed 0] failed: bad\u{FFFD}value\u{FFFD}", ""])
    }

    func testJSONEventsEscapeAndNull() {
        let out = Capture()
        let reporter = ProgressReporter(mode: .json, output: out)
        reporter.trialDiverged(dropout, epoch: 3, loss: .infinity)
        reporter.trialFailed(dropout, message: "bad \"value\"\tat\\x")
        reporter.trialEnded(dropout, seconds: 12.345, selectedEpoch: 2, testAcc: nil)
        XCTAssertEqual(out.lines, [
            #"{"event":"trial_diverged","trial":"dropout-seed1","variant":"Dropout","seed":1,"epoch":3,"loss":null}"#,
            #"{"event":"trial_failed","trial":"dropout-seed1","variant":"Dropout","seed":1,"message":"bad \"value\"\tat\\x"}"#,
            #"{"event":"trial_end","trial":"dropout-seed1","variant":"Dropout","seed":1,"seconds":12.35,"selected_epoch":2,"test_acc":null}"#,
            "",
        ])
    }

    func testLiveBarIsThrottledAndClearedBeforeTheEpochLine() {
        let out = Capture()
        var now = 0.0
        let reporter = ProgressReporter(mode: .live, output: out, clock: { now })
        reporter.trialStarted(dropout, epochs: 2, folder: "r")
        out.text = ""
        for (batch, time) in [(1, 0.0), (2, 0.05), (3, 0.12), (4, 0.15)] {
            now = time
            reporter.batchProgress(done: batch, of: 4, epoch: 1, epochs: 2)
        }
        reporter.epochEnded(epoch(1, of: 2), of: dropout)
        let clear = "\r\u{1B}[2K"
        XCTAssertEqual(out.text, [
            clear + "[Dropout seed 1] epoch 1/2 [######------------------] 1/4",
            clear + "[Dropout seed 1] epoch 1/2 [##################------] 3/4",
            clear + "[Dropout seed 1] epoch 1/2 [########################] 4/4",
            clear + "[Dropout seed 1] epoch 1/2  loss 0.3121  train 88.9 %  val 89.4 %  test 89.0 %  1.02 s  ETA trial 1 s\n",
        ].joined())
    }

    func testDurations() {
        XCTAssertEqual(ProgressReporter.duration(0.4), "0 s")
        XCTAssertEqual(ProgressReporter.duration(59.6), "1m 00s")
        XCTAssertEqual(ProgressReporter.duration(190), "3m 10s")
        XCTAssertEqual(ProgressReporter.duration(7260), "2h 01m")
    }
}
