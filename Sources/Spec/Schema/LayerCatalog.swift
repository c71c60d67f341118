/// The layer types of `model.layers`. Adding a layer type costs one entry here (plus its
/// shape rule in `ShapeInference` and its engine implementation).
extension Catalog {
    public static let layers: [LayerInfo] = [
        LayerInfo(type: "conv2d", doc: "2-D convolution over [C, H, W]", options: [
            OptionInfo("out", .integer(minimum: 1), .required, "output channels"),
            OptionInfo("kernel", .integer(minimum: 1), .required, "square kernel size"),
            OptionInfo("stride", .integer(minimum: 1), .value(.int(1)), "step between windows"),
            OptionInfo("padding", .integer(minimum: 0), .value(.int(0)), "zeros added on each side"),
            OptionInfo("bias", .boolean, .value(.bool(true)), "learn a per-channel bias"),
        ], hasParameters: true, minimumInputs: 1,
        build: { o in .conv2d(outChannels: o.int("out"), kernel: o.int("kernel"), stride: o.int("stride"),
                              padding: o.int("padding"), bias: o.bool("bias")) },
        values: { k in
            guard case let .conv2d(out, kernel, stride, padding, bias) = k else { return [] }
            return [.int(out), .int(kernel), .int(stride), .int(padding), .bool(bias)]
        }),
        LayerInfo(type: "linear", doc: "fully connected layer over a vector [F]", options: [
            OptionInfo("out", .integer(minimum: 1), .required, "output features"),
            OptionInfo("bias", .boolean, .value(.bool(true)), "learn a bias"),
        ], hasParameters: true, minimumInputs: 1,
        build: { o in .linear(outFeatures: o.int("out"), bias: o.bool("bias")) },
        values: { k in
            guard case let .linear(out, bias) = k else { return [] }
            return [.int(out), .bool(bias)]
        }),
        pooling("maxpool2d", "max over square windows", LayerKind.maxpool2d),
        pooling("avgpool2d", "mean over square windows", LayerKind.avgpool2d),
        LayerInfo(type: "dropout", doc: "zeroes each element with probability p while training (scales by 1/(1-p))", options: [
            OptionInfo("p", .number(.unitInterval), .value(.number(0.5)), "drop probability"),
        ], hasParameters: false, minimumInputs: 1,
        build: { o in .dropout(p: o.number("p")) },
        values: { k in if case let .dropout(p) = k { [.number(p)] } else { [] } }),
        batchNorm("batchnorm1d", "batch normalization over a vector [F]", LayerKind.batchnorm1d),
        batchNorm("batchnorm2d", "batch normalization per channel of [C, H, W]", LayerKind.batchnorm2d),
        plain("relu", "max(0, x)", .relu),
        plain("tanh", "hyperbolic tangent", .tanh),
        plain("sigmoid", "1 / (1 + e^-x)", .sigmoid),
        plain("flatten", "[C, H, W] → [C·H·W]", .flatten),
        plain("add", "element-wise sum of two or more inputs of equal shape", .add, minimumInputs: 2),
        plain("concat", "concatenation of two or more inputs along channels (equal spatial size)", .concat, minimumInputs: 2),
    ]

    private static func pooling(_ type: String, _ doc: String,
                                _ make: @escaping @Sendable (Int, Int) -> LayerKind) -> LayerInfo {
        LayerInfo(type: type, doc: doc, options: [
            OptionInfo("kernel", .integer(minimum: 1), .required, "square window size"),
            OptionInfo("stride", .integer(minimum: 1), .derived("kernel"), "step between windows"),
        ], hasParameters: false, minimumInputs: 1,
        build: { o in make(o.int("kernel"), o["stride"]?.int ?? o.int("kernel")) },
        values: { k in
            switch k {
            case let .maxpool2d(kernel, stride), let .avgpool2d(kernel, stride): [.int(kernel), .int(stride)]
            default: []
            }
        })
    }

    private static func batchNorm(_ type: String, _ doc: String,
                                  _ make: @escaping @Sendable (Double, Double) -> LayerKind) -> LayerInfo {
        LayerInfo(type: type, doc: doc, options: [
            OptionInfo("momentum", .number(.unitInterval), .value(.number(0.1)), "running-statistics update rate"),
            OptionInfo("eps", .number(.positive), .value(.number(1e-5)), "added to the variance"),
        ], hasParameters: true, minimumInputs: 1,
        build: { o in make(o.number("momentum"), o.number("eps")) },
        values: { k in
            switch k {
            case let .batchnorm1d(momentum, eps), let .batchnorm2d(momentum, eps): [.number(momentum), .number(eps)]
            default: []
            }
        })
    }

    private static func plain(_ type: String, _ doc: String, _ kind: LayerKind, minimumInputs: Int = 1) -> LayerInfo {
        LayerInfo(type: type, doc: doc, options: [], hasParameters: false, minimumInputs: minimumInputs,
                  build: { _ in kind }, values: { _ in [] })
    }
}

/// Typed access to options that the catalog guarantees are present (required or defaulted).
extension Dictionary where Key == String, Value == OptionValue {
    func int(_ key: String) -> Int { self[key]?.int ?? 0 }
    func number(_ key: String) -> Double { self[key]?.number ?? 0 }
    func bool(_ key: String) -> Bool { self[key]?.bool ?? false }
}
