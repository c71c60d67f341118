import Foundation

extension Network {
    /// Runs every node on `batch` samples of `input` (`[batch, …inputShape]`, contiguous).
    /// Returns the logits `[batch, classes]`, valid until the next call. An evaluation batch larger
    /// than `activationBatch` runs in chunks of that many samples (whole reduction groups, so each
    /// sample's logits are those of one pass: results do not depend on how samples are grouped).
    public func forward(_ input: UnsafePointer<Float>, batch: Int, training: Bool) -> UnsafePointer<Float> {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1...\(maxBatch)")
        precondition(!training || batch <= activationBatch, "training batch \(batch) beyond \(activationBatch)")
        CPUSetup.flushDenormalsToZero()  // as on the workers, so results do not depend on the caller
        pass.training = training
        lastBatch = batch
        let output = activations[activations.count - 1].data, classes = self.classes
        var start = 0
        while start < batch {
            let n = min(activationBatch, batch - start)
            self.input.data.update(from: input + start * inputCount, count: n * inputCount)
            pass.batch = n
            runForward()
            if logits !== activations[activations.count - 1] {
                (logits.data + start * classes).update(from: output, count: n * classes)
            }
            start += n
        }
        return UnsafePointer(logits.data)
    }

    private func runForward() {
        for i in 0..<layers.count where !fused[i] { layers[i].prepare(pass) }
        if profiling {
            for i in 0..<layers.count where !fused[i] {
                let start = profileSeconds()
                layers[i].forward(pass)
                forwardSeconds[i] += profileSeconds() - start
            }
        } else {
            pass.pool.region { [self] _ in
                for i in 0..<layers.count where !fused[i] { layers[i].forward(pass) }
            }
        }
    }

    /// Fused, numerically stable softmax cross-entropy on the last forward's logits.
    /// Returns the summed loss and the number of correct argmax predictions (ties → lowest index).
    /// With `gradient`, stores dL/dlogits of the *mean* loss for `backward` (PyTorch's
    /// `CrossEntropyLoss` gradients).
    /// `labelSmoothing` ε mixes ε/classes into every target (PyTorch `label_smoothing`).
    public func loss(labels: UnsafePointer<Int32>, batch: Int, gradient: Bool,
                     labelSmoothing: Float = 0) -> (lossSum: Double, correct: Int) {
        precondition(batch == lastBatch, "loss batch \(batch) differs from the forward batch \(lastBatch)")
        precondition(!gradient || batch <= gradientBatch, "a gradient for batch \(batch) beyond gradientBatch \(gradientBatch)")
        return softmaxCrossEntropy(logits: logits.data, labels: labels,
                                   batch: batch, classes: classes,
                                   dlogits: gradient ? outputGradient : nil, scale: 1 / Float(batch),
                                   smoothing: labelSmoothing)
    }

    /// Zeroes parameter gradients and backpropagates `outputGradient` through the graph.
    /// L2 penalties are not added here (the trainer adds them).
    public func backward(batch: Int) {
        precondition(batch == lastBatch, "backward batch \(batch) differs from the forward batch \(lastBatch)")
        precondition(batch <= gradientBatch, "backward batch \(batch) beyond gradientBatch \(gradientBatch)")
        CPUSetup.flushDenormalsToZero()
        for p in parameters { p.grad.zero() }
        if profiling {
            for i in stride(from: layers.count - 1, through: 0, by: -1) where requiresGrad[i] {
                let start = profileSeconds()
                backwardNode(i, batch: batch)
                backwardSeconds[i] += profileSeconds() - start
            }
        } else {
            pass.pool.region { [self] t in
                for i in stride(from: layers.count - 1, through: 0, by: -1) where requiresGrad[i] {
                    backwardNode(i, batch: lastBatch)
                }
                // The parameter-gradient reductions the layers deferred, all after one barrier.
                pass.pool.barrier()
                for partials in pass.deferred { partials.reduce(thread: t, threads: pass.threads, groups: pass.groups) }
            }
            pass.deferred.removeAll(keepingCapacity: true)
        }
        if let inputGradTensor {
            sumFanIn(into: inputGradTensor.data, from: inputEdgeGradients, count: batch * inputCount)
        }
    }

    private func backwardNode(_ i: Int, batch: Int) {
        sumFanIn(into: gradients[i].data, from: fanInGradients[i], count: batch * gradients[i].count / gradientBatch)
        if !fused[i] { layers[i].backward(pass) }
    }

    /// grad = Σ edges, in edge order (nothing to do for a single reader, who wrote `grad` itself).
    private func sumFanIn(into grad: UnsafeMutablePointer<Float>, from edges: [Tensor], count: Int) {
        if edges.isEmpty { return }
        pass.single { fanIn = (grad, edges) }
        pass.parallel(count: count) { [self] _, range in
            let (grad, edges) = (fanIn.grad!, fanIn.edges)
            let first = edges[0].data
            for i in range { grad[i] = first[i] }
            for e in 1..<edges.count {
                let src = edges[e].data
                for i in range { grad[i] += src[i] }
            }
        }
        pass.single { fanIn = (nil, []) }
    }

    /// Accumulated per-node seconds since the last `resetProfile()` (when `profiling` is on).
    public var profile: [(name: String, type: String, forward: Double, backward: Double)] {
        nodes.indices.map { (nodes[$0].name, layers[$0].typeName, forwardSeconds[$0], backwardSeconds[$0]) }
    }

    public func resetProfile() {
        for i in forwardSeconds.indices {
            forwardSeconds[i] = 0
            backwardSeconds[i] = 0
        }
    }
}

extension Network {
    /// The profile's clock: monotonic wall seconds, or process CPU seconds (`profileCPUTime`).
    @inline(__always)
    func profileSeconds() -> Double {
        guard profileCPUTime else { return monotonicSeconds() }
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// Seconds from a monotonic clock.
@inline(__always)
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
