import Engine
import Foundation
import Reports

/// Converts a network's parameters and buffers to and from safetensors tensors, with PyTorch
/// state_dict names, dtypes and shapes.
public enum ModelWeights {
    /// The tensors of a network in state_dict order, optionally under a name prefix.
    public static func tensors(of network: Network, prefix: String = "") -> [Safetensors.TensorData] {
        network.parameters.map { entry(prefix + $0.name, $0.value, .float32) }
            + network.stateBuffers.map { entry(prefix + $0.name, $0.value, $0.dtype) }
    }

    /// What a checkpoint for this network must contain: names, dtypes and shapes.
    public static func expected(for network: Network) -> [(name: String, dtype: Safetensors.DType, shape: [Int])] {
        network.parameters.map { ($0.name, .f32, $0.value.shape) }
            + network.stateBuffers.map { ($0.name, dtype($0.dtype), $0.value.shape) }
    }

    /// Checks names, dtypes and shapes against the network, then copies the file's tensors
    /// (under `prefix`) into it. A mismatch is one line naming the tensor.
    public static func load(_ file: SafetensorsFile, into network: Network, prefix: String = "") throws {
        if prefix.isEmpty, let mismatch = Safetensors.firstMismatch(file, expected: expected(for: network)) {
            throw ReportError(mismatch)
        }
        for p in network.parameters { try copy(file, prefix + p.name, into: p.value) }
        for b in network.stateBuffers { try copy(file, prefix + b.name, into: b.value) }
    }

    static func dtype(_ d: StateBuffer.DType) -> Safetensors.DType { d == .int64 ? .i64 : .f32 }

    static func entry(_ name: String, _ t: Tensor, _ d: StateBuffer.DType) -> Safetensors.TensorData {
        switch d {
        case .float32:
            return (name, .f32, t.shape, Data(bytes: t.data, count: t.count * 4))
        case .int64:
            let ints = (0..<t.count).map { Int64(t.data[$0]).littleEndian }
            return (name, .i64, t.shape, ints.withUnsafeBufferPointer { Data(buffer: $0) })
        }
    }

    static func copy(_ file: SafetensorsFile, _ name: String, into t: Tensor) throws {
        guard let entry = file.tensors[name], entry.shape.reduce(1, *) == t.count else {
            throw ReportError("\(file.path): missing tensor \"\(name)\"")
        }
        if let floats = entry.floats {
            for i in 0..<t.count { t.data[i] = floats[i] }
        } else if let ints = entry.int64s {
            for i in 0..<t.count { t.data[i] = Float(ints[i]) }
        }
    }
}
