import Spec
#if canImport(Glibc)
import Glibc
#endif

/// ELU (PyTorch `nn.ELU(alpha)`): y = x if x > 0 else α·(e^x − 1); dx = dy if x > 0 else
/// dy·α·e^x.
public final class ELU: ElementwiseActivation {
    public let alpha: Double
    private let a: Float

    public init(alpha: Double = 1.0) {
        self.alpha = alpha
        a = Float(alpha)
    }
    public override var definition: any LayerDefinition { ELULayer(alpha: alpha) }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = a  // a local, not a property the stores could alias
        for i in 0..<n { y[i] = x[i] > 0 ? x[i] : a * expm1f(x[i]) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = a
        for i in 0..<n { dx[i] = x[i] > 0 ? dy[i] : dy[i] * a * expf(x[i]) }
    }
}

extension ELULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { ELU(alpha: alpha) }
}
