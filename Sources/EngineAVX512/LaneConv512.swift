/// Stride-1 convolution with the 16 samples of a reduction group in the 16 lanes of a vector
/// ("lane layout": every position of a plane is one SIMD16, lane l = the group's l-th sample).
///
/// The full-width kernels of `ShiftedConv512.swift` compute whole padded rows, garbage columns
/// included; in the lane layout every multiply-add is a useful one (the forward has no garbage
/// at all, the input gradient skips the taps that fall outside the output, block by block), and
/// pooling-free glue needs no shuffles. Each lane performs exactly the fused multiply-adds, in
/// exactly the order, of the full-width kernel for its sample: the forward as
/// bias + Σ_c Σ_ky↑ Σ_kx↑, the input gradient as 0 + Σ_o Σ_oy↑ Σ_ox↑ (the order of the flipped
/// kernel over the zero-bordered gradient planes, whose zero products are exact no-ops: an
/// accumulator that starts at +0 never becomes −0, so adding ±0 changes nothing). The results
/// are bit-identical to the full-width path, which stays the reference and the AVX2 route.
///
/// Planes are rows of `Float`s 16 to a position; callers pass pointers to lane 0 of position 0.

import SIMDMemory

/// Set by the engine (`Cancellation`): the long kernels here stop early (between output rows or
/// channels) once it points at a non-zero value. Their output is then unfinished and discarded.
nonisolated(unsafe) public var avx512CancelFlag: UnsafeMutablePointer<Int32>?

/// Forward over lane planes: x [ci][hp][wp] (padded input) → out [co][oh][ow] with
/// oh = hp − k + 1, ow = wp − k + 1, out[o][oy][ox] = bias[o] + Σ_c Σ_ky Σ_kx w[o][c][ky][kx] ·
/// x[c][oy + ky][ox + kx], in that order; w: [co][ci][k][k].
public func laneConv512(x: UnsafePointer<Float>, ci: Int, height hp: Int, width wp: Int, k: Int,
                        w: UnsafePointer<Float>, co: Int, bias: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>) {
    switch k {  // a literal kernel size unrolls the tap loop
    case 5: laneForward(x, ci, hp, wp, 5, w, co, bias, out)
    case 3: laneForward(x, ci, hp, wp, 3, w, co, bias, out)
    default: laneForward(x, ci, hp, wp, k, w, co, bias, out)
    }
}

@inline(__always)
private func laneForward(_ x: UnsafePointer<Float>, _ ci: Int, _ hp: Int, _ wp: Int, _ k: Int,
                         _ w: UnsafePointer<Float>, _ co: Int, _ bias: UnsafePointer<Float>?,
                         _ out: UnsafeMutablePointer<Float>) {
    let (oh, ow) = (hp - k + 1, wp - k + 1)
    let ws = ci * k * k, outPlane = oh * ow * 16
    for oy in 0..<oh {
        if let flag = avx512CancelFlag, flag.pointee != 0 { return }
        var ox = 0
        while ox < ow {
            let px = min(4, ow - ox)
            let src = x + (oy * wp + ox) * 16, dst = out + (oy * ow + ox) * 16
            var o = 0
            while o < co {
                let outs = co - o >= 4 ? 4 : co - o >= 2 ? 2 : 1
                let wo = w + o * ws, bo = bias.map { $0 + o }, d = dst + o * outPlane
                switch outs {
                case 4: forwardTiles(Four.self, px, src, ci, hp, wp, k, wo, ws, bo, d, outPlane)
                case 2: forwardTiles(Two.self, px, src, ci, hp, wp, k, wo, ws, bo, d, outPlane)
                default: forwardTiles(One.self, px, src, ci, hp, wp, k, wo, ws, bo, d, outPlane)
                }
                o += outs
            }
            ox += px
        }
    }
}

