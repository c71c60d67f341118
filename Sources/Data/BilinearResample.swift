/// Bilinear resampling of 8-bit single-channel images, reproducing Pillow's `Image.resize(…, BILINEAR)`
/// (what `torchvision.transforms.Resize` does to a PIL 'L' image) byte for byte.
///
/// The algorithm, as Pillow's `ImagingResample` defines it: a triangle filter of support 1, widened by
/// the scale factor when downsampling (antialiasing); per output pixel, weights over the covered input
/// pixels normalised to sum 1 in Double, then rounded to Int32 fixed point with 22 fractional bits
/// (32 − 8 − 2). Two separable passes through an intermediate 8-bit image, each adding ½ before the
/// shift and clipping to 0…255; a pass whose size does not change is skipped.
struct BilinearResample: Sendable {
    static let precisionBits = 32 - 8 - 2

    /// Fixed-point weights of one pass: output pixel `o` reads `counts[o]` input pixels starting at
    /// `starts[o]` with weights `weights[o * taps ..< o * taps + counts[o]]`.
    struct Pass: Sendable {
        let inSize, outSize, taps: Int
        let starts, counts: [Int]
        let weights: [Int32]

        init(inSize: Int, outSize: Int) {
            self.inSize = inSize
            self.outSize = outSize
            let scale = Double(inSize) / Double(outSize)
            let filterScale = max(scale, 1.0)
            let support = 1.0 * filterScale  // bilinear filter support × filter scale
            let invScale = 1.0 / filterScale  // Pillow multiplies by the reciprocal: keep it for exactness
            let taps = Int(support.rounded(.up)) * 2 + 1
            var starts = [Int](repeating: 0, count: outSize)
            var counts = [Int](repeating: 0, count: outSize)
            var weights = [Int32](repeating: 0, count: outSize * taps)
            var w = [Double](repeating: 0, count: taps)
            let one = Double(1 << BilinearResample.precisionBits)
            for o in 0..<outSize {
                let center = (Double(o) + 0.5) * scale
                let lo = max(Int(center - support + 0.5), 0)  // C truncation, then clamp
                let hi = min(Int(center + support + 0.5), inSize)
                let n = hi - lo
                var sum = 0.0
                for i in 0..<n {
                    w[i] = Pass.triangle((Double(i + lo) - center + 0.5) * invScale)
                    sum += w[i]
                }
                for i in 0..<n {
                    let v = sum != 0 ? w[i] / sum : w[i]
                    weights[o * taps + i] = Int32(v < 0 ? -0.5 + v * one : 0.5 + v * one)
                }
                starts[o] = lo
                counts[o] = n
            }
            self.taps = taps
            self.starts = starts
            self.counts = counts
            self.weights = weights
        }

        /// The bilinear kernel: 1 − |x| on (−1, 1), else 0.
        @inline(__always) private static func triangle(_ x: Double) -> Double {
            let a = abs(x)
            return a < 1 ? 1 - a : 0
        }
    }

    let inWidth, inHeight, outWidth, outHeight: Int
    let horizontal, vertical: Pass
    /// Pillow 13 runs the vertical pass first when the height shrinks by more than twice as many
    /// pixels as the width does (rule fitted against Pillow 13.0.0 on ~400 random size pairs; older
    /// Pillow always went horizontal first). Square-to-square resizes such as 28×28 → 32×32 are
    /// horizontal-first under both, so their output is the same for every Pillow version.
    let verticalFirst: Bool

    init(inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int) {
        precondition(inWidth > 0 && inHeight > 0 && outWidth > 0 && outHeight > 0, "empty resample")
        (self.inWidth, self.inHeight, self.outWidth, self.outHeight) = (inWidth, inHeight, outWidth, outHeight)
        horizontal = Pass(inSize: inWidth, outSize: outWidth)
        vertical = Pass(inSize: inHeight, outSize: outHeight)
        verticalFirst = outHeight < inHeight && inHeight - outHeight > 2 * (inWidth - outWidth)
    }

