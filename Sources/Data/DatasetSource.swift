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
    /// Every split, with the validation split when the dataset has one of its own.
    func loadSplits() throws -> DatasetSplits
}

extension DatasetSource {
    /// A dataset without a validation split of its own.
    public func loadSplits() throws -> DatasetSplits {
        let (train, test) = try load()
        return DatasetSplits(train: train, test: test, validation: nil)
    }
}

/// The splits of a dataset as 8-bit samples.
public struct DatasetSplits: Sendable {
    public var train: ImageSet
    public var test: ImageSet
    /// A validation split of its own (an image folder's `val/`, an npz's `x_val`); nil: drawn from `train`.
    public var validation: ImageSet?

    public init(train: ImageSet, test: ImageSet, validation: ImageSet?) {
        self.train = train
        self.test = test
        self.validation = validation
    }
}

/// The four MNIST-style IDX files of a folder (`data.format: idx`, `data.dataset: fashion-mnist | mnist`).
public struct IDXSource: DatasetSource {
    public let folder: String
    public let kind: DatasetKind
    /// Convert the gray images to this many channels (3: the plane repeated); nil keeps 1.
    public let channels: Int?

    public init(folder: String, kind: DatasetKind, channels: Int? = nil) {
        self.folder = folder
        self.kind = kind
        self.channels = channels
    }

    public func describe() throws -> DatasetInfo {
        var info = try DatasetLoader.describe(folder: folder, kind: kind)
        info.sampleShape[0] = channels ?? 1
        return info
    }

    public func fingerprint() throws -> String { try DatasetLoader.fingerprint(folder: folder, kind: kind) }

    public func load() throws -> (train: ImageSet, test: ImageSet) {
        let (train, test) = try DatasetLoader.load(folder: folder, kind: kind)
        guard let channels else { return (train, test) }
        return (train.converted(toChannels: channels)!, test.converted(toChannels: channels)!)
    }
}

/// Chooses the source a `data:` section describes.
public enum DatasetSources {
    /// The source of `data`: its `format`, or the one detected from what `path` holds.
    public static func source(for data: DataSpec) throws -> any DatasetSource {
        switch try data.format ?? detect(data) {
        case .idx: IDXSource(folder: data.path, kind: data.dataset, channels: data.channels)
        case .imageFolder: ImageFolderSource(folder: data.path, channels: data.channels, resize: data.resize)
        case .npz: NPZSource(path: data.path, channels: data.channels)
        case .csv: CSVSource(folder: data.path, labelColumn: data.label)
        }
    }

    /// The format of what `data.path` holds: an `.npz` file → npz; in a folder, the IDX training
    /// images → idx, a `train/` folder → image_folder, `x_train.npy` → npz, `train.csv` → csv.
    /// Exactly one must match.
    public static func detect(_ data: DataSpec) throws -> DataFormat {
        let path = data.path
        switch FileBytes.kind(path) {
        case .missing:
            return .idx  // the IDX source reports the missing folder with its install hint
        case .file:
            if path.hasSuffix(".npz") { return .npz }
            throw DataError(keyPath: "data.path", path: path, "is a file, expected a dataset folder or an .npz file")
        case .directory:
            let base = path.hasSuffix("/") ? path : path + "/"
            var found: [DataFormat] = []
            if ["train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"].contains(where: { FileBytes.kind(base + $0) != .missing }) {
                found.append(.idx)
            }
            if FileBytes.kind(base + "train") == .directory { found.append(.imageFolder) }
            if FileBytes.kind(base + "x_train.npy") != .missing { found.append(.npz) }
            if FileBytes.kind(base + "train.csv") != .missing { found.append(.csv) }
            let choices = DataFormat.allCases.map(\.rawValue).joined(separator: ", ")
            switch found.count {
            case 1: return found[0]
            case 0:
                throw DataError(keyPath: "data.path", path: path, "no dataset found (expected IDX files for idx, train/ and "
                                + "test/ class folders for image_folder, x_train.npy for npz, or train.csv for csv); set data.format to one of \(choices)")
            default:
                throw DataError(keyPath: "data.format", path: path, "holds more than one dataset ("
                                + found.map(\.rawValue).joined(separator: ", ") + "); set data.format to one of \(choices)")
            }
        }
    }

    /// Identifies the files `data` reads and how they are decoded (whatever its transforms):
    /// equal keys, equal source.
    public static func key(for data: DataSpec) -> String {
        [data.format?.rawValue ?? "auto", data.dataset.rawValue, data.channels.map(String.init) ?? "-",
         data.resize == nil ? "-" : "resized", data.label, data.path].joined(separator: "|")
    }

    /// The describer the runner gives the loader: each distinct source is described once per
    /// process, however many trials a sweep expands to.
    public static let describer = Describer()

    public final class Describer: DatasetDescribing, @unchecked Sendable {
        private var known: [String: Result<DatasetInfo, DatasetProblem>] = [:]
        private let lock = NSLock()

        public init() {}

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
