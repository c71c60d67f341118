import Foundation

/// Small-sample statistics: mean, sample standard deviation, Student-t intervals, Welch's t-test.
public enum Stats {
    /// Arithmetic mean; NaN for an empty sample.
    public static func mean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count)
    }

    /// Sample variance (n − 1 denominator); nil for fewer than two values.
    public static func variance(_ xs: [Double]) -> Double? {
        guard xs.count >= 2 else { return nil }
        let m = mean(xs)
        return xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)
    }

    /// Sample standard deviation (n − 1 denominator); nil for fewer than two values.
    public static func standardDeviation(_ xs: [Double]) -> Double? {
        variance(xs).map { $0.squareRoot() }
    }

    /// Half-width of the two-sided confidence interval of the mean: t(1 − α/2, n − 1) · s / √n.
    ///
    /// nil for fewer than two values. `level` is the coverage, 0.95 by default.
    public static func confidenceHalfWidth(_ xs: [Double], level: Double = 0.95) -> Double? {
        guard let s = standardDeviation(xs) else { return nil }
        let t = studentTQuantile(0.5 + level / 2, degreesOfFreedom: Double(xs.count - 1))
        return t * s / Double(xs.count).squareRoot()
    }

    /// The result of Welch's unequal-variance t-test.
    public struct WelchTest: Equatable, Sendable {
        public var t: Double
        /// Welch–Satterthwaite degrees of freedom.
        public var degreesOfFreedom: Double
        /// Two-sided p-value.
        public var p: Double
    }

    /// Welch's two-sided t-test of equal means; nil when either sample has fewer than two values
    /// or both have zero variance (the statistic is undefined).
    public static func welch(_ a: [Double], _ b: [Double]) -> WelchTest? {
        guard let va = variance(a), let vb = variance(b) else { return nil }
        let qa = va / Double(a.count), qb = vb / Double(b.count)
        let se2 = qa + qb
        guard se2 > 0 else { return nil }
        let t = (mean(a) - mean(b)) / se2.squareRoot()
        let df = se2 * se2 / (qa * qa / Double(a.count - 1) + qb * qb / Double(b.count - 1))
        return WelchTest(t: t, degreesOfFreedom: df, p: studentTwoSidedTail(t, degreesOfFreedom: df))
    }

    /// A difference of two means with its two-sided confidence interval.
    public struct Difference: Equatable, Sendable {
        /// mean(a) − mean(b)
        public var estimate: Double
        public var low: Double
        public var high: Double
        /// Welch–Satterthwaite degrees of freedom.
        public var degreesOfFreedom: Double
    }

    /// mean(a) − mean(b) with its Welch confidence interval: estimate ± t(1 − α/2, ν) · √(s²a/na + s²b/nb),
    /// ν the Welch–Satterthwaite degrees of freedom (what `welch` tests). nil when either sample has
    /// fewer than two values or both have zero variance.
    public static func welchDifference(_ a: [Double], _ b: [Double], level: Double = 0.95) -> Difference? {
        guard let test = welch(a, b), let va = variance(a), let vb = variance(b) else { return nil }
        let se = (va / Double(a.count) + vb / Double(b.count)).squareRoot()
        let d = mean(a) - mean(b)
        let half = studentTQuantile(0.5 + level / 2, degreesOfFreedom: test.degreesOfFreedom) * se
        return Difference(estimate: d, low: d - half, high: d + half, degreesOfFreedom: test.degreesOfFreedom)
    }

    /// Holm's step-down adjustment of a family of p-values (nil entries are not in the family):
    /// with the m p-values sorted ascending, p̃(i) = max over j ≤ i of min(1, (m − j + 1) · p(j)).
    /// Controls the family-wise error rate; returns the adjusted values in the input order.
    public static func holm(_ ps: [Double?]) -> [Double?] {
        var family: [(index: Int, p: Double)] = []
        for (i, p) in ps.enumerated() { if let p { family.append((i, p)) } }
        family.sort { a, b in a.p != b.p ? a.p < b.p : a.index < b.index }
        var adjusted = [Double?](repeating: nil, count: ps.count)
        var running = 0.0
        for (rank, (index, p)) in family.enumerated() {
            running = max(running, min(1, Double(family.count - rank) * p))
            adjusted[index] = running
        }
        return adjusted
    }

    /// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    public static func studentTwoSidedTail(_ t: Double, degreesOfFreedom df: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? .nan : 0 }
        return SpecialFunctions.regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// Student-t cumulative distribution function P(T ≤ t).
    public static func studentTCDF(_ t: Double, degreesOfFreedom df: Double) -> Double {
        let tail = studentTwoSidedTail(t, degreesOfFreedom: df) / 2
        return t >= 0 ? 1 - tail : tail
    }

    /// The `p`-quantile of Student's t (e.g. p = 0.975, df = 4 → 2.776), found by bisection
    /// on the CDF to full double precision. Any real df > 0.
    public static func studentTQuantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "quantile needs 0 < p < 1 and df > 0")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -studentTQuantile(1 - p, degreesOfFreedom: df) }
        var lo = 0.0, hi = 1.0
        while studentTCDF(hi, degreesOfFreedom: df) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid == lo || mid == hi { break }
            if studentTCDF(mid, degreesOfFreedom: df) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}

/// Special functions behind the t distribution.
enum SpecialFunctions {
    /// Regularized incomplete beta I_x(a, b), by the continued fraction (modified Lentz),
    /// using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction 1/(1+ d1/(1+ d2/(1+ …))) of the incomplete beta function, where
    /// d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        func guarded(_ v: Double) -> Double { abs(v) < tiny ? tiny : v }
        // Lentz: f = product of C_j·D_j, starting from b0 = 1 with a first term d1.
        var c = 1.0
        var d = 1 / guarded(1 - (a + b) * x / (a + 1))
        var f = d
        for m in 1...10_000 {
            let mm = Double(m)
            let even = mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm))
            d = 1 / guarded(1 + even * d)
            c = guarded(1 + even / c)
            f *= c * d
            let odd = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
            d = 1 / guarded(1 + odd * d)
            c = guarded(1 + odd / c)
            let step = c * d
            f *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return f
    }
}
