import Spec
import EngineAVX512

/// One thread's planes for the lane layout (16 floats per position, one lane per sample of a
/// reduction group; `LaneConv512.swift`): the zero-padded input [C][Hp][Wp], the output
/// [out][OH][OW], the pooled output or its gradient [out][OH/2][OW/2], the output gradient in the
/// full-width layout (`lead` zero positions, then planes `planeStride` apart with rows of Wp
/// positions, zero after the OW valid ones), the input gradient [C][H][W]; and, in plain floats,
/// each sample's compact output planes [16][out][OH·OW] and full-width gradient planes
/// [16][out][gradientStride] (the layout of the direct path's per-sample scratch, for the weight
/// and bias gradients). Zeroed once; what must stay zero is never written.
struct LaneScratch {
    let input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, pooled: UnsafeMutablePointer<Float>
    let outputGrad: UnsafeMutablePointer<Float>, inputGrad: UnsafeMutablePointer<Float>
    let planes: UnsafeMutablePointer<Float>, gradPlanes: UnsafeMutablePointer<Float>
    /// Zero positions before the first output-gradient plane (≥ k − 1, a multiple of 16: the kernel
    /// reads up to k − 1 positions before a row), and the planes' stride (OH·Wp rounded up to 16, so
    /// that the transposes have no scalar tail).
    let lead: Int, planeStride: Int

    init(_ p: DirectConvPlan, outChannels co: Int) {
        let g = p.g, (hp, wp) = (g.height + 2 * g.padding, p.width)
        lead = max(16, (g.kernel - 1 + 15) / 16 * 16)
        planeStride = (g.outHeight * wp + 15) / 16 * 16
        input = .zeroed(g.channels * hp * wp * 16)
        output = .zeroed(co * g.outPlane * 16)
        pooled = .zeroed(co * (g.outHeight / 2) * (g.outWidth / 2) * 16)
        outputGrad = .zeroed((lead + co * planeStride) * 16)
        inputGrad = .zeroed(g.inputCount * 16)
        planes = .zeroed(16 * co * g.outPlane)
        gradPlanes = .zeroed(16 * co * p.gradientStride)
    }

    func deallocate() {
        for p in [input, output, pooled, outputGrad, inputGrad, planes, gradPlanes] { p.deallocate() }
    }
}

/// Sizes and layouts of the direct path's scratch planes for one geometry (stride 1).
struct DirectConvPlan {
    let g: ConvGeometry
    let outChannels: Int
    /// Padded input plane: width Wp = W + 2p, Hp·Wp values.
    let width: Int, planeCount: Int
    /// Zero prefix F = (k−1)·Wp + (k−1) of each gradient plane.
    let lead: Int
    let paddedStride: Int, wideStride: Int, gradientStride: Int, inputGradStride: Int
    /// Full-width forward outputs: OH·Wp − (k−1).
    let forwardCount: Int

    init(g: ConvGeometry, outChannels: Int) {
        self.g = g; self.outChannels = outChannels
        let k = g.kernel
        width = g.width + 2 * g.padding
        planeCount = (g.height + 2 * g.padding) * width
        lead = (k - 1) * width + (k - 1)
        forwardCount = g.outHeight * width - (k - 1)
        let block = shiftedSpan
        paddedStride = planeCount + block + 8 + k
        wideStride = (forwardCount + block - 1) / block * block
        gradientStride = lead + planeCount + block + 8
        inputGradStride = (planeCount + block - 1) / block * block
    }

    var paddedCount: Int { g.channels * paddedStride }
    var wideCount: Int { outChannels * wideStride }
    var gradientCount: Int { outChannels * gradientStride }
    var inputGradCount: Int { g.channels * inputGradStride }
    /// Full-width positions that can hold a valid output (the last row's k−1 garbage columns cut).
    var gradientPositions: Int { forwardCount }
    /// Indices of a padded input plane that can be nonzero (its unpadded rows).
    var inputRows: Range<Int> { (g.padding * width)..<((g.padding + g.height) * width) }

    // x: [C, H, W] → dst: [C][paddedStride], interior at (p, p); borders and slack stay zero.
    @inline(__always)
    func pad(_ x: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let (h, w, p) = (g.height, g.width, g.padding)
        for c in 0..<g.channels {
            let src = x + c * h * w, plane = dst + c * paddedStride
            if p == 0 { copyFloats(plane, src, h * w); continue }
            for iy in 0..<h { copyFloats(plane + (iy + p) * width + p, src + iy * w, w) }
        }
    }

    // src: [C][inputGradStride] padded planes → dx: [C, H, W] interior.
    @inline(__always)
    func crop(_ src: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let (h, w, p) = (g.height, g.width, g.padding)
        for c in 0..<g.channels {
            let plane = src + c * inputGradStride, d = dx + c * h * w
            if p == 0 { copyFloats(d, plane, h * w); continue }
            for iy in 0..<h { copyFloats(d + iy * w, plane + (iy + p) * width + p, w) }
        }
    }
}
