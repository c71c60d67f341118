import XCTest
import TestSupport
@testable import Spec

/// Canonical YAML, hashing and `SpecDiff`.
final class CanonicalTests: XCTestCase {
    /// Loading a trial's canonical YAML gives the same spec and hash.
    private func assertRoundTrip(_ trial: Trial, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let again = try ExperimentLoader.load(text: trial.canonicalYAML, file: "canonical.yaml", datasets: FixedDataset())
            XCTAssertEqual(again.count, 1, file: file, line: line)
            XCTAssertEqual(again.first?.spec.withoutMarks, trial.spec.withoutMarks, file: file, line: line)
            XCTAssertEqual(again.first?.hash, trial.hash, file: file, line: line)
            XCTAssertEqual(again.first?.canonicalYAML, trial.canonicalYAML, file: file, line: line)
        } catch {
            XCTFail("canonical YAML does not load:\n\(error)\n\(trial.canonicalYAML)", file: file, line: line)
        }
    }

    func testEveryShippedExperimentRoundTrips() throws {
        for path in try Paths.shippedExperiments() {
            let trials = try ExperimentLoader.load(file: path, datasets: FixedDataset())
            XCTAssertFalse(trials.isEmpty)
            trials.forEach { assertRoundTrip($0) }
        }
    }

    func testLayerGraphsAndSchedulesRoundTrip() throws {
        let text = ShapeInferenceTests.explicitLeNet5 + """

        train:
          optimizer: {type: sgd, lr: 0.1, momentum: 0.9, nesterov: true}
          schedule: {type: cosine}
          epochs: 7
        """
        let trial = try XCTUnwrap(loadTrials(text).first)
        XCTAssertEqual(trial.spec.train.schedule, .cosine(tMax: 7, etaMin: 0))
        assertRoundTrip(trial)
        let step = try XCTUnwrap(loadTrials(validText + "\n  schedule: {type: step, step_size: 3}\n").first)
        XCTAssertEqual(step.spec.train.schedule, .step(stepSize: 3, gamma: 0.1))
        assertRoundTrip(step)
    }

    func testAddedLayerOptionsAreWrittenOnlyWhenTheyDifferFromTheirDefault() throws {
        // `groups` came after results were published: at 1 it is left out (older graphs keep their
        // hashes), at 2 it is written; `padding: same` is written as same, not as its resolved number.
        let text = """
        name: G
        data: {resize: 32}
        model:
          layers:
            - {type: conv2d, out: 4, kernel: 3, padding: same}
            - {type: conv2d, out: 4, kernel: 3, padding: 1, groups: 2}
            - {type: global_avgpool}
            - {type: linear, out: 10}
        """
        let trial = try XCTUnwrap(loadTrials(text).first)
        let yaml = trial.canonicalYAML
        XCTAssertTrue(yaml.contains("""
            out: 4
            kernel: 3
            stride: 1
            padding: same
            bias: true
        """), yaml)
        XCTAssertTrue(yaml.contains("""
            padding: 1
            groups: 2
            bias: true
        """), yaml)
        assertRoundTrip(trial)
        guard case let .layers(layers) = trial.spec.model, let conv = layers[0].kind.definition as? Conv2DLayer else {
            return XCTFail("expected a layer graph")
        }
        XCTAssertEqual(conv.padding, 1)
        XCTAssertTrue(conv.samePadding)
        XCTAssertEqual(try ShapeInference.plan(trial).layers.map(\.outputShape), [[4, 32, 32], [4, 32, 32], [4], [10]])
        // Same graph with padding written as the number: a different config, a different hash.
        let numeric = try XCTUnwrap(loadTrials(text.replacingOccurrences(of: "padding: same", with: "padding: 1")).first)
        XCTAssertNotEqual(numeric.hash, trial.hash)
        XCTAssertEqual(try ShapeInference.plan(numeric).parameterCount, try ShapeInference.plan(trial).parameterCount)
    }

    func testTheLossSectionIsWrittenOnlyWhenItIsNotTheDefault() throws {
        let plain = try XCTUnwrap(loadTrials(validText).first)
        let explicit = try XCTUnwrap(loadTrials(validText + "\n  loss: {type: cross_entropy, label_smoothing: 0.0}\n").first)
        XCTAssertEqual(explicit.hash, plain.hash)
        XCTAssertFalse(plain.canonicalYAML.contains("loss:"))
        let smoothed = try XCTUnwrap(loadTrials(validText + "\n  loss: {label_smoothing: 0.1}\n").first)
        XCTAssertEqual(smoothed.spec.train.loss, .crossEntropy(labelSmoothing: 0.1))
        XCTAssertTrue(smoothed.canonicalYAML.contains("""
          loss:
            type: cross_entropy
            label_smoothing: 0.1
          seed: 0
        """), smoothed.canonicalYAML)
        XCTAssertNotEqual(smoothed.hash, plain.hash)
        let more = try XCTUnwrap(loadTrials(validText + "\n  loss: {label_smoothing: 0.2}\n").first)
        XCTAssertNotEqual(more.hash, smoothed.hash)
        assertRoundTrip(smoothed)
        XCTAssertEqual(SpecDiff.diff(plain.spec, smoothed.spec), ["train.loss: (absent) → {type: cross_entropy, label_smoothing: 0.1}"])
        XCTAssertEqual(errorLines(validText + "\n  loss: {label_smoothing: 1.0, type: focal}\n"), [
            "x.yaml:8:27: train.loss.label_smoothing: expected a number in [0, 1), found 1.0",
            "x.yaml:8:38: train.loss.type: expected cross_entropy, found \"focal\"",
        ])
    }

    func testCanonicalTextHasEveryDefaultInSchemaOrder() throws {
        let trial = try XCTUnwrap(loadTrials("name: \"true\"\ndata: {resize: 32}\nmodel: {lenet5: null, layers: [{type: flatten}, {type: linear, out: 10}]}\n").first)
        XCTAssertEqual(trial.canonicalYAML, """
        name: "true"
        baseline: null
        data:
          dataset: fashion-mnist
          path: /usr/share/datasets/fashion-mnist
          resize: 32
          pad: 0
          normalize:
            mean: 0.5
            std: 0.5
          validation: 5000
          train_limit: null
          test_limit: null
        model:
          layers:
          - type: flatten
            name: flatten1
            inputs: [input]
          - type: linear
            name: linear1
            inputs: [flatten1]
            l2: 0.0
            out: 10
            bias: true
          init: pytorch
        train:
          epochs: 50
          batch_size: 64
          optimizer:
            type: adam
            lr: 0.001
            betas: [0.9, 0.999]
            eps: 1e-08
            weight_decay: 0.0
          schedule:
            type: constant
          seed: 0
          select: val_acc
          threads: 2

        """)
        XCTAssertEqual(trial.hash, SHA256.hex(trial.canonicalYAML))
        XCTAssertEqual(trial.hash.count, 64)
        assertRoundTrip(trial)
    }

    func testDiffListsChangedLeaves() throws {
        let none = try XCTUnwrap(ExperimentLoader.load(file: Paths.experiments + "/lenet5-none.yaml", datasets: FixedDataset()).first?.spec)
        let dropout = try XCTUnwrap(ExperimentLoader.load(file: Paths.experiments + "/lenet5-dropout.yaml", datasets: FixedDataset()).first?.spec)
        XCTAssertEqual(SpecDiff.diff(none, dropout), [
            "name: No regularization → Dropout",
            "model.lenet5.dropout: 0.0 → 0.5",
        ])
        XCTAssertEqual(SpecDiff.diff(none, none), [])
        var sgd = none
        sgd.train.optimizer = .sgd(SGDOptions())
        sgd.train.seed = 2
        XCTAssertEqual(SpecDiff.diff(none, sgd), [
            "train.optimizer.type: adam → sgd",
            "train.optimizer.betas: [0.9, 0.999] → (absent)",
            "train.optimizer.eps: 1e-08 → (absent)",
            "train.optimizer.momentum: (absent) → 0.0",
            "train.optimizer.nesterov: (absent) → false",
            "train.seed: 0 → 2",
        ])
        let explicit = try XCTUnwrap(loadTrials(ShapeInferenceTests.explicitLeNet5).first?.spec)
        var wider = explicit
        if case var .layers(layers) = wider.model {
            layers[9].kind = .linear(outFeatures: 100, bias: true)
            layers.append(LayerSpec(name: "extra", kind: .relu, inputs: ["fc2"]))
            wider.model = .layers(layers)
        }
        XCTAssertEqual(SpecDiff.diff(explicit, wider), [
            "model.layers[9].out: 84 → 100",
            "model.layers[12]: (absent) → {type: relu, name: extra, inputs: [fc2]}",
        ])
        XCTAssertEqual(SpecDiff.diff(none, explicit).first, "name: No regularization → Explicit")
        XCTAssertTrue(SpecDiff.diff(none, explicit).contains("model.lenet5: {dropout: 0.0, batchnorm: false, l2: 0.0, activation: relu, pooling: avg} → (absent)"))
    }
}
