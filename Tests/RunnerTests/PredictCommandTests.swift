import Foundation
import Reports
import TestSupport
import XCTest

/// `runner predict`, run as a user runs it, against the trial's own test results.
final class PredictCommandTests: XCTestCase {
    private struct Answer: Decodable {
        struct Prediction: Decodable, Equatable {
            var input: String, label: Int, `class`: String, probability: Double, probabilities: [Double]
        }
        var name: String, seed: UInt64, weights: String, classes: [String], predictions: [Prediction]
    }

    private func answer(_ r: RunnerResult) throws -> Answer {
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSONDecoder().decode(Answer.self, from: Data(r.stdout.utf8))
    }

    /// The whole test split through predict gives exactly the trial's test accuracy, with the
    /// resize and padding of the experiment applied to the inputs; PNG files and an npz of the
    /// same images give the same probabilities.
    func testPredictionsReproduceTheTrialsTestAccuracy() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let run = try RunnerProcess.run(["run", f.config, "data.resize=32", "data.pad=2", "--results", f.results(), "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let trial = f.results() + "/tiny-seed0"
        let test = TinyDataset.samples(train: 600, test: 200)[1]

        let npz = f.root + "/test.npz"
        try Data(DataFiles.zip([
            (name: "x_test.npy", bytes: DataFiles.npy(descr: "|u1", shape: [200, 28, 28], payload: test.images)),
            (name: "y_test.npy", bytes: DataFiles.npy(descr: "<i8", shape: [200], payload: DataFiles.int64(test.labels.map(Int.init)))),
        ])).write(to: URL(fileURLWithPath: npz))
        let all = try answer(try RunnerProcess.run(["predict", trial, npz, "--json"]))
        XCTAssertEqual(all.predictions.count, 200)
        // An IDX dataset is Fashion-MNIST unless data.dataset says mnist: its class names.
        XCTAssertEqual(all.classes, ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
        XCTAssertEqual(all.predictions[7].input, npz + ": x_test[7]")
        let correct = zip(all.predictions, test.labels).filter { $0.label == Int($1) }.count
        let metrics = try ReportBuilder.readRecord(trial + "/metrics.json")
        XCTAssertEqual(Double(correct) / 200, metrics.testAcc)
        for p in all.predictions {
            XCTAssertEqual(p.probabilities.reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertEqual(p.probability, p.probabilities.max())
            XCTAssertEqual(p.class, all.classes[p.label])
        }

        // The first three test images as PNG files: the same answers, bit for bit.
        var pngs: [String] = []
        for i in 0..<3 {
            let path = f.root + "/test\(i).png"
            try Data(try DataFiles.png(Array(test.images[i * 784 ..< (i + 1) * 784]), channels: 1, height: 28, width: 28))
                .write(to: URL(fileURLWithPath: path))
            pngs.append(path)
        }
        let files = try answer(try RunnerProcess.run(["predict", trial + "/config.yaml", "--weights", trial + "/model.safetensors"]
                                                     + pngs + ["--json"]))
        XCTAssertEqual(files.predictions.map(\.input), pngs)
        XCTAssertEqual(files.predictions.map(\.probabilities), all.predictions.prefix(3).map(\.probabilities))
        XCTAssertEqual(files.weights, trial + "/model.safetensors")

        // An RGB JPEG of another size is converted to gray and resized like the training images.
        let rgb = f.root + "/big.jpg"
        let plane = Array(test.images[0..<784])
        var big = [UInt8](repeating: 0, count: 56 * 56)
        for y in 0..<56 { for x in 0..<56 { big[y * 56 + x] = plane[(y / 2) * 28 + x / 2] } }
        try Data(try DataFiles.jpeg(big + big + big, channels: 3, height: 56, width: 56)).write(to: URL(fileURLWithPath: rgb))
        let jpeg = try answer(try RunnerProcess.run(["predict", trial, "--input", rgb, "--json"]))
        XCTAssertEqual(jpeg.predictions.map(\.input), [rgb])

        // The text answer: a header line, then one line per input with the --top classes.
        let text = try RunnerProcess.run(["predict", trial, pngs[0], "--top", "2"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3, text.stdout)
        XCTAssertEqual(lines[0], "Tiny (seed 0) with \(trial)/model.safetensors")
        let first = all.predictions[0]
        let second = first.probabilities.indices.filter { $0 != first.label }.max { first.probabilities[$0] < first.probabilities[$1] }!
        XCTAssertEqual(String(lines[1]), "  \(pngs[0])  \(first.class) \(String(format: "%.2f", 100 * first.probability)) %  ·  "
                       + "\(all.classes[second]) \(String(format: "%.2f", 100 * first.probabilities[second])) %")
    }

    /// Every bad input is one line on standard error, exit 2, nothing on standard output.
    func testBadInputsAreOneLine() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", f.results(), "--quiet"]).status, 0)
        let trial = f.results() + "/tiny-seed0"
        let notes = f.root + "/notes.txt"
        try "not an image".write(toFile: notes, atomically: true, encoding: .utf8)
        let small = f.root + "/small.png"
        try Data(try DataFiles.png([UInt8](repeating: 9, count: 20 * 24), channels: 1, height: 20, width: 24))
            .write(to: URL(fileURLWithPath: small))
        let twoArrays = f.root + "/two.npz"
        try Data(DataFiles.zip([
            (name: "a.npy", bytes: DataFiles.npy(descr: "|u1", shape: [1, 28, 28], payload: [UInt8](repeating: 0, count: 784))),
            (name: "b.npy", bytes: DataFiles.npy(descr: "|u1", shape: [1, 28, 28], payload: [UInt8](repeating: 0, count: 784))),
        ])).write(to: URL(fileURLWithPath: twoArrays))
        let cases: [([String], String)] = [
            ([trial, notes], "runner: \(notes): not a PNG or JPEG image"),
            ([trial, small], "runner: \(small): image is 24×20, but the network was trained on 28×28 images without data.resize"),
            ([trial, f.root + "/nope.png"], "runner: \(f.root)/nope.png: file not found"),
            ([trial, twoArrays], "runner: \(twoArrays): holds the arrays a, b; name the images with --array (expected one of them, or one named x or x_test)"),
            ([trial, twoArrays, "--array", "c"], "runner: \(twoArrays): no array 'c' (found a, b)"),
            ([trial], "runner: inputs: expected at least one input file (PNG, JPEG, .npy or .npz)"),
            ([f.config, small], "runner: --weights: expected --weights FILE, a trial folder holding model.safetensors, or a config with model.init_from"),
            ([trial, small, "--top", "0"], "runner: --top: expected a positive number of classes, found 0"),
        ]
        for (arguments, message) in cases {
            let r = try RunnerProcess.run(["predict"] + arguments)
            XCTAssertEqual(r.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(r.stderr, message + "\n", arguments.joined(separator: " "))
            XCTAssertEqual(r.stdout, "", arguments.joined(separator: " "))
        }
        // --array picks one of several.
        let picked = try answer(try RunnerProcess.run(["predict", trial, twoArrays, "--array", "b", "--json"]))
        XCTAssertEqual(picked.predictions.map(\.input), [twoArrays + ": b[0]"])
    }
}
