import Foundation
import Spec
import XCTest

@testable import Data

/// CSV tables: header and label column, integer and named classes, RFC 4180 quoting with line
/// numbers that stay right across quoted newlines, and one exact line per kind of bad table.
final class CSVSourceTests: XCTestCase {
    private func folder(train: String, test: String = "label,a,b\n0,1,2\n1,3,4\n", val: String? = nil) throws -> String {
        let dir = try makeTemporaryFolder(self)
        try Data(train.utf8).write(to: URL(fileURLWithPath: dir + "/train.csv"))
        try Data(test.utf8).write(to: URL(fileURLWithPath: dir + "/test.csv"))
        if let val { try Data(val.utf8).write(to: URL(fileURLWithPath: dir + "/val.csv")) }
        return dir
    }

    private func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    func testFeaturesLabelsAndIntegerClassesInNumericOrder() throws {
        // The label column may be anywhere; "10" sorts after "2" as a number; "02" is class 2.
        let dir = try folder(train: "a,label,b\n1.5,10,-2\n0.25,2,3e2\n7,02,8\n", test: "a,label,b\n1,10,1\n")
        let source = CSVSource(folder: dir)
        XCTAssertEqual(try source.describe(), DatasetInfo(sampleShape: [2], classes: ["2", "10"], trainCount: 3, testCount: 1))
        let (train, test) = try source.load()
        XCTAssertTrue(train.isTabular)
        XCTAssertEqual(train.values, [1.5, -2, 0.25, 300, 7, 8])
        XCTAssertEqual(train.labels, [1, 0, 0])
        XCTAssertEqual(test.labels, [1])
        XCTAssertEqual(train.sampleShape, [2])
        XCTAssertEqual(try DatasetSources.detect(DataSpec.at(dir)), .csv)
    }

    func testNamedClassesAreSortedAndQuotedFieldsAreParsed() throws {
        let dir = try folder(train: "species,\"len, cm\"\nsetosa,1\n\"virginica\",\"2\"\nversicolor,3\n",
                             test: "species,\"len, cm\"\nsetosa,4\n")
        let source = CSVSource(folder: dir, labelColumn: "species")
        XCTAssertEqual(try source.describe().classes, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(try source.load().train.labels, [0, 2, 1])
    }

    func testAValidationTableIsItsOwnSplit() throws {
        let dir = try folder(train: "label,a,b\n0,1,2\n1,3,4\n", val: "label,a,b\n1,5,6\n")
        let splits = try CSVSource(folder: dir).loadSplits()
        XCTAssertEqual(splits.validation?.values, [5, 6])
        XCTAssertEqual(try CSVSource(folder: dir).describe().validationCount, 1)
    }

    func testLineNumbersCountQuotedNewlinesAndBlankLines() throws {
        let dir = try folder(train: "label,x\r\n\"cat\r\ndog\",1\r\n\r\nbird,oops\r\n")
        XCTAssertEqual(message { try CSVSource(folder: dir).load() },
                       "\(dir)/train.csv:5: column \"x\": expected a finite number, found \"oops\"")
    }

    func testEveryBadTableIsOneLineNamingFileAndLine() throws {
        let cases: [(String, String, String)] = [
            ("label,a,b\n0,1,2\n1,3\n", "train.csv:3: expected 3 fields (the header's columns), found 2", "ragged row"),
            ("label,a,b\n0,1,nan\n", "train.csv:2: column \"b\": expected a finite number, found \"nan\"", "NaN"),
            ("label,a,b\n0,1,\n", "train.csv:2: column \"b\": expected a finite number, found an empty field", "missing value"),
            ("label,a,b\n0,1,x\n", "train.csv:2: column \"b\": expected a finite number, found \"x\"", "text"),
            ("label,a,b\n,1,2\n", "train.csv:2: column \"label\": expected a label, found an empty field", "empty label"),
            ("lable,a,b\n0,1,2\n", "data.label: %@/train.csv:1: no column named \"label\" in the header (lable, a, b), did you mean \"lable\"?", "no label column"),
            ("label,a,a\n0,1,2\n", "train.csv:1: the header names column \"a\" twice", "duplicate column"),
            ("label\n0\n1\n", "train.csv:1: holds no feature column beside \"label\"", "no features"),
            ("label,a,b\n", "train.csv: holds no data rows", "no rows"),
            ("label,a,b\n0,1,2\n0,3,4\n", "train.csv: has one class (0) in column \"label\"; a classifier needs two or more", "one class"),
            ("label,a,b\n0,1,2\n1,\"3\"x,4\n", "train.csv:3: cannot be parsed as CSV (error parsing data while strict checking enabled: "
                + "a quote inside an unquoted field, or text after a closing quote)", "text after a closing quote"),
            ("label,a,b\n0,1,2\n1,\"3,4\n", "train.csv:3: cannot be parsed as CSV (a quoted field is not closed)", "unclosed quote"),
            ("", "train.csv: holds no header row", "empty file"),
            ("label,a,b\n0,1,2\n1,3,4", "", "no final newline: fine"),
        ]
        for (train, expected, what) in cases {
            let dir = try folder(train: train)
            let want = expected.isEmpty ? "no error" : expected.contains("%@") ? expected.replacingOccurrences(of: "%@", with: dir) : "\(dir)/\(expected)"
            XCTAssertEqual(message { try CSVSource(folder: dir).load() }, want, what)
        }
    }

    func testTestTablesMustMatchTheTrainingColumnsAndClasses() throws {
        var dir = try folder(train: "label,a,b\n0,1,2\n1,3,4\n", test: "label,b,a\n0,1,2\n")
        XCTAssertEqual(message { try CSVSource(folder: dir).load() },
                       "\(dir)/test.csv:1: expected the columns of train.csv (a, b), found b, a")
        dir = try folder(train: "label,a,b\n0,1,2\n1,3,4\n", test: "label,a,b\n0,1,2\n\n7,1,2\n")
        XCTAssertEqual(message { try CSVSource(folder: dir).load() },
                       "\(dir)/test.csv:4: label \"7\" is not a class of the training split (0, 1)")
        dir = try makeTemporaryFolder(self)
        XCTAssertEqual(message { try CSVSource(folder: dir).load() },
                       "data.path: \(dir)/train.csv: not found (a csv dataset holds train.csv and test.csv, optionally val.csv)")
    }

    func testStatisticsArePerFeatureOnTheGivenRowsOnly() throws {
        let set = ImageSet(features: [1, 10, 3, 10, 100, -5], labels: [0, 1, 0], count: 3, features: 2)
        let s = set.statistics(of: [0, 1])
        XCTAssertEqual(s.mean, [2, 10])
        XCTAssertEqual(s.std, [1, 1])  // feature 1 is constant on these rows: std 1, not 0
        let images = ImageSet(images: [0, 255, 51, 51], labels: [0, 1], count: 2, rows: 1, cols: 2)
        let p = images.statistics(of: [0])
        XCTAssertEqual(p.mean, [0.5])
        XCTAssertEqual(p.std[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(images.statistics(of: [1]).std, [1])
    }
}

extension DataSpec {
    static func at(_ path: String) -> DataSpec {
        var d = DataSpec()
        d.path = path
        return d
    }
}
