import Data
import Engine
import Foundation
import Spec

/// A dataset loaded from disk and transformed (resized, padded), shared by every trial whose
/// `data:` section reads the same files with the same geometry. Images stay uint8; normalization
/// happens per batch. The transform runs once at load when the prepared images take at most
/// `eagerLimit` bytes (the shipped studies' 32×32 Fashion-MNIST: 72 MB); a larger set (70,000
/// RGB images resized to 32×32: 215 MB) keeps its source images and each loader prepares a
/// sample as it fills a batch — the same bytes, so the same results, for about 1 % of the
/// cycles instead of holding both sizes.
public final class PreparedData: @unchecked Sendable {
    /// The images as loaded (`transform` set) or prepared (`transform` nil).
    public let train: ImageSet
    public let test: ImageSet
    /// The dataset's own validation split; nil when it is drawn from `train` (`data.validation`).
    public let validation: ImageSet?
    /// Checksum of the dataset files, part of every trial's cache key.
    public let fingerprint: String
    /// One prepared sample's shape `[C, H, W]` (the network's input shape).
    public let sampleShape: [Int]
    /// The resize and padding the loaders apply per sample; nil when the sets are prepared.
    public let transform: ImageTransform?

    /// Largest prepared dataset (train, validation and test images) kept prepared in memory.
    public static let eagerLimit = 128 << 20

    init(train: ImageSet, test: ImageSet, validation: ImageSet?, fingerprint: String, transform: ImageTransform? = nil) {
        self.train = train
        self.test = test
        self.validation = validation
        self.fingerprint = fingerprint
        self.transform = transform
        self.sampleShape = transform.map { [$0.channels, $0.outputHeight, $0.outputWidth] } ?? train.sampleShape
    }

    /// A loader serving prepared, normalised batches of `set` (one of this data's sets).
    public func loader(_ set: ImageSet, indices: [Int], batchSize: Int, mean: [Float], std: [Float],
                       augmentation: Augmentation? = nil) -> BatchLoader {
        BatchLoader(set: set, indices: indices, batchSize: batchSize, mean: mean, std: std, augmentation: augmentation,
                    transform: transform)
    }

    /// Mean and standard deviation of the prepared training images at `indices` (`data.normalize: auto`).
    public func statistics(of indices: [Int]) -> (mean: [Double], std: [Double]) {
        transform.map { $0.statistics(of: train, indices: indices) } ?? train.statistics(of: indices)
    }

    /// Loads and prepares the data a spec describes; sets whose prepared images would take
    /// more than `eagerLimit` bytes are prepared per batch. Errors are one line naming the file.
    public static func load(_ spec: DataSpec, eagerLimit: Int = PreparedData.eagerLimit) throws -> PreparedData {
        let source = try DatasetSources.source(for: spec)
        let splits = try source.loadSplits()
        let train = splits.train
        if train.isTabular {
            // Feature vectors have no geometry; their normalization happens per batch.
            return PreparedData(train: train, test: splits.test, validation: splits.validation,
                                fingerprint: try source.fingerprint())
        }
        let transform = ImageTransform(channels: train.channels, inputHeight: train.rows, inputWidth: train.cols,
                                       resize: spec.resize, pad: spec.pad,
                                       mean: spec.mean.map(Float.init), std: spec.std.map(Float.init))
        let fingerprint = try source.fingerprint()
        let images = train.count + splits.test.count + (splits.validation?.count ?? 0)
        if !transform.isIdentity && images * transform.outputSampleSize > eagerLimit {
            return PreparedData(train: train, test: splits.test, validation: splits.validation, fingerprint: fingerprint,
                                transform: transform)
        }
        return PreparedData(train: transform.prepare(train), test: transform.prepare(splits.test),
                            validation: splits.validation.map(transform.prepare), fingerprint: fingerprint)
    }
}

/// Loads each distinct dataset geometry once per process.
public final class DataCache: @unchecked Sendable {
    private var entries: [String: PreparedData] = [:]
    private let lock = NSLock()

    public init() {}

    public func data(for spec: DataSpec) throws -> PreparedData {
        let key = DatasetSources.key(for: spec) + "|\(spec.resize.map(String.init) ?? "-")|\(spec.pad)"
        lock.lock()
        defer { lock.unlock() }
        if let hit = entries[key] { return hit }
        let loaded = try PreparedData.load(spec)
        entries[key] = loaded
        return loaded
    }
}

/// The index sets of one trial: training and validation (a seeded split of the training
/// file, or all of the dataset's own validation split) and test, after `train_limit` / `test_limit`.
public struct TrialSplits: Sendable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]

    public init(spec: ExperimentSpec, data: PreparedData) throws {
        if let validationSet = data.validation {
            // The dataset's own validation split: all of train trains.
            train = spec.data.trainLimit.map { Array(0..<min($0, data.train.count)) } ?? Array(0..<data.train.count)
            validation = Array(0..<validationSet.count)
            test = Array(0..<min(spec.data.testLimit ?? data.test.count, data.test.count))
            return
        }
        guard spec.data.validation < data.train.count else {
            throw SpecError("expected fewer validation images than the \(data.train.count) training images, found \(spec.data.validation)",
                            path: "data.validation")
        }
        let split = Split.trainValidation(count: data.train.count, validation: spec.data.validation,
                                          seed: spec.train.seed)
        train = spec.data.trainLimit.map { Array(split.train.prefix($0)) } ?? split.train
        validation = split.validation
        let testCount = min(spec.data.testLimit ?? data.test.count, data.test.count)
        test = Array(0..<testCount)
    }
}
