import Spec

/// Identity (PyTorch `nn.Identity`): y = x, dx = dy (copies, so the node owns its buffers like
/// every other node).
public final class Identity: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { IdentityLayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        y.update(from: x, count: n)
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        dx.update(from: dy, count: n)
    }
}

extension IdentityLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { Identity() }
}
