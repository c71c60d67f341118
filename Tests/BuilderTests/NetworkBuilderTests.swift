import Engine
import Builder
import Spec
import TestSupport
import XCTest

/// Plan → network: names, counts, L2, initialization schemes.
final class NetworkBuilderTests: XCTestCase {
    func testLeNet5HasPyTorchNamesAndParameterCount() {
        let net = NetworkBuilder.build(EngineFixtures.lenet5Plan(), initScheme: .pytorch, seed: 0, maxBatch: 4, threads: 1)
        XCTAssertEqual(net.parameters.map(\.name), [
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias",
            "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
        ])
        XCTAssertEqual(net.parameters.map(\.value.shape), [[6, 1, 5, 5], [6], [16, 6, 5, 5], [16], [120, 16, 5, 5], [120],
                                                           [84, 120], [84], [10, 84], [10]])
        XCTAssertEqual(net.parameters.reduce(0) { $0 + $1.value.count }, 61_706)
        XCTAssertEqual(net.classes, 10)
        XCTAssertTrue(net.stateBuffers.isEmpty)
    }

    func testBatchNormAndDropoutVariant() {
        let plan = EngineFixtures.lenet5Plan(batchnorm: true, dropout: 0.5, l2: 5e-4)
        let net = NetworkBuilder.build(plan, initScheme: .pytorch, seed: 0, maxBatch: 4, threads: 2)
        XCTAssertEqual(net.parameters.reduce(0) { $0 + $1.value.count }, plan.parameterCount)
        XCTAssertEqual(plan.parameterCount, 61_706 + 2 * (6 + 16 + 120))
        XCTAssertEqual(net.stateBuffers.map(\.name), ["batch_norm1", "batch_norm2", "batch_norm3"].flatMap {
            ["\($0).running_mean", "\($0).running_var", "\($0).num_batches_tracked"]
        })
        XCTAssertEqual(Set(net.parameters.map(\.l2)), [Float(5e-4)])
        XCTAssertEqual(net.nodes.map { $0.layer.typeName }, plan.layers.map(\.kind.typeName))
        XCTAssertEqual((net.nodes.first { $0.name == "dropout" }?.layer as? Dropout)?.p, 0.5)
    }

    func testInitSchemeReachesTheLayers() {
        let plan = EngineFixtures.lenet5Plan()
        let xavier = NetworkBuilder.build(plan, initScheme: .xavierUniform, seed: 0, maxBatch: 1, threads: 1)
        XCTAssertEqual(xavier.parameters[1].value.array, [Float](repeating: 0, count: 6))  // biases zero
        let bound = (6.0 / Float(120 + 84)).squareRoot()
        XCTAssertLessThanOrEqual(xavier.parameters[6].value.array.map(abs).max()!, bound)
        let torch = NetworkBuilder.build(plan, initScheme: .pytorch, seed: 0, maxBatch: 1, threads: 1)
        XCTAssertNotEqual(torch.parameters[1].value.array, [Float](repeating: 0, count: 6))
    }
}
