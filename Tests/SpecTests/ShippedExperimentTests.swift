import XCTest
import TestSupport
@testable import Spec

/// The experiment files in `experiments/`: the reference study's settings.
final class ShippedExperimentTests: XCTestCase {
    private func load(_ name: String) throws -> [Trial] {
        try ExperimentLoader.load(file: Paths.experiments + "/" + name, datasets: FixedDataset())
    }

    func testBaseHasTheReferenceSettings() throws {
        let trials = try load("base/lenet5.yaml")
        XCTAssertEqual(trials.map(\.spec.train.seed), [0, 1, 2])
        let spec = try XCTUnwrap(trials.first?.spec)
        XCTAssertEqual(spec.name, "No regularization")
        XCTAssertEqual(spec.baseline, "No regularization")
        XCTAssertEqual(spec.data.dataset, .fashionMNIST)
        XCTAssertEqual(spec.data.path, "/usr/share/datasets/fashion-mnist")
        XCTAssertEqual(spec.data.resize, 32)
        XCTAssertEqual(FixedDataset.fashionMNIST.inputShape(spec.data), [1, 32, 32])
        XCTAssertEqual(spec.data.mean, [0.5])
        XCTAssertEqual(spec.data.std, [0.5])
        XCTAssertEqual(spec.data.validation, 5000)
        XCTAssertEqual(spec.model, .lenet5(LeNet5()))
        XCTAssertEqual(spec.initScheme, .pytorch)
        XCTAssertEqual(spec.train.epochs, 50)
        XCTAssertEqual(spec.train.batchSize, 64)
        XCTAssertEqual(spec.train.optimizer, .adam(AdamOptions(lr: 0.001)))
        XCTAssertEqual(spec.train.schedule, .constant)
        XCTAssertEqual(spec.train.select, .valAcc)
    }

    func testVariantsChangeOnlyWhatTheyStudy() throws {
        let base = try XCTUnwrap(load("base/lenet5.yaml").first?.spec)
        let cases: [(file: String, name: String, change: (inout ExperimentSpec) -> Void)] = [
            ("lenet5-none.yaml", "No regularization", { _ in }),
            ("lenet5-dropout.yaml", "Dropout", { s in
                var o = LeNet5(); o.dropout = 0.5; s.model = .lenet5(o) }),
            ("lenet5-l2.yaml", "Weight decay (L2)", { s in s.train.optimizer = .adam(AdamOptions(weightDecay: 1e-4)) }),
            ("lenet5-batchnorm.yaml", "Batch normalization", { s in
                var o = LeNet5(); o.batchnorm = true; s.model = .lenet5(o) }),
        ]
        for (file, name, change) in cases {
            let trials = try load(file)
            var expected = base
            expected.name = name
            change(&expected)
            XCTAssertEqual(trials.count, 3, file)
            for (seed, trial) in trials.enumerated() {
                expected.train.seed = UInt64(seed)
                XCTAssertEqual(trial.spec, expected, file)
                XCTAssertEqual(trial.configFile, Paths.experiments + "/" + file)
            }
        }
    }

    func testSlugs() throws {
        XCTAssertEqual(try load("lenet5-dropout.yaml").map(\.slug), ["dropout-seed0", "dropout-seed1", "dropout-seed2"])
        XCTAssertEqual(try load("lenet5-l2.yaml").first?.slug, "weight-decay-l2-seed0")
        XCTAssertEqual(try load("lenet5-none.yaml").first?.slug, "no-regularization-seed0")
    }

    func testParameterCounts() throws {
        let counts = try ["lenet5-none.yaml", "lenet5-dropout.yaml", "lenet5-l2.yaml", "lenet5-batchnorm.yaml"].map { file in
            try ShapeInference.plan(XCTUnwrap(load(file).first)).parameterCount
        }
        // conv1 156 + conv2 2,416 + conv3 48,120 + fc1 10,164 + fc2 850; batch norm adds 2·(6+16+120).
        XCTAssertEqual(counts, [61_706, 61_706, 61_706, 61_990])
    }

    /// The committed study's resolved configs and hashes are exactly what the loader produces today.
    func testTheCommittedStudysResolvedConfigsAndHashesAreUnchanged() throws {
        let results = Paths.root.appendingPathComponent("results").path
        var checked = 0
        for file in try Paths.shippedExperiments() where !file.contains("/base/") {
            for trial in try ExperimentLoader.load(file: file, datasets: FixedDataset()) {
                let folder = results + "/" + trial.slug
                XCTAssertEqual(try String(contentsOfFile: folder + "/config.yaml", encoding: .utf8), trial.canonicalYAML, trial.slug)
                let metrics = try String(contentsOfFile: folder + "/metrics.json", encoding: .utf8)
                XCTAssertTrue(metrics.contains("\"configHash\" : \"\(trial.hash)\""), trial.slug)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 12)
    }
}
