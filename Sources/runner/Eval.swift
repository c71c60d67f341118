import ArgumentParser
import Foundation
import Reports
import Spec
import Training

/// `runner eval CONFIG [--weights FILE] [--json]`: accuracy of saved weights on the trial's splits.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a checkpoint into the model a config describes and print its train, validation and test accuracy.",
        discussion: "For a trial folder, `runner eval results/T/config.yaml --weights results/T/model.safetensors` reproduces the "
            + "accuracies in results.csv exactly. Without --weights, a config with model.init_from is evaluated with the "
            + "weights it starts from (a PyTorch state_dict saved with safetensors, say).")

    @Argument(help: "Experiment YAML file (a trial's config.yaml or any experiment file) and key.path=value overrides.")
    var inputs: [String] = []

    @Option(help: "safetensors checkpoint to load (default: the config's model.init_from weights).")
    var weights: String?

    @Option(help: "Which seed's trial to use when the config expands to several (default: the first).")
    var seed: UInt64?

    @Flag(help: "Print one JSON object (accuracy, loss and sample count per split; per-class test results) instead of text.")
    var json = false

    func run() throws {
        let trials = try loadTrials(inputs)
        let trial = try chooseTrial(trials, seed: seed, source: inputs.joined(separator: " "))
        guard weights != nil || trial.spec.warmStart != nil else {
            report(SpecError("expected --weights FILE, or a config with model.init_from to evaluate its weights", path: "--weights"))
            throw ExitCode(2)
        }
        let plan = try planTrials([trial])[0]
        do {
            let data = try PreparedData.load(trial.spec.data)
            let runner = try TrialRunner(trial: trial, plan: plan, data: data, folder: NSTemporaryDirectory())
            if let weights { try ModelWeights.load(try Safetensors.read(path: weights), into: runner.model) }
            let source = weights ?? trial.spec.warmStart!.weights
            let r = runner.evaluateAll()
            let perClass = ClassResult.from(confusion: runner.testConfusion(), classes: trial.dataset.classes)
            if json {
                try printJSON(trial: trial, weights: source, splits: [("train", r.train), ("validation", r.validation), ("test", r.test)],
                              perClass: perClass)
                return
            }
            print("\(trial.spec.name) (seed \(trial.spec.train.seed)) with \(source)")
            for (split, e) in [("train", r.train), ("validation", r.validation), ("test", r.test)] {
                print("  \(split.padding(toLength: 10, withPad: " ", startingAt: 0))  accuracy \(String(format: "%6.2f", 100 * e.accuracy)) %  loss \(String(format: "%.4f", e.loss))  (\(e.count) images)")
            }
            print("  per class on test:")
            let width = min(max(perClass.map { SafeText.printable($0.name).count }.max() ?? 0, 5), 40)
            for c in perClass {
                let name = SafeText.printable(c.name)
                let accuracy = c.accuracy.map { String(format: "%6.2f", 100 * $0) } ?? "     —"
                print("    class \(name.padding(toLength: width, withPad: " ", startingAt: 0))  accuracy \(accuracy) %  (\(c.samples) images)")
            }
        } catch {
            report(error)
            throw ExitCode(2)
        }
    }

    /// The `--json` answer: accuracies as fractions, mean cross-entropy losses, sample counts.
    private func printJSON(trial: Trial, weights: String, splits: [(String, EvalResult)], perClass: [ClassResult]) throws {
        struct Split: Encodable { var accuracy: Double?, loss: Double?, samples: Int }
        struct Answer: Encodable {
            var name: String, seed: UInt64, weights: String
            var train: Split, validation: Split, test: Split
            var testPerClass: [ClassResult]
            enum CodingKeys: String, CodingKey {
                case name, seed, weights, train, validation, test, testPerClass = "test_per_class"
            }
        }
        func split(_ e: EvalResult) -> Split {
            Split(accuracy: e.accuracy.isFinite ? e.accuracy : nil, loss: e.loss.isFinite ? e.loss : nil, samples: e.count)
        }
        let answer = Answer(name: trial.spec.name, seed: trial.spec.train.seed, weights: weights, train: split(splits[0].1),
                            validation: split(splits[1].1), test: split(splits[2].1), testPerClass: perClass)
        print(String(decoding: try ReportJSON.encode(answer), as: UTF8.self))
    }
}
