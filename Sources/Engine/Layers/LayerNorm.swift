import Spec

/// Layer normalization (PyTorch `nn.LayerNorm(normalized_shape, eps)`, elementwise affine):
/// each row — a sample's values over its last `dims` dimensions, `N` of them — becomes
/// x̂ = (x − mean)·rstd with the biased variance, rstd = 1/√(var + eps), then y = x̂·w + b with
/// `weight` and `bias` of the normalized shape (initialized to 1 and 0).
///
/// Row statistics are taken in Double per row; parameter gradients are split over the N
/// elements, each summing all rows of the batch in order, so any thread count gives the same bits.
public final class LayerNorm: Layer {
    public let dims: Int?, eps: Double
    public var definition: any LayerDefinition { LayerNormLayer(dims: dims, eps: eps) }

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter!
    /// Elements per row, and rows per sample.
    private var width = 0, rowsPerSample = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// Per row of the batch: mean and rstd from the forward pass. [maxBatch · rowsPerSample] each.
    private var mean: UnsafeMutablePointer<Float>!, rstd: UnsafeMutablePointer<Float>!
    private var batch = 0

    public init(dims: Int? = nil, eps: Double = 1e-5) {
        self.dims = dims
        self.eps = eps
    }

    deinit {
        mean?.deallocate()
        rstd?.deallocate()
    }

    public func bind(_ b: LayerBinding) {
        let shape = LayerNormLayer(dims: dims, eps: eps).normalizedShape(b.inputShapes[0])
        width = shape.reduce(1, *)
        rowsPerSample = b.inputShapes[0].reduce(1, *) / width
        weight = Parameter(name: "\(b.name).weight", shape: shape)
        bias = Parameter(name: "\(b.name).bias", shape: shape)
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        mean = .zeroed(b.maxBatch * rowsPerSample)
        rstd = .zeroed(b.maxBatch * rowsPerSample)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func initialize(random: inout Random) {
        weight.value.data.update(repeating: 1, count: width)
        bias.value.zero()
    }

    public func prepare(_ pass: Pass) { batch = pass.batch }

    // x: [n, rows, N] → y: [n, rows, N]; mean, rstd: [n, rows]
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let (n, w, b) = (width, UnsafePointer(weight.value.data), UnsafePointer(bias.value.data))
            for row in (samples.lowerBound * rowsPerSample)..<(samples.upperBound * rowsPerSample) {
                let xr = x + row * n, yr = y + row * n
                var sum = 0.0
                for j in 0..<n { sum += Double(xr[j]) }
                let m = sum / Double(n)
                var squares = 0.0
                for j in 0..<n { let d = Double(xr[j]) - m; squares += d * d }
                let r = Float(1 / (squares / Double(n) + eps).squareRoot())
                let mf = Float(m)
                mean[row] = mf
                rstd[row] = r
                for j in 0..<n { yr[j] = (xr[j] - mf) * r * w[j] + b[j] }
            }
        }
    }

    // dx [n, rows, N] = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·w; then, split over the N
    // elements: dW += Σ_rows dy·x̂, db += Σ_rows dy.
    public func backward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            let (n, w) = (width, UnsafePointer(weight.value.data))
            for row in (samples.lowerBound * rowsPerSample)..<(samples.upperBound * rowsPerSample) {
                let xr = x + row * n, dyr = dy + row * n, dxr = dx + row * n
                let (m, r) = (mean[row], rstd[row])
                var sumG = 0.0, sumGX = 0.0
                for j in 0..<n {
                    let g = Double(dyr[j] * w[j])
                    sumG += g
                    sumGX += g * Double((xr[j] - m) * r)
                }
                let meanG = Float(sumG / Double(n)), meanGX = Float(sumGX / Double(n))
                for j in 0..<n { dxr[j] = r * (dyr[j] * w[j] - meanG - (xr[j] - m) * r * meanGX) }
            }
        }
        pass.parallel(count: width) { [self] _, elements in
            let (n, dw, db) = (width, weight.grad.data, bias.grad.data)
            for row in 0..<(batch * rowsPerSample) {
                let xr = x + row * n, dyr = dy + row * n
                let (m, r) = (mean[row], rstd[row])
                for j in elements {
                    dw[j] += dyr[j] * ((xr[j] - m) * r)
                    db[j] += dyr[j]
                }
            }
        }
    }
}

extension LayerNormLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { LayerNorm(dims: dims, eps: eps) }
}
