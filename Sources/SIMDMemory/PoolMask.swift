/// The fused ReLU + 2×2 pooling's byte mask (−1 where the ReLU passed, else 0) and the pooling
/// rows both kernel families run, inlined by each with its own target flags (the AVX2 engine and
/// its AVX-512 twins in `EngineAVX512/PoolGlue512.swift`).

/// 8 mask bytes: −1 where v > 0, else 0. Narrowed in two steps, Int32 → Int16 → Int8: a compare
/// and two packs (AVX2) or a compare into a mask register and one move (AVX-512), where Swift's
/// direct Int32 → Int8 conversion compiles to a dozen shuffles.
@inlinable @inline(__always)
public func storeMask(_ p: UnsafeMutablePointer<Int8>, _ v: SIMD8<Float>) {
    let wide = SIMD8<Int32>(repeating: 0).replacing(with: -1, where: v .> SIMD8<Float>())
    let bytes = SIMD8<Int8>(truncatingIfNeeded: SIMD8<Int16>(truncatingIfNeeded: wide))
    UnsafeMutableRawPointer(p).storeBytes(of: bytes, as: SIMD8<Int8>.self)
}

/// 16 mask bytes: −1 where v > 0, else 0 (see the 8-lane version).
@inlinable @inline(__always)
public func storeMask(_ p: UnsafeMutablePointer<Int8>, _ v: SIMD16<Float>) {
    let wide = SIMD16<Int32>(repeating: 0).replacing(with: -1, where: v .> SIMD16<Float>())
    let half = SIMD16<Int16>(lowHalf: SIMD8<Int16>(truncatingIfNeeded: wide.lowHalf),
                             highHalf: SIMD8<Int16>(truncatingIfNeeded: wide.highHalf))
    UnsafeMutableRawPointer(p).storeBytes(of: SIMD16<Int8>(truncatingIfNeeded: half), as: SIMD16<Int8>.self)
}

/// v where the 8 mask bytes at m are nonzero, else 0. The bytes reach their lanes by broadcasting
/// each 32-bit word to four lanes and keeping one byte per lane: widening Int8 → Int32 with
/// `truncatingIfNeeded` is an out-of-line call per vector, and a comparison with a scalar
/// (`.== 0`) runs lane by lane, so the zero is a vector.
@inlinable @inline(__always)
public func keepingMasked(_ v: SIMD8<Float>, _ m: UnsafePointer<Int8>) -> SIMD8<Float> {
    let p = UnsafeRawPointer(m)
    let w0 = p.loadUnaligned(as: UInt32.self), w1 = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    let words = SIMD8<UInt32>(w0, w0, w0, w0, w1, w1, w1, w1)
    let lanes = SIMD8<UInt32>(0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000, 0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000)
    return v.replacing(with: 0, where: words & lanes .== SIMD8<UInt32>())
}

/// v where the 16 mask bytes at m are nonzero, else 0 (see the 8-lane version).
@inlinable @inline(__always)
public func keepingMasked(_ v: SIMD16<Float>, _ m: UnsafePointer<Int8>) -> SIMD16<Float> {
    let p = UnsafeRawPointer(m)
    let w0 = p.loadUnaligned(as: UInt32.self), w1 = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    let w2 = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self), w3 = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
    let words = SIMD16<UInt32>(w0, w0, w0, w0, w1, w1, w1, w1, w2, w2, w2, w2, w3, w3, w3, w3)
    let lanes = SIMD16<UInt32>(0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000, 0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000,
                               0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000, 0xFF, 0xFF00, 0xFF_0000, 0xFF00_0000)
    return v.replacing(with: 0, where: words & lanes .== SIMD16<UInt32>())
}

/// ReLU then 2×2, stride-2 average pooling of one plane for outWidth ≥ 8, with the ReLU's byte
/// mask: 8 windows per 16-value load of each row (the last block overlapping the one before when
/// outWidth is not a multiple of 8; recomputing a window gives the same bits). pooled =
/// ((r + r′) + s) + s′ over each window of r = relu(src); mask −1 where src > 0.
@inlinable @inline(__always)
public func reluPool2x2Rows(_ src: UnsafePointer<Float>, width w: Int, _ pooled: UnsafeMutablePointer<Float>,
                            outHeight oh: Int, outWidth ow: Int, mask: UnsafeMutablePointer<Int8>, maskWidth mw: Int) {
    // No nested function here: a non-inlined nested function of an @inlinable one is a single
    // symbol the linker shares between the modules, compiled with one of their target flags.
    let last = ow - 8
    for oy in 0..<oh {
        let r0 = src + 2 * oy * w, r1 = r0 + w, out = pooled + oy * ow
        let m0 = mask + 2 * oy * mw, m1 = m0 + mw
        var ox = 0
        while true {
            let q = min(ox, last)
            let a = relu(load16(r0 + 2 * q)), b = relu(load16(r1 + 2 * q))
            store8(out + q, (((evens(a) + odds(a)) + evens(b)) + odds(b)) * splat8(0.25))
            storeMask(m0 + 2 * q, a)
            storeMask(m1 + 2 * q, b)
            if q == last { break }
            ox += 8
        }
    }
}
