import Spec
import SIMDMemory

/// A convolution whose channels are split into `groups` independent convolutions (PyTorch
/// `nn.Conv2d(groups:)`): output channel `o` of group `o / (out/groups)` reads only that group's
/// `in/groups` input channels; weight `[out, in/groups, k, k]`, bias `[out]`. Depthwise when
/// groups = in channels.
///
/// Vectorized along rows, any stride, four independent vectors ("tiles" of eight consecutive
/// outputs of a row) at a time: each input plane is zero-padded into per-thread scratch split into
/// its `stride` column phases (phase φ holds padded columns φ, φ + s, …), so that the tap (ky, kx)
/// of a tile is eight consecutive floats of phase kx mod s. dL/dx gathers too (no scatter): each
/// output-gradient plane is spread onto a zero grid at stride s with a k − 1 border, and dx is its
/// correlation with the flipped kernel. The forward and dL/dx run per sample; the weight and bias
/// gradients are split over output channels, each summing the batch in sample order, so any thread
/// count gives the same bits.
public final class GroupedConv2D: Layer {
    public let layer: Conv2DLayer
    public var weightInit: WeightInit
    public var definition: any LayerDefinition { layer }

    public private(set) var weight: Parameter!
    public private(set) var bias: Parameter?
    private var g = ConvGeometry(channels: 0, height: 0, width: 0, kernel: 1, stride: 1, padding: 0)
    private var groupIn = 0, groupOut = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?
    private var batch = 0
    /// Phase layout of an input plane: rows of `phaseWidth` floats, `paddedHeight` rows per phase,
    /// `stride` phases (`phasePlane` floats).
    private var phaseWidth = 0, paddedHeight = 0, phasePlane = 0
    /// The spread output-gradient grid of one plane: rows of `spreadWidth` floats (`spreadPlane`).
    private var spreadWidth = 0, spreadPlane = 0
    /// Per tap t = ky·k + kx: its offset in a plane's phases, (kx mod s)·Hp·PW + ky·PW + kx / s; and
    /// in the spread grid for dx, the flipped tap's (k − 1 − ky)·SW + (k − 1 − kx).
    private var tapOffsets: UnsafeMutablePointer<Int>?, spreadOffsets: UnsafeMutablePointer<Int>?
    /// Per input column ix: where it goes in a phase row, (ix + p) mod s · Hp·PW + (ix + p) / s (no
    /// division per value).
    private var columnOffsets: UnsafeMutablePointer<Int>?
    /// Output tiles (row r, columns q..<q+8 of OW): where they read the phases (r·s·PW + q) and
    /// where they sit in an output plane (r·OW + q); input tiles likewise (their base in the spread
    /// grid and in an input plane). The last tile of a row may be short.
    private var outTiles: TileList!, inTiles: TileList!
    /// Per thread: the group's input planes in phases [in/groups][phasePlane]; the group's spread
    /// output gradients [out/groups][spreadPlane].
    private var phases: [UnsafeMutablePointer<Float>] = [], spread: [UnsafeMutablePointer<Float>] = []
    /// Per thread, for the weight gradient: one output-gradient plane tile by tile, eight floats per
    /// tile (zeros past a short tile's lanes), so every tap reads whole vectors.
    private var tileGrads: [UnsafeMutablePointer<Float>] = []

    public init(_ layer: Conv2DLayer, weightInit: WeightInit = .pytorch) {
        precondition(layer.outChannels % layer.groups == 0, "out channels must be divisible by groups")
        self.layer = layer
        self.weightInit = weightInit
    }

    deinit {
        for p in phases + spread + tileGrads { p.deallocate() }
        tapOffsets?.deallocate(); spreadOffsets?.deallocate(); columnOffsets?.deallocate()
    }

