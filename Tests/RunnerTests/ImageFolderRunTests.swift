import Foundation
import TestSupport
import XCTest

/// A colour image folder, as a user brings one: PNGs the test encodes with libpng, trained end to
/// end by the `runner` binary with `channels: 3` and per-channel normalization.
final class ImageFolderRunTests: XCTestCase {
    /// `perClass` 12×12 RGB images per class; class k's channel k is bright, the others noise.
    private func writeFolder(_ root: String, train: Int = 40, test: Int = 12) throws {
        var state: UInt64 = 3
        func below(_ n: Int) -> Int {  // a small LCG: the test only needs noise
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        for (split, perClass) in [("train", train), ("test", test)] {
            var images: [UInt8] = []
            var labels: [Int] = []
            for k in 0..<3 {
                for _ in 0..<perClass {
                    for c in 0..<3 { for _ in 0..<144 { images.append(UInt8(c == k ? 150 + below(100) : below(120))) } }
                    labels.append(k)
                }
            }
            try DataFiles.writeImageFolder(root: root, split: split, classes: ["blue-ish", "green", "red"], images: images,
                                           labels: labels, channels: 3, height: 12, width: 12)
        }
    }

    private func config(_ root: String) throws -> String {
        let path = root + "/rgb.yaml"
        try """
            name: RGB
            data:
              path: \(root)/images
              channels: 3
              normalize: {mean: [0.4, 0.5, 0.6], std: [0.3, 0.3, 0.25]}
              validation: 15
            model:
              layers:
                - {type: conv2d, out: 4, kernel: 3}
                - {type: relu}
                - {type: flatten}
                - {type: linear, out: 3}
            train: {epochs: 2, batch_size: 16, threads: 1, optimizer: {type: adam, lr: 0.01}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testAnRGBImageFolderTrainsEndToEnd() throws {
        let root = try temporaryFolder(self)
        try writeFolder(root + "/images")
        let config = try config(root)
        let env = ["XDG_CACHE_HOME": root + "/cache"]
        let v = try RunnerProcess.run(["validate", config], environment: env)
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertTrue(v.stdout.contains("Input shape: [3, 12, 12]") && v.stdout.contains("[4, 10, 10]       112"), v.stdout)
        let r = try RunnerProcess.run(["run", config, "--results", root + "/results", "--quiet"], environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try String(contentsOfFile: root + "/results/results.csv", encoding: .utf8)
        XCTAssertTrue(csv.contains(",completed"), csv)
        let resolved = try String(contentsOfFile: root + "/results/rgb-seed0/config.yaml", encoding: .utf8)
        XCTAssertTrue(resolved.contains("  channels: 3\n"), resolved)
        XCTAssertTrue(resolved.contains("    mean: [0.4, 0.5, 0.6]\n"), resolved)
        XCTAssertFalse(resolved.contains("format:"), "an omitted format stays omitted")
        let cached = try FileManager.default.contentsOfDirectory(atPath: root + "/cache/declarative-dl")
        XCTAssertEqual(cached.filter { $0.hasSuffix(".pixels") }.count, 1, "\(cached)")
        // The saved weights reproduce the recorded test accuracy, and the classes were learned.
        let e = try RunnerProcess.run(["eval", root + "/results/rgb-seed0/config.yaml", "--weights",
                                       root + "/results/rgb-seed0/model.safetensors"], environment: env)
        XCTAssertEqual(e.status, 0, e.stderr)
        let testLine = try XCTUnwrap(e.stdout.split(separator: "\n").first { $0.contains("test ") })
        let accuracy = try XCTUnwrap(Double(testLine.split(separator: " ").dropFirst(2).first ?? ""))
        XCTAssertGreaterThan(accuracy, 80, String(testLine))
        XCTAssertTrue(csv.contains(String(format: "%.2f", accuracy)), "\(csv) vs \(testLine)")
        // Per class: the folder names in label order, 12 test images each, averaging to the accuracy.
        let perClass = e.stdout.split(separator: "\n").filter { $0.hasPrefix("    class ") }
        XCTAssertEqual(perClass.map { $0.split(separator: " ")[1] }, ["blue-ish", "green", "red"], e.stdout)
        XCTAssertTrue(perClass.allSatisfy { $0.hasSuffix("(12 images)") }, e.stdout)
        let classAccuracies = try perClass.map { line in try XCTUnwrap(Double(line.split(separator: " ")[3])) }
        XCTAssertEqual(classAccuracies.reduce(0, +) / 3, accuracy, accuracy: 0.01)
    }

    func testACorruptImageIsOneLineAndExitTwo() throws {
        let root = try temporaryFolder(self)
        try writeFolder(root + "/images", train: 4, test: 2)
        let config = try config(root)
        let bad = root + "/images/train/green/00005.png"
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: bad))
        try bytes.prefix(bytes.count - 30).write(to: URL(fileURLWithPath: bad))
        let r = try RunnerProcess.run(["run", config, "--results", root + "/results"], environment: ["XDG_CACHE_HOME": root + "/cache"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "\(config):3:9: data.path: \(bad): corrupt PNG image (libpng: file is truncated)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/results/rgb-seed0"))
    }
}
