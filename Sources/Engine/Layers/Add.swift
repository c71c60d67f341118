import Spec
/// Element-wise sum of two or more inputs of equal shape (residual connections).
public final class Add: Layer {
    private var count = 0
    private var xs: [UnsafePointer<Float>] = [], y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dxs: [UnsafeMutablePointer<Float>?] = []

    public var definition: any LayerDefinition { AddLayer() }
    public init() {}

    public func bind(_ b: LayerBinding) {
        count = b.outputShape.reduce(1, *)
        xs = b.inputs; y = b.output; dy = b.outputGrad; dxs = b.inputGrads
    }

    // x_i: [n, count] → y = Σ_i x_i (in input order).
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let range = (samples.lowerBound * count)..<(samples.upperBound * count)
            let first = xs[0]
            for i in range { y[i] = first[i] }
            for k in 1..<xs.count {
                let x = xs[k]
                for i in range { y[i] += x[i] }
            }
        }
    }

    // dy: [n, count] → dx_i = dy for every input that needs it.
    public func backward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let lo = samples.lowerBound * count, n = samples.count * count
            for dx in dxs { dx.map { ($0 + lo).update(from: dy + lo, count: n) } }
        }
    }
}

extension AddLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { Add() }
}
