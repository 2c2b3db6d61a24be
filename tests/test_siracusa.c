/* test_siracusa.c - the Siracusa model against the figures of MODELS.md
 * section 2 (Deeploy tutorial, DORY's NE16 model structure). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/siracusa.h"
#include "tests/test.h"

enum { ENGINE, TILE_HO, TILE_WO, TILE_COUT, TILE_M, TILE_N, BUF, WMEM, CORES, L1, SIMD, NP };

static dse_job_t *mkjob(void)
{
    dse_job_t *job = dse_xcalloc(1, sizeof *job);
    job->model = &dse_model_siracusa;
    for (size_t i = 0; i < dse_model_siracusa.n_preset_keys; i++)
        job->hw[i] = dse_model_siracusa.preset_keys[i].dflt;
    job->dtype = DSE_DTYPE_INT8;
    job->steps = DSE_STEP_FW;
    return job;
}

static void sethw(dse_job_t *job, const char *key, double v)
{
    int i = dse_model_preset_key(&dse_model_siracusa, key);
    CHECK(i >= 0);
    if (i >= 0)
        job->hw[i] = v;
}

static dse_layer_t *add(dse_job_t *job, dse_op_t op)
{
    job->layers = dse_xrealloc(job->layers, (job->n_layers + 1) * sizeof *job->layers);
    dse_layer_t *l = &job->layers[job->n_layers++];
    memset(l, 0, sizeof *l);
    l->op = op;
    l->kh = l->kw = l->sh = l->sw = 1;
    l->attr[0] = 1; /* const_weights */
    l->attr[1] = 8; /* weight_bits */
    return l;
}

static size_t conv(dse_job_t *job, dse_op_t op, int64_t cin, int64_t h, int64_t w, int64_t cout,
                   int64_t k, int64_t s)
{
    dse_layer_t *l = add(job, op);
    int64_t pad = k / 2;
    l->cin = cin, l->hin = h, l->win = w;
    l->cout = op == DSE_OP_DW ? cin : cout;
    l->kh = l->kw = k, l->sh = l->sw = s;
    l->pad_t = l->pad_l = l->pad_b = l->pad_r = pad;
    l->hout = (h + 2 * pad - k) / s + 1;
    l->wout = (w + 2 * pad - k) / s + 1;
    return job->n_layers - 1;
}

static size_t gemm(dse_job_t *job, int64_t m, int64_t n, int64_t k, int const_w)
{
    dse_layer_t *l = add(job, m == 1 ? DSE_OP_GEMV : DSE_OP_GEMM);
    l->m = m, l->n = n, l->k = k;
    l->cin = k, l->cout = n, l->hin = l->win = l->hout = l->wout = 1;
    l->attr[0] = const_w;
    return job->n_layers - 1;
}

static size_t elem(dse_job_t *job, int64_t c, int64_t h, int64_t w)
{
    dse_layer_t *l = add(job, DSE_OP_ELEMENTWISE);
    l->cin = l->cout = c, l->hin = l->hout = h, l->win = l->wout = w;
    return job->n_layers - 1;
}

static void freejob(dse_job_t *job)
{
    free(job->layers);
    free(job);
}

/* Defaults: cluster, untiled extents, single buffering, 8 cores, tiled, SIMD. */
static void defaults(const dse_layer_t *l, double *p)
{
    memset(p, 0, NP * sizeof *p);
    p[TILE_HO] = (double)(l->op == DSE_OP_ELEMENTWISE ? l->hin : l->hout);
    p[TILE_WO] = (double)l->wout;
    p[TILE_COUT] = (double)l->cout;
    p[TILE_M] = (double)l->m;
    p[TILE_N] = (double)l->n;
    p[SIMD] = 1;
}

static int eval(const dse_job_t *job, size_t li, const double *p, double *m)
{
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_model_siracusa.prepare(job, li, 0, &ctx, &err), 0);
    int ok = dse_model_siracusa.evaluate(ctx, p, m);
    dse_model_siracusa.release(ctx);
    return ok;
}

static int metric(const char *name)
{
    int i = dse_model_metric(&dse_model_siracusa, name);
    CHECK(i >= 0);
    return i < 0 ? 0 : i;
}

/* Kernels Deeploy runs on one core whatever `cores` says. */
static int one_core(const dse_layer_t *l)
{
    return l->op == DSE_OP_GELU || l->op == DSE_OP_LAYERNORM ||
           ((l->op == DSE_OP_GEMM || l->op == DSE_OP_GEMV) && l->attr[0] == 0);
}

/* Minimum cycles over tiles (divisors), buffering and, where given as -1,
 * engine, wmem and l1 (0 tiled, 1 from L2); the point is left in best_p and its metrics in best_m. */
