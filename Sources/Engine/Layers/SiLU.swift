import Spec
#if canImport(Glibc)
import Glibc
#endif

/// SiLU / swish (PyTorch `nn.SiLU`): y = x·σ(x); dx = dy · σ(x)·(1 + x·(1 − σ(x))).
public final class SiLU: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { SiLULayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = x[i] / (1 + expf(-x[i])) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let s = 1 / (1 + expf(-x[i]))
            dx[i] = dy[i] * s * (1 + x[i] * (1 - s))
        }
    }
}

extension SiLULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { SiLU() }
}
