/// e^x, e^x − 1 and erf(x) eight lanes at a time, for the smooth activations (SiLU, GELU, ELU).
///
/// Cephes' single-precision range reduction and polynomials (`expf`, `erff`, `erfcf`), evaluated
/// with explicit fused multiply-adds: every operation is spelled out, so any client compiling these
/// bodies (the AVX2 engine, an AVX-512 twin) computes the same bits, on any thread. Accuracy
/// against the correctly rounded value: about 1 ulp for exp and expm1, a few ulp for erf
/// (`VectorMathTests`). Inputs beyond the float range of the result are clamped (exp saturates at
/// e^88 and flushes below e^−87.3 to 2^−126·…, never inf or NaN for finite x); NaN stays NaN.

/// SIMD8 integer splats, spelled lane by lane (see `splat8`).
@inlinable @inline(__always)
public func splat8i(_ v: Int32) -> SIMD8<Int32> { SIMD8<Int32>(v, v, v, v, v, v, v, v) }

@inlinable @inline(__always)
public func splat8u(_ v: UInt32) -> SIMD8<UInt32> { SIMD8<UInt32>(v, v, v, v, v, v, v, v) }

/// Lanes `x` where `x > hi` replaced by hi, where `x < lo` by lo (concrete comparisons: one
/// instruction each; the generic `pointwiseMin` runs lane by lane).
@inlinable @inline(__always)
public func clamp8(_ x: SIMD8<Float>, _ lo: Float, _ hi: Float) -> SIMD8<Float> {
    let h = splat8(hi), l = splat8(lo)
    return x.replacing(with: h, where: x .> h).replacing(with: l, where: x .< l)
}

/// The reduction shared by exp and expm1: x = n·ln 2 + r, |r| ≤ ln 2 / 2; returns 2^n and
/// e^r − 1 = r + r²·P(r). x must lie in [−87.3, 88] (callers clamp).
@inlinable @inline(__always)
public func expReduced8(_ x: SIMD8<Float>) -> (scale: SIMD8<Float>, em1: SIMD8<Float>) {
    // n = round-to-nearest-even(x·log₂e) by the 1.5·2²³ shifter; its bits hold 0x4B400000 + n.
    let shifter = splat8(12582912)
    let t = shifter.addingProduct(x, splat8(1.44269504088896341))
    let n = t - shifter
    var r = x.addingProduct(n, splat8(-0.693359375))
    r = r.addingProduct(n, splat8(2.12194440e-4))
    var p = splat8(1.9875691500e-4)
    p = splat8(1.3981999507e-3).addingProduct(p, r)
    p = splat8(8.3334519073e-3).addingProduct(p, r)
    p = splat8(4.1665795894e-2).addingProduct(p, r)
    p = splat8(1.6666665459e-1).addingProduct(p, r)
    p = splat8(5.0000001201e-1).addingProduct(p, r)
    let em1 = r.addingProduct(p, r * r)
    let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- splat8i(0x4B40_0000 - 127)
    let scale = unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)
    return (scale, em1)
}

/// e^x lane-wise.
@inlinable @inline(__always)
public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let (scale, em1) = expReduced8(clamp8(x, -87.33654, 88))
    return scale.addingProduct(scale, em1)
}

/// e^x − 1 lane-wise, accurate near 0 (no cancellation: for |x| ≤ ln 2 / 2 it is r + r²·P(r)).
@inlinable @inline(__always)
public func expm1_8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let (scale, em1) = expReduced8(clamp8(x, -87.33654, 88))
    return (scale - splat8(1)).addingProduct(scale, em1)
}

/// erf(x) lane-wise: x·T(x²) for |x| < 1, else ±(1 − e^(−x²)·P(1/x²)/|x|) with Cephes' two
/// erfc polynomials (1 ≤ |x| < 2 and beyond).
@inlinable @inline(__always)
public func erf8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let signMask = splat8u(0x8000_0000)
    let xBits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let a = unsafeBitCast(xBits & ~signMask, to: SIMD8<Float>.self)
    let z = x * x
    var t = splat8(7.853861353153693e-5)
    t = splat8(-8.010193625184903e-4).addingProduct(t, z)
    t = splat8(5.188327685732524e-3).addingProduct(t, z)
    t = splat8(-2.685381193529856e-2).addingProduct(t, z)
    t = splat8(1.128358514861418e-1).addingProduct(t, z)
    t = splat8(-3.761262582423300e-1).addingProduct(t, z)
    t = splat8(1.128379165726710e+0).addingProduct(t, z)
    let small = x * t
    let b = clamp8(a, 1, 10)
    let q = splat8(1) / b, y = q * q
    var p = splat8(2.326819970068386e-2)
    p = splat8(-1.387039388740657e-1).addingProduct(p, y)
    p = splat8(3.687424674597105e-1).addingProduct(p, y)
    p = splat8(-5.824733027278666e-1).addingProduct(p, y)
    p = splat8(6.210004621745983e-1).addingProduct(p, y)
    p = splat8(-4.944515323274145e-1).addingProduct(p, y)
    p = splat8(3.404879937665872e-1).addingProduct(p, y)
    p = splat8(-2.741127028184656e-1).addingProduct(p, y)
    p = splat8(5.638259427386472e-1).addingProduct(p, y)
    var s = splat8(-1.047766399936249e+1)
    s = splat8(1.297719955372516e+1).addingProduct(s, y)
    s = splat8(-7.495518717768503e+0).addingProduct(s, y)
    s = splat8(2.921019019210786e+0).addingProduct(s, y)
    s = splat8(-1.015265279202700e+0).addingProduct(s, y)
    s = splat8(4.218463358204948e-1).addingProduct(s, y)
    s = splat8(-2.820767439740514e-1).addingProduct(s, y)
    s = splat8(5.641895067754075e-1).addingProduct(s, y)
    let two = splat8(2)
    let poly = p.replacing(with: s, where: b .>= two)
    let erfc = exp8(splat8(0) - b * b) * q * poly
    let large = unsafeBitCast(unsafeBitCast(splat8(1) - erfc, to: SIMD8<UInt32>.self) | (xBits & signMask),
                              to: SIMD8<Float>.self)
    return large.replacing(with: small, where: a .< splat8(1))
}
