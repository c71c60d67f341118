import Engine

/// Serves normalised mini-batches of a prepared `ImageSet` into caller-owned buffers.
///
/// The epoch order starts as `indices`; `shuffle` replaces it by a seeded permutation of `indices`
/// (always of `indices`, not of the previous order, so an epoch's order depends only on the
/// generator's state — resumable from a saved `Random`). Nothing is allocated per batch.
public final class BatchLoader {
    public let set: ImageSet
    public let indices: [Int]
    public let batchSize: Int
    /// The current epoch's order of sample indices.
    public private(set) var order: [Int]
    private let table: [Float]

    /// `set` must already be prepared (resized and padded); `mean`/`std` normalise `x/255`.
    public init(set: ImageSet, indices: [Int], batchSize: Int, mean: Float, std: Float) {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(indices.allSatisfy { $0 >= 0 && $0 < set.count }, "batch index outside the set")
        self.set = set
        self.indices = indices
        self.batchSize = batchSize
        self.order = indices
        self.table = ImageTransform.lookupTable(mean: mean, std: std)
    }

    /// Samples per epoch.
    public var sampleCount: Int { indices.count }
    /// Floats per image: rows × cols.
    public var imageSize: Int { self.set.rows * self.set.cols }
    /// Batches per epoch; the last one may be short.
    public var batchCount: Int { (indices.count + batchSize - 1) / batchSize }

    /// Reorders for a new epoch: a Fisher–Yates shuffle of `indices` drawing from (and advancing) `rng`.
    public func shuffle(_ rng: inout Random) {
        order.withUnsafeMutableBufferPointer { o in
            _ = o.update(fromContentsOf: indices)
            if o.count > 1 {
                for i in stride(from: o.count - 1, to: 0, by: -1) { o.swapAt(i, rng.below(i + 1)) }
            }
        }
    }

    /// Fills batch `b` and returns its size (the last batch may be short).
    /// images: [n, 1, rows, cols] normalised floats; labels: [n].
    public func fill(batch b: Int, images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>) -> Int {
        precondition(b >= 0 && b < batchCount, "batch \(b) outside 0..<\(batchCount)")
        let first = b * batchSize
        let n = min(batchSize, indices.count - first)
        let pixels = imageSize
        set.images.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { lut in
                order.withUnsafeBufferPointer { order in
                    for i in 0..<n {
                        let sample = order[first + i]
                        let from = src.baseAddress! + sample * pixels
                        let to = images + i * pixels
                        for p in 0..<pixels { to[p] = lut[Int(from[p])] }
                        labels[i] = Int32(set.labels[sample])
                    }
                }
            }
        }
        return n
    }
}
