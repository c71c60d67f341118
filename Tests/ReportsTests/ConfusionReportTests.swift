import XCTest
@testable import Reports

final class ConfusionReportTests: XCTestCase {
    /// 3 classes; "Cat" has no test sample. Rows are true classes.
    let matrix = [[8, 2, 0], [1, 9, 0], [0, 0, 0]]
    var classes: [ClassResult] { ClassResult.from(confusion: matrix, classes: ["Dog", "=Bird", "Cat"]) }

    func testPerClassResultsComeFromTheMatrixRows() {
        XCTAssertEqual(classes.map(\.name), ["Dog", "=Bird", "Cat"])
        XCTAssertEqual(classes.map(\.samples), [10, 10, 0])
        XCTAssertEqual(classes.map(\.correct), [8, 9, 0])
        XCTAssertEqual(classes.map(\.accuracy), [0.8, 0.9, nil])
        // A label the dataset has no name for is named by its number.
        XCTAssertEqual(ClassResult.from(confusion: [[1, 0], [0, 1]], classes: ["a"]).map(\.name), ["a", "1"])
    }

    func testCSVExactText() {
        // Class names are text cells: a leading "=" is defused for spreadsheets.
        XCTAssertEqual(ConfusionReport.csv(classes, matrix), """
            true \\ predicted,Dog,'=Bird,Cat,samples,accuracy_pct
            Dog,8,2,0,10,80.00
            '=Bird,1,9,0,10,90.00
            Cat,0,0,0,0,

            """)
    }

    func testSVGIsWellFormedWithOneCellPerPairAndRowAccuracies() throws {
        let svg = ConfusionReport.svg(classes, matrix, title: "A <test> & matrix")
        let xml = try XCTUnwrap(XMLCheck.parse(svg), "not well-formed")
        let cells = xml.elements.filter { $0.name == "rect" && $0.attributes["stroke"] == "#ffffff" }
        XCTAssertEqual(cells.count, 9)
        // Shade by the row's share: 8 of 10 → 80 % of the way from white to the blue.
        XCTAssertEqual(cells[0].attributes["fill"], ConfusionReport.shade(0.8))
        XCTAssertEqual(ConfusionReport.shade(0), "#ffffff")
        XCTAssertEqual(ConfusionReport.shade(1), "#1f77b4")
        let texts = xml.elements.filter { $0.name == "text" }.map(\.text)
        XCTAssertTrue(texts.contains("A <test> & matrix"))
        XCTAssertTrue(texts.contains("80.0 %") && texts.contains("90.0 %") && texts.contains("—"), "\(texts)")
        XCTAssertEqual(texts.filter { $0 == "9" }.count, 1)
    }

    func testSummaryListsPerClassAccuracyOverSeedsAndLinksEveryMatrix() {
        func record(_ variant: String, _ seed: UInt64, _ m: [[Int]]) -> TrialRecord {
            var r = Fixtures.record(variant: variant, seed: seed, train: 0.9, val: 0.9, test: 0.85, selectedEpoch: 3,
                                    seconds: 1, baseline: "Base")
            r.testConfusion = m
            r.testPerClass = ClassResult.from(confusion: m, classes: ["Dog", "Cat"])
            return r
        }
        let records = [record("Base", 0, [[9, 1], [2, 8]]), record("Base", 1, [[7, 3], [2, 8]]),
                       record("Wide", 0, [[10, 0], [5, 5]])]
        let section = Summary.perClassSection(Aggregation.aggregate(records))
        XCTAssertEqual(section, """

            ## Per-class test accuracy

            | Class | Base | Wide |
            | --- | ---: | ---: |
            | Dog | 80.00 ± 127.06 | 100.00 |
            | Cat | 80.00 ± 0.00 | 50.00 |

            Confusion matrices of the selected checkpoints (rows: true class, columns: predicted): \
            [Base (seed 0)](base-seed0/confusion.svg) ([csv](base-seed0/confusion.csv)), \
            [Base (seed 1)](base-seed1/confusion.svg) ([csv](base-seed1/confusion.csv)), \
            [Wide (seed 0)](wide-seed0/confusion.svg) ([csv](wide-seed0/confusion.csv)).

            """)
        // Records written before per-class results existed give no section (old summaries unchanged).
        XCTAssertEqual(Summary.perClassSection(Aggregation.aggregate(Fixtures.twoVariants)), "")
    }
}
