import XCTest
import TestSupport
@testable import Spec

/// What a config may ask for is bounded at load time, with one line each, before anything big is
/// built or allocated: the number of trials, the memory a network needs, sizes that would overflow.
final class LimitTests: XCTestCase {
    /// A 20 × 20 × 20 × 20 grid (160,000 points) is refused at once: the product is never built.
    func testOversizedGridIsRefusedBeforeExpansion() {
        let values = "[" + (1...20).map(String.init).joined(separator: ", ") + "]"
        let text = validText + """

        sweep:
          train.epochs: \(values)
          train.batch_size: \(values)
          train.seed: \(values)
          data.pad: \(values)
        """
        let start = Date()
        XCTAssertEqual(errorLines(text), [
            "x.yaml:9:3: sweep: expands to 160000 trials (20 × 20 × 20 × 20 points × 1 seed), more than the limit "
            + "of 10000; pass --max-trials 160000 to allow it",
        ])
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "refusing must not expand the grid")
    }

    func testSeedsCountTowardsTheLimitAndMaxTrialsRaisesIt() throws {
        let text = validText + "\nsweep:\n  train.epochs: [1, 2, 3]\n"
        XCTAssertEqual(errorLines(text, seeds: 4000), [
            "x.yaml:9:3: sweep: expands to 12000 trials (3 points × 4000 seeds), more than the limit of 10000; "
            + "pass --max-trials 12000 to allow it",
        ])
        XCTAssertEqual(try ExperimentLoader.load(text: text, file: "x.yaml", seeds: 4, maxTrials: 12, datasets: FixedDataset()).count, 12)
        XCTAssertThrowsError(try ExperimentLoader.load(text: text, file: "x.yaml", seeds: 4, maxTrials: 11, datasets: FixedDataset()))
        XCTAssertEqual(errorLines(validText, seeds: 1_000_000_000_000), [
            "x.yaml:1:1: seeds: expands to 1000000000000 trials (1000000000000 seeds), more than the limit of 10000; "
            + "pass --max-trials 1000000000000 to allow it",
        ])
    }

    /// A `linear` with 100,000,000 outputs validates today and traps on allocation; it must be refused.
    func testNetworkLargerThanTheMachineIsRefused() {
        let text = """
        name: Huge
        model:
          layers:
            - {type: flatten, name: flat}
            - {type: linear, name: fc, out: 100000000}
            - {type: linear, name: out, out: 10}
        """
        let lines = errorLines(text)
        XCTAssertEqual(lines.count, 1, "\(lines)")
        let line = lines.first ?? ""
        XCTAssertTrue(line.hasPrefix("x.yaml:3:3: model: needs at least 1.64 TB of memory (79,500,000,010 parameters: "
                                     + "1.59 TB with gradients and optimizer state; activations and gradients for batches of 64: 51.2 GB)"),
                      line)
        XCTAssertTrue(line.hasSuffix(", more than this machine's \(MemoryEstimate.describe(MemoryEstimate.machineBytes))"), line)
    }

    /// Sizes that overflow 64-bit integers give a refused estimate, never an arithmetic trap.
    func testOverflowingSizesAreRefusedNotTrapped() {
        let text = """
        name: Overflow
        model:
          layers:
            - {type: conv2d, name: c, out: 9223372036854775807, kernel: 3, padding: 4611686018427387904}
            - {type: flatten, name: flat}
            - {type: linear, name: out, out: 10}
        """
        let lines = errorLines(text)
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines.first?.hasPrefix("x.yaml:3:3: model: needs at least ") == true, "\(lines)")
        XCTAssertTrue(lines.first?.contains("(too many parameters: ") == true, "\(lines)")
    }

    /// The estimate counts what the engine is built for: a batch larger than the training split is
    /// the split; a batch below the evaluation batch is held in whole groups of 16.
    func testEstimateUsesTheBatchTheDataAllows() throws {
        var text = validText.replacingOccurrences(of: "  epochs: 2", with: "  epochs: 2\n  batch_size: 100000")
        text = text.replacingOccurrences(of: "  resize: 32", with: "  resize: 32\n  train_limit: 1000")
        let trial = try XCTUnwrap(loadTrials(text).first)
        let plan = try ShapeInference.plan(trial)
        XCTAssertNil(ExperimentLoader.memoryProblem(trial.spec, plan, trainCount: trial.dataset.trainingCount(trial.spec.data)))
        let problem = try XCTUnwrap(ExperimentLoader.memoryProblem(trial.spec, plan, trainCount: trial.dataset.trainingCount(trial.spec.data), machineBytes: 1e6))
        XCTAssertTrue(problem.contains("activations and gradients for batches of 1000: "), problem)
        // LeNet-5 at batch 50: the outputs of 64 samples (whole groups), the largest gradient for 50.
        let small = MemoryEstimate(plan: plan, batch: 256, gradientBatch: 50)
        let outputs = plan.layers.map { Double($0.outputShape.reduce(1, *)) }
        XCTAssertEqual(small.activationBatch, 64)
        XCTAssertEqual(small.activationBytes, ((Double(plan.inputShape.reduce(1, *)) + outputs.reduce(0, +)) * 64 + outputs.max()! * 50) * 4)
        XCTAssertTrue(problem.hasSuffix("more than this machine's 1.00 MB"), problem)
        XCTAssertEqual(MemoryEstimate(plan: plan, batch: 1000).parameterBytes, Double(plan.parameterCount) * 20)
    }

    func testDescribeUsesDecimalUnits() {
        XCTAssertEqual(MemoryEstimate.describe(999), "999 bytes")
        XCTAssertEqual(MemoryEstimate.describe(1_234_567), "1.23 MB")
        XCTAssertEqual(MemoryEstimate.describe(25_769_803_776), "25.8 GB")
        XCTAssertEqual(MemoryEstimate.describe(312e9), "312 GB")
        XCTAssertEqual(MemoryEstimate.describe(3e20), "3.00e+20 bytes")
    }
}
