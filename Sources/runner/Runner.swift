import ArgumentParser
import Foundation

/// `runner`: declarative deep-learning experiments from YAML files.
@main
struct Runner: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runner",
        abstract: "Validate, train and report declarative deep-learning experiments written in YAML.",
        discussion: """
            Examples:
              runner experiments/*.yaml             train every trial into results/
              runner validate experiments/*.yaml    check configs, print summaries
              runner plan experiments/*.yaml        every trial, cached or not, estimated time
              runner experiments/lenet5-dropout.yaml train.epochs=5 --results /tmp/r
              runner eval results/dropout-seed0/config.yaml \\
                --weights results/dropout-seed0/model.safetensors
              runner predict results/dropout-seed0 shirt.png boot.jpg
              runner bench experiments/lenet5-none.yaml --epochs 2
            """,
        subcommands: [Run.self, Plan.self, Validate.self, Resolve.self, Diff.self, List.self, Eval.self, Predict.self, Bench.self, Report.self,
                      ExportModel.self],
        defaultSubcommand: Run.self)

    /// Parses and runs; a command line the parser rejects is bad input like any other: one line
    /// on standard error (`runner: Unknown option '--bogus'. Did you mean '--jobs'?`) and exit 2,
    /// where swift-argument-parser would print its usage block and exit 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let first = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                FileHandle.standardError.write(Data("runner: \(first) (see 'runner help')\n".utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
