import Spec
/// Base of the element-wise activations: any input shape, output of the same shape.
/// Subclasses supply the two kernels; the gradient may read the input x, the output y or both
/// (both stay valid until the backward pass: every node owns its output buffer).
public class ElementwiseActivation: Layer {
    public var definition: any LayerDefinition { preconditionFailure("subclass responsibility") }
    private var count = 0
    private var x: UnsafePointer<Float>!, y: UnsafeMutablePointer<Float>!
    private var dy: UnsafePointer<Float>!, dx: UnsafeMutablePointer<Float>?

    public func bind(_ b: LayerBinding) {
        count = b.outputShape.reduce(1, *)
        x = b.inputs[0]; y = b.output; dy = b.outputGrad; dx = b.inputGrads[0]
    }

    public func forward(_ pass: Pass) {
        pass.parallel { [self] _, samples in
            let offset = samples.lowerBound * count
            apply(x + offset, y + offset, samples.count * count)
        }
    }

    public func backward(_ pass: Pass) {
        guard dx != nil else { return }
        pass.parallel { [self] _, samples in
            guard let dx else { return }
            let offset = samples.lowerBound * count
            gradient(x + offset, UnsafePointer(y + offset), dy + offset, dx + offset, samples.count * count)
        }
    }

    /// y[i] = f(x[i]) for i in 0..<n.
    func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        preconditionFailure("subclass responsibility")
    }

    /// dx[i] = dy[i] · f′(x[i]) (written through x[i] or y[i]), for i in 0..<n.
    func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        preconditionFailure("subclass responsibility")
    }
}
