import Spec

/// Leaky ReLU (PyTorch `nn.LeakyReLU(negative_slope)`): y = x if x > 0 else slope·x;
/// dx = dy if x > 0 else slope·dy.
public final class LeakyReLU: ElementwiseActivation {
    public let slope: Double
    private let s: Float

    public init(slope: Double = 0.01) {
        self.slope = slope
        s = Float(slope)
    }
    public override var definition: any LayerDefinition { LeakyReLULayer(slope: slope) }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let s = s  // a local: the loop then vectorizes (a property could alias y)
        for i in 0..<n { y[i] = x[i] > 0 ? x[i] : x[i] * s }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let s = s
        for i in 0..<n { dx[i] = x[i] > 0 ? dy[i] : dy[i] * s }
    }
}

extension LeakyReLULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { LeakyReLU(slope: slope) }
}
