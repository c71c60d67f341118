import ArgumentParser
import Foundation
import Spec

/// `runner diff A B [KEY=VALUE...]`: compares the resolved configs of two files key by key
/// (`key.path: old → new`); exits 1 when they differ.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the resolved configs of two experiment files (exit 1 if they differ).",
        discussion: "A file that expands to several trials (seeds, sweep) is compared by its first trial.")

    @Argument(help: "Two experiment YAML files and KEY=VALUE overrides applied to both.")
    var inputs: [String]

    func run() throws {
        let files = inputs.filter { !$0.contains("=") }
        let overrides = inputs.filter { $0.contains("=") }
        guard files.count == 2 else { throw ValidationError("expected two experiment files, found \(files.count)") }
        var firsts: [Trial] = []
        for file in files {
            let trials = try loadTrials([file] + overrides)
            guard let first = trials.first else { throw ExitCode(2) }
            if trials.count > 1 {
                let note = "runner: note: \(file) expands to \(trials.count) trials; comparing the first "
                    + "(\(first.variant), seed \(first.spec.train.seed))\n"
                FileHandle.standardError.write(Data(note.utf8))
            }
            firsts.append(first)
        }
        let lines = SpecDiff.diff(firsts[0].spec, firsts[1].spec)
        guard !lines.isEmpty else {
            print("no differences")
            return
        }
        lines.forEach { print($0) }
        throw ExitCode(1)
    }
}
