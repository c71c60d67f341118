/// Contiguous Float32 storage with a shape, NCHW for images. Owns a 64-byte-aligned allocation
/// that is never reallocated, so kernels can hold raw pointers into it for the tensor's lifetime.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative tensor dimension")
        self.shape = shape
        self.count = shape.reduce(1, *)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        data.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "value count does not match shape")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { data.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }
    public var array: [Float] { Array(buffer) }

    public func zero() { data.update(repeating: 0, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "tensor size mismatch")
        data.update(from: other.data, count: count)
    }
}

/// A trainable tensor and its gradient, named as in a PyTorch state_dict (`conv1.weight`).
public final class Parameter: @unchecked Sendable {
    public let name: String
    public let value: Tensor
    public let grad: Tensor
    /// L2 penalty λ declared on the network for this parameter. The trainer (`L2Penalty.apply`,
    /// after the backward pass) adds λ·w to `grad` and λ/2·‖w‖² to the reported loss.
    public var l2: Float

    public init(name: String, shape: [Int], l2: Float = 0) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.grad = Tensor(shape: shape)
        self.l2 = l2
    }
}

/// Non-trainable state saved with the model (BatchNorm running statistics), named as in a
/// PyTorch state_dict. `int64` marks `num_batches_tracked`, which PyTorch stores as an integer.
public final class StateBuffer: @unchecked Sendable {
    public enum DType: String, Sendable { case float32 = "F32", int64 = "I64" }
    public let name: String
    public let value: Tensor
    public let dtype: DType

    public init(name: String, shape: [Int], dtype: DType = .float32) {
        self.name = name
        self.value = Tensor(shape: shape)
        self.dtype = dtype
    }
}
