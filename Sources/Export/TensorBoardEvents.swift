import Foundation
import Reports
import SwiftProtobuf

/// A trial's TensorBoard events file: one run per trial folder, so `tensorboard --logdir results`
/// lists every variant and seed.
///
/// Records (TFRecord framing, `Event` protobufs): the file version (`brain.Event:2`); the
/// hparams plugin's session start with the trial's hyperparameters (every leaf of its resolved
/// config) and its group (the variant, so seeds group together); per epoch, at step = epoch, the
/// scalars `loss/train`, `loss/validation`, `loss/test`, `accuracy/train`, `accuracy/validation`,
/// `accuracy/test` (percent) and `learning_rate`; the hparams session end. Wall times are the
/// trial's start plus the epochs' cumulative seconds.
public enum TensorBoardEvents {
    /// The file's name in the trial folder: one fixed name, so rewriting it never leaves a second
    /// file for TensorBoard to merge in (TensorBoard reads any file whose name holds `tfevents`).
    public static let fileName = "events.out.tfevents.runner"

    /// A hyperparameter's value as the hparams plugin shows it.
    public enum HParam: Equatable, Sendable {
        case number(Double), text(String), bool(Bool)
    }

    /// The scalars written per epoch, by tag.
    public static let scalarTags = ["loss/train", "loss/validation", "loss/test", "accuracy/train",
                                    "accuracy/validation", "accuracy/test", "learning_rate"]

    static func scalars(_ e: EpochRecord) -> [Double] {
        [e.trainLoss, e.valLoss, e.testLoss, 100 * e.trainAcc, 100 * e.valAcc, 100 * e.testAcc, e.lr]
    }

    /// The file's bytes.
    public static func file(history: [EpochRecord], hparams: [(String, HParam)], group: String,
                            startTime: Double) -> Data {
        var out = Data()
        func append(_ event: Tensorboard_Event) {
            // Serializing a message of set fields cannot fail.
            out.append(TFRecord.frame((try? event.serializedData()) ?? Data()))
        }
        var version = Tensorboard_Event()
        version.wallTime = startTime
        version.fileVersion = "brain.Event:2"
        append(version)

        var start = Tensorboard_Hparams_SessionStartInfo()
        start.groupName = group
        start.startTimeSecs = startTime
        for (name, value) in hparams {
            var v = Google_Protobuf_Value()
            switch value {
            case let .number(x): v.numberValue = x
            case let .text(s): v.stringValue = s
            case let .bool(b): v.boolValue = b
            }
            start.hparams[name] = v
        }
        var startData = Tensorboard_Hparams_HParamsPluginData()
        startData.sessionStartInfo = start
        append(pluginEvent("_hparams_/session_start_info", startData, wallTime: startTime, step: 0))

        var time = startTime
        for epoch in history {
            time += epoch.seconds
            var summary = Tensorboard_Summary()
            summary.value = zip(scalarTags, scalars(epoch)).map { tag, value in
                var v = Tensorboard_Summary.Value()
                v.tag = tag
                v.simpleValue = Float(value)
                return v
            }
            var event = Tensorboard_Event()
            event.wallTime = time
            event.step = Int64(epoch.epoch)
            event.summary = summary
            append(event)
        }

        var end = Tensorboard_Hparams_SessionEndInfo()
        end.status = .success
        end.endTimeSecs = time
        var endData = Tensorboard_Hparams_HParamsPluginData()
        endData.sessionEndInfo = end
        append(pluginEvent("_hparams_/session_end_info", endData, wallTime: time, step: Int64(history.last?.epoch ?? 0)))
        return out
    }

    /// A summary the hparams plugin reads: its data in the metadata, an empty float tensor as value
    /// (as tensorboard.plugins.hparams.summary writes it).
    static func pluginEvent(_ tag: String, _ data: Tensorboard_Hparams_HParamsPluginData, wallTime: Double,
                            step: Int64) -> Tensorboard_Event {
        var metadata = Tensorboard_SummaryMetadata()
        metadata.pluginData.pluginName = "hparams"
        metadata.pluginData.content = (try? data.serializedData()) ?? Data()
        var tensor = Tensorboard_TensorProto()
        tensor.dtype = .dtFloat
        tensor.tensorShape = Tensorboard_TensorShapeProto()
        var value = Tensorboard_Summary.Value()
        value.tag = tag
        value.metadata = metadata
        value.tensor = tensor
        var event = Tensorboard_Event()
        event.wallTime = wallTime
        event.step = step
        event.summary.value = [value]
        return event
    }

    /// Writes the events file of a trial folder (atomically, replacing an earlier one).
    public static func write(folder: String, history: [EpochRecord], hparams: [(String, HParam)], group: String,
                             startTime: Double) throws {
        let path = (folder as NSString).appendingPathComponent(fileName)
        try AtomicFile.write(file(history: history, hparams: hparams, group: group, startTime: startTime), to: path)
    }
}
