import Foundation
import XCTest

@testable import Data

/// Bilinear resize against Pillow (fixture written by scripts/make_resize_fixture.py), padding,
/// and normalisation.
final class ResizeTests: XCTestCase {
    struct Case {
        let name: String
        let inWidth, inHeight, outWidth, outHeight: Int
        let input, expected: [UInt8]
    }

    /// Parses the fixture format documented in scripts/make_resize_fixture.py.
    static func loadCases(_ url: URL) throws -> [Case] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        func hex(_ line: Substring, _ tag: String) throws -> [UInt8] {
            guard line.hasPrefix(tag + " ") else { throw XCTSkip("malformed fixture line: \(line.prefix(40))") }
            let digits = Array(line.dropFirst(tag.count + 1).utf8)
            return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        }
        var cases: [Case] = []
        for i in stride(from: 0, to: lines.count, by: 3) {
            let f = lines[i].split(separator: " ")
            let n = f[2...].compactMap { Int($0) }
            cases.append(Case(name: String(f[1]), inWidth: n[0], inHeight: n[1], outWidth: n[2], outHeight: n[3],
                              input: try hex(lines[i + 1], "in"), expected: try hex(lines[i + 2], "out")))
        }
        return cases
    }

    static func resize(_ c: Case) -> [UInt8] {
        let r = BilinearResample(inWidth: c.inWidth, inHeight: c.inHeight, outWidth: c.outWidth, outHeight: c.outHeight)
        var out = [UInt8](repeating: 0, count: c.outWidth * c.outHeight)
        var scratch = [UInt8](repeating: 0, count: r.scratchCount)
        c.input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { s in
                    r.resample(src.baseAddress!, into: dst.baseAddress!, dstRowStride: c.outWidth, scratch: s.baseAddress!)
                }
            }
        }
        return out
    }

    func check(_ cases: [Case]) {
        for c in cases {
            XCTAssertEqual(c.input.count, c.inWidth * c.inHeight, c.name)
            XCTAssertEqual(c.expected.count, c.outWidth * c.outHeight, c.name)
            let got = Self.resize(c)
            let differing = zip(got, c.expected).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(c.name): \(differing) pixels differ from Pillow")
        }
    }

    func testMatchesPillowByteForByte() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "resize", withExtension: "txt", subdirectory: "Fixtures"))
        let cases = try Self.loadCases(url)
        XCTAssertEqual(cases.count, 32)
        XCTAssertTrue(cases.contains { $0.outWidth < $0.inWidth }, "fixture has downsampling")
        XCTAssertTrue(cases.contains { $0.inWidth != $0.inHeight }, "fixture has non-square images")
        check(cases)
    }

    /// Extra cases from `$RESIZE_FIXTURE`, e.g. real Fashion-MNIST images (see the script's usage).
    func testMatchesPillowOnExtraFixture() throws {
        guard let path = ProcessInfo.processInfo.environment["RESIZE_FIXTURE"] else {
            throw XCTSkip("set RESIZE_FIXTURE to a file written by scripts/make_resize_fixture.py")
        }
        let cases = try Self.loadCases(URL(fileURLWithPath: path))
        XCTAssertFalse(cases.isEmpty)
        check(cases)
    }

    func testPrepareResizesThenPadsWithZeros() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "resize", withExtension: "txt", subdirectory: "Fixtures"))
        let cases = try Self.loadCases(url).filter { $0.inWidth == 28 && $0.inHeight == 28 && $0.outWidth == 32 && $0.outHeight == 32 }
        XCTAssertGreaterThanOrEqual(cases.count, 2)
        let set = ImageSet(images: cases.flatMap(\.input), labels: cases.map { _ in 3 }, count: cases.count, rows: 28, cols: 28)
        let t = ImageTransform(inputSize: 28, resize: 32, pad: 2, mean: 0.5, std: 0.5)
        XCTAssertEqual(t.outputSize, 36)
        let prepared = t.prepare(set)
        XCTAssertEqual([prepared.count, prepared.rows, prepared.cols], [cases.count, 36, 36])
        XCTAssertEqual(prepared.labels, set.labels)
        for (i, c) in cases.enumerated() {
            for y in 0..<36 {
                for x in 0..<36 {
                    let v = prepared.images[i * 36 * 36 + y * 36 + x]
                    let inside = (2..<34).contains(y) && (2..<34).contains(x)
                    XCTAssertEqual(v, inside ? c.expected[(y - 2) * 32 + (x - 2)] : 0, "\(c.name) at (\(x), \(y))")
                }
            }
        }
    }

    func testPadOnlyAndIdentity() {
        let (images, labels) = syntheticSet(count: 3, size: 4)
        let set = ImageSet(images: images, labels: labels, count: 3, rows: 4, cols: 4)
        let padded = ImageTransform(inputSize: 4, resize: nil, pad: 1, mean: 0, std: 1).prepare(set)
        XCTAssertEqual([padded.rows, padded.cols], [6, 6])
        for i in 0..<3 {
            let img = Array(padded.images[i * 36..<(i + 1) * 36])
            XCTAssertEqual(Array(img[0..<6]), [0, 0, 0, 0, 0, 0])
            XCTAssertEqual(Array(img[6..<12]), [0] + Array(images[i * 16..<i * 16 + 4]) + [0])
            XCTAssertEqual(Array(img[30..<36]), [0, 0, 0, 0, 0, 0])
        }
        let same = ImageTransform(inputSize: 4, resize: 4, pad: 0, mean: 0, std: 1).prepare(set)
        XCTAssertEqual(same.images, set.images)
    }

    func testNormalisationTable() {
        let t = ImageTransform(inputSize: 28, resize: nil, pad: 0, mean: 0.2860, std: 0.3530)
        let table = t.lookupTable
        XCTAssertEqual(table.count, 256)
        XCTAssertEqual(table[0], -0.2860 / 0.3530, accuracy: 1e-6)
        XCTAssertEqual(table[255], (1 - 0.2860) / 0.3530, accuracy: 1e-6)
        XCTAssertEqual(table[51], (0.2 - 0.2860) / 0.3530, accuracy: 1e-6)
    }
}
