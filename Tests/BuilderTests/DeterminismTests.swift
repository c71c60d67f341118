import Engine
import Builder
import Spec
import TestSupport
import XCTest

/// Same seed → bit-identical training, whatever the thread count (and when it changes mid-run):
/// every batch reduction is taken per group of 16 samples and the groups are added in order.
final class DeterminismTests: XCTestCase {
    /// Batches of 40, 40, 21, 40, …: 3 reduction groups (16 + 16 + 8), then 2 (16 + 5).
    private static func batchSize(_ step: Int) -> Int { step % 3 == 2 ? 21 : 40 }

    /// `active(step)`: the active thread count of each step (the network is built for `threads`).
    private func train(threads: Int, seed: UInt64 = 3, steps: Int = 4, batchnorm: Bool = true,
                       active: (Int) -> Int = { _ in Int.max })
        -> (losses: [Double], weights: [[Float]], state: [[Float]]) {
        let plan = EngineFixtures.lenet5Plan(batchnorm: batchnorm, dropout: 0.3)
        let net = NetworkBuilder.build(plan, initScheme: .pytorch, seed: seed, maxBatch: 40, threads: threads)
        var losses: [Double] = []
        for step in 0..<steps {
            net.activeThreads = min(threads, active(step))
            let batch = Self.batchSize(step)
            let images = engineRandomValues(batch * 1024, seed: UInt64(step))
            let labels = EngineFixtures.labels(batch, classes: 10, seed: UInt64(step))
            losses.append(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.05).loss)
        }
        return (losses, net.parameters.map(\.value.array), net.stateBuffers.map(\.value.array))
    }

    func testSameSeedAndThreadsIsBitIdentical() {
        let a = train(threads: 2), b = train(threads: 2)
        XCTAssertEqual(a.losses, b.losses)
        XCTAssertEqual(a.weights, b.weights)
        XCTAssertEqual(a.state, b.state)
        XCTAssertNotEqual(a.losses, train(threads: 2, seed: 4).losses)
    }

    func testEveryThreadCountGivesTheSameBits() {
        // 3 threads get 1/1/1 groups of a batch of 40, 0/1/1 of a batch of 21 (one thread idle).
        for batchnorm in [true, false] {
            let one = train(threads: 1, batchnorm: batchnorm)
            for threads in [2, 3] {
                let other = train(threads: threads, batchnorm: batchnorm)
                XCTAssertEqual(one.losses, other.losses, "\(threads) threads, batchnorm \(batchnorm)")
                assertSameBits(one.weights, other.weights, "weights, \(threads) threads, batchnorm \(batchnorm)")
                assertSameBits(one.state, other.state, "running statistics, \(threads) threads")
            }
        }
    }

    func testWideningAndNarrowingBetweenStepsChangesNothing() {
        // Built for 2 threads: steps alternate 1, 2, 1, 2, … as a sweep's last trial widens.
        let one = train(threads: 1, steps: 6)
        let switching = train(threads: 2, steps: 6, active: { $0 % 2 + 1 })
        XCTAssertEqual(one.losses, switching.losses)
        assertSameBits(one.weights, switching.weights, "weights")
        assertSameBits(one.state, switching.state, "running statistics")
    }

    func testStridedConvolutionsAndGraphsGiveTheSameBitsToo() {
        // The im2col path (stride 2), a residual add with fan-out and a batch norm on [C, 1, 1].
        func nodes() -> [Network.Node] {
            [
                Network.Node(name: "strided", layer: Conv2D(outChannels: 4, kernel: 3, stride: 2, padding: 1), inputs: [-1]),
                Network.Node(name: "relu", layer: ReLU(), inputs: [0]),
                Network.Node(name: "conv", layer: Conv2D(outChannels: 4, kernel: 3, padding: 1), inputs: [1]),
                Network.Node(name: "add", layer: Add(), inputs: [1, 2]),
                Network.Node(name: "squeeze", layer: Conv2D(outChannels: 6, kernel: 5), inputs: [3]),
                Network.Node(name: "bn", layer: BatchNorm2D(), inputs: [4]),
                Network.Node(name: "flat", layer: Flatten(), inputs: [5]),
                Network.Node(name: "fc", layer: Linear(outFeatures: 10), inputs: [6]),
            ]
        }
        func train(threads: Int) -> [[Float]] {
            let net = Network(inputShape: [2, 9, 9], nodes: nodes(), maxBatch: 40, threads: threads, seed: 5,
                              inputGradient: true)
            var values: [[Float]] = []
            for step in 0..<3 {
                let batch = Self.batchSize(step)
                let images = engineRandomValues(batch * 162, seed: UInt64(20 + step))
                let labels = EngineFixtures.labels(batch, classes: 10, seed: UInt64(step))
                values.append([Float(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.1).loss)])
                values.append(Array(UnsafeBufferPointer(start: net.inputGradient!, count: images.count)))
            }
            return values + net.parameters.map(\.value.array) + net.stateBuffers.map(\.value.array)
        }
        let one = train(threads: 1)
        assertSameBits(one, train(threads: 2), "2 threads")
        assertSameBits(one, train(threads: 3), "3 threads")
    }

    func testTheZooLayersGiveTheSameBitsForEveryThreadCount() {
        // Layer norm (parameter gradients over the batch), a grouped strided convolution, global
        // average pooling and the new activations, in a graph with a skip: every parametrized
        // layer's reduction is checked.
        func nodes() -> [Network.Node] {
            [
                Network.Node(name: "conv", layer: Conv2D(outChannels: 4, kernel: 3, padding: 1), inputs: [-1]),
                Network.Node(name: "norm", layer: LayerNorm(), inputs: [0]),
                Network.Node(name: "gelu", layer: GELU(), inputs: [1]),
                Network.Node(name: "row_norm", layer: LayerNorm(dims: 1), inputs: [2]),
                Network.Node(name: "silu", layer: SiLU(), inputs: [3]),
                Network.Node(name: "add", layer: Add(), inputs: [0, 4]),
                Network.Node(name: "depthwise", layer: GroupedConv2D(Conv2DLayer(outChannels: 8, kernel: 3, stride: 2, padding: 1,
                                                                                 groups: 4)), inputs: [5]),
                Network.Node(name: "pool", layer: GlobalAvgPool(), inputs: [6]),
                Network.Node(name: "fc", layer: Linear(outFeatures: 8), inputs: [7]),
                Network.Node(name: "leaky", layer: LeakyReLU(slope: 0.1), inputs: [8]),
                Network.Node(name: "elu", layer: ELU(), inputs: [9]),
                Network.Node(name: "out", layer: Linear(outFeatures: 10), inputs: [10]),
            ]
        }
        func train(threads: Int) -> [[Float]] {
            let net = Network(inputShape: [2, 9, 9], nodes: nodes(), maxBatch: 40, threads: threads, seed: 7,
                              inputGradient: true)
            var values: [[Float]] = []
            for step in 0..<3 {
                let batch = Self.batchSize(step)
                let images = engineRandomValues(batch * 162, seed: UInt64(30 + step))
                let labels = EngineFixtures.labels(batch, classes: 10, seed: UInt64(step))
                values.append([Float(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.1).loss)])
                values.append(Array(UnsafeBufferPointer(start: net.inputGradient!, count: images.count)))
            }
            return values + net.parameters.map(\.value.array)
        }
        let one = train(threads: 1)
        assertSameBits(one, train(threads: 2), "2 threads")
        assertSameBits(one, train(threads: 3), "3 threads")
    }
}
