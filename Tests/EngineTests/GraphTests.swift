import Engine
import TestSupport
import XCTest

/// The DAG executor: fan-out, residual addition, concatenation branches.
final class GraphTests: XCTestCase {
    /// stem → conv → bn → relu → conv → add(·, stem) → relu → flatten → linear.
    private func residualNodes() -> [Network.Node] {
        [
            Network.Node(name: "stem", layer: Conv2D(outChannels: 3, kernel: 3, padding: 1), inputs: [-1]),
            Network.Node(name: "conv_a", layer: Conv2D(outChannels: 3, kernel: 3, padding: 1), inputs: [0]),
            Network.Node(name: "bn_a", layer: BatchNorm2D(), inputs: [1]),
            Network.Node(name: "relu_a", layer: ReLU(), inputs: [2]),
            Network.Node(name: "conv_b", layer: Conv2D(outChannels: 3, kernel: 3, padding: 1, bias: false), inputs: [3]),
            Network.Node(name: "sum", layer: Add(), inputs: [4, 0]),
            Network.Node(name: "relu", layer: Tanh(), inputs: [5]),
            Network.Node(name: "flatten", layer: Flatten(), inputs: [6]),
            Network.Node(name: "fc", layer: Linear(outFeatures: 4), inputs: [7]),
        ]
    }

    func testResidualBlockGradients() {
        for threads in [1, 2] {
            let net = EngineFixtures.checkedNetwork([2, 5, 5], residualNodes(), batch: 3, threads: threads)
            var checker = GradientCheck()
            checker.eps = 3e-3
            checker.samplesPerTensor = 40
            XCTAssertEqual(checker.failures(net, input: engineRandomValues(150, seed: 21), batch: 3), [],
                           "threads \(threads)")
        }
    }

    func testResidualAddForwardIsTheElementwiseSum() {
        let net = Network(inputShape: [2, 5, 5], nodes: residualNodes(), maxBatch: 2, threads: 2, seed: 3)
        let x = engineRandomValues(100, seed: 2)
        _ = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 2, training: true) }
        let count = 2 * 75
        let a = Array(UnsafeBufferPointer(start: net.activation(4), count: count))
        let b = Array(UnsafeBufferPointer(start: net.activation(0), count: count))
        let sum = Array(UnsafeBufferPointer(start: net.activation(5), count: count))
        XCTAssertEqual(sum, zip(a, b).map { $0 + $1 })
    }

    func testConcatBranchesLayoutAndGradients() {
        let nodes = [
            Network.Node(name: "stem", layer: Conv2D(outChannels: 2, kernel: 1), inputs: [-1]),
            Network.Node(name: "wide", layer: Conv2D(outChannels: 3, kernel: 3, padding: 1), inputs: [0]),
            Network.Node(name: "narrow", layer: Conv2D(outChannels: 1, kernel: 1), inputs: [0]),
            Network.Node(name: "act", layer: Sigmoid(), inputs: [0]),
            Network.Node(name: "cat", layer: Concat(), inputs: [1, 2, 3]),
            Network.Node(name: "pool", layer: MaxPool2D(kernel: 2, stride: 2), inputs: [4]),
            Network.Node(name: "flatten", layer: Flatten(), inputs: [5]),
            Network.Node(name: "fc", layer: Linear(outFeatures: 3), inputs: [6]),
        ]
        let net = EngineFixtures.checkedNetwork([1, 4, 4], nodes, batch: 3)
        XCTAssertEqual(net.shapes[4], [6, 4, 4])
        let x = engineRandomValues(48, seed: 9)
        _ = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 3, training: true) }
        // Sample 1's concat block is wide(48) ‖ narrow(16) ‖ act(32) of sample 1.
        let cat = net.activation(4) + 96
        XCTAssertEqual(cat[0], net.activation(1)[48])
        XCTAssertEqual(cat[48], net.activation(2)[16])
        XCTAssertEqual(cat[64 + 31], net.activation(3)[32 + 31])
        var checker = GradientCheck()
        checker.eps = 3e-3
        XCTAssertEqual(checker.failures(net, input: x, batch: 3), [])
    }

    func testFirstLayerInputGradientIsSkipped() {
        let net = Network(inputShape: [2, 5, 5], nodes: residualNodes(), maxBatch: 2, threads: 2, seed: 3)
        XCTAssertNil(net.inputGradient)
        XCTAssertEqual(net.parameters.map(\.name), [
            "stem.weight", "stem.bias", "conv_a.weight", "conv_a.bias", "bn_a.weight", "bn_a.bias",
            "conv_b.weight", "fc.weight", "fc.bias",
        ])
        XCTAssertEqual(net.stateBuffers.map(\.name), ["bn_a.running_mean", "bn_a.running_var", "bn_a.num_batches_tracked"])
        XCTAssertEqual(net.stateBuffers.map(\.dtype), [.float32, .float32, .int64])
    }
}
