import Reports
import Foundation
import Spec

/// Who an event is about: the variant's display name, the seed and the results folder slug.
public struct TrialLabel: Hashable, Sendable {
    public var name: String
    public var seed: UInt64
    public var slug: String

    public init(name: String, seed: UInt64, slug: String) {
        self.name = name
        self.seed = seed
        self.slug = slug
    }

    public init(_ trial: Trial) {
        self.init(name: trial.variant, seed: trial.spec.train.seed, slug: trial.slug)
    }

    /// `[Dropout seed 1]`, the prefix of every human-readable line.
    public var prefix: String { "[\(SafeText.printable(name)) seed \(seed)]" }
}

/// One finished epoch as the progress reporter sees it: the history record plus the trial's
/// epoch count. Accuracies are fractions in [0, 1]; `epoch` is 1-based; a metric that was not
/// measured (NaN in the record) reads as nil.
public struct EpochProgress: Sendable {
    public var record: EpochRecord
    public var epochs: Int

    public init(_ record: EpochRecord, epochs: Int) {
        self.record = record
        self.epochs = epochs
    }

    public init(epoch: Int, epochs: Int, trainLoss: Double, trainAcc: Double, valLoss: Double? = nil,
                valAcc: Double? = nil, testLoss: Double? = nil, testAcc: Double? = nil, lr: Double,
                seconds: Double) {
        self.init(EpochRecord(epoch: epoch, trainLoss: trainLoss, trainAcc: trainAcc, valLoss: valLoss ?? .nan,
                              valAcc: valAcc ?? .nan, testLoss: testLoss ?? .nan, testAcc: testAcc ?? .nan,
                              lr: lr, seconds: seconds), epochs: epochs)
    }

    public var epoch: Int { record.epoch }
    public var trainLoss: Double { record.trainLoss }
    public var trainAcc: Double { record.trainAcc }
    public var valLoss: Double? { measured(record.valLoss) }
    public var valAcc: Double? { measured(record.valAcc) }
    public var testLoss: Double? { measured(record.testLoss) }
    public var testAcc: Double? { measured(record.testAcc) }
    public var lr: Double { record.lr }
    /// Wall time of the epoch (training and evaluation).
    public var seconds: Double { record.seconds }

    private func measured(_ x: Double) -> Double? { x.isNaN ? nil : x }
}

/// Prints training progress: one line per epoch and per trial event, as text or JSON lines.
///
/// - `plain`: one line per event (`[Dropout seed 1] epoch 7/50  loss 0.3121  train 88.9 %  …`).
/// - `live`: as plain, plus a bar inside the epoch redrawn in place (at most 10×/s, by `clock`).
/// - `json`: one JSON object per line with an `event` key, for tools.
/// - `quiet`: nothing.
///
/// ETAs: the trial's is its mean epoch time × its remaining epochs; the sweep's is the mean epoch
/// time over the whole sweep × the epochs left in all trials (declared by `sweepStarted`).
/// Times come from the caller (`EpochProgress.seconds`) so output is reproducible in tests.
///
/// Trials may run concurrently (`runner run --jobs N`): every event names its trial, per-trial
/// state is kept per trial, events are serialized by a lock, and the live bar is drawn only while
/// a single trial runs. With several trials running, the sweep ETA divides by their number.
public final class ProgressReporter: @unchecked Sendable {
    public enum Mode: String, CaseIterable, Sendable { case plain, live, json, quiet }

    public let mode: Mode
    private var output: any TextOutputStream
    private var errors: any TextOutputStream
    private let clock: () -> Double

    /// Per running trial: epoch seconds and count so far, and the epochs it has left (so that
    /// skipped ones leave the sweep count when it ends early).
    private struct Running {
        var seconds = 0.0, epochsTimed = 0, remaining = 0
    }
    private var running: [TrialLabel: Running] = [:]
    private var sweepSeconds = 0.0, sweepEpochsTimed = 0
    /// Epochs not yet run in the sweep; nil when no sweep was declared.
    private var sweepRemaining: Int?
    private let lock = NSLock()
    private var barShown = false
    private var lastBarDraw = -Double.infinity

