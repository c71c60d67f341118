import Spec
/// Concatenation along the channel (first per-sample) axis, PyTorch `torch.cat(dim=1)`.
public final class Concat: Layer {
    /// Per input: elements per sample.
    private var sizes: [Int] = []
    private var total = 0
    private var xs: [UnsafePointer<Float>] = [], y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dxs: [UnsafeMutablePointer<Float>?] = []

    public var definition: any LayerDefinition { ConcatLayer() }
    public init() {}

    public func bind(_ b: LayerBinding) {
        sizes = b.inputShapes.map { $0.reduce(1, *) }
        total = b.outputShape.reduce(1, *)
        xs = b.inputs; y = b.output; dy = b.outputGrad; dxs = b.inputGrads
    }

    // x_i: [n, C_i, …] → y: [n, ΣC_i, …]; each sample's block is the inputs' blocks in order.
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            for s in samples {
                var offset = s * total
                for k in 0..<xs.count {
                    (y + offset).update(from: xs[k] + s * sizes[k], count: sizes[k])
                    offset += sizes[k]
                }
            }
        }
    }

    // dy: [n, ΣC_i, …] → dx_i: the matching slices.
    public func backward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            for s in samples {
                var offset = s * total
                for k in 0..<xs.count {
                    if let dx = dxs[k] { (dx + s * sizes[k]).update(from: dy + offset, count: sizes[k]) }
                    offset += sizes[k]
                }
            }
        }
    }
}

extension ConcatLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { Concat() }
}
