import Spec
import EngineAVX512

/// 2-D convolution with square kernels, PyTorch `nn.Conv2d` semantics and layout:
/// weight `[out, in, k, k]`, optional bias `[out]`.
///
/// Three execution paths, chosen at `bind` from the geometry:
/// - `linear`: the kernel covers the whole unpadded input (LeNet's conv3), so the layer is a fully
///   connected one over `[n, C·H·W]` (`DenseOperator`, shared with `Linear`).
/// - `direct`: stride 1, the full-width shifted multiply-add kernels of `Kernels/DirectConv.swift`
///   (no BLAS), sample by sample on per-thread zero-padded scratch planes. On AVX-512 machines,
///   when the full-width grid would be ≥ 1.25× as wide as the output (LeNet's conv2: 14 for 10),
///   the forward and the input gradient run instead on a reduction group at a time in the lane
///   layout (`EngineAVX512/LaneConv512.swift`: the group's 16 samples in the 16 vector lanes, no
///   wasted products, a fused ReLU + pooling without shuffles), bit-identically; the weight and
///   bias gradients keep the full-width kernels (their summation order is the results').
/// - `im2col` (lowered): stride > 1; each reduction group of samples (`reductionGroup`) is lowered
///   chunk by chunk into `[in·k·k, n·OH·OW]` matrices for the register-blocked GEMM (`gemmNN`, not
///   OpenBLAS). (Lowering the stride-1 3×3 convolutions too measured slower than the direct path
///   at 28×28 and 14×14 — the im2col and col2im traffic — and even at 7×7.)
///
/// The direct and linear paths can apply the ReLU that follows (`ReLUFusing`), and the direct path
/// also a 2×2 average pooling after it (`PoolFusing`), in the same per-sample loop; `Network`
/// decides, and the fused graph computes the same bits as the unfused one.
public final class Conv2D: Layer, PoolFusing {
    public let outChannels: Int, kernel: Int, stride: Int, padding: Int, hasBias: Bool
    public var weightInit: WeightInit
    /// Whether the definition says `padding: same` (the padding is then `(kernel − 1) / 2`).
    public var samePadding = false
    public var definition: any LayerDefinition {
        var layer = Conv2DLayer(outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, bias: hasBias)
        layer.samePadding = samePadding
        return layer
    }

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter?
    private var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// Per thread. im2col: columns [patch, chunk·P] and a GEMM result / gradient panel [out, chunk·P].
    /// direct: columns = gradient planes [out][gradientStride], panels = dx planes [C][inputGradStride].
    private var columns: [UnsafeMutablePointer<Float>] = [], panels: [UnsafeMutablePointer<Float>] = []
    /// im2col, per thread: the panel transposed [chunk·P, out], then dWᵀ [patch, out].
    private var transposed: [UnsafeMutablePointer<Float>] = []
    /// im2col: samples lowered at once (a reduction group is lowered chunk by chunk, so the column
    /// matrix stays a few MB): enough for about `chunkColumns` output positions.
    private var chunkSamples = 1
    private static let chunkColumns = 2048
    /// Per reduction group partial gradients (the linear path's dense operator keeps its own).
    private var weightGrad: GroupPartials?, biasGrad: GroupPartials?
    private enum Mode { case linear, direct, im2col }
    private var mode = Mode.im2col
    /// Direct path geometry and per-thread scratch (see `DirectConvPlan`).
    private var plan = DirectConvPlan(g: ConvGeometry(channels: 1, height: 1, width: 1, kernel: 1, stride: 1,
                                                      padding: 0), outChannels: 1)
    /// direct: padded input planes [C][paddedStride], full-width outputs [out][wideStride], and
    /// weight-gradient lanes [out·C·k·k] × SIMD8.
    private var padded: [UnsafeMutablePointer<Float>] = [], wide: [UnsafeMutablePointer<Float>] = []
    private var lanes: [UnsafeMutablePointer<SIMD8<Float>>] = []
    /// direct: the weights flipped and transposed to [C][out][k][k] for dx, refreshed by `prepare`.
    private var flipped: UnsafeMutablePointer<Float>?
    /// linear: the shared fully connected computation over `[n, C·H·W]`.
    private var dense: DenseOperator?
    var fusesReLU = false
    /// A 2×2, stride-2 average pooling after the fused ReLU, run per sample by the direct path
    /// while the sample's output is still in cache: its output and output gradient buffers.
    var fusedPool: (output: UnsafeMutablePointer<Float>, outputGrad: UnsafePointer<Float>)?
    /// The batch norm that alone reads this (direct-path) convolution's output: forward hands it
    /// each sample's plane sums, and it writes dL/dy into the gradient planes sample by sample
    /// (set by `Network`; dy is then never read).
    var reader: ConvolutionReader?
    /// With a fused pooling the ReLU's output is not stored (nothing else reads it), only where it
    /// is positive, for backward: [n, out, OH, OW] bytes, −1 or 0 (a quarter of the floats' traffic).
    private var reluMask: UnsafeMutablePointer<Int8>?
    /// direct, on AVX-512 machines, when the full-width grid is at least 1.25× as wide as the output
    /// (LeNet's conv2: 14 for 10): per-thread planes of the lane layout (`LaneConv512.swift`), which
    /// computes the forward and the input gradient without the grid's waste, bit-identically. Used
    /// by networks built with the AVX-512 family (the ReLU mask's layout follows the path).
    private var laneScratch: [LaneScratch]?
    /// The network's kernel family, from the binding.
    private var kernels = KernelFamily.avx2

