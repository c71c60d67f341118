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

extension SpecDiff {
    /// The leaves of a canonical tree, in document order: `key.path` and the value as canonical
    /// YAML writes it inline (lists of scalars as one flow value, lists of mappings item by item:
    /// `model.layers[2].out`). What `runner report`'s differing-keys view and TensorBoard's
    /// hparams are made of.
    public static func leaves(_ node: YAMLNode, path: String = "") -> [(path: String, value: String, scalar: YAMLScalar?)] {
        switch node.value {
        case let .mapping(pairs):
            return pairs.flatMap { leaves($0.value, path: KeyPath.join(path, Canonical.inline($0.key))) }
        case let .sequence(items) where isStructured(items):
            return items.enumerated().flatMap { leaves($0.element, path: KeyPath.index(path, $0.offset)) }
        default:
            return [(path, Canonical.inline(node), node.typedScalar)]
        }
    }

    /// The leaves of a resolved spec's canonical tree.
    public static func leaves(_ spec: ExperimentSpec) -> [(path: String, value: String, scalar: YAMLScalar?)] {
        leaves(Canonical.node(spec))
    }
}
