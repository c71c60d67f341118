import XCTest
@testable import Spec

/// Display names and layer names end up in folder names, CSV cells, Markdown, SVG, JSON and terminal
/// lines; `validate` bounds them and refuses what no output could show faithfully.
final class NameRuleTests: XCTestCase {
    private func named(_ yamlName: String) -> String {
        validText.replacingOccurrences(of: "name: Test", with: "name: \(yamlName)")
    }

    func testControlCharactersInANameAreRefusedWithTheirCodeAndPosition() {
        XCTAssertEqual(errorLines(named(#""Red \e[31m""#)),
                       ["x.yaml:1:7: name: expected printable text, found the control character U+001B at character 5"])
        XCTAssertEqual(errorLines(named(#""a\0b""#)),
                       ["x.yaml:1:7: name: expected printable text, found the control character U+0000 at character 2"])
        XCTAssertEqual(errorLines(named(#""two\r\nlines""#)),
                       ["x.yaml:1:7: name: expected printable text, found the control character U+000D at character 4"])
        XCTAssertEqual(errorLines(named(#""next\x85line""#)),
                       ["x.yaml:1:7: name: expected printable text, found the control character U+0085 at character 5"])
        XCTAssertEqual(errorLines(named(#""abc\u202Efdp.exe""#)),
                       ["x.yaml:1:7: name: expected printable text, found the bidirectional control U+202E at character 4"])
        XCTAssertEqual(errorLines(named(#""para\u2029graph""#)),
                       ["x.yaml:1:7: name: expected printable text, found the line separator U+2029 at character 5"])
        XCTAssertEqual(errorLines(validText + "\nbaseline: \"No\\tTab\""),
                       ["x.yaml:8:11: baseline: expected printable text, found the control character U+0009 at character 3"])
    }

    func testEmptyAndOverlongNamesAreRefused() {
        XCTAssertEqual(errorLines(named(#""""#)), ["x.yaml:1:7: name: expected a string, found \"\""])
        XCTAssertEqual(errorLines(named(#""   ""#)), ["x.yaml:1:7: name: expected a non-empty display name, found only spaces"])
        XCTAssertEqual(errorLines(named(String(repeating: "x", count: 121))),
                       ["x.yaml:1:7: name: expected a display name of at most 120 characters, found 121"])
        XCTAssertEqual(loadTrials(named(String(repeating: "x", count: 120))).count, 1)
    }

    func testQuotesPipesMarkupAndFormulaPrefixesAreValidNames() {
        for name in [#"'"double" and ''single'''"#, #""a | b""#, #""<script>alert(1)</script>""#,
                     #""=cmd|' /C calc'!A0""#, #""+1""#, #""-1""#, #""@SUM(A1)""#, #""Über 🧪""#] {
            let trials = loadTrials(named(name))
            XCTAssertEqual(trials.count, 1, name)
            XCTAssertFalse(trials.first?.slug.isEmpty ?? true)
        }
    }

    func testLongNamesGetBoundedDistinctStableFolderNames() throws {
        let long = String(repeating: "very long variant name ", count: 5)   // 115 characters
        let a = try XCTUnwrap(loadTrials(named(long + "A")).first), b = try XCTUnwrap(loadTrials(named(long + "B")).first)
        XCTAssertNotEqual(a.slug, b.slug)
        XCTAssertEqual(a.slug, try XCTUnwrap(loadTrials(named(long + "A")).first).slug)
        for slug in [a.slug, b.slug] {
            XCTAssertLessThanOrEqual(slug.utf8.count, 80 + "-seed0".count, slug)
            XCTAssertTrue(slug.hasPrefix("very-long-variant-name-very-long"), slug)
            XCTAssertNotNil(slug.range(of: #"^[a-z0-9-]+-[0-9a-f]{8}-seed0$"#, options: .regularExpression), slug)
        }
        // Names that fit keep the readable slug.
        XCTAssertEqual(try XCTUnwrap(loadTrials(named("Weight decay (L2)")).first).slug, "weight-decay-l2-seed0")
    }

    func testLayerNamesAreDotSeparatedIdentifiers() {
        func layers(_ name: String) -> String {
            validText.replacingOccurrences(of: "  lenet5: {dropout: 0.0}",
                                           with: "  layers:\n    - {type: flatten, name: \(name)}\n    - {type: linear, out: 10}")
        }
        XCTAssertEqual(loadTrials(layers("features.0")).count, 1)
        XCTAssertEqual(loadTrials(layers("conv_1")).count, 1)
        XCTAssertEqual(errorLines(layers(#""a b""#)), [
            "x.yaml:6:29: model.layers[0].name: expected a layer name of letters, digits and underscores, "
                + "optionally dot-separated (conv1, features.0), found \"a b\""])
        XCTAssertEqual(errorLines(layers(#""x.""#)), [
            "x.yaml:6:29: model.layers[0].name: expected a layer name of letters, digits and underscores, "
                + "optionally dot-separated (conv1, features.0), found \"x.\""])
        XCTAssertEqual(errorLines(layers(#""\e[2J""#)), [
            "x.yaml:6:29: model.layers[0].name: expected a layer name of letters, digits and underscores, "
                + "optionally dot-separated (conv1, features.0), found \"\\u{1b}[2J\""])
        XCTAssertEqual(errorLines(layers(String(repeating: "n", count: 65))), [
            "x.yaml:6:29: model.layers[0].name: expected a layer name of at most 64 characters, found 65"])
    }
}
