import Foundation

/// A directed acyclic graph of layers with every buffer planned up front.
///
/// Forward, loss and backward allocate nothing: activations, gradients and workspaces are
/// created here, for `activationBatch` samples (the training batch, whole reduction groups); an
/// evaluation batch up to `maxBatch` runs through them in chunks of that many. Work is split over up to `threads` worker threads by whole reduction groups of
/// 16 samples; every sum over the batch (weight and bias gradients, batch-norm statistics) is
/// taken per group and the group sums are added in group order (`reductionGroup`), so results
/// are bit-identical for any thread count, and `activeThreads` can change between steps.
/// OpenBLAS runs each call on one thread.
///
///     let net = Network(inputShape: [1, 32, 32], nodes: nodes, maxBatch: 64, threads: 2, seed: 0)
///     let logits = net.forward(images, batch: 64, training: true)
///     let (loss, correct) = net.loss(labels: labels, batch: 64, gradient: true)
///     net.backward(batch: 64)   // parameters[i].grad now holds dL/dθ of the mean loss
public final class Network {
    /// One layer and the indices of the nodes feeding it (`-1` = the network input).
    public struct Node {
        public var name: String
        public var layer: any Layer
        public var inputs: [Int]

        public init(name: String, layer: any Layer, inputs: [Int]) {
            self.name = name
            self.layer = layer
            self.inputs = inputs
        }
    }

    public let inputShape: [Int]
    public let nodes: [Node]
    /// The largest batch `forward` takes; one larger than `activationBatch` (evaluation only) runs
    /// in chunks of `activationBatch` samples, each sample's logits the same as in one pass.
    public let maxBatch: Int
    /// Samples every node's output buffer and the layers' workspaces hold: `gradientBatch` rounded
    /// up to whole reduction groups (at most `maxBatch`).
    public let activationBatch: Int
    /// The most threads the network can run on (its per-thread scratch); `activeThreads` of them do.
    public let threads: Int
    /// The kernel family every layer of this network runs.
    public let kernels: KernelFamily
    /// The largest batch `loss(gradient: true)` and `backward` take: gradient buffers hold this many
    /// samples (an evaluation-only batch may be larger, up to `maxBatch`).
    public let gradientBatch: Int
    /// Per-sample output shape of every node.
    public let shapes: [[Int]]
    /// All trainable tensors in state_dict order (nodes in order, weight then bias).
    public let parameters: [Parameter]
    /// Running statistics in state_dict order.
    public let stateBuffers: [StateBuffer]

    let layers: [any Layer]
    let inputCount: Int
    let input: Tensor
    let activations: [Tensor]
    /// Every node's gradient; nodes whose gradients are never live at once share (see `gradientBuffers`).
    let gradients: [Tensor]
    /// The last forward's logits, `[maxBatch, classes]`: the last node's output, or when evaluation
    /// batches run in chunks a buffer the chunks' logits are gathered in.
    let logits: Tensor
    /// For a node read by several edges: the edge buffers summed (in order) into its gradient.
    let fanInGradients: [[Tensor]]
    /// Whether a node's backward must run (it or something before it has parameters).
    let requiresGrad: [Bool]
    /// ReLU nodes run inside their producer (see `ReLUFusing`): their forward and backward are skipped.
    let fused: [Bool]
    let inputGradTensor: Tensor?
    let inputEdgeGradients: [Tensor]
    let pass: Pass
    var lastBatch = 0
    /// The running `sumFanIn`'s operands (read by its parallel body, which captures only `self`).
    var fanIn: (grad: UnsafeMutablePointer<Float>?, edges: [Tensor]) = (nil, [])

    public var profiling = false
    /// Profile in process CPU seconds instead of wall seconds: on a machine other jobs share, time
    /// the process spends descheduled is then not charged to the layer it interrupted (with one
    /// thread it is the layer's own CPU time; with more it also counts workers' waiting).
    public var profileCPUTime = false
    var forwardSeconds: [Double]
    var backwardSeconds: [Double]

