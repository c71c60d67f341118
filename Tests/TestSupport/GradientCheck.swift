import Engine

/// Finite-difference gradient checker for any layer or small network.
///
/// The scalar loss is L = Σ_i y_i · r_i over the network output y with fixed random weights r, so
/// dL/dy = r is injected as the output gradient. Analytic input and parameter gradients from
/// `backward` are compared with central differences (L(θ+ε) − L(θ−ε)) / 2ε, with L summed in Double.
/// The dropout generator is restored before every forward so masks stay fixed.
///
///     let net = Network(inputShape: [2, 5, 5], nodes: [...], maxBatch: 3, threads: 1, seed: 1,
///                       inputGradient: true)
///     XCTAssertEqual(GradientCheck().failures(net, input: x, batch: 3), [])
public struct GradientCheck {
    /// Central-difference step.
    public var eps: Float = 1e-2
    /// A gradient passes when |analytic − numeric| ≤ absolute + relative · max(|analytic|, |numeric|).
    public var absolute: Double = 2e-3
    public var relative: Double = 2e-2
    /// At most this many elements of each tensor are checked (chosen at random, seeded).
    public var samplesPerTensor = 80
    public var training = true
    public var seed: UInt64 = 7

    public init() {}

    /// Descriptions of every mismatching element (empty when all gradients agree).
    /// `network` must be built with `inputGradient: true` to check dL/dx.
    public func failures(_ network: Network, input: [Float], batch: Int) -> [String] {
        var random = Random(seed: seed, stream: "gradient-check")
        let outputCount = batch * network.classes
        let weights = (0..<outputCount).map { _ in random.uniform(-1, 1) }
        let dropout = network.dropoutRandom
        var x = input

        func loss() -> Double {
            network.dropoutRandom = dropout
            let y = x.withUnsafeBufferPointer { network.forward($0.baseAddress!, batch: batch, training: training) }
            var total = 0.0
            for i in 0..<outputCount { total += Double(y[i]) * Double(weights[i]) }
            return total
        }

        _ = loss()
        for i in 0..<outputCount { network.outputGradient[i] = weights[i] }
        network.backward(batch: batch)
        let inputGrad = network.inputGradient.map { Array(UnsafeBufferPointer(start: $0, count: input.count)) }
        let paramGrads = network.parameters.map(\.grad.array)

        var report: [String] = []
        func compare(_ label: String, _ index: Int, analytic: Float, numeric: Double) {
            let a = Double(analytic)
            if abs(a - numeric) > absolute + relative * max(abs(a), abs(numeric)) {
                report.append("\(label)[\(index)]: analytic \(a), numeric \(numeric)")
            }
        }
        func picks(_ count: Int) -> [Int] {
            count <= samplesPerTensor ? Array(0..<count) : (0..<samplesPerTensor).map { _ in random.below(count) }
        }

        if let inputGrad {
            for i in picks(input.count) {
                let original = x[i]
                x[i] = original + eps; let plus = loss()
                x[i] = original - eps; let minus = loss()
                x[i] = original
                compare("input", i, analytic: inputGrad[i], numeric: (plus - minus) / (2 * Double(eps)))
            }
        }
        for (p, parameter) in network.parameters.enumerated() {
            let w = parameter.value.data
            for i in picks(parameter.value.count) {
                let original = w[i]
                w[i] = original + eps; let plus = loss()
                w[i] = original - eps; let minus = loss()
                w[i] = original
                compare(parameter.name, i, analytic: paramGrads[p][i], numeric: (plus - minus) / (2 * Double(eps)))
            }
        }
        return report
    }
}

/// `count` seeded values uniform in ±`scale`, pushed at least `margin` away from zero
/// (keeps finite differences off ReLU kinks).
public func engineRandomValues(_ count: Int, seed: UInt64, scale: Float = 1, margin: Float = 0) -> [Float] {
    var random = Random(seed: seed, stream: "test-values")
    return (0..<count).map { _ in
        let v = random.uniform(-scale, scale)
        return v < 0 ? min(v, -margin) : max(v, margin)
    }
}

/// `count` distinct values (a seeded shuffle of an evenly spaced grid with step `spacing`), so
/// max-pool winners never tie and stay put under small perturbations.
public func engineDistinctValues(_ count: Int, seed: UInt64, spacing: Float = 0.05) -> [Float] {
    var random = Random(seed: seed, stream: "distinct-values")
    return random.permutation(count).map { Float($0 - count / 2) * spacing }
}
