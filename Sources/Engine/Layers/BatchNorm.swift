import Spec
#if canImport(Glibc)
import Glibc
#endif
import SIMDMemory

/// Batch normalization over `[n, C, plane]` with PyTorch semantics: in training, batch statistics
/// (biased variance) normalize and the running estimates move with `momentum` using the unbiased
/// variance, and `num_batches_tracked` counts the batches; in evaluation, the running estimates
/// normalize. Applied as a per-channel scale and shift. Subclassed by `BatchNorm1D` / `BatchNorm2D`.
public class BatchNorm: Layer, PoolFusing, ConvolutionReader {
    public let momentum: Float, eps: Float
    public private(set) var weight: Parameter!, bias: Parameter!
    public private(set) var runningMean: StateBuffer!, runningVar: StateBuffer!, batchesTracked: StateBuffer!

    var channels = 0, plane = 0
    var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// Per channel: mean and 1/σ used by the last forward, then its scale γ/σ and shift β − μγ/σ.
    var mean: UnsafeMutablePointer<Float>!, invStd: UnsafeMutablePointer<Float>!
    var scale: UnsafeMutablePointer<Float>!, shift: UnsafeMutablePointer<Float>!
    /// Per channel, for the training backward: mean of dy and mean of dy·x̂.
    var meanDy: UnsafeMutablePointer<Float>!, meanDyXhat: UnsafeMutablePointer<Float>!
    /// Per reduction group: the two sums of `groupSums` per channel [maxGroups, 2, C].
    var partial: UnsafeMutablePointer<Double>!
    /// The batch of the coming forward and backward (recorded serially by `prepare`).
    var batch = 0
    var usedBatchStatistics = false
    var fusesReLU = false
    var fusedPool: (output: UnsafeMutablePointer<Float>, outputGrad: UnsafePointer<Float>)?
    /// [C, H, W] inputs: the plane's size (for a fused pooling).
    var height = 0, width = 0
    /// Per thread, with a fused ReLU: dL/d(normalized output) of one sample [C, plane] — the fused
    /// pooling's gradient and the ReLU's mask (recomputed from x) applied. Both backward passes
    /// rebuild it in cache instead of storing it for the batch; with a fused pooling the ReLU's
    /// output is not stored either (its forward goes through one plane of per-thread scratch).
    var rowGrad: [UnsafeMutablePointer<Float>] = [], rowOut: [UnsafeMutablePointer<Float>] = []
    /// Set by `Network` when the convolution producing x has it as its only reader: the convolution
    /// then writes each sample's per-channel Σx into `planeSums` as it writes x (the forward's first
    /// pass over x is gone), backward stops after the parameter gradients, and the convolution asks
    /// for dL/dx sample by sample (`writeInputGradient`) while building its own gradient planes —
    /// the [n, C, plane] dx buffer is never written or read.
    var readsConvolution = false
    private(set) var planeSums: UnsafeMutablePointer<Float>?

    /// The definition the layer was built from (`batchnorm1d` or `batchnorm2d`).
    public let definition: any LayerDefinition

    init(definition: any BatchNormLayerDefinition) {
        self.definition = definition
        let (momentum, eps) = (definition.momentum, definition.eps)
        self.momentum = Float(momentum)
        self.eps = Float(eps)
    }

    deinit {
        for p in [mean, invStd, scale, shift, meanDy, meanDyXhat] { p?.deallocate() }
        partial?.deallocate()
        planeSums?.deallocate()
        for p in rowGrad + rowOut { p.deallocate() }
    }

    func canFuseReLU(inputShapes: [[Int]]) -> Bool { true }

    func canFusePool(inputShapes: [[Int]]) -> Bool {
        fusesReLU && inputShapes.count == 1 && inputShapes[0].count == 3 && inputShapes[0][1] >= 2
            && inputShapes[0][2] >= 2
    }

