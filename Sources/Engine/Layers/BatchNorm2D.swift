import Spec
/// `nn.BatchNorm2d` on `[C, H, W]`: statistics per channel over the batch and all positions.
public final class BatchNorm2D: BatchNorm {
    public init(momentum: Double = 0.1, eps: Double = 1e-5) { super.init(definition: BatchNorm2DLayer(momentum: momentum, eps: eps)) }
}

extension BatchNorm2DLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { BatchNorm2D(momentum: momentum, eps: eps) }
}
