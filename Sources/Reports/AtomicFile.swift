import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader sees either the old content or the new one, never a partial file.
///
/// The data goes to a temporary file in the same folder, which is flushed (`fsync`), renamed over
/// the destination, and the folder itself is flushed so the rename survives a crash.
public enum AtomicFile {
    /// Writes `data` to `path` atomically; the folder must exist.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temp = folder + "/." + url.lastPathComponent + temporaryMarker + "\(getpid())-\(TempCounter.next())"
        try FaultInjection.point("write", path: path)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "could not create a temporary file") }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc_write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        var injected: (any Error)?
        if ok { do { try FaultInjection.point("fsync", path: path) } catch { injected = error } }
        ok = ok && injected == nil && fsync(fd) == 0
        let saved = errno
        close(fd)
        if let injected { unlink(temp); throw injected }
        guard ok else { unlink(temp); errno = saved; throw failure(path, "could not write") }
        do { try FaultInjection.point("rename", path: path) } catch { unlink(temp); throw error }
        guard rename(temp, path) == 0 else {
            let saved = errno
            unlink(temp); errno = saved
            throw failure(path, "could not replace the file")
        }
        try syncFolder(folder)
    }

    /// Removes the file at `path` if it exists (and flushes its folder); a missing file is fine.
    public static func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FaultInjection.point("remove", path: path)
        guard unlink(path) == 0 || errno == ENOENT else { throw failure(path, "could not remove the file") }
        try syncFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Removes the temporary files that runs which died mid-write left in `folder` (those whose
    /// process is gone); temporaries of live processes, this one included, stay.
    public static func removeStaleTemporaries(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: temporaryMarker, options: .backwards),
                  let pid = Int32(name[marker.upperBound...].split(separator: "-").first ?? "") else { continue }
            if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH {
                unlink(folder + "/" + name)
            }
        }
    }

    /// Temporary files are named `.<file>.tmp-<pid>-<n>` beside their destination.
    static let temporaryMarker = ".tmp-"

    private static func syncFolder(_ folder: String) throws {
        try FaultInjection.point("fsync", path: folder.isEmpty ? "." : folder)
        let dirFD = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Writes `value` as pretty-printed JSON with sorted keys (see `ReportJSON`) atomically.
    public static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        let data: Data
        do { data = try ReportJSON.encode(value) } catch {
            throw ReportError("\(path): could not encode JSON: \(error)")
        }
        try write(data, to: path)
    }

    private static func failure(_ path: String, _ what: String) -> ReportError {
        ReportError("\(path): \(what): \(String(cString: strerror(errno)))")
    }

    private static func Glibc_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, buffer, count)
        #else
        return Darwin.write(fd, buffer, count)
        #endif
    }
}

/// Process-wide counter that keeps temporary names unique between threads.
private final class TempCounter: @unchecked Sendable {
    private static let shared = TempCounter()
    private let lock = NSLock()
    private var value = 0

    static func next() -> Int {
        shared.lock.lock(); defer { shared.lock.unlock() }
        shared.value += 1
        return shared.value
    }
}

/// The JSON conventions of result files: pretty, sorted keys, non-finite numbers as strings.
public enum ReportJSON {
    /// Encodes `value` deterministically (same value → same bytes), ending with a newline.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value) + Data("\n".utf8)
    }

    /// Decodes `data` written by `encode`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: data)
    }
}
