import Engine
import Spec
import TestSupport
import XCTest

/// Finite-difference checks of every layer's input and parameter gradients.
final class LayerGradientTests: XCTestCase {
    private func check(_ inputShape: [Int], _ layers: [any Layer], batch: Int = 3, input: [Float]? = nil,
                       configure: (inout GradientCheck) -> Void = { _ in }, file: StaticString = #filePath,
                       line: UInt = #line) {
        let net = EngineFixtures.checkedNetwork(inputShape, EngineFixtures.chain(layers), batch: batch)
        let count = batch * inputShape.reduce(1, *)
        let x = input ?? engineRandomValues(count, seed: 11, margin: 0.05)
        var checker = GradientCheck()
        configure(&checker)
        XCTAssertEqual(checker.failures(net, input: x, batch: batch), [], file: file, line: line)
        XCTAssertNotNil(net.inputGradient)
    }

    func testConv2DStrideOnePlain() {
        check([2, 7, 6], [Conv2D(outChannels: 3, kernel: 3)])
    }

    func testConv2DStrideTwoPaddingOne() {
        check([3, 7, 7], [Conv2D(outChannels: 2, kernel: 3, stride: 2, padding: 1)])
    }

    func testConv2DStrideTwoPaddingTwoWithoutBias() {
        check([2, 6, 5], [Conv2D(outChannels: 4, kernel: 4, stride: 2, padding: 2, bias: false)])
    }

    func testConv2DStrideThreeOneByOneOutput() {
        check([2, 5, 5], [Conv2D(outChannels: 3, kernel: 5)], batch: 5)
        check([1, 8, 7], [Conv2D(outChannels: 2, kernel: 2, stride: 3, padding: 1)])
    }

    func testGroupedAndDepthwiseConvolutions() {
        check([4, 6, 5], [GroupedConv2D(Conv2DLayer(outChannels: 6, kernel: 3, padding: 1, groups: 2))])
        // Depthwise, strided, padded, no bias; then a channel multiplier of 2.
        check([3, 7, 7], [GroupedConv2D(Conv2DLayer(outChannels: 3, kernel: 3, stride: 2, padding: 1, groups: 3, bias: false))])
        check([2, 5, 6], [GroupedConv2D(Conv2DLayer(outChannels: 4, kernel: 2, stride: 3, padding: 2, groups: 2))], batch: 4)
        // Behind another convolution, so dL/dx of the grouped one is checked through the first one's weights.
        check([2, 6, 6], [Conv2D(outChannels: 4, kernel: 3), GroupedConv2D(Conv2DLayer.same(outChannels: 4, kernel: 3, groups: 4))])
    }

