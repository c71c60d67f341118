import XCTest
import TestSupport
@testable import Spec

/// `search.prune`: the rung arithmetic and the block's validation.
final class PruneTests: XCTestCase {
    func testRungBudgetsAndSurvivors() {
        let rule = PruneRule(minEpochs: 2, reductionFactor: 3)
        XCTAssertEqual(rule.budgets(epochs: 18), [2, 6, 18])
        XCTAssertEqual(rule.budgets(epochs: 10), [2, 6, 10])
        XCTAssertEqual(rule.budgets(epochs: 6), [2, 6])
        XCTAssertEqual(rule.budgets(epochs: 2), [2])
        XCTAssertEqual(rule.budgets(epochs: 1), [1], "min_epochs past train.epochs: one rung, nothing pruned")
        XCTAssertEqual(PruneRule(minEpochs: 1, reductionFactor: 2, maxRungs: 2).budgets(epochs: 16), [1, 16])
        XCTAssertEqual(PruneRule(minEpochs: 1, reductionFactor: 2, maxRungs: 1).budgets(epochs: 16), [16])
        XCTAssertEqual(rule.survivors(points: 24, rungs: 3), [24, 8, 3])
        XCTAssertEqual(rule.survivors(points: 2, rungs: 3), [2, 1, 1])
        // 24 × 2 + 8 × 4 + 3 × 12 epochs per seed.
        XCTAssertEqual(rule.epochsWithPruning(points: 24, epochs: 18), 48 + 32 + 36)
    }

    func testRunnerListDocumentsTheBlock() throws {
        let section = try XCTUnwrap(Catalog.section("search.prune"))
        XCTAssertEqual(section.options.map(\.key), ["method", "min_epochs", "reduction_factor", "max_rungs"])
        XCTAssertEqual(Catalog.section("search")?.options.map(\.key).last, "prune")
    }

    private let search = """

        seeds: [0, 1]
        search:
          trials: 4
          space:
            train.optimizer.lr: {loguniform: [1.0e-4, 1.0e-2]}
        """

    func testPruneIsReadIntoEveryPointAndLeavesTheTrialsAlone() throws {
        let plain = loadTrials(validText + search)
        let pruned = loadTrials(validText + search + "\n  prune: {method: successive_halving, min_epochs: 2, reduction_factor: 3, max_rungs: 3}\n")
        XCTAssertEqual(pruned.count, 8)
        XCTAssertEqual(Set(pruned.compactMap(\.search?.prune)), [PruneRule(minEpochs: 2, reductionFactor: 3, maxRungs: 3)])
        XCTAssertNil(plain.first?.search?.prune)
        // The rungs are how far a trial trains, not what it is: same configs, hashes and folders.
        XCTAssertEqual(pruned.map(\.canonicalYAML), plain.map(\.canonicalYAML))
        XCTAssertEqual(pruned.map(\.slug), plain.map(\.slug))
        // Defaults: method successive_halving, min_epochs 1, reduction_factor 3.
        let defaults = loadTrials(validText + search + "\n  prune: {}\n")
        XCTAssertEqual(defaults.first?.search?.prune, PruneRule(minEpochs: 1, reductionFactor: 3))
        XCTAssertEqual(loadTrials(validText + search, overrides: ["search.prune.min_epochs=2"]).first?.search?.prune,
                       PruneRule(minEpochs: 2, reductionFactor: 3))
    }

    func testPruneErrorsNameTheirLine() {
        XCTAssertEqual(errorLines(validText + search + """

              prune: {method: hyperbnd, min_epoch: 2, reduction_factor: 1, max_rungs: 0}
            """), [
            "x.yaml:13:19: search.prune.method: expected successive_halving, found \"hyperbnd\"",
            "x.yaml:13:29: search.prune.min_epoch: unknown key, did you mean \"min_epochs\"?",
            "x.yaml:13:61: search.prune.reduction_factor: expected an integer ≥ 2, found 1",
            "x.yaml:13:75: search.prune.max_rungs: expected a positive integer or null, found 0",
        ])
        XCTAssertEqual(errorLines(validText + search + "\n    train.epochs: {int: [2, 8]}\n  prune: {min_epochs: 1}\n"), [
            "x.yaml:13:5: search.space.train.epochs: cannot be searched with search.prune (the rungs are epochs of train.epochs)",
        ])
        XCTAssertEqual(errorLines(validText + search + "\n  prune: 3\n"), [
            "x.yaml:13:10: search.prune: expected a mapping, found 3",
        ])
    }
}
