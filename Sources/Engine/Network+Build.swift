import Spec

// MARK: - Building a network: the graph's shapes and readers, fusion, buffers, gradient edges

extension Network {
    /// The shapes of every node (planned, or from the layers' definitions) and how many nodes read
    /// each node and the input. Every node must read earlier nodes or the input.
    static func graph(inputShape: [Int], nodes: [Node], planned: [[Int]]?)
        -> (shapes: [[Int]], readers: [Int], inputReaders: Int) {
        var shapes: [[Int]] = []
        var readers = [Int](repeating: 0, count: nodes.count)
        var inputReaders = 0
        for (i, node) in nodes.enumerated() {
            precondition(!node.inputs.isEmpty && node.inputs.allSatisfy { $0 >= -1 && $0 < i },
                         "node \(node.name) must read earlier nodes or the input")
            let inShapes = node.inputs.map { $0 < 0 ? inputShape : shapes[$0] }
            shapes.append(planned?[i] ?? node.layer.outputShape(inputShapes: inShapes))
            for j in node.inputs { if j < 0 { inputReaders += 1 } else { readers[j] += 1 } }
        }
        return (shapes, readers, inputReaders)
    }

    /// Which nodes run inside another: `producerOf[j]` is the producer a ReLU node j fuses into,
    /// `poolOf[i]` the pooling node producer i runs too, `readerOf[i]` the batch norm convolution i
    /// hands its gradient planes to (see `ConvolutionReader`).
    struct Fusion {
        var producerOf: [Int?]
        var poolOf: [Int?]
        var readerOf: [Int?]

        init(producerOf: [Int?], poolOf: [Int?], readerOf: [Int?]) {
            (self.producerOf, self.poolOf, self.readerOf) = (producerOf, poolOf, readerOf)
        }

        /// No fusion.
        init(none count: Int) { self.init(producerOf: .init(repeating: nil, count: count), poolOf: .init(repeating: nil, count: count), readerOf: .init(repeating: nil, count: count)) }
    }

    /// Decides the fusions and tells the layers (`fusesReLU`, a convolution's `reader`); the pooling
    /// buffers are handed over once they exist (`fusedPool`).
    static func planFusion(nodes: [Node], shapes: [[Int]], readers: [Int], inputShape: [Int]) -> Fusion {
        func inputShapes(_ i: Int) -> [[Int]] { nodes[i].inputs.map { $0 < 0 ? inputShape : shapes[$0] } }
        // A ReLU fuses into its producer when it is the producer's only reader and the producer can
        // apply it: the ReLU node then shares the producer's output and gradient buffers.
        var producerOf = [Int?](repeating: nil, count: nodes.count)
        for (j, node) in nodes.enumerated() where node.layer is ReLU && node.inputs.count == 1 {
            let i = node.inputs[0]
            guard i >= 0, readers[i] == 1, let producer = nodes[i].layer as? any ReLUFusing,
                  producer.canFuseReLU(inputShapes: inputShapes(i))
            else { continue }
            producer.fusesReLU = true
            producerOf[j] = i
        }
        // A 2×2, stride-2 average pooling that is the only reader of such a fused ReLU runs inside the
        // producer too (a convolution or batch norm, per sample, while its output is in cache).
        var poolOf = [Int?](repeating: nil, count: nodes.count)
        for (k, node) in nodes.enumerated() where node.inputs.count == 1 {
            guard let pool = node.layer as? AvgPool2D, pool.kernel == 2, pool.stride == 2,
                  node.inputs[0] >= 0, let i = producerOf[node.inputs[0]], readers[node.inputs[0]] == 1,
                  let producer = nodes[i].layer as? any PoolFusing,
                  producer.canFusePool(inputShapes: inputShapes(i))
            else { continue }
            poolOf[i] = k
        }
        // A batch norm that alone reads a direct-path convolution takes its plane sums from it and
        // gives it dL/d(conv output) sample by sample (see `ConvolutionReader`).
        var readerOf = [Int?](repeating: nil, count: nodes.count)
        for (b, node) in nodes.enumerated() where node.inputs.count == 1 {
            guard let norm = node.layer as? BatchNorm, let i = node.inputs.first, i >= 0, readers[i] == 1,
                  shapes[i].count == 3, let conv = nodes[i].layer as? Conv2D,
                  conv.canTakeReader(inputShapes: inputShapes(i))
            else { continue }
            norm.readsConvolution = true
            conv.reader = norm
            readerOf[i] = b
        }
        return Fusion(producerOf: producerOf, poolOf: poolOf, readerOf: readerOf)
    }

    /// Every node's output tensor (`batch` samples); a fused ReLU shares its producer's.
    static func activationBuffers(shapes: [[Int]], producerOf: [Int?], batch: Int) -> [Tensor] {
        var activations: [Tensor] = []
        for (j, shape) in shapes.enumerated() {
            activations.append(producerOf[j].map { activations[$0] } ?? Tensor(shape: [batch] + shape))
        }
        return activations
    }

