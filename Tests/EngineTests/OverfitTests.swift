import Engine
import TestSupport
import XCTest

/// End to end: a tiny network learns a fixed random batch by heart.
final class OverfitTests: XCTestCase {
    func testTinyNetworkReachesFullAccuracyOnAFixedBatch() {
        let nodes = EngineFixtures.chain([
            Conv2D(outChannels: 4, kernel: 3, padding: 1), BatchNorm2D(), ReLU(), MaxPool2D(kernel: 2, stride: 2),
            Flatten(), Linear(outFeatures: 32), ReLU(), Dropout(p: 0.1), Linear(outFeatures: 5),
        ])
        let net = Network(inputShape: [1, 8, 8], nodes: nodes, maxBatch: 20, threads: 2, seed: 5)
        let images = engineRandomValues(20 * 64, seed: 1)
        let labels = EngineFixtures.labels(20, classes: 5, seed: 2)
        let first = EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.1)
        for _ in 0..<300 { EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.1) }
        _ = images.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 20, training: false) }
        let (sum, correct) = labels.withUnsafeBufferPointer { net.loss(labels: $0.baseAddress!, batch: 20, gradient: false) }
        XCTAssertGreaterThan(first.loss, 1.2)
        XCTAssertEqual(correct, 20)
        XCTAssertLessThan(sum / 20, 0.1)
    }
}
