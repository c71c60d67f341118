import Foundation
import XCTest
import TestSupport
@testable import Spec

/// The package root (for the shipped `experiments/`) and this target's fixtures.
enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = tests.appendingPathComponent("Fixtures").path
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let experiments = root.appendingPathComponent("experiments").path

    /// The shipped experiment files (variants and bases).
    static func shippedExperiments() throws -> [String] {
        let variants = try FileManager.default.contentsOfDirectory(atPath: experiments)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { experiments + "/" + $0 }
        let bases = try FileManager.default.contentsOfDirectory(atPath: experiments + "/base")
            .filter { $0.hasSuffix(".yaml") }.sorted().map { experiments + "/base/" + $0 }
        return variants + bases
    }
}

/// A minimal valid experiment (the shipped base's settings, written out in full) to vary in tests.
let validText = """
name: Test
data:
  resize: 32
model:
  lenet5: {dropout: 0.0}
train:
  epochs: 2
"""

/// The error lines of loading `text`; fails the test if loading succeeds.
func errorLines(_ text: String, file: String = "x.yaml", overrides: [String] = [], seeds: Int? = nil,
                line: UInt = #line) -> [String] {
    do {
        let trials = try ExperimentLoader.load(text: text, file: file, overrides: overrides, seeds: seeds, datasets: FixedDataset())
        XCTFail("expected errors, loaded \(trials.count) trials", line: line)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// The trials of `text`; fails the test with the error lines if loading fails.
func loadTrials(_ text: String, file: String = "x.yaml", overrides: [String] = [], seeds: Int? = nil,
                line: UInt = #line) -> [Trial] {
    do {
        return try ExperimentLoader.load(text: text, file: file, overrides: overrides, seeds: seeds, datasets: FixedDataset())
    } catch {
        XCTFail("unexpected errors:\n\(error)", line: line)
        return []
    }
}

/// A fresh temporary folder holding `files` (name → text); removed by the caller's `addTeardownBlock`.
func temporaryFolder(_ files: [String: String], test: XCTestCase) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString)").path
    for (name, text) in files {
        let path = folder + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
    return folder
}

extension ExperimentSpec {
    /// The spec with source marks removed from its layers (marks differ between equal configs).
    var withoutMarks: ExperimentSpec {
        var copy = self
        if case let .layers(layers) = model {
            copy.model = .layers(layers.map { var l = $0; l.mark = nil; return l })
        }
        return copy
    }
}

extension NetworkPlan {
    var withoutMarks: NetworkPlan {
        NetworkPlan(inputShape: inputShape, layers: layers.map { var l = $0; l.mark = nil; return l })
    }
}
