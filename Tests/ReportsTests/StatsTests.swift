import XCTest
@testable import Reports

final class StatsTests: XCTestCase {
    func testStudentTQuantileMatchesTables() {
        let table: [(df: Double, t: Double)] = [(1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042)]
        for row in table {
            XCTAssertEqual(Stats.studentTQuantile(0.975, degreesOfFreedom: row.df), row.t, accuracy: 0.0005, "df \(row.df)")
        }
    }

    func testStudentTQuantileMatchesScipyToHighPrecision() {
        // scipy.stats.t.ppf(0.975, df)
        let scipy: [(df: Double, t: Double)] = [(1, 12.706204736174694), (3, 3.1824463052837078),
                                                (2.5, 3.5746548420036817), (100, 1.9839715185235518)]
        for row in scipy {
            XCTAssertEqual(Stats.studentTQuantile(0.975, degreesOfFreedom: row.df), row.t, accuracy: 1e-9, "df \(row.df)")
        }
        XCTAssertEqual(Stats.studentTQuantile(0.025, degreesOfFreedom: 4), -2.7764451051977934, accuracy: 1e-9)
    }

    func testStudentTCDFMatchesScipy() {
        XCTAssertEqual(Stats.studentTCDF(1.5, degreesOfFreedom: 3), 0.8847080673775886, accuracy: 1e-12)
        XCTAssertEqual(Stats.studentTCDF(-2.0, degreesOfFreedom: 7.5), 0.041448497649083156, accuracy: 1e-12)
        XCTAssertEqual(Stats.studentTCDF(0, degreesOfFreedom: 5), 0.5)
    }

    func testMeanStandardDeviationAndConfidenceHalfWidth() {
        XCTAssertEqual(Stats.mean([1, 2, 3, 4]), 2.5)
        XCTAssertEqual(Stats.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])!, 2.138089935299395, accuracy: 1e-12)
        XCTAssertNil(Stats.standardDeviation([1]))
        XCTAssertNil(Stats.confidenceHalfWidth([0.9]))
        // scipy: t.ppf(0.975, 2) * std([90.12, 90.34, 89.98], ddof=1) / sqrt(3)
        XCTAssertEqual(Stats.confidenceHalfWidth([90.12, 90.34, 89.98])!, 0.45080997064132095, accuracy: 1e-9)
    }

    func testWelchMatchesScipy() throws {
        // scipy.stats.ttest_ind([0.9101, 0.9087, 0.9120], [0.9012, 0.9034, 0.8998], equal_var=False)
        let w = try XCTUnwrap(Stats.welch([0.9101, 0.9087, 0.9120], [0.9012, 0.9034, 0.8998]))
        XCTAssertEqual(w.t, 6.203613061702472, accuracy: 1e-9)
        XCTAssertEqual(w.degreesOfFreedom, 3.9670693141043403, accuracy: 1e-9)
        XCTAssertEqual(w.p, 0.0035295592756894, accuracy: 1e-12)
        // Unequal sizes: ttest_ind([1.2, 3.4, 2.2, 5.1, 4.4], [2.0, 2.5, 2.1], equal_var=False)
        let u = try XCTUnwrap(Stats.welch([1.2, 3.4, 2.2, 5.1, 4.4], [2.0, 2.5, 2.1]))
        XCTAssertEqual(u.t, 1.4602527372616567, accuracy: 1e-9)
        XCTAssertEqual(u.degreesOfFreedom, 4.360529599436141, accuracy: 1e-9)
        XCTAssertEqual(u.p, 0.2122855529235731, accuracy: 1e-12)
    }

    func testWelchIsUndefinedForTooFewOrConstantValues() {
        XCTAssertNil(Stats.welch([0.9], [0.8, 0.85]))
        XCTAssertNil(Stats.welch([0.9, 0.9], [0.9, 0.9]))
    }
}
