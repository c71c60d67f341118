import XCTest
@testable import Reports

/// Differences to the baseline with Welch intervals, and Holm's correction, against values computed
/// independently: scipy 1.17 `stats.ttest_ind(a, b, equal_var=False)` with `.confidence_interval(0.95)`
/// for the differences and p-values; Holm's adjustment by hand from those p-values.
final class MultipleComparisonTests: XCTestCase {
    private let baseline = [0.901, 0.899, 0.903, 0.900]
    private let variants = [[0.912, 0.915, 0.909, 0.911], [0.905, 0.899, 0.902, 0.907], [0.903, 0.908, 0.900]]

    func testWelchDifferenceAndIntervalMatchScipy() throws {
        let expected: [(d: Double, low: Double, high: Double, df: Double)] = [
            (0.010999999999999899, 0.007173768304925996, 0.014826231695073801, 5.2992700729927),
            (0.0024999999999999467, -0.0027382161500599843, 0.007738216150059878, 4.351931330472103),
            (0.0029166666666665675, -0.0058630046166255265, 0.011696337949958661, 2.5412005671971016),
        ]
        for (variant, e) in zip(variants, expected) {
            let d = try XCTUnwrap(Stats.welchDifference(variant, baseline))
            XCTAssertEqual(d.estimate, e.d, accuracy: 1e-12)
            XCTAssertEqual(d.low, e.low, accuracy: 1e-9)
            XCTAssertEqual(d.high, e.high, accuracy: 1e-9)
            XCTAssertEqual(d.degreesOfFreedom, e.df, accuracy: 1e-9)
        }
        XCTAssertNil(Stats.welchDifference([0.9], baseline))
        XCTAssertNil(Stats.welchDifference([0.9, 0.9], [0.8, 0.8]))
    }

    func testHolmAdjustment() throws {
        let ps = variants.map { Stats.welch($0, baseline)?.p }
        // scipy: 0.0006010400608551968, 0.2632796494358794, 0.338666225839097.
        XCTAssertEqual(try XCTUnwrap(ps[0]), 0.0006010400608551968, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(ps[1]), 0.2632796494358794, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(ps[2]), 0.338666225839097, accuracy: 1e-9)
        // Sorted: 3 × 0.000601 = 0.001803; 2 × 0.26328 = 0.52656; max(0.52656, 1 × 0.33867) = 0.52656.
        let holm = Stats.holm([nil] + ps)
        XCTAssertNil(holm[0])
        XCTAssertEqual(try XCTUnwrap(holm[1]), 0.0018031201825655903, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(holm[2]), 0.5265592988717588, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(holm[3]), 0.5265592988717588, accuracy: 1e-9)
        // One comparison: unchanged; large products are capped at 1.
        XCTAssertEqual(Stats.holm([0.2]), [0.2])
        XCTAssertEqual(Stats.holm([0.6, 0.7]), [1, 1])
    }

    func testAggregatesCarryTheDifferenceAndHolmP() throws {
        var records: [TrialRecord] = []
        for (name, tests) in [("Base", baseline), ("A", variants[0]), ("B", variants[1]), ("C", variants[2])] {
            for (seed, test) in tests.enumerated() {
                records.append(Fixtures.record(variant: name, seed: UInt64(seed), train: 0.95, val: 0.9, test: test,
                                               baseline: "Base"))
            }
        }
        let aggregates = Aggregation.aggregate(records)
        XCTAssertEqual(aggregates.map(\.variant), ["Base", "A", "B", "C"])
        XCTAssertNil(aggregates[0].difference)
        XCTAssertNil(aggregates[0].holmPValue)
        XCTAssertEqual(try XCTUnwrap(aggregates[1].holmPValue), 0.0018031201825655903, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(aggregates[3].difference?.low), -0.0058630046166255265, accuracy: 1e-9)
        let csv = AggregateCSV.render(aggregates).split(separator: "\n").map(String.init)
        XCTAssertTrue(csv[0].hasSuffix(",p_vs_baseline,selected_on,test_diff_vs_baseline,test_diff_ci95_low,test_diff_ci95_high,p_holm"))
        XCTAssertTrue(csv[1].hasSuffix(",,val_acc,,,,"), csv[1])
        XCTAssertTrue(csv[2].hasSuffix(",0.0006,val_acc,1.10,0.72,1.48,0.0018"), csv[2])
        XCTAssertTrue(csv[4].hasSuffix(",0.3387,val_acc,0.29,-0.59,1.17,0.5266"), csv[4])
        let summary = Summary.markdown(records: records)
        XCTAssertTrue(summary.contains("| A (n = 4) | 95.00 ± 0.00 | 90.00 ± 0.00 | 91.17 ± 0.40 | +1.10 [+0.72, +1.48] | < 0.001 | 0.002 |"), summary)
        XCTAssertTrue(summary.contains("| C (n = 3) | 95.00 ± 0.00 | 90.00 ± 0.00 | 90.37 ± 1.00 | +0.29 [-0.59, +1.17] | 0.339 | 0.527 |"), summary)
    }
}
