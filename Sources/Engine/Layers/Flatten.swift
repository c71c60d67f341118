import Spec
/// Flattens each sample to `[C·H·W]` in C, H, W order (PyTorch `nn.Flatten()`); a copy.
public final class Flatten: Layer {
    private var count = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?

    public var definition: any LayerDefinition { FlattenLayer() }
    public init() {}

    public func bind(_ b: LayerBinding) {
        count = b.outputShape[0]
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
    }

    // x: [n, …] → y: [n, count], same memory order.
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            (y + samples.lowerBound * count).update(from: x + samples.lowerBound * count, count: samples.count * count)
        }
    }

    // dy: [n, count] → dx: [n, …].
    public func backward(_ pass: Pass) {
        guard dx != nil else { return }
        pass.parallel { [self] _, samples in
            dx?.advanced(by: samples.lowerBound * count)
                .update(from: dy + samples.lowerBound * count, count: samples.count * count)
        }
    }
}

extension FlattenLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { Flatten() }
}
