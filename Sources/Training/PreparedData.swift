import Data
import Engine
import Foundation
import Spec

/// A dataset loaded from disk and transformed (resized, padded) once, shared by every trial
/// whose `data:` section reads the same files with the same geometry. Images stay uint8;
/// normalization happens per batch.
public final class PreparedData: @unchecked Sendable {
    public let train: ImageSet
    public let test: ImageSet
    /// The dataset's own validation split; nil when it is drawn from `train` (`data.validation`).
    public let validation: ImageSet?
    /// Checksum of the dataset files, part of every trial's cache key.
    public let fingerprint: String
    /// One prepared sample's shape `[C, H, W]` (the network's input shape).
    public let sampleShape: [Int]

    init(train: ImageSet, test: ImageSet, validation: ImageSet?, fingerprint: String) {
        self.train = train
        self.test = test
        self.validation = validation
        self.fingerprint = fingerprint
        self.sampleShape = train.sampleShape
    }

    /// Loads and prepares the data a spec describes. Errors are one line naming the file.
    public static func load(_ spec: DataSpec) throws -> PreparedData {
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
        return PreparedData(train: transform.prepare(train), test: transform.prepare(splits.test),
                            validation: splits.validation.map(transform.prepare), fingerprint: try source.fingerprint())
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
