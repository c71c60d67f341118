import Foundation
import Spec

/// `results/index.html`: one self-contained page (inline CSS and script, no network; it works from
/// `file://`) over a results folder. The comparison table sorts by any column (click a header)
/// and each variant expands to its seeds; the configuration table shows every resolved key per
/// variant, or only the keys that differ between variants; the plots are linked from the files
/// beside it (comparison, each variant's convergence, each trial's accuracy, loss and — where the
/// trial folder has one — confusion matrix).
///
/// Deterministic (no dates), so a sharded study merged by `runner report` gives the same bytes.
public enum HTMLReport {
    /// A variant's data beyond its statistics: its plot, and each trial's resolved config leaves
    /// (`key.path` → value) and files.
    public struct Inputs: Sendable {
        public var aggregates: [VariantAggregate]
        /// Per variant, the file of its convergence plot (`variants/dropout.svg`).
        public var variantPlots: [String: String]
        /// Per trial slug, the leaves of its `config.yaml`.
        public var configs: [String: [(path: String, value: String)]]
        /// Per trial slug, the plot files its folder holds (`dropout-seed0/loss.svg`).
        public var trialPlots: [String: [String]]
        public var hasComparison: Bool
        /// The searches of the folder (`search/<folder>/`), in folder order.
        public var searches: [Search]

        public init(aggregates: [VariantAggregate], variantPlots: [String: String], configs: [String: [(path: String, value: String)]],
                    trialPlots: [String: [String]], hasComparison: Bool, searches: [Search] = []) {
            self.aggregates = aggregates
            self.variantPlots = variantPlots
            self.configs = configs
            self.trialPlots = trialPlots
            self.hasComparison = hasComparison
            self.searches = searches
        }
    }

    /// A search as the page shows it: its objective-against-parameter plot, its table and best point.
    public struct Search: Sendable {
        public var name: String
        /// Under `search/`.
        public var folder: String
        public var points: Int
        /// "val_acc, mean over seeds"
        public var objective: String
        /// The best point's variant and its objective as shown, nil before any point completed.
        public var best: (variant: String, score: String)?
        public var hasBestConfig: Bool

        public init(name: String, folder: String, points: Int, objective: String, best: (variant: String, score: String)?,
                    hasBestConfig: Bool) {
            (self.name, self.folder, self.points, self.objective, self.best, self.hasBestConfig) = (name, folder, points, objective, best, hasBestConfig)
        }
    }

    /// Text as inert HTML: the SVG writer's escaping (unsafe characters replaced, the five markup
    /// characters as entities; `&apos;` is an HTML5 entity too).
    public static func escape(_ text: String) -> String { SVGDocument.escape(text) }

