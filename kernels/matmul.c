/* matmul.c - the catalogue's matmul kernels in plain C, one core after the
 * other. One generic body (nu x nv accumulators over K) serves every unroll
 * shape; what differs between kernels is the partition and the leftover
 * loops, which follow the catalogue entry. */
#include "kernels/matmul.h"

#include <string.h>

/* Emits the typed kernel runner for element type T. */
#define DSE_DEFINE_MM(T, NAME)                                                           \
    static void NAME##_body(const T *a, const T *b, T *c, int64_t k, int64_t m, int64_t r0, \
                            int64_t c0, int nu, int nv)                                   \
    {                                                                                    \
        T acc[8][8];                                                                     \
        for (int i = 0; i < nu; i++)                                                     \
            for (int j = 0; j < nv; j++)                                                 \
                acc[i][j] = (T)0;                                                        \
        for (int64_t kk = 0; kk < k; kk++) {                                             \
            const T *brow = b + kk * m + c0;                                             \
            for (int i = 0; i < nu; i++) {                                               \
                T av = a[(r0 + i) * k + kk];                                             \
                for (int j = 0; j < nv; j++)                                             \
                    acc[i][j] += av * brow[j];                                           \
            }                                                                            \
        }                                                                                \
        for (int i = 0; i < nu; i++)                                                     \
            for (int j = 0; j < nv; j++)                                                 \
                c[(r0 + i) * m + c0 + j] = acc[i][j];                                    \
    }                                                                                    \
    /* A block at (x0, y0) of na x nb along (parallel, other) dimensions. */             \
    static void NAME##_blk(const dse_mm_kernel_t *e, const T *a, const T *b, T *c,       \
                           int64_t k, int64_t m, int64_t x0, int64_t y0, int na, int nb)  \
    {                                                                                    \
        if (e->par == DSE_MM_PAR_N)                                                      \
            NAME##_body(a, b, c, k, m, x0, y0, na, nb);                                  \
        else                                                                             \
            NAME##_body(a, b, c, k, m, y0, x0, nb, na);                                  \
    }                                                                                    \
    int NAME(const dse_mm_kernel_t *tab, int idx, const T *a, const T *b, T *c, int64_t n, \
             int64_t k, int64_t m, int cores, dse_mm_count_t *count)                      \
    {                                                                                    \
        int run = dse_mm_resolve(tab, idx, n, k, m, cores);                              \
        const dse_mm_kernel_t *e = &tab[run];                                            \
        int par_n = e->par == DSE_MM_PAR_N;                                              \
        int64_t x_n = par_n ? n : m, y_n = par_n ? m : n;                                \
        int ua = par_n ? e->u : e->v, ub = par_n ? e->v : e->u;                          \
        if (count)                                                                       \
            memset(count, 0, sizeof *count);                                             \
        if (k == 0) { /* empty sums */                                                   \
            for (int64_t i = 0; i < n * m; i++)                                          \
                c[i] = (T)0;                                                             \
            return run;                                                                  \
        }                                                                                \
        for (int id = 0; id < cores; id++) {                                             \
            dse_mm_count_t cnt = {0, 0, 0};                                              \
            int64_t s, t, x, y;                                                          \
            dse_mm_core_range(e, x_n, cores, id, &s, &t);                                \
            if (e->scheme == DSE_MM_SIMPLE) {                                            \
                for (x = s; x < t; x++) {                                                \
                    for (y = 0; y + ub <= y_n; y += ub, cnt.blocks++)                     \
                        NAME##_blk(e, a, b, c, k, m, x, y, 1, ub);                        \
                    for (; y < y_n; y++, cnt.left++)                                     \
                        NAME##_blk(e, a, b, c, k, m, x, y, 1, 1);                         \
                }                                                                        \
            } else {                                                                     \
                for (x = s; x + ua <= t; x += ua) {                                      \
                    for (y = 0; y + ub <= y_n; y += ub, cnt.blocks++)                     \
                        NAME##_blk(e, a, b, c, k, m, x, y, ua, ub);                       \
                    for (int i = 0; i < ua; i++)                                         \
                        for (int64_t yy = y; yy < y_n; yy++, cnt.left++)                 \
                            NAME##_blk(e, a, b, c, k, m, x + i, yy, 1, 1);               \
                }                                                                        \
                /* PAIRS: rows of an odd block, with a one-row body */                    \
                for (; x < t; x++) {                                                     \
                    for (y = 0; y + ub <= y_n; y += ub, cnt.half++)                       \
                        NAME##_blk(e, a, b, c, k, m, x, y, 1, ub);                        \
                    for (; y < y_n; y++, cnt.left++)                                     \
                        NAME##_blk(e, a, b, c, k, m, x, y, 1, 1);                         \
                }                                                                        \
                if (e->scheme == DSE_MM_UNITS && x_n % ua) {                             \
                    /* leftover rows: all cores in parallel on the other dimension */     \
                    int64_t bs = (y_n + cores - 1) / cores, ys = id * bs, ye = ys + bs;   \
                    if (ye > y_n)                                                        \
                        ye = y_n;                                                        \
                    for (x = x_n - x_n % ua; x < x_n; x++)                               \
                        for (y = ys; y < ye; y++, cnt.left++)                            \
                            NAME##_blk(e, a, b, c, k, m, x, y, 1, 1);                     \
                }                                                                        \
            }                                                                            \
            if (count && id == 0)                                                        \
                *count = cnt;                                                            \
        }                                                                                \
        return run;                                                                      \
    }

DSE_DEFINE_MM(float, dse_mm_run_f32)
DSE_DEFINE_MM(dse_f16_t, dse_mm_run_f16)

void dse_mm_ref_f32(const float *a, const float *b, float *c, int64_t n, int64_t k, int64_t m)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < m; j++) {
            double s = 0;
            for (int64_t kk = 0; kk < k; kk++)
                s += (double)a[i * k + kk] * b[kk * m + j];
            c[i * m + j] = (float)s;
        }
}
