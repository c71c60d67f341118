import Foundation
import Spec

/// A deterministic share of a sweep: trials sorted by folder name, every `count`-th from `index`.
/// Sorting makes the share independent of the order files are given in.
struct Shard: Equatable, CustomStringConvertible {
    var index: Int
    var count: Int

    static let all = Shard(index: 0, count: 1)

    var description: String { "\(index)/\(count)" }

    /// Parses `INDEX/COUNT` (0-based index).
    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n > 0, (0..<n).contains(i) else { return nil }
        self.init(index: i, count: n)
    }

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The shard from the scheduler's environment: Slurm job arrays (`SLURM_ARRAY_TASK_ID`,
    /// `SLURM_ARRAY_TASK_MIN`, `SLURM_ARRAY_TASK_COUNT`) or Kubernetes Indexed Jobs
    /// (`JOB_COMPLETION_INDEX`, with the count given as `--shard-count`).
    static func fromEnvironment(_ env: [String: String], shardCount: Int?) throws -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) {
            let min = env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            guard let n = shardCount ?? env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init), n > 0, (0..<n).contains(id - min) else {
                throw SpecErrors([SpecError("SLURM_ARRAY_TASK_ID=\(id) does not fit SLURM_ARRAY_TASK_COUNT (or --shard-count)", path: "--shard")])
            }
            return Shard(index: id - min, count: n)
        }
        if let id = env["JOB_COMPLETION_INDEX"].flatMap(Int.init) {
            guard let n = shardCount, n > 0, (0..<n).contains(id) else {
                throw SpecErrors([SpecError("JOB_COMPLETION_INDEX=\(id) needs --shard-count N with N > \(id) (the Job's completions)", path: "--shard-count")])
            }
            return Shard(index: id, count: n)
        }
        return nil
    }

    /// This shard's trials, in their original order.
    func select(_ trials: [Trial]) -> [Trial] {
        let sorted = trials.map(\.slug).sorted()
        let mine = Set(sorted.enumerated().filter { $0.offset % count == index }.map(\.element))
        return trials.filter { mine.contains($0.slug) }
    }
}
