import Export
import Foundation
import Reports
import TestSupport
import Training
import XCTest

/// The exported models run in onnxruntime (PyPI `onnxruntime`; skipped where it or the
/// Fashion-MNIST files are missing) on the real test images: our logits to 1e-4, our accuracy
/// exactly. onnx's checker validates each file first (with shape inference).
final class OnnxRuntimeTests: XCTestCase {
    static let script = """
        import json, sys
        try:
            import numpy as np
            import onnx
            import onnxruntime as ort
        except ImportError:
            sys.exit(3)
        request = json.load(open(sys.argv[1]))
        answer = []
        for m in request["models"]:
            onnx.checker.check_model(onnx.load(m["onnx"]), full_check=True)
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            session = ort.InferenceSession(m["onnx"], options, providers=["CPUExecutionProvider"])
            images = np.fromfile(m["images"], dtype="<f4").reshape([-1] + m["shape"])
            logits = np.concatenate([session.run(["logits"], {"input": images[i:i + 1000]})[0]
                                     for i in range(0, len(images), 1000)])
            logits.astype("<f4").tofile(m["logits"])
            answer.append({"rows": int(logits.shape[0]), "inputs": [i.name for i in session.get_inputs()],
                           "batch": session.get_inputs()[0].shape[0]})
        json.dump({"models": answer, "onnxruntime": ort.__version__}, open(sys.argv[2], "w"))
        """

    struct Run {
        let name: String
        let c: ExportCase
        let images: [Float], labels: [Int], logits: [Float]
        var opset = OnnxExporter.defaultOpset
    }

    /// Writes each case's model and images, runs them all in one Python process, returns the logits.
    private func runtimeLogits(_ runs: [Run]) throws -> [[Float]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var models: [[String: Any]] = []
        for (i, r) in runs.enumerated() {
            let onnx = dir.appendingPathComponent("\(i).onnx"), images = dir.appendingPathComponent("\(i).f32")
            try r.c.model(opset: r.opset).serializedData().write(to: onnx)
            try floatData(r.images).write(to: images)
            models.append(["onnx": onnx.path, "images": images.path, "shape": r.c.plan.inputShape,
                           "logits": dir.appendingPathComponent("\(i).logits").path])
        }
        let reply = try TorchScript.run(Self.script, request: ["models": models], requires: "numpy, onnx and onnxruntime")
        let answer = try XCTUnwrap(reply as? [String: Any])  // the skip, without onnxruntime, is thrown above
        let described = try XCTUnwrap(answer["models"] as? [[String: Any]])
        for (r, d) in zip(runs, described) {
            XCTAssertEqual(d["inputs"] as? [String], ["input"], r.name)
            XCTAssertEqual(d["batch"] as? String, "batch", r.name)
            XCTAssertEqual(d["rows"] as? Int, r.labels.count, r.name)
        }
        return try models.map { floats(try Data(contentsOf: URL(fileURLWithPath: $0["logits"] as! String))) }
    }

    private func requireData() throws {
        guard FileManager.default.fileExists(atPath: Paths.fashionMNIST + "/t10k-images-idx3-ubyte")
            || FileManager.default.fileExists(atPath: Paths.fashionMNIST + "/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed at \(Paths.fashionMNIST)")
        }
    }

    private func assertClose(_ ours: [Float], _ theirs: [Float], _ name: String) {
        XCTAssertEqual(ours.count, theirs.count, name)
        var worst: Float = 0
        for (a, b) in zip(ours, theirs) { worst = max(worst, abs(a - b)) }
        XCTAssertLessThanOrEqual(worst, 1e-4, "\(name): largest logit difference \(worst)")
    }

    /// Each LeNet-5 variant of the committed study (seed 0): onnxruntime's test accuracy over the
    /// 10,000 test images is metrics.json's test accuracy; its logits are ours on the first 500 (our engine's debug build is slow).
    func testShippedVariantsMatchOurLogitsAndAccuracy() throws {
        try requireData()
        let folders = ["no-regularization-seed0", "dropout-seed0", "weight-decay-l2-seed0", "batch-normalization-seed0"]
        var runs: [Run] = []
        var accuracies: [Double] = []
        let cache = DataCache()  // the variants share one data section
        for folder in folders {
            let path = Paths.results + "/" + folder
            guard FileManager.default.fileExists(atPath: path + "/model.safetensors") else {
                XCTFail("\(path): no checkpoint")
                continue
            }
            let c = try ExportCase.trialFolder(path)
            let t = try c.testImages(logitCount: 500, cache: cache)
            runs.append(Run(name: folder, c: c, images: t.images, labels: t.labels, logits: t.logits))
            let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/metrics.json"))) as? [String: Any]
            accuracies.append(try XCTUnwrap(metrics?["testAcc"] as? Double))
        }
        let theirs = try runtimeLogits(runs)
        for ((r, logits), accuracy) in zip(zip(runs, theirs), accuracies) {
            XCTAssertEqual(r.labels.count, 10_000, r.name)
            assertClose(r.logits, Array(logits.prefix(r.logits.count)), r.name)
            let correct = zip(argmax(logits, classes: 10), r.labels).filter { $0 == $1 }.count
            XCTAssertEqual(Double(correct) / Double(r.labels.count), accuracy, r.name)
        }
    }

    /// A graph with every layer type (branches joined by concat and add, grouped convolutions,
    /// GELU, SiLU, layer norm, both batch norms with non-trivial statistics), at opset 20 and at
    /// opset 17 (GELU spelled out with Erf): our logits and predictions on 300 test images.
    func testEveryLayerGraphMatchesOurLogits() throws {
        try requireData()
        let c = try ExportCase.random(everyLayerGraph)
        let t = try c.testImages(logitCount: 300)
        let runs = [20, 17].map { Run(name: "every layer, opset \($0)", c: c, images: t.images, labels: t.labels, logits: t.logits, opset: $0) }
        for (r, theirs) in zip(runs, try runtimeLogits(runs)) {
            assertClose(t.logits, theirs, r.name)
            XCTAssertEqual(argmax(theirs, classes: 10), argmax(t.logits, classes: 10), r.name)
        }
        XCTAssertGreaterThan(Set(argmax(t.logits, classes: 10)).count, 1, "a graph predicting one class checks little")
    }
}
