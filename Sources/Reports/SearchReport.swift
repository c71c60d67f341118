import Foundation
import Spec

/// A search as `runner run` records it in `<results>/search/<slug>/search.json`: its points, the
/// trial folders of each, and the objective. `runner report` joins it with the trial folders to
/// write `search.csv`, `search.svg`, `best.yaml` and the search section of `summary.md`.
public struct SearchDescription: Codable, Equatable, Sendable {
    public struct Parameter: Codable, Equatable, Sendable {
        public var key: String
        public var label: String
        public var log: Bool
        public var numeric: Bool
    }
    public struct Point: Codable, Equatable, Sendable {
        public var point: Int
        public var variant: String
        public var values: [String]
        /// Trial folders (one per seed) and their seeds.
        public var trials: [String]
        public var seeds: [UInt64]
    }
    public var search: String
    public var method: String
    public var seed: UInt64
    public var metric: String
    public var overSeeds: String
    public var parameters: [Parameter]
    public var points: [Point]
    /// `search.prune` and the `train.epochs` its rungs end at (absent without pruning).
    public var prune: PruneRule?
    public var epochs: Int?

    /// Folder of the search under `<results>/search/`.
    public var folder: String {
        let slug = String(Slug.make(search).prefix(80))
        return slug.isEmpty ? "search" : slug
    }

    /// One description per search among `trials` (by file and search name), points in sampling order.
    public static func describe(_ trials: [Trial]) -> [SearchDescription] {
        var out: [SearchDescription] = []
        var index: [String: Int] = [:]
        for trial in trials {
            guard let m = trial.search else { continue }
            let key = trial.configFile + "\u{0}" + m.search
            if index[key] == nil {
                index[key] = out.count
                out.append(SearchDescription(
                    search: m.search, method: m.method.rawValue, seed: m.seed, metric: m.objective.metric.rawValue,
                    overSeeds: m.objective.overSeeds.rawValue,
                    parameters: m.parameters.map { .init(key: $0.key, label: $0.label, log: $0.isLog, numeric: $0.isNumeric) },
                    points: [], prune: m.prune, epochs: m.prune == nil ? nil : trial.spec.train.epochs))
            }
            let i = index[key]!
            if let p = out[i].points.firstIndex(where: { $0.point == m.point }) {
                out[i].points[p].trials.append(trial.slug)
                out[i].points[p].seeds.append(trial.spec.train.seed)
            } else {
                out[i].points.append(.init(point: m.point, variant: trial.variant, values: m.parameters.map(\.value),
                                           trials: [trial.slug], seeds: [trial.spec.train.seed]))
            }
        }
        return out
    }

    /// Writes each description to `<results>/search/<folder>/search.json` (atomically; same trials → same bytes).
    public static func write(_ descriptions: [SearchDescription], results: String) throws {
        for d in descriptions {
            let dir = results + "/search/" + d.folder
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw ReportError("\(dir): cannot create the folder")
            }
            try AtomicFile.writeJSON(d, to: dir + "/search.json")
        }
    }

    /// The descriptions under `<results>/search/*/search.json`, by folder name; unreadable ones are
    /// returned as problems.
    static func scan(results: String) -> (found: [SearchDescription], damaged: [ReportError]) {
        let root = results + "/search"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var found: [SearchDescription] = []
        var damaged: [ReportError] = []
        for name in names {
            let path = root + "/" + name + "/search.json"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do { found.append(try ReportJSON.decode(SearchDescription.self, from: data)) } catch {
                damaged.append(ReportError("\(path): not a valid search description"))
            }
        }
        return (found, damaged)
    }
}

/// The outcome of each point of a search: its objective over seeds, and which point is best.
public struct SearchOutcome: Sendable {
    public struct Row: Sendable {
        public var point: SearchDescription.Point
        /// The objective metric of each completed trial (fractions for accuracies).
        public var values: [Double]
        public var mean: Double?
        public var halfWidth: Double?
        public var median: Double?
        /// What the point is ranked by (`over_seeds`).
        public var score: Double?
        public var status: String
        /// Folder of the first completed trial (its `config.yaml`).
        public var firstCompleted: String?
        /// With `search.prune`: the highest rung the point reached (0-based) and its objective
        /// over seeds at the last rung decided with it.
        public var rung: Int?
        public var rungScore: Double?
    }
    public var description: SearchDescription
    public var rows: [Row]
    /// Index into `rows` of the best point, nil when no point has a completed trial.
    public var best: Int?
    /// The successive-halving state the trials' histories give (with `search.prune`).
    public var halving: SuccessiveHalving.State?

