import Spec
import SIMDMemory

/// max(0, x); the gradient passes where the output is positive (0 at x = 0, like PyTorch).
public final class ReLU: ElementwiseActivation {
    public override init() {}
    public override var definition: any LayerDefinition { ReLULayer() }

    // x, y: [n] flat
    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        reluForward(x, y, n)
    }

    // x, y, dy, dx: [n] flat (reads y: a fused ReLU's x is its producer's output, already rectified)
    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        reluGradient(y, dy, dx, n)
    }
}

/// y[i] = max(x[i], 0) for i in 0..<n (x may be y). Shared by ReLU and the layers that apply a
/// following ReLU themselves, so fused and unfused networks compute the same bits.
/// Eight lanes at a time; a row of n ≥ 8 ends with an overlapping vector (recomputing a few
/// elements is harmless: even in place, max(max(v, 0), 0) = max(v, 0)). Lane-wise it is exactly
/// Swift's `max(v, 0)`: 0 for −0 and negatives, NaN stays NaN.
@inline(__always)
func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    if n < 8 {
        for i in 0..<n { y[i] = max(x[i], 0) }
        return
    }
    @inline(__always) func lanes(_ i: Int) { store8(y + i, relu(load8(x + i))) }
    var i = 0
    while i + 8 <= n { lanes(i); i += 8 }
    if i < n { lanes(n - 8) }
}

/// dx[i] = y[i] > 0 ? dy[i] : 0 for i in 0..<n, from ReLU's output y.
/// Vectorized like `reluForward` (dx must not overlap y or dy).
@inline(__always)
func reluGradient(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    if n < 8 {
        for i in 0..<n { dx[i] = y[i] > 0 ? dy[i] : 0 }
        return
    }
    @inline(__always) func lanes(_ i: Int) {
        store8(dx + i, load8(dy + i).replacing(with: 0, where: .!(load8(y + i) .> SIMD8<Float>())))
    }
    var i = 0
    while i + 8 <= n { lanes(i); i += 8 }
    if i < n { lanes(n - 8) }
}


/// `reluForward` row by row: src rows `srcStride` apart → dst rows `dstStride` apart (one call per
/// plane, so short rows — 10 or 28 wide in LeNet — pay no call overhead).
func reluRows(_ src: UnsafePointer<Float>, srcStride: Int, _ dst: UnsafeMutablePointer<Float>, dstStride: Int,
              rows: Int, cols: Int) {
    for r in 0..<rows { reluForward(src + r * srcStride, dst + r * dstStride, cols) }
}

/// `reluGradient` row by row: y and dy compact [rows, cols] → dx rows `dstStride` apart.
func reluGradientRows(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                      dstStride: Int, rows: Int, cols: Int) {
    for r in 0..<rows { reluGradient(y + r * cols, dy + r * cols, dx + r * dstStride, cols) }
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

/// A `ReLUFusing` layer that can also run the 2×2, stride-2 average pooling reading its fused ReLU,
/// per sample while the sample's output is in cache. The pooling keeps its output and gradient
/// buffers; `Network` hands them over before `bind`.
protocol PoolFusing: ReLUFusing {
    /// Whether the layer can fuse the pooling for these input shapes (asked after `fusesReLU` is set).
    func canFusePool(inputShapes: [[Int]]) -> Bool
    var fusedPool: (output: UnsafeMutablePointer<Float>, outputGrad: UnsafePointer<Float>)? { get set }
}

extension ReLULayer: EngineBuildable {
    public func makeEngineLayer(weightInit: WeightInit) -> any Layer { ReLU() }
}
