import ArgumentParser
import Reports

/// `runner report RESULTS_DIR`: rebuilds the folder-level reports from the trial folders.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild results.csv, aggregate.csv, summary.md and all plots from the trial folders in a results folder.",
        discussion: "Use it after merging the trial folders of sharded runs (Slurm, Kubernetes) into one folder.")

    @Argument(help: "Results folder holding trial folders.")
    var resultsDir = "results"

    func run() throws {
        do {
            try ReportBuilder.rebuild(resultsDir: resultsDir)
        } catch {
            report(error)
            throw ExitCode(2)
        }
        print("runner: rebuilt reports in \(resultsDir)")
    }
}
