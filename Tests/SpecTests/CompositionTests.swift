import XCTest
import TestSupport
@testable import Spec

/// `extends`, command-line overrides, `sweep:` and `seeds`.
final class CompositionTests: XCTestCase {
    func testExtendsDeepMergesMappingsAndReplacesLists() throws {
        let folder = try temporaryFolder([
            "base/a.yaml": "name: A\nseeds: [0, 1, 2]\ndata: {resize: 32, pad: 1}\nmodel: {lenet5: {dropout: 0.1}}\n",
            "base/b.yaml": "data: {pad: 0}\ntrain: {optimizer: {lr: 0.01, betas: [0.8, 0.9]}}\n",
            "v.yaml": "extends: [base/a.yaml, base/b.yaml]\nname: V\nseeds: [7]\ntrain: {optimizer: {betas: [0.5, 0.6]}}\n",
        ], test: self)
        let trials = try ExperimentLoader.load(file: folder + "/v.yaml", datasets: FixedDataset())
        XCTAssertEqual(trials.map(\.spec.train.seed), [7])
        let spec = try XCTUnwrap(trials.first?.spec)
        XCTAssertEqual(spec.name, "V")
        XCTAssertEqual(spec.data.resize, 32)
        XCTAssertEqual(spec.data.pad, 0)
        var lenet = LeNet5()
        lenet.dropout = 0.1
        XCTAssertEqual(spec.model, .lenet5(lenet))
        XCTAssertEqual(spec.train.optimizer.lr, 0.01)
        XCTAssertEqual(spec.train.optimizer.options["betas"], .numbers([0.5, 0.6]))
    }

    func testExtendsCycleAndMissingBaseAreReportedAtTheExtendsValue() throws {
        let folder = try temporaryFolder([
            "a.yaml": "extends: b.yaml\nname: A\n",
            "b.yaml": "extends: [c.yaml, a.yaml]\n",
            "c.yaml": "data: {resize: 32}\n",
            "d.yaml": "extends: [missing.yaml]\nname: D\nmodel: {lenet5: {}}\n",
            "self.yaml": "extends: self.yaml\n",
        ], test: self)
        XCTAssertEqual(errors(folder + "/a.yaml"), ["\(folder)/a.yaml:1:10: extends: cycle \(folder)/a.yaml → \(folder)/b.yaml → \(folder)/a.yaml"])
        XCTAssertEqual(errors(folder + "/d.yaml"), ["\(folder)/d.yaml:1:11: extends: no such file: missing.yaml"])
        XCTAssertEqual(errors(folder + "/self.yaml").first, "\(folder)/self.yaml:1:10: extends: cycle \(folder)/self.yaml → \(folder)/self.yaml")
    }

    func testErrorsInABaseFilePointIntoTheBase() throws {
        let folder = try temporaryFolder([
            "base.yaml": "data: {resize: 32}\ntrain: {epochs: 0}\n",
            "v.yaml": "extends: base.yaml\nname: V\nmodel: {lenet5: {dropout: 2}}\n",
        ], test: self)
        XCTAssertEqual(errors(folder + "/v.yaml"), [
            "\(folder)/v.yaml:3:27: model.lenet5.dropout: expected a number in [0, 1), found 2",
            "\(folder)/base.yaml:2:17: train.epochs: expected a positive integer, found 0",
        ])
    }

    func testOverridesAreMergedAndValidatedLikeFileValues() throws {
        let trials = loadTrials(validText, overrides: ["train.epochs=7", "model.lenet5={dropout: 0.3, batchnorm: true}",
                                                       "train.optimizer.betas=[0.8, 0.9]", "data.resize=", "data.pad=2",
                                                       "seeds=[3, 4]"])
        XCTAssertEqual(trials.map(\.spec.train.seed), [3, 4])
        let spec = try XCTUnwrap(trials.first?.spec)
        XCTAssertEqual(spec.train.epochs, 7)
        var lenet = LeNet5()
        lenet.dropout = 0.3
        lenet.batchnorm = true
        XCTAssertEqual(spec.model, .lenet5(lenet))
        XCTAssertEqual(spec.train.optimizer.options["betas"], .numbers([0.8, 0.9]))
        XCTAssertEqual(spec.data.resize, nil)
        XCTAssertEqual(FixedDataset.fashionMNIST.inputShape(spec.data), [1, 32, 32])

        XCTAssertEqual(errorLines(validText, overrides: ["train.epochs=abc", "train.epoch=5", "train..x=1", "nokey",
                                                          "extends=base.yaml", "train.optimizer.lr=[0.1"]), [
            "override train.epochs=abc: train.epochs: expected a positive integer, found \"abc\"",
            "override train.epoch=5: train.epoch: unknown key, did you mean \"epochs\"?",
            "override train..x=1: expected KEY=VALUE with a dotted key such as train.epochs",
            "override nokey: expected KEY=VALUE such as train.epochs=5",
            "override extends=base.yaml: extends: cannot be set from the command line",
            errorLines(validText, overrides: ["train.optimizer.lr=[0.1"]).first ?? "",
        ])
        XCTAssertTrue(errorLines(validText, overrides: ["train.optimizer.lr=[0.1"]).first?
            .hasPrefix("override train.optimizer.lr=[0.1: train.optimizer.lr: ") ?? false)
    }

