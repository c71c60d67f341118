import Engine
import Builder
import Spec
import TestSupport
import XCTest

/// Every registered layer type, built from its definition through shape inference and the
/// builder: the engine class exists, reports the definition it was built from, owns exactly the
/// parameters the plan counts, and runs forward and backward on the plan's shapes.
final class LayerRegistryTests: XCTestCase {
    /// Values for the options a schema marks required (every other option keeps its default).
    private let required: [String: OptionValue] = ["out": .int(3), "kernel": .int(2)]

    private func example(_ type: any LayerDefinition.Type) throws -> LayerKind {
        var options: [String: OptionValue] = [:]
        for option in type.schema.options {
            switch option.defaultValue {
            case let .value(value): options[option.key] = value
            case .required: options[option.key] = try XCTUnwrap(required[option.key], "no example value for \(type.schema.type).\(option.key)")
            case .derived: break
            }
        }
        return LayerKind(type.init(options: options))
    }

    /// `input → [prefix] → layer → flatten → linear(4)` with the layer reading the input (twice for
    /// merge layers) or a flattened vector when it needs one.
    private func plan(_ kind: LayerKind) throws -> NetworkPlan {
        let image = kind.definition.outputShape(Array(repeating: [2, 6, 6], count: kind.schema.minimumInputs))
        var layers: [LayerSpec] = []
        var source = "input"
        if case .failure = image {
            layers.append(LayerSpec(name: "to_vector", kind: .flatten, inputs: ["input"]))
            source = "to_vector"
        }
        layers.append(LayerSpec(name: "under_test", kind: kind, inputs: Array(repeating: source, count: kind.schema.minimumInputs)))
        layers.append(LayerSpec(name: "flat", kind: .flatten, inputs: ["under_test"]))
        layers.append(LayerSpec(name: "scores", kind: .linear(outFeatures: 4), inputs: ["flat"]))
        var spec = ExperimentSpec(name: "registry")
        spec.model = .layers(layers)
        let info = DatasetInfo(sampleShape: [2, 6, 6], classes: ["a", "b", "c", "d"], trainCount: 10, testCount: 10)
        return try ShapeInference.plan(spec, dataset: info)
    }

    func testEveryRegisteredTypeBuildsAndAgreesWithItsPlan() throws {
        XCTAssertEqual(Catalog.layers.map(\.type), LayerRegistry.types.map { $0.schema.type })
        XCTAssertEqual(Set(LayerRegistry.types.map { $0.schema.type }).count, LayerRegistry.types.count, "duplicate type names")
        for type in LayerRegistry.types {
            let name = type.schema.type
            let kind = try example(type)
            let plan = try plan(kind)
            let layer = try XCTUnwrap(plan.layers.first { $0.name == "under_test" }, name)
            let network = NetworkBuilder.build(plan, initScheme: .pytorch, seed: 1, maxBatch: 3, threads: 2)
            let node = try XCTUnwrap(network.nodes.first { $0.name == "under_test" }, name)
            XCTAssertEqual(node.layer.typeName, name)
            XCTAssertEqual(LayerKind(node.layer.definition), kind, "\(name): the engine layer reports another definition")
            XCTAssertEqual(node.layer.parameters.reduce(0) { $0 + $1.value.count }, layer.parameterCount, name)
            XCTAssertEqual(layer.parameterCount > 0, type.schema.hasParameters, name)
            XCTAssertEqual(node.layer.outputShape(inputShapes: layer.inputShapes), layer.outputShape, name)
            // Forward and backward over a batch fill the plan-sized buffers without trapping.
            let input = (0..<(3 * plan.inputShape.reduce(1, *))).map { Float($0 % 7) / 7 - 0.4 }
            let logits = input.withUnsafeBufferPointer { network.forward($0.baseAddress!, batch: 3, training: true) }
            let scores = Array(UnsafeBufferPointer(start: logits, count: 3 * 4))
            XCTAssertTrue(scores.allSatisfy(\.isFinite), name)
            let labels: [Int32] = [0, 1, 2]
            let (loss, _) = labels.withUnsafeBufferPointer { network.loss(labels: $0.baseAddress!, batch: 3, gradient: true) }
            XCTAssertTrue(loss.isFinite, name)
            network.backward(batch: 3)
            for parameter in node.layer.parameters {
                XCTAssertTrue(parameter.grad.array.allSatisfy(\.isFinite), "\(name): \(parameter.name)")
            }
        }
    }

    func testTheCanonicalYAMLWritesEveryOptionOfEveryType() throws {
        for type in LayerRegistry.types {
            let kind = try example(type)
            XCTAssertEqual(kind.definition.optionValues.count, type.schema.options.count, type.schema.type)
            // Decoding the written values gives the same layer back.
            let values = Dictionary(uniqueKeysWithValues: zip(type.schema.options.map(\.key), kind.definition.optionValues))
            XCTAssertEqual(LayerKind(type.init(options: values)), kind, type.schema.type)
        }
    }
}
