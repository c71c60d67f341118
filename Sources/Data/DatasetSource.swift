import Foundation
import Spec

/// One dataset on disk, whatever its format: what it is (shape, classes, split sizes — from the
/// files' headers, cheaply), a fingerprint of its content for the cache key, and its samples.
/// Everything above `Data` (validation, shape inference, training, reports) sees datasets only
/// through this interface; a new format is a new conforming type plus a case in
/// `DatasetSources.source(for:)`.
public protocol DatasetSource: Sendable {
    /// Shape, classes and split sizes; reads headers only. Errors are one line naming the file.
    func describe() throws -> DatasetInfo
    /// A content fingerprint of the files, part of every trial's cache key.
    func fingerprint() throws -> String
    /// The training and test splits as 8-bit samples.
    func load() throws -> (train: ImageSet, test: ImageSet)
}

/// The four MNIST-style IDX files of a folder (`data.dataset: fashion-mnist | mnist`).
public struct IDXSource: DatasetSource {
    public let folder: String
    public let kind: DatasetKind

    public init(folder: String, kind: DatasetKind) {
        self.folder = folder
        self.kind = kind
    }

    public func describe() throws -> DatasetInfo { try DatasetLoader.describe(folder: folder, kind: kind) }
    public func fingerprint() throws -> String { try DatasetLoader.fingerprint(folder: folder, kind: kind) }
    public func load() throws -> (train: ImageSet, test: ImageSet) { try DatasetLoader.load(folder: folder, kind: kind) }
}

/// Chooses the source a `data:` section describes.
public enum DatasetSources {
    /// The source of `data`.
    public static func source(for data: DataSpec) -> any DatasetSource {
        IDXSource(folder: data.path, kind: data.dataset)
    }

    /// Identifies the files `data` reads (whatever its transforms): equal keys, equal source.
    public static func key(for data: DataSpec) -> String { "\(data.dataset.rawValue)|\(data.path)" }

    /// The describer the runner gives the loader: each distinct source is described once per
    /// process, however many trials a sweep expands to.
    public static let describer = Describer()

    public final class Describer: DatasetDescribing, @unchecked Sendable {
        private var known: [String: Result<DatasetInfo, DatasetProblem>] = [:]
        private let lock = NSLock()

        public func describe(_ data: DataSpec) -> Result<DatasetInfo, DatasetProblem> {
            let key = DatasetSources.key(for: data)
            lock.lock(); defer { lock.unlock() }
            if let hit = known[key] { return hit }
            let result: Result<DatasetInfo, DatasetProblem>
            do { result = .success(try source(for: data).describe()) } catch let error as DataError {
                result = .failure(DatasetProblem(keyPath: error.keyPath ?? "data.path", "\(error.path): \(error.message)"))
            } catch {
                result = .failure(DatasetProblem("\(data.path): \(error)"))
            }
            known[key] = result
            return result
        }
    }
}
