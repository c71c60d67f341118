/// AVX-512 versions of the engine's direct-convolution kernels (`Engine/Kernels/DirectConv.swift`).
///
/// This module is compiled for `skylake-avx512`; the engine calls into it only after checking the
/// CPU (and OS) support AVX-512F/DQ/CD/BW/VL. Every kernel performs, lane for lane, the same fused
/// multiply-adds in the same order as its AVX2 twin, so both produce bit-identical results: the
/// wider registers only change how many outputs advance per instruction.

import SIMDMemory

/// The widest run of outputs one block of `shiftedConv512` covers (3 registers of 16).
public let shiftedConv512Span = 48

/// `shiftedConv` of the engine over blocks of up to 48 outputs: dst[o][i] = bias[o] +
/// Σ_c Σ_ky,kx w[o][c][ky][kx] · src[c][i + ky·width + kx] for i in 0..<roundUp(count, 16).
/// Reads src[c] up to index roundUp(count, 16) + (k−1)·(width+1) − 1. Kernel rows that would only
/// read zeros of a block are skipped (adding exact zeros changes no value).
public func shiftedConv512(src: UnsafePointer<Float>, ci: Int, srcStride: Int, width: Int, k: Int,
                           nonzero: Range<Int>, w: UnsafePointer<Float>, co: Int, bias: UnsafePointer<Float>?,
                           dst: UnsafeMutablePointer<Float>, dstStride: Int, count: Int) {
    switch k {
    case 5: conv(src, ci, srcStride, width, 5, nonzero, w, co, bias, dst, dstStride, count)
    case 3: conv(src, ci, srcStride, width, 3, nonzero, w, co, bias, dst, dstStride, count)
    default: conv(src, ci, srcStride, width, k, nonzero, w, co, bias, dst, dstStride, count)
    }
}

@inline(__always)
private func conv(_ src: UnsafePointer<Float>, _ ci: Int, _ srcStride: Int, _ width: Int, _ k: Int,
                  _ nonzero: Range<Int>, _ w: UnsafePointer<Float>, _ co: Int, _ bias: UnsafePointer<Float>?,
                  _ dst: UnsafeMutablePointer<Float>, _ dstStride: Int, _ count: Int) {
    let wStride = ci * k * k
    var i = 0
    while i < count {
        if let flag = avx512CancelFlag, flag.pointee != 0 { return }  // unfinished, discarded
        let vectors = min(3, (count - i + 15) / 16)
        let span = vectors * 16
        // Kernel rows ky whose reads [i + ky·width, i + span − 1 + ky·width + k − 1] meet `nonzero`.
        let lowGap = nonzero.lowerBound - (i + span - 1 + k - 1)
        let kyLo = lowGap <= 0 ? 0 : min(k, (lowGap + width - 1) / width)
        let highGap = nonzero.upperBound - i
        let kyHi = highGap <= 0 ? 0 : min(k, (highGap + width - 1) / width)
        let rows = kyLo..<max(kyLo, kyHi)
        switch vectors {
        case 3: channels(3, src + i, ci, srcStride, width, k, rows, w, wStride, co, bias, dst + i, dstStride)
        case 2: channels(2, src + i, ci, srcStride, width, k, rows, w, wStride, co, bias, dst + i, dstStride)
        default: channels(1, src + i, ci, srcStride, width, k, rows, w, wStride, co, bias, dst + i, dstStride)
        }
        i += span
    }
}

@inline(__always)
private func channels(_ vectors: Int, _ src: UnsafePointer<Float>, _ ci: Int, _ srcStride: Int, _ width: Int,
                      _ k: Int, _ rows: Range<Int>, _ w: UnsafePointer<Float>, _ ws: Int, _ co: Int,
                      _ bias: UnsafePointer<Float>?, _ dst: UnsafeMutablePointer<Float>, _ ds: Int) {
    var o = 0
    if co == 6 {  // LeNet's conv1: all six channels in one pass over the input (18 accumulators)
        return block(6, vectors, src, ci, srcStride, width, k, rows, w, ws, bias, dst, ds)
    }
    while o + 4 <= co {
        block(4, vectors, src, ci, srcStride, width, k, rows, w + o * ws, ws, bias.map { $0 + o }, dst + o * ds, ds)
        o += 4
    }
    if o + 2 <= co {
        block(2, vectors, src, ci, srcStride, width, k, rows, w + o * ws, ws, bias.map { $0 + o }, dst + o * ds, ds)
        o += 2
    }
    if o < co {
        block(1, vectors, src, ci, srcStride, width, k, rows, w + o * ws, ws, bias.map { $0 + o }, dst + o * ds, ds)
    }
}

