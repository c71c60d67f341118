import SIMDMemory

/// Element-wise maps over flat buffers, eight lanes at a time, for kernels whose per-element
/// function is a vector function (`VectorMath.swift`). The last `n mod 8` elements go through the
/// same function in a partly filled vector, so every element's value is the same wherever a
/// thread's share begins or ends.

/// dst[i] = f(a[i]) for i in 0..<n.
@inline(__always)
func mapLanes(_ n: Int, _ a: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
              _ f: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= n {
        store8(dst + i, f(load8(a + i)))
        i += 8
    }
    if i < n {
        let v = f(loadPartial8(a + i, n - i))
        for l in 0..<(n - i) { dst[i + l] = v[l] }
    }
}

/// dst[i] = f(a[i], b[i]) for i in 0..<n.
@inline(__always)
func mapLanes(_ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
              _ f: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= n {
        store8(dst + i, f(load8(a + i), load8(b + i)))
        i += 8
    }
    if i < n {
        let v = f(loadPartial8(a + i, n - i), loadPartial8(b + i, n - i))
        for l in 0..<(n - i) { dst[i + l] = v[l] }
    }
}

/// The first `count` (< 8) floats at p, zeros after.
@inline(__always)
func loadPartial8(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    var v = SIMD8<Float>()
    for l in 0..<count { v[l] = p[l] }
    return v
}
