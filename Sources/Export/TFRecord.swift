import Foundation

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord files.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    public static func checksum(_ data: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked form: rotated right by 15 bits plus a constant (a CRC of data that
    /// itself holds CRCs stays well distributed).
    public static func masked(_ data: some Sequence<UInt8>) -> UInt32 {
        let crc = checksum(data)
        return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}

/// TFRecord framing: per record the little-endian UInt64 length, the masked CRC-32C of those
/// 8 bytes, the data, and the masked CRC-32C of the data.
public enum TFRecord {
    public static func frame(_ record: Data) -> Data {
        var out = Data()
        let length = withUnsafeBytes(of: UInt64(record.count).littleEndian) { Data($0) }
        out.append(length)
        out.append(littleEndian(CRC32C.masked(length)))
        out.append(record)
        out.append(littleEndian(CRC32C.masked(record)))
        return out
    }

    /// The records of a TFRecord file, each checked against both its CRCs.
    public static func records(_ data: Data) throws -> [Data] {
        var records: [Data] = []
        let bytes = [UInt8](data)
        var at = 0
        func uint32(_ i: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * $1) } }
        while at < bytes.count {
            guard at + 12 <= bytes.count else { throw ExportError("TFRecord: truncated header at byte \(at)") }
            let lengthBytes = bytes[at..<at + 8]
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
            guard uint32(at + 8) == CRC32C.masked(lengthBytes) else { throw ExportError("TFRecord: length CRC mismatch at byte \(at)") }
            guard length <= UInt64(bytes.count - at - 16) else { throw ExportError("TFRecord: truncated record at byte \(at)") }
            let start = at + 12, end = start + Int(length)
            guard uint32(end) == CRC32C.masked(bytes[start..<end]) else { throw ExportError("TFRecord: data CRC mismatch at byte \(start)") }
            records.append(Data(bytes[start..<end]))
            at = end + 4
        }
        return records
    }

    private static func littleEndian(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
}