    /// `clock` (seconds, monotonic) is only used to throttle the live bar.
    /// `errors` receives failures in `quiet` mode.
    public init(mode: Mode, output: any TextOutputStream = StandardOutput(), errors: any TextOutputStream = StandardOutput(STDERR_FILENO),
                clock: @escaping () -> Double = ProgressReporter.monotonicSeconds) {
        self.mode = mode
        self.output = output
        self.errors = errors
        self.clock = clock
    }

    /// `json` or `quiet` when asked for, else `live` if standard output is a terminal, else `plain`.
    public static func defaultMode(json: Bool, quiet: Bool) -> Mode {
        if quiet { return .quiet }
        if json { return .json }
        return isatty(STDOUT_FILENO) != 0 ? .live : .plain
    }

    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    // MARK: Events

    /// Declares the work ahead: `trials` trials with `epochs` epochs in total, counting every
    /// trial in full (cached trials and the completed part of resumed ones are deducted as reported).
    public func sweepStarted(trials: Int, epochs: Int) {
        lock.lock(); defer { lock.unlock() }
        sweepRemaining = epochs
        emit(plain: nil, json: [("event", .string("sweep_start")), ("trials", .int(trials)),
                                ("epochs", .int(epochs))])
    }

    /// Where a search with `search.prune` stands (`search "Tiny": rung 2 of 3 …`); JSON event `search`.
    public func searchNotice(_ search: String, message: String) {
        lock.lock(); defer { lock.unlock() }
        emit(plain: "search \"\(search)\": \(message)",
             json: [("event", .string("search")), ("search", .string(search)), ("message", .string(message))])
    }

    /// A trial begins (or resumes after `completedEpochs` epochs) writing into `folder`; `pause`:
    /// it trains only up to a successive-halving rung's epochs this time.
    public func trialStarted(_ label: TrialLabel, epochs: Int, completedEpochs: Int = 0, folder: String,
                             pause: (epochs: Int, note: String)? = nil) {
        lock.lock(); defer { lock.unlock() }
        skipSweepEpochs(completedEpochs)
        running[label] = Running(remaining: max(min(pause?.epochs ?? epochs, epochs) - completedEpochs, 0))
        var what = completedEpochs > 0 ? "resuming at epoch \(completedEpochs + 1)/\(epochs)"
                                       : "training \(epochs) epochs"
        if let pause, pause.epochs < epochs { what += ", up to epoch \(pause.epochs) for now (\(pause.note))" }
        emit(plain: "\(label.prefix) \(what) in \(folder)",
             json: Self.trialFields("trial_start", label) + [
                ("epochs", .int(epochs)), ("completed_epochs", .int(completedEpochs)),
                ("folder", .string(folder))])
    }

    /// Live mode only: `done` of `total` batches of the current epoch; redrawn at most every 0.1 s.
    public func batchProgress(done: Int, of total: Int, epoch: Int, epochs: Int) {
        guard mode == .live else { return }
        lock.lock(); defer { lock.unlock() }
        guard running.count == 1, let trial = running.keys.first else { return }
        let now = clock()
        guard done >= total || now - lastBarDraw >= 0.1 else { return }
        lastBarDraw = now
        let width = 24
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        write("\r\u{1B}[2K\(trial.prefix) epoch \(epoch)/\(epochs) [\(bar)] \(done)/\(total)")
        barShown = true
    }

    /// An epoch of `trial` finished: prints its line with both ETAs.
    public func epochEnded(_ e: EpochProgress, of trial: TrialLabel) {
        lock.lock(); defer { lock.unlock() }
        var state = running[trial] ?? Running()
        state.seconds += e.seconds
        state.epochsTimed += 1
        state.remaining = max(e.epochs - e.epoch, 0)
        running[trial] = state
        sweepSeconds += e.seconds
        sweepEpochsTimed += 1
        if let remaining = sweepRemaining { sweepRemaining = max(remaining - 1, 0) }
        let etaTrial = state.seconds / Double(state.epochsTimed) * Double(state.remaining)
        let parallel = Double(max(running.count, 1))
        let etaSweep = sweepRemaining.map { sweepSeconds / Double(sweepEpochsTimed) * Double($0) / parallel }
        emit(plain: Self.epochLine(trial, e, etaTrial: etaTrial, etaSweep: etaSweep),
             json: Self.epochFields(trial, e, etaTrial: etaTrial, etaSweep: etaSweep))
    }

