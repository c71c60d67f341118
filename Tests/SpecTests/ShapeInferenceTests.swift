import XCTest
import TestSupport
@testable import Spec

/// Shape inference, the LeNet-5 registry expansion and the model summary.
final class ShapeInferenceTests: XCTestCase {
    /// LeNet-5 written out as an explicit graph, with the registry's names.
    static let explicitLeNet5 = """
    name: Explicit
    data: {resize: 32}
    model:
      layers:
        - {type: conv2d, name: conv1, out: 6, kernel: 5}
        - {type: relu, name: relu1}
        - {type: avgpool2d, name: pool1, kernel: 2}
        - {type: conv2d, name: conv2, out: 16, kernel: 5}
        - {type: relu, name: relu2}
        - {type: avgpool2d, name: pool2, kernel: 2}
        - {type: conv2d, name: conv3, out: 120, kernel: 5}
        - {type: relu, name: relu3}
        - {type: flatten, name: flatten}
        - {type: linear, name: fc1, out: 84}
        - {type: relu, name: relu4}
        - {type: linear, name: fc2, out: 10}
    """

    private func plan(_ text: String) throws -> NetworkPlan {
        try ShapeInference.plan(XCTUnwrap(loadTrials(text).first))
    }

    func testLeNet5ExpansionIsTheExplicitGraph() throws {
        let registry = try plan(validText)
        let explicit = try plan(Self.explicitLeNet5)
        XCTAssertEqual(registry.withoutMarks, explicit.withoutMarks)
        XCTAssertEqual(registry.parameterCount, 61_706)
        XCTAssertEqual(registry.layers.map(\.name), ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3",
                                                     "flatten", "fc1", "relu4", "fc2"])
        XCTAssertEqual(registry.layers.map(\.outputShape), [[6, 28, 28], [6, 28, 28], [6, 14, 14], [16, 10, 10], [16, 10, 10],
                                                            [16, 5, 5], [120, 1, 1], [120, 1, 1], [120], [84], [84], [10]])
        XCTAssertEqual(registry.layers.map(\.parameterCount), [156, 0, 0, 2416, 0, 0, 48120, 0, 0, 10164, 0, 850])
        XCTAssertEqual(registry.inputShape, [1, 32, 32])
    }

    func testLeNet5OptionsChangeTheGraph() throws {
        var options = LeNet5()
        options.batchnorm = true
        options.dropout = 0.5
        options.activation = .tanh
        options.pooling = .max
        options.l2 = 1e-4
        let layers = ModelRegistry.layers(for: .lenet5(options), input: [1, 32, 32], classes: 10)
        XCTAssertEqual(layers.map(\.name), ["conv1", "batch_norm1", "tanh1", "pool1", "conv2", "batch_norm2", "tanh2", "pool2",
                                            "conv3", "batch_norm3", "tanh3", "flatten", "dropout", "fc1", "tanh4", "fc2"])
        XCTAssertEqual(layers.filter { $0.l2 == 1e-4 }.map(\.name),
                       ["conv1", "batch_norm1", "conv2", "batch_norm2", "conv3", "batch_norm3", "fc1", "fc2"])
        XCTAssertEqual(layers[3].kind, .maxpool2d(kernel: 2, stride: 2))
        XCTAssertEqual(layers[12].kind, .dropout(p: 0.5))
        var spec = ExperimentSpec(name: "x")
        spec.data.resize = 32
        spec.model = .lenet5(options)
        XCTAssertEqual(try ShapeInference.plan(spec, dataset: FixedDataset.fashionMNIST).parameterCount, 61_990)
    }

    func testFlopsFollowTheDocumentedRules() throws {
        let layers = try plan(validText).layers
        // conv1: 6·28·28 outputs × (2·1·25 MACs + 1 bias) ; pool1: 6·14·14 outputs × 4 reads ; relu1: 6·28·28
        XCTAssertEqual(layers[0].flops, 6 * 28 * 28 * 51)
        XCTAssertEqual(layers[1].flops, 6 * 28 * 28)
        XCTAssertEqual(layers[2].flops, 6 * 14 * 14 * 4)
        XCTAssertEqual(layers[9].flops, 84 * (2 * 120 + 1))
        XCTAssertEqual(layers[8].flops, 0)
    }

    func testShapeErrorsPointAtTheOffendingLayer() {
        let text = """
        name: Bad shapes
        data: {resize: 32}
        model:
          layers:
            - {type: conv2d, name: conv1, out: 6, kernel: 5}
            - {type: conv2d, name: conv3, out: 120, kernel: 5, stride: 4}
            - {type: linear, name: fc1, out: 84}
            - {type: linear, out: 10}
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:7:7: model.layers[2]: linear \"fc1\" expects a vector input, found [120, 6, 6] from \"conv3\" (add a flatten layer)",
        ])
        XCTAssertEqual(errorLines(validText.replacingOccurrences(of: "resize: 32", with: "resize: null")), [
            "x.yaml:5:3: model.lenet5: conv2d \"conv3\" needs an input of at least 5×5, found [16, 4, 4] from \"pool2\"",
        ])
    }

    func testNamesAndInputsAreChecked() {
        let text = """
        name: Graph
        data: {resize: 32}
        model:
          layers:
            - {type: conv2d, name: conv1, out: 6, kernel: 5}
            - {type: relu, name: conv1}
            - {type: relu, inputs: [cnv1]}
            - {type: add, inputs: [conv1, later]}
            - {type: relu, name: later, inputs: later}
            - {type: add, inputs: conv1}
            - {type: flatten, inputs: [conv1, conv1]}
            - {type: linear, out: 10}
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:6:7: model.layers[1]: duplicate layer name \"conv1\" (also model.layers[0])",
            "x.yaml:7:7: model.layers[2].inputs[0]: unknown layer \"cnv1\", did you mean \"conv1\"?",
            "x.yaml:8:7: model.layers[3].inputs[1]: layer \"later\" comes later; inputs must name earlier layers",
            "x.yaml:9:7: model.layers[4].inputs[0]: layer \"later\" cannot take its own output",
            "x.yaml:10:7: model.layers[5]: add \"add2\" needs at least 2 inputs, found 1",
            "x.yaml:11:7: model.layers[6]: flatten \"flatten1\" takes one input, found 2",
        ])
    }

    func testBranchesAddAndConcat() throws {
        let text = """
        name: Branches
        data: {resize: 32}
        model:
          l2: 0.001
          layers:
            - {type: conv2d, name: a, out: 4, kernel: 3, padding: 1}
            - {type: conv2d, name: b, inputs: input, out: 4, kernel: 3, padding: 1, l2: 0}
            - {type: add, name: sum, inputs: [a, b]}
            - {type: concat, name: cat, inputs: [sum, a, input]}
            - {type: maxpool2d, kernel: 4}
            - {type: flatten}
            - {type: linear, out: 10}
        """
        let layers = try plan(text).layers
        XCTAssertEqual(layers.map(\.outputShape), [[4, 32, 32], [4, 32, 32], [4, 32, 32], [9, 32, 32], [9, 8, 8], [576], [10]])
        XCTAssertEqual(layers.map(\.inputs), [[-1], [-1], [0, 1], [2, 0, -1], [3], [4], [5]])
        XCTAssertEqual(layers.map(\.l2), [0.001, 0, 0, 0, 0, 0, 0.001])
        XCTAssertEqual(layers.map(\.name), ["a", "b", "sum", "cat", "maxpool2d1", "flatten1", "linear1"])

        let mismatch = text.replacingOccurrences(of: "name: b, inputs: input, out: 4", with: "name: b, inputs: input, out: 5")
        XCTAssertEqual(errorLines(mismatch), [
            "x.yaml:8:7: model.layers[2]: add \"sum\" expects inputs of equal shape, found [4, 32, 32] from \"a\" and [5, 32, 32] from \"b\"",
        ])
        let cat = text.replacingOccurrences(of: "inputs: [sum, a, input]", with: "inputs: [sum, maxpool2d1]")
            .replacingOccurrences(of: "- {type: maxpool2d, kernel: 4}", with: "- {type: maxpool2d, kernel: 4, inputs: sum}")
        XCTAssertEqual(errorLines(cat).first, "x.yaml:9:7: model.layers[3].inputs[1]: layer \"maxpool2d1\" comes later; inputs must name earlier layers")
    }

    func testTheNetworkMustEndInTenScores() {
        let text = Self.explicitLeNet5.replacingOccurrences(of: "out: 10}", with: "out: 12}")
        XCTAssertEqual(errorLines(text), [
            "x.yaml:16:7: model.layers[11]: the network must end in 10 class scores, found [12] from \"fc2\"",
        ])
    }

    func testModelSummaryTable() throws {
        let summary = modelSummary(try plan(validText), title: "Test")
        let lines = summary.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "Model: \"Test\"")
        XCTAssertEqual(lines[2], "Layer (type)        Output shape   Params   MFLOPs")
        XCTAssertEqual(lines[4], "conv1 (conv2d)      [6, 28, 28]       156    0.240")
        XCTAssertTrue(lines.contains("Total params: 61,706"))
        XCTAssertTrue(lines.contains("Input shape: [1, 32, 32]"))
        XCTAssertEqual(groupedThousands(1_234_567), "1,234,567")
    }
}
