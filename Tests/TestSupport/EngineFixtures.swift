import Engine
import Spec
import XCTest

/// Hand-computed network plans for engine and builder tests (independent of Spec's shape inference).
public enum EngineFixtures {
    /// LeNet-5 on `[1, 32, 32]`: conv1 6@5×5 → [6,28,28], relu, avgpool 2 → [6,14,14], conv2 16@5×5 →
    /// [16,10,10], relu, pool → [16,5,5], conv3 120@5×5 → [120,1,1], relu, flatten → [120],
    /// [dropout], fc1 84, relu, fc2 10; BatchNorm2d after each conv when `batchnorm`.
    /// 61,706 parameters without batch norm.
    public static func lenet5Plan(batchnorm: Bool = false, dropout: Double = 0, l2: Double = 0) -> NetworkPlan {
        var layers: [PlannedLayer] = []
        var shape = [1, 32, 32]
        func add(_ name: String, _ kind: LayerKind, _ out: [Int], params: Int = 0, flops: Int = 0) {
            layers.append(PlannedLayer(name: name, kind: kind, inputs: [layers.count - 1], inputShapes: [shape],
                                       outputShape: out, parameterCount: params, flops: flops, l2: l2, mark: nil))
            shape = out
        }
        func conv(_ k: Int, _ out: Int, _ size: Int) {
            let patch = shape[0] * 25
            add("conv\(k)", .conv2d(outChannels: out, kernel: 5, stride: 1, padding: 0, bias: true),
                [out, size, size], params: out * patch + out, flops: 2 * out * patch * size * size)
            if batchnorm {
                add("batch_norm\(k)", .batchnorm2d(momentum: 0.1, eps: 1e-5), shape, params: 2 * out)
            }
            add("relu\(k)", .relu, shape)
        }
        conv(1, 6, 28)
        add("pool1", .avgpool2d(kernel: 2, stride: 2), [6, 14, 14])
        conv(2, 16, 10)
        add("pool2", .avgpool2d(kernel: 2, stride: 2), [16, 5, 5])
        conv(3, 120, 1)
        add("flatten", .flatten, [120])
        if dropout > 0 { add("dropout", .dropout(p: dropout), [120]) }
        add("fc1", .linear(outFeatures: 84, bias: true), [84], params: 120 * 84 + 84, flops: 2 * 120 * 84)
        add("relu4", .relu, [84])
        add("fc2", .linear(outFeatures: 10, bias: true), [10], params: 84 * 10 + 10, flops: 2 * 84 * 10)
        return NetworkPlan(inputShape: [1, 32, 32], layers: layers)
    }
}

extension EngineFixtures {
    /// Nodes `l0, l1, …` each reading the previous one (the first reads the input).
    public static func chain(_ layers: [any Layer]) -> [Network.Node] {
        layers.enumerated().map { Network.Node(name: "l\($0.offset)", layer: $0.element, inputs: [$0.offset - 1]) }
    }

    /// A network over `nodes` that also computes the input gradient (for gradient checks).
    public static func checkedNetwork(_ inputShape: [Int], _ nodes: [Network.Node], batch: Int, threads: Int = 2,
                                      seed: UInt64 = 1, kernels: KernelFamily = KernelDispatch.preferred) -> Network {
        Network(inputShape: inputShape, nodes: nodes, maxBatch: batch, threads: threads, seed: seed,
                inputGradient: true, kernels: kernels)
    }
}

extension EngineFixtures {
    /// One plain SGD update w −= lr · grad on every parameter (the real optimizers live in Training).
    public static func sgdStep(_ network: Network, lr: Float) {
        for p in network.parameters {
            for i in 0..<p.value.count { p.value.data[i] -= lr * p.grad.data[i] }
        }
    }

    /// Forward, loss and backward on one batch; returns the mean loss and the number correct.
    @discardableResult
    public static func trainStep(_ network: Network, images: [Float], labels: [Int32], lr: Float) -> (loss: Double, correct: Int) {
        let batch = labels.count
        _ = images.withUnsafeBufferPointer { network.forward($0.baseAddress!, batch: batch, training: true) }
        let (sum, correct) = labels.withUnsafeBufferPointer { network.loss(labels: $0.baseAddress!, batch: batch, gradient: true) }
        network.backward(batch: batch)
        sgdStep(network, lr: lr)
        return (sum / Double(batch), correct)
    }

    /// `count` seeded labels in 0..<classes.
    public static func labels(_ count: Int, classes: Int, seed: UInt64) -> [Int32] {
        var random = Random(seed: seed, stream: "labels")
        return (0..<count).map { _ in Int32(random.below(classes)) }
    }
}

/// Fails unless `a` and `b` hold the same number of arrays, each with the same bit patterns
/// (NaNs and signed zeros included); names the first differing arrays and how many values differ.
public func assertSameBits(_ a: [[Float]], _ b: [[Float]], _ what: String,
                           file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, what, file: file, line: line)
    for (j, (x, y)) in zip(a, b).enumerated() {
        XCTAssertEqual(x.count, y.count, "\(what): array \(j)", file: file, line: line)
        let differing = zip(x, y).filter { $0.bitPattern != $1.bitPattern }.count
        XCTAssertEqual(differing, 0, "\(what): array \(j): \(differing) of \(x.count) values differ",
                       file: file, line: line)
    }
}
