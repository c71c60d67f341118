import Spec
#if canImport(Glibc)
import Glibc
#endif
import SIMDMemory

// MARK: - Gradients: the input gradient rows (plain, after a fused pooling, across the boundary
// with the convolution it reads) and the per-group sums the backward needs

extension BatchNorm {
    /// dL/dx of channel c of sample s (after `backward`'s sums) as `rows` rows of `cols` values,
    /// written `rowStride` apart: γ/σ · (g − mean(g) − x̂·mean(g·x̂)) with batch statistics, γ/σ · g
    /// after an evaluation forward (g from `rowGradient`, in thread t's scratch).
    @inline(__always)
    func inputGradientRows(_ s: Int, _ c: Int, _ t: Int, into dst: UnsafeMutablePointer<Float>,
                                   rows: Int, cols: Int, rowStride: Int) {
        let offset = (s * channels + c) * plane
        let a = scale[c], m = mean[c], inv = invStd[c], mdy = meanDy[c], mdx = meanDyXhat[c]
        let batchStats = usedBatchStatistics
        if batchStats, fusesReLU, let pool = fusedPool, rows % 2 == 0, cols % 2 == 0, cols >= 8 {
            return pooledInputGradientRows(pool.outputGrad + (s * channels + c) * plane / 4, x + offset, c,
                                           into: dst, rows: rows, cols: cols, rowStride: rowStride)
        }
        let src = x + offset, grad = rowGradient(s, c, t)
        for r in 0..<rows {
            let g = grad + r * cols, xr = src + r * cols, d = dst + r * rowStride
            if cols < 8 {
                if batchStats {
                    for p in 0..<cols { d[p] = a * (g[p] - mdy - (xr[p] - m) * inv * mdx) }
                } else {
                    for p in 0..<cols { d[p] = a * g[p] }
                }
                continue
            }
            // 8 lanes of the same expression (each lane its scalar operations); the last block
            // overlaps the one before when cols is not a multiple of 8 (same values rewritten).
            let av = splat8(a), mdyv = splat8(mdy), mv = splat8(m), invv = splat8(inv), mdxv = splat8(mdx)
            let last = cols - 8
            if batchStats {
                var p = 0
                while true {
                    let q = min(p, last)
                    let centered = (load8(xr + q) - mv) * invv
                    store8(d + q, av * ((load8(g + q) - mdyv) - centered * mdxv))
                    if q == last { break }
                    p += 8
                }
            } else {
                var p = 0
                while true {
                    let q = min(p, last)
                    store8(d + q, av * load8(g + q))
                    if q == last { break }
                    p += 8
                }
            }
        }
    }

    /// `inputGradientRows` with batch statistics after a fused ReLU and 2×2 pooling (even sizes), in
    /// one pass: `pooledRowGradient`'s g, then the input-gradient expression — per lane the same
    /// operations as the separate passes, without their scratch row.
    @inline(__always)
    func pooledInputGradientRows(_ pooled: UnsafePointer<Float>, _ src: UnsafePointer<Float>, _ c: Int,
                                         into dst: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                                         rowStride: Int) {
        let av = splat8(scale[c]), mv = splat8(mean[c]), invv = splat8(invStd[c])
        let mdyv = splat8(meanDy[c]), mdxv = splat8(meanDyXhat[c])
        forEachPooledBlock(pooled, src, c, rows: rows, cols: cols) { r, q, xv, g in
            let centered = (xv - mv) * invv
            store8(dst + r * rowStride + q, av * ((g - mdyv) - centered * mdxv))
        }
    }

    /// `rowGradient` after a fused ReLU and 2×2 pooling (even sizes) in one pass instead of
    /// `avgPool2x2Backward` then `maskRow`: the same values, into `row` [height·width].
    @inline(__always)
    func pooledRowGradient(_ pooled: UnsafePointer<Float>, _ src: UnsafePointer<Float>, _ c: Int,
                                   into row: UnsafeMutablePointer<Float>) {
        forEachPooledBlock(pooled, src, c, rows: height, cols: width) { r, q, _, g in store8(row + r * width + q, g) }
    }

    /// For 8-cell blocks q of each row r of channel c's plane (the last block overlapping the one
    /// before when cols is not a multiple of 8): x there and g = dL/d(normalized output) — the
    /// window's pooled gradient · 0.25 (`avgPool2x2Backward`), 0 where x·scale + shift is not
    /// positive (`maskRow`). Rows and cols even, cols ≥ 8.
    @inline(__always)
    func forEachPooledBlock(_ pooled: UnsafePointer<Float>, _ src: UnsafePointer<Float>, _ c: Int, rows: Int,
                                    cols: Int, _ body: (_ r: Int, _ q: Int, _ x: SIMD8<Float>, _ g: SIMD8<Float>) -> Void) {
        let av = splat8(scale[c]), bv = splat8(shift[c]), quarter = splat8(0.25)
        let pw = cols / 2, last = cols - 8
        for r in 0..<rows {
            let pr = pooled + (r / 2) * pw, xr = src + r * cols
            var p = 0
            while true {
                let q = min(p, last), h = q / 2  // q is even: cells q…q+7 are windows h…h+3
                let incoming = SIMD8<Float>(pr[h], pr[h], pr[h + 1], pr[h + 1], pr[h + 2], pr[h + 2],
                                            pr[h + 3], pr[h + 3]) * quarter
                let xv = load8(xr + q)
                body(r, q, xv, incoming.replacing(with: 0, where: .!(xv * av + bv .> SIMD8<Float>())))
                if q == last { break }
                p += 8
            }
        }
    }

