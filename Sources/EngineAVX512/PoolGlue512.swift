/// AVX-512 builds of the engine's fused ReLU + 2×2 average pooling over ordinary planes
/// (`Engine/Layers/AvgPool2D.swift`: `reluPool2x2Forward`, `reluPool2x2Gradient`) for rows of at
/// least 16 values (LeNet's conv1: 28), and the same glue over lane planes (`LaneConv512.swift`).
/// Same operations in the same order as the AVX2 code, so the same bits; the even/odd split of the
/// pooling and the mask bytes (SIMDMemory's `storeMask`, `keepingMasked`) are single instructions
/// here (two-source permutes, compares into mask registers).

import SIMDMemory

/// `reluPool2x2Forward` for outWidth ≥ 8: SIMDMemory's `reluPool2x2Rows`, compiled for AVX-512.
public func reluPool2x2Forward512(_ src: UnsafePointer<Float>, width w: Int, _ pooled: UnsafeMutablePointer<Float>,
                                  outHeight oh: Int, outWidth ow: Int, mask: UnsafeMutablePointer<Int8>,
                                  maskWidth mw: Int) {
    reluPool2x2Rows(src, width: w, pooled, outHeight: oh, outWidth: ow, mask: mask, maskWidth: mw)
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
            store16(row + x, keepingMasked(pairs, m + x))
        }
        var x = 0
        while x + 16 <= covered { cells(x); x += 16 }
        if x < covered { cells(covered - 16) }
    }
}



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
            store16(d + (y * w + x) * 16, keepingMasked(v, mask + (y * mw + x) * 16))
        }
    }
}
