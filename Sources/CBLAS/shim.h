#include <cblas.h>
#include <xmmintrin.h>
#include <cpuid.h>

/// Sets FTZ and DAZ in this thread's MXCSR: denormal floats become zero instead of taking
/// microcode slow paths (an Adam moment decaying towards zero otherwise costs 100× per update).
static inline void engine_flush_denormals_to_zero(void) {
    _mm_setcsr(_mm_getcsr() | 0x8040);
}

/// 1 when the CPU has AVX-512F, DQ, CD, BW and VL (the skylake-avx512 set) and the OS saves the
/// opmask and ZMM registers (XCR0 bits 5–7, besides SSE and AVX state), else 0.
static inline int engine_cpu_has_avx512(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  /* OSXSAVE */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xE6u) != 0xE6u) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    unsigned need = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
    return (b & need) == need;
}
