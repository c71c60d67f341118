import CYAML

/// Drives libyaml's event parser over validated UTF-8 and hands each event to a `YAMLTreeBuilder`.
/// Owns the libyaml parser and event structs and frees them on every path.
enum YAMLEventReader {
    static func read(_ bytes: [UInt8], file: String, limits: YAMLLimits) throws -> YAMLNode? {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw SpecErrors([SpecError("\(file): out of memory while starting the YAML parser")])
        }
        defer { yaml_parser_delete(parser) }

        var builder = YAMLTreeBuilder(file: file, limits: limits)
        try bytes.withUnsafeBufferPointer { buffer in
            // libyaml needs a non-null pointer even for empty input.
            let empty: [UInt8] = [0]
            try empty.withUnsafeBufferPointer { fallback in
                let base = buffer.baseAddress ?? fallback.baseAddress!
                yaml_parser_set_input_string(parser, base, buffer.count)
                yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
                var event = yaml_event_t()
                while true {
                    guard yaml_parser_parse(parser, &event) == 1 else {
                        let error = LibYAMLError.describe(parser.pointee, input: bytes, file: file)
                        throw builder.finish(with: error)
                    }
                    let done = event.type == YAML_STREAM_END_EVENT
                    let outcome = Result { try builder.handle(event) }
                    yaml_event_delete(&event)
                    try outcome.get()
                    if done { break }
                }
            }
        }
        return try builder.result()
    }
}

/// Builds the node tree from parser events with an explicit stack (no recursion), enforcing the
/// depth and alias budgets, one document per file, no tags, and unique mapping keys.
struct YAMLTreeBuilder {
    /// An open collection: its mark, anchor, children so far, and node count (aliases expanded).
    private struct Frame {
        var isMapping: Bool
        var mark: SourceMark
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        var firstKeyMarks: [String: SourceMark] = [:]
        var size = 1
    }

    let file: String
    let limits: YAMLLimits
    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var aliasNodes = 0
    private var documents = 0
    private var root: YAMLNode?
    /// Problems that do not stop the parse (duplicate keys, tags), in source order.
    private var errors: [SpecError] = []

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
    }

    func mark(_ m: yaml_mark_t) -> SourceMark {
        SourceMark(file: file, line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    /// The errors collected so far followed by a fatal one.
    func finish(with fatal: SpecError) -> SpecErrors { SpecErrors(errors + [fatal]) }

    func result() throws -> YAMLNode? {
        if !errors.isEmpty { throw SpecErrors(errors) }
        return root
    }

    mutating func handle(_ event: yaml_event_t) throws {
        let at = mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw finish(with: SpecError("expected one YAML document per file, found a second one", at: at))
            }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            checkTag(s.tag, at: at)
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            let style: ScalarStyle = s.style == YAML_PLAIN_SCALAR_STYLE ? .plain : .quoted
            let node = YAMLNode(.scalar(text, style: style), mark: at)
            remember(anchor: s.anchor, node: node, size: 1)
            try attach(node, size: 1)
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            guard let target = anchors[name] else {
                throw finish(with: SpecError("unknown alias *\(name) (no anchor &\(name) before it)", at: at))
            }
            aliasNodes += target.size
            if aliasNodes > limits.maxAliasExpansion {
                throw finish(with: SpecError(
                    "alias *\(name) expands beyond the limit of \(limits.maxAliasExpansion) aliased nodes", at: at))
            }
            try attach(YAMLNode(target.node.value, mark: at), size: target.size)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
            let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            checkTag(tag, at: at)
            if stack.count >= limits.maxDepth {
                throw finish(with: SpecError("nesting deeper than \(limits.maxDepth) levels", at: at))
            }
            stack.append(Frame(isMapping: isMapping, mark: at, anchor: anchor.map { String(cString: $0) }))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return }
            let value: YAMLValue = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
            let node = YAMLNode(value, mark: frame.mark)
            if let name = frame.anchor { anchors[name] = (node, frame.size) }
            try attach(node, size: frame.size)
        default:
            break  // stream start/end, document end: nothing to build
        }
    }

    private mutating func checkTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, at: SourceMark) {
        guard let tag else { return }
        var text = String(cString: tag)
        let core = "tag:yaml.org,2002:"
        if text.hasPrefix(core) { text = "!!" + text.dropFirst(core.count) }
        errors.append(SpecError("tag \(text) is not allowed (experiment files hold plain data)", at: at))
    }

    private mutating func remember(anchor: UnsafeMutablePointer<yaml_char_t>?, node: YAMLNode, size: Int) {
        if let anchor { anchors[String(cString: anchor)] = (node, size) }
    }

    /// Adds a finished node to the open collection (as item, key or value), or makes it the root.
    private mutating func attach(_ node: YAMLNode, size: Int) throws {
        guard var top = stack.popLast() else {
            root = node
            return
        }
        top.size += size
        if !top.isMapping {
            top.items.append(node)
        } else if let key = top.pendingKey {
            top.pairs.append((key: key, value: node))
            top.pendingKey = nil
        } else {
            guard case let .scalar(text, _) = node.value else {
                stack.append(top)
                throw finish(with: SpecError("expected a string as mapping key, found \(node.kindName)", at: node.mark))
            }
            if let first = top.firstKeyMarks[text] {
                errors.append(SpecError(
                    "duplicate key \(quotedForMessage(text)) (first at line \(first.line), column \(first.column))",
                    at: node.mark))
            } else {
                top.firstKeyMarks[text] = node.mark
            }
            top.pendingKey = node
        }
        stack.append(top)
    }
}
