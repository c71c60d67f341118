import XCTest
@testable import Spec

/// The Sobol sequence against published points, and what scrambling must keep.
final class SobolTests: XCTestCase {
    /// Joe & Kuo's sequence (new-joe-kuo-6.21201) in Gray-code order, as `scipy.stats.qmc.Sobol(d,
    /// scramble=False).random(8)` prints it (scipy 1.17), dimensions 1–16.
    func testUnscrambledPointsAreThePublishedSequence() {
        let expected: [[Double]] = [
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75, 0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25],
            [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25, 0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75],
            [0.375, 0.375, 0.625, 0.875, 0.375, 0.125, 0.375, 0.875, 0.875, 0.625, 0.875, 0.375, 0.375, 0.625, 0.375, 0.875],
            [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375, 0.375, 0.125, 0.375, 0.875, 0.875, 0.125, 0.875, 0.375],
            [0.625, 0.125, 0.875, 0.625, 0.625, 0.875, 0.125, 0.125, 0.125, 0.375, 0.125, 0.625, 0.125, 0.875, 0.625, 0.625],
            [0.125, 0.625, 0.375, 0.125, 0.125, 0.375, 0.625, 0.625, 0.625, 0.875, 0.625, 0.125, 0.625, 0.375, 0.125, 0.125],
        ]
        XCTAssertEqual(Sobol(dimensions: 16).points(8), expected)
        // Later points, from the same scipy call with random(1024): rows 100 and 1023, dimensions 1–5 and 21.
        let points = Sobol(dimensions: 21).points(1024)
        XCTAssertEqual([0, 1, 2, 3, 4, 20].map { points[100][$0] }, [0.4140625, 0.2578125, 0.7734375, 0.7265625, 0.8828125, 0.7578125])
        XCTAssertEqual([0, 1, 2, 3, 4, 20].map { points[1023][$0] }, [0.0009765625, 0.7529296875, 0.6123046875, 0.1455078125, 0.1865234375, 0.8662109375])
    }

    /// Every 2^m first points of a (scrambled) Sobol sequence put exactly one point into each of the
    /// 2^m equal intervals of every coordinate.
    func testScramblingKeepsTheNetPropertyAndDependsOnlyOnTheSeed() {
        let scrambled = Sobol(dimensions: 6, seed: 7).points(64)
        for j in 0..<6 {
            XCTAssertEqual(Set(scrambled.map { Int($0[j] * 64) }).count, 64, "dimension \(j + 1)")
            XCTAssertEqual(Set(scrambled.prefix(16).map { Int($0[j] * 16) }).count, 16, "dimension \(j + 1)")
        }
        XCTAssertEqual(Sobol(dimensions: 6, seed: 7).points(64), scrambled)
        XCTAssertNotEqual(Sobol(dimensions: 6, seed: 8).points(64), scrambled)
        XCTAssertNotEqual(Sobol(dimensions: 6).points(64), scrambled)
        XCTAssertTrue(scrambled.allSatisfy { $0.allSatisfy { $0 >= 0 && $0 < 1 } })
    }

    func testSplitMix64MatchesTheReferenceOutput() {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 0)
        XCTAssertEqual([g.next(), g.next(), g.next()], [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F])
    }
}
