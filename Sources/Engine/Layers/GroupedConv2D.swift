import Spec

/// A convolution whose channels are split into `groups` independent convolutions (PyTorch
/// `nn.Conv2d(groups:)`): output channel `o` of group `o / (out/groups)` reads only that group's
/// `in/groups` input channels; weight `[out, in/groups, k, k]`, bias `[out]`. Depthwise when
/// groups = in channels. Direct loops, per sample for the forward and dL/dx; the weight and bias
/// gradients are split over output channels, each summing the batch in sample order, so any
/// thread count gives the same bits.
public final class GroupedConv2D: Layer {
    public let layer: Conv2DLayer
    public var weightInit: WeightInit
    public var definition: any LayerDefinition { layer }

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter?
    private var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var groupIn = 0, groupOut = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    private var batch = 0

    public init(_ layer: Conv2DLayer, weightInit: WeightInit = .pytorch) {
        precondition(layer.outChannels % layer.groups == 0, "out channels must be divisible by groups")
        self.layer = layer
        self.weightInit = weightInit
    }

    public func bind(_ b: LayerBinding) {
        let s = b.inputShapes[0]
        precondition(s[0] % layer.groups == 0, "in channels must be divisible by groups")
        g = ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: layer.kernel, stride: layer.stride,
                         padding: layer.padding)
        groupIn = s[0] / layer.groups
        groupOut = layer.outChannels / layer.groups
        weight = Parameter(name: "\(b.name).weight", shape: [layer.outChannels, groupIn, layer.kernel, layer.kernel])
        bias = layer.bias ? Parameter(name: "\(b.name).bias", shape: [layer.outChannels]) : nil
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func initialize(random: inout Random) {
        let taps = layer.kernel * layer.kernel
        weightInit.fill(weight: weight.value, bias: bias?.value, fanIn: groupIn * taps, fanOut: groupOut * taps,
                        random: &random)
    }

    public func prepare(_ pass: Pass) { batch = pass.batch }

    /// Output rows/columns `o` whose tap at offset `k` lands inside an input of `size`:
    /// 0 ≤ o·stride − padding + k < size.
    @inline(__always)
    private func valid(_ k: Int, size: Int, outputs: Int) -> Range<Int> {
        let (s, p) = (g.stride, g.padding)
        let lower = max(0, (p - k + s - 1) / s)
        let upper = min(outputs, (size - 1 + p - k) / s + 1)
        return lower..<max(lower, upper)
    }

    /// For each kernel tap (ky, kx): its index ky·k + kx, the output rows and columns it reaches
    /// inside the input, and the input offset of output (0, 0) — output (r, q) reads input
    /// `offset + r·stride·W + q·stride`.
    @inline(__always)
    private func forEachTap(_ body: (_ tap: Int, _ rows: Range<Int>, _ cols: Range<Int>, _ offset: Int) -> Void) {
        let (k, p, w) = (g.kernel, g.padding, g.width)
        for ky in 0..<k {
            let rows = valid(ky, size: g.height, outputs: g.outHeight)
            for kx in 0..<k {
                body(ky * k + kx, rows, valid(kx, size: w, outputs: g.outWidth), (ky - p) * w + kx - p)
            }
        }
    }

    // x: [n, C, H, W] → y: [n, out, OH, OW]; per output plane: bias, then each input channel's taps.
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let (ow, s, rowStep) = (g.outWidth, g.stride, g.stride * g.width)
            let (plane, outPlane, taps) = (g.height * g.width, g.outHeight * g.outWidth, g.kernel * g.kernel)
            let weights = UnsafePointer(weight.value.data)
            for n in samples {
                if Cancellation.isRequested { return }
                for o in 0..<layer.outChannels {
                    let out = y + (n * layer.outChannels + o) * outPlane
                    out.update(repeating: bias.map { $0.value.data[o] } ?? 0, count: outPlane)
                    let first = (o / groupOut) * groupIn
                    for c in 0..<groupIn {
                        let input = x + (n * g.channels + first + c) * plane
                        let w = weights + (o * groupIn + c) * taps
                        forEachTap { t, rows, cols, offset in
                            for r in rows {
                                let src = input + offset + r * rowStep, dst = out + r * ow
                                for q in cols { dst[q] += w[t] * src[q * s] }
                            }
                        }
                    }
                }
            }
        }
    }

    // dx [n, C, H, W] = Σ taps · dy, per sample; then dW [out, in/groups, k, k] += Σ_n dy ⋆ x and
    // db += Σ_n Σ_plane dy, split over output channels.
    public func backward(_ pass: Pass) {
        let (ow, s, rowStep) = (g.outWidth, g.stride, g.stride * g.width)
        let (plane, outPlane, taps) = (g.height * g.width, g.outHeight * g.outWidth, g.kernel * g.kernel)
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            let weights = UnsafePointer(weight.value.data)
            for n in samples {
                if Cancellation.isRequested { return }
                (dx + n * g.channels * plane).update(repeating: 0, count: g.channels * plane)
                for o in 0..<layer.outChannels {
                    let grad = dy + (n * layer.outChannels + o) * outPlane
                    let first = (o / groupOut) * groupIn
                    for c in 0..<groupIn {
                        let target = dx + (n * g.channels + first + c) * plane
                        let w = weights + (o * groupIn + c) * taps
                        forEachTap { t, rows, cols, offset in
                            for r in rows {
                                let dst = target + offset + r * rowStep, src = grad + r * ow
                                for q in cols { dst[q * s] += w[t] * src[q] }
                            }
                        }
                    }
                }
            }
        }
        pass.parallel(count: layer.outChannels) { [self] _, outputs in
            let dw = weight.grad.data
            for n in 0..<batch {
                if Cancellation.isRequested { return }
                for o in outputs {
                    let grad = dy + (n * layer.outChannels + o) * outPlane
                    if let db = bias?.grad.data {
                        var sum: Float = 0
                        for i in 0..<outPlane { sum += grad[i] }
                        db[o] += sum
                    }
                    let first = (o / groupOut) * groupIn
                    for c in 0..<groupIn {
                        let input = x + (n * g.channels + first + c) * plane
                        let w = dw + (o * groupIn + c) * taps
                        forEachTap { t, rows, cols, offset in
                            var sum: Float = 0
                            for r in rows {
                                let src = input + offset + r * rowStep, gr = grad + r * ow
                                for q in cols { sum += gr[q] * src[q * s] }
                            }
                            w[t] += sum
                        }
                    }
                }
            }
        }
    }
}
