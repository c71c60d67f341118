import Data
import Engine
import Foundation
import Reports
import Spec
import TestSupport
import XCTest

@testable import Training

/// Equal data gives equal training, bit for bit: the same images in the same order fed from the
/// IDX files, from an npz holding them and from a PNG image folder give identical prepared sets,
/// identical batches and identical weights after training.
final class EqualDataTests: XCTestCase {
    /// 60 training and 20 test images of 28×28, sorted by label so that the image folder's order
    /// (class, then file name) is the arrays' order; class k has a bright bar at row 2 + 2k.
    private func arrays(count: Int, seed: UInt64) -> (images: [UInt8], labels: [UInt8]) {
        var rng = Random(seed: seed)
        var images = [UInt8](repeating: 0, count: count * 784)
        let labels = (0..<count).map { UInt8($0 * 10 / count) }
        for i in 0..<count {
            for p in 0..<784 { images[i * 784 + p] = UInt8(rng.below(60)) }
            let row = 2 + 2 * Int(labels[i])
            for x in 0..<28 { images[i * 784 + row * 28 + x] = 200 + UInt8(rng.below(55)) }
        }
        return (images, labels)
    }

    func testIDXNpzAndPNGFolderTrainIdentically() throws {
        let root = try temporaryFolder(self)
        setenv("XDG_CACHE_HOME", root + "/cache", 1)
        addTeardownBlock { unsetenv("XDG_CACHE_HOME") }
        let train = arrays(count: 60, seed: 1), test = arrays(count: 20, seed: 2)
        // The same arrays in three formats.
        try FileManager.default.createDirectory(atPath: root + "/idx", withIntermediateDirectories: true)
        for (prefix, set) in [("train", train), ("t10k", test)] {
            try TinyDataset.writeGzip(TinyDataset.idx(magic: 0x803, dims: [set.labels.count, 28, 28], payload: set.images),
                                      to: "\(root)/idx/\(prefix)-images-idx3-ubyte.gz")
            try TinyDataset.writeGzip(TinyDataset.idx(magic: 0x801, dims: [set.labels.count], payload: set.labels),
                                      to: "\(root)/idx/\(prefix)-labels-idx1-ubyte.gz")
        }
        try Data(DataFiles.npz([("train", [60, 28, 28], train.images, train.labels.map(Int.init)),
                                ("test", [20, 28, 28], test.images, test.labels.map(Int.init))], compressed: true))
            .write(to: URL(fileURLWithPath: root + "/d.npz"))
        let classes = (0...9).map(String.init)
        for (split, set) in [("train", train), ("test", test)] {
            try DataFiles.writeImageFolder(root: root + "/png", split: split, classes: classes, images: set.images,
                                           labels: set.labels.map(Int.init), channels: 1, height: 28, width: 28)
        }

        var weights: [[String: Data]] = []
        var histories: [String] = []
        var prepared: [PreparedData] = []
        for (format, path) in [("idx", root + "/idx"), ("npz", root + "/d.npz"), ("image_folder", root + "/png")] {
            let text = """
                name: Equal
                data: {format: \(format), dataset: mnist, path: \(path), resize: 32, normalize: {mean: 0.3, std: 0.4}, validation: 12}
                model:
                  layers:
                    - {type: conv2d, out: 4, kernel: 5, stride: 2}
                    - {type: relu}
                    - {type: flatten}
                    - {type: dropout, p: 0.2}
                    - {type: linear, out: 10}
                train: {epochs: 2, batch_size: 8, threads: 1, optimizer: {type: adam, lr: 0.01}}
                """
            let trial = try XCTUnwrap(ExperimentLoader.load(text: text, file: "\(format).yaml", datasets: DatasetSources.Describer()).first)
            XCTAssertEqual(trial.dataset, DatasetInfo(sampleShape: [1, 28, 28], classes: classes, trainCount: 60, testCount: 20), format)
            let data = try PreparedData.load(trial.spec.data)
            prepared.append(data)
            let runner = try TrialRunner(trial: trial, plan: try ShapeInference.plan(trial), data: data, folder: root + "/out-" + format)
            runner.progress = nil
            let record = try runner.run()
            XCTAssertEqual(record.status, "completed", format)
            // The tensors (the metadata names the config, whose format differs).
            weights.append(try Safetensors.read(path: root + "/out-\(format)/model.safetensors").tensors.mapValues(\.bytes))
            let history = try String(contentsOfFile: root + "/out-\(format)/history.csv", encoding: .utf8)
            histories.append(history.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
                .joined(separator: "\n"))
        }
        for other in prepared.dropFirst() {
            XCTAssertEqual(other.train.images, prepared[0].train.images)
            XCTAssertEqual(other.train.labels, prepared[0].train.labels)
            XCTAssertEqual(other.test.images, prepared[0].test.images)
            XCTAssertEqual(other.sampleShape, [1, 32, 32])
        }
        // The batches a loader serves are the same floats.
        let loaders = prepared.map { BatchLoader(set: $0.train, indices: Array(0..<60), batchSize: 16, mean: 0.3, std: 0.4) }
        var batches: [[Float]] = []
        for loader in loaders {
            var rng = Random(seed: 5)
            loader.shuffle(&rng)
            var images = [Float](repeating: 0, count: 16 * 1024), labels = [Int32](repeating: 0, count: 16)
            _ = loader.fill(batch: 1, images: &images, labels: &labels)
            batches.append(images + labels.map(Float.init))
        }
        XCTAssertEqual(batches[1], batches[0])
        XCTAssertEqual(batches[2], batches[0])
        XCTAssertEqual(weights[0].count, 4)
        XCTAssertEqual(histories[1], histories[0])
        XCTAssertEqual(histories[2], histories[0])
        XCTAssertEqual(weights[1], weights[0], "npz and IDX train to the same weights")
        XCTAssertEqual(weights[2], weights[0], "PNG folder and IDX train to the same weights")
    }

