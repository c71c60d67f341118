import Spec

/// A labelled set of samples: 8-bit images with one or more channels, or Float32 feature
/// vectors (tabular data, `values`). Everything downstream of the sources — splits, batching,
/// evaluation — sees both through this one type.
public struct ImageSet: Sendable {
    /// Pixels, [count, channels, rows, cols] (each sample CHW, planes row-major); empty for feature vectors.
    public let images: [UInt8]
    /// Feature vectors, [count, cols] (with channels = rows = 1); nil for images.
    public let values: [Float]?
    /// One class label per sample.
    public let labels: [UInt8]
    public let count, channels, rows, cols: Int

    public init(images: [UInt8], labels: [UInt8], count: Int, channels: Int = 1, rows: Int, cols: Int) {
        precondition(channels > 0 && images.count == count * channels * rows * cols && labels.count == count,
                     "ImageSet sizes disagree")
        (self.images, self.labels, self.count) = (images, labels, count)
        (self.channels, self.rows, self.cols) = (channels, rows, cols)
        values = nil
    }

    /// Feature vectors: `values` holds `count` rows of `features` floats.
    public init(features values: [Float], labels: [UInt8], count: Int, features: Int) {
        precondition(features > 0 && values.count == count * features && labels.count == count, "ImageSet sizes disagree")
        (self.images, self.values, self.labels, self.count) = ([], values, labels, count)
        (self.channels, self.rows, self.cols) = (1, 1, features)
    }

    /// Whether the samples are feature vectors rather than images.
    public var isTabular: Bool { values != nil }
    /// Values per sample: channels × rows × cols (features for feature vectors).
    public var sampleSize: Int { channels * rows * cols }
    /// One sample's shape: `[C, H, W]`, or `[F]` for feature vectors.
    public var sampleShape: [Int] { isTabular ? [cols] : [channels, rows, cols] }

    /// Mean and population standard deviation of each channel (each feature, for feature vectors)
    /// over the samples at `indices`, in the units normalization uses: `x/255` for pixels, `x` for
    /// features. A constant channel gets std 1 (it normalizes to 0 instead of dividing by zero).
    /// Summed in Double in index order: the same indices give the same values on every machine.
    public func statistics(of indices: [Int]) -> (mean: [Double], std: [Double]) {
        let n = Double(max(indices.count, 1))
        if let values {
            // Two passes (mean, then squared deviations): features may be large and close together.
            var mean = [Double](repeating: 0, count: cols), squares = mean
            values.withUnsafeBufferPointer { v in
                for i in indices { for f in 0..<cols { mean[f] += Double(v[i * cols + f]) } }
                for f in 0..<cols { mean[f] /= n }
                for i in indices { for f in 0..<cols { let d = Double(v[i * cols + f]) - mean[f]; squares[f] += d * d } }
            }
            return (mean, squares.map { $0 > 0 ? ($0 / n).squareRoot() : 1 })
        }
        return images.withUnsafeBufferPointer { px in
            Self.pixelStatistics(of: indices, channels: channels, plane: rows * cols) { px.baseAddress! + $0 * sampleSize }
        }
    }

    /// `statistics` of images `sample(i)` points at (each [channels, plane] bytes, valid until the
    /// next call), for `i` in `indices`.
    public static func pixelStatistics(of indices: [Int], channels: Int, plane: Int,
                                       sample: (Int) -> UnsafePointer<UInt8>) -> (mean: [Double], std: [Double]) {
        let n = Double(max(indices.count, 1))
        // Pixels: exact integer sums per image, then one Double add each (sums of bytes and of
        // their squares are exact in Double at any dataset size we can hold).
        var sum = [Double](repeating: 0, count: channels), squares = sum
        for i in indices {
            let image = sample(i)
            for c in 0..<channels {
                var s = 0, q = 0
                let base = image + c * plane
                for p in 0..<plane { let x = Int(base[p]); s += x; q += x * x }
                sum[c] += Double(s)
                squares[c] += Double(q)
            }
        }
        let pixels = n * Double(plane)
        let mean = sum.map { $0 / pixels / 255 }
        let std = zip(squares, sum).map { q, s -> Double in
            let variance = (q - s * s / pixels) / pixels   // in byte units², exact up to rounding
            return variance > 1e-9 ? variance.squareRoot() / 255 : 1
        }
        return (mean, std)
    }

    /// How many images carry each label, indexed by label.
    public func labelCounts(classes: Int = 10) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels where Int(l) < classes { counts[Int(l)] += 1 }
        return counts
    }

    /// The same images with `target` channels (1 or 3): gray → RGB repeats the plane, RGB → gray
    /// is ITU-R 601-2 luma in Pillow's fixed point (`convert("L")`: (19595 R + 38470 G + 7471 B
    /// + 2¹⁵) >> 16). Any other change of channel count is not a conversion and returns nil.
    public func converted(toChannels target: Int) -> ImageSet? {
        if target == channels { return self }
        if isTabular { return nil }
        let plane = rows * cols
        switch (channels, target) {
        case (1, 3):
            var out = [UInt8](repeating: 0, count: count * 3 * plane)
            for i in 0..<count {
                for c in 0..<3 { out[(i * 3 + c) * plane ..< (i * 3 + c + 1) * plane] = images[i * plane ..< (i + 1) * plane] }
            }
            return ImageSet(images: out, labels: labels, count: count, channels: 3, rows: rows, cols: cols)
        case (3, 1):
            let out = [UInt8](unsafeUninitializedCapacity: count * plane) { dst, initialized in
                images.withUnsafeBufferPointer { src in
                    for i in 0..<count {
                        let r = src.baseAddress! + i * 3 * plane, g = r + plane, b = g + plane
                        for p in 0..<plane { dst[i * plane + p] = ImageSet.luma(r[p], g[p], b[p]) }
                    }
                }
                initialized = count * plane
            }
            return ImageSet(images: out, labels: labels, count: count, channels: 1, rows: rows, cols: cols)
        default:
            return nil
        }
    }

    /// Pillow's RGB → L: `(19595·R + 38470·G + 7471·B + 0x8000) >> 16`.
    @inline(__always)
    public static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        UInt8(truncatingIfNeeded: (UInt32(r) * 19595 + UInt32(g) * 38470 + UInt32(b) * 7471 + 0x8000) >> 16)
    }
}

/// The IDX datasets the loader knows (`data.dataset`); both use the classic MNIST file names and
/// 28×28 images of 10 classes.
public typealias DatasetKind = DatasetName

extension DatasetName {
    /// Name used in messages.
    public var displayName: String { self == .fashionMNIST ? "Fashion-MNIST" : "MNIST" }
    public var imageSize: Int { 28 }
    /// Class names in label order.
    public var classNames: [String] {
        switch self {
        case .fashionMNIST:
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        case .mnist:
            (0...9).map(String.init)
        }
    }
    public var classCount: Int { classNames.count }

    /// How to get the files, for the "folder not found" message.
    var installHint: String {
        switch self {
        case .fashionMNIST: return "run scripts/setup.sh (installs dataset-fashion-mnist) or set data.path"
        case .mnist: return "set data.path to a folder holding the MNIST IDX files"
        }
    }
}
