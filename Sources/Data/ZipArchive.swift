import CZlib

/// Reads the members of a zip archive mapped from its file (what `numpy.savez` and
/// `savez_compressed` write): the end-of-central-directory record (and its zip64 form), the central directory, and
/// each member stored or deflated (inflated by zlib). Encrypted, multi-disk and other compression
/// methods are refused; every problem is a `DataError` naming the file.
struct ZipArchive {
    let path: String
    /// The mapped file's bytes.
    var bytes: UnsafeRawBufferPointer { file.bytes }
    /// The mapping: only what is read becomes resident, and a range read can be given back.
    let file: FileBytes.Mapped
    /// Member name → (offset of its local header, compressed size, uncompressed size, method, CRC-32).
    private(set) var members: [(name: String, offset: Int, compressed: Int, size: Int, method: Int, crc: UInt32)] = []

    init(mapped file: FileBytes.Mapped) throws {
        (self.path, self.file) = (file.path, file)
        try readDirectory()
    }

    private func fail(_ message: String) -> DataError { DataError(path: path, message) }

    private func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    private func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    private func u64(_ at: Int) -> Int { u32(at) | u32(at + 4) << 32 }

    private mutating func readDirectory() throws {
        // The end-of-central-directory record: the last 22 bytes plus at most a 65,535-byte comment.
        guard bytes.count >= 22 else { throw fail("not a zip archive (an .npz is one): too short") }
        var eocd = -1
        for at in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        where bytes[at] == 0x50 && bytes[at + 1] == 0x4B && bytes[at + 2] == 5 && bytes[at + 3] == 6 {
            eocd = at
            break
        }
        guard eocd >= 0 else { throw fail("not a zip archive (an .npz is one): no end of central directory") }
        var count = u16(eocd + 10), directorySize = u32(eocd + 12), directory = u32(eocd + 16)
        if count == 0xFFFF || directory == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
            // zip64: a locator just before the record points at the zip64 record.
            let locator = eocd - 20
            guard locator >= 0, u32(locator) == 0x0706_4B50 else { throw fail("zip64 archive without its locator") }
            let record = u64(locator + 8)
            guard record >= 0, record + 56 <= bytes.count, u32(record) == 0x0606_4B50 else { throw fail("damaged zip64 record") }
            (count, directorySize, directory) = (u64(record + 32), u64(record + 40), u64(record + 48))
        }
        guard directory >= 0, directorySize >= 0, directory + directorySize <= bytes.count else {
            throw fail("damaged zip archive: central directory outside the file")
        }
        var at = directory
        for _ in 0..<count {
            guard at + 46 <= bytes.count, u32(at) == 0x0201_4B50 else { throw fail("damaged zip archive: bad central directory entry") }
            let flags = u16(at + 8), method = u16(at + 10), crc = UInt32(u32(at + 16))
            var compressed = u32(at + 20), size = u32(at + 24)
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            var offset = u32(at + 42)
            guard at + 46 + nameLength + extraLength <= bytes.count else { throw fail("damaged zip archive: entry name outside the file") }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            guard flags & 1 == 0 else { throw fail("\(name): encrypted zip members are not supported") }
            // zip64 extra field (id 1): the 0xFFFFFFFF fields, in the order size, compressed, offset.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = u16(extra), length = u16(extra + 2)
                if id == 1 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF, field + 8 <= extraEnd { size = u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF, field + 8 <= extraEnd { compressed = u64(field); field += 8 }
                    if offset == 0xFFFF_FFFF, field + 8 <= extraEnd { offset = u64(field) }
                }
                extra += 4 + length
            }
            members.append((name, offset, compressed, size, method, crc))
            at = extraEnd + commentLength
        }
    }

    /// Where member `index`'s data lies in `bytes` (compressed, when it is deflated).
    private func dataRange(_ index: Int) throws -> Range<Int> {
        let m = members[index]
        guard m.offset >= 0, m.offset + 30 <= bytes.count, u32(m.offset) == 0x0403_4B50 else {
            throw fail("\(m.name): damaged zip member (no local header)")
        }
        let start = m.offset + 30 + u16(m.offset + 26) + u16(m.offset + 28)
        guard m.compressed >= 0, m.size >= 0, start + m.compressed <= bytes.count else {
            throw fail("\(m.name): zip member is truncated")
        }
        if m.method == 0, m.compressed != m.size { throw fail("\(m.name): stored zip member with two sizes") }
        return start..<(start + m.compressed)
    }

    /// Where a stored (uncompressed) member's bytes lie in `bytes`, for reading them in place;
    /// nil for a deflated member. The caller checks them against `members[index].crc`.
    func storedRange(_ index: Int) throws -> Range<Int>? {
        let range = try dataRange(index)
        return members[index].method == 0 ? range : nil
    }

    /// The uncompressed bytes of member `index` (CRC-checked).
    func contents(_ index: Int) throws -> [UInt8] {
        let m = members[index]
        let range = try dataRange(index)
        let data: [UInt8]
        switch m.method {
        case 0:
            data = Array(bytes[range])
        case 8:
            data = try inflateRaw(UnsafeRawBufferPointer(rebasing: bytes[range]), size: m.size, name: m.name)
            file.release(range)
        default:
            throw fail("\(m.name): zip compression method \(m.method) is not supported (stored or deflate)")
        }
        guard FileBytes.crc32(data[...]) == m.crc else { throw fail("\(m.name): zip member is corrupt (CRC-32 mismatch)") }
        return data
    }

    /// Inflates a raw deflate stream that must produce exactly `size` bytes. The stream lives in a
    /// fixed allocation because zlib keeps a pointer to it.
    private func inflateRaw(_ src: UnsafeRawBufferPointer, size: Int, name: String) throws -> [UInt8] {
        guard size <= src.count * GzipSource.maxRatio + 1 << 16 else { throw fail("\(name): zip member sizes are inconsistent") }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start decompressing (out of memory)")
        }
        defer { inflateEnd(stream) }
        var out = [UInt8](repeating: 0, count: size)
        var status: Int32 = Z_OK
        var produced = 0
        out.withUnsafeMutableBufferPointer { dst in
            var consumed = 0
            while status == Z_OK {
                if stream.pointee.avail_in == 0 && consumed < src.count {
                    let n = min(src.count - consumed, 1 << 30)
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: src.baseAddress!.assumingMemoryBound(to: UInt8.self) + consumed)
                    stream.pointee.avail_in = UInt32(n)
                    consumed += n
                }
                let room = min(dst.count - produced, 1 << 30)
                stream.pointee.next_out = dst.baseAddress.map { $0 + produced }
                stream.pointee.avail_out = UInt32(room)
                status = inflate(stream, Z_NO_FLUSH)
                produced += room - Int(stream.pointee.avail_out)
            }
        }
        guard status == Z_STREAM_END, produced == size else {
            throw fail("\(name): zip member is corrupt (deflate data \(status == Z_STREAM_END ? "has the wrong size" : "is damaged or truncated"))")
        }
        return out
    }
}
