import CYAML

/// Turns libyaml's error state (problem, context and their marks) into one readable `SpecError`.
///
/// Frequent problems get clearer wording (`unclosed flow sequence "[" opened at line 2, column 9`);
/// everything else is libyaml's own text with its context appended: `could not find expected ':'
/// (while scanning a simple key that starts at line 2, column 1)`.
enum LibYAMLError {
    static func describe(_ p: yaml_parser_t, input: [UInt8], file: String) -> SpecError {
        let problem = p.problem.map { String(cString: $0) } ?? "unknown YAML error"
        let context = p.context.map { String(cString: $0) }
        func mark(_ m: yaml_mark_t) -> SourceMark {
            SourceMark(file: file, line: Int(m.line) + 1, column: Int(m.column) + 1)
        }
        let at = mark(p.problem_mark)
        let opened = "line \(p.context_mark.line + 1), column \(p.context_mark.column + 1)"

        switch p.error {
        case YAML_MEMORY_ERROR:
            return SpecError("\(file): out of memory while parsing YAML")
        case YAML_READER_ERROR:
            // Reader errors carry a byte offset instead of a mark.
            let offset = YAMLInputCheck.mark(ofByte: p.problem_offset, in: input, file: file)
            if problem == "control characters are not allowed", p.problem_value >= 0 {
                let code = String(p.problem_value, radix: 16, uppercase: true)
                let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
                return SpecError("control character U+\(padded) is not allowed", at: offset)
            }
            return SpecError(problem, at: offset)
        default:
            break
        }

        if problem == "could not find expected ':'", context == "while scanning a simple key" {
            // libyaml notices on the next line; the key itself is the place to show.
            return SpecError("expected \":\" after this key (mapping entries are written \"key: value\")",
                             at: mark(p.context_mark))
        }
        let found = character(at: p.problem_mark, in: input)
        let atEnd = atEndOfInput(p.problem_mark, input: input)
        let sameMark = p.context_mark.index == p.problem_mark.index
        let message = reworded(problem, context: context, found: found, atEnd: atEnd, opened: opened)
            ?? libyamlWording(problem, context: context, opened: opened, sameMark: sameMark)
        return SpecError(message, at: at)
    }

    /// Clearer text for the problems people actually make; nil to keep libyaml's wording.
    private static func reworded(_ problem: String, context: String?, found: UInt8?, atEnd: Bool,
                                 opened: String) -> String? {
        let shown = found.flatMap { $0 > 0x20 && $0 < 0x7F ? "\"\(Character(Unicode.Scalar($0)))\"" : nil }
        if found == UInt8(ascii: "\t"), problem.contains("tab") || problem == "found character that cannot start any token" {
            return "found a tab character that violates indentation (indent with spaces)"
        }
        for (opener, closer, kind) in [("[", "]", "sequence"), ("{", "}", "mapping")]
        where context == "while parsing a flow \(kind)" && problem.hasPrefix("did not find expected ','") {
            if atEnd { return "unclosed flow \(kind) \"\(opener)\" opened at \(opened)" }
            return "expected \",\" or \"\(closer)\" in the flow \(kind) \"\(opener)\" opened at \(opened)"
        }
        switch (problem, context) {
        case ("mapping values are not allowed in this context", _):
            return "unexpected \":\" (check the indentation, or quote a value that contains \": \")"
        case ("did not find expected key", "while parsing a block mapping"?):
            return "expected a key here, in the mapping that starts at \(opened) (check the indentation, or text after a value)"
        case ("did not find expected '-' indicator", _):
            return "expected a \"- \" item here, in the list that starts at \(opened) (check the indentation)"
        case ("found character that cannot start any token", _):
            guard let shown else { return nil }
            return "\(shown) cannot start a value (put the value in quotes)"
        case ("did not find expected node content", _):
            if atEnd, context == "while parsing a flow node" { return "unexpected end of file: a \"[\" or \"{\" is not closed" }
            if atEnd { return "unexpected end of file, expected a value" }
            guard let shown else { return nil }
            return "expected a value, found \(shown)"
        case ("found unexpected end of stream", "while scanning a quoted scalar"?):
            return "unclosed quoted string that starts at \(opened)"
        default:
            return nil
        }
    }

    /// libyaml's own text, with its context and where that context starts.
    private static func libyamlWording(_ problem: String, context: String?, opened: String, sameMark: Bool) -> String {
        guard let context else { return problem }
        return "\(problem) (\(context)\(sameMark ? "" : " that starts at \(opened)"))"
    }

    /// The byte at a libyaml mark (whose index counts characters, not bytes), if it is ASCII.
    private static func character(at mark: yaml_mark_t, in input: [UInt8]) -> UInt8? {
        var chars = 0
        for byte in input where byte & 0xC0 != 0x80 {
            if chars == mark.index { return byte }
            chars += 1
        }
        return nil
    }

    /// Whether only whitespace and comments remain after the mark.
    private static func atEndOfInput(_ mark: yaml_mark_t, input: [UInt8]) -> Bool {
        var chars = 0
        var inComment = false
        for byte in input where byte & 0xC0 != 0x80 {
            defer { chars += 1 }
            if chars < mark.index { continue }
            switch byte {
            case UInt8(ascii: "#"): inComment = true
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): inComment = false
            case UInt8(ascii: " "), UInt8(ascii: "\t"): break
            default: if !inComment { return false }
            }
        }
        return true
    }
}
