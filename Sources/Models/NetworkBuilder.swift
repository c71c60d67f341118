import Engine
import Spec

/// Turns a shape-inferred `NetworkPlan` into an engine `Network`: the layer registry's
/// constructors, one line per `LayerKind`.
public enum NetworkBuilder {
    /// Instantiates every planned layer, initializes parameters with `initScheme` from `seed`
    /// (layers in plan order, weight then bias) and sets each parameter's L2 from its layer.
    public static func build(_ plan: NetworkPlan, initScheme: InitScheme, seed: UInt64, maxBatch: Int,
                             threads: Int) -> Network {
        let weightInit = WeightInit(initScheme)
        let nodes = plan.layers.map { planned in
            Network.Node(name: planned.name, layer: makeLayer(planned.kind, weightInit: weightInit),
                         inputs: planned.inputs)
        }
        let network = Network(inputShape: plan.inputShape, nodes: nodes, maxBatch: maxBatch, threads: threads,
                              seed: seed)
        for (index, (planned, node)) in zip(plan.layers, network.nodes).enumerated() {
            precondition(network.shapes[index] == planned.outputShape,
                         "engine and plan disagree on the output shape of \(planned.name)")
            for parameter in node.layer.parameters { parameter.l2 = Float(planned.l2) }
        }
        return network
    }

    /// The engine layer for one planned layer kind.
    public static func makeLayer(_ kind: LayerKind, weightInit: WeightInit = .pytorch) -> any Layer {
        switch kind {
        case let .conv2d(out, kernel, stride, padding, bias):
            Conv2D(outChannels: out, kernel: kernel, stride: stride, padding: padding, bias: bias, weightInit: weightInit)
        case let .linear(out, bias): Linear(outFeatures: out, bias: bias, weightInit: weightInit)
        case let .maxpool2d(kernel, stride): MaxPool2D(kernel: kernel, stride: stride)
        case let .avgpool2d(kernel, stride): AvgPool2D(kernel: kernel, stride: stride)
        case .relu: ReLU()
        case .tanh: Tanh()
        case .sigmoid: Sigmoid()
        case let .dropout(p): Dropout(p: p)
        case let .batchnorm1d(momentum, eps): BatchNorm1D(momentum: momentum, eps: eps)
        case let .batchnorm2d(momentum, eps): BatchNorm2D(momentum: momentum, eps: eps)
        case .flatten: Flatten()
        case .add: Add()
        case .concat: Concat()
        }
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
