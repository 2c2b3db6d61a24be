/* catalogue.c - the PULP-TrainLib matmul kernels as data, their fallback
 * cascades and the per-core partition they execute.
 *
 * Stall factors (cycles per issued instruction of the inner body) are our
 * calibration, not published numbers: 1x1 = 1.358, 2x1 = 1.055 and 2x4 =
 * 1.112 reproduce the PULP-TrainLib-Tutorial Ex03 single-core figures
 * (77,491 / 49,884 / 35,465 cycles for 16x16x64) with the per-body
 * overhead 8 + 2.5*u*v of hwmodels/pulp_cluster.c; 4x4 = 1.22 (register
 * spills, the tutorial's warning) gives the SAMOS 2022 peak of about
 * 4.39 MAC/cycle on 8 cores; the other shapes are interpolated.
 *
 * Fallback cascades: FP32 ones are those of pulp_matmul_fp32.c. FP16:
 * mm_fp16_SIMD_4x8 falls back to SIMD_2x4 when M < 4, K < 2 or
 * (N&~1)/cores < 2 (pulp_matmul_fp16.c). Where we did not find the rule we
 * state ours: mm_fp16_SIMD_2x4 -> mm_fp16 when M < 2; the M-parallel SIMD
 * kernels mirror the N ones (M_SIMD_2x4 -> mm_M_fp16 when (M&~1)/cores < 2;
 * M_SIMD_4x8 -> M_SIMD_2x4 when N < 2, K < 2 or (M&~3)/cores < 4); the fp16
 * unroll_Nx1 kernels use the FP32 cascades of the same shapes.
 *
 * One deliberate difference: PULP-TrainLib's UNITS kernels give each core
 * ceil(X_par/cores) rows, which need not be a multiple of the unroll, so a
 * core's last body can overlap the next core's rows. We split whole units
 * (ceil(units/cores) per core), which computes each row once.
 */
#include "kernels/catalogue.h"

#define NOFB {{DSE_FB_NONE, 0, 0}, {DSE_FB_NONE, 0, 0}, {DSE_FB_NONE, 0, 0}}
#define FB1(t, h, d) {{t, h, d}, {DSE_FB_NONE, 0, 0}, {DSE_FB_NONE, 0, 0}}
#define FB2(t, h, d, t2, h2, d2) {{t, h, d}, {t2, h2, d2}, {DSE_FB_NONE, 0, 0}}
#define FB3(t, h, d, t2, h2, d2, t3, h3, d3) {{t, h, d}, {t2, h2, d2}, {t3, h3, d3}}

#define N_ DSE_MM_PAR_N
#define M_ DSE_MM_PAR_M
#define S_ DSE_MM_SIMPLE
#define P_ DSE_MM_PAIRS
#define U_ DSE_MM_UNITS

/* The rows of catalogue.h's lists: name, par, scheme, u, v, ku, simd, ld, ex,
 * stall, fallbacks. */
#define S_ROW(name, ...) {#name, __VA_ARGS__},
#define S_ONE(...) +1
_Static_assert(0 DSE_MM_FP32_KERNELS(S_ONE) == DSE_MM_FP32_COUNT, "the FP32 list has 24 kernels");
_Static_assert(0 DSE_MM_FP16_KERNELS(S_ONE) == DSE_MM_FP16_COUNT, "the FP16 list has 9 kernels");

const dse_mm_kernel_t dse_mm_fp32[DSE_MM_FP32_COUNT] = {DSE_MM_FP32_KERNELS(S_ROW)};

/* SIMD_2x4: 1 row x 2 columns, K by 2: loads 1 A vector + 2 B vectors,
 * 2 shuffles, 2 vector FMAs per group. SIMD_4x8: 2 rows x 4 columns, K by
 * 2: 2 A + 4 B vectors, 4 shuffles, 8 vector FMAs (pulp_matmul_fp16.c). */
const dse_mm_kernel_t dse_mm_fp16[DSE_MM_FP16_COUNT] = {DSE_MM_FP16_KERNELS(S_ROW)};

void dse_mm_resolve_all(const dse_mm_kernel_t *tab, int count, int64_t n, int64_t k, int64_t m,
                        int cores, int8_t *out)
{
    /* every fallback goes to a smaller index, so one pass in order works */
    for (int i = 0; i < count; i++) {
        int next = dse__mm_fallback(&tab[i], n, k, m, cores);
        out[i] = (int8_t)(next < 0 ? i : out[next]);
    }
}

void dse_mm_work(const dse_mm_kernel_t *e, int64_t n, int64_t m, int cores, dse_mm_work_t *w)
{
    int64_t x = e->par == DSE_MM_PAR_N ? n : m, y = e->par == DSE_MM_PAR_N ? m : n, a, b;
    dse__mm_unrolls(e, &a, &b);
    int64_t yb = y / b, yl = y - yb * b;
    if (e->scheme == DSE_MM_UNITS) {
        int64_t xl = x % a, units = (x - xl) / a;
        int64_t r = a * ((units + cores - 1) / cores);
        w->blocks = (r / a) * yb;
        w->half = 0;
        w->left = r * yl + xl * ((y + cores - 1) / cores);
        return;
    }
    int64_t r = (x + cores - 1) / cores;
    if (r > x)
        r = x;
    if (e->scheme == DSE_MM_SIMPLE) {
        w->blocks = r * yb;
        w->half = 0;
        w->left = r * yl;
        return;
    }
    int64_t p = r / a, rl = r - p * a;
    w->blocks = p * yb;
    w->half = rl * yb;
    w->left = (p * a + rl) * yl;
}

void dse_mm_core_range(const dse_mm_kernel_t *e, int64_t x, int cores, int id, int64_t *start,
                       int64_t *stop)
{
    int64_t a, b;
    dse__mm_unrolls(e, &a, &b);
    int64_t bs, lim = x;
    if (e->scheme == DSE_MM_UNITS) {
        lim = x - x % a;
        bs = a * ((lim / a + cores - 1) / cores);
    } else {
        bs = (x + cores - 1) / cores;
    }
    int64_t s = (int64_t)id * bs;
    if (s > lim)
        s = lim;
    int64_t t = s + bs;
    if (t > lim)
        t = lim;
    *start = s;
    *stop = t;
}
