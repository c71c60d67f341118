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

    func testLabelSmoothingFollowsPyTorchsDefinition() {
        // PyTorch: loss = (1 − ε)·CE(label) + ε·mean_c(−log p_c); the count of correct rows is unchanged.
        let net = Network(inputShape: [3], nodes: EngineFixtures.chain([Flatten()]), maxBatch: 2, threads: 1, seed: 0)
        let logits: [Float] = [1, 2, 3, 0.5, -1, 2]
        _ = logits.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 2, training: false) }
        let labels: [Int32] = [2, 0]
        let (loss, correct) = labels.withUnsafeBufferPointer {
            net.loss(labels: $0.baseAddress!, batch: 2, gradient: true, labelSmoothing: 0.1)
        }
        var expected = 0.0
        for (row, label) in [(0, 2), (1, 0)] {
            let z = logits[(row * 3)..<(row * 3 + 3)].map(Double.init)
            let lse = log(z.map(exp).reduce(0, +))
            let nll = z.map { lse - $0 }
            expected += 0.9 * nll[label] + 0.1 * nll.reduce(0, +) / 3
        }
        XCTAssertEqual(loss, expected, accuracy: 1e-6)
        XCTAssertEqual(correct, 1)
        // dL/dz of the mean loss: (softmax − target) / batch, target = 0.9·onehot + 0.1/3.
        for (row, label) in [(0, 2), (1, 0)] {
            let z = logits[(row * 3)..<(row * 3 + 3)].map(Double.init)
            let total = z.map(exp).reduce(0, +)
            for c in 0..<3 {
                let target = (c == label ? 0.9 : 0) + 0.1 / 3
                XCTAssertEqual(Double(net.outputGradient[row * 3 + c]), (exp(z[c]) / total - target) / 2, accuracy: 1e-6)
            }
        }
    }

    func testSmoothingZeroIsThePlainLossBitForBit() {
        let net = Network(inputShape: [4], nodes: EngineFixtures.chain([Flatten()]), maxBatch: 3, threads: 1, seed: 0)
        let logits = engineRandomValues(12, seed: 3, scale: 4)
        _ = logits.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 3, training: false) }
        let labels: [Int32] = [1, 3, 0]
        let plain = labels.withUnsafeBufferPointer { net.loss(labels: $0.baseAddress!, batch: 3, gradient: true) }
        let plainGrad = Array(UnsafeBufferPointer(start: net.outputGradient, count: 12))
        let zero = labels.withUnsafeBufferPointer { net.loss(labels: $0.baseAddress!, batch: 3, gradient: true, labelSmoothing: 0) }
        XCTAssertEqual(plain.lossSum.bitPattern, zero.lossSum.bitPattern)
        XCTAssertEqual(plainGrad, Array(UnsafeBufferPointer(start: net.outputGradient, count: 12)))
    }

    func testGradientOfMeanLossMatchesFiniteDifferences() {
        for smoothing: Float in [0, 0.2] { checkGradient(smoothing: smoothing) }
    }

    private func checkGradient(smoothing: Float) {
        let net = EngineFixtures.checkedNetwork([5], EngineFixtures.chain([Linear(outFeatures: 4)]), batch: 3)
        var x = engineRandomValues(15, seed: 8, scale: 2)
        let labels: [Int32] = [3, 0, 2]
        func meanLoss(gradient: Bool) -> Double {
            _ = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 3, training: true) }
            return labels.withUnsafeBufferPointer {
                net.loss(labels: $0.baseAddress!, batch: 3, gradient: gradient, labelSmoothing: smoothing)
            }.lossSum / 3
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
