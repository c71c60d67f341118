@testable import Engine
import TestSupport
import XCTest

/// The vectorized ReLU and 2×2 pooling helpers against their scalar definitions, bit for bit,
/// for every length 0…40 (vector bodies, overlapping last vectors, scalar rows) and with −0,
/// NaN, negatives and zeros among the values.
final class VectorHelperTests: XCTestCase {
    private func values(_ n: Int, seed: UInt64) -> [Float] {
        var v = engineRandomValues(n, seed: seed)
        for i in stride(from: 0, to: n, by: 7) { v[i] = -0.0 }
        for i in stride(from: 3, to: n, by: 11) { v[i] = .nan }
        for i in stride(from: 5, to: n, by: 13) { v[i] = 0 }
        return v
    }

    private func assertBits(_ a: [Float], _ b: [Float], _ what: String, line: UInt = #line) {
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), what, line: line)
    }

    func testReLUForwardAndGradient() {
        for n in 0...40 {
            let x = values(n, seed: UInt64(n)), dy = values(n, seed: UInt64(100 + n))
            var y = [Float](repeating: 7, count: n), inPlace = x, dx = [Float](repeating: 7, count: n)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { reluForward(xp.baseAddress!, $0.baseAddress!, n) } }
            inPlace.withUnsafeMutableBufferPointer { reluForward($0.baseAddress!, $0.baseAddress!, n) }
            assertBits(y, x.map { max($0, 0) }, "relu n=\(n)")
            assertBits(inPlace, x.map { max($0, 0) }, "relu in place n=\(n)")
            y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dyp in dx.withUnsafeMutableBufferPointer {
                reluGradient(yp.baseAddress!, dyp.baseAddress!, $0.baseAddress!, n)
            } } }
            assertBits(dx, zip(y, dy).map { $0 > 0 ? $1 : 0 }, "relu gradient n=\(n)")
        }
    }

    func testAveragePooling2x2() {
        for (h, w) in [(2, 2), (5, 7), (4, 16), (6, 17), (28, 28), (10, 10), (3, 31), (8, 33)] {
            let (oh, ow) = (h / 2, w / 2)
            let x = values(h * w, seed: UInt64(h * 100 + w))
            var y = [Float](repeating: 7, count: oh * ow)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer {
                avgPool2x2Forward(xp.baseAddress!, $0.baseAddress!, width: w, outHeight: oh, outWidth: ow)
            } }
            var expected = [Float](repeating: 0, count: oh * ow)
            for oy in 0..<oh { for ox in 0..<ow {
                let r0 = 2 * oy * w + 2 * ox, r1 = r0 + w
                expected[oy * ow + ox] = (x[r0] + x[r0 + 1] + x[r1] + x[r1 + 1]) * 0.25
            } }
            assertBits(y, expected, "pool forward \(h)×\(w)")

            let dy = values(oh * ow, seed: UInt64(h + w))
            var dx = [Float](repeating: 7, count: h * w)
            dy.withUnsafeBufferPointer { dyp in dx.withUnsafeMutableBufferPointer {
                avgPool2x2Backward(dyp.baseAddress!, $0.baseAddress!, height: h, width: w, outHeight: oh, outWidth: ow)
            } }
            var expectedDx = [Float](repeating: 0, count: h * w)
            for oy in 0..<oh { for ox in 0..<ow {
                for (ry, rx) in [(0, 0), (0, 1), (1, 0), (1, 1)] { expectedDx[(2 * oy + ry) * w + 2 * ox + rx] = dy[oy * ow + ox] * 0.25 }
            } }
            assertBits(dx, expectedDx, "pool backward \(h)×\(w)")
        }
    }
}
