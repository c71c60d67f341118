/// Differences between two resolved specs, key by key on their canonical trees.
public enum SpecDiff {
    /// One line per differing leaf: `key.path: old → new`, values as in canonical YAML (flow
    /// style for lists and mappings; `(absent)` when a key or list item exists on one side only).
    public static func diff(_ a: ExperimentSpec, _ b: ExperimentSpec) -> [String] {
        var lines: [String] = []
        compare(Canonical.node(a), Canonical.node(b), path: "", into: &lines)
        return lines
    }

    private static func compare(_ a: YAMLNode?, _ b: YAMLNode?, path: String, into lines: inout [String]) {
        switch (a?.value, b?.value) {
        case let (.mapping(x)?, .mapping(y)?):
            let keys = x.map(\.key) + y.map(\.key).filter { k in !x.contains { $0.key == k } }
            for key in keys {
                let left = x.first { $0.key == key }?.value
                let right = y.first { $0.key == key }?.value
                compare(left, right, path: KeyPath.join(path, Canonical.inline(key)), into: &lines)
            }
        case let (.sequence(x)?, .sequence(y)?) where isStructured(x) || isStructured(y):
            for i in 0..<max(x.count, y.count) {
                compare(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, path: KeyPath.index(path, i), into: &lines)
            }
        default:
            guard a != b else { return }
            lines.append("\(path): \(a.map(Canonical.inline) ?? "(absent)") → \(b.map(Canonical.inline) ?? "(absent)")")
        }
    }

    /// Lists of mappings (layers) are compared item by item; lists of scalars as one value.
    private static func isStructured(_ items: [YAMLNode]) -> Bool {
        items.contains { if case .mapping = $0.value { true } else { false } }
    }
}
