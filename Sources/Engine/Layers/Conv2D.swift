/// 2-D convolution with square kernels, PyTorch `nn.Conv2d` semantics and layout:
/// weight `[out, in, k, k]`, optional bias `[out]`.
///
/// Each thread lowers its whole sample range with im2col into one `[in·k·k, n·OH·OW]` matrix
/// and runs one GEMM per pass; the columns are kept for the weight gradient.
public final class Conv2D: Layer {
    public let outChannels: Int, kernel: Int, stride: Int, padding: Int, hasBias: Bool
    public var weightInit: WeightInit

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter?
    private var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// Per thread: im2col columns [patch, chunk·P] and a GEMM result / gradient panel [out, chunk·P].
    private var columns: [UnsafeMutablePointer<Float>] = [], panels: [UnsafeMutablePointer<Float>] = []
    private var weightGrad: GradientPartials!, biasGrad: GradientPartials?

    public init(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                weightInit: WeightInit = .pytorch) {
        precondition(outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0)
        self.outChannels = outChannels; self.kernel = kernel; self.stride = stride
        self.padding = padding; self.hasBias = bias; self.weightInit = weightInit
    }

    deinit {
        for p in columns + panels { p.deallocate() }
    }

    public var typeName: String { "conv2d" }

    public func outputShape(inputShapes: [[Int]]) -> [Int] {
        precondition(inputShapes.count == 1 && inputShapes[0].count == 3, "conv2d takes one [C, H, W] input")
        let s = inputShapes[0]
        let g = ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: kernel, stride: stride, padding: padding)
        precondition(g.outHeight >= 1 && g.outWidth >= 1, "conv2d kernel larger than its padded input")
        return [outChannels, g.outHeight, g.outWidth]
    }

    public func bind(_ b: LayerBinding) {
        let s = b.inputShapes[0]
        g = ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: kernel, stride: stride, padding: padding)
        weight = Parameter(name: "\(b.name).weight", shape: [outChannels, g.channels, kernel, kernel])
        bias = hasBias ? Parameter(name: "\(b.name).bias", shape: [outChannels]) : nil
        weightGrad = GradientPartials(weight, threads: b.threads)
        biasGrad = bias.map { GradientPartials($0, threads: b.threads) }
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        let width = b.maxChunk * g.outPlane
        columns = (0..<b.threads).map { _ in .allocate(capacity: max(1, g.patch * width)) }
        panels = (0..<b.threads).map { _ in .allocate(capacity: max(1, outChannels * width)) }
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func initialize(random: inout Random) {
        weightInit.fill(weight: weight.value, bias: bias?.value, fanIn: g.patch,
                        fanOut: outChannels * kernel * kernel, random: &random)
    }

    // x: [n, C, H, W] → y: [n, out, OH, OW]; per thread: col [patch, n·P] = im2col(x),
    // panel [out, n·P] = W [out, patch] · col, y[s, o, p] = panel[o, s·P + p] + b[o].
    public func forward(_ pass: Pass) {
        pass.parallel { t, samples in
            let n = samples.count
            if n == 0 { return }
            let plane = g.outPlane, ld = n * plane, col = columns[t], panel = panels[t]
            for (j, s) in samples.enumerated() {
                im2col(g, x: x + s * g.inputCount, col: col, ld: ld, column: j * plane)
            }
            sgemm(m: outChannels, n: ld, k: g.patch, a: weight.value.data, lda: g.patch, b: col, ldb: ld,
                  beta: 0, c: panel, ldc: ld)
            let biasValues = bias?.value.data
            for (j, s) in samples.enumerated() {
                for o in 0..<outChannels {
                    let src: UnsafePointer<Float> = UnsafePointer(panel + (o * ld + j * plane))
                    let dst: UnsafeMutablePointer<Float> = y + (s * outChannels + o) * plane
                    if let biasValues { addScalar(dst, src, biasValues[o], plane) } else { copyFloats(dst, src, plane) }
                }
            }
        }
    }

    // dy: [n, out, OH, OW]; panel [out, n·P] = dy regrouped; dW [out, patch] += panel · colᵀ;
    // db[o] += Σ panel[o, :]; dcol [patch, n·P] = Wᵀ · panel; dx = col2im(dcol).
    public func backward(_ pass: Pass) {
        pass.parallel { t, samples in
            let n = samples.count
            if n == 0 { return }
            let plane = g.outPlane, ld = n * plane, col = columns[t], panel = panels[t]
            for (j, s) in samples.enumerated() {
                for o in 0..<outChannels {
                    let src: UnsafePointer<Float> = dy + (s * outChannels + o) * plane
                    copyFloats(panel + (o * ld + j * plane), src, plane)
                }
            }
            let (dw, beta) = weightGrad.target(t)
            sgemm(transB: true, m: outChannels, n: g.patch, k: ld, a: panel, lda: ld, b: col, ldb: ld,
                  beta: beta, c: dw, ldc: g.patch)
            if let biasGrad {
                let (db, beta) = biasGrad.target(t)
                for o in 0..<outChannels {
                    let row = panel + o * ld
                    var sum: Float = 0
                    for p in 0..<ld { sum += row[p] }
                    db[o] = beta == 0 ? sum : db[o] + sum
                }
            }
            guard let dx else { return }
            sgemm(transA: true, m: g.patch, n: ld, k: outChannels, a: weight.value.data, lda: g.patch,
                  b: panel, ldb: ld, beta: 0, c: col, ldc: ld)  // col now holds dcol
            for (j, s) in samples.enumerated() {
                let d = dx + s * g.inputCount
                d.update(repeating: 0, count: g.inputCount)
                col2imAdd(g, dcol: col, ld: ld, column: j * plane, dx: d)
            }
        }
        weightGrad.reduce(pass)
        biasGrad?.reduce(pass)
    }
}

/// dst[0..<n] = src[0..<n] + b.
@inline(__always)
func addScalar(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ b: Float, _ n: Int) {
    for i in 0..<n { dst[i] = src[i] + b }
}
