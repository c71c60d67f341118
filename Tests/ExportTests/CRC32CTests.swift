import Export
import Foundation
import XCTest

final class CRC32CTests: XCTestCase {
    /// The check values of RFC 3720 (iSCSI), appendix B.4, and the standard "123456789" check.
    func testKnownCheckValues() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map(UInt8.init)), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    /// A framed record reads back; a flipped bit in the data or the length is refused.
    func testFramingRoundTripsAndDetectsCorruption() throws {
        let records = [Data("first".utf8), Data(), Data((0..<300).map { UInt8($0 % 256) })]
        var file = Data()
        for r in records { file.append(TFRecord.frame(r)) }
        XCTAssertEqual(file.count, records.reduce(0) { $0 + $1.count + 16 })
        XCTAssertEqual(try TFRecord.records(file), records)

        var damaged = file
        damaged[14] ^= 0x01  // a byte of the first record's data
        XCTAssertThrowsError(try TFRecord.records(damaged)) { XCTAssertEqual("\($0)", "TFRecord: data CRC mismatch at byte 12") }
        damaged = file
        damaged[0] ^= 0x01  // the first record's length
        XCTAssertThrowsError(try TFRecord.records(damaged)) { XCTAssertEqual("\($0)", "TFRecord: length CRC mismatch at byte 0") }
        XCTAssertThrowsError(try TFRecord.records(file.prefix(file.count - 1)))
    }
}