    public func bind(_ b: LayerBinding) {
        let s = b.inputShapes[0]
        precondition(s[0] % layer.groups == 0, "in channels must be divisible by groups")
        g = ConvGeometry(channels: s[0], height: s[1], width: s[2], kernel: layer.kernel, stride: layer.stride,
                         padding: layer.padding)
        groupIn = s[0] / layer.groups
        groupOut = layer.outChannels / layer.groups
        weight = Parameter(name: "\(b.name).weight", shape: [layer.outChannels, groupIn, layer.kernel, layer.kernel])
        bias = layer.bias ? Parameter(name: "\(b.name).bias", shape: [layer.outChannels]) : nil
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
        let (k, st, p) = (g.kernel, g.stride, g.padding)
        let (h, w, oh, ow) = (g.height, g.width, g.outHeight, g.outWidth)
        phaseWidth = max((ow + 7) / 8 * 8 + (k - 1) / st, (w + 2 * p + st - 1) / st) + 1
        paddedHeight = h + 2 * p
        phasePlane = st * paddedHeight * phaseWidth
        // dx at padded (Y, X) reads the grid at rows Y − ky + k − 1 ≤ H + 2p + k, columns up to 7 more.
        spreadWidth = w + 2 * p + 2 * k + 8
        spreadPlane = (h + 2 * p + 2 * k) * spreadWidth
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: k * k)
        let flipped = UnsafeMutablePointer<Int>.allocate(capacity: k * k)
        for ky in 0..<k { for kx in 0..<k {
            offsets[ky * k + kx] = (kx % st) * paddedHeight * phaseWidth + ky * phaseWidth + kx / st
            flipped[ky * k + kx] = (k - 1 - ky) * spreadWidth + (k - 1 - kx)
        } }
        tapOffsets = offsets; spreadOffsets = flipped
        let columns = UnsafeMutablePointer<Int>.allocate(capacity: max(1, w))
        for ix in 0..<w { columns[ix] = ((ix + p) % st) * paddedHeight * phaseWidth + (ix + p) / st }
        columnOffsets = columns
        outTiles = TileList(rows: oh, width: ow) { r, q in (r * st * phaseWidth + q, r * ow + q) }
        // Input (iy, ix) is padded (iy + p, ix + p); its correlation window starts at grid (iy + p, ix + p).
        inTiles = TileList(rows: h, width: w) { r, q in ((r + p) * spreadWidth + q + p, r * w + q) }
        let threads = 0..<b.threads
        phases = threads.map { _ in .zeroed(groupIn * phasePlane) }
        spread = threads.map { _ in .zeroed(groupOut * spreadPlane) }
        tileGrads = threads.map { [outTiles] _ in .zeroed(8 * outTiles!.count) }
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func initialize(random: inout Random) {
        let taps = layer.kernel * layer.kernel
        weightInit.fill(weight: weight.value, bias: bias?.value, fanIn: groupIn * taps, fanOut: groupOut * taps,
                        random: &random)
    }

    public func prepare(_ pass: Pass) { batch = pass.batch }

    /// Input plane x[n, c] into `dst`'s phases (the borders and slack stay zero from the allocation).
    @inline(__always)
    private func split(_ n: Int, _ c: Int, into dst: UnsafeMutablePointer<Float>) {
        let (h, w, p, st) = (g.height, g.width, g.padding, g.stride)
        let src = x + (n * g.channels + c) * h * w, columns = columnOffsets!
        for iy in 0..<h {
            let row = src + iy * w, out = dst + (iy + p) * phaseWidth
            if st == 1 { copyFloats(out + p, row, w); continue }
            for ix in 0..<w { out[columns[ix]] = row[ix] }
        }
    }

    /// dy[n, o] onto `dst`'s grid: dy[r, q] at (r·s + k − 1, q·s + k − 1); every other cell stays zero.
    @inline(__always)
    private func spreadGradient(_ n: Int, _ o: Int, into dst: UnsafeMutablePointer<Float>) {
        let (oh, ow, st, k) = (g.outHeight, g.outWidth, g.stride, g.kernel)
        let src = dy + (n * layer.outChannels + o) * oh * ow
        for r in 0..<oh {
            let row = dst + (r * st + k - 1) * spreadWidth + k - 1, grad = src + r * ow
            if st == 1 { copyFloats(row, grad, ow); continue }
            for q in 0..<ow { row[q * st] = grad[q] }
        }
    }