/// A count known at compile time: the tile functions below are generic over it, and each
/// specialization sees a literal (so the unused accumulators and loads fold away).
private protocol Literal { static var value: Int { get } }
private enum One: Literal { static var value: Int { 1 } }
private enum Two: Literal { static var value: Int { 2 } }
private enum Three: Literal { static var value: Int { 3 } }
private enum Four: Literal { static var value: Int { 4 } }

// The tile sizes as literals, one specialization per channel count (few inlined tiles per
// function keep the inliner willing).
@inline(never)
private func forwardTiles<Outs: Literal>(_: Outs.Type, _ px: Int, _ x: UnsafePointer<Float>, _ ci: Int, _ hp: Int,
                                         _ wp: Int, _ k: Int, _ w: UnsafePointer<Float>, _ ws: Int,
                                         _ bias: UnsafePointer<Float>?, _ dst: UnsafeMutablePointer<Float>,
                                         _ outPlane: Int) {
    let outs = Outs.value
    switch (px, k) {
    case (4, 5): forwardTile(outs, 4, x, ci, hp, wp, 5, w, ws, bias, dst, outPlane)
    case (2, 5): forwardTile(outs, 2, x, ci, hp, wp, 5, w, ws, bias, dst, outPlane)
    case (4, _): forwardTile(outs, 4, x, ci, hp, wp, k, w, ws, bias, dst, outPlane)
    case (3, _): forwardTile(outs, 3, x, ci, hp, wp, k, w, ws, bias, dst, outPlane)
    case (2, _): forwardTile(outs, 2, x, ci, hp, wp, k, w, ws, bias, dst, outPlane)
    default: forwardTile(outs, 1, x, ci, hp, wp, k, w, ws, bias, dst, outPlane)
    }
}

