#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Spec

/// A folder of images (`data.format: image_folder`): `train/<class>/*.png|jpg|jpeg`,
/// `test/<class>/…`, and optionally `val/<class>/…`.
///
/// Classes are the sorted names of train's class folders, and test (and val) must have the same
/// set; samples are ordered by class, then by file name (torchvision's `ImageFolder` order).
/// Hidden entries (names starting with `.`) are ignored; any other file that is not `.png`,
/// `.jpg` or `.jpeg` is refused, as are empty class folders. Decoding goes through libpng and
/// libjpeg-turbo; the decoded pixels are kept in one file of the cache folder (`PixelCache`),
/// keyed by the file list with sizes and modification times, so a second load decodes nothing.
public struct ImageFolderSource: DatasetSource {
    public let folder: String
    /// Convert every image to this many channels; nil: the images' own (which must then agree).
    public let channels: Int?
    /// The resize the experiment applies: only with one may images differ in size (they are
    /// resized on load, then).
    public let resize: Int?
    /// Where decoded pixels are cached; nil disables the cache.
    public let cacheFolder: String?

    public init(folder: String, channels: Int? = nil, resize: Int? = nil, cacheFolder: String? = PixelCache.defaultFolder) {
        self.folder = folder.hasSuffix("/") && folder.count > 1 ? String(folder.dropLast()) : folder
        self.channels = channels
        self.resize = resize
        self.cacheFolder = cacheFolder
    }

    static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    static let splits = ["train", "test", "val"]

    /// One image file: its split, class, path relative to the folder, size and modification time.
    struct Entry: Sendable {
        var split: String
        var label: Int
        var relativePath: String
        var size: Int
        var mtime: Int  // nanoseconds
    }

    struct Listing: Sendable {
        var classes: [String]
        var entries: [Entry]

        /// The text the cache key and the fingerprint are hashed from.
        var text: String {
            entries.map { "\($0.relativePath)\t\($0.size)\t\($0.mtime)\n" }.joined()
        }
    }

    public func describe() throws -> DatasetInfo {
        let sets = try sets()
        return DatasetInfo(sampleShape: sets.train.sampleShape, classes: sets.classes,
                           trainCount: sets.train.count, testCount: sets.test.count, validationCount: sets.validation?.count)
    }

    /// SHA-256 of the file list (relative paths, sizes, modification times).
    public func fingerprint() throws -> String { SHA256.hex(try list().text) }

    public func load() throws -> (train: ImageSet, test: ImageSet) {
        let sets = try sets()
        return (sets.train, sets.test)
    }

    public func loadSplits() throws -> DatasetSplits {
        let sets = try sets()
        return DatasetSplits(train: sets.train, test: sets.test, validation: sets.validation)
    }

    // MARK: - Listing

