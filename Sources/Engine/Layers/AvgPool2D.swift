import Spec
import EngineAVX512
import SIMDMemory

/// Average pooling without padding, PyTorch `nn.AvgPool2d(kernel, stride)` semantics
/// (floor output size, divisor k²).
public final class AvgPool2D: Layer {
    public let kernel: Int, stride: Int
    private var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?

    public var definition: any LayerDefinition { AvgPool2DLayer(kernel: kernel, stride: stride) }

    public init(kernel: Int, stride: Int) {
        precondition(kernel > 0 && stride > 0)
        self.kernel = kernel; self.stride = stride
    }

    public func bind(_ b: LayerBinding) {
        let s = b.inputShapes[0]
        g = ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: kernel, stride: stride, padding: 0)
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
    }

    // x: [n, C, H, W] → y: [n, C, OH, OW], y = mean over each k×k window at stride s.
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let (oh, ow, k, s, w) = (g.outHeight, g.outWidth, kernel, stride, g.width)
            let scale = 1 / Float(k * k)
            for plane in (samples.lowerBound * g.channels)..<(samples.upperBound * g.channels) {
                let src = x + plane * g.height * w, dst = y + plane * g.outPlane
                if k == 2 && s == 2 {  // LeNet's pooling, unrolled
                    avgPool2x2Forward(src, dst, width: w, outHeight: oh, outWidth: ow)
                    continue
                }
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let origin = src + oy * s * w + ox * s
                        var sum: Float = 0
                        for ky in 0..<k { for kx in 0..<k { sum += origin[ky * w + kx] } }
                        dst[oy * ow + ox] = sum * scale
                    }
                }
            }
        }
    }

    // dy: [n, C, OH, OW] → dx: [n, C, H, W], each dy/k² spread over its window (summed on overlap).
    public func backward(_ pass: Pass) {
        guard dx != nil else { return }
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            let (oh, ow, k, s, w) = (g.outHeight, g.outWidth, kernel, stride, g.width)
            let scale = 1 / Float(k * k)
            for plane in (samples.lowerBound * g.channels)..<(samples.upperBound * g.channels) {
                let d = dx + plane * g.height * w, grad = dy + plane * g.outPlane
                if k == 2 && s == 2 {
                    avgPool2x2Backward(grad, d, height: g.height, width: w, outHeight: oh, outWidth: ow)
                    continue
                }
                d.update(repeating: 0, count: g.height * w)
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let origin = d + oy * s * w + ox * s
                        let v = grad[oy * ow + ox] * scale
                        for ky in 0..<k { for kx in 0..<k { origin[ky * w + kx] += v } }
                    }
                }
            }
        }
    }
}

/// One plane of 2×2, stride-2 average pooling: src [h, width] → dst [outHeight, outWidth],
/// dst = ((a + b) + c + d) · 0.25 over each window (shared with `Conv2D`'s fused pooling).
@inline(__always)
func avgPool2x2Forward(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, width w: Int,
                       outHeight oh: Int, outWidth ow: Int) {
    for oy in 0..<oh {
        let r0 = src + 2 * oy * w, r1 = r0 + w, out = dst + oy * ow
        if ow < 8 {
            for ox in 0..<ow {
                out[ox] = (r0[2 * ox] + r0[2 * ox + 1] + r1[2 * ox] + r1[2 * ox + 1]) * 0.25
            }
            continue
        }
        // 8 windows from 16 values of each row, the same additions in the same order; the last
        // vector overlaps the previous one when ow is not a multiple of 8.
        @inline(__always) func windows(_ ox: Int) {
            let a = load16(r0 + 2 * ox), b = load16(r1 + 2 * ox)
            store8(out + ox, (((evens(a) + odds(a)) + evens(b)) + odds(b)) * splat8(0.25))
        }
        var ox = 0
        while ox + 8 <= ow { windows(ox); ox += 8 }
        if ox < ow { windows(ow - 8) }
    }
}


/// Its gradient: grad [outHeight, outWidth] → d [height, width], each value · 0.25 written to its
/// window's four cells; cells no window covers (odd edges) are zeroed.
@inline(__always)
func avgPool2x2Backward(_ grad: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
                        outHeight oh: Int, outWidth ow: Int) {
    for oy in 0..<oh {
        let r0 = d + 2 * oy * w, r1 = r0 + w, src = grad + oy * ow
        if ow < 8 {
            for ox in 0..<ow {
                let v = src[ox] * 0.25
                r0[2 * ox] = v; r0[2 * ox + 1] = v; r1[2 * ox] = v; r1[2 * ox + 1] = v
            }
        } else {
            @inline(__always) func windows(_ ox: Int) {  // 8 values, each written twice in both rows
                let v = load8(src + ox) * splat8(0.25)
                let pairs = SIMD16<Float>(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3],
                                          v[4], v[4], v[5], v[5], v[6], v[6], v[7], v[7])
                store16(r0 + 2 * ox, pairs)
                store16(r1 + 2 * ox, pairs)
            }
            var ox = 0
            while ox + 8 <= ow { windows(ox); ox += 8 }
            if ox < ow { windows(ow - 8) }
        }
        for x in (2 * ow)..<w { r0[x] = 0; r1[x] = 0 }
    }
    (d + 2 * oh * w).update(repeating: 0, count: (h - 2 * oh) * w)
}

