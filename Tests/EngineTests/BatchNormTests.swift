import Engine
import TestSupport
import XCTest

/// PyTorch semantics of batch normalization in training and evaluation.
final class BatchNormTests: XCTestCase {
    func testTrainingUsesBatchStatisticsAndUpdatesRunningEstimates() {
        let bn = BatchNorm2D()
        let net = Network(inputShape: [2, 2, 2], nodes: EngineFixtures.chain([bn]), maxBatch: 3, threads: 2, seed: 0)
        let batch = 3, plane = 4
        let x = engineRandomValues(batch * 2 * plane, seed: 4, scale: 3)
        func channelValues(_ c: Int) -> [Double] {
            (0..<batch).flatMap { s in (0..<plane).map { Double(x[(s * 2 + c) * plane + $0]) } }
        }
        var expectedMean = [0.0, 0.0], expectedVar = [1.0, 1.0]
        for step in 1...2 {
            let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
            for c in 0..<2 {
                let v = channelValues(c), n = Double(v.count)
                let mean = v.reduce(0, +) / n
                let biased = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
                expectedMean[c] = 0.9 * expectedMean[c] + 0.1 * mean
                expectedVar[c] = 0.9 * expectedVar[c] + 0.1 * biased * n / (n - 1)
                for s in 0..<batch {
                    for p in 0..<plane {
                        let i = (s * 2 + c) * plane + p
                        XCTAssertEqual(Double(y[i]), (Double(x[i]) - mean) / (biased + 1e-5).squareRoot(), accuracy: 1e-5)
                    }
                }
                XCTAssertEqual(Double(bn.runningMean.value.data[c]), expectedMean[c], accuracy: 1e-6)
                XCTAssertEqual(Double(bn.runningVar.value.data[c]), expectedVar[c], accuracy: 1e-5)
            }
            XCTAssertEqual(bn.batchesTracked.value.data[0], Float(step))
        }

        // Evaluation normalizes with the running estimates and leaves them alone.
        bn.weight.value.data[1] = 2
        bn.bias.value.data[1] = -0.5
        let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: false) }
        for c in 0..<2 {
            let gamma = c == 1 ? 2.0 : 1.0, beta = c == 1 ? -0.5 : 0.0
            for i in (0..<batch).flatMap({ s in (0..<plane).map { (s * 2 + c) * plane + $0 } }) {
                let expected = (Double(x[i]) - expectedMean[c]) / (expectedVar[c] + 1e-5).squareRoot() * gamma + beta
                XCTAssertEqual(Double(y[i]), expected, accuracy: 1e-5)
            }
            XCTAssertEqual(Double(bn.runningMean.value.data[c]), expectedMean[c], accuracy: 1e-6)
        }
        XCTAssertEqual(bn.batchesTracked.value.data[0], 2)
    }

    func testBatchNorm1DNormalizesEachFeatureOverTheBatch() {
        let bn = BatchNorm1D(momentum: 0.5, eps: 1e-3)
        let net = Network(inputShape: [2], nodes: EngineFixtures.chain([bn]), maxBatch: 4, threads: 2, seed: 0)
        let x: [Float] = [1, 10, 2, 20, 3, 30, 6, 40]
        let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 4, training: true) }
        // Feature 0: mean 3, biased var 3.5, unbiased 14/3.
        XCTAssertEqual(y[0], Float((1 - 3) / (3.5 + 1e-3).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean.value.data[0], 1.5, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVar.value.data[0], Float(0.5 + 0.5 * 14.0 / 3), accuracy: 1e-5)
        XCTAssertEqual(bn.runningMean.value.data[1], 12.5, accuracy: 1e-5)
    }
}
