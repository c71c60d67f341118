import Foundation
import Reports
import Spec

/// A finished trial folder is verified, never trusted: the trainer writes `manifest.json` last
/// (atomically) with every file's size and SHA-256, the trial hash and the engine version, and a
/// folder counts as cached only when the manifest and every file it lists check out.
///
/// Files have one of three roles:
/// - **records** (`metrics.json`, `history.csv`) and **weights** (`model.safetensors`): the
///   results themselves. Damaged means the trial is retrained (or, when asked, reported and
///   left alone) — never reused.
/// - **derivable** (`config.yaml`, `trial.hash`, `convergence.svg`, `loss.svg`, and
///   `confusion.csv` / `confusion.svg` when the record has a confusion matrix): computed from
///   the trial's config and records. They are compared with what the current code derives and
///   rewritten when missing or different, with a line saying so.
///
/// Folders written before manifests existed (a `trial.hash` but no manifest) are adopted after
/// a structural check: the records parse and agree with each other, the weights parse and carry
/// the trial's config hash and selected epoch. The trainer removes `manifest.json` and
/// `trial.hash` before it writes anything else into a folder and writes them back last, so a
/// folder caught half-rewritten never passes either check.
public enum TrialFolder {
    public static let manifestName = "manifest.json"
    public static let hashName = "trial.hash"
    static let recordNames = ["history.csv", "metrics.json"]
    static let weightsName = "model.safetensors"

    /// The content of `manifest.json`.
    public struct Manifest: Codable, Equatable, Sendable {
        public struct Entry: Codable, Equatable, Sendable {
            public var bytes: Int
            public var sha256: String
        }
        public var trialHash: String
        public var engineVersion: String
        public var files: [String: Entry]

        enum CodingKeys: String, CodingKey {
            case trialHash = "trial_hash", engineVersion = "engine_version", files
        }
    }

    /// What a folder holds for a trial.
    public enum Verdict {
        /// No finished result of this trial (nothing, another config, or an interrupted run): train.
        case absent
        /// A finished result whose records and weights check out. `stale` lists the derivable
        /// files that are missing or differ from what the records give (rewritten by `repair`);
        /// `adopted` says the folder predates manifests and needs one written.
        case finished(record: TrialRecord, history: [EpochRecord], stale: [String], adopted: Bool)
        /// A search trial stopped at a successive-halving rung (paused or pruned) whose records
        /// check out against its manifest; its checkpoint lets a later run continue it.
        case rung(record: TrialRecord, history: [EpochRecord])
        /// A finished result of this trial whose records or weights are damaged: one line why.
        case damaged(String)
    }

