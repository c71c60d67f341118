import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small POSIX file helpers (no Foundation): existence checks and whole-file reads.
enum FileBytes {
    enum Kind { case missing, file, directory }

    /// What `path` is, following symbolic links.
    static func kind(_ path: String) -> Kind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        return (st.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
    }

    /// Opens `path` for reading and checks that it is a regular file; returns the descriptor
    /// (the caller closes it) and the file's size.
    private static func openRegular(_ path: String) throws -> (fd: Int32, size: Int) {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(path: path, describe(errno: errno)) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw DataError(path: path, describe(errno: code))
        }
        let problem: String?
        switch st.st_mode & S_IFMT {
        case S_IFREG: problem = nil
        case S_IFDIR: problem = "is a directory, expected a regular file"
        case S_IFIFO: problem = "is a FIFO (named pipe), expected a regular file"
        case S_IFCHR, S_IFBLK: problem = "is a device, expected a regular file"
        case S_IFSOCK: problem = "is a socket, expected a regular file"
        default: problem = "is not a regular file"
        }
        if let problem {
            close(fd)
            throw DataError(path: path, problem)
        }
        return (fd, Int(st.st_size))
    }

    /// The whole content of the file at `path`.
    static func contents(of path: String) throws -> [UInt8] {
        let (fd, size) = try openRegular(path)
        defer { close(fd) }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = 0
            while initialized < size {
                let n = read(fd, buffer.baseAddress! + initialized, size - initialized)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }  // the file shrank while we read it
                initialized += n
            }
        }
        if failure != 0 { throw DataError(path: path, describe(errno: failure)) }
        return bytes
    }

    static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "file not found"
        case EACCES: return "permission denied"
        default: return "cannot read: " + String(cString: strerror(code))
        }
    }

    /// The CRC-32 (zlib) of `bytes`.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt = CZlib.crc32(0, nil, 0)
        bytes.withUnsafeBufferPointer { buf in
            var offset = 0
            while offset < buf.count {
                let n = min(buf.count - offset, 1 << 30)
                crc = CZlib.crc32(crc, buf.baseAddress! + offset, UInt32(n))
                offset += n
            }
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// `crc` continued over `bytes` (zlib's running CRC-32).
    static func crc32(_ crc: UInt, _ bytes: UnsafeRawBufferPointer) -> UInt {
        var crc = crc, offset = 0
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return crc }
        while offset < bytes.count {
            let n = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, base + offset, UInt32(n))
            offset += n
        }
        return crc
    }

    /// The CRC-32 of the file at `path` as 8 lowercase hex digits (dataset fingerprints), read
    /// 4 MiB at a time (a dataset file is never held in memory for its fingerprint).
    static func crc32Hex(of path: String) throws -> String {
        let (fd, _) = try openRegular(path)
        defer { close(fd) }
        let chunk = 1 << 22
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        defer { buffer.deallocate() }
        var crc: UInt = CZlib.crc32(0, nil, 0)
        while true {
            let n = read(fd, buffer, chunk)
            if n < 0 {
                if errno == EINTR { continue }
                throw DataError(path: path, describe(errno: errno))
            }
            if n == 0 { break }
            crc = CZlib.crc32(crc, buffer, UInt32(n))
        }
        return String(hex8(UInt32(truncatingIfNeeded: crc)).dropFirst(2))
    }

    /// A file mapped read-only into memory. Its pages count as resident only while touched and
    /// not given back: `release` returns a range the reader is done with to the kernel (a
    /// re-read would fault it in again from the file), so copying a large file out of the
    /// mapping chunk by chunk never holds it twice.
    final class Mapped {
        let path: String
        let bytes: UnsafeRawBufferPointer
        private static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

        init(path: String) throws {
            self.path = path
            let (fd, size) = try openRegular(path)
            defer { close(fd) }
            guard size > 0 else {
                bytes = UnsafeRawBufferPointer(start: nil, count: 0)
                return
            }
            guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
                throw DataError(path: path, FileBytes.describe(errno: errno))
            }
            bytes = UnsafeRawBufferPointer(start: base, count: size)
        }

        deinit {
            if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
        }

        /// Gives back the whole pages inside `range` (no-op for a range shorter than a page).
        func release(_ range: Range<Int>) {
            guard let base = bytes.baseAddress else { return }
            let start = (range.lowerBound + Self.page - 1) / Self.page * Self.page
            let end = range.upperBound == bytes.count ? bytes.count : range.upperBound / Self.page * Self.page
            guard end > start else { return }
            _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
        }
    }
}
