/// Where a YAML node (or any user input) came from: file, 1-based line and column.
public struct SourceMark: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`, or just `file` for a mark with line 0 (one naming a whole input, such as
    /// an empty file or a command-line override).
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One problem with user input: a location (when there is one), the key path that is wrong,
/// and what was expected and found. Printed as one line:
/// `experiments/x.yaml:12:7: model.layers[3].kernel: expected a positive integer, found "five"`.
public struct SpecError: Error, Hashable, Sendable, CustomStringConvertible {
    public var mark: SourceMark?
    /// Dotted key path such as `train.optimizer.lr` or `model.layers[3].kernel`; empty for file-level errors.
    public var path: String
    public var message: String

    public init(_ message: String, at mark: SourceMark? = nil, path: String = "") {
        self.mark = mark
        self.path = path
        self.message = message
    }

    public var description: String {
        var parts: [String] = []
        if let mark { parts.append(mark.description) }
        if !path.isEmpty { parts.append(path) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Every problem found in one pass over the input, in source order. Thrown when non-empty.
public struct SpecErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [SpecError]
    public init(_ errors: [SpecError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
