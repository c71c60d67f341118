import ArgumentParser
import Spec

/// `runner resolve FILE [KEY=VALUE...]`: prints each trial's canonical YAML after a
/// `# <trial> (sha256 <hash>)` comment line.
struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the fully resolved (canonical) config of every trial of a file.")

    @Argument(help: "One experiment YAML file and KEY=VALUE overrides.")
    var inputs: [String]

    @Option(help: "Replace the file's seeds with 0..<N.")
    var seeds: Int?

    @Option(help: "Refuse to expand to more than N trials (checked before any is built).")
    var maxTrials = ExperimentLoader.defaultMaxTrials

    func run() throws {
        guard inputs.filter({ !$0.contains("=") }).count == 1 else {
            throw ValidationError("expected exactly one experiment file")
        }
        let trials = try loadTrials(inputs, seeds: seeds, maxTrials: maxTrials)
        for (i, trial) in trials.enumerated() {
            if i > 0 { print() }
            print("# \(trial.variant), seed \(trial.spec.train.seed) (sha256 \(trial.hash))")
            print(trial.canonicalYAML, terminator: "")
        }
    }
}
