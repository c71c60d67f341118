/// AVX-512 versions of the engine's fused ReLU + 2×2 average pooling over ordinary planes
/// (`Engine/Layers/AvgPool2D.swift`: `reluPool2x2Forward`, `reluPool2x2Gradient`), for rows of at
/// least 16 values (LeNet's conv1: 28). Same operations in the same order, so the same bits; the
/// AVX2 build of this glue spends most of its instructions moving lanes between the pooling's
/// even/odd split and the mask's byte order, which AVX-512 does in single instructions (two-source
/// permutes, compares into mask registers, mask → bytes).

import SIMDMemory

/// `reluPool2x2Forward` for outWidth ≥ 8: 8 windows per 16-value load of each row (the last block
/// overlapping the one before when outWidth is not a multiple of 8).
public func reluPool2x2Forward512(_ src: UnsafePointer<Float>, width w: Int, _ pooled: UnsafeMutablePointer<Float>,
                                  outHeight oh: Int, outWidth ow: Int, mask: UnsafeMutablePointer<Int8>,
                                  maskWidth mw: Int) {
    precondition(ow >= 8)
    for oy in 0..<oh {
        let r0 = src + 2 * oy * w, r1 = r0 + w, out = pooled + oy * ow
        let m0 = mask + 2 * oy * mw, m1 = m0 + mw
        @inline(__always) func windows(_ ox: Int) {
            let a = relu(load16(r0 + 2 * ox)), b = relu(load16(r1 + 2 * ox))
            store8(out + ox, (((evens(a) + odds(a)) + evens(b)) + odds(b)) * splat8(0.25))
            storeMask(m0 + 2 * ox, a)
            storeMask(m1 + 2 * ox, b)
        }
        var ox = 0
        while ox + 8 <= ow { windows(ox); ox += 8 }
        if ox < ow { windows(ow - 8) }
    }
}

/// `reluPool2x2Gradient` for 2·outWidth ≥ 16: 16 cells from 8 window values per step (the last
/// block overlapping).
public func reluPool2x2Gradient512(_ grad: UnsafePointer<Float>, mask: UnsafePointer<Int8>, maskWidth mw: Int,
                                   _ d: UnsafeMutablePointer<Float>, width w: Int, outHeight oh: Int, outWidth ow: Int) {
    let covered = 2 * ow
    precondition(covered >= 16)
    for y in 0..<(2 * oh) {
        let src = grad + (y / 2) * ow, m = mask + y * mw, row = d + y * w
        @inline(__always) func cells(_ x: Int) {
            let v = load8(src + x / 2) * splat8(0.25)
            let pairs = SIMD16<Float>(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3],
                                      v[4], v[4], v[5], v[5], v[6], v[6], v[7], v[7])
            store16(row + x, masked(pairs, m + x))
        }
        var x = 0
        while x + 16 <= covered { cells(x); x += 16 }
        if x < covered { cells(covered - 16) }
    }
}



/// 16 mask bytes: −1 where v > 0, else 0. Narrowed in two steps: Int32 → Int16 → Int8 compiles to
/// one compare into a mask register and one mask → bytes move, where the direct Int32 → Int8
/// conversion compiles to a dozen shuffles.
@inline(__always)
private func storeMask(_ p: UnsafeMutablePointer<Int8>, _ v: SIMD16<Float>) {
    let wide = SIMD16<Int32>(repeating: 0).replacing(with: -1, where: v .> SIMD16<Float>())
    let half = SIMD16<Int16>(lowHalf: SIMD8<Int16>(truncatingIfNeeded: wide.lowHalf),
                             highHalf: SIMD8<Int16>(truncatingIfNeeded: wide.highHalf))
    UnsafeMutableRawPointer(p).storeBytes(of: SIMD16<Int8>(truncatingIfNeeded: half), as: SIMD16<Int8>.self)
}

/// v where the 16 mask bytes at m are nonzero, else 0. The bytes reach their lanes by broadcasting
/// each 32-bit word to four lanes and keeping one byte per lane (widening Int8 → Int32 with
/// `truncatingIfNeeded` is an out-of-line call per vector).
@inline(__always)
private func masked(_ v: SIMD16<Float>, _ m: UnsafePointer<Int8>) -> SIMD16<Float> {
    let p = UnsafeRawPointer(m)
    let w0 = p.loadUnaligned(as: UInt32.self), w1 = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    let w2 = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self), w3 = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
    let words = SIMD16<UInt32>(w0, w0, w0, w0, w1, w1, w1, w1, w2, w2, w2, w2, w3, w3, w3, w3)
    return v.replacing(with: 0, where: words & byteLanes .== SIMD16<UInt32>())
}

/// Lane i keeps byte i % 4 of its 32-bit word.
private let byteLanes = SIMD16<UInt32>(0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000, 0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000,
                                       0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000, 0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000)

// MARK: - The same over lane planes (`LaneConv512.swift`)

/// `reluPool2x2Forward` over a lane plane (16 floats per position, one lane per sample of a
/// reduction group): src [≥ 2·outHeight rows of `rowWidth` positions] → pooled [outHeight,
/// outWidth] positions = ((r + r′) + s) + s′ over each window of r = relu(src), and mask
/// [2·outHeight, rowWidth] positions × 16 bytes, −1 where src > 0, for the positions the windows
/// cover: the same bits per lane, and no shuffles (a window's four cells are four vectors).
public func laneReluPool2x2Forward512(_ src: UnsafePointer<Float>, rowWidth w: Int,
                                      _ pooled: UnsafeMutablePointer<Float>, outHeight oh: Int, outWidth ow: Int,
                                      mask: UnsafeMutablePointer<Int8>) {
    for oy in 0..<oh {
        for ox in 0..<ow {
            let p = (2 * oy * w + 2 * ox) * 16
            let a = relu(load16(src + p)), b = relu(load16(src + p + 16))
            let c = relu(load16(src + p + w * 16)), d = relu(load16(src + p + w * 16 + 16))
            store16(pooled + (oy * ow + ox) * 16, (((a + b) + c) + d) * splat16(0.25))
            storeMask(mask + p, a); storeMask(mask + p + 16, b)
            storeMask(mask + p + w * 16, c); storeMask(mask + p + w * 16 + 16, d)
        }
    }
}

/// `reluPool2x2Gradient` over lane planes: grad [outHeight, outWidth] positions (of the pooled
/// plane) and the mask of `laneReluPool2x2Forward512` (rows `maskWidth` positions apart) → d rows
/// `rowWidth` positions apart, d = mask ? grad · 0.25 of the cell's window : 0, for the cells the
/// windows cover (the caller keeps the others zero).
public func laneReluPool2x2Gradient512(_ grad: UnsafePointer<Float>, mask: UnsafePointer<Int8>, maskWidth mw: Int,
                                       _ d: UnsafeMutablePointer<Float>, rowWidth w: Int, outHeight oh: Int,
                                       outWidth ow: Int) {
    for y in 0..<(2 * oh) {
        for x in 0..<(2 * ow) {
            let v = load16(grad + ((y / 2) * ow + x / 2) * 16) * splat16(0.25)
            store16(d + (y * w + x) * 16, masked(v, mask + (y * mw + x) * 16))
        }
    }
}