static double best(const dse_job_t *job, size_t li, int engine, int wmem, double cores, int l1,
                   double *best_p, double *best_m)
{
    const dse_layer_t *l = &job->layers[li];
    double p[NP], m[DSE_MAX_METRICS], bc = INFINITY;
    int conv_like = l->op == DSE_OP_CONV2D || l->op == DSE_OP_PW || l->op == DSE_OP_DW;
    int64_t e0 = l->op == DSE_OP_ELEMENTWISE ? l->hin : conv_like ? l->hout : l->m;
    int64_t e1 = conv_like ? l->wout : 1;
    int64_t e2 = conv_like ? l->cout : l->op == DSE_OP_ELEMENTWISE ? 1 : l->n;
    int ci = metric("cycles");
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_model_siracusa.prepare(job, li, 0, &ctx, &err), 0);
    for (int l1m = 0; l1m < 2; l1m++)
    for (int eng = 0; eng < 2; eng++)
        for (int wm = 0; wm < 2; wm++)
            for (int buf = 0; buf < 2; buf++)
                for (int64_t a = 1; a <= e0; a++)
                    for (int64_t b = 1; b <= e1; b++)
                        for (int64_t c = 1; c <= e2; c++) {
                            if ((engine >= 0 && eng != engine) || (wmem >= 0 && wm != wmem))
                                continue;
                            if (e0 % a || e1 % b || e2 % c)
                                continue;
                            if ((l1 >= 0 && l1m != l1) ||
                                (l1m && (a != e0 || b != e1 || c != e2 || buf)))
                                continue;
                            defaults(l, p);
                            p[ENGINE] = eng, p[WMEM] = wm, p[BUF] = buf;
                            /* one-core kernels count once, at the canonical cores */
                            p[CORES] = eng || one_core(l) ? 0 : cores;
                            p[L1] = l1m;
                            if (l->op == DSE_OP_ELEMENTWISE)
                                p[TILE_HO] = (double)a;
                            else if (conv_like)
                                p[TILE_HO] = (double)a, p[TILE_WO] = (double)b,
                                p[TILE_COUT] = (double)c;
                            else
                                p[TILE_M] = (double)a, p[TILE_N] = (double)c;
                            if (!dse_model_siracusa.evaluate(ctx, p, m))
                                continue;
                            if (m[ci] < bc) {
                                bc = m[ci];
                                if (best_p)
                                    memcpy(best_p, p, sizeof p);
                                if (best_m)
                                    memcpy(best_m, m, sizeof m);
                            }
                        }
    dse_model_siracusa.release(ctx);
    return bc;
}

/* Deeploy tutorial (GVSoC): int8 LeakyReLU over (1, 16, 64, 64). */
static void leaky(double out[4])
{
    dse_job_t *job = mkjob();
    size_t li = elem(job, 16, 64, 64);
    double p[NP], m[DSE_MAX_METRICS];
    int ci = metric("cycles");
    defaults(&job->layers[li], p);
    p[SIMD] = 0, p[L1] = 1, p[CORES] = 1;
    CHECK(eval(job, li, p, m));
    out[0] = m[ci];
    p[CORES] = 8;
    CHECK(eval(job, li, p, m));
    out[1] = m[ci];
    /* tiled as Deeploy's tiler does: the largest tile that fits, single-buffered */
    sethw(job, "l1_bytes", 32768);
    p[L1] = 0, p[BUF] = 0, p[TILE_HO] = 32;
    CHECK(!eval(job, li, p, m)); /* 2 x 32 KiB does not fit */
    p[TILE_HO] = 16;
    CHECK(eval(job, li, p, m));
    out[2] = m[ci];
    CHECK_INT(m[metric("tiles")], 4);
    CHECK_INT(m[metric("l1_bytes")], 32768);
    p[SIMD] = 1;
    CHECK(eval(job, li, p, m));
    out[3] = m[ci];
    freejob(job);
}

DSE_TEST(siracusa_leakyrelu_calibration)
{
    double c[4];
    leaky(c);
    CHECK_REL(c[0], 2492970, 0.25);
    CHECK_REL(c[1], 313541, 0.25);
    CHECK_REL(c[2], 108090, 0.25);
    CHECK_REL(c[3], 43005, 0.25);
    CHECK(c[0] > c[1] && c[1] > c[2] && c[2] > c[3]);
    /* from L2 on 8 cores costs about 2.9x the same op tiled into L1 */
    CHECK_REL(c[1] / c[2], 2.9, 0.25);
    printf("  leakyrelu: 1c L2 %.0f, 8c L2 %.0f, 8c tiled %.0f, 8c tiled SIMD %.0f\n", c[0],
           c[1], c[2], c[3]);
}

DSE_TEST(siracusa_figures)
{
    dse_job_t *job = mkjob();
    size_t pre = gemm(job, 128, 512, 512, 1), ar = gemm(job, 1, 512, 512, 1);
    size_t pw = conv(job, DSE_OP_PW, 64, 28, 28, 64, 1, 1);
    size_t c3 = conv(job, DSE_OP_CONV2D, 64, 28, 28, 64, 3, 1);
    size_t dw = conv(job, DSE_OP_DW, 96, 56, 56, 96, 3, 1);
    size_t dw2 = conv(job, DSE_OP_DW, 96, 56, 56, 96, 3, 2);
    size_t ids[] = {pre, ar, pw, c3, dw, dw2};
    const char *names[] = {"gemm128", "gemv", "pw", "conv3", "dw", "dw/2"};
    double p[NP], m[DSE_MAX_METRICS];
    for (int i = 0; i < 6; i++) {
        double cl8 = best(job, ids[i], 0, 0, 8, 0, p, m);
        double cl1 = best(job, ids[i], 0, 0, 1, 0, p, m);
        double l2_8 = best(job, ids[i], 0, 0, 8, 1, p, m);
        double l2_1 = best(job, ids[i], 0, 0, 1, 1, p, m);
        double n0 = best(job, ids[i], 1, 0, 8, 0, p, m);
        double n1 = best(job, ids[i], 1, 1, 8, 0, p, m);
        printf("  %-8s cl8 %.0f cl1 %.0f (x%.2f) l2: 8c %.0f 1c %.0f (x%.2f) npu %.0f wmem %.0f "
               "macs/c %.1f\n",
               names[i], cl8, cl1, cl1 / cl8, l2_8, l2_1, l2_1 / l2_8, n0, n1,
               m[metric("macs")] / n1);
    }
    freejob(job);
}

