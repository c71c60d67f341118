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

/// The kernels a network runs: the AVX2 family, or its AVX-512 twins (`EngineAVX512`). Both give
/// bit-identical results. Chosen once per network when it is built (`Network.init(kernels:)`),
/// carried to its layers in their binding and in the pass — no kernel reads a process-wide switch.
public enum KernelFamily: String, Sendable, CaseIterable {
    case avx2, avx512
}

/// What this machine offers.
public enum KernelDispatch {
    /// Whether this machine can run the AVX-512 kernels.
    public static let avx512Available: Bool = engine_cpu_has_avx512() != 0

    /// The family a network gets unless its builder says otherwise: AVX-512 where the CPU and OS
    /// support it, else AVX2; `ENGINE_SIMD=avx2` in the environment forces AVX2.
    public static let preferred: KernelFamily =
        avx512Available && ProcessInfo.processInfo.environment["ENGINE_SIMD"]?.lowercased() != "avx2" ? .avx512 : .avx2
}
