import Engine
import Builder
import Spec
import Training
import XCTest
import TestSupport

/// The promise of `l2:` as a network property: λ on every parameter trains exactly like
/// `torch.optim.Adam(weight_decay=λ)`, bit for bit, through the real network and trainer step.
final class L2EquivalenceTests: XCTestCase {
    private func plan(l2: Double) throws -> NetworkPlan {
        let yaml = """
            name: L2
            data: {validation: 100}
            model:
              l2: \(l2)
              layers:
                - {type: conv2d, name: conv1, out: 3, kernel: 5, stride: 2}
                - {type: batchnorm2d, name: bn1}
                - {type: relu}
                - {type: flatten}
                - {type: linear, name: fc1, out: 10}
            train: {epochs: 1, batch_size: 8, threads: 1}
            """
        let trial = try XCTUnwrap(ExperimentLoader.load(text: yaml, file: "l2.yaml", datasets: FixedDataset()).first)
        return try ShapeInference.plan(trial)
    }

    func testNetworkL2MatchesAdamWeightDecayBitForBit() throws {
        let lambda = 1e-2
        let withL2 = NetworkBuilder.build(try plan(l2: lambda), initScheme: .pytorch, seed: 3, maxBatch: 8, threads: 1)
        let plain = NetworkBuilder.build(try plan(l2: 0), initScheme: .pytorch, seed: 3, maxBatch: 8, threads: 1)
        XCTAssertTrue(withL2.parameters.allSatisfy { $0.l2 == Float(lambda) })
        XCTAssertTrue(plain.parameters.allSatisfy { $0.l2 == 0 })

        let a = makeOptimizer(OptimizerSpec(), parameters: withL2.parameters)
        let b = makeOptimizer(.adam(AdamOptions(weightDecay: lambda)), parameters: plain.parameters)

        var rng = Random(seed: 11)
        let input = Tensor(shape: [8, 1, 28, 28])
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: 8)
        defer { labels.deallocate() }
        var penalties: [Double] = []
        for _ in 0..<5 {
            for i in 0..<input.count { input.data[i] = rng.uniform(-1, 1) }
            for i in 0..<8 { labels[i] = Int32(rng.below(10)) }
            for (net, opt) in [(withL2, a), (plain, b)] {
                _ = net.forward(input.data, batch: 8, training: true)
                _ = net.loss(labels: labels, batch: 8, gradient: true)
                net.backward(batch: 8)
                penalties.append(L2Penalty.apply(net.parameters))
                opt.step()
            }
        }
        for (p, q) in zip(withL2.parameters, plain.parameters) {
            XCTAssertEqual(p.value.array, q.value.array, p.name)
        }
        // The network-side penalty is reported in the loss; the optimizer-side one is not.
        XCTAssertGreaterThan(penalties[0], 0)
        XCTAssertEqual(penalties[1], 0)
    }
}
