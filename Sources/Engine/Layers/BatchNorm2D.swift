/// `nn.BatchNorm2d` on `[C, H, W]`: statistics per channel over the batch and all positions.
public final class BatchNorm2D: BatchNorm {
    public override init(momentum: Double = 0.1, eps: Double = 1e-5) { super.init(momentum: momentum, eps: eps) }
    public override var typeName: String { "batchnorm2d" }

    public override func outputShape(inputShapes: [[Int]]) -> [Int] {
        precondition(inputShapes.count == 1 && inputShapes[0].count == 3, "batchnorm2d takes one [C, H, W] input")
        return inputShapes[0]
    }
}
