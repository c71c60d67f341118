import Reports
import Foundation

/// Text and JSON forms of progress lines.
extension ProgressReporter {
    /// `[Dropout seed 1] epoch 7/50  loss 0.3121  train 88.9 %  val 89.4 %  test 89.0 %  1.02 s  ETA trial 44 s, sweep 3m 10s`
    static func epochLine(_ trial: TrialLabel, _ e: EpochProgress, etaTrial: Double, etaSweep: Double?) -> String {
        var parts = ["\(trial.prefix) epoch \(e.epoch)/\(e.epochs)",
                     "loss \(String(format: "%.4f", e.trainLoss))",
                     "train \(percent(e.trainAcc))"]
        if let v = e.valAcc { parts.append("val \(percent(v))") }
        if let t = e.testAcc { parts.append("test \(percent(t))") }
        parts.append(String(format: "%.2f s", e.seconds))
        let sweep = etaSweep.map { ", sweep \(duration($0))" } ?? ""
        parts.append("ETA trial \(duration(etaTrial))\(sweep)")
        return parts.joined(separator: "  ")
    }

    static func epochFields(_ trial: TrialLabel, _ e: EpochProgress, etaTrial: Double, etaSweep: Double?)
        -> [(String, JSONValue)] {
        [("event", .string("epoch")), ("trial", .string(trial.slug)), ("epoch", .int(e.epoch)),
         ("epochs", .int(e.epochs)), ("train_loss", .number(e.trainLoss)), ("train_acc", .number(e.trainAcc)),
         ("val_loss", .number(e.valLoss)), ("val_acc", .number(e.valAcc)), ("test_loss", .number(e.testLoss)),
         ("test_acc", .number(e.testAcc)), ("lr", .number(e.lr)), ("seconds", .number(e.seconds)),
         ("eta_trial_s", .number(rounded(etaTrial, 1))), ("eta_sweep_s", .number(etaSweep.map { rounded($0, 1) }))]
    }

    static func trialFields(_ event: String, _ trial: TrialLabel) -> [(String, JSONValue)] {
        [("event", .string(event)), ("trial", .string(trial.slug)), ("variant", .string(trial.name)),
         ("seed", .int(Int(clamping: trial.seed)))]
    }

    /// `0.889` → `88.9 %`.
    static func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

    /// Whole seconds, rounded: `44 s`, `3m 10s`, `2h 05m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60)m \(String(format: "%02d", s % 60))s" }
        return "\(s / 3600)h \(String(format: "%02d", s % 3600 / 60))m"
    }

    /// `x` rounded to `digits` decimals, as the nearest Double (so it prints shortly).
    static func rounded(_ x: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (x * scale).rounded() / scale
    }
}

/// A JSON scalar for one-line event objects; keys keep the order they are given in.
enum JSONValue {
    case string(String)
    case int(Int)
    /// nil and non-finite numbers print as `null`.
    case number(Double?)

    static func line(_ fields: [(String, JSONValue)]) -> String {
        "{" + fields.map { "\(quote($0.0)):\($0.1.text)" }.joined(separator: ",") + "}"
    }

    var text: String {
        switch self {
        case let .string(s): return Self.quote(s)
        case let .int(i): return String(i)
        case let .number(x):
            guard let x, x.isFinite else { return "null" }
            return x == x.rounded() && x.magnitude < 1e15 ? String(Int64(x)) : String(x)
        }
    }

    static func quote(_ s: String) -> String { JSONText.quoted(s) }
}
