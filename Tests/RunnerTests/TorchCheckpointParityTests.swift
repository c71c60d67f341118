import Foundation
import TestSupport
import XCTest

/// A checkpoint made in PyTorch — the registry models' modules in `examples/pytorch_models.py`,
/// PyTorch's own initialization, batch-norm running statistics moved off their defaults — saved
/// with `safetensors.torch.save_file(model.state_dict())`, loaded through `model.init_from` and
/// evaluated by `runner eval`: the same test accuracy as PyTorch's eval mode, the same loss to
/// 1e-5, on the first 500 Fashion-MNIST test images. Skipped where torch is not installed.
final class TorchCheckpointParityTests: XCTestCase {
    private static let script = #"""
    import json, sys
    request = json.load(open(sys.argv[1]))
    try:
        import torch, safetensors, yaml, PIL
    except ImportError:
        sys.exit(3)
    sys.path.insert(0, request["examples"])
    from pytorch_models import build
    from pytorch_load import test_set, evaluate
    from safetensors.torch import save_file
    torch.set_num_threads(1)
    answers = {}
    for m in request["models"]:
        torch.manual_seed(7)
        x, y = test_set(m["data"])
        model = build(m["model"], in_channels=x.shape[1], classes=10, in_features=x[0].numel())
        model.train()  # a few train-mode passes move the batch-norm running statistics off (0, 1)
        with torch.no_grad():
            for s in range(0, 300, 100):
                model(x[s:s + 100] * 1.5 + 0.2)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, m["weights"])
        accuracy, loss = evaluate(model, x, y)
        answers[m["name"]] = {"accuracy": accuracy, "loss": loss, "samples": len(y)}
    json.dump(answers, open(sys.argv[2], "w"))
    """#

    func testPyTorchCheckpointsEvaluateToPyTorchsAccuracyAndLoss() throws {
        let data = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: data + "/t10k-images-idx3-ubyte.gz") else {
            throw XCTSkip("Fashion-MNIST is not installed (scripts/setup.sh)")
        }
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples").path
        let root = try temporaryFolder(self)
        let models: [(name: String, yaml: String, python: [String: Any], resize: Int?)] = [
            ("lenet5", "{lenet5: {batchnorm: true, dropout: 0.5}}", ["lenet5": ["batchnorm": true, "dropout": 0.5]], 32),
            ("mlp", "{mlp: {hidden: [32], batchnorm: true}}", ["mlp": ["hidden": [32], "batchnorm": true]], nil),
            ("vgg", "{vgg: {width: 8, stages: 2, convs: 2, batchnorm: true, dropout: 0.2}}",
             ["vgg": ["width": 8, "stages": 2, "convs": 2, "batchnorm": true, "dropout": 0.2]], nil),
            ("resnet", "{resnet: {width: 8, stages: 2, blocks: 1}}", ["resnet": ["width": 8, "stages": 2, "blocks": 1]], nil),
            ("resnet-a", "{resnet: {width: 8, stages: 3, blocks: 1, shortcut: pooling}}",
             ["resnet": ["width": 8, "stages": 3, "blocks": 1, "shortcut": "pooling"]], nil),
        ]
        var request: [[String: Any]] = []
        for m in models {
            var d: [String: Any] = ["path": data, "test_limit": 500]
            if let resize = m.resize { d["resize"] = resize }
            request.append(["name": m.name, "model": m.python, "data": d, "weights": "\(root)/\(m.name).safetensors"])
        }
        let reply = try TorchScript.run(Self.script, request: ["examples": examples, "models": request])  // skips without torch
        let torch = try XCTUnwrap(reply as? [String: [String: Double]])
        for m in models {
            let config = "\(root)/\(m.name).yaml"
            try """
                name: \(m.name)
                data: {path: \(data), validation: 100, train_limit: 100, test_limit: 500\(m.resize.map { ", resize: \($0)" } ?? "")}
                model: \(m.yaml.dropLast()), init_from: {weights: \(root)/\(m.name).safetensors}}
                train: {threads: 2}
                """.write(toFile: config, atomically: true, encoding: .utf8)
            let r = try RunnerProcess.run(["eval", config, "--json"])
            XCTAssertEqual(r.status, 0, "\(m.name): \(r.stderr)")
            let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
            let test = try XCTUnwrap(answer["test"] as? [String: Any])
            let reference = try XCTUnwrap(torch[m.name])
            XCTAssertEqual(test["samples"] as? Int, 500, m.name)
            XCTAssertEqual(try XCTUnwrap(test["accuracy"] as? Double), reference["accuracy"]!, m.name)
            XCTAssertEqual(try XCTUnwrap(test["loss"] as? Double), reference["loss"]!, accuracy: 1e-5, m.name)
        }
    }
}
