import Foundation

/// What a trial needs in memory, estimated from its plan before anything is allocated, so that
/// `validate` refuses a network the machine cannot hold instead of the engine trapping on an
/// allocation. A lower bound of what the engine really uses (it also keeps scratch buffers).
public struct MemoryEstimate: Sendable, Equatable {
    /// Weights, their gradients, two optimizer moments and the best-epoch snapshot: 5 floats each.
    public var parameterBytes: Double
    /// The input and each layer's output for the largest batch, each layer's gradient for the
    /// training batch (floats).
    public var activationBytes: Double

    public var totalBytes: Double { parameterBytes + activationBytes }

    /// `batch`: the largest batch the network is built for; `gradientBatch`: the largest it trains
    /// on (its gradient buffers' size; default `batch`).
    public init(plan: NetworkPlan, batch: Int, gradientBatch: Int? = nil) {
        let float = Double(MemoryLayout<Float>.size)
        parameterBytes = Double(plan.parameterCount) * 5 * float
        let outputs = plan.layers.reduce(0.0) { sum, layer in sum + layer.outputShape.reduce(1.0) { $0 * Double($1) } }
        let input = Double(plan.inputShape.reduce(1, *))
        activationBytes = ((input + outputs) * Double(batch) + outputs * Double(min(gradientBatch ?? batch, batch))) * float
    }

    /// The memory this machine has (bytes).
    public static var machineBytes: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// `1.50 GB`, `312 MB`: decimal units, three significant digits.
    public static func describe(_ bytes: Double) -> String {
        if bytes >= 1e15 { return String(format: "%.2e bytes", bytes) }
        for (scale, unit) in [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")] where bytes >= scale {
            let v = bytes / scale
            return String(format: v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v) + " " + unit
        }
        return "\(Int(bytes)) bytes"
    }

    /// Images per evaluation batch (the engine is built for the larger of it and the training batch).
    public static let evaluationBatch = 256
}
