#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounds that keep a hostile or broken YAML file from costing more than a moment to reject.
public struct YAMLLimits: Sendable, Hashable {
    /// Deepest allowed nesting of mappings and sequences (the root collection is level 1).
    public var maxDepth: Int
    /// Total number of nodes that aliases may add to the document, summed over every alias
    /// (an alias of a 3-node list adds 3). Stops "billion laughs" files.
    public var maxAliasExpansion: Int
    /// Largest accepted input, in bytes.
    public var maxBytes: Int

    public init(maxDepth: Int = 64, maxAliasExpansion: Int = 10_000, maxBytes: Int = 4 << 20) {
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
        self.maxBytes = maxBytes
    }

    /// 64 levels, 10,000 aliased nodes, 4 MiB.
    public static let `default` = YAMLLimits()
}

/// Reads one YAML document into a `YAMLNode` tree with source marks, through libyaml's event API.
///
/// The input must be UTF-8 text holding at most one document. Tags are rejected (a config can never
/// construct objects), anchors and aliases are expanded within `YAMLLimits`, and duplicate mapping
/// keys are errors. Every failure is a `SpecErrors` whose lines read `file:line:col: message`.
///
/// ```swift
/// let root = try YAMLParser.parse(text: "epochs: 5\n", file: "x.yaml")
/// root?.child("epochs")?.scalar   // "5"
/// ```
public enum YAMLParser {
    /// Parses one YAML document from a file. Returns nil for an empty document (only comments/whitespace).
    public static func parse(file path: String, limits: YAMLLimits = .default) throws -> YAMLNode? {
        let bytes = try readFile(path, limits: limits)
        return try parse(bytes: bytes, file: path, limits: limits)
    }

    /// Parses UTF-8 text given as bytes; `file` is used for marks and messages.
    public static func parse(bytes: [UInt8], file: String, limits: YAMLLimits = .default) throws -> YAMLNode? {
        let input = try YAMLInputCheck.validated(bytes, file: file, limits: limits)
        return try YAMLEventReader.read(input, file: file, limits: limits)
    }

    /// Parses YAML text; `file` is used for marks and messages.
    public static func parse(text: String, file: String, limits: YAMLLimits = .default) throws -> YAMLNode? {
        try parse(bytes: Array(text.utf8), file: file, limits: limits)
    }

    /// Reads a whole regular file, refusing directories, unreadable and oversized files.
    static func readFile(_ path: String, limits: YAMLLimits) throws -> [UInt8] {
        switch readBytes(path, limits: limits) {
        case let .success(bytes): return bytes
        case let .failure(problem): throw SpecErrors([SpecError("\(path): \(problem.message)")])
        }
    }

    /// Why a file could not be read, without its path.
    struct ReadProblem: Error {
        let message: String
        /// The file does not exist (as opposed to existing and being unusable).
        let missing: Bool
    }

    /// The bytes of the regular file at `path`; a FIFO, device, socket or directory is refused
    /// without being read (and without blocking).
    static func readBytes(_ path: String, limits: YAMLLimits) -> Result<[UInt8], ReadProblem> {
        func fail(_ message: String, missing: Bool = false) -> Result<[UInt8], ReadProblem> {
            .failure(ReadProblem(message: message, missing: missing))
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)  // never block on a FIFO
        guard fd >= 0 else { return fail(describe(errno: errno), missing: errno == ENOENT || errno == ENOTDIR) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return fail(describe(errno: errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return fail("is a directory, expected a YAML file")
        case S_IFIFO: return fail("is a FIFO (named pipe), expected a regular YAML file")
        case S_IFCHR, S_IFBLK: return fail("is a device, expected a regular YAML file")
        case S_IFSOCK: return fail("is a socket, expected a regular YAML file")
        default: return fail("is not a regular file, expected a YAML file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return fail(describe(errno: errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limits.maxBytes { return fail(YAMLInputCheck.tooLarge(limits)) }
        }
        return .success(bytes)
    }

    private static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT, ENOTDIR: return "no such file"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "is a directory, expected a YAML file"
        default: return "cannot read: \(String(cString: strerror(code)))"
        }
    }
}

/// The one-line text used in messages for a scalar or key: `"epochs"` with quotes, backslashes,
/// and control characters escaped.
func quotedForMessage(_ text: String, limit: Int = 60) -> String {
    var out = "\""
    for (i, ch) in text.unicodeScalars.enumerated() {
        if i == limit { out += "…"; break }
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if SafeText.isUnsafe(ch) {
                out += "\\u{\(String(ch.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(ch)
            }
        }
    }
    return out + "\""
}
