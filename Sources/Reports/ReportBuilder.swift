import Foundation
import Spec

/// Writes the files of one trial folder and rebuilds the folder-wide reports from all trials.
public enum ReportBuilder {
    /// Writes `history.csv`, `metrics.json`, `convergence.svg`, `loss.svg` and, when the record has
    /// a confusion matrix, `confusion.csv` and `confusion.svg` into `dir` (created if missing), each
    /// atomically; confusion files left by an earlier run of the folder are removed otherwise.
    public static func writeTrial(record: TrialRecord, history: [EpochRecord], dir: String) throws {
        try makeFolder(dir)
        try AtomicFile.write(HistoryCSV.render(history), to: dir + "/history.csv")
        try AtomicFile.writeJSON(record, to: dir + "/metrics.json")
        let files = derivedTrialFiles(record: record, history: history)
        for (name, text) in files {
            try AtomicFile.write(text, to: dir + "/" + name)
        }
        for name in confusionFileNames where !files.contains(where: { $0.0 == name }) {
            try AtomicFile.remove(dir + "/" + name)
        }
    }

    /// The files a trial's confusion matrix is written to (only trials that have one).
    public static let confusionFileNames = ["confusion.csv", "confusion.svg"]

    /// A trial's files drawn from its record and history alone — its plots and its confusion
    /// table — by file name (so they can be redrawn from the records whenever one is missing).
    public static func derivedTrialFiles(record: TrialRecord, history: [EpochRecord]) -> [(String, String)] {
        var files = [("convergence.svg", Charts.convergence(history: history, selectedEpoch: record.selectedEpoch,
                                                            selectedOn: record.selectedOn, title: "\(record.name): accuracy")),
                     ("loss.svg", Charts.loss(history: history, title: "\(record.name): loss"))]
        if let classes = record.testPerClass, let matrix = record.testConfusion, matrix.count == classes.count {
            files.append(("confusion.csv", ConfusionReport.csv(classes, matrix)))
            files.append(("confusion.svg", ConfusionReport.svg(classes, matrix,
                                                               title: "\(record.name): test confusion matrix")))
        }
        return files
    }

    /// A trial found in a results folder: its record and its history (from `history.csv` when present).
    public struct LoadedTrial: Sendable {
        public var record: TrialRecord
        public var history: [EpochRecord]
        /// The trial folder's name in the results folder.
        public var folderName: String = ""
    }

    /// The trials of a results folder that could be read, and one line per trial folder that could not.
    public struct Scan: Sendable {
        public var trials: [LoadedTrial] = []
        public var damaged: [ReportError] = []
    }