// `outs` (1, 2, 4 or 6) output channels × `vectors` (1–3) registers of 16 positions. Both counts
// are literals at every call, so the unused accumulators and loads fold away.
@inline(__always)
private func block(_ outs: Int, _ vectors: Int, _ src: UnsafePointer<Float>, _ ci: Int, _ srcStride: Int,
                   _ width: Int, _ k: Int, _ rows: Range<Int>, _ w: UnsafePointer<Float>, _ ws: Int,
                   _ bias: UnsafePointer<Float>?, _ dst: UnsafeMutablePointer<Float>, _ ds: Int) {
    var a0 = splat16(bias?[0] ?? 0), a1 = a0, a2 = a0
    var b0 = outs > 1 ? splat16(bias?[1] ?? 0) : a0, b1 = b0, b2 = b0
    var c0 = outs > 2 ? splat16(bias?[2] ?? 0) : a0, c1 = c0, c2 = c0
    var d0 = outs > 3 ? splat16(bias?[3] ?? 0) : a0, d1 = d0, d2 = d0
    var e0 = outs > 4 ? splat16(bias?[4] ?? 0) : a0, e1 = e0, e2 = e0
    var f0 = outs > 5 ? splat16(bias?[5] ?? 0) : a0, f1 = f0, f2 = f0
    for c in 0..<ci {
        var row = src + c * srcStride + rows.lowerBound * width
        var wp = w + (c * k + rows.lowerBound) * k
        for _ in rows {
            for kx in 0..<k {
                let p = row + kx
                let x0 = load16(p)
                let x1 = vectors > 1 ? load16(p + 16) : x0
                let x2 = vectors > 2 ? load16(p + 32) : x0
                let wa = splat16(wp[0])
                a0 = a0.addingProduct(x0, wa)
                if vectors > 1 { a1 = a1.addingProduct(x1, wa) }
                if vectors > 2 { a2 = a2.addingProduct(x2, wa) }
                if outs > 1 {
                    let wb = splat16(wp[ws])
                    b0 = b0.addingProduct(x0, wb)
                    if vectors > 1 { b1 = b1.addingProduct(x1, wb) }
                    if vectors > 2 { b2 = b2.addingProduct(x2, wb) }
                }
                if outs > 2 {
                    let wc = splat16(wp[2 * ws]), wd = splat16(wp[3 * ws])
                    c0 = c0.addingProduct(x0, wc); d0 = d0.addingProduct(x0, wd)
                    if vectors > 1 { c1 = c1.addingProduct(x1, wc); d1 = d1.addingProduct(x1, wd) }
                    if vectors > 2 { c2 = c2.addingProduct(x2, wc); d2 = d2.addingProduct(x2, wd) }
                }
                if outs > 4 {
                    let we = splat16(wp[4 * ws]), wf = splat16(wp[5 * ws])
                    e0 = e0.addingProduct(x0, we); f0 = f0.addingProduct(x0, wf)
                    if vectors > 1 { e1 = e1.addingProduct(x1, we); f1 = f1.addingProduct(x1, wf) }
                    if vectors > 2 { e2 = e2.addingProduct(x2, we); f2 = f2.addingProduct(x2, wf) }
                }
                wp += 1
            }
            row += width
        }
    }
    storeRow(dst, vectors, a0, a1, a2)
    if outs > 1 { storeRow(dst + ds, vectors, b0, b1, b2) }
    if outs > 2 {
        storeRow(dst + 2 * ds, vectors, c0, c1, c2)
        storeRow(dst + 3 * ds, vectors, d0, d1, d2)
    }
    if outs > 4 {
        storeRow(dst + 4 * ds, vectors, e0, e1, e2)
        storeRow(dst + 5 * ds, vectors, f0, f1, f2)
    }
}

@inline(__always)
private func storeRow(_ dst: UnsafeMutablePointer<Float>, _ vectors: Int, _ v0: SIMD16<Float>,
                      _ v1: SIMD16<Float>, _ v2: SIMD16<Float>) {
    store16(dst, v0)
    if vectors > 1 { store16(dst + 16, v1) }
    if vectors > 2 { store16(dst + 32, v2) }
}
