/// Trials grouped by variant, in report order, with the statistics every report shows.
public struct VariantAggregate: Equatable, Sendable {
    /// Mean and 95 % confidence half-width (nil with fewer than two values) of one accuracy.
    public struct Estimate: Equatable, Sendable {
        public var mean: Double
        public var halfWidth: Double?
        public var count: Int
    }

    public var variant: String
    public var isBaseline: Bool
    /// Every trial of the variant, sorted by seed then name.
    public var trials: [TrialRecord]
    /// The completed trials with a test accuracy: the ones entering the statistics.
    public var completed: [TrialRecord]
    public var train: Estimate?
    public var val: Estimate?
    public var test: Estimate?
    /// Welch two-sided p-value of the test accuracy against the baseline (nil for the baseline itself).
    public var pValue: Double?
    /// `pValue` after Holm's correction over every variant compared with the baseline.
    public var holmPValue: Double?
    /// Test accuracy minus the baseline's, with its 95 % Welch confidence interval (nil for the baseline).
    public var difference: Stats.Difference?
    /// The selection rule(s) of the completed trials, e.g. "val_acc" or "test_acc/val_acc".
    public var selectedOn: String

    /// The trials that did not complete (diverged, interrupted, failed).
    public var incomplete: [TrialRecord] { trials.filter { !$0.isCompleted } }
}

/// Groups trial records by variant in a stable order: baseline first, then by variant name.
public enum Aggregation {
    /// The baseline variant: the first `baseline` named by a record (in sorted record order).
    public static func baselineName(_ records: [TrialRecord]) -> String? {
        sortedRecords(records).lazy.compactMap(\.baseline).first
    }

    /// Records sorted by variant (baseline first, then name), seed and name — the report order.
    public static func sortedRecords(_ records: [TrialRecord]) -> [TrialRecord] {
        let plain = records.sorted { ($0.variant, $0.seed, $0.name, $0.slug) < ($1.variant, $1.seed, $1.name, $1.slug) }
        guard let baseline = plain.lazy.compactMap(\.baseline).first else { return plain }
        return plain.filter { $0.variant == baseline } + plain.filter { $0.variant != baseline }
    }

    /// One aggregate per variant, in report order.
    public static func aggregate(_ records: [TrialRecord]) -> [VariantAggregate] {
        let sorted = sortedRecords(records)
        let baseline = baselineName(records)
        var order: [String] = []
        var groups: [String: [TrialRecord]] = [:]
        for record in sorted {
            if groups[record.variant] == nil { order.append(record.variant) }
            groups[record.variant, default: []].append(record)
        }
        let baselineTests = groups[baseline ?? ""].map(completedTests) ?? []
        var aggregates = order.map { variant in
            let trials = groups[variant] ?? []
            let completed = trials.filter { $0.isCompleted && $0.testAcc != nil }
            let tests = completedTests(trials)
            let isBaseline = variant == baseline
            let rules = Array(Set(completed.map(\.selectedOn))).sorted()
            return VariantAggregate(
                variant: variant, isBaseline: isBaseline, trials: trials, completed: completed,
                train: estimate(completed.compactMap(\.trainAcc)),
                val: estimate(completed.compactMap(\.valAcc)),
                test: estimate(tests),
                pValue: isBaseline ? nil : Stats.welch(tests, baselineTests)?.p,
                difference: isBaseline ? nil : Stats.welchDifference(tests, baselineTests),
                selectedOn: rules.joined(separator: "/"))
        }
        for (i, p) in Stats.holm(aggregates.map(\.pValue)).enumerated() { aggregates[i].holmPValue = p }
        return aggregates
    }

    private static func completedTests(_ trials: [TrialRecord]) -> [Double] {
        trials.filter(\.isCompleted).compactMap(\.testAcc)
    }

    static func estimate(_ values: [Double]) -> VariantAggregate.Estimate? {
        let finite = values.filter(\.isFinite)
        guard !finite.isEmpty else { return nil }
        return .init(mean: Stats.mean(finite), halfWidth: Stats.confidenceHalfWidth(finite), count: finite.count)
    }
}
