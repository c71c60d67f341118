import Spec
import SIMDMemory

/// ELU (PyTorch `nn.ELU(alpha)`): y = x if x > 0 else α·(e^x − 1); dx = dy if x > 0 else
/// dy·α·e^x. e^x − 1 and e^x are the vector functions of `VectorMath.swift`.
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
        let a = splat8(a)  // a local, not a property the stores could alias
        mapLanes(n, x, y) { v in (a * expm1_8(v)).replacing(with: v, where: v .> SIMD8<Float>()) }
    }

    // x, y, dy, dx: [n] flat
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = splat8(a)
        mapLanes(n, x, dy, dx) { v, g in (g * a * exp8(v)).replacing(with: g, where: v .> SIMD8<Float>()) }
    }
}

extension ELULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { ELU(alpha: alpha) }
}
