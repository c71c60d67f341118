import Engine
import Foundation
import Reports

/// The resumable state of a trial after a completed epoch, in one safetensors file written
/// atomically: current weights and buffers (`model.*`), the selected checkpoint so far
/// (`best.*`), optimizer moments (`optim.*`), and in the metadata the history, the selection,
/// both random generators' states and the trial hash. Restoring it and continuing gives
/// results bit-identical to a run that was never interrupted.
enum TrainingCheckpoint {
    static func save(_ runner: TrialRunner, to path: String) throws {
        let network = runner.networkForCheckpoint
        var tensors = ModelWeights.tensors(of: network, prefix: "model.")
        runner.bestSnapshot.swap()
        tensors += ModelWeights.tensors(of: network, prefix: "best.")
        runner.bestSnapshot.swap()
        for (name, values) in runner.optimizerForCheckpoint.state() {
            tensors.append(("optim." + name, .f32, [values.count], values.withUnsafeBufferPointer { Data(buffer: $0) }))
        }
        let s = runner.state
        let history = String(decoding: try JSONEncoder().encode(s.history), as: UTF8.self)
        var meta = [
            "format": "pt",
            "trial_hash": runner.trialHash,
            "history": history,
            "best_score": String(s.bestScore.bitPattern),
            "shuffle_random": s.shuffle.map(String.init).joined(separator: " "),
            "dropout_random": s.dropout.map(String.init).joined(separator: " "),
        ]
        if let e = s.bestEpoch { meta["best_epoch"] = String(e) }
        try AtomicFile.write(Safetensors.write(tensors: tensors, metadata: meta), to: path)
    }

    /// Restores state from `path` when it exists and belongs to this trial (same hash).
    /// Returns the number of completed epochs restored (0 when starting fresh).
    static func restore(from path: String, trialHash: String, into runner: TrialRunner) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let file: SafetensorsFile
        do { file = try Safetensors.read(path: path) } catch {
            // A checkpoint that cannot be read is never trusted: start the trial over.
            return 0
        }
        guard file.metadata["trial_hash"] == trialHash,
              let historyText = file.metadata["history"],
              let history = try? JSONDecoder().decode([EpochRecord].self, from: Data(historyText.utf8)),
              let bestBits = file.metadata["best_score"].flatMap(UInt64.init),
              let shuffle = words(file.metadata["shuffle_random"]),
              let dropout = words(file.metadata["dropout_random"])
        else { return 0 }
        let network = runner.networkForCheckpoint
        try ModelWeights.load(file, into: network, prefix: "best.")
        runner.bestSnapshot.capture()
        try ModelWeights.load(file, into: network, prefix: "model.")
        var optimState: [(name: String, values: [Float])] = []
        for (name, _) in runner.optimizerForCheckpoint.state() {
            guard let values = file.tensors["optim." + name]?.floats else { return 0 }
            optimState.append((name, values))
        }
        try runner.optimizerForCheckpoint.restore(optimState)
        runner.state = .init(history: history, bestEpoch: file.metadata["best_epoch"].flatMap(Int.init),
                             bestScore: Double(bitPattern: bestBits), shuffle: shuffle, dropout: dropout)
        return history.count
    }

    private static func words(_ text: String?) -> [UInt64]? {
        guard let parts = text?.split(separator: " ").compactMap({ UInt64($0) }), parts.count == 4 else { return nil }
        return parts
    }
}