DSE_TEST(siracusa_smaller_l1_more_tiles)
{
    dse_job_t *job = mkjob();
    size_t li = conv(job, DSE_OP_CONV2D, 64, 32, 32, 64, 3, 1);
    size_t ei = elem(job, 16, 64, 64);
    double p[NP], m[DSE_MAX_METRICS];
    int ti = metric("tiles");
    const double l1s[] = {262144, 65536, 32768, 16384};
    double prev_c = 0, prev_t = 0, prev_ec = 0;
    for (int i = 0; i < 4; i++) {
        sethw(job, "l1_bytes", l1s[i]);
        double c = best(job, li, 0, 0, 8, 0, p, m);
        double t = m[ti];
        CHECK(m[metric("l1_bytes")] <= l1s[i]);
        double ec = best(job, ei, 0, 0, 8, 0, p, m);
        if (i > 0) {
            CHECK(c > prev_c);
            CHECK(t >= prev_t);
            CHECK(ec >= prev_ec);
        }
        printf("  l1 %.0f: conv %.0f cycles %.0f tiles, elementwise %.0f\n", l1s[i], c, t, ec);
        prev_c = c, prev_t = t, prev_ec = ec;
    }
    CHECK(prev_t > 16);
    sethw(job, "l1_bytes", 2048);
    CHECK(best(job, ei, 0, 0, 8, 0, p, m) > prev_ec);
    /* the NPU too: fewer, larger tiles amortise the per-tile costs */
    sethw(job, "l1_bytes", 262144);
    double big = best(job, li, 1, 0, 8, 0, p, m);
    sethw(job, "l1_bytes", 16384);
    double small = best(job, li, 1, 0, 8, 0, p, m);
    CHECK(small > big);
    freejob(job);
}

DSE_TEST(siracusa_cores_speedup_below_8x)
{
    dse_job_t *job = mkjob();
    /* autoregressive projection: weights streamed from L2 by the DMA */
    size_t gv = gemm(job, 1, 512, 512, 1);
    size_t gm = gemm(job, 16, 512, 512, 1);
    double s_gv = best(job, gv, 0, 0, 1, 0, NULL, NULL) / best(job, gv, 0, 0, 8, 0, NULL, NULL);
    double s_l2 = best(job, gm, 0, 0, 1, 1, NULL, NULL) / best(job, gm, 0, 0, 8, 1, NULL, NULL);
    CHECK(s_gv > 2.0 && s_gv < 6.0);
    /* untiled from L2: the 8 cores share the L2 port */
    CHECK(s_l2 > 4.0 && s_l2 < 7.6);
    printf("  8 vs 1 core: gemv 512x512 tiled x%.2f, gemm 16x512x512 from L2 x%.2f\n", s_gv,
           s_l2);
    freejob(job);
}

DSE_TEST(siracusa_npu_prefill_vs_autoregressive)
{
    dse_job_t *job = mkjob();
    size_t pre = gemm(job, 128, 512, 512, 1), ar = gemm(job, 1, 512, 512, 1);
    double cl_pre = best(job, pre, 0, 0, 8, 0, NULL, NULL);
    double cl_ar = best(job, ar, 0, 0, 8, 0, NULL, NULL);
    double np_pre = best(job, pre, 1, 0, 8, 0, NULL, NULL);
    double np_ar = best(job, ar, 1, 0, 8, 0, NULL, NULL);
    double wm_pre = best(job, pre, 1, 1, 8, 0, NULL, NULL);
    double wm_ar = best(job, ar, 1, 1, 8, 0, NULL, NULL);
    double sp_pre = cl_pre / np_pre, sp_ar = cl_ar / np_ar;
    /* GEMV is bound by moving the weights: the NPU barely helps */
    CHECK(sp_pre > 10.0);
    CHECK(sp_ar < 1.5);
    CHECK(sp_pre > 5.0 * sp_ar);
    /* the weight memory removes the weight DMA: it helps GEMV far more */
    double wg_pre = np_pre / wm_pre, wg_ar = np_ar / wm_ar;
    CHECK(wg_ar > 1.5);
    CHECK(wg_ar > 1.5 * wg_pre);
    printf("  npu speed-up: prefill x%.1f, autoregressive x%.2f; weight memory: prefill x%.2f, "
           "autoregressive x%.2f\n",
           sp_pre, sp_ar, wg_pre, wg_ar);
    freejob(job);
}

DSE_TEST(siracusa_mobilenet_engine_mix)
{
    dse_job_t *job = mkjob();
    size_t expand = conv(job, DSE_OP_PW, 24, 56, 56, 144, 1, 1);
    size_t dws1 = conv(job, DSE_OP_DW, 144, 56, 56, 144, 3, 1);
    size_t dws2 = conv(job, DSE_OP_DW, 144, 56, 56, 144, 3, 2);
    size_t proj = conv(job, DSE_OP_PW, 144, 28, 28, 32, 1, 1);
    size_t dense = conv(job, DSE_OP_CONV2D, 32, 28, 28, 32, 3, 1);
    size_t first = conv(job, DSE_OP_CONV2D, 3, 112, 112, 32, 3, 2);
    double p[NP], m[DSE_MAX_METRICS];
    int ei = metric("engine");
    best(job, expand, -1, -1, 8, 0, p, m);
    CHECK_INT(m[ei], 1);
    best(job, proj, -1, -1, 8, 0, p, m);
    CHECK_INT(m[ei], 1);
    best(job, dense, -1, -1, 8, 0, p, m);
    CHECK_INT(m[ei], 1);
    /* stride-2 depthwise and the stride-2 stem stay on the cluster (npu_stride2 = 0) */
    best(job, dws2, -1, -1, 8, 0, p, m);
    CHECK_INT(m[ei], 0);
    best(job, first, -1, -1, 8, 0, p, m);
    CHECK_INT(m[ei], 0);
    best(job, dws1, -1, -1, 8, 0, p, m);
    printf("  stride-1 depthwise 144x56x56: best engine %s\n", m[ei] ? "npu" : "cluster");
    /* with stride 2 enabled the NPU takes the stride-2 depthwise too */
    sethw(job, "npu_stride2", 1);
    double on = best(job, dws2, 1, -1, 8, 0, p, m);
    CHECK(isfinite(on));
    freejob(job);
}