    /// - Parameters:
    ///   - inputShape: per-sample input shape, `[C, H, W]` or `[F]`.
    ///   - nodes: in topological order; the last node's output are the logits.
    ///   - seed: initializes parameters (stream "init", nodes in order, weight then bias)
    ///     and the dropout generator (stream "dropout").
    ///   - inputGradient: also compute dL/d(input) (for tests); normally skipped.
    ///   - fuse: let a layer apply the ReLU that is its only reader (bit-identical, fewer passes
    ///     over memory); off only to test that promise.
    ///   - shapes: every node's per-sample output shape, from the network plan (shape inference);
    ///     nil computes them with the layers' definitions (engine-only use, tests).
    ///   - gradientBatch: the largest training batch (default `maxBatch`); buffers are sized for it.
    ///   - shareGradients: let nodes whose gradients are never live at once share one buffer
    ///     (bit-identical, less memory); off only to test that promise.
    public init(inputShape: [Int], nodes: [Node], maxBatch: Int, threads: Int, seed: UInt64,
                inputGradient: Bool = false, fuse: Bool = true, shapes planned: [[Int]]? = nil,
                kernels: KernelFamily = KernelDispatch.preferred, gradientBatch: Int? = nil,
                shareGradients: Bool = true) {
        precondition(planned == nil || planned!.count == nodes.count, "one planned shape per node")
        precondition(kernels == .avx2 || KernelDispatch.avx512Available, "AVX-512 kernels on a CPU without AVX-512")
        self.kernels = kernels
        precondition(!nodes.isEmpty, "a network needs at least one node")
        precondition(maxBatch >= 1 && threads >= 1)
        let gradientBatch = min(gradientBatch ?? maxBatch, maxBatch)
        precondition(gradientBatch >= 1, "a gradient batch of at least 1")
        self.gradientBatch = gradientBatch
        let activationBatch = min(maxBatch, reductionGroups(batch: gradientBatch) * reductionGroup)
        self.activationBatch = activationBatch
        useSingleThreadedBLAS()
        self.inputShape = inputShape
        self.nodes = nodes
        self.maxBatch = maxBatch
        self.threads = threads
        layers = nodes.map(\.layer)
        inputCount = inputShape.reduce(1, *)
        let input = Tensor(shape: [activationBatch] + inputShape)
        self.input = input

        let graph = Self.graph(inputShape: inputShape, nodes: nodes, planned: planned)
        let shapes = graph.shapes
        self.shapes = shapes
        let fusion = fuse ? Self.planFusion(nodes: nodes, shapes: shapes, readers: graph.readers, inputShape: inputShape)
                          : Fusion(none: nodes.count)
        let (producerOf, poolOf) = (fusion.producerOf, fusion.poolOf)
        fused = nodes.indices.map { j in producerOf[j] != nil || poolOf.contains(j) }
        let activations = Self.activationBuffers(shapes: shapes, producerOf: producerOf, batch: activationBatch)
        let gradients = Self.gradientBuffers(nodes: nodes, shapes: shapes, readers: graph.readers, fusion: fusion,
                                             batch: gradientBatch, share: shareGradients)
        logits = activationBatch < maxBatch ? Tensor(shape: [maxBatch, shapes[shapes.count - 1].reduce(1, *)])
                                            : activations[activations.count - 1]
        let inputGradTensor = inputGradient ? Tensor(shape: [gradientBatch] + inputShape) : nil
        self.activations = activations
        self.gradients = gradients
        self.inputGradTensor = inputGradTensor
        let edges = Self.edgeGradients(nodes: nodes, readers: graph.readers, inputReaders: graph.inputReaders,
                                       gradients: gradients, inputGradient: inputGradTensor)
        fanInGradients = edges.fanIn
        inputEdgeGradients = edges.inputEdges
        let edgeTargets = edges.targets
        var requiresGrad = [Bool](repeating: false, count: nodes.count)  // decided as binding creates parameters

        for (i, k) in poolOf.enumerated() {
            guard let k, let producer = nodes[i].layer as? any PoolFusing else { continue }
            producer.fusedPool = (activations[k].data, UnsafePointer(gradients[k].data))
        }
        for (i, node) in nodes.enumerated() {
            node.layer.bind(LayerBinding(
                name: node.name,
                inputShapes: node.inputs.map { $0 < 0 ? inputShape : shapes[$0] },
                outputShape: shapes[i],
                inputs: node.inputs.map { UnsafePointer($0 < 0 ? input.data : activations[$0].data) },
                output: activations[i].data,
                outputGrad: UnsafePointer(gradients[i].data),
                inputGrads: zip(node.inputs, edgeTargets[i]).map { j, target in
                    // Skip input gradients nobody needs (the first conv's dL/dx is the big one).
                    (j < 0 ? inputGradient : requiresGrad[j]) ? target : nil
                },
                maxBatch: activationBatch, threads: threads, kernels: kernels))
            requiresGrad[i] = !node.layer.parameters.isEmpty || node.inputs.contains {
                $0 < 0 ? inputGradient : requiresGrad[$0]
            }
        }
        self.requiresGrad = requiresGrad
        parameters = layers.flatMap(\.parameters)
        stateBuffers = layers.flatMap(\.stateBuffers)

        var initRandom = Random(seed: seed, stream: "init")
        for layer in layers { layer.initialize(random: &initRandom) }
        pass = Pass(pool: WorkerPool(threads: threads), random: Random(seed: seed, stream: "dropout"), kernels: kernels)
        forwardSeconds = Array(repeating: 0, count: nodes.count)
        backwardSeconds = Array(repeating: 0, count: nodes.count)
    }

