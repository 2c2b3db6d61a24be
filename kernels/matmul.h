/* matmul.h - plain C implementations of the catalogue's matmul kernels.
 *
 * C[N x M] = A[N x K] * B[K x M], all row-major. A kernel runs exactly the
 * partition its catalogue entry describes (after its fallback cascade): the
 * share of each core id 0 .. cores-1 is executed in turn, with the unrolled
 * u x v body and the leftover loops of that entry. This is what the cost
 * model counts, so a test can check that model and code do the same work.
 */
#ifndef DSE_MATMUL_H
#define DSE_MATMUL_H

#include <stdint.h>

#include "kernels/catalogue.h"

#if defined(__FLT16_MAX__)
typedef _Float16 dse_f16_t; /* native half precision (gcc >= 12 on x86-64, arm) */
#define DSE_HAVE_F16 1
#else
typedef float dse_f16_t; /* emulation: fp16 kernels compute in float */
#define DSE_HAVE_F16 0
#endif

/* Bodies executed by core 0 (the busiest core), as dse_mm_work() counts them. */
typedef struct {
    int64_t blocks, half, left;
} dse_mm_count_t;

/* Runs kernel idx of tab (fallback applied) on `cores` cores; returns the
 * index of the kernel that ran. count (may be NULL) receives core 0's bodies. */
int dse_mm_run_f32(const dse_mm_kernel_t *tab, int idx, const float *a, const float *b,
                   float *c, int64_t n, int64_t k, int64_t m, int cores, dse_mm_count_t *count);
int dse_mm_run_f16(const dse_mm_kernel_t *tab, int idx, const dse_f16_t *a, const dse_f16_t *b,
                   dse_f16_t *c, int64_t n, int64_t k, int64_t m, int cores,
                   dse_mm_count_t *count);

/* The naive reference (one dot product per output, in double). */
void dse_mm_ref_f32(const float *a, const float *b, float *c, int64_t n, int64_t k, int64_t m);

#endif
