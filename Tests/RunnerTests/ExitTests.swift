import Foundation
import TestSupport
import XCTest

/// Issue 21, items 5 and 6: interrupts, exits and messages for the situations around a run.
final class ExitTests: XCTestCase {
    private func stderrLines(_ r: RunnerResult) -> [String] { r.stderr.split(separator: "\n").map(String.init) }

    func testAnInterruptInsideAHeavyLayerIsHonouredWithinSeconds() throws {
        // One batch of this network takes far longer than the bound below (about 10 GFLOP per
        // sample forward); without polling inside the layer the signal would wait for the batch.
        let f = try EndToEndFixture(self, train: 400, test: 100, epochs: 1, seeds: [0])
        let heavy = try f.variant("heavy.yaml", """
            name: Heavy
            model:
              layers:
                - {type: conv2d, name: conv1, out: 256, kernel: 3, padding: 1}
                - {type: relu}
                - {type: conv2d, name: conv2, out: 512, kernel: 3, padding: 1}
                - {type: relu}
                - {type: conv2d, name: conv3, out: 512, kernel: 3, padding: 1}
                - {type: flatten}
                - {type: linear, name: fc1, out: 10}
            train: {batch_size: 64}
            """)
        let p = RunnerProcess.start(["run", heavy, "--results", f.results()])
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Wait for the trial to start training, then give it time to be deep inside a layer.
        let started = Date()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("training 1 epochs") && Date().timeIntervalSince(started) < 120 {
            seen += out.fileHandleForReading.availableData
        }
        sleep(2)
        XCTAssertTrue(p.isRunning, "still in its first batch")
        let signalled = Date()
        kill(p.processIdentifier, SIGINT)
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let waited = Date().timeIntervalSince(signalled)
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertLessThan(waited, 10, "the interrupt waited for the batch")
        XCTAssertEqual(String(decoding: errors, as: UTF8.self),
                       "runner: interrupted by SIGINT: [Heavy seed 0] stopped in epoch 1/1 with 0 epochs saved; "
                       + "rerun the same command to resume\n")
        let metrics = try f.read(f.results() + "/heavy-seed0/metrics.json")
        XCTAssertTrue(metrics.contains("\"status\" : \"interrupted at epoch 1\""), metrics)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results() + "/heavy-seed0/manifest.json"))
    }

    func testQuietStillWritesFailuresToStderr() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let bad = try f.variant("bad.yaml", "name: Exploding\ntrain: {optimizer: {type: sgd, lr: 1.0e+30}}\n")
        let r = try RunnerProcess.run(["run", bad, "--results", f.results(), "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(stderrLines(r).count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("[Exploding seed 0] diverged at epoch 1: loss "), r.stderr)
    }

    func testATrialLockedByAnotherRunnerIsWaitedForAndTheRunExitsZero() throws {
        let f = try EndToEndFixture(self, epochs: 1, seeds: [0])
        let folder = f.results() + "/tiny-seed0"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fd = open(folder + "/.lock", O_RDWR | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        let pid = Array("\(getpid())\n".utf8)
        XCTAssertEqual(pwrite(fd, pid, pid.count, 0), pid.count)

        let p = RunnerProcess.start(["run", f.config, "--results", f.results()])
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        sleep(3)
        XCTAssertTrue(p.isRunning, "waits while the folder is locked")
        flock(fd, LOCK_UN)
        close(fd)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, stdout)
        XCTAssertTrue(stdout.contains("[Tiny seed 0] \(folder): in use by another runner (pid \(getpid())); waiting for it"), stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/manifest.json"))
    }

    func testAResultsFolderThatCannotBeWrittenIsOneLine() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let file = f.root + "/plain-file"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        var r = try RunnerProcess.run(["run", f.config, "--results", file])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(stderrLines(r), ["runner: \(file): is a file, expected a results folder (--results)"])
        r = try RunnerProcess.run(["run", f.config, "--results", file + "/sub"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(stderrLines(r), ["runner: \(file)/sub: cannot create the results folder (--results): \(file) is a file"])
        if getuid() != 0 {  // root writes into read-only folders
            let locked = f.root + "/read-only"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
            chmod(locked, 0o555)
            defer { chmod(locked, 0o755) }
            r = try RunnerProcess.run(["run", f.config, "--results", locked])
            XCTAssertEqual(r.status, 2)
            XCTAssertEqual(stderrLines(r), ["runner: \(locked): the results folder is not writable (Permission denied)"])
        }
    }

    func testAFIFOInsteadOfADataFileOrABaseConfigIsOneLine() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        let images = f.data + "/train-images-idx3-ubyte.gz"
        try FileManager.default.removeItem(atPath: images)
        XCTAssertEqual(mkfifo(images, 0o644), 0)
        var r = try RunnerProcess.run(["run", f.config, "--results", f.results()])
        XCTAssertEqual(r.status, 2)
        // The dataset is described when the config loads, so the line points at data.path.
        XCTAssertEqual(stderrLines(r), ["\(f.config):4:9: data.path: \(images): is a FIFO (named pipe), expected a regular file"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results()), "nothing created for a run that cannot start")

        let base = f.root + "/base.yaml"
        XCTAssertEqual(mkfifo(base, 0o644), 0)
        let child = f.root + "/child.yaml"
        try "extends: base.yaml\nname: Child\n".write(toFile: child, atomically: true, encoding: .utf8)
        r = try RunnerProcess.run(["validate", child])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(stderrLines(r), ["\(child):1:10: extends: base.yaml is a FIFO (named pipe), expected a regular YAML file"])
        try FileManager.default.createDirectory(atPath: f.root + "/folder.yaml", withIntermediateDirectories: true)
        try "extends: folder.yaml\nname: Child\n".write(toFile: child, atomically: true, encoding: .utf8)
        r = try RunnerProcess.run(["validate", child])
        XCTAssertEqual(stderrLines(r), ["\(child):1:10: extends: folder.yaml is a directory, expected a YAML file"])
        r = try RunnerProcess.run(["validate", base])
        XCTAssertEqual(stderrLines(r), ["\(base): is a FIFO (named pipe), expected a regular YAML file"])
    }

    func testARunThatFailsValidationCreatesNoFolder() throws {
        let f = try EndToEndFixture(self, seeds: [0])
        var r = try RunnerProcess.run(["run", f.config, "train.epochs=zero", "--results", f.results()])
        XCTAssertEqual(r.status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results()))
        r = try RunnerProcess.run(["run", f.config, "data.path=/nonexistent", "--results", f.results()])
        XCTAssertEqual(r.status, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.results()))
    }
}