    public init(outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                weightInit: WeightInit = .pytorch) {
        precondition(outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0)
        self.outChannels = outChannels; self.kernel = kernel; self.stride = stride
        self.padding = padding; self.hasBias = bias; self.weightInit = weightInit
    }

    deinit {
        for p in columns + panels + transposed + padded + wide { p.deallocate() }
        reluMask?.deallocate()
        for p in lanes { p.deallocate() }
        flipped?.deallocate()
        for scratch in laneScratch ?? [] { scratch.deallocate() }
    }

    /// The direct and linear paths apply a following ReLU in their output copy and their dy copy.
    func canFuseReLU(inputShapes: [[Int]]) -> Bool { mode(inputShapes: inputShapes).map { $0 != .im2col } ?? false }

    /// Whether a `reader` can be wired: the direct path without a fused ReLU.
    func canTakeReader(inputShapes: [[Int]]) -> Bool { !fusesReLU && mode(inputShapes: inputShapes) == .direct }

    /// The direct path with a fused ReLU can also run the 2×2 average pooling that follows.
    func canFusePool(inputShapes: [[Int]]) -> Bool { fusesReLU && mode(inputShapes: inputShapes) == .direct }

    /// The path these inputs would take (nil unless one [C, H, W] input).
    private func mode(inputShapes: [[Int]]) -> Mode? {
        guard inputShapes.count == 1, inputShapes[0].count == 3 else { return nil }
        let s = inputShapes[0]
        return Self.mode(ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: kernel, stride: stride,
                                      padding: padding))
    }

    private static func mode(_ g: ConvGeometry) -> Mode {
        if g.padding == 0 && g.kernel == g.height && g.kernel == g.width { return .linear }
        return g.stride == 1 ? .direct : .im2col
    }

    public func bind(_ b: LayerBinding) {
        kernels = b.kernels
        let s = b.inputShapes[0]
        g = ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: kernel, stride: stride, padding: padding)
        weight = Parameter(name: "\(b.name).weight", shape: [outChannels, g.channels, kernel, kernel])
        bias = hasBias ? Parameter(name: "\(b.name).bias", shape: [outChannels]) : nil
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        mode = Self.mode(g)
        precondition(!fusesReLU || mode != .im2col, "conv2d fuses a ReLU only on its direct and linear paths")
        switch mode {
        case .linear:
            dense = DenseOperator(inFeatures: g.patch, weight: weight, bias: bias, fusesReLU: fusesReLU, binding: b)
            return  // the dense operator keeps its own gradient partials
        case .direct:
            plan = DirectConvPlan(g: g, outChannels: outChannels)
            let threads = 0..<b.threads
            padded = threads.map { _ in .zeroed(plan.paddedCount) }
            wide = threads.map { _ in .zeroed(plan.wideCount) }
            columns = threads.map { _ in .zeroed(plan.gradientCount) }
            panels = threads.map { _ in .zeroed(plan.inputGradCount) }
            lanes = threads.map { _ in .allocate(capacity: max(1, weight.value.count)) }
            flipped = .zeroed(weight.value.count)
            if b.kernels == .avx512 && 4 * plan.width >= 5 * g.outWidth {
                laneScratch = threads.map { _ in LaneScratch(plan, outChannels: outChannels) }
            }
            if fusedPool != nil {
                // [n, out, OH, OW] bytes, or on the lane path [group][out][OH][OW][16]
                let count = b.maxGroups * reductionGroup * outChannels * g.outPlane
                reluMask = .allocate(capacity: count)
                reluMask!.initialize(repeating: 0, count: count)
            }
        case .im2col:
            chunkSamples = max(1, min(reductionGroup, b.maxBatch, (Self.chunkColumns + g.outPlane - 1) / g.outPlane))
            let width = chunkSamples * g.outPlane
            columns = (0..<b.threads).map { _ in .allocate(capacity: max(1, g.patch * width)) }
            panels = (0..<b.threads).map { _ in .allocate(capacity: max(1, outChannels * width)) }
            transposed = (0..<b.threads).map { _ in .allocate(capacity: max(1, outChannels * (width + g.patch))) }
        }
        weightGrad = GroupPartials(weight, maxGroups: b.maxGroups)
        biasGrad = bias.map { GroupPartials($0, maxGroups: b.maxGroups) }
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func initialize(random: inout Random) {
        weightInit.fill(weight: weight.value, bias: bias?.value, fanIn: g.patch,
                        fanOut: outChannels * kernel * kernel, random: &random)
    }

    /// Refreshes the rearranged weights: Wᵀ for the linear path; for the direct path's dx, W flipped
    /// and transposed (also after an evaluation forward: `backward` is valid after either) — unless
    /// the lane path computes dx, straight from W.
    public func prepare(_ pass: Pass) {
        if let dense { return dense.prepare(pass) }
        guard let flipped, dx != nil, laneScratch == nil else { return }
        let w = weight.value.data
        let (co, ci, taps) = (outChannels, g.channels, kernel * kernel)
        for o in 0..<co { for c in 0..<ci { for t in 0..<taps {
            flipped[(c * co + o) * taps + t] = w[(o * ci + c) * taps + (taps - 1 - t)]
        } } }
    }

    public func forward(_ pass: Pass) {
        switch mode {
        case .linear: dense?.forward(pass)
        case .direct: directForward(pass)
        case .im2col: im2colForward(pass)
        }
    }

    public func backward(_ pass: Pass) {
        switch mode {
        case .linear: dense?.backward(pass); return  // reduces its own gradient partials
        case .direct: directBackward(pass)
        case .im2col: im2colBackward(pass)
        }
        weightGrad?.reduce(pass)
        biasGrad?.reduce(pass)
    }

    /// Calls `body(chunk, first)` for consecutive chunks of at most `chunkSamples` of a reduction
    /// group's members (the same chunks whichever thread owns the group), `first` for the first one.
    @inline(__always)
    private func forEachChunk(_ members: Range<Int>, _ body: (_ chunk: Range<Int>, _ first: Bool) -> Void) {
        var start = members.lowerBound
        while start < members.upperBound {
            let end = min(members.upperBound, start + chunkSamples)
            body(start..<end, start == members.lowerBound)
            start = end
        }
    }

    // x: [n, C, H, W] → y: [n, out, OH, OW]; per chunk of a reduction group (so the GEMM shapes do
    // not depend on the thread count): col [patch, n·P] = im2col(x), panel [out, n·P] = W [out, patch] · col,
    // y[s, o, p] = panel[o, s·P + p] + b[o].
    private func im2colForward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            forEachReductionGroup(samples) { _, members in
                forEachChunk(members) { chunk, _ in
                    let plane = g.outPlane, ld = chunk.count * plane, col = columns[t], panel = panels[t]
                    for s in chunk { im2col(g, x: x + s * g.inputCount, col: col, ld: ld, column: (s - chunk.lowerBound) * plane) }
                    gemmNN(m: outChannels, n: ld, k: g.patch, a: weight.value.data, rowStride: g.patch, colStride: 1,
                           b: col, ldb: ld, c: panel, ldc: ld, accumulate: false, kernels: kernels)
                    let biasValues = bias?.value.data
                    for s in chunk {
                        for o in 0..<outChannels {
                            let src: UnsafePointer<Float> = UnsafePointer(panel + (o * ld + (s - chunk.lowerBound) * plane))
                            let dst: UnsafeMutablePointer<Float> = y + (s * outChannels + o) * plane
                            if let biasValues { addScalar(dst, src, biasValues[o], plane) } else { copyFloats(dst, src, plane) }
                        }
                    }
                }
            }
        }
    }

    // dy: [n, out, OH, OW]; per chunk of a reduction group: panel [out, n·P] = dy regrouped and its
    // transpose; dWᵀ [patch, out] (+)= col · panelᵀ, db[o] (+)= Σ panel[o, :] (the group's partials,
    // chunk after chunk); dcol [patch, n·P] = Wᵀ · panel; dx = col2im(dcol).
    private func im2colBackward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            forEachReductionGroup(samples) { group, members in
                let dwT = transposed[t] + outChannels * chunkSamples * g.outPlane
                forEachChunk(members) { chunk, first in
                    let plane = g.outPlane, ld = chunk.count * plane, col = columns[t], panel = panels[t]
                    for s in chunk {
                        im2col(g, x: x + s * g.inputCount, col: col, ld: ld, column: (s - chunk.lowerBound) * plane)
                        for o in 0..<outChannels {
                            let src: UnsafePointer<Float> = dy + (s * outChannels + o) * plane
                            copyFloats(panel + (o * ld + (s - chunk.lowerBound) * plane), src, plane)
                        }
                    }
                    // The register-blocked GEMM wants B row-major: dWᵀ = col · (panelᵀ), transposed at the end.
                    let dyT = transposed[t]
                    transpose(panel, rows: outChannels, cols: ld, rowRange: 0..<outChannels, into: dyT)
                    gemmNN(m: g.patch, n: outChannels, k: ld, a: col, rowStride: ld, colStride: 1, b: dyT,
                           ldb: outChannels, c: dwT, ldc: outChannels, accumulate: !first, kernels: kernels)
                    if let biasGrad {
                        let db = biasGrad.target(group)
                        for o in 0..<outChannels {
                            let row = panel + o * ld
                            var sum: Float = first ? 0 : db[o]
                            for p in 0..<ld { sum += row[p] }
                            db[o] = sum
                        }
                    }
                    if let dx {
                        gemmNN(m: g.patch, n: ld, k: outChannels, a: weight.value.data, rowStride: 1, colStride: g.patch,
                               b: panel, ldb: ld, c: col, ldc: ld, accumulate: false, kernels: kernels)  // col now holds dcol = Wᵀ · panel
                        for s in chunk {
                            let d = dx + s * g.inputCount
                            d.update(repeating: 0, count: g.inputCount)
                            col2imAdd(g, dcol: col, ld: ld, column: (s - chunk.lowerBound) * plane, dx: d)
                        }
                    }
                }
                transpose(dwT, rows: g.patch, cols: outChannels, rowRange: 0..<g.patch, into: weightGrad!.target(group))
            }
        }
    }
}

