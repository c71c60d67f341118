/// The Sobol low-discrepancy sequence in up to `Sobol.maxDimensions` dimensions, with 32-bit
/// digits, in Gray-code order (Antonov–Saleev), optionally scrambled.
///
/// Direction numbers: Joe & Kuo, "Constructing Sobol sequences with better two-dimensional
/// projections" (SIAM J. Sci. Comput. 30, 2008), file `new-joe-kuo-6.21201`, dimensions 2–21;
/// dimension 1 is the van der Corput sequence in base 2. Unscrambled, point 0 is the origin and the
/// sequence equals `scipy.stats.qmc.Sobol(d, scramble=False)` (`SobolTests` checks published points).
///
/// Scrambling (`seed` given): a random linear matrix scramble (Matoušek) — each dimension's
/// direction numbers multiplied by a random lower-triangular binary matrix with unit diagonal —
/// followed by a random digital shift (XOR), both drawn from `SplitMix64(seed)`. Scrambling keeps
/// the net property (every 2^m consecutive points from 0 fill each of the 2^m equal intervals of every
/// coordinate once) and makes the points a pure function of the seed.
public struct Sobol: Sendable {
    /// Primitive polynomials (degree s, interior coefficients a) and initial numbers m_1…m_s of
    /// dimensions 2, 3, … (Joe & Kuo's table).
    static let table: [(s: Int, a: UInt32, m: [UInt32])] = [
        (1, 0, [1]), (2, 1, [1, 3]), (3, 1, [1, 3, 1]), (3, 2, [1, 1, 1]), (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]), (5, 2, [1, 1, 5, 5, 17]), (5, 4, [1, 1, 5, 5, 5]), (5, 7, [1, 1, 7, 11, 19]),
        (5, 11, [1, 1, 5, 1, 1]), (5, 13, [1, 1, 1, 3, 11]), (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]), (6, 13, [1, 1, 1, 15, 21, 21]), (6, 16, [1, 3, 1, 13, 27, 49]),
        (6, 19, [1, 1, 1, 15, 7, 5]), (6, 22, [1, 3, 1, 15, 13, 25]), (6, 25, [1, 1, 5, 5, 19, 61]),
        (7, 1, [1, 3, 7, 11, 23, 15, 103]), (7, 4, [1, 3, 7, 13, 13, 15, 69]),
    ]

    public static let maxDimensions = table.count + 1
    static let bits = 32

    public let dimensions: Int
    /// directions[j][k]: the k-th direction number of dimension j, bit 31 the first binary digit.
    private let directions: [[UInt32]]
    private let shift: [UInt32]

    /// `dimensions` in 1...maxDimensions; `seed` nil for the plain sequence.
    public init(dimensions: Int, seed: UInt64? = nil) {
        precondition(dimensions >= 1 && dimensions <= Self.maxDimensions, "Sobol supports 1...\(Self.maxDimensions) dimensions")
        self.dimensions = dimensions
        var directions = (0..<dimensions).map(Self.directionNumbers)
        var shift = [UInt32](repeating: 0, count: dimensions)
        if let seed {
            var random = SplitMix64(seed: seed)
            for j in 0..<dimensions {
                // Row i of the lower-triangular matrix (digit i from the top): 1 on the diagonal, random below.
                var rows = [UInt32](repeating: 0, count: Self.bits)
                for i in 0..<Self.bits {
                    let below = i == 0 ? 0 : UInt32(truncatingIfNeeded: random.next()) & ~(UInt32.max >> UInt32(i))
                    rows[i] = below | (UInt32(1) << UInt32(Self.bits - 1 - i))
                }
                directions[j] = directions[j].map { Self.multiply(rows, $0) }
                shift[j] = UInt32(truncatingIfNeeded: random.next() >> 32)
            }
        }
        self.directions = directions
        self.shift = shift
    }

    /// The first `count` points, each in [0, 1)^dimensions.
    public func points(_ count: Int) -> [[Double]] {
        var x = shift
        var out: [[Double]] = []
        out.reserveCapacity(count)
        for n in 0..<count {
            out.append(x.map { Double($0) / 4_294_967_296 })
            let c = (~UInt64(n)).trailingZeroBitCount
            guard c < Self.bits else { break }
            for j in 0..<dimensions { x[j] ^= directions[j][c] }
        }
        return out
    }

    /// The 32 direction numbers of dimension `j` (0-based) by the recurrence
    /// m_k = 2a_1 m_{k−1} ⊕ 4a_2 m_{k−2} ⊕ … ⊕ 2^{s−1}a_{s−1} m_{k−s+1} ⊕ 2^s m_{k−s} ⊕ m_{k−s}.
    static func directionNumbers(_ j: Int) -> [UInt32] {
        guard j > 0 else { return (0..<bits).map { UInt32(1) << UInt32(bits - 1 - $0) } }
        let (s, a, initial) = table[j - 1]
        var m = initial.map(UInt64.init)
        for k in s..<bits {
            var v = m[k - s] ^ (m[k - s] << UInt64(s))
            for i in 1..<max(s, 1) where (a >> UInt32(s - 1 - i)) & 1 == 1 { v ^= m[k - i] << UInt64(i) }
            m.append(v)
        }
        return (0..<bits).map { UInt32(truncatingIfNeeded: m[$0] << UInt64(bits - 1 - $0)) }
    }

    /// The matrix (one row per output digit, bit 31 = digit 1) times the digit vector `v` over GF(2).
    private static func multiply(_ rows: [UInt32], _ v: UInt32) -> UInt32 {
        var out: UInt32 = 0
        for (i, row) in rows.enumerated() where (row & v).nonzeroBitCount & 1 == 1 {
            out |= UInt32(1) << UInt32(bits - 1 - i)
        }
        return out
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): the small seeded generator behind search sampling.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
