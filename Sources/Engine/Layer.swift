import EngineAVX512
import Spec
/// A node's computation in a `Network`: forward and backward over a batch, with the buffers it
/// reads and writes fixed once by `bind` (no allocation afterwards).
///
/// Each layer class is built from its definition (`Spec/Layers/`), which is the one place its
/// type name, options, shape rule, parameter count and FLOPs are written down.
///
/// Lifecycle: `outputShape(inputShapes:)` → `bind(_:)` (creates parameters named after the node and
/// sizes workspaces for `maxBatch` and the thread count) → `initialize(random:)` → any number of
/// `forward` / `backward` calls. `backward` *writes* each requested input gradient and *adds* to
/// parameter gradients.
public protocol Layer: AnyObject {
    /// The layer's definition: type, options and the shape rule the engine follows.
    var definition: any LayerDefinition { get }
    /// Creates parameters/state and workspaces; stores the binding's pointers.
    func bind(_ binding: LayerBinding)
    /// Trainable tensors in state_dict order (weight, then bias).
    var parameters: [Parameter] { get }
    /// Non-trainable state in state_dict order.
    var stateBuffers: [StateBuffer] { get }
    /// Draws initial parameter values (weight then bias) and resets state buffers.
    func initialize(random: inout Random)
    /// Work that depends only on parameters or on the generator, run by the calling thread before
    /// each forward (weight transposes, dropout masks), so the pass itself needs no serial steps.
    func prepare(_ pass: Pass)
    func forward(_ pass: Pass)
    func backward(_ pass: Pass)
}

extension Layer {
    /// The registry's type string, e.g. `conv2d`.
    public var typeName: String { type(of: definition).schema.type }

    /// Per-sample output shape for per-sample input shapes (`[C, H, W]` or `[F]`), by the
    /// definition's rule. Preconditions on shapes the layer cannot take (shape inference has
    /// validated user input; engine-only callers are tests).
    public func outputShape(inputShapes: [[Int]]) -> [Int] {
        let schema = type(of: definition).schema
        precondition(schema.minimumInputs == 1 ? inputShapes.count == 1 : inputShapes.count >= schema.minimumInputs,
                     "\(schema.type) takes \(schema.minimumInputs == 1 ? "one input" : "at least \(schema.minimumInputs) inputs"), got \(inputShapes.count)")
        switch definition.outputShape(inputShapes) {
        case let .success(shape): return shape
        case let .failure(problem): preconditionFailure("\(schema.type) cannot take inputs \(inputShapes): \(problem)")
        }
    }

    public var parameters: [Parameter] { [] }
    public var stateBuffers: [StateBuffer] { [] }
    public func initialize(random: inout Random) {}
    public func prepare(_ pass: Pass) {}
}

/// A layer definition the engine can instantiate; every registered definition conforms, next
/// to its engine class.
public protocol EngineBuildable {
    func makeEngineLayer(weightInit: WeightInit) -> any Layer
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
    /// The most threads a pass can run on: size per-thread scratch for this many.
    public let threads: Int
    /// The network's kernel family (a layer keeps it for its kernel calls).
    public let kernels: KernelFamily

    /// Most reduction groups a batch has (see `reductionGroup`).
    public var maxGroups: Int { reductionGroups(batch: maxBatch) }
}

/// Samples per reduction group. Every sum over the batch (weight and bias gradients, batch-norm
/// statistics) is taken per group of 16 consecutive samples — group g is samples 16g ..< 16g+16 —
/// and the group sums are then added in group order. Threads own whole groups, so each group's
/// sum is computed the same way whichever thread computes it, and results are bit-identical for
/// any thread count, while threads only exchange weight-sized partials, never activations.
public let reductionGroup = 16

/// Calls `body(group, members)` for each reduction group in `samples` (a thread's share, which
/// starts at a group boundary): its index and its samples.
@inline(__always)
func forEachReductionGroup(_ samples: Range<Int>, _ body: (_ group: Int, _ members: Range<Int>) -> Void) {
    var start = samples.lowerBound
    while start < samples.upperBound {
        if Cancellation.isRequested { return }
        let end = min(samples.upperBound, start + reductionGroup)
        body(start / reductionGroup, start..<end)
        start = end
    }
}

