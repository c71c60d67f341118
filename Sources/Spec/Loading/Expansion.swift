/// One axis of a `sweep:` grid: a dotted key and the values it takes.
struct SweepAxis {
    let key: String
    let keys: [String]
    let keyMark: SourceMark
    let values: [YAMLNode]
}

/// One grid point: a value per axis, merged on top of the file like an override.
struct SweepPoint {
    var assignments: [(axis: SweepAxis, value: YAMLNode)] = []

    /// The layers to merge, in axis order.
    var trees: [YAMLNode] { assignments.map { Composer.nest($0.axis.keys, $0.value, keyMark: $0.axis.keyMark) } }

    /// ` [train.optimizer.weight_decay=0.0005, train.epochs=5]`, or empty without a sweep.
    var nameSuffix: String {
        guard !assignments.isEmpty else { return "" }
        return " [" + assignments.map { "\($0.axis.key)=\(Canonical.inline($0.value))" }.joined(separator: ", ") + "]"
    }

    /// `-wd0.0005-epochs5-activation-tanh`: each axis as its key's last component (initials when
    /// it has several words) followed by the value (after a `-` unless the value is a number).
    var slugSuffix: String {
        assignments.map { assignment in
            let last = assignment.axis.keys.last ?? assignment.axis.key
            let words = last.split(whereSeparator: { $0 == "_" || $0 == "-" })
            let short = words.count > 1 ? String(words.compactMap(\.first)) : last
            let value = Slug.make(Canonical.inline(assignment.value), keeping: ["."])
            let joiner = value.first.map { $0.isNumber || $0 == "." } == true ? "" : "-"
            return "-" + Slug.make(short) + joiner + value
        }.joined()
    }
}

enum Sweep {
    /// Keys a sweep may not vary.
    static let reserved = SearchParser.reserved

    /// The axes of a `sweep:` mapping (nil or null: none), reporting malformed entries.
    static func axes(_ node: YAMLNode?, log: inout ErrorLog) -> [SweepAxis] {
        guard let node, let reader = SectionReader(node, path: "sweep", log: &log) else { return [] }
        var axes: [SweepAxis] = []
        for entry in reader.entries {
            let path = KeyPath.join("sweep", entry.key)
            guard let keys = DottedKey.varied(entry.key, mark: entry.keyNode.mark, path: path, verb: "swept",
                                              others: axes.map { ($0.key, $0.keys) }, kind: "sweep", log: &log) else { continue }
            guard case let .sequence(values) = entry.value.value, !values.isEmpty else {
                log.add("expected a non-empty list of values, found \(entry.value.foundDescription)",
                        at: entry.value.mark, path: path)
                continue
            }
            var distinct: [YAMLNode] = []
            for (i, value) in values.enumerated() {
                if distinct.contains(value) {
                    log.add("duplicate value \(Canonical.inline(value))", at: value.mark, path: KeyPath.index(path, i))
                } else {
                    distinct.append(value)
                }
            }
            axes.append(SweepAxis(key: entry.key, keys: keys, keyMark: entry.keyNode.mark, values: distinct))
        }
        return axes
    }

    /// The cartesian product of the axes, first axis varying slowest; one empty point without axes.
    static func points(_ axes: [SweepAxis]) -> [SweepPoint] {
        axes.reduce([SweepPoint()]) { points, axis in
            points.flatMap { point in
                axis.values.map { value in
                    var next = point
                    next.assignments.append((axis, value))
                    return next
                }
            }
        }
    }
}

extension DottedKey {
    /// The components of a key a `sweep:` axis or `search.space` varies, or nil with the reason
    /// logged: not a dotted key, a reserved key (`cannot be swept`), or one overlapping an earlier key.
    static func varied(_ key: String, mark: SourceMark, path: String, verb: String,
                       others: [(key: String, keys: [String])], kind: String, log: inout ErrorLog) -> [String]? {
        guard let keys = split(key) else {
            log.add("expected a dotted key such as train.optimizer.lr", at: mark, path: path)
            return nil
        }
        if let first = keys.first, Sweep.reserved.contains(first) {
            log.add("cannot be \(verb)" + (first == "seeds" ? " (use seeds)" : ""), at: mark, path: path)
            return nil
        }
        if let other = others.first(where: { overlaps($0.keys, keys) }) {
            log.add("overlaps \(kind) key \(other.key)", at: mark, path: path)
            return nil
        }
        return keys
    }
}

enum Seeds {
    /// `seeds:` as a list of distinct non-negative integers; nil when absent, null or invalid.
    static func read(_ node: YAMLNode?, log: inout ErrorLog) -> [UInt64]? {
        guard let node else { return nil }
        if node.isNull { return nil }
        guard case let .sequence(items) = node.value, !items.isEmpty else {
            log.add("expected a non-empty list of distinct non-negative integers such as [0, 1, 2], found "
                    + node.foundDescription, at: node.mark, path: "seeds")
            return nil
        }
        var seeds: [UInt64] = []
        var valid = true
        for (i, item) in items.enumerated() {
            switch ValueType.integer(minimum: 0).read(item) {
            case let .success(value):
                let seed = UInt64(value.int ?? 0)
                if seeds.contains(seed) {
                    log.add("duplicate seed \(seed)", at: item.mark, path: KeyPath.index("seeds", i))
                    valid = false
                }
                seeds.append(seed)
            case let .failure(failure):
                log.add(failure.message, at: item.mark, path: KeyPath.index("seeds", i))
                valid = false
            }
        }
        return valid ? seeds : nil
    }
}

/// Folder-safe names: lowercase ASCII letters and digits, runs of anything else become one `-`
/// (the trial folders, and the report's per-variant plots named after them).
public enum Slug {
    public static func make(_ text: String, keeping extra: Set<Character> = []) -> String {
        var out = ""
        for ch in text.lowercased() {
            if (ch.isASCII && (ch.isLetter || ch.isNumber)) || extra.contains(ch) {
                out.append(ch)
            } else if !out.isEmpty, out.last != "-" {
                out.append("-")
            }
        }
        while out.last == "-" { out.removeLast() }
        return out
    }
}
