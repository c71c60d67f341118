import Engine
import TestSupport
import XCTest

/// Initialization: PyTorch bounds, the alternative schemes, order and seeding.
final class InitTests: XCTestCase {
    private func net(_ scheme: WeightInit, seed: UInt64) -> (Network, Conv2D, Linear) {
        let conv = Conv2D(outChannels: 6, kernel: 5, weightInit: scheme)
        let linear = Linear(outFeatures: 84, weightInit: scheme)
        let nodes = EngineFixtures.chain([conv, Flatten(), Linear(outFeatures: 120, weightInit: scheme), linear])
        return (Network(inputShape: [1, 8, 8], nodes: nodes, maxBatch: 1, threads: 1, seed: seed), conv, linear)
    }

    private func stats(_ t: Tensor) -> (maxAbs: Float, mean: Double, variance: Double) {
        let v = t.array.map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        return (t.array.map(abs).max()!, mean, v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count))
    }

    func testPyTorchDefaultBounds() {
        let (_, conv, linear) = net(.pytorch, seed: 3)
        for (p, fanIn) in [(conv.weight!, 25), (conv.bias!, 25), (linear.weight!, 120), (linear.bias!, 120)] {
            let bound = 1 / Float(fanIn).squareRoot()
            let s = stats(p.value)
            XCTAssertLessThanOrEqual(s.maxAbs, bound, p.name)
            if p.value.count > 100 { XCTAssertGreaterThan(s.maxAbs, 0.95 * bound, p.name) }
        }
        let s = stats(linear.weight.value)  // 10,080 draws of U(±b): variance b²/3
        XCTAssertEqual(s.variance, 1.0 / 120 / 3, accuracy: 0.05 / 120 / 3)
        XCTAssertEqual(s.mean, 0, accuracy: 0.003)
    }

    func testInitializationOrderIsNodesThenWeightThenBias() {
        let (network, _, _) = net(.pytorch, seed: 42)
        var random = Random(seed: 42, stream: "init")
        for layer in network.nodes.map(\.layer) {
            guard let weight = layer.parameters.first else { continue }
            let fanIn = weight.value.shape.dropFirst().reduce(1, *)
            for p in layer.parameters {
                let bound = Float(p === weight ? WeightInit.pytorchWeightBound(fanIn: fanIn) : 1 / Double(fanIn).squareRoot())
                for i in 0..<p.value.count {
                    XCTAssertEqual(p.value.data[i], random.uniform(-bound, bound), p.name)
                }
            }
        }
    }

    func testXavierUniformAndKaimingNormal() {
        let (_, conv, linear) = net(.xavierUniform, seed: 1)
        XCTAssertLessThanOrEqual(stats(conv.weight.value).maxAbs, (6.0 / Float(25 + 150)).squareRoot())
        XCTAssertEqual(stats(linear.weight.value).variance, 2.0 / Double(120 + 84), accuracy: 0.1 * 2 / 204)
        XCTAssertEqual(conv.bias!.value.array, [Float](repeating: 0, count: 6))

        let (_, _, he) = net(.kaimingNormal, seed: 1)
        XCTAssertEqual(stats(he.weight.value).variance.squareRoot(), (2.0 / 120).squareRoot(), accuracy: 0.03 * (2.0 / 120).squareRoot())
        XCTAssertEqual(he.bias!.value.array, [Float](repeating: 0, count: 84))
    }

    func testSameSeedSameWeightsOtherSeedOtherWeights() {
        let a = net(.pytorch, seed: 7).0, b = net(.pytorch, seed: 7).0, c = net(.pytorch, seed: 8).0
        XCTAssertEqual(a.parameters.map(\.value.array), b.parameters.map(\.value.array))
        for (p, q) in zip(a.parameters, c.parameters) { XCTAssertNotEqual(p.value.array, q.value.array, p.name) }
    }

    func testBatchNormStartsAtIdentity() {
        let bn = BatchNorm2D()
        _ = Network(inputShape: [3, 2, 2], nodes: EngineFixtures.chain([bn]), maxBatch: 1, threads: 1, seed: 0)
        XCTAssertEqual(bn.weight.value.array, [1, 1, 1])
        XCTAssertEqual(bn.bias.value.array, [0, 0, 0])
        XCTAssertEqual(bn.runningMean.value.array, [0, 0, 0])
        XCTAssertEqual(bn.runningVar.value.array, [1, 1, 1])
        XCTAssertEqual(bn.batchesTracked.value.array, [0])
    }
}
