import Engine
import Spec

/// A first-order optimizer over a fixed list of parameters, with PyTorch (`torch.optim`) semantics.
///
/// Every implementation follows the element-wise float operations of PyTorch's single-tensor
/// (`foreach=False`) CPU path: scalars such as `lr` and the bias corrections are computed in
/// Double (as Python floats) and rounded to Float32 where PyTorch passes them to a kernel, and
/// `a + α·b` is a fused multiply-add where PyTorch's vectorized kernel uses `fmadd`.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    /// Learning rate, a Double as in PyTorch (a Python float), set per epoch by the schedule.
    var lr: Double { get set }
    /// One update from the parameters' current `grad`. Does not zero gradients.
    func step()
    /// Named state tensors for checkpoints (`exp_avg.conv1.weight`, ..., and `step`).
    func state() -> [(name: String, values: [Float])]
    /// Restores what `state()` returned; throws if a name is missing, unexpected or mis-sized.
    func restore(_ state: [(name: String, values: [Float])]) throws
    /// Updates taken so far.
    var stepCount: Int { get }
    /// The momentum a one-cycle schedule sets before each step: SGD's and RMSprop's `momentum`,
    /// Adam's β₁ (PyTorch's `cycle_momentum`).
    var momentum: Double { get set }
}

/// Builds the optimizer a `train.optimizer:` section describes.
/// `cyclesMomentum`: a schedule will set the momentum before every step, so momentum buffers
/// exist from the start even when the configured momentum is 0.
public func makeOptimizer(_ spec: OptimizerSpec, parameters: [Parameter], cyclesMomentum: Bool = false) -> any Optimizer {
    switch spec {
    case let .sgd(o):
        SGD(parameters: parameters, lr: o.lr, momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov,
            weightDecay: o.weightDecay, momentumBuffers: cyclesMomentum)
    case let .adam(o):
        Adam(parameters: parameters, lr: o.lr, betas: (o.beta1, o.beta2), eps: o.eps, weightDecay: o.weightDecay)
    case let .adamw(o):
        AdamW(parameters: parameters, lr: o.lr, betas: (o.beta1, o.beta2), eps: o.eps, weightDecay: o.weightDecay)
    case let .rmsprop(o):
        RMSprop(parameters: parameters, options: o, momentumBuffers: cyclesMomentum)
    }
}

/// A checkpoint's optimizer state does not fit the optimizer it is restored into.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// `g + λ·w` as PyTorch computes `grad.add(param, alpha=λ)` on the CPU (vectorized `fmadd`).
/// Shared by coupled weight decay and `L2Penalty` so that both give bit-identical gradients.
@inline(__always)
func decayedGradient(_ g: Float, weight w: Float, lambda: Float) -> Float {
    g.addingProduct(w, lambda)
}

/// Per-parameter state tensors (moment buffers) of an optimizer, named `<kind>.<parameter>`.
struct StateBuffers {
    let kind: String
    let tensors: [Tensor]

    init(kind: String, for parameters: [Parameter]) {
        self.kind = kind
        tensors = parameters.map { Tensor(shape: $0.value.shape) }
    }

    func named(_ parameters: [Parameter]) -> [(name: String, values: [Float])] {
        zip(parameters, tensors).map { ("\(kind).\($0.name)", $1.array) }
    }
}

/// Flattens buffers plus a `step` counter into checkpoint entries.
func optimizerState(_ parameters: [Parameter], _ buffers: [StateBuffers], step: Int)
    -> [(name: String, values: [Float])] {
    buffers.flatMap { $0.named(parameters) } + [("step", [Float(step)])]
}

/// Copies checkpoint entries into `buffers` and returns the step counter; validates every name
/// and size before touching any buffer, so a failed restore leaves the optimizer unchanged.
func restoreOptimizerState(_ state: [(name: String, values: [Float])], _ parameters: [Parameter],
                           _ buffers: [StateBuffers]) throws -> Int {
    var byName: [String: [Float]] = [:]
    for entry in state {
        guard byName.updateValue(entry.values, forKey: entry.name) == nil else {
            throw OptimizerStateError(description: "optimizer state: '\(entry.name)' appears twice")
        }
    }
    var targets: [(Tensor, [Float])] = []
    for buffer in buffers {
        for (parameter, tensor) in zip(parameters, buffer.tensors) {
            let name = "\(buffer.kind).\(parameter.name)"
            guard let values = byName.removeValue(forKey: name) else {
                throw OptimizerStateError(description: "optimizer state: missing '\(name)'")
            }
            guard values.count == tensor.count else {
                throw OptimizerStateError(description:
                    "optimizer state: '\(name)' has \(values.count) values, expected \(tensor.count)")
            }
            targets.append((tensor, values))
        }
    }
    guard let stepValues = byName.removeValue(forKey: "step") else {
        throw OptimizerStateError(description: "optimizer state: missing 'step'")
    }
    guard stepValues.count == 1, let step = stepValues.first, step.isFinite, step >= 0,
          step == step.rounded(), step < 16_777_216 else {
        throw OptimizerStateError(description:
            "optimizer state: 'step' must be one non-negative whole number, found \(stepValues)")
    }
    if let extra = byName.keys.sorted().first {
        throw OptimizerStateError(description:
            "optimizer state: unexpected '\(extra)' (saved by a different optimizer?)")
    }
    for (tensor, values) in targets {
        values.withUnsafeBufferPointer { tensor.data.update(from: $0.baseAddress!, count: tensor.count) }
    }
    return Int(step)
}
