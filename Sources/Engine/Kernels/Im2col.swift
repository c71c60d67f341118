/// Geometry of a 2-D convolution or pooling window over one `[C, H, W]` sample.
public struct ConvGeometry: Hashable, Sendable {
    public var channels: Int, height: Int, width: Int
    public var kernel: Int, stride: Int, padding: Int

    public init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int) {
        self.channels = channels; self.height = height; self.width = width
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    /// PyTorch's output size: floor((H + 2p − k) / s) + 1.
    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Output positions per channel.
    public var outPlane: Int { outHeight * outWidth }
    /// Rows of the im2col matrix: C·k·k.
    public var patch: Int { channels * kernel * kernel }
    public var inputCount: Int { channels * height * width }

    /// The output columns `lo..<hi` whose input column `ox·s + kx − p` lies inside the image.
    @inline(__always)
    func validColumns(kx: Int) -> (lo: Int, hi: Int) {
        let offset = kx - padding
        var lo = 0
        if offset < 0 { lo = (-offset + stride - 1) / stride }
        var hi = 0
        if width - 1 - offset >= 0 { hi = min(outWidth, (width - 1 - offset) / stride + 1) }
        return (lo, max(lo, hi))
    }
}

/// im2col for one sample. x: [C, H, W]; col: [C·k·k, ld] of which columns
/// `column ..< column + OH·OW` are written (row r = (c·k + ky)·k + kx, column = oy·OW + ox).
@inline(__always)
func im2col(_ g: ConvGeometry, x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, ld: Int, column: Int) {
    let (oh, ow, k, s, p) = (g.outHeight, g.outWidth, g.kernel, g.stride, g.padding)
    for c in 0..<g.channels {
        let plane = x + c * g.height * g.width
        for ky in 0..<k {
            for kx in 0..<k {
                let row = col + ((c * k + ky) * k + kx) * ld + column
                let (lo, hi) = g.validColumns(kx: kx)
                for oy in 0..<oh {
                    let dst = row + oy * ow
                    let iy = oy * s + ky - p
                    if iy < 0 || iy >= g.height {
                        for ox in 0..<ow { dst[ox] = 0 }
                        continue
                    }
                    let src = plane + iy * g.width + kx - p
                    for ox in 0..<lo { dst[ox] = 0 }
                    if s == 1 {
                        copyFloats(dst + lo, src + lo, hi - lo)
                    } else {
                        for ox in lo..<hi { dst[ox] = src[ox * s] }
                    }
                    for ox in hi..<ow { dst[ox] = 0 }
                }
            }
        }
    }
}

/// col2im for one sample, the adjoint of `im2col`: dx[C, H, W] += scatter of dcol's columns
/// `column ..< column + OH·OW` (dcol: [C·k·k, ld]). The caller zeroes dx first.
@inline(__always)
func col2imAdd(_ g: ConvGeometry, dcol: UnsafePointer<Float>, ld: Int, column: Int, dx: UnsafeMutablePointer<Float>) {
    let (oh, ow, k, s, p) = (g.outHeight, g.outWidth, g.kernel, g.stride, g.padding)
    for c in 0..<g.channels {
        let plane = dx + c * g.height * g.width
        for ky in 0..<k {
            for kx in 0..<k {
                let row = dcol + ((c * k + ky) * k + kx) * ld + column
                let (lo, hi) = g.validColumns(kx: kx)
                for oy in 0..<oh {
                    let iy = oy * s + ky - p
                    if iy < 0 || iy >= g.height { continue }
                    let src = row + oy * ow
                    let dst = plane + iy * g.width + kx - p
                    if s == 1 {
                        for ox in lo..<hi { dst[ox] += src[ox] }
                    } else {
                        for ox in lo..<hi { dst[ox * s] += src[ox] }
                    }
                }
            }
        }
    }
}

/// dst[0..<n] = src[0..<n] in 8-wide vector moves; for the short rows of im2col, where a
/// memmove call per row costs more than the copy.
@inline(__always)
func copyFloats(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self),
                                                    as: SIMD8<Float>.self)
        i += 8
    }
    while i < n { dst[i] = src[i]; i += 1 }
}
