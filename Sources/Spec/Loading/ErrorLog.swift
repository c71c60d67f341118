/// Collects every problem found while loading, so that one run reports them all.
struct ErrorLog {
    private(set) var errors: [SpecError] = []

    var isEmpty: Bool { errors.isEmpty }
    var count: Int { errors.count }

    mutating func add(_ message: String, at mark: SourceMark?, path: String = "") {
        errors.append(SpecError(message, at: mark, path: path))
    }

    mutating func add(_ error: SpecError) { errors.append(error) }
    mutating func add(contentsOf other: [SpecError]) { errors.append(contentsOf: other) }

    /// Errors without repeats, ordered by file (in `fileOrder`, unknown files last, in order of
    /// appearance), then line and column; errors without a mark come last. Stable otherwise.
    func sorted(fileOrder: [String]) -> [SpecError] {
        var seen = Set<SpecError>()
        let unique = errors.filter { seen.insert($0).inserted }
        var rank: [String: Int] = [:]
        for file in fileOrder where rank[file] == nil { rank[file] = rank.count }
        for error in unique { if let file = error.mark?.file, rank[file] == nil { rank[file] = rank.count } }
        let key = { (e: SpecError) -> [Int] in
            guard let mark = e.mark else { return [Int.max, 0, 0] }
            return [rank[mark.file] ?? Int.max, mark.line, mark.column]
        }
        return unique.enumerated().sorted { a, b in
            let ka = key(a.element), kb = key(b.element)
            return ka != kb ? ka.lexicographicallyPrecedes(kb) : a.offset < b.offset
        }.map(\.element)
    }
}

/// Dotted key paths: `train` + `lr` → `train.lr`; `model.layers` + 3 → `model.layers[3]`.
enum KeyPath {
    static func join(_ parent: String, _ key: String) -> String {
        let key = Printable.escape(key)
        return parent.isEmpty ? key : parent + "." + key
    }

    static func index(_ parent: String, _ i: Int) -> String { "\(parent)[\(i)]" }
}
