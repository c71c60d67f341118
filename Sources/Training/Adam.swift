import CKernels
import Engine
import Foundation

/// Adam like `torch.optim.Adam` (amsgrad false, maximize false); weight decay is coupled:
/// `g ← g + wd·p` before the moments are updated.
public class Adam: Optimizer {
    public var parameters: [Parameter] { core.parameters }
    public var lr: Double {
        get { core.lr }
        set { core.lr = newValue }
    }
    public var stepCount: Int { core.stepCount }
    /// β₁ (what a one-cycle schedule cycles).
    public var momentum: Double {
        get { core.beta1 }
        set { core.beta1 = newValue }
    }
    private var core: AdamCore

    public convenience init(parameters: [Parameter], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 0) {
        self.init(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, decoupled: false)
    }

    init(parameters: [Parameter], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double,
         decoupled: Bool) {
        core = AdamCore(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                        decoupled: decoupled)
    }

    public func step() { core.step() }
    public func state() -> [(name: String, values: [Float])] { core.state() }
    public func restore(_ state: [(name: String, values: [Float])]) throws { try core.restore(state) }
}

/// AdamW like `torch.optim.AdamW`: decoupled weight decay `p ← p·(1 − lr·wd)` before the Adam update.
public final class AdamW: Adam {
    public convenience init(parameters: [Parameter], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 1e-2) {
        self.init(parameters: parameters, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, decoupled: true)
    }
}

/// The update shared by Adam and AdamW, in the operation order of PyTorch's `_single_tensor_adam`:
///
///     t += 1
///     p ← p·(1 − lr·wd)                 (decoupled)   or   g ← g + wd·p   (coupled, fma)
///     m ← m + (1−β1)·(g − m)            (lerp_, fma; the other form when β1 ≤ 0.5)
///     v ← v·β2;  v ← v + ((1−β2)·g)·g   (mul_, then addcmul_ as PyTorch's CPU build contracts it: fma)
///     denom ← sqrt(v) / sqrt(1−β2^t) + eps
///     p ← p + ((−lr/(1−β1^t))·m) / denom   (addcdiv_)
///
/// Scalars are Doubles (Python floats) rounded to Float32 where they enter a kernel. Measured against
/// torch 2.x CPU wheels (GCC contracts `a + b·c` into fma in both the vector body and the tail).
/// One known difference: those wheels take `sqrt` from MKL VML, which is not correctly rounded
/// (about 0.7 % of results are 1 ulp off); we use the IEEE square root, as PyTorch builds without
/// MKL do. With a correctly rounded sqrt patched into PyTorch, updates agree bit for bit.
struct AdamCore {
    let parameters: [Parameter]
    var lr: Double
    var beta1: Double
    let beta2: Double, eps: Double, weightDecay: Double
    let decoupled: Bool
    private(set) var stepCount = 0
    /// `exp_avg.<name>` and `exp_avg_sq.<name>`.
    private let moments: [StateBuffers]

    init(parameters: [Parameter], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double,
         decoupled: Bool) {
        self.parameters = parameters
        self.lr = lr
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        moments = [StateBuffers(kind: "exp_avg", for: parameters),
                   StateBuffers(kind: "exp_avg_sq", for: parameters)]
    }

    mutating func step() {
        stepCount += 1
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2 = 1 - pow(beta2, t)
        let negStepSize = Float(-(lr / biasCorrection1))
        let bc2Sqrt = Float(pow(biasCorrection2, 0.5))  // Python's `x ** 0.5`, not sqrt
        let lerpWeight = Float(1 - beta1), b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
        let epsF = Float(eps), wd = Float(weightDecay), decay = Float(1 - lr * weightDecay)
        let coupled = !decoupled && weightDecay != 0
        let shrink = decoupled && weightDecay != 0
        // PyTorch's lerp: `start + w·(end − start)` for |w| < 0.5, else `end + (w − 1)·(end − start)`.
        let smallWeight = lerpWeight.magnitude < 0.5, lerpWeightMinusOne = lerpWeight - 1
        var c = ckernels_adam_constants(neg_step_size: negStepSize, bc2_sqrt: bc2Sqrt, lerp_weight: lerpWeight,
                                        lerp_weight_minus_one: lerpWeightMinusOne, b2: b2, one_minus_b2: oneMinusB2,
                                        eps: epsF, wd: wd, decay: decay)
        for (k, parameter) in parameters.enumerated() {
            let m = moments[0].tensors[k].data, v = moments[1].tensors[k].data
            // C (CKernels/adam.c): the same operations, with a vector square root.
            ckernels_adam_update(parameter.value.data, parameter.grad.data, m, v, parameter.value.count, &c,
                                 shrink ? 1 : 0, coupled ? 1 : 0, smallWeight ? 1 : 0)
        }
    }

    func state() -> [(name: String, values: [Float])] {
        optimizerState(parameters, moments, step: stepCount)
    }

    mutating func restore(_ state: [(name: String, values: [Float])]) throws {
        stepCount = try restoreOptimizerState(state, parameters, moments)
    }
}

