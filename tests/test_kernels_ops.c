/* test_kernels_ops.c - step shapes and tile footprints against brute force. */
#include <stdlib.h>

#include "kernels/catalogue.h"
#include "kernels/ops.h"
#include "tests/test.h"

static uint64_t s_rng = 88172645463325252ULL;

static int64_t rnd(int64_t lo, int64_t hi)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return lo + (int64_t)(s_rng % (uint64_t)(hi - lo + 1));
}

static void random_layer(dse_layer_t *l, dse_op_t op)
{
    memset(l, 0, sizeof *l);
    l->op = op;
    l->cin = rnd(1, 12);
    l->hin = rnd(1, 14);
    l->win = rnd(1, 14);
    l->kh = op == DSE_OP_PW ? 1 : rnd(1, 4);
    l->kw = op == DSE_OP_PW ? 1 : rnd(1, 4);
    l->sh = rnd(1, 3);
    l->sw = rnd(1, 3);
    if (op != DSE_OP_PW) {
        l->pad_t = rnd(0, l->kh - 1), l->pad_b = rnd(0, l->kh - 1);
        l->pad_l = rnd(0, l->kw - 1), l->pad_r = rnd(0, l->kw - 1);
    }
    if (l->hin + l->pad_t + l->pad_b < l->kh)
        l->hin = l->kh;
    if (l->win + l->pad_l + l->pad_r < l->kw)
        l->win = l->kw;
    l->cout = op == DSE_OP_DW ? l->cin : rnd(1, 12);
    l->hout = (l->hin + l->pad_t + l->pad_b - l->kh) / l->sh + 1;
    l->wout = (l->win + l->pad_l + l->pad_r - l->kw) / l->sw + 1;
    if (op == DSE_OP_LINEAR) {
        l->hin = l->win = l->hout = l->wout = l->kh = l->kw = l->sh = l->sw = 1;
        l->pad_t = l->pad_b = l->pad_l = l->pad_r = 0;
        l->m = 1, l->n = l->cout, l->k = l->cin;
    }
}

/* Input rows touched by output rows [o0, o0+n): enumerate every window
 * position and mark it; the DMA fetches the contiguous block from the first
 * to the last marked row. */
static int64_t brute_span(int64_t o0, int64_t n, int64_t s, int64_t k, int64_t pad, int64_t in)
{
    int64_t first = -1, last = -1;
    for (int64_t o = o0; o < o0 + n; o++)
        for (int64_t r = 0; r < k; r++) {
            int64_t i = o * s - pad + r;
            if (i < 0 || i >= in)
                continue;
            if (first < 0 || i < first)
                first = i;
            if (i > last)
                last = i;
        }
    return first < 0 ? 0 : last - first + 1;
}

/* The MODELS.md formulas written out per op and step, independently. */
static int64_t brute_bytes(const dse_layer_t *l, int step, int64_t c, int64_t ci, int64_t ho,
                           int64_t wo, int64_t hi, int64_t wi, int eb, int dbuf)
{
    int64_t dma = 0, loc = 0, k = l->kh * l->kw;
    switch (l->op) {
    case DSE_OP_CONV2D:
        if (step != DSE_TSTEP_IG) {
            dma = ci * hi * wi + k * ci * c + c + c * ho * wo;
            loc = ci * k * ho * wo;
        } else {
            dma = ci * hi * wi + k * ci * c + c * ho * wo;
            loc = c * k * hi * wi;
        }
        break;
    case DSE_OP_PW: dma = hi * wi * ci + ci * c + ho * wo * c; break;
    case DSE_OP_DW: dma = c * hi * wi + k * c + c * ho * wo; break;
    case DSE_OP_LINEAR: dma = ci + ci * c + c + (step != DSE_TSTEP_IG ? c : 0); break;
    default: break;
    }
    return ((dbuf ? 2 : 1) * dma + loc) * eb;
}