    /// Checks `folder` against `trial` (whose cache key is `trialHash`).
    public static func verify(folder: String, trial: Trial, trialHash: String) -> Verdict {
        let manifestPath = path(folder, manifestName)
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            return verifyLegacy(folder: folder, trial: trial, trialHash: trialHash)
        }
        let manifest: Manifest
        do {
            guard let data = FileManager.default.contents(atPath: manifestPath) else {
                return .damaged("\(manifestPath): cannot read the file")
            }
            manifest = try ReportJSON.decode(Manifest.self, from: data)
        } catch {
            return .damaged("\(manifestPath): not a valid manifest")
        }
        guard manifest.trialHash == trialHash else { return .absent }
        for name in recordNames where manifest.files[name] == nil {
            return .damaged("\(manifestPath): does not list \(name)")
        }
        for name in (recordNames + [weightsName]).sorted() {
            guard let entry = manifest.files[name] else { continue }
            if let problem = check(path(folder, name), against: entry) { return .damaged(problem) }
        }
        let record: TrialRecord, history: [EpochRecord]
        do {
            record = try ReportBuilder.readRecord(path(folder, "metrics.json"))
            history = try HistoryCSV.parse(try text(path(folder, "history.csv")), file: path(folder, "history.csv"))
        } catch {
            return .damaged("\(error)")
        }
        if record.isRungStop, history.count == record.completedEpochs { return .rung(record: record, history: history) }
        guard isFinal(record) else { return .damaged("\(path(folder, "metrics.json")): status \"\(record.status)\" is not final") }
        if record.isCompleted, manifest.files[weightsName] == nil {
            return .damaged("\(manifestPath): does not list \(weightsName) of a completed trial")
        }
        return .finished(record: record, history: history,
                         stale: staleFiles(folder: folder, trial: trial, trialHash: trialHash, record: record, history: history),
                         adopted: false)
    }

    /// A folder without a manifest: adopted when `trial.hash` matches and its files hold together.
    private static func verifyLegacy(folder: String, trial: Trial, trialHash: String) -> Verdict {
        guard let stored = try? String(contentsOfFile: path(folder, hashName), encoding: .utf8),
              stored.trimmingCharacters(in: .whitespacesAndNewlines) == trialHash,
              let record = try? ReportBuilder.readRecord(path(folder, "metrics.json")),
              isFinal(record)
        else { return .absent }
        let history: [EpochRecord]
        do {
            history = try HistoryCSV.parse(try text(path(folder, "history.csv")), file: path(folder, "history.csv"))
        } catch {
            return .damaged("\(error)")
        }
        guard record.configHash == trial.hash, history.count == record.completedEpochs else {
            return .damaged("\(path(folder, "metrics.json")): does not match history.csv and the trial's config")
        }
        if record.isCompleted {
            let weights = path(folder, weightsName)
            do {
                let file = try Safetensors.read(path: weights)
                guard file.metadata["config_hash"] == trial.hash,
                      file.metadata["selected_epoch"] == record.selectedEpoch.map(String.init) else {
                    return .damaged("\(weights): its metadata does not match metrics.json")
                }
            } catch {
                return .damaged("\(error)")
            }
        }
        return .finished(record: record, history: history,
                         stale: staleFiles(folder: folder, trial: trial, trialHash: trialHash, record: record, history: history),
                         adopted: true)
    }

    /// Rewrites the stale derivable files of a finished trial, then its manifest.
    public static func repair(folder: String, trial: Trial, trialHash: String, record: TrialRecord,
                              history: [EpochRecord], stale: [String]) throws {
        let derived = derivedFiles(trial: trial, trialHash: trialHash, record: record, history: history)
        for (name, text) in derived where stale.contains(name) {
            try AtomicFile.write(text, to: path(folder, name))
        }
        try writeManifest(folder: folder, trialHash: trialHash, completed: record.isCompleted)
    }

    /// The derivable files of a finished trial, as the current code writes them.
    static func derivedFiles(trial: Trial, trialHash: String, record: TrialRecord, history: [EpochRecord]) -> [(String, String)] {
        [("config.yaml", trial.canonicalYAML), (hashName, trialHash + "\n")]
            + ReportBuilder.derivedTrialFiles(record: record, history: history)
    }

    private static func staleFiles(folder: String, trial: Trial, trialHash: String, record: TrialRecord,
                                   history: [EpochRecord]) -> [String] {
        derivedFiles(trial: trial, trialHash: trialHash, record: record, history: history).compactMap { name, text in
            FileManager.default.contents(atPath: path(folder, name)) == Data(text.utf8) ? nil : name
        }
    }

    /// Writes `manifest.json` for the files a finished trial leaves (read back from disk), atomically.
    public static func writeManifest(folder: String, trialHash: String, completed: Bool) throws {
        let optional = ReportBuilder.confusionFileNames.filter { FileManager.default.fileExists(atPath: path(folder, $0)) }
        let names = ["config.yaml", hashName, "convergence.svg", "loss.svg"] + optional + recordNames
            + (completed ? [weightsName] : [])
        var files: [String: Manifest.Entry] = [:]
        for name in names {
            guard let data = FileManager.default.contents(atPath: path(folder, name)) else {
                throw ReportError("\(path(folder, name)): cannot read the file back")
            }
            files[name] = Manifest.Entry(bytes: data.count, sha256: SHA256.hex([UInt8](data)))
        }
        try AtomicFile.writeJSON(Manifest(trialHash: trialHash, engineVersion: engineVersion, files: files),
                                 to: path(folder, manifestName))
    }

    /// Rewrites the status of a trial paused at a rung (`pruned at rung 1 (epoch 2)`), keeping its
    /// history and checkpoint, and writes its manifest back. The caller holds the folder's lock.
    public static func markStopped(folder: String, trial: Trial, trialHash: String, record: TrialRecord,
                                   history: [EpochRecord], status: String) throws {
        var record = record
        record.status = status
        try unmark(folder: folder)
        try ReportBuilder.writeTrial(record: record, history: history, dir: folder)
        try AtomicFile.write(trialHash + "\n", to: path(folder, hashName))
        try writeManifest(folder: folder, trialHash: trialHash, completed: false)
    }

    /// Removes what marks `folder` as holding a finished trial, before anything in it is rewritten.
    static func unmark(folder: String) throws {
        for name in [manifestName, hashName] { try AtomicFile.remove(path(folder, name)) }
    }

    /// Completed and diverged trials are final (deterministic); interrupted ones are resumed.
    static func isFinal(_ record: TrialRecord) -> Bool {
        record.status == "completed" || record.status.hasPrefix("diverged")
    }

    /// One line when the file at `path` is not what `entry` says, nil when it is.
    private static func check(_ path: String, against entry: Manifest.Entry) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            return FileManager.default.fileExists(atPath: path) ? "\(path): cannot read the file" : "\(path): missing"
        }
        if data.count != entry.bytes {
            return "\(path): \(data.count) bytes, the manifest says \(entry.bytes)"
        }
        if SHA256.hex([UInt8](data)) != entry.sha256 {
            return "\(path): content differs from the manifest (SHA-256)"
        }
        return nil
    }

    private static func text(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError(FileManager.default.fileExists(atPath: path) ? "\(path): cannot read the file" : "\(path): missing")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ReportError("\(path): not UTF-8 text") }
        return text
    }

    static func path(_ folder: String, _ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
}
