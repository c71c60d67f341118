import XCTest
import TestSupport
@testable import Spec

/// Registry models in YAML: decoding against each model's schema, errors, canonical form.
final class RegistryModelTests: XCTestCase {
    func testEveryModelDecodesItsOptionsAndRoundTrips() throws {
        let text = """
        name: Zoo
        model:
          resnet: {blocks: 2, width: 8, activation: gelu, l2: 0.0001}
        """
        let trial = try XCTUnwrap(loadTrials(text).first)
        var expected = ResNet()
        (expected.blocks, expected.width, expected.activation, expected.l2) = (2, 8, "gelu", 1e-4)
        XCTAssertEqual(trial.spec.model, .registry(RegistryModel(expected)))
        XCTAssertTrue(trial.canonicalYAML.contains("""
        model:
          resnet:
            width: 8
            stages: 3
            blocks: 2
            activation: gelu
            shortcut: projection
            l2: 0.0001
          init: pytorch
        """), trial.canonicalYAML)
        for type in ModelRegistry.types {
            let name = type.schema.name
            let resize = name == "lenet5" ? "data: {resize: 32}\n" : ""
            let trial = try XCTUnwrap(loadTrials("name: \(name)\n\(resize)model: {\(name): {}}\n").first, name)
            let again = try ExperimentLoader.load(text: trial.canonicalYAML, file: "c.yaml", datasets: FixedDataset())
            XCTAssertEqual(again.first?.hash, trial.hash, name)
            XCTAssertEqual(again.first?.spec.model, trial.spec.model, name)
        }
        // A list-valued option (an MLP's hidden sizes) is written, read back and swept as a list.
        let mlp = try XCTUnwrap(loadTrials("name: M\nmodel: {mlp: {hidden: [64, 32]}}\n").first)
        XCTAssertTrue(mlp.canonicalYAML.contains("  mlp:\n    hidden: [64, 32]\n"), mlp.canonicalYAML)
        XCTAssertEqual(loadTrials("name: M\nmodel: {mlp: {}}\nsweep:\n  model.mlp.hidden: [[], [128, 64]]\n").map(\.spec.name),
                       ["M [model.mlp.hidden=[]]", "M [model.mlp.hidden=[128, 64]]"])
        XCTAssertEqual(errorLines("name: M\nmodel: {mlp: {hidden: [64, 0]}}\n"),
                       ["x.yaml:2:23: model.mlp.hidden: expected a list of positive integers, found 0 in the list"])
        // A sweep over a model option names the point by its key.
        let sweep = loadTrials("name: W\nmodel: {vgg: {}}\nsweep:\n  model.vgg.width: [8, 16]\n")
        XCTAssertEqual(sweep.map(\.spec.name), ["W [model.vgg.width=8]", "W [model.vgg.width=16]"])
    }

    func testModelErrorsNameTheModelsKeys() {
        XCTAssertEqual(errorLines("name: E\nmodel:\n  resnet: {blocks: 0, widht: 8, activation: swish}\n  l2: 0.1\n"), [
            "x.yaml:3:20: model.resnet.blocks: expected a positive integer, found 0",
            "x.yaml:3:23: model.resnet.widht: unknown key, did you mean \"width\"?",
            "x.yaml:3:45: model.resnet.activation: expected one of relu, leaky_relu, elu, gelu, silu, tanh, sigmoid, found \"swish\"",
            "x.yaml:4:3: model.l2: not applicable to resnet (use model.resnet.l2)",
        ])
        XCTAssertEqual(errorLines("name: E\nmodel: {resnt: {}}\n"), [
            "x.yaml:2:8: model: expected one of lenet5, mlp, vgg, resnet, layers",
            "x.yaml:2:9: model.resnt: unknown key, did you mean \"resnet\"?",
        ])
    }
}

/// `train.early_stopping`'s rule (Keras semantics) and its canonical form.
final class EarlyStoppingRuleTests: XCTestCase {
    func testPatienceAndMinDelta() throws {
        let rule = EarlyStopping(monitor: .valAcc, patience: 2, minDelta: 0.01)
        XCTAssertNil(rule.stop(after: [0.5, 0.6, 0.605, 0.7]))
        XCTAssertEqual(rule.stop(after: [0.5, 0.6, 0.605, 0.609, 0.7])?.epoch, 4)
        let loss = EarlyStopping(monitor: .valLoss, patience: 1)
        XCTAssertEqual(loss.stop(after: [1.0, 0.9, 0.95])?.epoch, 3)
        XCTAssertEqual(loss.stop(after: [1.0, 0.9, 0.95])?.reason, "val_loss did not improve for 1 epochs")
        let trial = try XCTUnwrap(loadTrials(validText + "\n  early_stopping: {patience: 3}\n").first)
        XCTAssertEqual(trial.spec.train.earlyStopping, EarlyStopping(patience: 3))
        XCTAssertTrue(trial.canonicalYAML.contains("  early_stopping:\n    monitor: val_acc\n    patience: 3\n    min_delta: 0.0\n"),
                      trial.canonicalYAML)
        XCTAssertFalse(try XCTUnwrap(loadTrials(validText).first).canonicalYAML.contains("early_stopping"))
        let again = try ExperimentLoader.load(text: trial.canonicalYAML, file: "c.yaml", datasets: FixedDataset())
        XCTAssertEqual(again.first?.hash, trial.hash)
    }
}