/// ReLU then 2×2, stride-2 average pooling of one plane, for a layer that fuses both and keeps
/// only a byte mask of the ReLU for its backward (`reluPool2x2Gradient`) instead of the ReLU's
/// output: src [≥ 2·outHeight rows, `width` apart] → pooled [outHeight, outWidth] =
/// ((r + r′) + s) + s′ over each window of r = max(src, 0) (the bits of `reluForward` then
/// `avgPool2x2Forward`), and mask [2·outHeight, maskWidth] = −1 where src > 0, else 0, for the
/// columns 0..<2·outWidth the windows cover (others are left as they are).
@inline(__always)
func reluPool2x2Forward(_ src: UnsafePointer<Float>, width w: Int, _ pooled: UnsafeMutablePointer<Float>,
                        outHeight oh: Int, outWidth ow: Int, mask: UnsafeMutablePointer<Int8>, maskWidth mw: Int,
                        kernels: KernelFamily) {
    if ow >= 8 {  // 8 windows per 16-value load (SIMDMemory), compiled for either family
        if kernels == .avx512 {
            return reluPool2x2Forward512(src, width: w, pooled, outHeight: oh, outWidth: ow, mask: mask, maskWidth: mw)
        }
        return reluPool2x2Rows(src, width: w, pooled, outHeight: oh, outWidth: ow, mask: mask, maskWidth: mw)
    }
    for oy in 0..<oh {
        let r0 = src + 2 * oy * w, r1 = r0 + w, out = pooled + oy * ow
        let m0 = mask + 2 * oy * mw, m1 = m0 + mw
        if ow < 4 {
            for ox in 0..<ow {
                let a = max(r0[2 * ox], 0), b = max(r0[2 * ox + 1], 0), c = max(r1[2 * ox], 0), d = max(r1[2 * ox + 1], 0)
                out[ox] = (a + b + c + d) * 0.25
                m0[2 * ox] = a > 0 ? -1 : 0; m0[2 * ox + 1] = b > 0 ? -1 : 0
                m1[2 * ox] = c > 0 ? -1 : 0; m1[2 * ox + 1] = d > 0 ? -1 : 0
            }
            continue
        }
        // 4 windows from 8 values of each row (LeNet's second pooling: 5 windows, two overlapping blocks).
        @inline(__always) func windows(_ ox: Int) {
            let a = relu(load8(r0 + 2 * ox)), b = relu(load8(r1 + 2 * ox))
            let sum = ((SIMD4(a[0], a[2], a[4], a[6]) + SIMD4(a[1], a[3], a[5], a[7]))
                       + SIMD4(b[0], b[2], b[4], b[6])) + SIMD4(b[1], b[3], b[5], b[7])
            UnsafeMutableRawPointer(out + ox).storeBytes(of: sum * 0.25, as: SIMD4<Float>.self)
            storeMask(m0 + 2 * ox, a)
            storeMask(m1 + 2 * ox, b)
        }
        windows(0)
        if ow > 4 { windows(ow - 4) }
    }
}

/// The gradient through both: grad [outHeight, outWidth] (of the pooled plane) → d rows `width`
/// apart, d = mask ? grad · 0.25 of the cell's window : 0 (the bits of `avgPool2x2Backward` then
/// `reluGradient`) for rows 0..<2·outHeight and columns 0..<2·outWidth; cells no window covers
/// are not written (the caller keeps them zero).
@inline(__always)
func reluPool2x2Gradient(_ grad: UnsafePointer<Float>, mask: UnsafePointer<Int8>, maskWidth mw: Int,
                         _ d: UnsafeMutablePointer<Float>, width w: Int, outHeight oh: Int, outWidth ow: Int,
                         kernels: KernelFamily) {
    let covered = 2 * ow
    if covered >= 16 && kernels == .avx512 {
        return reluPool2x2Gradient512(grad, mask: mask, maskWidth: mw, d, width: w, outHeight: oh, outWidth: ow)
    }
    for y in 0..<(2 * oh) {
        let src = grad + (y / 2) * ow, m = mask + y * mw, row = d + y * w
        if covered < 8 {
            for x in 0..<covered { row[x] = m[x] != 0 ? src[x / 2] * 0.25 : 0 }
            continue
        }
        // 8 cells from 4 window values; the last block overlaps when 2·outWidth is not a multiple of 8.
        @inline(__always) func cells(_ x: Int) {
            let v = SIMD4<Float>(src[x / 2], src[x / 2 + 1], src[x / 2 + 2], src[x / 2 + 3]) * 0.25
            let pairs = SIMD8<Float>(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3])
            store8(row + x, keepingMasked(pairs, m + x))
        }
        var x = 0
        while x + 8 <= covered { cells(x); x += 8 }
        if x < covered { cells(covered - 8) }
    }
}

extension AvgPool2DLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { AvgPool2D(kernel: kernel, stride: stride) }
}
