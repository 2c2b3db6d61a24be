/* test_siracusa.c - the Siracusa model against the figures of MODELS.md
 * section 2 (Deeploy tutorial, DORY's NE16 model structure). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    CHECK_INT(dse_model_siracusa.prepare(job, li, &ctx, &err), 0);
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

/* Minimum cycles over tiles (divisors), buffering and, where given as -1,
 * engine and wmem; the point is left in best_p and its metrics in best_m. */
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
    CHECK_INT(dse_model_siracusa.prepare(job, li, &ctx, &err), 0);
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
                            if (l1 && (a != e0 || b != e1 || c != e2 || buf))
                                continue;
                            defaults(l, p);
                            p[ENGINE] = eng, p[WMEM] = wm, p[BUF] = buf;
                            p[CORES] = eng ? 0 : cores;
                            p[L1] = l1;
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