DSE_TEST(siracusa_neureka_structure)
{
    /* weight bytes: 3x3 Ko*ceil(Ki/28)*bits*32, 1x1 Ko*ceil(Ki/32)*32 at 8 bits */
    CHECK_INT(dse_neureka_weight_bytes(DSE_NEUREKA_3X3, 64, 64, 8), 64 * 3 * 8 * 32);
    CHECK_INT(dse_neureka_weight_bytes(DSE_NEUREKA_3X3, 64, 64, 2), 64 * 3 * 2 * 32);
    CHECK_INT(dse_neureka_weight_bytes(DSE_NEUREKA_1X1, 64, 100, 8), 64 * 4 * 32);
    /* throughput of a large layer: 1x1 load-bound near 800 MAC/cycle, 3x3
     * near its 1,134 ideal, depthwise near 40 or below */
    double c11 = dse_neureka_cycles(DSE_NEUREKA_1X1, 36, 36, 256, 256, 8);
    double c33 = dse_neureka_cycles(DSE_NEUREKA_3X3, 36, 36, 256, 252, 8);
    double cdw = dse_neureka_cycles(DSE_NEUREKA_DW, 36, 36, 252, 252, 8);
    double r11 = 36.0 * 36 * 256 * 256 / c11, r33 = 36.0 * 36 * 256 * 252 * 9 / c33;
    double rdw = 36.0 * 36 * 252 * 9 / cdw;
    CHECK(r11 > 600 && r11 < 850);
    CHECK(r33 > 950 && r33 < 1134);
    CHECK(rdw > 15 && rdw < 41);
    /* the DORY structure: spatial blocks multiply, output-channel blocks add up */
    CHECK_REL(dse_neureka_cycles(DSE_NEUREKA_1X1, 12, 12, 64, 64, 8),
              4 * dse_neureka_cycles(DSE_NEUREKA_1X1, 6, 6, 64, 64, 8), 1e-12);
    printf("  neureka MAC/cycle: 1x1 %.0f, 3x3 %.0f, dw %.1f\n", r11, r33, rdw);
}

DSE_TEST(siracusa_eligibility)
{
    dse_job_t *job = mkjob();
    size_t qk = gemm(job, 64, 64, 32, 0); /* Q K^T: activations x activations */
    size_t k5 = conv(job, DSE_OP_CONV2D, 16, 16, 16, 16, 5, 1);
    size_t s2 = conv(job, DSE_OP_CONV2D, 16, 16, 16, 16, 3, 2);
    size_t ew = elem(job, 4, 4, 4);
    double p[NP], m[DSE_MAX_METRICS];
    size_t ids[] = {qk, k5, s2};
    for (int i = 0; i < 3; i++) {
        defaults(&job->layers[ids[i]], p);
        CHECK(eval(job, ids[i], p, m));
        p[ENGINE] = 1;
        CHECK(!eval(job, ids[i], p, m));
    }
    const dse_param_decl_t *wm = &dse_model_siracusa.params[WMEM];
    CHECK(!wm->applies(job, &job->layers[qk]));
    CHECK(!wm->applies(job, &job->layers[ew]));
    CHECK(!dse_model_siracusa.params[ENGINE].applies(job, &job->layers[ew]));
    CHECK(dse_model_siracusa.params[SIMD].applies(job, &job->layers[ew]));
    CHECK(!dse_model_siracusa.params[SIMD].applies(job, &job->layers[qk]));
    CHECK(!dse_model_siracusa.params[TILE_M].applies(job, &job->layers[k5]));
    sethw(job, "npu_stride2", 1);
    CHECK(wm->applies(job, &job->layers[s2]));
    defaults(&job->layers[s2], p);
    p[ENGINE] = 1;
    CHECK(eval(job, s2, p, m));
    freejob(job);
}

DSE_TEST(siracusa_dma_split_and_l3)
{
    dse_job_t *job = mkjob();
    sethw(job, "l1_bytes", 1 << 20);
    size_t li = elem(job, 1, 1, 200000);
    double p[NP], m[DSE_MAX_METRICS];
    defaults(&job->layers[li], p);
    CHECK(eval(job, li, p, m));
    /* 200,000 bytes in and out: two transfers each (2^17 limit) */
    CHECK_REL(m[metric("dma_cycles")], 4 * 30 + 400000 / 8.0, 1e-12);
    /* 2048 x 2048 weights (4 MiB + params) exceed L2: streamed from L3, slower */
    size_t big = gemm(job, 1, 2048, 2048, 1);
    double m3[DSE_MAX_METRICS];
    double slow = best(job, big, 0, 0, 8, 0, p, m3);
    CHECK(m3[metric("l3_bytes")] > 4e6);
    CHECK(!isfinite(best(job, big, 0, 0, 8, 1, p, m))); /* cores cannot run from L3 */
    sethw(job, "l2_bytes", 8 << 20);
    double fast = best(job, big, 0, 0, 8, 0, p, m);
    CHECK_INT(m[metric("l3_bytes")], 0);
    CHECK(slow > 3 * fast);
    freejob(job);
}

DSE_TEST(siracusa_weight_memory)
{
    dse_job_t *job = mkjob();
    size_t li = gemm(job, 1, 4096, 1024, 1); /* 4 MiB of NEUREKA weights */
    double p[NP], m[DSE_MAX_METRICS];
    defaults(&job->layers[li], p);
    p[ENGINE] = 1, p[WMEM] = 1, p[TILE_N] = 64;
    CHECK(eval(job, li, p, m));
    CHECK_INT(m[metric("wmem_bytes")], 4096 * 32 * 32);
    sethw(job, "wmem_bytes", 1 << 20);
    CHECK(!eval(job, li, p, m));
    p[WMEM] = 0;
    CHECK(eval(job, li, p, m));
    CHECK_INT(m[metric("wmem_bytes")], 0);
    freejob(job);
}

