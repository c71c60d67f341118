import Foundation
import TestSupport
import XCTest

/// A CSV table, as a user brings one: numeric feature columns on very different scales and a
/// named label column, trained end to end by the `runner` binary with an MLP and `normalize: auto`.
final class CSVRunTests: XCTestCase {
    /// Three classes of Gaussian blobs in 5 features; feature k is scaled by 10^k, so the network
    /// learns them only once the features are standardized.
    private func writeTables(_ dir: String, train: Int = 200, test: Int = 60) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var state: UInt64 = 11
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        func gaussian() -> Double { (-2 * log(max(uniform(), 1e-12))).squareRoot() * cos(2 * .pi * uniform()) }
        let names = ["bream", "perch", "pike"]
        for (file, perClass) in [("train.csv", train), ("test.csv", test)] {
            var text = "f0,f1,species,f2,f3,f4\n"
            for i in 0..<(3 * perClass) {
                let k = i % 3
                let features = (0..<5).map { f in (Double(k == f % 3 ? 2 : 0) + 0.5 * gaussian()) * pow(10, Double(f)) }
                let cells = features.map { String(format: "%.6g", $0) }
                text += (cells[0..<2] + [names[k]] + cells[2...]).joined(separator: ",") + "\n"
            }
            try text.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
        }
    }

    func testAnMLPTrainsOnAStandardizedCSVTable() throws {
        let root = try temporaryFolder(self)
        try writeTables(root + "/fish")
        let config = root + "/fish.yaml"
        try """
            name: Fish
            data: {path: \(root)/fish, label: species, normalize: auto, validation: 60}
            model: {mlp: {hidden: [16]}}
            train: {epochs: 8, batch_size: 20, threads: 1, optimizer: {type: adam, lr: 0.01}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let v = try RunnerProcess.run(["validate", config])
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertTrue(v.stdout.contains("Input shape: [5]"), v.stdout)
        let r = try RunnerProcess.run(["run", config, "--results", root + "/results", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let trial = root + "/results/fish-seed0"
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: trial + "/metrics.json"))) as! [String: Any]
        XCTAssertGreaterThan(try XCTUnwrap(metrics["testAcc"] as? Double), 0.9)
        // The statistics of the 540 training rows (600 minus 60 for validation), one per feature,
        // on each feature's own scale, recorded with the results.
        let normalization = try XCTUnwrap(metrics["normalization"] as? [String: [Double]])
        let mean = try XCTUnwrap(normalization["mean"]), std = try XCTUnwrap(normalization["std"])
        XCTAssertEqual(mean.count, 5)
        for f in 0..<5 {
            XCTAssertEqual(mean[f] / pow(10, Double(f)), 2.0 / 3, accuracy: 0.15, "feature \(f)")
            XCTAssertEqual(std[f] / pow(10, Double(f)), 1.0, accuracy: 0.2, "feature \(f)")
        }
        let perClass = try XCTUnwrap(metrics["testPerClass"] as? [[String: Any]])
        XCTAssertEqual(perClass.map { $0["name"] as? String }, ["bream", "perch", "pike"])
        let resolved = try String(contentsOfFile: trial + "/config.yaml", encoding: .utf8)
        XCTAssertTrue(resolved.contains("  label: species\n") && resolved.contains("  normalize: auto\n"), resolved)
        // The saved weights, with the same statistics recomputed from the data, give the recorded accuracy.
        let e = try RunnerProcess.run(["eval", trial + "/config.yaml", "--weights", trial + "/model.safetensors"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let testLine = try XCTUnwrap(e.stdout.split(separator: "\n").first { $0.contains("test ") })
        XCTAssertTrue(testLine.contains(String(format: "%6.2f", 100 * (metrics["testAcc"] as! Double))), "\(testLine)")
    }

    func testARaggedRowIsOneLineAndExitTwo() throws {
        let root = try temporaryFolder(self)
        try writeTables(root + "/fish", train: 4, test: 2)
        let train = root + "/fish/train.csv"
        try (try String(contentsOfFile: train, encoding: .utf8) + "1,2,pike\n").write(toFile: train, atomically: true, encoding: .utf8)
        let config = root + "/fish.yaml"
        try "name: Fish\ndata: {path: \(root)/fish, label: species, validation: 2}\nmodel: {mlp: {}}\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let r = try RunnerProcess.run(["run", config, "--results", root + "/results"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "\(config):2:14: data.path: \(train):14: expected 6 fields (the header's columns), found 3\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/results"))
    }
}
