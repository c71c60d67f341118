import Engine
import Spec
import XCTest
@testable import Data

/// `data.augment`: the transforms' pixel semantics and the seeding rule.
final class AugmentationTests: XCTestCase {
    func testShiftFillsWithZerosAndMirrorReversesRows() {
        // One channel, 3 × 4: values 1...12.
        var pixels: [UInt8] = Array(1...12)
        var work = [UInt8](repeating: 0, count: 12)
        Augmentation.shift(&pixels, &work, channels: 1, rows: 3, cols: 4, dy: 1, dx: -1)
        // out(y, x) = in(y + 1, x − 1): row 0 ← row 1 shifted right by one, last row zeros.
        XCTAssertEqual(pixels, [0, 5, 6, 7, 0, 9, 10, 11, 0, 0, 0, 0])
        var two: [UInt8] = [1, 2, 3, 4, 5, 6]
        Augmentation.mirror(&two, count: 2, cols: 3)
        XCTAssertEqual(two, [3, 2, 1, 6, 5, 4])
        var gone: [UInt8] = [1, 2, 3, 4]
        var scratch = [UInt8](repeating: 9, count: 4)
        Augmentation.shift(&gone, &scratch, channels: 1, rows: 2, cols: 2, dy: 0, dx: 5)
        XCTAssertEqual(gone, [0, 0, 0, 0])
    }

    /// Every sample's normalized floats, by dataset index, for one epoch.
    private func epoch(_ loader: BatchLoader, _ epoch: Int, shuffle seed: UInt64?) -> [Int: [Float]] {
        var rng = Random(seed: seed ?? 0)
        if seed != nil { loader.shuffle(&rng) }
        loader.epoch = epoch
        var out: [Int: [Float]] = [:]
        let size = loader.imageSize
        var images = [Float](repeating: 0, count: loader.batchSize * size)
        var labels = [Int32](repeating: 0, count: loader.batchSize)
        for b in 0..<loader.batchCount {
            let n = loader.fill(batch: b, images: &images, labels: &labels)
            for i in 0..<n { out[loader.order[b * loader.batchSize + i]] = Array(images[(i * size)..<((i + 1) * size)]) }
        }
        return out
    }

    func testDrawsDependOnSeedEpochAndSampleOnlyNotOnBatchesOrOrder() {
        var rng = Random(seed: 3)
        let images = (0..<(10 * 2 * 6 * 6)).map { _ in UInt8(rng.below(256)) }
        let set = ImageSet(images: images, labels: Array(repeating: 0, count: 10), count: 10, channels: 2, rows: 6, cols: 6)
        let ops: [AugmentOp] = [.randomCrop(padding: 2), .horizontalFlip(p: 0.5), .randomTranslate(pixels: 1)]
        func loader(batch: Int, seed: UInt64 = 7, ops: [AugmentOp] = ops) -> BatchLoader {
            BatchLoader(set: set, indices: Array(0..<10), batchSize: batch, mean: [0.5], std: [0.5],
                        augmentation: Augmentation(ops: ops, seed: seed))
        }
        let a = epoch(loader(batch: 4), 2, shuffle: nil)
        XCTAssertEqual(a, epoch(loader(batch: 7), 2, shuffle: 11), "batch size and order do not matter")
        XCTAssertNotEqual(a, epoch(loader(batch: 4), 3, shuffle: nil), "another epoch, other draws")
        XCTAssertNotEqual(a, epoch(loader(batch: 4, seed: 8), 2, shuffle: nil), "another seed, other draws")
        // Without ops the loader serves the plain pixels.
        let plain = BatchLoader(set: set, indices: Array(0..<10), batchSize: 4, mean: [0.5], std: [0.5])
        XCTAssertEqual(epoch(loader(batch: 4, ops: []), 2, shuffle: nil), epoch(plain, 2, shuffle: nil))
        // A flip with p = 1 mirrors every row of every channel.
        let flipped = epoch(loader(batch: 4, ops: [.horizontalFlip(p: 1)]), 0, shuffle: nil)
        let original = epoch(plain, 0, shuffle: nil)
        for (sample, values) in original {
            let rows = stride(from: 0, to: values.count, by: 6).map { Array(values[$0..<($0 + 6)].reversed()) }
            XCTAssertEqual(flipped[sample], rows.flatMap { $0 })
        }
        // Crops keep the pixel multiset inside the window: every value is a source value or the zero fill.
        let zero = Float((0.0 / 255 - 0.5) / 0.5)
        for (sample, values) in a {
            let source = Set(original[sample] ?? [])
            XCTAssertTrue(values.allSatisfy { source.contains($0) || $0 == zero })
        }
    }
}
