import ArgumentParser
import Foundation
import Reports
import Spec

/// Prints any error as one line per problem on standard error (spec errors through
/// `reportErrors`, which prefixes unlocated ones with `runner: `).
func report(_ error: Error) {
    if let e = error as? SpecErrors { return reportErrors(e) }
    if let e = error as? SpecError { return reportErrors(SpecErrors([e])) }
    FileHandle.standardError.write(Data("runner: \(error)\n".utf8))
}

/// Runs shape inference for every trial; prints every error once and exits 2 on failure.
func planTrials(_ trials: [Trial]) throws -> [NetworkPlan] {
    var plans: [NetworkPlan] = []
    var errors: [SpecError] = []
    for t in trials {
        do { plans.append(try ShapeInference.plan(t)) } catch { errors += error.errors }
    }
    guard errors.isEmpty else {
        reportErrors(SpecErrors(unique(errors)))
        throw ExitCode(2)
    }
    return plans
}

/// The trial of `seed` among `trials` (default: the first); otherwise one line and exit 2.
/// `source` names what was loaded, for the message.
func chooseTrial(_ trials: [Trial], seed: UInt64?, source: String) throws -> Trial {
    if let trial = seed.map({ s in trials.first { $0.spec.train.seed == s } }) ?? trials.first { return trial }
    report(SpecError(seed.map { "no trial with seed \($0) in \(source)" } ?? "expected a config or a trial folder",
                     path: seed == nil ? "inputs" : "--seed"))
    throw ExitCode(2)
}

/// Trials of several files must not share a folder name.
func checkDistinctFolders(_ trials: [Trial]) throws {
    var seen: [String: String] = [:]
    var errors: [SpecError] = []
    for t in trials {
        if let other = seen[t.slug], other != t.configFile {
            errors.append(SpecError("\(other) and \(t.configFile) both write results/\(t.slug); give the variants different names",
                                    path: "name"))
        }
        seen[t.slug] = t.configFile
    }
    guard errors.isEmpty else {
        reportErrors(SpecErrors(unique(errors)))
        throw ExitCode(2)
    }
}

/// Drops repeated errors (every seed of a variant reports the same problem), keeping the first.
func unique(_ errors: [SpecError]) -> [SpecError] {
    var seen = Set<String>()
    return errors.filter { seen.insert($0.description).inserted }
}

/// The trial's `data:` section with `normalize: auto` replaced by the mean and std it computed on
/// the trial's training split — recorded in the metrics.json beside the weights, not in the config.
func normalizedData(_ trial: Trial, weights: String, command: String) throws -> DataSpec {
    var data = trial.spec.data
    guard data.autoNormalize else { return data }
    let metrics = ((weights as NSString).deletingLastPathComponent as NSString).appendingPathComponent("metrics.json")
    guard FileManager.default.fileExists(atPath: metrics), let values = try ReportBuilder.readRecord(metrics).normalization else {
        throw ReportError("\(weights): data.normalize is auto, and no metrics.json beside the weights holds the mean and std it computed (\(command) from the trial folder)")
    }
    (data.mean, data.std, data.autoNormalize) = (values.mean, values.std, false)
    return data
}

/// A trial folder given where a config is expected: its config.yaml, and its model.safetensors
/// unless `weights` names another file.
func trialFolderArguments(_ arguments: [String], weights: String?) -> (arguments: [String], weights: String?) {
    var arguments = arguments
    var isDirectory: ObjCBool = false
    guard let first = arguments.first, FileManager.default.fileExists(atPath: first, isDirectory: &isDirectory),
          isDirectory.boolValue else { return (arguments, weights) }
    arguments[0] = (first as NSString).appendingPathComponent("config.yaml")
    return (arguments, weights ?? (first as NSString).appendingPathComponent("model.safetensors"))
}
