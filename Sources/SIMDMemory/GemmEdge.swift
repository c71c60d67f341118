/// The last `n mod 8` columns of both GEMM kernel families (`gemmNN`, `gemmNN512`), which must
/// compute them identically: C[r, j] = (accumulate ? C[r, j] : 0) + Σ_p A[r, p]·B[p, j], one scalar
/// chain per element, p in order, each product rounded before its addition (no fused multiply-add).
/// Eight rows' chains run side by side (one chain alone waits on the addition latency every step).
/// A element (r, p) at `a[r·rowStride + p·colStride]`; B and C row-major.
@inlinable @inline(__always)
public func gemmScalarEdge(m: Int, columns: Range<Int>, k: Int, a: UnsafePointer<Float>, rowStride: Int,
                           colStride: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>,
                           ldc: Int, accumulate: Bool) {
    let rs = rowStride
    for j in columns {
        var r = 0
        while r + 8 <= m {
            let o = c + r * ldc + j
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
            if accumulate {
                s0 = o[0]; s1 = o[ldc]; s2 = o[2 * ldc]; s3 = o[3 * ldc]
                s4 = o[4 * ldc]; s5 = o[5 * ldc]; s6 = o[6 * ldc]; s7 = o[7 * ldc]
            }
            var ap = a + r * rs, bp = b + j
            for _ in 0..<k {
                let v = bp[0]
                s0 += ap[0] * v; s1 += ap[rs] * v; s2 += ap[2 * rs] * v; s3 += ap[3 * rs] * v
                s4 += ap[4 * rs] * v; s5 += ap[5 * rs] * v; s6 += ap[6 * rs] * v; s7 += ap[7 * rs] * v
                ap += colStride; bp += ldb
            }
            o[0] = s0; o[ldc] = s1; o[2 * ldc] = s2; o[3 * ldc] = s3
            o[4 * ldc] = s4; o[5 * ldc] = s5; o[6 * ldc] = s6; o[7 * ldc] = s7
            r += 8
        }
        while r < m {
            var sum: Float = accumulate ? c[r * ldc + j] : 0
            for p in 0..<k { sum += a[r * rs + p * colStride] * b[p * ldb + j] }
            c[r * ldc + j] = sum
            r += 1
        }
    }
}
