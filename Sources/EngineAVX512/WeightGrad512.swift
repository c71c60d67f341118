import SIMDMemory

/// `shiftedWeightGrad` of the engine with two output channels per 512-bit register: the low half
/// carries channel o's 8 lanes, the high half channel o+1's, so each lane accumulates exactly the
/// products it does in the AVX2 kernel (same partial sums, bit-identical results), with half the
/// instructions.
///
/// dy: [co][dyStride] with garbage columns and everything from `count` on zero; x: [ci][xStride];
/// gv: [co][ci][k][k] × SIMD8, gv[o][c][ky][kx] += Σ_i dy[o][i] · x[c][i + ky·width + kx] lane-wise,
/// for i in 0..<roundUp(count, 8). Reads x[c] up to roundUp(count, 8) + (k−1)·(width+1) − 1.
public func shiftedWeightGrad512(dy: UnsafePointer<Float>, co: Int, dyStride: Int, x: UnsafePointer<Float>,
                                 ci: Int, xStride: Int, width: Int, k: Int, count: Int,
                                 gv: UnsafeMutablePointer<SIMD8<Float>>) {
    let taps = k * k, perO = ci * taps
    var o = 0
    while o < co {
        if let flag = avx512CancelFlag, flag.pointee != 0 { return }
        // 4, 2 or 1 channels: two registers of pairs, one pair, or one channel twice (high half unused).
        let outs = o + 4 <= co ? 4 : (o + 2 <= co ? 2 : 1)
        for c in 0..<ci {
            var ky = 0
            if outs == 4 && k == 5 {  // two kernel rows per pass over dy: 20 accumulators, fewer loads per FMA
                while ky + 2 <= k {
                    twoRows(dy + o * dyStride, dyStride, x + c * xStride + ky * width, width, count,
                            gv + o * perO + c * taps + ky * k, perO)
                    ky += 2
                }
            } else if outs == 4 && k == 3 {  // the whole 3×3 kernel per pass over dy: 18 accumulators
                threeRows(dy + o * dyStride, dyStride, x + c * xStride, width, count, gv + o * perO + c * taps, perO)
                ky = 3
            }
            while ky < k {
                defer { ky += 1 }
                let xr = x + c * xStride + ky * width
                let g = gv + o * perO + c * taps + ky * k
                let d = dy + o * dyStride
                switch (outs, k) {
                case (4, 5): row(4, 5, d, dyStride, xr, count, g, perO)
                case (2, 5): row(2, 5, d, dyStride, xr, count, g, perO)
                case (1, 5): row(1, 5, d, dyStride, xr, count, g, perO)
                case (2, 3): row(2, 3, d, dyStride, xr, count, g, perO)
                case (1, 3): row(1, 3, d, dyStride, xr, count, g, perO)
                default:
                    for kx in 0..<k { row(outs, 1, d, dyStride, xr + kx, count, g + kx, perO) }
                }
            }
        }
        o += outs
    }
}

// `outs` channels (rows of dy `ds` apart) × `taps` consecutive taps of one kernel row.
@inline(__always)
private func row(_ outs: Int, _ taps: Int, _ dy: UnsafePointer<Float>, _ ds: Int, _ x: UnsafePointer<Float>,
                 _ count: Int, _ g: UnsafeMutablePointer<SIMD8<Float>>, _ perO: Int) {
    let z = SIMD16<Float>()
    var a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, b0 = z, b1 = z, b2 = z, b3 = z, b4 = z
    let second = outs > 1 ? ds : 0
    var i = 0
    while i < count {
        let d01 = SIMD16<Float>(lowHalf: load8(dy + i), highHalf: load8(dy + second + i))
        let d23 = outs > 2 ? SIMD16<Float>(lowHalf: load8(dy + 2 * ds + i), highHalf: load8(dy + 3 * ds + i)) : d01
        let p = x + i
        let x0 = pair(p)
        a0 = a0.addingProduct(d01, x0)
        if outs > 2 { b0 = b0.addingProduct(d23, x0) }
        if taps > 1 {
            let x1 = pair(p + 1)
            let x2 = pair(p + 2)
            a1 = a1.addingProduct(d01, x1); a2 = a2.addingProduct(d01, x2)
            if outs > 2 { b1 = b1.addingProduct(d23, x1); b2 = b2.addingProduct(d23, x2) }
        }
        if taps > 3 {
            let x3 = pair(p + 3)
            let x4 = pair(p + 4)
            a3 = a3.addingProduct(d01, x3); a4 = a4.addingProduct(d01, x4)
            if outs > 2 { b3 = b3.addingProduct(d23, x3); b4 = b4.addingProduct(d23, x4) }
        }
        i += 8
    }
    flush(outs, g, perO, a0, b0)
    if taps > 1 { flush(outs, g + 1, perO, a1, b1); flush(outs, g + 2, perO, a2, b2) }
    if taps > 3 { flush(outs, g + 3, perO, a3, b3); flush(outs, g + 4, perO, a4, b4) }
}

