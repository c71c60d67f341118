import Engine
import TestSupport
import XCTest

/// The AVX-512 kernel family against the AVX2 one: same weights, same inputs, bit-identical
/// outputs and gradients (the AVX-512 twins promise the same fused multiply-adds in the same order).
/// Skipped on machines without AVX-512. (Debug builds compile the AVX-512 module without
/// `-target-cpu`, so these check the kernels' logic; `.ci/run` compares release-build trainings.)
final class KernelDispatchTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(KernelDispatch.avx512Available, "this CPU has no AVX-512")
    }

    /// Every value of `run(family)` with networks built for AVX2 and for AVX-512, compared bit for bit.
    private func assertSameBits(_ what: String, file: StaticString = #filePath, line: UInt = #line,
                                _ run: (KernelFamily) -> [[Float]]) {
        let avx2 = run(.avx2)
        let avx512 = run(.avx512)
        TestSupport.assertSameBits(avx2, avx512, what, file: file, line: line)
    }

    /// The family is the network's, fixed when it is built: two networks of different families
    /// run side by side in one process, and each reports its own.
    func testTheFamilyIsChosenPerNetwork() {
        let a = Network(inputShape: [4], nodes: EngineFixtures.chain([Linear(outFeatures: 3)]), maxBatch: 2, threads: 1, seed: 1,
                        kernels: .avx2)
        let b = Network(inputShape: [4], nodes: EngineFixtures.chain([Linear(outFeatures: 3)]), maxBatch: 2, threads: 1, seed: 1,
                        kernels: .avx512)
        XCTAssertEqual([a.kernels, b.kernels], [.avx2, .avx512])
        let x: [Float] = [0.5, -1, 2, 0.25, 1, 1, -0.5, 3]
        let ya = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: a.forward($0.baseAddress!, batch: 2, training: false), count: 6)) }
        let yb = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: b.forward($0.baseAddress!, batch: 2, training: false), count: 6)) }
        XCTAssertEqual(ya.map(\.bitPattern), yb.map(\.bitPattern))
    }

    func testConvolutionsAreBitIdentical() {
        // LeNet's shapes, then odd ones: kernel 3/5/other, padding, channel counts off the 4/2
        // register blocks, widths whose last block is 1, 2 or 3 registers wide.
        let cases: [(c: Int, h: Int, w: Int, out: Int, k: Int, p: Int)] = [
            (1, 32, 32, 6, 5, 0), (6, 14, 14, 16, 5, 0), (3, 7, 5, 7, 3, 1), (5, 6, 9, 3, 5, 2),
            (2, 12, 10, 9, 5, 0), (3, 8, 8, 6, 4, 1), (2, 6, 7, 3, 2, 0), (1, 3, 3, 2, 1, 0),
            (2, 5, 23, 3, 3, 0), (1, 6, 21, 2, 3, 2), (4, 20, 20, 5, 5, 2), (3, 9, 40, 1, 3, 1),
        ]
        for (i, t) in cases.enumerated() {
            assertSameBits("case \(i)") { kernels in
                let conv = Conv2D(outChannels: t.out, kernel: t.k, padding: t.p)
                let batch = 5
                let net = EngineFixtures.checkedNetwork([t.c, t.h, t.w], EngineFixtures.chain([conv]), batch: batch,
                                                        seed: UInt64(i), kernels: kernels)
                let x = engineRandomValues(batch * t.c * t.h * t.w, seed: UInt64(100 + i))
                let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
                let outCount = batch * t.out * (t.h + 2 * t.p - t.k + 1) * (t.w + 2 * t.p - t.k + 1)
                let yValues = Array(UnsafeBufferPointer(start: y, count: outCount))
                let dy = engineRandomValues(outCount, seed: UInt64(200 + i))
                for j in 0..<outCount { net.outputGradient[j] = dy[j] }
                net.backward(batch: batch)
                return [yValues, Array(UnsafeBufferPointer(start: net.inputGradient!, count: x.count)),
                        conv.weight.grad.array, conv.bias!.grad.array]
            }
        }
    }

    func testLinearLayersAreBitIdentical() {
        // Feature counts around the 48/16/8-column blocks and the scalar edge; batches around the 4-row blocks.
        for (i, (inF, outF)) in [(120, 84), (400, 120), (84, 10), (7, 53), (50, 97), (33, 8), (16, 130)].enumerated() {
            for batch in [1, 6, 9] {
                assertSameBits("linear \(inF)→\(outF) batch \(batch)") { kernels in
                    let linear = Linear(outFeatures: outF)
                    let net = EngineFixtures.checkedNetwork([inF], EngineFixtures.chain([linear]), batch: batch,
                                                            seed: UInt64(i), kernels: kernels)
                    let x = engineRandomValues(batch * inF, seed: UInt64(10 + i))
                    let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
                    let yValues = Array(UnsafeBufferPointer(start: y, count: batch * outF))
                    let dy = engineRandomValues(batch * outF, seed: UInt64(20 + i))
                    for j in dy.indices { net.outputGradient[j] = dy[j] }
                    net.backward(batch: batch)
                    return [yValues, Array(UnsafeBufferPointer(start: net.inputGradient!, count: x.count)),
                            linear.weight.grad.array, linear.bias!.grad.array]
                }
            }
        }
    }

    func testLeNetTrainingIsBitIdentical() {
        assertSameBits("LeNet-5, 4 SGD steps") { kernels in
            let layers: [any Layer] = [
                Conv2D(outChannels: 6, kernel: 5), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 16, kernel: 5), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 120, kernel: 5), ReLU(), Flatten(), Linear(outFeatures: 84), ReLU(),
                Linear(outFeatures: 10),
            ]
            let batch = 16
            let net = Network(inputShape: [1, 32, 32], nodes: EngineFixtures.chain(layers), maxBatch: batch,
                              threads: 2, seed: 7, kernels: kernels)
            var losses: [Float] = []
            for step in 0..<4 {
                let images = engineRandomValues(batch * 1024, seed: UInt64(step))
                let labels = EngineFixtures.labels(batch, classes: 10, seed: UInt64(step))
                losses.append(Float(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.05).loss))
            }
            return [losses] + net.parameters.map { $0.value.array }
        }
    }

    func testLaneLayoutShapesAreBitIdentical() {
        // Geometries the AVX-512 family runs in the lane layout (full-width grid ≥ 1.25× the output
        // width): padding (10×10, k 5, p 2), kernel 3 with a fused ReLU + pooling that leaves a row
        // and a column uncovered (3×3 → 1×1), kernel 2 read by a batch norm, a batch of 21 (a short
        // reduction group), and the input gradient through all of it.
        assertSameBits("lane layout, 3 SGD steps") { kernels in
            let layers: [any Layer] = [
                Conv2D(outChannels: 5, kernel: 5, padding: 2), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 6, kernel: 3), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 4, kernel: 2, padding: 1), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
                Flatten(), Linear(outFeatures: 10),
            ]
            let batch = 21
            let net = Network(inputShape: [2, 10, 10], nodes: EngineFixtures.chain(layers), maxBatch: batch,
                              threads: 2, seed: 11, inputGradient: true, kernels: kernels)
            var values: [[Float]] = []
            for step in 0..<3 {
                let images = engineRandomValues(batch * 2 * 10 * 10, seed: UInt64(30 + step))
                let labels = EngineFixtures.labels(batch, classes: 10, seed: UInt64(step))
                values.append([Float(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.05).loss)])
                values.append(Array(UnsafeBufferPointer(start: net.inputGradient!, count: images.count)))
            }
            return values + net.parameters.map { $0.value.array }
        }
    }
}