    var maximized: Bool { description.metric != "val_loss" }
    var isAccuracy: Bool { description.metric != "val_loss" }

    public init(_ description: SearchDescription, trials: [ReportBuilder.LoadedTrial]) {
        self.description = description
        let bySlug = Dictionary(trials.map { ($0.record.slug, $0) }, uniquingKeysWith: { a, _ in a })
        let metric = description.metric
        halving = Self.halving(description, bySlug: bySlug)
        let halving = halving
        rows = description.points.enumerated().map { index, point in
            var values: [Double] = []
            var problems: [String] = []
            var found = 0
            var first: String?
            for (slug, seed) in zip(point.trials, point.seeds) {
                guard let t = bySlug[slug] else { continue }
                found += 1
                guard t.record.isCompleted else {
                    problems.append("\(t.record.status) (seed \(seed))")
                    continue
                }
                let value: Double?
                switch metric {
                case "val_loss": value = t.history.first { $0.epoch == t.record.selectedEpoch }?.valLoss
                case "test_acc": value = t.record.testAcc
                default: value = t.record.valAcc
                }
                if let value, value.isFinite {
                    values.append(value)
                    first = first ?? slug
                }
            }
            let mean = values.isEmpty ? nil : Stats.mean(values)
            let half = Stats.confidenceHalfWidth(values)
            let median = values.isEmpty ? nil : Self.median(values)
            var score: Double?
            switch description.overSeeds {
            case "median": score = median
            case "lower_ci": score = mean.map { m in m + (metric == "val_loss" ? 1 : -1) * (half ?? 0) }
            default: score = mean
            }
            var status = found == 0 ? "pending"
                : !problems.isEmpty ? problems.joined(separator: "; ")
                : found < point.trials.count ? "\(found) of \(point.trials.count) seeds done" : "completed"
            var rung: Int?, rungScore: Double?
            if let halving {
                rung = halving.reached(point: index)
                rungScore = halving.scores.last(where: { $0[index] != nil })?[index]
                if let pruned = halving.status(point: index) {
                    // A pruned point never competes with the completed ones.
                    status = pruned
                    values = []
                    score = nil
                    first = nil
                }
            }
            return Row(point: point, values: values, mean: score == nil ? nil : mean, halfWidth: score == nil ? nil : half,
                       median: score == nil ? nil : median, score: score, status: status, firstCompleted: first,
                       rung: rung, rungScore: rungScore)
        }
        let maximize = metric != "val_loss"
        best = rows.indices.filter { rows[$0].score != nil }.min { a, b in
            let sa = rows[a].score!, sb = rows[b].score!
            if sa != sb { return maximize ? sa > sb : sa < sb }
            return rows[a].point.point < rows[b].point.point
        }
    }

