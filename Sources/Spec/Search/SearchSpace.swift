import Foundation

/// How one searched key is sampled.
public enum SearchDistribution: Hashable, Sendable {
    /// A real number, uniform in [low, high].
    case uniform(low: Double, high: Double)
    /// A real number whose logarithm is uniform in [log low, log high] (0 < low).
    case loguniform(low: Double, high: Double)
    /// A whole number in [low, high], every value equally likely, or (log) by its logarithm.
    case int(low: Int, high: Int, log: Bool)
    /// One of the listed YAML values (marks kept, so errors point at the value in the file).
    case choice([YAMLNode])

    /// Whether plots put this key on a logarithmic axis.
    public var isLog: Bool {
        switch self {
        case .loguniform: true
        case let .int(_, _, log): log
        case .uniform, .choice: false
        }
    }
}

/// One dimension of a search: a dotted config key and its distribution.
public struct SearchDimension: Hashable, Sendable {
    public var key: String
    var keys: [String]
    var keyMark: SourceMark
    /// Mark of the distribution (`{loguniform: [1.0e-4, 1.0e-2]}`): sampled values carry it.
    var valueMark: SourceMark
    public var distribution: SearchDistribution
    /// The short name in point names: the key's last component, or the whole key when two
    /// dimensions share a last component.
    public var label: String
}

public enum SearchMethod: String, CaseIterable, Hashable, Sendable { case random, sobol, grid }

/// What a search optimizes: a metric of each trial, combined over its seeds.
public struct SearchObjective: Hashable, Sendable, Codable {
    public enum Metric: String, CaseIterable, Hashable, Sendable, Codable {
        case valAcc = "val_acc", valLoss = "val_loss", testAcc = "test_acc"
        /// Whether larger values are better.
        public var maximized: Bool { self != .valLoss }
    }
    public enum OverSeeds: String, CaseIterable, Hashable, Sendable, Codable { case mean, lowerCI = "lower_ci", median }
    public var metric: Metric = .valAcc
    public var overSeeds: OverSeeds = .mean
    public init(metric: Metric = .valAcc, overSeeds: OverSeeds = .mean) {
        self.metric = metric
        self.overSeeds = overSeeds
    }
    public var description: String { "\(metric.rawValue), \(overSeeds.rawValue) over seeds" }
}

/// Where a trial stands in a search: what `runner run` records in `search/<slug>/search.json`.
public struct SearchMembership: Hashable, Sendable {
    public struct Parameter: Hashable, Sendable {
        public var key: String
        public var label: String
        public var value: String
        public var isLog: Bool
        /// Whether the value is a number (a choice of strings is not plotted on a numeric axis).
        public var isNumeric: Bool
    }
    /// The search's name: the variant name without the point (`LeNet-5 search`).
    public var search: String
    /// 1-based number of the point in sampling order.
    public var point: Int
    /// `lr=3.2e-4,batch_size=64`
    public var label: String
    public var parameters: [Parameter]
    public var objective: SearchObjective
    public var method: SearchMethod
    public var seed: UInt64
    /// `search.prune`: successive halving over the search's points (nil: every point trains fully).
    public var prune: PruneRule?
}

/// A validated `search:` block (with the file's `objective:`).
public struct SearchBlock: Hashable, Sendable {
    public var method: SearchMethod
    /// Points to draw (random, sobol); nil for grid.
    public var trials: Int?
    public var seed: UInt64
    /// Values per numeric dimension (grid).
    public var gridPoints: Int
    public var dimensions: [SearchDimension]
    public var objective: SearchObjective
    public var prune: PruneRule?
    var mark: SourceMark

    /// Points before drawing (an upper bound for random and sobol, which drop repeats).
    public var pointCount: Int {
        if let trials { return trials }
        return Saturating.product(dimensions.map { d in
            if case let .choice(values) = d.distribution { return values.count }
            if case let .int(low, high, _) = d.distribution { return min(gridPoints, high - low + 1) }
            return gridPoints
        })
    }
}

enum SearchParser {
    /// Keys neither `sweep:` nor `search:` may vary.
    static let reserved = ["extends", "sweep", "search", "objective", "seeds", "name"]
    static let distributionKeys = ["loguniform", "uniform", "int", "choice"]