    // x: [n, C, H, W] → y: [n, out, OH, OW]; per output tile: bias + Σ_c Σ_taps w · (the tap's
    // eight consecutive phase floats).
    public func forward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            let (plane, taps) = (g.outHeight * g.outWidth, g.kernel * g.kernel)
            let weights = UnsafePointer(weight.value.data), src = phases[t]
            for n in samples {
                if Cancellation.isRequested { return }
                for group in 0..<layer.groups {
                    for c in 0..<groupIn { split(n, group * groupIn + c, into: src + c * phasePlane) }
                    for o in (group * groupOut)..<((group + 1) * groupOut) {
                        let start = splat8(bias.map { $0.value.data[o] } ?? 0)
                        correlate(outTiles, src: UnsafePointer(src), planes: groupIn, planeStride: phasePlane,
                                  w: weights + o * groupIn * taps, wStride: taps, taps: taps, offsets: tapOffsets!,
                                  start: start, dst: y + (n * layer.outChannels + o) * plane)
                    }
                }
            }
        }
    }

    // dx [n, C, H, W] = per input tile Σ_o Σ_taps w[o, c] flipped · (spread dy[o]); dW [out, in/groups,
    // k, k] += Σ_n Σ_tiles dy · (tap's phase floats), db += Σ_n Σ_plane dy, split over output channels.
    public func backward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            guard let dx else { return }
            let (plane, taps) = (g.height * g.width, g.kernel * g.kernel)
            let weights = UnsafePointer(weight.value.data), grid = spread[t]
            for n in samples {
                if Cancellation.isRequested { return }
                for group in 0..<layer.groups {
                    let outs = group * groupOut
                    for j in 0..<groupOut { spreadGradient(n, outs + j, into: grid + j * spreadPlane) }
                    for c in 0..<groupIn {
                        // w[o, c, tap] for the group's o = outs + j: planes j, groupIn·taps apart.
                        correlate(inTiles, src: UnsafePointer(grid), planes: groupOut, planeStride: spreadPlane,
                                  w: weights + (outs * groupIn + c) * taps, wStride: groupIn * taps, taps: taps,
                                  offsets: spreadOffsets!, start: SIMD8<Float>(),
                                  dst: dx + (n * g.channels + group * groupIn + c) * plane)
                    }
                }
            }
        }
        pass.parallel(count: layer.outChannels) { [self] t, outputs in
            let (oh, ow, taps) = (g.outHeight, g.outWidth, g.kernel * g.kernel)
            let dw = weight.grad.data, src = phases[t], offsets = tapOffsets!, tiles = outTiles!, tg = tileGrads[t]
            for n in 0..<batch {
                if Cancellation.isRequested { return }
                for o in outputs {
                    let grad = dy + (n * layer.outChannels + o) * oh * ow
                    if let db = bias?.grad.data {
                        var sum: Float = 0
                        for i in 0..<(oh * ow) { sum += grad[i] }
                        db[o] += sum
                    }
                    for i in 0..<tiles.count {
                        let at = grad + tiles.dst[i], count = tiles.lanes[i]
                        store8(tg + 8 * i, count == 8 ? load8(at) : loadPartial8(at, count))
                    }
                    let first = (o / groupOut) * groupIn
                    for c in 0..<groupIn {
                        split(n, first + c, into: src)
                        let w = dw + (o * groupIn + c) * taps
                        for tap in 0..<taps {
                            w[tap] += tapGradient(UnsafePointer(tg), UnsafePointer(src) + offsets[tap])
                        }
                    }
                }
            }
        }
    }

    /// Σ over the output tiles of dy · (the tap's phase floats at `src` + tile base), dy tile i at
    /// grads + 8i, in four lane accumulators (tile i into accumulator i mod 4), then
    /// (a0 + a1) + (a2 + a3) summed across lanes.
    @inline(__always)
    private func tapGradient(_ grads: UnsafePointer<Float>, _ src: UnsafePointer<Float>) -> Float {
        let tiles = outTiles!
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var i = 0
        while i + 4 <= tiles.count {
            a0 = a0.addingProduct(load8(grads + 8 * i), load8(src + tiles.src[i]))
            a1 = a1.addingProduct(load8(grads + 8 * i + 8), load8(src + tiles.src[i + 1]))
            a2 = a2.addingProduct(load8(grads + 8 * i + 16), load8(src + tiles.src[i + 2]))
            a3 = a3.addingProduct(load8(grads + 8 * i + 24), load8(src + tiles.src[i + 3]))
            i += 4
        }
        if i < tiles.count { a0 = a0.addingProduct(load8(grads + 8 * i), load8(src + tiles.src[i])) }
        if i + 1 < tiles.count { a1 = a1.addingProduct(load8(grads + 8 * i + 8), load8(src + tiles.src[i + 1])) }
        if i + 2 < tiles.count { a2 = a2.addingProduct(load8(grads + 8 * i + 16), load8(src + tiles.src[i + 2])) }
        return ((a0 + a1) + (a2 + a3)).sum()
    }
}

