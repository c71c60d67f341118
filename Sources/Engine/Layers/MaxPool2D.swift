import Spec
/// Max pooling without padding, PyTorch `nn.MaxPool2d(kernel, stride)` semantics
/// (floor output size; the first maximum in a window wins and receives the gradient).
public final class MaxPool2D: Layer {
    public let kernel: Int, stride: Int
    private var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// Per output element, the index of the winning input within its [H, W] plane.
    private var argmax: UnsafeMutablePointer<Int32>!

    public var definition: any LayerDefinition { MaxPool2DLayer(kernel: kernel, stride: stride) }

    public init(kernel: Int, stride: Int) {
        precondition(kernel > 0 && stride > 0)
        self.kernel = kernel; self.stride = stride
    }

    deinit { argmax?.deallocate() }

    public func bind(_ b: LayerBinding) {
        let s = b.inputShapes[0]
        g = ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: kernel, stride: stride, padding: 0)
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        argmax = .allocate(capacity: max(1, b.maxBatch * g.channels * g.outPlane))
    }

    // x: [n, C, H, W] → y: [n, C, OH, OW], y = max over each k×k window at stride s.
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let (oh, ow, k, s, w) = (g.outHeight, g.outWidth, kernel, stride, g.width)
            for plane in (samples.lowerBound * g.channels)..<(samples.upperBound * g.channels) {
                let src = x + plane * g.height * w
                let dst = y + plane * g.outPlane, arg = argmax + plane * g.outPlane
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let origin = oy * s * w + ox * s
                        var best = origin, value = src[origin]
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let i = origin + ky * w + kx
                                if src[i] > value { value = src[i]; best = i }
                            }
                        }
                        dst[oy * ow + ox] = value
                        arg[oy * ow + ox] = Int32(best)
                    }
                }
            }
        }
    }

    // dy: [n, C, OH, OW] → dx: [n, C, H, W], each dy routed to its window's argmax (summed on overlap).
    public func backward(_ pass: Pass) {
        guard dx != nil else { return }
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            for plane in (samples.lowerBound * g.channels)..<(samples.upperBound * g.channels) {
                let d = dx + plane * g.height * g.width
                d.update(repeating: 0, count: g.height * g.width)
                let grad = dy + plane * g.outPlane, arg = argmax + plane * g.outPlane
                for i in 0..<g.outPlane { d[Int(arg[i])] += grad[i] }
            }
        }
    }
}

extension MaxPool2DLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { MaxPool2D(kernel: kernel, stride: stride) }
}
