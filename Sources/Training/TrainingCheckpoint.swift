import Engine
import Foundation
import Reports
import Spec

/// The resumable state of a trial after a completed epoch, in one safetensors file written
/// atomically: current weights and buffers (`model.*`), the selected checkpoint so far
/// (`best.*`), optimizer moments (`optim.*`), and in the metadata the history, the selection,
/// both random generators' states and the trial hash. Restoring it and continuing gives
/// results bit-identical to a run that was never interrupted.
enum TrainingCheckpoint {
    /// What `restore` found.
    enum Restored: Equatable {
        /// No checkpoint, or one of another trial (another config, dataset or engine): start at epoch 1.
        case fresh
        /// `epochs` completed epochs restored; `seconds` spent on them by earlier runs.
        case resumed(epochs: Int, seconds: Double)
        /// A checkpoint of this trial that is damaged or incomplete, nothing restored: one line why.
        case unusable(String)
    }

    /// Saves the state after a completed epoch; `seconds` is the time spent on the trial so far.
    static func save(_ runner: TrialRunner, to path: String, seconds: Double) throws {
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
            "seconds": String(seconds.bitPattern),
            "data_sha256": checksum(tensors.map { ($0.name, $0.bytes) }),
        ]
        if let e = s.bestEpoch { meta["best_epoch"] = String(e) }
        try AtomicFile.write(Safetensors.write(tensors: tensors, metadata: meta), to: path)
    }

    /// The history saved in the checkpoint at `path` when it belongs to the trial `trialHash` and
    /// its data checks out (nil otherwise). Successive halving reads it for a trial another process
    /// is training on or re-marking right now, whose records are briefly unverifiable.
    static func history(at path: String, trialHash: String) -> [EpochRecord]? {
        guard FileManager.default.fileExists(atPath: path), let file = try? Safetensors.read(path: path),
              file.metadata["trial_hash"] == trialHash,
              file.metadata["data_sha256"] == checksum(file.tensors.map { ($0.key, $0.value.bytes) }),
              let text = file.metadata["history"] else { return nil }
        return try? JSONDecoder().decode([EpochRecord].self, from: Data(text.utf8))
    }

    /// Restores the state from `path` when it belongs to this trial and is complete: its tensor
    /// data matches its checksum, and the current and selected weights, every optimizer tensor,
    /// the history and both random generators' positions are all there. Everything is checked
    /// before anything is changed, so an unusable checkpoint leaves the runner as it was built.
    static func restore(from path: String, trialHash: String, into runner: TrialRunner) throws -> Restored {
        guard FileManager.default.fileExists(atPath: path) else { return .fresh }
        let file: SafetensorsFile
        do { file = try Safetensors.read(path: path) } catch {
            return .unusable("\(error)")
        }
        guard let hash = file.metadata["trial_hash"] else { return .unusable("\(path): no trial hash") }
        guard hash == trialHash else { return .fresh }
        guard file.metadata["data_sha256"] == checksum(file.tensors.map { ($0.key, $0.value.bytes) }) else {
            return .unusable("\(path): tensor data does not match its checksum")
        }
        guard let historyText = file.metadata["history"],
              let history = try? JSONDecoder().decode([EpochRecord].self, from: Data(historyText.utf8)),
              let bestBits = file.metadata["best_score"].flatMap(UInt64.init),
              let secondsBits = file.metadata["seconds"].flatMap(UInt64.init),
              let shuffle = words(file.metadata["shuffle_random"]),
              let dropout = words(file.metadata["dropout_random"])
        else { return .unusable("\(path): training state incomplete (history, selection, timing or random generators)") }
        let network = runner.networkForCheckpoint
        let expected = ModelWeights.expected(for: network)
        for prefix in ["model.", "best."] {
            for t in expected {
                guard let found = file.tensors[prefix + t.name], found.dtype == t.dtype, found.shape == t.shape else {
                    return .unusable("\(path): tensor \"\(prefix + t.name)\" missing or of another shape")
                }
            }
        }
        var optimState: [(name: String, values: [Float])] = []
        for (name, values) in runner.optimizerForCheckpoint.state() {
            guard let found = file.tensors["optim." + name]?.floats, found.count == values.count else {
                return .unusable("\(path): optimizer tensor \"optim.\(name)\" missing or of another size")
            }
            optimState.append((name, found))
        }
        // The checks above make these succeed; should one still fail, the error ends the trial
        // rather than letting it train on from half-restored state.
        try ModelWeights.load(file, into: network, prefix: "best.")
        runner.bestSnapshot.capture()
        try ModelWeights.load(file, into: network, prefix: "model.")
        try runner.optimizerForCheckpoint.restore(optimState)
        runner.state = .init(history: history, bestEpoch: file.metadata["best_epoch"].flatMap(Int.init),
                             bestScore: Double(bitPattern: bestBits), shuffle: shuffle, dropout: dropout)
        return .resumed(epochs: history.count, seconds: Double(bitPattern: secondsBits))
    }

    /// SHA-256 over the tensors' names and bytes in name order.
    static func checksum(_ tensors: [(String, Data)]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tensors.reduce(0) { $0 + $1.1.count + $1.0.utf8.count + 1 })
        for (name, data) in tensors.sorted(by: { $0.0 < $1.0 }) {
            bytes += Array(name.utf8)
            bytes.append(0)
            bytes += data
        }
        return SHA256.hex(bytes)
    }

    private static func words(_ text: String?) -> [UInt64]? {
        guard let parts = text?.split(separator: " ").compactMap({ UInt64($0) }), parts.count == 4 else { return nil }
        return parts
    }
}
