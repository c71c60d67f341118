import Foundation
import XCTest
@testable import Training

final class LockTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func testSecondAcquisitionNamesTheHoldersPID() throws {
        let folder = root + "/results/dropout-seed0"
        let lock = try TrialLock.acquire(folder: folder)
        XCTAssertEqual(try String(contentsOfFile: folder + "/.lock", encoding: .utf8), "\(getpid())\n")
        XCTAssertThrowsError(try TrialLock.acquire(folder: folder)) { error in
            XCTAssertEqual(error as? TrialLockError, .held(folder: folder, pid: getpid()))
            XCTAssertEqual("\(error)", "\(folder): in use by another runner (pid \(getpid()))")
        }
        lock.release()
        XCTAssertFalse(lock.isHeld)
        let again = try TrialLock.acquire(folder: folder)
        XCTAssertTrue(again.isHeld)
    }

    func testDeinitReleases() throws {
        let folder = root + "/a"
        do { _ = try TrialLock.acquire(folder: folder) }
        XCTAssertNoThrow(try TrialLock.acquire(folder: folder))
    }

    func testOtherProcessSeesTheLock() throws {
        let flockTool = "/usr/bin/flock"
        guard FileManager.default.isExecutableFile(atPath: flockTool) else { throw XCTSkip("no \(flockTool)") }
        func otherProcessCanLock(_ path: String) throws -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: flockTool)
            process.arguments = ["--nonblock", "--conflict-exit-code", "9", path, "true"]
            try process.run()
            process.waitUntilExit()
            XCTAssertTrue([0, 9].contains(process.terminationStatus))
            return process.terminationStatus == 0
        }
        let folder = root + "/b"
        let lock = try TrialLock.acquire(folder: folder)
        XCTAssertFalse(try otherProcessCanLock(folder + "/.lock"))
        lock.release()
        XCTAssertTrue(try otherProcessCanLock(folder + "/.lock"))
    }

    func testUncreatableFolderIsAnError() throws {
        let file = root + "/file"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        XCTAssertThrowsError(try TrialLock.acquire(folder: file + "/x")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(file)/x: cannot create the folder: "), "\(error)")
        }
    }
}

final class InterruptTests: XCTestCase {
    func testFirstSignalSetsTheFlagAndRestoresTheDefaultAction() {
        Interrupt.install(signals: [SIGUSR1])
        defer { signal(SIGUSR1, SIG_DFL); Interrupt.reset() }
        XCTAssertFalse(Interrupt.requested)
        XCTAssertNil(Interrupt.signalName)
        raise(SIGUSR1)
        XCTAssertTrue(Interrupt.requested)
        XCTAssertEqual(Interrupt.signalName, "SIGUSR1")
        // A second SIGUSR1 would now take the default action (terminate): check the disposition
        // instead of raising it.
        var current = sigaction()
        sigaction(SIGUSR1, nil, &current)
        XCTAssertNil(current.__sigaction_handler.sa_handler)
        Interrupt.reset()
        XCTAssertFalse(Interrupt.requested)
    }

    func testEachSignalKeepsItsOwnHandlerUntilItArrives() {
        Interrupt.install(signals: [SIGUSR1, SIGUSR2])
        defer { signal(SIGUSR1, SIG_DFL); signal(SIGUSR2, SIG_DFL); Interrupt.reset() }
        raise(SIGUSR2)
        XCTAssertEqual(Interrupt.signalName, "SIGUSR2")
        var usr1 = sigaction()
        sigaction(SIGUSR1, nil, &usr1)
        XCTAssertNotNil(usr1.__sigaction_handler.sa_handler)
        XCTAssertEqual(Interrupt.name(of: SIGTERM), "SIGTERM")
        XCTAssertEqual(Interrupt.name(of: SIGINT), "SIGINT")
    }
}
