/// Fully connected layer, PyTorch `nn.Linear` semantics and layout: weight `[out, in]`, bias `[out]`.
public final class Linear: Layer, ReLUFusing {
    public let outFeatures: Int, hasBias: Bool
    public var weightInit: WeightInit

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter?
    private var inFeatures = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    private var weightGrad: GradientPartials!, biasGrad: GradientPartials?
    /// Wᵀ [in, out], refreshed at every forward for the row-major GEMM kernel.
    private var transposed: UnsafeMutablePointer<Float> = .zeroed(1)
    /// With a fused ReLU: dL/d(pre-activation) [maxBatch, out], the ReLU's mask applied to dy.
    private var masked: UnsafeMutablePointer<Float> = .zeroed(1)
    var fusesReLU = false

    public init(outFeatures: Int, bias: Bool = true, weightInit: WeightInit = .pytorch) {
        precondition(outFeatures > 0)
        self.outFeatures = outFeatures; self.hasBias = bias; self.weightInit = weightInit
    }

    public var typeName: String { "linear" }

    public func outputShape(inputShapes: [[Int]]) -> [Int] {
        precondition(inputShapes.count == 1 && inputShapes[0].count == 1, "linear takes one [F] input")
        return [outFeatures]
    }

    public func bind(_ b: LayerBinding) {
        inFeatures = b.inputShapes[0][0]
        weight = Parameter(name: "\(b.name).weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? Parameter(name: "\(b.name).bias", shape: [outFeatures]) : nil
        weightGrad = GradientPartials(weight, threads: b.threads)
        biasGrad = bias.map { GradientPartials($0, threads: b.threads) }
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        transposed.deallocate()
        transposed = .zeroed(outFeatures * inFeatures)
        masked.deallocate()
        masked = .zeroed(fusesReLU ? b.maxBatch * outFeatures : 1)
    }

    deinit {
        transposed.deallocate()
        masked.deallocate()
    }

    func canFuseReLU(inputShapes: [[Int]]) -> Bool { true }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func initialize(random: inout Random) {
        weightInit.fill(weight: weight.value, bias: bias?.value, fanIn: inFeatures, fanOut: outFeatures,
                        random: &random)
    }

    // x: [n, in] → y: [n, out] = x · Wᵀ + b, with Wᵀ [in, out] refreshed first.
    public func prepare(_ pass: Pass) {
        transpose(weight.value.data, rows: outFeatures, cols: inFeatures, rowRange: 0..<outFeatures, into: transposed)
    }

    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let (inF, outF, wt) = (inFeatures, outFeatures, transposed)
            let rows = y + samples.lowerBound * outF
            denseForward(n: samples.count, inF: inF, outF: outF, x: x + samples.lowerBound * inF, wt: wt,
                         bias: bias.map { UnsafePointer($0.value.data) }, y: rows)
            if fusesReLU { reluForward(rows, rows, samples.count * outF) }
        }
    }

    // dy: [n, out]; dW [out, in] += dyᵀ · x; db += Σ_rows dy; dx [n, in] = dy · W.
    public func backward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            let (inF, outF) = (inFeatures, outFeatures)
            let (dw, beta) = weightGrad.target(t)
            let db = biasGrad?.target(t)
            var rowsGrad = dy + samples.lowerBound * outF
            if fusesReLU {
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
