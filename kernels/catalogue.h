/* catalogue.h - the matmul kernels of PULP-TrainLib as data.
 *
 * Each entry says how a kernel splits C[N x M] = A[N x K] * B[K x M] over the
 * cores (parallel dimension, partition scheme), its unrolled body (U rows of
 * A x V columns of B per inner iteration, K unrolled by KU, SIMD lanes), how
 * leftovers are done, and its fallback cascade (the smaller kernel it calls
 * when the sizes are below the unroll). Both the cost model
 * (hwmodels/pulp_cluster.c) and the C implementation (kernels/matmul.c) are
 * driven by these entries, after dse_mm_resolve().
 *
 * Sources (facts only): pulp-platform/pulp-trainlib lib/sources/
 * pulp_matmul_fp32.c, pulp_matmul_fp16.c and lib/include/
 * mm_manager_list_fp16.txt; the FP32 order is MODELS.md section 1.
 */
#ifndef DSE_CATALOGUE_H
#define DSE_CATALOGUE_H

#include <stdint.h>

/* How the parallel dimension X (N or M) is split; Y is the other one,
 * a = unroll along X, b = unroll along Y.
 * SIMPLE: each core takes ceil(X/cores) rows (a = 1); each row runs
 *   floor(Y/b) blocks, the Y%b leftover by a 1x1 loop inline.
 * PAIRS: each core takes ceil(X/cores) rows, runs blocks of a rows; a core
 *   whose block is not a multiple of a runs its last row(s) with a 1 x b
 *   body (mm_unroll_2x1, mm_unroll_2x4).
 * UNITS: X is rounded down to a multiple of a (X_par); the X_par/a units are
 *   split ceil(units/cores) per core; the X%a leftover rows are done after by
 *   all cores in parallel on Y (ceil(Y/cores) each, 1x1 loop). */
enum { DSE_MM_SIMPLE, DSE_MM_PAIRS, DSE_MM_UNITS };
enum { DSE_MM_PAR_N, DSE_MM_PAR_M };

/* Fallback tests, in order; the first that holds sends the call to `to`.
 * X_par below is X rounded down to the entry's unroll along X. */
enum {
    DSE_FB_NONE,
    DSE_FB_XBLK, /* X / cores < thr            (mm_unroll_2x1, 2x4)            */
    DSE_FB_XPAR, /* X_par / cores < thr        (UNITS kernels)                  */
    DSE_FB_Y,    /* Y < thr                    (other dimension too small)      */
    DSE_FB_K     /* K < thr                    (fp16 SIMD kernels)              */
};

typedef struct {
    uint8_t test, thr, to;
} dse_mm_fallback_t;

typedef struct {
    const char *name;
    uint8_t par;     /* DSE_MM_PAR_N or DSE_MM_PAR_M */
    uint8_t scheme;  /* DSE_MM_SIMPLE, _PAIRS, _UNITS */
    uint8_t u, v;    /* output block: u rows of A x v columns of B */
    uint8_t ku;      /* K unrolled by ku (2 for _u2 and the fp16 SIMD kernels) */
    uint8_t simd;    /* MACs per FMA instruction (2 for fp16 SIMD) */
    uint8_t ld;      /* loads per K group of ku steps */
    uint8_t ex;      /* other instructions per K group (SIMD shuffles) */
    float stall;     /* cycles per instruction of the body (calibrated) */
    dse_mm_fallback_t fb[3];
} dse_mm_kernel_t;

/* The kernels, one list each, in index order: the one place their names
 * are written. X(name, par, scheme, u, v, ku, simd, ld, ex, stall,
 * fallbacks); the fields after the name use kernels/catalogue.c's
 * shorthands (N_, M_ for the parallel dimension; S_, P_, U_ for the scheme;
 * NOFB, FB1..FB3 for the cascade), so elsewhere expand the name alone. The
 * FP32 order is MODELS.md's (index 0..23); the FP16 order is
 * mm_manager_list_fp16.txt's. */
