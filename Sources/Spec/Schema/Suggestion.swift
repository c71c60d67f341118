/// "Did you mean …?" hints for misspelled keys, layer types, model names and enum values.
public enum Suggestion {
    /// The closest candidate within edit distance 2, one that extends (or is extended by) the
    /// input as a prefix, or one whose word initials the input is (`wd` → `weight_decay`);
    /// nil when nothing is close. Ties go to the earlier candidate.
    public static func closest(to input: String, in candidates: [String]) -> String? {
        let word = input.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != input {
            let other = candidate.lowercased()
            let initials = String(other.split(whereSeparator: { $0 == "_" || $0 == "-" }).compactMap(\.first))
            let distance = initials.count > 1 && initials == word ? 0 : editDistance(word, other)
            let isPrefix = !word.isEmpty && (other.hasPrefix(word) || word.hasPrefix(other))
            guard distance <= 2 || isPrefix else { continue }
            if let current = best, current.distance <= distance { continue }
            best = (candidate, distance)
        }
        return best?.candidate
    }

    /// `, did you mean "x"?` or the empty string.
    public static func hint(for input: String, in candidates: [String]) -> String {
        closest(to: input, in: candidates).map { ", did you mean \"\($0)\"?" } ?? ""
    }

    /// Levenshtein distance (insertions, deletions and substitutions each cost 1).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
