/// Loads experiment files into resolved, validated trials.
///
/// Steps: compose the file with its `extends` bases, merge one sweep point and the command-line
/// overrides on top, decode and validate against the `Catalog`, infer shapes, then make one
/// trial per seed. Every problem from every step is collected and thrown together as
/// `SpecErrors`, one line each, in source order.
public enum ExperimentLoader {
    /// Loads a file (following `extends`), applies overrides (`key.path=value`), expands `sweep:`
    /// and seeds. `seeds: N` (CLI `--seeds`) replaces the file's seeds with `0..<N`.
    /// `maxTrials`: a file that would expand to more trials is refused before any is built.
    /// `datasets` describes the data each `data:` section points at (sizes, shape, classes).
    public static func load(file: String, overrides: [String] = [], seeds: Int? = nil,
                            maxTrials: Int = defaultMaxTrials, datasets: any DatasetDescribing) throws(SpecErrors) -> [Trial] {
        let text: String
        switch Composer.readFromDisk(file) {
        case let .success(read): text = read
        case let .failure(problem): throw SpecErrors([SpecError(problem.missing ? "no such file" : problem.message, at: .whole(file))])
        }
        return try load(text: text, file: file, overrides: overrides, seeds: seeds, maxTrials: maxTrials, datasets: datasets)
    }

    /// Trials one invocation may expand to unless `--max-trials` says otherwise.
    public static let defaultMaxTrials = 10_000