DSE_TEST(kernels_ops_footprint_bruteforce)
{
    const dse_op_t ops[] = {DSE_OP_CONV2D, DSE_OP_PW, DSE_OP_DW, DSE_OP_LINEAR};
    for (int it = 0; it < 400; it++) {
        dse_layer_t l;
        random_layer(&l, ops[it % 4]);
        int64_t tc = rnd(1, l.cout), tci = l.op == DSE_OP_DW ? tc : rnd(1, l.cin);
        int64_t th = rnd(1, l.hout), tw = rnd(1, l.wout);
        for (int step = 0; step < 3; step++)
            for (int eb = 2; eb <= 4; eb += 2)
                for (int64_t c0 = 0; c0 < l.cout; c0 += tc)
                    for (int64_t i0 = 0; i0 < (l.op == DSE_OP_DW ? 1 : l.cin); i0 += tci)
                        for (int64_t r0 = 0; r0 < l.hout; r0 += th)
                            for (int64_t w0 = 0; w0 < l.wout; w0 += tw) {
                                int64_t c = l.cout - c0 < tc ? l.cout - c0 : tc;
                                int64_t ci = l.op == DSE_OP_DW ? c
                                             : (l.cin - i0 < tci ? l.cin - i0 : tci);
                                int64_t ho = l.hout - r0 < th ? l.hout - r0 : th;
                                int64_t wo = l.wout - w0 < tw ? l.wout - w0 : tw;
                                int64_t hi = brute_span(r0, ho, l.sh, l.kh, l.pad_t, l.hin);
                                int64_t wi = brute_span(w0, wo, l.sw, l.kw, l.pad_l, l.win);
                                dse_tile_t t = {c, ci, ho, wo,
                                                dse_ops_in_span(r0, ho, l.sh, l.kh, l.pad_t, l.hin),
                                                dse_ops_in_span(w0, wo, l.sw, l.kw, l.pad_l, l.win)};
                                CHECK_INT(t.hi, hi);
                                CHECK_INT(t.wi, wi);
                                dse_footprint_t fp;
                                dse_ops_footprint(&l, step, &t, eb, &fp);
                                for (int db = 0; db < 2; db++)
                                    CHECK_INT(dse_ops_footprint_total(&fp, db),
                                              brute_bytes(&l, step, c, ci, ho, wo, hi, wi, eb, db));
                            }
    }
}

DSE_TEST(kernels_ops_shapes)
{
    dse_layer_t l;
    memset(&l, 0, sizeof l);
    l.op = DSE_OP_PW, l.cin = 16, l.cout = 16, l.hin = l.win = l.hout = l.wout = 8;
    l.kh = l.kw = l.sh = l.sw = 1;
    dse_tile_t t;
    dse_ops_full_tile(&l, &t);
    dse_mm_dims_t d;
    dse_ops_mm_dims(&l, DSE_TSTEP_FW, &t, &d);
    CHECK_INT(d.n, 16); CHECK_INT(d.k, 16); CHECK_INT(d.m, 64);
    CHECK_INT(dse_ops_macs(&l, DSE_TSTEP_FW, &t), 16384);
    dse_ops_mm_dims(&l, DSE_TSTEP_WG, &t, &d);
    CHECK_INT(d.n, 16); CHECK_INT(d.k, 64); CHECK_INT(d.m, 16);
    dse_ops_mm_dims(&l, DSE_TSTEP_IG, &t, &d);
    CHECK_INT(d.n, 16); CHECK_INT(d.k, 16); CHECK_INT(d.m, 64);
    l.op = DSE_OP_CONV2D, l.kh = l.kw = 3, l.pad_t = l.pad_b = l.pad_l = l.pad_r = 1;
    dse_ops_full_tile(&l, &t);
    dse_ops_mm_dims(&l, DSE_TSTEP_FW, &t, &d);
    CHECK_INT(d.n, 16); CHECK_INT(d.k, 144); CHECK_INT(d.m, 64);
    dse_ops_mm_dims(&l, DSE_TSTEP_IG, &t, &d);
    CHECK_INT(d.n, 16); CHECK_INT(d.k, 144); CHECK_INT(d.m, 64);
    CHECK_INT(dse_ops_im2col_elems(&l, DSE_TSTEP_FW, &t), 16 * 9 * 64);
    l.op = DSE_OP_LINEAR, l.cin = 10, l.cout = 3;
    dse_ops_full_tile(&l, &t);
    dse_ops_mm_dims(&l, DSE_TSTEP_WG, &t, &d);
    CHECK_INT(d.n, 3); CHECK_INT(d.k, 1); CHECK_INT(d.m, 10);
    dse_ops_mm_dims(&l, DSE_TSTEP_IG, &t, &d);
    CHECK_INT(d.n, 1); CHECK_INT(d.k, 3); CHECK_INT(d.m, 10);
}