    public func bind(_ b: LayerBinding) {
        let shape = b.inputShapes[0]
        channels = shape[0]
        plane = shape.dropFirst().reduce(1, *)
        weight = Parameter(name: "\(b.name).weight", shape: [channels])
        bias = Parameter(name: "\(b.name).bias", shape: [channels])
        runningMean = StateBuffer(name: "\(b.name).running_mean", shape: [channels])
        runningVar = StateBuffer(name: "\(b.name).running_var", shape: [channels])
        batchesTracked = StateBuffer(name: "\(b.name).num_batches_tracked", shape: [], dtype: .int64)
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        mean = .allocate(capacity: channels); invStd = .allocate(capacity: channels)
        scale = .allocate(capacity: channels); shift = .allocate(capacity: channels)
        meanDy = .allocate(capacity: channels); meanDyXhat = .allocate(capacity: channels)
        partial = .allocate(capacity: b.maxGroups * 2 * channels)
        if readsConvolution { planeSums = .zeroed(b.maxBatch * channels) }
        if shape.count == 3 { (height, width) = (shape[1], shape[2]) }
        if fusesReLU { rowGrad = (0..<b.threads).map { _ in .zeroed(channels * plane) } }
        if fusedPool != nil { rowOut = (0..<b.threads).map { _ in .zeroed(plane) } }
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var stateBuffers: [StateBuffer] { [runningMean, runningVar, batchesTracked] }

    public func initialize(random: inout Random) {
        weight.value.data.update(repeating: 1, count: channels)
        bias.value.zero()
        runningMean.value.zero()
        runningVar.value.data.update(repeating: 1, count: channels)
        batchesTracked.value.zero()
    }

    /// Records the pass (serially, before the forward); in evaluation, the scale and shift from the
    /// running estimates.
    public func prepare(_ pass: Pass) {
        usedBatchStatistics = pass.training
        batch = pass.batch
        if pass.training {
            batchesTracked.value.data[0] += 1
            return
        }
        let rm = runningMean.value.data, rv = runningVar.value.data
        for c in 0..<channels {
            mean[c] = rm[c]
            invStd[c] = 1 / (rv[c] + eps).squareRoot()
        }
        scaleAndShift(0..<channels)
    }

    // x, y: [n, C, plane]; y = (x − μ_c)/√(σ²_c + eps) · γ_c + β_c. Batch statistics: per reduction
    // group sums, then per channel their total in group order (the same bits for any thread count).
    public func forward(_ pass: Pass) {
        if pass.training {
            pass.parallel { [self] t, samples in groupSums(samples, planeSums == nil ? .sum : .providedSums, t) }
            pass.parallel(count: channels) { [self] _, range in
                let count = Double(batch * plane)
                for c in range { mean[c] = Float(total(0, c) / count) }
            }
            pass.parallel { [self] t, samples in groupSums(samples, .squaredDeviations, t) }
            pass.parallel(count: channels) { [self] _, range in batchStatistics(range) }
        }
        pass.parallel { [self] t, samples in
            for s in samples {
                if plane == 1 {  // [n, C]: a row per sample, vectorized over the channels
                    normalizeFeatures(x + s * channels, y + s * channels)
                    continue
                }
                for c in 0..<channels {
                    let offset = (s * channels + c) * plane
                    // With a fused pooling, the ReLU's output only feeds it: one plane of scratch.
                    let dst = fusedPool == nil ? y + offset : rowOut[t]
                    normalizeRow(x + offset, dst, scale[c], shift[c], plane, relu: fusesReLU)
                    if let pool = fusedPool {
                        let (ph, pw) = (height / 2, width / 2)
                        avgPool2x2Forward(dst, pool.output + (s * channels + c) * ph * pw, width: width,
                                          outHeight: ph, outWidth: pw)
                    }
                }
            }
        }
    }

    /// 1/σ, running estimates, scale and shift of channels `range` from the batch's squared deviations.
    func batchStatistics(_ range: Range<Int>) {
        let count = Double(batch * plane)
        let rm = runningMean.value.data, rv = runningVar.value.data
        for c in range {
            let variance = total(0, c) / count
            invStd[c] = Float(1 / (variance + Double(eps)).squareRoot())
            let unbiased = count > 1 ? variance * count / (count - 1) : variance
            rm[c] = (1 - momentum) * rm[c] + momentum * mean[c]
            rv[c] = (1 - momentum) * rv[c] + momentum * Float(unbiased)
        }
        scaleAndShift(range)
    }

    /// scale = γ/σ, shift = β − μ·γ/σ per channel.
    func scaleAndShift(_ range: Range<Int>) {
        let gamma = weight.value.data, beta = bias.value.data
        for c in range {
            scale[c] = gamma[c] * invStd[c]
            shift[c] = beta[c] - mean[c] * scale[c]
        }
    }

    // dy: [n, C, plane]; dβ += Σdy; dγ += Σdy·x̂; training: dx = γ/σ · (dy − Σdy/N − x̂·Σ(dy·x̂)/N),
    // after an eval forward: dx = γ/σ · dy.
    public func backward(_ pass: Pass) {
        pass.parallel { [self] t, samples in groupSums(samples, .gradient, t) }
        pass.parallel(count: channels) { [self] _, range in
            let dGamma = weight.grad.data, dBeta = bias.grad.data
            let count = Float(batch * plane)
            for c in range {
                let sumDy = Float(total(0, c)), sumDyXhat = Float(total(1, c)) * invStd[c]
                dBeta[c] += sumDy
                dGamma[c] += sumDyXhat
                meanDy[c] = sumDy / count
                meanDyXhat[c] = sumDyXhat / count
            }
        }
        guard dx != nil, !readsConvolution else { return }
        pass.parallel { [self] t, samples in
            guard let dx else { return }
            let batchStats = usedBatchStatistics
            for s in samples {
                if plane == 1 {
                    let grad = featureGradient(s, t), src = x + s * channels, dst = dx + s * channels
                    if batchStats {
                        for c in 0..<channels {
                            dst[c] = scale[c] * (grad[c] - meanDy[c] - (src[c] - mean[c]) * invStd[c] * meanDyXhat[c])
                        }
                    } else {
                        for c in 0..<channels { dst[c] = scale[c] * grad[c] }
                    }
                    continue
                }
                for c in 0..<channels {
                    inputGradientRows(s, c, t, into: dx + (s * channels + c) * plane, rows: 1, cols: plane, rowStride: plane)
                }
            }
        }
    }
}

/// dst[p] = src[p]·a + b for p in 0..<n, then max(·, 0) when `relu` (as `reluForward`, NaN kept).
/// Vectorized; the last vector overlaps the previous one (dst must not overlap src).
@inline(__always)
func normalizeRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ a: Float, _ b: Float,
                          _ n: Int, relu: Bool) {
    if n < 8 {
        for p in 0..<n { let v = src[p] * a + b; dst[p] = relu && 0 >= v ? 0 : v }
        return
    }
    let av = splat8(a), bv = splat8(b)
    @inline(__always) func lanes(_ i: Int) {
        let v = load8(src + i) * av + bv
        store8(dst + i, relu ? SIMDMemory.relu(v) : v)
    }
    var i = 0
    while i + 8 <= n { lanes(i); i += 8 }
    if i < n { lanes(n - 8) }
}

