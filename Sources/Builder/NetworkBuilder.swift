import Engine
import Spec

/// Turns a shape-inferred `NetworkPlan` into an engine `Network`.
public enum NetworkBuilder {
    /// Instantiates every planned layer with the shapes the plan computed, initializes parameters
    /// with `initScheme` from `seed` (layers in plan order, weight then bias) and sets each
    /// parameter's L2 from its layer.
    public static func build(_ plan: NetworkPlan, initScheme: InitScheme, seed: UInt64, maxBatch: Int,
                             threads: Int, kernels: KernelFamily = KernelDispatch.preferred, gradientBatch: Int? = nil) -> Network {
        let weightInit = WeightInit(initScheme)
        let nodes = plan.layers.map { planned in
            Network.Node(name: planned.name, layer: makeLayer(planned.kind, weightInit: weightInit),
                         inputs: planned.inputs)
        }
        let network = Network(inputShape: plan.inputShape, nodes: nodes, maxBatch: maxBatch, threads: threads,
                              seed: seed, shapes: plan.layers.map(\.outputShape), kernels: kernels,
                              gradientBatch: gradientBatch)
        for (planned, node) in zip(plan.layers, network.nodes) {
            for parameter in node.layer.parameters { parameter.l2 = Float(planned.l2) }
        }
        return network
    }

    /// The engine layer of one planned layer kind: every registered definition is
    /// `EngineBuildable` next to its engine class (`LayerRegistryTests` checks all of them).
    public static func makeLayer(_ kind: LayerKind, weightInit: WeightInit = .pytorch) -> any Layer {
        guard let buildable = kind.definition as? any EngineBuildable else {
            preconditionFailure("layer type \(kind.typeName) has no engine class (add its EngineBuildable conformance)")
        }
        return buildable.makeEngineLayer(weightInit: weightInit)
    }
}

extension WeightInit {
    /// The engine's scheme for a spec's `init:` value.
    public init(_ scheme: InitScheme) {
        switch scheme {
        case .pytorch: self = .pytorch
        case .xavierUniform: self = .xavierUniform
        case .kaimingNormal: self = .kaimingNormal
        }
    }
}