    /// Bytes of scratch space `resample` needs (the intermediate image).
    var scratchCount: Int { verticalFirst ? inWidth * outHeight : outWidth * inHeight }

    /// Resamples one image.
    /// src: [inHeight, inWidth]; dst: outHeight rows of outWidth pixels, `dstRowStride` apart;
    /// scratch: `scratchCount` bytes.
    func resample(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, dstRowStride: Int,
                  scratch: UnsafeMutablePointer<UInt8>) {
        let needH = outWidth != inWidth, needV = outHeight != inHeight
        switch (needH, needV) {
        case (true, true) where verticalFirst:
            resampleColumns(src, stride: inWidth, width: inWidth, into: scratch, dstRowStride: inWidth)
            resampleRows(scratch, stride: inWidth, height: outHeight, into: dst, dstRowStride: dstRowStride)
        case (true, true):
            resampleRows(src, stride: inWidth, height: inHeight, into: scratch, dstRowStride: outWidth)
            resampleColumns(scratch, stride: outWidth, width: outWidth, into: dst, dstRowStride: dstRowStride)
        case (true, false):
            resampleRows(src, stride: inWidth, height: inHeight, into: dst, dstRowStride: dstRowStride)
        case (false, true):
            resampleColumns(src, stride: inWidth, width: inWidth, into: dst, dstRowStride: dstRowStride)
        case (false, false):
            for y in 0..<inHeight { (dst + y * dstRowStride).update(from: src + y * inWidth, count: inWidth) }
        }
    }

    /// Horizontal pass: src [height, inWidth] (rows `stride` apart) → dst [height, outWidth].
    private func resampleRows(_ src: UnsafePointer<UInt8>, stride: Int, height: Int,
                              into dst: UnsafeMutablePointer<UInt8>, dstRowStride: Int) {
        let taps = horizontal.taps
        horizontal.starts.withUnsafeBufferPointer { starts in
            horizontal.counts.withUnsafeBufferPointer { counts in
                horizontal.weights.withUnsafeBufferPointer { weights in
                    for y in 0..<height {
                        let row = src + y * stride
                        let out = dst + y * dstRowStride
                        for o in 0..<outWidth {
                            let p = row + starts[o], w = weights.baseAddress! + o * taps
                            var acc: Int32 = BilinearResample.half
                            for i in 0..<counts[o] { acc &+= Int32(p[i]) &* w[i] }
                            out[o] = BilinearResample.clip8(acc)
                        }
                    }
                }
            }
        }
    }

    /// Vertical pass: src [inHeight, width] (rows `stride` apart) → dst [outHeight, width].
    /// Accumulates whole rows so the inner loop runs over contiguous pixels.
    private func resampleColumns(_ src: UnsafePointer<UInt8>, stride: Int, width: Int,
                                 into dst: UnsafeMutablePointer<UInt8>, dstRowStride: Int) {
        let taps = vertical.taps
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: width) { acc in
            let acc = acc.baseAddress!
            vertical.weights.withUnsafeBufferPointer { weights in
                for o in 0..<outHeight {
                    acc.update(repeating: BilinearResample.half, count: width)
                    let first = src + vertical.starts[o] * stride
                    for i in 0..<vertical.counts[o] {
                        let row = first + i * stride, w = weights[o * taps + i]
                        for x in 0..<width { acc[x] &+= Int32(row[x]) &* w }
                    }
                    let out = dst + o * dstRowStride
                    for x in 0..<width { out[x] = BilinearResample.clip8(acc[x]) }
                }
            }
        }
    }

    /// ½ in fixed point: added before the final shift so it rounds.
    static let half: Int32 = 1 << (precisionBits - 1)

    /// Fixed-point sum → pixel: shift out the fraction, clip to 0…255.
    @inline(__always)
    static func clip8(_ acc: Int32) -> UInt8 { UInt8(clamping: acc >> precisionBits) }
}
