import Foundation
import Spec

/// Learning rate by epoch, reproducing the values PyTorch's schedulers produce when
/// `scheduler.step()` is called once after every epoch.
///
/// PyTorch computes each epoch's rate from the previous one (`get_lr`'s chainable form), so the
/// values can differ from the closed forms in the last bits of a Double; this type follows the
/// same recursion so that training matches PyTorch to the bit. Epoch 0 uses the base rate.
public struct LRSchedule: Sendable, Hashable {
    public let spec: ScheduleSpec
    public let baseLR: Double
    public let epochs: Int
    /// A linear warmup before `spec` (`SequentialLR([LinearLR, spec], milestones: [warmup.epochs])`).
    public let warmup: WarmupSpec?

    /// Optimizer steps per epoch (what a per-step `onecycle` schedule counts).
    public let stepsPerEpoch: Int

    public init(spec: ScheduleSpec, baseLR: Double, epochs: Int, warmup: WarmupSpec? = nil, stepsPerEpoch: Int = 1) {
        self.spec = spec
        self.baseLR = baseLR
        self.epochs = epochs
        self.warmup = warmup
        self.stepsPerEpoch = max(stepsPerEpoch, 1)
    }

    /// For a per-step schedule (`onecycle`): the rate and the momentum (nil unless cycled) of
    /// 0-based optimizer step `step` of the trial; nil for the per-epoch schedules.
    public func perStep(_ step: Int) -> (lr: Double, momentum: Double?)? {
        guard case let .oneCycle(o) = spec else { return nil }
        let v = o.values(step: step, total: epochs * stepsPerEpoch, maxLR: baseLR)
        return (v.lr, o.cycleMomentum ? v.momentum : nil)
    }

    /// The learning rate for 0-based `epoch`. `metrics[i]` is the validation metric a
    /// `reduce_on_plateau` schedule watches, after epoch i (only that schedule reads it; it needs
    /// the first `epoch` values).
    public func lr(epoch: Int, metrics: [Double] = []) -> Double {
        if let warmup, warmup.epochs > 0 {
            if epoch < warmup.epochs { return warmupLR(epoch: epoch, warmup) }
            return mainLR(epoch: epoch - warmup.epochs, metrics: Array(metrics.dropFirst(warmup.epochs)))
        }
        return mainLR(epoch: epoch, metrics: metrics)
    }

    /// The rates of epochs `0..<epochs` (for a plateau schedule, as if no plateau were reached).
    public var table: [Double] { (0..<max(epochs, 0)).map { lr(epoch: $0) } }

    /// `LinearLR(start_factor: s, end_factor: 1, total_iters: W)` in PyTorch's chainable form:
    /// lr₀ = s·lr, then lrₑ = lrₑ₋₁ · (1 + (1 − s) / (W·s + (e − 1)·(1 − s))).
    private func warmupLR(epoch: Int, _ warmup: WarmupSpec) -> Double {
        let s = warmup.startFactor, w = Double(warmup.epochs)
        var lr = baseLR * s
        if epoch <= 0 { return lr }
        for e in 1...epoch { lr *= 1 + (1 - s) / (w * s + Double(e - 1) * (1 - s)) }
        return lr
    }

    private func mainLR(epoch: Int, metrics: [Double]) -> Double {
        if let first = perStep(max(epoch, 0) * stepsPerEpoch) { return first.lr }  // the epoch's first step
        if case let .reduceOnPlateau(options) = spec { return plateauLR(after: metrics.prefix(max(epoch, 0)), options) }
        var lr = baseLR
        if epoch <= 0 { return lr }
        for e in 1...epoch { lr = next(after: lr, epoch: e) }
        return lr
    }

    /// `ReduceLROnPlateau(mode, factor, patience, threshold, threshold_mode: "rel", cooldown,
    /// min_lr)` stepped once with each metric: a pure function of the metrics so far, so a resumed
    /// trial (its history restored) continues with the same rate.
    private func plateauLR(after metrics: ArraySlice<Double>, _ o: PlateauOptions) -> Double {
        let minimize = o.monitor == .valLoss
        var lr = baseLR
        var best = minimize ? Double.infinity : -Double.infinity
        var bad = 0, cooldown = 0
        for m in metrics {
            let better = minimize ? m < best * (1 - o.threshold) : m > best * (1 + o.threshold)
            if better { best = m; bad = 0 } else { bad += 1 }
            if cooldown > 0 { cooldown -= 1; bad = 0 }
            if bad > o.patience {
                let reduced = max(lr * o.factor, o.minLR)
                if lr - reduced > 1e-8 { lr = reduced }
                cooldown = o.cooldown
                bad = 0
            }
        }
        return lr
    }

    /// `get_lr()` of StepLR / CosineAnnealingLR at `last_epoch = epoch`, given the previous rate.
    private func next(after lr: Double, epoch e: Int) -> Double {
        switch spec {
        case .constant:
            return lr
        case let .step(stepSize, gamma):
            return stepSize > 0 && e % stepSize == 0 ? lr * gamma : lr
        case .reduceOnPlateau, .oneCycle:
            return lr
        case let .cosine(tMax, etaMin):
            let t = Double(tMax > 0 ? tMax : max(epochs, 1))
            let period = 2 * Int(t)
            let shifted = e - 1 - Int(t)
            if ((shifted % period) + period) % period == 0 {  // Python's floored modulo
                return lr + (baseLR - etaMin) * (1 - cos(Double.pi / t)) / 2
            }
            return (1 + cos(Double.pi * Double(e) / t)) / (1 + cos(Double.pi * Double(e - 1) / t))
                * (lr - etaMin) + etaMin
        }
    }
}
