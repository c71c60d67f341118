@testable import Engine
import Foundation
import SIMDMemory
import TestSupport
import XCTest

/// The smooth activations (vector e^x, e^x − 1 and erf of `SIMDMemory/VectorMath.swift`) against
/// their definitions in Double: the worst error in units of the float result's last place, over a
/// dense sweep of [−30, 30] and values near 0; and the same bits wherever a buffer is split
/// (a thread's share may end anywhere: the last elements go through the same vector function).
final class VectorMathTests: XCTestCase {
    /// −30…30 in steps of 1/1024, then ±2^−k for k = 1…40 and 0, −0.
    private let inputs: [Float] = {
        var v = (-30_720...30_720).map { Float($0) / 1024 }
        for k in 1...40 { let t = Float(pow(2.0, -Double(k))); v += [t, -t, 3 * t, -3 * t] }
        return v + [0, -0.0]
    }()

    /// Worst |got − want| in ulps of max(|Float(want)|, scale(x)), and where: with no scale, relative
    /// error everywhere; a formula whose terms cancel (1 + erf(x) for x ≪ 0, the zero of GELU′ and
    /// SiLU′, 1 − σ(x) for x ≫ 0) is judged relative to the size of its terms, max(|x|, 1).
    private func worst(_ x: [Float], _ got: [Float], _ want: [Double],
                       scale: (Float) -> Float = { _ in .leastNormalMagnitude }) -> (ulps: Double, at: Float) {
        var result = (ulps: 0.0, at: Float.nan)
        for i in x.indices {
            let ulp = Double(max(Float(want[i]).magnitude, scale(x[i])).ulp)
            let e = got[i].isNaN ? .infinity : abs(Double(got[i]) - want[i]) / ulp
            if e > result.ulps { result = (e, x[i]) }
        }
        return result
    }

    private func forward(_ layer: ElementwiseActivation, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { layer.apply(xp.baseAddress!, $0.baseAddress!, x.count) } }
        return y
    }

    private func gradient(_ layer: ElementwiseActivation, _ x: [Float]) -> [Float] {
        let y = forward(layer, x), dy = [Float](repeating: 1, count: x.count)
        var dx = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dyp in
            dx.withUnsafeMutableBufferPointer {
                layer.gradient(xp.baseAddress!, yp.baseAddress!, dyp.baseAddress!, $0.baseAddress!, x.count)
            }
        } } }
        return dx
    }

    private func lanes(_ x: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
        x.map { f(splat8($0))[0] }
    }

    func testVectorExpExpm1AndErfWithinTheirUlps() {
        let x = inputs, d = x.map(Double.init)
        let e = worst(x, lanes(x, exp8), d.map { Foundation.exp($0) })
        XCTAssertLessThanOrEqual(e.ulps, 1.5, "exp at \(e.at)")
        let m = worst(x, lanes(x, expm1_8), d.map { Foundation.expm1($0) })
        XCTAssertLessThanOrEqual(m.ulps, 2, "expm1 at \(m.at)")
        let f = worst(x, lanes(x, erf8), d.map { Foundation.erf($0) })
        XCTAssertLessThanOrEqual(f.ulps, 3, "erf at \(f.at)")
    }

    private static func phi(_ v: Double) -> Double { 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())) }

    /// The activations within a few ulps of their values (of their terms' size where the formula
    /// cancels, as it does in any float implementation, PyTorch's too).
    func testActivationsAgainstTheirDefinitions() {
        let x = inputs, d = x.map(Double.init)
        let sig = d.map { 1 / (1 + Foundation.exp(-$0)) }
        let relative: (Float) -> Float = { _ in .leastNormalMagnitude }, terms: (Float) -> Float = { max($0.magnitude, 1) }
        let checks: [(String, [Float], [Double], (Float) -> Float, Double)] = [
            ("silu", forward(SiLU(), x), zip(d, sig).map { $0 * $1 }, relative, 3),
            ("silu′", gradient(SiLU(), x), zip(d, sig).map { $1 * (1 + $0 * (1 - $1)) }, terms, 3),
            ("gelu", forward(GELU(), x), d.map { $0 * Self.phi($0) }, terms, 3),
            ("gelu′", gradient(GELU(), x),
             d.map { Self.phi($0) + $0 * Foundation.exp(-0.5 * $0 * $0) / (2 * Double.pi).squareRoot() }, terms, 3),
            ("elu", forward(ELU(alpha: 0.7), x), d.map { $0 > 0 ? $0 : 0.7 * Foundation.expm1($0) }, relative, 2),
            ("elu′", gradient(ELU(alpha: 0.7), x), d.map { $0 > 0 ? 1 : 0.7 * Foundation.exp($0) }, relative, 2),
        ]
        for (name, got, want, scale, bound) in checks {
            let w = worst(x, got, want, scale: scale)
            XCTAssertLessThanOrEqual(w.ulps, bound, "\(name) at \(w.at)")
        }
    }

    func testSaturationStaysFiniteAndNaNPropagates() {
        let x: [Float] = [-1e30, -200, -90, 90, 200, 1e30]
        for layer in [SiLU(), GELU(), ELU(alpha: 1)] as [ElementwiseActivation] {
            let y = forward(layer, x)
            XCTAssertTrue(y.allSatisfy { !$0.isNaN }, "\(layer.typeName): \(y)")
            XCTAssertTrue(forward(layer, [.nan])[0].isNaN, layer.typeName)
        }
        XCTAssertEqual(forward(GELU(), [-10, 10]), [-0.0, 10])
        XCTAssertEqual(forward(ELU(alpha: 1), [-100])[0], -1)
    }

    func testSameBitsWhereverTheBufferIsSplit() {
        let x = engineRandomValues(45, seed: 3).map { $0 * 6 }
        for layer in [SiLU(), GELU(), ELU(alpha: 1)] as [ElementwiseActivation] {
            let whole = forward(layer, x), wholeGrad = gradient(layer, x)
            for cut in [1, 5, 8, 13, 44] {
                let parts = forward(layer, Array(x[..<cut])) + forward(layer, Array(x[cut...]))
                let grads = gradient(layer, Array(x[..<cut])) + gradient(layer, Array(x[cut...]))
                XCTAssertEqual(parts.map(\.bitPattern), whole.map(\.bitPattern), "\(layer.typeName) cut \(cut)")
                XCTAssertEqual(grads.map(\.bitPattern), wholeGrad.map(\.bitPattern), "\(layer.typeName) grad cut \(cut)")
            }
        }
    }
}
