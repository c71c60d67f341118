import Foundation
import Spec
import XCTest
@testable import Training

final class ScheduleTests: XCTestCase {
    func testConstant() {
        let s = LRSchedule(spec: .constant, baseLR: 0.01, epochs: 5)
        XCTAssertEqual(s.table, [0.01, 0.01, 0.01, 0.01, 0.01])
    }

    func testStepHalvesEveryTwoEpochs() {
        let s = LRSchedule(spec: .step(stepSize: 2, gamma: 0.5), baseLR: 0.1, epochs: 7)
        XCTAssertEqual(s.table, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])
        XCTAssertEqual(s.lr(epoch: 6), 0.0125)
    }

    func testStepFollowsPyTorchsRepeatedMultiplication() {
        // StepLR multiplies the previous rate (0.1·0.1·0.1), which is not the Double 0.1·0.1³ nor 1e-4.
        let s = LRSchedule(spec: .step(stepSize: 1, gamma: 0.1), baseLR: 0.1, epochs: 4)
        XCTAssertEqual(s.lr(epoch: 3), 0.1 * 0.1 * 0.1 * 0.1)
        XCTAssertEqual(s.lr(epoch: 3), 1e-4, accuracy: 1e-18)
    }

    func testCosineByHand() {
        // T_max 4 from 0.1 to 0.02: eta_min + (0.08)(1 + cos(πe/4))/2.
        let s = LRSchedule(spec: .cosine(tMax: 4, etaMin: 0.02), baseLR: 0.1, epochs: 4)
        let expected = [0.1, 0.02 + 0.04 * (1 + 0.5.squareRoot()), 0.06, 0.02 + 0.04 * (1 - 0.5.squareRoot()), 0.02]
        for e in 0...4 { XCTAssertEqual(s.lr(epoch: e), expected[e], accuracy: 1e-15, "epoch \(e)") }
        XCTAssertEqual(s.table.count, 4)
    }

    func testCosineAfterTMaxRisesAgainLikePyTorch() {
        // Past T_max PyTorch's recursion follows the closed form's cosine back up (period 2·T_max).
        let s = LRSchedule(spec: .cosine(tMax: 4, etaMin: 0), baseLR: 0.1, epochs: 10)
        for e in 5...8 {
            XCTAssertEqual(s.lr(epoch: e), 0.05 * (1 + cos(Double.pi * Double(e) / 4)), accuracy: 1e-15)
        }
    }

    func testCosineDefaultsTMaxToTheEpochCount() {
        let s = LRSchedule(spec: .cosine(tMax: 0, etaMin: 0), baseLR: 1, epochs: 10)
        XCTAssertEqual(s.lr(epoch: 5), 0.5, accuracy: 1e-15)
        XCTAssertEqual(s.lr(epoch: 10), 0, accuracy: 1e-15)
    }
}
