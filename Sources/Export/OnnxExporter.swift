import Foundation
import Reports
import Spec
import SwiftProtobuf

/// Why a network cannot be exported (one line: the layer, its type and why).
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A shape-inferred network with its trained tensors → an ONNX model in evaluation mode.
///
/// The graph reads `input` (`[batch, C, H, W]` float, the batch dimension dynamic) — the images
/// after the trial's preprocessing, which `metadata_props` describes — and writes `logits`
/// (`[batch, classes]`). Each planned layer becomes the ONNX operators below; its tensors are
/// initializers named as in the checkpoint (`conv1.weight`, `batch_norm1.running_mean`):
///
/// | layer | ONNX |
/// | --- | --- |
/// | conv2d | Conv (strides, pads, group) |
/// | linear | Gemm (transB = 1) |
/// | batchnorm1d / batchnorm2d | BatchNormalization with the running statistics |
/// | layernorm | LayerNormalization (opset ≥ 17; axis = −dims) |
/// | maxpool2d / avgpool2d | MaxPool / AveragePool |
/// | global_avgpool | GlobalAveragePool, Flatten |
/// | relu, tanh, sigmoid, leaky_relu, elu | Relu, Tanh, Sigmoid, LeakyRelu, Elu |
/// | gelu | Gelu (opset ≥ 20), else x·½·(1 + Erf(x/√2)) |
/// | silu | x·Sigmoid(x) |
/// | flatten, identity, add, concat | Flatten, Identity, Add (Sum for more than two), Concat (axis 1) |
/// | dropout | nothing (identity in evaluation mode) |
public enum OnnxExporter {
    /// Opsets we can write: 13 (the issue's floor) to 21.
    public static let opsets = 13...21
    public static let defaultOpset: Int64 = 20

    /// The IR version that goes with an opset (ONNX's versioning table).
    static func irVersion(opset: Int64) -> Int64 {
        switch opset {
        case ...14: return 7
        case 15...18: return 8
        case 19, 20: return 9
        default: return 10
        }
    }

