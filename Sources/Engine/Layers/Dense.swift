/// y [n, out] = x [n, in] · Wᵀ + b, W viewed as [out, in], optionally followed by a fused ReLU:
/// the computation a `Linear` layer and a full-kernel `Conv2D` (LeNet's conv3) share. The owner
/// creates the parameters (their shapes and names differ) and hands them over at `bind`.
final class DenseOperator {
    let inFeatures: Int, outFeatures: Int
    private let weight: Parameter, bias: Parameter?
    private let fusesReLU: Bool
    private let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    private let dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?
    private let weightGrad: GradientPartials, biasGrad: GradientPartials?
    /// Wᵀ [in, out], refreshed by `prepare` for the row-major GEMM kernel.
    private let transposed: UnsafeMutablePointer<Float>
    /// With a fused ReLU: dL/d(pre-activation) [maxBatch, out], the ReLU's mask applied to dy.
    private let masked: UnsafeMutablePointer<Float>?

    init(inFeatures: Int, weight: Parameter, bias: Parameter?, fusesReLU: Bool, binding b: LayerBinding) {
        self.inFeatures = inFeatures
        outFeatures = weight.value.count / inFeatures
        self.weight = weight
        self.bias = bias
        self.fusesReLU = fusesReLU
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        weightGrad = GradientPartials(weight, threads: b.threads)
        biasGrad = bias.map { GradientPartials($0, threads: b.threads) }
        transposed = .zeroed(weight.value.count)
        masked = fusesReLU ? .zeroed(b.maxBatch * outFeatures) : nil
    }

    deinit {
        transposed.deallocate()
        masked?.deallocate()
    }

    func prepare() {
        transpose(weight.value.data, rows: outFeatures, cols: inFeatures, rowRange: 0..<outFeatures, into: transposed)
    }

    // x: [n, in] → y: [n, out] = x · Wᵀ + b (then max(·, 0) when fused).
    func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let (inF, outF) = (inFeatures, outFeatures)
            let rows = y + samples.lowerBound * outF
            denseForward(n: samples.count, inF: inF, outF: outF, x: x + samples.lowerBound * inF, wt: transposed,
                         bias: bias.map { UnsafePointer($0.value.data) }, y: rows)
            if fusesReLU { reluForward(rows, rows, samples.count * outF) }
        }
    }

    // dy: [n, out] (masked by the fused ReLU first); dW [out, in] += dyᵀ · x; db += Σ_rows dy;
    // dx [n, in] = dy · W.
    func backward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            let (inF, outF) = (inFeatures, outFeatures)
            let (dw, beta) = weightGrad.target(t)
            let db = biasGrad?.target(t)
            var rowsGrad = dy + samples.lowerBound * outF
            if let masked {
                let offset = samples.lowerBound * outF
                reluGradient(y + offset, rowsGrad, masked + offset, samples.count * outF)
                rowsGrad = UnsafePointer(masked + offset)
            }
            denseBackward(n: samples.count, inF: inF, outF: outF, x: x + samples.lowerBound * inF,
                          w: weight.value.data, dy: rowsGrad, dw: dw,
                          accumulateWeights: beta != 0, db: db?.pointer, accumulateBias: db?.beta != 0,
                          dx: dx.map { $0 + samples.lowerBound * inF })
        }
        weightGrad.reduce(pass)
        biasGrad?.reduce(pass)
    }
}
