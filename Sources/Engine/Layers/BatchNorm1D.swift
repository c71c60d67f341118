/// `nn.BatchNorm1d` on `[F]` features: statistics per feature over the batch.
public final class BatchNorm1D: BatchNorm {
    public override init(momentum: Double = 0.1, eps: Double = 1e-5) { super.init(momentum: momentum, eps: eps) }
    public override var typeName: String { "batchnorm1d" }

    public override func outputShape(inputShapes: [[Int]]) -> [Int] {
        precondition(inputShapes.count == 1 && inputShapes[0].count == 1, "batchnorm1d takes one [F] input")
        return inputShapes[0]
    }
}
