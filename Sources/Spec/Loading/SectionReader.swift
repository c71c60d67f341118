/// Reads one YAML mapping against a `SectionInfo`-like list of options: type checks every
/// present key, reports unknown and not-applicable keys with hints, and fills in defaults.
struct SectionReader {
    let path: String
    /// The mapping node (or the node that should have been one).
    let node: YAMLNode
    /// Keys in source order with their key and value nodes.
    private(set) var entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []

    /// nil (with an error logged) when `node` is neither a mapping nor null.
    init?(_ node: YAMLNode, path: String, log: inout ErrorLog) {
        self.node = node
        self.path = path
        switch node.value {
        case let .mapping(pairs):
            for pair in pairs {
                guard case let .scalar(key, _) = pair.key.value else {
                    log.add("expected a string key, found \(pair.key.foundDescription)", at: pair.key.mark, path: path)
                    continue
                }
                entries.append((key, pair.key, pair.value))
            }
        case .scalar where node.isNull:
            break
        default:
            log.add("expected a mapping, found \(node.foundDescription)", at: node.mark, path: path)
            return nil
        }
    }

    func value(_ key: String) -> YAMLNode? { entries.first { $0.key == key }?.value }

    /// The value node of `key` unless it is absent or null.
    func present(_ key: String) -> YAMLNode? {
        guard let node = value(key) else { return nil }
        if node.isNull { return nil }
        return node
    }

    /// Checks every key against `options`, returning checked values with static defaults filled in.
    /// `variant` selects which `appliesTo`-restricted options are allowed (nil: skip that check).
    /// Options of type `.custom` are skipped (the caller reads them); required ones missing are reported.
    func read(_ options: [OptionInfo], variant: String? = nil, variantKey: String = "type",
              log: inout ErrorLog) -> [String: OptionValue] {
        var values = options.defaults
        for entry in entries {
            let keyPath = KeyPath.join(path, entry.key)
            guard let option = options.first(where: { $0.key == entry.key }) else {
                log.add(SectionReader.unknownKey(entry.key, options.map(\.key)), at: entry.keyNode.mark, path: keyPath)
                continue
            }
            if let variant, let allowed = option.appliesTo, !allowed.contains(variant) {
                log.add("not applicable to \(variantKey) \(variant) (only \(allowed.joined(separator: ", ")))",
                        at: entry.keyNode.mark, path: keyPath)
                continue
            }
            if case .custom = option.type { continue }
            switch option.type.read(entry.value) {
            case let .success(value): values[entry.key] = value
            case let .failure(failure): log.add(failure.message, at: entry.value.mark, path: keyPath)
            }
        }
        for option in options where option.defaultValue == .required && value(option.key) == nil {
            if let allowed = option.appliesTo, let variant, !allowed.contains(variant) { continue }
            log.add("missing, expected \(option.type.phrase)", at: node.mark, path: KeyPath.join(path, option.key))
        }
        return values
    }

    /// `unknown key, did you mean "epochs"?` or `unknown key, expected one of a, b, c`.
    static func unknownKey(_ key: String, _ known: [String]) -> String {
        if let guess = Suggestion.closest(to: key, in: known) { return "unknown key, did you mean \"\(guess)\"?" }
        return "unknown key, expected one of " + known.joined(separator: ", ")
    }
}
