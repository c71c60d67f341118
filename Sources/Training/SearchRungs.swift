import Foundation
import Reports
import Spec

/// Where each search with `search.prune` stands in a results folder, read from its trial folders
/// (`SuccessiveHalving` decides; nothing else is stored), and what each trial trains to now.
public struct SearchRungs: Sendable {
    /// What a trial of the run does in this pass.
    public enum Task: Sendable, Equatable {
        /// Train it fully (not in a pruned search, or its point reached the last rung).
        case full
        /// Train it to a rung's epochs and pause (`note`: `rung 1 of 3`).
        case rung(epochs: Int, note: String)
        /// Its point was pruned (`pruned at rung 1 (epoch 2)`) after `epochs` epochs.
        case pruned(String, epochs: Int, note: String)
    }

    public struct Search: Sendable {
        public var name: String
        public var rule: PruneRule
        public var epochs: Int
        /// Trial indices per point, in point order (one per seed).
        public var points: [[Int]]
        public var state: SuccessiveHalving.State

        /// `rung 2 of 3 (epoch 6): 8 of 24 points`
        public var position: String {
            if state.finished { return "every rung done" }
            let alive = state.prunedAt.filter { $0 == nil }.count
            return "rung \(state.rung + 1) of \(state.budgets.count) (epoch \(state.budgets[state.rung])): "
                + "\(alive) of \(points.count) points"
        }
    }

    public var searches: [Search]
    /// Per trial of the run.
    public var tasks: [Task]
    /// Trials whose progress was read from their checkpoint, their folder holding no verified
    /// records (killed between the epoch's checkpoint and its records, or being written by another
    /// process right now).
    public var fromCheckpoint: Set<Int> = []

    /// Pruned trials among `indices` whose folder needs its records written from the checkpoint
    /// (a resume that trains nothing) before it can be marked pruned.
    public func unsettledPruned(_ indices: [Int]) -> [Int] {
        indices.filter { i in
            if case .pruned = tasks[i] { return fromCheckpoint.contains(i) }
            return false
        }
    }

    /// Reads the folders of `trials` under `results` (`fresh`: as if they were empty, for
    /// `--force`). `fingerprint` gives the dataset checksum that trial hashes include.
    public static func read(trials: [Trial], results: String, fresh: Bool = false,
                            fingerprint: (DataSpec) throws -> String) throws -> SearchRungs {
        var groups: [String: Int] = [:]
        var searches: [Search] = []
        var tasks = [Task](repeating: .full, count: trials.count)
        var progress = [SuccessiveHalving.Progress?](repeating: nil, count: trials.count)
        var fromCheckpoint: Set<Int> = []
        for (i, trial) in trials.enumerated() {
            guard let m = trial.search, let rule = m.prune else { continue }
            let key = trial.configFile + "\u{0}" + m.search
            if groups[key] == nil {
                groups[key] = searches.count
                searches.append(Search(name: m.search, rule: rule, epochs: trial.spec.train.epochs, points: [],
                                       state: .init(budgets: [], rung: 0, prunedAt: [], scores: [])))
            }
            let g = groups[key]!
            // Points in sampling order (1-based `point`); the loader lists their seeds together.
            while searches[g].points.count < m.point { searches[g].points.append([]) }
            searches[g].points[m.point - 1].append(i)
            if fresh { continue }
            let folder = (results as NSString).appendingPathComponent(trial.slug)
            let hash = try TrialRunner.hash(trial: trial, fingerprint: try fingerprint(trial.spec.data))
            switch TrialFolder.verify(folder: folder, trial: trial, trialHash: hash) {
            case let .finished(record, history, _, _):
                progress[i] = .init(history: history, final: true, completed: record.isCompleted, selectedOn: record.selectedOn)
            case let .rung(record, history):
                progress[i] = .init(history: history, final: false, completed: false, selectedOn: record.selectedOn)
            case .absent, .damaged:
                // Being trained on, or re-marked, by another process (its manifest is away until it
                // is done): the checkpoint, written after every epoch, holds the history so far.
                if let history = TrainingCheckpoint.history(at: (folder as NSString).appendingPathComponent("checkpoint.safetensors"),
                                                            trialHash: hash) {
                    progress[i] = .init(history: history, final: false, completed: false,
                                        selectedOn: trial.spec.train.select.rawValue)
                    fromCheckpoint.insert(i)
                }
            }
        }
        for g in searches.indices {
            let s = searches[g]
            let state = SuccessiveHalving.evaluate(rule: s.rule, epochs: s.epochs, metric: trials[s.points[0][0]].search!.objective.metric.rawValue,
                                                   overSeeds: trials[s.points[0][0]].search!.objective.overSeeds.rawValue,
                                                   points: s.points.map { $0.map { progress[$0] } })
            searches[g].state = state
            for (p, indices) in s.points.enumerated() {
                let task: Task
                if let status = state.status(point: p), let rung = state.prunedAt[p] {
                    task = .pruned(status, epochs: state.budgets[rung], note: "rung \(rung + 1) of \(state.budgets.count)")
                } else if state.rung >= state.budgets.count - 1 {
                    task = .full
                } else {
                    task = .rung(epochs: state.budgets[state.rung], note: "rung \(state.rung + 1) of \(state.budgets.count)")
                }
                for i in indices { tasks[i] = task }
            }
        }
        return SearchRungs(searches: searches, tasks: tasks, fromCheckpoint: fromCheckpoint)
    }

    /// Whether any search is pruned at all (otherwise a run is one ordinary sweep).
    public var isEmpty: Bool { searches.isEmpty }

    /// The rung of each search (what a pass changes when it makes progress).
    public var rungs: [Int] { searches.map(\.state.rung) }

    /// Writes `pruned at rung K (epoch E)` into the records of the pruned trials among `indices`
    /// that still say paused (under each folder's lock; a folder another runner holds is left for
    /// it). Returns the trials marked.
    @discardableResult
    public func markPruned(_ indices: [Int], trials: [Trial], results: String, progress: ProgressReporter,
                           fingerprint: (DataSpec) throws -> String) throws -> Int {
        var marked = 0
        for i in indices {
            guard case let .pruned(status, _, _) = tasks[i] else { continue }
            let trial = trials[i]
            let folder = (results as NSString).appendingPathComponent(trial.slug)
            let hash = try TrialRunner.hash(trial: trial, fingerprint: try fingerprint(trial.spec.data))
            guard case let .rung(record, _) = TrialFolder.verify(folder: folder, trial: trial, trialHash: hash),
                  record.status != status else { continue }
            guard let lock = try? TrialLock.acquire(folder: folder) else { continue }
            defer { lock.release() }
            // Read again under the lock: the folder is what this process rewrites.
            guard case let .rung(current, history) = TrialFolder.verify(folder: folder, trial: trial, trialHash: hash),
                  current.status != status else { continue }
            try TrialFolder.markStopped(folder: folder, trial: trial, trialHash: hash, record: current, history: history,
                                        status: status)
            progress.trialNotice(TrialLabel(trial), message: "\(status): \(history.count) of \(trial.spec.train.epochs) epochs, "
                                 + "checkpoint kept in \(folder)")
            marked += 1
        }
        return marked
    }
}
