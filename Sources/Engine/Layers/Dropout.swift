import Spec
/// Inverted dropout (PyTorch `nn.Dropout`): in training each element is zeroed with probability
/// p and the rest scaled by 1/(1−p); in evaluation it is the identity. Masks come from the
/// network's dropout generator, drawn serially in sample order so they do not depend on the
/// thread count.
public final class Dropout: Layer {
    public let p: Float
    private var count = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    /// [maxBatch, count]: 0 or 1/(1−p) per element of the last training forward.
    private var mask: UnsafeMutablePointer<Float>!
    private var masked = false

    public let definition: any LayerDefinition

    public init(p: Double) {
        precondition(p >= 0 && p <= 1, "dropout probability outside [0, 1]")
        self.p = Float(p)
        definition = DropoutLayer(p: p)
    }

    deinit { mask?.deallocate() }

    public func bind(_ b: LayerBinding) {
        count = b.outputShape.reduce(1, *)
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        mask = .allocate(capacity: max(1, b.maxBatch * count))
    }

    /// Draws `batch · count` mask values in order from `random`.
    private func drawMask(batch: Int, random: inout Random) {
        let keep = p < 1 ? 1 / (1 - p) : 0
        for i in 0..<(batch * count) { mask[i] = random.uniformFloat() < p ? 0 : keep }
    }

    // x, y: [n, count]; training: y = x · mask, mask ∈ {0, 1/(1−p)}; eval: y = x.
    public func prepare(_ pass: Pass) {
        masked = pass.training && p > 0
        if masked { drawMask(batch: pass.batch, random: &pass.random) }
    }

    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let range = (samples.lowerBound * count)..<(samples.upperBound * count)
            if masked {
                for i in range { y[i] = x[i] * mask[i] }
            } else {
                (y + range.lowerBound).update(from: x + range.lowerBound, count: range.count)
            }
        }
    }

    // dy, dx: [n, count]; dx = dy · mask (identity after an eval forward).
    public func backward(_ pass: Pass) {
        guard dx != nil else { return }
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            let range = (samples.lowerBound * count)..<(samples.upperBound * count)
            if masked {
                for i in range { dx[i] = dy[i] * mask[i] }
            } else {
                (dx + range.lowerBound).update(from: dy + range.lowerBound, count: range.count)
            }
        }
    }
}

extension DropoutLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { Dropout(p: p) }
}
