import Foundation
import TestSupport
import XCTest

/// A tiny experiment over a generated dataset, small enough to train in a debug build in
/// well under a second per epoch.
struct EndToEndFixture {
    let root: String
    var data: String { root + "/data" }
    var config: String { root + "/tiny.yaml" }

    init(_ test: XCTestCase, train: Int = 600, test testCount: Int = 200, epochs: Int = 2, seeds: [Int] = [0, 1],
         extra: String = "") throws {
        root = try temporaryFolder(test)
        try TinyDataset.write(to: data, train: train, test: testCount)
        let yaml = """
            name: Tiny
            seeds: [\(seeds.map(String.init).joined(separator: ", "))]
            data:
              path: \(data)
              validation: 100
            model:
              layers:
                - {type: conv2d, name: conv1, out: 4, kernel: 5, stride: 2}
                - {type: relu}
                - {type: flatten}
                - {type: linear, name: fc1, out: 10}
            train:
              epochs: \(epochs)
              batch_size: 32
              optimizer: {type: adam, lr: 0.01}
            \(extra)
            """
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func results(_ name: String = "results") -> String { root + "/" + name }

    /// Writes `<root>/<name>` holding `extends: tiny.yaml` and `body`; returns its path.
    func variant(_ name: String, _ body: String) throws -> String {
        let path = root + "/" + name
        try ("extends: tiny.yaml\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// results.csv rows as dictionaries keyed by header.
    func rows(_ resultsDir: String) throws -> [[String: String]] {
        let lines = try read(resultsDir + "/results.csv").split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, csvFields(line)))
        }
    }

    /// history.csv without the wall-clock `seconds` column (everything else is deterministic).
    func historyWithoutTimes(_ path: String) throws -> String {
        try read(path).split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
        }.joined(separator: "\n")
    }
}

/// Splits one RFC 4180 CSV line.
func csvFields(_ line: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var chars = Array(line)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false }
            } else { current.append(c) }
        } else if c == "\"" { quoted = true } else if c == "," { fields.append(current); current = "" } else { current.append(c) }
    }
    fields.append(current)
    return fields
}
