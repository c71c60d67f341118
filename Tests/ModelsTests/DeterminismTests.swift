import Engine
import Models
import Spec
import TestSupport
import XCTest

/// Same seed → bit-identical training, whatever the thread count (and when it changes mid-run).
final class DeterminismTests: XCTestCase {
    /// `threads(step)`: the active thread count of each step (the network is built for `threads`).
    private func train(threads: Int, seed: UInt64 = 3, steps: Int = 4, batchnorm: Bool = true,
                       active: (Int) -> Int = { _ in Int.max })
        -> (losses: [Double], weights: [[Float]], state: [[Float]]) {
        let plan = EngineFixtures.lenet5Plan(batchnorm: batchnorm, dropout: 0.3)
        let net = NetworkBuilder.build(plan, initScheme: .pytorch, seed: seed, maxBatch: 16, threads: threads)
        XCTAssertTrue(net.isThreadCountInvariant)
        var losses: [Double] = []
        for step in 0..<steps {
            net.activeThreads = min(threads, active(step))
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

    func testEveryThreadCountGivesTheSameBits() {
        // Batch 16 over 3 threads splits samples 5/5/6 and LeNet's 6, 16 and 120 channels unevenly.
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

    func testStridedConvolutionsStillDependOnTheThreadCount() {
        // The im2col path reduces per-thread partials: the network says so.
        let net = Network(inputShape: [1, 9, 9], nodes: EngineFixtures.chain([Conv2D(outChannels: 2, kernel: 3, stride: 2)]),
                          maxBatch: 4, threads: 2, seed: 0)
        XCTAssertFalse(net.isThreadCountInvariant)
        let direct = Network(inputShape: [1, 9, 9], nodes: EngineFixtures.chain([Conv2D(outChannels: 2, kernel: 3)]),
                             maxBatch: 4, threads: 2, seed: 0)
        XCTAssertTrue(direct.isThreadCountInvariant)
    }
}
