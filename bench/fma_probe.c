/* How fast is this machine right now? Ten independent chains of fused multiply-adds on one core,
 * in 256-bit (AVX2) and, when compiled with -mavx512f, 512-bit registers; prints billions of FMA
 * instructions per second. On a shared VM this moves by ±25 % over minutes: run it next to a
 * timing you want to compare with another (README, "Performance").
 *
 *   gcc -O2 -mfma -mavx2 bench/fma_probe.c -o /tmp/fma_probe            # AVX2 only
 *   gcc -O2 -mfma -mavx2 -mavx512f bench/fma_probe.c -o /tmp/fma_probe  # also AVX-512
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS(T, SET, FMA, REDUCE, NAME)                                                          \
    do {                                                                                           \
        T a0 = SET(.1f), a1 = SET(.2f), a2 = SET(.3f), a3 = SET(.4f), a4 = SET(.5f);               \
        T a5 = SET(.6f), a6 = SET(.7f), a7 = SET(.8f), a8 = SET(.9f), a9 = SET(1.f);               \
        T x = SET(.9999f), y = SET(1e-5f);                                                         \
        const long n = 200000000;                                                                  \
        double t = now();                                                                          \
        for (long i = 0; i < n; i++) {                                                             \
            a0 = FMA(a0, x, y); a1 = FMA(a1, x, y); a2 = FMA(a2, x, y); a3 = FMA(a3, x, y);        \
            a4 = FMA(a4, x, y); a5 = FMA(a5, x, y); a6 = FMA(a6, x, y); a7 = FMA(a7, x, y);        \
            a8 = FMA(a8, x, y); a9 = FMA(a9, x, y);                                                \
        }                                                                                          \
        t = now() - t;                                                                             \
        T s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;                                     \
        printf("%s: %.2f G FMA instructions/s (checksum %.3f)\n", NAME, n * 10 / t / 1e9, REDUCE(s)); \
    } while (0)

static float sum256(__m256 v) {
    float f[8];
    _mm256_storeu_ps(f, v);
    return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}

int main(void) {
#ifdef __AVX512F__
    CHAINS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_reduce_add_ps, "512-bit");
#endif
    CHAINS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, sum256, "256-bit");
    return 0;
}
