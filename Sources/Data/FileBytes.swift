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

    /// The whole content of the file at `path`.
    static func contents(of path: String) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw DataError(path: path, describe(errno: errno)) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DataError(path: path, describe(errno: errno)) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw DataError(path: path, "is a directory, expected a regular file")
        case S_IFIFO: throw DataError(path: path, "is a FIFO (named pipe), expected a regular file")
        case S_IFCHR, S_IFBLK: throw DataError(path: path, "is a device, expected a regular file")
        case S_IFSOCK: throw DataError(path: path, "is a socket, expected a regular file")
        default: throw DataError(path: path, "is not a regular file")
        }
        let size = Int(st.st_size)
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

    /// The CRC-32 of the file at `path` as 8 lowercase hex digits (dataset fingerprints).
    static func crc32Hex(of path: String) throws -> String {
        String(hex8(crc32(try contents(of: path)[...])).dropFirst(2))
    }
}
