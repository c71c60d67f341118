import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A test hook in the file layer: with `RUNNER_FAULT=fail:K` the K-th file operation of the
/// process (1-based, counting every write, fsync, rename and removal `AtomicFile` makes) fails
/// with an error; with `RUNNER_FAULT=kill:K` the process kills itself with SIGKILL there, before
/// the operation happens. Without the variable (every normal run) it does nothing but count.
///
/// Tests walk K over every operation of a run to prove that a rerun always repairs what a
/// failure or a crash at that point left behind.
public enum FaultInjection {
    public enum Mode: String, Sendable { case fail, kill }

    /// The configured fault, read once from the environment.
    static let planned: (mode: Mode, at: Int)? = {
        guard let text = ProcessInfo.processInfo.environment["RUNNER_FAULT"] else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let mode = Mode(rawValue: String(parts[0])), let k = Int(parts[1]), k >= 1 else { return nil }
        return (mode, k)
    }()

    private static let counter = Counter()

    /// Counts one file operation (`what`, on `path`); throws or kills when it is the planned one.
    static func point(_ what: String, path: String) throws {
        guard let planned else { return }
        guard counter.next() == planned.at else { return }
        switch planned.mode {
        case .kill:
            kill(getpid(), SIGKILL)
            // SIGKILL cannot be caught; wait for it to land.
            while true { pause() }
        case .fail:
            throw ReportError("\(path): could not \(what): injected failure (RUNNER_FAULT=fail:\(planned.at))")
        }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock(); defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