/// out[p] = x[p]·a + b > 0 ? incoming[p] : 0 for p in 0..<n: a fused ReLU's mask from the values it
/// saw, recomputed. `out` may be `incoming` (the masking is idempotent, so the overlapping last
/// vector is harmless), but must not overlap x.
@inline(__always)
func maskRow(_ x: UnsafePointer<Float>, _ a: Float, _ b: Float, _ incoming: UnsafePointer<Float>,
                     _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    if n < 8 {
        for p in 0..<n { out[p] = x[p] * a + b > 0 ? incoming[p] : 0 }
        return
    }
    let av = splat8(a), bv = splat8(b)
    @inline(__always) func lanes(_ i: Int) {
        let v = load8(x + i) * av + bv
        store8(out + i, load8(incoming + i).replacing(with: 0, where: .!(v .> SIMD8<Float>())))
    }
    var i = 0
    while i + 8 <= n { lanes(i); i += 8 }
    if i < n { lanes(n - 8) }
}

/// A layer that alone reads a direct-path convolution and works across the boundary with it, so
/// that the batch-sized tensor between them is read once less and its gradient never materialized
/// (`Network` wires a convolution to the batch norm that alone reads it).
protocol ConvolutionReader: AnyObject {
    /// Where the convolution writes Σ of each of its output planes, [sample][channel] — the same
    /// `sumFloats` the reader would take — as it writes them (nil: not wanted).
    var planeSums: UnsafeMutablePointer<Float>? { get }
    /// Sample s's dL/d(input) [C, H, W]: channel c's row r at dst + c·channelStride + r·rowStride,
    /// using thread t's scratch. Valid once the source's `backward` has run.
    func writeInputGradient(_ s: Int, _ t: Int, into dst: UnsafeMutablePointer<Float>, channelStride: Int,
                            rowStride: Int)
}
