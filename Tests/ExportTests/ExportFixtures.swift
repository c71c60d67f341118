import Builder
import Data
import Engine
import Export
import Foundation
import Reports
import Spec
import Training
import XCTest

enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let results = root.appendingPathComponent("results").path
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"
}

/// A network graph with every layer type the registry has, branching and joining (concat of two
/// and add of three inputs), on 28×28 Fashion-MNIST images.
let everyLayerGraph = """
    name: Every layer
    data: {dataset: fashion-mnist, path: \(Paths.fashionMNIST), resize: null, validation: 100, train_limit: 200, test_limit: 300}
    model:
      layers:
        - {type: conv2d, name: stem, out: 8, kernel: 3, padding: same}
        - {type: batchnorm2d, name: stem_bn}
        - {type: relu, name: a}
        - {type: conv2d, name: dw, out: 8, kernel: 3, padding: 1, groups: 8, bias: false}
        - {type: gelu, name: g}
        - {type: conv2d, name: b1, out: 8, kernel: 1, inputs: [a]}
        - {type: silu, name: s}
        - {type: add, name: res, inputs: [g, s, a]}
        - {type: elu, name: e, alpha: 0.5}
        - {type: concat, name: cat, inputs: [e, res]}
        - {type: layernorm, name: ln_img}
        - {type: maxpool2d, name: mp, kernel: 2}
        - {type: avgpool2d, name: ap, kernel: 2, stride: 1}
        - {type: leaky_relu, name: leaky, slope: 0.2}
        - {type: identity, name: tap}
        - {type: conv2d, name: c2, out: 12, kernel: 3, stride: 2}
        - {type: tanh, name: t}
        - {type: pad_channels, name: pc, out: 16}
        - {type: global_avgpool, name: gap, inputs: [pc]}
        - {type: flatten, name: fl, inputs: [t]}
        - {type: linear, name: fa, out: 12, inputs: [fl]}
        - {type: sigmoid, name: sg}
        - {type: concat, name: vec, inputs: [gap, sg]}
        - {type: add, name: vec2, inputs: [vec, vec]}
        - {type: batchnorm1d, name: bn1}
        - {type: dropout, name: drop, p: 0.3}
        - {type: layernorm, name: ln_vec}
        - {type: linear, name: out, out: 10}
    train: {seed: 3, threads: 1}
    """

/// A trial, its plan, a network with its weights and the weights as a safetensors file.
struct ExportCase {
    let trial: Trial
    let plan: NetworkPlan
    let network: Network
    let weights: SafetensorsFile

    /// From YAML text, described without reading data; parameters and running statistics drawn at
    /// random (a fresh network's batch norm would have mean 0 and variance 1, its scales 1).
    static func random(_ yaml: String, normalizers: Set<String> = ["stem_bn", "bn1", "ln_img", "ln_vec"], seed: UInt64 = 7,
                       datasets: any DatasetDescribing = DatasetSources.describer) throws -> ExportCase {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).yaml").path
        let trial = try XCTUnwrap(try ExperimentLoader.load(text: yaml, file: file, datasets: datasets).first)
        let plan = try ShapeInference.plan(trial)
        let network = NetworkBuilder.build(plan, initScheme: trial.spec.initScheme, seed: trial.spec.train.seed, maxBatch: 500, threads: 1)
        var random = Random(seed: seed, stream: "export-test")
        for p in network.parameters where normalizers.contains(String(p.name.split(separator: ".")[0])) {
            let scale = p.name.hasSuffix(".weight")
            for i in 0..<p.value.count { p.value.data[i] = (scale ? 1 : 0) + random.uniform(-0.3, 0.3) }
        }
        for b in network.stateBuffers where b.dtype == .float32 {
            let isVar = b.name.hasSuffix("running_var")
            for i in 0..<b.value.count { b.value.data[i] = isVar ? random.uniform(0.5, 2) : random.uniform(-0.5, 0.5) }
        }
        let bytes = Safetensors.write(tensors: ModelWeights.tensors(of: network))
        return ExportCase(trial: trial, plan: plan, network: network, weights: try Safetensors.parse(bytes, path: "random.safetensors"))
    }

    /// A trial folder of the committed study: its config and checkpoint.
    static func trialFolder(_ folder: String) throws -> ExportCase {
        let trial = try XCTUnwrap(try ExperimentLoader.load(file: folder + "/config.yaml", datasets: DatasetSources.describer).first)
        let plan = try ShapeInference.plan(trial)
        let network = NetworkBuilder.build(plan, initScheme: trial.spec.initScheme, seed: trial.spec.train.seed, maxBatch: 500, threads: 1)
        let weights = try Safetensors.read(path: folder + "/model.safetensors")
        try ModelWeights.load(weights, into: network)
        return ExportCase(trial: trial, plan: plan, network: network, weights: weights)
    }

    func model(opset: Int64 = OnnxExporter.defaultOpset) throws -> Onnx_ModelProto {
        try OnnxExporter.model(plan: plan, weights: weights, metadata: [("trial", trial.spec.name)], opset: opset)
    }

    /// The trial's test images (normalized as training sees them), their labels, and our logits
    /// for the first `logitCount` of them.
    func testImages(logitCount: Int, cache: DataCache = DataCache()) throws -> (images: [Float], labels: [Int], logits: [Float]) {
        let data = try cache.data(for: trial.spec.data)
        let splits = try TrialSplits(spec: trial.spec, data: data)
        let loader = data.loader(data.test, indices: splits.test, batchSize: 500, mean: trial.spec.data.mean.map(Float.init),
                                 std: trial.spec.data.std.map(Float.init))
        let buffers = BatchBuffers(batchSize: 500, sampleShape: data.sampleShape)
        var images: [Float] = [], labels: [Int] = [], logits: [Float] = []
        let size = data.sampleShape.reduce(1, *), classes = network.classes
        for b in 0..<loader.batchCount {
            let n = loader.fill(batch: b, images: buffers.images.data, labels: buffers.labels)
            images += UnsafeBufferPointer(start: buffers.images.data, count: n * size)
            labels += (0..<n).map { Int(buffers.labels[$0]) }
            if labels.count - n < logitCount {
                let out = network.forward(buffers.images.data, batch: n, training: false)
                logits += UnsafeBufferPointer(start: out, count: n * classes)
            }
        }
        return (images, labels, Array(logits.prefix(logitCount * classes)))
    }
}

/// Index of the largest value of each row (ties → the lowest index, as our loss counts them).
func argmax(_ values: [Float], classes: Int) -> [Int] {
    stride(from: 0, to: values.count, by: classes).map { start in
        var best = 0
        for k in 1..<classes where values[start + k] > values[start + best] { best = k }
        return best
    }
}

func floatData(_ values: [Float]) -> Data { values.withUnsafeBufferPointer { Data(buffer: $0) } }

func floats(_ data: Data) -> [Float] {
    data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float.self)) }
}