    /// Same as `load(file:...)` for text already in memory; `extends` paths are resolved relative
    /// to `file` and read from disk.
    public static func load(text: String, file: String, overrides: [String] = [],
                            seeds: Int? = nil, maxTrials: Int = defaultMaxTrials,
                            datasets: any DatasetDescribing) throws(SpecErrors) -> [Trial] {
        var composer = Composer()
        var log = ErrorLog()
        let composed = composer.compose(text: text, file: file)
        log.add(contentsOf: composer.log.errors)
        var parsedOverrides = overrides.compactMap { Override.parse($0, log: &log) }
        if let seeds, seeds < 1 {
            log.add("expected a positive integer, found \(seeds)", at: nil, path: "--seeds")
        }
        // A file that could not be composed (bad base, cycle) gives an incomplete tree: stop here
        // rather than report keys as missing.
        guard var root = composed, composer.log.isEmpty else {
            throw SpecErrors(log.sorted(fileOrder: composer.files + overrides.map(Override.markName)))
        }
        // `search.trials=4` and `objective.metric=val_loss` change the search block itself.
        let searchOverrides = parsedOverrides.filter { ["search", "objective"].contains($0.keys.first ?? "") }
        parsedOverrides.removeAll { ["search", "objective"].contains($0.keys.first ?? "") }
        root = searchOverrides.map(\.tree).reduce(root, Composer.merge)

        let sweepNode = Self.remove("sweep", from: &root)
        let searchNode = Self.remove("search", from: &root)
        let objectiveNode = Self.remove("objective", from: &root)
        let axes = Sweep.axes(sweepNode, log: &log)
        let search = SearchParser.read(searchNode, objective: objectiveNode, log: &log)
        let dimensions = search?.dimensions ?? []
        for override in parsedOverrides {
            if let axis = axes.first(where: { DottedKey.overlaps($0.keys, override.keys) }) {
                log.add("conflicts with the sweep over \(axis.key) (\(axis.keyMark))", at: override.mark,
                        path: override.keys.joined(separator: "."))
            }
            if let dim = dimensions.first(where: { DottedKey.overlaps($0.keys, override.keys) }) {
                log.add("conflicts with the search over \(dim.key) (\(dim.keyMark))", at: override.mark,
                        path: override.keys.joined(separator: "."))
            }
        }
        for dim in dimensions {
            if let axis = axes.first(where: { DottedKey.overlaps($0.keys, dim.keys) }) {
                log.add("overlaps sweep key \(axis.key) (\(axis.keyMark))", at: dim.keyMark, path: "search.space." + dim.key)
            }
        }

        // Count before expanding: a refused grid costs nothing (the product is never built).
        let seedCount = seeds ?? Self.child("seeds", of: root).map { node in
            if case let .sequence(items) = node.value { return max(items.count, 1) }
            return 1
        } ?? 1
        let counts = axes.map(\.values.count) + (search.map { [$0.pointCount] } ?? []) + [seedCount]
        let total = Saturating.product(counts)
        if total > maxTrials {
            let factors = (axes.map { "\($0.values.count)" } + (search.map { ["\($0.pointCount) search"] } ?? []))
                .joined(separator: " × ")
            let breakdown = (factors.isEmpty ? "" : factors + " points × ") + "\(seedCount) seed\(seedCount == 1 ? "" : "s")"
            let culprit = search != nil && axes.isEmpty ? "search" : axes.isEmpty ? "seeds" : "sweep"
            log.add("expands to \(total == Int.max ? "more than \(Int.max)" : "\(total)") trials (\(breakdown)), "
                    + "more than the limit of \(maxTrials); pass --max-trials \(total == Int.max ? "N" : "\(total)") to allow it",
                    at: (culprit == "search" ? searchNode?.mark : sweepNode?.mark) ?? root.mark, path: culprit)
            throw SpecErrors(log.sorted(fileOrder: composer.files + overrides.map(Override.markName)))
        }

        let searchPoints = search.map(SearchSampler.points) ?? [[]]
        // Errors at a sampled value's mark are about that point.
        let searchMarks = Set(dimensions.flatMap { dim -> [SourceMark] in
            if case let .choice(values) = dim.distribution { return [dim.valueMark] + values.map(\.mark) }
            return [dim.valueMark]
        })
        var trials: [Trial] = []
        var slugs = SlugRegistry()
        for point in Sweep.points(axes) {
            var pointErrors: [[SpecError]] = []
            for values in searchPoints {
                var pointLog = ErrorLog()
                let searchTrees = zip(dimensions, values).map { Composer.nest($0.0.keys, $0.1.node, keyMark: $0.0.keyMark) }
                let tree = (point.trees + searchTrees + parsedOverrides.map(\.tree)).reduce(root, Composer.merge)
                var decoder = SpecDecoder(datasets: datasets)
                var spec = decoder.decode(tree)
                pointLog.add(contentsOf: decoder.log.errors)
                if decoder.modelIsValid {
                    do {
                        let plan = try ShapeInference.plan(spec, dataset: decoder.dataset!)
                        if let problem = Self.memoryProblem(spec, plan, trainCount: decoder.dataset!.trainingCount(spec.data)) {
                            pointLog.add(problem, at: Self.child("model", of: tree)?.mark, path: "model")
                        }
                    } catch {
                        let modelMark = Self.child("model", of: tree)?.mark
                        pointLog.add(contentsOf: error.errors.map { e in
                            var e = e
                            e.mark = e.mark ?? modelMark
                            return e
                        })
                    }
                }
                let seedList = seeds.map { (0..<UInt64(max($0, 0))).map { $0 } }
                    ?? Seeds.read(Self.child("seeds", of: tree), log: &pointLog) ?? [spec.train.seed]
                pointErrors.append(pointLog.errors)
                var membership: SearchMembership?
                var searchSlug = ""
                if let search {
                    let label = zip(dimensions, values).map { "\($0.0.label)=\($0.1.text)" }.joined(separator: ",")
                    membership = SearchMembership(
                        search: spec.name + point.nameSuffix, point: pointErrors.count, label: label,
                        parameters: zip(dimensions, values).map { dim, value in
                            var numeric = true
                            if case .choice = dim.distribution { numeric = value.node.typedScalar?.number != nil }
                            return .init(key: dim.key, label: dim.label, value: value.text, isLog: dim.distribution.isLog,
                                         isNumeric: numeric)
                        },
                        objective: search.objective, method: search.method, seed: search.seed, prune: search.prune)
                    var searchPoint = SweepPoint()
                    for (dim, value) in zip(dimensions, values) {
                        searchPoint.assignments.append((SweepAxis(key: dim.key, keys: dim.keys, keyMark: dim.keyMark, values: []), value.node))
                    }
                    searchSlug = searchPoint.slugSuffix
                }
                let name = spec.name + point.nameSuffix + (membership.map { " [\($0.label)]" } ?? "")
                let variantSlug = slugs.slug(for: name, stem: Slug.make(spec.name), suffix: point.slugSuffix + searchSlug)
                spec.name = name
                for seed in seedList where log.isEmpty && pointLog.isEmpty {
                    guard let dataset = decoder.dataset else { break }
                    spec.train.seed = seed
                    let yaml = Canonical.yaml(spec)
                    trials.append(Trial(spec: spec, configFile: file, slug: "\(variantSlug)-seed\(seed)",
                                        canonicalYAML: yaml, hash: SHA256.hex(yaml), dataset: dataset, search: membership))
                }
            }
            guard search != nil else {
                log.add(contentsOf: pointErrors.flatMap { $0 })
                continue
            }
            // An error every point shares is the file's (printed once); the others name their point.
            let shared = pointErrors.dropFirst().reduce(Set(pointErrors.first ?? [])) { $0.intersection($1) }
            for (i, errors) in pointErrors.enumerated() {
                for error in errors {
                    let aboutPoint = error.mark.map(searchMarks.contains) == true || !shared.contains(error)
                    guard aboutPoint else { log.add(error); continue }
                    var e = error
                    let label = zip(dimensions, searchPoints[i]).map { "\($0.0.label)=\($0.1.text)" }.joined(separator: ",")
                    e.message = "search point \(i + 1) [\(label)]: " + e.message
                    log.add(e)
                }
            }
        }
        guard log.isEmpty else { throw SpecErrors(log.sorted(fileOrder: composer.files + overrides.map(Override.markName))) }
        return trials
    }

