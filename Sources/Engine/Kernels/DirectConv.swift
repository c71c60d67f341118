import EngineAVX512
import SIMDMemory

/// Direct stride-1 convolution kernels using the "full-width" trick: an output grid as wide as the
/// (padded) input row, so that every kernel tap is a contiguous shifted multiply-add.
///
/// Planes are flattened rows of width `width`; columns ≥ the true output width of each row are
/// garbage (forward) or must be zero (gradients). Callers keep zeroed slack after every plane so the
/// rounded-up vector loops may read past it (see `DirectConvPlan`).
///
/// On CPUs with AVX-512, `shiftedConv` and `shiftedWeightGrad` hand over to their twins in the
/// `EngineAVX512` module (chosen by the network's `KernelFamily`), which produce the same bits.

/// Outputs per inner block of `shiftedConv` (3 vectors of 8).
let shiftedBlock = 24

/// The largest block of either kernel family (AVX2 24, AVX-512 48): scratch planes are rounded to
/// it and keep that much zeroed slack, so both families can run on the same buffers.
let shiftedSpan = max(shiftedBlock, shiftedConv512Span)

/// Shifted multiply-add over flattened planes (the forward primitive, also the input gradient).
/// src: [ci][srcStride] (rows of `width`), zero outside the index range `nonzero` of every plane;
/// w: [co][ci][k][k]; bias: [co] or nil;
/// dst: [co][dstStride] with dst[o][i] = bias[o] + Σ_c Σ_ky,kx w[o][c][ky][kx] · src[c][i + ky·width + kx]
/// for i in 0..<roundUp(count, 24). Reads src[c] up to index roundUp(count, 24) + (k−1)·(width+1) − 1.
/// Kernel rows that would only read zeros of a block are skipped.
func shiftedConv(src: UnsafePointer<Float>, ci: Int, srcStride: Int, width: Int, k: Int, nonzero: Range<Int>,
                 w: UnsafePointer<Float>, co: Int, bias: UnsafePointer<Float>?,
                 dst: UnsafeMutablePointer<Float>, dstStride: Int, count: Int, kernels: KernelFamily) {
    if kernels == .avx512 {
        return shiftedConv512(src: src, ci: ci, srcStride: srcStride, width: width, k: k, nonzero: nonzero, w: w,
                              co: co, bias: bias, dst: dst, dstStride: dstStride, count: count)
    }
    switch k {  // constant kernel sizes let the compiler unroll the tap loop
    case 5: shiftedConvK(src, ci, srcStride, width, 5, nonzero, w, co, bias, dst, dstStride, count)
    case 3: shiftedConvK(src, ci, srcStride, width, 3, nonzero, w, co, bias, dst, dstStride, count)
    default: shiftedConvK(src, ci, srcStride, width, k, nonzero, w, co, bias, dst, dstStride, count)
    }
}

@inline(__always)
private func shiftedConvK(_ src: UnsafePointer<Float>, _ ci: Int, _ srcStride: Int, _ width: Int, _ k: Int,
                          _ nonzero: Range<Int>, _ w: UnsafePointer<Float>, _ co: Int, _ bias: UnsafePointer<Float>?,
                          _ dst: UnsafeMutablePointer<Float>, _ dstStride: Int, _ count: Int) {
    let wStride = ci * k * k
    var i = 0
    while i < count {
        if Cancellation.isRequested { return }  // unfinished output, discarded by the trainer
        // Kernel rows ky whose reads [i + ky·width, i + 23 + ky·width + k − 1] meet `nonzero`.
        let lowGap = nonzero.lowerBound - (i + shiftedBlock - 1 + k - 1)
        let kyLo = lowGap <= 0 ? 0 : min(k, (lowGap + width - 1) / width)
        let highGap = nonzero.upperBound - i
        let kyHi = highGap <= 0 ? 0 : min(k, (highGap + width - 1) / width)
        let rows = kyLo..<max(kyLo, kyHi)
        var o = 0
        while o + 4 <= co {
            shiftedBlock(4, src + i, ci, srcStride, width, k, rows, w + o * wStride, wStride, bias.map { $0 + o },
                         dst + o * dstStride + i, dstStride)
            o += 4
        }
        if o + 2 <= co {
            shiftedBlock(2, src + i, ci, srcStride, width, k, rows, w + o * wStride, wStride, bias.map { $0 + o },
                         dst + o * dstStride + i, dstStride)
            o += 2
        }
        if o < co {
            shiftedBlock(1, src + i, ci, srcStride, width, k, rows, w + o * wStride, wStride, bias.map { $0 + o },
                         dst + o * dstStride + i, dstStride)
        }
        i += shiftedBlock
    }
}

