import Foundation
import Reports
import XCTest

/// `index.html` of the committed study, rebuilt from a copy of its trial folders: its markup, and
/// in headless Chromium (Debian `chromium`; skipped where it is absent, installed by
/// scripts/setup.sh for CI) the rendered page after clicks.
final class HTMLReportTests: XCTestCase {
    static let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("results").path

    /// A copy of the committed study's trial folders (without the weights) and its reports rebuilt there.
    private func rebuiltCopy() throws -> String {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("html-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        for trial in try fm.contentsOfDirectory(atPath: Self.committed)
        where trial.contains("-seed") && fm.fileExists(atPath: Self.committed + "/" + trial + "/metrics.json") {
            try fm.createDirectory(atPath: dir + "/" + trial, withIntermediateDirectories: true)
            for file in ["metrics.json", "history.csv", "config.yaml", "convergence.svg", "loss.svg"] {
                try fm.copyItem(atPath: Self.committed + "/" + trial + "/" + file, toPath: dir + "/" + trial + "/" + file)
            }
        }
        try ReportBuilder.rebuild(resultsDir: dir)
        return dir
    }

    private func aggregates(_ dir: String) throws -> [VariantAggregate] {
        Aggregation.aggregate(try ReportBuilder.scan(resultsDir: dir).trials.map(\.record))
    }

    func testMarkupIsSelfContainedAndAccessible() throws {
        let dir = try rebuiltCopy()
        let html = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://"), "the page must not reach the network")
        XCTAssertFalse(html.contains("<link") || html.contains("<script src"), "CSS and script are inline")
        XCTAssertEqual(html.components(separatedBy: "<tbody class=\"variant\"").count - 1, 4)
        XCTAssertEqual(html.components(separatedBy: "<th scope=\"col\" data-key=").count - 1, 10)
        XCTAssertTrue(html.contains("<td>90.02 ± 0.57</td>"), "the baseline's test accuracy as summary.md has it")
        // Batch normalization's row: its difference with CI, p and Holm-corrected p as summary.md has them.
        XCTAssertTrue(html.contains("<td>+0.92 [+0.34, +1.50]</td><td>0.012</td><td>0.024</td>"), "batch normalization's Δ, p, p (Holm)")
        XCTAssertTrue(html.contains("<a href=\"dropout-seed1/loss.svg\">loss</a>"))
        XCTAssertFalse(html.contains("confusion.svg"), "no trial folder holds a confusion matrix")
        for img in html.components(separatedBy: "<img ").dropFirst() {
            XCTAssertTrue(img.prefix(while: { $0 != ">" }).contains(" alt=\""), "an image without alt text")
        }
        // A trial folder with a confusion matrix gets a link to it.
        try Data("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8).write(to: URL(fileURLWithPath: dir + "/dropout-seed0/confusion.svg"))
        try ReportBuilder.rebuild(resultsDir: dir)
        let again = try String(contentsOfFile: dir + "/index.html", encoding: .utf8)
        XCTAssertTrue(again.contains("<a href=\"dropout-seed0/confusion.svg\">confusion</a>"))
        // The same trials give the same bytes.
        try FileManager.default.removeItem(atPath: dir + "/dropout-seed0/confusion.svg")
        try ReportBuilder.rebuild(resultsDir: dir)
        XCTAssertEqual(try String(contentsOfFile: dir + "/index.html", encoding: .utf8), html)
    }

    /// A search gets its own section: the objective-vs-parameter plot with alt text, its table, its best point.
    func testSearchSection() {
        let search = HTMLReport.Search(name: "LeNet <random>", folder: "lenet-random", points: 24, objective: "val_acc, mean over seeds",
                                       best: (variant: "LeNet <random> [lr=0.00173]", score: "val_acc 91.20 ± 0.31, 2 seeds"),
                                       hasBestConfig: true)
        let html = HTMLReport.render(HTMLReport.Inputs(aggregates: [], variantPlots: [:], configs: [:], trialPlots: [:],
                                                       hasComparison: false, searches: [search]))
        XCTAssertTrue(html.contains("<h2 id=\"search-0\">Search: LeNet &lt;random&gt;</h2>\n<p>24 points, objective val_acc, mean over seeds. "
                                    + "Best point: <strong>LeNet &lt;random&gt; [lr=0.00173]</strong> (val_acc 91.20 ± 0.31, 2 seeds); "
                                    + "its config: <a href=\"search/lenet-random/best.yaml\">best.yaml</a>. "
                                    + "Every point: <a href=\"search/lenet-random/search.csv\">search.csv</a>.</p>"), html)
        XCTAssertTrue(html.contains("<img src=\"search/lenet-random/search.svg\" alt=\"LeNet &lt;random&gt;: the objective of every point against each parameter\""))
        let pending = HTMLReport.Search(name: "S", folder: "s", points: 1, objective: "val_loss, median over seeds, lower is better",
                                        best: nil, hasBestConfig: false)
        let none = HTMLReport.render(HTMLReport.Inputs(aggregates: [], variantPlots: [:], configs: [:], trialPlots: [:],
                                                       hasComparison: false, searches: [pending]))
        XCTAssertTrue(none.contains("<p>1 point, objective val_loss, median over seeds, lower is better. Every point: "), none)
    }

    /// Names are escaped: a variant called `<b>&"` stays text.
    func testEscaping() {
        XCTAssertEqual(HTMLReport.escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&apos;")
    }

    static func chromium() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Loads the page in headless Chromium with `#selftest`, which clicks through the page and
    /// writes what it then shows into `<pre id="selftest">`.
    func testChromiumRendersSortsExpandsAndToggles() throws {
        guard let browser = Self.chromium() else { throw XCTSkip("Chromium is not installed (Debian package chromium)") }
        let dir = try rebuiltCopy()
        let profile = dir + "/.chromium-profile"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile,
                             "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom",
                             URL(fileURLWithPath: dir + "/index.html").absoluteString + "#selftest"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, log)
        let consoleErrors = log.split(separator: "\n").filter { $0.contains("CONSOLE") && ($0.contains("Uncaught") || $0.contains("Error")) }
        XCTAssertEqual(consoleErrors, [], "console errors")

        guard let start = dom.range(of: "<pre id=\"selftest\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            return XCTFail("the page's self-test wrote nothing:\n\(dom.suffix(2000))\n\(log.suffix(2000))")
        }
        let text = dom[start.upperBound..<end.lowerBound].replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])

        let aggregates = try aggregates(dir)
        let reportOrder = aggregates.map(\.variant)
        let byTest = aggregates.sorted { ($0.test?.mean ?? 0) < ($1.test?.mean ?? 0) }.map(\.variant)
        XCTAssertEqual(result["rows"] as? Int, 4)
        XCTAssertEqual(result["initial"] as? [String], reportOrder)
        XCTAssertEqual(result["testAscending"] as? [String], byTest)
        XCTAssertEqual(result["testDescending"] as? [String], byTest.reversed())
        XCTAssertEqual(result["ariaSort"] as? String, "descending")
        XCTAssertEqual(result["byName"] as? [String], reportOrder.sorted())
        XCTAssertEqual(result["seedRowsHiddenBefore"] as? Bool, true)
        XCTAssertEqual(result["seedRowsShown"] as? Int, 6, "three seeds, each with its plot links")
        let all = try XCTUnwrap(result["configRowsAll"] as? Int), differing = try XCTUnwrap(result["configRowsDiffering"] as? Int)
        XCTAssertGreaterThan(all, 20)
        XCTAssertEqual(Set(try XCTUnwrap(result["differingKeys"] as? [String])),
                       ["name", "model.lenet5.dropout", "model.lenet5.batchnorm", "train.optimizer.weight_decay"])
        XCTAssertEqual(differing, 4)
        XCTAssertEqual(Set(try XCTUnwrap(result["images"] as? [String])),
                       ["comparison.svg", "variants/no-regularization.svg", "variants/batch-normalization.svg",
                        "variants/dropout.svg", "variants/weight-decay-l2.svg"])
        XCTAssertEqual(result["imagesWithoutAlt"] as? Int, 0)
        XCTAssertEqual(result["errors"] as? [String], [])
    }
}