    /// A set too large to keep prepared is resized and padded per batch: the same statistics,
    /// the same batches (augmented too) and the same weights as preparing it once.
    func testPreparingPerBatchTrainsLikePreparingOnce() throws {
        let root = try temporaryFolder(self)
        var rng = Random(seed: 9)
        // 40 + 10 RGB images of 20×20, channels last; each class a bright column in one channel.
        func rgb(_ count: Int) -> (images: [UInt8], labels: [Int]) {
            let labels = (0..<count).map { $0 % 10 }
            var images = (0..<count * 1200).map { _ in UInt8(rng.below(90)) }
            for i in 0..<count { for y in 0..<20 { images[((i * 20 + y) * 20 + 2 * labels[i]) * 3 + labels[i] % 3] = 250 } }
            return (images, labels)
        }
        let train = rgb(40), test = rgb(10)
        try Data(DataFiles.npz([("train", [40, 20, 20, 3], train.images, train.labels),
                                ("test", [10, 20, 20, 3], test.images, test.labels)]))
            .write(to: URL(fileURLWithPath: root + "/rgb.npz"))
        let text = """
            name: Lazy
            data: {path: \(root)/rgb.npz, resize: 24, pad: 2, normalize: auto, validation: 8,
                   augment: [{random_crop: {padding: 3}}, {horizontal_flip: 0.5}]}
            model: {layers: [{type: conv2d, out: 4, kernel: 3, stride: 2}, {type: batchnorm2d}, {type: relu}, {type: flatten}, {type: linear, out: 10}]}
            train: {epochs: 2, batch_size: 8, threads: 1, optimizer: {type: adam, lr: 0.01}}
            """
        let trial = try XCTUnwrap(ExperimentLoader.load(text: text, file: "lazy.yaml", datasets: DatasetSources.Describer()).first)
        let once = try PreparedData.load(trial.spec.data)
        let perBatch = try PreparedData.load(trial.spec.data, eagerLimit: 0)
        XCTAssertNil(once.transform)
        XCTAssertNotNil(perBatch.transform)
        XCTAssertEqual(perBatch.train.sampleShape, [3, 20, 20], "the source images are kept")
        XCTAssertEqual(once.train.sampleShape, [3, 28, 28])
        XCTAssertEqual(perBatch.sampleShape, once.sampleShape)
        let splits = try TrialSplits(spec: trial.spec, data: once)
        let (a, b) = (once.statistics(of: splits.train), perBatch.statistics(of: splits.train))
        XCTAssertEqual(a.mean, b.mean)
        XCTAssertEqual(a.std, b.std)
        var batches: [[Float]] = []
        for data in [once, perBatch] {
            for augmentation in [nil, Augmentation(ops: trial.spec.data.augment, seed: 3)] {
                let loader = data.loader(data.train, indices: splits.train, batchSize: 8, mean: [0.4], std: [0.3],
                                         augmentation: augmentation)
                XCTAssertEqual(loader.imageSize, 3 * 28 * 28)
                var shuffle = Random(seed: 5)
                loader.shuffle(&shuffle)
                loader.epoch = 1
                var images = [Float](repeating: 0, count: 8 * 3 * 28 * 28), labels = [Int32](repeating: 0, count: 8)
                _ = loader.fill(batch: 2, images: &images, labels: &labels)
                batches.append(images + labels.map(Float.init))
            }
        }
        XCTAssertEqual(batches[2], batches[0], "plain batches")
        XCTAssertEqual(batches[3], batches[1], "augmented batches")
        XCTAssertNotEqual(batches[1], batches[0])
        var weights: [[String: Data]] = [], histories: [String] = []
        for (name, data) in [("once", once), ("per-batch", perBatch)] {
            let runner = try TrialRunner(trial: trial, plan: try ShapeInference.plan(trial), data: data, folder: root + "/" + name)
            runner.progress = nil
            XCTAssertEqual(try runner.run().status, "completed")
            weights.append(try Safetensors.read(path: root + "/\(name)/model.safetensors").tensors.mapValues(\.bytes))
            let history = try String(contentsOfFile: root + "/\(name)/history.csv", encoding: .utf8)
            histories.append(history.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
                .joined(separator: "\n"))
        }
        XCTAssertEqual(histories[1], histories[0])
        XCTAssertEqual(weights[1], weights[0], "preparing per batch trains to the same weights")
    }

