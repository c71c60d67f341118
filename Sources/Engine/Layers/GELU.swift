import Spec
#if canImport(Glibc)
import Glibc
#endif

/// GELU, exact form (PyTorch `nn.GELU()`): y = x·Φ(x), Φ(x) = (1 + erf(x/√2))/2;
/// dx = dy · (Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π).
public final class GELU: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { GELULayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = x[i] * 0.5 * (1 + erff(x[i] * Float(0.5).squareRoot())) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let invSqrt2Pi = 1 / Float(2 * Double.pi).squareRoot()
        for i in 0..<n {
            let v = x[i]
            let cdf = 0.5 * (1 + erff(v * Float(0.5).squareRoot()))
            dx[i] = dy[i] * (cdf + v * invSqrt2Pi * expf(-0.5 * v * v))
        }
    }
}

extension GELULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { GELU() }
}
