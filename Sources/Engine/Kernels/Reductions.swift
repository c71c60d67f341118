import SIMDMemory

/// Vectorized reductions over a contiguous row. Float sums accumulate in 8 lanes in a fixed order
/// (then across lanes, then the < 8 tail), so they are deterministic; the `…Rows` variants run
/// several independent rows at once with the same bits.

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

// MARK: - Several rows at once
//
// One row's accumulation is a chain of dependent vector additions (latency-bound: a row of 784
// floats waits ~400 cycles on it); the per-channel sums of a sample's planes are independent, so
// these run four rows' chains side by side. Each row still gets exactly the single-row function's
// operations in its order — the same bits — and `out(r, …)` receives row r's result, rows in order.

/// `sumFloats` of rows r in 0..<count: src(r)[0..<n].
@inline(__always)
func sumFloatsRows(_ count: Int, _ n: Int, _ src: (Int) -> UnsafePointer<Float>, _ out: (Int, Float) -> Void) {
    var r = 0
    while r + 4 <= count {
        let p0 = src(r), p1 = src(r + 1), p2 = src(r + 2), p3 = src(r + 3)
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var i = 0
        while i + 8 <= n {
            a0 += load8(p0 + i); a1 += load8(p1 + i); a2 += load8(p2 + i); a3 += load8(p3 + i)
            i += 8
        }
        var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
        while i < n { s0 += p0[i]; s1 += p1[i]; s2 += p2[i]; s3 += p3[i]; i += 1 }
        out(r, s0); out(r + 1, s1); out(r + 2, s2); out(r + 3, s3)
        r += 4
    }
    while r < count { out(r, sumFloats(src(r), n)); r += 1 }
}

/// `sumSquaredDeviations` of rows r in 0..<count: src(r)[0..<n] about m(r).
@inline(__always)
func sumSquaredDeviationsRows(_ count: Int, _ n: Int, _ src: (Int) -> UnsafePointer<Float>, _ m: (Int) -> Float,
                              _ out: (Int, Float) -> Void) {
    var r = 0
    while r + 4 <= count {
        let p0 = src(r), p1 = src(r + 1), p2 = src(r + 2), p3 = src(r + 3)
        let m0 = m(r), m1 = m(r + 1), m2 = m(r + 2), m3 = m(r + 3)
        let v0 = splat8(m0), v1 = splat8(m1), v2 = splat8(m2), v3 = splat8(m3)
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var i = 0
        while i + 8 <= n {
            let d0 = load8(p0 + i) - v0, d1 = load8(p1 + i) - v1, d2 = load8(p2 + i) - v2, d3 = load8(p3 + i) - v3
            a0 = a0.addingProduct(d0, d0); a1 = a1.addingProduct(d1, d1)
            a2 = a2.addingProduct(d2, d2); a3 = a3.addingProduct(d3, d3)
            i += 8
        }
        var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
        while i < n {
            let d0 = p0[i] - m0, d1 = p1[i] - m1, d2 = p2[i] - m2, d3 = p3[i] - m3
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
            i += 1
        }
        out(r, s0); out(r + 1, s1); out(r + 2, s2); out(r + 3, s3)
        r += 4
    }
    while r < count { out(r, sumSquaredDeviations(src(r), m(r), n)); r += 1 }
}

/// `sumAndCenteredDot` of rows r in 0..<count: dy(r), x(r) [n] about m(r).
@inline(__always)
func sumAndCenteredDotRows(_ count: Int, _ n: Int, _ dy: (Int) -> UnsafePointer<Float>,
                           _ x: (Int) -> UnsafePointer<Float>, _ m: (Int) -> Float, _ out: (Int, Float, Float) -> Void) {
    var r = 0
    while r + 2 <= count {  // two rows: four chains (their Σdy and Σdy·(x − m))
        let g0 = dy(r), g1 = dy(r + 1), x0 = x(r), x1 = x(r + 1), m0 = m(r), m1 = m(r + 1)
        let v0 = splat8(m0), v1 = splat8(m1)
        var a0 = SIMD8<Float>(), b0 = a0, a1 = a0, b1 = a0
        var i = 0
        while i + 8 <= n {
            let h0 = load8(g0 + i), h1 = load8(g1 + i)
            a0 += h0; b0 = b0.addingProduct(h0, load8(x0 + i) - v0)
            a1 += h1; b1 = b1.addingProduct(h1, load8(x1 + i) - v1)
            i += 8
        }
        var s0 = a0.sum(), t0 = b0.sum(), s1 = a1.sum(), t1 = b1.sum()
        while i < n {
            s0 += g0[i]; t0 += g0[i] * (x0[i] - m0)
            s1 += g1[i]; t1 += g1[i] * (x1[i] - m1)
            i += 1
        }
        out(r, s0, t0); out(r + 1, s1, t1)
        r += 2
    }
    if r < count {
        let (s, t) = sumAndCenteredDot(dy(r), x(r), m(r), n)
        out(r, s, t)
    }
}
