/// Flattens each sample to `[C·H·W]` in C, H, W order (PyTorch `nn.Flatten()`); a copy.
public final class Flatten: Layer {
    private var count = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?

    public init() {}

    public var typeName: String { "flatten" }

    public func outputShape(inputShapes: [[Int]]) -> [Int] {
        precondition(inputShapes.count == 1, "flatten takes one input")
        return [inputShapes[0].reduce(1, *)]
    }

    public func bind(_ b: LayerBinding) {
        count = b.outputShape[0]
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
    }

    // x: [n, …] → y: [n, count], same memory order.
    public func forward(_ pass: Pass) {
        y.update(from: x, count: pass.batch * count)
    }

    // dy: [n, count] → dx: [n, …].
    public func backward(_ pass: Pass) {
        dx?.update(from: dy, count: pass.batch * count)
    }
}
