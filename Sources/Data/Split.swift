import Engine

/// Deterministic train/validation splits.
public enum Split {
    /// Splits `0..<count` with a seeded permutation: the first `validation` entries of
    /// `Random(seed: seed, stream: "split").permutation(count)` are the validation set, the rest
    /// training. Both parts are returned in ascending order (batch order comes from
    /// `BatchLoader.shuffle`), so the split depends only on (count, validation, seed).
    /// `validation` must be in 0...count; callers check user settings against the dataset first.
    public static func trainValidation(count: Int, validation: Int, seed: UInt64) -> (train: [Int], validation: [Int]) {
        precondition(validation >= 0 && validation <= count, "validation size \(validation) outside 0...\(count)")
        var rng = Random(seed: seed, stream: "split")
        let order = rng.permutation(count)
        return (Array(order[validation...]).sorted(), Array(order[..<validation]).sorted())
    }
}
