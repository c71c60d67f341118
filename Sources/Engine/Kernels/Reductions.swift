import SIMDMemory

/// Vectorized reductions over a contiguous row. Float sums accumulate in 8 lanes in a fixed order
/// (then across lanes, then the < 8 tail), so they are deterministic and not latency-bound.

// src: [n] → Σ src.
@inline(__always)
func sumFloats(_ src: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var i = 0
    while i + 8 <= n { acc += load8(src + i); i += 8 }
    var sum = acc.sum()
    while i < n { sum += src[i]; i += 1 }
    return sum
}

// src: [n], m → Σ (src − m)².
@inline(__always)
func sumSquaredDeviations(_ src: UnsafePointer<Float>, _ m: Float, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    let mv = splat8(m)
    var i = 0
    while i + 8 <= n { let d = load8(src + i) - mv; acc = acc.addingProduct(d, d); i += 8 }
    var sum = acc.sum()
    while i < n { let d = src[i] - m; sum += d * d; i += 1 }
    return sum
}

// dy, x: [n], m → (Σ dy, Σ dy·(x − m)).
@inline(__always)
func sumAndCenteredDot(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ m: Float, _ n: Int) -> (Float, Float) {
    var a = SIMD8<Float>(), b = SIMD8<Float>()
    let mv = splat8(m)
    var i = 0
    while i + 8 <= n {
        let g = load8(dy + i)
        a += g; b = b.addingProduct(g, load8(x + i) - mv)
        i += 8
    }
    var s0 = a.sum(), s1 = b.sum()
    while i < n { s0 += dy[i]; s1 += dy[i] * (x[i] - m); i += 1 }
    return (s0, s1)
}