// 4 channels × the three rows of a 3×3 kernel (x, x + width, x + 2·width) × 3 taps: `row(4, 3, …)`
// for the three rows at once, each accumulator fed the same products in the same order.
@inline(__always)
private func threeRows(_ dy: UnsafePointer<Float>, _ ds: Int, _ x: UnsafePointer<Float>, _ width: Int, _ count: Int,
                       _ g: UnsafeMutablePointer<SIMD8<Float>>, _ perO: Int) {
    let z = SIMD16<Float>()
    var a0 = z, a1 = z, a2 = z, b0 = z, b1 = z, b2 = z
    var c0 = z, c1 = z, c2 = z, e0 = z, e1 = z, e2 = z
    var f0 = z, f1 = z, f2 = z, h0 = z, h1 = z, h2 = z
    var i = 0
    while i < count {
        let d01 = SIMD16<Float>(lowHalf: load8(dy + i), highHalf: load8(dy + ds + i))
        let d23 = SIMD16<Float>(lowHalf: load8(dy + 2 * ds + i), highHalf: load8(dy + 3 * ds + i))
        let p = x + i, q = p + width, r = q + width
        var v = pair(p)
        a0 = a0.addingProduct(d01, v); b0 = b0.addingProduct(d23, v)
        v = pair(p + 1); a1 = a1.addingProduct(d01, v); b1 = b1.addingProduct(d23, v)
        v = pair(p + 2); a2 = a2.addingProduct(d01, v); b2 = b2.addingProduct(d23, v)
        v = pair(q); c0 = c0.addingProduct(d01, v); e0 = e0.addingProduct(d23, v)
        v = pair(q + 1); c1 = c1.addingProduct(d01, v); e1 = e1.addingProduct(d23, v)
        v = pair(q + 2); c2 = c2.addingProduct(d01, v); e2 = e2.addingProduct(d23, v)
        v = pair(r); f0 = f0.addingProduct(d01, v); h0 = h0.addingProduct(d23, v)
        v = pair(r + 1); f1 = f1.addingProduct(d01, v); h1 = h1.addingProduct(d23, v)
        v = pair(r + 2); f2 = f2.addingProduct(d01, v); h2 = h2.addingProduct(d23, v)
        i += 8
    }
    flush(4, g, perO, a0, b0); flush(4, g + 1, perO, a1, b1); flush(4, g + 2, perO, a2, b2)
    flush(4, g + 3, perO, c0, e0); flush(4, g + 4, perO, c1, e1); flush(4, g + 5, perO, c2, e2)
    flush(4, g + 6, perO, f0, h0); flush(4, g + 7, perO, f1, h1); flush(4, g + 8, perO, f2, h2)
}

// 4 channels × kernel rows ky and ky+1 (x and x + width) × 5 taps: `row(4, 5, …)` for both rows
// at once, each accumulator fed the same products in the same order.
@inline(__always)
private func twoRows(_ dy: UnsafePointer<Float>, _ ds: Int, _ x: UnsafePointer<Float>, _ width: Int, _ count: Int,
                     _ g: UnsafeMutablePointer<SIMD8<Float>>, _ perO: Int) {
    let z = SIMD16<Float>()
    var a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, b0 = z, b1 = z, b2 = z, b3 = z, b4 = z
    var c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, e0 = z, e1 = z, e2 = z, e3 = z, e4 = z
    var i = 0
    while i < count {
        let d01 = SIMD16<Float>(lowHalf: load8(dy + i), highHalf: load8(dy + ds + i))
        let d23 = SIMD16<Float>(lowHalf: load8(dy + 2 * ds + i), highHalf: load8(dy + 3 * ds + i))
        let p = x + i, q = p + width
        var v = pair(p)
        a0 = a0.addingProduct(d01, v); b0 = b0.addingProduct(d23, v)
        v = pair(p + 1); a1 = a1.addingProduct(d01, v); b1 = b1.addingProduct(d23, v)
        v = pair(p + 2); a2 = a2.addingProduct(d01, v); b2 = b2.addingProduct(d23, v)
        v = pair(p + 3); a3 = a3.addingProduct(d01, v); b3 = b3.addingProduct(d23, v)
        v = pair(p + 4); a4 = a4.addingProduct(d01, v); b4 = b4.addingProduct(d23, v)
        v = pair(q); c0 = c0.addingProduct(d01, v); e0 = e0.addingProduct(d23, v)
        v = pair(q + 1); c1 = c1.addingProduct(d01, v); e1 = e1.addingProduct(d23, v)
        v = pair(q + 2); c2 = c2.addingProduct(d01, v); e2 = e2.addingProduct(d23, v)
        v = pair(q + 3); c3 = c3.addingProduct(d01, v); e3 = e3.addingProduct(d23, v)
        v = pair(q + 4); c4 = c4.addingProduct(d01, v); e4 = e4.addingProduct(d23, v)
        i += 8
    }
    flush(4, g, perO, a0, b0); flush(4, g + 1, perO, a1, b1); flush(4, g + 2, perO, a2, b2)
    flush(4, g + 3, perO, a3, b3); flush(4, g + 4, perO, a4, b4)
    let h = g + 5  // the next kernel row of the same channels
    flush(4, h, perO, c0, e0); flush(4, h + 1, perO, c1, e1); flush(4, h + 2, perO, c2, e2)
    flush(4, h + 3, perO, c3, e3); flush(4, h + 4, perO, c4, e4)
}

// Eight values in both halves: one tap's x for two channels' accumulators at once.
@inline(__always)
private func pair(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    let h = load8(p)
    return SIMD16<Float>(lowHalf: h, highHalf: h)
}

// Adds one tap's lanes to the partials of channels o…o+outs−1 (perO apart).
@inline(__always)
private func flush(_ outs: Int, _ g: UnsafeMutablePointer<SIMD8<Float>>, _ perO: Int, _ pair01: SIMD16<Float>,
                   _ pair23: SIMD16<Float>) {
    g[0] += pair01.lowHalf
    if outs > 1 { g[perO] += pair01.highHalf }
    if outs > 2 {
        g[2 * perO] += pair23.lowHalf
        g[3 * perO] += pair23.highHalf
    }
}