// MARK: - Direct stride-1 path

extension Conv2D {
    // x: [n, C, H, W] → y: [n, out, OH, OW]; per sample: padded [C][Hp·Wp (+slack)] = zero-padded x,
    // wide [out][OH·Wp] = b + shifted products, y = wide without its k−1 garbage columns per row.
    private func directForward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            if let lane = laneScratch {
                forEachReductionGroup(samples) { group, members in laneForward(group, members, lane[t], pass.training) }
                return
            }
            let p = plan
            let xp = padded[t], out = wide[t]
            for s in samples where !Cancellation.isRequested {
                p.pad(x + s * g.inputCount, into: xp)
                shiftedConv(src: xp, ci: g.channels, srcStride: p.paddedStride, width: p.width, k: kernel,
                            nonzero: p.inputRows, w: weight.value.data, co: outChannels, bias: bias.map { UnsafePointer($0.value.data) },
                            dst: out, dstStride: p.wideStride, count: p.forwardCount, kernels: kernels)
                finishForward(s, out, planeStride: p.wideStride, rowWidth: p.width, training: pass.training)
            }
        }
    }

    /// The lane-layout forward of one reduction group (`LaneConv512.swift`): the members' inputs
    /// into the lanes of the padded planes, one pass of the kernel, then each member's planes out
    /// of its lane, compact (rows `outWidth` apart), for `finishForward`.
    private func laneForward(_ group: Int, _ members: Range<Int>, _ lane: LaneScratch, _ training: Bool) {
        let (h, w, pad, wp) = (g.height, g.width, g.padding, plan.width)
        let first = x + members.lowerBound * g.inputCount
        if pad == 0 {
            toLanes512(first, sampleStride: g.inputCount, samples: members.count, count: g.inputCount, lane.input, at: 0)
        } else {
            for c in 0..<g.channels {
                for iy in 0..<h {
                    toLanes512(first + (c * h + iy) * w, sampleStride: g.inputCount, samples: members.count, count: w,
                               lane.input, at: (c * (h + 2 * pad) + iy + pad) * wp + pad)
                }
            }
        }
        laneConv512(x: lane.input, ci: g.channels, height: h + 2 * pad, width: wp, k: kernel, w: weight.value.data,
                    co: outChannels, bias: bias.map { UnsafePointer($0.value.data) }, out: lane.output)
        if let pool = fusedPool, let reluMask {  // ReLU, pooling and mask in the lanes; only the pooled planes come out
            let (ph, pw) = (g.outHeight / 2, g.outWidth / 2), pooledCount = outChannels * ph * pw
            let mask = reluMask + group * reductionGroup * outChannels * g.outPlane
            for o in 0..<outChannels {
                laneReluPool2x2Forward512(lane.output + o * g.outPlane * 16, rowWidth: g.outWidth,
                                       lane.pooled + o * ph * pw * 16, outHeight: ph, outWidth: pw,
                                       mask: mask + o * g.outPlane * 16)
            }
            fromLanes512(lane.pooled, at: 0, count: pooledCount, pool.output + members.lowerBound * pooledCount,
                         sampleStride: pooledCount, samples: members.count)
            return
        }
        let count = outChannels * g.outPlane
        if !fusesReLU {  // y is the compact planes themselves: straight out of the lanes
            fromLanes512(lane.output, at: 0, count: count, y + members.lowerBound * count, sampleStride: count,
                         samples: members.count)
            if training { for s in members { writePlaneSums(s) } }
            return
        }
        fromLanes512(lane.output, at: 0, count: count, lane.planes, sampleStride: count, samples: members.count)
        for (l, s) in members.enumerated() {
            finishForward(s, lane.planes + l * count, planeStride: g.outPlane, rowWidth: g.outWidth, training: training)
        }
    }

    /// Sample s's output from its convolution planes (channel o at planes + o·planeStride, rows
    /// `rowWidth` apart): the fused ReLU and pooling with its mask, or y (ReLU'd or copied) and the
    /// reader's plane sums.
    @inline(__always)
    private func finishForward(_ s: Int, _ out: UnsafeMutablePointer<Float>, planeStride: Int, rowWidth: Int,
                               training: Bool) {
        if let pool = fusedPool, let reluMask {  // ReLU and pooling straight from the wide planes
            let (ph, pw) = (g.outHeight / 2, g.outWidth / 2)
            for o in 0..<outChannels {
                let at = s * outChannels + o
                reluPool2x2Forward(out + o * planeStride, width: rowWidth, pool.output + at * ph * pw,
                                   outHeight: ph, outWidth: pw, mask: reluMask + at * g.outPlane,
                                   maskWidth: g.outWidth, kernels: kernels)
            }
            return
        }
        let ys = y + s * outChannels * g.outPlane
        for o in 0..<outChannels {
            let dst = ys + o * g.outPlane, src = out + o * planeStride
            if fusesReLU {
                reluRows(src, srcStride: rowWidth, dst, dstStride: g.outWidth, rows: g.outHeight, cols: g.outWidth)
            } else {
                for oy in 0..<g.outHeight { copyFloats(dst + oy * g.outWidth, src + oy * rowWidth, g.outWidth) }
            }
        }
        if training { writePlaneSums(s) }  // while in cache
    }

    /// The reader's Σ of each of sample s's output planes (y), if it wants them.
    @inline(__always)
    private func writePlaneSums(_ s: Int) {
        guard let sums = reader?.planeSums else { return }
        let ys = y + s * outChannels * g.outPlane, at = sums + s * outChannels
        sumFloatsRows(outChannels, g.outPlane, { UnsafePointer(ys + $0 * g.outPlane) }) { o, v in at[o] = v }
    }

    // dy: [n, out, OH, OW]. Per sample: gradient [out][F + Hp·Wp (+slack)] holds dy at offset F on the
    // full-width grid (all else zero); dx_padded [C][Hp·Wp] = shiftedConv(gradient, W flipped and
    // transposed to [C][out][k][k] by `prepare`), dx = its interior; dW lanes += Σ_i dy·x shifted and
    // db += Σ dy over a reduction group's samples, then the group's partials (lanes summed) are
    // written for `GroupPartials` to add in group order. Everything runs sample by sample in cache.
    private func directBackward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            let xp = padded[t], gv = lanes[t]
            let lane = laneScratch?[t]
            forEachReductionGroup(samples) { group, members in
                gv.update(repeating: SIMD8<Float>(), count: weight.value.count)
                let db = biasGrad?.target(group)
                db?.update(repeating: 0, count: outChannels)
                let laneGlue = lane != nil && fusedPool != nil
                if let lane, laneGlue { laneGradients(group, members, lane) }
                for (l, s) in members.enumerated() where !Cancellation.isRequested {
                    let grad = lane.map { $0.gradPlanes + l * outChannels * plan.gradientStride } ?? columns[t]
                    if !laneGlue { gradientPlanes(s, t, into: grad) }
                    plan.pad(x + s * g.inputCount, into: xp)
                    if let db {
                        sumFloatsRows(outChannels, plan.gradientPositions, { UnsafePointer(grad + $0 * plan.gradientStride + plan.lead) }) { o, v in
                            db[o] += v
                        }
                    }
                    shiftedWeightGrad(dy: grad + plan.lead, co: outChannels, dyStride: plan.gradientStride, x: xp,
                                      ci: g.channels, xStride: plan.paddedStride, width: plan.width, k: kernel,
                                      count: plan.gradientPositions, gv: gv, kernels: kernels)
                    if lane == nil { inputGradient(s, t, grad) }
                }
                if let lane, let dx { laneInputGradient(members, lane, dx, gradientsInLanes: laneGlue) }
                let dw = weightGrad!.target(group)
                for j in 0..<weight.value.count { dw[j] = gv[j].sum() }
            }
        }
    }

    /// The lane path's gradient through the fused ReLU and pooling, for a whole reduction group:
    /// the pooled gradient into the lanes, the mask applied there (into the lane gradient planes the
    /// input gradient reads), and each member's full-width gradient planes out (for the weight and
    /// bias gradients).
    private func laneGradients(_ group: Int, _ members: Range<Int>, _ lane: LaneScratch) {
        guard let pool = fusedPool, let reluMask else { return }
        let (ph, pw) = (g.outHeight / 2, g.outWidth / 2), pooledCount = outChannels * ph * pw
        toLanes512(pool.outputGrad + members.lowerBound * pooledCount, sampleStride: pooledCount,
                   samples: members.count, count: pooledCount, lane.pooled, at: 0)
        let mask = reluMask + group * reductionGroup * outChannels * g.outPlane
        let dy = lane.outputGrad + lane.lead * 16
        for o in 0..<outChannels {
            laneReluPool2x2Gradient512(lane.pooled + o * ph * pw * 16, mask: mask + o * g.outPlane * 16,
                                    maskWidth: g.outWidth, dy + o * lane.planeStride * 16, rowWidth: plan.width,
                                    outHeight: ph, outWidth: pw)
            fromLanes512(dy, at: o * lane.planeStride, count: lane.planeStride,
                         lane.gradPlanes + o * plan.gradientStride + plan.lead,
                         sampleStride: outChannels * plan.gradientStride, samples: members.count)
        }
    }

    /// Sample s's gradient planes (the fused pooling's gradient and ReLU mask applied) into grad
    /// [out][gradientStride], whose zeros stay from its allocation (with a fused pooling, the cells
    /// no pooling window covers are never written).
    @inline(__always)
    private func gradientPlanes(_ s: Int, _ t: Int, into grad: UnsafeMutablePointer<Float>) {
        let p = plan, co = outChannels
        if let reader {
            reader.writeInputGradient(s, t, into: grad + p.lead, channelStride: p.gradientStride, rowStride: p.width)
            return
        }
        if let pool = fusedPool, let reluMask {
            let (ph, pw) = (g.outHeight / 2, g.outWidth / 2)
            for o in 0..<co {
                let at = s * co + o
                reluPool2x2Gradient(pool.outputGrad + at * ph * pw, mask: reluMask + at * g.outPlane,
                                    maskWidth: g.outWidth, grad + o * p.gradientStride + p.lead, width: p.width,
                                    outHeight: ph, outWidth: pw, kernels: kernels)
            }
            return
        }
        let dys = dy + s * co * g.outPlane, ys = y + s * co * g.outPlane
        for o in 0..<co {
            let row = grad + o * p.gradientStride + p.lead, at = o * g.outPlane
            if fusesReLU {
                reluGradientRows(ys + at, dys + at, row, dstStride: p.width, rows: g.outHeight, cols: g.outWidth)
            } else {
                for oy in 0..<g.outHeight { copyFloats(row + oy * p.width, dys + at + oy * g.outWidth, g.outWidth) }
            }
        }
    }

    /// dx of a reduction group's members on the lane path: their full-width gradient planes into the
    /// lanes (unless `laneGradients` already left them there), the kernel, and dx out.
    private func laneInputGradient(_ members: Range<Int>, _ lane: LaneScratch, _ dx: UnsafeMutablePointer<Float>,
                                   gradientsInLanes: Bool) {
        let dy = lane.outputGrad + lane.lead * 16
        if !gradientsInLanes {
            for o in 0..<outChannels {
                toLanes512(lane.gradPlanes + o * plan.gradientStride + plan.lead,
                           sampleStride: outChannels * plan.gradientStride, samples: members.count,
                           count: lane.planeStride, dy, at: o * lane.planeStride)
            }
        }
        laneInputGrad512(dy: dy, co: outChannels, planeStride: lane.planeStride, outHeight: g.outHeight,
                         outWidth: g.outWidth, k: kernel, w: weight.value.data, ci: g.channels, height: g.height,
                         width: g.width, padding: g.padding, dx: lane.inputGrad)
        fromLanes512(lane.inputGrad, at: 0, count: g.inputCount, dx + members.lowerBound * g.inputCount,
                     sampleStride: g.inputCount, samples: members.count)
    }

    /// dx of sample s from its gradient planes (nothing when the input needs no gradient).
    @inline(__always)
    private func inputGradient(_ s: Int, _ t: Int, _ grad: UnsafePointer<Float>) {
        guard let dx, let flipped else { return }
        let p = plan
        shiftedConv(src: grad, ci: outChannels, srcStride: p.gradientStride, width: p.width, k: kernel,
                    nonzero: p.lead..<(p.lead + p.gradientPositions), w: flipped,
                    co: g.channels, bias: nil, dst: panels[t], dstStride: p.inputGradStride, count: p.planeCount,
                    kernels: kernels)
        p.crop(panels[t], into: dx + s * g.inputCount)
    }
}