DSE_TEST(siracusa_canonical_points)
{
    dse_job_t *job = mkjob();
    size_t li = conv(job, DSE_OP_PW, 32, 8, 8, 32, 1, 1);
    double p[NP], m[DSE_MAX_METRICS];
    defaults(&job->layers[li], p);
    p[L1] = 1;
    CHECK(eval(job, li, p, m)); /* untiled from L2 */
    CHECK_INT(m[metric("l1_bytes")], 0);
    CHECK_INT(m[metric("dma_cycles")], 0);
    p[TILE_HO] = 4; /* tiles do not matter from L2: only the canonical point */
    CHECK(!eval(job, li, p, m));
    defaults(&job->layers[li], p);
    p[WMEM] = 1; /* the weight memory does not matter on the cluster */
    CHECK(!eval(job, li, p, m));
    p[ENGINE] = 1, p[CORES] = 4; /* nor the cores on the NPU */
    CHECK(!eval(job, li, p, m));
    p[CORES] = 0;
    CHECK(eval(job, li, p, m));
    p[L1] = 1; /* NEUREKA reads L1 only */
    CHECK(!eval(job, li, p, m));
    defaults(&job->layers[li], p);
    p[CORES] = 16; /* more cores than the preset */
    CHECK(!eval(job, li, p, m));
    freejob(job);
}

DSE_TEST(siracusa_baseline)
{
    dse_job_t *job = mkjob();
    conv(job, DSE_OP_PW, 32, 28, 28, 64, 1, 1);
    conv(job, DSE_OP_DW, 64, 28, 28, 64, 3, 2);
    gemm(job, 1, 256, 256, 1);
    elem(job, 16, 32, 32);
    double rows[4][NP];
    double *params[4] = {rows[0], rows[1], rows[2], rows[3]};
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_model_siracusa.baseline(job, "deeploy", params, &err), 0);
    double m[DSE_MAX_METRICS];
    for (size_t i = 0; i < 4; i++)
        CHECK(eval(job, i, params[i], m));
    CHECK_INT(rows[0][ENGINE], 1);
    CHECK_INT(rows[1][ENGINE], 0);
    CHECK_INT(rows[2][ENGINE], 1);
    CHECK_INT(dse_model_siracusa.baseline(job, "deeploy-cluster", params, &err), 0);
    CHECK_INT(rows[0][ENGINE], 0);
    CHECK(dse_model_siracusa.baseline(job, "nope", params, &err) < 0);
    freejob(job);
}

/* The networks of configs/slm-*.toml and configs/mobilenetv2-siracusa*.toml
 * (one decoder block: both blocks are the same). */
enum { SLM_D = 256, SLM_FF = 1024, SLM_HEADS = 4, SLM_S = 64, SLM_CTX = 64 };

static dse_job_t *slm_block(int prefill)
{
    dse_job_t *job = mkjob();
    int64_t m = prefill ? SLM_S : 1, hd = SLM_D / SLM_HEADS;
    for (int i = 0; i < 3; i++)
        gemm(job, m, SLM_D, SLM_D, 1);
    for (int h = 0; h < SLM_HEADS; h++) {
        if (prefill) {
            gemm(job, SLM_S, SLM_S, hd, 0);
            elem(job, 1, SLM_S, SLM_S);
            gemm(job, SLM_S, hd, SLM_S, 0);
        } else {
            gemm(job, 1, SLM_CTX, hd, 0);
            elem(job, 1, 1, SLM_CTX);
            gemm(job, 1, hd, SLM_CTX, 0);
        }
    }
    gemm(job, m, SLM_D, SLM_D, 1);
    gemm(job, m, SLM_FF, SLM_D, 1);
    elem(job, 1, m, SLM_FF);
    gemm(job, m, SLM_D, SLM_FF, 1);
    return job;
}

static dse_job_t *mobilenet(void)
{
    dse_job_t *job = mkjob();
    conv(job, DSE_OP_CONV2D, 3, 96, 96, 16, 3, 2);
    conv(job, DSE_OP_CONV2D, 16, 48, 48, 16, 3, 1);
    conv(job, DSE_OP_PW, 16, 48, 48, 8, 1, 1);
    static const int blocks[6][2] = {{16, 2}, {16, 1}, {24, 2}, {24, 1}, {48, 2}, {48, 1}};
    int64_t cin = 8, h = 48;
    for (int i = 0; i < 6; i++) {
        int64_t e = cin * 6, c = blocks[i][0], s = blocks[i][1], h2 = (h - 1) / s + 1;
        conv(job, DSE_OP_PW, cin, h, h, e, 1, 1);
        conv(job, DSE_OP_DW, e, h, h, e, 3, s);
        conv(job, DSE_OP_PW, e, h2, h2, c, 1, 1);
        if (s == 1 && c == cin)
            elem(job, c, h2, h2);
        h = h2, cin = c;
    }
    conv(job, DSE_OP_PW, cin, h, h, 320, 1, 1);
    return job;
}

/* Sum over layers of the per-layer minimum cycles. */
static double net_best(const dse_job_t *job, int engine, int wmem, double cores, int *n_npu)
{
    double sum = 0, p[NP], m[DSE_MAX_METRICS];
    int ei = metric("engine");
    if (n_npu)
        *n_npu = 0;
    for (size_t i = 0; i < job->n_layers; i++) {
        sum += best(job, i, engine, wmem, cores, -1, p, m);
        if (n_npu && m[ei] == 1)
            (*n_npu)++;
    }
    return sum;
}

