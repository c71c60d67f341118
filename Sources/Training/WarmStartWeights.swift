import Builder
import Engine
import Foundation
import Reports
import Spec

/// `model.init_from`: saved weights copied into a freshly initialized network by PyTorch name.
public enum WarmStartWeights {
    /// The safetensors file `warmStart.path` names: the path itself, or a trial folder's
    /// `model.safetensors`.
    public static func file(_ warmStart: WarmStart) -> String {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: warmStart.path, isDirectory: &isFolder), isFolder.boolValue else {
            return warmStart.path
        }
        return (warmStart.path as NSString).appendingPathComponent(TrialFolder.weightsName)
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
                ? "\(path): cannot read the weights file (model.init_from.path)"
                : "\(path): no such file (model.init_from.path)")
        }
        let value = SHA256.hex([UInt8](data))
        fingerprints[path] = value
        return value
    }

    /// Copies every parameter and buffer not under `exclude` from the file; each one must be
    /// there with the network's shape and dtype (one line naming the tensor otherwise). Tensors
    /// the network does not have are ignored (a classifier head of another task, say).
    /// Returns how many tensors were copied.
    @discardableResult
    public static func load(_ warmStart: WarmStart, into network: Network) throws -> Int {
        let weights = try Safetensors.read(path: file(warmStart))
        let wanted = ModelWeights.expected(for: network).filter { e in
            !warmStart.exclude.contains { nameIsCovered(e.name, by: $0) }
        }
        for e in wanted {
            guard let t = weights.tensors[e.name] else {
                throw ReportError("\(weights.path): no tensor \"\(e.name)\" for the network's \(e.name) \(e.shape)"
                                  + " (model.init_from.exclude lists layers to initialize afresh)")
            }
            guard t.dtype == e.dtype, t.shape == e.shape else {
                throw ReportError("\(weights.path): tensor \"\(e.name)\" is \(t.dtype.rawValue) \(t.shape), the network's is "
                                  + "\(e.dtype.rawValue) \(e.shape) (model.init_from.exclude lists layers to initialize afresh)")
            }
        }
        let names = Set(wanted.map(\.name))
        for p in network.parameters where names.contains(p.name) { try ModelWeights.copy(weights, p.name, into: p.value) }
        for b in network.stateBuffers where names.contains(b.name) { try ModelWeights.copy(weights, b.name, into: b.value) }
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
