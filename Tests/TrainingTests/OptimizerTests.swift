import Engine
import Spec
import XCTest
@testable import Training

/// Parameters with random values, named like a small network's state_dict.
func makeParameters(_ shapes: [[Int]], seed: UInt64, l2: Float = 0) -> [Parameter] {
    var rng = Random(seed: seed, stream: "values")
    return shapes.enumerated().map { k, shape in
        let p = Parameter(name: "layer\(k).weight", shape: shape, l2: l2)
        for i in 0..<p.value.count { p.value.data[i] = rng.uniform(-1, 1) }
        return p
    }
}

/// Fills every gradient with fresh random values from `rng`.
func randomGradients(_ parameters: [Parameter], _ rng: inout Random) {
    for p in parameters { for i in 0..<p.grad.count { p.grad.data[i] = rng.uniform(-0.5, 0.5) } }
}

func bits(_ parameters: [Parameter]) -> [[UInt32]] {
    parameters.map { $0.value.array.map(\.bitPattern) }
}

final class OptimizerTests: XCTestCase {
    private let shapes = [[6, 1, 5, 5], [6], [10, 17]]

    // MARK: Hand-computed updates

    func testAdamFirstStepIsSignedLearningRate() {
        // Step 1: m = 0.1·g, v = 0.001·g², bias-corrected m̂/√v̂ = sign(g), so p moves by lr (minus eps effects).
        let p = Parameter(name: "w", shape: [3])
        p.value.data.update(from: [1, -2, 0.5], count: 3)
        p.grad.data.update(from: [0.5, -4, 1e-3], count: 3)
        let adam = Adam(parameters: [p], lr: 0.1)
        adam.step()
        XCTAssertEqual(p.value.array[0], 0.9, accuracy: 1e-6)
        XCTAssertEqual(p.value.array[1], -1.9, accuracy: 1e-6)
        XCTAssertEqual(p.value.array[2], 0.4, accuracy: 1e-5)
        XCTAssertEqual(adam.stepCount, 1)
    }

    func testAdamMatchesDoubleReferenceOverSteps() {
        let params = makeParameters(shapes, seed: 3)
        let start = params.map(\.value.array)
        let adam = Adam(parameters: params, lr: 0.01, betas: (0.8, 0.99), eps: 1e-6, weightDecay: 0.05)
        var rng = Random(seed: 9)
        var ref = start.map { $0.map(Double.init) }
        var m = ref.map { $0.map { _ in 0.0 } }, v = m
        for t in 1...5 {
            randomGradients(params, &rng)
            for (k, p) in params.enumerated() {
                for i in 0..<p.grad.count {
                    let g = Double(p.grad.data[i]) + 0.05 * ref[k][i]
                    m[k][i] = 0.8 * m[k][i] + 0.2 * g
                    v[k][i] = 0.99 * v[k][i] + 0.01 * g * g
                    let mHat = m[k][i] / (1 - pow(0.8, Double(t))), vHat = v[k][i] / (1 - pow(0.99, Double(t)))
                    ref[k][i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-6)
                }
            }
            adam.step()
        }
        for (k, p) in params.enumerated() {
            for i in 0..<p.value.count { XCTAssertEqual(Double(p.value.data[i]), ref[k][i], accuracy: 2e-6) }
        }
    }

    func testAdamWDecaysWeightsBeforeTheUpdate() {
        // With a zero gradient the Adam step is 0, so only the decay p·(1 − lr·wd) acts.
        let p = Parameter(name: "w", shape: [2])
        p.value.data.update(from: [2, -4], count: 2)
        let adamw = AdamW(parameters: [p], lr: 0.1, weightDecay: 0.5)
        adamw.step()
        XCTAssertEqual(p.value.array, [2 * Float(0.95), -4 * Float(0.95)])
        // Coupled Adam with the same settings moves by ≈ lr instead.
        let q = Parameter(name: "w", shape: [2])
        q.value.data.update(from: [2, -4], count: 2)
        Adam(parameters: [q], lr: 0.1, weightDecay: 0.5).step()
        XCTAssertEqual(q.value.array[0], 1.9, accuracy: 1e-6)
        XCTAssertEqual(q.value.array[1], -3.9, accuracy: 1e-6)
    }

    func testSGDMomentumAndNesterovByHand() {
        func run(nesterov: Bool, steps: Int) -> Float {
            let p = Parameter(name: "w", shape: [1])
            p.value.data[0] = 1
            let sgd = SGD(parameters: [p], lr: 0.1, momentum: 0.9, nesterov: nesterov)
            for _ in 0..<steps { p.grad.data[0] = 1; sgd.step() }
            return p.value.data[0]
        }
        // Buffers 1, 1.9, 2.71: p = 1 − 0.1·(1 + 1.9 + 2.71).
        XCTAssertEqual(run(nesterov: false, steps: 3), 0.439, accuracy: 1e-6)
        // Nesterov directions 1.9, 2.71: p = 1 − 0.1·(1.9 + 2.71).
        XCTAssertEqual(run(nesterov: true, steps: 2), 0.539, accuracy: 1e-6)
    }

