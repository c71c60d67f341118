/// A command-line `KEY=VALUE` setting, parsed into a one-branch YAML tree to merge on top of a file.
struct Override {
    /// The argument as given, e.g. `train.epochs=5`.
    let text: String
    let keys: [String]
    /// `{k1: {k2: value}}`; every node is marked `override <text>`.
    let tree: YAMLNode
    let mark: SourceMark

    /// Parses `text`, or logs why it cannot be used (nil).
    static func parse(_ text: String, log: inout ErrorLog) -> Override? {
        let mark = SourceMark.whole(markName(text))
        guard let equals = text.firstIndex(of: "=") else {
            log.add("expected KEY=VALUE such as train.epochs=5", at: mark)
            return nil
        }
        let key = String(text[..<equals])
        guard let keys = DottedKey.split(key) else {
            log.add("expected KEY=VALUE with a dotted key such as train.epochs", at: mark)
            return nil
        }
        if let first = keys.first, ["extends", "sweep"].contains(first) {
            log.add("cannot be set from the command line", at: mark, path: key)
            return nil
        }
        let valueText = String(text[text.index(after: equals)...])
        let parsed: YAMLNode?
        do {
            parsed = try YAMLParser.parse(text: valueText, file: "<override>")
        } catch {
            let problems = (error as? SpecErrors)?.errors.map(\.message) ?? ["\(error)"]
            for problem in problems { log.add(problem, at: mark, path: key) }
            return nil
        }
        let value = parsed.map { Override.remark($0, mark) } ?? YAMLNode(.scalar("", style: .plain), mark: mark)
        return Override(text: text, keys: keys, tree: Composer.nest(keys, value, keyMark: mark), mark: mark)
    }

    /// The name errors about this override start with: `override train.epochs=abc`.
    static func markName(_ text: String) -> String { "override " + Printable.escape(text, limit: 80) }

    /// `node` with every mark replaced by `mark` (override values have no useful position).
    private static func remark(_ node: YAMLNode, _ mark: SourceMark) -> YAMLNode {
        switch node.value {
        case .scalar: return YAMLNode(node.value, mark: mark)
        case let .sequence(items): return YAMLNode(.sequence(items.map { remark($0, mark) }), mark: mark)
        case let .mapping(pairs):
            return YAMLNode(.mapping(pairs.map { (remark($0.key, mark), remark($0.value, mark)) }), mark: mark)
        }
    }
}

/// Dotted keys such as `train.optimizer.lr` (used by overrides and sweeps).
enum DottedKey {
    /// The components, or nil when a component is empty or has characters other than
    /// letters, digits, `_` and `-`.
    static func split(_ key: String) -> [String]? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let valid = parts.allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        }
        return valid ? parts : nil
    }

    /// Whether one key is the other or lies inside it (`train` and `train.epochs`).
    static func overlaps(_ a: [String], _ b: [String]) -> Bool {
        let n = min(a.count, b.count)
        return Array(a.prefix(n)) == Array(b.prefix(n))
    }
}
