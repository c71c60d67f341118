/// A dataset problem reported to the user as one line: `[key.path: ]path: message`.
///
/// Corrupt or missing files are user input, so everything in this module that reads files throws
/// `DataError` rather than trapping. `path` names the file (or folder) at fault; `keyPath` names the
/// experiment setting the failure traces back to when there is one (e.g. `data.path`).
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let keyPath: String?
    public let path: String
    public let message: String

    public init(keyPath: String? = nil, path: String, _ message: String) {
        self.keyPath = keyPath
        self.path = path
        self.message = message
    }

    public var description: String {
        (keyPath.map { "\($0): " } ?? "") + "\(path): \(message)"
    }
}
