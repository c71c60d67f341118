import Data
import Engine

/// Loss and accuracy of a network over a set of images.
public struct EvalResult: Sendable, Equatable {
    /// Mean cross-entropy (without any L2 penalty).
    public var loss: Double
    /// Fraction correct in [0, 1].
    public var accuracy: Double
    public var count: Int

    public init(loss: Double, accuracy: Double, count: Int) {
        self.loss = loss
        self.accuracy = accuracy
        self.count = count
    }
}

/// Reusable input and label buffers for one batch size (allocated once per trial).
public final class BatchBuffers: @unchecked Sendable {
    public let batchSize: Int
    public let images: Tensor
    public let labels: UnsafeMutablePointer<Int32>

    /// images: [batchSize] + sampleShape (`[C, H, W]`).
    public init(batchSize: Int, sampleShape: [Int]) {
        self.batchSize = batchSize
        images = Tensor(shape: [batchSize] + sampleShape)
        labels = .allocate(capacity: batchSize)
        labels.initialize(repeating: 0, count: batchSize)
    }

    deinit { labels.deallocate() }
}

public enum Evaluator {
    /// Runs the network in evaluation mode over every batch of `loader`.
    /// The same function serves training-time evaluation and `runner eval`, so both give identical numbers.
    public static func evaluate(_ network: Network, _ loader: BatchLoader, _ buffers: BatchBuffers) -> EvalResult {
        var lossSum = 0.0
        var correct = 0
        var seen = 0
        for b in 0..<loader.batchCount {
            if Cancellation.isRequested { break }  // the caller discards a cancelled evaluation
            let n = loader.fill(batch: b, images: buffers.images.data, labels: buffers.labels)
            _ = network.forward(buffers.images.data, batch: n, training: false)
            let r = network.loss(labels: buffers.labels, batch: n, gradient: false)
            lossSum += r.lossSum
            correct += r.correct
            seen += n
        }
        guard seen > 0 else { return EvalResult(loss: .nan, accuracy: .nan, count: 0) }
        return EvalResult(loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen), count: seen)
    }

    /// The confusion matrix of the network in evaluation mode over `loader`: `[true][predicted]`
    /// counts, predictions by argmax of the logits (ties → the lowest index, as the loss counts them).
    public static func confusion(_ network: Network, _ loader: BatchLoader, _ buffers: BatchBuffers) -> [[Int]] {
        let classes = network.classes
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for b in 0..<loader.batchCount {
            if Cancellation.isRequested { break }
            let n = loader.fill(batch: b, images: buffers.images.data, labels: buffers.labels)
            let logits = network.forward(buffers.images.data, batch: n, training: false)
            for i in 0..<n {
                let row = logits + i * classes
                var best = 0
                for k in 1..<max(classes, 1) where row[k] > row[best] { best = k }
                let label = Int(buffers.labels[i])
                if label < classes { matrix[label][best] += 1 }
            }
        }
        return matrix
    }
}
