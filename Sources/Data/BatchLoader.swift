import Engine

/// Serves normalised mini-batches of a prepared `ImageSet` (images or feature vectors) into
/// caller-owned buffers.
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
    /// `channels` tables of 256 floats: byte `v` of channel `c` → `table[c·256 + v]`.
    private let table: [Float]
    /// Feature vectors: `(x − featureMean[f]) / featureStd[f]` per feature (empty for images).
    private let featureMean: [Float], featureStd: [Float]
    /// Random transforms of each sample as it is filled (the training loader's `data.augment`).
    public let augmentation: Augmentation?
    /// The epoch being served (seeds the augmentation's draws); set before each epoch.
    public var epoch = 0
    /// Resizes and pads each sample as its batch is filled (nil: `set` is already prepared).
    public let transform: ImageTransform?
    private let resampler: BilinearResample?
    /// One sample's bytes, transformed, and the transforms' scratch (allocated once).
    private var sampleBytes: [UInt8], work: [UInt8], resampleScratch: [UInt8]
    /// The served samples' geometry (after `transform`).
    public let channels: Int, rows: Int, cols: Int

    /// `set` must be prepared (resized and padded), or `transform` given to prepare each sample
    /// as it is served (the same bytes `transform.prepare` would hold, for a set too large to keep
    /// prepared); `mean`/`std` normalise `x/255`, one entry per channel or one for all (feature
    /// vectors: `x`, one entry per feature or one for all).
    public init(set: ImageSet, indices: [Int], batchSize: Int, mean: [Float], std: [Float], augmentation: Augmentation? = nil,
                transform: ImageTransform? = nil) {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(indices.allSatisfy { $0 >= 0 && $0 < set.count }, "batch index outside the set")
        let groups = set.isTabular ? set.cols : set.channels
        precondition([1, groups].contains(mean.count) && [1, groups].contains(std.count),
                     "one mean and std per channel (per feature)")
        precondition(!set.isTabular || augmentation.map(\.ops.isEmpty) ?? true, "feature vectors are not augmented")
        self.set = set
        self.indices = indices
        self.batchSize = batchSize
        self.order = indices
        if set.isTabular {
            table = []
            featureMean = (0..<groups).map { mean.count == 1 ? mean[0] : mean[$0] }
            featureStd = (0..<groups).map { std.count == 1 ? std[0] : std[$0] }
        } else {
            table = ImageTransform.lookupTable(mean: mean, std: std, channels: set.channels)
            (featureMean, featureStd) = ([], [])
        }
        self.augmentation = augmentation.flatMap { $0.ops.isEmpty ? nil : $0 }
        let transform = transform.flatMap { set.isTabular || $0.isIdentity ? nil : $0 }
        if let transform {
            precondition(set.channels == transform.channels && set.rows == transform.inputHeight && set.cols == transform.inputWidth,
                         "the transform expects \(transform.channels)×\(transform.inputHeight)×\(transform.inputWidth) images")
        }
        self.transform = transform
        resampler = transform?.resampler()
        (channels, rows, cols) = transform.map { ($0.channels, $0.outputHeight, $0.outputWidth) } ?? (set.channels, set.rows, set.cols)
        let served = channels * rows * cols
        sampleBytes = [UInt8](repeating: 0, count: self.augmentation == nil && transform == nil ? 0 : served)
        work = [UInt8](repeating: 0, count: self.augmentation == nil ? 0 : served)
        resampleScratch = [UInt8](repeating: 0, count: max(resampler?.scratchCount ?? 0, 1))
    }

    /// One mean and std for every channel.
    public convenience init(set: ImageSet, indices: [Int], batchSize: Int, mean: Float, std: Float) {
        self.init(set: set, indices: indices, batchSize: batchSize, mean: [mean], std: [std])
    }

    /// Samples per epoch.
    public var sampleCount: Int { indices.count }
    /// Floats per served image: channels × rows × cols (after `transform`).
    public var imageSize: Int { channels * rows * cols }
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
    /// images: [n, channels, rows, cols] normalised floats; labels: [n].
    public func fill(batch b: Int, images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>) -> Int {
        precondition(b >= 0 && b < batchCount, "batch \(b) outside 0..<\(batchCount)")
        let first = b * batchSize
        let n = min(batchSize, indices.count - first)
        let pixels = set.sampleSize, plane = set.rows * set.cols, channels = set.channels
        if let values = set.values {
            values.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    let sample = order[first + i]
                    let from = src.baseAddress! + sample * pixels, to = images + i * pixels
                    for f in 0..<pixels { to[f] = (from[f] - featureMean[f]) / featureStd[f] }
                    labels[i] = Int32(set.labels[sample])
                }
            }
            return n
        }
        if augmentation != nil || transform != nil {
            fillTransformed(first: first, n: n, images: images, labels: labels)
            return n
        }
        set.images.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { lut in
                order.withUnsafeBufferPointer { order in
                    for i in 0..<n {
                        let sample = order[first + i]
                        for c in 0..<channels {
                            let from = src.baseAddress! + sample * pixels + c * plane
                            let to = images + i * pixels + c * plane
                            let t = lut.baseAddress! + c * 256
                            for p in 0..<plane { to[p] = t[Int(from[p])] }
                        }
                        labels[i] = Int32(set.labels[sample])
                    }
                }
            }
        }
        return n
    }

    /// `fill` with each sample's bytes prepared (`transform`) and augmented first, in a copy
    /// (the set is never changed).
    private func fillTransformed(first: Int, n: Int, images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>) {
        let stored = set.sampleSize, pixels = imageSize, plane = rows * cols
        let (channels, rows, cols, epoch, augmentation, transform) = (channels, rows, cols, epoch, augmentation, transform)
        set.images.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { lut in
                sampleBytes.withUnsafeMutableBufferPointer { bytes in
                    work.withUnsafeMutableBufferPointer { work in
                        resampleScratch.withUnsafeMutableBufferPointer { scratch in
                            for i in 0..<n {
                                let sample = order[first + i]
                                let from = src.baseAddress! + sample * stored
                                if let transform, let resampler {
                                    transform.prepareSample(from, into: bytes.baseAddress!, resampler: resampler, scratch: scratch.baseAddress!)
                                } else {
                                    bytes.baseAddress!.update(from: from, count: pixels)
                                }
                                augmentation?.apply(bytes.baseAddress!, work: work.baseAddress!, channels: channels, rows: rows,
                                                    cols: cols, epoch: epoch, sample: sample)
                                for c in 0..<channels {
                                    let from = bytes.baseAddress! + c * plane, to = images + i * pixels + c * plane
                                    let t = lut.baseAddress! + c * 256
                                    for p in 0..<plane { to[p] = t[Int(from[p])] }
                                }
                                labels[i] = Int32(set.labels[sample])
                            }
                        }
                    }
                }
            }
        }
    }
}
