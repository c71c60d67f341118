import TestSupport
import XCTest
@testable import Spec

/// The data keys added for colour images and other formats: `format`, `channels` and per-channel
/// `normalize`. Each is written to the canonical YAML only when it differs from its default, so
/// every earlier config keeps its text and hash.
final class DataKeysTests: XCTestCase {
    private let rgb = DatasetInfo(sampleShape: [3, 32, 32], classes: ["a", "b", "c"], trainCount: 900, testCount: 100)

    private func load(_ data: String, _ info: DatasetInfo) throws -> Trial {
        let text = "name: T\ndata: \(data)\nmodel: {lenet5: {}}\n"
        return try XCTUnwrap(ExperimentLoader.load(text: text, file: "x.yaml", datasets: FixedDataset(info)).first)
    }

    private func errors(_ data: String, _ info: DatasetInfo) -> [String] {
        let text = "name: T\ndata: \(data)\nmodel: {lenet5: {}}\n"
        do {
            _ = try ExperimentLoader.load(text: text, file: "x.yaml", datasets: FixedDataset(info))
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    func testPerChannelNormalizationIsReadAndWritten() throws {
        let trial = try load("{validation: 100, normalize: {mean: [0.5, 0.4, 0.3], std: [0.25, 0.5, 1]}}", rgb)
        XCTAssertEqual(trial.spec.data.mean, [0.5, 0.4, 0.3])
        XCTAssertEqual(trial.spec.data.std, [0.25, 0.5, 1.0])
        XCTAssertTrue(trial.canonicalYAML.contains("  normalize:\n    mean: [0.5, 0.4, 0.3]\n    std: [0.25, 0.5, 1.0]\n"),
                      trial.canonicalYAML)
        // Reading the canonical text again gives the same spec.
        let again = try XCTUnwrap(ExperimentLoader.load(text: trial.canonicalYAML, file: "c.yaml", datasets: FixedDataset(rgb)).first)
        XCTAssertEqual(again.hash, trial.hash)
    }

    func testAScalarOrAListOfEqualValuesIsTheSameConfig() throws {
        let scalar = try load("{validation: 100, normalize: {mean: 0.5, std: 0.5}}", rgb)
        let list = try load("{validation: 100, normalize: {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}}", rgb)
        let omitted = try load("{validation: 100}", rgb)
        XCTAssertEqual(list.spec.data.mean, [0.5])
        XCTAssertEqual(Set([scalar.hash, list.hash, omitted.hash]).count, 1)
        XCTAssertTrue(scalar.canonicalYAML.contains("  normalize:\n    mean: 0.5\n    std: 0.5\n"))
    }

    func testAListMustHaveOneValuePerChannel() {
        XCTAssertEqual(errors("{validation: 100, normalize: {mean: [0.5, 0.4], std: 0.5}}", rgb), [
            "x.yaml:2:43: data.normalize.mean: expected one value per channel (3), found a list of 2"])
        XCTAssertEqual(errors("{resize: 32, normalize: {mean: 0.5, std: [0.5, 0.4, 0.3]}}", FixedDataset.fashionMNIST), [
            "x.yaml:2:48: data.normalize.std: expected one value per channel (1), found a list of 3"])
        XCTAssertEqual(errors("{validation: 100, normalize: {mean: 0.5, std: [0.5, 0, 1]}}", rgb), [
            "x.yaml:2:53: data.normalize.std: expected a list of positive numbers (one per channel), found 0 at index 1"])
        XCTAssertEqual(errors("{validation: 100, normalize: {mean: [], std: 0.5}}", rgb), [
            "x.yaml:2:43: data.normalize.mean: expected a finite number or a non-empty list of them, found []"])
    }

    func testFormatAndChannelsAreWrittenOnlyWhenSet() throws {
        let plain = try load("{resize: 32}", FixedDataset.fashionMNIST)
        XCTAssertFalse(plain.canonicalYAML.contains("format"))
        XCTAssertFalse(plain.canonicalYAML.contains("channels"))
        let set = try load("{validation: 100, format: image_folder, channels: 3, path: /d}", rgb)
        XCTAssertEqual(set.spec.data.format, .imageFolder)
        XCTAssertEqual(set.spec.data.channels, 3)
        XCTAssertTrue(set.canonicalYAML.hasPrefix("name: T\nbaseline: null\ndata:\n  format: image_folder\n  dataset: fashion-mnist\n  path: /d\n  channels: 3\n  resize: null\n"),
                      set.canonicalYAML)
        let idx = try load("{resize: 32, format: idx}", FixedDataset.fashionMNIST)
        XCTAssertNotEqual(idx.hash, plain.hash, "an explicit format is part of the config")
    }

    func testBadFormatAndChannels() {
        XCTAssertEqual(errors("{format: png, channels: 2}", rgb), [
            "x.yaml:2:16: data.format: expected one of idx, image_folder, npz, csv or null, found \"png\"",
            "x.yaml:2:31: data.channels: expected 1 or 3, found 2",
        ])
    }

    func testNormalizeAutoIsItsOwnConfigAndWrittenAsAuto() throws {
        let auto = try load("{validation: 100, normalize: auto}", rgb)
        let fixed = try load("{validation: 100}", rgb)
        XCTAssertTrue(auto.spec.data.autoNormalize)
        XCTAssertTrue(auto.canonicalYAML.contains("  pad: 0\n  normalize: auto\n  validation: 100\n"), auto.canonicalYAML)
        XCTAssertNotEqual(auto.hash, fixed.hash)
        let again = try XCTUnwrap(ExperimentLoader.load(text: auto.canonicalYAML, file: "c.yaml", datasets: FixedDataset(rgb)).first)
        XCTAssertEqual(again.hash, auto.hash)
        XCTAssertEqual(errors("{validation: 100, normalize: aut}", rgb), [
            "x.yaml:2:36: data.normalize: expected a mapping {mean, std} or auto, found \"aut\", did you mean \"auto\"?"])
    }

    private let table = DatasetInfo(sampleShape: [4], classes: ["0", "1"], trainCount: 200, testCount: 50)

    private func loadTable(_ data: String) throws -> Trial {
        let text = "name: T\ndata: \(data)\nmodel: {mlp: {hidden: [8]}}\n"
        return try XCTUnwrap(ExperimentLoader.load(text: text, file: "x.yaml", datasets: FixedDataset(table)).first)
    }

    func testFeatureVectorsAreNotNormalizedByDefaultAndTakeOneValuePerFeature() throws {
        let plain = try loadTable("{validation: 20, format: csv, path: /t}")
        XCTAssertEqual([plain.spec.data.mean, plain.spec.data.std], [[0], [1]])
        XCTAssertTrue(plain.canonicalYAML.contains("  normalize:\n    mean: 0.0\n    std: 1.0\n"), plain.canonicalYAML)
        XCTAssertFalse(plain.canonicalYAML.contains("label"), "label is written only when not the default")
        let named = try loadTable("{validation: 20, format: csv, path: /t, label: target, normalize: {mean: [1, 2, 3, 4], std: 2}}")
        XCTAssertEqual(named.spec.data.mean, [1, 2, 3, 4])
        XCTAssertTrue(named.canonicalYAML.contains("  path: /t\n  label: target\n"), named.canonicalYAML)
        do {
            _ = try ExperimentLoader.load(text: "name: T\ndata: {validation: 20, normalize: {mean: [1, 2], std: 1}}\nmodel: {mlp: {}}\n",
                                          file: "x.yaml", datasets: FixedDataset(table))
            XCTFail("a list of 2 for 4 features")
        } catch {
            XCTAssertEqual(error.errors.map(\.description), [
                "x.yaml:2:42: data.normalize.mean: expected one value per feature (4), found a list of 2"])
        }
    }

    func testFeatureVectorsTakeNoImageTransforms() {
        let text = "name: T\ndata: {validation: 20, resize: 8, pad: 1, channels: 3, augment: [{horizontal_flip: 0.5}]}\nmodel: {mlp: {}}\n"
        do {
            _ = try ExperimentLoader.load(text: text, file: "x.yaml", datasets: FixedDataset(table))
            XCTFail("accepted")
        } catch {
            XCTAssertEqual(error.errors.map(\.description), [
                "x.yaml:2:32: data.resize: expected no resize for feature vectors (4 features per sample), found 8",
                "x.yaml:2:40: data.pad: expected no pad for feature vectors (4 features per sample), found 1",
                "x.yaml:2:53: data.channels: expected no channels for feature vectors (4 features per sample), found 3",
                "x.yaml:2:65: data.augment: expected no augment for feature vectors (4 features per sample), found a list of 1",
            ])
        }
    }

    func testADatasetWithItsOwnValidationSplitTakesNoValidationCount() throws {
        let withVal = DatasetInfo(sampleShape: [3, 32, 32], classes: ["a", "b", "c"], trainCount: 90, testCount: 10, validationCount: 20)
        let trial = try load("{train_limit: 90}", withVal)
        XCTAssertEqual(trial.dataset.trainingCount(trial.spec.data), 90)
        XCTAssertEqual(errors("{validation: 10, train_limit: 91}", withVal), [
            "x.yaml:2:20: data.validation: not used: the dataset has a validation split of its own (20 images); remove the key",
            "x.yaml:2:37: data.train_limit: expected at most 90 (the training images), found 91",
        ])
    }
}
