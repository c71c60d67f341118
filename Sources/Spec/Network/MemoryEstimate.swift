import Foundation

/// What a trial needs in memory, estimated from its plan before anything is allocated, so that
/// `validate` refuses a network the machine cannot hold instead of the engine trapping on an
/// allocation. A lower bound of what the engine really uses (it also keeps scratch buffers).
public struct MemoryEstimate: Sendable, Equatable {
    /// Weights, their gradients, two optimizer moments and the best-epoch snapshot: 5 floats each.
    public var parameterBytes: Double
    /// The input and each layer's output for the training batch in whole reduction groups of 16
    /// (larger evaluation batches run through them in chunks), and the largest layer's gradient for
    /// the training batch (layers whose gradients are never live at once share buffers; floats).
    public var activationBytes: Double
    /// The samples the activations are held for (evaluation batches run through them in chunks).
    public var activationBatch: Int

    public var totalBytes: Double { parameterBytes + activationBytes }

    /// `batch`: the largest batch the network is built for; `gradientBatch`: the largest it trains
    /// on (default `batch`).
    public init(plan: NetworkPlan, batch: Int, gradientBatch: Int? = nil) {
        let float = Double(MemoryLayout<Float>.size)
        parameterBytes = Double(plan.parameterCount) * 5 * float
        let sizes = plan.layers.map { layer in layer.outputShape.reduce(1.0) { $0 * Double($1) } }
        let input = Double(plan.inputShape.reduce(1, *))
        let trained = min(gradientBatch ?? batch, batch)
        let held = min(batch, trained > Int.max - 16 ? trained : (trained + 15) / 16 * 16)
        activationBatch = held
        activationBytes = ((input + sizes.reduce(0, +)) * Double(held) + (sizes.max() ?? 0) * Double(trained)) * float
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
