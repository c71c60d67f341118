import XCTest
import TestSupport
@testable import Spec

/// `data.augment` in YAML: decoding, errors, canonical form and hash.
final class AugmentSpecTests: XCTestCase {
    func testOpsDecodeInOrderAndReachTheHash() throws {
        let text = validText.replacingOccurrences(of: "  resize: 32\n", with: """
          resize: 32
          augment: [{random_crop: {padding: 4}}, {horizontal_flip: 0.5}, {random_translate: 2}]

        """)
        let trial = try XCTUnwrap(loadTrials(text).first)
        XCTAssertEqual(trial.spec.data.augment, [.randomCrop(padding: 4), .horizontalFlip(p: 0.5), .randomTranslate(pixels: 2)])
        XCTAssertTrue(trial.canonicalYAML.contains(
            "  augment:\n  - random_crop:\n      padding: 4\n  - horizontal_flip: 0.5\n  - random_translate: 2\n"), trial.canonicalYAML)
        let plain = try XCTUnwrap(loadTrials(validText).first)
        XCTAssertFalse(plain.canonicalYAML.contains("augment"))
        XCTAssertNotEqual(trial.hash, plain.hash)
        let again = try ExperimentLoader.load(text: trial.canonicalYAML, file: "c.yaml", datasets: FixedDataset())
        XCTAssertEqual(again.first?.hash, trial.hash)
        XCTAssertEqual(SpecDiff.diff(plain.spec, trial.spec).first, "data.augment: (absent) → [{random_crop: {padding: 4}}, {horizontal_flip: 0.5}, {random_translate: 2}]")
    }

    func testBadOpsAreOneLineEach() {
        let text = """
        name: A
        data:
          resize: 32
          augment: [{horizontal_flop: 0.5}, {horizontal_flip: 1.5}, {random_crop: {padding: 2, size: 28}}, flip]
        model: {lenet5: {}}
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:4:14: data.augment[0]: unknown augmentation, did you mean \"horizontal_flip\"?",
            "x.yaml:4:55: data.augment[1].horizontal_flip: expected a number in [0, 1), found 1.5",
            "x.yaml:4:75: data.augment[2].random_crop.size: expected the image's own size 32 (after resize and pad; test images are not cropped), found 28",
            "x.yaml:4:100: data.augment[3]: expected one {op: value} mapping (random_crop, horizontal_flip, random_translate), found \"flip\"",
        ])
    }
}
