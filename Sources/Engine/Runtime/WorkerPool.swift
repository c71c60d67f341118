import Foundation
import Synchronization

/// Persistent worker threads that run one job at a time, each worker on its own thread index.
///
/// The caller runs index 0 itself; workers spin briefly waiting for the next job (steps arrive
/// every few hundred microseconds), then sleep on a condition variable so idle networks cost no CPU.
/// `run` allocates nothing when its closure captures only one class reference.
///
/// Of the `capacity` threads, the first `threads` take part in jobs; the rest sleep without spinning
/// (a sweep widens a trial to the cores other trials have freed). Change `threads` only between jobs.
final class WorkerPool: @unchecked Sendable {
    let capacity: Int
    private let shared: Shared

    init(threads: Int) {
        precondition(threads >= 1, "need at least one thread")
        capacity = threads
        shared = Shared()
        shared.active.store(threads, ordering: .relaxed)
        for index in 1..<max(threads, 1) {
            let shared = self.shared
            let thread = Thread { shared.workerLoop(index: index) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { shared.stop(workers: capacity - 1) }

    /// Threads taking part in jobs, 1...capacity.
    var threads: Int {
        get { shared.active.load(ordering: .relaxed) }
        set {
            precondition(newValue >= 1 && newValue <= capacity, "threads \(newValue) outside 1...\(capacity)")
            guard newValue != threads else { return }
            shared.active.store(newValue, ordering: .relaxed)
            shared.publish()  // parked workers re-read `threads` (and go back to sleep if still idle)
        }
    }

    /// Thread t's share of 0..<count in whole granules (the last one possibly short): granules
    /// `t·G/T ..< (t+1)·G/T` of the G = ⌈count/granule⌉ (the split `run` uses).
    @inline(__always)
    static func slice(_ t: Int, of count: Int, threads: Int, granule: Int = 1) -> Range<Int> {
        let units = (count + granule - 1) / granule
        return min(count, t * units / threads * granule)..<min(count, (t + 1) * units / threads * granule)
    }

    /// Runs `body(t)` on every thread t as one SPMD region (see `Pass`): inside it,
    /// `regionThread` is t and `barrier()` synchronizes the threads.
    func region(_ body: @escaping (Int) -> Void) {
        shared.regionBody = body
        run(count: threads) { [shared] t, _ in
            WorkerPool.setRegionThread(t)
            shared.regionBody?(t)
            WorkerPool.setRegionThread(nil)
        }
        shared.regionBody = nil
    }

    /// The calling thread's index inside a region, nil outside.
    @inline(__always)
    static var regionThread: Int? {
        let bits = Int(bitPattern: pthread_getspecific(regionKey))
        return bits == 0 ? nil : bits - 1
    }

    private static func setRegionThread(_ t: Int?) {
        pthread_setspecific(regionKey, UnsafeRawPointer(bitPattern: t.map { $0 + 1 } ?? 0))
    }

    private static let regionKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Waits until every thread of the running region has arrived (sense-reversing spin barrier;
    /// yields the core while waiting long, e.g. when the other vCPU is descheduled).
    func barrier() {
        if threads == 1 { return }
        let phase = shared.barrierPhase.load(ordering: .acquiring)
        if shared.barrierArrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == threads {
            shared.barrierArrived.store(0, ordering: .relaxed)
            shared.barrierPhase.wrappingAdd(1, ordering: .releasing)
            return
        }
        var spins = 0
        while shared.barrierPhase.load(ordering: .acquiring) == phase {
            spins += 1
            if spins > 2_000 { sched_yield() }
        }
    }

    /// Runs `body(t, range_t)` for t in 0..<threads concurrently, range_t = `slice(t, of: count, …)`,
    /// and returns when all are done.
    /// Allocation-free when `body` captures a single class reference (e.g. `[self]`): Swift then
    /// uses that object as the closure context, so only a retain/release happens per call.
    /// (A non-escaping body would need `withoutActuallyEscaping`, which boxes the context.)
    @inline(never)
    func run(count: Int, granule: Int = 1, _ body: @escaping (Int, Range<Int>) -> Void) {
        if threads == 1 { body(0, 0..<count); return }
        shared.job = body
        shared.count = count
        shared.granule = granule
        shared.remaining.store(threads - 1, ordering: .relaxed)
        shared.publish()
        body(0, WorkerPool.slice(0, of: count, threads: threads, granule: granule))
        var spins = 0
        while shared.remaining.load(ordering: .acquiring) != 0 {
            spins += 1
            if spins > 2_000 { sched_yield() }
        }
        shared.job = nil
    }

    /// State shared with the workers (they keep it alive until they exit).
    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let remaining = Atomic<Int>(0)
        let barrierArrived = Atomic<Int>(0)
        let barrierPhase = Atomic<Int>(0)
        var regionBody: ((Int) -> Void)?
        var job: ((Int, Range<Int>) -> Void)?
        var count = 0, granule = 1
        /// Threads taking part in jobs (written only between jobs, published by `generation`).
        let active = Atomic<Int>(1)
        var threads: Int { active.load(ordering: .relaxed) }
        var stopping = false
        let mutex: UnsafeMutablePointer<pthread_mutex_t>
        let condition: UnsafeMutablePointer<pthread_cond_t>

        /// Spin iterations (a few tens of microseconds) before a worker goes to sleep.
        let spinLimit = 20_000

        init() {
            mutex = .allocate(capacity: 1)
            condition = .allocate(capacity: 1)
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(condition, nil)
        }

        deinit {
            pthread_mutex_destroy(mutex)
            pthread_cond_destroy(condition)
            mutex.deallocate()
            condition.deallocate()
        }

        func publish() {
            pthread_mutex_lock(mutex)
            generation.wrappingAdd(1, ordering: .releasing)
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }

        func stop(workers: Int) {
            stopping = true
            active.store(workers + 1, ordering: .relaxed)
            remaining.store(workers, ordering: .relaxed)
            publish()
        }

        func workerLoop(index: Int) {
            CPUSetup.flushDenormalsToZero()
            var seen = 0
            while true {
                var spins = 0
                while generation.load(ordering: .acquiring) == seen {
                    spins += 1
                    if spins > spinLimit || index >= threads {  // idle workers do not spin
                        pthread_mutex_lock(mutex)
                        while generation.load(ordering: .acquiring) == seen {
                            pthread_cond_wait(condition, mutex)
                        }
                        pthread_mutex_unlock(mutex)
                    }
                }
                seen = generation.load(ordering: .acquiring)
                if stopping { return }
                if index >= threads || job == nil { continue }  // not in this job (or a `threads` change)
                job?(index, WorkerPool.slice(index, of: count, threads: threads, granule: granule))
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }
}