DSE_TEST(kernels_catalogue_fallback)
{
    /* mm_unroll_4x4 (12): N_par/8 < 2 -> 1x8 (-> 1x4 when M < 8) */
    CHECK_STR(dse_mm_fp32[dse_mm_resolve(dse_mm_fp32, 12, 8, 16, 64, 8)].name, "mm_unroll_1x8");
    CHECK_STR(dse_mm_fp32[dse_mm_resolve(dse_mm_fp32, 12, 24, 16, 64, 8)].name, "mm_unroll_2x4");
    CHECK_STR(dse_mm_fp32[dse_mm_resolve(dse_mm_fp32, 12, 32, 16, 3, 8)].name, "mm_unroll_2x2");
    CHECK_STR(dse_mm_fp32[dse_mm_resolve(dse_mm_fp32, 12, 32, 16, 64, 8)].name, "mm_unroll_4x4");
    CHECK_STR(dse_mm_fp32[dse_mm_resolve(dse_mm_fp32, 12, 8, 16, 1, 8)].name, "mm");
    CHECK_STR(dse_mm_fp32[dse_mm_resolve(dse_mm_fp32, 23, 64, 16, 8, 8)].name, "mm_M_unroll_8x1");
    CHECK_STR(dse_mm_fp32[dse_mm_resolve(dse_mm_fp32, 23, 2, 16, 64, 8)].name, "mm_M_unroll_2x2");
    CHECK_STR(dse_mm_fp16[dse_mm_resolve(dse_mm_fp16, 3, 32, 1, 64, 8)].name, "mm_fp16_SIMD_2x4");
    CHECK_STR(dse_mm_fp16[dse_mm_resolve(dse_mm_fp16, 3, 32, 8, 64, 8)].name, "mm_fp16_SIMD_4x8");
    /* every entry resolves to itself when sizes are large */
    for (int i = 0; i < DSE_MM_FP32_COUNT; i++)
        CHECK_INT(dse_mm_resolve(dse_mm_fp32, i, 256, 64, 256, 8), i);
    for (int i = 0; i < DSE_MM_FP16_COUNT; i++)
        CHECK_INT(dse_mm_resolve(dse_mm_fp16, i, 256, 64, 256, 8), i);
}

DSE_TEST(kernels_catalogue_resolve_all)
{
    for (int it = 0; it < 2000; it++) {
        int64_t n = rnd(1, 70), k = rnd(1, 5), m = rnd(1, 70);
        int cores = (int)rnd(1, 9);
        int8_t out32[DSE_MM_FP32_COUNT], out16[DSE_MM_FP16_COUNT];
        dse_mm_resolve_all(dse_mm_fp32, DSE_MM_FP32_COUNT, n, k, m, cores, out32);
        dse_mm_resolve_all(dse_mm_fp16, DSE_MM_FP16_COUNT, n, k, m, cores, out16);
        for (int i = 0; i < DSE_MM_FP32_COUNT; i++) {
            CHECK_INT(out32[i], dse_mm_resolve(dse_mm_fp32, i, n, k, m, cores));
            /* a resolved kernel passes its own tests */
            CHECK_INT(dse_mm_resolve(dse_mm_fp32, out32[i], n, k, m, cores), out32[i]);
        }
        for (int i = 0; i < DSE_MM_FP16_COUNT; i++)
            CHECK_INT(out16[i], dse_mm_resolve(dse_mm_fp16, i, n, k, m, cores));
    }
    /* fallbacks always go to a smaller index (resolve_all relies on it) */
    for (int i = 0; i < DSE_MM_FP32_COUNT; i++)
        for (int j = 0; j < 3 && dse_mm_fp32[i].fb[j].test != DSE_FB_NONE; j++)
            CHECK(dse_mm_fp32[i].fb[j].to < i);
    for (int i = 0; i < DSE_MM_FP16_COUNT; i++)
        for (int j = 0; j < 3 && dse_mm_fp16[i].fb[j].test != DSE_FB_NONE; j++)
            CHECK(dse_mm_fp16[i].fb[j].to < i);
}
