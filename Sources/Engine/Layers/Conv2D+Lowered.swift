import Spec
import EngineAVX512

// MARK: - Lowered path (stride > 1): im2col chunks and the register-blocked GEMM

extension Conv2D {
    /// Calls `body(chunk, first)` for consecutive chunks of at most `chunkSamples` of a reduction
    /// group's members (the same chunks whichever thread owns the group), `first` for the first one.
    @inline(__always)
    func forEachChunk(_ members: Range<Int>, _ body: (_ chunk: Range<Int>, _ first: Bool) -> Void) {
        var start = members.lowerBound
        while start < members.upperBound {
            let end = min(members.upperBound, start + chunkSamples)
            body(start..<end, start == members.lowerBound)
            start = end
        }
    }

    // x: [n, C, H, W] → y: [n, out, OH, OW]; per chunk of a reduction group (so the GEMM shapes do
    // not depend on the thread count): col [patch, n·P] = im2col(x), panel [out, n·P] = W [out, patch] · col,
    // y[s, o, p] = panel[o, s·P + p] + b[o].
    func im2colForward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            forEachReductionGroup(samples) { _, members in
                forEachChunk(members) { chunk, _ in
                    let plane = g.outPlane, ld = chunk.count * plane, col = columns[t], panel = panels[t]
                    for s in chunk { im2col(g, x: x + s * g.inputCount, col: col, ld: ld, column: (s - chunk.lowerBound) * plane) }
                    gemmNN(m: outChannels, n: ld, k: g.patch, a: weight.value.data, rowStride: g.patch, colStride: 1,
                           b: col, ldb: ld, c: panel, ldc: ld, accumulate: false, kernels: kernels)
                    let biasValues = bias?.value.data
                    for s in chunk {
                        for o in 0..<outChannels {
                            let src: UnsafePointer<Float> = UnsafePointer(panel + (o * ld + (s - chunk.lowerBound) * plane))
                            let dst: UnsafeMutablePointer<Float> = y + (s * outChannels + o) * plane
                            if let biasValues { addScalar(dst, src, biasValues[o], plane) } else { copyFloats(dst, src, plane) }
                        }
                    }
                }
            }
        }
    }

    // dy: [n, out, OH, OW]; per chunk of a reduction group: panel [out, n·P] = dy regrouped and its
    // transpose; dWᵀ [patch, out] (+)= col · panelᵀ, db[o] (+)= Σ panel[o, :] (the group's partials,
    // chunk after chunk); dcol [patch, n·P] = Wᵀ · panel; dx = col2im(dcol).
    func im2colBackward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            forEachReductionGroup(samples) { group, members in
                let dwT = transposed[t] + outChannels * chunkSamples * g.outPlane
                forEachChunk(members) { chunk, first in
                    let plane = g.outPlane, ld = chunk.count * plane, col = columns[t], panel = panels[t]
                    for s in chunk {
                        im2col(g, x: x + s * g.inputCount, col: col, ld: ld, column: (s - chunk.lowerBound) * plane)
                        for o in 0..<outChannels {
                            let src: UnsafePointer<Float> = dy + (s * outChannels + o) * plane
                            copyFloats(panel + (o * ld + (s - chunk.lowerBound) * plane), src, plane)
                        }
                    }
                    // The register-blocked GEMM wants B row-major: dWᵀ = col · (panelᵀ), transposed at the end.
                    let dyT = transposed[t]
                    transpose(panel, rows: outChannels, cols: ld, rowRange: 0..<outChannels, into: dyT)
                    gemmNN(m: g.patch, n: outChannels, k: ld, a: col, rowStride: ld, colStride: 1, b: dyT,
                           ldb: outChannels, c: dwT, ldc: outChannels, accumulate: !first, kernels: kernels)
                    if let biasGrad {
                        let db = biasGrad.target(group)
                        for o in 0..<outChannels {
                            let row = panel + o * ld
                            var sum: Float = first ? 0 : db[o]
                            for p in 0..<ld { sum += row[p] }
                            db[o] = sum
                        }
                    }
                    if let dx {
                        gemmNN(m: g.patch, n: ld, k: outChannels, a: weight.value.data, rowStride: 1, colStride: g.patch,
                               b: panel, ldb: ld, c: col, ldc: ld, accumulate: false, kernels: kernels)  // col now holds dcol = Wᵀ · panel
                        for s in chunk {
                            let d = dx + s * g.inputCount
                            d.update(repeating: 0, count: g.inputCount)
                            col2imAdd(g, dcol: col, ld: ld, column: (s - chunk.lowerBound) * plane, dx: d)
                        }
                    }
                }
                transpose(dwT, rows: g.patch, cols: outChannels, rowRange: 0..<g.patch, into: weightGrad!.target(group))
            }
        }
    }
}