    /// `ConvolutionReader`: sample s's dL/dx, channel c's row r at dst + c·channelStride + r·rowStride.
    func writeInputGradient(_ s: Int, _ t: Int, into dst: UnsafeMutablePointer<Float>, channelStride: Int,
                            rowStride: Int) {
        for c in 0..<channels {
            inputGradientRows(s, c, t, into: dst + c * channelStride, rows: height, cols: width, rowStride: rowStride)
        }
    }

    /// dL/d(normalized output) of channel `c` of sample `s`: dy itself, or with a fused ReLU dy
    /// masked where the forward's normalized value (recomputed from x) was not positive — after a
    /// fused pooling, the pooling's gradient masked — built in thread t's scratch.
    @inline(__always)
    func rowGradient(_ s: Int, _ c: Int, _ t: Int) -> UnsafePointer<Float> {
        let offset = (s * channels + c) * plane
        guard fusesReLU else { return dy + offset }
        let row = rowGrad[t] + c * plane
        var incoming = dy + offset
        if let pool = fusedPool, height % 2 == 0, width % 2 == 0, width >= 8 {
            pooledRowGradient(pool.outputGrad + offset / 4, x + offset, c, into: row)
            return UnsafePointer(row)
        }
        if let pool = fusedPool {
            let (ph, pw) = (height / 2, width / 2)
            avgPool2x2Backward(pool.outputGrad + (s * channels + c) * ph * pw, row, height: height, width: width,
                               outHeight: ph, outWidth: pw)
            incoming = UnsafePointer(row)
        }
        maskRow(x + offset, scale[c], shift[c], incoming, row, plane)
        return UnsafePointer(row)
    }

    /// `rowGradient` of every channel of sample `s`: [C][plane] rows (dy's, or thread t's scratch).
    @inline(__always)
    func gradientRows(_ s: Int, _ t: Int) -> UnsafePointer<Float> {
        let first = rowGradient(s, 0, t)  // rows `plane` apart either way
        for c in 1..<max(1, channels) { _ = rowGradient(s, c, t) }
        return first
    }

    /// `rowGradient` for one-position planes: sample `s`'s [C] row.
    @inline(__always)
    func featureGradient(_ s: Int, _ t: Int) -> UnsafePointer<Float> {
        let incoming = dy + s * channels
        guard fusesReLU else { return incoming }
        let src = x + s * channels, row = rowGrad[t]
        for c in 0..<channels { row[c] = src[c] * scale[c] + shift[c] > 0 ? incoming[c] : 0 }
        return UnsafePointer(row)
    }

    /// y = x·scale + shift over one sample's [C] row (then max(·, 0) with a fused ReLU).
    @inline(__always)
    func normalizeFeatures(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        for c in 0..<channels { dst[c] = src[c] * scale[c] + shift[c] }
        if fusesReLU { reluForward(dst, dst, channels) }
    }

    enum Sums { case sum, providedSums, squaredDeviations, gradient }

    /// For each reduction group among `samples`, per channel c: `.sum` Σx (`.providedSums`: the
    /// same per-sample Σx, taken by the convolution into `planeSums`); `.squaredDeviations`
    /// Σ(x − μ)²; `.gradient` Σg and Σg·(x − μ), g = dL/d(normalized output) (`rowGradient`, built in
    /// thread t's scratch) — into the group's partials [0|1][c]. Rows are reduced in Float (8 lanes),
    /// rows accumulated in Double.
    @inline(__always)
    func groupSums(_ samples: Range<Int>, _ kind: Sums, _ t: Int) {
        let (channels, plane, x, mean) = (channels, plane, x!, mean!)
        forEachReductionGroup(samples) { group, members in
            let first = partial + group * 2 * channels, second = first + channels
            first.update(repeating: 0, count: 2 * channels)
            for s in members {
                let base = s * channels * plane
                if plane == 1 {  // the per-row reductions below, for one-value rows, over the channels
                    let row = x + base
                    switch kind {
                    case .sum, .providedSums: for c in 0..<channels { first[c] += Double(row[c]) }
                    case .squaredDeviations:
                        for c in 0..<channels { let d = row[c] - mean[c]; first[c] += Double(d * d) }
                    case .gradient:
                        let grad = featureGradient(s, t)
                        for c in 0..<channels {
                            first[c] += Double(grad[c])
                            second[c] += Double(grad[c] * (row[c] - mean[c]))
                        }
                    }
                    continue
                }
                let row = { (c: Int) in UnsafePointer(x + base + c * plane) }
                switch kind {
                case .sum:
                    sumFloatsRows(channels, plane, row) { c, v in first[c] += Double(v) }
                case .providedSums:
                    let sums = planeSums! + s * channels
                    for c in 0..<channels { first[c] += Double(sums[c]) }
                case .squaredDeviations:
                    sumSquaredDeviationsRows(channels, plane, row, { mean[$0] }) { c, v in first[c] += Double(v) }
                case .gradient:
                    let grads = gradientRows(s, t)
                    sumAndCenteredDotRows(channels, plane, { grads + $0 * plane }, row, { mean[$0] }) { c, a, b in
                        first[c] += Double(a)
                        second[c] += Double(b)
                    }
                }
            }
        }
    }

    /// Σ over the batch's reduction groups, in group order, of partial sum `which` (0 or 1) of channel c.
    @inline(__always)
    func total(_ which: Int, _ c: Int) -> Double {
        var sum = 0.0
        for g in 0..<reductionGroups(batch: batch) { sum += partial[(g * 2 + which) * channels + c] }
        return sum
    }
}