    func testGroupsOfOneComputeWhatTheDenseConvolutionComputes() {
        // The grouped loops with one group against Conv2D on the same weights: same outputs to rounding.
        let shape = [3, 6, 7]
        let input = engineRandomValues(2 * 126, seed: 9)
        func outputs(_ layer: any Layer) -> [Float] {
            let net = EngineFixtures.checkedNetwork(shape, EngineFixtures.chain([layer]), batch: 2)
            let logits = input.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 2, training: true) }
            return Array(UnsafeBufferPointer(start: logits, count: 2 * net.shapes[0].reduce(1, *)))
        }
        let dense = Conv2D(outChannels: 4, kernel: 3, stride: 2, padding: 1)
        let grouped = GroupedConv2D(Conv2DLayer(outChannels: 4, kernel: 3, stride: 2, padding: 1, groups: 1))
        let a = outputs(dense), b = outputs(grouped)
        XCTAssertEqual(a.count, b.count)
        for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-5) }
    }

    func testLinearWithAndWithoutBias() {
        check([7], [Linear(outFeatures: 5)])
        check([6], [Linear(outFeatures: 3, bias: false)], batch: 4)
    }

    func testMaxPoolOverlappingAndGappedWindows() {
        // Distinct, well-separated inputs keep the window winners fixed under ±eps.
        check([2, 7, 7], [MaxPool2D(kernel: 3, stride: 2)], input: engineDistinctValues(3 * 98, seed: 3))
        check([2, 8, 7], [MaxPool2D(kernel: 2, stride: 3)], input: engineDistinctValues(3 * 112, seed: 4))
    }

    func testAvgPoolOverlappingAndGappedWindows() {
        check([2, 7, 6], [AvgPool2D(kernel: 3, stride: 2)])
        check([3, 7, 7], [AvgPool2D(kernel: 2, stride: 3)])
        check([2, 7, 5], [AvgPool2D(kernel: 2, stride: 2)])  // unrolled 2×2 path, uncovered last row/column
        check([1, 4, 6], [AvgPool2D(kernel: 2, stride: 2)])
    }

    func testActivations() {
        check([2, 3, 3], [ReLU()])
        check([5], [Tanh()])
        check([2, 2, 3], [Sigmoid()])
    }

    func testSmoothActivations() {
        check([2, 3, 3], [GELU()])
        check([7], [SiLU()])
        check([2, 2, 3], [ELU(alpha: 0.7)])
        check([4], [Linear(outFeatures: 5), ELU(), Linear(outFeatures: 2)])
    }

    func testPiecewiseLinearActivations() {
        // Inputs at least 0.05 away from the kink at 0 (random values with a margin).
        check([2, 3, 3], [LeakyReLU(slope: 0.2)])
        check([6], [LeakyReLU()])
        check([2, 3, 2], [Identity()])
    }

    func testGlobalAveragePooling() {
        check([3, 4, 5], [GlobalAvgPool()])
        check([2, 5, 5], [Conv2D(outChannels: 3, kernel: 3, padding: 1), GlobalAvgPool(), Linear(outFeatures: 2)])
    }

    func testLayerNormOverTheWholeSampleAndOverTrailingDims() {
        check([6], [LayerNorm()], batch: 4, configure: { $0.eps = 2e-3 })
        check([2, 3, 4], [LayerNorm()], batch: 3, configure: { $0.eps = 2e-3 })
        check([2, 3, 4], [LayerNorm(dims: 1)], batch: 3, configure: { $0.eps = 2e-3 })
        // Behind a linear layer and before another, so weight and bias gradients feed back.
        check([5], [Linear(outFeatures: 6), LayerNorm(eps: 1e-3), Tanh(), Linear(outFeatures: 3)], batch: 5,
              configure: { $0.eps = 2e-3 })
    }

    func testDropoutWithFixedMask() {
        // The checker restores the dropout generator before each forward: the mask is fixed.
        check([4, 3, 3], [Dropout(p: 0.4)], batch: 5)
        check([9], [Linear(outFeatures: 6), Dropout(p: 0.5), Linear(outFeatures: 3)], batch: 4)
    }

    func testBatchNormTraining() {
        check([5], [BatchNorm1D()], batch: 4, configure: { $0.eps = 2e-3 })
        check([3, 4, 5], [BatchNorm2D()], batch: 3, configure: { $0.eps = 2e-3 })
        // After a linear layer, so the BN weight and bias gradients feed back into parameters.
        check([6], [Linear(outFeatures: 4), BatchNorm1D(), Tanh(), Linear(outFeatures: 3)], batch: 5,
              configure: { $0.eps = 2e-3 })
    }

    func testBatchNormEvaluationMode() {
        check([2, 3, 3], [Conv2D(outChannels: 3, kernel: 2), BatchNorm2D()], configure: { $0.training = false })
    }

    func testPadChannels() {
        check([2, 3, 2], [PadChannels(out: 5)])
        // Behind a layer with parameters and before one, so the padded zeros meet real weights.
        check([2, 4, 4], [Conv2D(outChannels: 2, kernel: 3, padding: 1), PadChannels(out: 3), Conv2D(outChannels: 2, kernel: 1)])
    }

    func testFlatten() {
        check([2, 3, 4], [Flatten(), Linear(outFeatures: 3)])
    }

    func testAddOfThreeInputsWithFanOut() {
        // l0 feeds three consumers; the add reads l0, l1 and l2 (fan-out gradients are summed).
        let nodes = [
            Network.Node(name: "a", layer: Conv2D(outChannels: 2, kernel: 3, padding: 1), inputs: [-1]),
            Network.Node(name: "b", layer: Conv2D(outChannels: 2, kernel: 1), inputs: [0]),
            Network.Node(name: "c", layer: Tanh(), inputs: [0]),
            Network.Node(name: "sum", layer: Add(), inputs: [0, 1, 2]),
        ]
        let net = EngineFixtures.checkedNetwork([2, 4, 5], nodes, batch: 3)
        XCTAssertEqual(GradientCheck().failures(net, input: engineRandomValues(120, seed: 5), batch: 3), [])
    }

    func testConcatOfThreeInputs() {
        let nodes = [
            Network.Node(name: "a", layer: Conv2D(outChannels: 1, kernel: 3, padding: 1), inputs: [-1]),
            Network.Node(name: "b", layer: Conv2D(outChannels: 3, kernel: 1), inputs: [-1]),
            Network.Node(name: "cat", layer: Concat(), inputs: [0, -1, 1]),
            Network.Node(name: "out", layer: Conv2D(outChannels: 2, kernel: 1), inputs: [2]),
        ]
        let net = EngineFixtures.checkedNetwork([2, 4, 3], nodes, batch: 3)
        XCTAssertEqual(net.shapes[2], [6, 4, 3])
        XCTAssertEqual(GradientCheck().failures(net, input: engineRandomValues(72, seed: 6), batch: 3), [])
    }
}
