import Engine
import Spec
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
        checkConv2D([
            (1, 32, 32, 6, 5, 1, 0, true), (6, 14, 14, 16, 5, 1, 0, true), (16, 5, 5, 120, 5, 1, 0, true),
            (3, 9, 7, 4, 3, 2, 1, false), (2, 8, 8, 5, 3, 1, 2, true), (4, 7, 6, 3, 2, 3, 1, true),
        ], batches: [5])
    }

    /// The direct stride-1 path (full-width kernels) and the full-kernel linear path on odd shapes: k = 3, 5 and others, padding 0/1/2, channel counts off the 4/2 register blocks, tiny and
    /// odd batches (one thread then gets no samples), non-square inputs.
    func testConv2DFastPathsOnOddShapes() {
        checkConv2D([
            (1, 9, 11, 1, 3, 1, 0, true), (3, 7, 5, 7, 3, 1, 1, false), (5, 6, 9, 3, 5, 1, 2, true),
            (2, 12, 10, 9, 5, 1, 0, true), (7, 5, 8, 5, 5, 1, 1, true), (3, 8, 8, 6, 4, 1, 1, true),
            (2, 6, 7, 3, 2, 1, 0, false), (1, 3, 3, 2, 1, 1, 0, true), (3, 4, 4, 5, 4, 1, 0, true),
            (2, 3, 3, 4, 3, 1, 0, false), (2, 3, 3, 4, 5, 1, 1, true),
            // Widths where a skipped kernel row's last read lands exactly on the first nonzero row.
            (2, 5, 23, 3, 3, 1, 0, true), (1, 6, 21, 2, 3, 1, 2, false),
        ], batches: [1, 3, 7])
    }

    /// The zoo's shapes: 3×3 padding 1 and 1×1 convolutions at stride 1 (direct path) and stride 2
    /// (lowered: im2col + the register-blocked GEMM), channel counts that fill the GEMM's 4×24
    /// blocks and leave 8-wide and scalar edges; 24×24 inputs at stride 2 give 12×12 outputs, which
    /// lower a reduction group in two chunks (15 + 1 samples), so batch 17 has a chunked group and a
    /// short one.
    func testConvolutionsOnZooShapes() {
        checkConv2D([
            (8, 12, 12, 16, 3, 1, 1, true), (16, 7, 7, 24, 3, 1, 1, false), (5, 9, 9, 13, 3, 2, 1, true),
            (16, 8, 8, 32, 1, 2, 0, false), (12, 6, 6, 10, 1, 1, 0, true), (3, 11, 10, 8, 3, 2, 1, true),
            (6, 24, 24, 12, 3, 2, 1, true),
        ], batches: [1, 17])
    }

    /// Grouped and depthwise convolutions against the naive grouped reference: strides 1–3,
    /// paddings 0–2, kernels 1–5, channel multipliers, widths that leave short vector tiles (and
    /// tiles that are all tail), batches that leave a thread without samples.
    func testGroupedConvolutionsMatchReference() {
        let cases: [(c: Int, h: Int, w: Int, out: Int, k: Int, s: Int, p: Int, groups: Int, bias: Bool)] = [
            (8, 12, 12, 8, 3, 1, 1, 8, false), (8, 13, 11, 8, 3, 2, 1, 8, true), (6, 9, 17, 12, 3, 1, 1, 6, true),
            (4, 10, 9, 8, 5, 1, 2, 2, true), (6, 7, 7, 6, 1, 1, 0, 3, false), (3, 11, 11, 6, 3, 3, 2, 3, true),
            (4, 6, 5, 4, 2, 2, 0, 4, true), (2, 4, 20, 4, 3, 2, 1, 2, false),
        ]
        for (i, t) in cases.enumerated() { for batch in [1, 3, 7] {
            let conv = GroupedConv2D(Conv2DLayer(outChannels: t.out, kernel: t.k, stride: t.s, padding: t.p,
                                                 groups: t.groups, bias: t.bias))
            let net = EngineFixtures.checkedNetwork([t.c, t.h, t.w], EngineFixtures.chain([conv]), batch: batch,
                                                    threads: batch == 1 ? 3 : 2, seed: UInt64(i))
            let g = ConvGeometry(channels: t.c, height: t.h, width: t.w, kernel: t.k, stride: t.s, padding: t.p)
            let x = engineRandomValues(batch * g.inputCount, seed: UInt64(300 + i))
            let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
            let outCount = batch * t.out * g.outPlane
            let expected = ReferenceKernels.groupedConv2DForward(g, groups: t.groups, batch: batch, outChannels: t.out,
                                                                 x: x, w: conv.weight.value.array, b: conv.bias?.value.array)
            assertClose(Array(UnsafeBufferPointer(start: y, count: outCount)), expected, "forward case \(i) batch \(batch)")
            let dy = engineRandomValues(outCount, seed: UInt64(400 + i))
            for j in 0..<outCount { net.outputGradient[j] = dy[j] }
            net.backward(batch: batch)
            let ref = ReferenceKernels.groupedConv2DBackward(g, groups: t.groups, batch: batch, outChannels: t.out,
                                                             x: x, w: conv.weight.value.array, dy: dy)
            assertClose(Array(UnsafeBufferPointer(start: net.inputGradient!, count: x.count)), ref.dx, "dx case \(i) batch \(batch)")
            assertClose(conv.weight.grad.array, ref.dw, "dw case \(i) batch \(batch)")
            if let bias = conv.bias { assertClose(bias.grad.array, ref.db, "db case \(i) batch \(batch)") }
        } }
    }

    private func checkConv2D(_ cases: [(c: Int, h: Int, w: Int, out: Int, k: Int, s: Int, p: Int, bias: Bool)],
                             batches: [Int], file: StaticString = #filePath, line: UInt = #line) {
        for (i, t) in cases.enumerated() { for batch in batches {
            let conv = Conv2D(outChannels: t.out, kernel: t.k, stride: t.s, padding: t.p, bias: t.bias)
            let net = EngineFixtures.checkedNetwork([t.c, t.h, t.w], EngineFixtures.chain([conv]), batch: batch,
                                                    threads: batch == 1 ? 3 : 2, seed: UInt64(i))
            let g = ConvGeometry(channels: t.c, height: t.h, width: t.w, kernel: t.k, stride: t.s, padding: t.p)
            let x = engineRandomValues(batch * g.inputCount, seed: UInt64(100 + i))
            let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
            let outCount = batch * t.out * g.outPlane
            let expected = ReferenceKernels.conv2DForward(g, batch: batch, outChannels: t.out, x: x,
                                                          w: conv.weight.value.array, b: conv.bias?.value.array)
            assertClose(Array(UnsafeBufferPointer(start: y, count: outCount)), expected, "forward case \(i) batch \(batch)")

            let dy = engineRandomValues(outCount, seed: UInt64(200 + i))
            for j in 0..<outCount { net.outputGradient[j] = dy[j] }
            net.backward(batch: batch)
            let ref = ReferenceKernels.conv2DBackward(g, batch: batch, outChannels: t.out, x: x,
                                                      w: conv.weight.value.array, dy: dy)
            assertClose(Array(UnsafeBufferPointer(start: net.inputGradient!, count: x.count)), ref.dx, "dx case \(i) batch \(batch)")
            assertClose(conv.weight.grad.array, ref.dw, "dw case \(i) batch \(batch)")
            if let bias = conv.bias { assertClose(bias.grad.array, ref.db, "db case \(i) batch \(batch)") }
        } }
    }

    func testLinearMatchesReference() {
        // Feature counts cover the GEMM kernel's 4×24 blocks, 8-wide and scalar edges; batch 1 on 3
        // threads leaves two threads without rows.
        let shapes = [(120, 84, true), (84, 10, true), (7, 3, false), (50, 29, true), (24, 33, false), (9, 48, true)]
        for (i, (inF, outF, bias)) in shapes.enumerated() { for batch in [1, 7, 9] {
            let linear = Linear(outFeatures: outF, bias: bias)
            let net = EngineFixtures.checkedNetwork([inF], EngineFixtures.chain([linear]), batch: batch,
                                                    threads: batch == 1 ? 3 : 2)
            let x = engineRandomValues(batch * inF, seed: UInt64(i))
            let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
            let expected = ReferenceKernels.linearForward(batch: batch, inFeatures: inF, outFeatures: outF, x: x,
                                                          w: linear.weight.value.array, b: linear.bias?.value.array)
            assertClose(Array(UnsafeBufferPointer(start: y, count: batch * outF)), expected, "forward \(i) batch \(batch)")
            let dy = engineRandomValues(batch * outF, seed: UInt64(50 + i))
            for j in dy.indices { net.outputGradient[j] = dy[j] }
            net.backward(batch: batch)
            let ref = ReferenceKernels.linearBackward(batch: batch, inFeatures: inF, outFeatures: outF, x: x,
                                                      w: linear.weight.value.array, dy: dy)
            assertClose(Array(UnsafeBufferPointer(start: net.inputGradient!, count: x.count)), ref.dx, "dx \(i) batch \(batch)")
            assertClose(linear.weight.grad.array, ref.dw, "dw \(i) batch \(batch)")
            if let b = linear.bias { assertClose(b.grad.array, ref.db, "db \(i) batch \(batch)") }
        } }
    }
}
