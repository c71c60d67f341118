/// A node's computation in a `Network`: forward and backward over a batch, with the buffers it
/// reads and writes fixed once by `bind` (no allocation afterwards).
///
/// Lifecycle: `outputShape(inputShapes:)` → `bind(_:)` (creates parameters named after the node and
/// sizes workspaces for `maxBatch` and the thread count) → `initialize(random:)` → any number of
/// `forward` / `backward` calls. `backward` *writes* each requested input gradient and *adds* to
/// parameter gradients.
public protocol Layer: AnyObject {
    /// The registry's type string, e.g. `conv2d`.
    var typeName: String { get }
    /// Per-sample output shape for per-sample input shapes (`[C, H, W]` or `[F]`).
    /// Preconditions on shapes the layer cannot take (shape inference has validated user input).
    func outputShape(inputShapes: [[Int]]) -> [Int]
    /// Creates parameters/state and workspaces; stores the binding's pointers.
    func bind(_ binding: LayerBinding)
    /// Trainable tensors in state_dict order (weight, then bias).
    var parameters: [Parameter] { get }
    /// Non-trainable state in state_dict order.
    var stateBuffers: [StateBuffer] { get }
    /// Draws initial parameter values (weight then bias) and resets state buffers.
    func initialize(random: inout Random)
    func forward(_ pass: Pass)
    func backward(_ pass: Pass)
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var stateBuffers: [StateBuffer] { [] }
    public func initialize(random: inout Random) {}
}

/// Everything a layer needs to know about its place in the network, fixed at `Network.init`.
/// Buffers hold `maxBatch` samples laid out contiguously, `[batch, …shape]`.
public struct LayerBinding {
    /// The node name, prefix of parameter names (`conv1` → `conv1.weight`).
    public let name: String
    public let inputShapes: [[Int]]
    public let outputShape: [Int]
    public let inputs: [UnsafePointer<Float>]
    public let output: UnsafeMutablePointer<Float>
    /// dL/d(output), filled before `backward` runs.
    public let outputGrad: UnsafePointer<Float>
    /// Where to write dL/d(input i); nil when nobody needs it (e.g. the network input).
    public let inputGrads: [UnsafeMutablePointer<Float>?]
    public let maxBatch: Int
    public let threads: Int

    /// Largest number of samples one thread handles.
    public var maxChunk: Int { (maxBatch + threads - 1) / threads }
}

/// Per-call state shared by all layers of one forward or backward pass.
public final class Pass {
    public internal(set) var batch: Int = 0
    public internal(set) var training: Bool = false
    /// The dropout mask generator (advanced only in training forward passes).
    public var random: Random
    let pool: WorkerPool

    init(pool: WorkerPool, random: Random) {
        self.pool = pool
        self.random = random
    }

    public var threads: Int { pool.threads }

    /// Runs `body(thread, samples)` on every thread with a fixed, contiguous split of `0..<batch`.
    /// To stay allocation-free, `body` must capture a single class reference, e.g. `{ [self] t, samples in … }`
    /// reading everything else (pointers, sizes, `pass.batch`) through it; capturing locals boxes them.
    @inline(__always)
    public func parallel(_ body: @escaping (_ thread: Int, _ samples: Range<Int>) -> Void) {
        parallel(count: batch, body)
    }

    /// Runs `body(thread, range)` on every thread with a fixed, contiguous split of `0..<count`
    /// (thread t gets `t·count/T ..< (t+1)·count/T`, possibly empty).
    @inline(__always)
    public func parallel(count: Int, _ body: @escaping (_ thread: Int, _ range: Range<Int>) -> Void) {
        pool.run(count: count, body)
    }
}
