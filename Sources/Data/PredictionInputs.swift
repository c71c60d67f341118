/// Samples to classify with a trained network (`runner predict`): image files and NumPy arrays
/// read through the same decoders as the training data and brought to the network's input
/// geometry the way the training images were.
///
/// The geometry rule is the training pipeline's: each image is converted to the dataset's channel
/// count (gray → RGB repeats the plane, RGB → gray is Pillow's luma), resized Pillow-exactly to
/// `resize`×`resize` when the experiment resizes (from whatever size it has, as an image folder
/// with `resize` does), otherwise it must have the dataset's own size; then it is zero-padded by
/// `pad`. Every problem is a `DataError` naming the file.
public enum PredictionInputs {
    /// What the network was trained on: the dataset's sample size before `resize` and `pad`.
    public struct Geometry: Sendable, Equatable {
        public var channels, height, width: Int
        public var resize: Int?
        public var pad: Int

        public init(channels: Int, height: Int, width: Int, resize: Int?, pad: Int) {
            (self.channels, self.height, self.width, self.resize, self.pad) = (channels, height, width, resize, pad)
        }

        /// The network's input: `[C, (resize ?? H) + 2·pad, (resize ?? W) + 2·pad]`.
        public var inputShape: [Int] { [channels, (resize ?? height) + 2 * pad, (resize ?? width) + 2 * pad] }
    }

    /// One input sample's name in answers: the file, or `file[i]` for the i-th image of an array.
    public struct Loaded: Sendable {
        public var names: [String]
        /// [count] + geometry.inputShape, uint8, labels all 0.
        public var images: ImageSet
    }

    /// Reads every input: PNG and JPEG files (by signature), `.npy` arrays and `.npz` archives
    /// (the array named `array`, else `x`, else `x_test`, else the only one), in the given order.
    public static func load(_ paths: [String], geometry: Geometry, array: String? = nil) throws -> Loaded {
        var names: [String] = []
        var pixels: [UInt8] = []
        for path in paths {
            for (name, image) in try read(path, array: array) {
                let fitted = try fit(image, geometry: geometry, name: name)
                names.append(name)
                pixels += fitted.pixels
            }
        }
        let shape = geometry.inputShape
        let set = ImageSet(images: pixels, labels: [UInt8](repeating: 0, count: names.count), count: names.count,
                           channels: shape[0], rows: shape[1], cols: shape[2])
        return Loaded(names: names, images: set)
    }

    /// The images one file holds, each named for answers.
    static func read(_ path: String, array: String?) throws -> [(String, DecodedImage)] {
        let bytes = try FileBytes.contents(of: path)
        if bytes.starts(with: NPY.magic) {
            return try arrayImages(NPY.parse(bytes, name: path), name: path)
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || bytes.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            let archive = try ZipArchive(mapped: FileBytes.Mapped(path: path))
            let keys = archive.members.map(\.name).filter { $0.hasSuffix(".npy") }.map { String($0.dropLast(4)) }
            let key: String
            if let array {
                guard keys.contains(array) else {
                    throw DataError(path: path, "no array '\(array)' (found \(keys.isEmpty ? "none" : keys.joined(separator: ", ")))")
                }
                key = array
            } else if let preferred = ["x", "x_test"].first(where: keys.contains) {
                key = preferred
            } else if keys.count == 1 {
                key = keys[0]
            } else {
                throw DataError(path: path, "holds \(keys.isEmpty ? "no arrays" : "the arrays \(keys.joined(separator: ", "))"); "
                                + "name the images with --array (expected one of them, or one named x or x_test)")
            }
            let index = archive.members.firstIndex { $0.name == key + ".npy" }!
            return try arrayImages(NPY.parse(try archive.contents(index), name: "\(path): \(key)"), name: "\(path): \(key)")
        }
        return [(path, try ImageDecoder.decode(bytes, path: path))]
    }

    /// An array of images in any layout the npz source reads — (N, H, W), (N, H, W, C), (N, C, H, W) —
    /// or one image without the batch axis: (H, W), or (H, W, C) with C 1 or 3.
    private static func arrayImages(_ x: NPY.Array, name: String) throws -> [(String, DecodedImage)] {
        var x = x
        if x.shape.count == 2 || (x.shape.count == 3 && [1, 3].contains(x.shape[2])) {
            x.shape = [1] + x.shape
        }
        let layout = try NPZSource.layout(x, name: name)
        let set = try NPZSource.images(x, name: name, labels: [UInt8](repeating: 0, count: layout.count))
        let size = set.channels * set.rows * set.cols
        return (0..<set.count).map { i in
            ("\(name)[\(i)]", DecodedImage(channels: set.channels, height: set.rows, width: set.cols,
                                           pixels: Array(set.images[i * size ..< (i + 1) * size])))
        }
    }

    /// The image in the training geometry: channels converted, resized or size-checked, padded.
    static func fit(_ image: DecodedImage, geometry g: Geometry, name: String) throws -> DecodedImage {
        var image = ImageDecoder.converted(image, toChannels: g.channels)
        if let resize = g.resize {
            image = ImageFolderSource.resized(image, toHeight: resize, width: resize)
        } else if image.height != g.height || image.width != g.width {
            throw DataError(path: name, "image is \(image.width)×\(image.height), but the network was trained on "
                            + "\(g.width)×\(g.height) images without data.resize")
        }
        guard g.pad > 0 else { return image }
        let (h, w) = (image.height + 2 * g.pad, image.width + 2 * g.pad)
        var padded = DecodedImage(channels: image.channels, height: h, width: w,
                                  pixels: [UInt8](repeating: 0, count: image.channels * h * w))
        for c in 0..<image.channels {
            for y in 0..<image.height {
                let from = (c * image.height + y) * image.width
                let to = (c * h + y + g.pad) * w + g.pad
                padded.pixels.replaceSubrange(to ..< to + image.width, with: image.pixels[from ..< from + image.width])
            }
        }
        return padded
    }
}
