import Spec
/// `nn.BatchNorm1d` on `[F]` features: statistics per feature over the batch.
public final class BatchNorm1D: BatchNorm {
    public init(momentum: Double = 0.1, eps: Double = 1e-5) { super.init(definition: BatchNorm1DLayer(momentum: momentum, eps: eps)) }
}

extension BatchNorm1DLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { BatchNorm1D(momentum: momentum, eps: eps) }
}
