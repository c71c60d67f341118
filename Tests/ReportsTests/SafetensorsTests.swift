import XCTest
@testable import Reports

final class SafetensorsTests: XCTestCase {
    private func floatBytes(_ values: [Float]) -> Data {
        values.reduce(into: Data()) { d, v in withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
    }

    private func int64Bytes(_ values: [Int64]) -> Data {
        values.reduce(into: Data()) { d, v in withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    }

    /// A file made of a raw header text (padded to 8 bytes) and `data`.
    private func file(header: String, data: Data = Data(), length: UInt64? = nil) -> Data {
        var h = Data(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: (length ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
        return out + h + data
    }

    private func rejection(_ data: Data) -> String {
        do { _ = try Safetensors.parse(data, path: "model.safetensors"); return "accepted" } catch { return "\(error)" }
    }

    func testWriteLayoutIsExactAndRoundTrips() throws {
        let weights = floatBytes([1, -2, 3.5, 0, 1e-8, -0])
        let steps = int64Bytes([0, 1, -1, Int64.max])
        let data = Safetensors.write(tensors: [("b.weight", .f32, [2, 3], weights), ("a.steps", .i64, [4], steps)],
                                     metadata: ["epoch": "3"])
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        XCTAssertEqual((8 + length) % 8, 0)
        let header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
        let json = "{\"__metadata__\":{\"epoch\":\"3\",\"format\":\"pt\"},"
            + "\"a.steps\":{\"dtype\":\"I64\",\"shape\":[4],\"data_offsets\":[0,32]},"
            + "\"b.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[32,56]}}"
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces), json)
        XCTAssertEqual(header.count - json.count, (8 - (8 + json.count) % 8) % 8)
        XCTAssertEqual(data.count, 8 + length + 56)

        let dir = try makeTempDir()
        try Safetensors.write(tensors: [("b.weight", .f32, [2, 3], weights), ("a.steps", .i64, [4], steps)],
                              metadata: ["epoch": "3"], to: dir + "/model.safetensors")
        let read = try Safetensors.read(path: dir + "/model.safetensors")
        XCTAssertEqual(read.metadata, ["epoch": "3", "format": "pt"])
        XCTAssertEqual(read.names, ["a.steps", "b.weight"])
        XCTAssertEqual(read.tensors["b.weight"], SafetensorsTensor(name: "b.weight", dtype: .f32, shape: [2, 3], bytes: weights))
        XCTAssertEqual(read.tensors["b.weight"]?.floats, [1, -2, 3.5, 0, 1e-8, -0])
        XCTAssertEqual(read.tensors["a.steps"]?.int64s, [0, 1, -1, Int64.max])
    }

    func testScalarAndEmptyTensors() throws {
        let data = Safetensors.write(tensors: [("scalar", .f32, [], floatBytes([7])), ("empty", .f32, [0, 3], Data())])
        let read = try Safetensors.parse(data, path: "m")
        XCTAssertEqual(read.tensors["scalar"]?.floats, [7])
        XCTAssertEqual(read.tensors["empty"]?.shape, [0, 3])
    }

    func testMissingFile() {
        XCTAssertThrowsError(try Safetensors.read(path: "/nonexistent/model.safetensors")) {
            XCTAssertEqual("\($0)", "/nonexistent/model.safetensors: no such file")
        }
    }

    func testEveryRejectionIsOneLineNamingTheFile() {
        XCTAssertEqual(rejection(Data([1, 2, 3, 4, 5])),
                       "model.safetensors: truncated file: 5 bytes, the 8-byte header length is missing")
        XCTAssertEqual(rejection(file(header: "{}", length: 1000)),
                       "model.safetensors: header length 1000 exceeds the 8 bytes after the length field")
        XCTAssertEqual(rejection(file(header: "{\"a\": ")), "model.safetensors: malformed JSON header")
        XCTAssertEqual(rejection(file(header: "[1, 2]")), "model.safetensors: malformed JSON header: expected a JSON object")
        XCTAssertEqual(rejection(file(header: "{\"__metadata__\":{\"n\":1}}")),
                       "model.safetensors: malformed JSON header: __metadata__ must map strings to strings")
        XCTAssertEqual(rejection(file(header: "{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: Data(count: 4))),
                       "model.safetensors: tensor \"x\": unsupported dtype \"F16\" (supported: F32, I64)")
        XCTAssertEqual(rejection(file(header: "{\"x\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", data: Data(count: 8))),
                       "model.safetensors: tensor \"x\": \"shape\" must be a list of integers")
        XCTAssertEqual(rejection(file(header: "{\"x\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", data: Data(count: 8))),
                       "model.safetensors: tensor \"x\": \"shape\" must be a list of integers")
        XCTAssertEqual(rejection(file(header: "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", data: Data(count: 8))),
                       "model.safetensors: tensor \"x\": data_offsets [0, 16] out of bounds (the data section has 8 bytes)")
        XCTAssertEqual(rejection(file(header: "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", data: Data(count: 8))),
                       "model.safetensors: tensor \"x\": data_offsets must be [begin, end] with 0 ≤ begin ≤ end, found [8, 0]")
        XCTAssertEqual(rejection(file(header: "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: Data(count: 8))),
                       "model.safetensors: tensor \"x\": data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12")
        XCTAssertEqual(rejection(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                      + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data: Data(count: 12))),
                       "model.safetensors: tensor \"b\": data_offsets [4, 12] overlap tensor \"a\" [0, 8]")
    }

    func testFirstMismatchAgainstAModel() throws {
        let data = Safetensors.write(tensors: [("fc1.weight", .f32, [84, 100], Data(count: 84 * 100 * 4)),
                                               ("conv1.weight", .f32, [6, 1, 5, 5], Data(count: 600)),
                                               ("steps", .i64, [1], Data(count: 8))])
        let file = try Safetensors.parse(data, path: "model.safetensors")
        XCTAssertEqual(Safetensors.firstMismatch(file, expected: [("conv1.weight", .f32, [6, 1, 5, 5]), ("fc1.weight", .f32, [84, 120])]),
                       "model.safetensors: tensor \"fc1.weight\": expected shape [84, 120], found [84, 100]")
        XCTAssertEqual(Safetensors.firstMismatch(file, expected: [("conv1.weight", .f32, [6, 1, 5, 5]), ("conv1.bias", .f32, [6])]),
                       "model.safetensors: missing tensor \"conv1.bias\"")
        XCTAssertEqual(Safetensors.firstMismatch(file, expected: [("steps", .f32, [1])]),
                       "model.safetensors: tensor \"steps\": expected dtype F32, found I64")
        XCTAssertEqual(Safetensors.firstMismatch(file, expected: [("conv1.weight", .f32, [6, 1, 5, 5]), ("fc1.weight", .f32, [84, 100])]),
                       "model.safetensors: unexpected tensor \"steps\"")
        XCTAssertNil(Safetensors.firstMismatch(file, expected: [("steps", .i64, [1]), ("conv1.weight", .f32, [6, 1, 5, 5]),
                                                                ("fc1.weight", .f32, [84, 100])]))
    }
}
