import Data
import Foundation
import Reports
import Spec
import Synchronization

/// Runs a list of trials into a results folder: per trial it takes the folder's lock, skips
/// trials whose cached result matches, resumes interrupted ones, and records failures without
/// stopping the other trials.
public final class Sweep: @unchecked Sendable {
    public struct Outcome: Sendable {
        public var completed = 0
        /// Trials trained up to their successive-halving rung (see `rungs`).
        public var paused = 0
        public var cached = 0
        public var failures = 0
        public var interrupted = false
        /// Where each interrupted trial stopped, e.g. "[Tiny seed 0] stopped in epoch 2/4 with 1 epoch saved".
        public var stoppedTrials: [String] = []
        public init() {}
    }

    public let trials: [Trial]
    public let plans: [NetworkPlan]
    public let results: String
    public let force: Bool
    /// A finished trial whose records or weights are damaged is reported and left alone instead
    /// of retrained.
    public let keepDamaged: Bool
    public let progress: ProgressReporter
    /// Trials run at the same time (each with at least its `train.threads` engine threads).
    public let jobs: Int
    /// The machine's cores: a running trial may use cores ÷ running jobs engine threads, so the
    /// last trials of a sweep widen onto the cores finished jobs leave (results do not change).
    public let cores: Int
    /// Per trial: nil to train it fully, or the epochs of the successive-halving rung it trains
    /// to now (with the note its paused status carries). A trial already paused at (or past)
    /// those epochs counts as cached.
    public let rungs: [(epochs: Int, note: String)?]
    private let data: DataCache
    /// Jobs still taking trials.
    private let activeJobs = Atomic<Int>(0)
    /// Trials whose cached result was up to date when `run` began (set before any job starts).
    private var cachedAtStart: Set<Int> = []
    /// Dataset fingerprints by source, computed once per sweep.
    private var fingerprints: [String: String] = [:]
    private let fingerprintLock = NSLock()

    private func fingerprint(_ data: DataSpec) throws -> String {
        fingerprintLock.lock(); defer { fingerprintLock.unlock() }
        let key = DatasetSources.key(for: data)
        if let known = fingerprints[key] { return known }
        let value = try DatasetSources.source(for: data).fingerprint()
        fingerprints[key] = value
        return value
    }

    public init(trials: [Trial], plans: [NetworkPlan], results: String, force: Bool, keepDamaged: Bool = false,
                progress: ProgressReporter, jobs: Int = 1, cores: Int = ProcessInfo.processInfo.activeProcessorCount,
                data: DataCache = DataCache(), rungs: [(epochs: Int, note: String)?]? = nil) {
        self.data = data
        self.rungs = rungs ?? Array(repeating: nil, count: trials.count)
        precondition(self.rungs.count == trials.count)
        self.keepDamaged = keepDamaged
        precondition(trials.count == plans.count && jobs >= 1)
        self.cores = max(1, cores)
        self.trials = trials
        self.plans = plans
        self.results = results
        self.force = force
        self.progress = progress
        self.jobs = jobs
    }

    /// As many trials at once as fit the machine's cores: cores ÷ the largest `train.threads`.
    public static func automaticJobs(for trials: [Trial], cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        let threads = trials.map(\.spec.train.threads).max() ?? 1
        return max(1, min(cores / max(threads, 1), trials.count))
    }

