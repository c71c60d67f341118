/// Naive, obviously-correct kernels that the fast layers are tested against (as llm.c keeps
/// them). Plain loops in Double, no workspaces; slow on purpose.
public enum ReferenceKernels {
    // x: [n, C, H, W]; w: [O, C, k, k]; b: [O] or nil → y: [n, O, OH, OW].
    public static func conv2DForward(_ g: ConvGeometry, batch n: Int, outChannels: Int, x: [Float], w: [Float],
                                     b: [Float]?) -> [Float] {
        let (oh, ow, k) = (g.outHeight, g.outWidth, g.kernel)
        var y = [Float](repeating: 0, count: n * outChannels * oh * ow)
        for s in 0..<n { for o in 0..<outChannels { for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(b?[o] ?? 0)
            for c in 0..<g.channels { for ky in 0..<k { for kx in 0..<k {
                let iy = oy * g.stride + ky - g.padding, ix = ox * g.stride + kx - g.padding
                if iy < 0 || iy >= g.height || ix < 0 || ix >= g.width { continue }
                sum += Double(x[((s * g.channels + c) * g.height + iy) * g.width + ix])
                    * Double(w[((o * g.channels + c) * k + ky) * k + kx])
            } } }
            y[((s * outChannels + o) * oh + oy) * ow + ox] = Float(sum)
        } } } }
        return y
    }

    // dy: [n, O, OH, OW] → dx: [n, C, H, W], dw: [O, C, k, k], db: [O].
    public static func conv2DBackward(_ g: ConvGeometry, batch n: Int, outChannels: Int, x: [Float], w: [Float],
                                      dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
        let (oh, ow, k) = (g.outHeight, g.outWidth, g.kernel)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: outChannels)
        for s in 0..<n { for o in 0..<outChannels { for oy in 0..<oh { for ox in 0..<ow {
            let grad = Double(dy[((s * outChannels + o) * oh + oy) * ow + ox])
            db[o] += grad
            for c in 0..<g.channels { for ky in 0..<k { for kx in 0..<k {
                let iy = oy * g.stride + ky - g.padding, ix = ox * g.stride + kx - g.padding
                if iy < 0 || iy >= g.height || ix < 0 || ix >= g.width { continue }
                let xi = ((s * g.channels + c) * g.height + iy) * g.width + ix
                let wi = ((o * g.channels + c) * k + ky) * k + kx
                dx[xi] += grad * Double(w[wi])
                dw[wi] += grad * Double(x[xi])
            } } }
        } } } }
        return (dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
    }

    // Grouped convolution: x: [n, C, H, W]; w: [O, C/groups, k, k]; b: [O] or nil → y: [n, O, OH, OW];
    // output o reads input channels (o / (O/groups))·(C/groups) ..< +C/groups.
    public static func groupedConv2DForward(_ g: ConvGeometry, groups: Int, batch n: Int, outChannels: Int,
                                            x: [Float], w: [Float], b: [Float]?) -> [Float] {
        let (oh, ow, k) = (g.outHeight, g.outWidth, g.kernel)
        let (gin, gout) = (g.channels / groups, outChannels / groups)
        var y = [Float](repeating: 0, count: n * outChannels * oh * ow)
        for s in 0..<n { for o in 0..<outChannels { for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(b?[o] ?? 0)
            for j in 0..<gin { for ky in 0..<k { for kx in 0..<k {
                let c = (o / gout) * gin + j
                let iy = oy * g.stride + ky - g.padding, ix = ox * g.stride + kx - g.padding
                if iy < 0 || iy >= g.height || ix < 0 || ix >= g.width { continue }
                sum += Double(x[((s * g.channels + c) * g.height + iy) * g.width + ix])
                    * Double(w[((o * gin + j) * k + ky) * k + kx])
            } } }
            y[((s * outChannels + o) * oh + oy) * ow + ox] = Float(sum)
        } } } }
        return y
    }

    // Grouped convolution backward: dy: [n, O, OH, OW] → dx: [n, C, H, W], dw: [O, C/groups, k, k], db: [O].
    public static func groupedConv2DBackward(_ g: ConvGeometry, groups: Int, batch n: Int, outChannels: Int,
                                             x: [Float], w: [Float], dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
        let (oh, ow, k) = (g.outHeight, g.outWidth, g.kernel)
        let (gin, gout) = (g.channels / groups, outChannels / groups)
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: outChannels)
        for s in 0..<n { for o in 0..<outChannels { for oy in 0..<oh { for ox in 0..<ow {
            let grad = Double(dy[((s * outChannels + o) * oh + oy) * ow + ox])
            db[o] += grad
            for j in 0..<gin { for ky in 0..<k { for kx in 0..<k {
                let c = (o / gout) * gin + j
                let iy = oy * g.stride + ky - g.padding, ix = ox * g.stride + kx - g.padding
                if iy < 0 || iy >= g.height || ix < 0 || ix >= g.width { continue }
                let xi = ((s * g.channels + c) * g.height + iy) * g.width + ix
                let wi = ((o * gin + j) * k + ky) * k + kx
                dx[xi] += grad * Double(w[wi])
                dw[wi] += grad * Double(x[xi])
            } } }
        } } } }
        return (dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
    }

    // x: [n, in]; w: [out, in]; b: [out] or nil → y: [n, out].
    public static func linearForward(batch n: Int, inFeatures: Int, outFeatures: Int, x: [Float], w: [Float],
                                     b: [Float]?) -> [Float] {
        var y = [Float](repeating: 0, count: n * outFeatures)
        for s in 0..<n { for o in 0..<outFeatures {
            var sum = Double(b?[o] ?? 0)
            for i in 0..<inFeatures { sum += Double(x[s * inFeatures + i]) * Double(w[o * inFeatures + i]) }
            y[s * outFeatures + o] = Float(sum)
        } }
        return y
    }

    // dy: [n, out] → dx: [n, in], dw: [out, in], db: [out].
    public static func linearBackward(batch n: Int, inFeatures: Int, outFeatures: Int, x: [Float], w: [Float],
                                      dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: outFeatures)
        for s in 0..<n { for o in 0..<outFeatures {
            let grad = Double(dy[s * outFeatures + o])
            db[o] += grad
            for i in 0..<inFeatures {
                dx[s * inFeatures + i] += grad * Double(w[o * inFeatures + i])
                dw[o * inFeatures + i] += grad * Double(x[s * inFeatures + i])
            }
        } }
        return (dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
    }
}
