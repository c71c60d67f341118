/// `search.prune`: successive halving over a search's points. Every point trains to the first
/// rung's epochs; after each rung the best ⌈n/η⌉ points (by the objective, over seeds) continue
/// from their checkpoints to the next rung, the others stop there.
public struct PruneRule: Hashable, Sendable, Codable {
    public enum Method: String, CaseIterable, Hashable, Sendable, Codable { case successiveHalving = "successive_halving" }
    public var method: Method = .successiveHalving
    /// Epochs of the first rung (e_0).
    public var minEpochs: Int
    /// η: each rung trains η times the epochs of the one before and keeps 1/η of its points.
    public var reductionFactor: Int
    /// The most rungs, the last one included (nil: as many as the epochs allow).
    public var maxRungs: Int?

    public init(minEpochs: Int, reductionFactor: Int, maxRungs: Int? = nil) {
        self.minEpochs = minEpochs
        self.reductionFactor = reductionFactor
        self.maxRungs = maxRungs
    }

    enum CodingKeys: String, CodingKey {
        case method, minEpochs = "min_epochs", reductionFactor = "reduction_factor", maxRungs = "max_rungs"
    }

    /// The epochs each rung trains to: e_0 = min_epochs, e_{k+1} = e_k × η while below `epochs`,
    /// and `epochs` last (`max_rungs` keeps the first max_rungs − 1 and `epochs`).
    /// `[2, 6, 18]` for min_epochs 2, η 3, 18 epochs; `[2, 6, 10]` for 10 epochs.
    public func budgets(epochs: Int) -> [Int] {
        var out: [Int] = []
        var e = minEpochs
        while e < epochs {
            out.append(e)
            let (next, overflow) = e.multipliedReportingOverflow(by: reductionFactor)
            if overflow { break }
            e = next
        }
        if let maxRungs { out = Array(out.prefix(max(maxRungs - 1, 0))) }
        return out + [epochs]
    }

    /// Points still training at each rung: n, ⌈n/η⌉, ⌈n/η²⌉, … (at least 1), one per budget.
    public func survivors(points: Int, rungs: Int) -> [Int] {
        var out: [Int] = []
        var n = points
        for _ in 0..<rungs {
            out.append(n)
            n = Self.kept(n, reductionFactor)
        }
        return out
    }

    /// Epochs one seed of `points` points trains in all: n_0 × e_0 + n_1 × (e_1 − e_0) + … (each
    /// promoted point continues from its checkpoint; early stopping can only lower it).
    public func epochsWithPruning(points: Int, epochs: Int) -> Int {
        let budgets = budgets(epochs: epochs)
        let counts = survivors(points: points, rungs: budgets.count)
        var total = 0, previous = 0
        for (n, e) in zip(counts, budgets) {
            total += n * (e - previous)
            previous = e
        }
        return total
    }

    /// ⌈n/η⌉, at least 1.
    public static func kept(_ n: Int, _ eta: Int) -> Int { max(1, (n + eta - 1) / eta) }

    /// `successive halving: rungs at epochs 2, 6, 18 (η = 3)`
    public func describe(epochs: Int) -> String {
        "successive halving: rungs at epochs \(budgets(epochs: epochs).map(String.init).joined(separator: ", ")) (η = \(reductionFactor))"
    }
}

extension SearchParser {
    /// `search.prune` (nil node or null: no pruning).
    static func readPrune(_ node: YAMLNode?, log: inout ErrorLog) -> PruneRule? {
        guard let node, !node.isNull else { return nil }
        let before = log.count
        guard let reader = SectionReader(node, path: "search.prune", log: &log),
              let info = Catalog.section("search.prune") else { return nil }
        let values = reader.read(info.options, log: &log)
        guard log.count == before else { return nil }
        return PruneRule(minEpochs: values["min_epochs"]?.int ?? 1, reductionFactor: values["reduction_factor"]?.int ?? 3,
                         maxRungs: values["max_rungs"]?.int)
    }
}
