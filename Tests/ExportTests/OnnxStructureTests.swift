import Engine
import Export
import Foundation
import Reports
import Spec
import SwiftProtobuf
import TestSupport
import XCTest

/// Decodes what the exporter wrote and checks the graph: operators and their wiring, attributes,
/// initializers (names, dims, bytes) and the input and output.
final class OnnxStructureTests: XCTestCase {
    private func decoded(_ c: ExportCase, opset: Int64 = OnnxExporter.defaultOpset) throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: try c.model(opset: opset).serializedData())
    }

    private func attribute(_ node: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }

    func testEveryLayerGraphDecodesToTheExpectedOperators() throws {
        let c = try ExportCase.random(everyLayerGraph, datasets: FixedDataset())
        let m = try decoded(c)
        XCTAssertEqual(m.irVersion, 9)
        XCTAssertEqual(m.opsetImport.map(\.version), [20])
        XCTAssertEqual(m.opsetImport.map(\.domain), [""])
        XCTAssertEqual(m.metadataProps.map(\.key), ["trial"])
        let g = m.graph
        XCTAssertEqual(g.node.map(\.opType), [
            "Conv", "BatchNormalization", "Relu", "Conv", "Gelu", "Conv", "Sigmoid", "Mul", "Sum", "Elu", "Concat",
            "LayerNormalization", "MaxPool", "AveragePool", "LeakyRelu", "Identity", "Conv", "Tanh", "Pad", "GlobalAveragePool",
            "Flatten", "Flatten", "Gemm", "Sigmoid", "Concat", "Add", "BatchNormalization", "LayerNormalization", "Gemm",
        ])
        let byName = Dictionary(g.node.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // Wiring: the graph's joins read the values of the layers they name; dropout is gone.
        XCTAssertEqual(byName["res"]?.input, ["g", "s", "a"])
        XCTAssertEqual(byName["cat"]?.input, ["e", "res"])
        XCTAssertEqual(byName["s"]?.input, ["b1", "s/sigmoid"])
        XCTAssertEqual(byName["vec2"]?.input, ["vec", "vec"])
        XCTAssertEqual(byName["ln_vec"]?.input, ["bn1", "ln_vec.weight", "ln_vec.bias"])
        XCTAssertNil(byName["drop"])
        XCTAssertEqual(byName["stem"]?.input, ["input", "stem.weight", "stem.bias"])
        XCTAssertEqual(byName["dw"]?.input, ["a", "dw.weight"])
        XCTAssertEqual(byName["out"]?.output, ["logits"])
        XCTAssertEqual(byName["bn1"]?.input, ["vec2", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"])

        // Attributes.
        let dw = try XCTUnwrap(byName["dw"])
        XCTAssertEqual(attribute(dw, "group")?.i, 8)
        XCTAssertEqual(attribute(dw, "pads")?.ints, [1, 1, 1, 1])
        XCTAssertEqual(attribute(dw, "kernel_shape")?.ints, [3, 3])
        XCTAssertEqual(attribute(try XCTUnwrap(byName["c2"]), "strides")?.ints, [2, 2])
        XCTAssertEqual(attribute(try XCTUnwrap(byName["stem"]), "pads")?.ints, [1, 1, 1, 1])
        XCTAssertEqual(attribute(try XCTUnwrap(byName["ap"]), "strides")?.ints, [1, 1])
        XCTAssertEqual(attribute(try XCTUnwrap(byName["mp"]), "kernel_shape")?.ints, [2, 2])
        XCTAssertEqual(attribute(try XCTUnwrap(byName["e"]), "alpha")?.f, 0.5)
        XCTAssertEqual(attribute(try XCTUnwrap(byName["leaky"]), "alpha")?.f, 0.2)
        XCTAssertEqual(attribute(try XCTUnwrap(byName["ln_img"]), "axis")?.i, -3)
        XCTAssertEqual(attribute(try XCTUnwrap(byName["ln_vec"]), "axis")?.i, -1)
        XCTAssertEqual(attribute(try XCTUnwrap(byName["ln_vec"]), "epsilon")?.f, 1e-5)
        XCTAssertEqual(attribute(try XCTUnwrap(byName["bn1"]), "epsilon")?.f, 1e-5)
        XCTAssertEqual(attribute(try XCTUnwrap(byName["fa"]), "transB")?.i, 1)
        XCTAssertEqual(attribute(try XCTUnwrap(byName["g"]), "approximate")?.s, Data("none".utf8))
        XCTAssertEqual(attribute(try XCTUnwrap(byName["cat"]), "axis")?.i, 1)
        // pad_channels: 12 → 16 channels, zeros appended after the input's channels.
        XCTAssertEqual(byName["pc"]?.input, ["t", "pc/pads"])
        XCTAssertEqual(attribute(try XCTUnwrap(byName["pc"]), "mode")?.s, Data("constant".utf8))
        let pads = try XCTUnwrap(g.initializer.first { $0.name == "pc/pads" })
        XCTAssertEqual(pads.int64Data, [0, 0, 0, 0, 0, 4, 0, 0])

        // Initializers: every parameter and running statistic, named, shaped and valued as the network's.
        let initializers = Dictionary(uniqueKeysWithValues: g.initializer.map { ($0.name, $0) })
        let expected = c.network.parameters.map { ($0.name, $0.value) }
            + c.network.stateBuffers.filter { $0.dtype == .float32 }.map { ($0.name, $0.value) }
        XCTAssertEqual(Set(initializers.keys).subtracting(["pc/pads"]), Set(expected.map(\.0)))
        for (name, tensor) in expected {
            let i = try XCTUnwrap(initializers[name], name)
            XCTAssertEqual(i.dims, tensor.shape.map(Int64.init), name)
            XCTAssertEqual(i.dataType, Int32(Onnx_TensorProto.DataType.float.rawValue), name)
            XCTAssertEqual(floats(i.rawData), Array(UnsafeBufferPointer(start: tensor.data, count: tensor.count)), name)
        }
        XCTAssertEqual(initializers["dw.weight"]?.dims, [8, 1, 3, 3])
        XCTAssertEqual(initializers["ln_img.weight"]?.dims, [16, 28, 28])

        // Input and output: float, a dynamic batch dimension, then the per-sample shape.
        XCTAssertEqual(g.input.map(\.name), ["input"])
        XCTAssertEqual(g.output.map(\.name), ["logits"])
        let input = g.input[0].type.tensorType, output = g.output[0].type.tensorType
        XCTAssertEqual(input.elemType, 1)
        XCTAssertEqual(input.shape.dim.map(\.dimParam), ["batch", "", "", ""])
        XCTAssertEqual(input.shape.dim.dropFirst().map(\.dimValue), [1, 28, 28])
        XCTAssertEqual(output.shape.dim.map(\.dimParam), ["batch", ""])
        XCTAssertEqual(output.shape.dim.last?.dimValue, 10)
    }

    /// Below opset 20 GELU is spelled out with Erf; below 17 layer normalization is refused.
    func testOpsetsDecomposeOrRefuse() throws {
        let c = try ExportCase.random(everyLayerGraph, datasets: FixedDataset())
        let m17 = try decoded(c, opset: 17)
        XCTAssertEqual(m17.irVersion, 8)
        XCTAssertFalse(m17.graph.node.contains { $0.opType == "Gelu" })
        let gelu = m17.graph.node.filter { $0.name.hasPrefix("g/") || $0.name == "g" }
        XCTAssertEqual(gelu.map(\.opType), ["Div", "Erf", "Add", "Mul", "Mul"])
        XCTAssertEqual(gelu.last?.input, ["dw", "g/gate"])
        XCTAssertThrowsError(try c.model(opset: 16)) {
            XCTAssertEqual("\($0)", "layer ln_img (layernorm): LayerNormalization needs opset 17 or later (found --opset 16)")
        }
        XCTAssertThrowsError(try c.model(opset: 12)) {
            XCTAssertEqual("\($0)", "--opset: expected an opset from 13 to 21, found 12")
        }
        // Without layer norm, opset 13 works.
        let lenet = try ExportCase.random("name: L\ndata: {resize: 32}\nmodel: {lenet5: {batchnorm: true, dropout: 0.5}}\n", datasets: FixedDataset())
        let m13 = try decoded(lenet, opset: 13)
        XCTAssertEqual(m13.irVersion, 7)
        XCTAssertEqual(m13.graph.node.map(\.opType), [
            "Conv", "BatchNormalization", "Relu", "AveragePool", "Conv", "BatchNormalization", "Relu", "AveragePool",
            "Conv", "BatchNormalization", "Relu", "Flatten", "Gemm", "Relu", "Gemm",
        ])
        XCTAssertEqual(m13.graph.node.first { $0.name == "fc1" }?.input, ["flatten", "fc1.weight", "fc1.bias"])
    }

    /// A checkpoint without a tensor the graph needs is one line naming it.
    func testMissingTensorIsOneLine() throws {
        let c = try ExportCase.random("name: L\ndata: {resize: 32}\nmodel: {lenet5: {}}\n", datasets: FixedDataset())
        let kept = c.network.parameters.filter { $0.name != "conv2.bias" }.map { ($0.name, Safetensors.DType.f32, $0.value.shape,
                                                                                   Data(bytes: $0.value.data, count: $0.value.count * 4)) }
        let partial = try Safetensors.parse(Safetensors.write(tensors: kept), path: "partial.safetensors")
        XCTAssertThrowsError(try OnnxExporter.model(plan: c.plan, weights: partial, metadata: [])) {
            XCTAssertEqual("\($0)", "partial.safetensors: missing tensor \"conv2.bias\"")
        }
    }

    /// The preprocessing in metadata_props says what the trial's data section does.
    func testPreprocessingMetadata() throws {
        var data = DataSpec()
        data.resize = 32
        data.pad = 2
        data.mean = [0.5, 0.25, 0.125]
        data.std = [0.5, 0.5, 0.5]
        let entries = Dictionary(uniqueKeysWithValues: OnnxExporter.preprocessingMetadata(data, inputShape: [3, 36, 36]))
        XCTAssertEqual(entries["preprocessing"],
                       "8-bit pixels, 3 channels (luma for gray); resize to 32×32 (bilinear, Pillow's, on the 8-bit pixels); "
                       + "zero-pad 2 pixels on each side; x = (pixel / 255 − mean[c]) / std[c]; layout NCHW float32")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(XCTUnwrap(entries["preprocessing.json"]).utf8)) as? [String: Any])
        XCTAssertEqual(json["resize"] as? Int, 32)
        XCTAssertEqual(json["pad"] as? Int, 2)
        XCTAssertEqual(json["mean"] as? [Double], [0.5, 0.25, 0.125])
        XCTAssertEqual(json["std"] as? [Double], [0.5, 0.5, 0.5])
        XCTAssertEqual(json["input_shape"] as? [Int], [3, 36, 36])
        XCTAssertEqual(json["scale"] as? Int, 255)
    }
}