/// One thread's planes for the lane layout (16 floats per position, one lane per sample of a
/// reduction group; `LaneConv512.swift`): the zero-padded input [C][Hp][Wp], the output
/// [out][OH][OW], the pooled output or its gradient [out][OH/2][OW/2], the output gradient in the
/// full-width layout (`lead` zero positions, then planes `planeStride` apart with rows of Wp
/// positions, zero after the OW valid ones), the input gradient [C][H][W]; and, in plain floats,
/// each sample's compact output planes [16][out][OH·OW] and full-width gradient planes
/// [16][out][gradientStride] (the layout of the direct path's per-sample scratch, for the weight
/// and bias gradients). Zeroed once; what must stay zero is never written.
struct LaneScratch {
    let input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pooled: UnsafeMutablePointer<Float>
    let outputGrad: UnsafeMutablePointer<Float>, inputGrad: UnsafeMutablePointer<Float>
    let planes: UnsafeMutablePointer<Float>, gradPlanes: UnsafeMutablePointer<Float>
    /// Zero positions before the first output-gradient plane (≥ k − 1, a multiple of 16: the kernel
    /// reads up to k − 1 positions before a row), and the planes' stride (OH·Wp rounded up to 16, so
    /// that the transposes have no scalar tail).
    let lead: Int, planeStride: Int

