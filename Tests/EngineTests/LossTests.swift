import Engine
import TestSupport
import XCTest

/// Fused softmax cross-entropy: values, accuracy counting and the mean-loss gradient.
final class LossTests: XCTestCase {
    func testLossValueCorrectCountAndTies() {
        let net = Network(inputShape: [3], nodes: EngineFixtures.chain([Flatten()]), maxBatch: 3, threads: 1, seed: 0)
        let logits: [Float] = [1, 2, 3, 5, 5, 0, 1000, -1000, 0]
        _ = logits.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 3, training: false) }
        let labels: [Int32] = [2, 1, 0]
        let (loss, correct) = labels.withUnsafeBufferPointer { net.loss(labels: $0.baseAddress!, batch: 3, gradient: false) }
        let row0 = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        let row1 = log(2 * exp(5.0) + exp(0.0)) - 5
        XCTAssertEqual(loss, row0 + row1 + 0, accuracy: 1e-5)  // row 2 is numerically stable: loss 0
        XCTAssertEqual(correct, 2)  // row 1 ties → index 0 predicted, label 1 wrong
    }

    func testGradientOfMeanLossMatchesFiniteDifferences() {
        let net = EngineFixtures.checkedNetwork([5], EngineFixtures.chain([Linear(outFeatures: 4)]), batch: 3)
        var x = engineRandomValues(15, seed: 8, scale: 2)
        let labels: [Int32] = [3, 0, 2]
        func meanLoss(gradient: Bool) -> Double {
            _ = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 3, training: true) }
            return labels.withUnsafeBufferPointer { net.loss(labels: $0.baseAddress!, batch: 3, gradient: gradient) }.lossSum / 3
        }
        _ = meanLoss(gradient: true)
        net.backward(batch: 3)
        let analytic = Array(UnsafeBufferPointer(start: net.inputGradient!, count: 15))
        let weightGrad = net.parameters[0].grad.array
        let eps: Float = 1e-2
        for i in 0..<15 {
            let original = x[i]
            x[i] = original + eps; let plus = meanLoss(gradient: false)
            x[i] = original - eps; let minus = meanLoss(gradient: false)
            x[i] = original
            XCTAssertEqual(Double(analytic[i]), (plus - minus) / Double(2 * eps), accuracy: 1e-3, "x[\(i)]")
        }
        let w = net.parameters[0].value.data
        for i in 0..<20 {
            let original = w[i]
            w[i] = original + eps; let plus = meanLoss(gradient: false)
            w[i] = original - eps; let minus = meanLoss(gradient: false)
            w[i] = original
            XCTAssertEqual(Double(weightGrad[i]), (plus - minus) / Double(2 * eps), accuracy: 1e-3, "w[\(i)]")
        }
    }
}
