import Export
import Foundation
import Reports
import SwiftProtobuf
import TestSupport
import XCTest

/// The events file: records read back with their CRCs checked, decoded as Event protobufs; where
/// the `tensorboard` package is installed, its own reader loads the file.
final class TensorBoardEventsTests: XCTestCase {
    let history: [EpochRecord] = (1...3).map { (e: Int) -> EpochRecord in
        let x = Double(e)
        return EpochRecord(epoch: e, trainLoss: 1.0 / x, trainAcc: 0.5 + 0.1 * x, valLoss: 1.5 / x, valAcc: 0.4 + 0.1 * x,
                           testLoss: 2.0 / x, testAcc: 0.3 + 0.1 * x, lr: 0.01 / x, seconds: 2.5)
    }
    let hparams: [(String, TensorBoardEvents.HParam)] = [("train.optimizer.lr", .number(0.01)),
                                                         ("model.lenet5.activation", .text("relu")),
                                                         ("model.lenet5.batchnorm", .bool(true))]

    private func events() throws -> [Tensorboard_Event] {
        let data = TensorBoardEvents.file(history: history, hparams: hparams, group: "Batch norm", startTime: 1_000_000)
        return try TFRecord.records(data).map { try Tensorboard_Event(serializedBytes: $0) }
    }

    func testRecordsDecodeToTheScalarsAndHyperparameters() throws {
        let events = try events()
        XCTAssertEqual(events.count, 1 + 1 + 3 + 1)
        XCTAssertEqual(events[0].fileVersion, "brain.Event:2")
        XCTAssertEqual(events[0].wallTime, 1_000_000)

        let start = events[1].summary.value[0]
        XCTAssertEqual(start.tag, "_hparams_/session_start_info")
        XCTAssertEqual(start.metadata.pluginData.pluginName, "hparams")
        let startData = try Tensorboard_Hparams_HParamsPluginData(serializedBytes: start.metadata.pluginData.content)
        XCTAssertEqual(startData.sessionStartInfo.groupName, "Batch norm")
        XCTAssertEqual(startData.sessionStartInfo.hparams["train.optimizer.lr"]?.numberValue, 0.01)
        XCTAssertEqual(startData.sessionStartInfo.hparams["model.lenet5.activation"]?.stringValue, "relu")
        XCTAssertEqual(startData.sessionStartInfo.hparams["model.lenet5.batchnorm"]?.boolValue, true)

        for (event, epoch) in zip(events[2...4], history) {
            XCTAssertEqual(event.step, Int64(epoch.epoch))
            XCTAssertEqual(event.wallTime, 1_000_000 + 2.5 * Double(epoch.epoch))
            var values: [String: Float] = [:]
            for v in event.summary.value { values[v.tag] = v.simpleValue }
            let expected: [Float] = [Float(epoch.trainLoss), Float(epoch.valLoss), Float(epoch.testLoss), Float(100 * epoch.trainAcc),
                                     Float(100 * epoch.valAcc), Float(100 * epoch.testAcc), Float(epoch.lr)]
            XCTAssertEqual(TensorBoardEvents.scalarTags.map { values[$0] }, expected)
            XCTAssertEqual(values.count, 7)
        }
        let end = try Tensorboard_Hparams_HParamsPluginData(serializedBytes: events[5].summary.value[0].metadata.pluginData.content)
        XCTAssertEqual(end.sessionEndInfo.status, .success)
        XCTAssertEqual(end.sessionEndInfo.endTimeSecs, 1_000_007.5)
    }

    static let script = """
        import json, sys
        try:
            from tensorboard.backend.event_processing import event_accumulator
            from tensorboard.plugins.hparams import plugin_data_pb2
        except ImportError:
            sys.exit(3)
        request = json.load(open(sys.argv[1]))
        acc = event_accumulator.EventAccumulator(request["path"], size_guidance={event_accumulator.SCALARS: 0})
        acc.Reload()
        scalars = {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}
        content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
        start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
        hparams = {k: v.WhichOneof("kind") + ":" + str(getattr(v, v.WhichOneof("kind"))) for k, v in start.hparams.items()}
        json.dump({"scalars": scalars, "hparams": hparams, "group": start.group_name}, open(sys.argv[2], "w"))
        """

    /// tensorboard's EventAccumulator reads the same scalars at the same steps, and its hparams
    /// plugin data parses to the trial's hyperparameters.
    func testTensorBoardReadsTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TensorBoardEvents.write(folder: dir, history: history, hparams: hparams, group: "Batch norm", startTime: 1_000_000)
        let path = dir + "/" + TensorBoardEvents.fileName
        // Outside XCTUnwrap: it would report the skip thrown without tensorboard as a failure.
        let reply = try TorchScript.run(Self.script, request: ["path": path], requires: "tensorboard")
        let answer = try XCTUnwrap(reply as? [String: Any])
        let scalars = try XCTUnwrap(answer["scalars"] as? [String: [[Double]]])
        XCTAssertEqual(Set(scalars.keys), Set(TensorBoardEvents.scalarTags))
        XCTAssertEqual(scalars["accuracy/validation"]?.map { $0[0] }, [1, 2, 3])
        XCTAssertEqual(scalars["accuracy/validation"]?.map { Float($0[1]) }, history.map { Float(100 * $0.valAcc) })
        XCTAssertEqual(scalars["loss/train"]?.map { Float($0[1]) }, history.map { Float($0.trainLoss) })
        XCTAssertEqual(scalars["learning_rate"]?.map { Float($0[1]) }, history.map { Float($0.lr) })
        XCTAssertEqual(answer["group"] as? String, "Batch norm")
        XCTAssertEqual(answer["hparams"] as? [String: String], [
            "train.optimizer.lr": "number_value:0.01", "model.lenet5.activation": "string_value:relu",
            "model.lenet5.batchnorm": "bool_value:True",
        ])
    }
}
