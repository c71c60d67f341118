import Foundation
import XCTest
@testable import Spec

/// The YAML layer: tree and marks, scalar typing, and the exact text of every input error.
final class YAMLParserTests: XCTestCase {
    /// The printed error for `bytes`, or a failure if they parse.
    private func error(_ bytes: [UInt8], file: String = "x.yaml", limits: YAMLLimits = .default,
                       line: UInt = #line) -> String {
        do {
            _ = try YAMLParser.parse(bytes: bytes, file: file, limits: limits)
            XCTFail("expected a parse error", line: line)
            return ""
        } catch let errors as SpecErrors {
            return errors.description
        } catch {
            XCTFail("unexpected error type \(error)", line: line)
            return ""
        }
    }

    private func error(_ text: String, line: UInt = #line) -> String { error(Array(text.utf8), line: line) }

    private func parse(_ text: String) throws -> YAMLNode {
        try XCTUnwrap(YAMLParser.parse(text: text, file: "x.yaml"))
    }

    // MARK: tree and marks

    func testNestedNodesKeepOrderValuesAndMarks() throws {
        let root = try parse("""
            # leading comment
            name: lenet
            train:
              epochs: 5
              betas: [0.9, 0.999]
            layers:
              - type: conv
                kernel: 5
              - {type: pool, size: "2"}
            """)
        XCTAssertEqual(root.keys, ["name", "train", "layers"])
        XCTAssertEqual(root.mark, SourceMark(file: "x.yaml", line: 2, column: 1))
        let epochs = try XCTUnwrap(root.child("train")?.pair("epochs"))
        XCTAssertEqual(epochs.key.mark, SourceMark(file: "x.yaml", line: 4, column: 3))
        XCTAssertEqual(epochs.value.mark, SourceMark(file: "x.yaml", line: 4, column: 11))
        XCTAssertEqual(epochs.value.typedScalar, .int(5))
        let betas = try XCTUnwrap(root.child("train")?.child("betas")?.sequenceItems)
        XCTAssertEqual(betas.map(\.mark.column), [11, 16])
        XCTAssertEqual(betas.map(\.typedScalar), [.double(0.9), .double(0.999)])
        let layers = try XCTUnwrap(root.child("layers")?.sequenceItems)
        XCTAssertEqual(layers[0].mark, SourceMark(file: "x.yaml", line: 7, column: 5))
        XCTAssertEqual(layers[0].child("kernel")?.mark, SourceMark(file: "x.yaml", line: 8, column: 13))
        XCTAssertEqual(layers[1].mark, SourceMark(file: "x.yaml", line: 9, column: 5))
        let size = try XCTUnwrap(layers[1].child("size"))
        XCTAssertEqual(size.mark, SourceMark(file: "x.yaml", line: 9, column: 24))
        XCTAssertEqual(size.scalarStyle, .quoted)
        XCTAssertEqual(size.typedScalar, .string("2"))
        XCTAssertEqual(size.foundDescription, "\"2\"")
        XCTAssertEqual(root.child("missing"), nil)
    }

    func testCRLFAndCRLineEndsCountAsOneLine() throws {
        let root = try parse("a: 1\r\nb: 2\rc: [x,\r\n  y]\r\n")
        XCTAssertEqual(root.mappingPairs?.map(\.key.mark.line), [1, 2, 3])
        XCTAssertEqual(root.child("c")?.sequenceItems?.last?.mark, SourceMark(file: "x.yaml", line: 4, column: 3))
    }

    func testEmptyAndCommentOnlyInputsAreNil() throws {
        XCTAssertNil(try YAMLParser.parse(text: "", file: "x.yaml"))
        XCTAssertNil(try YAMLParser.parse(text: "# nothing\n\n   \n# here\n", file: "x.yaml"))
        XCTAssertNil(try YAMLParser.parse(bytes: [0xEF, 0xBB, 0xBF], file: "x.yaml"))
    }

    func testUTF8ByteOrderMarkIsSkippedAndMarksStartAfterIt() throws {
        let root = try XCTUnwrap(YAMLParser.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\n".utf8), file: "x.yaml"))
        XCTAssertEqual(root.child("a")?.mark, SourceMark(file: "x.yaml", line: 1, column: 4))
    }

    func testBlockScalarsAreStringsAndAnchorsExpand() throws {
        let root = try parse("""
            base: &b {lr: 0.1, momentum: 0.9}
            copy: *b
            note: |
              5
            """)
        XCTAssertEqual(root.child("copy"), root.child("base"))
        XCTAssertEqual(root.child("copy")?.mark, SourceMark(file: "x.yaml", line: 2, column: 7))
        XCTAssertEqual(root.child("note")?.typedScalar, .string("5"))
    }

    // MARK: scalar typing

    func testPlainScalarTyping() {
        let cases: [(String, YAMLScalar)] = [
            ("true", .bool(true)), ("False", .bool(false)), ("TRUE", .bool(true)),
            ("yes", .string("yes")), ("on", .string("on")), ("tRUE", .string("tRUE")),
            ("0", .int(0)), ("-12", .int(-12)), ("+7", .int(7)), ("007", .int(7)),
            ("0x1F", .string("0x1F")), ("1_000", .string("1_000")),
            ("1e-3", .double(0.001)), (".5", .double(0.5)), ("-2.", .double(-2)), ("1E+2", .double(100)),
            ("3.25", .double(3.25)), ("1e", .string("1e")), (".", .string(".")), ("-", .string("-")),
            ("1.2.3", .string("1.2.3")), ("e5", .string("e5")),
            (".inf", .double(.infinity)), ("-.Inf", .double(-.infinity)), ("+.INF", .double(.infinity)),
            ("null", .null), ("~", .null), ("", .null), ("NULL", .null), ("nil", .string("nil")),
            ("99999999999999999999", .double(1e20)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(YAMLScalar.resolve(text, plain: true), expected, text)
        }
        guard case let .double(nan) = YAMLScalar.resolve(".NaN", plain: true) else { return XCTFail(".NaN") }
        XCTAssertTrue(nan.isNaN)
        XCTAssertEqual(YAMLScalar.resolve("true", plain: false), .string("true"))
        XCTAssertEqual(YAMLScalar.resolve("", plain: false), .string(""))
    }

    func testKindNamesForMessages() throws {
        let root = try parse("a: {x: 1}\nb: [1]\nc: '5'\nd: 5\ne: 5.5\nf: true\ng:\nh: five\n")
        XCTAssertEqual(root.mappingPairs?.map(\.value.kindName),
                       ["a mapping", "a list", "a string", "an integer", "a number", "a boolean", "null", "a string"])
        XCTAssertEqual(root.mappingPairs?.map(\.value.foundDescription),
                       ["a mapping", "a list", "\"5\"", "5", "5.5", "true", "null", "\"five\""])
        XCTAssertTrue(root.child("g")?.isNull ?? false)
    }

    // MARK: syntax errors from libyaml

    func testTabIndentation() {
        XCTAssertEqual(error("a:\n  b: 1\n\tc: 2\n"),
                       "x.yaml:3:1: found a tab character that violates indentation (indent with spaces)")
        XCTAssertEqual(error("a:\n\t- 1\n"),
                       "x.yaml:2:1: found a tab character that violates indentation (indent with spaces)")
    }

    func testUnclosedFlowCollections() {
        XCTAssertEqual(error("a:\n  b: [1, 2,\n  c: 3\n"),
                       "x.yaml:4:1: unclosed flow sequence \"[\" opened at line 2, column 6")
        XCTAssertEqual(error("a: {x: 1\nb: 2\n"),
                       "x.yaml:2:2: expected \",\" or \"}\" in the flow mapping \"{\" opened at line 1, column 4")
    }

    func testCommonSyntaxErrorsAreReworded() {
        XCTAssertEqual(error("a: \"abc\n"), "x.yaml:2:1: unclosed quoted string that starts at line 1, column 4")
        XCTAssertEqual(error("a: 1\n b: 2\n"),
                       "x.yaml:2:3: unexpected \":\" (check the indentation, or quote a value that contains \": \")")
        XCTAssertEqual(error("a:\n  b: 1\n c: 2\n"),
                       "x.yaml:3:2: expected a key here, in the mapping that starts at line 1, column 1 (check the indentation, or text after a value)")
        XCTAssertEqual(error("a: 'it's'\n"),
                       "x.yaml:1:8: expected a key here, in the mapping that starts at line 1, column 1 (check the indentation, or text after a value)")
        XCTAssertEqual(error("a:\n  - 1\n  b: 2\n"),
                       "x.yaml:3:3: expected a \"- \" item here, in the list that starts at line 2, column 3 (check the indentation)")
        XCTAssertEqual(error("a: @x\n"), "x.yaml:1:4: \"@\" cannot start a value (put the value in quotes)")
        XCTAssertEqual(error("a: }\n"), "x.yaml:1:4: expected a value, found \"}\"")
        XCTAssertEqual(error("a: [\n"), "x.yaml:2:1: unexpected end of file: a \"[\" or \"{\" is not closed")
        XCTAssertEqual(error("a: 1\nb\n"),
                       "x.yaml:2:1: expected \":\" after this key (mapping entries are written \"key: value\")")
        XCTAssertEqual(error("a: 1\u{01}\n"), "x.yaml:1:5: control character U+0001 is not allowed")
    }

    func testOtherSyntaxErrorsKeepLibyamlWordingWithContext() {
        XCTAssertEqual(error("a: *\n"),
                       "x.yaml:1:5: did not find expected alphabetic or numeric character (while scanning an alias that starts at line 1, column 4)")
    }

    // MARK: structure rules

    func testDuplicateKeysAreReportedAtTheSecondKey() {
        XCTAssertEqual(error("train:\n  epochs: 5\n  lr: 0.1\n  epochs: 6\n"),
                       "x.yaml:4:3: duplicate key \"epochs\" (first at line 2, column 3)")
        // Every duplicate in the file is reported, and keys in different mappings do not clash.
        XCTAssertEqual(error("a: {x: 1, x: 2}\nb: {x: 1}\na: 3\n"),
                       "x.yaml:1:11: duplicate key \"x\" (first at line 1, column 5)\n"
                           + "x.yaml:3:1: duplicate key \"a\" (first at line 1, column 1)")
    }

    func testMultipleDocumentsAreRejectedAtTheSecond() {
        XCTAssertEqual(error("a: 1\n---\nb: 2\n"), "x.yaml:2:1: expected one YAML document per file, found a second one")
        XCTAssertEqual(error("---\na: 1\n...\n---\nb: [\n"),
                       "x.yaml:4:1: expected one YAML document per file, found a second one")
    }

    func testTagsAreRejected() {
        XCTAssertEqual(error("model: !!python/object:os.system {cmd: ls}\n"),
                       "x.yaml:1:8: tag !!python/object:os.system is not allowed (experiment files hold plain data)")
        XCTAssertEqual(error("a: !custom 5\nb: !!str [1]\n"),
                       "x.yaml:1:4: tag !custom is not allowed (experiment files hold plain data)\n"
                           + "x.yaml:2:4: tag !!str is not allowed (experiment files hold plain data)")
    }

    func testNonScalarKeysAndUnknownAliases() {
        XCTAssertEqual(error("? [a, b]\n: 1\n"), "x.yaml:1:3: expected a string as mapping key, found a list")
        XCTAssertEqual(error("a: *nope\n"), "x.yaml:1:4: unknown alias *nope (no anchor &nope before it)")
        // An anchor cannot refer to itself: the alias inside is unknown while the anchor is open.
        XCTAssertEqual(error("a: &x [*x]\n"), "x.yaml:1:8: unknown alias *x (no anchor &x before it)")
    }

    // MARK: bounds

    func testBillionLaughsFailsAtTheAliasThatExceedsTheBudget() {
        var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        // a2 holds 1111 nodes; after 110 + 1110 aliased nodes in a1 and a2, the eighth *a2 in a3
        // pushes the total past 10,000.
        XCTAssertEqual(error(text), "x.yaml:4:45: alias *a2 expands beyond the limit of 10000 aliased nodes")
    }

    func testDeepNestingFailsAtTheLevelThatCrossesTheLimit() {
        let flow = String(repeating: "[", count: 20_000)
        XCTAssertEqual(error(flow), "x.yaml:1:65: nesting deeper than 64 levels")
        var block = ""
        for level in 0..<100 { block += String(repeating: " ", count: 2 * level) + "k:\n" }
        XCTAssertEqual(error(block), "x.yaml:65:129: nesting deeper than 64 levels")
        XCTAssertEqual(error(Array("[[[1]]]".utf8), limits: YAMLLimits(maxDepth: 2)),
                       "x.yaml:1:3: nesting deeper than 2 levels")
        XCTAssertNotNil(try YAMLParser.parse(text: String(repeating: "[", count: 64) + String(repeating: "]", count: 64),
                                             file: "x.yaml"))
    }

    func testOversizedInputIsRejectedBeforeParsing() {
        XCTAssertEqual(error(Array("a: 12345\n".utf8), limits: YAMLLimits(maxBytes: 8)),
                       "x.yaml: file is larger than 8 bytes, too large for a YAML spec")
    }

    // MARK: input hygiene

    func testInvalidUTF8IsReportedWithLineAndColumn() {
        XCTAssertEqual(error(Array("a: bc\u{e9}".utf8) + [0xFF]), "x.yaml:1:7: invalid UTF-8 byte 0xff")
        XCTAssertEqual(error(Array("a: 1\r\nb: x".utf8) + [0xC3, 0x28]), "x.yaml:2:5: invalid UTF-8 byte 0xc3")
        XCTAssertEqual(error([0x61, 0x3A, 0x20, 0xED, 0xA0, 0x80]), "x.yaml:1:5: invalid UTF-8 byte 0xa0")  // surrogate
        XCTAssertEqual(error([0x61, 0x3A, 0x20, 0xC0, 0xAF]), "x.yaml:1:4: invalid UTF-8 byte 0xc0")  // overlong
        XCTAssertEqual(error([0x61, 0x3A, 0x20, 0xF0, 0x9F]), "x.yaml:1:4: invalid UTF-8 byte 0xf0")  // truncated
    }

    func testWideEncodingsAreRejected() {
        XCTAssertEqual(error([0xFF, 0xFE, 0x61, 0x00, 0x3A, 0x00]),
                       "x.yaml: expected UTF-8 text, found UTF-16 (byte order mark)")
        XCTAssertEqual(error([0xFE, 0xFF, 0x00, 0x61]), "x.yaml: expected UTF-8 text, found UTF-16 (byte order mark)")
        XCTAssertEqual(error([0xFF, 0xFE, 0x00, 0x00, 0x61, 0x00, 0x00, 0x00]),
                       "x.yaml: expected UTF-8 text, found UTF-32 (byte order mark)")
        XCTAssertEqual(error([0x61, 0x00, 0x3A, 0x00, 0x20, 0x00]),
                       "x.yaml: expected UTF-8 text, found UTF-16 (NUL bytes between characters)")
        XCTAssertEqual(error([0x00, 0x00, 0x00, 0x61]), "x.yaml: expected UTF-8 text, found UTF-32 (NUL bytes between characters)")
    }

    func testBinaryInputIsRejectedAtTheFirstNULByte() {
        XCTAssertEqual(error(Array("a: 1\nbc".utf8) + [0x00, 0x01]),
                       "x.yaml:2:3: expected UTF-8 text, found a NUL byte (binary file?)")
        XCTAssertEqual(error([0x1F, 0x8B, 0x08, 0x00, 0x00]),  // gzip header
                       "x.yaml:1:3: expected UTF-8 text, found a NUL byte (binary file?)")
    }

    // MARK: files

    func testFileErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yaml-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let experiments = dir.appendingPathComponent("experiments").path
        try FileManager.default.createDirectory(atPath: experiments, withIntermediateDirectories: true)
        let good = dir.appendingPathComponent("good.yaml").path
        try Data("epochs: 3\n".utf8).write(to: URL(fileURLWithPath: good))
        let empty = dir.appendingPathComponent("empty.yaml").path
        try Data().write(to: URL(fileURLWithPath: empty))

        XCTAssertEqual(try YAMLParser.parse(file: good)?.child("epochs")?.mark,
                       SourceMark(file: good, line: 1, column: 9))
        XCTAssertNil(try YAMLParser.parse(file: empty))
        for (path, message) in [
            (dir.appendingPathComponent("x.yaml").path, "no such file"),
            (experiments, "is a directory, expected a YAML file"),
        ] {
            XCTAssertThrowsError(try YAMLParser.parse(file: path)) {
                XCTAssertEqual(($0 as? SpecErrors)?.description, "\(path): \(message)")
            }
        }
    }
}
