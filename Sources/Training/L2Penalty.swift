import Engine

/// L2 regularization declared on the network, per parameter (`Parameter.l2`).
///
/// Adding `λ·w` to the gradient with the same float operation PyTorch's coupled weight decay uses
/// (`grad.add(param, alpha=λ)`) makes `L2Penalty.apply` + an optimizer without weight decay
/// bit-identical to that optimizer with `weight_decay = λ` when every parameter has the same λ.
public enum L2Penalty {
    /// Adds `λ·w` to the gradient of every parameter with `l2 = λ ≠ 0` and returns the penalty
    /// `Σ λ/2·‖w‖²` (accumulated in Double) to add to the reported loss.
    /// Call after the backward pass and before `Optimizer.step()`.
    @discardableResult
    public static func apply(_ parameters: [Parameter]) -> Double {
        for parameter in parameters where parameter.l2 != 0 {
            let lambda = parameter.l2
            let w = parameter.value.data, g = parameter.grad.data
            for i in 0..<parameter.value.count {
                g[i] = decayedGradient(g[i], weight: w[i], lambda: lambda)
            }
        }
        return penalty(parameters)
    }

    /// The penalty `Σ λ/2·‖w‖²` alone, without touching gradients (for evaluation losses).
    public static func penalty(_ parameters: [Parameter]) -> Double {
        var penalty = 0.0
        for parameter in parameters where parameter.l2 != 0 {
            let w = parameter.value.data
            var squares = 0.0
            for i in 0..<parameter.value.count { squares += Double(w[i]) * Double(w[i]) }
            penalty += Double(parameter.l2) / 2 * squares
        }
        return penalty
    }
}
