import CBLAS
import Foundation

/// Process-wide CPU settings for fast, predictable float code.
public enum CPUSetup {
    /// Makes denormal floats flush to zero on the calling thread (the engine's workers do this
    /// themselves). Results differ from IEEE only below 1.2e-38.
    public static func flushDenormalsToZero() {
        engine_flush_denormals_to_zero()
    }

    /// The OpenBLAS kernel set in use, e.g. "SkylakeX"; "Prescott" means the SSE3 fallback.
    public static var blasCore: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS 0.3.21 does not recognize newer Xeons (e.g. model 207) and falls back to its
    /// SSE3 "Prescott" kernels, 5–10× slower. The core can only be chosen through the environment
    /// before the library loads, so when that happened this re-executes the program with
    /// `OPENBLAS_CORETYPE` set from /proc/cpuinfo (SkylakeX with AVX-512, Haswell with AVX2).
    /// Call first thing in `main`; returns normally when nothing needs to change.
    public static func ensureOptimizedBLAS() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, blasCore == "Prescott",
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return }
        let names = Set(flags.split(separator: " ").map(String.init))
        let core = names.contains("avx512f") && names.contains("avx512bw") ? "SkylakeX"
            : names.contains("avx2") && names.contains("fma") ? "Haswell" : nil
        guard let core else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the slow kernels.
    }
}
