/// Writes `results/results.csv`: one row per trial, accuracies as percentages with two decimals.
public enum ResultsCSV {
    public static let columns = ["name", "variant", "config_file", "config_hash", "seed", "epochs",
                                 "selected_epoch", "selected_on", "train_acc", "val_acc", "test_acc",
                                 "final_train_acc", "final_test_acc", "parameters", "seconds",
                                 "images_per_second", "status"]

    /// The CSV text for `records`, in the order given (empty cells for missing values).
    public static func render(_ records: [TrialRecord]) -> String {
        CSV.document(header: columns, rows: records.map { r in
            [CSV.text(r.name), CSV.text(r.variant), CSV.text(r.configFile), CSV.text(r.configHash),
             String(r.seed), String(r.epochs), r.selectedEpoch.map(String.init) ?? "", CSV.text(r.selectedOn),
             percent(r.trainAcc), percent(r.valAcc), percent(r.testAcc),
             percent(r.finalTrainAcc), percent(r.finalTestAcc),
             String(r.parameters), Format.fixed(r.seconds, 1), Format.fixed(r.imagesPerSecond, 1), CSV.text(r.status)]
        })
    }

    private static func percent(_ value: Double?) -> String { value.map(Format.percent) ?? "" }
}

/// Writes `results/aggregate.csv`: one row per variant with mean, 95 % CI half-width and p-value.
public enum AggregateCSV {
    public static let columns = ["variant", "seeds", "train_acc_mean", "train_acc_ci95",
                                 "val_acc_mean", "val_acc_ci95", "test_acc_mean", "test_acc_ci95",
                                 "p_vs_baseline", "selected_on",
                                 "test_diff_vs_baseline", "test_diff_ci95_low", "test_diff_ci95_high", "p_holm"]

    /// The CSV text for the aggregates (percentages with two decimals, p with four; empty when undefined).
    /// `test_diff_*`: test accuracy minus the baseline's, in percentage points, with its 95 % Welch
    /// interval; `p_holm`: `p_vs_baseline` after Holm's correction over all variants compared.
    public static func render(_ aggregates: [VariantAggregate]) -> String {
        CSV.document(header: columns, rows: aggregates.map { a in
            [CSV.text(a.variant), String(a.completed.count)]
                + cells(a.train) + cells(a.val) + cells(a.test)
                + [a.pValue.map { Format.fixed($0, 4) } ?? "", CSV.text(a.selectedOn)]
                + [a.difference.map { Format.percent($0.estimate) } ?? "", a.difference.map { Format.percent($0.low) } ?? "",
                   a.difference.map { Format.percent($0.high) } ?? "", a.holmPValue.map { Format.fixed($0, 4) } ?? ""]
        })
    }

    /// Aggregates `records` (see `Aggregation.aggregate`) and renders them.
    public static func render(records: [TrialRecord]) -> String {
        render(Aggregation.aggregate(records))
    }

    private static func cells(_ e: VariantAggregate.Estimate?) -> [String] {
        [e.map { Format.percent($0.mean) } ?? "", e?.halfWidth.map(Format.percent) ?? ""]
    }
}