DSE_TEST(siracusa_slm_network)
{
    double r[2][6];
    for (int pre = 0; pre < 2; pre++) {
        dse_job_t *job = slm_block(pre);
        r[pre][0] = net_best(job, 0, 0, 8, NULL);  /* cluster, 8 cores */
        r[pre][1] = net_best(job, 0, 0, 1, NULL);  /* cluster, 1 core */
        r[pre][2] = net_best(job, -1, 0, 8, NULL); /* NPU where it pays, weights DMA'd */
        r[pre][3] = net_best(job, -1, -1, 8, NULL); /* and the weight memory where it helps */
        sethw(job, "l1_bytes", 65536);
        r[pre][4] = net_best(job, -1, 0, 8, NULL);
        sethw(job, "l1_bytes", 16384);
        r[pre][5] = net_best(job, -1, 0, 8, NULL);
        printf("  slm %s block: cluster 8c %.0f, 1c %.0f (x%.2f), npu %.0f (x%.2f), +wmem %.0f "
               "(x%.2f), L1 64 KiB %.0f, 16 KiB %.0f\n",
               pre ? "prefill" : "autoregressive", r[pre][0], r[pre][1], r[pre][1] / r[pre][0],
               r[pre][2], r[pre][0] / r[pre][2], r[pre][3], r[pre][2] / r[pre][3], r[pre][4],
               r[pre][5]);
        CHECK(r[pre][1] / r[pre][0] < 7.9);
        CHECK(r[pre][4] >= r[pre][2]);
        CHECK(r[pre][5] > r[pre][2]);
        freejob(job);
    }
    /* 8 cores on the language model (a prompt, then SLM_CTX generated tokens):
     * about 5x, not 8x */
    double gen1 = r[1][1] + SLM_CTX * r[0][1], gen8 = r[1][0] + SLM_CTX * r[0][0];
    printf("  slm prompt + %d tokens: 1 core %.0f, 8 cores %.0f (x%.2f)\n", SLM_CTX, gen1, gen8,
           gen1 / gen8);
    CHECK(gen1 / gen8 > 2.5 && gen1 / gen8 < 6.5);
    CHECK(r[0][1] / r[0][0] > 2.5 && r[0][1] / r[0][0] < 6.5);
    /* the NPU speeds up prefill more than autoregressive (the attention
     * products, one-core MatMuls of two activations, stay on the cluster:
     * microLlama's published 1.23x against 1.04x) */
    CHECK(r[1][0] / r[1][2] > 1.2 * (r[0][0] / r[0][2]));
    /* the weight memory helps autoregressive more */
    CHECK(r[0][2] / r[0][3] > r[1][2] / r[1][3]);
}

DSE_TEST(siracusa_mobilenet_network)
{
    dse_job_t *job = mobilenet();
    int n_npu = 0;
    double big = net_best(job, -1, -1, 8, &n_npu);
    int n = (int)job->n_layers;
    /* the per-layer best engines mix */
    CHECK(n_npu > 0 && n_npu < n);
    double cl = net_best(job, 0, 0, 8, NULL);
    /* Deeploy-style baseline (NPU where eligible, largest double-buffered tiles) */
    double *rows = dse_xcalloc(job->n_layers * NP, sizeof *rows);
    double **params = dse_xcalloc(job->n_layers, sizeof *params);
    for (size_t i = 0; i < job->n_layers; i++)
        params[i] = rows + i * NP;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_model_siracusa.baseline(job, "deeploy", params, &err), 0);
    double base = 0, m[DSE_MAX_METRICS];
    for (size_t i = 0; i < job->n_layers; i++) {
        CHECK(eval(job, i, params[i], m));
        base += m[metric("cycles")];
    }
    CHECK(base >= big);
    printf("  mobilenetv2-like: deeploy baseline %.0f cycles, per-layer best %.0f\n", base, big);
    free(params);
    free(rows);
    sethw(job, "l1_bytes", 65536);
    double small = net_best(job, -1, -1, 8, NULL);
    CHECK(small >= big);
    CHECK(cl > big);
    sethw(job, "l1_bytes", 16384);
    double tiny = net_best(job, -1, -1, 8, NULL);
    CHECK(tiny > small);
    printf("  mobilenetv2-like: %d of %d layers on the NPU, %.0f cycles (cluster only %.0f); "
           "64 KiB L1 %.0f, 16 KiB %.0f\n",
           n_npu, n, big, cl, small, tiny);
    freejob(job);
}

/* ---- microLlama (configs/microllama-*.toml) against the Deeploy tutorial --
 *
 * docs/tutorials/introduction.md of pulp-platform/Deeploy (GVSoC, Siracusa)
 * publishes whole-network cycles of microLlama. Each run here is the sum over
 * the shipped config's layers of the fastest point under the tutorial's
 * settings (single buffering, tensors in L2), `space` and `l1` replacing the
 * config's [space] and L1. Returns -1 when a layer has no feasible point. */
