import ArgumentParser
import Foundation
import Reports
import Spec
import Training

/// `runner eval CONFIG --weights FILE`: accuracy of saved weights on the trial's splits.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a checkpoint into the model a config describes and print its train, validation and test accuracy.",
        discussion: "For a trial folder, `runner eval results/T/config.yaml --weights results/T/model.safetensors` reproduces the accuracies in results.csv exactly.")

    @Argument(help: "Experiment YAML file (a trial's config.yaml or any experiment file) and key.path=value overrides.")
    var inputs: [String] = []

    @Option(help: "safetensors checkpoint to load.")
    var weights: String

    @Option(help: "Which seed's trial to use when the config expands to several (default: the first).")
    var seed: UInt64?

    func run() throws {
        let trials = try loadTrials(inputs)
        guard let trial = seed.map({ s in trials.first { $0.spec.train.seed == s } }) ?? trials.first else {
            report(SpecError("no trial with seed \(seed!) in \(inputs.joined(separator: " "))", path: "--seed"))
            throw ExitCode(2)
        }
        let plan = try planTrials([trial])[0]
        do {
            let data = try PreparedData.load(trial.spec.data)
            let runner = try TrialRunner(trial: trial, plan: plan, data: data, folder: NSTemporaryDirectory())
            let file = try Safetensors.read(path: weights)
            try ModelWeights.load(file, into: runner.model)
            let r = runner.evaluateAll()
            print("\(trial.spec.name) (seed \(trial.spec.train.seed)) with \(weights)")
            for (split, e) in [("train", r.train), ("validation", r.validation), ("test", r.test)] {
                print("  \(split.padding(toLength: 10, withPad: " ", startingAt: 0))  accuracy \(String(format: "%6.2f", 100 * e.accuracy)) %  loss \(String(format: "%.4f", e.loss))  (\(e.count) images)")
            }
            print("  per class on test:")
            let names = trial.dataset.classes
            let width = min(max(names.map { SafeText.printable($0).count }.max() ?? 0, 5), 40)
            for (k, row) in runner.testConfusion().enumerated() {
                let total = row.reduce(0, +)
                let name = k < names.count ? SafeText.printable(names[k]) : String(k)
                let accuracy = total == 0 ? "     —" : String(format: "%6.2f", 100 * Double(row[k]) / Double(total))
                print("    class \(name.padding(toLength: width, withPad: " ", startingAt: 0))  accuracy \(accuracy) %  (\(total) images)")
            }
        } catch {
            report(error)
            throw ExitCode(2)
        }
    }
}
