import CZlib
import Foundation
import XCTest

@testable import Data

/// A fresh temporary folder, removed when the test ends.
func makeTemporaryFolder(_ test: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("DataTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

/// The bytes of an IDX file: big-endian `magic`, big-endian `dims`, then `payload`.
func idxBytes(magic: UInt32, dims: [UInt32], payload: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = []
    for word in [magic] + dims { withUnsafeBytes(of: word.bigEndian) { bytes += $0 } }
    return bytes + payload
}

func writeRaw(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Writes `bytes` gzip-compressed through zlib's gzopen/gzwrite.
func writeGzip(_ bytes: [UInt8], to path: String) throws {
    guard let file = gzopen(path, "wb") else { throw XCTSkip("gzopen failed for \(path)") }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    XCTAssertEqual(Int(written), bytes.count)
    XCTAssertEqual(gzclose(file), Z_OK)
}

func readRaw(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Asserts that `body` throws a `DataError` whose one-line description is exactly `expected`.
func assertDataError<T>(_ expected: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected error: \(expected)", file: file, line: line)
    } catch let error as DataError {
        XCTAssertEqual(error.description, expected, file: file, line: line)
        XCTAssertFalse(error.description.contains("\n"), "error spans lines", file: file, line: line)
    } catch {
        XCTFail("expected DataError, got \(error)", file: file, line: line)
    }
}

/// A small synthetic dataset: `count` images of `size`×`size` whose pixels encode (image, position),
/// with labels `i % 10`.
func syntheticSet(count: Int, size: Int) -> (images: [UInt8], labels: [UInt8]) {
    var images = [UInt8](repeating: 0, count: count * size * size)
    for i in 0..<count {
        for p in 0..<size * size { images[i * size * size + p] = UInt8((i * 7 + p * 3) % 256) }
    }
    return (images, (0..<count).map { UInt8($0 % 10) })
}

/// Writes a four-file dataset into `folder` (gzip or raw) and returns what was written.
@discardableResult
func writeDataset(folder: String, train: Int = 20, test: Int = 10, size: Int = 28, gzip: Bool = true) throws
    -> (train: (images: [UInt8], labels: [UInt8]), test: (images: [UInt8], labels: [UInt8]))
{
    let trainSet = syntheticSet(count: train, size: size)
    let testSet = syntheticSet(count: test, size: size)
    let s = UInt32(size)
    let files: [(String, [UInt8])] = [
        ("train-images-idx3-ubyte", idxBytes(magic: 0x803, dims: [UInt32(train), s, s], payload: trainSet.images)),
        ("train-labels-idx1-ubyte", idxBytes(magic: 0x801, dims: [UInt32(train)], payload: trainSet.labels)),
        ("t10k-images-idx3-ubyte", idxBytes(magic: 0x803, dims: [UInt32(test), s, s], payload: testSet.images)),
        ("t10k-labels-idx1-ubyte", idxBytes(magic: 0x801, dims: [UInt32(test)], payload: testSet.labels)),
    ]
    for (name, bytes) in files {
        if gzip { try writeGzip(bytes, to: "\(folder)/\(name).gz") } else { try writeRaw(bytes, to: "\(folder)/\(name)") }
    }
    return (trainSet, testSet)
}