/// dst tile i = start + Σ_j Σ_taps w[j·wStride + tap] · src[j·planeStride + tiles.src[i] + offsets[tap] ..< +8],
/// four tiles at a time (independent accumulators); short tiles store only their lanes.
@inline(__always)
private func correlate(_ tiles: TileList, src: UnsafePointer<Float>, planes: Int, planeStride: Int,
                       w: UnsafePointer<Float>, wStride: Int, taps: Int, offsets: UnsafePointer<Int>,
                       start: SIMD8<Float>, dst: UnsafeMutablePointer<Float>) {
    var i = 0
    while i < tiles.count {
        let n = min(4, tiles.count - i)
        let b0 = tiles.src[i], b1 = n > 1 ? tiles.src[i + 1] : b0
        let b2 = n > 2 ? tiles.src[i + 2] : b0, b3 = n > 3 ? tiles.src[i + 3] : b0
        var a0 = start, a1 = start, a2 = start, a3 = start
        for j in 0..<planes {
            let plane = src + j * planeStride, wj = w + j * wStride
            for tap in 0..<taps {
                let p = plane + offsets[tap], wv = splat8(wj[tap])
                a0 = a0.addingProduct(load8(p + b0), wv); a1 = a1.addingProduct(load8(p + b1), wv)
                a2 = a2.addingProduct(load8(p + b2), wv); a3 = a3.addingProduct(load8(p + b3), wv)
            }
        }
        @inline(__always) func put(_ l: Int, _ v: SIMD8<Float>) {
            let at = dst + tiles.dst[i + l], count = tiles.lanes[i + l]
            if count == 8 { store8(at, v) } else { for e in 0..<count { at[e] = v[e] } }
        }
        put(0, a0)
        if n > 1 { put(1, a1) }
        if n > 2 { put(2, a2) }
        if n > 3 { put(3, a3) }
        i += n
    }
}

/// Tiles of eight consecutive positions of a row (the last of a row shorter), row by row:
/// each one's source base, destination offset and lane count.
final class TileList {
    let count: Int
    let src: UnsafeMutablePointer<Int>, dst: UnsafeMutablePointer<Int>, lanes: UnsafeMutablePointer<Int>

    /// `rows` rows of `width` positions; `place(r, q)` gives tile (r, q..<q+8)'s source base and destination.
    init(rows: Int, width: Int, place: (Int, Int) -> (Int, Int)) {
        let perRow = (width + 7) / 8
        count = rows * perRow
        src = .allocate(capacity: max(1, count)); dst = .allocate(capacity: max(1, count))
        lanes = .allocate(capacity: max(1, count))
        for r in 0..<rows { for v in 0..<perRow {
            let i = r * perRow + v, q = v * 8
            (src[i], dst[i]) = place(r, q)
            lanes[i] = min(8, width - q)
        } }
    }

    deinit { src.deallocate(); dst.deallocate(); lanes.deallocate() }
}
