import Spec

/// Global average pooling (PyTorch `nn.AdaptiveAvgPool2d(1)` + `flatten(1)`): each channel's
/// plane to its mean, `[C, H, W]` → `[C]`; dx = dy / (H·W) over the plane. Per sample, so any
/// thread count sums the same values in the same order.
public final class GlobalAvgPool: Layer {
    private var channels = 0, plane = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?

    public var definition: any LayerDefinition { GlobalAvgPoolLayer() }
    public init() {}

    public func bind(_ b: LayerBinding) {
        channels = b.inputShapes[0][0]
        plane = b.inputShapes[0][1] * b.inputShapes[0][2]
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
    }

    // x: [n, C, H·W] → y: [n, C]
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let scale = 1 / Float(plane)
            for row in (samples.lowerBound * channels)..<(samples.upperBound * channels) {
                let p = x + row * plane
                var sum: Float = 0
                for i in 0..<plane { sum += p[i] }
                y[row] = sum * scale
            }
        }
    }

    // dy: [n, C] → dx: [n, C, H·W], each element dy / (H·W)
    public func backward(_ pass: Pass) {
        guard dx != nil else { return }
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            let scale = 1 / Float(plane)
            for row in (samples.lowerBound * channels)..<(samples.upperBound * channels) {
                (dx + row * plane).update(repeating: dy[row] * scale, count: plane)
            }
        }
    }
}

extension GlobalAvgPoolLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { GlobalAvgPool() }
}
