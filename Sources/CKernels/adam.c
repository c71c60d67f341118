#include "ckernels.h"
#include <math.h>

// One Adam step in the operation order documented at `AdamCore` (Training/Adam.swift), one value
// at a time; the compiler vectorizes it (restrict pointers, no errno, no contraction: each lane
// computes exactly this).
static inline __attribute__((always_inline)) void
adam_loop(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, long n,
          ckernels_adam_constants c, int shrink, int coupled, int small_weight) {
    for (long i = 0; i < n; i++) {
        float pv = p[i];
        if (shrink) pv = pv * c.decay;
        float gi = coupled ? fmaf(pv, c.wd, g[i]) : g[i];
        float mv = m[i];
        float mi = small_weight ? fmaf(c.lerp_weight, gi - mv, mv) : fmaf(c.lerp_weight_minus_one, gi - mv, gi);
        float vi = v[i] * c.b2;
        vi = fmaf(c.one_minus_b2 * gi, gi, vi);
        float denom = sqrtf(vi) / c.bc2_sqrt + c.eps;
        p[i] = pv + c.neg_step_size * mi / denom;
        m[i] = mi;
        v[i] = vi;
    }
}

void ckernels_adam_update(float *p, const float *g, float *m, float *v, long n, const ckernels_adam_constants *c,
                          int shrink, int coupled, int small_weight) {
    // The flags as constants: one specialized loop per combination the optimizers use.
    if (!shrink && !coupled && small_weight) adam_loop(p, g, m, v, n, *c, 0, 0, 1);
    else if (!shrink && coupled && small_weight) adam_loop(p, g, m, v, n, *c, 0, 1, 1);
    else if (shrink && !coupled && small_weight) adam_loop(p, g, m, v, n, *c, 1, 0, 1);
    else adam_loop(p, g, m, v, n, *c, shrink, coupled, small_weight);
}
