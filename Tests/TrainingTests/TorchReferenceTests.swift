import Engine
import Foundation
import Spec
import TestSupport
import XCTest
@testable import Training

/// Runs the same updates through `torch.optim` (when Python with PyTorch is installed) and compares
/// every parameter bit for bit. Skipped, not passed, when PyTorch is unavailable.
///
/// PyTorch's CPU wheels compute `sqrt` with MKL VML, which is not correctly rounded; the reference
/// script replaces `Tensor.sqrt` by a correctly rounded one (via Float64) so that the comparison
/// checks everything else exactly. See `AdamCore`.
final class TorchReferenceTests: XCTestCase {
    /// Whole vector blocks and odd tails (PyTorch's scalar tail loop must agree too).
    private let shapes = [[4, 16], [37], [2, 3, 31], [5]]

    func testAdamMatchesTorch() throws {
        try assertMatchesTorch(.adam(AdamOptions(lr: 3e-3, beta1: 0.85, weightDecay: 1e-3)), shapes: shapes)
    }

    func testAdamWMatchesTorch() throws {
        try assertMatchesTorch(.adamw(AdamOptions(lr: 1e-2, weightDecay: 0.05)), shapes: shapes)
    }

    func testRMSpropMatchesTorch() throws {
        // RMSprop's order of operations inside PyTorch's addcmul/addcdiv kernels is not pinned here
        // bit for bit: compared to a relative 1e-6.
        try assertMatchesTorch(.rmsprop(RMSpropOptions(lr: 1e-2, alpha: 0.9, weightDecay: 1e-3)), shapes: shapes, exact: false)
        try assertMatchesTorch(.rmsprop(RMSpropOptions(lr: 1e-2, momentum: 0.8, centered: true)), shapes: shapes, exact: false)
    }

    func testSGDWithDampeningMatchesTorch() throws {
        try assertMatchesTorch(.sgd(SGDOptions(lr: 0.1, momentum: 0.9, dampening: 0.3, weightDecay: 5e-4)), shapes: shapes)
    }

    func testSGDMatchesTorch() throws {
        var sgd = SGDOptions(lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
        try assertMatchesTorch(.sgd(sgd), shapes: shapes)
        sgd.nesterov = false
        try assertMatchesTorch(.sgd(sgd), shapes: shapes)
        sgd.momentum = 0
        try assertMatchesTorch(.sgd(sgd), shapes: shapes)
    }

    /// Runs 5 steps with random gradients and a learning rate changed between steps.
    private func assertMatchesTorch(_ spec: OptimizerSpec, shapes: [[Int]], exact: Bool = true,
                                    file: StaticString = #filePath, line: UInt = #line) throws {
        let params = makeParameters(shapes, seed: 11)
        let initial = bits(params)
        let optimizer = makeOptimizer(spec, parameters: params)
        var rng = Random(seed: 12)
        var grads: [[[UInt32]]] = [], lrs: [Double] = []
        for step in 0..<5 {
            randomGradients(params, &rng)
            grads.append(params.map { $0.grad.array.map(\.bitPattern) })
            optimizer.lr = spec.lr * (step < 3 ? 1 : 0.1)
            lrs.append(optimizer.lr)
            optimizer.step()
        }
        let (sgd, adam, rms): (SGDOptions, AdamOptions, RMSpropOptions) = switch spec {
        case let .sgd(o): (o, AdamOptions(), RMSpropOptions())
        case let .adam(o), let .adamw(o): (SGDOptions(), o, RMSpropOptions())
        case let .rmsprop(o): (SGDOptions(momentum: o.momentum), AdamOptions(eps: o.eps), o)
        }
        let request: [String: Any] = [
            "kind": spec.kind.rawValue, "lrs": lrs, "betas": [adam.beta1, adam.beta2], "eps": adam.eps,
            "weight_decay": spec.weightDecay, "momentum": sgd.momentum, "nesterov": sgd.nesterov,
            "dampening": sgd.dampening, "alpha": rms.alpha, "centered": rms.centered,
            "shapes": shapes, "params": initial, "grads": grads,
        ]
        let expected = try runTorch(request)
        if exact {
            XCTAssertEqual(bits(params), expected, "\(spec.kind) differs from torch.optim", file: file, line: line)
        } else {
            let ours = bits(params).joined().map { Float(bitPattern: $0) }, theirs = expected.joined().map { Float(bitPattern: $0) }
            XCTAssertEqual(ours.count, theirs.count, file: file, line: line)
            for (a, b) in zip(ours, theirs) {
                XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), "\(spec.kind) differs from torch.optim", file: file, line: line)
            }
        }
    }

    private func runTorch(_ request: [String: Any]) throws -> [[UInt32]] {
        let decoded = try TorchScript.run(Self.script, request: request) as? [[NSNumber]]
        return try XCTUnwrap(decoded).map { $0.map(\.uint32Value) }
    }

    /// The reference: torch.optim with the single-tensor implementation, Float32 bit patterns in and out.
    private static let script = """
    import json, sys
    try:
        import numpy as np
        import torch
    except ImportError:
        sys.exit(3)
    torch.set_num_threads(1)
    # Correctly rounded float32 sqrt (float64 sqrt, then one rounding), replacing MKL's vsSqrt.
    _sqrt = torch.Tensor.sqrt
    torch.Tensor.sqrt = lambda self: _sqrt(self.double()).float()
    torch.Tensor.sqrt_ = lambda self: self.copy_(_sqrt(self.double()).float())
    req = json.load(open(sys.argv[1]))
    def tensor(bits, shape):
        return torch.from_numpy(np.array(bits, dtype=np.uint32).view(np.float32).reshape(shape).copy())
    params = [torch.nn.Parameter(tensor(b, s)) for b, s in zip(req["params"], req["shapes"])]
    kind, lr0 = req["kind"], req["lrs"][0]
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=lr0, momentum=req["momentum"], nesterov=req["nesterov"],
                              dampening=req["dampening"], weight_decay=req["weight_decay"], foreach=False)
    elif kind == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=lr0, alpha=req["alpha"], eps=req["eps"], momentum=req["momentum"],
                                  centered=req["centered"], weight_decay=req["weight_decay"], foreach=False)
    else:
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        opt = cls(params, lr=lr0, betas=tuple(req["betas"]), eps=req["eps"],
                  weight_decay=req["weight_decay"], foreach=False)
    for lr, grads in zip(req["lrs"], req["grads"]):
        for group in opt.param_groups:
            group["lr"] = lr
        for p, g, s in zip(params, grads, req["shapes"]):
            p.grad = tensor(g, s)
        opt.step()
    out = [p.detach().numpy().reshape(-1).view(np.uint32).tolist() for p in params]
    json.dump(out, open(sys.argv[2], "w"))
    """
}
