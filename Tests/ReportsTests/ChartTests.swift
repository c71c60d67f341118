import XCTest
@testable import Reports

final class ChartTests: XCTestCase {
    /// Set REPORTS_CHART_DIR to keep the rendered sample charts for a look.
    private func keep(_ svg: String, _ name: String) throws {
        guard let dir = ProcessInfo.processInfo.environment["REPORTS_CHART_DIR"] else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AtomicFile.write(svg, to: dir + "/" + name)
    }

    private func number(_ text: String?) -> Double { Double(text ?? "") ?? .nan }

    func testNiceTicks() {
        XCTAssertEqual(NiceScale.step(span: 49, target: 10, minimumStep: 1), 5)
        XCTAssertEqual(NiceScale.step(span: 3, target: 10, minimumStep: 1), 1)
        XCTAssertEqual(NiceScale.step(span: 199, target: 10, minimumStep: 1), 20)
        XCTAssertEqual(NiceScale.step(span: 0.4, target: 6), 0.1)
        XCTAssertEqual(NiceScale.step(span: 13, target: 6), 2.5)
        XCTAssertEqual(NiceScale.ticks(in: 1...50, step: 5), [5, 10, 15, 20, 25, 30, 35, 40, 45, 50])
        XCTAssertEqual(NiceScale.ticks(in: 82.5...95, step: 2.5), [82.5, 85, 87.5, 90, 92.5, 95])
        XCTAssertEqual(NiceScale.decimals(for: 2.5), 1)
        XCTAssertEqual(NiceScale.decimals(for: 0.05), 2)
        XCTAssertEqual(NiceScale.decimals(for: 20), 0)
    }

    func testConvergenceIsWellFormedWithMarkerAtSelectedEpoch() throws {
        let history = Fixtures.history(epochs: 50)
        let chart = Charts.convergenceChart(history: history, selectedEpoch: 23, selectedOn: "val_acc",
                                            title: "LeNet-5 <dropout> & \"friends\"")
        let svg = chart.render()
        try keep(svg, "convergence.svg")
        let xml = try XCTUnwrap(XMLCheck.parse(svg), "not well-formed")
        let layout = chart.layout
        XCTAssertEqual(layout.xDomain, 1...50)
        let expectedX = layout.plotLeft + (23.0 - 1) / (50 - 1) * layout.plotWidth
        let marker = try XCTUnwrap(xml.withClass("marker").first)
        XCTAssertEqual(number(marker.attributes["x1"]), expectedX, accuracy: 0.006)
        XCTAssertEqual(number(marker.attributes["x2"]), expectedX, accuracy: 0.006)
        XCTAssertEqual(marker.attributes["stroke-dasharray"], "6 4")
        let row = history[22]
        XCTAssertEqual(xml.withClass("marker-label").first?.text,
                       "epoch 23: val \(Format.percent(row.valAcc)) %, test \(Format.percent(row.testAcc)) %")
        XCTAssertEqual(xml.withClass("title").first?.text, "LeNet-5 <dropout> & \"friends\"")
        let lines = xml.withClass("series")
        XCTAssertEqual(lines.map { $0.attributes["data-name"] ?? "" }, ["Train", "Validation", "Test"])
        let firstPoints = try XCTUnwrap(lines.first?.attributes["points"]).split(separator: " ")
        XCTAssertEqual(firstPoints.count, 50)
        XCTAssertEqual(number(firstPoints.first.map { String($0.split(separator: ",")[0]) }), layout.plotLeft, accuracy: 0.006)
        XCTAssertEqual(number(firstPoints.last.map { String($0.split(separator: ",")[0]) }),
                       layout.plotLeft + layout.plotWidth, accuracy: 0.006)
        XCTAssertEqual(xml.elements.first?.attributes["viewBox"], "0 0 900 500")
        XCTAssertEqual(xml.withClass("legend-entry").count, 3)
    }

    func testSelectionOnTestIsFlaggedInTheMarker() throws {
        let svg = Charts.convergence(history: Fixtures.history(epochs: 10), selectedEpoch: 4, selectedOn: "test_acc", title: "t")
        let xml = try XCTUnwrap(XMLCheck.parse(svg))
        XCTAssertTrue(xml.withClass("marker-label").first?.text.hasPrefix("epoch 4 (selected on TEST): val ") ?? false)
    }

