import Engine
import TestSupport
import XCTest

/// The fast (im2col + GEMM, multi-threaded) layers against the naive reference kernels.
final class KernelReferenceTests: XCTestCase {
    private func assertClose(_ a: [Float], _ b: [Float], _ what: String, tolerance: Float = 1e-4,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, what, file: file, line: line)
    }

    func testConv2DMatchesReference() {
        let cases: [(c: Int, h: Int, w: Int, out: Int, k: Int, s: Int, p: Int, bias: Bool)] = [
            (1, 32, 32, 6, 5, 1, 0, true), (6, 14, 14, 16, 5, 1, 0, true), (16, 5, 5, 120, 5, 1, 0, true),
            (3, 9, 7, 4, 3, 2, 1, false), (2, 8, 8, 5, 3, 1, 2, true), (4, 7, 6, 3, 2, 3, 1, true),
        ]
        for (i, t) in cases.enumerated() {
            let batch = 5
            let conv = Conv2D(outChannels: t.out, kernel: t.k, stride: t.s, padding: t.p, bias: t.bias)
            let net = EngineFixtures.checkedNetwork([t.c, t.h, t.w], EngineFixtures.chain([conv]), batch: batch,
                                                    seed: UInt64(i))
            let g = ConvGeometry(channels: t.c, height: t.h, width: t.w, kernel: t.k, stride: t.s, padding: t.p)
            let x = engineRandomValues(batch * g.inputCount, seed: UInt64(100 + i))
            let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
            let outCount = batch * t.out * g.outPlane
            let expected = ReferenceKernels.conv2DForward(g, batch: batch, outChannels: t.out, x: x,
                                                          w: conv.weight.value.array, b: conv.bias?.value.array)
            assertClose(Array(UnsafeBufferPointer(start: y, count: outCount)), expected, "forward case \(i)")

            let dy = engineRandomValues(outCount, seed: UInt64(200 + i))
            for j in 0..<outCount { net.outputGradient[j] = dy[j] }
            net.backward(batch: batch)
            let ref = ReferenceKernels.conv2DBackward(g, batch: batch, outChannels: t.out, x: x,
                                                      w: conv.weight.value.array, dy: dy)
            assertClose(Array(UnsafeBufferPointer(start: net.inputGradient!, count: x.count)), ref.dx, "dx case \(i)")
            assertClose(conv.weight.grad.array, ref.dw, "dw case \(i)")
            if let bias = conv.bias { assertClose(bias.grad.array, ref.db, "db case \(i)") }
        }
    }

    func testLinearMatchesReference() {
        for (i, (inF, outF, bias)) in [(120, 84, true), (84, 10, true), (7, 3, false)].enumerated() {
            let batch = 9
            let linear = Linear(outFeatures: outF, bias: bias)
            let net = EngineFixtures.checkedNetwork([inF], EngineFixtures.chain([linear]), batch: batch)
            let x = engineRandomValues(batch * inF, seed: UInt64(i))
            let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
            let expected = ReferenceKernels.linearForward(batch: batch, inFeatures: inF, outFeatures: outF, x: x,
                                                          w: linear.weight.value.array, b: linear.bias?.value.array)
            assertClose(Array(UnsafeBufferPointer(start: y, count: batch * outF)), expected, "forward \(i)")
            let dy = engineRandomValues(batch * outF, seed: UInt64(50 + i))
            for j in dy.indices { net.outputGradient[j] = dy[j] }
            net.backward(batch: batch)
            let ref = ReferenceKernels.linearBackward(batch: batch, inFeatures: inF, outFeatures: outF, x: x,
                                                      w: linear.weight.value.array, dy: dy)
            assertClose(Array(UnsafeBufferPointer(start: net.inputGradient!, count: x.count)), ref.dx, "dx \(i)")
            assertClose(linear.weight.grad.array, ref.dw, "dw \(i)")
            if let b = linear.bias { assertClose(b.grad.array, ref.db, "db \(i)") }
        }
    }
}
