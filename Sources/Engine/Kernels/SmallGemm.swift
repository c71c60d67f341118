import EngineAVX512
import SIMDMemory

/// Register-blocked single-precision GEMM for the engine's small shapes (AVX2/FMA through SIMD8),
/// used instead of OpenBLAS, whose generic kernels are slow on this machine.
///
/// C[m, n] = (accumulate ? C : 0) + A[m, k] · B[k, n], where element (r, p) of A is
/// `a[r·rowStride + p·colStride]` (so Aᵀ is free), B is row-major with row length `ldb`, C with `ldc`.
/// Blocks of 4 rows × 24 columns (12 ymm accumulators), then 8-column and scalar edges.
func gemmNN(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, rowStride: Int, colStride: Int,
            b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
            kernels: KernelFamily) {
    if m == 0 || n == 0 { return }
    if kernels == .avx512 {
        return gemmNN512(m: m, n: n, k: k, a: a, rowStride: rowStride, colStride: colStride, b: b, ldb: ldb, c: c,
                         ldc: ldc, accumulate: accumulate)
    }
    var j = 0
    while j + 24 <= n {
        var r = 0
        while r + 4 <= m {
            if Cancellation.isRequested { return }  // unfinished C, discarded
            gemmBlock4x24(k, a + r * rowStride, rowStride, colStride, b + j, ldb, c + r * ldc + j, ldc, accumulate)
            r += 4
        }
        while r < m {
            gemmBlock1xV(3, k, a + r * rowStride, colStride, b + j, ldb, c + r * ldc + j, accumulate)
            r += 1
        }
        j += 24
    }
    while j + 8 <= n {
        var r = 0
        while r + 4 <= m {  // four rows' chains at once (one alone waits on the addition latency)
            if Cancellation.isRequested { return }  // unfinished C, discarded
            gemmBlock4x8(k, a + r * rowStride, rowStride, colStride, b + j, ldb, c + r * ldc + j, ldc, accumulate)
            r += 4
        }
        while r < m { gemmBlock1xV(1, k, a + r * rowStride, colStride, b + j, ldb, c + r * ldc + j, accumulate); r += 1 }
        j += 8
    }
    if j < n { gemmScalarEdge(m: m, columns: j..<n, k: k, a: a, rowStride: rowStride, colStride: colStride, b: b,
                              ldb: ldb, c: c, ldc: ldc, accumulate: accumulate) }
}

// C[4, 8] (+)= A[4, k] · B[k, 8]: `gemmBlock1xV(1, …)` of four rows at once.
@inline(__always)
private func gemmBlock4x8(_ k: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>,
                          _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) {
    let z = SIMD8<Float>()
    var a0 = z, a1 = z, a2 = z, a3 = z
    var ap = a, bp = b
    for _ in 0..<k {
        let x = load8(bp)
        a0 = a0.addingProduct(x, splat8(ap[0])); a1 = a1.addingProduct(x, splat8(ap[rs]))
        a2 = a2.addingProduct(x, splat8(ap[2 * rs])); a3 = a3.addingProduct(x, splat8(ap[3 * rs]))
        ap += cs; bp += ldb
    }
    @inline(__always) func put(_ row: Int, _ v: SIMD8<Float>) {
        store8(c + row * ldc, accumulate ? load8(c + row * ldc) + v : v)
    }
    put(0, a0); put(1, a1); put(2, a2); put(3, a3)
}

// C[4, 24] (+)= A[4, k] · B[k, 24].
@inline(__always)
private func gemmBlock4x24(_ k: Int, _ a: UnsafePointer<Float>, _ rs: Int, _ cs: Int, _ b: UnsafePointer<Float>,
                           _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) {
    let z = SIMD8<Float>()
    var a0 = z, a1 = z, a2 = z, b0 = z, b1 = z, b2 = z, c0 = z, c1 = z, c2 = z, d0 = z, d1 = z, d2 = z
    var ap = a, bp = b
    for _ in 0..<k {
        let x0 = load8(bp), x1 = load8(bp + 8), x2 = load8(bp + 16)
        let wa = splat8(ap[0]), wb = splat8(ap[rs]), wc = splat8(ap[2 * rs]), wd = splat8(ap[3 * rs])
        a0 = a0.addingProduct(x0, wa); a1 = a1.addingProduct(x1, wa); a2 = a2.addingProduct(x2, wa)
        b0 = b0.addingProduct(x0, wb); b1 = b1.addingProduct(x1, wb); b2 = b2.addingProduct(x2, wb)
        c0 = c0.addingProduct(x0, wc); c1 = c1.addingProduct(x1, wc); c2 = c2.addingProduct(x2, wc)
        d0 = d0.addingProduct(x0, wd); d1 = d1.addingProduct(x1, wd); d2 = d2.addingProduct(x2, wd)
        ap += cs; bp += ldb
    }
    gemmStore(c, a0, a1, a2, accumulate)
    gemmStore(c + ldc, b0, b1, b2, accumulate)
    gemmStore(c + 2 * ldc, c0, c1, c2, accumulate)
    gemmStore(c + 3 * ldc, d0, d1, d2, accumulate)
}