    /// The `search:` block and `objective:` (nil node: no search), reporting every problem.
    static func read(_ node: YAMLNode?, objective objectiveNode: YAMLNode?, log: inout ErrorLog) -> SearchBlock? {
        guard let node, !node.isNull else {
            if let objectiveNode, !objectiveNode.isNull {
                log.add("applies only to a search (there is no search: block)", at: objectiveNode.mark, path: "objective")
            }
            return nil
        }
        let before = log.count
        let objective = readObjective(objectiveNode, log: &log)
        guard let reader = SectionReader(node, path: "search", log: &log), let info = Catalog.section("search") else { return nil }
        let values = reader.read(info.options, log: &log)
        let method = values["method"]?.text.flatMap(SearchMethod.init(rawValue:)) ?? .random
        var trials = values["trials"]?.int
        let gridPoints = values["points"]?.int ?? 3
        if method == .grid {
            if let entry = reader.entries.first(where: { $0.key == "trials" }), !entry.value.isNull {
                log.add("not applicable to method grid (a grid has one point per combination; set points per dimension)",
                        at: entry.keyNode.mark, path: "search.trials")
            }
            trials = nil
        } else {
            if let entry = reader.entries.first(where: { $0.key == "points" }) {
                log.add("applies only to method grid", at: entry.keyNode.mark, path: "search.points")
            }
            if reader.present("trials") == nil, !log.errors[before...].contains(where: { $0.path == "search.trials" }) {
                log.add("missing, expected a positive integer (the number of points to draw)", at: node.mark, path: "search.trials")
            }
        }
        let dimensions = reader.value("space").map { readSpace($0, log: &log) } ?? []
        if dimensions.count > Sobol.maxDimensions, method == .sobol {
            log.add("sobol supports at most \(Sobol.maxDimensions) dimensions, found \(dimensions.count)",
                    at: reader.value("space")?.mark, path: "search.space")
        }
        let prune = readPrune(reader.value("prune"), log: &log)
        if prune != nil, let epochs = dimensions.first(where: { DottedKey.overlaps($0.keys, ["train", "epochs"]) }) {
            log.add("cannot be searched with search.prune (the rungs are epochs of train.epochs)", at: epochs.keyMark,
                    path: "search.space." + epochs.key)
        }
        guard log.count == before else { return nil }
        return SearchBlock(method: method, trials: trials, seed: UInt64(values["seed"]?.int ?? 0), gridPoints: gridPoints,
                           dimensions: dimensions, objective: objective, prune: prune, mark: node.mark)
    }

    static func readObjective(_ node: YAMLNode?, log: inout ErrorLog) -> SearchObjective {
        guard let node, let reader = SectionReader(node, path: "objective", log: &log),
              let info = Catalog.section("objective") else { return SearchObjective() }
        let values = reader.read(info.options, log: &log)
        return SearchObjective(metric: values["metric"]?.text.flatMap(SearchObjective.Metric.init(rawValue:)) ?? .valAcc,
                               overSeeds: values["over_seeds"]?.text.flatMap(SearchObjective.OverSeeds.init(rawValue:)) ?? .mean)
    }

    private static func readSpace(_ node: YAMLNode, log: inout ErrorLog) -> [SearchDimension] {
        guard let reader = SectionReader(node, path: "search.space", log: &log) else { return [] }
        if reader.entries.isEmpty {
            log.add("expected a non-empty mapping of dotted keys to distributions", at: node.mark, path: "search.space")
            return []
        }
        var dimensions: [SearchDimension] = []
        for entry in reader.entries {
            let path = "search.space." + Printable.escape(entry.key)
            guard let keys = DottedKey.varied(entry.key, mark: entry.keyNode.mark, path: path, verb: "searched",
                                              others: dimensions.map { ($0.key, $0.keys) }, kind: "search", log: &log) else { continue }
            if let problem = ConfigKeys.problem(keys) {
                log.add(problem, at: entry.keyNode.mark, path: path)
                continue
            }
            guard let distribution = readDistribution(entry.value, path: path, log: &log) else { continue }
            dimensions.append(SearchDimension(key: entry.key, keys: keys, keyMark: entry.keyNode.mark,
                                              valueMark: entry.value.mark, distribution: distribution, label: ""))
        }
        for i in dimensions.indices {
            let last = dimensions[i].keys.last ?? dimensions[i].key
            let shared = dimensions.filter { $0.keys.last == last }.count > 1
            dimensions[i].label = shared ? dimensions[i].key : last
        }
        return dimensions
    }

    private static let shape = "{loguniform: [a, b]}, {uniform: [a, b]}, {int: [a, b], log: false} or {choice: [v1, v2, ...]}"

