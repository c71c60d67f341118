import CImageCodec

/// One decoded image: its own channel count (1 gray, 3 RGB), size, and pixels as planes.
struct DecodedImage: Sendable, Equatable {
    var channels, height, width: Int
    /// [channels, height, width]
    var pixels: [UInt8]
}

/// PNG and JPEG decoding through libpng and libjpeg-turbo (`CImageCodec`), chosen by the file's
/// signature. A corrupt, truncated or unsupported file is a `DataError` naming it.
enum ImageDecoder {
    /// Decodes the PNG or JPEG bytes of `path`.
    static func decode(_ bytes: [UInt8], path: String) throws -> DecodedImage {
        let isPNG = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47])
        let isJPEG = bytes.starts(with: [0xFF, 0xD8])
        guard isPNG || isJPEG else { throw DataError(path: path, "not a PNG or JPEG image") }
        let kind = isPNG ? "PNG" : "JPEG"
        var message = [CChar](repeating: 0, count: Int(IMAGECODEC_ERROR_SIZE))
        var info = imagecodec_info()
        let fail = { () -> DataError in
            DataError(path: path, "corrupt \(kind) image (\(isPNG ? "libpng" : "libjpeg"): \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))")
        }
        let headerStatus = bytes.withUnsafeBufferPointer { b in
            isPNG ? imagecodec_png_info(b.baseAddress, b.count, &info, &message)
                  : imagecodec_jpeg_info(b.baseAddress, b.count, &info, &message)
        }
        if headerStatus == IMAGECODEC_UNSUPPORTED {
            throw DataError(path: path, String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        guard headerStatus == 0 else { throw fail() }
        let (w, h, c) = (Int(info.width), Int(info.height), Int(info.channels))
        guard w > 0, h > 0, [1, 3].contains(c) else { throw DataError(path: path, "\(kind) image of \(w)×\(h)×\(c) is not supported") }
        let (count, overflow) = (w * h).multipliedReportingOverflow(by: c)
        guard !overflow, count <= 1 << 30 else { throw DataError(path: path, "\(kind) image of \(w)×\(h) is too large") }
        var interleaved = [UInt8](repeating: 0, count: count)
        let status = bytes.withUnsafeBufferPointer { b in
            interleaved.withUnsafeMutableBufferPointer { out in
                isPNG ? imagecodec_png_decode(b.baseAddress, b.count, &info, out.baseAddress, &message)
                      : imagecodec_jpeg_decode(b.baseAddress, b.count, &info, out.baseAddress, &message)
            }
        }
        guard status == 0 else { throw fail() }
        return DecodedImage(channels: c, height: h, width: w, pixels: c == 1 ? interleaved : planes(interleaved, channels: c))
    }

    /// [h, w, c] interleaved → [c, h, w] planes.
    static func planes(_ interleaved: [UInt8], channels c: Int) -> [UInt8] {
        let plane = interleaved.count / c
        return [UInt8](unsafeUninitializedCapacity: interleaved.count) { dst, initialized in
            interleaved.withUnsafeBufferPointer { src in
                for p in 0..<plane { for ch in 0..<c { dst[ch * plane + p] = src[p * c + ch] } }
            }
            initialized = interleaved.count
        }
    }

    /// The image with `target` channels (1 or 3): gray → RGB repeats the plane, RGB → gray is
    /// Pillow's luma (`ImageSet.luma`).
    static func converted(_ image: DecodedImage, toChannels target: Int) -> DecodedImage {
        if image.channels == target { return image }
        let plane = image.height * image.width
        var out = image
        out.channels = target
        if target == 3 {
            out.pixels = image.pixels + image.pixels + image.pixels
        } else {
            out.pixels = (0..<plane).map { p in
                ImageSet.luma(image.pixels[p], image.pixels[plane + p], image.pixels[2 * plane + p])
            }
        }
        return out
    }
}
