import XCTest
@testable import Reports

final class CSVTests: XCTestCase {
    func testQuotingFollowsRFC4180() {
        XCTAssertEqual(CSV.quote("plain"), "plain")
        XCTAssertEqual(CSV.quote("a,b"), "\"a,b\"")
        XCTAssertEqual(CSV.quote("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSV.quote("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(CSV.row(["x", "", "y,z"]), "x,,\"y,z\"\n")
    }

    func testHistoryRenderIsExact() {
        let rows = [EpochRecord(epoch: 1, trainLoss: 0.5, trainAcc: 0.8, valLoss: .nan, valAcc: .nan,
                                testLoss: 0.45, testAcc: 0.83, lr: 0.01, seconds: 2.25),
                    EpochRecord(epoch: 2, trainLoss: 0.1 + 0.2, trainAcc: 1e-5, valLoss: 0.4, valAcc: 0.85,
                                testLoss: 0.42, testAcc: 0.84, lr: 0.0095, seconds: 2)]
        XCTAssertEqual(HistoryCSV.render(rows), """
            epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds
            1,0.5,0.8,nan,nan,0.45,0.83,0.01,2.25
            2,0.30000000000000004,1e-05,0.4,0.85,0.42,0.84,0.0095,2.0

            """)
    }

    func testHistoryRoundTripIsBitExact() throws {
        let history = Fixtures.history(epochs: 60, seed: 7) + [
            EpochRecord(epoch: 61, trainLoss: 1e-300, trainAcc: 0.1 + 0.2, valLoss: 123456789.123456789,
                        valAcc: 1.0 / 3.0, testLoss: .leastNonzeroMagnitude, testAcc: 0.9999999999999999, lr: 0, seconds: 1e22)]
        XCTAssertEqual(try HistoryCSV.parse(HistoryCSV.render(history)), history)
        let withNaN = try HistoryCSV.parse("epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds\n"
                                           + "3,0.5,0.8,nan,nan,inf,-inf,0.01,2\n")
        XCTAssertTrue(withNaN[0].valAcc.isNaN)
        XCTAssertEqual(withNaN[0].testLoss, .infinity)
        XCTAssertEqual(withNaN[0].testAcc, -.infinity)
    }

    func testHistoryParseRejectsBadInputWithOneLine() {
        let header = "epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds\n"
        func message(_ text: String) -> String {
            do { _ = try HistoryCSV.parse(text, file: "t/history.csv"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(""), "t/history.csv: empty file, expected the header "
                       + "epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds")
        XCTAssertEqual(message("epoch,loss\n1,2\n"), "t/history.csv:1: expected the header "
                       + "epoch,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,lr,seconds, found epoch,loss")
        XCTAssertEqual(message(header + "1,0.5,0.8,0.4,0.8,0.4,0.8,0.01\n"), "t/history.csv:2: expected 9 fields, found 8")
        XCTAssertEqual(message(header + "1,0.5,0.8,0.4,x,0.4,0.8,0.01,2\n"),
                       "t/history.csv:2: column \"val_acc\": expected a number, found \"x\"")
        XCTAssertEqual(message(header + "1,0.5,0.8,0.4,0x1p3,0.4,0.8,0.01,2\n"),
                       "t/history.csv:2: column \"val_acc\": expected a number, found \"0x1p3\"")
        XCTAssertEqual(message(header + "1.5,0.5,0.8,0.4,0.8,0.4,0.8,0.01,2\n"),
                       "t/history.csv:2: column \"epoch\": expected an integer, found \"1.5\"")
        XCTAssertEqual(message(header + "2,0.5,0.8,0.4,0.8,0.4,0.8,0.01,2\n2,0.5,0.8,0.4,0.8,0.4,0.8,0.01,2\n"),
                       "t/history.csv:3: column \"epoch\": expected a value above 2, found 2")
        XCTAssertEqual(message(header + "1,0.5,0.8,0.4,0.8,0.4,0.8,0.01,2\n\n"),
                       "t/history.csv:3: expected 9 fields, found 1")
    }

    func testResultsCSVRowsAndQuoting() {
        var odd = Fixtures.record(variant: "L2, strong", seed: 2, train: 0.95, val: 0.90128, test: 0.899949,
                                  selectedEpoch: 17, seconds: 61.26)
        odd.name = "L2 \"1e-3\" (seed 2)"
        let failed = Fixtures.record(variant: "Dropout", seed: 4, train: nil, val: nil, test: nil, selectedEpoch: nil,
                                     seconds: 9.04, status: "failed: loss is NaN, stopped")
        XCTAssertEqual(ResultsCSV.render([odd, failed]), """
            name,variant,config_file,config_hash,seed,epochs,selected_epoch,selected_on,train_acc,val_acc,test_acc,\
            final_train_acc,final_test_acc,parameters,seconds,images_per_second,status
            "L2 ""1e-3"" (seed 2)","L2, strong",experiments/l2-strong.yaml,abc123,2,50,17,val_acc,95.00,90.13,89.99,\
            95.00,89.99,61706,61.3,2500.0,completed
            Dropout (seed 4),Dropout,experiments/dropout.yaml,abc123,4,50,,val_acc,,,,,,61706,9.0,2500.0,\
            "failed: loss is NaN, stopped"

            """)
    }

    func testAggregateCSVIsBaselineFirstWithCIAndWelchP() {
        XCTAssertEqual(AggregateCSV.render(records: Fixtures.twoVariants), """
            variant,seeds,train_acc_mean,train_acc_ci95,val_acc_mean,val_acc_ci95,test_acc_mean,test_acc_ci95,\
            p_vs_baseline,selected_on,test_diff_vs_baseline,test_diff_ci95_low,test_diff_ci95_high,p_holm
            No regularization,3,95.00,0.50,90.50,0.50,90.15,0.45,,val_acc,,,,
            Dropout,3,93.00,0.25,91.30,0.25,91.03,0.41,0.0035,val_acc,0.88,0.48,1.28,0.0035

            """)
    }
}
