import Foundation
import Spec

/// Synchronous successive halving as a pure function of the trials' histories: which rung a
/// search is at, which points go on, and where each of the others was pruned. `runner run`
/// uses it to choose what to train next and `runner report` to write `search.csv`, so the
/// decisions are the same whoever makes them and however often a search was killed.
public enum SuccessiveHalving {
    /// What one trial's folder holds: its history so far and whether the trial is over
    /// (completed, stopped early or diverged) rather than paused at a rung.
    public struct Progress: Sendable {
        public var history: [EpochRecord]
        public var final: Bool
        public var completed: Bool
        /// The record's `selected_on` (`val_acc`, `val_loss`, `test_acc`, `last`).
        public var selectedOn: String

        public init(history: [EpochRecord], final: Bool, completed: Bool, selectedOn: String) {
            self.history = history
            self.final = final
            self.completed = completed
            self.selectedOn = selectedOn
        }
    }

    public struct State: Sendable, Equatable {
        public var budgets: [Int]
        /// The rung being trained (0-based); `budgets.count` when every rung is decided and trained.
        public var rung: Int
        /// Per point (in point order): the rung it was pruned at, nil while it goes on.
        public var prunedAt: [Int?]
        /// Per rung that was decided, per point: the objective over seeds at that rung's epochs
        /// (nil for points not in that rung or without a finite value).
        public var scores: [[Double?]]

        public init(budgets: [Int], rung: Int, prunedAt: [Int?], scores: [[Double?]]) {
            self.budgets = budgets
            self.rung = rung
            self.prunedAt = prunedAt
            self.scores = scores
        }

        public var finished: Bool { rung >= budgets.count }
        /// Epochs point `p` trains to now: the current rung's, or nil when it was pruned.
        public func target(point p: Int) -> Int? {
            if prunedAt[p] != nil { return nil }
            return budgets[min(rung, budgets.count - 1)]
        }
        /// The highest rung point `p` reached (0-based).
        public func reached(point p: Int) -> Int { prunedAt[p] ?? min(rung, budgets.count - 1) }
        /// `pruned at rung 1 (epoch 2)` (rungs counted from 1 for people).
        public func status(point p: Int) -> String? {
            prunedAt[p].map { "pruned at rung \($0 + 1) (epoch \(budgets[$0]))" }
        }
    }

    /// Decides every rung whose trials all reached its epochs. `points[p][s]`: point p's seed s
    /// (nil: nothing trained yet). A trial is ready for rung k when it has at least e_k epochs or
    /// is over. Ranking at rung k: each trial's objective metric at the epoch `select` picks among
    /// its first e_k epochs (a diverged trial that did not reach e_k has none), combined over
    /// seeds by `over_seeds`; points without a value rank last, ties go to the lower point index.
    /// The best ⌈n/η⌉ (at least 1) go on.
    public static func evaluate(rule: PruneRule, epochs: Int, metric: String, overSeeds: String,
                                points: [[Progress?]]) -> State {
        let budgets = rule.budgets(epochs: epochs)
        var state = State(budgets: budgets, rung: 0, prunedAt: Array(repeating: nil, count: points.count), scores: [])
        var alive = Array(points.indices)
        while state.rung < budgets.count {
            let e = budgets[state.rung]
            let ready = alive.allSatisfy { p in
                points[p].allSatisfy { t in t.map { $0.final || $0.history.count >= e } ?? false }
            }
            guard ready else { return state }
            if state.rung == budgets.count - 1 {
                state.rung += 1
                return state
            }
            var scores = [Double?](repeating: nil, count: points.count)
            for p in alive {
                let values = points[p].compactMap { $0.flatMap { value($0, epochs: e, metric: metric) } }
                scores[p] = combine(values, overSeeds: overSeeds, minimized: metric == "val_loss")
            }
            state.scores.append(scores)
            let ranked = alive.sorted { a, b in
                switch (scores[a], scores[b]) {
                case let (x?, y?) where x != y: return metric == "val_loss" ? x < y : x > y
                case (_?, nil): return true
                case (nil, _?): return false
                default: return a < b
                }
            }
            let keep = PruneRule.kept(alive.count, rule.reductionFactor)
            for p in ranked.dropFirst(keep) { state.prunedAt[p] = state.rung }
            alive = ranked.prefix(keep).sorted()
            state.rung += 1
        }
        return state
    }

    /// The objective metric of one trial at the epoch its `select` picks among its first `epochs`
    /// epochs (the first best; `last`: the last), nil when it has none or diverged before `epochs`.
    static func value(_ t: Progress, epochs: Int, metric: String) -> Double? {
        if t.final && !t.completed && t.history.count < epochs { return nil }
        let prefix = t.history.prefix(epochs)
        var best: EpochRecord?
        var bestScore = -Double.infinity
        for r in prefix {
            let score: Double
            switch t.selectedOn {
            case "val_loss": score = -r.valLoss
            case "test_acc": score = r.testAcc
            case "last": score = Double(r.epoch)
            default: score = r.valAcc
            }
            if best == nil || score > bestScore {
                best = r
                bestScore = score
            }
        }
        guard let best else { return nil }
        let v: Double
        switch metric {
        case "val_loss": v = best.valLoss
        case "test_acc": v = best.testAcc
        default: v = best.valAcc
        }
        return v.isFinite ? v : nil
    }

    /// Mean, median or the pessimistic end of the 95 % CI of `values` (nil when empty).
    static func combine(_ values: [Double], overSeeds: String, minimized: Bool) -> Double? {
        guard !values.isEmpty else { return nil }
        let mean = Stats.mean(values)
        switch overSeeds {
        case "median": return SearchOutcome.median(values)
        case "lower_ci": return mean + (minimized ? 1 : -1) * (Stats.confidenceHalfWidth(values) ?? 0)
        default: return mean
        }
    }
}
