/// max(0, x); the gradient passes where the output is positive (0 at x = 0, like PyTorch).
public final class ReLU: ElementwiseActivation {
    public override init() {}
    public override var typeName: String { "relu" }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        reluForward(x, y, n)
    }

    // y, dy, dx: [n] flat
    override func gradient(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        reluGradient(y, dy, dx, n)
    }
}

/// y[i] = max(x[i], 0) for i in 0..<n (x may be y). Shared by ReLU and the layers that apply a
/// following ReLU themselves, so fused and unfused networks compute the same bits.
@inline(__always)
func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { y[i] = max(x[i], 0) }
}

/// dx[i] = y[i] > 0 ? dy[i] : 0 for i in 0..<n, from ReLU's output y.
@inline(__always)
func reluGradient(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { dx[i] = y[i] > 0 ? dy[i] : 0 }
}

/// A layer that can apply the ReLU following it itself: max(·, 0) on its output in forward, and
/// in backward the ReLU's mask on dL/d(output) before its own gradient. `Network` fuses a ReLU
/// into its producer when the ReLU is the producer's only reader; the results are bit-identical.
protocol ReLUFusing: Layer {
    /// Whether the layer can fuse for these input shapes (asked before `bind`).
    func canFuseReLU(inputShapes: [[Int]]) -> Bool
    /// Set by `Network` before `bind`.
    var fusesReLU: Bool { get set }
}
