import Spec
#if canImport(Glibc)
import Glibc
#endif

/// Logistic sigmoid 1 / (1 + e^(−x)); dx = dy · y · (1 − y).
public final class Sigmoid: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { SigmoidLayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = 1 / (1 + expf(-x[i])) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }
}

extension SigmoidLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { Sigmoid() }
}