#define DSE_MM_FP32_KERNELS(X) \
    X(mm, N_, S_, 1, 1, 1, 1, 2, 0, 1.358f, NOFB) \
    X(mm_M, M_, S_, 1, 1, 1, 1, 2, 0, 1.358f, NOFB) \
    X(mm_u2, N_, S_, 1, 1, 2, 1, 4, 0, 1.30f, NOFB) \
    X(mm_unroll_1x2, N_, S_, 1, 2, 1, 1, 3, 0, 1.08f, FB1(DSE_FB_Y, 2, 0)) \
    X(mm_unroll_1x4, N_, S_, 1, 4, 1, 1, 5, 0, 1.08f, FB1(DSE_FB_Y, 4, 3)) \
    X(mm_unroll_1x8, N_, S_, 1, 8, 1, 1, 9, 0, 1.12f, FB1(DSE_FB_Y, 8, 4)) \
    X(mm_unroll_2x1, N_, P_, 2, 1, 1, 1, 3, 0, 1.055f, FB1(DSE_FB_XBLK, 2, 0)) \
    X(mm_unroll_4x1, N_, U_, 4, 1, 1, 1, 5, 0, 1.08f, FB1(DSE_FB_XPAR, 4, 6)) \
    X(mm_unroll_8x1, N_, U_, 8, 1, 1, 1, 9, 0, 1.12f, FB1(DSE_FB_XPAR, 8, 7)) \
    X(mm_unroll_2x2, N_, U_, 2, 2, 1, 1, 4, 0, 1.09f, FB1(DSE_FB_XPAR, 2, 5)) \
    X(mm_unroll_2x4, N_, P_, 2, 4, 1, 1, 6, 0, 1.112f, FB2(DSE_FB_XBLK, 2, 5, DSE_FB_Y, 4, 9)) \
    X(mm_unroll_4x2, N_, U_, 4, 2, 1, 1, 6, 0, 1.112f, FB2(DSE_FB_XPAR, 4, 5, DSE_FB_Y, 2, 9)) \
    X(mm_unroll_4x4, N_, U_, 4, 4, 1, 1, 8, 0, 1.22f, FB3(DSE_FB_XPAR, 2, 5, DSE_FB_XPAR, 4, 10, DSE_FB_Y, 4, 9)) \
    X(mm_M_u2, M_, S_, 1, 1, 2, 1, 4, 0, 1.30f, NOFB) \
    X(mm_M_unroll_1x2, M_, U_, 1, 2, 1, 1, 3, 0, 1.08f, FB1(DSE_FB_XPAR, 2, 1)) \
    X(mm_M_unroll_1x4, M_, U_, 1, 4, 1, 1, 5, 0, 1.08f, FB1(DSE_FB_XPAR, 4, 14)) \
    X(mm_M_unroll_1x8, M_, U_, 1, 8, 1, 1, 9, 0, 1.12f, FB1(DSE_FB_XPAR, 8, 15)) \
    X(mm_M_unroll_2x1, M_, S_, 2, 1, 1, 1, 3, 0, 1.055f, FB1(DSE_FB_Y, 2, 1)) \
    X(mm_M_unroll_4x1, M_, S_, 4, 1, 1, 1, 5, 0, 1.08f, FB1(DSE_FB_Y, 4, 17)) \
    X(mm_M_unroll_8x1, M_, S_, 8, 1, 1, 1, 9, 0, 1.12f, FB1(DSE_FB_Y, 8, 18)) \
    X(mm_M_unroll_2x2, M_, U_, 2, 2, 1, 1, 4, 0, 1.09f, FB1(DSE_FB_XPAR, 2, 19)) \
    X(mm_M_unroll_2x4, M_, U_, 2, 4, 1, 1, 6, 0, 1.112f, FB2(DSE_FB_XPAR, 4, 19, DSE_FB_Y, 2, 20)) \
    X(mm_M_unroll_4x2, M_, U_, 4, 2, 1, 1, 6, 0, 1.112f, FB2(DSE_FB_XPAR, 2, 19, DSE_FB_Y, 4, 20)) \
    X(mm_M_unroll_4x4, M_, U_, 4, 4, 1, 1, 8, 0, 1.22f, FB3(DSE_FB_XPAR, 2, 19, DSE_FB_XPAR, 4, 22, DSE_FB_Y, 4, 20))
#define DSE_MM_FP16_KERNELS(X) \
    X(mm_fp16, N_, S_, 1, 1, 1, 1, 2, 0, 1.358f, NOFB) \
    X(mm_M_fp16, M_, S_, 1, 1, 1, 1, 2, 0, 1.358f, NOFB) \
    X(mm_fp16_SIMD_2x4, N_, S_, 1, 2, 2, 2, 3, 2, 1.15f, FB1(DSE_FB_Y, 2, 0)) \
    X(mm_fp16_SIMD_4x8, N_, P_, 2, 4, 2, 2, 6, 4, 1.15f, FB3(DSE_FB_Y, 4, 2, DSE_FB_K, 2, 2, DSE_FB_XPAR, 2, 2)) \
    X(mm_M_fp16_SIMD_2x4, M_, U_, 1, 2, 2, 2, 3, 2, 1.15f, FB1(DSE_FB_XPAR, 2, 1)) \
    X(mm_M_fp16_SIMD_4x8, M_, U_, 2, 4, 2, 2, 6, 4, 1.15f, FB3(DSE_FB_Y, 2, 4, DSE_FB_K, 2, 4, DSE_FB_XPAR, 4, 4)) \
    X(mm_fp16_unroll_2x1, N_, P_, 2, 1, 1, 1, 3, 0, 1.055f, FB1(DSE_FB_XBLK, 2, 0)) \
    X(mm_fp16_unroll_4x1, N_, U_, 4, 1, 1, 1, 5, 0, 1.08f, FB1(DSE_FB_XPAR, 4, 6)) \
    X(mm_fp16_unroll_8x1, N_, U_, 8, 1, 1, 1, 9, 0, 1.12f, FB1(DSE_FB_XPAR, 8, 7))