// C[1, 8·vectors] (+)= A[1, k] · B[k, 8·vectors], vectors 1 or 3.
@inline(__always)
private func gemmBlock1xV(_ vectors: Int, _ k: Int, _ a: UnsafePointer<Float>, _ cs: Int,
                          _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>,
                          _ accumulate: Bool) {
    let z = SIMD8<Float>()
    var a0 = z, a1 = z, a2 = z
    var ap = a, bp = b
    if vectors == 3 {
        for _ in 0..<k {
            let w = splat8(ap[0])
            a0 = a0.addingProduct(load8(bp), w); a1 = a1.addingProduct(load8(bp + 8), w)
            a2 = a2.addingProduct(load8(bp + 16), w)
            ap += cs; bp += ldb
        }
        gemmStore(c, a0, a1, a2, accumulate)
    } else {
        for _ in 0..<k {
            a0 = a0.addingProduct(load8(bp), splat8(ap[0]))
            ap += cs; bp += ldb
        }
        store8(c, accumulate ? load8(c) + a0 : a0)
    }
}

@inline(__always)
private func gemmStore(_ c: UnsafeMutablePointer<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>,
                       _ accumulate: Bool) {
    if accumulate {
        store8(c, load8(c) + v0); store8(c + 8, load8(c + 8) + v1); store8(c + 16, load8(c + 16) + v2)
    } else {
        store8(c, v0); store8(c + 8, v1); store8(c + 16, v2)
    }
}

/// dst[cols, rows] = src[rows, cols]ᵀ for source rows `rowRange`, in 8×8 tiles for cache locality.
func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, rowRange: Range<Int>,
               into dst: UnsafeMutablePointer<Float>) {
    var r0 = rowRange.lowerBound
    while r0 < rowRange.upperBound {
        let r1 = min(r0 + 8, rowRange.upperBound)
        var c0 = 0
        while c0 < cols {
            let c1 = min(c0 + 8, cols)
            if r1 - r0 == 8 && c1 - c0 == 8 {  // a whole 8×8 block in registers
                transpose8x8(src + r0 * cols + c0, rowStride: cols, dst + c0 * rows + r0, dstStride: rows)
            } else {
                for r in r0..<r1 { for col in c0..<c1 { dst[col * rows + r] = src[r * cols + col] } }
            }
            c0 = c1
        }
        r0 = r1
    }
}

/// dst row i (i in 0..<8, `dstStride` apart) = column i of the 8×8 block at src (rows `rowStride`
/// apart): the classic three rounds of in-lane unpacks, 64-bit shuffles and 128-bit moves.
@inline(__always)
private func transpose8x8(_ src: UnsafePointer<Float>, rowStride: Int, _ dst: UnsafeMutablePointer<Float>,
                          dstStride: Int) {
    @inline(__always) func row(_ i: Int) -> SIMD8<Float> { load8(src + i * rowStride) }
    @inline(__always) func lo32(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5])
    }
    @inline(__always) func hi32(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7])
    }
    @inline(__always) func lo64(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5])
    }
    @inline(__always) func hi64(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7])
    }
    let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
    let t0 = lo32(r0, r1), t1 = hi32(r0, r1), t2 = lo32(r2, r3), t3 = hi32(r2, r3)
    let t4 = lo32(r4, r5), t5 = hi32(r4, r5), t6 = lo32(r6, r7), t7 = hi32(r6, r7)
    // u0 = column 0 of rows 0–3 | column 4 of rows 0–3; u4 the same for rows 4–7; and so on.
    let u0 = lo64(t0, t2), u1 = hi64(t0, t2), u2 = lo64(t1, t3), u3 = hi64(t1, t3)
    let u4 = lo64(t4, t6), u5 = hi64(t4, t6), u6 = lo64(t5, t7), u7 = hi64(t5, t7)
    store8(dst, SIMD8(lowHalf: u0.lowHalf, highHalf: u4.lowHalf))
    store8(dst + dstStride, SIMD8(lowHalf: u1.lowHalf, highHalf: u5.lowHalf))
    store8(dst + 2 * dstStride, SIMD8(lowHalf: u2.lowHalf, highHalf: u6.lowHalf))
    store8(dst + 3 * dstStride, SIMD8(lowHalf: u3.lowHalf, highHalf: u7.lowHalf))
    store8(dst + 4 * dstStride, SIMD8(lowHalf: u0.highHalf, highHalf: u4.highHalf))
    store8(dst + 5 * dstStride, SIMD8(lowHalf: u1.highHalf, highHalf: u5.highHalf))
    store8(dst + 6 * dstStride, SIMD8(lowHalf: u2.highHalf, highHalf: u6.highHalf))
    store8(dst + 7 * dstStride, SIMD8(lowHalf: u3.highHalf, highHalf: u7.highHalf))
}

/// Fully connected forward for one thread's rows: x [n, inF], wt [inF, outF] (Wᵀ), bias [outF] or nil
/// → y [n, outF] = x · Wᵀ + b.
func denseForward(n: Int, inF: Int, outF: Int, x: UnsafePointer<Float>, wt: UnsafePointer<Float>,
                  bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, kernels: KernelFamily) {
    if n == 0 { return }
    if let bias { for i in 0..<n { (y + i * outF).update(from: bias, count: outF) } }
    gemmNN(m: n, n: outF, k: inF, a: x, rowStride: inF, colStride: 1, b: wt, ldb: outF, c: y, ldc: outF,
           accumulate: bias != nil, kernels: kernels)
}