    private static func readDistribution(_ node: YAMLNode, path: String, log: inout ErrorLog) -> SearchDistribution? {
        guard case let .mapping(pairs) = node.value else {
            log.add("expected \(shape), found \(node.foundDescription)", at: node.mark, path: path)
            return nil
        }
        var kind: (key: String, value: YAMLNode, mark: SourceMark)?
        var logNode: (key: YAMLNode, value: YAMLNode)?
        var valid = true
        for pair in pairs {
            guard case let .scalar(key, _) = pair.key.value else {
                log.add("expected a string key, found \(pair.key.foundDescription)", at: pair.key.mark, path: path)
                valid = false
                continue
            }
            if key == "log" { logNode = (pair.key, pair.value); continue }
            guard distributionKeys.contains(key) else {
                log.add(SectionReader.unknownKey(key, distributionKeys + ["log"]), at: pair.key.mark, path: KeyPath.join(path, key))
                valid = false
                continue
            }
            if let kind {
                log.add("expected one distribution, found \(kind.key) and \(key)", at: pair.key.mark, path: KeyPath.join(path, key))
                valid = false
                continue
            }
            kind = (key, pair.value, pair.key.mark)
        }
        guard valid else { return nil }
        guard let kind else {
            log.add("expected \(shape), found no distribution", at: node.mark, path: path)
            return nil
        }
        let kindPath = KeyPath.join(path, kind.key)
        var isLog = false
        if let logNode {
            if kind.key != "int" {
                log.add("applies only to int (\(kind.key == "uniform" ? "use loguniform" : "\(kind.key) is not an integer range"))",
                        at: logNode.key.mark, path: KeyPath.join(path, "log"))
                return nil
            }
            guard case let .success(.bool(value)) = ValueType.boolean.read(logNode.value) else {
                log.add("expected true or false, found \(logNode.value.foundDescription)", at: logNode.value.mark,
                        path: KeyPath.join(path, "log"))
                return nil
            }
            isLog = value
        }
        switch kind.key {
        case "choice":
            guard case let .sequence(items) = kind.value.value, !items.isEmpty else {
                log.add("expected a non-empty list of values, found \(kind.value.foundDescription)", at: kind.value.mark, path: kindPath)
                return nil
            }
            var distinct: [YAMLNode] = []
            for (i, item) in items.enumerated() {
                if distinct.contains(item) {
                    log.add("duplicate value \(Canonical.inline(item))", at: item.mark, path: KeyPath.index(kindPath, i))
                    return nil
                }
                distinct.append(item)
            }
            return .choice(distinct)
        case "int":
            guard case let .sequence(items) = kind.value.value, items.count == 2,
                  case let .int(low)? = items[0].typedScalar, case let .int(high)? = items[1].typedScalar else {
                log.add("expected a list of two integers [low, high], found \(describe(kind.value))", at: kind.value.mark, path: kindPath)
                return nil
            }
            guard low <= high else {
                log.add("expected low ≤ high, found [\(low), \(high)]", at: kind.value.mark, path: kindPath)
                return nil
            }
            if isLog && low < 1 {
                log.add("expected low ≥ 1 for a log scale, found [\(low), \(high)]", at: kind.value.mark, path: kindPath)
                return nil
            }
            return .int(low: low, high: high, log: isLog)
        default:
            guard case let .sequence(items) = kind.value.value, items.count == 2,
                  let low = items[0].typedScalar?.number, let high = items[1].typedScalar?.number,
                  low.isFinite, high.isFinite else {
                log.add("expected a list of two finite numbers [low, high], found \(describe(kind.value))", at: kind.value.mark, path: kindPath)
                return nil
            }
            guard low < high else {
                log.add("expected low < high, found [\(Canonical.inline(items[0])), \(Canonical.inline(items[1]))]",
                        at: kind.value.mark, path: kindPath)
                return nil
            }
            if kind.key == "loguniform" {
                guard low > 0 else {
                    log.add("expected 0 < low < high for a log scale, found [\(Canonical.inline(items[0])), \(Canonical.inline(items[1]))]",
                            at: kind.value.mark, path: kindPath)
                    return nil
                }
                return .loguniform(low: low, high: high)
            }
            return .uniform(low: low, high: high)
        }
    }

    private static func describe(_ node: YAMLNode) -> String {
        if case .sequence = node.value { return Canonical.inline(node) }
        return node.foundDescription
    }
}

/// Which dotted keys name a setting of the schema (for `search.space`, checked before sampling).
enum ConfigKeys {
    /// Why `keys` is not a config key (with a "did you mean"), or nil when it is one.
    static func problem(_ keys: [String]) -> String? {
        var section = ""
        for (i, key) in keys.enumerated() {
            // Below a free-form section (a layer list entry, augment) the decoder checks the point.
            guard let options = options(of: section) else { return nil }
            guard let option = options.first(where: { $0.key == key }) else {
                let known = options.map(\.key)
                let prefix = section.isEmpty ? "" : section + "."
                if let guess = Suggestion.closest(to: key, in: known) {
                    return "not a config key, did you mean \(prefix)\(guess)?"
                }
                return "not a config key (\(section.isEmpty ? "the top level" : section) has " + known.joined(separator: ", ") + ")"
            }
            let path = section.isEmpty ? key : section + "." + key
            if i == keys.count - 1 { return nil }
            guard case .custom = option.type else {
                return "not a config key: \(path) is \(option.type.phrase), it has no key \(keys[i + 1])"
            }
            section = path
        }
        return nil
    }

    /// The options of a schema section or of a registry model (`model.lenet5`).
    private static func options(of path: String) -> [OptionInfo]? {
        if let section = Catalog.section(path) { return section.options }
        if path.hasPrefix("model."), let model = Catalog.model(String(path.dropFirst("model.".count))) { return model.options }
        return nil
    }
}