    /// The trial's results are up to date; nothing runs.
    /// `status`: how the cached trial ended when it did not complete ("diverged at epoch 3"), or
    /// with `atRung` where a search trial stopped at its successive-halving rung.
    public func trialCached(_ label: TrialLabel, epochs: Int, folder: String, status: String? = nil, atRung: Bool = false) {
        lock.lock(); defer { lock.unlock() }
        skipSweepEpochs(epochs)
        let state = atRung ? " has trained to its rung: " + (status ?? "") : " is up to date" + (status.map { " (\($0))" } ?? "")
        emit(plain: "\(label.prefix) cached: \(folder)" + state,
             json: Self.trialFields("trial_cached", label) + [("folder", .string(folder))]
                + (status.map { [("status", JSONValue.string($0))] } ?? []))
    }

    /// Something about the trial's folder the user should know (a file regenerated, a checkpoint
    /// not used, a damaged result retrained); the trial goes on.
    public func trialNotice(_ label: TrialLabel, message: String) {
        lock.lock(); defer { lock.unlock() }
        emit(plain: "\(label.prefix) \(SafeText.printable(message))",
             json: Self.trialFields("trial_notice", label) + [("message", .string(message))])
    }

    /// The loss became non-finite at 1-based `epoch`; the trial stops.
    public func trialDiverged(_ label: TrialLabel, epoch: Int, loss: Double) {
        lock.lock(); defer { lock.unlock() }
        finish(label)
        emit(plain: "\(label.prefix) diverged at epoch \(epoch): loss \(loss)",
             json: Self.trialFields("trial_diverged", label) + [("epoch", .int(epoch)), ("loss", .number(loss))],
             failure: true)
    }

    /// The trial failed with a one-line `message`; the sweep goes on.
    public func trialFailed(_ label: TrialLabel, message: String) {
        lock.lock(); defer { lock.unlock() }
        finish(label)
        emit(plain: "\(label.prefix) failed: \(SafeText.printable(message))",
             json: Self.trialFields("trial_failed", label) + [("message", .string(message))],
             failure: true)
    }

    /// The trial finished after `seconds`; `selectedEpoch` (1-based) became its checkpoint.
    public func trialEnded(_ label: TrialLabel, seconds: Double, selectedEpoch: Int, testAcc: Double?) {
        lock.lock(); defer { lock.unlock() }
        finish(label)
        let test = testAcc.map { ", test \(Self.percent($0))" } ?? ""
        emit(plain: "\(label.prefix) done in \(Self.duration(seconds)): selected epoch \(selectedEpoch)\(test)",
             json: Self.trialFields("trial_end", label) + [
                ("seconds", .number(Self.rounded(seconds, 2))), ("selected_epoch", .int(selectedEpoch)),
                ("test_acc", .number(testAcc))])
    }

    // MARK: Output

    private func skipSweepEpochs(_ count: Int) {
        if let remaining = sweepRemaining { sweepRemaining = max(remaining - count, 0) }
    }

    /// The trial stops running; the epochs it did not run leave the sweep count.
    private func finish(_ label: TrialLabel) {
        skipSweepEpochs(running[label]?.remaining ?? 0)
        running[label] = nil
    }

    /// `failure`: the line also goes to standard error in `quiet` mode (failures are never silent).
    private func emit(plain: String?, json: [(String, JSONValue)], failure: Bool = false) {
        switch mode {
        case .quiet:
            if failure, let plain { errors.write(plain + "\n") }
        case .json: write(JSONValue.line(json) + "\n")
        case .plain, .live:
            guard let plain else { return }
            if barShown { write("\r\u{1B}[2K"); barShown = false }
            write(plain + "\n")
        }
    }

    private func write(_ text: String) { output.write(text) }
}

/// Standard output (or error) without Foundation's buffering, so progress appears immediately.
public struct StandardOutput: TextOutputStream {
    private let descriptor: Int32
    /// Standard output, or another descriptor such as `STDERR_FILENO`.
    public init(_ descriptor: Int32 = STDOUT_FILENO) { self.descriptor = descriptor }

    public mutating func write(_ string: String) {
        var text = string
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}
