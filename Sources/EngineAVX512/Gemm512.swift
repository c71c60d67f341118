import SIMDMemory

/// `gemmNN` of the engine with 512-bit registers: C[m, n] = (accumulate ? C : 0) + A[m, k] · B[k, n],
/// A element (r, p) at `a[r·rowStride + p·colStride]`, B and C row-major.
///
/// Bit-identical to the AVX2 kernel: every element of C not in the last n mod 8 columns is one
/// fused multiply-add chain over p = 0..<k starting from zero, then added to C (when accumulating);
/// those last columns use the same scalar loop (separate multiply and add). Blocks: 4 rows × 48
/// columns (12 zmm accumulators), then 16- and 8-column strips and the scalar edge, eight or four
/// rows at a time so that their independent chains overlap (one row's chain alone waits on the
/// addition latency at every step: LeNet's 120- and 84-wide layers spent most of their time there).
public func gemmNN512(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, rowStride: Int, colStride: Int,
                      b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
    if m == 0 || n == 0 { return }
    var j = 0
    while j + 48 <= n {
        var r = 0
        while r + 4 <= m {
            if let flag = avx512CancelFlag, flag.pointee != 0 { return }  // unfinished C, discarded
            block4(k, a + r * rowStride, rowStride, colStride, b + j, ldb, c + r * ldc + j, ldc, accumulate)
            r += 4
        }
        while r < m {
            strip16(3, k, a + r * rowStride, colStride, b + j, ldb, c + r * ldc + j, accumulate)
            r += 1
        }
        j += 48
    }
    while j + 16 <= n {
        var r = 0
        while r + 8 <= m {
            if let flag = avx512CancelFlag, flag.pointee != 0 { return }  // unfinished C, discarded
            eightRows(SIMD16<Float>.self, k, a + r * rowStride, rowStride, colStride, b + j, ldb, c + r * ldc + j, ldc,
                      accumulate)
            r += 8
        }
        while r < m { strip16(1, k, a + r * rowStride, colStride, b + j, ldb, c + r * ldc + j, accumulate); r += 1 }
        j += 16
    }
    while j + 8 <= n {
        var r = 0
        while r + 8 <= m {
            if let flag = avx512CancelFlag, flag.pointee != 0 { return }  // unfinished C, discarded
            eightRows(SIMD8<Float>.self, k, a + r * rowStride, rowStride, colStride, b + j, ldb, c + r * ldc + j, ldc,
                      accumulate)
            r += 8
        }
        while r < m { strip8(k, a + r * rowStride, colStride, b + j, ldb, c + r * ldc + j, accumulate); r += 1 }
        j += 8
    }
    if j < n { gemmScalarEdge(m: m, columns: j..<n, k: k, a: a, rowStride: rowStride, colStride: colStride, b: b,
                              ldb: ldb, c: c, ldc: ldc, accumulate: accumulate) }
}

// C[8, w] (+)= A[8, k] · B[k, w], w = V.scalarCount (16 or 8): `strip16(1, …)` or `strip8` of eight
// rows at once, each row's chain unchanged.
@inline(__always)
private func eightRows<V: SIMD>(_: V.Type, _ k: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int,
                                _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                                _ accumulate: Bool) where V.Scalar == Float {
    let z = V()
    var a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z
    var ap = a, bp = b
    for _ in 0..<k {
        let x = UnsafeRawPointer(bp).loadUnaligned(as: V.self)
        a0 = a0.addingProduct(x, V(repeating: ap[0])); a1 = a1.addingProduct(x, V(repeating: ap[rs]))
        a2 = a2.addingProduct(x, V(repeating: ap[2 * rs])); a3 = a3.addingProduct(x, V(repeating: ap[3 * rs]))
        a4 = a4.addingProduct(x, V(repeating: ap[4 * rs])); a5 = a5.addingProduct(x, V(repeating: ap[5 * rs]))
        a6 = a6.addingProduct(x, V(repeating: ap[6 * rs])); a7 = a7.addingProduct(x, V(repeating: ap[7 * rs]))
        ap += cs; bp += ldb
    }
    @inline(__always) func put(_ row: Int, _ v: V) {
        let p = UnsafeMutableRawPointer(c + row * ldc)
        p.storeBytes(of: accumulate ? p.loadUnaligned(as: V.self) + v : v, as: V.self)
    }
    put(0, a0); put(1, a1); put(2, a2); put(3, a3); put(4, a4); put(5, a5); put(6, a6); put(7, a7)
}

