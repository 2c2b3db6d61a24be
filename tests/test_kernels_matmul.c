/* test_kernels_matmul.c - every catalogue kernel against the naive matmul. */
#include <stdlib.h>

#include "core/util.h"
#include "kernels/catalogue.h"
#include "kernels/matmul.h"
#include "tests/test.h"

static uint64_t s_rng = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd64(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static int64_t rnd(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd64() % (uint64_t)(hi - lo + 1));
}

static float rndf(void)
{
    return (float)((double)(rnd64() % 2001) / 1000.0 - 1.0);
}

DSE_TEST(kernels_matmul_fp32_all)
{
    int runs = 0;
    for (int it = 0; it < 300; it++) {
        int64_t n = rnd(1, 40), k = rnd(1, 20), m = rnd(1, 40);
        int cores = (int)rnd(1, 8);
        float *a = dse_xmalloc((size_t)(n * k) * sizeof *a);
        float *b = dse_xmalloc((size_t)(k * m) * sizeof *b);
        float *c = dse_xmalloc((size_t)(n * m) * sizeof *c);
        float *r = dse_xmalloc((size_t)(n * m) * sizeof *r);
        for (int64_t i = 0; i < n * k; i++)
            a[i] = rndf();
        for (int64_t i = 0; i < k * m; i++)
            b[i] = rndf();
        dse_mm_ref_f32(a, b, r, n, k, m);
        for (int idx = 0; idx < DSE_MM_FP32_COUNT; idx++) {
            for (int64_t i = 0; i < n * m; i++)
                c[i] = 1e30f; /* every output must be written */
            dse_mm_count_t cnt;
            int run = dse_mm_run_f32(dse_mm_fp32, idx, a, b, c, n, k, m, cores, &cnt);
            CHECK_INT(run, dse_mm_resolve(dse_mm_fp32, idx, n, k, m, cores));
            int bad = 0;
            for (int64_t i = 0; i < n * m; i++)
                if (fabs((double)c[i] - r[i]) > 1e-4 * (1 + fabs((double)r[i])))
                    bad++;
            if (bad)
                dse__test_fail(__FILE__, __LINE__, "%s (ran %s) %lldx%lldx%lld on %d cores: %d wrong",
                               dse_mm_fp32[idx].name, dse_mm_fp32[run].name, (long long)n,
                               (long long)k, (long long)m, cores, bad);
            /* the model counts the same bodies for core 0 */
            dse_mm_work_t w;
            dse_mm_work(&dse_mm_fp32[run], n, m, cores, &w);
            CHECK_INT(cnt.blocks, w.blocks);
            CHECK_INT(cnt.half, w.half);
            CHECK_INT(cnt.left, w.left);
            runs++;
        }
        free(a), free(b), free(c), free(r);
    }
    CHECK_INT(runs, 300 * DSE_MM_FP32_COUNT);
}

DSE_TEST(kernels_matmul_fp16_all)
{
    for (int it = 0; it < 200; it++) {
        int64_t n = rnd(1, 33), k = rnd(1, 9), m = rnd(1, 33);
        int cores = (int)rnd(1, 8);
        dse_f16_t *a = dse_xmalloc((size_t)(n * k) * sizeof *a);
        dse_f16_t *b = dse_xmalloc((size_t)(k * m) * sizeof *b);
        dse_f16_t *c = dse_xmalloc((size_t)(n * m) * sizeof *c);
        float *af = dse_xmalloc((size_t)(n * k) * sizeof *af);
        float *bf = dse_xmalloc((size_t)(k * m) * sizeof *bf);
        float *r = dse_xmalloc((size_t)(n * m) * sizeof *r);
        /* values exact in fp16: multiples of 1/8 in [-2, 2] */
        for (int64_t i = 0; i < n * k; i++)
            af[i] = (float)rnd(-16, 16) / 8.0f, a[i] = (dse_f16_t)af[i];
        for (int64_t i = 0; i < k * m; i++)
            bf[i] = (float)rnd(-16, 16) / 8.0f, b[i] = (dse_f16_t)bf[i];
        dse_mm_ref_f32(af, bf, r, n, k, m);
        for (int idx = 0; idx < DSE_MM_FP16_COUNT; idx++) {
            dse_mm_count_t cnt;
            int run = dse_mm_run_f16(dse_mm_fp16, idx, a, b, c, n, k, m, cores, &cnt);
            int bad = 0;
            for (int64_t i = 0; i < n * m; i++)
                if (fabs((double)c[i] - r[i]) > 1e-2 * (1 + fabs((double)r[i])))
                    bad++;
            if (bad)
                dse__test_fail(__FILE__, __LINE__, "%s (ran %s): %d wrong", dse_mm_fp16[idx].name,
                               dse_mm_fp16[run].name, bad);
            dse_mm_work_t w;
            dse_mm_work(&dse_mm_fp16[run], n, m, cores, &w);
            CHECK_INT(cnt.blocks, w.blocks);
            CHECK_INT(cnt.half, w.half);
            CHECK_INT(cnt.left, w.left);
        }
        free(a), free(b), free(c), free(af), free(bf), free(r);
    }
}
