import Foundation
import Spec

/// NumPy arrays (`data.format: npz`): an `.npz` file (what `numpy.savez` or `savez_compressed`
/// writes), or a folder of `.npy` files, holding `x_train, y_train, x_test, y_test` and optionally
/// `x_val, y_val`.
///
/// Images (`x_*`) are uint8, or float32 in [0, 1] or [0, 255]: when the largest value of a float32
/// array is at most 1 the array is scaled by 255, otherwise it is taken as is; each value is then
/// rounded to the nearest byte (a float32 array with values below 0, above 255 or not finite is
/// refused). Layouts: `(N, H, W)` (one channel), `(N, H, W, C)` when the last dimension is 1 or 3,
/// else `(N, C, H, W)` when the second is 1 or 3. Labels (`y_*`) are `(N,)` or `(N, 1)` of any
/// integer type, in 0…255; the classes are `0 … max label` (named by their numbers).
public struct NPZSource: DatasetSource {
    public let path: String
    public let channels: Int?

    public init(path: String, channels: Int? = nil) {
        self.path = path
        self.channels = channels
    }

    static let required = ["x_train", "y_train", "x_test", "y_test"]
    static let optional = ["x_val", "y_val"]

    public func describe() throws -> DatasetInfo { try read().info }

    /// The CRC-32 of each file read (the npz, or the `.npy` files in key order).
    public func fingerprint() throws -> String { try files().map(FileBytes.crc32Hex(of:)).joined() }

    public func load() throws -> (train: ImageSet, test: ImageSet) {
        let sets = try read()
        return (sets.train, sets.test)
    }

    public func loadSplits() throws -> DatasetSplits {
        let sets = try read()
        return DatasetSplits(train: sets.train, test: sets.test, validation: sets.validation)
    }

    /// The files read: the npz, or the folder's `.npy` files in key order.
    private func files() throws -> [String] {
        if FileBytes.kind(path) == .directory {
            return (Self.required + Self.optional).map { npyPath($0) }.filter { FileBytes.kind($0) != .missing }
        }
        return [path]
    }

    private func npyPath(_ key: String) -> String { (path.hasSuffix("/") ? path : path + "/") + key + ".npy" }

    /// Every array of the npz (or folder), by key.
    private func arrays() throws -> [String: NPY.Array] {
        switch FileBytes.kind(path) {
        case .missing:
            throw DataError(keyPath: "data.path", path: path, "dataset not found (expected an .npz file or a folder of .npy files)")
        case .directory:
            var arrays: [String: NPY.Array] = [:]
            for key in Self.required + Self.optional where FileBytes.kind(npyPath(key)) != .missing {
                arrays[key] = try NPY.parse(try FileBytes.contents(of: npyPath(key)), name: npyPath(key))
            }
            return arrays
        case .file:
            let archive = try ZipArchive(path: path, bytes: try FileBytes.contents(of: path))
            var arrays: [String: NPY.Array] = [:]
            for (index, member) in archive.members.enumerated() where member.name.hasSuffix(".npy") {
                let key = String(member.name.dropLast(4))
                guard (Self.required + Self.optional).contains(key) else { continue }
                arrays[key] = try NPY.parse(try archive.contents(index), name: "\(path): \(key)")
            }
            return arrays
        }
    }

    /// Name of an array in messages: `/d/x.npz: x_train` or `/d/x_train.npy`.
    private func name(_ key: String) -> String { FileBytes.kind(path) == .directory ? npyPath(key) : "\(path): \(key)" }

    struct Sets {
        var info: DatasetInfo
        var train, test: ImageSet
        var validation: ImageSet?
    }

    private func read() throws -> Sets {
        let arrays = try arrays()
        let missing = Self.required.filter { arrays[$0] == nil }
        if !missing.isEmpty {
            let found = arrays.keys.sorted()
            throw DataError(path: path, "no \(missing.joined(separator: ", ")) array\(missing.count == 1 ? "" : "s") "
                            + "(expected x_train, y_train, x_test, y_test; found \(found.isEmpty ? "none" : found.joined(separator: ", ")))")
        }
        if (arrays["x_val"] == nil) != (arrays["y_val"] == nil) {
            throw DataError(path: path, arrays["x_val"] == nil ? "y_val without x_val" : "x_val without y_val")
        }
        var labels: [String: [Int]] = [:]
        var images: [String: ImageSet] = [:]
        for split in ["train", "test", "val"] {
            guard let x = arrays["x_" + split], let y = arrays["y_" + split] else { continue }
            let l = try readLabels(y, key: "y_" + split)
            images[split] = try readImages(x, key: "x_" + split, labels: l, labelsKey: "y_" + split)
            labels[split] = l
        }
        let train = images["train"]!
        for split in ["test", "val"] {
            if let other = images[split], other.sampleShape != train.sampleShape {
                throw DataError(path: name("x_" + split), "images are \(Self.shape(other.sampleShape)), but x_train's are \(Self.shape(train.sampleShape))")
            }
        }
        guard train.count > 0 else { throw DataError(path: name("x_train"), "holds no images") }
        let classes = (labels.values.flatMap { $0 }.max() ?? 0) + 1
        func converted(_ set: ImageSet) throws -> ImageSet {
            guard let target = channels else { return set }
            guard let out = set.converted(toChannels: target) else {
                throw DataError(keyPath: "data.channels", path: path, "cannot convert \(set.channels) channels to \(target)")
            }
            return out
        }
        let (trainSet, testSet) = (try converted(train), try converted(images["test"]!))
        let validation = try images["val"].map(converted)
        let info = DatasetInfo(sampleShape: trainSet.sampleShape, classes: (0..<classes).map(String.init),
                               trainCount: trainSet.count, testCount: testSet.count, validationCount: validation?.count)
        return Sets(info: info, train: trainSet, test: testSet, validation: validation)
    }

