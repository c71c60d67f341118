import Foundation
import Spec
import TestSupport
import XCTest

@testable import Data

/// NumPy sources: a real NPY header parser, npz archives stored or deflated, `.npy` folders,
/// layouts and dtypes, and one exact line for every kind of bad array.
final class NPZSourceTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String = "d.npz") throws -> String {
        let path = try makeTemporaryFolder(self) + "/" + name
        try writeRaw(bytes, to: path)
        return path
    }

    func testNPZHoldingTheIDXArraysLoadsTheSameSets() throws {
        let dir = try makeTemporaryFolder(self)
        let written = try writeDataset(folder: dir, train: 20, test: 10)
        let (idxTrain, idxTest) = try IDXSource(folder: dir, kind: .mnist).load()
        for compressed in [false, true] {
            let path = try write(DataFiles.npz([
                ("train", [20, 28, 28], written.train.images, written.train.labels.map(Int.init)),
                ("test", [10, 28, 28], written.test.images, written.test.labels.map(Int.init)),
            ], compressed: compressed))
            let source = NPZSource(path: path)
            let (train, test) = try source.load()
            XCTAssertEqual([train.images, test.images], [idxTrain.images, idxTest.images])
            XCTAssertEqual([train.labels, test.labels], [idxTrain.labels, idxTest.labels])
            XCTAssertEqual(try source.describe(), DatasetInfo(sampleShape: [1, 28, 28], classes: (0...9).map(String.init),
                                                              trainCount: 20, testCount: 10))
            XCTAssertEqual(try source.fingerprint().count, 8)
        }
    }

    func testAFolderOfNPYFiles() throws {
        let dir = try makeTemporaryFolder(self)
        for (split, n) in [("train", 4), ("test", 2)] {
            try writeRaw(DataFiles.npy(descr: "|u1", shape: [n, 2, 3], payload: (0..<n * 6).map(UInt8.init)), to: "\(dir)/x_\(split).npy")
            try writeRaw(DataFiles.npy(descr: "<i8", shape: [n], payload: DataFiles.int64((0..<n).map { $0 % 2 }), version: 2), to: "\(dir)/y_\(split).npy")
        }
        var data = DataSpec()
        data.path = dir
        XCTAssertEqual(try DatasetSources.detect(data), .npz)
        let (train, test) = try NPZSource(path: dir).load()
        XCTAssertEqual(train.images, (0..<24).map(UInt8.init))
        XCTAssertEqual(test.labels, [0, 1])
        XCTAssertEqual(try NPZSource(path: dir).fingerprint().count, 32)
    }

    func testLayoutsAndFloatImages() throws {
        // Two 3×2×2 RGB images as NCHW, the same as NHWC.
        let nchw: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        var nhwc = [UInt8](repeating: 0, count: 24)
        for i in 0..<2 { for c in 0..<3 { for p in 0..<4 { nhwc[i * 12 + p * 3 + c] = nchw[i * 12 + c * 4 + p] } } }
        func archive(_ shape: [Int], _ descr: String, _ payload: [UInt8]) -> [UInt8] {
            DataFiles.zip(["train", "test"].flatMap { s in [
                (name: "x_\(s).npy", bytes: DataFiles.npy(descr: descr, shape: shape, payload: payload)),
                (name: "y_\(s).npy", bytes: DataFiles.npy(descr: "|u1", shape: [2, 1], payload: [1, 0])),
            ] })
        }
        let a = try NPZSource(path: write(archive([2, 3, 2, 2], "|u1", nchw))).load().train
        let b = try NPZSource(path: write(archive([2, 2, 2, 3], "|u1", nhwc))).load().train
        XCTAssertEqual(a.sampleShape, [3, 2, 2])
        XCTAssertEqual(a.images, nchw)
        XCTAssertEqual(b.images, nchw)
        XCTAssertEqual(a.labels, [1, 0])
        // float32 in [0, 1] is scaled by 255, in [0, 255] taken as is; both round to the nearest byte.
        let unit = try NPZSource(path: write(archive([2, 3, 2, 2], "<f4", DataFiles.float32(nchw.map { Float($0) / 255 })))).load().train
        XCTAssertEqual(unit.images, nchw)
        let wide = try NPZSource(path: write(archive([2, 3, 2, 2], "<f4", DataFiles.float32(nchw.map { Float($0) + 0.4 })))).load().train
        XCTAssertEqual(wide.images, nchw)
        let gray = try NPZSource(path: write(archive([2, 3, 2, 2], "|u1", nchw)), channels: 1).load().train
        XCTAssertEqual(gray.sampleShape, [1, 2, 2])
        XCTAssertEqual(gray.images[0], ImageSet.luma(nchw[0], nchw[4], nchw[8]))
    }

    func testBadArraysAreOneLineEach() throws {
        let x = DataFiles.npy(descr: "|u1", shape: [3, 2, 2], payload: [UInt8](repeating: 1, count: 12))
        let y = DataFiles.npy(descr: "<i8", shape: [3], payload: DataFiles.int64([0, 1, 2]))
        func npz(_ members: [String: [UInt8]]) throws -> String {
            try write(DataFiles.zip(members.sorted { $0.key < $1.key }.map { (name: $0.key + ".npy", bytes: $0.value) }))
        }
        let full = ["x_train": x, "y_train": y, "x_test": x, "y_test": y]

        var p = try npz(full.filter { $0.key != "y_test" })
        assertDataError("\(p): no y_test array (expected x_train, y_train, x_test, y_test; found x_test, x_train, y_train)") {
            try NPZSource(path: p).load()
        }
        p = try npz(full.merging(["y_test": DataFiles.npy(descr: "<i8", shape: [2], payload: DataFiles.int64([0, 1]))]) { $1 })
        assertDataError("\(p): y_test: 2 labels but x_test has 3 images") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["x_train": DataFiles.npy(descr: "<f8", shape: [3, 2, 2], payload: [UInt8](repeating: 0, count: 96))]) { $1 })
        assertDataError("\(p): x_train: unsupported dtype '<f8' (expected uint8 '|u1' or float32 '<f4')") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["y_train": DataFiles.npy(descr: "<f4", shape: [3], payload: DataFiles.float32([0, 1, 2]))]) { $1 })
        assertDataError("\(p): y_train: unsupported dtype '<f4' for labels (expected an integer type)") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["x_test": DataFiles.npy(descr: "|u1", shape: [3, 2, 2], payload: [], fortran: true)]) { $1 })
        assertDataError("\(p): x_test: arrays in Fortran order are not supported (save with numpy.ascontiguousarray)") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["x_test": Array(x.dropLast(5))]) { $1 })
        assertDataError("\(p): x_test: shape (3, 2, 2) of |u1 needs 12 data bytes, found 7") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["x_test": Array(x.prefix(40))]) { $1 })
        assertDataError("\(p): x_test: NPY header is truncated") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["x_test": DataFiles.npy(descr: "|u1", shape: [3, 4], payload: [UInt8](repeating: 0, count: 12))]) { $1 })
        assertDataError("\(p): x_test: images have shape (3, 4), expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C 1 or 3") {
            try NPZSource(path: p).load()
        }
        p = try npz(full.merging(["x_test": DataFiles.npy(descr: "|u1", shape: [3, 2, 3], payload: [UInt8](repeating: 0, count: 18))]) { $1 })
        assertDataError("\(p): x_test: images are 1×2×3, but x_train's are 1×2×2") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["y_test": DataFiles.npy(descr: "<i8", shape: [3], payload: DataFiles.int64([0, -1, 2]))]) { $1 })
        assertDataError("\(p): y_test: label -1 at index 1 is outside 0…255") { try NPZSource(path: p).load() }
        p = try npz(full.merging(["x_test": Array("not numpy at all".utf8)]) { $1 })
        assertDataError("\(p): x_test: not an NPY array (no \\x93NUMPY magic)") { try NPZSource(path: p).load() }
        p = try write(Array("PK not really".utf8))
        assertDataError("\(p): not a zip archive (an .npz is one): too short") { try NPZSource(path: p).load() }
        // A stored member read in place is CRC-checked as it is read.
        var stored = DataFiles.zip(full.sorted { $0.key < $1.key }.map { (name: $0.key + ".npy", bytes: $0.value) })
        let pixel = try XCTUnwrap((0..<stored.count - 12).first { at in stored[at..<(at + 12)].allSatisfy { $0 == 1 } })
        stored[pixel + 5] = 7
        p = try write(stored)
        assertDataError("\(p): x_test.npy: zip member is corrupt (CRC-32 mismatch)") { try NPZSource(path: p).load() }
        // describe reads a uint8 array's header, not its pixels (validate and plan stay cheap).
        XCTAssertEqual(try NPZSource(path: p).describe().trainCount, 3)
        var zipped = DataFiles.zip(full.sorted { $0.key < $1.key }.map { (name: $0.key + ".npy", bytes: $0.value) }, compressed: true)
        zipped[60] ^= 0x55
        p = try write(zipped)
        XCTAssertThrowsError(try NPZSource(path: p).load()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("\(p): x_test.npy: zip member is corrupt ("), text)
        }
    }

    func testFormatDetection() throws {
        let dir = try makeTemporaryFolder(self)
        var data = DataSpec()
        data.path = dir
        assertDataError("data.path: \(dir): no dataset found (expected IDX files for idx, train/ and test/ class folders for image_folder, "
                        + "x_train.npy for npz, or train.csv for csv); set data.format to one of idx, image_folder, npz, csv") {
            try DatasetSources.detect(data)
        }
        try writeDataset(folder: dir)
        XCTAssertEqual(try DatasetSources.detect(data), .idx)
        try FileManager.default.createDirectory(atPath: dir + "/train", withIntermediateDirectories: true)
        assertDataError("data.format: \(dir): holds more than one dataset (idx, image_folder); set data.format to one of idx, image_folder, npz, csv") {
            try DatasetSources.detect(data)
        }
        data.format = .idx
        XCTAssertTrue(try DatasetSources.source(for: data) is IDXSource)
        data.path = dir + "/d.npz"
        data.format = nil
        try writeRaw([], to: data.path)
        XCTAssertEqual(try DatasetSources.detect(data), .npz)
    }
}