    /// Every node's gradient tensor (`batch` samples). A fused ReLU shares its producer's. With
    /// `share`, nodes whose gradients are never live at once and have the same per-sample size share
    /// one buffer. The backward runs nodes from the last to the first, and node j's gradient is
    /// live from the first backward that writes it — its only reader's (the loss, for the last
    /// node), or with several readers j's own, which sums their edges into it — to the last that
    /// reads it: j's own, or the producer that runs j's pooling, or the convolution whose batch norm
    /// j is (it takes j's gradient while writing its own gradient planes). A convolution that hands
    /// its gradient planes to its batch norm has a gradient nobody writes or reads: it takes any
    /// buffer of its size.
    ///
    /// The same per-sample size keeps sharing free of races without barriers: each thread writes
    /// and reads only its own samples' part of a gradient between the barriers of `Pass.parallel`,
    /// so its writes to one gradient in a buffer meet only its own finished reads of the last.
    static func gradientBuffers(nodes: [Node], shapes: [[Int]], readers: [Int], fusion: Fusion, batch: Int,
                                share: Bool) -> [Tensor] {
        let n = nodes.count
        var root = Array(0..<n)  // a fused ReLU's gradient is its producer's
        for j in 0..<n { if let i = fusion.producerOf[j] { root[j] = root[i] } }
        var first = [Int](repeating: -1, count: n), last = [Int](repeating: n, count: n)  // backward steps, per root
        func live(_ j: Int, at step: Int) {
            first[root[j]] = max(first[root[j]], step)
            last[root[j]] = min(last[root[j]], step)
        }
        for j in 0..<n { live(j, at: j) }
        live(n - 1, at: n)
        for (k, node) in nodes.enumerated() {
            for j in node.inputs where j >= 0 && readers[j] == 1 { live(j, at: k) }
        }
        for (i, k) in fusion.poolOf.enumerated() { if let k { live(k, at: i) } }
        for (i, b) in fusion.readerOf.enumerated() { if let b { live(b, at: i) } }
        let unused = fusion.readerOf.map { $0 != nil }

        var slots: [(tensor: Tensor, perSample: Int, freeBelow: Int)] = []  // free for a gradient live below
        var tensors = [Tensor?](repeating: nil, count: n)
        func take(_ shape: [Int], from: Int, to: Int, unused: Bool) -> Tensor {
            let perSample = shape.reduce(1, *)
            if share, let s = slots.firstIndex(where: { $0.perSample == perSample && (unused || $0.freeBelow > from) }) {
                if !unused { slots[s].freeBelow = to }
                return slots[s].tensor
            }
            let tensor = Tensor(shape: [batch] + shape)
            slots.append((tensor, perSample, unused ? n + 1 : to))
            return tensor
        }
        // Roots in the order their gradients go live (the backward's), then the unused ones.
        let roots = (0..<n).filter { root[$0] == $0 && !unused[$0] }.sorted { (first[$0], $0) > (first[$1], $1) }
        for r in roots { tensors[r] = take(shapes[r], from: first[r], to: last[r], unused: false) }
        for r in 0..<n where root[r] == r && unused[r] { tensors[r] = take(shapes[r], from: 0, to: 0, unused: true) }
        return (0..<n).map { tensors[root[$0]]! }  // a shared buffer keeps its first shape; sizes are equal
    }

    /// Where each node writes the gradient of each of its inputs: a producer read once gets its
    /// consumer's gradient directly; one read several times gets an edge buffer per reader
    /// (`fanIn`, summed by the backward pass), and so does the input when several nodes read it.
    static func edgeGradients(nodes: [Node], readers: [Int], inputReaders: Int, gradients: [Tensor], inputGradient: Tensor?)
        -> (fanIn: [[Tensor]], inputEdges: [Tensor], targets: [[UnsafeMutablePointer<Float>?]]) {
        var fanIn = gradients.map { _ in [Tensor]() }
        var inputEdges: [Tensor] = []
        var edgeTargets: [[UnsafeMutablePointer<Float>?]] = []
        for node in nodes {
            var targets: [UnsafeMutablePointer<Float>?] = []
            for j in node.inputs {
                if j < 0 {
                    guard let inputGradient else { targets.append(nil); continue }
                    if inputReaders == 1 { targets.append(inputGradient.data); continue }
                    let edge = Tensor(shape: inputGradient.shape)
                    inputEdges.append(edge)
                    targets.append(edge.data)
                } else if readers[j] == 1 {
                    targets.append(gradients[j].data)
                } else {
                    let edge = Tensor(shape: gradients[j].shape)
                    fanIn[j].append(edge)
                    targets.append(edge.data)
                }
            }
            edgeTargets.append(targets)
        }
        return (fanIn, inputEdges, edgeTargets)
    }
}
