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

    public init(spec: ScheduleSpec, baseLR: Double, epochs: Int) {
        self.spec = spec
        self.baseLR = baseLR
        self.epochs = epochs
    }

    /// The learning rate for 0-based `epoch`.
    public func lr(epoch: Int) -> Double {
        var lr = baseLR
        if epoch <= 0 { return lr }
        for e in 1...epoch { lr = next(after: lr, epoch: e) }
        return lr
    }

    /// The rates of epochs `0..<epochs`.
    public var table: [Double] {
        var rates: [Double] = []
        var lr = baseLR
        for e in 0..<max(epochs, 0) {
            if e > 0 { lr = next(after: lr, epoch: e) }
            rates.append(lr)
        }
        return rates
    }

    /// `get_lr()` of StepLR / CosineAnnealingLR at `last_epoch = epoch`, given the previous rate.
    private func next(after lr: Double, epoch e: Int) -> Double {
        switch spec {
        case .constant:
            return lr
        case let .step(stepSize, gamma):
            return stepSize > 0 && e % stepSize == 0 ? lr * gamma : lr
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