    func testSGDDampeningScalesWhatTheBufferTakesIn() {
        // Buffer 1 (first step: the gradient), then 0.9·1 + 0.7·1 = 1.6, then 0.9·1.6 + 0.7 = 2.14.
        let p = Parameter(name: "w", shape: [1])
        p.value.data[0] = 1
        let sgd = SGD(parameters: [p], lr: 0.1, momentum: 0.9, dampening: 0.3)
        for _ in 0..<3 { p.grad.data[0] = 1; sgd.step() }
        XCTAssertEqual(p.value.data[0], 1 - 0.1 * (1 + 1.6 + 2.14), accuracy: 1e-6)
    }

    func testRMSpropMatchesADoubleReference() {
        // Plain, with weight decay, centered with momentum: each against the update rule in Double.
        for options in [RMSpropOptions(lr: 0.01), RMSpropOptions(lr: 0.01, alpha: 0.9, weightDecay: 0.01),
                        RMSpropOptions(lr: 0.005, momentum: 0.8, centered: true)] {
            let params = makeParameters([[3, 4], [5]], seed: 9)
            var p = params.map { $0.value.array.map(Double.init) }
            var v = p.map { $0.map { _ in 0.0 } }, m = v, b = v
            let opt = RMSprop(parameters: params, options: options)
            var rng = Random(seed: 10)
            for _ in 0..<4 {
                randomGradients(params, &rng)
                for k in p.indices {
                    for i in p[k].indices {
                        var g = Double(params[k].grad.data[i])
                        g += options.weightDecay * p[k][i]
                        v[k][i] = options.alpha * v[k][i] + (1 - options.alpha) * g * g
                        var variance = v[k][i]
                        if options.centered {
                            m[k][i] = options.alpha * m[k][i] + (1 - options.alpha) * g
                            variance -= m[k][i] * m[k][i]
                        }
                        let d = variance.squareRoot() + options.eps
                        if options.momentum > 0 {
                            b[k][i] = options.momentum * b[k][i] + g / d
                            p[k][i] -= options.lr * b[k][i]
                        } else {
                            p[k][i] -= options.lr * g / d
                        }
                    }
                }
                opt.step()
            }
            for k in p.indices {
                for (ours, reference) in zip(params[k].value.array, p[k]) {
                    XCTAssertEqual(Double(ours), reference, accuracy: 1e-5, "\(options)")
                }
            }
            XCTAssertEqual(opt.state().map(\.name).first, "square_avg.layer0.weight")
        }
    }

    func testPlainSGDWithWeightDecay() {
        let p = Parameter(name: "w", shape: [1])
        p.value.data[0] = 2
        p.grad.data[0] = 0.5
        SGD(parameters: [p], lr: 0.1, weightDecay: 0.25).step()
        XCTAssertEqual(p.value.data[0], 2 - 0.1 * (0.5 + 0.25 * 2), accuracy: 1e-7)
        XCTAssertEqual(p.grad.data[0], 0.5, "the optimizer must not change the gradient")
    }

    // MARK: L2 penalty ≡ coupled weight decay

    func testL2PenaltyPlusAdamIsBitIdenticalToAdamWeightDecay() {
        assertL2Equivalence { Adam(parameters: $0, lr: 3e-3, weightDecay: $1) }
    }

    func testL2PenaltyPlusSGDIsBitIdenticalToSGDWeightDecay() {
        assertL2Equivalence { SGD(parameters: $0, lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: $1) }
        assertL2Equivalence { SGD(parameters: $0, lr: 0.05, weightDecay: $1) }
    }

    private func assertL2Equivalence(_ make: ([Parameter], Double) -> any Optimizer,
                                     file: StaticString = #filePath, line: UInt = #line) {
        let lambda: Float = 5e-4
        let viaPenalty = makeParameters(shapes, seed: 1, l2: lambda)
        let viaDecay = makeParameters(shapes, seed: 1)
        let a = make(viaPenalty, 0), b = make(viaDecay, Double(lambda))
        var rngA = Random(seed: 2), rngB = Random(seed: 2)
        for _ in 0..<6 {
            randomGradients(viaPenalty, &rngA)
            randomGradients(viaDecay, &rngB)
            L2Penalty.apply(viaPenalty)
            a.step()
            b.step()
        }
        XCTAssertEqual(bits(viaPenalty), bits(viaDecay), file: file, line: line)
        XCTAssertNotEqual(bits(viaPenalty), bits(makeParameters(shapes, seed: 1)), file: file, line: line)
    }

