import Engine

/// Stochastic gradient descent like `torch.optim.SGD` (maximize false).
///
/// Per element, with `g` the gradient: `g ← g + wd·p`; with momentum μ the buffer is `g` on the
/// first step and `b ← μ·b + (1 − dampening)·g` after; the update direction is `g + μ·b` (Nesterov) or `b`;
/// finally `p ← p − lr·d`. Nesterov without momentum is plain SGD (the spec rejects it; PyTorch raises).
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var lr: Double
    public var momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    public let weightDecay: Double
    public private(set) var stepCount = 0
    /// `momentum_buffer.<name>`; only when momentum ≠ 0.
    private let buffers: [StateBuffers]

    public init(parameters: [Parameter], lr: Double, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
                weightDecay: Double = 0, momentumBuffers: Bool = false) {
        self.parameters = parameters
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        buffers = momentum != 0 || momentumBuffers ? [StateBuffers(kind: "momentum_buffer", for: parameters)] : []
    }

    public func step() {
        let wd = Float(weightDecay), mu = Float(momentum), negLR = Float(-lr), keep = Float(1 - dampening)
        let firstStep = stepCount == 0
        for (k, parameter) in parameters.enumerated() {
            let p = parameter.value.data, g = parameter.grad.data, n = parameter.value.count
            if momentum == 0 && buffers.isEmpty {
                for i in 0..<n {
                    let gi = weightDecay != 0 ? decayedGradient(g[i], weight: p[i], lambda: wd) : g[i]
                    p[i] = p[i].addingProduct(gi, negLR)
                }
                continue
            }
            let b = buffers[0].tensors[k].data
            // p, g, b: [n], the flat views of one parameter, its gradient and its momentum buffer.
            for i in 0..<n {
                let gi = weightDecay != 0 ? decayedGradient(g[i], weight: p[i], lambda: wd) : g[i]
                // buf.mul_(μ).add_(g, alpha: 1 − dampening): a product, then a fused multiply-add
                // (with dampening 0, α = 1 makes it an exact add).
                b[i] = firstStep ? gi : (b[i] * mu).addingProduct(gi, keep)
                let d = nesterov ? gi.addingProduct(b[i], mu) : b[i]
                p[i] = p[i].addingProduct(d, negLR)
            }
        }
        stepCount += 1
    }

    public func state() -> [(name: String, values: [Float])] {
        optimizerState(parameters, buffers, step: stepCount)
    }

    public func restore(_ state: [(name: String, values: [Float])]) throws {
        stepCount = try restoreOptimizerState(state, parameters, buffers)
    }
}