enum { DSE_MM_FP32_COUNT = 24, DSE_MM_FP16_COUNT = 9 };

/* The FP32 kernels (index 0..23 as in MODELS.md) and the FP16 kernels (in
 * mm_manager_list_fp16.txt order); `to` indices refer to the same table. */
extern const dse_mm_kernel_t dse_mm_fp32[DSE_MM_FP32_COUNT];
extern const dse_mm_kernel_t dse_mm_fp16[DSE_MM_FP16_COUNT];

/* Index of the naive 1x1 kernel used for leftovers (mm / mm_fp16). */
enum { DSE_MM_NAIVE = 0 };

/* Unroll along the parallel dimension X (*a) and along the other one Y (*b). */
static inline void dse__mm_unrolls(const dse_mm_kernel_t *e, int64_t *a, int64_t *b)
{
    if (e->par == DSE_MM_PAR_N)
        *a = e->u, *b = e->v;
    else
        *a = e->v, *b = e->u;
}

/* Index the first failing fallback test of entry e sends to, or -1. The
 * tests "x / cores < thr" are written "x < thr * cores" (the same for
 * integers) to keep divisions out of the model's inner loop; unrolls are
 * powers of two. Inline: the cost model resolves a kernel per tile. */
static inline int dse__mm_fallback(const dse_mm_kernel_t *e, int64_t n, int64_t k, int64_t m,
                                   int cores)
{
    if (e->fb[0].test == DSE_FB_NONE)
        return -1;
    int64_t x = e->par == DSE_MM_PAR_N ? n : m, y = e->par == DSE_MM_PAR_N ? m : n, a, b;
    dse__mm_unrolls(e, &a, &b);
    for (int i = 0; i < 3 && e->fb[i].test != DSE_FB_NONE; i++) {
        int64_t thr = e->fb[i].thr;
        int fail = 0;
        switch (e->fb[i].test) {
        case DSE_FB_XBLK: fail = x < thr * cores; break;
        case DSE_FB_XPAR: fail = (x & ~(a - 1)) < thr * cores; break;
        case DSE_FB_Y: fail = y < thr; break;
        case DSE_FB_K: fail = k < thr; break;
        default: break;
        }
        if (fail)
            return e->fb[i].to;
    }
    return -1;
}

/* Applies the fallback cascade of kernel `idx` of table `tab` for the shape
 * N x K x M on `cores` cores; returns the index of the kernel that runs. */
static inline int dse_mm_resolve(const dse_mm_kernel_t *tab, int idx, int64_t n, int64_t k,
                                 int64_t m, int cores)
{
    for (int guard = 0; guard < 32; guard++) {
        int next = dse__mm_fallback(&tab[idx], n, k, m, cores);
        if (next < 0)
            return idx;
        idx = next;
    }
    return idx; /* unreachable with the acyclic tables of catalogue.c */
}

/* dse_mm_resolve for kernels 0 .. count-1 of tab at once (out[i] = the
 * kernel i runs as); cheaper than count calls. */
void dse_mm_resolve_all(const dse_mm_kernel_t *tab, int count, int64_t n, int64_t k, int64_t m,
                        int cores, int8_t *out);

/* Work of the busiest core (core 0: it always has the largest share) of a
 * resolved kernel: `blocks` full u x v bodies, `half` single-row bodies of a
 * PAIRS kernel, `left` 1x1 leftover dot products, each over all of K. */
typedef struct {
    int64_t blocks, half, left;
} dse_mm_work_t;

void dse_mm_work(const dse_mm_kernel_t *e, int64_t n, int64_t m, int cores, dse_mm_work_t *w);

/* The range [*start, *stop) of the parallel dimension's body that core `id`
 * runs (in rows or columns of X, X_par for UNITS); shared by the
 * implementation so that model and code partition alike. */
void dse_mm_core_range(const dse_mm_kernel_t *e, int64_t x, int cores, int id, int64_t *start,
                       int64_t *stop);

#endif
