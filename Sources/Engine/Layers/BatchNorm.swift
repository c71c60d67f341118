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

    private var channels = 0, plane = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// Per channel: mean and 1/σ used by the last forward, then its scale γ/σ and shift β − μγ/σ.
    private var mean: UnsafeMutablePointer<Float>!, invStd: UnsafeMutablePointer<Float>!
    private var scale: UnsafeMutablePointer<Float>!, shift: UnsafeMutablePointer<Float>!
    /// Per channel, for the training backward: mean of dy and mean of dy·x̂.
    private var meanDy: UnsafeMutablePointer<Float>!, meanDyXhat: UnsafeMutablePointer<Float>!
    /// Per reduction group: the two sums of `groupSums` per channel [maxGroups, 2, C].
    private var partial: UnsafeMutablePointer<Double>!
    /// The batch of the coming forward and backward (recorded serially by `prepare`).
    private var batch = 0
    private var usedBatchStatistics = false
    var fusesReLU = false
    var fusedPool: (output: UnsafeMutablePointer<Float>, outputGrad: UnsafePointer<Float>)?
    /// [C, H, W] inputs: the plane's size (for a fused pooling).
    private var height = 0, width = 0
    /// Per thread, with a fused ReLU: dL/d(normalized output) of one sample [C, plane] — the fused
    /// pooling's gradient and the ReLU's mask (recomputed from x) applied. Both backward passes
    /// rebuild it in cache instead of storing it for the batch; with a fused pooling the ReLU's
    /// output is not stored either (its forward goes through one plane of per-thread scratch).
    private var rowGrad: [UnsafeMutablePointer<Float>] = [], rowOut: [UnsafeMutablePointer<Float>] = []
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
    private func batchStatistics(_ range: Range<Int>) {
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
    private func scaleAndShift(_ range: Range<Int>) {
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

    /// dL/dx of channel c of sample s (after `backward`'s sums) as `rows` rows of `cols` values,
    /// written `rowStride` apart: γ/σ · (g − mean(g) − x̂·mean(g·x̂)) with batch statistics, γ/σ · g
    /// after an evaluation forward (g from `rowGradient`, in thread t's scratch).
    @inline(__always)
    private func inputGradientRows(_ s: Int, _ c: Int, _ t: Int, into dst: UnsafeMutablePointer<Float>,
                                   rows: Int, cols: Int, rowStride: Int) {
        let offset = (s * channels + c) * plane
        let a = scale[c], m = mean[c], inv = invStd[c], mdy = meanDy[c], mdx = meanDyXhat[c]
        let batchStats = usedBatchStatistics
        if batchStats, fusesReLU, let pool = fusedPool, rows % 2 == 0, cols % 2 == 0, cols >= 8 {
            return pooledInputGradientRows(pool.outputGrad + (s * channels + c) * plane / 4, x + offset, c,
                                           into: dst, rows: rows, cols: cols, rowStride: rowStride)
        }
        let src = x + offset, grad = rowGradient(s, c, t)
        for r in 0..<rows {
            let g = grad + r * cols, xr = src + r * cols, d = dst + r * rowStride
            if cols < 8 {
                if batchStats {
                    for p in 0..<cols { d[p] = a * (g[p] - mdy - (xr[p] - m) * inv * mdx) }
                } else {
                    for p in 0..<cols { d[p] = a * g[p] }
                }
                continue
            }
            // 8 lanes of the same expression (each lane its scalar operations); the last block
            // overlaps the one before when cols is not a multiple of 8 (same values rewritten).
            let av = splat8(a), mdyv = splat8(mdy), mv = splat8(m), invv = splat8(inv), mdxv = splat8(mdx)
            let last = cols - 8
            if batchStats {
                var p = 0
                while true {
                    let q = min(p, last)
                    let centered = (load8(xr + q) - mv) * invv
                    store8(d + q, av * ((load8(g + q) - mdyv) - centered * mdxv))
                    if q == last { break }
                    p += 8
                }
            } else {
                var p = 0
                while true {
                    let q = min(p, last)
                    store8(d + q, av * load8(g + q))
                    if q == last { break }
                    p += 8
                }
            }
        }
    }

    /// `inputGradientRows` with batch statistics after a fused ReLU and 2×2 pooling (even sizes), in
    /// one pass: `pooledRowGradient`'s g, then the input-gradient expression — per lane the same
    /// operations as the separate passes, without their scratch row.
    @inline(__always)
    private func pooledInputGradientRows(_ pooled: UnsafePointer<Float>, _ src: UnsafePointer<Float>, _ c: Int,
                                         into dst: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                         rowStride: Int) {
        let av = splat8(scale[c]), mv = splat8(mean[c]), invv = splat8(invStd[c])
        let mdyv = splat8(meanDy[c]), mdxv = splat8(meanDyXhat[c])
        forEachPooledBlock(pooled, src, c, rows: rows, cols: cols) { r, q, xv, g in
            let centered = (xv - mv) * invv
            store8(dst + r * rowStride + q, av * ((g - mdyv) - centered * mdxv))
        }
    }

    /// `rowGradient` after a fused ReLU and 2×2 pooling (even sizes) in one pass instead of
    /// `avgPool2x2Backward` then `maskRow`: the same values, into `row` [height·width].
    @inline(__always)
    private func pooledRowGradient(_ pooled: UnsafePointer<Float>, _ src: UnsafePointer<Float>, _ c: Int,
                                   into row: UnsafeMutablePointer<Float>) {
        forEachPooledBlock(pooled, src, c, rows: height, cols: width) { r, q, _, g in store8(row + r * width + q, g) }
    }

    /// For 8-cell blocks q of each row r of channel c's plane (the last block overlapping the one
    /// before when cols is not a multiple of 8): x there and g = dL/d(normalized output) — the
    /// window's pooled gradient · 0.25 (`avgPool2x2Backward`), 0 where x·scale + shift is not
    /// positive (`maskRow`). Rows and cols even, cols ≥ 8.
    @inline(__always)
    private func forEachPooledBlock(_ pooled: UnsafePointer<Float>, _ src: UnsafePointer<Float>, _ c: Int, rows: Int,
                                    cols: Int, _ body: (_ r: Int, _ q: Int, _ x: SIMD8<Float>, _ g: SIMD8<Float>) -> Void) {
        let av = splat8(scale[c]), bv = splat8(shift[c]), quarter = splat8(0.25)
        let pw = cols / 2, last = cols - 8
        for r in 0..<rows {
            let pr = pooled + (r / 2) * pw, xr = src + r * cols
            var p = 0
            while true {
                let q = min(p, last), h = q / 2  // q is even: cells q…q+7 are windows h…h+3
                let incoming = SIMD8<Float>(pr[h], pr[h], pr[h + 1], pr[h + 1], pr[h + 2], pr[h + 2],
                                            pr[h + 3], pr[h + 3]) * quarter
                let xv = load8(xr + q)
                body(r, q, xv, incoming.replacing(with: 0, where: .!(xv * av + bv .> SIMD8<Float>())))
                if q == last { break }
                p += 8
            }
        }
    }

    /// `ConvolutionReader`: sample s's dL/dx, channel c's row r at dst + c·channelStride + r·rowStride.
    func writeInputGradient(_ s: Int, _ t: Int, into dst: UnsafeMutablePointer<Float>, channelStride: Int,
                            rowStride: Int) {
        for c in 0..<channels {
            inputGradientRows(s, c, t, into: dst + c * channelStride, rows: height, cols: width, rowStride: rowStride)
        }
    }

    /// dL/d(normalized output) of channel `c` of sample `s`: dy itself, or with a fused ReLU dy
    /// masked where the forward's normalized value (recomputed from x) was not positive — after a
    /// fused pooling, the pooling's gradient masked — built in thread t's scratch.
    @inline(__always)
    private func rowGradient(_ s: Int, _ c: Int, _ t: Int) -> UnsafePointer<Float> {
        let offset = (s * channels + c) * plane
        guard fusesReLU else { return dy + offset }
        let row = rowGrad[t] + c * plane
        var incoming = dy + offset
        if let pool = fusedPool, height % 2 == 0, width % 2 == 0, width >= 8 {
            pooledRowGradient(pool.outputGrad + offset / 4, x + offset, c, into: row)
            return UnsafePointer(row)
        }
        if let pool = fusedPool {
            let (ph, pw) = (height / 2, width / 2)
            avgPool2x2Backward(pool.outputGrad + (s * channels + c) * ph * pw, row, height: height, width: width,
                               outHeight: ph, outWidth: pw)
            incoming = UnsafePointer(row)
        }
        maskRow(x + offset, scale[c], shift[c], incoming, row, plane)
        return UnsafePointer(row)
    }

    /// `rowGradient` of every channel of sample `s`: [C][plane] rows (dy's, or thread t's scratch).
    @inline(__always)
    private func gradientRows(_ s: Int, _ t: Int) -> UnsafePointer<Float> {
        let first = rowGradient(s, 0, t)  // rows `plane` apart either way
        for c in 1..<max(1, channels) { _ = rowGradient(s, c, t) }
        return first
    }

    /// `rowGradient` for one-position planes: sample `s`'s [C] row.
    @inline(__always)
    private func featureGradient(_ s: Int, _ t: Int) -> UnsafePointer<Float> {
        let incoming = dy + s * channels
        guard fusesReLU else { return incoming }
        let src = x + s * channels, row = rowGrad[t]
        for c in 0..<channels { row[c] = src[c] * scale[c] + shift[c] > 0 ? incoming[c] : 0 }
        return UnsafePointer(row)
    }

    /// y = x·scale + shift over one sample's [C] row (then max(·, 0) with a fused ReLU).
    @inline(__always)
    private func normalizeFeatures(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        for c in 0..<channels { dst[c] = src[c] * scale[c] + shift[c] }
        if fusesReLU { reluForward(dst, dst, channels) }
    }

    private enum Sums { case sum, providedSums, squaredDeviations, gradient }

    /// For each reduction group among `samples`, per channel c: `.sum` Σx (`.providedSums`: the
    /// same per-sample Σx, taken by the convolution into `planeSums`); `.squaredDeviations`
    /// Σ(x − μ)²; `.gradient` Σg and Σg·(x − μ), g = dL/d(normalized output) (`rowGradient`, built in
    /// thread t's scratch) — into the group's partials [0|1][c]. Rows are reduced in Float (8 lanes),
    /// rows accumulated in Double.
    @inline(__always)
    private func groupSums(_ samples: Range<Int>, _ kind: Sums, _ t: Int) {
        let (channels, plane, x, mean) = (channels, plane, x!, mean!)
        forEachReductionGroup(samples) { group, members in
            let first = partial + group * 2 * channels, second = first + channels
            first.update(repeating: 0, count: 2 * channels)
            for s in members {
                let base = s * channels * plane
                if plane == 1 {  // the per-row reductions below, for one-value rows, over the channels
                    let row = x + base
                    switch kind {
                    case .sum, .providedSums: for c in 0..<channels { first[c] += Double(row[c]) }
                    case .squaredDeviations:
                        for c in 0..<channels { let d = row[c] - mean[c]; first[c] += Double(d * d) }
                    case .gradient:
                        let grad = featureGradient(s, t)
                        for c in 0..<channels {
                            first[c] += Double(grad[c])
                            second[c] += Double(grad[c] * (row[c] - mean[c]))
                        }
                    }
                    continue
                }
                let row = { (c: Int) in UnsafePointer(x + base + c * plane) }
                switch kind {
                case .sum:
                    sumFloatsRows(channels, plane, row) { c, v in first[c] += Double(v) }
                case .providedSums:
                    let sums = planeSums! + s * channels
                    for c in 0..<channels { first[c] += Double(sums[c]) }
                case .squaredDeviations:
                    sumSquaredDeviationsRows(channels, plane, row, { mean[$0] }) { c, v in first[c] += Double(v) }
                case .gradient:
                    let grads = gradientRows(s, t)
                    sumAndCenteredDotRows(channels, plane, { grads + $0 * plane }, row, { mean[$0] }) { c, a, b in
                        first[c] += Double(a)
                        second[c] += Double(b)
                    }
                }
            }
        }
    }

    /// Σ over the batch's reduction groups, in group order, of partial sum `which` (0 or 1) of channel c.
    @inline(__always)
    private func total(_ which: Int, _ c: Int) -> Double {
        var sum = 0.0
        for g in 0..<reductionGroups(batch: batch) { sum += partial[(g * 2 + which) * channels + c] }
        return sum
    }
}

/// dst[p] = src[p]·a + b for p in 0..<n, then max(·, 0) when `relu` (as `reluForward`, NaN kept).
/// Vectorized; the last vector overlaps the previous one (dst must not overlap src).
@inline(__always)
private func normalizeRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ a: Float, _ b: Float,
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
private func maskRow(_ x: UnsafePointer<Float>, _ a: Float, _ b: Float, _ incoming: UnsafePointer<Float>,
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
