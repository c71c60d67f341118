import ArgumentParser
import Reports
import Spec

/// `runner report RESULTS_DIR`: rebuilds the folder-level reports from the trial folders.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild results.csv, aggregate.csv, summary.md and all plots from the trial folders in a results folder.",
        discussion: "Use it after merging the trial folders of sharded runs (Slurm, Kubernetes) into one folder. Exit status: 0 rebuilt, 1 rebuilt without the unreadable trial folders it names (or with trials of expected-trials.json missing: a sharded run's failed shard), 2 no trials or the folder cannot be listed (nothing written).")

    @Argument(help: "Results folder holding trial folders.")
    var resultsDir = "results"

    @Option(help: "Print the comparison table as csv, md, latex or json instead of rebuilding the files (nothing is written).")
    var format: ComparisonTable.Format?

    @Option(help: ArgumentHelp("With --format: compare every variant with this one instead of the experiments' baseline (e.g. each step of a study with the step before it).", valueName: "VARIANT"))
    var baseline: String?

    /// Exit status: 0 rebuilt; 1 rebuilt without the trial folders named on stderr (unreadable);
    /// 2 the folder cannot be listed or holds no trials (nothing written).
    func run() throws {
        if let format { return try printTable(format) }
        if baseline != nil {
            report(ReportError("--baseline: only with --format (the rebuilt files keep the experiments' own baseline)"))
            throw ExitCode(2)
        }
        let rebuilt: ReportBuilder.Rebuilt
        do {
            rebuilt = try ReportBuilder.rebuild(resultsDir: resultsDir)
        } catch {
            report(error)
            throw ExitCode(2)
        }
        for problem in rebuilt.damaged { report(problem) }
        for trial in rebuilt.missing {
            report(ReportError("\(resultsDir)/\(trial.slug): missing — \(trial.name) is in \(ExpectedTrials.fileName) but has no finished results folder (its shard failed or did not run)"))
        }
        let left = rebuilt.damaged.isEmpty ? "" : " without \(rebuilt.damaged.count) unreadable trial folder\(rebuilt.damaged.count == 1 ? "" : "s")"
        let absent = rebuilt.missing.isEmpty ? "" : "; \(rebuilt.missing.count) expected trial\(rebuilt.missing.count == 1 ? " is" : "s are") missing"
        print("runner: rebuilt reports in \(resultsDir)\(left)\(absent)")
        if !rebuilt.damaged.isEmpty || !rebuilt.missing.isEmpty { throw ExitCode(1) }
    }

    /// `--format`: the table of the readable trials on standard output; exit 1 when some trial
    /// folders could not be read (named on stderr), 2 when there is no trial.
    private func printTable(_ format: ComparisonTable.Format) throws {
        let scan: ReportBuilder.Scan
        do { scan = try ReportBuilder.scan(resultsDir: resultsDir) } catch {
            report(error)
            throw ExitCode(2)
        }
        for problem in scan.damaged { report(problem) }
        guard !scan.trials.isEmpty else {
            if scan.damaged.isEmpty { report(ReportError("\(resultsDir): holds no trial folders (no */metrics.json)")) }
            throw ExitCode(2)
        }
        var records = scan.trials.map(\.record)
        if let baseline {
            let variants = Array(Set(records.map(\.variant))).sorted()
            guard variants.contains(baseline) else {
                let hint = Suggestion.closest(to: baseline, in: variants).map { ", did you mean \"\($0)\"?" }
                    ?? " (variants: \(variants.map { "\"\($0)\"" }.joined(separator: ", ")))"
                report(ReportError("--baseline: no variant \"\(baseline)\" in \(resultsDir)" + hint))
                throw ExitCode(2)
            }
            for i in records.indices { records[i].baseline = baseline }
        }
        print(ComparisonTable(records: records).render(format), terminator: "")
        if !scan.damaged.isEmpty { throw ExitCode(1) }
    }
}

extension ComparisonTable.Format: ExpressibleByArgument {}
