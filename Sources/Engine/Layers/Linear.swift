/// Fully connected layer, PyTorch `nn.Linear` semantics and layout: weight `[out, in]`, bias `[out]`.
public final class Linear: Layer {
    public let outFeatures: Int, hasBias: Bool
    public var weightInit: WeightInit

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter?
    private var inFeatures = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    private var weightGrad: GradientPartials!, biasGrad: GradientPartials?

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
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func initialize(random: inout Random) {
        weightInit.fill(weight: weight.value, bias: bias?.value, fanIn: inFeatures, fanOut: outFeatures,
                        random: &random)
    }

    // x: [n, in] → y: [n, out] = x · Wᵀ + b.
    public func forward(_ pass: Pass) {
        pass.parallel { _, samples in
            if samples.isEmpty { return }
            let xs = x + samples.lowerBound * inFeatures, ys = y + samples.lowerBound * outFeatures
            if let b = bias?.value.data {
                for i in 0..<samples.count { (ys + i * outFeatures).update(from: b, count: outFeatures) }
            }
            sgemm(transB: true, m: samples.count, n: outFeatures, k: inFeatures, a: xs, lda: inFeatures,
                  b: weight.value.data, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: ys, ldc: outFeatures)
        }
    }

    // dy: [n, out]; dW [out, in] += dyᵀ · x; db += Σ_rows dy; dx [n, in] = dy · W.
    public func backward(_ pass: Pass) {
        pass.parallel { t, samples in
            if samples.isEmpty { return }
            let n = samples.count
            let xs = x + samples.lowerBound * inFeatures, dys = dy + samples.lowerBound * outFeatures
            let (dw, beta) = weightGrad.target(t)
            sgemm(transA: true, m: outFeatures, n: inFeatures, k: n, a: dys, lda: outFeatures, b: xs,
                  ldb: inFeatures, beta: beta, c: dw, ldc: inFeatures)
            if let biasGrad {
                let (db, beta) = biasGrad.target(t)
                if beta == 0 { db.update(repeating: 0, count: outFeatures) }
                for i in 0..<n {
                    let row = dys + i * outFeatures
                    for o in 0..<outFeatures { db[o] += row[o] }
                }
            }
            if let dx {
                sgemm(m: n, n: inFeatures, k: outFeatures, a: dys, lda: outFeatures, b: weight.value.data,
                      ldb: inFeatures, beta: 0, c: dx + samples.lowerBound * inFeatures, ldc: inFeatures)
            }
        }
        weightGrad.reduce(pass)
        biasGrad?.reduce(pass)
    }
}