// The tile sizes and tap counts as literals (one specialization per channel count and one
// function per width, so that every inlined tile has few siblings and the inliner stays willing).
@inline(never)
private func gradTiles<Chans: Literal>(_: Chans.Type, _ px: Int, _ dy: UnsafePointer<Float>, _ co: Int, _ ps: Int,
                                       _ dyWidth: Int, _ k: Int, _ rows: Range<Int>, _ taps: Range<Int>, _ yy: Int,
                                       _ xx: Int, _ w: UnsafePointer<Float>, _ ci: Int,
                                       _ dst: UnsafeMutablePointer<Float>, _ inPlane: Int) {
    let top = taps.upperBound - 1, chans = Chans.value
    switch px {
    case 4: gradTilesWide4(Chans.self, taps.count, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    case 2: gradTilesWide2(Chans.self, taps.count, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    case 3: gradTile(chans, 3, taps.count, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    default: gradTile(chans, 1, taps.count, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    }
}

@inline(never)
private func gradTilesWide4<Chans: Literal>(_: Chans.Type, _ count: Int, _ dy: UnsafePointer<Float>, _ co: Int,
                                            _ ps: Int, _ dyWidth: Int, _ k: Int, _ rows: Range<Int>, _ top: Int,
                                            _ yy: Int, _ xx: Int, _ w: UnsafePointer<Float>, _ ci: Int,
                                            _ dst: UnsafeMutablePointer<Float>, _ inPlane: Int) {
    let chans = Chans.value
    switch count {
    case 5: gradTile(chans, 4, 5, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    case 4: gradTile(chans, 4, 4, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    case 3: gradTile(chans, 4, 3, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    default: gradTile(chans, 4, count, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    }
}

@inline(never)
private func gradTilesWide2<Chans: Literal>(_: Chans.Type, _ count: Int, _ dy: UnsafePointer<Float>, _ co: Int,
                                            _ ps: Int, _ dyWidth: Int, _ k: Int, _ rows: Range<Int>, _ top: Int,
                                            _ yy: Int, _ xx: Int, _ w: UnsafePointer<Float>, _ ci: Int,
                                            _ dst: UnsafeMutablePointer<Float>, _ inPlane: Int) {
    let chans = Chans.value
    switch count {
    case 2: gradTile(chans, 2, 2, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    case 1: gradTile(chans, 2, 1, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    default: gradTile(chans, 2, count, dy, co, ps, dyWidth, k, rows, top, yy, xx, w, ci, dst, inPlane)
    }
}

// `outs` (1, 2, 4) output channels × `px` (1–4) positions of one output row: up to 16
// accumulators, weights broadcast once per tap and shared by the row's positions. Both counts are
// literals at every call, so the unused accumulators fold away.
@inline(__always)
private func forwardTile(_ outs: Int, _ px: Int, _ x: UnsafePointer<Float>, _ ci: Int, _ hp: Int, _ wp: Int,
                         _ k: Int, _ w: UnsafePointer<Float>, _ ws: Int, _ bias: UnsafePointer<Float>?,
                         _ dst: UnsafeMutablePointer<Float>, _ outPlane: Int) {
    var a0 = splat16(bias?[0] ?? 0), a1 = a0, a2 = a0, a3 = a0
    var b0 = outs > 1 ? splat16(bias?[1] ?? 0) : a0, b1 = b0, b2 = b0, b3 = b0
    var c0 = outs > 2 ? splat16(bias?[2] ?? 0) : a0, c1 = c0, c2 = c0, c3 = c0
    var d0 = outs > 3 ? splat16(bias?[3] ?? 0) : a0, d1 = d0, d2 = d0, d3 = d0
    let plane = hp * wp * 16
    for c in 0..<ci {
        for ky in 0..<k {
            let row = x + c * plane + ky * wp * 16
            let wr = w + (c * k + ky) * k
            for kx in 0..<k {
                let p = row + kx * 16
                let x0 = load16(p)
                let x1 = px > 1 ? load16(p + 16) : x0
                let x2 = px > 2 ? load16(p + 32) : x0
                let x3 = px > 3 ? load16(p + 48) : x0
                let wa = splat16(wr[kx])
                a0 = a0.addingProduct(x0, wa)
                if px > 1 { a1 = a1.addingProduct(x1, wa) }
                if px > 2 { a2 = a2.addingProduct(x2, wa) }
                if px > 3 { a3 = a3.addingProduct(x3, wa) }
                if outs > 1 {
                    let wb = splat16(wr[ws + kx])
                    b0 = b0.addingProduct(x0, wb)
                    if px > 1 { b1 = b1.addingProduct(x1, wb) }
                    if px > 2 { b2 = b2.addingProduct(x2, wb) }
                    if px > 3 { b3 = b3.addingProduct(x3, wb) }
                }
                if outs > 2 {
                    let wc = splat16(wr[2 * ws + kx]), wd = splat16(wr[3 * ws + kx])
                    c0 = c0.addingProduct(x0, wc); d0 = d0.addingProduct(x0, wd)
                    if px > 1 { c1 = c1.addingProduct(x1, wc); d1 = d1.addingProduct(x1, wd) }
                    if px > 2 { c2 = c2.addingProduct(x2, wc); d2 = d2.addingProduct(x2, wd) }
                    if px > 3 { c3 = c3.addingProduct(x3, wc); d3 = d3.addingProduct(x3, wd) }
                }
            }
        }
    }
    storeTile(dst, px, a0, a1, a2, a3)
    if outs > 1 { storeTile(dst + outPlane, px, b0, b1, b2, b3) }
    if outs > 2 {
        storeTile(dst + 2 * outPlane, px, c0, c1, c2, c3)
        storeTile(dst + 3 * outPlane, px, d0, d1, d2, d3)
    }
}

/// Input gradient over lane planes. dy: output-gradient planes `planeStride` positions apart, rows
/// of `rowWidth` = ow + k − 1 positions holding dy in columns 0..<ow and zeros after (the
/// full-width layout, in lanes), with k − 1 zero positions before the first plane; dx [ci][h][wd]:
/// the interior of a padded input (padding `pad`, so oh = h + 2·pad − k + 1), dx[c][y][x] =
/// Σ_o Σ_oy↑ Σ_ox↑ w[o][c][Y − oy][X − ox] · dy[o][oy][ox] over the taps inside the kernel
/// (Y = y + pad, X = x + pad); w: [co][ci][k][k]. A block's positions whose ox falls outside the
/// row read the zero columns of the row (or of the row before).
public func laneInputGrad512(dy: UnsafePointer<Float>, co: Int, planeStride: Int, outHeight oh: Int, outWidth ow: Int, k: Int,
                             w: UnsafePointer<Float>, ci: Int, height h: Int, width wd: Int, padding pad: Int,
                             dx: UnsafeMutablePointer<Float>) {
    switch k {
    case 5: laneBackward(dy, co, planeStride, oh, ow, 5, w, ci, h, wd, pad, dx)
    case 3: laneBackward(dy, co, planeStride, oh, ow, 3, w, ci, h, wd, pad, dx)
    default: laneBackward(dy, co, planeStride, oh, ow, k, w, ci, h, wd, pad, dx)
    }
}

@inline(__always)
private func laneBackward(_ dy: UnsafePointer<Float>, _ co: Int, _ ps: Int, _ oh: Int, _ ow: Int, _ k: Int,
                          _ w: UnsafePointer<Float>, _ ci: Int, _ h: Int, _ wd: Int, _ pad: Int,
                          _ dx: UnsafeMutablePointer<Float>) {
    let dyWidth = ow + k - 1, inPlane = h * wd * 16
    let widest = min(4, k)  // a block of up to k positions reads only the row's own zeros or the k − 1 before it
    for y in 0..<h {
        if let flag = avx512CancelFlag, flag.pointee != 0 { return }
        let yy = y + pad
        let rows = max(0, yy - k + 1)..<(min(oh - 1, yy) + 1)
        var x = 0
        while x < wd {
            let px = min(widest, wd - x), xx = x + pad
            // Taps kx for which some position of the block lands inside the output row.
            let taps = max(0, xx - ow + 1)..<(min(k - 1, xx + px - 1) + 1)
            let dst = dx + (y * wd + x) * 16
            var c = 0
            while c < ci {
                let left = ci - c  // blocks of 4 channels, 6 as 3 + 3
                let chans = left == 6 || left == 3 ? 3 : min(left, 4)
                let wc = w + c * k * k, d = dst + c * inPlane
                switch chans {
                case 3: gradTiles(Three.self, px, dy, co, ps, dyWidth, k, rows, taps, yy, xx, wc, ci, d, inPlane)
                case 4: gradTiles(Four.self, px, dy, co, ps, dyWidth, k, rows, taps, yy, xx, wc, ci, d, inPlane)
                case 2: gradTiles(Two.self, px, dy, co, ps, dyWidth, k, rows, taps, yy, xx, wc, ci, d, inPlane)
                default: gradTiles(One.self, px, dy, co, ps, dyWidth, k, rows, taps, yy, xx, wc, ci, d, inPlane)
                }
                c += chans
            }
            x += px
        }
    }
}

// `chans` (1–4) input channels × `px` (1–4) positions of one input row (padded coordinates
// yy, xx…xx+px−1). For each o, output row oy↑ and the `count` taps kx = top, top − 1, … (so
// ox = xx + j − kx rises), the weights w[o][c][yy − oy][kx] are broadcast once and shared by the
// positions; a position whose ox falls outside the output row reads a zero column. `chans`, `px`
// and (where it can be) `count` are literals at the call.
@inline(__always)
private func gradTile(_ chans: Int, _ px: Int, _ count: Int, _ dy: UnsafePointer<Float>, _ co: Int, _ ps: Int,
                      _ dyWidth: Int, _ k: Int, _ rows: Range<Int>, _ top: Int, _ yy: Int, _ xx: Int,
                      _ w: UnsafePointer<Float>, _ ci: Int, _ dst: UnsafeMutablePointer<Float>, _ inPlane: Int) {
    let z = SIMD16<Float>()
    var a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z
    var c0 = z, c1 = z, c2 = z, c3 = z, d0 = z, d1 = z, d2 = z, d3 = z
    let taps2 = k * k, wo = ci * taps2
    for o in 0..<co {
        for oy in rows {
            let row = dy + (o * ps + oy * dyWidth + xx) * 16
            let wr = w + o * wo + (yy - oy) * k
            for j in 0..<count {  // kx = top, top − 1, …: ox rises
                let kx = top - j
                let p = row - kx * 16
                let g0 = load16(p)
                let g1 = px > 1 ? load16(p + 16) : g0
                let g2 = px > 2 ? load16(p + 32) : g0
                let g3 = px > 3 ? load16(p + 48) : g0
                let wa = splat16(wr[kx])
                a0 = a0.addingProduct(g0, wa)
                if px > 1 { a1 = a1.addingProduct(g1, wa) }
                if px > 2 { a2 = a2.addingProduct(g2, wa) }
                if px > 3 { a3 = a3.addingProduct(g3, wa) }
                if chans > 1 {
                    let wb = splat16(wr[taps2 + kx])
                    b0 = b0.addingProduct(g0, wb)
                    if px > 1 { b1 = b1.addingProduct(g1, wb) }
                    if px > 2 { b2 = b2.addingProduct(g2, wb) }
                    if px > 3 { b3 = b3.addingProduct(g3, wb) }
                }
                if chans > 2 {
                    let wc = splat16(wr[2 * taps2 + kx])
                    c0 = c0.addingProduct(g0, wc)
                    if px > 1 { c1 = c1.addingProduct(g1, wc) }
                    if px > 2 { c2 = c2.addingProduct(g2, wc) }
                    if px > 3 { c3 = c3.addingProduct(g3, wc) }
                }
                if chans > 3 {
                    let wd = splat16(wr[3 * taps2 + kx])
                    d0 = d0.addingProduct(g0, wd)
                    if px > 1 { d1 = d1.addingProduct(g1, wd) }
                    if px > 2 { d2 = d2.addingProduct(g2, wd) }
                    if px > 3 { d3 = d3.addingProduct(g3, wd) }
                }
            }
        }
    }
    storeTile(dst, px, a0, a1, a2, a3)
    if chans > 1 { storeTile(dst + inPlane, px, b0, b1, b2, b3) }
    if chans > 2 { storeTile(dst + 2 * inPlane, px, c0, c1, c2, c3) }
    if chans > 3 { storeTile(dst + 3 * inPlane, px, d0, d1, d2, d3) }
}

@inline(__always)
private func storeTile(_ dst: UnsafeMutablePointer<Float>, _ px: Int, _ v0: SIMD16<Float>, _ v1: SIMD16<Float>,
                       _ v2: SIMD16<Float>, _ v3: SIMD16<Float>) {
    store16(dst, v0)
    if px > 1 { store16(dst + 16, v1) }
    if px > 2 { store16(dst + 32, v2) }
    if px > 3 { store16(dst + 48, v3) }
}

/// A reduction group's samples into the lane layout: lanes[(at + j)·16 + l] = src[l·sampleStride + j]
/// for j in 0..<count and l in 0..<samples (lanes ≥ samples get copies of sample 0). 16×16 blocks
/// are transposed in registers: scattering one sample at a time stores to 16 cache lines per 16
/// values and ran 15× slower.
public func toLanes512(_ src: UnsafePointer<Float>, sampleStride: Int, samples: Int, count: Int,
                       _ lanes: UnsafeMutablePointer<Float>, at: Int) {
    var j = 0
    while j + 16 <= count {
        transpose16(src + j, rowStride: sampleStride, rows: samples, lanes + (at + j) * 16, dstStride: 16, storeRows: 16)
        j += 16
    }
    for l in 0..<16 {
        let s = src + (l < samples ? l : 0) * sampleStride
        for i in j..<count { lanes[(at + i) * 16 + l] = s[i] }
    }
}

/// Out of the lane layout: dst[l·sampleStride + j] = lanes[(at + j)·16 + l] for j in 0..<count and
/// l in 0..<samples.
public func fromLanes512(_ lanes: UnsafePointer<Float>, at: Int, count: Int, _ dst: UnsafeMutablePointer<Float>,
                         sampleStride: Int, samples: Int) {
    var j = 0
    while j + 16 <= count {
        transpose16(lanes + (at + j) * 16, rowStride: 16, rows: 16, dst + j, dstStride: sampleStride, storeRows: samples)
        j += 16
    }
    for l in 0..<samples {
        let d = dst + l * sampleStride
        for i in j..<count { d[i] = lanes[(at + i) * 16 + l] }
    }
}

// 16 rows of 16 floats (rows ≥ `rows` read as row 0) → their transpose, of which the first
// `storeRows` rows are stored: two rounds of in-lane unpacks (4×4 blocks), two of 128-bit moves.
@inline(__always)
private func transpose16(_ src: UnsafePointer<Float>, rowStride: Int, rows: Int, _ dst: UnsafeMutablePointer<Float>,
                         dstStride: Int, storeRows: Int) {
    @inline(__always) func row(_ i: Int) -> SIMD16<Float> { load16(src + (i < rows ? i : 0) * rowStride) }
    // u[g][m]: 128-bit lane q holds rows 4g…4g+3 of column 4q + m.
    @inline(__always) func quad(_ g: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let r0 = row(4 * g), r1 = row(4 * g + 1), r2 = row(4 * g + 2), r3 = row(4 * g + 3)
        let t0 = unpackLow32(r0, r1), t1 = unpackHigh32(r0, r1), t2 = unpackLow32(r2, r3), t3 = unpackHigh32(r2, r3)
        return (unpackLow64(t0, t2), unpackHigh64(t0, t2), unpackLow64(t1, t3), unpackHigh64(t1, t3))
    }
    let q0 = quad(0), q1 = quad(1), q2 = quad(2), q3 = quad(3)
    @inline(__always) func column(_ m: Int, _ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>,
                                  _ d: SIMD16<Float>) {
        let s0 = lanes02(a, b), s1 = lanes13(a, b), s2 = lanes02(c, d), s3 = lanes13(c, d)
        let outs = (lanes02(s0, s2), lanes02(s1, s3), lanes13(s0, s2), lanes13(s1, s3))  // columns m, 4+m, 8+m, 12+m
        if m < storeRows { store16(dst + m * dstStride, outs.0) }
        if 4 + m < storeRows { store16(dst + (4 + m) * dstStride, outs.1) }
        if 8 + m < storeRows { store16(dst + (8 + m) * dstStride, outs.2) }
        if 12 + m < storeRows { store16(dst + (12 + m) * dstStride, outs.3) }
    }
    column(0, q0.0, q1.0, q2.0, q3.0)
    column(1, q0.1, q1.1, q2.1, q3.1)
    column(2, q0.2, q1.2, q2.2, q3.2)
    column(3, q0.3, q1.3, q2.3, q3.3)
}

@inline(__always)
private func unpackLow32(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5], a[8], b[8], a[9], b[9], a[12], b[12], a[13], b[13])
}

@inline(__always)
private func unpackHigh32(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7], a[10], b[10], a[11], b[11], a[14], b[14], a[15], b[15])
}

@inline(__always)
private func unpackLow64(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5], a[8], a[9], b[8], b[9], a[12], a[13], b[12], b[13])
}

@inline(__always)
private func unpackHigh64(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7], a[10], a[11], b[10], b[11], a[14], a[15], b[14], b[15])
}

/// 128-bit lanes (a₀, a₂, b₀, b₂).
@inline(__always)
private func lanes02(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[0], a[1], a[2], a[3], a[8], a[9], a[10], a[11], b[0], b[1], b[2], b[3], b[8], b[9], b[10], b[11])
}

/// 128-bit lanes (a₁, a₃, b₁, b₃).
@inline(__always)
private func lanes13(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
    SIMD16(a[4], a[5], a[6], a[7], a[12], a[13], a[14], a[15], b[4], b[5], b[6], b[7], b[12], b[13], b[14], b[15])
}
