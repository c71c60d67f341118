import Foundation

/// Builds one YAML tree from a file and its `extends` chain, then layers command-line overrides
/// on top. Only files named by `extends` are ever read: no includes, environment or code.
struct Composer {
    /// Files in the order they were read (for sorting errors).
    private(set) var files: [String] = []
    var log = ErrorLog()
    /// Reads a file's text, or says why it cannot (missing, not a regular file, unreadable, too large).
    let readFile: (String) -> Result<String, YAMLParser.ReadProblem>

    init(readFile: @escaping (String) -> Result<String, YAMLParser.ReadProblem> = Composer.readFromDisk) {
        self.readFile = readFile
    }

    static func readFromDisk(_ path: String) -> Result<String, YAMLParser.ReadProblem> {
        YAMLParser.readBytes(path, limits: .default).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The merged root mapping of `file` (text given) with every base applied, or nil when the
    /// file itself is unusable. `chain` holds the files currently being composed, with the mark
    /// of the `extends` entry that led to the next one (for cycle reports).
    mutating func compose(text: String, file: String, chain: [(file: String, via: SourceMark)] = []) -> YAMLNode? {
        files.append(file)
        let parsed: YAMLNode?
        do {
            parsed = try YAMLParser.parse(text: text, file: file)
        } catch let errors as SpecErrors {
            log.add(contentsOf: errors.errors)
            return nil
        } catch {
            log.add("\(error)", at: .whole(file))
            return nil
        }
        guard let root = parsed else {
            log.add("empty file, expected a mapping with name, data, model, train", at: SourceMark.whole(file))
            return nil
        }
        guard case let .mapping(pairs) = root.value else {
            log.add("expected a mapping at the top level, found \(root.foundDescription)", at: root.mark)
            return nil
        }
        guard let extendsPair = pairs.first(where: { $0.key.value == .scalar("extends", style: .plain) }) else {
            return root
        }
        let own = YAMLNode(.mapping(pairs.filter { $0.key.value != extendsPair.key.value }), mark: root.mark)
        var merged: YAMLNode?
        for reference in baseReferences(extendsPair.value) {
            let path = Composer.resolve(reference.path, relativeTo: file)
            if let start = chain.firstIndex(where: { $0.file == path }) ?? (path == file ? chain.count : nil) {
                let loop = chain[start...].map(\.file) + [file, path]
                let mark = start < chain.count ? chain[start].via : reference.mark
                log.add("cycle " + loop.joined(separator: " → "), at: mark, path: "extends")
                continue
            }
            let baseText: String
            switch readFile(path) {
            case let .success(text): baseText = text
            case let .failure(problem):
                log.add(problem.missing ? "no such file: \(reference.path)" : "\(reference.path) \(problem.message)",
                        at: reference.mark, path: "extends")
                continue
            }
            guard let base = compose(text: baseText, file: path, chain: chain + [(file, reference.mark)]) else { continue }
            merged = merged.map { Composer.merge($0, base) } ?? base
        }
        return merged.map { Composer.merge($0, own) } ?? own
    }

    /// The entries of an `extends` value: a path or a list of paths.
    private mutating func baseReferences(_ node: YAMLNode) -> [(path: String, mark: SourceMark)] {
        let items: [YAMLNode]
        if case let .sequence(list) = node.value { items = list } else { items = [node] }
        var references: [(String, SourceMark)] = []
        for item in items {
            guard case let .scalar(text, _) = item.value, case .string? = item.typedScalar else {
                log.add("expected a path or a list of paths, found \(item.foundDescription)", at: item.mark, path: "extends")
                continue
            }
            references.append((text, item.mark))
        }
        return references
    }

    /// `reference` relative to the folder of `file`, with `.` and `..` components folded.
    static func resolve(_ reference: String, relativeTo file: String) -> String {
        let folder = (file as NSString).deletingLastPathComponent
        let joined = reference.hasPrefix("/") || folder.isEmpty ? reference : folder + "/" + reference
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(part)
        }
        return (joined.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// Deep merge: mappings merge key by key (a key keeps its first position), anything else in
    /// `top` replaces `base` (lists are replaced, not concatenated).
    static func merge(_ base: YAMLNode, _ top: YAMLNode) -> YAMLNode {
        guard case let .mapping(basePairs) = base.value, case let .mapping(topPairs) = top.value else { return top }
        var pairs = basePairs
        for pair in topPairs {
            if let i = pairs.firstIndex(where: { $0.key.value == pair.key.value }) {
                pairs[i] = (pair.key, merge(pairs[i].value, pair.value))
            } else {
                pairs.append(pair)
            }
        }
        return YAMLNode(.mapping(pairs), mark: top.mark)
    }

    /// A mapping `{k1: {k2: ... value}}` for the dotted key `k1.k2...`; every key node gets `keyMark`.
    static func nest(_ keys: [String], _ value: YAMLNode, keyMark: SourceMark) -> YAMLNode {
        keys.reversed().reduce(value) { inner, key in
            YAMLNode(.mapping([(YAMLNode(.scalar(key, style: .plain), mark: keyMark), inner)]), mark: keyMark)
        }
    }
}

extension SourceMark {
    /// A mark naming a whole input (a file, an override) rather than a position in it;
    /// it prints as just the name.
    static func whole(_ name: String) -> SourceMark { SourceMark(file: name, line: 0, column: 0) }
}
