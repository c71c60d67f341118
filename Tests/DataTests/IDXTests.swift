import CZlib
import XCTest

@testable import Data

final class IDXTests: XCTestCase {
    let payload: [UInt8] = (0..<18).map { UInt8($0 * 13 % 256) }

    func testReadsRawAndGzip() throws {
        let dir = try makeTemporaryFolder(self)
        let bytes = idxBytes(magic: 0x803, dims: [2, 3, 3], payload: payload)
        try writeRaw(bytes, to: "\(dir)/a")
        try writeGzip(bytes, to: "\(dir)/a.gz")
        for path in ["\(dir)/a", "\(dir)/a.gz"] {
            let (dims, data) = try IDX.read(path: path, rank: 3)
            XCTAssertEqual(dims, [2, 3, 3])
            XCTAssertEqual(data, payload)
        }
        XCTAssertNotEqual(try readRaw("\(dir)/a.gz"), bytes, "the .gz file really is compressed")
        let labels = idxBytes(magic: 0x801, dims: [4], payload: [9, 0, 3, 1])
        try writeGzip(labels, to: "\(dir)/l.gz")
        let (dims, data) = try IDX.read(path: "\(dir)/l.gz")  // any rank
        XCTAssertEqual(dims, [4])
        XCTAssertEqual(data, [9, 0, 3, 1])
    }

    func testReadsMultiMemberGzipLikeGunzip() throws {
        let dir = try makeTemporaryFolder(self)
        let bytes = idxBytes(magic: 0x803, dims: [2, 3, 3], payload: payload)
        try writeGzip(Array(bytes[..<11]), to: "\(dir)/p1.gz")
        try writeGzip(Array(bytes[11...]), to: "\(dir)/p2.gz")
        try writeRaw(try readRaw("\(dir)/p1.gz") + readRaw("\(dir)/p2.gz"), to: "\(dir)/both.gz")
        XCTAssertEqual(try IDX.read(path: "\(dir)/both.gz", rank: 3).bytes, payload)
    }

    func testRejectsNonGzipAndTruncatedAndCorruptGzip() throws {
        let dir = try makeTemporaryFolder(self)
        let bytes = idxBytes(magic: 0x803, dims: [2, 3, 3], payload: payload)
        try writeRaw(bytes, to: "\(dir)/raw.gz")
        assertDataError("\(dir)/raw.gz: not a gzip file") { try IDX.read(path: "\(dir)/raw.gz", rank: 3) }

        try writeGzip(bytes, to: "\(dir)/full.gz")
        let gz = try readRaw("\(dir)/full.gz")
        for cut in [2, 10, gz.count / 2, gz.count - 1] {
            try writeRaw(Array(gz[..<cut]), to: "\(dir)/cut.gz")
            assertDataError("\(dir)/cut.gz: truncated gzip stream") { try IDX.read(path: "\(dir)/cut.gz", rank: 3) }
        }

        var badCRC = gz
        badCRC[gz.count - 8] ^= 0xFF  // first byte of the CRC-32 trailer
        try writeRaw(badCRC, to: "\(dir)/crc.gz")
        assertDataError("\(dir)/crc.gz: corrupt gzip stream (incorrect data check)") {
            try IDX.read(path: "\(dir)/crc.gz", rank: 3)
        }
    }

    func testRejectsWrongMagic() throws {
        let dir = try makeTemporaryFolder(self)
        try writeGzip(idxBytes(magic: 0x802, dims: [2, 9], payload: payload), to: "\(dir)/m.gz")
        assertDataError("\(dir)/m.gz: wrong magic number 0x00000802, expected 0x00000803 (IDX images)") {
            try IDX.read(path: "\(dir)/m.gz", rank: 3)
        }
        try writeRaw(idxBytes(magic: 0x803, dims: [18], payload: payload), to: "\(dir)/l")
        assertDataError("\(dir)/l: wrong magic number 0x00000803, expected 0x00000801 (IDX labels)") {
            try IDX.read(path: "\(dir)/l", rank: 1)
        }
        try writeRaw(idxBytes(magic: 0x0D03, dims: [2, 3, 3], payload: payload), to: "\(dir)/f")
        assertDataError("\(dir)/f: wrong magic number 0x00000d03, expected 0x000008NN (IDX unsigned bytes)") {
            try IDX.read(path: "\(dir)/f")
        }
    }

    func testRejectsShortHeaderAndWrongPayloadLength() throws {
        let dir = try makeTemporaryFolder(self)
        try writeRaw([0, 0, 8], to: "\(dir)/tiny")
        assertDataError("\(dir)/tiny: too short for an IDX header (3 bytes)") { try IDX.read(path: "\(dir)/tiny") }

        try writeGzip(Array(idxBytes(magic: 0x803, dims: [2, 3, 3], payload: [])[..<10]), to: "\(dir)/dims.gz")
        assertDataError("\(dir)/dims.gz: header declares 3 dims but the data ends after 10 bytes") {
            try IDX.read(path: "\(dir)/dims.gz", rank: 3)
        }

        for gzip in [false, true] {
            let path = gzip ? "\(dir)/p.gz" : "\(dir)/p"
            let write = gzip ? writeGzip : writeRaw
            try write(idxBytes(magic: 0x803, dims: [2, 3, 3], payload: Array(payload.dropLast())), path)
            assertDataError("\(path): header dims 2×3×3 need 18 data bytes, found 17") { try IDX.read(path: path, rank: 3) }
            try write(idxBytes(magic: 0x803, dims: [2, 3, 3], payload: payload + [7, 7]), path)
            assertDataError("\(path): header dims 2×3×3 need 18 data bytes, found 20") { try IDX.read(path: path, rank: 3) }
        }
    }

    /// Huge dims in a small file are rejected before allocating anything.
    func testHugeHeaderDoesNotAllocate() throws {
        let dir = try makeTemporaryFolder(self)
        let header = idxBytes(magic: 0x803, dims: [4_000_000_000, 28, 28], payload: payload)
        try writeRaw(header, to: "\(dir)/big")
        assertDataError("\(dir)/big: header dims 4000000000×28×28 need 3136000000000 data bytes, found 18") {
            try IDX.read(path: "\(dir)/big", rank: 3)
        }
        try writeGzip(header, to: "\(dir)/big.gz")
        assertDataError("\(dir)/big.gz: header dims 4000000000×28×28 need 3136000000000 data bytes, more than the compressed file can hold") {
            try IDX.read(path: "\(dir)/big.gz", rank: 3)
        }
        try writeRaw(idxBytes(magic: 0x804, dims: [.max, .max, .max, .max], payload: []), to: "\(dir)/overflow")
        assertDataError("\(dir)/overflow: header dims 4294967295×4294967295×4294967295×4294967295 are too large") {
            try IDX.read(path: "\(dir)/overflow")
        }
    }

    func testMissingFileAndDirectory() throws {
        let dir = try makeTemporaryFolder(self)
        assertDataError("\(dir)/none.gz: file not found") { try IDX.read(path: "\(dir)/none.gz") }
        assertDataError("\(dir): is a directory, expected a regular file") { try IDX.read(path: dir) }
    }
}
