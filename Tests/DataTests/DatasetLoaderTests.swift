import XCTest

@testable import Data

final class DatasetLoaderTests: XCTestCase {
    func testLoadsGzipAndRawFolders() throws {
        for gzip in [true, false] {
            let dir = try makeTemporaryFolder(self)
            let written = try writeDataset(folder: dir, train: 20, test: 10, gzip: gzip)
            let (train, test) = try DatasetLoader.load(folder: dir, kind: .fashionMNIST)
            XCTAssertEqual([train.count, train.rows, train.cols, test.count], [20, 28, 28, 10])
            XCTAssertEqual(train.images, written.train.images)
            XCTAssertEqual(train.labels, written.train.labels)
            XCTAssertEqual(test.images, written.test.images)
            XCTAssertEqual(test.labels, written.test.labels)
        }
    }

    func testPrefersGzipOverRaw() throws {
        let dir = try makeTemporaryFolder(self)
        try writeDataset(folder: dir, train: 20, gzip: true)
        try writeDataset(folder: dir, train: 30, gzip: false)
        XCTAssertEqual(try DatasetLoader.load(folder: dir, kind: .mnist).train.count, 20)
        try FileManager.default.removeItem(atPath: "\(dir)/train-images-idx3-ubyte.gz")
        assertDataError("\(dir)/train-labels-idx1-ubyte.gz: 20 labels but train-images-idx3-ubyte has 30 images") {
            try DatasetLoader.load(folder: dir, kind: .mnist)
        }
    }

    func testMissingFolderAndFile() throws {
        assertDataError("data.path: /nope/fashion: dataset folder not found — run scripts/setup.sh (installs dataset-fashion-mnist) or set data.path") {
            try DatasetLoader.load(folder: "/nope/fashion", kind: .fashionMNIST)
        }
        assertDataError("data.path: /nope: dataset folder not found — set data.path to a folder holding the MNIST IDX files") {
            try DatasetLoader.fingerprint(folder: "/nope", kind: .mnist)
        }
        let dir = try makeTemporaryFolder(self)
        try writeDataset(folder: dir)
        try FileManager.default.removeItem(atPath: "\(dir)/t10k-labels-idx1-ubyte.gz")
        assertDataError("\(dir)/t10k-labels-idx1-ubyte.gz: file not found (expected in data.path)") {
            try DatasetLoader.load(folder: dir, kind: .fashionMNIST)
        }
        assertDataError("\(dir)/t10k-labels-idx1-ubyte.gz: file not found (expected in data.path)") {
            try DatasetLoader.fingerprint(folder: dir)
        }
    }

    func testCountMismatchLabelRangeAndImageSize() throws {
        let dir = try makeTemporaryFolder(self)
        try writeDataset(folder: dir, train: 20)
        let labels = "\(dir)/train-labels-idx1-ubyte.gz"
        try writeGzip(idxBytes(magic: 0x801, dims: [19], payload: [UInt8](repeating: 1, count: 19)), to: labels)
        assertDataError("\(labels): 19 labels but train-images-idx3-ubyte.gz has 20 images") {
            try DatasetLoader.load(folder: dir, kind: .fashionMNIST)
        }
        var bad = [UInt8](repeating: 3, count: 20)
        bad[5] = 12
        bad[7] = 10
        try writeGzip(idxBytes(magic: 0x801, dims: [20], payload: bad), to: labels)
        assertDataError("\(labels): label 12 at index 5 is out of range 0…9") {
            try DatasetLoader.load(folder: dir, kind: .fashionMNIST)
        }

        let other = try makeTemporaryFolder(self)
        try writeDataset(folder: other, size: 32)
        assertDataError("\(other)/train-images-idx3-ubyte.gz: images are 32×32, expected 28×28 for Fashion-MNIST") {
            try DatasetLoader.load(folder: other, kind: .fashionMNIST)
        }
    }

    func testFingerprintIsStableAndTracksContent() throws {
        let dir = try makeTemporaryFolder(self)
        try writeDataset(folder: dir, gzip: false)
        let first = try DatasetLoader.fingerprint(folder: dir)
        XCTAssertEqual(first.count, 32)
        XCTAssertTrue(first.allSatisfy(\.isHexDigit))
        XCTAssertEqual(try DatasetLoader.fingerprint(folder: dir), first)
        // CRC-32 of the labels file, computed independently of zlib (reflected polynomial 0xEDB88320).
        let labelBytes = try readRaw("\(dir)/t10k-labels-idx1-ubyte")
        var crc: UInt32 = 0xFFFF_FFFF
        for b in labelBytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        XCTAssertEqual(String(first.suffix(8)), hex8(~crc).dropFirst(2).description)

        var bytes = try readRaw("\(dir)/train-images-idx3-ubyte")
        bytes[100] ^= 1
        try writeRaw(bytes, to: "\(dir)/train-images-idx3-ubyte")
        let changed = try DatasetLoader.fingerprint(folder: dir)
        XCTAssertNotEqual(changed.prefix(8), first.prefix(8))
        XCTAssertEqual(changed.dropFirst(8), first.dropFirst(8))
    }

    /// The installed Fashion-MNIST (skipped when absent).
    func testRealFashionMNIST() throws {
        let folder = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: folder) else { throw XCTSkip("\(folder) not installed") }
        let (train, test) = try DatasetLoader.load(folder: folder, kind: .fashionMNIST)
        XCTAssertEqual([train.count, train.rows, train.cols], [60000, 28, 28])
        XCTAssertEqual([test.count, test.rows, test.cols], [10000, 28, 28])
        XCTAssertEqual(train.labelCounts(), [Int](repeating: 6000, count: 10))
        XCTAssertEqual(test.labelCounts(), [Int](repeating: 1000, count: 10))
        // The dataset's documented first training label is 9 (ankle boot), first test label 9 too.
        XCTAssertEqual(train.labels[0], 9)
        XCTAssertEqual(test.labels[0], 9)
        XCTAssertEqual(try DatasetLoader.fingerprint(folder: folder).count, 32)
    }
}
