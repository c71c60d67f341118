import Foundation

/// Exclusive ownership of a trial's results folder, so two runners never train into it at once.
///
/// An advisory `flock` on `<folder>/.lock`, which holds the owner's PID for the error message.
/// The lock belongs to the open file description: it is released by `release()`, on deinit, and by
/// the kernel when the process dies, so a crashed runner never leaves a stale lock behind.
public final class TrialLock {
    public let folder: String
    private var descriptor: Int32

    private init(folder: String, descriptor: Int32) {
        self.folder = folder
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Locks `folder` (created if missing), or throws `TrialLockError.held` naming the owner's PID.
    public static func acquire(folder: String) throws -> TrialLock {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw TrialLockError.system(folder: folder, action: "cannot create the folder",
                                        reason: (error as NSError).localizedDescription)
        }
        let path = folder + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrialLockError.system(folder: folder, action: "cannot open .lock", reason: errnoText())
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            let owner = readPID(fd)
            close(fd)
            if code == EWOULDBLOCK { throw TrialLockError.held(folder: folder, pid: owner) }
            throw TrialLockError.system(folder: folder, action: "cannot lock .lock", reason: String(cString: strerror(code)))
        }
        let record = Array("\(getpid())\n".utf8)
        let written = ftruncate(fd, 0) == 0 ? pwrite(fd, record, record.count, 0) : -1
        guard written == record.count else {
            let reason = errnoText()
            close(fd)
            throw TrialLockError.system(folder: folder, action: "cannot write .lock", reason: reason)
        }
        return TrialLock(folder: folder, descriptor: fd)
    }

    /// Unlocks; the `.lock` file stays (removing it would race with a runner opening it).
    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    public var isHeld: Bool { descriptor >= 0 }

    /// The PID written by the current holder, if readable.
    private static func readPID(_ fd: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &bytes, bytes.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: bytes[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Why a trial folder could not be locked; `description` is the one line the CLI prints.
public enum TrialLockError: Error, Equatable, CustomStringConvertible {
    /// Another process holds the lock (`pid` nil if it had not yet written its PID).
    case held(folder: String, pid: Int32?)
    case system(folder: String, action: String, reason: String)

    public var description: String {
        switch self {
        case let .held(folder, pid?): "\(folder): in use by another runner (pid \(pid))"
        case let .held(folder, nil): "\(folder): in use by another runner"
        case let .system(folder, action, reason): "\(folder): \(action): \(reason)"
        }
    }
}
