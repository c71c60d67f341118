import Data
import Foundation
import Reports
import Spec

/// Runs a list of trials into a results folder: per trial it takes the folder's lock, skips
/// trials whose cached result matches, resumes interrupted ones, and records failures without
/// stopping the other trials.
public final class Sweep {
    public struct Outcome: Sendable {
        public var completed = 0
        public var cached = 0
        public var failures = 0
        public var interrupted = false
    }

    public let trials: [Trial]
    public let plans: [NetworkPlan]
    public let results: String
    public let force: Bool
    public let progress: ProgressReporter
    private let data = DataCache()

    public init(trials: [Trial], plans: [NetworkPlan], results: String, force: Bool, progress: ProgressReporter) {
        precondition(trials.count == plans.count)
        self.trials = trials
        self.plans = plans
        self.results = results
        self.force = force
        self.progress = progress
    }

    /// Runs every trial. Throws only for problems that stop the whole sweep (unreadable dataset,
    /// results folder not writable); a trial that fails is recorded and the sweep goes on.
    public func run() throws -> Outcome {
        var outcome = Outcome()
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        progress.sweepStarted(trials: trials.count, epochs: trials.reduce(0) { $0 + $1.spec.train.epochs })
        for (trial, plan) in zip(trials, plans) {
            if Interrupt.requested { outcome.interrupted = true; break }
            let folder = (results as NSString).appendingPathComponent(trial.slug)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let label = TrialLabel(trial)
            let lock: TrialLock
            do { lock = try TrialLock.acquire(folder: folder) } catch {
                outcome.failures += 1
                progress.trialFailed(label, message: "\(error)")
                continue
            }
            defer { lock.release() }
            let fingerprint = try DatasetLoader.fingerprint(folder: trial.spec.data.path)
            let hash = TrialRunner.hash(trial: trial, fingerprint: fingerprint)
            if !force, Self.cachedRecord(folder: folder, hash: hash) != nil {
                outcome.cached += 1
                progress.trialCached(label, epochs: trial.spec.train.epochs, folder: folder)
                continue
            }
            if force { try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("checkpoint.safetensors")) }
            let runner = try TrialRunner(trial: trial, plan: plan, data: try data.data(for: trial.spec.data), folder: folder)
            runner.progress = progress
            do {
                let record = try runner.run()
                if record.status.hasPrefix("interrupted") { outcome.interrupted = true; break }
                if record.status == "completed" { outcome.completed += 1 } else { outcome.failures += 1 }
            } catch {
                outcome.failures += 1
                progress.trialFailed(label, message: "\(error)")
            }
        }
        return outcome
    }

    /// The record of a finished trial in `folder` whose hash matches, or nil.
    /// Completed and diverged trials are final (deterministic); interrupted ones are resumed.
    public static func cachedRecord(folder: String, hash: String) -> TrialRecord? {
        let hashPath = (folder as NSString).appendingPathComponent("trial.hash")
        let metricsPath = (folder as NSString).appendingPathComponent("metrics.json")
        guard let stored = try? String(contentsOfFile: hashPath, encoding: .utf8),
              stored.trimmingCharacters(in: .whitespacesAndNewlines) == hash,
              let json = FileManager.default.contents(atPath: metricsPath),
              let record = try? JSONDecoder().decode(TrialRecord.self, from: json),
              record.status == "completed" || record.status.hasPrefix("diverged")
        else { return nil }
        return record
    }
}
