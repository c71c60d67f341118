import CBLAS

/// Process-wide CPU settings for fast, predictable float code.
public enum CPUSetup {
    /// Makes denormal floats flush to zero on the calling thread (the engine's workers do this
    /// themselves). Results differ from IEEE only below 1.2e-38.
    public static func flushDenormalsToZero() {
        engine_flush_denormals_to_zero()
    }
}
