/// Reader for IDX files of unsigned bytes (the MNIST format), raw or gzip-compressed.
///
/// Layout: a big-endian magic `0x0000 08 RR` (`08` = unsigned byte, `RR` = number of dims), then
/// `RR` big-endian UInt32 dims, then exactly `product(dims)` bytes. Every deviation is a `DataError`
/// naming the file. Sizes declared by the header are checked against what the file can hold before
/// anything is allocated, so a corrupt header cannot ask for gigabytes.
public enum IDX {
    /// Reads the IDX file at `path` (gzip when the name ends in `.gz`). When `rank` is given the
    /// magic must be exactly `0x0000080<rank>`: 3 for images, 1 for labels.
    public static func read(path: String, rank: Int? = nil) throws -> (dims: [Int], bytes: [UInt8]) {
        try read(path: path, rank: rank, headerOnly: false)
    }

    /// The dims of the IDX file at `path`, from its header alone (checked like `read` does, up to
    /// whether the file can hold that much data); no data byte is decoded.
    public static func header(path: String, rank: Int? = nil) throws -> [Int] {
        try read(path: path, rank: rank, headerOnly: true).dims
    }

    private static func read(path: String, rank: Int?, headerOnly: Bool) throws -> (dims: [Int], bytes: [UInt8]) {
        let file = try FileBytes.contents(of: path)
        return try file.withUnsafeBytes { (raw) in
            if path.hasSuffix(".gz") {
                var source = try GzipSource(path: path, input: raw)
                defer { source.close() }
                return try parse(&source, path: path, rank: rank, headerOnly: headerOnly)
            }
            var source = RawSource(bytes: raw)
            return try parse(&source, path: path, rank: rank, headerOnly: headerOnly)
        }
    }

    /// The name used in messages for an IDX file of the given rank.
    static func kindName(rank: Int) -> String {
        switch rank {
        case 1: return "IDX labels"
        case 3: return "IDX images"
        default: return "IDX rank \(rank)"
        }
    }

    static func parse<S: ByteSource>(_ source: inout S, path: String, rank expectedRank: Int?, headerOnly: Bool = false)
        throws -> (dims: [Int], bytes: [UInt8])
    {
        var word: UInt32 = 0
        let got = try withUnsafeMutableBytes(of: &word) { (b) in try source.read(into: b) }
        guard got == 4 else { throw DataError(path: path, "too short for an IDX header (\(got) bytes)") }
        let magic = UInt32(bigEndian: word)
        if let expectedRank {
            let expected = 0x0800 | UInt32(expectedRank)
            guard magic == expected else {
                throw DataError(path: path, "wrong magic number \(hex8(magic)), expected \(hex8(expected)) (\(kindName(rank: expectedRank)))")
            }
        } else {
            guard magic >> 8 == 0x08, magic & 0xFF > 0 else {
                throw DataError(path: path, "wrong magic number \(hex8(magic)), expected 0x000008NN (IDX unsigned bytes)")
            }
        }
        let rank = Int(magic & 0xFF)

        var dimWords = [UInt32](repeating: 0, count: rank)
        let dimBytes = try dimWords.withUnsafeMutableBytes { (b) in try source.read(into: b) }
        guard dimBytes == 4 * rank else {
            throw DataError(path: path, "header declares \(rank) dims but the data ends after \(4 + dimBytes) bytes")
        }
        let dims = dimWords.map { Int(UInt32(bigEndian: $0)) }
        let shape = dims.map(String.init).joined(separator: "×")

        var need = 1
        for d in dims {
            let (product, overflow) = need.multipliedReportingOverflow(by: d)
            guard !overflow else { throw DataError(path: path, "header dims \(shape) are too large") }
            need = product
        }
        let limit = source.remainingLimit
        guard need <= limit else {
            if source is RawSource {
                throw DataError(path: path, "header dims \(shape) need \(need) data bytes, found \(limit)")
            }
            throw DataError(path: path, "header dims \(shape) need \(need) data bytes, more than the compressed file can hold")
        }
        if headerOnly { return (dims, []) }

        var failure: (any Error)?
        let bytes = [UInt8](unsafeUninitializedCapacity: need) { buffer, initialized in
            do { initialized = try source.read(into: UnsafeMutableRawBufferPointer(buffer)) } catch {
                initialized = 0
                failure = error
            }
        }
        if let failure { throw failure }
        let extra = bytes.count == need ? try source.countRemaining() : 0
        guard bytes.count == need, extra == 0 else {
            throw DataError(path: path, "header dims \(shape) need \(need) data bytes, found \(bytes.count + extra)")
        }
        return (dims, bytes)
    }
}

/// `0x00000803`-style rendering of a 32-bit word.
func hex8(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
