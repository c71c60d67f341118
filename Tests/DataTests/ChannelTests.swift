import XCTest

@testable import Data

/// Colour images: resize and pad act on every channel as on a single-channel image, the batch
/// loader normalises each channel with its own mean and std, and channel conversion is Pillow's.
final class ChannelTests: XCTestCase {
    /// Three different gray images as the three channels of one RGB image.
    private func planes(count: Int, height: Int, width: Int) -> [[UInt8]] {
        (0..<3).map { (c: Int) -> [UInt8] in
            (0..<count * height * width).map { (p: Int) -> UInt8 in UInt8((p * (7 + 4 * c) + 31 * c) % 256) }
        }
    }

    func testResizeAndPadActOnEachChannelLikeOnAGrayImage() {
        let (n, h, w) = (3, 28, 20)
        let gray = planes(count: n, height: h, width: w)
        var rgb: [UInt8] = []
        for i in 0..<n { for c in 0..<3 { rgb += gray[c][i * h * w ..< (i + 1) * h * w] } }
        let set = ImageSet(images: rgb, labels: [0, 1, 2], count: n, channels: 3, rows: h, cols: w)
        let t = ImageTransform(channels: 3, inputHeight: h, inputWidth: w, resize: 32, pad: 2, mean: [0.5], std: [0.5])
        let prepared = t.prepare(set)
        XCTAssertEqual(prepared.sampleShape, [3, 36, 36])
        let single = ImageTransform(inputHeight: h, inputWidth: w, resize: 32, pad: 2, mean: [0.5], std: [0.5])
        for c in 0..<3 {
            let one = single.prepare(ImageSet(images: gray[c], labels: [0, 1, 2], count: n, rows: h, cols: w))
            for i in 0..<n {
                XCTAssertEqual(Array(prepared.images[(i * 3 + c) * 36 * 36 ..< (i * 3 + c + 1) * 36 * 36]),
                               Array(one.images[i * 36 * 36 ..< (i + 1) * 36 * 36]), "image \(i) channel \(c)")
            }
        }
    }

    func testBatchesNormaliseEachChannelWithItsOwnMeanAndStd() {
        let images: [UInt8] = (0..<2 * 3 * 4).map { UInt8($0 * 10) }  // 2 images of 3×2×2
        let set = ImageSet(images: images, labels: [4, 5], count: 2, channels: 3, rows: 2, cols: 2)
        let mean: [Float] = [0.1, 0.2, 0.3], std: [Float] = [0.5, 0.25, 2]
        let loader = BatchLoader(set: set, indices: [1, 0], batchSize: 2, mean: mean, std: std)
        var batch = [Float](repeating: .nan, count: 24)
        var labels = [Int32](repeating: -1, count: 2)
        XCTAssertEqual(loader.fill(batch: 0, images: &batch, labels: &labels), 2)
        XCTAssertEqual(labels, [5, 4])
        for (slot, sample) in [1, 0].enumerated() {
            for c in 0..<3 {
                for p in 0..<4 {
                    let v = Float(images[sample * 12 + c * 4 + p])
                    XCTAssertEqual(batch[slot * 12 + c * 4 + p], (v / 255 - mean[c]) / std[c], "sample \(sample) channel \(c)")
                }
            }
        }
        // One mean and std for all channels: the same numbers as the single-channel table.
        let shared = BatchLoader(set: set, indices: [0], batchSize: 1, mean: 0.5, std: 0.5)
        XCTAssertEqual(shared.fill(batch: 0, images: &batch, labels: &labels), 1)
        let table = ImageTransform.lookupTable(mean: 0.5, std: 0.5)
        XCTAssertEqual(Array(batch[0..<12]), images[0..<12].map { table[Int($0)] })
    }

    func testChannelConversionIsPillows() throws {
        // Pillow: Image.new("RGB", (1, 1), c).convert("L").getpixel((0, 0))
        XCTAssertEqual(ImageSet.luma(255, 0, 0), 76)
        XCTAssertEqual(ImageSet.luma(0, 255, 0), 150)
        XCTAssertEqual(ImageSet.luma(0, 0, 255), 29)
        XCTAssertEqual(ImageSet.luma(255, 255, 255), 255)
        XCTAssertEqual(ImageSet.luma(10, 200, 30), 124)
        let gray = ImageSet(images: [1, 2, 3, 4, 5, 6, 7, 8], labels: [0, 1], count: 2, rows: 2, cols: 2)
        let rgb = try XCTUnwrap(gray.converted(toChannels: 3))
        XCTAssertEqual(rgb.images, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8])
        XCTAssertEqual(try XCTUnwrap(rgb.converted(toChannels: 1)).images, gray.images, "gray → RGB → gray is the identity")
        XCTAssertNil(gray.converted(toChannels: 2))
    }

    /// Colour resizes against Pillow's on 'RGB' images (fixture: scripts/make_rgb_resize_fixture.py).
    func testRGBResizeMatchesPillowByteForByte() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "resize-rgb", withExtension: "txt", subdirectory: "Fixtures"))
        let cases = try ResizeTests.loadCases(url)
        XCTAssertEqual(cases.count, 12)
        for c in cases {
            let set = ImageSet(images: ImageDecoder.planes(c.input, channels: 3), labels: [0], count: 1, channels: 3,
                               rows: c.inHeight, cols: c.inWidth)
            let resized = ImageFolderSource.resized(DecodedImage(channels: 3, height: c.inHeight, width: c.inWidth, pixels: set.images),
                                                    toHeight: c.outHeight, width: c.outWidth)
            XCTAssertEqual(resized.pixels, ImageDecoder.planes(c.expected, channels: 3), c.name)
            if c.outWidth == c.outHeight {
                let t = ImageTransform(channels: 3, inputHeight: c.inHeight, inputWidth: c.inWidth, resize: c.outWidth, pad: 0,
                                       mean: [0], std: [1])
                XCTAssertEqual(t.prepare(set).images, ImageDecoder.planes(c.expected, channels: 3), c.name)
            }
        }
    }
}
