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
///
/// This file holds the layer, its binding and the choice of path; the paths are in
/// `Conv2D+Direct.swift` (and the direct path's scratch geometry in `DirectConvPlan.swift`) and
/// `Conv2D+Lowered.swift`; the linear path is `DenseOperator` (`Dense.swift`).
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
    var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// Per thread. im2col: columns [patch, chunk·P] and a GEMM result / gradient panel [out, chunk·P].
    /// direct: columns = gradient planes [out][gradientStride], panels = dx planes [C][inputGradStride].
    var columns: [UnsafeMutablePointer<Float>] = [], panels: [UnsafeMutablePointer<Float>] = []
    /// im2col, per thread: the panel transposed [chunk·P, out], then dWᵀ [patch, out].
    var transposed: [UnsafeMutablePointer<Float>] = []
    /// im2col: samples lowered at once (a reduction group is lowered chunk by chunk, so the column
    /// matrix stays a few MB): enough for about `chunkColumns` output positions.
    var chunkSamples = 1
    private static let chunkColumns = 2048
    /// Per reduction group partial gradients (the linear path's dense operator keeps its own).
    var weightGrad: GroupPartials?, biasGrad: GroupPartials?
    enum Mode { case linear, direct, im2col }
    var mode = Mode.im2col
    /// Direct path geometry and per-thread scratch (see `DirectConvPlan`).
    var plan = DirectConvPlan(g: ConvGeometry(channels: 1, height: 1, width: 1, kernel: 1, stride: 1,
                                                      padding: 0), outChannels: 1)
    /// direct: padded input planes [C][paddedStride], full-width outputs [out][wideStride], and
    /// weight-gradient lanes [out·C·k·k] × SIMD8.
    var padded: [UnsafeMutablePointer<Float>] = [], wide: [UnsafeMutablePointer<Float>] = []
    var lanes: [UnsafeMutablePointer<SIMD8<Float>>] = []
    /// direct: the weights flipped and transposed to [C][out][k][k] for dx, refreshed by `prepare`.
    var flipped: UnsafeMutablePointer<Float>?
    /// linear: the shared fully connected computation over `[n, C·H·W]`.
    var dense: DenseOperator?
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
    var reluMask: UnsafeMutablePointer<Int8>?
    /// direct, on AVX-512 machines, when the full-width grid is at least 1.25× as wide as the output
    /// (LeNet's conv2: 14 for 10): per-thread planes of the lane layout (`LaneConv512.swift`), which
    /// computes the forward and the input gradient without the grid's waste, bit-identically. Used
    /// by networks built with the AVX-512 family (the ReLU mask's layout follows the path).
    var laneScratch: [LaneScratch]?
    /// The network's kernel family, from the binding.
    var kernels = KernelFamily.avx2

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
    func mode(inputShapes: [[Int]]) -> Mode? {
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
