import XCTest
import TestSupport
@testable import Spec

/// `search:` blocks: validation of the block, deterministic sampling, points as ordinary trials.
final class SearchTests: XCTestCase {
    private let searchText = validText + """

    seeds: [0, 1]
    search:
      method: random
      trials: 6
      seed: 3
      space:
        train.optimizer.lr: {loguniform: [1.0e-4, 1.0e-2]}
        train.batch_size: {choice: [32, 64, 128]}
        model.lenet5.dropout: {uniform: [0.0, 0.6]}
    objective: {metric: val_acc, over_seeds: lower_ci}
    """

    func testPointsBecomeOrdinaryNamedTrialsWithTheSampledValues() throws {
        let trials = loadTrials(searchText)
        XCTAssertEqual(trials.count, 12)
        let first = try XCTUnwrap(trials.first)
        let membership = try XCTUnwrap(first.search)
        XCTAssertEqual(membership.search, "Test")
        XCTAssertEqual(membership.point, 1)
        XCTAssertEqual(membership.objective, SearchObjective(metric: .valAcc, overSeeds: .lowerCI))
        XCTAssertEqual(membership.parameters.map(\.label), ["lr", "batch_size", "dropout"])
        XCTAssertEqual(membership.parameters.map(\.isLog), [true, false, false])
        let values = membership.parameters.map(\.value)
        XCTAssertEqual(first.variant, "Test [lr=\(values[0]),batch_size=\(values[1]),dropout=\(values[2])]")
        XCTAssertEqual(first.slug, "test-lr\(values[0])-bs\(values[1])-dropout\(values[2])-seed0")
        // The name states exactly the value trained with.
        XCTAssertEqual(first.spec.train.optimizer.lr, Double(values[0]))
        XCTAssertEqual(first.spec.train.batchSize, Int(values[1]))
        XCTAssertTrue(first.canonicalYAML.contains("dropout: \(Double(values[2])!)"), first.canonicalYAML)
        XCTAssertEqual(trials.map(\.spec.train.seed), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
        XCTAssertEqual(Set(trials.map(\.variant)).count, 6)
        for trial in trials {
            let lr = trial.spec.train.optimizer.lr
            XCTAssertTrue(lr >= 1e-4 && lr <= 1e-2, "\(lr)")
            XCTAssertTrue([32, 64, 128].contains(trial.spec.train.batchSize))
        }
        // The resolved config carries no search block: loading it again gives the same trial.
        let again = try XCTUnwrap(loadTrials(first.canonicalYAML).first)
        XCTAssertEqual(again.hash, first.hash)
    }

    func testSamplingIsAPureFunctionOfSeedMethodSpaceAndTrials() {
        let a = loadTrials(searchText).map(\.hash)
        XCTAssertEqual(loadTrials(searchText).map(\.hash), a)
        let otherSeed = loadTrials(searchText.replacingOccurrences(of: "seed: 3", with: "seed: 4")).map(\.hash)
        XCTAssertNotEqual(otherSeed, a)
        let sobol = loadTrials(searchText.replacingOccurrences(of: "method: random", with: "method: sobol")).map(\.hash)
        XCTAssertNotEqual(sobol, a)
        XCTAssertEqual(loadTrials(searchText.replacingOccurrences(of: "method: random", with: "method: sobol")).map(\.hash), sobol)
        // More trials extend the same draws: the first points stay the same.
        let more = loadTrials(searchText.replacingOccurrences(of: "trials: 6", with: "trials: 8")).map(\.hash)
        XCTAssertEqual(Array(more.prefix(12)), a)
        // Overrides of the block itself are applied before sampling.
        XCTAssertEqual(loadTrials(searchText, overrides: ["search.trials=8"]).map(\.hash), more)
    }

    func testRandomDrawsMapTheUnitIntervalAsDocumented() {
        var random = SplitMix64(seed: 3)
        let u = (0..<3).map { _ in random.unit() }
        let point = SearchSampler.points(SearchBlock(method: .random, trials: 1, seed: 3, gridPoints: 3, dimensions: [
            dim("a", .loguniform(low: 1e-4, high: 1e-2)), dim("b", .int(low: 8, high: 64, log: true)),
            dim("c", .uniform(low: 0, high: 0.6)),
        ], objective: SearchObjective(), mark: .whole("x"))).first
        XCTAssertEqual(point?.map(\.text), [SearchSampler.format(exp(log(1e-4) + u[0] * (log(1e-2) - log(1e-4)))),
                                           String(Int(exp(log(8.0) + u[1] * (log(65.0) - log(8.0))))),
                                           SearchSampler.format(0.6 * u[2])])
    }

    func testValueFormatting() {
        XCTAssertEqual(SearchSampler.format(0.000321456), "3.21e-4")
        XCTAssertEqual(SearchSampler.format(0.00032), "3.2e-4")
        XCTAssertEqual(SearchSampler.format(0.3104), "0.31")
        XCTAssertEqual(SearchSampler.format(12.46), "12.5")
        XCTAssertEqual(SearchSampler.format(100.2), "100.0")
        XCTAssertEqual(SearchSampler.format(0.0099996), "0.01")
        XCTAssertEqual(SearchSampler.format(9.996e-5), "1e-4")
        XCTAssertEqual(SearchSampler.format(0), "0.0")
    }

    func testGridMethodSpacesValuesEvenlyAndLogarithmically() {
        let trials = loadTrials(validText + """

        search:
          method: grid
          points: 3
          space:
            train.optimizer.lr: {loguniform: [1.0e-4, 1.0e-2]}
            model.lenet5.activation: {choice: [relu, tanh]}
        """)
        XCTAssertEqual(trials.map(\.variant), [
            "Test [lr=1e-4,activation=relu]", "Test [lr=1e-4,activation=tanh]",
            "Test [lr=0.001,activation=relu]", "Test [lr=0.001,activation=tanh]",
            "Test [lr=0.01,activation=relu]", "Test [lr=0.01,activation=tanh]",
        ])
        XCTAssertEqual(trials.map(\.slug).first, "test-lr1e-4-activation-relu-seed0")
    }

    func testGridTimesSearch() {
        let trials = loadTrials(validText + """

        sweep: {train.epochs: [1, 2]}
        search:
          trials: 2
          space: {train.optimizer.lr: {loguniform: [1.0e-4, 1.0e-2]}}
        """)
        XCTAssertEqual(trials.count, 4)
        XCTAssertEqual(trials.map(\.search?.search), ["Test [train.epochs=1]", "Test [train.epochs=1]",
                                                      "Test [train.epochs=2]", "Test [train.epochs=2]"])
        XCTAssertEqual(trials[0].search?.parameters, trials[2].search?.parameters)
        XCTAssertTrue(trials[0].variant.hasPrefix("Test [train.epochs=1] [lr="), trials[0].variant)
    }

    func testRepeatedDiscretePointsAreDrawnOnce() {
        let trials = loadTrials(validText + """

        search:
          trials: 10
          space: {model.lenet5.activation: {choice: [relu, tanh]}}
        """)
        XCTAssertEqual(Set(trials.map(\.variant)), ["Test [activation=relu]", "Test [activation=tanh]"])
        XCTAssertEqual(trials.count, 2)
    }

    func testBlockErrorsNameTheirLine() {
        let text = validText + """

        search:
          method: randon
          trail: 4
          space:
            train.optimizer.lrr: {loguniform: [1.0e-4, 1.0e-2]}
            train.batch_size: {choice: []}
            model.lenet5.dropout: {uniform: [0.6, 0.1]}
            train.epochs: {loguniform: [0, 10]}
            train.optimizer.eps: {int: [1, 2], log: maybe}
            data.pad: {normal: [0, 1]}
            name: {choice: [a, b]}
        """
        XCTAssertEqual(errorLines(text), [
            "x.yaml:9:3: search.trials: missing, expected a positive integer (the number of points to draw)",
            "x.yaml:9:11: search.method: expected one of random, sobol, grid, found \"randon\", did you mean \"random\"?",
            "x.yaml:10:3: search.trail: unknown key, expected one of method, trials, seed, points, space, prune",
            "x.yaml:12:5: search.space.train.optimizer.lrr: not a config key, did you mean train.optimizer.lr?",
            "x.yaml:13:32: search.space.train.batch_size.choice: expected a non-empty list of values, found a list",
            "x.yaml:14:37: search.space.model.lenet5.dropout.uniform: expected low < high, found [0.6, 0.1]",
            "x.yaml:15:32: search.space.train.epochs.loguniform: expected 0 < low < high for a log scale, found [0, 10]",
            "x.yaml:16:45: search.space.train.optimizer.eps.log: expected true or false, found \"maybe\"",
            "x.yaml:17:16: search.space.data.pad.normal: unknown key, expected one of loguniform, uniform, int, choice, log",
            "x.yaml:18:5: search.space.name: cannot be searched",
        ])
        XCTAssertEqual(errorLines(validText + "\nsearch: {trials: 2, space: {model.lenet5.dropoot: {uniform: [0, 0.5]}, train.nope.x: {int: [1, 2]}}}\n"), [
            "x.yaml:8:29: search.space.model.lenet5.dropoot: not a config key, did you mean model.lenet5.dropout?",
            "x.yaml:8:72: search.space.train.nope.x: not a config key (train has epochs, batch_size, optimizer, schedule, loss, seed, select, early_stopping, freeze, threads, tensorboard)",
        ])
    }

    func testPointThatCannotBuildNamesThePointAndTheKey() {
        let lines = errorLines(validText + """

        search:
          method: grid
          points: 2
          space:
            model.lenet5.dropout: {uniform: [0.5, 1.0]}
        """)
        XCTAssertEqual(lines, ["x.yaml:12:27: model.lenet5.dropout: search point 2 [dropout=1.0]: expected a number in [0, 1), found 1.0"])
        // A value that breaks shape inference: the point and the layer are named.
        let shape = errorLines("""
        name: T
        data: {resize: null}
        model:
          layers:
            - {type: conv2d, out: 2, kernel: 5}
            - {type: maxpool2d, kernel: 2}
            - {type: flatten}
            - {type: linear, out: 10}
        search:
          method: grid
          points: 2
          space: {data.resize: {int: [2, 32]}}
        """)
        XCTAssertEqual(shape.count, 1, "\(shape)")
        XCTAssertTrue(shape.first?.contains("search point 1 [resize=2]: ") == true, "\(shape)")
    }

    func testConflictsAndLimits() {
        let text = validText + """

        sweep: {train.optimizer.lr: [0.1, 0.2]}
        search:
          trials: 3
          space: {train.optimizer: {choice: [{type: sgd}, {type: adam}]}}
        """
        XCTAssertEqual(errorLines(text, overrides: ["train.optimizer.type=sgd"]), [
            "x.yaml:11:11: search.space.train.optimizer: overlaps sweep key train.optimizer.lr (x.yaml:8:9)",
            "override train.optimizer.type=sgd: train.optimizer.type: conflicts with the search over train.optimizer (x.yaml:11:11)",
        ])
        let big = validText + "\nseeds: [0, 1]\nsearch: {trials: 6000, space: {train.optimizer.lr: {uniform: [0.1, 0.2]}}}\n"
        XCTAssertEqual(errorLines(big), ["x.yaml:9:9: search: expands to 12000 trials (6000 search points × 2 seeds), "
                                         + "more than the limit of 10000; pass --max-trials 12000 to allow it"])
        XCTAssertEqual(errorLines(validText + "\nobjective: {metric: val_acc}\n"),
                       ["x.yaml:8:12: objective: applies only to a search (there is no search: block)"])
        XCTAssertEqual(errorLines(searchText, overrides: ["objective.metric=val_ac"]),
                       ["override objective.metric=val_ac: objective.metric: expected one of val_acc, val_loss, test_acc, found \"val_ac\", did you mean \"val_acc\"?"])
    }

    private func dim(_ key: String, _ d: SearchDistribution) -> SearchDimension {
        SearchDimension(key: key, keys: [key], keyMark: .whole("x"), valueMark: .whole("x"), distribution: d, label: key)
    }

    private func lineOrder(_ a: String, _ b: String) -> Bool {
        func key(_ s: String) -> [Int] { s.split(separator: ":").dropFirst().prefix(2).compactMap { Int($0) } }
        return key(a).lexicographicallyPrecedes(key(b))
    }
}
