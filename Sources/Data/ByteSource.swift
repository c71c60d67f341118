import CZlib

/// A forward-only stream of bytes that IDX parsing reads from: a raw file or a gzip file.
protocol ByteSource {
    /// The most bytes the rest of the stream can possibly hold (exact for raw files, the deflate
    /// ratio limit for gzip). Header sizes are checked against it before anything is allocated.
    var remainingLimit: Int { get }
    /// Fills `buffer` from the stream; returns fewer bytes than asked only at the end of the data.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteSource {
    /// Consumes and counts the rest of the stream.
    mutating func countRemaining() throws -> Int {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { scratch.deallocate() }
        var total = 0
        while true {
            let n = try read(into: scratch)
            total += n
            if n < scratch.count { return total }
        }
    }
}

/// The bytes of a file read whole into memory.
struct RawSource: ByteSource {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var remainingLimit: Int { bytes.count - offset }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 { buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}

/// Decompresses an in-memory gzip file with zlib's `inflate` (all members, like `gunzip`).
///
/// Bytes after the last member that do not start another member are ignored, as `gunzip` does.
/// Call `close()` when done; the stream lives in a fixed allocation because zlib keeps a pointer to it.
struct GzipSource: ByteSource {
    /// deflate cannot compress better than 1032:1, so no honest stream inflates beyond this.
    static let maxRatio = 1032

    let path: String
    let input: UnsafeRawBufferPointer
    private let stream: UnsafeMutablePointer<z_stream>
    private var consumed = 0  // input bytes handed to zlib so far
    private var finished = false

    /// Starts decompressing `input`; throws unless it begins with the gzip magic bytes.
    init(path: String, input: UnsafeRawBufferPointer) throws {
        guard input.count >= 2, input[0] == 0x1F, input[1] == 0x8B else {
            throw DataError(path: path, "not a gzip file")
        }
        self.path = path
        self.input = input
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 window bits + 16: expect a gzip header and trailer.
        guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            throw DataError(path: path, "zlib could not start decompressing (out of memory)")
        }
    }

    func close() {
        inflateEnd(stream)
        stream.deallocate()
    }

    var remainingLimit: Int {
        (input.count - consumed + Int(stream.pointee.avail_in)) * GzipSource.maxRatio + 1 << 16
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var produced = 0
        while produced < buffer.count && !finished {
            if stream.pointee.avail_in == 0 && consumed < input.count {
                let chunk = min(input.count - consumed, 1 << 30)
                stream.pointee.next_in = UnsafeMutablePointer(
                    mutating: (input.baseAddress! + consumed).assumingMemoryBound(to: UInt8.self))
                stream.pointee.avail_in = UInt32(chunk)
                consumed += chunk
            }
            let want = min(buffer.count - produced, 1 << 30)
            stream.pointee.next_out = (buffer.baseAddress! + produced).assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_out = UInt32(want)
            let rc = inflate(stream, Z_NO_FLUSH)
            produced += want - Int(stream.pointee.avail_out)
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if startsAnotherMember() { inflateReset(stream) } else { finished = true }
            case Z_BUF_ERROR where stream.pointee.avail_in == 0 && consumed == input.count:
                throw DataError(path: path, "truncated gzip stream")
            case Z_MEM_ERROR:
                throw DataError(path: path, "out of memory while decompressing")
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw DataError(path: path, "corrupt gzip stream (\(reason))")
            }
        }
        return produced
    }

    /// Whether the input left after a finished member begins with another gzip member.
    private func startsAnotherMember() -> Bool {
        let offset = consumed - Int(stream.pointee.avail_in)
        return input.count - offset >= 2 && input[offset] == 0x1F && input[offset + 1] == 0x8B
    }
}
