import Foundation
import XCTest
import Spec
@testable import Reports

/// Deterministic, realistic-looking data for report tests (no random numbers).
enum Fixtures {
    /// A 50-epoch-style history: accuracies rising to ~85–93 %, losses falling ~0.6 → 0.2,
    /// with a small seed-dependent wiggle and mild overfitting after epoch 30.
    static func history(epochs: Int = 50, seed: Int = 1, offset: Double = 0) -> [EpochRecord] {
        (1...epochs).map { e in
            let t = Double(e)
            let wiggle = 0.002 * sin(t * 1.7 + Double(seed)) + 0.001 * Double(seed % 3)
            let rise = 1 - exp(-t / 8)
            let over = max(0, t - 30) * 0.0004
            let train = 0.84 + 0.11 * rise + offset
            let val = 0.845 + 0.07 * rise - over + wiggle + offset
            let test = 0.84 + 0.068 * rise - over + wiggle * 0.8 + offset
            return EpochRecord(epoch: e, trainLoss: 0.6 - 0.4 * rise, trainAcc: train,
                               valLoss: 0.55 - 0.3 * rise + over * 8, valAcc: val,
                               testLoss: 0.56 - 0.3 * rise + over * 8, testAcc: test,
                               lr: 0.01 * pow(0.95, t - 1), seconds: 2.5 + 0.01 * t)
        }
    }

    /// The runner's folder name for a plain variant name ("Weight decay (L2)" → "weight-decay-l2").
    static func slug(_ variant: String) -> String {
        Slug.make(variant)
    }

    /// A completed trial record.
    static func record(variant: String, seed: UInt64, train: Double?, val: Double?, test: Double?,
                       selectedEpoch: Int? = 20, seconds: Double = 100, status: String = "completed",
                       baseline: String? = "No regularization", selectedOn: String = "val_acc") -> TrialRecord {
        TrialRecord(name: "\(variant) (seed \(seed))", variant: variant,
                    slug: "\(slug(variant))-seed\(seed)", configFile: "experiments/\(slug(variant)).yaml",
                    configHash: "abc123", seed: seed, epochs: 50, completedEpochs: status == "completed" ? 50 : 4,
                    selectedEpoch: selectedEpoch, selectedOn: selectedOn, trainAcc: train, valAcc: val, testAcc: test,
                    finalTrainAcc: train, finalTestAcc: test, parameters: 61_706, seconds: seconds,
                    imagesPerSecond: 2500, status: status, baseline: baseline, validationImages: 5000)
    }

    /// Two variants × three seeds (numbers checked with scipy) plus one diverged Dropout trial.
    static var twoVariants: [TrialRecord] {
        [
            record(variant: "Dropout", seed: 2, train: 0.931, val: 0.914, test: 0.9087, selectedEpoch: 38, seconds: 131),
            record(variant: "No regularization", seed: 1, train: 0.95, val: 0.905, test: 0.9012, selectedEpoch: 23, seconds: 120),
            record(variant: "Dropout", seed: 4, train: nil, val: nil, test: nil, selectedEpoch: nil, seconds: 9,
                   status: "diverged at epoch 4"),
            record(variant: "No regularization", seed: 3, train: 0.948, val: 0.903, test: 0.8998, selectedEpoch: 31, seconds: 122),
            record(variant: "Dropout", seed: 1, train: 0.93, val: 0.912, test: 0.9101, selectedEpoch: 40, seconds: 130),
            record(variant: "No regularization", seed: 2, train: 0.952, val: 0.907, test: 0.9034, selectedEpoch: 25, seconds: 121),
            record(variant: "Dropout", seed: 3, train: 0.929, val: 0.913, test: 0.9120, selectedEpoch: 45, seconds: 135),
        ]
    }

}

extension XCTestCase {
    /// A fresh empty temporary folder, removed when the test ends.
    func makeTempDir(_ name: String = #function) throws -> String {
        let path = NSTemporaryDirectory() + "reports-tests-\(getpid())-\(Fixtures.slug(name))"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