    func testL2PenaltyValueAndGradient() {
        let a = Parameter(name: "a", shape: [2], l2: 0.5)
        a.value.data.update(from: [3, 4], count: 2)
        a.grad.data.update(from: [1, 1], count: 2)
        let b = Parameter(name: "b", shape: [1])  // λ = 0: untouched, not counted
        b.value.data[0] = 100
        b.grad.data[0] = 7
        XCTAssertEqual(L2Penalty.apply([a, b]), 0.25 * 25)
        XCTAssertEqual(a.grad.array, [2.5, 3])
        XCTAssertEqual(b.grad.array, [7])
        XCTAssertEqual(L2Penalty.penalty([a, b]), 6.25)
    }

    // MARK: State

    func testRestoredStateContinuesBitIdentically() throws {
        for kind in OptimizerKind.allCases {
            let spec: OptimizerSpec = switch kind {
            case .sgd: .sgd(SGDOptions(momentum: 0.9, weightDecay: 1e-3))
            case .adam: .adam(AdamOptions(weightDecay: 1e-3))
            case .adamw: .adamw(AdamOptions(weightDecay: 1e-3))
            case .rmsprop: .rmsprop(RMSpropOptions(momentum: 0.5, centered: true, weightDecay: 1e-3))
            }
            let original = makeParameters(shapes, seed: 4)
            let opt = makeOptimizer(spec, parameters: original)
            var rng = Random(seed: 5)
            for _ in 0..<3 { randomGradients(original, &rng); opt.step() }
            let saved = opt.state()
            let copy = makeParameters(shapes, seed: 4)
            for (c, o) in zip(copy, original) { c.value.copy(from: o.value) }
            let resumed = makeOptimizer(spec, parameters: copy)
            try resumed.restore(saved)
            XCTAssertEqual(resumed.stepCount, 3)
            var rngCopy = rng
            for _ in 0..<2 {
                randomGradients(original, &rng); opt.step()
                randomGradients(copy, &rngCopy); resumed.step()
            }
            XCTAssertEqual(bits(copy), bits(original), "\(kind)")
        }
    }

    func testStateNames() {
        let params = makeParameters([[2], [3]], seed: 0)
        XCTAssertEqual(Adam(parameters: params).state().map(\.name),
                       ["exp_avg.layer0.weight", "exp_avg.layer1.weight",
                        "exp_avg_sq.layer0.weight", "exp_avg_sq.layer1.weight", "step"])
        XCTAssertEqual(SGD(parameters: params, lr: 0.1, momentum: 0.9).state().map(\.name),
                       ["momentum_buffer.layer0.weight", "momentum_buffer.layer1.weight", "step"])
        XCTAssertEqual(SGD(parameters: params, lr: 0.1).state().map(\.name), ["step"])
    }

    func testRestoreRejectsMismatchedState() {
        let params = makeParameters([[2]], seed: 0)
        let adam = Adam(parameters: params)
        func message(_ state: [(name: String, values: [Float])]) -> String {
            do { try adam.restore(state); return "no error" } catch { return "\(error)" }
        }
        let good = adam.state()
        XCTAssertEqual(message(Array(good.dropFirst())), "optimizer state: missing 'exp_avg.layer0.weight'")
        XCTAssertEqual(message([("exp_avg.layer0.weight", [1, 2, 3])] + good.dropFirst()),
                       "optimizer state: 'exp_avg.layer0.weight' has 3 values, expected 2")
        XCTAssertEqual(message(good + [("momentum_buffer.layer0.weight", [0, 0])]),
                       "optimizer state: unexpected 'momentum_buffer.layer0.weight' (saved by a different optimizer?)")
        XCTAssertEqual(message(good.dropLast() + [("step", [2.5])]),
                       "optimizer state: 'step' must be one non-negative whole number, found [2.5]")
        XCTAssertEqual(message(good.dropLast()), "optimizer state: missing 'step'")
        XCTAssertEqual(message(good + [good[0]]), "optimizer state: 'exp_avg.layer0.weight' appears twice")
        XCTAssertEqual(message(good), "no error")
    }

    func testMakeOptimizerHonoursTheSpec() {
        let sgd = makeOptimizer(.sgd(SGDOptions(lr: 0.05, momentum: 0.5, nesterov: true)), parameters: []) as? SGD
        XCTAssertEqual(sgd?.lr, 0.05)
        XCTAssertEqual(sgd?.momentum, 0.5)
        XCTAssertEqual(sgd?.nesterov, true)
        XCTAssertTrue(makeOptimizer(.adamw(AdamOptions()), parameters: []) is AdamW)
        XCTAssertTrue(makeOptimizer(.adam(AdamOptions()), parameters: []) is Adam)
    }
}