    init(_ p: DirectConvPlan, outChannels co: Int) {
        let g = p.g, (hp, wp) = (g.height + 2 * g.padding, p.width)
        lead = max(16, (g.kernel - 1 + 15) / 16 * 16)
        planeStride = (g.outHeight * wp + 15) / 16 * 16
        input = .zeroed(g.channels * hp * wp * 16)
        output = .zeroed(co * g.outPlane * 16)
        pooled = .zeroed(co * (g.outHeight / 2) * (g.outWidth / 2) * 16)
        outputGrad = .zeroed((lead + co * planeStride) * 16)
        inputGrad = .zeroed(g.inputCount * 16)
        planes = .zeroed(16 * co * g.outPlane)
        gradPlanes = .zeroed(16 * co * p.gradientStride)
    }

    func deallocate() {
        for p in [input, output, pooled, outputGrad, inputGrad, planes, gradPlanes] { p.deallocate() }
    }
}

/// Sizes and layouts of the direct path's scratch planes for one geometry (stride 1).
struct DirectConvPlan {
    let g: ConvGeometry
    let outChannels: Int
    /// Padded input plane: width Wp = W + 2p, Hp·Wp values.
    let width: Int, planeCount: Int
    /// Zero prefix F = (k−1)·Wp + (k−1) of each gradient plane.
    let lead: Int
    let paddedStride: Int, wideStride: Int, gradientStride: Int, inputGradStride: Int
    /// Full-width forward outputs: OH·Wp − (k−1).
    let forwardCount: Int

