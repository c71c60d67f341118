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
    /// `poolOf[i]` the pooling node producer i runs too.
    struct Fusion {
        var producerOf: [Int?]
        var poolOf: [Int?]
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
        for node in nodes where node.inputs.count == 1 {
            guard let norm = node.layer as? BatchNorm, let i = node.inputs.first, i >= 0, readers[i] == 1,
                  shapes[i].count == 3, let conv = nodes[i].layer as? Conv2D,
                  conv.canTakeReader(inputShapes: inputShapes(i))
            else { continue }
            norm.readsConvolution = true
            conv.reader = norm
        }
        return Fusion(producerOf: producerOf, poolOf: poolOf)
    }

    /// Every node's output tensor (`maxBatch` samples) and gradient tensor (`gradientBatch`); a fused
    /// ReLU shares its producer's.
    static func buffers(shapes: [[Int]], producerOf: [Int?], maxBatch: Int, gradientBatch: Int)
        -> (activations: [Tensor], gradients: [Tensor]) {
        var activations: [Tensor] = []
        for (j, shape) in shapes.enumerated() {
            activations.append(producerOf[j].map { activations[$0] } ?? Tensor(shape: [maxBatch] + shape))
        }
        var gradientSlots = shapes.map { _ in Tensor?.none }
        for j in shapes.indices.reversed() {
            let tensor = gradientSlots[j] ?? Tensor(shape: [gradientBatch] + shapes[j])
            gradientSlots[j] = tensor
            if let i = producerOf[j] { gradientSlots[i] = tensor }
        }
        return (activations, gradientSlots.map { $0! })
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