// `outs` (4, 2 or 1) output channels × 24 positions: up to 12 ymm accumulators, weights broadcast
// from memory. `outs` is a literal at every call, so the unused accumulators fold away.
@inline(__always)
private func shiftedBlock(_ outs: Int, _ src: UnsafePointer<Float>, _ ci: Int, _ srcStride: Int, _ width: Int,
                          _ k: Int, _ rows: Range<Int>, _ w: UnsafePointer<Float>, _ ws: Int,
                          _ bias: UnsafePointer<Float>?, _ dst: UnsafeMutablePointer<Float>, _ ds: Int) {
    var a0 = splat8(bias?[0] ?? 0), a1 = a0, a2 = a0
    var b0 = outs > 1 ? splat8(bias?[1] ?? 0) : a0, b1 = b0, b2 = b0
    var c0 = outs > 2 ? splat8(bias?[2] ?? 0) : a0, c1 = c0, c2 = c0
    var d0 = outs > 3 ? splat8(bias?[3] ?? 0) : a0, d1 = d0, d2 = d0
    for c in 0..<ci {
        var row = src + c * srcStride + rows.lowerBound * width
        var wp = w + (c * k + rows.lowerBound) * k
        for _ in rows {
            for kx in 0..<k {
                let p = row + kx
                let x0 = load8(p), x1 = load8(p + 8), x2 = load8(p + 16)
                let wa = splat8(wp[0])
                a0 = a0.addingProduct(x0, wa); a1 = a1.addingProduct(x1, wa); a2 = a2.addingProduct(x2, wa)
                if outs > 1 {
                    let wb = splat8(wp[ws])
                    b0 = b0.addingProduct(x0, wb); b1 = b1.addingProduct(x1, wb); b2 = b2.addingProduct(x2, wb)
                }
                if outs > 2 {
                    let wc = splat8(wp[2 * ws]), wd = splat8(wp[3 * ws])
                    c0 = c0.addingProduct(x0, wc); c1 = c1.addingProduct(x1, wc); c2 = c2.addingProduct(x2, wc)
                    d0 = d0.addingProduct(x0, wd); d1 = d1.addingProduct(x1, wd); d2 = d2.addingProduct(x2, wd)
                }
                wp += 1
            }
            row += width
        }
    }
    store8(dst, a0); store8(dst + 8, a1); store8(dst + 16, a2)
    if outs > 1 { store8(dst + ds, b0); store8(dst + ds + 8, b1); store8(dst + ds + 16, b2) }
    if outs > 2 {
        store8(dst + 2 * ds, c0); store8(dst + 2 * ds + 8, c1); store8(dst + 2 * ds + 16, c2)
        store8(dst + 3 * ds, d0); store8(dst + 3 * ds + 8, d1); store8(dst + 3 * ds + 16, d2)
    }
}

/// Weight-gradient partials with the full-width layout, 8 lanes per weight (summed by the caller).
/// dy: [co][dyStride] with garbage columns and everything from `count` on zero; x: [ci][xStride];
/// gv: [co][ci][k][k] × SIMD8, gv[o][c][ky][kx] += Σ_i dy[o][i] · x[c][i + ky·width + kx] lane-wise,
/// for i in 0..<roundUp(count, 8). Reads x[c] up to roundUp(count, 8) + (k−1)·(width+1) − 1.
func shiftedWeightGrad(dy: UnsafePointer<Float>, co: Int, dyStride: Int, x: UnsafePointer<Float>, ci: Int,
                       xStride: Int, width: Int, k: Int, count: Int, gv: UnsafeMutablePointer<SIMD8<Float>>,
                       kernels: KernelFamily) {
    if kernels == .avx512 {
        return shiftedWeightGrad512(dy: dy, co: co, dyStride: dyStride, x: x, ci: ci, xStride: xStride,
                                    width: width, k: k, count: count, gv: gv)
    }
    let taps = k * k, perO = ci * taps
    var o = 0
    while o < co {
        if Cancellation.isRequested { return }
        let pair = o + 2 <= co
        let dy0 = dy + o * dyStride, dy1 = pair ? dy0 + dyStride : dy0
        for c in 0..<ci {
            for ky in 0..<k {
                let xr = x + c * xStride + ky * width
                let g0 = gv + o * perO + c * taps + ky * k
                let g1 = pair ? g0 + perO : nil
                switch k {  // taps of a row at once: 5 or 3 (literal), else one by one
                case 5: weightGradRow(5, dy0, dy1, xr, count, g0, g1)
                case 3: weightGradRow(3, dy0, dy1, xr, count, g0, g1)
                default:
                    for kx in 0..<k { weightGradRow(1, dy0, dy1, xr + kx, count, g0 + kx, g1.map { $0 + kx }) }
                }
            }
        }
        o += pair ? 2 : 1
    }
}

// 2 channels (dy0, dy1) × `taps` (5, 3 or 1, a literal at every call) consecutive taps of one kernel
// row; up to 10 accumulators. g1 nil: dy1 is ignored.
@inline(__always)
private func weightGradRow(_ taps: Int, _ dy0: UnsafePointer<Float>, _ dy1: UnsafePointer<Float>,
                           _ x: UnsafePointer<Float>, _ count: Int, _ g0: UnsafeMutablePointer<SIMD8<Float>>,
                           _ g1: UnsafeMutablePointer<SIMD8<Float>>?) {
    let z = SIMD8<Float>()
    var a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, b0 = z, b1 = z, b2 = z, b3 = z, b4 = z
    var i = 0
    while i < count {
        let d0 = load8(dy0 + i), d1 = load8(dy1 + i), p = x + i
        let x0 = load8(p)
        a0 = a0.addingProduct(d0, x0); b0 = b0.addingProduct(d1, x0)
        if taps > 1 {
            let x1 = load8(p + 1), x2 = load8(p + 2)
            a1 = a1.addingProduct(d0, x1); a2 = a2.addingProduct(d0, x2)
            b1 = b1.addingProduct(d1, x1); b2 = b2.addingProduct(d1, x2)
        }
        if taps > 3 {
            let x3 = load8(p + 3), x4 = load8(p + 4)
            a3 = a3.addingProduct(d0, x3); a4 = a4.addingProduct(d0, x4)
            b3 = b3.addingProduct(d1, x3); b4 = b4.addingProduct(d1, x4)
        }
        i += 8
    }
    g0[0] += a0
    if taps > 1 { g0[1] += a1; g0[2] += a2 }
    if taps > 3 { g0[3] += a3; g0[4] += a4 }
    guard let g1 else { return }
    g1[0] += b0
    if taps > 1 { g1[1] += b1; g1[2] += b2 }
    if taps > 3 { g1[3] += b3; g1[4] += b4 }
}
