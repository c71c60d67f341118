import Foundation
import Spec

/// The safetensors checkpoint format: an 8-byte little-endian header length, a JSON header
/// mapping tensor names to dtype, shape and data offsets, then the raw little-endian data.
public enum Safetensors {
    /// Element types this project writes and reads.
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32"
        case i64 = "I64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .f32: return 4
            case .i64: return 8
            }
        }
    }

    /// One tensor to write.
    public typealias TensorData = (name: String, dtype: DType, shape: [Int], bytes: Data)

    /// The file content for `tensors` (sorted by name, data contiguous in that order) and
    /// `metadata` (stored under `__metadata__` with `format: pt`). The header is padded with
    /// spaces so the data starts at a multiple of 8 bytes.
    public static func write(tensors: [TensorData], metadata: [String: String] = [:]) -> Data {
        let sorted = tensors.sorted { $0.name < $1.name }
        precondition(Set(sorted.map(\.name)).count == sorted.count, "duplicate tensor names")
        var meta = metadata
        meta["format"] = "pt"
        var entries: [(key: String, json: String)] = [
            ("__metadata__", "{" + meta.sorted { $0.key < $1.key }
                .map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",") + "}"),
        ]
        var offset = 0
        for t in sorted {
            let count = t.shape.reduce(1, *)
            precondition(t.bytes.count == count * t.dtype.size, "tensor \(t.name): byte count does not match shape")
            entries.append((t.name, "{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}"))
            offset += t.bytes.count
        }
        entries.sort { $0.key < $1.key }
        var header = Data(("{" + entries.map { "\(jsonString($0.key)):\($0.json)" }.joined(separator: ",") + "}").utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(header)
        for t in sorted { out.append(t.bytes) }
        return out
    }

    /// Writes the file atomically (see `write(tensors:metadata:)`).
    public static func write(tensors: [TensorData], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(write(tensors: tensors, metadata: metadata), to: path)
    }

    /// The unsigned little-endian integer in `bytes` (at most 8 of them).
    static func littleEndian<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    static func jsonString(_ text: String) -> String { JSONText.quoted(text) }
}

/// A tensor read from a safetensors file.
public struct SafetensorsTensor: Equatable, Sendable {
    public var name: String
    public var dtype: Safetensors.DType
    public var shape: [Int]
    /// Raw little-endian element bytes.
    public var bytes: Data

    /// The elements as `Float`s (nil unless the dtype is F32).
    public var floats: [Float]? {
        guard dtype == .f32 else { return nil }
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(Safetensors.littleEndian(bytes[bytes.startIndex + i ..< bytes.startIndex + i + 4])))
        }
    }

    /// The elements as `Int64`s (nil unless the dtype is I64).
    public var int64s: [Int64]? {
        guard dtype == .i64 else { return nil }
        return stride(from: 0, to: bytes.count, by: 8).map { i in
            Int64(bitPattern: Safetensors.littleEndian(bytes[bytes.startIndex + i ..< bytes.startIndex + i + 8]))
        }
    }
}

/// A validated safetensors file.
public struct SafetensorsFile: Sendable {
    public var path: String
    public var metadata: [String: String]
    /// Tensors by name.
    public var tensors: [String: SafetensorsTensor]
    /// Tensor names in the order of their data in the file.
    public var names: [String]
}

/// JSON text helpers shared by the writers that build JSON by hand (safetensors headers,
/// machine-readable progress lines).
public enum JSONText {
    /// A JSON string literal for `text`, escaping quotes, backslashes and every
    /// character `SafeText` calls unsafe (C0/C1 controls, U+2028/U+2029 — which break JavaScript
    /// readers of JSON lines — and bidirectional controls) as `\uXXXX`, so the value reads back exactly.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where SafeText.isUnsafe(scalar):
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
