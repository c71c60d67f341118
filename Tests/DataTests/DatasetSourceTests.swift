import Spec
import XCTest

@testable import Data

/// The dataset interface: what a source says a dataset is comes from its files, agrees with what
/// loading it gives, and reports the same one-line problems.
final class DatasetSourceTests: XCTestCase {
    func testIDXDescriptionComesFromTheHeadersAndMatchesTheLoadedData() throws {
        let dir = try makeTemporaryFolder(self)
        try writeDataset(folder: dir, train: 20, test: 10, gzip: true)
        var data = DataSpec()
        data.path = dir
        data.dataset = .mnist
        let source = try DatasetSources.source(for: data)
        let info = try source.describe()
        XCTAssertEqual(info, DatasetInfo(sampleShape: [1, 28, 28], classes: (0...9).map(String.init),
                                         trainCount: 20, testCount: 10))
        let (train, test) = try source.load()
        XCTAssertEqual([train.count, test.count], [info.trainCount, info.testCount])
        XCTAssertEqual([1, train.rows, train.cols], info.sampleShape)
        XCTAssertEqual(try source.fingerprint(), try DatasetLoader.fingerprint(folder: dir))
        data.resize = 32
        data.pad = 2
        XCTAssertEqual(info.inputShape(data), [1, 36, 36])
    }

    func testDescribingReportsTheLoadersProblemsAsOneLineAtTheKey() throws {
        let dir = try makeTemporaryFolder(self)
        try writeDataset(folder: dir, train: 20)
        let labels = "\(dir)/train-labels-idx1-ubyte.gz"
        try writeGzip(idxBytes(magic: 0x801, dims: [19], payload: [UInt8](repeating: 1, count: 19)), to: labels)
        var data = DataSpec()
        data.path = dir
        let describer = DatasetSources.Describer()
        XCTAssertEqual(describer.describe(data),
                       .failure(DatasetProblem("\(labels): 19 labels but train-images-idx3-ubyte.gz has 20 images")))
        try writeGzip(idxBytes(magic: 0x803, dims: [19], payload: []), to: labels)
        // Described once per process: the same answer until the process ends.
        XCTAssertEqual(describer.describe(data),
                       .failure(DatasetProblem("\(labels): 19 labels but train-images-idx3-ubyte.gz has 20 images")))
        XCTAssertEqual(DatasetSources.Describer().describe(data),
                       .failure(DatasetProblem("\(labels): wrong magic number 0x00000803, expected 0x00000801 (IDX labels)")))
        data.path = dir + "/missing"
        XCTAssertEqual(DatasetSources.Describer().describe(data), .failure(DatasetProblem(
            "\(dir)/missing: dataset folder not found — run scripts/setup.sh (installs dataset-fashion-mnist) or set data.path")))
    }

    /// The installed Fashion-MNIST (skipped when absent): sizes and class names in label order.
    func testRealFashionMNISTDescription() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder) else { throw XCTSkip("\(folder) not installed") }
        let info = try IDXSource(folder: folder, kind: .fashionMNIST).describe()
        XCTAssertEqual(info.sampleShape, [1, 28, 28])
        XCTAssertEqual([info.trainCount, info.testCount], [60_000, 10_000])
        XCTAssertEqual(info.classes.first, "T-shirt/top")
        XCTAssertEqual(info.classes.last, "Ankle boot")
    }
}