    /// Runs every trial, `jobs` at a time, in list order. Throws only for problems that stop the
    /// whole sweep (unreadable dataset, results folder not writable): no new trial starts after
    /// one, running ones finish. A trial that fails is recorded and the sweep goes on.
    public func run() throws -> Outcome {
        // Every dataset is readable and the results folder writable before anything is created.
        for data in trials.map(\.spec.data) { _ = try fingerprint(data) }
        try WarmStartWeights.check(trials, plans: plans)
        try Self.prepareResultsFolder(results)
        // Trials already cached are known now, so the sweep's ETA counts only the epochs left.
        // (An unreadable dataset counts as not cached here; `runTrial` reports it.)
        cachedAtStart = force ? [] : Set(trials.indices.filter { (try? isCached($0)) == true })
        let pending = trials.indices.filter { !cachedAtStart.contains($0) }
        progress.sweepStarted(trials: trials.count,
                              epochs: pending.reduce(0) { $0 + (rungs[$1]?.epochs ?? trials[$1].spec.train.epochs) })
        let state = SharedState()
        activeJobs.store(jobs, ordering: .relaxed)
        let work: @Sendable (Int) -> Void = { [self] _ in
            defer { activeJobs.subtract(1, ordering: .relaxed) }
            while let index = state.next(count: trials.count) {
                do {
                    let result = try runTrial(index)
                    state.record(result)
                } catch {
                    state.fail(error)
                }
            }
        }
        if jobs == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: jobs, execute: work) }
        return try state.finish()
    }

    /// `cachedFailure`: a cached trial that did not complete (diverged): cached, and still a failure.
    /// Creates the results folder if needed and checks that this process can write into it.
    static func prepareResultsFolder(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw ReportError("\(path): is a file, expected a results folder (--results)")
            }
        } else {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw ReportError("\(path): cannot create the results folder (--results): \(blocker(of: path))")
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw ReportError("\(path): the results folder is not writable (\(String(cString: strerror(errno))))")
        }
    }

    /// Why a folder cannot be created at `path`: the nearest existing ancestor is a file, or not writable.
    private static func blocker(of path: String) -> String {
        var ancestor = (path as NSString).deletingLastPathComponent
        while !ancestor.isEmpty, ancestor != "/", !FileManager.default.fileExists(atPath: ancestor) {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        if ancestor.isEmpty { ancestor = "." }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDir), !isDir.boolValue {
            return "\(ancestor) is a file"
        }
        return access(ancestor, W_OK | X_OK) == 0 ? "cannot write into \(ancestor)"
                                                 : "\(ancestor) is not writable (\(String(cString: strerror(errno))))"
    }

    private enum TrialResult { case completed, paused, cached, cachedFailure, failed, interrupted(String?) }

    /// The sweep's progress across jobs: the next trial to take, the outcome, the first fatal error.
    private final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        private var nextIndex = 0
        private var outcome = Outcome()
        private var error: (any Error)?

        /// The next trial to run, or nil when all are taken or the sweep stops.
        func next(count: Int) -> Int? {
            lock.lock(); defer { lock.unlock() }
            if error != nil || outcome.interrupted || Interrupt.requested {
                if Interrupt.requested { outcome.interrupted = true }
                return nil
            }
            guard nextIndex < count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }

        func record(_ result: TrialResult) {
            lock.lock(); defer { lock.unlock() }
            switch result {
            case .completed: outcome.completed += 1
            case .paused: outcome.paused += 1
            case .cached: outcome.cached += 1
            case .cachedFailure: outcome.cached += 1; outcome.failures += 1
            case .failed: outcome.failures += 1
            case let .interrupted(where_):
                outcome.interrupted = true
                if let where_ { outcome.stoppedTrials.append(where_) }
            }
        }

        func fail(_ e: any Error) {
            lock.lock(); defer { lock.unlock() }
            if error == nil { error = e }
        }

        func finish() throws -> Outcome {
            lock.lock(); defer { lock.unlock() }
            if let error { throw error }
            return outcome
        }
    }

    private func folder(_ index: Int) -> String {
        (results as NSString).appendingPathComponent(trials[index].slug)
    }

    /// What trial `index`'s folder holds for its config, dataset and engine (see `TrialFolder`).
    private func verdict(_ index: Int) throws -> TrialFolder.Verdict {
        let trial = trials[index]
        let hash = try TrialRunner.hash(trial: trial, fingerprint: try fingerprint(trial.spec.data))
        return TrialFolder.verify(folder: folder(index), trial: trial, trialHash: hash)
    }

    /// Whether trial `index`'s folder holds a verified finished result.
    private func isCached(_ index: Int) throws -> Bool {
        switch try verdict(index) {
        case .finished: return true
        case let .rung(_, history): return rungs[index].map { history.count >= $0.epochs } ?? false
        case .absent, .damaged: return false
        }
    }

    /// One trial: lock its folder, skip it when cached, else train (or resume) it.
    private func runTrial(_ index: Int) throws -> TrialResult {
        let (trial, plan) = (trials[index], plans[index])
        let folder = folder(index)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let label = TrialLabel(trial)
        // A trial another runner is training is waited for (it is usually cached afterwards):
        // two runners sharing a results folder split the work and both end with exit 0.
        var lock: TrialLock?
        var announced = false
        while lock == nil {
            do { lock = try TrialLock.acquire(folder: folder) } catch let error as TrialLockError {
                guard case .held = error else {
                    progress.trialFailed(label, message: "\(error)")
                    return .failed
                }
                if !announced {
                    progress.trialNotice(label, message: "\(error); waiting for it")
                    announced = true
                }
                if Interrupt.requested { return .interrupted(nil) }
                usleep(200_000)
            }
        }
        defer { lock?.release() }
        AtomicFile.removeStaleTemporaries(in: folder)
        if !force {
            switch try verdict(index) {
            case .absent:
                break
            case let .rung(record, history):
                // Paused or pruned at a rung: done for this rung, else continued from its checkpoint.
                if let rung = rungs[index], history.count >= rung.epochs {
                    progress.trialCached(label, epochs: cachedAtStart.contains(index) ? 0 : rung.epochs, folder: folder,
                                         status: record.status, atRung: true)
                    return .cached
                }
            case let .finished(record, history, stale, adopted):
                if adopted || !stale.isEmpty {
                    do {
                        try TrialFolder.repair(folder: folder, trial: trial, trialHash: try trialHash(index),
                                               record: record, history: history, stale: stale)
                    } catch {
                        progress.trialFailed(label, message: "\(error)")
                        return .failed
                    }
                    if !stale.isEmpty {
                        progress.trialNotice(label, message: "regenerated \(stale.joined(separator: ", ")) from the records")
                    }
                }
                // A run killed after its manifest but before it removed the resume state leaves one.
                do { try AtomicFile.remove((folder as NSString).appendingPathComponent("checkpoint.safetensors")) } catch {
                    progress.trialFailed(label, message: "\(error)")
                    return .failed
                }
                // Epochs of a trial found cached at the start were never counted in the sweep.
                progress.trialCached(label, epochs: cachedAtStart.contains(index) ? 0 : trial.spec.train.epochs,
                                     folder: folder, status: record.isCompleted ? nil : record.status)
                return record.isCompleted ? .cached : .cachedFailure
            case let .damaged(reason):
                if keepDamaged {
                    progress.trialFailed(label, message: "\(reason); left as it is (--keep-damaged)")
                    return .failed
                }
                progress.trialNotice(label, message: "\(reason); retraining")
            }
        }
        if force { try AtomicFile.remove((folder as NSString).appendingPathComponent("checkpoint.safetensors")) }
        let runner = try TrialRunner(trial: trial, plan: plan, data: try data.data(for: trial.spec.data), folder: folder,
                                     maxThreads: cores)
        runner.progress = progress
        runner.pause = rungs[index]
        let minimum = trial.spec.train.threads
        runner.threadAllowance = { [self] in max(minimum, cores / max(1, activeJobs.load(ordering: .relaxed))) }
        do {
            let record = try runner.run()
            if record.status.hasPrefix("interrupted") {
                let saved = record.completedEpochs == 1 ? "1 epoch" : "\(record.completedEpochs) epochs"
                let stage = record.completedEpochs < record.epochs ? "in epoch \(record.completedEpochs + 1)/\(record.epochs)"
                                                                   : "in its final evaluation"
                return .interrupted("\(label.prefix) stopped \(stage) with \(saved) saved")
            }
            if record.isRungStop {
                progress.trialNotice(label, message: record.status)
                return .paused
            }
            return record.status == "completed" ? .completed : .failed
        } catch {
            progress.trialFailed(label, message: "\(error)")
            return .failed
        }
    }

    private func trialHash(_ index: Int) throws -> String {
        try TrialRunner.hash(trial: trials[index], fingerprint: try fingerprint(trials[index].spec.data))
    }
}
