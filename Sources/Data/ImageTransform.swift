/// Preprocessing of 8-bit images: optional bilinear resize, then zero padding, then (at batch
/// time) normalisation `(x/255 − mean[c])/std[c]` per channel `c`.
///
/// Equivalent to torchvision's `Compose([Resize(resize), Pad(pad), ToTensor(), Normalize(mean, std)])`
/// on PIL 'L' and 'RGB' images: the resize matches Pillow byte for byte on every channel (see
/// `BilinearResample`; Pillow resamples each band of an RGB image with the same fixed-point
/// weights), and padding is applied to the 8-bit image, so padded pixels normalise to `−mean/std`
/// as they do in torchvision.
public struct ImageTransform: Sendable, Equatable {
    public let channels: Int
    public let inputHeight, inputWidth: Int
    public let resize: Int?
    public let pad: Int
    /// One entry per channel, or one entry for every channel.
    public let mean: [Float]
    public let std: [Float]

    public init(channels: Int = 1, inputHeight: Int, inputWidth: Int, resize: Int?, pad: Int, mean: [Float], std: [Float]) {
        precondition(channels > 0 && inputHeight > 0 && inputWidth > 0 && (resize ?? 1) > 0 && pad >= 0
                     && [1, channels].contains(mean.count) && [1, channels].contains(std.count)
                     && !std.contains(0), "invalid ImageTransform")
        (self.channels, self.inputHeight, self.inputWidth) = (channels, inputHeight, inputWidth)
        (self.resize, self.pad, self.mean, self.std) = (resize, pad, mean, std)
    }

    /// Square single-channel images, one mean and std.
    public init(inputSize: Int, resize: Int?, pad: Int, mean: Float, std: Float) {
        self.init(inputHeight: inputSize, inputWidth: inputSize, resize: resize, pad: pad, mean: [mean], std: [std])
    }

    /// Rows of the images `prepare` returns: `(resize ?? inputHeight) + 2·pad`.
    public var outputHeight: Int { (resize ?? inputHeight) + 2 * pad }
    /// Columns of the images `prepare` returns: `(resize ?? inputWidth) + 2·pad`.
    public var outputWidth: Int { (resize ?? inputWidth) + 2 * pad }
    /// Side of square output images (the height).
    public var outputSize: Int { outputHeight }

    /// Resizes and pads every channel of every image once; returns uint8 images of
    /// [channels, outputHeight, outputWidth]. `set` must hold channels×inputHeight×inputWidth
    /// images (the sources check the files).
    public func prepare(_ set: ImageSet) -> ImageSet {
        if set.isTabular { return set }  // feature vectors have no geometry (the spec rejects resize and pad)
        precondition(set.channels == channels && set.rows == inputHeight && set.cols == inputWidth,
                     "ImageTransform expects \(channels)×\(inputHeight)×\(inputWidth) images, got \(set.sampleShape)")
        let (innerH, innerW) = (resize ?? inputHeight, resize ?? inputWidth)
        if innerH == inputHeight && innerW == inputWidth && pad == 0 { return set }
        let (outH, outW) = (outputHeight, outputWidth)
        let resampler = BilinearResample(inWidth: inputWidth, inHeight: inputHeight, outWidth: innerW, outHeight: innerH)
        let planeIn = inputHeight * inputWidth, planeOut = outH * outW
        let planes = set.count * channels
        let images = [UInt8](unsafeUninitializedCapacity: planes * planeOut) { dst, initialized in
            dst.initialize(repeating: 0)  // the padding border
            set.images.withUnsafeBufferPointer { src in
                let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(resampler.scratchCount, 1))
                defer { scratch.deallocate() }
                for plane in 0..<planes {
                    let from = src.baseAddress! + plane * planeIn
                    let to = dst.baseAddress! + plane * planeOut + pad * outW + pad
                    resampler.resample(from, into: to, dstRowStride: outW, scratch: scratch)
                }
            }
            initialized = planes * planeOut
        }
        return ImageSet(images: images, labels: set.labels, count: set.count, channels: channels, rows: outH, cols: outW)
    }

    /// uint8 → normalised Float for every byte value and channel: entry `c·256 + v` is
    /// `(v/255 − mean[c])/std[c]`.
    public var lookupTable: [Float] { Self.lookupTable(mean: mean, std: std, channels: channels) }

    /// The 256-entry table mapping a byte `v` to `(v/255 − mean)/std`.
    public static func lookupTable(mean: Float, std: Float) -> [Float] {
        (0..<256).map { (Float($0) / 255 - mean) / std }
    }

    /// `channels` tables of 256 entries, channel `c` with `mean[c]`, `std[c]` (or the single entry).
    public static func lookupTable(mean: [Float], std: [Float], channels: Int) -> [Float] {
        (0..<channels).flatMap { c in
            lookupTable(mean: mean.count == 1 ? mean[0] : mean[c], std: std.count == 1 ? std[0] : std[c])
        }
    }
}
