import Foundation
import TestSupport
import XCTest

/// Issue 21, item 2: crash-safe at every step. `RUNNER_FAULT=fail:K` / `kill:K` makes the K-th
/// file operation of a run fail or kill the process; for every K of a two-epoch trial and its
/// report step, a plain rerun must end with the files of an uninterrupted run (wall-clock values
/// aside) and no temporary file left.
final class FaultInjectionTests: XCTestCase {
    func testEveryFileOperationCanFailOrCrashAndARerunRepairsIt() throws {
        let f = try EndToEndFixture(self, train: 300, test: 100, epochs: 2, seeds: [0])
        let reference = f.results("reference")
        let r = try RunnerProcess.run(["run", f.config, "--results", reference, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = try TreeSnapshot(reference)

        // The two walks are independent: run them side by side (one per core).
        let walks: [String] = ["kill", "fail"]
        let collected = Collected(count: walks.count)
        DispatchQueue.concurrentPerform(iterations: walks.count) { w in
            collected.set(w, Self.walk(walks[w], f, expected: expected))
        }
        let reports = collected.reports
        for (mode, report) in zip(walks, reports) {
            XCTAssertEqual(report.problems, [], mode)
            // A trial with two epochs writes two checkpoints, seven result files and a manifest,
            // removes its checkpoint, then five report files: far more than 40 operations.
            XCTAssertGreaterThan(report.operations, 40, "\(mode): the hook did not trigger")
        }
        XCTAssertEqual(reports[0].operations, reports[1].operations, "both walks count the same operations")
    }

    private struct WalkReport {
        var operations = 0
        var problems: [String] = []
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var reports: [WalkReport]
        init(count: Int) { reports = Array(repeating: WalkReport(), count: count) }
        func set(_ i: Int, _ r: WalkReport) { lock.lock(); reports[i] = r; lock.unlock() }
    }

    /// Walks K = 1, 2, … until a run with the fault planned at K finishes untouched.
    private static func walk(_ mode: String, _ f: EndToEndFixture, expected: TreeSnapshot) -> WalkReport {
        var report = WalkReport()
        for k in 1...500 {
            let results = f.results("\(mode)-\(k)")
            let faulted: RunnerResult
            do {
                faulted = try RunnerProcess.run(["run", f.config, "--results", results, "--quiet"],
                                                environment: ["RUNNER_FAULT": "\(mode):\(k)"])
            } catch {
                report.problems.append("\(mode):\(k): \(error)")
                return report
            }
            let untouched = faulted.status == 0 && faulted.stderr.isEmpty
            if untouched {
                report.operations = k - 1
                return report
            }
            switch mode {
            case "kill":
                if faulted.status != 9 { report.problems.append("kill:\(k): expected SIGKILL, got status \(faulted.status)") }
            default:
                if !faulted.stderr.contains("injected failure (RUNNER_FAULT=fail:\(k))") && !faulted.stdout.contains("injected failure") {
                    report.problems.append("fail:\(k): no injected failure reported: \(faulted.stdout) \(faulted.stderr)")
                }
                if faulted.status != 1 && faulted.status != 2 {
                    report.problems.append("fail:\(k): expected exit 1 or 2, got \(faulted.status)")
                }
            }
            do {
                let rerun = try RunnerProcess.run(["run", f.config, "--results", results, "--quiet"])
                if rerun.status != 0 { report.problems.append("\(mode):\(k): rerun exited \(rerun.status): \(rerun.stderr)") }
                let got = try TreeSnapshot(results)
                if let difference = got.difference(from: expected) {
                    report.problems.append("\(mode):\(k): \(difference)")
                }
            } catch {
                report.problems.append("\(mode):\(k): \(error)")
            }
            try? FileManager.default.removeItem(atPath: results)
        }
        report.problems.append("\(mode): more than 500 operations")
        return report
    }

    func testRandomKillsDuringASweepThenRerunGiveTheUninterruptedResults() throws {
        let f = try EndToEndFixture(self, train: 1500, test: 200, epochs: 3, seeds: [0, 1, 2])
        let reference = f.results("reference")
        XCTAssertEqual(try RunnerProcess.run(["run", f.config, "--results", reference, "--quiet", "--jobs", "2"]).status, 0)
        let expected = try TreeSnapshot(reference)

        var random = SplitMix(seed: 20261202)
        let results = f.results("killed")
        var kills = 0
        for _ in 0..<12 {
            let p = RunnerProcess.start(["run", f.config, "--results", results, "--quiet", "--jobs", "2"])
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(50_000 + random.next() % 1_500_000))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            if p.terminationReason == .exit && p.terminationStatus == 0 { break }
        }
        XCTAssertGreaterThan(kills, 0, "no run was killed")
        let last = try RunnerProcess.run(["run", f.config, "--results", results, "--quiet", "--jobs", "2"])
        XCTAssertEqual(last.status, 0, last.stderr)
        let got = try TreeSnapshot(results)
        XCTAssertNil(got.difference(from: expected), "after \(kills) kills")
    }
}

/// A results tree's files with wall-clock values taken out: `seconds` columns and keys, images
/// per second, and the checksums of the two files that hold them in the manifest.
struct TreeSnapshot: Equatable {
    var files: [String: String] = [:]
    /// Hidden files other than the lock files (temporaries a crash left behind).
    var leftovers: [String] = []

