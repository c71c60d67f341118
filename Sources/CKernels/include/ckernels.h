// Small numeric loops that Swift cannot vectorize: Swift's Float.squareRoot() keeps C's errno
// semantics (a scalar square root and a branch per value), so a vector square root needs C
// compiled with -fno-math-errno. Every operation is spelled out (fmaf where the Swift original
// used addingProduct, no contraction elsewhere), so the results are the same bits.
#ifndef CKERNELS_H
#define CKERNELS_H

/// The scalars of one Adam step, rounded to float (computed by `AdamCore.step`, Training/Adam.swift).
typedef struct {
    float neg_step_size, bc2_sqrt, lerp_weight, lerp_weight_minus_one, b2, one_minus_b2, eps, wd, decay;
} ckernels_adam_constants;

/// One Adam (or AdamW) step over p, g, m, v: [n]. `shrink`: p ← p·decay first (decoupled decay);
/// `coupled`: g ← fma(p, wd, g); `small_weight`: m ← fma(w, g − m, m), else fma(w − 1, g − m, g).
void ckernels_adam_update(float *p, const float *g, float *m, float *v, long n, const ckernels_adam_constants *c,
                          int shrink, int coupled, int small_weight);

#endif
