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

    /// Whether `prepare` leaves images as they are (no resize to another size, no padding).
    public var isIdentity: Bool { (resize ?? inputHeight) == inputHeight && (resize ?? inputWidth) == inputWidth && pad == 0 }

    /// Bytes of one prepared image: channels × outputHeight × outputWidth.
    public var outputSampleSize: Int { channels * outputHeight * outputWidth }

    /// Resamples one image for `prepareSample` (its scratch, allocated once by the caller).
    func resampler() -> BilinearResample {
        BilinearResample(inWidth: inputWidth, inHeight: inputHeight, outWidth: resize ?? inputWidth, outHeight: resize ?? inputHeight)
    }

    /// One image of `prepare`: `src` holds channels × inputHeight × inputWidth bytes, `dst`
    /// receives `outputSampleSize` bytes (the border zero), byte for byte what `prepare` writes.
    /// `scratch` holds at least `resampler.scratchCount` bytes.
    func prepareSample(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, resampler: BilinearResample,
                       scratch: UnsafeMutablePointer<UInt8>) {
        let (outH, outW) = (outputHeight, outputWidth)
        let planeIn = inputHeight * inputWidth, planeOut = outH * outW
        if pad > 0 { dst.update(repeating: 0, count: channels * planeOut) }
        for c in 0..<channels {
            resampler.resample(src + c * planeIn, into: dst + c * planeOut + pad * outW + pad, dstRowStride: outW, scratch: scratch)
        }
    }

    /// `ImageSet.statistics` of the prepared images at `indices` of `set` (unprepared), each
    /// prepared in turn: the same values as `prepare(set).statistics(of: indices)`.
    public func statistics(of set: ImageSet, indices: [Int]) -> (mean: [Double], std: [Double]) {
        if set.isTabular || isIdentity { return set.statistics(of: indices) }
        let resampler = resampler()
        let image = UnsafeMutablePointer<UInt8>.allocate(capacity: outputSampleSize)
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(resampler.scratchCount, 1))
        defer { image.deallocate(); scratch.deallocate() }
        return set.images.withUnsafeBufferPointer { px in
            ImageSet.pixelStatistics(of: indices, channels: channels, plane: outputHeight * outputWidth) { i in
                prepareSample(px.baseAddress! + i * set.sampleSize, into: image, resampler: resampler, scratch: scratch)
                return UnsafePointer(image)
            }
        }
    }

    /// Resizes and pads every channel of every image once; returns uint8 images of
    /// [channels, outputHeight, outputWidth]. `set` must hold channels×inputHeight×inputWidth
    /// images (the sources check the files).
    public func prepare(_ set: ImageSet) -> ImageSet {
        if set.isTabular { return set }  // feature vectors have no geometry (the spec rejects resize and pad)
        precondition(set.channels == channels && set.rows == inputHeight && set.cols == inputWidth,
                     "ImageTransform expects \(channels)×\(inputHeight)×\(inputWidth) images, got \(set.sampleShape)")
        if isIdentity { return set }
        let resampler = resampler(), size = outputSampleSize
        let images = [UInt8](unsafeUninitializedCapacity: set.count * size) { dst, initialized in
            dst.initialize(repeating: 0)  // the padding border
            set.images.withUnsafeBufferPointer { src in
                let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(resampler.scratchCount, 1))
                defer { scratch.deallocate() }
                for i in 0..<set.count {
                    prepareSample(src.baseAddress! + i * set.sampleSize, into: dst.baseAddress! + i * size,
                                  resampler: resampler, scratch: scratch)
                }
            }
            initialized = set.count * size
        }
        return ImageSet(images: images, labels: set.labels, count: set.count, channels: channels, rows: outputHeight, cols: outputWidth)
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
