/// y [n, out] = x [n, in] · Wᵀ + b, W viewed as [out, in], optionally followed by a fused ReLU:
/// the computation a `Linear` layer and a full-kernel `Conv2D` (LeNet's conv3) share. The owner
/// creates the parameters (their shapes and names differ) and hands them over at `bind`.
final class DenseOperator {
    let inFeatures: Int, outFeatures: Int
    private let weight: Parameter, bias: Parameter?
    private let fusesReLU: Bool
    private let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    private let dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?
    /// Wᵀ [in, out], refreshed by `prepare` for the row-major GEMM kernel.
    private let transposed: UnsafeMutablePointer<Float>
    /// With a fused ReLU: dL/d(pre-activation) [maxBatch, out], the ReLU's mask applied to dy.
    private let masked: UnsafeMutablePointer<Float>?
    private let kernels: KernelFamily

    init(inFeatures: Int, weight: Parameter, bias: Parameter?, fusesReLU: Bool, binding b: LayerBinding) {
        self.inFeatures = inFeatures
        outFeatures = weight.value.count / inFeatures
        self.weight = weight
        self.bias = bias
        self.fusesReLU = fusesReLU
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        transposed = .zeroed(weight.value.count)
        masked = fusesReLU ? .zeroed(b.maxBatch * outFeatures) : nil
        kernels = b.kernels
    }

    deinit {
        transposed.deallocate()
        masked?.deallocate()
    }

    /// The batch of the coming forward and backward (recorded serially, read by parallel bodies).
    private var batch = 0

    func prepare(_ pass: Pass) {
        batch = pass.batch
        transpose(weight.value.data, rows: outFeatures, cols: inFeatures, rowRange: 0..<outFeatures, into: transposed)
    }

    // x: [n, in] → y: [n, out] = x · Wᵀ + b (then max(·, 0) when fused).
    func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let (inF, outF) = (inFeatures, outFeatures)
            let rows = y + samples.lowerBound * outF
            denseForward(n: samples.count, inF: inF, outF: outF, x: x + samples.lowerBound * inF, wt: transposed,
                         bias: bias.map { UnsafePointer($0.value.data) }, y: rows, kernels: kernels)
            if fusesReLU { reluForward(rows, rows, samples.count * outF) }
        }
    }

    // dy: [n, out] (masked by the fused ReLU first); dx [n, in] = dy · W per sample rows; then,
    // split over output features (so every thread count sums the same products in the same order):
    // dW [out, in] += dyᵀ · x and db += Σ_rows dy over the whole batch.
    func backward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            guard masked != nil || dx != nil else { return }
            let (inF, outF) = (inFeatures, outFeatures)
            let offset = samples.lowerBound * outF
            var rowsGrad = dy + offset
            if let masked {
                reluGradient(y + offset, rowsGrad, masked + offset, samples.count * outF)
                rowsGrad = UnsafePointer(masked + offset)
            }
            if let dx, !samples.isEmpty {
                gemmNN(m: samples.count, n: inF, k: outF, a: rowsGrad, rowStride: outF, colStride: 1,
                       b: weight.value.data, ldb: inF, c: dx + samples.lowerBound * inF, ldc: inF, accumulate: false, kernels: kernels)
            }
        }
        pass.parallel(count: outFeatures) { [self] _, features in
            if features.isEmpty { return }
            let (inF, outF, n) = (inFeatures, outFeatures, batch)
            let grad = UnsafePointer(masked ?? UnsafeMutablePointer(mutating: dy))
            gemmNN(m: features.count, n: inF, k: n, a: grad + features.lowerBound, rowStride: 1, colStride: outF,
                   b: x, ldb: inF, c: weight.grad.data + features.lowerBound * inF, ldc: inF, accumulate: true, kernels: kernels)
            guard let db = bias?.grad.data else { return }
            for i in 0..<n {
                let row = grad + i * outF
                for o in features { db[o] += row[o] }
            }
        }
    }
}
