import Engine
import TestSupport
import XCTest

/// Gradient buffers shared by nodes whose gradients are never live at once, and evaluation batches
/// run in chunks of the training batch: the same bits as one buffer per node and one pass, with
/// less memory; and no layer reads a gradient value the backward has not written.
final class BufferSharingTests: XCTestCase {
    /// A VGG stage pair (convolutions handing their gradients to their batch norms, a max pooling),
    /// a residual block with a projection (an input read twice), an inception-like concat, and the
    /// LeNet-5 chain whose ReLU and pooling run inside the convolutions.
    private static var graphs: [(name: String, input: [Int], nodes: () -> [Network.Node])] { [
        ("vgg", [1, 12, 12], {
            EngineFixtures.chain([
                Conv2D(outChannels: 4, kernel: 3, padding: 1, bias: false), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
                Conv2D(outChannels: 4, kernel: 3, padding: 1, bias: false), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
                MaxPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 16, kernel: 3, padding: 1, bias: false), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
                Conv2D(outChannels: 16, kernel: 3, padding: 1, bias: false), BatchNorm2D(momentum: 0.1, eps: 1e-5), ReLU(),
                GlobalAvgPool(), Linear(outFeatures: 10),
            ])
        }),
        ("resnet", [2, 8, 8], {
            let n = Network.Node.init
            return [
                n("stem", Conv2D(outChannels: 4, kernel: 3, padding: 1), [-1]), n("r0", ReLU(), [0]),
                n("c1", Conv2D(outChannels: 8, kernel: 3, stride: 2, padding: 1, bias: false), [1]),
                n("b1", BatchNorm2D(momentum: 0.1, eps: 1e-5), [2]), n("r1", ReLU(), [3]),
                n("c2", Conv2D(outChannels: 8, kernel: 3, padding: 1, bias: false), [4]),
                n("b2", BatchNorm2D(momentum: 0.1, eps: 1e-5), [5]),
                n("proj", Conv2D(outChannels: 8, kernel: 1, stride: 2, bias: false), [1]),
                n("pb", BatchNorm2D(momentum: 0.1, eps: 1e-5), [7]),
                n("add", Add(), [6, 8]), n("r2", ReLU(), [9]),
                n("c3", Conv2D(outChannels: 8, kernel: 3, padding: 1), [10]), n("r3", ReLU(), [11]),
                n("add2", Add(), [12, 10]),
                n("gap", GlobalAvgPool(), [13]), n("fc", Linear(outFeatures: 10), [14]),
            ]
        }),
        ("inception", [3, 8, 8], {
            let n = Network.Node.init
            return [
                n("a", Conv2D(outChannels: 4, kernel: 1), [-1]), n("ra", ReLU(), [0]),
                n("b", Conv2D(outChannels: 4, kernel: 3, padding: 1), [-1]), n("rb", ReLU(), [2]),
                n("c", Conv2D(outChannels: 4, kernel: 5, padding: 2), [-1]), n("rc", ReLU(), [4]),
                n("cat", Concat(), [1, 3, 5]),
                n("d", Conv2D(outChannels: 12, kernel: 3, padding: 1), [6]), n("rd", ReLU(), [7]),
                n("gap", GlobalAvgPool(), [8]), n("fc", Linear(outFeatures: 10), [9]),
            ]
        }),
        ("lenet", [1, 32, 32], {
            EngineFixtures.chain([
                Conv2D(outChannels: 6, kernel: 5), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 16, kernel: 5), ReLU(), AvgPool2D(kernel: 2, stride: 2),
                Conv2D(outChannels: 120, kernel: 5), ReLU(), Flatten(), Linear(outFeatures: 84), ReLU(),
                Linear(outFeatures: 10),
            ])
        }),
    ] }

    /// Losses, the input gradient and the parameters after 3 SGD steps of batch 20, then the logits
    /// of an evaluation batch of 45; optionally with every gradient buffer poisoned before each step.
    private func run(_ graph: (name: String, input: [Int], nodes: () -> [Network.Node]), share: Bool,
                     gradientBatch: Int?, poison: Bool) -> (values: [[Float]], gradientBytes: Int) {
        let batch = 20, count = graph.input.reduce(1, *)
        let net = Network(inputShape: graph.input, nodes: graph.nodes(), maxBatch: 45, threads: 2, seed: 4,
                          inputGradient: true, gradientBatch: gradientBatch, shareGradients: share)
        var values: [[Float]] = []
        for step in 0..<3 {
            if poison { net.poisonGradientBuffers() }
            let images = engineRandomValues(batch * count, seed: UInt64(20 + step))
            let labels = EngineFixtures.labels(batch, classes: 10, seed: UInt64(step))
            values.append([Float(EngineFixtures.trainStep(net, images: images, labels: labels, lr: 0.05).loss)])
            values.append(Array(UnsafeBufferPointer(start: net.inputGradient!, count: images.count)))
        }
        let eval = engineRandomValues(45 * count, seed: 77)
        let logits = eval.withUnsafeBufferPointer { net.forward($0.baseAddress!, batch: 45, training: false) }
        values.append(Array(UnsafeBufferPointer(start: logits, count: 450)))
        return (values + net.parameters.map { $0.value.array }, net.gradientBytes)
    }

    func testSharedGradientsAndChunkedEvaluationChangeNoBits() {
        for graph in Self.graphs {
            let plain = run(graph, share: false, gradientBatch: nil, poison: false)
            let shared = run(graph, share: true, gradientBatch: 20, poison: false)
            assertSameBits(plain.values, shared.values, "\(graph.name): shared gradients, evaluation in chunks of 32")
        }
    }

    func testNoLayerReadsAGradientTheBackwardHasNotWritten() {
        for graph in Self.graphs {
            let clean = run(graph, share: true, gradientBatch: 20, poison: false)
            let poisoned = run(graph, share: true, gradientBatch: 20, poison: true)
            assertSameBits(clean.values, poisoned.values, "\(graph.name): NaN in every gradient buffer before each step")
        }
    }

    /// The VGG pair: 4×12×12 and 16×6×6 are both 576 floats per sample. The convolutions' own
    /// gradients are never materialized (each hands its gradient planes to its batch norm). The
    /// batch norms' gradients are live from their reader's backward to their convolution's:
    /// [10, 13], [7, 10], [3, 6], [0, 3] in node steps — two buffers, the first and third sharing
    /// one, the second and fourth the other (those meeting at a step overlap: that node reads one
    /// and writes the other). Then one each for the pooling (144), the global pooling (16) and the
    /// logits (10).
    func testVGGStagesNeedTwoGradientBuffersOf576Floats() {
        let net = Network(inputShape: [1, 12, 12], nodes: Self.graphs[0].nodes(), maxBatch: 32, threads: 1, seed: 0,
                          gradientBatch: 16)
        let floats = 16 * (2 * 576 + 144 + 16 + 10)  // unshared: 16 * (10 * 576 + 144 + 16 + 10)
        XCTAssertEqual(net.gradientBytes, floats * 4)
    }
}
