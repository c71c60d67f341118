import ArgumentParser
import Data
import Foundation
import Spec

/// `runner validate FILES... [KEY=VALUE...] [--seeds N]`: checks experiment files and prints
/// each variant's model summary, or every error of every file (exit 2).
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check experiment files and print each variant's model summary.",
        discussion: "Arguments containing '=' are overrides such as train.epochs=5.")

    @Argument(help: "Experiment YAML files (globs allowed) and KEY=VALUE overrides.")
    var inputs: [String]

    @Option(help: "Replace each file's seeds with 0..<N.")
    var seeds: Int?

    @Option(help: "Refuse to expand to more than N trials (checked before any is built).")
    var maxTrials = ExperimentLoader.defaultMaxTrials

    func run() throws {
        let trials = try loadTrials(inputs, seeds: seeds, maxTrials: maxTrials)
        var variants: [(trial: Trial, seeds: [UInt64])] = []
        for trial in trials {
            if let i = variants.firstIndex(where: { $0.trial.variant == trial.variant && $0.trial.configFile == trial.configFile }) {
                variants[i].seeds.append(trial.spec.train.seed)
            } else {
                variants.append((trial, [trial.spec.train.seed]))
            }
        }
        for (trial, seeds) in variants {
            let plan = try ShapeInference.plan(trial)
            print(modelSummary(plan, title: trial.variant))
            print(describe(trial.spec, seeds: seeds, file: trial.configFile))
            print()
        }
        let files = Set(trials.map(\.configFile)).count
        print("ok: \(files) file\(files == 1 ? "" : "s"), \(variants.count) variant\(variants.count == 1 ? "" : "s"), "
              + "\(trials.count) trial\(trials.count == 1 ? "" : "s")")
    }

    /// `Dropout — seeds 0, 1, 2 · 50 epochs · batch 64 · adam lr 0.001 · experiments/lenet5-dropout.yaml`
    private func describe(_ spec: ExperimentSpec, seeds: [UInt64], file: String) -> String {
        let o = spec.train.optimizer
        var optimizer = "\(o.kind.rawValue) lr \(o.lr)"
        if o.weightDecay > 0 { optimizer += " weight_decay \(o.weightDecay)" }
        if case let .sgd(sgd) = o, sgd.momentum > 0 { optimizer += " momentum \(sgd.momentum)\(sgd.nesterov ? " nesterov" : "")" }
        return "\(spec.name) — seeds \(seeds.map(String.init).joined(separator: ", ")) · \(spec.train.epochs) epochs · "
            + "batch \(spec.train.batchSize) · \(optimizer) · \(file)"
    }
}

/// Splits arguments into files and overrides and loads every trial; on failure prints every
/// error line to stderr and throws `ExitCode(2)`.
func loadTrials(_ arguments: [String], seeds: Int? = nil,
                maxTrials: Int = ExperimentLoader.defaultMaxTrials) throws -> [Trial] {
    do {
        return try ExperimentArguments(arguments).load(seeds: seeds, maxTrials: maxTrials, datasets: DatasetSources.describer)
    } catch {
        reportErrors(error)
        throw ExitCode(2)
    }
}

/// Prints one line per error to stderr; errors without a location are prefixed `runner: `.
func reportErrors(_ errors: SpecErrors) {
    for error in errors.errors {
        let line = (error.mark == nil ? "runner: " : "") + error.description + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