    /// An npz's x_val and an image folder's val/ are the validation split; all of train trains.
    func testAValidationSplitOfItsOwn() throws {
        let root = try temporaryFolder(self)
        setenv("XDG_CACHE_HOME", root + "/cache", 1)
        addTeardownBlock { unsetenv("XDG_CACHE_HOME") }
        let train = arrays(count: 40, seed: 1), test = arrays(count: 10, seed: 2), val = arrays(count: 20, seed: 3)
        try Data(DataFiles.npz([("train", [40, 28, 28], train.images, train.labels.map(Int.init)),
                                ("test", [10, 28, 28], test.images, test.labels.map(Int.init)),
                                ("val", [20, 28, 28], val.images, val.labels.map(Int.init))]))
            .write(to: URL(fileURLWithPath: root + "/d.npz"))
        for (split, set) in [("train", train), ("test", test), ("val", val)] {
            try DataFiles.writeImageFolder(root: root + "/png", split: split, classes: (0...9).map(String.init), images: set.images,
                                           labels: set.labels.map(Int.init), channels: 1, height: 28, width: 28)
        }
        var weights: [[String: Data]] = []
        for path in [root + "/d.npz", root + "/png"] {
            let text = """
                name: Val
                data: {path: \(path), pad: 2}
                model: {layers: [{type: conv2d, out: 2, kernel: 5, stride: 4}, {type: relu}, {type: flatten}, {type: linear, out: 10}]}
                train: {epochs: 1, batch_size: 8, threads: 1}
                """
            let trial = try XCTUnwrap(ExperimentLoader.load(text: text, file: "v.yaml", datasets: DatasetSources.Describer()).first)
            XCTAssertEqual(trial.dataset.validationCount, 20)
            let data = try PreparedData.load(trial.spec.data)
            let splits = try TrialSplits(spec: trial.spec, data: data)
            XCTAssertEqual(splits.train, Array(0..<40))
            XCTAssertEqual(splits.validation, Array(0..<20))
            XCTAssertEqual(data.validation?.sampleShape, [1, 32, 32])
            let runner = try TrialRunner(trial: trial, plan: try ShapeInference.plan(trial), data: data, folder: root + "/out\(weights.count)")
            _ = try runner.run()
            XCTAssertEqual(runner.evaluateAll().validation.count, 20)
            weights.append(try Safetensors.read(path: root + "/out\(weights.count)/model.safetensors").tensors.mapValues(\.bytes))
        }
        XCTAssertEqual(weights[1], weights[0])
    }
}
