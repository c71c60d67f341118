/// How weights of convolution and linear layers are drawn (biases follow the scheme too).
public enum WeightInit: String, CaseIterable, Hashable, Sendable {
    /// PyTorch's default: kaiming_uniform(a = √5) weights, i.e. U(±gain·√(3/fan_in)) with
    /// gain = √(2/(1+5)), which is U(±1/√fan_in); biases U(±1/√fan_in).
    case pytorch
    /// Glorot: U(±√(6/(fan_in + fan_out))); biases zero.
    case xavierUniform
    /// He (fan_in, ReLU gain): N(0, 2/fan_in); biases zero.
    case kaimingNormal

    /// torch's kaiming_uniform_(a=√5) bound, computed in the same order as torch (in Double):
    /// gain = √(2/(1+a²)), std = gain/√fan_in, bound = √3·std.
    public static func pytorchWeightBound(fanIn: Int) -> Double {
        let gain = (2.0 / (1.0 + 5.0)).squareRoot()
        return 3.0.squareRoot() * (gain / Double(fanIn).squareRoot())
    }

    /// Fills `weight` (fan_in = in·k·k, fan_out = out·k·k) then `bias`, in that order, from `random`.
    func fill(weight: Tensor, bias: Tensor?, fanIn: Int, fanOut: Int, random: inout Random) {
        let w = weight.data
        switch self {
        case .pytorch:
            let bound = Float(Self.pytorchWeightBound(fanIn: fanIn))
            for i in 0..<weight.count { w[i] = random.uniform(-bound, bound) }
        case .xavierUniform:
            let bound = Float((6.0 / Double(fanIn + fanOut)).squareRoot())
            for i in 0..<weight.count { w[i] = random.uniform(-bound, bound) }
        case .kaimingNormal:
            let std = Float((2.0 / Double(fanIn)).squareRoot())
            for i in 0..<weight.count { w[i] = std * random.normal() }
        }
        guard let bias else { return }
        switch self {
        case .pytorch:
            let bound = Float(1.0 / Double(fanIn).squareRoot())
            for i in 0..<bias.count { bias.data[i] = random.uniform(-bound, bound) }
        case .xavierUniform, .kaimingNormal:
            bias.zero()
        }
    }
}

/// Per-thread partial gradients of one parameter, reduced in a fixed order so results are
/// bit-identical for a given thread count (but not across thread counts: only the im2col
/// convolution path still reduces this way). Thread 0 accumulates straight into `grad`.
final class GradientPartials {
    let grad: UnsafeMutablePointer<Float>
    let count: Int
    /// threads − 1 buffers of `count` floats (thread t ≥ 1 uses buffer t − 1), for up to `threads`.
    private let storage: UnsafeMutablePointer<Float>
    private let threads: Int
    /// The threads of the pass being reduced outside a region (read by the parallel body).
    private var active = 1

    init(_ parameter: Parameter, threads: Int) {
        grad = parameter.grad.data
        count = parameter.grad.count
        self.threads = threads
        storage = .allocate(capacity: max(1, count * (threads - 1)))
    }

    deinit { storage.deallocate() }

    /// Where thread `t` writes and the GEMM `beta` to use there (1: accumulate, 0: overwrite).
    @inline(__always)
    func target(_ t: Int) -> (pointer: UnsafeMutablePointer<Float>, beta: Float) {
        t == 0 ? (grad, 1) : (storage + (t - 1) * count, 0)
    }

    /// grad += Σ_{t ≥ 1} partial_t over the pass's threads, elements split over them, thread order
    /// fixed per element. In a region the reduction is deferred to the end of the backward pass
    /// (nobody reads parameter gradients before), where all of them run after a single barrier.
    func reduce(_ pass: Pass) {
        if pass.threads == 1 { return }
        if WorkerPool.regionThread != nil {
            if pass.isLead { pass.deferred.append(self) }
            return
        }
        active = pass.threads
        pass.parallel(count: count) { [self] _, range in reduce(range, threads: active) }
    }

    /// Thread t's share of the reduction over `threads` partials (after every thread wrote its own).
    func reduce(thread t: Int, threads: Int) {
        reduce(WorkerPool.slice(t, of: count, threads: threads), threads: threads)
    }

    private func reduce(_ range: Range<Int>, threads: Int) {
        for t in 1..<threads {
            let src = storage + (t - 1) * count
            for i in range { grad[i] += src[i] }
        }
    }
}
