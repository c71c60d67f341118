import ArgumentParser
import Data
import Foundation
import Reports
import Spec
import Training

/// `runner run FILES... [KEY=VALUE...]`: trains every trial and writes the results folder.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train every trial of the given experiment files and write the results folder (the default command).",
        discussion: """
            Each file expands into trials (sweep grid × seeds). A trial whose folder holds a completed run \
            of the same resolved config, dataset files and engine version is skipped as cached. An \
            interrupted trial resumes from its last completed epoch.

            Exit status: 0 all trials completed, 1 a trial diverged or failed, 2 bad input, 130 interrupted.
            """)

    @Argument(help: "Experiment YAML files (globs allowed) and key.path=value overrides.")
    var inputs: [String] = []

    @Option(help: "Results folder.")
    var results = "results"

    @Option(help: "Run each trial once per seed 0..<N (replaces the files' seeds).")
    var seeds: Int?

    @Option(help: "Refuse to expand to more than N trials (checked before any is built).")
    var maxTrials = ExperimentLoader.defaultMaxTrials

    @Flag(help: "Rerun trials even when a cached result exists.")
    var force = false

    @Flag(help: "Report a finished trial whose records or weights fail verification and leave it as it is, instead of retraining it.")
    var keepDamaged = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    @Option(help: "Progress format: plain or json.")
    var logFormat: LogFormat = .plain

    @Option(help: "Run only shard INDEX/COUNT of the trials (0-based). Also read from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.")
    var shard: String?

    @Option(help: "Number of shards when the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) or overrides SLURM_ARRAY_TASK_COUNT.")
    var shardCount: Int?

    @Option(help: "Trials to train at the same time (default: cores ÷ the largest train.threads, at least 1).")
    var jobs: Int?

    @Flag(help: "Write a TensorBoard events file into every trial folder (as train.tensorboard: true does): tensorboard --logdir RESULTS.")
    var tensorboard = false

    enum LogFormat: String, ExpressibleByArgument { case plain, json }

    func run() throws {
        let shard: Shard
        do { shard = try selectShard() } catch {
            report(error)
            throw ExitCode(2)
        }
        let all = try loadTrials(inputs, seeds: seeds, maxTrials: maxTrials)
        try checkDistinctFolders(all)
        let trials = shard.select(all)
        let plans = try planTrials(trials)
        if shard != .all {
            // Every shard lists the whole run, so a report over the merged folder names what a failed shard left out.
            do {
                try ExpectedTrials(trials: all.map { .init(slug: $0.slug, name: "\($0.spec.name) (seed \($0.spec.train.seed))") })
                    .write(resultsDir: results)
            } catch {
                report(error)
                throw ExitCode(2)
            }
        }
        let mode: ProgressReporter.Mode = logFormat == .json ? .json : quiet ? .quiet : (isatty(1) != 0 ? .live : .plain)
        let progress = ProgressReporter(mode: mode)
        Interrupt.install()
        if let jobs, jobs < 1 {
            report(SpecErrors([SpecError("expected a positive number of jobs, found \(jobs)", path: "--jobs")]))
            throw ExitCode(2)
        }
        let jobCount = jobs ?? Sweep.automaticJobs(for: trials)
        let data = DataCache()
        if mode == .plain || mode == .live {
            // The plan's line; an unreadable dataset is left for the sweep to report.
            if let plan = try? TrialPlan.make(trials: trials, plans: plans, results: results, force: force, jobs: jobCount,
                                               calibrationBatches: 10, calibrationBudget: 1, maxStepFlops: 2e10, data: data) {
                FileHandle.standardOutput.write(Data((plan.summary(files: Set(trials.map(\.configFile)).count) + "\n").utf8))
            }
        }
        let outcome: Sweep.Outcome
        do {
            outcome = try runRungs(all: all, shard: shard, plans: Dictionary(zip(trials.map(\.slug), plans), uniquingKeysWith: { a, _ in a }),
                                   jobs: jobs, progress: progress, data: data)
        } catch {
            report(error)
            throw ExitCode(2)
        }
        do {
            _ = try TensorBoardOutput.write(trials, results: results, always: tensorboard)
        } catch {
            report(error)
            throw ExitCode(1)
        }
        var unreadable = 0
        do {
            try SearchDescription.write(SearchDescription.describe(all), results: results)
            let rebuilt = try ReportBuilder.rebuild(resultsDir: results)
            for problem in rebuilt.damaged { report(problem) }
            unreadable = rebuilt.damaged.count
        } catch {
            report(error)
            throw ExitCode(1)
        }
        if outcome.interrupted {
            let signal = Interrupt.signalName.map { " by \($0)" } ?? ""
            let stopped = outcome.stoppedTrials.isEmpty ? "" : ": " + outcome.stoppedTrials.joined(separator: ", ")
            FileHandle.standardError.write(Data("runner: interrupted\(signal)\(stopped); rerun the same command to resume\n".utf8))
            throw ExitCode(130)
        }
        if outcome.failures > 0 || unreadable > 0 { throw ExitCode(1) }
    }

    /// Trains this shard's trials. Without `search.prune` that is one sweep. With it, each pass
    /// reads where every pruned search stands from the trial folders (`SearchRungs`), marks the
    /// points the last rung pruned, and trains the current rung's points to its epochs; passes go
    /// on until every rung is done — or, in a shard, after one pass: the other shards' share of
    /// the rung is not this process's to wait for, and the next invocation decides.
    private func runRungs(all: [Trial], shard: Shard, plans: [String: NetworkPlan], jobs: Int?, progress: ProgressReporter,
                          data: DataCache) throws -> Sweep.Outcome {
        var fingerprints: [String: String] = [:]
        let fingerprint: (DataSpec) throws -> String = { spec in
            let key = DatasetSources.key(for: spec)
            if let known = fingerprints[key] { return known }
            let value = try DatasetSources.source(for: spec).fingerprint()
            fingerprints[key] = value
            return value
        }
        let mine = Set(shard.select(all).map(\.slug))
        var total = Sweep.Outcome()
        var pass = 0
        while true {
            let rungs = try SearchRungs.read(trials: all, results: results, fresh: force && pass == 0, fingerprint: fingerprint)
            if !rungs.isEmpty {
                try rungs.markPruned(all.indices.filter { mine.contains(all[$0].slug) }, trials: all, results: results,
                                     progress: progress, fingerprint: fingerprint)
                for s in rungs.searches {
                    progress.searchNotice(s.name, message: "\(s.rule.describe(epochs: s.epochs)); \(s.position)")
                }
            }
            let myIndices = all.indices.filter { mine.contains(all[$0].slug) }
            // A pruned trial killed between its last checkpoint and its records resumes to write them.
            let unsettled = Set(rungs.unsettledPruned(myIndices))
            let selected = myIndices.filter { i in
                if case .pruned = rungs.tasks[i] { return unsettled.contains(i) }
                // Trials outside pruned searches were trained (or failed) in the first pass.
                return pass == 0 || all[i].search?.prune != nil
            }
            let trials = selected.map { all[$0] }
            let budgets = selected.map { i -> (epochs: Int, note: String)? in
                switch rungs.tasks[i] {
                case let .rung(epochs, note), let .pruned(_, epochs, note): return (epochs, note)
                case .full: return nil
                }
            }
            let sweep = Sweep(trials: trials, plans: trials.map { plans[$0.slug]! }, results: results, force: force && pass == 0,
                              keepDamaged: keepDamaged, progress: progress, jobs: jobs ?? Sweep.automaticJobs(for: trials),
                              data: data, rungs: budgets)
            let outcome = try sweep.run()
            total.completed += outcome.completed
            total.paused += outcome.paused
            total.cached += outcome.cached
            total.failures += outcome.failures
            total.interrupted = total.interrupted || outcome.interrupted
            total.stoppedTrials += outcome.stoppedTrials
            pass += 1
            if rungs.isEmpty || outcome.interrupted { return total }
            let after = try SearchRungs.read(trials: all, results: results, fingerprint: fingerprint)
            if !unsettled.isEmpty {
                try after.markPruned(Array(unsettled), trials: all, results: results, progress: progress, fingerprint: fingerprint)
            }
            if shard != .all {
                for (before, now) in zip(rungs.searches, after.searches) where !before.state.finished {
                    let next = now.state.rung <= before.state.rung
                        ? "; the rung waits for the other shards, and the next invocation (or runner report) decides it"
                        : now.state.finished ? "; every rung is done"
                        : ", the last share of the rung; the next invocation marks its pruned points and starts rung \(now.state.rung + 1)"
                    progress.searchNotice(before.name, message: "shard \(shard) did its share of \(before.position)\(next)")
                }
                return total
            }
            if after.searches.allSatisfy(\.state.finished) { return total }
            if after.rungs == rungs.rungs {
                // A trial of the rung failed: the rung cannot be decided (the failure is reported above).
                for s in after.searches where !s.state.finished {
                    report(ReportError("search \"\(s.name)\": \(s.position) cannot be decided: a trial of the rung did not reach its epochs"))
                }
                total.failures = max(total.failures, 1)
                return total
            }
        }
    }

    private func selectShard() throws -> Shard {
        if let shard {
            guard let s = Shard(shard) else {
                throw SpecErrors([SpecError("expected INDEX/COUNT with 0 ≤ INDEX < COUNT, found \"\(shard)\"", path: "--shard")])
            }
            return s
        }
        return try Shard.fromEnvironment(ProcessInfo.processInfo.environment, shardCount: shardCount) ?? .all
    }
}
