import CImageCodec
import CZlib
import Foundation

/// Real data files for tests: PNG and JPEG encoded by libpng and libjpeg-turbo, NPY arrays and
/// npz archives (stored or deflated by zlib), image folders.
public enum DataFiles {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// [C, H, W] planes → [H, W, C] interleaved.
    static func interleaved(_ planes: [UInt8], channels c: Int) -> [UInt8] {
        let plane = planes.count / c
        var out = [UInt8](repeating: 0, count: planes.count)
        for p in 0..<plane { for ch in 0..<c { out[p * c + ch] = planes[ch * plane + p] } }
        return out
    }

    /// A PNG of `planes` ([channels, height, width], channels 1 or 3).
    public static func png(_ planes: [UInt8], channels: Int, height: Int, width: Int) throws -> [UInt8] {
        try encode(planes, channels: channels) { pixels, out, size, error in
            imagecodec_png_encode(pixels, Int32(width), Int32(height), Int32(channels), out, size, error)
        }
    }

    /// A PNG of samples in PNG layout (rows of interleaved samples, 16-bit ones big-endian) with
    /// PNG colour type `colorType` (0 gray, 2 RGB, 4 gray + alpha, 6 RGBA) and depth 8 or 16.
    public static func png(samples: [UInt8], colorType: Int, bitDepth: Int, height: Int, width: Int) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var error = [CChar](repeating: 0, count: Int(IMAGECODEC_ERROR_SIZE))
        let status = samples.withUnsafeBufferPointer {
            imagecodec_png_encode_samples($0.baseAddress!, Int32(width), Int32(height), Int32(colorType), Int32(bitDepth), &out, &size, &error)
        }
        guard status == 0, let out else {
            throw Failure(description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { imagecodec_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// A palette PNG (colour type 3) of 8-bit `indices` (row-major) into `palette` (RGB triples),
    /// optionally Adam7-interlaced; or, with `palette` nil, an 8-bit gray PNG of `indices` as pixels.
    public static func png(indices: [UInt8], palette: [UInt8]?, interlaced: Bool, height: Int, width: Int) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var error = [CChar](repeating: 0, count: Int(IMAGECODEC_ERROR_SIZE))
        let colors = palette ?? [0]
        let status = indices.withUnsafeBufferPointer { rows in
            colors.withUnsafeBufferPointer { p in
                imagecodec_png_encode_full(rows.baseAddress!, Int32(width), Int32(height), palette == nil ? 0 : 3, 8,
                                           palette == nil ? nil : p.baseAddress!, Int32(colors.count / 3),
                                           interlaced ? 1 : 0, &out, &size, &error)
            }
        }
        guard status == 0, let out else {
            throw Failure(description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { imagecodec_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// A baseline JPEG of `planes` ([channels, height, width]; 4 channels: CMYK).
    public static func jpeg(_ planes: [UInt8], channels: Int, height: Int, width: Int, quality: Int = 95) throws -> [UInt8] {
        try encode(planes, channels: channels) { pixels, out, size, error in
            imagecodec_jpeg_encode(pixels, Int32(width), Int32(height), Int32(channels), Int32(quality), out, size, error)
        }
    }

    private static func encode(_ planes: [UInt8], channels: Int,
                               _ body: (UnsafePointer<UInt8>, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
                                        UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>) -> Int32) throws -> [UInt8] {
        let pixels = interleaved(planes, channels: channels)
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var error = [CChar](repeating: 0, count: Int(IMAGECODEC_ERROR_SIZE))
        let status = pixels.withUnsafeBufferPointer { body($0.baseAddress!, &out, &size, &error) }
        guard status == 0, let out else {
            throw Failure(description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { imagecodec_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// An NPY version 1 file: magic, header dict padded to a multiple of 64 bytes, payload.
    public static func npy(descr: String, shape: [Int], payload: [UInt8], fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let prefix = version == 1 ? 10 : 12
        while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let n = header.utf8.count
        out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
        return out + Array(header.utf8) + payload
    }

    /// Little-endian float32 bytes.
    public static func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    /// Little-endian int64 bytes.
    public static func int64(_ values: [Int]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: Int64(v).littleEndian) { Array($0) } }
    }

    /// A zip archive of `members` (name → bytes), stored or deflated, as numpy's savez and
    /// savez_compressed write them.
    public static func zip(_ members: [(name: String, bytes: [UInt8])], compressed: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        func u16(_ v: Int, _ into: inout [UInt8]) { into += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int, _ into: inout [UInt8]) { u16(v & 0xFFFF, &into); u16(v >> 16 & 0xFFFF, &into) }
        for (name, bytes) in members {
            let data = compressed ? deflateRaw(bytes) : bytes
            let crc = Int(UInt32(truncatingIfNeeded: bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }))
            let offset = out.count
            let nameBytes = Array(name.utf8)
            var local: [UInt8] = [0x50, 0x4B, 3, 4]
            u16(20, &local); u16(0, &local); u16(compressed ? 8 : 0, &local); u16(0, &local); u16(0x21, &local)
            u32(crc, &local); u32(data.count, &local); u32(bytes.count, &local); u16(nameBytes.count, &local); u16(0, &local)
            out += local + nameBytes + data
            var entry: [UInt8] = [0x50, 0x4B, 1, 2]
            u16(20, &entry); u16(20, &entry); u16(0, &entry); u16(compressed ? 8 : 0, &entry); u16(0, &entry); u16(0x21, &entry)
            u32(crc, &entry); u32(data.count, &entry); u32(bytes.count, &entry); u16(nameBytes.count, &entry)
            u16(0, &entry); u16(0, &entry); u16(0, &entry); u16(0, &entry); u32(0, &entry); u32(offset, &entry)
            directory += entry + nameBytes
        }
        let start = out.count
        out += directory
        var end: [UInt8] = [0x50, 0x4B, 5, 6]
        u16(0, &end); u16(0, &end); u16(members.count, &end); u16(members.count, &end)
        u32(directory.count, &end); u32(start, &end); u16(0, &end)
        return out + end
    }

    /// A raw deflate stream (no zlib or gzip wrapper) of `bytes`.
    public static func deflateRaw(_ bytes: [UInt8]) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        deflateInit2_(stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(bytes.count))) + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                stream.pointee.next_in = src.baseAddress
                stream.pointee.avail_in = UInt32(src.count)
                stream.pointee.next_out = dst.baseAddress
                stream.pointee.avail_out = UInt32(dst.count)
                deflate(stream, Z_FINISH)
                return dst.count - Int(stream.pointee.avail_out)
            }
        }
        return Array(out.prefix(produced))
    }

    /// An npz of uint8 images ([n] + sampleShape, C order as given) and int64 labels per split
    /// (`train`, `test`, optionally `val`).
    public static func npz(_ splits: [(split: String, shape: [Int], images: [UInt8], labels: [Int])], compressed: Bool = false) -> [UInt8] {
        zip(splits.flatMap { s in [
            ("x_\(s.split).npy", npy(descr: "|u1", shape: s.shape, payload: s.images)),
            ("y_\(s.split).npy", npy(descr: "<i8", shape: [s.labels.count], payload: int64(s.labels))),
        ] }.map { (name: $0.0, bytes: $0.1) }, compressed: compressed)
    }

    /// Writes an image folder: `<root>/<split>/<class>/<index>.png` (zero-padded index, so file
    /// order is sample order within a class). `images` holds [count, C, H, W].
    public static func writeImageFolder(root: String, split: String, classes: [String], images: [UInt8], labels: [Int],
                                        channels: Int, height: Int, width: Int, jpeg: Bool = false) throws {
        let size = channels * height * width
        for (i, label) in labels.enumerated() {
            let folder = "\(root)/\(split)/\(classes[label])"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let planes = Array(images[i * size ..< (i + 1) * size])
            let bytes = jpeg ? try self.jpeg(planes, channels: channels, height: height, width: width)
                             : try png(planes, channels: channels, height: height, width: width)
            let name = String(repeating: "0", count: max(0, 5 - String(i).count)) + String(i) + (jpeg ? ".jpg" : ".png")
            try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
        }
    }
}
