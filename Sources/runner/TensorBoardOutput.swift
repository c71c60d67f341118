import Export
import Foundation
import Reports
import Spec

/// `runner run --tensorboard` / `train.tensorboard: true`: an events file in each trial folder.
enum TensorBoardOutput {
    /// Writes the events file of every completed trial folder among `trials` (cached ones too,
    /// so turning the switch on for a finished study needs no training); returns how many.
    static func write(_ trials: [Trial], results: String, always: Bool) throws -> Int {
        var written = 0
        for trial in trials where always || trial.spec.train.tensorboard {
            let folder = (results as NSString).appendingPathComponent(trial.slug)
            let metricsPath = (folder as NSString).appendingPathComponent("metrics.json")
            guard let metrics = FileManager.default.contents(atPath: metricsPath),
                  let record = try? ReportJSON.decode(TrialRecord.self, from: metrics),
                  let history = record.history ?? (try? HistoryCSV.parse(String(contentsOfFile: (folder as NSString).appendingPathComponent("history.csv"), encoding: .utf8)))
            else { continue }
            let modified = (try? FileManager.default.attributesOfItem(atPath: metricsPath)[.modificationDate] as? Date) ?? Date()
            try TensorBoardEvents.write(folder: folder, history: history, hparams: hparams(trial.spec), group: trial.spec.name,
                                        startTime: modified.timeIntervalSince1970 - record.seconds)
            written += 1
        }
        return written
    }

    /// Every leaf of the resolved config, typed as the hparams plugin shows it.
    static func hparams(_ spec: ExperimentSpec) -> [(String, TensorBoardEvents.HParam)] {
        SpecDiff.leaves(spec).map { leaf in
            switch leaf.scalar {
            case let .int(i)?: return (leaf.path, .number(Double(i)))
            case let .double(d)?: return (leaf.path, .number(d))
            case let .bool(b)?: return (leaf.path, .bool(b))
            case let .string(s)?: return (leaf.path, .text(s))
            case .null?, nil: return (leaf.path, .text(leaf.value))
            }
        }
    }
}
