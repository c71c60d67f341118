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
        let parsedOverrides = overrides.compactMap { Override.parse($0, log: &log) }
        if let seeds, seeds < 1 {
            log.add("expected a positive integer, found \(seeds)", at: nil, path: "--seeds")
        }
        // A file that could not be composed (bad base, cycle) gives an incomplete tree: stop here
        // rather than report keys as missing.
        guard var root = composed, composer.log.isEmpty else {
            throw SpecErrors(log.sorted(fileOrder: composer.files + overrides.map(Override.markName)))
        }

        let sweepNode = Self.remove("sweep", from: &root)
        let axes = Sweep.axes(sweepNode, log: &log)
        for override in parsedOverrides {
            if let axis = axes.first(where: { DottedKey.overlaps($0.keys, override.keys) }) {
                log.add("conflicts with the sweep over \(axis.key) (\(axis.keyMark))", at: override.mark,
                        path: override.keys.joined(separator: "."))
            }
        }

        // Count before expanding: a refused grid costs nothing (the product is never built).
        let seedCount = seeds ?? Self.child("seeds", of: root).map { node in
            if case let .sequence(items) = node.value { return max(items.count, 1) }
            return 1
        } ?? 1
        let counts = axes.map(\.values.count) + [seedCount]
        let total = Saturating.product(counts)
        if total > maxTrials {
            let factors = axes.map { "\($0.values.count)" }.joined(separator: " × ")
            let breakdown = (axes.isEmpty ? "" : factors + " points × ") + "\(seedCount) seed\(seedCount == 1 ? "" : "s")"
            log.add("expands to \(total == Int.max ? "more than \(Int.max)" : "\(total)") trials (\(breakdown)), "
                    + "more than the limit of \(maxTrials); pass --max-trials \(total == Int.max ? "N" : "\(total)") to allow it",
                    at: sweepNode?.mark ?? root.mark, path: axes.isEmpty ? "seeds" : "sweep")
            throw SpecErrors(log.sorted(fileOrder: composer.files + overrides.map(Override.markName)))
        }

        var trials: [Trial] = []
        var slugs = SlugRegistry()
        for point in Sweep.points(axes) {
            let tree = (point.trees + parsedOverrides.map(\.tree)).reduce(root, Composer.merge)
            var decoder = SpecDecoder(datasets: datasets)
            var spec = decoder.decode(tree)
            log.add(contentsOf: decoder.log.errors)
            if decoder.modelIsValid {
                do {
                    let plan = try ShapeInference.plan(spec, dataset: decoder.dataset!)
                    if let problem = Self.memoryProblem(spec, plan, trainCount: decoder.dataset!.trainingCount(spec.data)) {
                        log.add(problem, at: Self.child("model", of: tree)?.mark, path: "model")
                    }
                } catch {
                    let modelMark = Self.child("model", of: tree)?.mark
                    log.add(contentsOf: error.errors.map { e in
                        var e = e
                        e.mark = e.mark ?? modelMark
                        return e
                    })
                }
            }
            let seedList = seeds.map { (0..<UInt64(max($0, 0))).map { $0 } }
                ?? Seeds.read(Self.child("seeds", of: tree), log: &log) ?? [spec.train.seed]
            let variantSlug = slugs.slug(for: spec.name + point.nameSuffix, stem: Slug.make(spec.name), suffix: point.slugSuffix)
            spec.name += point.nameSuffix
            for seed in seedList where log.isEmpty {
                guard let dataset = decoder.dataset else { break }
                spec.train.seed = seed
                let yaml = Canonical.yaml(spec)
                trials.append(Trial(spec: spec, configFile: file, slug: "\(variantSlug)-seed\(seed)",
                                    canonicalYAML: yaml, hash: SHA256.hex(yaml), dataset: dataset))
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
        let batch = max(min(spec.train.batchSize, trainSamples), MemoryEstimate.evaluationBatch)
        let estimate = MemoryEstimate(plan: plan, batch: batch)
        guard estimate.totalBytes > machineBytes else { return nil }
        return "needs at least \(MemoryEstimate.describe(estimate.totalBytes)) of memory "
            + "(\(plan.parameterCount == Int.max ? "too many" : groupedThousands(plan.parameterCount)) parameters: "
            + "\(MemoryEstimate.describe(estimate.parameterBytes)) with gradients and optimizer state; activations for "
            + "batches of \(batch): \(MemoryEstimate.describe(estimate.activationBytes))), more than this machine's "
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
