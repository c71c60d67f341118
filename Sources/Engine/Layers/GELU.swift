import Spec
import SIMDMemory

/// GELU, exact form (PyTorch `nn.GELU()`): y = x·Φ(x), Φ(x) = (1 + erf(x/√2))/2;
/// dx = dy · (Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π). erf and exp are the vector functions of
/// `VectorMath.swift`.
public final class GELU: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { GELULayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        mapLanes(n, x, y) { v in v * splat8(0.5) * (splat8(1) + erf8(v * splat8(0.70710678118654752))) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        mapLanes(n, x, dy, dx) { v, g in
            let cdf = splat8(0.5) * (splat8(1) + erf8(v * splat8(0.70710678118654752)))
            let pdf = splat8(0.39894228040143268) * exp8(splat8(-0.5) * v * v)
            return g * cdf.addingProduct(v, pdf)
        }
    }
}

extension GELULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { GELU() }
}
