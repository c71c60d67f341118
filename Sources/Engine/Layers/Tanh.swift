import Spec
#if canImport(Glibc)
import Glibc
#endif

/// Hyperbolic tangent; dx = dy · (1 − y²).
public final class Tanh: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { TanhLayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = tanhf(x[i]) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { dx[i] = dy[i] * (1 - y[i] * y[i]) }
    }
}

extension TanhLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { Tanh() }
}
