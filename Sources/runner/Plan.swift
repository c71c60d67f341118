import ArgumentParser
import Foundation
import Spec
import Training

/// `runner plan FILES... [KEY=VALUE...]`: every trial a run would train (grid, search and seeds
/// expanded) with its epochs, size, FLOPs, cache state and estimated time; trains nothing.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every trial a run would train — epochs, parameters, FLOPs, cached or not, estimated time — and exit.",
        discussion: """
            The estimate times a few training steps and evaluation batches of each distinct architecture \
            (model, data geometry, batch size, optimizer, threads) among the trials that are not cached, \
            scales them to full epochs, and schedules the trials on --jobs lanes as `runner run` would. \
            Build with -c release for release-speed figures.
            """)

    @Argument(help: "Experiment YAML files (globs allowed) and KEY=VALUE overrides.")
    var inputs: [String] = []

    @Option(help: "Results folder whose trial folders count as cached.")
    var results = "results"

    @Option(help: "Replace the files' seeds with 0..<N.")
    var seeds: Int?

    @Option(help: "Refuse to expand to more than N trials (checked before any is built).")
    var maxTrials = ExperimentLoader.defaultMaxTrials

    @Option(help: "Trials at the same time, as for runner run (default: cores ÷ the largest train.threads).")
    var jobs: Int?

    @Option(help: "Training steps and evaluation batches timed per architecture (0: no estimate).")
    var calibrate = 10

    func run() throws {
        let trials = try loadTrials(inputs, seeds: seeds, maxTrials: maxTrials)
        try checkDistinctFolders(trials)
        let plans = try planTrials(trials)
        if let jobs, jobs < 1 {
            report(SpecErrors([SpecError("expected a positive number of jobs, found \(jobs)", path: "--jobs")]))
            throw ExitCode(2)
        }
        if calibrate < 0 {
            report(SpecErrors([SpecError("expected a non-negative number of batches, found \(calibrate)", path: "--calibrate")]))
            throw ExitCode(2)
        }
        let plan: TrialPlan
        do {
            plan = try TrialPlan.make(trials: trials, plans: plans, results: results,
                                      jobs: jobs ?? Sweep.automaticJobs(for: trials), calibrationBatches: calibrate)
        } catch {
            report(error)
            throw ExitCode(2)
        }
        print(Self.table(plan))
        for search in plan.prunedSearches { print(search.line) }
        print(plan.summary(files: Set(trials.map(\.configFile)).count)
              + (plan.calibrated > 0 ? " (\(plan.calibrationBatches) steps timed per architecture, \(plan.calibrated) timed)" : ""))
    }

    /// One row per trial: folder, seed, epochs, parameters, MFLOPs per image, total TFLOPs, cached, estimate.
    static func table(_ plan: TrialPlan) -> String {
        var rows = [["trial", "seed", "epochs", "params", "MFLOP/img", "TFLOP", "cached", "estimate"]]
        for e in plan.entries {
            rows.append([e.trial.slug, "\(e.trial.spec.train.seed)", "\(e.epochs)", TrialPlan.grouped(e.parameters),
                         String(format: "%.3f", Double(e.flops) / 1e6), String(format: "%.2f", e.totalFlops / 1e12),
                         e.pruned ? "pruned" : e.cached ? "yes" : "no", e.cached ? "—" : e.seconds.map(TrialPlan.duration) ?? "—"])
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
