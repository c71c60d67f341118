import Engine
import Spec

/// `data.augment`: random transforms of training samples, applied to their 8-bit pixels as the
/// batch loader fills a batch (after resize and pad, before normalization; zeros fill what moves
/// in, as torchvision's `fill=0` on 8-bit images).
///
/// Each sample's draws come from a generator seeded by the trial seed, the epoch and the sample's
/// index in the dataset, so the transforms do not depend on the batch size, the shuffled order,
/// the thread count or on how an interrupted run resumed.
public struct Augmentation: Sendable {
    public let ops: [AugmentOp]
    private let key: UInt64

    public init(ops: [AugmentOp], seed: UInt64) {
        self.ops = ops
        var base = Random(seed: seed, stream: "augment")
        key = base.next()
    }

    /// The generator of `sample` (an index into the dataset) in `epoch`.
    func random(epoch: Int, sample: Int) -> Random {
        Random(seed: key ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(sample) &* 0xBF58_476D_1CE4_E5B9))
    }

    /// Transforms one sample in place. pixels, work: [channels, rows, cols] bytes.
    func apply(_ pixels: UnsafeMutablePointer<UInt8>, work: UnsafeMutablePointer<UInt8>, channels: Int, rows: Int, cols: Int,
               epoch: Int, sample: Int) {
        var rng = random(epoch: epoch, sample: sample)
        for op in ops {
            switch op {
            case let .randomCrop(padding), let .randomTranslate(padding):
                // A window of the original size at offset (oy, ox) ∈ [0, 2p]² of the zero-padded
                // image: input (y + oy − p, x + ox − p). Top offset first, as torchvision draws it.
                let oy = rng.below(2 * padding + 1), ox = rng.below(2 * padding + 1)
                Self.shift(pixels, work, channels: channels, rows: rows, cols: cols, dy: oy - padding, dx: ox - padding)
            case let .horizontalFlip(p):
                if rng.uniformDouble() < p { Self.mirror(pixels, count: channels * rows, cols: cols) }
            }
        }
    }

    /// out(y, x) = in(y + dy, x + dx), 0 outside; through `work`, then back into `pixels`.
    /// pixels, work: [channels, rows, cols].
    static func shift(_ pixels: UnsafeMutablePointer<UInt8>, _ work: UnsafeMutablePointer<UInt8>, channels: Int, rows: Int,
                      cols: Int, dy: Int, dx: Int) {
        if dy == 0 && dx == 0 { return }
        let count = channels * rows * cols
        work.update(repeating: 0, count: count)
        let (x0, x1, y0, y1) = (max(0, -dx), min(cols, cols - dx), max(0, -dy), min(rows, rows - dy))
        guard x0 < x1, y0 < y1 else { pixels.update(repeating: 0, count: count); return }
        let xs = x0..<x1
        for c in 0..<channels {
            for y in y0..<y1 {
                let from = pixels + (c * rows + y + dy) * cols + dx, to = work + (c * rows + y) * cols
                for x in xs { to[x] = from[x] }
            }
        }
        pixels.update(from: work, count: count)
    }

    /// Reverses each of `count` rows of `cols` bytes.
    static func mirror(_ pixels: UnsafeMutablePointer<UInt8>, count: Int, cols: Int) {
        for r in 0..<count {
            let row = pixels + r * cols
            var (i, j) = (0, cols - 1)
            while i < j { (row[i], row[j]) = (row[j], row[i]); i += 1; j -= 1 }
        }
    }
}
