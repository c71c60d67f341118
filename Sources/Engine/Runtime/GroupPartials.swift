/// Per-group partial gradients of one parameter (see `reductionGroup`): the thread that owns
/// group g writes partial g, and `reduce` adds the batch's partials to `grad` in group order —
/// the same sums in the same order for any thread count.
final class GroupPartials {
    let grad: UnsafeMutablePointer<Float>
    let count: Int
    /// [maxGroups][count].
    private let storage: UnsafeMutablePointer<Float>
    /// The groups of the pass being reduced outside a region (read by the parallel body).
    private var groups = 0

    init(_ parameter: Parameter, maxGroups: Int) {
        grad = parameter.grad.data
        count = parameter.grad.count
        storage = .zeroed(count * maxGroups)
    }

    deinit { storage.deallocate() }

    /// Where the owner of `group` writes its partial (overwriting it).
    @inline(__always)
    func target(_ group: Int) -> UnsafeMutablePointer<Float> { storage + group * count }

    /// grad += partial_0 + partial_1 + … over the pass's groups, elements split over the threads.
    /// In a region the reduction is deferred to the end of the backward pass (nobody reads
    /// parameter gradients before), where all of them run after a single barrier.
    func reduce(_ pass: Pass) {
        if WorkerPool.regionThread != nil {
            if pass.isLead { pass.deferred.append(self) }
            return
        }
        groups = pass.groups
        pass.parallel(count: count) { [self] _, range in reduce(range, groups: groups) }
    }

    /// Thread t's share of the reduction (after every group's partial is written).
    func reduce(thread t: Int, threads: Int, groups: Int) {
        reduce(WorkerPool.slice(t, of: count, threads: threads), groups: groups)
    }

    private func reduce(_ range: Range<Int>, groups: Int) {
        for g in 0..<groups {
            let src = storage + g * count
            for i in range { grad[i] += src[i] }
        }
    }
}
