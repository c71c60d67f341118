import TestSupport
import XCTest
@testable import Spec

/// The spec layer learns split sizes, the input shape and the class count from the dataset's
/// description: nothing about Fashion-MNIST is assumed.
final class DatasetInfoTests: XCTestCase {
    private func trials(_ text: String, _ info: DatasetInfo) throws -> [Trial] {
        try ExperimentLoader.load(text: text, file: "x.yaml", datasets: FixedDataset(info))
    }

    private func errors(_ text: String, _ info: DatasetInfo, missing: Set<String> = []) -> [String] {
        do {
            _ = try ExperimentLoader.load(text: text, file: "x.yaml", datasets: FixedDataset(info, missing: missing))
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    private let small = DatasetInfo(sampleShape: [3, 20, 20], classes: ["cat", "dog", "bird"], trainCount: 900, testCount: 120)

    func testSplitSizesAreCheckedAgainstTheDataset() {
        let text = validText.replacingOccurrences(of: "  resize: 32", with: "  resize: 32\n  validation: 900\n  test_limit: 121")
        XCTAssertEqual(errors(text, small), [
            "x.yaml:4:15: data.validation: expected fewer than 900 (the training images), found 900",
            "x.yaml:5:15: data.test_limit: expected at most 120 (the test images), found 121",
        ])
        let fits = validText.replacingOccurrences(of: "  resize: 32", with: "  resize: 32\n  validation: 100\n  train_limit: 800")
        XCTAssertEqual(errors(fits, small), [])
        let over = validText.replacingOccurrences(of: "  resize: 32", with: "  resize: 32\n  validation: 100\n  train_limit: 801")
        XCTAssertEqual(errors(over, small), [
            "x.yaml:5:16: data.train_limit: expected at most 800 (training images left after 100 for validation), found 801"])
    }

    func testInputShapeAndClassCountComeFromTheDataset() throws {
        let text = validText.replacingOccurrences(of: "  resize: 32", with: "  resize: 32\n  validation: 100")
        let trial = try XCTUnwrap(trials(text, small).first)
        XCTAssertEqual(trial.dataset, small)
        let plan = try ShapeInference.plan(trial)
        XCTAssertEqual(plan.inputShape, [3, 32, 32])
        XCTAssertEqual(plan.layers.first?.parameterCount, 6 * 3 * 5 * 5 + 6)
        XCTAssertEqual(plan.layers.last?.outputShape, [3])
        XCTAssertEqual(plan.layers.last?.name, "fc2")

        let explicit = """
            name: Tabular-sized
            data: {validation: 100}
            model:
              layers:
                - {type: flatten}
                - {type: linear, out: 10}
            """
        XCTAssertEqual(errors(explicit, small), [
            "x.yaml:6:7: model.layers[1]: the network must end in 3 class scores, found [10] from \"linear1\""])
    }

    func testADatasetThatCannotBeDescribedIsOneLineAtDataPath() {
        let text = validText.replacingOccurrences(of: "  resize: 32", with: "  resize: 32\n  path: /nowhere")
        XCTAssertEqual(errors(text, small, missing: ["/nowhere"]), ["x.yaml:4:9: data.path: /nowhere: dataset folder not found"])
    }
}