static double ml_run(const char *file, const char *space, const char *l1)
{
    char path[512];
    snprintf(path, sizeof path, "configs/%s", file);
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    char *text = NULL;
    CHECK_INT(dse_read_file(path, &text, &len, &err), 0);
    if (!text)
        return -1;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    const char *sp = strstr(text, "[space]\n"), *se = sp ? strstr(sp, "[search]") : NULL;
    const char *lp = strstr(text, "l1_bytes = 64000");
    CHECK(sp && se && lp && lp < sp);
    if (!sp || !se || !lp || lp > sp) {
        free(text);
        return -1;
    }
    dse_strbuf_addf(&sb, "%.*sl1_bytes = %s%.*s[space]\n%s\n\n%s", (int)(lp - text), text, l1,
                    (int)(sp - lp - 16), lp + 16, space, se);
    free(text);
    dse_job_t *job = NULL;
    int rc = dse_config_parse(path, sb.buf, sb.len, 0, &job, &err);
    dse_strbuf_release(&sb);
    CHECK_INT(rc, 0);
    if (rc)
        return -1;
    double sum = 0, p[DSE_MAX_PARAMS], m[DSE_MAX_METRICS];
    int ci = metric("cycles");
    for (size_t li = 0; li < job->n_layers && sum >= 0; li++) {
        const dse_space_t *s = job->layers[li].space;
        void *ctx = NULL;
        CHECK_INT(dse_model_siracusa.prepare(job, li, 0, &ctx, &err), 0);
        double bc = INFINITY;
        for (uint64_t i = 0; i < s->size; i++) {
            dse_space_decode(s, i, p);
            if (dse_model_siracusa.evaluate(ctx, p, m) && m[ci] < bc)
                bc = m[ci];
        }
        dse_model_siracusa.release(ctx);
        sum = isfinite(bc) ? sum + bc : -1;
    }
    dse_job_destroy(&job);
    return sum;
}

#define ML_CLUSTER "engine = [\"cluster\"]\nbuffering = [\"single\"]\n"
#define ML_NPU "engine = [\"cluster\", \"npu\"]\nbuffering = [\"single\"]\n"

/* The tutorial's four questions (published figures, and the model's error
 * on each; tolerances in docs/model-siracusa.md and the README table). */
DSE_TEST(siracusa_microllama_tutorial)
{
    /* 1. why 8 cores are not 8x faster: microLlama128 untiled from L2 */
    double c1 = ml_run("microllama-ar128.toml", ML_CLUSTER "l1 = [\"l2\"]\ncores = [1]", "64000");
    double c8 = ml_run("microllama-ar128.toml", ML_CLUSTER "l1 = [\"l2\"]\ncores = [8]", "64000");
    /* 2. a bad and a good tiling of the parallel model (8 cores, from L2) */
    double bad = ml_run("microllama-parallel64.toml", ML_CLUSTER "l1 = [\"tiled\"]", "8000");
    double good = ml_run("microllama-parallel64.toml", ML_CLUSTER "l1 = [\"tiled\"]", "64000");
    /* 3. the NPU (tiled, L1 64000) and 4. its weight memory */
    double pn = ml_run("microllama-parallel64.toml", ML_NPU "l1 = [\"tiled\"]\nwmem = [\"off\"]",
                       "64000");
    double pw = ml_run("microllama-parallel64.toml", ML_NPU "l1 = [\"tiled\"]\nwmem = [\"off\", \"on\"]",
                       "64000");
    double ac = ml_run("microllama-ar64.toml", ML_CLUSTER "l1 = [\"tiled\"]", "64000");
    double an = ml_run("microllama-ar64.toml", ML_NPU "l1 = [\"tiled\"]\nwmem = [\"off\"]", "64000");
    double aw = ml_run("microllama-ar64.toml", ML_NPU "l1 = [\"tiled\"]\nwmem = [\"off\", \"on\"]",
                       "64000");
    printf("  microLlama128 from L2: 1 core %.0f (published 16.1M), 8 cores %.0f (3.1M), x%.2f "
           "(5.2)\n", c1, c8, c1 / c8);
    printf("  microLlama64_parallel tiled, 8 cores: L1 8000 %.0f (47.5M), L1 64000 %.0f "
           "(35.3M), x%.2f (1.35)\n", bad, good, bad / good);
    printf("  NPU: parallel %.0f (28.6M) x%.2f (1.23), autoregressive %.0f (857K) from %.0f "
           "x%.2f (1.04)\n", pn, good / pn, an, ac, ac / an);
    printf("  weight memory: parallel %.0f (28.3M) x%.3f (1.011), autoregressive %.0f (780K) "
           "x%.3f (1.099)\n", pw, pn / pw, aw, an / aw);
    CHECK(c1 > 0 && c8 > 0 && bad > 0 && good > 0 && pn > 0 && pw > 0 && ac > 0 && an > 0 &&
          aw > 0);
    /* directions, as published */
    CHECK(c1 / c8 > 2.0 && c1 / c8 < 8.0);
    CHECK(bad > good);
    CHECK(good / pn > ac / an);
    CHECK(an / aw > pn / pw);
    /* sizes, within the tolerances the docs state */
    CHECK_REL(c1, 16.1e6, 0.5);
    CHECK_REL(c8, 3.1e6, 0.5);
    CHECK_REL(bad, 47.5e6, 0.5);
    CHECK_REL(good, 35.3e6, 0.5);
    CHECK_REL(pn, 28.6e6, 0.5);
    CHECK_REL(pw, 28.3e6, 0.5);
    CHECK_REL(an, 857e3, 0.5);
    CHECK_REL(aw, 780e3, 0.5);
}

static size_t vec(dse_job_t *job, dse_op_t op, int64_t c, int64_t h, int64_t w)
{
    size_t li = elem(job, c, h, w);
    job->layers[li].op = op;
    return li;
}

/* The vector ops' cluster costs, from the kernel readings of
 * hwmodels/siracusa.c (one L1 tile: compute = fork + instructions). */
