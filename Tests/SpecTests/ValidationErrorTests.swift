import XCTest
@testable import Spec

/// Every class of user error, with the exact line the user sees.
final class ValidationErrorTests: XCTestCase {
    func testWrongTypesAndRangesAreAllReportedInSourceOrder() {
        let text = """
        name: Bad
        data:
          resize: 0
          pad: -1
          normalize: {mean: 0.5, std: 0}
        model:
          lenet5: {dropout: 1.0, batchnorm: yes, l2: -0.1}
        train:
          epochs: five
          batch_size: 6.5
          optimizer: {type: adam, lr: .inf, betas: [0.9, 1.0], eps: .nan, weight_decay: -1}
          threads: [2]
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:3:11: data.resize: expected a positive integer or null, found 0",
            "x.yaml:4:8: data.pad: expected a non-negative integer, found -1",
            "x.yaml:5:31: data.normalize.std: expected a positive number, found 0",
            "x.yaml:7:21: model.lenet5.dropout: expected a number in [0, 1), found 1.0",
            "x.yaml:7:37: model.lenet5.batchnorm: expected true or false, found \"yes\"",
            "x.yaml:7:46: model.lenet5.l2: expected a non-negative number, found -0.1",
            "x.yaml:9:11: train.epochs: expected a positive integer, found \"five\"",
            "x.yaml:10:15: train.batch_size: expected a positive integer, found 6.5",
            "x.yaml:11:31: train.optimizer.lr: expected a finite number, found .inf",
            "x.yaml:11:44: train.optimizer.betas: expected a list of two numbers (each in [0, 1)), found a list",
            "x.yaml:11:61: train.optimizer.eps: expected a finite number, found .nan",
            "x.yaml:11:81: train.optimizer.weight_decay: expected a non-negative number, found -1",
            "x.yaml:12:12: train.threads: expected a positive integer, found a list",
        ])
    }

    func testUnknownKeysAndValuesSuggestTheClosestName() {
        let text = """
        name: Typos
        dataa: {}
        data: {dataset: fashion_mnist, resize: 32}
        model:
          lenet5: {dropuot: 0.5, activation: rleu, pooling: average}
          init: xavier
        train:
          epoch: 5
          optimizer: {type: adamw, learning_rate: 0.1}
          select: val_accuracy
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:2:1: dataa: unknown key, did you mean \"data\"?",
            "x.yaml:3:17: data.dataset: expected one of fashion-mnist, mnist, found \"fashion_mnist\", did you mean \"fashion-mnist\"?",
            "x.yaml:5:12: model.lenet5.dropuot: unknown key, did you mean \"dropout\"?",
            "x.yaml:5:38: model.lenet5.activation: expected one of relu, tanh, sigmoid, found \"rleu\", did you mean \"relu\"?",
            "x.yaml:5:53: model.lenet5.pooling: expected one of avg, max, found \"average\"",
            "x.yaml:6:9: model.init: expected one of pytorch, xavier_uniform, kaiming_normal, found \"xavier\", did you mean \"xavier_uniform\"?",
            "x.yaml:8:3: train.epoch: unknown key, did you mean \"epochs\"?",
            "x.yaml:9:28: train.optimizer.learning_rate: unknown key, expected one of type, lr, momentum, dampening, nesterov, betas, eps, alpha, centered, weight_decay",
            "x.yaml:10:11: train.select: expected one of val_acc, val_loss, test_acc, last, found \"val_accuracy\", did you mean \"val_acc\"?",
        ])
    }

    func testUnknownModelAndLayerType() {
        XCTAssertEqual(errorLines("name: M\ndata: {resize: 32}\nmodel: {lenet: {}}\n"), [
            "x.yaml:3:8: model: expected one of lenet5, mlp, vgg, resnet, layers",
            "x.yaml:3:9: model.lenet: unknown key, did you mean \"lenet5\"?",
        ])
        let layers = """
        name: L
        model:
          layers:
            - {type: conv2d, out: 6, kernel: 5}
            - {type: rlu}
            - {type: maxpool, kernel: 2}
        """
        XCTAssertEqual(errorLines(layers), [
            "x.yaml:5:14: model.layers[1].type: unknown layer type \"rlu\", did you mean \"relu\"?",
            "x.yaml:6:14: model.layers[2].type: unknown layer type \"maxpool\", did you mean \"maxpool2d\"?",
        ])
    }

    func testOptimizerOptionsMustFitTheOptimizer() {
        let text = validText + "\n  optimizer: {type: adam, momentum: 0.9}\n"
        XCTAssertEqual(errorLines(text), ["x.yaml:8:27: train.optimizer.momentum: not applicable to type adam (only sgd, rmsprop)"])
        let sgd = validText + "\n  optimizer: {type: sgd, lr: 0.1, betas: [0.9, 0.99]}\n"
        XCTAssertEqual(errorLines(sgd), ["x.yaml:8:35: train.optimizer.betas: not applicable to type sgd (only adam, adamw)"])
        XCTAssertEqual(errorLines(validText + "\n  optimizer: {type: sgd, nesterov: true}\n"), [
            "x.yaml:8:36: train.optimizer.nesterov: expected false without momentum, found true (nesterov needs momentum > 0)",
        ])
    }

    func testLayerOptionsAndL2() {
        let text = """
        name: L
        data: {resize: 32}
        model:
          layers:
            - {type: conv2d, kernel: 5, stride: 0}
            - {type: relu, l2: 0.1}
            - {type: linear, out: five, bias: 1}
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:5:7: model.layers[0].out: missing, expected a positive integer",
            "x.yaml:5:41: model.layers[0].stride: expected a positive integer, found 0",
            "x.yaml:6:20: model.layers[1].l2: not applicable to relu (only layers with parameters take l2)",
            "x.yaml:7:27: model.layers[2].out: expected a positive integer, found \"five\"",
            "x.yaml:7:39: model.layers[2].bias: expected true or false, found 1",
        ])
    }

    func testConvolutionPaddingAndGroups() {
        let text = """
        name: L
        model:
          layers:
            - {type: conv2d, out: 6, kernel: 3, padding: half}
            - {type: conv2d, out: 6, kernel: 3, stride: 2, padding: same}
            - {type: conv2d, out: 6, kernel: 4, padding: same}
            - {type: conv2d, out: 6, kernel: 3, groups: 4}
            - {type: leaky_relu, slope: 1.5}
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:4:50: model.layers[0].padding: expected a non-negative integer or same, found \"half\"",
            "x.yaml:5:61: model.layers[1].padding: padding: same needs stride 1, found stride 2 (give the padding as a number)",
            "x.yaml:6:50: model.layers[2].padding: padding: same needs an odd kernel, found 4 (PyTorch pads even kernels asymmetrically; give the padding as a number)",
            "x.yaml:7:49: model.layers[3].groups: expected a divisor of out (6), found 4",
            "x.yaml:8:33: model.layers[4].slope: expected a number in [0, 1), found 1.5",
        ])
        // Input channels that groups does not divide: found by shape inference, naming the input.
        let shapes = """
        name: L
        data: {resize: 32}
        model:
          layers:
            - {type: conv2d, out: 6, kernel: 3, padding: same}
            - {type: conv2d, name: depthwise, out: 8, kernel: 3, groups: 4}
        """
        XCTAssertEqual(errorLines(shapes), [
            "x.yaml:6:7: model.layers[1]: conv2d \"depthwise\" expects input channels divisible by groups (4), found [6, 32, 32] from \"conv2d1\"",
        ])
    }

    func testScheduleAndOptimizerCombinations() {
        let text = validText + """

          optimizer: {type: sgd, lr: 0.1, momentum: 0.9, nesterov: true, dampening: 0.1}
          schedule: {type: cosine, warmup_epochs: 3}
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:8:77: train.optimizer.dampening: expected 0 with nesterov, found 0.1 (PyTorch: nesterov needs zero dampening)",
            "x.yaml:9:43: train.schedule.warmup_epochs: expected at most train.epochs (2), found 3",
        ])
        XCTAssertEqual(errorLines(validText + "\n  schedule: {type: step, step_size: 1, warmup_start_factor: 0.5}\n"), [
            "x.yaml:8:61: train.schedule.warmup_start_factor: not applicable without warmup_epochs",
        ])
        XCTAssertEqual(errorLines(validText + "\n  schedule: {type: reduce_on_plateau, warmup_epochs: 1, monitor: val}\n"), [
            "x.yaml:8:39: train.schedule.warmup_epochs: not applicable to type reduce_on_plateau (only constant, step, cosine)",
            "x.yaml:8:66: train.schedule.monitor: expected one of val_loss, val_acc, found \"val\", did you mean \"val_acc\"?",
        ])
        let plateau = try? XCTUnwrap(loadTrials(validText + "\n  schedule: {type: reduce_on_plateau, patience: 2}\n").first)
        var expected = PlateauOptions()
        expected.patience = 2
        XCTAssertEqual(plateau?.spec.train.schedule, .reduceOnPlateau(expected))
        let warm = try? XCTUnwrap(loadTrials(validText.replacingOccurrences(of: "epochs: 2", with: "epochs: 10")
                                             + "\n  schedule: {type: cosine, warmup_epochs: 3}\n").first)
        XCTAssertEqual(warm?.spec.train.schedule, .cosine(tMax: 7, etaMin: 0), "t_max defaults to the epochs after warmup")
        XCTAssertEqual(warm?.spec.train.warmup, WarmupSpec(epochs: 3))
    }

    func testFileLevelErrors() {
        XCTAssertEqual(errorLines("# nothing here\n"), ["x.yaml: empty file, expected a mapping with name, data, model, train"])
        XCTAssertEqual(errorLines("- name: a\n"), ["x.yaml:1:1: expected a mapping at the top level, found a list"])
        XCTAssertEqual(errorLines("just text\n"), ["x.yaml:1:1: expected a mapping at the top level, found \"just text\""])
        XCTAssertEqual(errorLines("data: {resize: 32}\n"), [
            "x.yaml:1:1: name: missing, expected a string",
            "x.yaml:1:1: model: missing, expected a mapping",
        ])
    }

    func testDataSizesAreCheckedAgainstTheDataset() {
        XCTAssertEqual(errorLines(validText.replacingOccurrences(of: "resize: 32", with: "resize: 32\n  validation: 60000")), [
            "x.yaml:4:15: data.validation: expected fewer than 60000 (the training images), found 60000",
        ])
        let limits = validText.replacingOccurrences(of: "resize: 32", with: "resize: 32\n  train_limit: 58000\n  test_limit: 20000")
        XCTAssertEqual(errorLines(limits), [
            "x.yaml:4:16: data.train_limit: expected at most 55000 (training images left after 5000 for validation), found 58000",
            "x.yaml:5:15: data.test_limit: expected at most 10000 (the test images), found 20000",
        ])
        XCTAssertEqual(errorLines(validText.replacingOccurrences(of: "resize: 32", with: "resize: 32\n  validation: 0")), [
            "x.yaml:4:15: train.select: val_acc needs data.validation > 0",
        ])
    }

    func testSeeds() {
        XCTAssertEqual(errorLines(validText + "\nseeds: [0, 1, 1, -2]\n"), [
            "x.yaml:8:15: seeds[2]: duplicate seed 1",
            "x.yaml:8:18: seeds[3]: expected a non-negative integer, found -2",
        ])
        XCTAssertEqual(errorLines(validText + "\nseeds: 3\n"), [
            "x.yaml:8:8: seeds: expected a non-empty list of distinct non-negative integers such as [0, 1, 2], found 3",
        ])
        XCTAssertEqual(errorLines(validText, seeds: 0), ["--seeds: expected a positive integer, found 0"])
    }
}
