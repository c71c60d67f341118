/// The charts of a results folder, built on `LineChart`.
public enum Charts {
    static let trainColor = LineChart.palette[0], valColor = LineChart.palette[1], testColor = LineChart.palette[2]

    /// Train, validation and test accuracy (%) per epoch, with a marker at the selected epoch
    /// annotated like "epoch 23: val 91.20 %, test 90.80 %".
    public static func convergence(history: [EpochRecord], selectedEpoch: Int?, selectedOn: String,
                                   title: String) -> String {
        convergenceChart(history: history, selectedEpoch: selectedEpoch, selectedOn: selectedOn, title: title).render()
    }

    /// The chart behind `convergence`, for callers that need its layout.
    public static func convergenceChart(history: [EpochRecord], selectedEpoch: Int?, selectedOn: String,
                                        title: String) -> LineChart {
        let series = [
            curve("Train", trainColor, history, \.trainAcc, scale: 100, dashed: true),
            curve("Validation", valColor, history, \.valAcc, scale: 100),
            curve("Test", testColor, history, \.testAcc, scale: 100),
        ].filter { $0.points.contains { $0.y.isFinite } }
        var markers: [LineChart.Marker] = []
        if let selectedEpoch, let row = history.first(where: { $0.epoch == selectedEpoch }) {
            markers.append(.init(x: Double(selectedEpoch), label: markerLabel(row, selectedOn: selectedOn)))
        }
        return LineChart(title: title, xLabel: "Epoch", yLabel: "Accuracy (%)", series: series, markers: markers)
    }

    /// Train, validation and test loss per epoch.
    public static func loss(history: [EpochRecord], title: String) -> String {
        let series = [
            curve("Train", trainColor, history, \.trainLoss, scale: 1, dashed: true),
            curve("Validation", valColor, history, \.valLoss, scale: 1),
            curve("Test", testColor, history, \.testLoss, scale: 1),
        ].filter { $0.points.contains { $0.y.isFinite } }
        return LineChart(title: title, xLabel: "Epoch", yLabel: "Cross-entropy loss", series: series).render()
    }

    /// Test accuracy (%) of every variant: the mean over seeds, shaded 95 % CI where ≥ 2 seeds.
    public static func comparison(variants: [(name: String, histories: [[EpochRecord]])], title: String) -> String {
        comparisonChart(variants: variants, title: title).render()
    }

    /// The chart behind `comparison`, for callers that need its layout.
    public static func comparisonChart(variants: [(name: String, histories: [[EpochRecord]])], title: String) -> LineChart {
        let series = variants.enumerated().map { i, v in
            meanCurve(v.name, LineChart.palette[i % LineChart.palette.count], v.histories, \.testAcc)
        }
        let banded = series.contains { !$0.band.isEmpty }
        return LineChart(title: title, xLabel: "Epoch", yLabel: "Test accuracy (%)", series: series,
                         legendNote: banded ? "shaded: 95 % CI of the mean" : nil)
    }

    /// Mean train/validation/test accuracy (%) of one variant with 95 % CI bands, and a marker at
    /// each seed's selected epoch (labelled with `runLabels[i]`, default "run i").
    public static func variantConvergence(name: String, histories: [[EpochRecord]], selectedEpochs: [Int?],
                                          runLabels: [String]? = nil) -> String {
        variantConvergenceChart(name: name, histories: histories, selectedEpochs: selectedEpochs,
                                runLabels: runLabels).render()
    }

    /// The chart behind `variantConvergence`, for callers that need its layout.
    public static func variantConvergenceChart(name: String, histories: [[EpochRecord]], selectedEpochs: [Int?],
                                               runLabels: [String]? = nil) -> LineChart {
        let series = [
            meanCurve("Train", trainColor, histories, \.trainAcc, dashed: true),
            meanCurve("Validation", valColor, histories, \.valAcc),
            meanCurve("Test", testColor, histories, \.testAcc),
        ].filter { $0.points.contains { $0.y.isFinite } }
        let markers = selectedEpochs.enumerated().compactMap { i, epoch -> LineChart.Marker? in
            guard let epoch else { return nil }
            let label = runLabels.flatMap { i < $0.count ? $0[i] : nil } ?? "run \(i + 1)"
            return .init(x: Double(epoch), label: "\(label): epoch \(epoch)")
        }
        let seeds = histories.count == 1 ? "1 seed" : "\(histories.count) seeds"
        let title = histories.count >= 2 ? "\(name): accuracy, mean ± 95 % CI over \(seeds)" : "\(name): accuracy"
        return LineChart(title: title, xLabel: "Epoch", yLabel: "Accuracy (%)", series: series, markers: markers,
                         legendNote: histories.count >= 2 ? "shaded: 95 % CI of the mean" : nil)
    }

    /// "epoch 23: val 91.20 %, test 90.80 %", flagged when the epoch was chosen on the test set.
    static func markerLabel(_ row: EpochRecord, selectedOn: String) -> String {
        var parts: [String] = []
        if row.valAcc.isFinite { parts.append("val \(Format.percent(row.valAcc)) %") }
        if row.testAcc.isFinite { parts.append("test \(Format.percent(row.testAcc)) %") }
        let flag = selectedOn == "test_acc" ? " (selected on TEST)" : ""
        return "epoch \(row.epoch)\(flag)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    private static func curve(_ name: String, _ color: String, _ history: [EpochRecord],
                              _ value: KeyPath<EpochRecord, Double>, scale: Double,
                              dashed: Bool = false) -> LineChart.Series {
        LineChart.Series(name: name, color: color,
                         points: history.map { (x: Double($0.epoch), y: $0[keyPath: value] * scale) }, dashed: dashed)
    }

    /// Per-epoch mean (as %) over the histories that have a finite value at that epoch; the band
    /// (95 % CI half-width) covers the epochs where at least two histories do.
    static func meanCurve(_ name: String, _ color: String, _ histories: [[EpochRecord]],
                          _ value: KeyPath<EpochRecord, Double>, dashed: Bool = false) -> LineChart.Series {
        var byEpoch: [Int: [Double]] = [:]
        for history in histories {
            for row in history where row[keyPath: value].isFinite {
                byEpoch[row.epoch, default: []].append(row[keyPath: value] * 100)
            }
        }
        var points: [(x: Double, y: Double)] = []
        var band: [(x: Double, low: Double, high: Double)] = []
        for epoch in byEpoch.keys.sorted() {
            let values = byEpoch[epoch] ?? []
            let mean = Stats.mean(values)
            points.append((x: Double(epoch), y: mean))
            if let h = Stats.confidenceHalfWidth(values) {
                band.append((x: Double(epoch), low: mean - h, high: mean + h))
            }
        }
        return LineChart.Series(name: name, color: color, points: points, band: band, dashed: dashed)
    }
}
