import Foundation

/// Decoded pixels of an image folder kept in one file, so that a second load decodes nothing.
///
/// The file is `<folder>/image-folder-<key>.pixels`, `key` the SHA-256 of the dataset folder's
/// path and file list (relative paths, sizes, modification times): a changed, added or removed
/// image gives a new key. Layout: the magic `DDLPIX01`, the image count (UInt64), per image its
/// channels, height and width (UInt32 each), the CRC-32 of the pixels (UInt32), then every image's
/// [C, H, W] bytes in listing order; all little-endian. It is written atomically (a temporary
/// file renamed into place); a file that does not check out is ignored and rewritten, and a cache
/// folder that cannot be written only costs the next run its decoding time.
public struct PixelCache: Sendable {
    public let folder: String
    public let key: String

    public init(folder: String, key: String) {
        self.folder = folder
        self.key = key
    }

    /// `$XDG_CACHE_HOME/declarative-dl`, else `$HOME/.cache/declarative-dl`; nil when neither is set.
    public static var defaultFolder: String? {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/declarative-dl" }
        if let home = env["HOME"], !home.isEmpty { return home + "/.cache/declarative-dl" }
        return nil
    }

    public var path: String { folder + "/image-folder-\(key.prefix(32)).pixels" }

    static let magic = Array("DDLPIX01".utf8)

    /// The cached images, or nil when there is no valid cache file for `count` images.
    func read(count: Int) -> [DecodedImage]? {
        guard FileBytes.kind(path) == .file, let bytes = try? FileBytes.contents(of: path) else { return nil }
        var offset = 0
        func word32() -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            defer { offset += 4 }
            return (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        guard bytes.starts(with: Self.magic) else { return nil }
        offset = 8
        guard let low = word32(), let high = word32(), low | high << 32 == count else { return nil }
        var shapes: [(Int, Int, Int)] = []
        var total = 0
        for _ in 0..<count {
            guard let c = word32(), let h = word32(), let w = word32(), [1, 3].contains(c), h > 0, w > 0 else { return nil }
            shapes.append((c, h, w))
            total += c * h * w
        }
        guard let crc = word32(), bytes.count - offset == total, Self.crc(bytes[offset...]) == crc else { return nil }
        var images: [DecodedImage] = []
        images.reserveCapacity(count)
        for (c, h, w) in shapes {
            images.append(DecodedImage(channels: c, height: h, width: w, pixels: Array(bytes[offset..<offset + c * h * w])))
            offset += c * h * w
        }
        return images
    }

    /// Stores `images`; failures are ignored (the cache is an optimization).
    func write(_ images: [DecodedImage]) {
        var out = Self.magic
        func word32(_ v: Int) { for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) } }
        word32(images.count & 0xFFFF_FFFF)
        word32(images.count >> 32)
        for image in images {
            word32(image.channels)
            word32(image.height)
            word32(image.width)
        }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(images.reduce(0) { $0 + $1.pixels.count })
        for image in images { pixels += image.pixels }
        word32(Int(Self.crc(pixels[...])))
        out += pixels
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(out).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {}
    }

    static func crc(_ bytes: ArraySlice<UInt8>) -> Int { Int(FileBytes.crc32(bytes)) }
}
