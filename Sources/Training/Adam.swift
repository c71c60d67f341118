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
    let beta1: Double, beta2: Double, eps: Double, weightDecay: Double
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
        let c = AdamConstants(negStepSize: negStepSize, bc2Sqrt: bc2Sqrt, lerpWeight: lerpWeight,
                              lerpWeightMinusOne: lerpWeightMinusOne, b2: b2, oneMinusB2: oneMinusB2, eps: epsF,
                              wd: wd, decay: decay)
        for (k, parameter) in parameters.enumerated() {
            let p = parameter.value.data, g = parameter.grad.data, n = parameter.value.count
            let m = moments[0].tensors[k].data, v = moments[1].tensors[k].data
            // The flags are loop-invariant: one specialized loop each, so the body vectorizes.
            switch (shrink, coupled, smallWeight) {
            case (false, false, true): adamUpdate(p, g, m, v, n, c, shrink: false, coupled: false, smallWeight: true)
            case (false, true, true): adamUpdate(p, g, m, v, n, c, shrink: false, coupled: true, smallWeight: true)
            case (true, false, true): adamUpdate(p, g, m, v, n, c, shrink: true, coupled: false, smallWeight: true)
            default: adamUpdate(p, g, m, v, n, c, shrink: shrink, coupled: coupled, smallWeight: smallWeight)
            }
        }
    }

    func state() -> [(name: String, values: [Float])] {
        optimizerState(parameters, moments, step: stepCount)
    }

    mutating func restore(_ state: [(name: String, values: [Float])]) throws {
        stepCount = try restoreOptimizerState(state, parameters, moments)
    }
}

/// The scalars of one Adam step, rounded to Float32.
struct AdamConstants {
    let negStepSize: Float, bc2Sqrt: Float, lerpWeight: Float, lerpWeightMinusOne: Float
    let b2: Float, oneMinusB2: Float, eps: Float, wd: Float, decay: Float
}

/// p, g, m, v: [n], the flat views of one parameter, its gradient and its two moments.
/// Eight lanes at a time, then a scalar tail; every lane does exactly the scalar operations
/// (IEEE sqrt and division, the same fmas), so the result does not depend on the split.
@inline(__always)
private func adamUpdate(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ n: Int,
                        _ c: AdamConstants, shrink: Bool, coupled: Bool, smallWeight: Bool) {
    @inline(__always)
    func update<L: AdamLanes>(_ at: Int, _: L.Type) {
        var pv = L(p + at)
        if shrink { pv = pv * L(c.decay) }
        let gi = coupled ? L(g + at).addingProduct(pv, L(c.wd)) : L(g + at)
        let mv = L(m + at)
        let mi = smallWeight ? mv.addingProduct(L(c.lerpWeight), gi - mv)
                             : gi.addingProduct(L(c.lerpWeightMinusOne), gi - mv)
        var vi = L(v + at) * L(c.b2)
        vi = vi.addingProduct(L(c.oneMinusB2) * gi, gi)
        let denom = vi.squareRoot() / L(c.bc2Sqrt) + L(c.eps)
        (pv + L(c.negStepSize) * mi / denom).store(p + at)
        mi.store(m + at)
        vi.store(v + at)
    }
    var i = 0
    while i + 8 <= n { update(i, SIMD8<Float>.self); i += 8 }
    while i < n { update(i, Float.self); i += 1 }
}

/// Float or SIMD8<Float>: what Adam's update needs, lane-wise.
private protocol AdamLanes {
    init(_ broadcast: Float)
    init(_ at: UnsafeMutablePointer<Float>)
    func store(_ at: UnsafeMutablePointer<Float>)
    func addingProduct(_ a: Self, _ b: Self) -> Self
    func squareRoot() -> Self
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
}

extension Float: AdamLanes {
    @inline(__always) init(_ at: UnsafeMutablePointer<Float>) { self = at.pointee }
    @inline(__always) func store(_ at: UnsafeMutablePointer<Float>) { at.pointee = self }
}

extension SIMD8: AdamLanes where Scalar == Float {
    @inline(__always) init(_ broadcast: Float) {  // spelled lane by lane (see `splat8` in SIMDMemory)
        self.init(broadcast, broadcast, broadcast, broadcast, broadcast, broadcast, broadcast, broadcast)
    }
    @inline(__always) init(_ at: UnsafeMutablePointer<Float>) {
        self = UnsafeRawPointer(at).loadUnaligned(as: SIMD8<Float>.self)
    }
    @inline(__always) func store(_ at: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(at).storeBytes(of: self, as: SIMD8<Float>.self)
    }
}