    func testSeedsExpandIntoTrials() {
        let trials = loadTrials(validText + "\nseeds: [5, 0, 9]\n")
        XCTAssertEqual(trials.map(\.spec.train.seed), [5, 0, 9])
        XCTAssertEqual(trials.map(\.slug), ["test-seed5", "test-seed0", "test-seed9"])
        XCTAssertEqual(Set(trials.map(\.hash)).count, 3)
        XCTAssertEqual(loadTrials(validText + "\nseeds: [5]\n", seeds: 2).map(\.spec.train.seed), [0, 1])
        XCTAssertEqual(loadTrials(validText.replacingOccurrences(of: "epochs: 2", with: "epochs: 2\n  seed: 11"))
            .map(\.spec.train.seed), [11])
    }

    func testSweepIsACartesianGridOfNamedTrials() throws {
        let text = validText + """

        name: Weight decay
        seeds: [0, 1]
        sweep:
          train.optimizer.weight_decay: [0.0001, 0.0005]
          model.lenet5.dropout: [0.0, 0.5]
        """
        let trials = loadTrials(text.replacingOccurrences(of: "name: Test\n", with: ""))
        XCTAssertEqual(trials.count, 8)
        XCTAssertEqual(trials.map(\.spec.name), [
            "Weight decay [train.optimizer.weight_decay=0.0001, model.lenet5.dropout=0.0]",
            "Weight decay [train.optimizer.weight_decay=0.0001, model.lenet5.dropout=0.0]",
            "Weight decay [train.optimizer.weight_decay=0.0001, model.lenet5.dropout=0.5]",
            "Weight decay [train.optimizer.weight_decay=0.0001, model.lenet5.dropout=0.5]",
            "Weight decay [train.optimizer.weight_decay=0.0005, model.lenet5.dropout=0.0]",
            "Weight decay [train.optimizer.weight_decay=0.0005, model.lenet5.dropout=0.0]",
            "Weight decay [train.optimizer.weight_decay=0.0005, model.lenet5.dropout=0.5]",
            "Weight decay [train.optimizer.weight_decay=0.0005, model.lenet5.dropout=0.5]",
        ])
        XCTAssertEqual(trials.map(\.slug), [
            "weight-decay-wd0.0001-dropout0.0-seed0", "weight-decay-wd0.0001-dropout0.0-seed1",
            "weight-decay-wd0.0001-dropout0.5-seed0", "weight-decay-wd0.0001-dropout0.5-seed1",
            "weight-decay-wd0.0005-dropout0.0-seed0", "weight-decay-wd0.0005-dropout0.0-seed1",
            "weight-decay-wd0.0005-dropout0.5-seed0", "weight-decay-wd0.0005-dropout0.5-seed1",
        ])
        XCTAssertEqual(trials.map(\.spec.train.optimizer.weightDecay), [0.0001, 0.0001, 0.0001, 0.0001, 0.0005, 0.0005, 0.0005, 0.0005])
        XCTAssertEqual(trials.map { if case let .registry(m) = $0.spec.model, let o = m.definition as? LeNet5 { o.dropout } else { -1 } },
                       [0, 0, 0.5, 0.5, 0, 0, 0.5, 0.5])
        XCTAssertEqual(trials.map(\.spec.train.seed), [0, 1, 0, 1, 0, 1, 0, 1])
        XCTAssertEqual(Set(trials.map(\.hash)).count, 8)
        XCTAssertEqual(try XCTUnwrap(trials.first).canonicalYAML.contains("sweep"), false)
    }

    func testSweepErrors() {
        let text = validText + """

        sweep:
          train.optimizer.wd: [0.1]
          train.epochs: [1, -1, 1]
          seeds: [1, 2]
          data.pad: 3
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:9:3: train.optimizer.wd: unknown key, did you mean \"weight_decay\"?",
            "x.yaml:10:21: train.epochs: expected a positive integer, found -1",
            "x.yaml:10:25: sweep.train.epochs[2]: duplicate value 1",
            "x.yaml:11:3: sweep.seeds: cannot be swept (use seeds)",
            "x.yaml:12:13: sweep.data.pad: expected a non-empty list of values, found 3",
        ])
        XCTAssertEqual(errorLines(validText + "\nsweep: {train.epochs: [1, 2]}\n", overrides: ["train.epochs=3"]), [
            "override train.epochs=3: train.epochs: conflicts with the sweep over train.epochs (x.yaml:8:9)",
        ])
    }

    func testSlugsStayUniqueWithinALoad() {
        let text = validText.replacingOccurrences(of: "name: Test", with: "name: Paths!")
            + "\nsweep: {data.path: [/data/a b, /data/a-b], model.init: [pytorch]}\n"
        let trials = loadTrials(text)
        XCTAssertEqual(trials.map(\.spec.name), [
            "Paths! [data.path=/data/a b, model.init=pytorch]", "Paths! [data.path=/data/a-b, model.init=pytorch]",
        ])
        XCTAssertEqual(trials.map(\.slug), ["paths-path-data-a-b-init-pytorch-seed0", "paths-path-data-a-b-init-pytorch-2-seed0"])
    }

    private func errors(_ file: String) -> [String] {
        do {
            _ = try ExperimentLoader.load(file: file, datasets: FixedDataset())
            XCTFail("expected errors")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }
}
