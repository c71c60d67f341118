import ArgumentParser

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
              runner experiments/lenet5-dropout.yaml train.epochs=5 --results /tmp/r
              runner eval results/dropout-seed0/config.yaml \\
                --weights results/dropout-seed0/model.safetensors
              runner bench experiments/lenet5-none.yaml --epochs 2
            """,
        subcommands: [Run.self, Validate.self, Resolve.self, Diff.self, List.self, Eval.self, Bench.self, Report.self],
        defaultSubcommand: Run.self)
}
