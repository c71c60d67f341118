import Engine
import Foundation
import Spec
import TestSupport
import XCTest

/// The same weights and inputs through our layers and through `torch.nn` (when Python with
/// PyTorch is installed): outputs, input gradients and parameter gradients agree to 1e-5.
/// Skipped, not passed, when PyTorch is unavailable.
final class TorchLayerParityTests: XCTestCase {
    /// One case: a layer on an input shape, with the PyTorch module that should compute the same.
    private struct Case {
        let label: String
        let shape: [Int]
        let layer: any Layer
        /// Python expression of the module (`torch.nn.GELU()`).
        let module: String
    }

    private var cases: [Case] {
        [
            Case(label: "gelu", shape: [2, 3, 4], layer: GELU(), module: "torch.nn.GELU()"),
            Case(label: "silu", shape: [7], layer: SiLU(), module: "torch.nn.SiLU()"),
            Case(label: "leaky_relu", shape: [2, 3, 4], layer: LeakyReLU(slope: 0.2), module: "torch.nn.LeakyReLU(0.2)"),
            Case(label: "elu", shape: [2, 3, 4], layer: ELU(alpha: 0.7), module: "torch.nn.ELU(0.7)"),
            Case(label: "identity", shape: [5], layer: Identity(), module: "torch.nn.Identity()"),
            Case(label: "global_avgpool", shape: [3, 4, 5], layer: GlobalAvgPool(),
                 module: "torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(1))"),
            Case(label: "layernorm", shape: [2, 3, 4], layer: LayerNorm(), module: "torch.nn.LayerNorm([2, 3, 4])"),
            Case(label: "layernorm_last", shape: [2, 3, 4], layer: LayerNorm(dims: 1, eps: 1e-3),
                 module: "torch.nn.LayerNorm([4], eps=1e-3)"),
            Case(label: "grouped_conv", shape: [4, 6, 5], layer: GroupedConv2D(Conv2DLayer(outChannels: 6, kernel: 3, padding: 1, groups: 2)),
                 module: "torch.nn.Conv2d(4, 6, 3, padding=1, groups=2)"),
            Case(label: "depthwise_conv", shape: [3, 7, 7],
                 layer: GroupedConv2D(Conv2DLayer(outChannels: 3, kernel: 3, stride: 2, padding: 1, groups: 3, bias: false)),
                 module: "torch.nn.Conv2d(3, 3, 3, stride=2, padding=1, groups=3, bias=False)"),
            Case(label: "conv_same", shape: [2, 6, 6], layer: Conv2D(outChannels: 3, kernel: 5, padding: 2),
                 module: "torch.nn.Conv2d(2, 3, 5, padding='same')"),
        ]
    }

    func testNewLayersMatchTorch() throws {
        var request: [[String: Any]] = []
        var ours: [[String: [Float]]] = []
        let batch = 3
        for c in cases {
            let net = EngineFixtures.checkedNetwork(c.shape, EngineFixtures.chain([c.layer]), batch: batch, threads: 1)
            let x = engineRandomValues(batch * c.shape.reduce(1, *), seed: 21, margin: 0.05)
            let y = x.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: batch, training: true) }
            let outputs = Array(UnsafeBufferPointer(start: y, count: batch * net.classes))
            var rng = Random(seed: 22)
            let upstream = (0..<outputs.count).map { _ in rng.uniform(-1, 1) }
            for i in upstream.indices { net.outputGradient[i] = upstream[i] }
            net.backward(batch: batch)
            let dx = Array(UnsafeBufferPointer(start: try XCTUnwrap(net.inputGradient), count: x.count))
            var values: [String: [Float]] = ["y": outputs, "dx": dx]
            var params: [[String: Any]] = []
            for p in net.parameters {
                let field = String(p.name.split(separator: ".").last!)  // weight / bias
                params.append(["name": field, "shape": p.value.shape, "values": p.value.array])
                values["grad." + field] = p.grad.array
            }
            request.append(["label": c.label, "module": c.module, "shape": [batch] + c.shape, "x": x, "upstream": upstream,
                            "params": params])
            ours.append(values)
        }
        let theirs = try runTorch(request)
        for (c, (mine, reference)) in zip(cases, zip(ours, theirs)) {
            XCTAssertEqual(Set(mine.keys), Set(reference.keys), c.label)
            for (key, values) in mine {
                let expected = try XCTUnwrap(reference[key], "\(c.label): torch has no \(key)")
                XCTAssertEqual(values.count, expected.count, "\(c.label) \(key)")
                let worst = zip(values, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-5, "\(c.label) \(key)")
            }
        }
    }

    private func runTorch(_ request: [[String: Any]]) throws -> [[String: [Float]]] {
        let raw = try TorchScript.run(Self.script, request: request)
        let decoded = try XCTUnwrap(raw as? [[String: [NSNumber]]])
        return decoded.map { $0.mapValues { $0.map(\.floatValue) } }
    }

    /// Per case: the module with our parameter values, y = module(x), y.backward(upstream).
    private static let script = """
    import json, sys
    try:
        import torch
    except ImportError:
        sys.exit(3)
    torch.set_num_threads(1)
    out = []
    for case in json.load(open(sys.argv[1])):
        module = eval(case["module"]).double()
        with torch.no_grad():
            for p in case["params"]:
                getattr(module, p["name"]).copy_(torch.tensor(p["values"], dtype=torch.float64).reshape(p["shape"]))
        x = torch.tensor(case["x"], dtype=torch.float64).reshape(case["shape"]).requires_grad_(True)
        y = module(x)
        y.backward(torch.tensor(case["upstream"], dtype=torch.float64).reshape(y.shape))
        result = {"y": y.detach().reshape(-1).tolist(), "dx": x.grad.reshape(-1).tolist()}
        for p in case["params"]:
            result["grad." + p["name"]] = getattr(module, p["name"]).grad.reshape(-1).tolist()
        out.append(result)
    json.dump(out, open(sys.argv[2], "w"))
    """
}
