import Data
import Engine
import Foundation
import Reports
import Spec

/// What a run would do, before it does it (`runner plan`, and the line `runner run` prints first):
/// every trial with its epochs, size and cost, whether its folder already holds it, and an
/// estimated time from a short calibration of each distinct architecture.
public struct TrialPlan: Sendable {
    public struct Entry: Sendable {
        public var trial: Trial
        public var epochs: Int
        public var parameters: Int
        /// Forward FLOPs per image.
        public var flops: Int
        /// Training FLOPs of the whole trial: ≈ 3 × forward per training image, 1 × per evaluated image, per epoch.
        public var totalFlops: Double
        public var cached: Bool
        /// Pruned by its search's successive halving (counted as cached: nothing left to train).
        public var pruned = false
        /// Estimated training seconds (nil when not calibrated; 0 when cached).
        public var seconds: Double?
    }

    public var entries: [Entry]
    public var jobs: Int
    /// Distinct architectures timed, and the batches timed for each.
    public var calibrated = 0
    public var calibrationBatches = 0

    /// Estimated wall-clock seconds with `jobs` trials at a time (trials in list order, each taken
    /// by the first free job; nil when some uncached trial has no estimate).
    public var wallSeconds: Double? {
        var lanes = [Double](repeating: 0, count: max(jobs, 1))
        for entry in entries where !entry.cached {
            guard let seconds = entry.seconds else { return nil }
            let i = lanes.indices.min { lanes[$0] < lanes[$1] }!
            lanes[i] += seconds
        }
        return lanes.max() ?? 0
    }

    /// A search with `search.prune`: its rungs, points per rung, and epochs with and without pruning.
    public struct PrunedSearch: Sendable {
        public var name: String
        public var rule: PruneRule
        public var epochs: Int
        public var points: Int
        public var seeds: Int
        /// Whether none of its trials is trained yet (the epochs after pruning count from zero).
        public var fresh: Bool
        public var worstCaseEpochs: Int { points * seeds * epochs }
        public var prunedEpochs: Int { seeds * rule.epochsWithPruning(points: points, epochs: epochs) }

        /// `search "Tiny": successive halving: rungs at epochs 1, 2, 4 (η = 2); points per rung 4 → 2 → 1;
        /// 32 epochs without pruning, 16 with it (2 seeds per point)`
        public var line: String {
            let counts = rule.survivors(points: points, rungs: rule.budgets(epochs: epochs).count)
            return "search \"\(name)\": \(rule.describe(epochs: epochs)); points per rung "
                + counts.map(String.init).joined(separator: " → ") + "; \(grouped(worstCaseEpochs)) epochs without pruning, "
                + "\(grouped(prunedEpochs)) with it (\(seeds) seed\(seeds == 1 ? "" : "s") per point)"
        }
    }

    /// The searches among the entries that successive halving prunes, in the order they appear.
    public var prunedSearches: [PrunedSearch] {
        var out: [PrunedSearch] = []
        var index: [String: Int] = [:]
        var points: [[Int: Int]] = []
        for e in entries {
            guard let m = e.trial.search, let rule = m.prune else { continue }
            let key = e.trial.configFile + "\u{0}" + m.search
            if index[key] == nil {
                index[key] = out.count
                out.append(PrunedSearch(name: m.search, rule: rule, epochs: e.epochs, points: 0, seeds: 0, fresh: true))
                points.append([:])
            }
            let i = index[key]!
            points[i][m.point, default: 0] += 1
            out[i].points = points[i].count
            out[i].seeds = points[i].values.max() ?? 0
            if e.cached { out[i].fresh = false }
        }
        return out
    }

    /// `plan: 1 file, 4 variants, 12 trials (12 already trained), 0 epochs to train, estimated 0 s with 2 jobs`
    /// (with pruned searches: `… 32 epochs to train at most, 16 after successive halving, …`).
    public func summary(files: Int) -> String {
        let variants = Set(entries.map { $0.trial.configFile + "\u{0}" + $0.trial.variant }).count
        let cached = entries.filter(\.cached).count
        let pruned = entries.filter(\.pruned).count
        let epochs = entries.filter { !$0.cached }.reduce(0) { $0 + $1.epochs }
        let saved = prunedSearches.filter(\.fresh).reduce(0) { $0 + $1.worstCaseEpochs - $1.prunedEpochs }
        let estimate = wallSeconds.map { seconds -> String in
            // With pruning the timed schedule is the worst case; the expected time scales it by the
            // epochs the rungs leave (an approximation: the jobs' lanes are not rescheduled).
            let after = prunedSearches.isEmpty || epochs == 0 ? ""
                : " at most (about \(Self.duration(seconds * Double(epochs - saved) / Double(epochs))) after successive halving)"
            return "estimated \(Self.duration(seconds))\(after) with \(jobs) job\(jobs == 1 ? "" : "s")"
        } ?? "not timed"
        return "plan: \(files) file\(files == 1 ? "" : "s"), \(variants) variant\(variants == 1 ? "" : "s"), "
            + "\(entries.count) trial\(entries.count == 1 ? "" : "s") (\(cached - pruned) already trained\(pruned > 0 ? ", \(pruned) pruned" : "")), "
            + "\(Self.grouped(epochs)) epoch\(epochs == 1 ? "" : "s") to train\(pruningNote(epochs, saved: saved)), \(estimate)"
    }

