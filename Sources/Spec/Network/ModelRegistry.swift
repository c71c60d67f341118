/// Registry models: each expands into an explicit layer list, the same graph an equivalent
/// hand-written `model.layers` gives.
public enum ModelRegistry {
    /// The explicit layer list of `model` (unchanged for `.layers`) for a dataset of `classes`
    /// classes (the size of a registry model's last layer).
    public static func layers(for model: ModelSpec, classes: Int) -> [LayerSpec] {
        switch model {
        case let .layers(layers): layers
        case let .lenet5(options): lenet5(options, classes: classes)
        }
    }

    /// LeNet-5 for `1×32×32` input, named so that parameter names match PyTorch's `state_dict`:
    /// `conv1, [batch_norm1], relu1, pool1, conv2, [batch_norm2], relu2, pool2, conv3,
    /// [batch_norm3], relu3, flatten, [dropout], fc1, relu4, fc2` (activations are named after
    /// the chosen activation; `l2` goes on every layer with parameters).
    static func lenet5(_ options: LeNet5Options, classes: Int) -> [LayerSpec] {
        var layers: [LayerSpec] = []
        func add(_ name: String, _ kind: LayerKind, l2: Double = 0) {
            layers.append(LayerSpec(name: name, kind: kind, inputs: [layers.last?.name ?? "input"], l2: l2))
        }
        let activation: LayerKind = switch options.activation {
        case .relu: .relu
        case .tanh: .tanh
        case .sigmoid: .sigmoid
        }
        let pool: LayerKind = options.pooling == .avg ? .avgpool2d(kernel: 2, stride: 2) : .maxpool2d(kernel: 2, stride: 2)
        for (i, channels) in [6, 16, 120].enumerated() {
            let k = i + 1
            add("conv\(k)", .conv2d(outChannels: channels, kernel: 5, stride: 1, padding: 0, bias: true), l2: options.l2)
            if options.batchnorm { add("batch_norm\(k)", .batchnorm2d(momentum: 0.1, eps: 1e-5), l2: options.l2) }
            add("\(options.activation.rawValue)\(k)", activation)
            if k < 3 { add("pool\(k)", pool) }
        }
        add("flatten", .flatten)
        if options.dropout > 0 { add("dropout", .dropout(p: options.dropout)) }
        add("fc1", .linear(outFeatures: 84, bias: true), l2: options.l2)
        add("\(options.activation.rawValue)4", activation)
        add("fc2", .linear(outFeatures: classes, bias: true), l2: options.l2)
        return layers
    }
}