/// Lets a pass stop within about a second of an interrupt, even inside a heavy layer: once the
/// flag (the interrupt handler's `sig_atomic_t`) is set, layers skip their remaining reduction
/// groups and samples. The pass then returns with stale (finite) values that the trainer never
/// uses: it discards the batch and the epoch, and resumes from the last completed epoch.
public enum Cancellation {
    /// Set once by the program's interrupt handling; nil (never cancelled) in tests and tools.
    nonisolated(unsafe) public static var flag: UnsafeMutablePointer<Int32>? {
        didSet { avx512CancelFlag = flag }
    }

    @inline(__always)
    public static var isRequested: Bool {
        guard let flag else { return false }
        return flag.pointee != 0
    }
}

/// Reduction groups in a batch of `batch` samples (the last one possibly short).
@inline(__always)
public func reductionGroups(batch: Int) -> Int { (batch + reductionGroup - 1) / reductionGroup }

/// Per-call state shared by all layers of one forward or backward pass.
///
/// Two ways to run a pass. Dispatched (profiling, direct layer calls): the caller runs each layer,
/// and every `parallel` hands its body to the worker pool and waits. In a *region* (what `Network`
/// normally does): every thread runs the whole layer sequence itself, SPMD style. A `parallel`
/// over samples then runs the calling thread's share directly, without any synchronization —
/// each thread owns the same contiguous slice of the batch in every layer, so per-sample work
/// only ever reads what the same thread wrote. A `parallel(count:)` over anything else, and a
/// `single`, are fenced by barriers. A LeNet-5 training step so synchronizes a handful of times
/// instead of at every layer, which matters most when the two cores are not always both ours.
public final class Pass {
    public internal(set) var batch: Int = 0
    public internal(set) var training: Bool = false
    /// The dropout mask generator (advanced only in training forward passes).
    public var random: Random
    let pool: WorkerPool
    /// The network's kernel family, chosen when it was built.
    public let kernels: KernelFamily
    /// Gradient partials whose reduction a region defers to its end (appended by thread 0 only).
    var deferred: [GroupPartials] = []

    init(pool: WorkerPool, random: Random, kernels: KernelFamily) {
        self.pool = pool
        self.random = random
        self.kernels = kernels
        deferred.reserveCapacity(64)
    }

    /// Threads running this pass (thread indices are 0..<threads).
    public var threads: Int { pool.threads }

    /// Runs `body(thread, samples)` on every thread with a fixed, contiguous split of `0..<batch` in
    /// whole reduction groups.
    /// The body may touch only its samples' rows and its thread's scratch (see the type comment).
    /// To stay allocation-free, `body` must capture a single class reference, e.g. `{ [self] t, samples in … }`
    /// reading everything else (pointers, sizes, `pass.batch`) through it; capturing locals boxes them.
    @inline(__always)
    public func parallel(_ body: @escaping (_ thread: Int, _ samples: Range<Int>) -> Void) {
        if let t = WorkerPool.regionThread {
            body(t, WorkerPool.slice(t, of: batch, threads: pool.threads, granule: reductionGroup))
        } else {
            pool.run(count: batch, granule: reductionGroup, body)
        }
    }

    /// Reduction groups in the current batch (see `reductionGroup`).
    public var groups: Int { reductionGroups(batch: batch) }

    /// Runs `body(thread, range)` on every thread with a fixed, contiguous split of `0..<count`
    /// (thread t gets `t·count/T ..< (t+1)·count/T`, possibly empty); in a region, after every
    /// thread has finished what came before, and before any goes on.
    @inline(__always)
    public func parallel(count: Int, _ body: @escaping (_ thread: Int, _ range: Range<Int>) -> Void) {
        if let t = WorkerPool.regionThread {
            pool.barrier()
            body(t, WorkerPool.slice(t, of: count, threads: pool.threads))
            pool.barrier()
        } else {
            pool.run(count: count, body)
        }
    }

    /// Runs `body` once, on thread 0, with every thread's earlier work finished and nobody going on
    /// before it ends (serial steps such as combining batch statistics).
    @inline(__always)
    public func single(_ body: () -> Void) {
        guard let t = WorkerPool.regionThread else { return body() }
        pool.barrier()
        if t == 0 { body() }
        pool.barrier()
    }

    /// Whether the calling thread is thread 0 (or outside a region): who writes shared flags.
    var isLead: Bool { (WorkerPool.regionThread ?? 0) == 0 }
}
