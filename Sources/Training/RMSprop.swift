import Engine
import Spec

/// `torch.optim.RMSprop` (single-tensor path, maximize false).
///
/// Per element, with `g` the gradient: `g ← g + wd·p`; `v ← α·v + (1 − α)·g²`; centered:
/// `m ← α·m + (1 − α)·g` and `d = √(v − m²) + eps`, else `d = √v + eps`; with momentum μ:
/// `b ← μ·b + g/d`, `p ← p − lr·b`; without: `p ← p − lr·g/d`.
public final class RMSprop: Optimizer {
    public let parameters: [Parameter]
    public var lr: Double
    public let options: RMSpropOptions
    public var momentum: Double
    public private(set) var stepCount = 0
    /// `square_avg.<name>`, then `grad_avg.<name>` (centered) and `momentum_buffer.<name>` (momentum).
    private let buffers: [StateBuffers]

    public init(parameters: [Parameter], options: RMSpropOptions, momentumBuffers: Bool = false) {
        self.parameters = parameters
        self.options = options
        lr = options.lr
        momentum = options.momentum
        buffers = [StateBuffers(kind: "square_avg", for: parameters)]
            + (options.centered ? [StateBuffers(kind: "grad_avg", for: parameters)] : [])
            + (options.momentum != 0 || momentumBuffers ? [StateBuffers(kind: "momentum_buffer", for: parameters)] : [])
    }

    public func step() {
        let alpha = Float(options.alpha), rest = Float(1 - options.alpha), eps = Float(options.eps)
        let wd = Float(options.weightDecay), mu = Float(momentum), negLR = Float(-lr)
        for (k, parameter) in parameters.enumerated() {
            let p = parameter.value.data, g = parameter.grad.data, n = parameter.value.count
            let v = buffers[0].tensors[k].data
            let m = options.centered ? buffers[1].tensors[k].data : nil
            let hasBuffer = buffers.count > (options.centered ? 2 : 1)
            let b = momentum > 0 && hasBuffer ? buffers[buffers.count - 1].tensors[k].data : nil
            // p, g, v, m, b: [n], one parameter's flat views and its state.
            for i in 0..<n {
                let gi = options.weightDecay != 0 ? decayedGradient(g[i], weight: p[i], lambda: wd) : g[i]
                // square_avg.mul_(α).addcmul_(g, g, value: 1 − α)
                v[i] = (v[i] * alpha).addingProduct(gi * gi, rest)
                var variance = v[i]
                if let m {
                    // grad_avg.lerp_(g, 1 − α), then square_avg.addcmul(grad_avg, grad_avg, value: −1)
                    m[i] = m[i].addingProduct(gi - m[i], rest)
                    variance = variance.addingProduct(m[i] * m[i], -1)
                }
                let d = variance.squareRoot() + eps
                if let b {
                    b[i] = (b[i] * mu) + gi / d
                    p[i] = p[i].addingProduct(b[i], negLR)
                } else {
                    p[i] = p[i].addingProduct(gi / d, negLR)
                }
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
