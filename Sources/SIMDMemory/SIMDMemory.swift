/// Unaligned SIMD loads and stores over float buffers, lane splats, ReLU and the even/odd lane split:
/// the few lines both kernel families need. A module of its own so the engine (built for AVX2) and
/// its AVX-512 twins (built for skylake-avx512) share them: the bodies are `@inlinable`, so each
/// client compiles them with its own target flags, and no AVX-512 code ever reaches the AVX2 engine.
/// That holds only while every call is inlined (an out-of-line copy is one symbol the modules
/// share): keep the bodies small, `@inline(__always)`, without nested functions — `.ci/run` fails
/// if the release binary calls into this module.

@inlinable @inline(__always)
public func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
public func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

@inlinable @inline(__always)
public func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
}

@inlinable @inline(__always)
public func store16(_ p: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
}

/// SIMD8 with every lane `v` (spelled lane by lane: `init(repeating:)` crashes the 6.3 IRGen here).
@inlinable @inline(__always)
public func splat8(_ v: Float) -> SIMD8<Float> { SIMD8<Float>(v, v, v, v, v, v, v, v) }

/// SIMD16 with every lane `v`.
@inlinable @inline(__always)
public func splat16(_ v: Float) -> SIMD16<Float> {
    let h = splat8(v)
    return SIMD16<Float>(lowHalf: h, highHalf: h)
}

/// max(v, 0) lane-wise, exactly as Swift's `max(v, 0)` per lane: 0 for −0 and negatives, NaN kept.
/// Concrete overloads, not one generic: the SIMD protocol's generic comparisons (and a comparison
/// with a scalar, `.>= 0`) run lane by lane; the concrete types' operators are single instructions.
@inlinable @inline(__always)
public func relu(_ v: SIMD8<Float>) -> SIMD8<Float> { v.replacing(with: 0, where: SIMD8<Float>() .>= v) }

@inlinable @inline(__always)
public func relu(_ v: SIMD16<Float>) -> SIMD16<Float> { v.replacing(with: 0, where: SIMD16<Float>() .>= v) }

/// Lanes 0, 2, …, 14 and 1, 3, …, 15: the left and right cells of eight 2-wide pooling windows.
@inlinable @inline(__always)
public func evens(_ v: SIMD16<Float>) -> SIMD8<Float> {
    SIMD8(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14])
}

@inlinable @inline(__always)
public func odds(_ v: SIMD16<Float>) -> SIMD8<Float> {
    SIMD8(v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15])
}