    /// Number of output values per sample (the logits' width).
    public var classes: Int { shapes[shapes.count - 1].reduce(1, *) }

    /// The dropout mask generator; save and restore it for exact resumption.
    public var dropoutRandom: Random {
        get { pass.random }
        set { pass.random = newValue }
    }

    /// dL/d(output) for the next `backward`: written by `loss(…gradient: true)`, or by a caller
    /// that backpropagates its own loss. `[maxBatch, classes]`.
    public var outputGradient: UnsafeMutablePointer<Float> { gradients[gradients.count - 1].data }

    /// dL/d(input) after `backward`, when built with `inputGradient: true`. `[gradientBatch, …inputShape]`.
    public var inputGradient: UnsafePointer<Float>? { inputGradTensor.map { UnsafePointer($0.data) } }

    /// Threads the next passes use, 1...`threads` (the number the network was built for); set it
    /// between steps, e.g. to widen a trial onto cores other trials have freed.
    public var activeThreads: Int {
        get { pass.pool.threads }
        set { pass.pool.threads = newValue }
    }

    /// Names of the ReLU nodes running inside their producer.
    public var fusedNodes: [String] { nodes.indices.filter { fused[$0] }.map { nodes[$0].name } }

    /// The output of node `index` from the last forward pass, `[batch, …shapes[index]]` (of its last
    /// chunk when the batch ran in chunks). Not written for a producer whose fused ReLU feeds a fused
    /// pooling (nor for that ReLU): nothing reads it.
    public func activation(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(activations[index].data) }
}

extension Network {
    /// Bytes of the gradient buffers the nodes use, each shared buffer once (fan-in edges included).
    public var gradientBytes: Int {
        var seen = Set<ObjectIdentifier>()
        let tensors = gradients + fanInGradients.flatMap { $0 } + inputEdgeGradients
        return tensors.reduce(0) { sum, t in seen.insert(ObjectIdentifier(t)).inserted ? sum + t.count * 4 : sum }
    }

    /// Fills every gradient buffer (fan-in edges included) with NaN, so that a following step shows
    /// any layer reading a gradient value the backward has not written (for tests: the step's
    /// results must not change).
    public func poisonGradientBuffers() {
        for t in gradients + fanInGradients.flatMap({ $0 }) + inputEdgeGradients {
            t.data.update(repeating: .nan, count: t.count)
        }
    }
}