    /// The model of `plan` with the checkpoint's tensors (already checked against the network:
    /// names, dtypes, shapes). `metadata` goes into `metadata_props` as it is.
    public static func model(plan: NetworkPlan, weights: SafetensorsFile, metadata: [(String, String)],
                             opset: Int64 = defaultOpset, graphName: String = "network") throws -> Onnx_ModelProto {
        guard opsets.contains(Int(opset)) else {
            throw ExportError("--opset: expected an opset from \(opsets.lowerBound) to \(opsets.upperBound), found \(opset)")
        }
        var graph = GraphBuilder(weights: weights, opset: opset)
        try graph.add(plan)

        var model = Onnx_ModelProto()
        model.irVersion = irVersion(opset: opset)
        model.producerName = "declarative-dl runner"
        model.producerVersion = "1"
        var onnxDomain = Onnx_OperatorSetIdProto()
        onnxDomain.domain = ""
        onnxDomain.version = opset
        model.opsetImport = [onnxDomain]
        model.graph = graph.graph
        model.graph.name = graphName
        model.graph.input = [valueInfo("input", elementShape: plan.inputShape)]
        model.graph.output = [valueInfo("logits", elementShape: plan.layers.last?.outputShape ?? [])]
        model.metadataProps = metadata.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// A float tensor `[batch] + elementShape` with a dynamic (`batch`) first dimension.
    static func valueInfo(_ name: String, elementShape: [Int]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        shape.dim = [batch] + elementShape.map { size in
            var d = Onnx_TensorShapeProto.Dimension()
            d.dimValue = Int64(size)
            return d
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensor
        return info
    }

    /// The preprocessing a caller applies before `input`, as `metadata_props` entries.
    public static func preprocessingMetadata(_ data: DataSpec, inputShape: [Int]) -> [(String, String)] {
        func list(_ values: [Double]) -> String { "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }
        let resize = data.resize.map(String.init) ?? "null"
        let steps = [
            "8-bit pixels, \(inputShape.first ?? 1) channel\(inputShape.first == 1 ? "" : "s") (luma for gray)",
            data.resize.map { "resize to \($0)×\($0) (bilinear, Pillow's, on the 8-bit pixels)" },
            data.pad > 0 ? "zero-pad \(data.pad) pixels on each side" : nil,
            "x = (pixel / 255 − mean[c]) / std[c]", "layout NCHW float32",
        ].compactMap { $0 }
        return [
            ("preprocessing", steps.joined(separator: "; ")),
            ("preprocessing.json", """
                {"layout": "NCHW", "dtype": "float32", "input_shape": [\(inputShape.map(String.init).joined(separator: ", "))], \
                "channels": \(inputShape.first ?? 1), "resize": \(resize), "resize_filter": "bilinear (Pillow)", "pad": \(data.pad), \
                "scale": 255, "mean": \(list(data.mean)), "std": \(list(data.std))}
                """),
        ]
    }
}

/// Adds nodes and initializers for the planned layers in order.
struct GraphBuilder {
    let weights: SafetensorsFile
    let opset: Int64
    var graph = Onnx_GraphProto()
    /// The ONNX value each planned layer's output is (a dropped dropout aliases its input).
    private var values: [String] = []

    init(weights: SafetensorsFile, opset: Int64) {
        self.weights = weights
        self.opset = opset
    }

    mutating func add(_ plan: NetworkPlan) throws {
        for (index, layer) in plan.layers.enumerated() {
            let inputs = layer.inputs.map { $0 < 0 ? "input" : values[$0] }
            let isLast = index == plan.layers.count - 1
            // "input" is reserved by the spec; "logits" names the graph output only.
            let output = isLast ? "logits" : layer.name == "logits" ? "logits/hidden" : layer.name
            values.append(try add(layer, inputs: inputs, output: output))
        }
    }

    /// The nodes of one layer; returns the name of the value holding its output.
    private mutating func add(_ layer: PlannedLayer, inputs: [String], output: String) throws -> String {
        let name = layer.name, x = inputs.first ?? "input"
        func refuse(_ why: String) -> ExportError {
            ExportError("layer \(name) (\(layer.kind.typeName)): \(why)")
        }
        switch layer.kind.definition {
        case let c as Conv2DLayer:
            var ins = [x, try initializer("\(name).weight")]
            if c.bias { ins.append(try initializer("\(name).bias")) }
            node("Conv", name, ins, output, [
                .ints("kernel_shape", [c.kernel, c.kernel]), .ints("strides", [c.stride, c.stride]),
                .ints("pads", [c.padding, c.padding, c.padding, c.padding]), .ints("dilations", [1, 1]),
                .int("group", c.groups),
            ])
        case let l as LinearLayer:
            var ins = [x, try initializer("\(name).weight")]
            if l.bias { ins.append(try initializer("\(name).bias")) }
            node("Gemm", name, ins, output, [.int("transB", 1), .float("alpha", 1), .float("beta", 1)])
        case let b as BatchNorm1DLayer:
            try batchNorm(name, x, output, eps: b.eps, momentum: b.momentum)
        case let b as BatchNorm2DLayer:
            try batchNorm(name, x, output, eps: b.eps, momentum: b.momentum)
        case let n as LayerNormLayer:
            guard opset >= 17 else { throw refuse("LayerNormalization needs opset 17 or later (found --opset \(opset))") }
            let rank = (layer.inputShapes.first ?? []).count
            node("LayerNormalization", name, [x, try initializer("\(name).weight"), try initializer("\(name).bias")], output,
                 [.int("axis", -(n.dims ?? rank)), .float("epsilon", n.eps)])
        case let p as MaxPool2DLayer:
            node("MaxPool", name, [x], output, [.ints("kernel_shape", [p.kernel, p.kernel]), .ints("strides", [p.stride, p.stride])])
        case let p as AvgPool2DLayer:
            node("AveragePool", name, [x], output, [.ints("kernel_shape", [p.kernel, p.kernel]), .ints("strides", [p.stride, p.stride])])
        case is GlobalAvgPoolLayer:
            node("GlobalAveragePool", name, [x], "\(name)/pooled", [])
            node("Flatten", "\(name)/flatten", ["\(name)/pooled"], output, [.int("axis", 1)])
        case is DropoutLayer:
            // Evaluation mode: the identity. Only the network's output needs a node to name it.
            guard output == "logits" else { return x }
            node("Identity", name, [x], output, [])
        case is ReLULayer: node("Relu", name, [x], output, [])
        case is TanhLayer: node("Tanh", name, [x], output, [])
        case is SigmoidLayer: node("Sigmoid", name, [x], output, [])
        case let l as LeakyReLULayer: node("LeakyRelu", name, [x], output, [.float("alpha", l.slope)])
        case let e as ELULayer: node("Elu", name, [x], output, [.float("alpha", e.alpha)])
        case is GELULayer:
            if opset >= 20 {
                node("Gelu", name, [x], output, [.string("approximate", "none")])
            } else {
                // x · ½ · (1 + erf(x / √2)), as PyTorch's exact GELU.
                let sqrt2 = constant("\(name)/sqrt2", Float(2).squareRoot())
                let one = constant("\(name)/one", 1), half = constant("\(name)/half", 0.5)
                node("Div", "\(name)/scale", [x, sqrt2], "\(name)/scaled", [])
                node("Erf", "\(name)/erf", ["\(name)/scaled"], "\(name)/erf", [])
                node("Add", "\(name)/shift", ["\(name)/erf", one], "\(name)/shifted", [])
                node("Mul", "\(name)/half", ["\(name)/shifted", half], "\(name)/gate", [])
                node("Mul", name, [x, "\(name)/gate"], output, [])
            }
        case is SiLULayer:
            node("Sigmoid", "\(name)/sigmoid", [x], "\(name)/sigmoid", [])
            node("Mul", name, [x, "\(name)/sigmoid"], output, [])
        case is IdentityLayer: node("Identity", name, [x], output, [])
        case let p as PadChannelsLayer:
            // Zero channels appended: pads are [begin of each axis (N, C, H, W), end of each axis].
            let channels = (layer.inputShapes.first ?? [p.out])[0]
            let pads = int64Constant("\(name)/pads", [0, 0, 0, 0, 0, Int64(p.out - channels), 0, 0])
            node("Pad", name, [x, pads], output, [.string("mode", "constant")])
        case is FlattenLayer:
            node("Flatten", name, [x], output, [.int("axis", 1)])
        case is AddLayer:
            node(inputs.count == 2 ? "Add" : "Sum", name, inputs, output, [])
        case is ConcatLayer:
            node("Concat", name, inputs, output, [.int("axis", 1)])
        default:
            throw refuse("ONNX export does not support this layer type")
        }
        return output
    }

    private mutating func batchNorm(_ name: String, _ x: String, _ output: String, eps: Double, momentum: Double) throws {
        let ins = try ["weight", "bias", "running_mean", "running_var"].map { try initializer("\(name).\($0)") }
        // PyTorch's momentum weighs the new batch; ONNX's weighs the running value (unused in inference).
        node("BatchNormalization", name, [x] + ins, output, [.float("epsilon", eps), .float("momentum", 1 - momentum)])
    }

    /// Adds the checkpoint's float tensor `name` as an initializer (once) and returns its name.
    private mutating func initializer(_ name: String) throws -> String {
        guard let t = weights.tensors[name] else { throw ExportError("\(weights.path): missing tensor \"\(name)\"") }
        guard t.dtype == .f32 else { throw ExportError("\(weights.path): tensor \"\(name)\" is \(t.dtype.rawValue), expected F32") }
        if !graph.initializer.contains(where: { $0.name == name }) {
            var tensor = Onnx_TensorProto()
            tensor.name = name
            tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            tensor.dims = t.shape.map(Int64.init)
            tensor.rawData = t.bytes  // safetensors stores little-endian float32, as raw_data does
            graph.initializer.append(tensor)
        }
        return name
    }

    /// A scalar float initializer.
    private mutating func constant(_ name: String, _ value: Float) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.floatData = [value]
        graph.initializer.append(tensor)
        return name
    }

    private mutating func int64Constant(_ name: String, _ values: [Int64]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.dims = [Int64(values.count)]
        tensor.int64Data = values
        graph.initializer.append(tensor)
        return name
    }

    enum Attribute {
        case int(String, Int), ints(String, [Int]), float(String, Double), string(String, String)

        var proto: Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            switch self {
            case let .int(name, value):
                a.name = name
                a.type = .int
                a.i = Int64(value)
            case let .ints(name, values):
                a.name = name
                a.type = .ints
                a.ints = values.map(Int64.init)
            case let .float(name, value):
                a.name = name
                a.type = .float
                a.f = Float(value)
            case let .string(name, value):
                a.name = name
                a.type = .string
                a.s = Data(value.utf8)
            }
            return a
        }
    }

    private mutating func node(_ op: String, _ name: String, _ inputs: [String], _ output: String, _ attributes: [Attribute]) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        n.output = [output]
        n.attribute = attributes.map(\.proto)
        graph.node.append(n)
    }
}
