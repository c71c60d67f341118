import XCTest
@testable import Spec

/// The emitter: exact layout for a typical spec, and round trips over scalars that are easy to
/// get wrong (look-alike numbers, booleans and nulls, empty strings, `: `, `#`, quotes, unicode,
/// line breaks).
final class YAMLEmitterTests: XCTestCase {
    private let at = SourceMark(file: "t", line: 1, column: 1)

    private func plain(_ s: String) -> YAMLNode { YAMLNode(scalar: s, style: .plain, mark: at) }
    private func quoted(_ s: String) -> YAMLNode { YAMLNode(scalar: s, style: .quoted, mark: at) }
    private func map(_ pairs: [(String, YAMLNode)]) -> YAMLNode {
        YAMLNode(.mapping(pairs.map { (key: plain($0.0), value: $0.1) }), mark: at)
    }
    private func list(_ items: [YAMLNode]) -> YAMLNode { YAMLNode(.sequence(items), mark: at) }

    /// Emits, parses back and checks the content is unchanged and the output is a fixed point.
    private func assertRoundTrip(_ node: YAMLNode, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = YAMLEmitter.emit(node)
        let back = try XCTUnwrap(YAMLParser.parse(text: text, file: "emitted.yaml"), file: file, line: line)
        XCTAssertTrue(back.sameContent(as: node), "round trip changed content:\n\(text)", file: file, line: line)
        XCTAssertEqual(YAMLEmitter.emit(back), text, file: file, line: line)
    }

    func testTypicalSpecLayout() throws {
        let root = try XCTUnwrap(YAMLParser.parse(text: """
            name: "lenet5-dropout"
            seeds: [1, 2, 3]
            train:
              optimizer: {type: adam, lr: 1e-3, betas: [0.9, 0.999]}
              epochs: 10
              note: "5"
            layers:
              - {type: conv, out: 6}
              - type: pool
            empty: []
            none: {}
            """, file: "x.yaml"))
        XCTAssertEqual(YAMLEmitter.emit(root), """
            name: lenet5-dropout
            seeds: [1, 2, 3]
            train:
              optimizer:
                type: adam
                lr: 1e-3
                betas: [0.9, 0.999]
              epochs: 10
              note: "5"
            layers:
            - type: conv
              out: 6
            - type: pool
            empty: []
            none: {}

            """)
        try assertRoundTrip(root)
    }

    func testTrickyStringsRoundTrip() throws {
        let strings = [
            "5", "-3", "+7", "1e-08", ".5", "3.", ".inf", "-.Inf", ".nan", "true", "False", "null", "~", "",
            "yes", "No", "off", "0x1F", "1_000", "1:30", "a: b", "a:b", "# not a comment", "a #b", "x#y",
            "'single'", "\"double\"", "it's", "[1, 2]", "{a: 1}", "- item", "? key", "&anchor", "*alias",
            "!tag", "%directive", "@at", "`tick", "|", ">", "  padded  ", "trailing ", "tab\there",
            "line\nbreak", "ends with newline\n", "\n", "crlf\r\n", "naïve café", "日本語", "emoji 🎉",
            "back\\slash", "bell\u{07}", "nel\u{85}x", "---", "...", "--- x", ",", "a, b", "<<", "=",
        ]
        var pairs: [(String, YAMLNode)] = []
        for (i, s) in strings.enumerated() {
            pairs.append(("s\(i)", quoted(s)))
        }
        try assertRoundTrip(map(pairs))
        try assertRoundTrip(list(strings.map(quoted)))
        try assertRoundTrip(list(Array(strings.map(quoted).prefix(8))))
        // As keys, too.
        try assertRoundTrip(YAMLNode(.mapping(strings.map { (key: quoted($0), value: plain("1")) }), mark: at))
    }

    func testNumbersBooleansAndNullsStayTyped() throws {
        let plains = ["1e-08", "-0.5", "-12", "0", "1E+2", ".inf", "-.inf", ".nan", "true", "FALSE", "null", "~", ""]
        try assertRoundTrip(map(plains.enumerated().map { ("p\($0.offset)", plain($0.element)) }))
        try assertRoundTrip(list(plains.map(plain)))
        let text = YAMLEmitter.emit(map([("lr", plain("1e-08")), ("n", plain("-12")), ("s", quoted("-12")),
                                         ("t", quoted("true")), ("e", quoted("")), ("z", plain(""))]))
        XCTAssertEqual(text, "lr: 1e-08\nn: -12\ns: \"-12\"\nt: \"true\"\ne: \"\"\nz:\n")
    }

    /// Found by fuzzing (`&a `): an empty plain scalar is null, but written as nothing at the root
    /// or as a key it would read back as an empty document or an empty string.
    func testEmptyPlainScalarIsSpelledNullWhereItWouldVanish() throws {
        XCTAssertEqual(YAMLEmitter.emit(plain("")), "null\n")
        XCTAssertEqual(YAMLEmitter.emit(YAMLNode(.mapping([(key: plain(""), value: plain(""))]), mark: at)), "null:\n")
        try assertRoundTrip(XCTUnwrap(YAMLParser.parse(text: "&a ", file: "x.yaml")))
        try assertRoundTrip(XCTUnwrap(YAMLParser.parse(text: "?\n: x\n", file: "x.yaml")))
    }

    func testFlowListRule() {
        XCTAssertEqual(YAMLEmitter.emit(map([("a", list((1...8).map { plain("\($0)") }))])),
                       "a: [1, 2, 3, 4, 5, 6, 7, 8]\n")
        XCTAssertEqual(YAMLEmitter.emit(map([("a", list((1...9).map { plain("\($0)") }))])),
                       "a:\n- 1\n- 2\n- 3\n- 4\n- 5\n- 6\n- 7\n- 8\n- 9\n")
        XCTAssertEqual(YAMLEmitter.emit(list([plain("x"), list([plain("y")])])), "- x\n- [y]\n")
        XCTAssertEqual(YAMLEmitter.emit(list([plain("x"), plain("")])), "- x\n-\n")
        XCTAssertEqual(YAMLEmitter.emit(list([quoted("a, b"), quoted("c]")])), "['a, b', 'c]']\n")
    }

    func testUnicodeIsWrittenAsIs() {
        XCTAssertEqual(YAMLEmitter.emit(map([("name", quoted("café 日本"))])), "name: café 日本\n")
        XCTAssertEqual(YAMLEmitter.emit(map([("text", quoted("a\nb"))])), "text: \"a\\nb\"\n")
    }
}