    init(g: ConvGeometry, outChannels: Int) {
        self.g = g; self.outChannels = outChannels
        let k = g.kernel
        width = g.width + 2 * g.padding
        planeCount = (g.height + 2 * g.padding) * width
        lead = (k - 1) * width + (k - 1)
        forwardCount = g.outHeight * width - (k - 1)
        let block = shiftedSpan
        paddedStride = planeCount + block + 8 + k
        wideStride = (forwardCount + block - 1) / block * block
        gradientStride = lead + planeCount + block + 8
        inputGradStride = (planeCount + block - 1) / block * block
    }

    var paddedCount: Int { g.channels * paddedStride }
    var wideCount: Int { outChannels * wideStride }
    var gradientCount: Int { outChannels * gradientStride }
    var inputGradCount: Int { g.channels * inputGradStride }
    /// Full-width positions that can hold a valid output (the last row's k−1 garbage columns cut).
    var gradientPositions: Int { forwardCount }
    /// Indices of a padded input plane that can be nonzero (its unpadded rows).
    var inputRows: Range<Int> { (g.padding * width)..<((g.padding + g.height) * width) }

    // x: [C, H, W] → dst: [C][paddedStride], interior at (p, p); borders and slack stay zero.
    @inline(__always)
    func pad(_ x: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let (h, w, p) = (g.height, g.width, g.padding)
        for c in 0..<g.channels {
            let src = x + c * h * w, plane = dst + c * paddedStride
            if p == 0 { copyFloats(plane, src, h * w); continue }
            for iy in 0..<h { copyFloats(plane + (iy + p) * width + p, src + iy * w, w) }
        }
    }

    // src: [C][inputGradStride] padded planes → dx: [C, H, W] interior.
    @inline(__always)
    func crop(_ src: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let (h, w, p) = (g.height, g.width, g.padding)
        for c in 0..<g.channels {
            let plane = src + c * inputGradStride, d = dx + c * h * w
            if p == 0 { copyFloats(d, plane, h * w); continue }
            for iy in 0..<h { copyFloats(d + iy * w, plane + (iy + p) * width + p, w) }
        }
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// A zero-filled allocation of `count` (at least 1) floats.
    static func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
        p.initialize(repeating: 0, count: max(1, count))
        return p
    }
}

/// dst[0..<n] = src[0..<n] + b.
@inline(__always)
func addScalar(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ b: Float, _ n: Int) {
    for i in 0..<n { dst[i] = src[i] + b }
}

extension Conv2DLayer: EngineBuildable {
    /// `Conv2D` for one group, `GroupedConv2D` otherwise.
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer {
        guard groups == 1 else { return GroupedConv2D(self, weightInit: weightInit) }
        let layer = Conv2D(outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, bias: bias,
                           weightInit: weightInit)
        layer.samePadding = samePadding
        return layer
    }
}
