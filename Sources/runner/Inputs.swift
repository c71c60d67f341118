import ArgumentParser
import Foundation
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