    static func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "×") }

    private func readLabels(_ y: NPY.Array, key: String) throws -> [Int] {
        guard y.dtype.isInteger || y.dtype == .bool else {
            throw DataError(path: name(key), "unsupported dtype '\(y.descr)' for labels (expected an integer type)")
        }
        guard y.shape.count == 1 || (y.shape.count == 2 && y.shape[1] == 1) else {
            throw DataError(path: name(key), "labels have shape \(NPY.describe(y.shape)), expected (N,) or (N, 1)")
        }
        let values = NPY.integers(y)
        if let bad = values.firstIndex(where: { $0 < 0 || $0 > 255 }) {
            throw DataError(path: name(key), "label \(values[bad]) at index \(bad) is outside 0…255")
        }
        return values
    }

    private func readImages(_ x: NPY.Array, key: String, labels: [Int], labelsKey: String) throws -> ImageSet {
        let layout = try Self.layout(x, name: name(key))
        guard labels.count == layout.count else {
            throw DataError(path: name(labelsKey), "\(labels.count) labels but \(key) has \(layout.count) images")
        }
        return try Self.images(x, name: name(key), labels: labels.map { UInt8($0) })
    }

    /// How an image array is laid out: (N, H, W), (N, H, W, C) or (N, C, H, W) with C 1 or 3.
    static func layout(_ x: NPY.Array, name: String) throws -> (count: Int, channels: Int, height: Int, width: Int, channelsLast: Bool) {
        guard x.dtype == .uint8 || x.dtype == .float32 else {
            throw DataError(path: name, "unsupported dtype '\(x.descr)' (expected uint8 '|u1' or float32 '<f4')")
        }
        let s = x.shape
        let layout: (count: Int, channels: Int, height: Int, width: Int, channelsLast: Bool)
        switch s.count {
        case 3: layout = (s[0], 1, s[1], s[2], false)
        case 4 where [1, 3].contains(s[3]): layout = (s[0], s[3], s[1], s[2], true)
        case 4 where [1, 3].contains(s[1]): layout = (s[0], s[1], s[2], s[3], false)
        default:
            throw DataError(path: name, "images have shape \(NPY.describe(s)), expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C 1 or 3")
        }
        guard layout.height > 0, layout.width > 0 else { throw DataError(path: name, "images have shape \(NPY.describe(s))") }
        return layout
    }

    /// The images of an array (see `layout`) as [N, C, H, W] bytes, with one label per image.
    static func images(_ x: NPY.Array, name: String, labels: [UInt8]) throws -> ImageSet {
        let (n, c, h, w, channelsLast) = try layout(x, name: name)
        precondition(labels.count == n, "one label per image")
        let bytes = try Self.bytes(x, name: name)
        let plane = h * w
        let pixels: [UInt8]
        if channelsLast && c > 1 {
            pixels = [UInt8](unsafeUninitializedCapacity: bytes.count) { dst, initialized in
                for i in 0..<n {
                    for p in 0..<plane {
                        for ch in 0..<c { dst[(i * c + ch) * plane + p] = bytes[(i * plane + p) * c + ch] }
                    }
                }
                initialized = bytes.count
            }
        } else {
            pixels = bytes
        }
        return ImageSet(images: pixels, labels: labels, count: n, channels: c, rows: h, cols: w)
    }

    /// The array's values as bytes in its own order (float32 by the rule in the type's comment).
    static func bytes(_ x: NPY.Array, name: String) throws -> [UInt8] {
        if x.dtype == .uint8 { return Swift.Array(x.bytes) }
        let n = x.count
        var floats = [Float](repeating: 0, count: n)
        x.bytes.withUnsafeBytes { raw in
            for i in 0..<n { floats[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        }
        var low = Float.infinity, high = -Float.infinity
        for v in floats {
            guard v.isFinite else { throw DataError(path: name, "float32 images hold a value that is not finite (\(v))") }
            low = min(low, v)
            high = max(high, v)
        }
        guard low >= 0, high <= 255 else {
            throw DataError(path: name, "float32 images range over \(low)…\(high), expected [0, 1] or [0, 255]")
        }
        let scale: Float = high <= 1 ? 255 : 1
        return floats.map { UInt8(($0 * scale).rounded()) }
    }
}
