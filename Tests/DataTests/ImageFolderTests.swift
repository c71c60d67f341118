import Foundation
import Glibc
import Spec
import TestSupport
import XCTest

@testable import Data

/// Image folders: PNG and JPEG decoded by libpng and libjpeg-turbo from files the tests encode
/// with the same libraries, the folder's sample order, channel conversion, sizes, the pixel
/// cache, and one exact line for every kind of bad folder.
final class ImageFolderTests: XCTestCase {
    private let classes = ["bag", "cat", "dog"]

    /// `count` images of channels×h×w whose pixels encode (image, channel, position).
    private func images(count: Int, channels: Int, height: Int, width: Int, seed: Int = 0) -> [UInt8] {
        (0..<count * channels * height * width).map { (p: Int) -> UInt8 in UInt8((p * 13 + seed * 7 + p / 97) % 251) }
    }

    /// A folder with train (12 images) and test (6) splits of PNGs; returns (root, train pixels, test pixels).
    private func folder(channels: Int = 1, height: Int = 8, width: Int = 6, jpeg: Bool = false) throws
        -> (root: String, train: [UInt8], test: [UInt8]) {
        let root = try makeTemporaryFolder(self)
        let train = images(count: 12, channels: channels, height: height, width: width)
        let test = images(count: 6, channels: channels, height: height, width: width, seed: 1)
        // Labels grouped by class, as the folder's order has them.
        try DataFiles.writeImageFolder(root: root, split: "train", classes: classes, images: train, labels: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
                                       channels: channels, height: height, width: width, jpeg: jpeg)
        try DataFiles.writeImageFolder(root: root, split: "test", classes: classes, images: test, labels: [0, 0, 1, 1, 2, 2],
                                       channels: channels, height: height, width: width, jpeg: jpeg)
        return (root, train, test)
    }

    private func source(_ root: String, channels: Int? = nil, resize: Int? = nil, cache: String? = nil) -> ImageFolderSource {
        ImageFolderSource(folder: root, channels: channels, resize: resize, cacheFolder: cache)
    }

