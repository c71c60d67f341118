import SIMDMemory

/// Average pooling without padding, PyTorch `nn.AvgPool2d(kernel, stride)` semantics
/// (floor output size, divisor k²).
public final class AvgPool2D: Layer {
    public let kernel: Int, stride: Int
    private var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?

    public init(kernel: Int, stride: Int) {
        precondition(kernel > 0 && stride > 0)
        self.kernel = kernel; self.stride = stride
    }

    public var typeName: String { "avgpool2d" }

    public func outputShape(inputShapes: [[Int]]) -> [Int] {
        poolOutputShape(inputShapes, kernel: kernel, stride: stride, type: typeName)
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

@inline(__always)
private func evens(_ v: SIMD16<Float>) -> SIMD8<Float> {
    SIMD8(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14])
}

@inline(__always)
private func odds(_ v: SIMD16<Float>) -> SIMD8<Float> {
    SIMD8(v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15])
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