    /// A path relative to the page, escaped for an attribute (each segment percent-encoded).
    static func href(_ path: String) -> String {
        escape(path.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0) }
            .joined(separator: "/"))
    }

    static func sortValue(_ v: Double?) -> String { v.map { Format.exact($0) } ?? "" }

    public static func render(_ inputs: Inputs) -> String {
        let table = ComparisonTable(aggregates: inputs.aggregates)
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Results</title>
            <style>\(style)</style>
            <script>window.reportErrors = []; window.addEventListener("error", function (e) { window.reportErrors.push(String(e.message)); });</script>
            </head>
            <body>
            <main>
            <h1>Results</h1>

            """
        html += summaryTable(table, inputs)
        html += "<p class=\"note\">Mean ± half-width of the 95 % confidence interval over seeds (Student t); "
            + "Δ: the test accuracy minus the baseline's, in points, with its 95 % Welch interval; "
            + "p: two-sided Welch t-test of the test accuracy against the baseline's seeds; p (Holm): corrected for comparing several variants with one baseline. "
            + "Click a column header to sort; a variant's name shows its seeds.</p>\n"
        html += configTable(inputs)
        html += searches(inputs)
        html += plots(inputs)
        html += "</main>\n<script>\(script)</script>\n</body>\n</html>\n"
        return html
    }

    static func summaryTable(_ table: ComparisonTable, _ inputs: Inputs) -> String {
        let keys = ["variant", "n", "train", "val", "test", "diff", "p", "holm", "epochs", "seconds"]
        var html = "<h2 id=\"comparison-heading\">Comparison</h2>\n"
        html += "<table id=\"summary\" class=\"data\" aria-labelledby=\"comparison-heading\">\n<thead><tr>"
        for (key, title) in zip(keys, ComparisonTable.columns) {
            html += "<th scope=\"col\" data-key=\"\(key)\"><button type=\"button\" class=\"sort\">\(escape(title))</button></th>"
        }
        html += "</tr></thead>\n"
        for (index, (row, aggregate)) in zip(table.rows, inputs.aggregates).enumerated() {
            let values: [String: String] = [
                "variant": row.variant, "n": String(row.n), "train": sortValue(row.train?.mean), "val": sortValue(row.val?.mean),
                "test": sortValue(row.test?.mean), "diff": sortValue(row.difference?.estimate), "p": sortValue(row.p),
                "holm": sortValue(row.holm), "epochs": sortValue(row.selectedEpochs.first.map(Double.init)),
                "seconds": sortValue(row.seconds),
            ]
            html += "<tbody class=\"variant\"" + keys.map { " data-\($0)=\"\(escape(values[$0] ?? ""))\"" }.joined() + ">\n"
            let cells = table.cells(row)
            html += "<tr><th scope=\"row\"><button type=\"button\" class=\"expand\" aria-expanded=\"false\" aria-controls=\"seeds-\(index)\">"
                + "\(escape(cells[0]))</button></th>" + cells.dropFirst().dropLast().map { "<td>\(escape($0))</td>" }.joined()
                + "<td class=\"seconds\">\(escape(cells.last ?? ""))</td></tr>\n"
            for (k, trial) in aggregate.trials.enumerated() {
                let plots = (inputs.trialPlots[trial.slug] ?? []).map { file in
                    "<a href=\"\(href(file))\">\(escape((file as NSString).lastPathComponent.replacingOccurrences(of: ".svg", with: "")))</a>"
                }.joined(separator: " ")
                let status = trial.isCompleted ? "" : " (\(escape(trial.status)))"
                html += "<tr class=\"seed\" id=\"\(k == 0 ? "seeds-\(index)" : "seeds-\(index)-\(k)")\" data-group=\"seeds-\(index)\" hidden>"
                    + "<th scope=\"row\" class=\"seed-name\">seed \(trial.seed)\(status)</th><td></td>"
                    + "<td>\(trial.trainAcc.map(Format.percent) ?? "—")</td><td>\(trial.valAcc.map(Format.percent) ?? "—")</td>"
                    + "<td>\(trial.testAcc.map(Format.percent) ?? "—")</td><td></td><td></td><td></td>"
                    + "<td>\(trial.selectedEpoch.map(String.init) ?? "—")</td><td class=\"seconds\">\(Format.fixed(trial.seconds, 1))</td></tr>\n"
                if !plots.isEmpty {
                    html += "<tr class=\"seed\" data-group=\"seeds-\(index)\" hidden><td></td><td colspan=\"9\" class=\"plots\">Plots: \(plots)</td></tr>\n"
                }
            }
            html += "</tbody>\n"
        }
        return html + "</table>\n"
    }

    /// Every resolved key with each variant's value (several seeds' differing values joined);
    /// rows whose values differ between variants are marked, and the toggle hides the others.
    static func configTable(_ inputs: Inputs) -> String {
        let variants = inputs.aggregates
        var order: [String] = []
        var distinct: [String: [[String]]] = [:]  // key → per variant, its seeds' distinct values
        for (v, aggregate) in variants.enumerated() {
            for trial in aggregate.trials {
                for leaf in inputs.configs[trial.slug] ?? [] {
                    if distinct[leaf.path] == nil {
                        order.append(leaf.path)
                        distinct[leaf.path] = Array(repeating: [], count: variants.count)
                    }
                    if !distinct[leaf.path]![v].contains(leaf.value) { distinct[leaf.path]![v].append(leaf.value) }
                }
            }
        }
        let values = distinct.mapValues { $0.map { $0.joined(separator: "; ") } }
        guard !order.isEmpty else { return "" }
        var html = "<h2 id=\"config-heading\">Configuration</h2>\n"
        html += "<p><label><input type=\"checkbox\" id=\"differing\"> Show only the keys that differ between variants</label></p>\n"
        html += "<table id=\"config\" class=\"data\" aria-labelledby=\"config-heading\">\n<thead><tr><th scope=\"col\">Key</th>"
        html += variants.map { "<th scope=\"col\">\(escape($0.variant))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for key in order {
            let row = values[key] ?? []
            let differs = Set(row).count > 1
            html += "<tr class=\"\(differs ? "differs" : "same")\"><th scope=\"row\"><code>\(escape(key))</code></th>"
                + row.map { "<td>\(escape($0.isEmpty ? "—" : $0))</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    /// Each search: the objective against every parameter (`search.svg`), its table and best config.
    static func searches(_ inputs: Inputs) -> String {
        var html = ""
        for (i, search) in inputs.searches.enumerated() {
            let folder = "search/" + search.folder + "/"
            html += "<h2 id=\"search-\(i)\">Search: \(escape(search.name))</h2>\n<p>\(search.points) point\(search.points == 1 ? "" : "s"), "
                + "objective \(escape(search.objective)). "
            if let best = search.best {
                html += "Best point: <strong>\(escape(best.variant))</strong> (\(escape(best.score)))"
                html += search.hasBestConfig ? "; its config: <a href=\"\(href(folder + "best.yaml"))\">best.yaml</a>. " : ". "
            }
            html += "Every point: <a href=\"\(href(folder + "search.csv"))\">search.csv</a>.</p>\n"
            html += "<figure><img src=\"\(href(folder + "search.svg"))\" alt=\"\(escape(search.name)): the objective of every point against each parameter\" width=\"960\" loading=\"lazy\">"
                + "<figcaption>The objective of every point against each parameter (<a href=\"\(href(folder + "search.svg"))\">search.svg</a>)</figcaption></figure>\n"
        }
        return html
    }

    static func plots(_ inputs: Inputs) -> String {
        var html = "<h2>Plots</h2>\n"
        if inputs.hasComparison {
            html += "<figure><img src=\"comparison.svg\" alt=\"Test accuracy per epoch of every variant, mean over seeds\" width=\"720\">"
                + "<figcaption>Test accuracy per epoch, mean over seeds (<a href=\"comparison.svg\">comparison.svg</a>)</figcaption></figure>\n"
        }
        for a in inputs.aggregates {
            guard let file = inputs.variantPlots[a.variant] else { continue }
            html += "<figure><img src=\"\(href(file))\" alt=\"\(escape(a.variant)): accuracy per epoch of each seed\" width=\"720\" loading=\"lazy\">"
                + "<figcaption>\(escape(a.variant)): each seed's accuracy (<a href=\"\(href(file))\">\(escape(file))</a>)</figcaption></figure>\n"
        }
        return html
    }

    static let style = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;background:#fff}
        main{max-width:1200px;margin:0 auto;padding:1rem 1.5rem}
        table.data{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}
        #summary td{white-space:nowrap}
        .data th,.data td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:right;vertical-align:top}
        .data th:first-child,.data td:first-child,#config td,#config th{text-align:left}
        .data thead th{background:#f3f3f3;position:sticky;top:0}
        button{font:inherit;border:0;background:none;padding:0;cursor:pointer;color:inherit;text-align:inherit}
        button.sort::after{content:" \\2195";color:#888}
        th[aria-sort=ascending] button.sort::after{content:" \\2191";color:#000}
        th[aria-sort=descending] button.sort::after{content:" \\2193";color:#000}
        button.expand::before{content:"\\25B8 "}
        button.expand[aria-expanded=true]::before{content:"\\25BE "}
        button:focus-visible,input:focus-visible,a:focus-visible{outline:2px solid #1a5fb4;outline-offset:2px}
        tr.seed th,tr.seed td{background:#fafafa;font-size:.93em}
        #config tr.differs th,#config tr.differs td{background:#fff6d5}
        #config.only-differing tr.same{display:none}
        figure{margin:1rem 0}img{max-width:100%;height:auto}
        .note{color:#444;font-size:.93em}a{color:#1a5fb4}
        """

    /// Sorting, expanding, the differing-keys toggle; `#selftest` in the address runs them and
    /// writes what the page then shows into `<pre id="selftest">` (the browser test reads it).
    static let script = """
        (function () {
          "use strict";
          var table = document.getElementById("summary");
          function key(body, k) { return body.getAttribute("data-" + k) || ""; }
          function sortBy(th) {
            var k = th.getAttribute("data-key");
            var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
            table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
            th.setAttribute("aria-sort", dir);
            var bodies = Array.prototype.slice.call(table.tBodies);
            bodies.sort(function (a, b) {
              var x = key(a, k), y = key(b, k);
              if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
              var nx = Number(x), ny = Number(y);
              var c = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
              return dir === "ascending" ? c : -c;
            });
            bodies.forEach(function (b) { table.appendChild(b); });
          }
          table.querySelectorAll("thead th").forEach(function (th) {
            th.querySelector("button").addEventListener("click", function () { sortBy(th); });
          });
          table.querySelectorAll("button.expand").forEach(function (b) {
            b.addEventListener("click", function () {
              var open = b.getAttribute("aria-expanded") !== "true";
              b.setAttribute("aria-expanded", open ? "true" : "false");
              table.querySelectorAll('tr[data-group="' + b.getAttribute("aria-controls") + '"]').forEach(function (r) { r.hidden = !open; });
            });
          });
          var toggle = document.getElementById("differing"), config = document.getElementById("config");
          function applyToggle() { if (config) { config.classList.toggle("only-differing", toggle.checked); } }
          if (toggle) { toggle.addEventListener("change", applyToggle); applyToggle(); }

          if (location.hash !== "#selftest") { return; }
          function variants() {
            return Array.prototype.map.call(table.tBodies, function (b) { return b.getAttribute("data-variant"); });
          }
          function visibleConfigRows() {
            if (!config) { return 0; }
            return Array.prototype.filter.call(config.tBodies[0].rows, function (r) { return r.offsetParent !== null; }).length;
          }
          var result = { rows: table.tBodies.length, initial: variants() };
          var testHeader = table.querySelector('th[data-key="test"] button');
          testHeader.click(); result.testAscending = variants();
          testHeader.click(); result.testDescending = variants();
          result.ariaSort = testHeader.parentNode.getAttribute("aria-sort");
          table.querySelector('th[data-key="variant"] button').click(); result.byName = variants();
          var firstSeeds = table.tBodies[0].querySelectorAll("tr.seed");
          result.seedRowsHiddenBefore = Array.prototype.every.call(firstSeeds, function (r) { return r.offsetParent === null; });
          table.tBodies[0].querySelector("button.expand").click();
          result.seedRowsShown = Array.prototype.filter.call(firstSeeds, function (r) { return r.offsetParent !== null; }).length;
          result.configRowsAll = visibleConfigRows();
          if (toggle) { toggle.click(); }
          result.configRowsDiffering = visibleConfigRows();
          result.differingKeys = config ? Array.prototype.filter.call(config.tBodies[0].rows, function (r) { return r.offsetParent !== null; })
            .map(function (r) { return r.cells[0].textContent; }) : [];
          result.images = Array.prototype.map.call(document.images, function (i) { return i.getAttribute("src"); });
          result.imagesWithoutAlt = Array.prototype.filter.call(document.images, function (i) { return !i.alt; }).length;
          result.errors = window.reportErrors;
          var pre = document.createElement("pre");
          pre.id = "selftest";
          pre.textContent = JSON.stringify(result);
          document.body.appendChild(pre);
        })();
        """
}

extension SearchOutcome {
    /// The page's view of this search.
    func htmlSearch(hasBestConfig: Bool) -> HTMLReport.Search {
        let d = description
        let objective = "\(d.metric), \(d.overSeeds == "lower_ci" ? "mean − 95 % CI half-width" : d.overSeeds) over seeds"
            + (d.metric == "val_loss" ? ", lower is better" : "")
        let bestPoint = best.map { i -> (variant: String, score: String) in
            let r = rows[i]
            return (r.point.variant, "\(d.metric) \(shown(r.mean ?? .nan))" + (r.halfWidth.map { " ± \(shown($0))" } ?? "")
                        + ", \(r.values.count) seed\(r.values.count == 1 ? "" : "s")")
        }
        return HTMLReport.Search(name: d.search, folder: d.folder, points: rows.count, objective: objective, best: bestPoint,
                                 hasBestConfig: hasBestConfig)
    }
}