    /// The halving state of a pruned search from its loaded trials (nil without `search.prune`).
    /// Only completed, diverged, paused and pruned records count: an interrupted one is resumed.
    static func halving(_ d: SearchDescription, bySlug: [String: ReportBuilder.LoadedTrial]) -> SuccessiveHalving.State? {
        guard let rule = d.prune, let epochs = d.epochs else { return nil }
        let points = d.points.map { point in
            point.trials.map { slug -> SuccessiveHalving.Progress? in
                guard let t = bySlug[slug] else { return nil }
                let r = t.record
                let final = r.isCompleted || r.status.hasPrefix("diverged")
                guard final || r.isRungStop else { return nil }
                return .init(history: t.history, final: final, completed: r.isCompleted, selectedOn: r.selectedOn)
            }
        }
        return SuccessiveHalving.evaluate(rule: rule, epochs: epochs, metric: d.metric, overSeeds: d.overSeeds, points: points)
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// An objective value as the tables show it: accuracies in percent (two decimals), losses with four.
    func shown(_ v: Double) -> String { isAccuracy ? Format.percent(v) : Format.fixed(v, 4) }

    /// `search.csv`: one row per point — point, variant, each parameter, the objective (score),
    /// its mean, 95 % CI half-width and median over the completed seeds, seeds done, (with
    /// `search.prune`) the rung reached, its epochs and the objective there, status, best.
    public func csv() -> String {
        let unit = isAccuracy ? "_pct" : ""
        let pruning = halving != nil
        let header = ["point", "variant"] + description.parameters.map(\.label)
            + ["objective\(unit)", "mean\(unit)", "ci95\(unit)", "median\(unit)", "seeds"]
            + (pruning ? ["rung", "rung_epochs", "rung_objective\(unit)"] : []) + ["status", "best"]
        return CSV.document(header: header, rows: rows.enumerated().map { i, r in
            var cells = [String(r.point.point), CSV.text(r.point.variant)] + r.point.values.map(CSV.text)
                + [r.score.map(shown) ?? "", r.mean.map(shown) ?? "", r.halfWidth.map(shown) ?? "", r.median.map(shown) ?? "",
                   "\(r.values.count)/\(r.point.trials.count)"]
            if let halving, let rung = r.rung {
                cells += [String(rung + 1), String(halving.budgets[rung]), r.rungScore.map(shown) ?? ""]
            }
            return cells + [CSV.text(r.status), best == i ? "yes" : ""]
        })
    }

    /// The best point's resolved config with its seeds, named `<variant> (best of search)` so that
    /// running it writes new folders next to the search's instead of mixing with them.
    func bestConfig(results: String) -> String? {
        guard let best, let folder = rows[best].firstCompleted,
              let text = try? String(contentsOfFile: results + "/" + folder + "/config.yaml", encoding: .utf8) else { return nil }
        let row = rows[best]
        let name = row.point.variant + " (best of search)"
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let i = lines.firstIndex(where: { $0.hasPrefix("name: ") }) else { return nil }
        lines[i] = "name: " + Self.quoted(name)
        if lines.last == "" { lines.removeLast() }
        return "# The best point of the search \"\(SafeText.printable(description.search))\" (point \(row.point.point)), "
            + "every seed: runner run <this file>\n" + lines.joined(separator: "\n")
            + "\nseeds: [\(row.point.seeds.map(String.init).joined(separator: ", "))]\n"
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `search.svg` (see `SearchChart`).
    public func svg() -> String { SearchChart.render(self) }

    /// The search's section of summary.md.
    func markdown() -> String {
        let d = description
        let done = rows.filter { $0.score != nil }.count
        var out = "\n## Search: \(Summary.escape(d.search))\n\n"
        out += "\(d.method) search, \(rows.count) point\(rows.count == 1 ? "" : "s") (\(done) with results), "
            + "ranked by \(Summary.escape(d.metric)) (\(d.overSeeds == "lower_ci" ? "mean − 95 % CI half-width" : d.overSeeds) over seeds"
            + "\(d.metric == "val_loss" ? ", lower is better" : "")). "
            + "Every point: `search/\(d.folder)/search.csv`; the objective against each parameter: `search/\(d.folder)/search.svg`.\n\n"
        if let halving, let rule = d.prune, let epochs = d.epochs {
            let counts = rule.survivors(points: rows.count, rungs: halving.budgets.count)
            let pruned = halving.prunedAt.compactMap { $0 }.count
            out += "Pruned by \(rule.describe(epochs: epochs)): \(counts.map(String.init).joined(separator: " → ")) points; "
                + (halving.finished ? "every rung done" : "training rung \(halving.rung + 1) of \(halving.budgets.count)")
                + ", \(pruned) point\(pruned == 1 ? "" : "s") pruned (their rung and objective there: `search.csv`). "
                + "Only points that trained every epoch are ranked.\n\n"
        }
        guard let best else { return out + "No point has a completed trial yet.\n" }
        let r = rows[best]
        let spread = r.halfWidth.map { " ± \(shown($0))" } ?? ""
        let params = zip(d.parameters, r.point.values).map { "\(Summary.escape($0.0.key)) = \(Summary.escape($0.1))" }
        out += "**Best point: \(Summary.escape(r.point.variant))** — \(Summary.escape(d.metric)) \(shown(r.mean ?? .nan))\(spread) "
            + "(\(r.values.count) seed\(r.values.count == 1 ? "" : "s")); \(params.joined(separator: ", ")). "
            + "Its resolved config with every seed is `search/\(d.folder)/best.yaml` in this folder: "
            + "`runner run <this folder>/search/\(d.folder)/best.yaml` reproduces it.\n"
        return out
    }
}
