/// Unaligned SIMD loads and stores over float buffers, and lane splats: the few lines both kernel
/// families need. A module of its own so the engine (built for AVX2) and its AVX-512 twins (built
/// for skylake-avx512) share them: the bodies are `@inlinable`, so each client compiles them with
/// its own target flags, and no AVX-512 code ever reaches the AVX2 engine.

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
