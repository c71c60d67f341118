import Spec
import EngineAVX512

// MARK: - Direct stride-1 path

extension Conv2D {
    // x: [n, C, H, W] → y: [n, out, OH, OW]; per sample: padded [C][Hp·Wp (+slack)] = zero-padded x,
    // wide [out][OH·Wp] = b + shifted products, y = wide without its k−1 garbage columns per row.
    func directForward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            if let lane = laneScratch {
                forEachReductionGroup(samples) { group, members in laneForward(group, members, lane[t], pass.training) }
                return
            }
            let p = plan
            let xp = padded[t], out = wide[t]
            for s in samples where !Cancellation.isRequested {
                p.pad(x + s * g.inputCount, into: xp)
                shiftedConv(src: xp, ci: g.channels, srcStride: p.paddedStride, width: p.width, k: kernel,
                            nonzero: p.inputRows, w: weight.value.data, co: outChannels, bias: bias.map { UnsafePointer($0.value.data) },
                            dst: out, dstStride: p.wideStride, count: p.forwardCount, kernels: kernels)
                finishForward(s, out, planeStride: p.wideStride, rowWidth: p.width, training: pass.training)
            }
        }
    }

    /// The lane-layout forward of one reduction group (`LaneConv512.swift`): the members' inputs
    /// into the lanes of the padded planes, one pass of the kernel, then each member's planes out
    /// of its lane, compact (rows `outWidth` apart), for `finishForward`.
    func laneForward(_ group: Int, _ members: Range<Int>, _ lane: LaneScratch, _ training: Bool) {
        let (h, w, pad, wp) = (g.height, g.width, g.padding, plan.width)
        let first = x + members.lowerBound * g.inputCount
        if pad == 0 {
            toLanes512(first, sampleStride: g.inputCount, samples: members.count, count: g.inputCount, lane.input, at: 0)
        } else {
            for c in 0..<g.channels {
                for iy in 0..<h {
                    toLanes512(first + (c * h + iy) * w, sampleStride: g.inputCount, samples: members.count, count: w,
                               lane.input, at: (c * (h + 2 * pad) + iy + pad) * wp + pad)
                }
            }
        }
        laneConv512(x: lane.input, ci: g.channels, height: h + 2 * pad, width: wp, k: kernel, w: weight.value.data,
                    co: outChannels, bias: bias.map { UnsafePointer($0.value.data) }, out: lane.output)
        if let pool = fusedPool, let reluMask {  // ReLU, pooling and mask in the lanes; only the pooled planes come out
            let (ph, pw) = (g.outHeight / 2, g.outWidth / 2), pooledCount = outChannels * ph * pw
            let mask = reluMask + group * reductionGroup * outChannels * g.outPlane
            for o in 0..<outChannels {
                laneReluPool2x2Forward512(lane.output + o * g.outPlane * 16, rowWidth: g.outWidth,
                                       lane.pooled + o * ph * pw * 16, outHeight: ph, outWidth: pw,
                                       mask: mask + o * g.outPlane * 16)
            }
            fromLanes512(lane.pooled, at: 0, count: pooledCount, pool.output + members.lowerBound * pooledCount,
                         sampleStride: pooledCount, samples: members.count)
            return
        }
        let count = outChannels * g.outPlane
        if !fusesReLU {  // y is the compact planes themselves: straight out of the lanes
            fromLanes512(lane.output, at: 0, count: count, y + members.lowerBound * count, sampleStride: count,
                         samples: members.count)
            if training { for s in members { writePlaneSums(s) } }
            return
        }
        fromLanes512(lane.output, at: 0, count: count, lane.planes, sampleStride: count, samples: members.count)
        for (l, s) in members.enumerated() {
            finishForward(s, lane.planes + l * count, planeStride: g.outPlane, rowWidth: g.outWidth, training: training)
        }
    }

    /// Sample s's output from its convolution planes (channel o at planes + o·planeStride, rows
    /// `rowWidth` apart): the fused ReLU and pooling with its mask, or y (ReLU'd or copied) and the
    /// reader's plane sums.
    @inline(__always)
    func finishForward(_ s: Int, _ out: UnsafeMutablePointer<Float>, planeStride: Int, rowWidth: Int,
                               training: Bool) {
        if let pool = fusedPool, let reluMask {  // ReLU and pooling straight from the wide planes
            let (ph, pw) = (g.outHeight / 2, g.outWidth / 2)
            for o in 0..<outChannels {
                let at = s * outChannels + o
                reluPool2x2Forward(out + o * planeStride, width: rowWidth, pool.output + at * ph * pw,
                                   outHeight: ph, outWidth: pw, mask: reluMask + at * g.outPlane,
                                   maskWidth: g.outWidth, kernels: kernels)
            }
            return
        }
        let ys = y + s * outChannels * g.outPlane
        for o in 0..<outChannels {
            let dst = ys + o * g.outPlane, src = out + o * planeStride
            if fusesReLU {
                reluRows(src, srcStride: rowWidth, dst, dstStride: g.outWidth, rows: g.outHeight, cols: g.outWidth)
            } else {
                for oy in 0..<g.outHeight { copyFloats(dst + oy * g.outWidth, src + oy * rowWidth, g.outWidth) }
            }
        }
        if training { writePlaneSums(s) }  // while in cache
    }

    /// The reader's Σ of each of sample s's output planes (y), if it wants them.
    @inline(__always)
    func writePlaneSums(_ s: Int) {
        guard let sums = reader?.planeSums else { return }
        let ys = y + s * outChannels * g.outPlane, at = sums + s * outChannels
        sumFloatsRows(outChannels, g.outPlane, { UnsafePointer(ys + $0 * g.outPlane) }) { o, v in at[o] = v }
    }

    // dy: [n, out, OH, OW]. Per sample: gradient [out][F + Hp·Wp (+slack)] holds dy at offset F on the
    // full-width grid (all else zero); dx_padded [C][Hp·Wp] = shiftedConv(gradient, W flipped and
    // transposed to [C][out][k][k] by `prepare`), dx = its interior; dW lanes += Σ_i dy·x shifted and
    // db += Σ dy over a reduction group's samples, then the group's partials (lanes summed) are
    // written for `GroupPartials` to add in group order. Everything runs sample by sample in cache.
    func directBackward(_ pass: Pass) {
        pass.parallel { [self] t, samples in
            let xp = padded[t], gv = lanes[t]
            let lane = laneScratch?[t]
            forEachReductionGroup(samples) { group, members in
                gv.update(repeating: SIMD8<Float>(), count: weight.value.count)
                let db = biasGrad?.target(group)
                db?.update(repeating: 0, count: outChannels)
                let laneGlue = lane != nil && fusedPool != nil
                if let lane, laneGlue { laneGradients(group, members, lane) }
                for (l, s) in members.enumerated() where !Cancellation.isRequested {
                    let grad = lane.map { $0.gradPlanes + l * outChannels * plan.gradientStride } ?? columns[t]
                    if !laneGlue { gradientPlanes(s, t, into: grad) }
                    plan.pad(x + s * g.inputCount, into: xp)
                    if let db {
                        sumFloatsRows(outChannels, plan.gradientPositions, { UnsafePointer(grad + $0 * plan.gradientStride + plan.lead) }) { o, v in
                            db[o] += v
                        }
                    }
                    shiftedWeightGrad(dy: grad + plan.lead, co: outChannels, dyStride: plan.gradientStride, x: xp,
                                      ci: g.channels, xStride: plan.paddedStride, width: plan.width, k: kernel,
                                      count: plan.gradientPositions, gv: gv, kernels: kernels)
                    if lane == nil { inputGradient(s, t, grad) }
                }
                if let lane, let dx { laneInputGradient(members, lane, dx, gradientsInLanes: laneGlue) }
                let dw = weightGrad!.target(group)
                for j in 0..<weight.value.count { dw[j] = gv[j].sum() }
            }
        }
    }

    /// The lane path's gradient through the fused ReLU and pooling, for a whole reduction group:
    /// the pooled gradient into the lanes, the mask applied there (into the lane gradient planes the
    /// input gradient reads), and each member's full-width gradient planes out (for the weight and
    /// bias gradients).
    func laneGradients(_ group: Int, _ members: Range<Int>, _ lane: LaneScratch) {
        guard let pool = fusedPool, let reluMask else { return }
        let (ph, pw) = (g.outHeight / 2, g.outWidth / 2), pooledCount = outChannels * ph * pw
        toLanes512(pool.outputGrad + members.lowerBound * pooledCount, sampleStride: pooledCount,
                   samples: members.count, count: pooledCount, lane.pooled, at: 0)
        let mask = reluMask + group * reductionGroup * outChannels * g.outPlane
        let dy = lane.outputGrad + lane.lead * 16
        for o in 0..<outChannels {
            laneReluPool2x2Gradient512(lane.pooled + o * ph * pw * 16, mask: mask + o * g.outPlane * 16,
                                    maskWidth: g.outWidth, dy + o * lane.planeStride * 16, rowWidth: plan.width,
                                    outHeight: ph, outWidth: pw)
            fromLanes512(dy, at: o * lane.planeStride, count: lane.planeStride,
                         lane.gradPlanes + o * plan.gradientStride + plan.lead,
                         sampleStride: outChannels * plan.gradientStride, samples: members.count)
        }
    }

    /// Sample s's gradient planes (the fused pooling's gradient and ReLU mask applied) into grad
    /// [out][gradientStride], whose zeros stay from its allocation (with a fused pooling, the cells
    /// no pooling window covers are never written).
    @inline(__always)
    func gradientPlanes(_ s: Int, _ t: Int, into grad: UnsafeMutablePointer<Float>) {
        let p = plan, co = outChannels
        if let reader {
            reader.writeInputGradient(s, t, into: grad + p.lead, channelStride: p.gradientStride, rowStride: p.width)
            return
        }
        if let pool = fusedPool, let reluMask {
            let (ph, pw) = (g.outHeight / 2, g.outWidth / 2)
            for o in 0..<co {
                let at = s * co + o
                reluPool2x2Gradient(pool.outputGrad + at * ph * pw, mask: reluMask + at * g.outPlane,
                                    maskWidth: g.outWidth, grad + o * p.gradientStride + p.lead, width: p.width,
                                    outHeight: ph, outWidth: pw, kernels: kernels)
            }
            return
        }
        let dys = dy + s * co * g.outPlane, ys = y + s * co * g.outPlane
        for o in 0..<co {
            let row = grad + o * p.gradientStride + p.lead, at = o * g.outPlane
            if fusesReLU {
                reluGradientRows(ys + at, dys + at, row, dstStride: p.width, rows: g.outHeight, cols: g.outWidth)
            } else {
                for oy in 0..<g.outHeight { copyFloats(row + oy * p.width, dys + at + oy * g.outWidth, g.outWidth) }
            }
        }
    }

    /// dx of a reduction group's members on the lane path: their full-width gradient planes into the
    /// lanes (unless `laneGradients` already left them there), the kernel, and dx out.
    func laneInputGradient(_ members: Range<Int>, _ lane: LaneScratch, _ dx: UnsafeMutablePointer<Float>,
                                   gradientsInLanes: Bool) {
        let dy = lane.outputGrad + lane.lead * 16
        if !gradientsInLanes {
            for o in 0..<outChannels {
                toLanes512(lane.gradPlanes + o * plan.gradientStride + plan.lead,
                           sampleStride: outChannels * plan.gradientStride, samples: members.count,
                           count: lane.planeStride, dy, at: o * lane.planeStride)
            }
        }
        laneInputGrad512(dy: dy, co: outChannels, planeStride: lane.planeStride, outHeight: g.outHeight,
                         outWidth: g.outWidth, k: kernel, w: weight.value.data, ci: g.channels, height: g.height,
                         width: g.width, padding: g.padding, dx: lane.inputGrad)
        fromLanes512(lane.inputGrad, at: 0, count: g.inputCount, dx + members.lowerBound * g.inputCount,
                     sampleStride: g.inputCount, samples: members.count)
    }

    /// dx of sample s from its gradient planes (nothing when the input needs no gradient).
    @inline(__always)
    func inputGradient(_ s: Int, _ t: Int, _ grad: UnsafePointer<Float>) {
        guard let dx, let flipped else { return }
        let p = plan
        shiftedConv(src: grad, ci: outChannels, srcStride: p.gradientStride, width: p.width, k: kernel,
                    nonzero: p.lead..<(p.lead + p.gradientPositions), w: flipped,
                    co: g.channels, bias: nil, dst: panels[t], dstStride: p.inputGradStride, count: p.planeCount,
                    kernels: kernels)
        p.crop(panels[t], into: dx + s * g.inputCount)
    }
}