    /// Why `plan` cannot be trained on this machine (its estimated memory exceeds the machine's), or nil.
    /// `trainCount`: the training samples left after the validation split.
    static func memoryProblem(_ spec: ExperimentSpec, _ plan: NetworkPlan, trainCount: Int,
                              machineBytes: Double = MemoryEstimate.machineBytes) -> String? {
        let trainSamples = spec.data.trainLimit ?? max(trainCount, 1)
        let trainBatch = max(1, min(spec.train.batchSize, trainSamples))
        let batch = max(trainBatch, MemoryEstimate.evaluationBatch)
        let estimate = MemoryEstimate(plan: plan, batch: batch, gradientBatch: trainBatch)
        guard estimate.totalBytes > machineBytes else { return nil }
        return "needs at least \(MemoryEstimate.describe(estimate.totalBytes)) of memory "
            + "(\(plan.parameterCount == Int.max ? "too many" : groupedThousands(plan.parameterCount)) parameters: "
            + "\(MemoryEstimate.describe(estimate.parameterBytes)) with gradients and optimizer state; activations and "
            + "gradients for batches of \(estimate.activationBatch): "
            + "\(MemoryEstimate.describe(estimate.activationBytes))), more than this machine's "
            + "\(MemoryEstimate.describe(machineBytes))"
    }

    /// The value of top-level `key`, removing it from the mapping.
    private static func remove(_ key: String, from root: inout YAMLNode) -> YAMLNode? {
        guard case var .mapping(pairs) = root.value,
              let i = pairs.firstIndex(where: { $0.key.value == .scalar(key, style: .plain) }) else { return nil }
        let value = pairs.remove(at: i).value
        root = YAMLNode(.mapping(pairs), mark: root.mark)
        return value
    }

    private static func child(_ key: String, of node: YAMLNode) -> YAMLNode? {
        guard case let .mapping(pairs) = node.value else { return nil }
        return pairs.first { $0.key.value == .scalar(key, style: .plain) }?.value
    }
}

/// Hands out variant slugs that are unique within one load.
private struct SlugRegistry {
    private var byName: [String: String] = [:]
    private var taken: Set<String> = []

    /// Longest variant slug in bytes. A trial folder adds `-seed<N>` and its files' temporaries add
    /// `.<file>.tmp-<pid>-<n>`, all well below the usual 255-byte file-name limit.
    static let maxLength = 80

    /// `stem` (or `trial` when empty) plus `suffix`, with `-2`, `-3`... appended on collision. A slug
    /// longer than `maxLength` keeps its first 71 bytes and ends in 8 hex digits of its SHA-256, so
    /// long names that differ only near the end still get different, stable folders.
    mutating func slug(for name: String, stem: String, suffix: String) -> String {
        if let known = byName[name] { return known }
        var stem = (stem.isEmpty ? "trial" : stem) + suffix
        if stem.utf8.count > Self.maxLength {
            var head = String(stem.prefix(Self.maxLength - 9))
            while head.last == "-" { head.removeLast() }
            stem = head + "-" + SHA256.hex(stem).prefix(8)
        }
        var candidate = stem
        var n = 2
        while taken.contains(candidate) {
            candidate = "\(stem)-\(n)"
            n += 1
        }
        taken.insert(candidate)
        byName[name] = candidate
        return candidate
    }
}
