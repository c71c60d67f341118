/// max(0, x); the gradient passes where the output is positive (0 at x = 0, like PyTorch).
public final class ReLU: ElementwiseActivation {
    public override init() {}
    public override var typeName: String { "relu" }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = max(x[i], 0) }
    }

    // y, dy, dx: [n] flat
    override func gradient(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { dx[i] = y[i] > 0 ? dy[i] : 0 }
    }
}
