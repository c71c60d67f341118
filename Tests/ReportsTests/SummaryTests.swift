import XCTest
@testable import Reports

final class SummaryTests: XCTestCase {
    func testTwoVariantsThreeSeedsExactText() {
        XCTAssertEqual(Summary.markdown(records: Fixtures.twoVariants), """
            # Results

            | Technique | Train acc % | Val acc % | Test acc % | Δ test vs baseline (95 % CI) | p vs baseline | p (Holm) | Selected epoch | Seconds |
            | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
            | No regularization (baseline, n = 3) | 95.00 ± 0.50 | 90.50 ± 0.50 | 90.15 ± 0.45 | — | — | — | 23, 25, 31 | 121.0 |
            | Dropout (n = 3) | 93.00 ± 0.25 | 91.30 ± 0.25 | 91.03 ± 0.41 | +0.88 [+0.48, +1.28] | 0.004 | 0.004 | 40, 38, 45 | 132.0 |

            Checkpoint: selected on validation (5,000 held-out training images), the epoch with the highest \
            validation accuracy; the test set was only evaluated, never used for choosing.

            Values are the mean ± the half-width of the 95 % confidence interval over seeds (Student t with \
            n − 1 degrees of freedom), or the single value when a variant has one seed. "Δ test vs baseline" is the \
            variant's mean test accuracy minus the baseline's, in percentage points, with its 95 % confidence interval \
            (Welch: the two variances kept separate, Welch–Satterthwaite degrees of freedom). "p vs baseline" is the \
            two-sided Welch t-test of the test accuracy against the baseline's seeds; with few seeds it has little \
            power, so read it together with the intervals. "p (Holm)" corrects those p-values for comparing several \
            variants with one baseline (Holm's step-down method over every variant with a p-value; it keeps the chance \
            of any false positive at 5 % when read at 0.05). "Selected epoch" lists each seed's checkpoint epoch; \
            "Seconds" is the mean training time per trial.

            ## Trials that did not complete

            - Dropout (seed 4): diverged at epoch 4

            """)
    }

    func testSingleSeedShowsPlainValuesAndTestSelectionIsLoud() {
        let records = [
            Fixtures.record(variant: "Batch norm", seed: 1, train: 0.97, val: 0.915, test: 0.9123, selectedEpoch: 12,
                            seconds: 88.04, baseline: nil, selectedOn: "test_acc"),
        ]
        let text = Summary.markdown(records: records)
        XCTAssertTrue(text.contains("| Batch norm (n = 1) | 97.00 | 91.50 | 91.23 | — | 12 | 88.0 |\n"), text)
        XCTAssertTrue(text.contains("**⚠ Checkpoint selected on TEST — optimistic:**"), text)
        XCTAssertTrue(text.contains("No baseline variant was named, so there are no p-values."), text)
        XCTAssertFalse(text.contains("did not complete"), text)
    }

    func testEarlyStoppedTrialsAreListedWithWhereAndWhy() {
        var record = Fixtures.record(variant: "Batch norm", seed: 1, train: 0.97, val: 0.915, test: 0.9123, selectedEpoch: 12,
                                     seconds: 88.04, baseline: nil)
        record.completedEpochs = 17
        record.stoppedEarly = "stopped after epoch 17: val_acc did not improve for 5 epochs"
        let text = Summary.markdown(records: [record])
        XCTAssertTrue(text.contains("""
            ## Trials stopped early

            - Batch norm (seed 1): stopped after epoch 17: val\\_acc did not improve for 5 epochs (17 of \(record.epochs) epochs; checkpoint from epoch 12)
            """), text)
        XCTAssertFalse(Summary.markdown(records: Fixtures.twoVariants).contains("stopped early"))
    }

    func testPipeInNamesIsEscaped() {
        let records = [Fixtures.record(variant: "a|b", seed: 1, train: 0.9, val: 0.9, test: 0.9, baseline: nil)]
        XCTAssertTrue(Summary.markdown(records: records).contains("| a\\|b (n = 1) |"))
    }

    /// Points successive halving pruned are not compared (no n = 0 row, no p-value in Holm's family)
    /// and not "did not complete": they have a section of their own.
    func testPrunedTrialsAreListedApartFromTheComparison() {
        let pruned = Fixtures.record(variant: "Search [lr=0.1]", seed: 0, train: nil, val: nil, test: nil, selectedEpoch: 2,
                                     status: "pruned at rung 1 (epoch 2)")
        let plain = Summary.markdown(records: Fixtures.twoVariants)
        let text = Summary.markdown(records: Fixtures.twoVariants + [pruned])
        XCTAssertFalse(text.contains("| Search"), text)
        XCTAssertTrue(text.contains("""

            ## Trials pruned by successive halving

            Left out of the tables above: they trained only up to their rung's epochs.

            - Search \\[lr=0.1\\] (seed 0): pruned at rung 1 (epoch 2), 4 of 50 epochs

            """), text)
        XCTAssertEqual(text.replacingOccurrences(of: "\n## Trials pruned by successive halving\n\n"
            + "Left out of the tables above: they trained only up to their rung's epochs.\n\n"
            + "- Search \\[lr=0.1\\] (seed 0): pruned at rung 1 (epoch 2), 4 of 50 epochs\n", with: ""), plain)
    }
}
