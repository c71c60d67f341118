import Spec
import SIMDMemory

/// SiLU / swish (PyTorch `nn.SiLU`): y = x·σ(x); dx = dy · σ(x)·(1 + x·(1 − σ(x))).
/// σ(x) = 1/(1 + e^(−x)) with the vector exponential of `VectorMath.swift`.
public final class SiLU: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { SiLULayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        mapLanes(n, x, y) { v in v / (splat8(1) + exp8(splat8(0) - v)) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        mapLanes(n, x, dy, dx) { v, g in
            let one = splat8(1)
            let s = one / (one + exp8(splat8(0) - v))
            return g * s * (one + v * (one - s))
        }
    }
}

extension SiLULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { SiLU() }
}
