import Foundation
import XCTest

/// Runs the built `runner` executable as a child process, the way a user would.
public struct RunnerResult {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

public enum RunnerProcess {
    /// The `runner` binary built next to the test bundle.
    public static var executable: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("runner")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/runner")
    }

    /// Runs `runner args...` in `directory` and waits for it.
    @discardableResult
    public static func run(_ args: [String], in directory: String? = nil,
                           environment: [String: String] = [:]) throws -> RunnerResult {
        let p = start(args, in: directory)
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return RunnerResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A configured, not yet started process (for tests that signal or kill it).
    public static func start(_ args: [String], in directory: String? = nil) -> Process {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        return p
    }
}

/// A fresh temporary folder, removed by the caller's `addTeardownBlock`.
public func temporaryFolder(_ test: XCTestCase, _ name: String = #function) throws -> String {
    let base = FileManager.default.temporaryDirectory
        .appendingPathComponent("ddl-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: base) }
    return base.path
}
