import Foundation

extension Safetensors {
    /// Reads and validates the file at `path`. Every problem is thrown as one line naming the
    /// file and, where it applies, the tensor: missing or truncated file, header length beyond
    /// the file, malformed JSON, unsupported dtype, offsets out of bounds, overlapping, or not
    /// matching dtype × shape.
    public static func read(path: String) throws -> SafetensorsFile {
        guard FileManager.default.fileExists(atPath: path) else { throw ReportError("\(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError("\(path): cannot read the file") }
        return try parse(data, path: path)
    }

    /// Validates the bytes of a safetensors file; `path` only names it in errors.
    public static func parse(_ data: Data, path: String) throws -> SafetensorsFile {
        func fail(_ message: String) -> ReportError { ReportError("\(path): \(message)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw fail("truncated file: \(bytes.count) bytes, the 8-byte header length is missing")
        }
        let headerLength = littleEndian(bytes[0..<8])
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header length \(headerLength) exceeds the \(bytes.count - 8) bytes after the length field")
        }
        let dataStart = 8 + Int(headerLength)
        let header: [String: HeaderValue]
        do {
            header = try JSONDecoder().decode(HeaderObject.self, from: Data(bytes[8..<dataStart])).entries
        } catch let error as HeaderError {
            throw fail(error.message)
        } catch {
            throw fail("malformed JSON header")
        }
        let dataSize = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .metadata(let m): metadata = m
            case .tensor(let dtypeName, let shape, let offsets):
                let what = "tensor \"\(name)\""
                guard let dtype = DType(rawValue: dtypeName) else {
                    let supported = DType.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("\(what): unsupported dtype \"\(dtypeName)\" (supported: \(supported))")
                }
                guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("\(what): negative dimension in shape \(shape)") }
                guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                    throw fail("\(what): data_offsets must be [begin, end] with 0 ≤ begin ≤ end, found \(offsets)")
                }
                guard offsets[1] <= dataSize else {
                    throw fail("\(what): data_offsets \(offsets) out of bounds (the data section has \(dataSize) bytes)")
                }
                let (count, overflow) = shape.reduce((1, false)) { acc, d in
                    let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o)
                }
                let needed = count.multipliedReportingOverflow(by: dtype.size)
                guard !overflow, !needed.overflow, needed.partialValue == offsets[1] - offsets[0] else {
                    throw fail("\(what): data_offsets \(offsets) hold \(offsets[1] - offsets[0]) bytes, "
                               + "but \(dtype.rawValue) \(shape) needs \(overflow || needed.overflow ? "more" : String(needed.partialValue))")
                }
                entries.append((name, dtype, shape, offsets[0], offsets[1]))
            }
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        for (previous, next) in zip(entries, entries.dropFirst()) where next.begin < previous.end {
            throw fail("tensor \"\(next.name)\": data_offsets [\(next.begin), \(next.end)] overlap "
                       + "tensor \"\(previous.name)\" [\(previous.begin), \(previous.end)]")
        }
        var tensors: [String: SafetensorsTensor] = [:]
        for e in entries {
            tensors[e.name] = SafetensorsTensor(name: e.name, dtype: e.dtype, shape: e.shape,
                                                bytes: Data(bytes[(dataStart + e.begin)..<(dataStart + e.end)]))
        }
        return SafetensorsFile(path: path, metadata: metadata, tensors: tensors, names: entries.map(\.name))
    }

    /// Compares `file` with the tensors a model expects and returns the first mismatch as one line,
    /// or nil when names, dtypes and shapes all match. Expected tensors are checked in order
    /// (missing, dtype, shape), then tensors the model does not have.
    public static func firstMismatch(_ file: SafetensorsFile,
                                     expected: [(name: String, dtype: DType, shape: [Int])]) -> String? {
        for e in expected {
            guard let t = file.tensors[e.name] else { return "\(file.path): missing tensor \"\(e.name)\"" }
            if t.dtype != e.dtype {
                return "\(file.path): tensor \"\(e.name)\": expected dtype \(e.dtype.rawValue), found \(t.dtype.rawValue)"
            }
            if t.shape != e.shape {
                return "\(file.path): tensor \"\(e.name)\": expected shape \(e.shape), found \(t.shape)"
            }
        }
        let known = Set(expected.map(\.name))
        if let extra = file.tensors.keys.sorted().first(where: { !known.contains($0) }) {
            return "\(file.path): unexpected tensor \"\(extra)\""
        }
        return nil
    }
}

/// A header problem found while decoding, already phrased for the user.
private struct HeaderError: Error { var message: String }

/// One value of the header object: the metadata map or a tensor entry.
private enum HeaderValue {
    case metadata([String: String])
    case tensor(dtype: String, shape: [Int], offsets: [Int])
}

/// The header JSON object, decoded key by key so each problem can name its tensor.
private struct HeaderObject: Decodable {
    var entries: [String: HeaderValue] = [:]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let container: KeyedDecodingContainer<Key>
        do { container = try decoder.container(keyedBy: Key.self) } catch {
            throw HeaderError(message: "malformed JSON header: expected a JSON object")
        }
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                guard let m = try? container.decode([String: String].self, forKey: key) else {
                    throw HeaderError(message: "malformed JSON header: __metadata__ must map strings to strings")
                }
                entries[key.stringValue] = .metadata(m)
                continue
            }
            let what = "tensor \"\(key.stringValue)\""
            guard let entry = try? container.nestedContainer(keyedBy: Key.self, forKey: key) else {
                throw HeaderError(message: "\(what): expected an object with dtype, shape and data_offsets")
            }
            func field<T: Decodable>(_ name: String, _ type: T.Type, _ expected: String) throws -> T {
                guard let value = try? entry.decode(type, forKey: Key(stringValue: name)) else {
                    throw HeaderError(message: "\(what): \"\(name)\" must be \(expected)")
                }
                return value
            }
            entries[key.stringValue] = .tensor(dtype: try field("dtype", String.self, "a string"),
                                               shape: try field("shape", [Int].self, "a list of integers"),
                                               offsets: try field("data_offsets", [Int].self, "a list of two integers"))
        }
    }
}