    /// Reads every `<resultsDir>/*/metrics.json` (with `history.csv`), ordered by folder name.
    ///
    /// Folders without `metrics.json` are skipped; a folder whose files cannot be read is one line
    /// naming the file in `damaged`, and the other folders are still read. Throws only when the
    /// results folder itself cannot be listed.
    public static func scan(resultsDir: String) throws -> Scan {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: resultsDir) } catch {
            throw ReportError("\(resultsDir): cannot list the results folder")
        }
        var scan = Scan()
        for name in names.sorted() where !name.hasPrefix(".") && name != "variants" && name != "search" {
            let folder = resultsDir + "/" + name
            do {
                if var trial = try loadTrial(folder: folder) {
                    trial.folderName = name
                    scan.trials.append(trial)
                }
            } catch {
                scan.damaged.append(error as? ReportError ?? ReportError("\(folder): \(error)"))
            }
        }
        return scan
    }

    /// The trial in `folder`, nil when it is not a trial folder (no `metrics.json`).
    static func loadTrial(folder: String) throws -> LoadedTrial? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue,
              fm.fileExists(atPath: folder + "/metrics.json") else { return nil }
        let record = try readRecord(folder + "/metrics.json")
        let historyPath = folder + "/history.csv"
        var history = record.history ?? []
        if fm.fileExists(atPath: historyPath) {
            guard let text = try? String(contentsOfFile: historyPath, encoding: .utf8) else {
                throw ReportError("\(historyPath): cannot read the file as UTF-8 text")
            }
            history = try HistoryCSV.parse(text, file: historyPath)
        }
        return LoadedTrial(record: record, history: history)
    }

    /// `runner report RESULTS_DIR`: rewrites `results.csv`, `aggregate.csv`, `summary.md`,
    /// `comparison.svg`, `variants/<variant-slug>.svg` and `index.html` from the trial folders, atomically.
    ///
    /// The output depends only on the trials' contents, never on folder order, so results merged
    /// from shards give the same bytes as one unsharded run.
    ///
    /// A trial folder that cannot be read is left out of the tables and returned in `damaged` (one
    /// line naming the file); the tables of all the other trials are still written. A folder with
    /// no trial at all (readable or not) is refused with `ReportError` and nothing is written.
    @discardableResult
    public static func rebuild(resultsDir: String) throws -> Rebuilt {
        let scan = try scan(resultsDir: resultsDir)
        guard !scan.trials.isEmpty || !scan.damaged.isEmpty else {
            throw ReportError("\(resultsDir): holds no trial folders (no */metrics.json); nothing written")
        }
        AtomicFile.removeStaleTemporaries(in: resultsDir)
        AtomicFile.removeStaleTemporaries(in: resultsDir + "/variants")
        let trials = scan.trials
        let records = Aggregation.sortedRecords(trials.map(\.record))
        // Points successive halving pruned are not variants to compare (summary.md lists them).
        let aggregates = Aggregation.aggregate(records.filter { !$0.isPruned })
        let historyBySlug = Dictionary(trials.map { ($0.record.slug, $0.history) }, uniquingKeysWith: { a, _ in a })
        func histories(_ trials: [TrialRecord]) -> [[EpochRecord]] { trials.map { historyBySlug[$0.slug] ?? [] } }

        var written: [String] = []
        func write(_ text: String, _ name: String) throws {
            try AtomicFile.write(text, to: resultsDir + "/" + name)
            written.append(resultsDir + "/" + name)
        }
        try write(ResultsCSV.render(records), "results.csv")
        try write(AggregateCSV.render(aggregates), "aggregate.csv")
        let finished = Set(trials.map(\.record.slug))
        let missing = try ExpectedTrials.read(resultsDir: resultsDir)?.trials.filter { !finished.contains($0.slug) } ?? []
        // Searches (`search/<name>/search.json`, written by `runner run`): their tables, plots and best configs.
        let searches = SearchDescription.scan(results: resultsDir)
        let outcomes = searches.found.map { SearchOutcome($0, trials: trials) }
        try write(Summary.markdown(records: records, missing: missing.map(\.name)) + outcomes.map { $0.markdown() }.joined(),
                  "summary.md")
        for outcome in outcomes {
            let folder = "search/" + outcome.description.folder + "/"
            AtomicFile.removeStaleTemporaries(in: resultsDir + "/" + folder)
            try write(outcome.csv(), folder + "search.csv")
            try write(outcome.svg(), folder + "search.svg")
            if let best = outcome.bestConfig(results: resultsDir) { try write(best, folder + "best.yaml") }
        }
        let compared = aggregates.filter { !$0.completed.isEmpty }
        try write(Charts.comparison(variants: compared.map { (name: $0.variant, histories: histories($0.completed)) },
                                    title: "Test accuracy per epoch, mean over seeds"), "comparison.svg")

        try makeFolder(resultsDir + "/variants")
        var variantFiles: Set<String> = []
        var variantPlots: [String: String] = [:]
        for a in compared {
            var stem = variantFileStem(a.completed[0].slug)
            if variantFiles.contains("variants/\(stem).svg") {
                var n = 2
                while variantFiles.contains("variants/\(stem)-\(n).svg") { n += 1 }
                stem += "-\(n)"
            }
            let file = "variants/\(stem).svg"
            variantFiles.insert(file)
            variantPlots[a.variant] = file
            try write(Charts.variantConvergence(name: a.variant, histories: histories(a.completed),
                                                selectedEpochs: a.completed.map(\.selectedEpoch),
                                                runLabels: a.completed.map { "seed \($0.seed)" }), file)
        }
        var html = htmlInputs(resultsDir: resultsDir, trials: trials, aggregates: aggregates, variantPlots: variantPlots,
                              hasComparison: !compared.isEmpty)
        html.searches = outcomes.map { $0.htmlSearch(hasBestConfig: FileManager.default.fileExists(
            atPath: resultsDir + "/search/" + $0.description.folder + "/best.yaml")) }
        try write(HTMLReport.render(html), "index.html")
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: resultsDir + "/variants")) ?? []
        for stale in existing where stale.hasSuffix(".svg") && !variantFiles.contains("variants/" + stale) {
            try AtomicFile.remove(resultsDir + "/variants/" + stale)
        }
        return Rebuilt(written: written, damaged: scan.damaged + searches.damaged, missing: missing)
    }

    /// What `index.html` shows besides the statistics: each trial's resolved config (read from its
    /// `config.yaml`) and plot files, each variant's plot.
    static func htmlInputs(resultsDir: String, trials: [LoadedTrial], aggregates: [VariantAggregate], variantPlots: [String: String],
                           hasComparison: Bool) -> HTMLReport.Inputs {
        var configs: [String: [(path: String, value: String)]] = [:]
        var plots: [String: [String]] = [:]
        for t in trials where !t.folderName.isEmpty {
            let folder = resultsDir + "/" + t.folderName
            if let node = try? YAMLParser.parse(file: folder + "/config.yaml") {
                configs[t.record.slug] = SpecDiff.leaves(node).map { ($0.path, $0.value) }
            }
            plots[t.record.slug] = ["convergence.svg", "loss.svg", "confusion.svg"]
                .filter { FileManager.default.fileExists(atPath: folder + "/" + $0) }
                .map { t.folderName + "/" + $0 }
        }
        return HTMLReport.Inputs(aggregates: aggregates, variantPlots: variantPlots, configs: configs, trialPlots: plots,
                                 hasComparison: hasComparison)
    }

    /// The file name (without `.svg`) of a variant's plot: its trials' folder name without `-seed<N>`
    /// (`dropout-seed0` → `dropout`). A slug read from a hand-edited record is reduced to lowercase
    /// letters, digits and dashes and bounded, so it can never leave `variants/` or exceed a name limit.
    static func variantFileStem(_ trialSlug: String) -> String {
        var slug = Substring(trialSlug)
        if let range = slug.range(of: #"-seed-?[0-9]+$"#, options: .regularExpression) { slug = slug[..<range.lowerBound] }
        var out = String(Slug.make(String(slug)).prefix(100))
        while out.last == "-" { out.removeLast() }
        return out.isEmpty ? "variant" : out
    }

    /// What `rebuild` wrote, and the trial folders it had to leave out.
    public struct Rebuilt: Sendable {
        public var written: [String]
        public var damaged: [ReportError]
        /// Trials `expected-trials.json` lists that have no finished folder (a shard that failed or
        /// never ran), in the list's order.
        public var missing: [ExpectedTrials.Trial] = []
    }

    /// Decodes one `metrics.json`, reporting a problem as one line naming the file.
    public static func readRecord(_ path: String) throws -> TrialRecord {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError("\(path): cannot read the file")
        }
        do { return try ReportJSON.decode(TrialRecord.self, from: data) } catch let error as DecodingError {
            throw ReportError("\(path): \(describe(error))")
        } catch {
            throw ReportError("\(path): not a valid metrics file")
        }
    }

    /// A short, single-line account of a decoding failure.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing key \"\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)\""
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "malformed JSON" : "\(path(context.codingPath)): invalid value"
        @unknown default:
            return "not a valid metrics file"
        }
    }

    static func makeFolder(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw ReportError("\(path): cannot create the folder")
        }
    }
}

/// `expected-trials.json`: every trial of a sharded run (all shards), written by each shard
/// before it trains, so that `runner report` names the trials whose shard failed or never ran
/// instead of leaving them silently out of the tables. Unsharded runs report their own failures
/// and write no list.
public struct ExpectedTrials: Codable, Equatable, Sendable {
    public struct Trial: Codable, Equatable, Sendable {
        public var slug: String
        public var name: String
        public init(slug: String, name: String) { (self.slug, self.name) = (slug, name) }
    }
    public var trials: [Trial]

    public init(trials: [Trial]) { self.trials = trials }

    public static let fileName = "expected-trials.json"

    /// The list in `resultsDir`, nil when there is none; an unreadable one is an error naming the file.
    public static func read(resultsDir: String) throws -> ExpectedTrials? {
        let path = resultsDir + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try ReportJSON.decode(ExpectedTrials.self, from: data) } catch {
            throw ReportError("\(path): not a list of expected trials (\(error))")
        }
    }

    /// Writes the list atomically (every shard writes the same bytes).
    public func write(resultsDir: String) throws {
        try ReportBuilder.makeFolder(resultsDir)
        try AtomicFile.writeJSON(self, to: resultsDir + "/" + Self.fileName)
    }
}