DSE_TEST(siracusa_vector_ops)
{
    dse_job_t *job = mkjob();
    size_t rq = vec(job, DSE_OP_REQUANT, 64, 64, 1);      /* 4096 elements */
    size_t sm = vec(job, DSE_OP_SOFTMAX, 16, 1, 65);      /* 16 rows of 65 */
    size_t sm4 = vec(job, DSE_OP_SOFTMAX, 4, 1, 65);      /* fewer rows than cores */
    size_t rms = vec(job, DSE_OP_RMSNORM, 64, 64, 1);     /* 64 rows of 64 */
    size_t ge = vec(job, DSE_OP_GELU, 64, 64, 1);
    size_t ad = vec(job, DSE_OP_ADD, 64, 64, 1);
    size_t ln = vec(job, DSE_OP_LAYERNORM, 1, 8, 64);     /* 8 rows of 64 */
    double p[NP], m[DSE_MAX_METRICS];
    int comp = metric("compute_cycles"), l1 = metric("l1_bytes");
    const double fork = 300, dv = 12;
    defaults(&job->layers[rq], p);
    CHECK(eval(job, rq, p, m));
    CHECK_REL(m[comp], fork + 10 + 512 * 9, 1e-12);
    CHECK_INT(m[l1], 2 * 4096);
    /* softmax: rows split 2 per core; 18 + 2 divisions per element, 10 per row */
    defaults(&job->layers[sm], p);
    p[TILE_HO] = 16;
    CHECK(eval(job, sm, p, m));
    CHECK_REL(m[comp], fork + 10 + 2 * (10 + 65 * (18 + 2 * dv)), 1e-12);
    CHECK_INT(m[l1], 2 * 16 * 65 + 8 * 65 * 4); /* in + out + a 32-bit row per core */
    /* 4 rows on 8 cores: the last core takes them all */
    defaults(&job->layers[sm4], p);
    p[TILE_HO] = 4;
    CHECK(eval(job, sm4, p, m));
    CHECK_REL(m[comp], fork + 10 + 4 * (10 + 65 * (18 + 2 * dv)), 1e-12);
    /* rmsnorm: every core reduces every row, then normalises 8 of its 64 */
    defaults(&job->layers[rms], p);
    p[TILE_HO] = 64;
    CHECK(eval(job, rms, p, m));
    CHECK_REL(m[comp], fork + 10 + 64 * (15 + 72 + dv + 64 * 3 + 8 * (7 + dv)), 1e-12);
    CHECK_INT(m[l1], 2 * 4096 + 64 * 4);
    /* gelu runs on one core whatever the cores: only the canonical value counts */
    defaults(&job->layers[ge], p);
    CHECK(eval(job, ge, p, m));
    CHECK_REL(m[comp], fork + 10 + 4096 * 20, 1e-12);
    p[CORES] = 4;
    CHECK(!eval(job, ge, p, m));
    /* add reads two tensors */
    defaults(&job->layers[ad], p);
    CHECK(eval(job, ad, p, m));
    CHECK_INT(m[l1], 3 * 4096);
    CHECK_REL(m[comp], fork + 10 + 512 * 15, 1e-12);
    /* layernorm: one core, 8 rows */
    defaults(&job->layers[ln], p);
    p[TILE_HO] = 8;
    CHECK(eval(job, ln, p, m));
    CHECK_REL(m[comp], fork + 10 + 8 * (20 + 16 * 8 + 2 * dv + 64 * (17 + dv)), 1e-12);
    /* the NPU and SIMD do not apply to them */
    CHECK(!dse_model_siracusa.params[ENGINE].applies(job, &job->layers[rq]));
    CHECK(!dse_model_siracusa.params[SIMD].applies(job, &job->layers[sm]));
    freejob(job);
}

/* GEMM as Deeploy runs it: one pulp_nn_linear call per row of A (never
 * parallel over M), and a MatMul of two activations on one core. */
DSE_TEST(siracusa_gemm_rows_and_one_core_matmul)
{
    /* K = 4, N = 4 (microLlama's RoPE shape): 4 outputs, 4 cores active */
    dse_i8_work_t w = dse_i8_gemm_work(16, 4, 4, 8, 80);
    CHECK_REL(w.active, 4, 1e-12);
    /* per row: 80 + one odd output: 2 + 2 + 3 + 6 = 13 */
    CHECK_REL(w.instr, 10 + 16 * (80 + 13), 1e-12);
    /* K = 64, N = 64: 8 outputs per core in 4 pairs of 16 steps of 5 */
    w = dse_i8_gemm_work(64, 64, 64, 8, 80);
    CHECK_REL(w.instr, 10 + 64 * (80 + 4 * (2 + 2 + 5 * 16 + 12)), 1e-12);
    /* 8 cores share each row's outputs; the row calls do not shrink: 6.8x */
    CHECK_REL(dse_i8_gemm_work(64, 64, 64, 1, 80).instr / w.instr, 6.79, 0.01);
    w = dse_i8_matmul_work(64, 64, 4);
    CHECK_REL(w.instr, 10 + 4096 * 14.5, 1e-12);
    CHECK_REL(w.active, 1, 1e-12);
    /* in the model: cores do not change it, and its output is int32 */
    dse_job_t *job = mkjob();
    size_t qk = gemm(job, 64, 64, 4, 0);
    job->layers[qk].attr[2] = 16; /* repeat: 16 heads */
    double p[NP], m[DSE_MAX_METRICS];
    defaults(&job->layers[qk], p);
    CHECK(eval(job, qk, p, m));
    CHECK_INT(m[metric("l1_bytes")], 64 * 4 + 4 * 64 + 64 * 64 * 4);
    CHECK_REL(m[metric("macs")], 16.0 * 64 * 64 * 4, 1e-12);
    /* 15 instances of 16,896 bytes fit the 256 KiB L1 together: the 16
     * instances take two kernel calls, two forks */
    CHECK_REL(m[metric("compute_cycles")], 2 * 300 + 16 * (10 + 4096 * 14.5), 1e-12);
    CHECK_INT(m[metric("tiles")], 16);
    /* tiled in 4 row blocks, every tile of every instance is its own call */
    p[TILE_M] = 16;
    CHECK(eval(job, qk, p, m));
    CHECK_REL(m[metric("compute_cycles")], 64 * 300 + 64 * (10 + 1024 * 14.5), 1e-12);
    p[CORES] = 1;
    CHECK(!eval(job, qk, p, m));
    freejob(job);
}
