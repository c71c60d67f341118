import Engine
import Builder
import Spec
import TestSupport
import XCTest

/// Every registered model, expanded, planned and built: the engine network owns exactly the
/// parameters the plan counts, runs a training step on the plan's shapes, and has the parameter
/// names and counts of its PyTorch counterpart.
final class ModelZooTests: XCTestCase {
    private func dataset(_ shape: [Int]) -> DatasetInfo {
        DatasetInfo(sampleShape: shape, classes: (0..<10).map(String.init), trainCount: 100, testCount: 10)
    }

    private func plan(_ model: ModelSpec, input: [Int]) throws -> NetworkPlan {
        var spec = ExperimentSpec(name: "zoo")
        spec.model = model
        return try ShapeInference.plan(spec, dataset: dataset(input))
    }

    /// Builds, runs one forward/backward on a batch of 3 (unless `run` is false) and returns the network.
    @discardableResult
    private func build(_ plan: NetworkPlan, _ label: String, run: Bool = true) throws -> Network {
        let network = NetworkBuilder.build(plan, initScheme: .pytorch, seed: 1, maxBatch: 3, threads: 2)
        XCTAssertEqual(network.parameters.reduce(0) { $0 + $1.value.count }, plan.parameterCount, label)
        guard run else { return network }
        let input = (0..<(3 * plan.inputShape.reduce(1, *))).map { Float($0 % 11) / 11 - 0.5 }
        let logits = input.withUnsafeBufferPointer { network.forward($0.baseAddress!, batch: 3, training: true) }
        XCTAssertTrue(UnsafeBufferPointer(start: logits, count: 30).allSatisfy(\.isFinite), label)
        let labels: [Int32] = [0, 4, 9]
        let (loss, _) = labels.withUnsafeBufferPointer { network.loss(labels: $0.baseAddress!, batch: 3, gradient: true) }
        XCTAssertTrue(loss.isFinite, label)
        network.backward(batch: 3)
        for p in network.parameters { XCTAssertTrue(p.grad.array.allSatisfy(\.isFinite), "\(label): \(p.name)") }
        return network
    }

    func testEveryRegisteredModelBuildsWithItsDefaultsOnGrayAndColourImages() throws {
        XCTAssertEqual(Catalog.models.map(\.name), ModelRegistry.types.map { $0.schema.name })
        for type in ModelRegistry.types {
            let model = ModelSpec.registry(type.model(options: type.schema.options.defaults))
            // Small images keep the debug-build passes short; LeNet-5 needs its 32×32.
            let side = type == LeNet5.self ? 32 : 12
            for input in [[1, side, side], [3, side, side]] {
                try build(try plan(model, input: input), "\(type.schema.name) on \(input)")
            }
        }
    }