    /// ` at most, 16 after successive halving` when a search is pruned (its untrained trials count
    /// fully before and by the rungs' arithmetic after), else empty.
    /// `saved`: the epochs the rungs leave out of `epochs`.
    private func pruningNote(_ epochs: Int, saved: Int) -> String {
        guard !prunedSearches.isEmpty else { return "" }
        return " at most, \(Self.grouped(epochs - saved)) after successive halving"
    }

    /// `12,500`
    public static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `0 s`, `42 s`, `3 min 05 s`, `2 h 07 min`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60)
    }

    /// Plans `trials` (with their network plans) against the folders under `results`.
    /// `calibrationBatches` > 0 times that many training and evaluation batches of one trial per
    /// distinct architecture (model, data geometry, batch size, optimizer, threads) among the
    /// trials that are not cached (each timing stopping after `calibrationBudget` seconds); 0 leaves
    /// the estimates out. A requested interruption ends the calibration (estimates then missing), and
    /// architectures whose training step exceeds `maxStepFlops` (≈ 3 × forward × batch) are not timed.
    /// `force`: count nothing as cached (`runner run --force`).
    public static func make(trials: [Trial], plans: [NetworkPlan], results: String, force: Bool = false, jobs: Int,
                            calibrationBatches: Int, calibrationBudget: Double = .infinity, maxStepFlops: Double = .infinity,
                            data: DataCache = DataCache()) throws -> TrialPlan {
        var fingerprints: [String: String] = [:]
        var entries: [Entry] = []
        for (trial, plan) in zip(trials, plans) {
            let key = DatasetSources.key(for: trial.spec.data)
            if fingerprints[key] == nil { fingerprints[key] = try DatasetSources.source(for: trial.spec.data).fingerprint() }
            let hash = try TrialRunner.hash(trial: trial, fingerprint: fingerprints[key]!)
            let folder = (results as NSString).appendingPathComponent(trial.slug)
            var cached = false, pruned = false
            if !force {
                switch TrialFolder.verify(folder: folder, trial: trial, trialHash: hash) {
                case .finished: cached = true
                case let .rung(record, _) where record.isPruned && trial.search?.prune != nil: (cached, pruned) = (true, true)
                case .rung, .absent, .damaged: break
                }
            }
            let trainImages = trial.spec.data.trainLimit.map { min($0, trial.dataset.trainingCount(trial.spec.data)) }
                ?? trial.dataset.trainingCount(trial.spec.data)
            let evalImages = (trial.dataset.validationCount ?? trial.spec.data.validation)
                + (trial.spec.data.testLimit.map { min($0, trial.dataset.testCount) } ?? trial.dataset.testCount)
            let perEpoch = Double(plan.flops) * (3 * Double(trainImages) + Double(evalImages))
            entries.append(Entry(trial: trial, epochs: trial.spec.train.epochs, parameters: plan.parameterCount, flops: plan.flops,
                                 totalFlops: perEpoch * Double(trial.spec.train.epochs), cached: cached, pruned: pruned,
                                 seconds: cached ? 0 : nil))
        }
        var result = TrialPlan(entries: entries, jobs: jobs)
        guard calibrationBatches > 0 else { return result }
        var epochSeconds: [String: Double] = [:]
        for (i, entry) in entries.enumerated() where !entry.cached {
            if Cancellation.isRequested { break }
            // Too heavy to time quickly (`runner run` times only steps below `maxStepFlops`).
            if 3 * Double(plans[i].flops) * Double(entry.trial.spec.train.batchSize) > maxStepFlops { continue }
            let key = architectureKey(entry.trial)
            if epochSeconds[key] == nil {
                let runner = try TrialRunner(trial: entry.trial, plan: plans[i], data: try data.data(for: entry.trial.spec.data),
                                             folder: NSTemporaryDirectory())
                epochSeconds[key] = runner.calibrateEpochSeconds(batches: calibrationBatches, budget: calibrationBudget).seconds
                result.calibrated += 1
            }
            result.entries[i].seconds = epochSeconds[key]! * Double(entry.epochs)
        }
        result.calibrationBatches = calibrationBatches
        return result
    }

    /// What an epoch's time depends on: the network, the data geometry and limits, the batch
    /// size, the optimizer and the threads (not the learning rate, seed or name).
    static func architectureKey(_ trial: Trial) -> String {
        guard case let .mapping(pairs) = Canonical.node(trial.spec).value else { return trial.hash }
        let parts = pairs.filter { ["data", "model"].contains(Canonical.inline($0.key)) }.map { Canonical.inline($0.value) }
        let t = trial.spec.train
        return parts.joined(separator: "|") + "|\(t.batchSize)|\(t.optimizer.kind.rawValue)|\(t.threads)"
    }
}