// C[4, 48] (+)= A[4, k] · B[k, 48].
@inline(__always)
private func block4(_ k: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>,
                    _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) {
    let z = SIMD16<Float>()
    var a0 = z, a1 = z, a2 = z, b0 = z, b1 = z, b2 = z, c0 = z, c1 = z, c2 = z, d0 = z, d1 = z, d2 = z
    var ap = a, bp = b
    for _ in 0..<k {
        let x0 = load16(bp), x1 = load16(bp + 16), x2 = load16(bp + 32)
        let wa = splat16(ap[0]), wb = splat16(ap[rs]), wc = splat16(ap[2 * rs]), wd = splat16(ap[3 * rs])
        a0 = a0.addingProduct(x0, wa); a1 = a1.addingProduct(x1, wa); a2 = a2.addingProduct(x2, wa)
        b0 = b0.addingProduct(x0, wb); b1 = b1.addingProduct(x1, wb); b2 = b2.addingProduct(x2, wb)
        c0 = c0.addingProduct(x0, wc); c1 = c1.addingProduct(x1, wc); c2 = c2.addingProduct(x2, wc)
        d0 = d0.addingProduct(x0, wd); d1 = d1.addingProduct(x1, wd); d2 = d2.addingProduct(x2, wd)
        ap += cs; bp += ldb
    }
    put(c, a0, accumulate); put(c + 16, a1, accumulate); put(c + 32, a2, accumulate)
    put(c + ldc, b0, accumulate); put(c + ldc + 16, b1, accumulate); put(c + ldc + 32, b2, accumulate)
    put(c + 2 * ldc, c0, accumulate); put(c + 2 * ldc + 16, c1, accumulate); put(c + 2 * ldc + 32, c2, accumulate)
    put(c + 3 * ldc, d0, accumulate); put(c + 3 * ldc + 16, d1, accumulate); put(c + 3 * ldc + 32, d2, accumulate)
}

// C[1, 16·vectors] (+)= A[1, k] · B[k, 16·vectors], vectors 1 or 3.
@inline(__always)
private func strip16(_ vectors: Int, _ k: Int, _ a: UnsafePointer<Float>, _ cs: Int, _ b: UnsafePointer<Float>,
                     _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
    let z = SIMD16<Float>()
    var a0 = z, a1 = z, a2 = z
    var ap = a, bp = b
    for _ in 0..<k {
        let w = splat16(ap[0])
        a0 = a0.addingProduct(load16(bp), w)
        if vectors == 3 { a1 = a1.addingProduct(load16(bp + 16), w); a2 = a2.addingProduct(load16(bp + 32), w) }
        ap += cs; bp += ldb
    }
    put(c, a0, accumulate)
    if vectors == 3 { put(c + 16, a1, accumulate); put(c + 32, a2, accumulate) }
}

// C[1, 8] (+)= A[1, k] · B[k, 8].
@inline(__always)
private func strip8(_ k: Int, _ a: UnsafePointer<Float>, _ cs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                    _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
    var acc = SIMD8<Float>()
    var ap = a, bp = b
    for _ in 0..<k {
        let w = ap[0]
        acc = acc.addingProduct(load8(bp), splat8(w))
        ap += cs; bp += ldb
    }
    let out = UnsafeMutableRawPointer(c)
    out.storeBytes(of: accumulate ? load8(c) + acc : acc, as: SIMD8<Float>.self)
}

@inline(__always)
private func put(_ c: UnsafeMutablePointer<Float>, _ v: SIMD16<Float>, _ accumulate: Bool) {
    store16(c, accumulate ? load16(c) + v : v)
}
