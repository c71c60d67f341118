/// Preprocessing of square 8-bit images: optional bilinear resize, then zero padding, then (at batch
/// time) normalisation `(x/255 − mean)/std`.
///
/// Equivalent to torchvision's `Compose([Resize(resize), Pad(pad), ToTensor(), Normalize(mean, std)])`
/// on PIL 'L' images: the resize matches Pillow byte for byte (see `BilinearResample`), and padding is
/// applied to the 8-bit image, so padded pixels normalise to `−mean/std` as they do in torchvision.
public struct ImageTransform: Sendable, Equatable {
    public let inputSize: Int
    public let resize: Int?
    public let pad: Int
    public let mean: Float
    public let std: Float

    public init(inputSize: Int, resize: Int?, pad: Int, mean: Float, std: Float) {
        precondition(inputSize > 0 && (resize ?? 1) > 0 && pad >= 0 && std != 0, "invalid ImageTransform")
        (self.inputSize, self.resize, self.pad, self.mean, self.std) = (inputSize, resize, pad, mean, std)
    }

    /// Side of the images `prepare` returns: `(resize ?? inputSize) + 2·pad`.
    public var outputSize: Int { (resize ?? inputSize) + 2 * pad }

    /// Resizes and pads every image once; returns uint8 images at outputSize×outputSize.
    /// `set` must hold inputSize×inputSize images (the loader checks the files).
    public func prepare(_ set: ImageSet) -> ImageSet {
        precondition(set.rows == inputSize && set.cols == inputSize,
                     "ImageTransform expects \(inputSize)×\(inputSize) images, got \(set.rows)×\(set.cols)")
        let inner = resize ?? inputSize
        let out = outputSize
        if inner == inputSize && pad == 0 { return set }
        let resampler = BilinearResample(inWidth: inputSize, inHeight: inputSize, outWidth: inner, outHeight: inner)
        let imageIn = inputSize * inputSize, imageOut = out * out
        let images = [UInt8](unsafeUninitializedCapacity: set.count * imageOut) { dst, initialized in
            dst.initialize(repeating: 0)  // the padding border
            set.images.withUnsafeBufferPointer { src in
                let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(resampler.scratchCount, 1))
                defer { scratch.deallocate() }
                for i in 0..<set.count {
                    let from = src.baseAddress! + i * imageIn
                    let to = dst.baseAddress! + i * imageOut + pad * out + pad
                    resampler.resample(from, into: to, dstRowStride: out, scratch: scratch)
                }
            }
            initialized = set.count * imageOut
        }
        return ImageSet(images: images, labels: set.labels, count: set.count, rows: out, cols: out)
    }

    /// uint8 → normalised Float for every byte value: `(v/255 − mean)/std`.
    public var lookupTable: [Float] { Self.lookupTable(mean: mean, std: std) }

    /// The 256-entry table mapping a byte `v` to `(v/255 − mean)/std`.
    public static func lookupTable(mean: Float, std: Float) -> [Float] {
        (0..<256).map { (Float($0) / 255 - mean) / std }
    }
}
