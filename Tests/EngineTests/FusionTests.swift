import Engine
import TestSupport
import XCTest

/// ReLU fusion (a conv2d or linear applying the ReLU that is its only reader) changes no bits.
final class FusionTests: XCTestCase {
    /// Losses, input gradient and parameters after 3 SGD steps, with and without fusion.
    private func train(_ makeNodes: () -> [Network.Node], inputShape: [Int], fuse: Bool,
                       fusedNodes: [String]) -> [[Float]] {
        let batch = 9
        let net = Network(inputShape: inputShape, nodes: makeNodes(), maxBatch: batch, threads: 2, seed: 3,
                          inputGradient: true, fuse: fuse)
        XCTAssertEqual(net.fusedNodes, fuse ? fusedNodes : [])
        var values: [[Float]] = []
        for step in 0..<3 {
            let images = engineRandomValues(batch * inputShape.reduce(1, *), seed: UInt64(10 + step))
            let labels = EngineFixtures.labels(batch, classes: 10, seed: UInt64(step))
            values.append([Float(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.1).loss)])
            values.append(Array(UnsafeBufferPointer(start: net.inputGradient!, count: images.count)))
        }
        return values + net.parameters.map { $0.value.array }
    }

    private func assertFusionChangesNothing(_ what: String, inputShape: [Int], fusedNodes: [String],
                                            _ makeNodes: () -> [Network.Node],
                                            file: StaticString = #filePath, line: UInt = #line) {
        let plain = train(makeNodes, inputShape: inputShape, fuse: false, fusedNodes: fusedNodes)
        let fused = train(makeNodes, inputShape: inputShape, fuse: true, fusedNodes: fusedNodes)
        assertSameBits(plain, fused, what, file: file, line: line)
    }

    func testLeNetShapesFuseBitIdentically() {
        // conv (direct) → relu, conv (linear path) → relu, linear → relu, each fused.
        assertFusionChangesNothing("lenet", inputShape: [1, 32, 32], fusedNodes: ["l1", "l2", "l4", "l5", "l7", "l10"]) {
            EngineFixtures.chain([
                Conv2D(outChannels: 6, kernel: 5), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 16, kernel: 5, padding: 1), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 30, kernel: 6), ReLU(), Flatten(), Linear(outFeatures: 20), ReLU(),
                Linear(outFeatures: 10),
            ])
        }
    }

    func testPoolingWithUncoveredEdgesFuses() {
        // Conv outputs 10×9 and 6×5: each pooling leaves a column uncovered.
        assertFusionChangesNothing("odd", inputShape: [2, 12, 11], fusedNodes: ["l1", "l2", "l4", "l5"]) {
            EngineFixtures.chain([
                Conv2D(outChannels: 5, kernel: 3), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 3, kernel: 2, padding: 1), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Flatten(), Linear(outFeatures: 10),
            ])
        }
    }

    func testBatchNormFusesReLUAndPooling() {
        // conv → batch norm → ReLU → pool: the ReLU and the pooling run inside the batch norm;
        // a linear → ReLU and a batch norm (1-D) → ReLU fuse too; a batch norm without ReLU does not.
        assertFusionChangesNothing("batchnorm", inputShape: [1, 16, 15], fusedNodes: ["l2", "l3", "l8", "l10"]) {
            EngineFixtures.chain([
                Conv2D(outChannels: 4, kernel: 3), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
                AvgPool2D(kernel: 2, stride: 2), Conv2D(outChannels: 6, kernel: 3), BatchNorm2D(momentum: 0.1, eps: 1e-5),
                Flatten(), Linear(outFeatures: 12), ReLU(), BatchNorm1D(momentum: 0.1, eps: 1e-5), ReLU(),
                Linear(outFeatures: 10),
            ])
        }
    }

    func testBatchNormWithEvenPlanesFusesReLUAndPooling() {
        // Even planes at least 8 wide take the batch norm's one-pass gradient through the fused
        // ReLU and pooling (12×12 → conv → 10×10 → 5×5, as LeNet's 28×28 and 10×10).
        assertFusionChangesNothing("batchnorm, even planes", inputShape: [2, 12, 12], fusedNodes: ["l2", "l3"]) {
            EngineFixtures.chain([
                Conv2D(outChannels: 3, kernel: 3), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
                AvgPool2D(kernel: 2, stride: 2), Flatten(), Linear(outFeatures: 10),
            ])
        }
    }

    func testUnfusableShapesStillTrainTheSame() {
        // A strided conv (im2col path, not fused), a conv read by a ReLU and by an add (two readers,
        // not fused), a ReLU reading the input.
        assertFusionChangesNothing("graph", inputShape: [2, 9, 9], fusedNodes: []) {
            [
                Network.Node(name: "relu0", layer: ReLU(), inputs: [-1]),
                Network.Node(name: "strided", layer: Conv2D(outChannels: 4, kernel: 3, stride: 2), inputs: [0]),
                Network.Node(name: "relu1", layer: ReLU(), inputs: [1]),
                Network.Node(name: "conv", layer: Conv2D(outChannels: 4, kernel: 3, padding: 1), inputs: [2]),
                Network.Node(name: "relu2", layer: ReLU(), inputs: [3]),
                Network.Node(name: "add", layer: Add(), inputs: [3, 4]),
                Network.Node(name: "flat", layer: Flatten(), inputs: [5]),
                Network.Node(name: "fc", layer: Linear(outFeatures: 10), inputs: [6]),
            ]
        }
    }
}
