import CYAML

/// Writes a `YAMLNode` as a block-style YAML document through libyaml's emitter.
///
/// Layout rules (deterministic, so emitted text can be hashed):
/// - mappings are block style, keys in the node's order;
/// - a list of 1 to 8 scalars, none empty or containing a line break, is one flow line
///   (`betas: [0.9, 0.999]`); every other list is block style (`- item`);
/// - a plain scalar is written plain (libyaml quotes it if plain is impossible there);
/// - a quoted scalar is written plain when that still reads back as a string, in double quotes
///   otherwise (`"5"`, `"true"`, `"null"`, `""`, `"yes"`, `"0x1F"`), and always in double quotes
///   when it holds a line break, tab or control character.
///
/// Parsing the output gives a node with the same content (`sameContent(as:)`): same types and
/// values, though a quoted string may come back plain.
public enum YAMLEmitter {
    /// Emits a node as a block-style YAML document, ending in a newline.
    public static func emit(_ node: YAMLNode) -> String {
        let output = OutputBuffer()
        let emitter = UnsafeMutablePointer<yaml_emitter_t>.allocate(capacity: 1)
        defer { emitter.deallocate() }
        // Failure here and below means an out-of-order event or no memory: a bug, not bad input
        // (Swift strings are always valid UTF-8, the only thing libyaml checks in content).
        guard yaml_emitter_initialize(emitter) == 1 else { preconditionFailure("yaml_emitter_initialize failed") }
        defer { yaml_emitter_delete(emitter) }
        yaml_emitter_set_unicode(emitter, 1)
        yaml_emitter_set_width(emitter, -1)
        yaml_emitter_set_indent(emitter, 2)
        let context = Unmanaged.passUnretained(output).toOpaque()
        yaml_emitter_set_output(emitter, { data, buffer, size in
            guard let data, let buffer else { return 0 }
            let out = Unmanaged<OutputBuffer>.fromOpaque(data).takeUnretainedValue()
            out.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
            return 1
        }, context)

        let writer = EventWriter(emitter: emitter)
        writer.send { yaml_stream_start_event_initialize(&$0, YAML_UTF8_ENCODING) }
        writer.send { yaml_document_start_event_initialize(&$0, nil, nil, nil, 1) }
        writer.write(node)
        writer.send { yaml_document_end_event_initialize(&$0, 1) }
        writer.send { yaml_stream_end_event_initialize(&$0) }
        guard yaml_emitter_flush(emitter) == 1 else { preconditionFailure("yaml_emitter_flush failed") }
        return String(decoding: output.bytes, as: UTF8.self)
    }

    /// Whether a string must be quoted to read back as a string: it would resolve to another type
    /// under YAML 1.2 (`5`, `true`, `null`, empty), is a YAML 1.1 boolean (`yes`, `off`), or starts
    /// like a number (`0x1F`, `1_000`, `-.5e`), which other YAML readers may take for one.
    static func needsQuotes(_ text: String) -> Bool {
        if case .string = YAMLScalar.resolve(text, plain: true) {} else { return true }
        switch text.lowercased() {
        case "y", "n", "yes", "no", "on", "off": return true
        default: break
        }
        let b = Array(text.utf8.prefix(3))
        func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= 0x30 && b[i] <= 0x39 }
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1 }
        return isDigit(i)
    }

    /// True when a string cannot be written as a single-line plain or simply quoted scalar.
    static func needsEscapes(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }

    static let maxFlowItems = 8

    /// Whether a list is written on one line: 1...8 scalars, none empty or containing a line break.
    static func isFlowList(_ items: [YAMLNode]) -> Bool {
        guard !items.isEmpty, items.count <= maxFlowItems else { return false }
        return items.allSatisfy { item in
            guard let text = item.scalar else { return false }
            return !text.isEmpty && !needsEscapes(text)
        }
    }
}

/// Collects the bytes libyaml writes.
private final class OutputBuffer {
    var bytes: [UInt8] = []
}

/// Sends events for a node tree to a libyaml emitter.
private struct EventWriter {
    let emitter: UnsafeMutablePointer<yaml_emitter_t>

    /// Builds one event and hands it to the emitter, which takes ownership of it.
    func send(_ build: (inout yaml_event_t) -> Int32) {
        var event = yaml_event_t()
        guard build(&event) == 1 else { preconditionFailure("libyaml could not build an event") }
        guard yaml_emitter_emit(emitter, &event) == 1 else {
            let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "unknown"
            preconditionFailure("libyaml emitter failed: \(problem)")
        }
    }

    /// Writes a node; `inBlock` is true for a block mapping value or block list item, the only
    /// places where libyaml writes an empty plain scalar as nothing at all.
    func write(_ node: YAMLNode, inBlock: Bool = false) {
        switch node.value {
        case let .scalar(text, style):
            // An empty plain scalar is null; elsewhere (root, key) it must be spelled out.
            writeScalar(text.isEmpty && style == .plain && !inBlock ? "null" : text, style: style)
        case let .sequence(items):
            let flow = YAMLEmitter.isFlowList(items)
            let style = flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE
            send { yaml_sequence_start_event_initialize(&$0, nil, nil, 1, style) }
            for item in items { write(item, inBlock: !flow) }
            send { yaml_sequence_end_event_initialize(&$0) }
        case let .mapping(pairs):
            send { yaml_mapping_start_event_initialize(&$0, nil, nil, 1, YAML_BLOCK_MAPPING_STYLE) }
            for pair in pairs {
                write(pair.key)
                write(pair.value, inBlock: true)
            }
            send { yaml_mapping_end_event_initialize(&$0) }
        }
    }

    private func writeScalar(_ text: String, style: ScalarStyle) {
        let chosen: yaml_scalar_style_t
        if YAMLEmitter.needsEscapes(text) || (style == .quoted && YAMLEmitter.needsQuotes(text)) {
            chosen = YAML_DOUBLE_QUOTED_SCALAR_STYLE
        } else {
            chosen = YAML_PLAIN_SCALAR_STYLE
        }
        var bytes = Array(text.utf8)
        bytes.append(0)
        send { event in
            bytes.withUnsafeBufferPointer {
                yaml_scalar_event_initialize(&event, nil, nil, $0.baseAddress, Int32($0.count - 1), 1, 1, chosen)
            }
        }
    }
}
