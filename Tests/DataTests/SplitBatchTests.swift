import Engine
import XCTest

@testable import Data

final class SplitBatchTests: XCTestCase {
    func testSplitIsDeterministicDisjointAndComplete() {
        let a = Split.trainValidation(count: 1000, validation: 100, seed: 7)
        let b = Split.trainValidation(count: 1000, validation: 100, seed: 7)
        let c = Split.trainValidation(count: 1000, validation: 100, seed: 8)
        XCTAssertEqual(a.train, b.train)
        XCTAssertEqual(a.validation, b.validation)
        XCTAssertNotEqual(a.validation, c.validation)
        XCTAssertEqual(a.train.count, 900)
        XCTAssertEqual(a.validation.count, 100)
        XCTAssertTrue(Set(a.train).isDisjoint(with: a.validation))
        XCTAssertEqual(Set(a.train).union(a.validation), Set(0..<1000))
        XCTAssertEqual(a.train, a.train.sorted())
        XCTAssertEqual(a.validation, a.validation.sorted())
        // Documented construction: the first `validation` entries of the "split" stream's permutation.
        var rng = Random(seed: 7, stream: "split")
        XCTAssertEqual(a.validation, Array(rng.permutation(1000)[..<100]).sorted())
        XCTAssertNotEqual(a.validation, Array(0..<100), "validation is not just the first images")
        XCTAssertEqual(Split.trainValidation(count: 5, validation: 0, seed: 1).train, [0, 1, 2, 3, 4])
    }

    /// 7 images of 2×2 with pixel values 10·i + p; labels i % 10.
    func makeLoader(indices: [Int], batchSize: Int) -> BatchLoader {
        let images = (0..<7).flatMap { i in (0..<4).map { UInt8(10 * i + $0) } }
        let set = ImageSet(images: images, labels: (0..<7).map { UInt8($0 % 10) }, count: 7, rows: 2, cols: 2)
        return BatchLoader(set: set, indices: indices, batchSize: batchSize, mean: 0.5, std: 0.25)
    }

    func testFillsNormalisedValuesAndShortLastBatch() {
        let loader = makeLoader(indices: [6, 0, 3, 4, 1], batchSize: 2)
        XCTAssertEqual(loader.batchCount, 3)
        var images = [Float](repeating: .nan, count: 2 * 4)
        var labels = [Int32](repeating: -1, count: 2)
        let expectedBatches: [[Int]] = [[6, 0], [3, 4], [1]]
        for (b, samples) in expectedBatches.enumerated() {
            let n = loader.fill(batch: b, images: &images, labels: &labels)
            XCTAssertEqual(n, samples.count)
            for (i, s) in samples.enumerated() {
                XCTAssertEqual(labels[i], Int32(s))
                for p in 0..<4 {
                    XCTAssertEqual(images[i * 4 + p], (Float(10 * s + p) / 255 - 0.5) / 0.25, accuracy: 1e-6)
                }
            }
        }
    }

    func testShuffleIsSeededAndAPermutationOfIndices() {
        let indices = Array(stride(from: 0, to: 7, by: 1))
        let a = makeLoader(indices: indices, batchSize: 3), b = makeLoader(indices: indices, batchSize: 3)
        var r1 = Random(seed: 42), r2 = Random(seed: 42), r3 = Random(seed: 43)
        a.shuffle(&r1)
        b.shuffle(&r2)
        XCTAssertEqual(a.order, b.order)
        XCTAssertEqual(r1, r2)
        XCTAssertNotEqual(r1, Random(seed: 42), "shuffle advances the generator")
        XCTAssertEqual(a.order.sorted(), indices)
        let firstEpoch = a.order
        a.shuffle(&r1)
        XCTAssertNotEqual(a.order, firstEpoch, "a new epoch gets a new order")
        b.shuffle(&r3)
        XCTAssertNotEqual(b.order, firstEpoch, "a different seed gives a different order")
        // The order depends only on the generator state: the same as Random.permutation applied to indices.
        var r4 = Random(seed: 42)
        let c = makeLoader(indices: indices, batchSize: 3)
        c.shuffle(&r4)
        var r5 = Random(seed: 42)
        XCTAssertEqual(c.order, r5.permutation(7).map { indices[$0] })
        // The filled batch follows the shuffled order.
        var images = [Float](repeating: 0, count: 12), labels = [Int32](repeating: 0, count: 3)
        XCTAssertEqual(c.fill(batch: 2, images: &images, labels: &labels), 1)
        XCTAssertEqual(labels[0], Int32(c.order[6]))
    }
}
