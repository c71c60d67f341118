import Spec

/// Appends zero channels (`pad_channels`): y = [x, 0, …, 0] per sample; dx = dy's first C
/// channels. A copy, per sample.
public final class PadChannels: Layer {
    private let out: Int
    private var inputSize = 0, outputSize = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?

    public var definition: any LayerDefinition { PadChannelsLayer(out: out) }
    public init(out: Int) { self.out = out }

    public func bind(_ b: LayerBinding) {
        inputSize = b.inputShapes[0].reduce(1, *)
        outputSize = b.outputShape.reduce(1, *)
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
    }

    // x: [n, C, H, W] → y: [n, out, H, W]
    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            for i in samples {
                (y + i * outputSize).update(from: x + i * inputSize, count: inputSize)
                (y + i * outputSize + inputSize).update(repeating: 0, count: outputSize - inputSize)
            }
        }
    }

    // dy: [n, out, H, W] → dx: [n, C, H, W]
    public func backward(_ pass: Pass) {
        guard dx != nil else { return }
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            for i in samples { (dx + i * inputSize).update(from: dy + i * outputSize, count: inputSize) }
        }
    }
}

extension PadChannelsLayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { PadChannels(out: out) }
}
