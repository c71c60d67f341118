import Engine
import TestSupport
import XCTest

/// Gradient buffers sized for the training batch while evaluation batches are larger: the same
/// bits as a network whose gradients are sized for the largest batch, and less memory.
final class GradientBatchTests: XCTestCase {
    private func network(gradientBatch: Int?) -> Network {
        let layers: [any Layer] = [
            Conv2D(outChannels: 4, kernel: 3, padding: 1), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
            AvgPool2D(kernel: 2, stride: 2), Flatten(), Linear(outFeatures: 10),
        ]
        return Network(inputShape: [1, 8, 8], nodes: EngineFixtures.chain(layers), maxBatch: 40, threads: 2, seed: 5,
                       gradientBatch: gradientBatch)
    }

    func testSmallerGradientBuffersTrainAndEvaluateToTheSameBits() {
        let full = network(gradientBatch: nil), small = network(gradientBatch: 12)
        XCTAssertEqual([full.gradientBatch, small.gradientBatch], [40, 12])
        var values: [[[Float]]] = [[], []]
        for (k, net) in [full, small].enumerated() {
            for step in 0..<3 {
                let images = engineRandomValues(12 * 64, seed: UInt64(step))
                let labels = EngineFixtures.labels(12, classes: 10, seed: UInt64(step))
                values[k].append([Float(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.1).loss)])
            }
            // An evaluation batch larger than the gradient batch.
            let eval = engineRandomValues(40 * 64, seed: 99)
            let logits = eval.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 40, training: false) }
            values[k].append(Array(UnsafeBufferPointer(start: logits, count: 400)))
            values[k] += net.parameters.map { $0.value.array }
        }
        assertSameBits(values[0], values[1], "gradient batch 12 vs 40")
    }
}