    init(_ root: String) throws {
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            let path = root + "/" + relative
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                if name != ".lock" { leftovers.append(relative) }
                continue
            }
            let data = FileManager.default.contents(atPath: path) ?? Data()
            files[relative] = Self.normalized(name, data)
        }
    }

    func difference(from other: TreeSnapshot) -> String? {
        if !leftovers.isEmpty { return "temporary files left: \(leftovers.sorted())" }
        let keys = Set(files.keys).union(other.files.keys).sorted()
        for key in keys where files[key] != other.files[key] {
            if files[key] == nil { return "\(key) missing" }
            if other.files[key] == nil { return "\(key) not expected" }
            return "\(key) differs:\n\(files[key]!.prefix(600))\n--- expected ---\n\(other.files[key]!.prefix(600))"
        }
        return nil
    }

    static func normalized(_ name: String, _ data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self)
        switch name {
        case "history.csv", "results.csv":
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let header = lines.first?.split(separator: ",").map(String.init) else { return text }
            let drop = Set(header.indices.filter { ["seconds", "images_per_second"].contains(header[$0]) })
            return lines.map { line in
                csvFields(line).enumerated().filter { !drop.contains($0.offset) }.map(\.element).joined(separator: ",")
            }.joined(separator: "\n")
        case "metrics.json", "manifest.json":
            guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return text }
            object["seconds"] = nil
            object["imagesPerSecond"] = nil
            if var files = object["files"] as? [String: Any] {
                for timed in ["history.csv", "metrics.json"] where files[timed] != nil { files[timed] = "present" }
                object["files"] = files
            }
            let out = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return out.map { String(decoding: $0, as: UTF8.self) } ?? text
        case "summary.md":
            // The table's last column is the mean training time.
            return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                guard line.hasPrefix("|") else { return String(line) }
                return line.split(separator: "|", omittingEmptySubsequences: false).dropLast(2).joined(separator: "|")
            }.joined(separator: "\n")
        case "index.html":
            // The training times: each row's seconds cell and the variants' sort keys.
            return text.replacingOccurrences(of: #"<td class="seconds">[^<]*</td>"#, with: "<td class=\"seconds\"></td>", options: .regularExpression)
                .replacingOccurrences(of: #"data-seconds="[^"]*""#, with: "data-seconds=\"\"", options: .regularExpression)
        case "model.safetensors", "checkpoint.safetensors":
            return data.base64EncodedString()
        default:
            return text
        }
    }
}

/// A small seeded generator, so a failing random schedule can be replayed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