    func list() throws -> Listing {
        guard FileBytes.kind(folder) == .directory else {
            throw DataError(keyPath: "data.path", path: folder, "dataset folder not found")
        }
        var classes: [String] = []
        var entries: [Entry] = []
        for split in Self.splits {
            let splitPath = folder + "/" + split
            guard FileBytes.kind(splitPath) == .directory else {
                if split == "val" { continue }
                throw DataError(path: splitPath, "folder not found (an image folder holds train/<class>/ and test/<class>/)")
            }
            let names = try Self.visibleNames(splitPath)
            for name in names where FileBytes.kind(splitPath + "/" + name) != .directory {
                throw DataError(path: splitPath + "/" + name, "not a class folder (\(split)/ holds one folder per class)")
            }
            if split == "train" {
                guard !names.isEmpty else { throw DataError(path: splitPath, "holds no class folders") }
                classes = names
            } else if names != classes {
                let only = { (a: [String], b: [String]) in a.filter { !b.contains($0) }.joined(separator: ", ") }
                let onlyTrain = only(classes, names), onlySplit = only(names, classes)
                throw DataError(path: splitPath, "classes differ from train/ ("
                                + [onlyTrain.isEmpty ? nil : "only in train: \(onlyTrain)",
                                   onlySplit.isEmpty ? nil : "only in \(split): \(onlySplit)"].compactMap { $0 }.joined(separator: "; ") + ")")
            }
            for (label, name) in names.enumerated() {
                let classPath = splitPath + "/" + name
                let files = try Self.visibleNames(classPath)
                guard !files.isEmpty else { throw DataError(path: classPath, "empty class folder (no .png, .jpg or .jpeg images)") }
                for file in files {
                    let path = classPath + "/" + file
                    let ext = file.utf8.lastIndex(of: UInt8(ascii: ".")).map { file[file.index(after: $0)...].lowercased() }
                    guard let ext, Self.extensions.contains(ext) else {
                        throw DataError(path: path, "not a .png, .jpg or .jpeg file (class folders hold only images)")
                    }
                    var st = stat()
                    guard stat(path, &st) == 0 else { throw DataError(path: path, FileBytes.describe(errno: errno)) }
                    guard (st.st_mode & S_IFMT) == S_IFREG else { throw DataError(path: path, "is not a regular file") }
                    entries.append(Entry(split: split, label: label, relativePath: "\(split)/\(name)/\(file)", size: Int(st.st_size),
                                         mtime: Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec)))
                }
            }
        }
        guard classes.count <= 256 else { throw DataError(path: folder + "/train", "has \(classes.count) classes, at most 256 are supported") }
        return Listing(classes: classes, entries: entries)
    }

    /// Names in `folder` that do not start with a dot, sorted.
    static func visibleNames(_ folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw DataError(path: folder, "cannot list the folder")
        }
    }

    // MARK: - Decoding

    /// Every listed image decoded (from the cache when it is up to date), in listing order.
    func decodeAll(_ listing: Listing) throws -> [DecodedImage] {
        let cache = cacheFolder.map { PixelCache(folder: $0, key: SHA256.hex(folder + "\n" + listing.text)) }
        if let cached = cache?.read(count: listing.entries.count) { return cached }
        let entries = listing.entries
        let slots = Slots<Result<DecodedImage, DataError>>(count: entries.count)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for i in stride(from: worker, to: entries.count, by: workers) {
                let path = folder + "/" + entries[i].relativePath
                do {
                    slots.store(.success(try ImageDecoder.decode(try FileBytes.contents(of: path), path: path)), at: i)
                } catch let error as DataError {
                    slots.store(.failure(error), at: i)
                } catch {
                    slots.store(.failure(DataError(path: path, "\(error)")), at: i)
                }
            }
        }
        // The first failure in listing order, whichever worker met it first.
        let decoded = try slots.values.map { try $0.get() }
        cache?.write(decoded)
        return decoded
    }

    // MARK: - Assembly

    struct Sets {
        var classes: [String]
        var train, test: ImageSet
        var validation: ImageSet?
    }

    /// The splits as image sets: channels converted, sizes checked (or resized when `resize` is set).
    func sets() throws -> Sets {
        let listing = try list()
        var images = try decodeAll(listing)
        let entries = listing.entries
        let target: Int
        if let channels {
            target = channels
        } else if let first = images.first, let other = images.firstIndex(where: { $0.channels != first.channels }) {
            throw DataError(keyPath: "data.channels", path: path(entries[other]),
                            "has \(images[other].channels) channel\(images[other].channels == 1 ? "" : "s") but "
                            + "\(path(entries[0])) has \(first.channels); set data.channels to 1 or 3")
        } else {
            target = images.first?.channels ?? 1
        }
        let first = images[0]
        if let other = images.firstIndex(where: { $0.height != first.height || $0.width != first.width }) {
            guard let resize else {
                throw DataError(keyPath: "data.resize", path: path(entries[other]),
                                "image is \(images[other].width)×\(images[other].height) but \(path(entries[0])) is "
                                + "\(first.width)×\(first.height); images of different sizes need data.resize")
            }
            for i in images.indices { images[i] = Self.resized(images[i], toHeight: resize, width: resize) }
        }
        func set(_ split: String) -> ImageSet? {
            let members = entries.indices.filter { entries[$0].split == split }
            guard !members.isEmpty else { return nil }
            let (h, w) = (images[members[0]].height, images[members[0]].width)
            var pixels: [UInt8] = []
            pixels.reserveCapacity(members.count * target * h * w)
            for i in members { pixels += ImageDecoder.converted(images[i], toChannels: target).pixels }
            return ImageSet(images: pixels, labels: members.map { UInt8(entries[$0].label) }, count: members.count,
                            channels: target, rows: h, cols: w)
        }
        return Sets(classes: listing.classes, train: set("train")!, test: set("test")!, validation: set("val"))
    }

    private func path(_ entry: Entry) -> String { folder + "/" + entry.relativePath }

    /// Pillow-exact bilinear resize of every channel to `height`×`width`.
    static func resized(_ image: DecodedImage, toHeight height: Int, width: Int) -> DecodedImage {
        if image.height == height && image.width == width { return image }
        let resampler = BilinearResample(inWidth: image.width, inHeight: image.height, outWidth: width, outHeight: height)
        var out = DecodedImage(channels: image.channels, height: height, width: width,
                               pixels: [UInt8](repeating: 0, count: image.channels * height * width))
        var scratch = [UInt8](repeating: 0, count: max(resampler.scratchCount, 1))
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    for c in 0..<image.channels {
                        resampler.resample(src.baseAddress! + c * image.height * image.width,
                                           into: dst.baseAddress! + c * height * width, dstRowStride: width,
                                           scratch: scratch.baseAddress!)
                    }
                }
            }
        }
        return out
    }
}

/// One result per index, written by concurrent workers at disjoint indices, read when all are done.
private final class Slots<T>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<T?>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func store(_ value: T, at index: Int) { storage[index] = value }
    var values: [T] { (0..<count).map { storage[$0]! } }
}
