import Foundation

/// One row of a trial's per-epoch history (`history.csv`); accuracies are fractions in [0, 1].
///
/// A value that was not measured (for example validation metrics when the experiment has no
/// validation split) is `Double.nan`; it is written as `nan` and drawn as a gap-free omission.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainLoss: Double
    public var trainAcc: Double
    public var valLoss: Double
    public var valAcc: Double
    public var testLoss: Double
    public var testAcc: Double
    public var lr: Double
    public var seconds: Double

    public init(epoch: Int, trainLoss: Double, trainAcc: Double, valLoss: Double, valAcc: Double,
                testLoss: Double, testAcc: Double, lr: Double, seconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAcc = trainAcc
        self.valLoss = valLoss
        self.valAcc = valAcc
        self.testLoss = testLoss
        self.testAcc = testAcc
        self.lr = lr
        self.seconds = seconds
    }
}

/// The outcome of one trial: the content of `results/<slug>/metrics.json`.
///
/// Accuracies are fractions in [0, 1] taken at `selectedEpoch`; `history.csv` beside the file is
/// the source of truth for the per-epoch values, `history` is an optional copy.
public struct TrialRecord: Codable, Equatable, Sendable {
    /// Display name, e.g. "Dropout (seed 1)".
    public var name: String
    /// Variant name, e.g. "Dropout"; aggregation groups trials by this.
    public var variant: String
    /// Folder name of the trial inside the results directory.
    public var slug: String
    public var configFile: String
    public var configHash: String
    public var seed: UInt64
    /// Planned number of epochs.
    public var epochs: Int
    public var completedEpochs: Int
    public var selectedEpoch: Int?
    /// How the checkpoint was chosen: "val_acc", "val_loss", "test_acc" or "last".
    public var selectedOn: String
    public var trainAcc: Double?
    public var valAcc: Double?
    public var testAcc: Double?
    public var finalTrainAcc: Double?
    public var finalTestAcc: Double?
    public var parameters: Int
    public var seconds: Double
    public var imagesPerSecond: Double
    /// "completed", "diverged at epoch N", "interrupted at epoch N" or "failed: …".
    public var status: String
    /// Name of the baseline variant named by the experiment, if any.
    public var baseline: String?
    /// Number of held-out training images used for validation, if any (shown in the summary).
    public var validationImages: Int?
    public var history: [EpochRecord]?
    /// Why training ended before `epochs` (`train.early_stopping`), e.g. "val_acc did not improve
    /// for 5 epochs"; absent otherwise.
    public var stoppedEarly: String?
    /// Per-class results of the selected checkpoint on the test split, in label order (absent in
    /// records written before they existed, and for trials without a selected checkpoint).
    public var testPerClass: [ClassResult]?
    /// The selected checkpoint's test confusion matrix, `[true][predicted]` counts, rows and
    /// columns in label order (the order of `testPerClass`).
    public var testConfusion: [[Int]]?
    /// The per-channel (per-feature) mean and std that `data.normalize: auto` computed on the
    /// trial's training split; absent for fixed values (they are in `config.yaml`).
    public var normalization: NormalizationRecord?

    public init(name: String, variant: String, slug: String, configFile: String, configHash: String,
                seed: UInt64, epochs: Int, completedEpochs: Int, selectedEpoch: Int?, selectedOn: String,
                trainAcc: Double?, valAcc: Double?, testAcc: Double?,
                finalTrainAcc: Double?, finalTestAcc: Double?,
                parameters: Int, seconds: Double, imagesPerSecond: Double, status: String,
                baseline: String? = nil, validationImages: Int? = nil, history: [EpochRecord]? = nil) {
        self.name = name
        self.variant = variant
        self.slug = slug
        self.configFile = configFile
        self.configHash = configHash
        self.seed = seed
        self.epochs = epochs
        self.completedEpochs = completedEpochs
        self.selectedEpoch = selectedEpoch
        self.selectedOn = selectedOn
        self.trainAcc = trainAcc
        self.valAcc = valAcc
        self.testAcc = testAcc
        self.finalTrainAcc = finalTrainAcc
        self.finalTestAcc = finalTestAcc
        self.parameters = parameters
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
        self.status = status
        self.baseline = baseline
        self.validationImages = validationImages
        self.history = history
    }

    /// Whether the trial ran to its planned end (only such trials enter means and tests).
    public var isCompleted: Bool { status == "completed" }
    /// A search trial stopped at a successive-halving rung: `paused at epoch 2 (rung 1 of 3)`
    /// while the rung is decided, `pruned at rung 1 (epoch 2)` once it lost. Its checkpoint is
    /// kept, so training it further continues where it stopped.
    public var isRungStop: Bool { status.hasPrefix("paused at epoch ") || isPruned }
    /// `pruned at rung K (epoch E)`: a search point successive halving stopped.
    public var isPruned: Bool { status.hasPrefix("pruned at rung ") }
}

/// Normalization statistics computed from data: `(x/255 − mean[c]) / std[c]` per channel (feature
/// vectors: `(x − mean[f]) / std[f]` per feature).
public struct NormalizationRecord: Codable, Equatable, Sendable {
    public var mean: [Double]
    public var std: [Double]

    public init(mean: [Double], std: [Double]) {
        self.mean = mean
        self.std = std
    }
}

/// One class's result on a split: its name, how many of its samples there were and how many
/// were classified correctly.
public struct ClassResult: Codable, Equatable, Sendable {
    public var name: String
    public var samples: Int
    public var correct: Int
    /// `correct / samples`; absent when the split holds no sample of the class.
    public var accuracy: Double?

    public init(name: String, samples: Int, correct: Int) {
        self.name = name
        self.samples = samples
        self.correct = correct
        self.accuracy = samples == 0 ? nil : Double(correct) / Double(samples)
    }

    /// The per-class results a confusion matrix (`[true][predicted]`) gives, named by `classes`
    /// (a class without a name is named by its label).
    public static func from(confusion: [[Int]], classes: [String]) -> [ClassResult] {
        confusion.enumerated().map { k, row in
            ClassResult(name: k < classes.count ? classes[k] : String(k), samples: row.reduce(0, +),
                        correct: k < row.count ? row[k] : 0)
        }
    }
}

/// An error reading or writing a result file, as one line that names the file.
public struct ReportError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
