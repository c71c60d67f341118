#include <cblas.h>
#include <xmmintrin.h>

/// Sets FTZ and DAZ in this thread's MXCSR: denormal floats become zero instead of taking
/// microcode slow paths (an Adam moment decaying towards zero otherwise costs 100× per update).
static inline void engine_flush_denormals_to_zero(void) {
    _mm_setcsr(_mm_getcsr() | 0x8040);
}
