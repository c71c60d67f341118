import Foundation
import XCTest

/// Runs a Python reference script (PyTorch) on a JSON request and returns its JSON answer; the
/// test is skipped, not passed, when Python or PyTorch is missing. A script signals a missing
/// import by exiting with status 3.
public enum TorchScript {
    /// `requires` names what the script imports, for the skip message.
    public static func run(_ script: String, request: Any, requires: String = "numpy and PyTorch") throws -> Any {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("torch-ref-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("reference.py"), input = dir.appendingPathComponent("in.json")
        let output = dir.appendingPathComponent("out.json")
        try script.write(to: file, atomically: true, encoding: .utf8)
        try JSONSerialization.data(withJSONObject: request).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", file.path, input.path, output.path]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch { throw XCTSkip("python3 is not available: \(error)") }
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 || process.terminationStatus == 3 {
            throw XCTSkip("python3 with \(requires) is not installed")
        }
        guard process.terminationStatus == 0 else {
            struct ScriptFailed: Error { let message: String }
            throw ScriptFailed(message: String(decoding: stderr, as: UTF8.self))
        }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: output))
    }
}
