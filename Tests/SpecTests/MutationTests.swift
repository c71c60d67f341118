import Engine
import Foundation
import XCTest
import TestSupport
@testable import Spec

/// Seeded random damage to every shipped experiment: loading must never crash, and every
/// failure must be one-line `file[:line:col]: ...` errors.
final class MutationTests: XCTestCase {
    private static let tokens = [":", ": ", "[", "]", "{", "}", "- ", "&a ", "*a", "!!str ", ".inf", "-1", "0", "\t",
                                 "\"", "'", "#", "\n", "  ", "null", "~", "1e999", "extends: x.yaml\n", "sweep: {a: [1]}\n",
                                 "model: {layers: [{type: add}]}\n", "\u{0}", "\u{FEFF}", "é", "<<: *a\n"]

    func testRandomMutationsNeverCrashAndFailCleanly() throws {
        let files = try Paths.shippedExperiments()
        let pattern = try NSRegularExpression(pattern: #"^[^:\n]+(:\d+:\d+)?: [^\n]*$"#)
        var random = Random(seed: 2024)
        var failures = 0
        var successes = 0
        for iteration in 0..<2000 {
            let file = files[iteration % files.count]
            var bytes = Array(try String(contentsOfFile: file, encoding: .utf8).utf8)
            for _ in 0...Int.random(in: 0...2, using: &random) { mutate(&bytes, &random) }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try ExperimentLoader.load(text: text, file: file, datasets: FixedDataset())
                successes += 1
            } catch {
                failures += 1
                XCTAssertFalse(error.errors.isEmpty)
                for line in error.errors.map(\.description) {
                    let range = NSRange(line.startIndex..., in: line)
                    XCTAssertNotNil(pattern.firstMatch(in: line, range: range), "bad error line: \(line.debugDescription)")
                }
            }
        }
        // Both outcomes must occur, or the mutations are too weak or too strong to test anything.
        XCTAssertGreaterThan(failures, 500)
        XCTAssertGreaterThan(successes, 50)
    }

    private func mutate(_ bytes: inout [UInt8], _ random: inout Random) {
        guard !bytes.isEmpty else { bytes = Array("x".utf8); return }
        let at = Int.random(in: 0..<bytes.count, using: &random)
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        let line = Int.random(in: 0..<lines.count, using: &random)
        let other = Int.random(in: 0..<lines.count, using: &random)
        switch Int.random(in: 0..<7, using: &random) {
        case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
        case 1: bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...20, using: &random)))
        case 3:
            lines.insert(lines[line], at: other)
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        case 4:
            lines.remove(at: line)
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        case 5:
            // Swap the values (or keys) of two lines around their first colon.
            let split = { (l: [UInt8]) in l.firstIndex(of: UInt8(ascii: ":")) ?? l.count }
            let (a, b) = (lines[line], lines[other])
            if Bool.random(using: &random) {
                lines[line] = Array(a[..<split(a)] + b[split(b)...])
                lines[other] = Array(b[..<split(b)] + a[split(a)...])
            } else {
                lines[line] = Array(b[..<split(b)] + a[split(a)...])
                lines[other] = Array(a[..<split(a)] + b[split(b)...])
            }
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        default:
            let token = Self.tokens[Int.random(in: 0..<Self.tokens.count, using: &random)]
            bytes.insert(contentsOf: Array(token.utf8), at: at)
        }
    }
}
