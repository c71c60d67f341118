import Engine
import Foundation

/// Graceful interruption: the first SIGINT/SIGTERM sets a flag that the trainer polls between
/// batches (to finish the epoch's bookkeeping, save and exit); a second one of the same signal
/// takes the default action and ends the process at once.
///
/// The handler only stores to a `sig_atomic_t` (async-signal-safe); `SA_RESETHAND` restores the
/// default action so that the second signal is not caught.
public enum Interrupt {
    /// Whether a handled signal has arrived since `install` (or `reset`).
    public static var requested: Bool { flag.pointee != 0 }

    /// `SIGINT`, `SIGTERM`, … for the signal that set `requested`; nil if none has.
    public static var signalName: String? {
        let number = received.pointee
        return number == 0 ? nil : name(of: number)
    }

    /// Installs the handler for `signals` (by default SIGINT and SIGTERM) and clears the flag.
    public static func install(signals: [Int32] = [SIGINT, SIGTERM]) {
        reset()
        // Heavy layers poll the same flag (see `Cancellation`).
        Cancellation.flag = flag
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handleSignal
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(bitPattern: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
    }

    /// Clears the flag (the installed handlers stay as they are).
    public static func reset() {
        flag.pointee = 0
        received.pointee = 0
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        default: "signal \(signal)"
        }
    }

    /// Written only by the signal handler and `reset`; C-compatible storage outside Swift's
    /// exclusivity and concurrency checking.
    nonisolated(unsafe) fileprivate static let flag: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    nonisolated(unsafe) fileprivate static let received: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
}

/// The handler: two plain stores, nothing else. The static pointers are initialized by `install`
/// (which calls `reset`) before the handler can run.
private func handleSignal(_ signal: Int32) {
    Interrupt.received.pointee = signal
    Interrupt.flag.pointee = 1
}
