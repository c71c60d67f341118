/// Byte-level checks run before libyaml sees the input: size, encoding (UTF-16/32, byte order
/// marks), NUL bytes of binary files, and UTF-8 validity — each reported with a line and column.
enum YAMLInputCheck {
    /// Returns the input without a UTF-8 byte order mark, or throws the first encoding problem.
    static func validated(_ bytes: [UInt8], file: String, limits: YAMLLimits) throws -> [UInt8] {
        func fail(_ message: String, at offset: Int? = nil) -> SpecErrors {
            if let offset {
                return SpecErrors([SpecError(message, at: mark(ofByte: offset, in: bytes, file: file))])
            }
            return SpecErrors([SpecError("\(file): \(message)")])
        }
        if bytes.count > limits.maxBytes { throw fail(tooLarge(limits)) }
        if let bom = foreignByteOrderMark(bytes) {
            throw fail("expected UTF-8 text, found \(bom) (byte order mark)")
        }
        guard let nul = bytes.firstIndex(of: 0) else {
            if let bad = firstInvalidUTF8(bytes) {
                throw fail("invalid UTF-8 byte 0x\(hex(bytes[bad]))", at: bad)
            }
            return bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        }
        if let wide = wideEncodingWithoutBOM(bytes) {
            throw fail("expected UTF-8 text, found \(wide) (NUL bytes between characters)")
        }
        throw fail("expected UTF-8 text, found a NUL byte (binary file?)", at: nul)
    }

    static func tooLarge(_ limits: YAMLLimits) -> String {
        "file is larger than \(limits.maxBytes) bytes, too large for a YAML spec"
    }

    /// "UTF-16" or "UTF-32" when the input starts with that encoding's byte order mark.
    private static func foreignByteOrderMark(_ b: [UInt8]) -> String? {
        if b.starts(with: [0x00, 0x00, 0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return "UTF-32" }
        if b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE]) { return "UTF-16" }
        return nil
    }

    /// Recognises BOM-less UTF-16/32 by the NUL bytes around its first (ASCII) character.
    private static func wideEncodingWithoutBOM(_ b: [UInt8]) -> String? {
        if b.count >= 4 {
            if b[0] == 0, b[1] == 0, b[2] == 0, b[3] != 0 { return "UTF-32" }
            if b[0] != 0, b[1] == 0, b[2] == 0, b[3] == 0 { return "UTF-32" }
        }
        if b.count >= 2 {
            if b[0] == 0, b[1] != 0, b[1] < 0x80 { return "UTF-16" }
            if b[0] != 0, b[0] < 0x80, b[1] == 0 { return "UTF-16" }
        }
        return nil
    }

    /// Offset of the first byte that breaks UTF-8 (Unicode 15, table 3-7: no overlongs, no
    /// surrogates, nothing above U+10FFFF), or nil when the whole input is valid.
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var i = 0
        let n = b.count
        while i < n {
            let lead = b[i]
            if lead < 0x80 { i += 1; continue }
            // Allowed range of the second byte, and total length, per lead byte.
            let second: ClosedRange<UInt8>
            let length: Int
            switch lead {
            case 0xC2...0xDF: second = 0x80...0xBF; length = 2
            case 0xE0: second = 0xA0...0xBF; length = 3
            case 0xE1...0xEC, 0xEE...0xEF: second = 0x80...0xBF; length = 3
            case 0xED: second = 0x80...0x9F; length = 3
            case 0xF0: second = 0x90...0xBF; length = 4
            case 0xF1...0xF3: second = 0x80...0xBF; length = 4
            case 0xF4: second = 0x80...0x8F; length = 4
            default: return i
            }
            // A bad byte >= 0x80 is reported itself; a sequence cut short by ASCII or the end, at its lead.
            func culprit(_ k: Int) -> Int { i + k < n && b[i + k] >= 0x80 ? i + k : i }
            guard i + 1 < n, second.contains(b[i + 1]) else { return culprit(1) }
            for k in 2..<length where !(i + k < n && (0x80...0xBF).contains(b[i + k])) {
                return culprit(k)
            }
            i += length
        }
        return nil
    }

    /// The 1-based line and column of a byte offset, counted the way libyaml counts: columns are
    /// characters, and CR LF, CR, LF, NEL, LS and PS each end a line.
    static func mark(ofByte offset: Int, in b: [UInt8], file: String) -> SourceMark {
        var line = 1, column = 1, i = 0
        let bomLength = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        i = min(bomLength, offset)
        while i < offset && i < b.count {
            let c = b[i]
            if c == 0x0A || c == 0x0D {
                line += 1; column = 1
                i += (c == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A && i + 1 < offset) ? 2 : 1
                continue
            }
            if c == 0xC2, i + 1 < b.count, b[i + 1] == 0x85 {
                line += 1; column = 1; i += 2; continue
            }
            if c == 0xE2, i + 2 < b.count, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 {
                line += 1; column = 1; i += 3; continue
            }
            if c & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return SourceMark(file: file, line: line, column: column)
    }

    static func hex(_ byte: UInt8) -> String {
        let s = String(byte, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}
