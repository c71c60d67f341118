/// Reader for NumPy's `.npy` format (versions 1, 2 and 3).
///
/// Layout: the magic `\x93NUMPY`, a major and a minor version byte, the header length (little-endian
/// UInt16 for version 1, UInt32 for 2 and 3), then the header — a Python dict literal such as
/// `{'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }` — then the array's
/// bytes in C order. Every deviation is a `DataError` naming the file (and the array in an npz).
enum NPY {
    /// Element types the sources accept.
    enum DType: String, Sendable {
        case uint8 = "u1", int8 = "i1", uint16 = "u2", int16 = "i2", uint32 = "u4", int32 = "i4"
        case uint64 = "u8", int64 = "i8", float32 = "f4", float64 = "f8", bool = "b1"

        var size: Int { Int(String(rawValue.dropFirst()))! }
        var isInteger: Bool { rawValue.first == "u" || rawValue.first == "i" }
    }

    /// One array: its type, shape and little-endian C-order bytes.
    struct Array {
        var descr: String
        var dtype: DType
        var shape: [Int]
        var bytes: ArraySlice<UInt8>

        var count: Int { shape.reduce(1, *) }
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Parses a whole `.npy` file. `name` is how messages name the array (`/d/x.npz: x_train`).
    static func parse(_ bytes: [UInt8], name: String) throws -> Array {
        let h = try bytes.withUnsafeBytes { try header($0, name: name) }
        return Array(descr: h.descr, dtype: h.dtype, shape: h.shape, bytes: bytes[h.dataStart...])
    }

    /// What the header of a `.npy` file says, checked against the file's size.
    struct Header {
        var descr: String
        var dtype: DType
        var shape: [Int]
        /// Where the array's bytes start (they run to the end of the file).
        var dataStart: Int
    }

    /// Parses and checks the header of the whole `.npy` file `bytes` (in memory or mapped): the
    /// data that follows must be exactly what the shape and dtype need.
    static func header(_ bytes: UnsafeRawBufferPointer, name: String) throws -> Header {
        func fail(_ message: String) -> DataError { DataError(path: name, message) }
        guard bytes.count >= 10, bytes.prefix(6).elementsEqual(magic) else {
            throw fail("not an NPY array (no \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("NPY header is truncated") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported NPY version \(major).\(bytes[7]) (expected 1, 2 or 3)")
        }
        guard headerLength <= bytes.count - headerStart else { throw fail("NPY header is truncated") }
        let text = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        var header = HeaderParser(text: text)
        let fields: [String: HeaderParser.Value]
        do { fields = try header.dictionary() } catch let HeaderParser.Failure.syntax(message) {
            throw fail("malformed NPY header (\(message)): \(text.trimmingCharacters())")
        }
        guard case let .text(descr)? = fields["descr"] else { throw fail("NPY header has no 'descr' string") }
        guard case let .flag(fortran)? = fields["fortran_order"] else { throw fail("NPY header has no 'fortran_order'") }
        guard case let .tuple(shape)? = fields["shape"] else { throw fail("NPY header has no 'shape' tuple") }
        guard !fortran else {
            throw fail("arrays in Fortran order are not supported (save with numpy.ascontiguousarray)")
        }
        guard let dtype = Self.dtype(descr) else { throw fail("unsupported dtype '\(descr)'") }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { throw fail("shape \(describe(shape)) is too large") }
            count = product
        }
        let (need, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        let found = bytes.count - headerStart - headerLength
        guard !overflow, need == found else {
            throw fail("shape \(describe(shape)) of \(descr) needs \(overflow ? "too many" : String(need)) data bytes, found \(found)")
        }
        return Header(descr: descr, dtype: dtype, shape: shape, dataStart: headerStart + headerLength)
    }

    /// The dtype of a descr such as `|u1`, `<f4`, `u1`; nil for big-endian multi-byte types,
    /// structured or unknown ones.
    static func dtype(_ descr: String) -> DType? {
        var body = Substring(descr)
        let order = body.first.flatMap { "<>|=".contains($0) ? $0 : nil }
        if order != nil { body = body.dropFirst() }
        guard let dtype = DType(rawValue: String(body)) else { return nil }
        if order == ">" && dtype.size > 1 { return nil }
        return dtype
    }

    /// `(60000, 28, 28)`
    static func describe(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }

    /// The values of an integer array as Int (labels).
    static func integers(_ a: Array) -> [Int] {
        let n = a.count
        return a.bytes.withUnsafeBytes { raw in
            (0..<n).map { i -> Int in
                switch a.dtype {
                case .uint8, .bool: Int(raw[i])
                case .int8: Int(Int8(bitPattern: raw[i]))
                case .uint16: Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                case .int16: Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                case .uint32: Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case .int32: Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                case .uint64: Int(truncatingIfNeeded: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
                case .int64: Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
                case .float32, .float64: -1
                }
            }
        }
    }

    /// The tiny subset of Python literal syntax NPY headers use: a dict of string keys to strings,
    /// `True`/`False` and tuples of integers.
    struct HeaderParser {
        enum Value { case text(String), flag(Bool), tuple([Int]) }
        enum Failure: Error { case syntax(String) }

        private var chars: [Character]
        private var i = 0

        init(text: String) { chars = Swift.Array(text) }

        mutating func dictionary() throws -> [String: Value] {
            try expect("{")
            var fields: [String: Value] = [:]
            while true {
                skipSpace()
                if peek() == "}" { i += 1; break }
                guard case let .text(key) = try value() else { throw Failure.syntax("expected a string key") }
                try expect(":")
                fields[key] = try value()
                skipSpace()
                if peek() == "," { i += 1 } else if peek() != "}" { throw Failure.syntax("expected , or }") }
            }
            return fields
        }

        private mutating func value() throws -> Value {
            skipSpace()
            switch peek() {
            case "'", "\"":
                let quote = chars[i]
                i += 1
                let start = i
                while i < chars.count && chars[i] != quote { i += 1 }
                guard i < chars.count else { throw Failure.syntax("unterminated string") }
                defer { i += 1 }
                return .text(String(chars[start..<i]))
            case "(":
                i += 1
                var items: [Int] = []
                while true {
                    skipSpace()
                    if peek() == ")" { i += 1; break }
                    let start = i
                    while i < chars.count, chars[i].isNumber { i += 1 }
                    if i < chars.count, chars[i] == "L" { i += 1 }  // Python 2 longs
                    guard let n = Int(String(chars[start..<i]).replacingLastL()) else {
                        throw Failure.syntax("expected a non-negative integer in the shape")
                    }
                    items.append(n)
                    skipSpace()
                    if peek() == "," { i += 1 } else if peek() != ")" { throw Failure.syntax("expected , or )") }
                }
                return .tuple(items)
            default:
                for (word, flag) in [("True", true), ("False", false)] where chars[i...].starts(with: word) {
                    i += word.count
                    return .flag(flag)
                }
                throw Failure.syntax("unexpected \(peek().map { "'\($0)'" } ?? "end")")
            }
        }

        private func peek() -> Character? { i < chars.count ? chars[i] : nil }
        private mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        private mutating func expect(_ c: Character) throws {
            skipSpace()
            guard peek() == c else { throw Failure.syntax("expected \(c)") }
            i += 1
        }
    }
}

private extension String {
    func replacingLastL() -> String { hasSuffix("L") ? String(dropLast()) : self }
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