    func testMissingValidationIsLeftOut() throws {
        let history = Fixtures.history(epochs: 5).map { var r = $0; r.valAcc = .nan; r.valLoss = .nan; return r }
        let xml = try XCTUnwrap(XMLCheck.parse(Charts.convergence(history: history, selectedEpoch: 5,
                                                                  selectedOn: "last", title: "t")))
        XCTAssertEqual(xml.withClass("series").map { $0.attributes["data-name"] ?? "" }, ["Train", "Test"])
        XCTAssertFalse(xml.withClass("marker-label").first?.text.contains("val") ?? true)
    }

    func testLossChartYRangeCoversTheLosses() throws {
        let chart = Charts.loss(history: Fixtures.history(epochs: 200), title: "loss")
        try keep(chart, "loss.svg")
        let xml = try XCTUnwrap(XMLCheck.parse(chart))
        XCTAssertEqual(xml.withClass("series").count, 3)
        XCTAssertTrue(xml.withClass("marker").isEmpty)
    }

    func testComparisonHasOneLegendEntryPerVariantAndBandsOnlyForSeveralSeeds() throws {
        let variants: [(name: String, histories: [[EpochRecord]])] = [
            ("No regularization", (1...3).map { Fixtures.history(seed: $0) }),
            ("Dropout", (1...3).map { Fixtures.history(seed: $0 + 3, offset: 0.008) }),
            ("L2", (1...3).map { Fixtures.history(seed: $0 + 6, offset: 0.004) }),
            ("Batch norm", [Fixtures.history(seed: 10, offset: 0.012)]),
        ]
        let chart = Charts.comparisonChart(variants: variants, title: "Test accuracy per epoch, mean over seeds")
        let svg = chart.render()
        try keep(svg, "comparison.svg")
        let xml = try XCTUnwrap(XMLCheck.parse(svg))
        XCTAssertEqual(xml.withClass("legend-entry").map(\.text).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) },
                       ["No regularization", "Dropout", "L2", "Batch norm"])
        XCTAssertEqual(xml.withClass("band").count, 3)
        XCTAssertEqual(Set(xml.withClass("series").compactMap { $0.attributes["stroke"] }).count, 4)
        // The mean curve of epoch 10 sits at the mean of the three seeds.
        let expected = Stats.mean((1...3).map { Fixtures.history(seed: $0)[9].testAcc * 100 })
        let line = try XCTUnwrap(xml.withClass("series").first?.attributes["points"]).split(separator: " ")
        XCTAssertEqual(number(String(line[9].split(separator: ",")[1])), chart.layout.y(expected), accuracy: 0.006)
    }

    func testVariantConvergenceMarksEachSeedsSelectedEpoch() throws {
        let histories = (1...3).map { Fixtures.history(epochs: 120, seed: $0) }
        let chart = Charts.variantConvergenceChart(name: "Dropout", histories: histories, selectedEpochs: [23, 112, nil],
                                                   runLabels: ["seed 1", "seed 2", "seed 3"])
        let svg = chart.render()
        try keep(svg, "variant.svg")
        let xml = try XCTUnwrap(XMLCheck.parse(svg))
        XCTAssertEqual(xml.withClass("marker").map { number($0.attributes["x1"]) }.map { ($0 * 100).rounded() / 100 },
                       [23.0, 112.0].map { (chart.layout.x($0) * 100).rounded() / 100 })
        XCTAssertEqual(xml.withClass("marker-label").map(\.text), ["seed 1: epoch 23", "seed 2: epoch 112"])
        XCTAssertEqual(xml.withClass("band").count, 3)
        XCTAssertEqual(xml.withClass("title").first?.text, "Dropout: accuracy, mean ± 95 % CI over 3 seeds")
    }

    func testLongLegendNamesAreShortenedToFitTheImage() throws {
        let long = String(repeating: "Very long variant name ", count: 4)
        let chart = Charts.comparisonChart(variants: [(long, [Fixtures.history(epochs: 8)])], title: "t")
        let xml = try XCTUnwrap(XMLCheck.parse(chart.render()))
        let text = try XCTUnwrap(xml.withClass("legend-entry").first?.text.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertTrue(text.hasSuffix("…") && long.hasPrefix(String(text.dropLast())), text)
        XCTAssertLessThanOrEqual(chart.layout.plotLeft + chart.layout.plotWidth + chart.legendWidth, chart.width)
    }
}
