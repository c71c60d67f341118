import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import XCTest

/// A tiny random search end to end: points train as ordinary trials, the search's reports, and the
/// best point's config reproducing it.
final class SearchRunTests: XCTestCase {
    private let search = """
        search:
          method: random
          trials: 3
          seed: 1
          space:
            train.optimizer.lr: {loguniform: [1.0e-3, 3.0e-2]}
            train.batch_size: {choice: [16, 32]}
        objective: {metric: val_acc, over_seeds: mean}
        """

    func testTinySearchRunsReportsAndItsBestPointReproduces() throws {
        let f = try EndToEndFixture(self, train: 400, test: 100, epochs: 1, extra: search)
        let run = try RunnerProcess.run(["run", f.config, "--jobs", "1", "--results", f.results()])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("plan: 1 file, 3 variants, 6 trials (0 already trained), 6 epochs to train, estimated "), run.stdout)

        let dir = f.results() + "/search/tiny"
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try f.read(dir + "/search.json").utf8)) as? [String: Any])
        XCTAssertEqual(json["search"] as? String, "Tiny")
        XCTAssertEqual(json["method"] as? String, "random")
        let points = try XCTUnwrap(json["points"] as? [[String: Any]])
        XCTAssertEqual(points.map { $0["point"] as? Int }, [1, 2, 3])

        // search.csv: one row per point with the mean of the seeds' val_acc from results.csv.
        let csv = try f.read(dir + "/search.csv").split(separator: "\n").map { csvFields(String($0)) }
        XCTAssertEqual(csv[0], ["point", "variant", "lr", "batch_size", "objective_pct", "mean_pct", "ci95_pct", "median_pct",
                                "seeds", "status", "best"])
        XCTAssertEqual(csv.count, 4)
        let results = try f.rows(f.results())
        for row in csv.dropFirst() {
            let seeds = results.filter { $0["variant"] == row[1] }
            XCTAssertEqual(seeds.count, 2, row[1])
            XCTAssertTrue(row[1].hasPrefix("Tiny [lr=\(row[2]),batch_size=\(row[3])]"), row[1])
            let mean = seeds.compactMap { Double($0["val_acc"] ?? "") }.reduce(0, +) / 2
            XCTAssertEqual(try XCTUnwrap(Double(row[5])), mean, accuracy: 0.006, row[1])
            XCTAssertEqual(row[4], row[5])
            XCTAssertEqual(row[8], "2/2")
            XCTAssertEqual(row[9], "completed")
        }
        let bestRows = csv.dropFirst().filter { $0[10] == "yes" }
        XCTAssertEqual(bestRows.count, 1)
        let best = try XCTUnwrap(bestRows.first)
        XCTAssertEqual(try XCTUnwrap(Double(best[4])), csv.dropFirst().compactMap { Double($0[4]) }.max()!)

        // search.svg: well-formed, one panel per parameter, one point per point, the best one marked.
        let svg = try f.read(dir + "/search.svg")
        XCTAssertNotNil(try? XMLDocument(xmlString: svg), "search.svg is not well-formed XML")
        XCTAssertEqual(svg.components(separatedBy: "class=\"panel\"").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "class=\"point").count - 1, 6)
        XCTAssertEqual(svg.components(separatedBy: "class=\"point best\" data-point=\"\(best[0])\"").count - 1, 2)
        XCTAssertTrue(svg.contains("train.optimizer.lr (log scale)"))

        // summary.md names the best point and the config that reproduces it.
        let summary = try f.read(f.results() + "/summary.md")
        XCTAssertTrue(summary.contains("## Search: Tiny\n\nrandom search, 3 points (3 with results), ranked by val\\_acc (mean over seeds)."), summary)
        XCTAssertTrue(summary.contains("**Best point: Tiny \\[lr=\(best[2]),batch\\_size=\(best[3])\\]** — val\\_acc \(best[5]) ± "), summary)
        XCTAssertTrue(summary.contains("`search/tiny/best.yaml`"), summary)

        // Running best.yaml trains the same point again, under its own name, to the same numbers.
        let again = try RunnerProcess.run(["run", dir + "/best.yaml", "--jobs", "1", "--results", f.results("best")])
        XCTAssertEqual(again.status, 0, again.stderr)
        let reproduced = try f.rows(f.results("best"))
        XCTAssertEqual(reproduced.map { $0["variant"] }, [best[1] + " (best of search)", best[1] + " (best of search)"])
        let original = results.filter { $0["variant"] == best[1] }
        for key in ["val_acc", "test_acc", "train_acc", "selected_epoch", "seed"] {
            XCTAssertEqual(reproduced.map { $0[key] }, original.map { $0[key] }, key)
        }

        // A second run finds everything cached and rewrites the same search files.
        let before = try f.read(dir + "/search.csv")
        let cached = try RunnerProcess.run(["run", f.config, "--jobs", "1", "--results", f.results()])
        XCTAssertTrue(cached.stdout.hasPrefix("plan: 1 file, 3 variants, 6 trials (6 already trained), 0 epochs to train, estimated 0 s"), cached.stdout)
        XCTAssertEqual(try f.read(dir + "/search.csv"), before)
    }
}
