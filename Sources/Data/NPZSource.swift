import CZlib
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

    /// Shape, classes and split sizes from the arrays' headers and labels (uint8 images are not read).
    public func describe() throws -> DatasetInfo { try read(pixels: false).info }

    /// The CRC-32 of each file read (the npz, or the `.npy` files in key order).
    public func fingerprint() throws -> String { try files().map(FileBytes.crc32Hex(of:)).joined() }

    public func load() throws -> (train: ImageSet, test: ImageSet) {
        let sets = try read().sets!
        return (sets.train, sets.test)
    }

    public func loadSplits() throws -> DatasetSplits {
        let sets = try read().sets!
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

    /// One array of the npz (or folder): its checked header and where its `.npy` bytes are — in
    /// the mapped npz or `.npy` file (read in place, a stored member's CRC-32 checked as it is
    /// read), or inflated into memory (a deflated member, CRC-checked by the archive).
    struct Member {
        var name: String
        /// The npz holding it (nil for a `.npy` file) and its key, for a corrupt member's message.
        var archive: String?
        var key: String
        var header: NPY.Header
        var file: FileBytes.Mapped?
        /// The `.npy` bytes' range in `file`.
        var range: Range<Int>
        var crc: UInt32?
        var inflated: [UInt8]?

        var descr: String { header.descr }
        var dtype: NPY.DType { header.dtype }
        var shape: [Int] { header.shape }

        /// The whole `.npy` bytes (header and data).
        func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            if let inflated { return try inflated.withUnsafeBytes(body) }
            return try body(UnsafeRawBufferPointer(rebasing: file!.bytes[range]))
        }

        /// Gives back the pages of `part` (offsets in the `.npy` bytes) once they are read.
        func release(_ part: Range<Int>) {
            file?.release((range.lowerBound + part.lowerBound)..<(range.lowerBound + part.upperBound))
        }

        /// The array in memory (labels: small), CRC-checked.
        func array() throws -> NPY.Array {
            let bytes = withBytes { [UInt8]($0) }
            if let crc, FileBytes.crc32(bytes[...]) != crc { throw corrupt() }
            return NPY.Array(descr: descr, dtype: dtype, shape: shape, bytes: bytes[header.dataStart...])
        }

        func corrupt() -> DataError {
            DataError(path: archive ?? name, "\(key).npy: zip member is corrupt (CRC-32 mismatch)")
        }
    }

    /// Every array of the npz (or folder), by key, headers parsed and checked; no pixel is read.
    private func arrays() throws -> [String: Member] {
        switch FileBytes.kind(path) {
        case .missing:
            throw DataError(keyPath: "data.path", path: path, "dataset not found (expected an .npz file or a folder of .npy files)")
        case .directory:
            var arrays: [String: Member] = [:]
            for key in Self.required + Self.optional where FileBytes.kind(npyPath(key)) != .missing {
                let file = try FileBytes.Mapped(path: npyPath(key))
                let header = try NPY.header(file.bytes, name: npyPath(key))
                arrays[key] = Member(name: npyPath(key), key: key, header: header, file: file, range: 0..<file.bytes.count)
            }
            return arrays
        case .file:
            let file = try FileBytes.Mapped(path: path)
            let archive = try ZipArchive(mapped: file)
            var arrays: [String: Member] = [:]
            for (index, member) in archive.members.enumerated() where member.name.hasSuffix(".npy") {
                let key = String(member.name.dropLast(4))
                guard (Self.required + Self.optional).contains(key) else { continue }
                let name = "\(path): \(key)"
                if let range = try archive.storedRange(index) {
                    let header = try NPY.header(UnsafeRawBufferPointer(rebasing: file.bytes[range]), name: name)
                    arrays[key] = Member(name: name, archive: path, key: key, header: header, file: file, range: range, crc: member.crc)
                } else {
                    let bytes = try archive.contents(index)
                    let header = try bytes.withUnsafeBytes { try NPY.header($0, name: name) }
                    arrays[key] = Member(name: name, archive: path, key: key, header: header, range: 0..<bytes.count, inflated: bytes)
                }
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

    /// Reads and checks every array. With `pixels` false the images are not read — only their
    /// headers (shape, dtype) and the labels — unless they are float32, whose values must be
    /// range-checked: `describe` costs no more than the labels for a uint8 dataset.
    private func read(pixels: Bool = true) throws -> (info: DatasetInfo, sets: Sets?) {
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
        let pixels = pixels || arrays.contains { $0.key.hasPrefix("x_") && $0.value.dtype == .float32 }
        var labels: [String: [Int]] = [:]
        var images: [String: ImageSet] = [:]
        var shapes: [String: (count: Int, sample: [Int])] = [:]
        for split in ["train", "test", "val"] {
            guard let x = arrays["x_" + split], let y = arrays["y_" + split] else { continue }
            let l = try readLabels(y.array(), key: "y_" + split)
            let layout = try Self.layout(dtype: x.dtype, descr: x.descr, shape: x.shape, name: name("x_" + split))
            guard l.count == layout.count else {
                throw DataError(path: name("y_" + split), "\(l.count) labels but x_\(split) has \(layout.count) images")
            }
            shapes[split] = (layout.count, [layout.channels, layout.height, layout.width])
            if pixels { images[split] = try readImages(x, layout: layout, key: "x_" + split, labels: l) }
            labels[split] = l
        }
        let train = shapes["train"]!
        for split in ["test", "val"] {
            if let other = shapes[split], other.sample != train.sample {
                throw DataError(path: name("x_" + split), "images are \(Self.shape(other.sample)), but x_train's are \(Self.shape(train.sample))")
            }
        }
        guard train.count > 0 else { throw DataError(path: name("x_train"), "holds no images") }
        let classes = (labels.values.flatMap { $0 }.max() ?? 0) + 1
        var sample = train.sample
        if let target = channels, target != sample[0] {
            guard [(1, 3), (3, 1)].contains(where: { $0 == (sample[0], target) }) else {
                throw DataError(keyPath: "data.channels", path: path, "cannot convert \(sample[0]) channels to \(target)")
            }
            sample[0] = target
        }
        let info = DatasetInfo(sampleShape: sample, classes: (0..<classes).map(String.init),
                               trainCount: train.count, testCount: shapes["test"]!.count, validationCount: shapes["val"]?.count)
        guard pixels else { return (info, nil) }
        func converted(_ set: ImageSet) -> ImageSet { channels.flatMap { set.converted(toChannels: $0) } ?? set }
        return (info, Sets(info: info, train: converted(images["train"]!), test: converted(images["test"]!),
                           validation: images["val"].map(converted)))
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

    /// The images of `x` (laid out as `layout`), read in place: the mapped pages given back as
    /// they are copied, a stored member's CRC-32 summed on the way.
    private func readImages(_ x: Member, layout: Layout,
                            key: String, labels: [Int]) throws -> ImageSet {
        let pixels = try x.withBytes { npy -> [UInt8] in
            // A stored member's CRC-32 covers its header too; the data is summed as it is read.
            var crc = x.crc.map { _ in FileBytes.crc32(UInt(CZlib.crc32(0, nil, 0)), UnsafeRawBufferPointer(rebasing: npy[..<x.header.dataStart])) }
            let data = UnsafeRawBufferPointer(rebasing: npy[x.header.dataStart...])
            let start = x.header.dataStart
            let out = try Self.pixels(data, dtype: x.dtype, layout: layout, name: name(key)) { part, pass in
                if pass == 0, let sum = crc { crc = FileBytes.crc32(sum, UnsafeRawBufferPointer(rebasing: data[part])) }
                x.release((start + part.lowerBound)..<(start + part.upperBound))
            }
            if let expected = x.crc, let sum = crc, UInt32(truncatingIfNeeded: sum) != expected { throw x.corrupt() }
            return out
        }
        return ImageSet(images: pixels, labels: labels.map { UInt8($0) }, count: layout.count, channels: layout.channels,
                        rows: layout.height, cols: layout.width)
    }

    /// An image array's count and geometry, and whether its channels come last.
    typealias Layout = (count: Int, channels: Int, height: Int, width: Int, channelsLast: Bool)

    /// How an image array is laid out: (N, H, W), (N, H, W, C) or (N, C, H, W) with C 1 or 3.
    static func layout(_ x: NPY.Array, name: String) throws -> Layout {
        try layout(dtype: x.dtype, descr: x.descr, shape: x.shape, name: name)
    }

    static func layout(dtype: NPY.DType, descr: String, shape s: [Int], name: String) throws
        -> Layout {
        guard dtype == .uint8 || dtype == .float32 else {
            throw DataError(path: name, "unsupported dtype '\(descr)' (expected uint8 '|u1' or float32 '<f4')")
        }
        let layout: Layout
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
        let layout = try layout(x, name: name)
        precondition(labels.count == layout.count, "one label per image")
        let pixels = try x.bytes.withUnsafeBytes { try Self.pixels($0, dtype: x.dtype, layout: layout, name: name) { _, _ in } }
        return ImageSet(images: pixels, labels: labels, count: layout.count, channels: layout.channels,
                        rows: layout.height, cols: layout.width)
    }

    /// An image array's data bytes as [N, C, H, W] bytes (float32 by the rule in the type's
    /// comment), read in chunks of about 4 MiB of images: `done(range, pass)` is called for
    /// each chunk of `data` once it is read — once per pass; float32 makes two passes, the first
    /// finding the range of the values — so a mapped file's pages can be given back as they go.
    static func pixels(_ data: UnsafeRawBufferPointer, dtype: NPY.DType,
                       layout: Layout,
                       name: String, done: (Range<Int>, Int) -> Void) throws -> [UInt8] {
        let (n, c, plane) = (layout.count, layout.channels, layout.height * layout.width)
        let size = dtype.size, image = c * plane
        let chunk = max(1, (1 << 22) / max(image * size, 1))
        var scale: Float = 1
        if dtype == .float32 {
            var low = Float.infinity, high = -Float.infinity
            for first in stride(from: 0, to: n, by: chunk) {
                let range = (first * image * 4)..<(min(n, first + chunk) * image * 4)
                for at in stride(from: range.lowerBound, to: range.upperBound, by: 4) {
                    let v = Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                    guard v.isFinite else { throw DataError(path: name, "float32 images hold a value that is not finite (\(v))") }
                    low = min(low, v)
                    high = max(high, v)
                }
                done(range, 0)
            }
            guard n == 0 || (low >= 0 && high <= 255) else {
                throw DataError(path: name, "float32 images range over \(low)…\(high), expected [0, 1] or [0, 255]")
            }
            scale = high <= 1 ? 255 : 1
        }
        let pass = dtype == .float32 ? 1 : 0
        return [UInt8](unsafeUninitializedCapacity: n * image) { dst, initialized in
            @inline(__always) func value(_ k: Int) -> UInt8 {
                if dtype == .uint8 { return data[k] }
                let v = Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                return UInt8((v * scale).rounded())
            }
            for first in stride(from: 0, to: n, by: chunk) {
                let last = min(n, first + chunk)
                if layout.channelsLast && c > 1 {
                    for i in first..<last {
                        for p in 0..<plane {
                            for ch in 0..<c { dst[(i * c + ch) * plane + p] = value((i * plane + p) * c + ch) }
                        }
                    }
                } else if dtype == .uint8 {
                    UnsafeMutableRawBufferPointer(start: dst.baseAddress! + first * image, count: (last - first) * image)
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: data[(first * image)..<(last * image)]))
                } else {
                    for k in (first * image)..<(last * image) { dst[k] = value(k) }
                }
                done((first * image * size)..<(last * image * size), pass)
            }
            initialized = n * image
        }
    }
}
