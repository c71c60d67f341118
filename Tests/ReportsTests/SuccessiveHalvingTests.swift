import XCTest
@testable import Reports
import Spec

/// The rung decisions as a pure function of histories.
final class SuccessiveHalvingTests: XCTestCase {
    /// A trial whose val_acc per epoch is `accs` (val_loss 1 − acc).
    private func trial(_ accs: [Double], final: Bool = false, completed: Bool = false, select: String = "val_acc") -> SuccessiveHalving.Progress {
        .init(history: accs.enumerated().map { i, a in
            EpochRecord(epoch: i + 1, trainLoss: 1, trainAcc: a, valLoss: 1 - a, valAcc: a, testLoss: 1, testAcc: a / 2, lr: 0.1, seconds: 1)
        }, final: final, completed: completed, selectedOn: select)
    }

    private let rule = PruneRule(minEpochs: 1, reductionFactor: 2)

    func testRungWaitsUntilEveryTrialOfItReachedItsEpochs() {
        let s = SuccessiveHalving.evaluate(rule: rule, epochs: 4, metric: "val_acc", overSeeds: "mean",
                                           points: [[trial([0.5]), trial([0.6])], [trial([0.7]), nil]])
        XCTAssertEqual(s.rung, 0)
        XCTAssertEqual(s.prunedAt, [nil, nil])
        XCTAssertEqual(s.target(point: 1), 1)
    }

    func testBestHalfByTheMeanOverSeedsGoesOnTiesToTheLowerPoint() {
        // Rung 1 (epoch 1): means 0.55, 0.7, 0.7, 0.2 → points 1 and 2 go on (tie at 0.7: lower index first).
        let points: [[SuccessiveHalving.Progress?]] = [
            [trial([0.5, 0.9]), trial([0.6, 0.9])],
            [trial([0.7, 0.8]), trial([0.7, 0.8])],
            [trial([0.7, 0.6]), trial([0.7, 0.6])],
            [trial([0.2]), trial([0.2])],
        ]
        let s = SuccessiveHalving.evaluate(rule: rule, epochs: 4, metric: "val_acc", overSeeds: "mean", points: points)
        XCTAssertEqual(s.budgets, [1, 2, 4])
        XCTAssertEqual(s.prunedAt, [0, nil, 1, 0])
        XCTAssertEqual(s.rung, 2)
        XCTAssertEqual(s.status(point: 0), "pruned at rung 1 (epoch 1)")
        XCTAssertEqual(s.status(point: 2), "pruned at rung 2 (epoch 2)")
        XCTAssertEqual(s.target(point: 1), 4)
        XCTAssertNil(s.target(point: 0))
        XCTAssertEqual(s.scores[0].map { $0.map { ($0 * 100).rounded() } }, [55, 70, 70, 20])
        // Rung 2 uses the best epoch among the first two (point 2: 0.7 at epoch 1, not 0.6 at 2).
        XCTAssertEqual(s.scores[1][1]!, 0.8, accuracy: 1e-12)
        XCTAssertEqual(s.scores[1][2]!, 0.7, accuracy: 1e-12)
        // A history longer than the rung (a later run went on) gives the same decisions.
        var longer = points
        longer[1] = [trial([0.7, 0.8, 0.1, 0.1]), trial([0.7, 0.8, 0.1, 0.1])]
        XCTAssertEqual(SuccessiveHalving.evaluate(rule: rule, epochs: 4, metric: "val_acc", overSeeds: "mean", points: longer).prunedAt,
                       s.prunedAt)
    }

    func testLossIsMinimizedDivergedRanksLastAndEarlyStoppedCounts() {
        let points: [[SuccessiveHalving.Progress?]] = [
            [trial([], final: true)],                          // diverged in epoch 1
            [trial([0.3])],                                    // val_loss 0.7
            [trial([0.6], final: true, completed: true)],      // stopped early after 1 epoch: val_loss 0.4
        ]
        let s = SuccessiveHalving.evaluate(rule: PruneRule(minEpochs: 1, reductionFactor: 3), epochs: 3, metric: "val_loss",
                                           overSeeds: "median", points: points)
        XCTAssertEqual(s.budgets, [1, 3])
        XCTAssertEqual(s.prunedAt, [0, 0, nil])
        XCTAssertNil(s.scores[0][0])
    }

    func testLowerCIPenalizesSpread() {
        let points: [[SuccessiveHalving.Progress?]] = [
            [trial([0.9]), trial([0.5])],   // mean 0.7, wide
            [trial([0.66]), trial([0.66])], // mean 0.66, no spread
        ]
        let mean = SuccessiveHalving.evaluate(rule: rule, epochs: 2, metric: "val_acc", overSeeds: "mean", points: points)
        let lower = SuccessiveHalving.evaluate(rule: rule, epochs: 2, metric: "val_acc", overSeeds: "lower_ci", points: points)
        XCTAssertEqual(mean.prunedAt, [nil, 0])
        XCTAssertEqual(lower.prunedAt, [0, nil])
    }
}