    func testParameterCountsAndNamesMatchThePyTorchModels() throws {
        // ResNet-20 (CIFAR, 1×1 projection shortcuts) on 3×32×32: 272,474 parameters, torchvision names.
        let resnet = try plan(.registry(RegistryModel(ResNet())), input: [3, 32, 32])
        XCTAssertEqual(resnet.parameterCount, 272_474)
        XCTAssertEqual(resnet.layers.filter { $0.kind.typeName == "conv2d" }.count, 21)  // 19 + 2 projections
        XCTAssertEqual(resnet.layers.last?.outputShape, [10])
        let names = Set(try build(resnet, "resnet", run: false).parameters.map(\.name))
        for name in ["conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.2.bn2.bias", "layer2.0.downsample.0.weight",
                     "layer2.0.downsample.1.weight", "layer3.2.conv2.weight", "fc.weight", "fc.bias"] {
            XCTAssertTrue(names.contains(name), name)
        }
        XCTAssertFalse(names.contains("layer1.0.downsample.0.weight"), "stage 1 keeps the identity shortcut")
        XCTAssertEqual(resnet.layers.first { $0.name == "layer3.0.conv1" }?.outputShape, [64, 8, 8])

        // ResNet-20 with option-A shortcuts (stride-2 subsampling, zero-padded channels): He et
        // al.'s CIFAR-10 network, 0.27 M parameters — 269,722, the count torchvision-style
        // reimplementations report.
        var optionA = ResNet()
        optionA.shortcut = .pooling
        let resnetA = try plan(.registry(RegistryModel(optionA)), input: [3, 32, 32])
        XCTAssertEqual(resnetA.parameterCount, 269_722)
        XCTAssertEqual(resnetA.layers.filter { $0.kind.typeName == "pad_channels" }.map(\.name), ["layer2.0.pad", "layer3.0.pad"])
        XCTAssertEqual(resnetA.layers.first { $0.name == "layer2.0.subsample" }?.outputShape, [16, 16, 16])
        XCTAssertEqual(resnetA.layers.first { $0.name == "layer2.0.pad" }?.outputShape, [32, 16, 16])
        try build(resnetA, "resnet option A", run: true)

        // VGG (width 32, 3 stages of 2 convs, batch norm) on 1×32×32: 288,170.
        let vgg = try plan(.registry(RegistryModel(VGG())), input: [1, 32, 32])
        XCTAssertEqual(vgg.parameterCount, 288_170)
        XCTAssertEqual(vgg.layers.first { $0.name == "stage3.pool" }?.outputShape, [128, 4, 4])

        // MLP 784-256-10 on 1×28×28: 203,530.
        let mlp = try plan(.registry(RegistryModel(MLP())), input: [1, 28, 28])
        XCTAssertEqual(mlp.parameterCount, 203_530)
        XCTAssertEqual(mlp.layers.map(\.name), ["flatten", "fc1", "relu1", "fc2"])
    }

    func testOptionsChangeTheGraph() throws {
        var mlp = MLP()
        (mlp.hidden, mlp.batchnorm, mlp.dropout, mlp.activation) = ([64, 32], true, 0.25, "gelu")
        let planned = try plan(.registry(RegistryModel(mlp)), input: [20])
        XCTAssertEqual(planned.layers.map(\.name), ["fc1", "bn1", "gelu1", "dropout1", "fc2", "bn2", "gelu2", "dropout2", "fc3"])
        XCTAssertEqual(planned.layers.first { $0.name == "fc2" }?.outputShape, [32])
        try build(planned, "mlp")
        mlp.hidden = []
        XCTAssertEqual(try plan(.registry(RegistryModel(mlp)), input: [20]).layers.map(\.name), ["fc1"])

        var resnet = ResNet()
        (resnet.blocks, resnet.stages, resnet.width, resnet.activation) = (1, 2, 8, "silu")
        let small = try plan(.registry(RegistryModel(resnet)), input: [1, 28, 28])
        XCTAssertEqual(small.layers.first { $0.name == "avgpool" }?.inputShapes, [[16, 14, 14]])
        XCTAssertTrue(small.layers.contains { $0.name == "layer2.0.silu2" })
        try build(small, "resnet")

        var vgg = VGG()
        (vgg.batchnorm, vgg.stages, vgg.convs, vgg.dropout) = (false, 2, 1, 0.5)
        let plain = try plan(.registry(RegistryModel(vgg)), input: [3, 16, 16])
        XCTAssertEqual(plain.layers.map(\.name), ["stage1.conv1", "stage1.relu1", "stage1.pool", "stage2.conv1", "stage2.relu1",
                                                  "stage2.pool", "pool", "dropout", "fc"])
        XCTAssertEqual(plain.parameterCount, 3 * 32 * 9 + 32 + 32 * 64 * 9 + 64 + 64 * 10 + 10)
    }

    func testAnImageTooSmallForTheStagesIsOneErrorAtTheModel() throws {
        var vgg = VGG()
        vgg.stages = 6
        var spec = ExperimentSpec(name: "zoo")
        spec.model = .registry(RegistryModel(vgg))
        XCTAssertThrowsError(try ShapeInference.plan(spec, dataset: dataset([1, 28, 28]))) { error in
            XCTAssertEqual((error as? SpecErrors)?.errors.map(\.description),
                           ["model.vgg: maxpool2d \"stage5.pool\" needs an input of at least 2×2, found [512, 1, 1] from \"stage5.relu2\""])
        }
    }
}
