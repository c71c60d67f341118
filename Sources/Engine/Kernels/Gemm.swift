import CBLAS

/// Row-major single-precision GEMM through OpenBLAS:
/// C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C[m, n], op = transpose when asked.
/// Leading dimensions are the row lengths of the matrices as stored.
@inline(__always)
func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
           alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                beta, c, blasint(ldc))
}

/// Makes OpenBLAS run each call on the calling thread only: the engine parallelizes over
/// samples with its own workers, and two levels of threading would oversubscribe the cores.
func useSingleThreadedBLAS() {
    openblas_set_num_threads(1)
}
