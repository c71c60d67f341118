import Engine
import Models
import Spec
import TestSupport
import XCTest

/// Same seed and thread count → bit-identical training; other thread counts → same within rounding.
final class DeterminismTests: XCTestCase {
    private func train(threads: Int, seed: UInt64 = 3, steps: Int = 4) -> (losses: [Double], weights: [[Float]], state: [[Float]]) {
        let plan = EngineFixtures.lenet5Plan(batchnorm: true, dropout: 0.3)
        let net = NetworkBuilder.build(plan, initScheme: .pytorch, seed: seed, maxBatch: 16, threads: threads)
        var losses: [Double] = []
        for step in 0..<steps {
            let images = engineRandomValues(16 * 1024, seed: UInt64(step))
            let labels = EngineFixtures.labels(16, classes: 10, seed: UInt64(step))
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

    func testOneAndTwoThreadsAgreeWithinRounding() {
        let one = train(threads: 1), two = train(threads: 2)
        for (x, y) in zip(one.losses, two.losses) { XCTAssertEqual(x, y, accuracy: 1e-4 * max(1, abs(x))) }
        for (p, q) in zip(one.weights, two.weights) {
            for (x, y) in zip(p, q) { XCTAssertEqual(x, y, accuracy: 1e-4) }
        }
    }
}