    func testPNGFolderLoadsInClassThenFileOrderWithTheExactPixels() throws {
        for channels in [1, 3] {
            let (root, train, test) = try folder(channels: channels)
            let s = source(root)
            XCTAssertEqual(try s.describe(), DatasetInfo(sampleShape: [channels, 8, 6], classes: classes, trainCount: 12, testCount: 6))
            let (a, b) = try s.load()
            XCTAssertEqual(a.images, train)
            XCTAssertEqual(a.labels, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
            XCTAssertEqual(b.images, test)
            XCTAssertEqual(b.sampleShape, [channels, 8, 6])
        }
    }

    func testJPEGDecodesThroughLibjpeg() throws {
        let (root, _, _) = try folder(channels: 3, height: 16, width: 16, jpeg: true)
        let (a, _) = try source(root).load()
        XCTAssertEqual(a.sampleShape, [3, 16, 16])
        XCTAssertEqual(a.count, 12)
        // Lossy, but close on a smooth image: a gray and an RGB gradient at quality 95.
        for channels in [1, 3] {
            let smooth = (0..<channels * 256).map { (p: Int) -> UInt8 in UInt8((p % 256) / 16 * 8 + (p % 16) * 4 + p / 256 * 20) }
            let file = try makeTemporaryFolder(self) + "/g.jpg"
            try writeRaw(try DataFiles.jpeg(smooth, channels: channels, height: 16, width: 16), to: file)
            let decoded = try ImageDecoder.decode(try readRaw(file), path: file)
            XCTAssertEqual([decoded.channels, decoded.height, decoded.width], [channels, 16, 16])
            let error = zip(decoded.pixels, smooth).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(error, 6, "channels \(channels)")
        }
        // Decoding is deterministic: the same file gives the same pixels.
        XCTAssertEqual(try source(root).load().train.images, a.images)
    }

    func testChannelsConvertOnLoad() throws {
        let (root, train, _) = try folder(channels: 1)
        let rgb = try source(root, channels: 3).load().train
        XCTAssertEqual(rgb.sampleShape, [3, 8, 6])
        XCTAssertEqual(Array(rgb.images[0..<48]), Array(train[0..<48]))
        XCTAssertEqual(Array(rgb.images[96..<144]), Array(train[0..<48]))
        XCTAssertEqual(try source(root, channels: 3).describe().sampleShape, [3, 8, 6])
        let (colour, pixels, _) = try folder(channels: 3)
        let gray = try source(colour, channels: 1).load().train
        XCTAssertEqual(gray.images[5], ImageSet.luma(pixels[5], pixels[48 + 5], pixels[96 + 5]))
    }

    func testMixedChannelsNeedDataChannels() throws {
        let (root, _, _) = try folder(channels: 1)
        let odd = "\(root)/train/cat/00004.png"
        try Data(try DataFiles.png([UInt8](repeating: 9, count: 3 * 48), channels: 3, height: 8, width: 6)).write(to: URL(fileURLWithPath: odd))
        assertDataError("data.channels: \(odd): has 3 channels but \(root)/train/bag/00000.png has 1; set data.channels to 1 or 3") {
            try source(root).describe()
        }
        XCTAssertEqual(try source(root, channels: 3).load().train.images[4 * 144 ..< 4 * 144 + 3], [9, 9, 9])
    }

    func testMixedSizesNeedResize() throws {
        let (root, _, _) = try folder()
        let odd = "\(root)/test/dog/00005.png"
        let big = images(count: 1, channels: 1, height: 10, width: 12)
        try Data(try DataFiles.png(big, channels: 1, height: 10, width: 12)).write(to: URL(fileURLWithPath: odd))
        assertDataError("data.resize: \(odd): image is 12×10 but \(root)/train/bag/00000.png is 6×8; images of different sizes need data.resize") {
            try source(root).load()
        }
        // With a resize every image is resized on load, exactly as the transform resizes one.
        let (train, test) = try source(root, resize: 5).load()
        XCTAssertEqual([train.sampleShape, test.sampleShape], [[1, 5, 5], [1, 5, 5]])
        let one = ImageSet(images: big, labels: [2], count: 1, rows: 10, cols: 12)
        let expected = ImageTransform(inputHeight: 10, inputWidth: 12, resize: 5, pad: 0, mean: [0], std: [1]).prepare(one)
        XCTAssertEqual(Array(test.images[5 * 25 ..< 6 * 25]), expected.images)
    }

    func testCorruptAndTruncatedImagesAreOneLineNamingTheFile() throws {
        let (root, _, _) = try folder()
        let png = "\(root)/train/cat/00005.png"
        let bytes = try readRaw(png)
        try writeRaw(Array(bytes.prefix(bytes.count / 2)), to: png)
        assertDataError("\(png): corrupt PNG image (libpng: file is truncated)") { try source(root).load() }
        var damaged = bytes
        damaged[45] ^= 0xFF  // inside the IDAT chunk's compressed data
        try writeRaw(damaged, to: png)
        assertDataError("\(png): corrupt PNG image (libpng: IDAT: invalid code lengths set)") { try source(root).load() }
        damaged = bytes
        damaged[30] ^= 0xFF  // the IHDR chunk's CRC
        try writeRaw(damaged, to: png)
        assertDataError("\(png): corrupt PNG image (libpng: IHDR: CRC error)") { try source(root).load() }
        try writeRaw(Array("hello".utf8), to: png)
        assertDataError("\(png): not a PNG or JPEG image") { try source(root).load() }

        let (jroot, _, _) = try folder(channels: 3, height: 16, width: 16, jpeg: true)
        let jpeg = "\(jroot)/test/bag/00001.jpg"
        let jbytes = try readRaw(jpeg)
        try writeRaw(Array(jbytes.prefix(jbytes.count - 200)), to: jpeg)
        assertDataError("\(jpeg): corrupt JPEG image (libjpeg: Premature end of JPEG file)") { try source(jroot).load() }
        try writeRaw(Array(jbytes.prefix(100)), to: jpeg)
        assertDataError("\(jpeg): corrupt JPEG image (libjpeg: JPEG datastream contains no image)") { try source(jroot).load() }
    }

    func testBadFolderLayoutsAreOneLineEach() throws {
        let (root, _, _) = try folder()
        try FileManager.default.createDirectory(atPath: "\(root)/test/emu", withIntermediateDirectories: true)
        assertDataError("\(root)/test: classes differ from train/ (only in test: emu)") { try source(root).describe() }
        try FileManager.default.createDirectory(atPath: "\(root)/train/emu", withIntermediateDirectories: true)
        assertDataError("\(root)/train/emu: empty class folder (no .png, .jpg or .jpeg images)") { try source(root).describe() }
        try FileManager.default.removeItem(atPath: "\(root)/train/emu")
        try FileManager.default.removeItem(atPath: "\(root)/test/emu")
        try FileManager.default.removeItem(atPath: "\(root)/test/dog")
        assertDataError("\(root)/test: classes differ from train/ (only in train: dog)") { try source(root).describe() }
        try FileManager.default.createDirectory(atPath: "\(root)/test/dog", withIntermediateDirectories: true)
        try writeRaw(Array("a,b\n".utf8), to: "\(root)/test/dog/notes.txt")
        assertDataError("\(root)/test/dog/notes.txt: not a .png, .jpg or .jpeg file (class folders hold only images)") { try source(root).describe() }
        try writeRaw([], to: "\(root)/test/dog/.DS_Store")
        try FileManager.default.removeItem(atPath: "\(root)/test/dog/notes.txt")
        assertDataError("\(root)/test/dog: empty class folder (no .png, .jpg or .jpeg images)") { try source(root).describe() }
        try FileManager.default.removeItem(atPath: "\(root)/test")
        assertDataError("\(root)/test: folder not found (an image folder holds train/<class>/ and test/<class>/)") { try source(root).describe() }
    }

    func testDecodedPixelsAreCachedAndTheCacheFollowsTheFiles() throws {
        let (root, train, _) = try folder()
        let cache = try makeTemporaryFolder(self)
        XCTAssertEqual(try source(root, cache: cache).load().train.images, train)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache)
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(files[0].hasPrefix("image-folder-") && files[0].hasSuffix(".pixels"), files[0])
        // Same size and modification time but garbage inside: the second load never decodes it.
        let png = "\(root)/train/bag/00000.png"
        var st = stat()
        XCTAssertEqual(stat(png, &st), 0)
        let size = try readRaw(png).count
        try writeRaw([UInt8](repeating: 0, count: size), to: png)
        var times = [st.st_atim, st.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, png, &times, 0), 0)
        XCTAssertEqual(try source(root, cache: cache).load().train.images, train)
        // A newer modification time is a new key: the file is decoded (and found broken).
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: png)
        assertDataError("\(png): not a PNG or JPEG image") { try source(root, cache: cache).load() }
        // A damaged cache file is ignored.
        let (fresh, freshTrain, _) = try folder()
        let cache2 = try makeTemporaryFolder(self)
        _ = try source(fresh, cache: cache2).load()
        let cacheFile = cache2 + "/" + (try FileManager.default.contentsOfDirectory(atPath: cache2))[0]
        var cached = try readRaw(cacheFile)
        cached[cached.count - 1] ^= 1
        try writeRaw(cached, to: cacheFile)
        XCTAssertEqual(try source(fresh, cache: cache2).load().train.images, freshTrain)
    }

    func testACacheFolderThatCannotBeWrittenOnlyCostsDecoding() throws {
        let (root, train, _) = try folder()
        let blocker = try makeTemporaryFolder(self) + "/file"
        try writeRaw([1], to: blocker)
        XCTAssertEqual(try source(root, cache: blocker + "/cache").load().train.images, train)
        XCTAssertEqual(try readRaw(blocker), [1])
    }

    func testFingerprintFollowsTheFileList() throws {
        let (root, _, _) = try folder()
        let first = try source(root).fingerprint()
        XCTAssertEqual(first.count, 64)
        XCTAssertEqual(try source(root).fingerprint(), first)
        try FileManager.default.removeItem(atPath: "\(root)/train/dog/00011.png")
        XCTAssertNotEqual(try source(root).fingerprint(), first)
    }

    func testAValFolderIsTheValidationSplit() throws {
        let (root, _, test) = try folder()
        try DataFiles.writeImageFolder(root: root, split: "val", classes: classes, images: test, labels: [0, 0, 1, 1, 2, 2],
                                       channels: 1, height: 8, width: 6)
        XCTAssertEqual(try source(root).describe(), DatasetInfo(sampleShape: [1, 8, 6], classes: classes, trainCount: 12,
                                                                testCount: 6, validationCount: 6))
        let splits = try source(root).loadSplits()
        XCTAssertEqual(splits.validation?.images, test)
        XCTAssertEqual(splits.validation?.labels, [0, 0, 1, 1, 2, 2])
        try FileManager.default.removeItem(atPath: "\(root)/val/cat")
        assertDataError("\(root)/val: classes differ from train/ (only in train: cat)") { try source(root).describe() }
    }

    /// Alpha is dropped and 16-bit samples keep their high byte, whatever the PNG's colour type.
    func testPNGColourTypesAndDepths() throws {
        let dir = try makeTemporaryFolder(self)
        let (h, w) = (3, 4)
        let rgb: [UInt8] = (0..<h * w * 3).map { UInt8($0 * 7 % 256) }
        let gray: [UInt8] = (0..<h * w).map { UInt8($0 * 19 % 256) }
        let rgbPlanes = DecodedImage(channels: 3, height: h, width: w, pixels: ImageDecoder.planes(rgb, channels: 3))
        let grayPlane = DecodedImage(channels: 1, height: h, width: w, pixels: gray)
        var rgba: [UInt8] = [], grayAlpha: [UInt8] = [], gray16: [UInt8] = [], rgb16: [UInt8] = []
        for p in 0..<h * w {
            rgba += [rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2], UInt8(p)]
            grayAlpha += [gray[p], 200]
            gray16 += [gray[p], 0xAB]
        }
        for v in rgb { rgb16 += [v, 0x7F] }
        let cases: [(name: String, samples: [UInt8], colorType: Int, depth: Int, expected: DecodedImage)] = [
            ("rgba", rgba, 6, 8, rgbPlanes), ("gray-alpha", grayAlpha, 4, 8, grayPlane),
            ("gray16", gray16, 0, 16, grayPlane), ("rgb16", rgb16, 2, 16, rgbPlanes),
        ]
        for c in cases {
            let path = "\(dir)/\(c.name).png"
            try writeRaw(try DataFiles.png(samples: c.samples, colorType: c.colorType, bitDepth: c.depth, height: h, width: w), to: path)
            XCTAssertEqual(try ImageDecoder.decode(try readRaw(path), path: path), c.expected, c.name)
        }
    }

    func testPalettesAndInterlacingDecodeToThePixelsTheyHold() throws {
        let dir = try makeTemporaryFolder(self)
        let (h, w) = (7, 9)  // not multiples of Adam7's 8×8 blocks
        let palette: [UInt8] = [0, 0, 0, 255, 0, 0, 10, 200, 30, 255, 255, 255]
        let indices: [UInt8] = (0..<h * w).map { UInt8(($0 * 5 + $0 / w) % 4) }
        var rgb: [UInt8] = []
        for i in indices { rgb += palette[Int(i) * 3 ..< Int(i) * 3 + 3] }
        let expected = DecodedImage(channels: 3, height: h, width: w, pixels: ImageDecoder.planes(rgb, channels: 3))
        for interlaced in [false, true] {
            let path = "\(dir)/palette-\(interlaced).png"
            try writeRaw(try DataFiles.png(indices: indices, palette: palette, interlaced: interlaced, height: h, width: w), to: path)
            XCTAssertEqual(try ImageDecoder.decode(try readRaw(path), path: path), expected, "palette, interlaced: \(interlaced)")
        }
        let gray: [UInt8] = (0..<h * w).map { UInt8($0 * 37 % 256) }
        let path = "\(dir)/gray-interlaced.png"
        try writeRaw(try DataFiles.png(indices: gray, palette: nil, interlaced: true, height: h, width: w), to: path)
        XCTAssertEqual(try ImageDecoder.decode(try readRaw(path), path: path), DecodedImage(channels: 1, height: h, width: w, pixels: gray))
    }

    func testACMYKJPEGIsRefusedNamingTheFile() throws {
        let dir = try makeTemporaryFolder(self)
        let path = "\(dir)/print.jpg"
        try writeRaw(try DataFiles.jpeg([UInt8](repeating: 90, count: 4 * 8 * 8), channels: 4, height: 8, width: 8), to: path)
        assertDataError("\(path): CMYK JPEG images are not supported (convert them to RGB)") {
            try ImageDecoder.decode(try readRaw(path), path: path)
        }
    }
}
