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

    func testLinearWarmupThenTheScheduleFromItsOwnEpochZero() {
        // SequentialLR([LinearLR(start_factor: 0.25, total_iters: 3), StepLR(2, 0.5)], milestones: [3]).
        let s = LRSchedule(spec: .step(stepSize: 2, gamma: 0.5), baseLR: 0.1, epochs: 8,
                           warmup: WarmupSpec(epochs: 3, startFactor: 0.25))
        let expected = [0.025, 0.05, 0.075, 0.1, 0.1, 0.05, 0.05, 0.025]
        for (rate, want) in zip(s.table, expected) { XCTAssertEqual(rate, want, accuracy: 1e-15) }
        // PyTorch's default start factor is 1/3.
        XCTAssertEqual(LRSchedule(spec: .constant, baseLR: 0.3, epochs: 3, warmup: WarmupSpec(epochs: 2)).table[0], 0.1,
                       accuracy: 1e-15)
    }

    func testReduceOnPlateauIsAPureFunctionOfTheValidationHistory() {
        var o = PlateauOptions()
        (o.patience, o.factor, o.cooldown, o.minLR) = (1, 0.5, 1, 0.02)
        let s = LRSchedule(spec: .reduceOnPlateau(o), baseLR: 0.1, epochs: 10)
        // Losses: better, better, flat, flat (2 bad > patience 1 → 0.05), cooldown epoch, flat, flat (→ 0.025), …
        let losses = [1.0, 0.9, 0.9, 0.95, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
        let rates = (0..<10).map { s.lr(epoch: $0, metrics: losses) }
        XCTAssertEqual(rates, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025 > 0.02 ? 0.025 : 0.02])
        // Never below min_lr, and only the first `epoch` metrics count (what a resumed run has).
        XCTAssertEqual(s.lr(epoch: 20, metrics: Array(repeating: 1.0, count: 20)), 0.02)
        XCTAssertEqual(s.lr(epoch: 4, metrics: losses + [5, 5, 5]), s.lr(epoch: 4, metrics: Array(losses.prefix(4))))
        // Accuracy: higher is better.
        o.monitor = .valAcc
        let acc = LRSchedule(spec: .reduceOnPlateau(o), baseLR: 0.1, epochs: 5)
        XCTAssertEqual(acc.lr(epoch: 4, metrics: [50, 60, 70, 80]), 0.1)
        XCTAssertEqual(acc.lr(epoch: 4, metrics: [80, 70, 60, 50]), 0.05)
    }

    func testOneCycleFollowsPyTorchsPhases() {
        // OneCycleLR(max_lr 0.1, total_steps 10, pct_start 0.3): initial 0.1/25, final initial/1e4;
        // phase ends at steps 2 (0.3·10 − 1) and 9; momentum 0.95 → 0.85 → 0.95.
        let s = LRSchedule(spec: .oneCycle(OneCycleOptions()), baseLR: 0.1, epochs: 5, stepsPerEpoch: 2)
        let v = (0..<10).map { s.perStep($0)! }
        XCTAssertEqual(v[0].lr, 0.004, accuracy: 1e-15)
        XCTAssertEqual(v[1].lr, 0.052, accuracy: 1e-15)
        XCTAssertEqual(v[2].lr, 0.1, accuracy: 1e-15)
        XCTAssertEqual(v[4].lr, 4e-7 + (0.1 - 4e-7) / 2 * (cos(Double.pi * 2 / 7) + 1), accuracy: 1e-15)
        XCTAssertEqual(v[9].lr, 4e-7, accuracy: 1e-18)
        XCTAssertEqual(v.map { $0.momentum! }[0], 0.95, accuracy: 1e-15)
        XCTAssertEqual(v.map { $0.momentum! }[2], 0.85, accuracy: 1e-15)
        XCTAssertEqual(v.map { $0.momentum! }[9], 0.95, accuracy: 1e-15)
        // The history's epoch rate is its first step's.
        XCTAssertEqual(s.lr(epoch: 1), v[2].lr)
        // Linear, three phases, no momentum cycling.
        var o = OneCycleOptions()
        (o.anneal, o.threePhase, o.cycleMomentum) = (.linear, true, false)
        let t = LRSchedule(spec: .oneCycle(o), baseLR: 0.1, epochs: 10, stepsPerEpoch: 1)
        XCTAssertEqual(t.perStep(1)!.lr, 0.004 + 0.096 * 0.5, accuracy: 1e-15)   // phase 1 ends at 2
        XCTAssertEqual(t.perStep(4)!.lr, 0.004, accuracy: 1e-15)                 // phase 2 ends at 4 (2·3 − 2)
        XCTAssertEqual(t.perStep(9)!.lr, 4e-7, accuracy: 1e-18)
        XCTAssertNil(t.perStep(3)!.momentum)
        XCTAssertNil(LRSchedule(spec: .constant, baseLR: 0.1, epochs: 2).perStep(0))
    }

    func testCosineDefaultsTMaxToTheEpochCount() {
        let s = LRSchedule(spec: .cosine(tMax: 0, etaMin: 0), baseLR: 1, epochs: 10)
        XCTAssertEqual(s.lr(epoch: 5), 0.5, accuracy: 1e-15)
        XCTAssertEqual(s.lr(epoch: 10), 0, accuracy: 1e-15)
    }
}
