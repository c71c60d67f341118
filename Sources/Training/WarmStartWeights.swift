import Builder
import Engine
import Foundation
import Reports
import Spec

/// `model.init_from`: saved weights copied into a freshly initialized network by PyTorch name.
public enum WarmStartWeights {
    /// The safetensors file `warmStart.weights` names: the path itself, or a trial folder's
    /// `model.safetensors`.
    public static func file(_ warmStart: WarmStart) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: warmStart.weights, isDirectory: &isFolder), isFolder.boolValue else {
            return warmStart.weights
        }
        return (warmStart.weights as NSString).appendingPathComponent(TrialFolder.weightsName)
    }

    nonisolated(unsafe) private static var fingerprints: [String: String] = [:]
    private static let lock = NSLock()

    /// SHA-256 of the weights file (part of the trial's cache key: other weights, other results),
    /// once per file and process.
    public static func fingerprint(_ warmStart: WarmStart) throws -> String {
        let path = file(warmStart)
        lock.lock(); defer { lock.unlock() }
        if let known = fingerprints[path] { return known }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError(FileManager.default.fileExists(atPath: path)
                ? "\(path): cannot read the weights file (model.init_from.weights)"
                : "\(path): no such file (model.init_from.weights)")
        }
        let value = SHA256.hex([UInt8](data))
        fingerprints[path] = value
        return value
    }

    /// Copies every parameter and buffer not under `skip` from the file. Strict: each one must be
    /// there with the network's shape and dtype, and the file may hold only those and the skipped
    /// layers' (one line naming the tensor otherwise); not strict: what matches by name, shape and
    /// dtype is copied. Returns how many tensors were copied.
    @discardableResult
    public static func load(_ warmStart: WarmStart, into network: Network) throws -> Int {
        let weights = try Safetensors.read(path: file(warmStart))
        let hint = " (model.init_from.skip lists layers to initialize afresh; strict: false loads what matches)"
        let skipped = { (name: String) in warmStart.skip.contains { nameIsCovered(name, by: $0) } }
        let expected = ModelWeights.expected(for: network)
        var wanted: Set<String> = []
        for e in expected where !skipped(e.name) {
            guard let t = weights.tensors[e.name] else {
                if warmStart.strict { throw ReportError("\(weights.path): no tensor \"\(e.name)\" for the network's \(e.shape)" + hint) }
                continue
            }
            guard t.dtype == e.dtype, t.shape == e.shape else {
                if warmStart.strict {
                    throw ReportError("\(weights.path): tensor \"\(e.name)\" is \(t.dtype.rawValue) \(t.shape), the network's is "
                                      + "\(e.dtype.rawValue) \(e.shape)" + hint)
                }
                continue
            }
            wanted.insert(e.name)
        }
        if warmStart.strict {
            let known = Set(expected.map(\.name))
            if let extra = weights.tensors.keys.sorted().first(where: { !known.contains($0) && !skipped($0) }) {
                throw ReportError("\(weights.path): tensor \"\(extra)\" is not in the network" + hint)
            }
        }
        for p in network.parameters where wanted.contains(p.name) { try ModelWeights.copy(weights, p.name, into: p.value) }
        for b in network.stateBuffers where wanted.contains(b.name) { try ModelWeights.copy(weights, b.name, into: b.value) }
        return wanted.count
    }

    /// Checks before a sweep starts that every warm-started trial's file is readable and fits its
    /// network (built once per distinct model, with a batch of one).
    public static func check(_ trials: [Trial], plans: [NetworkPlan]) throws {
        var checked = Set<String>()
        for (trial, plan) in zip(trials, plans) {
            guard let warmStart = trial.spec.warmStart else { continue }
            _ = try fingerprint(warmStart)
            // The model's layers and shapes and the warm start decide the outcome.
            let key = "\(warmStart)|" + plan.layers.map { "\($0.name)\($0.kind.typeName)\($0.inputShapes)" }.joined(separator: ",")
            guard checked.insert(key).inserted else { continue }
            let network = NetworkBuilder.build(plan, initScheme: trial.spec.initScheme, seed: 0, maxBatch: 1, threads: 1)
            try load(warmStart, into: network)
        }
    }

    /// The parameters `freeze` leaves trainable (all of them without `train.freeze`).
    public static func trainable(_ parameters: [Parameter], freeze: [String]) -> [Parameter] {
        parameters.filter { p in !freeze.contains { nameIsCovered(p.name, by: $0) } }
    }
}
