import CBLAS
import Foundation

/// Process-wide CPU settings for fast, predictable float code.
public enum CPUSetup {
    /// Makes denormal floats flush to zero on the calling thread (the engine's workers do this
    /// themselves). Results differ from IEEE only below 1.2e-38.
    public static func flushDenormalsToZero() {
        engine_flush_denormals_to_zero()
    }
}

/// Which kernel family runs: the AVX-512 twins (`EngineAVX512`) when the CPU and OS support them,
/// else AVX2. Both give bit-identical results. `ENGINE_SIMD=avx2` in the environment forces AVX2.
public enum KernelDispatch {
    /// Whether this machine can run the AVX-512 kernels.
    public static let avx512Available: Bool = engine_cpu_has_avx512() != 0

    /// Whether the AVX-512 kernels are used (tests switch it to cover both families).
    nonisolated(unsafe) public static var useAVX512: Bool =
        avx512Available && ProcessInfo.processInfo.environment["ENGINE_SIMD"]?.lowercased() != "avx2"

    /// "avx512" or "avx2", for reports.
    public static var name: String { useAVX512 ? "avx512" : "avx2" }
}
