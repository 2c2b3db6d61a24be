/* test_pulp_model.c - the pulp-cluster model against MODELS.md section 1. */
#include <stdlib.h>

#include "config/config.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/pulp_cluster.h"
#include "kernels/ops.h"
#include "tests/test.h"
#include "eval/eval.h"

static const dse_hwmodel_t *M = &dse_model_pulp_cluster;

/* A job with one layer and the pulp-open preset defaults. */
static dse_job_t *make_job(dse_dtype_t dt, unsigned steps)
{
    dse_job_t *job = dse_xcalloc(1, sizeof *job);
    job->model = M;
    for (size_t i = 0; i < M->n_preset_keys; i++)
        job->hw[i] = M->preset_keys[i].dflt;
    job->dtype = dt;
    job->steps = steps;
    return job;
}

static dse_layer_t *add_layer(dse_job_t *job, dse_op_t op, int64_t cin, int64_t h, int64_t w,
                              int64_t cout, int64_t k, int64_t s, int64_t pad)
{
    job->layers = dse_xrealloc(job->layers, (job->n_layers + 1) * sizeof *job->layers);
    dse_layer_t *l = &job->layers[job->n_layers++];
    memset(l, 0, sizeof *l);
    l->op = op;
    l->cin = cin, l->hin = h, l->win = w;
    l->cout = op == DSE_OP_DW ? cin : cout;
    l->kh = l->kw = k;
    l->sh = l->sw = s;
    l->pad_t = l->pad_l = l->pad_b = l->pad_r = pad;
    l->hout = (h + 2 * pad - k) / s + 1;
    l->wout = (w + 2 * pad - k) / s + 1;
    if (op == DSE_OP_LINEAR) {
        l->hin = l->win = l->hout = l->wout = l->kh = l->kw = l->sh = l->sw = 1;
        l->m = 1, l->n = cout, l->k = cin;
    }
    return l;
}

static void free_job(dse_job_t *job)
{
    for (size_t i = 0; i < job->n_layers; i++)
        dse_space_destroy(&job->layers[i].space);
    free(job->layers);
    free(job);
}

static void set_params(double *p, double tc, double th, double tw, double tci, int dbuf,
                       int cores, int matmul)
{
    p[DSE_PULP_P_TILE_COUT] = tc;
    p[DSE_PULP_P_TILE_HO] = th;
    p[DSE_PULP_P_TILE_WO] = tw;
    p[DSE_PULP_P_TILE_CIN] = tci;
    p[DSE_PULP_P_BUFFERING] = dbuf;
    p[DSE_PULP_P_CORES] = cores;
    p[DSE_PULP_P_MATMUL] = matmul;
    p[DSE_PULP_P_PRUNE] = 0;
}

static int eval1(dse_job_t *job, size_t li, const double *p, double *m)
{
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (M->prepare(job, li, 0, &ctx, &err) != 0)
        return -1;
    int ok = M->evaluate(ctx, p, m);
    M->release(ctx);
    return ok;
}

/* matmul choice index of a kernel name */
static const char *s_kernel_name(int i)
{
    return M->metrics[DSE_PULP_M_KERNEL_FW].labels[i];
}

static int choice(const char *name)
{
    const char *const *c = M->params[DSE_PULP_P_MATMUL].choices;
    for (int i = 0; c[i]; i++)
        if (strcmp(c[i], name) == 0)
            return i;
    return -1;
}

DSE_TEST(pulp_calib_single_core)
{
    /* PointWise FW 16 -> 16 on 8x8, one core (PULP-TrainLib-Tutorial Ex03) */
    CHECK_REL(dse_pulp_mm_cycles(dse_mm_fp32, 0, 16, 16, 64, 1, 1.0), 77491, 0.15);
    CHECK_REL(dse_pulp_mm_cycles(dse_mm_fp32, 6, 16, 16, 64, 1, 1.0), 49884, 0.15);
    CHECK_REL(dse_pulp_mm_cycles(dse_mm_fp32, 10, 16, 16, 64, 1, 1.0), 35465, 0.15);
    /* the same through the model: FW compute of the whole layer in L1 */
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW);
    add_layer(job, DSE_OP_PW, 16, 8, 8, 16, 1, 1, 0);
    double p[DSE_PULP_P__COUNT], m[DSE_PULP_M__COUNT];
    const char *names[3] = {"mm", "mm_unroll_2x1", "mm_unroll_2x4"};
    const double ref[3] = {77491, 49884, 35465};
    for (int i = 0; i < 3; i++) {
        set_params(p, 16, 8, 8, 0, 1, 1, choice(names[i]));
        CHECK_INT(eval1(job, 0, p, m), 1);
        CHECK_REL(m[DSE_PULP_M_CYCLES_FW], ref[i], 0.15);
        CHECK_STR(s_kernel_name((int)m[DSE_PULP_M_KERNEL_FW]), names[i]);
    }
    free_job(job);
}

/* Best over the tile sizes (divisors) of one layer for a fixed kernel choice. */
static double best_cycles(dse_job_t *job, size_t li, int matmul, int cores, double *mpc,
                          int64_t *min_tiles)
{
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(M->prepare(job, li, 0, &ctx, &err), 0);
    const dse_layer_t *l = &job->layers[li];
    int dense = l->op == DSE_OP_LINEAR;
    double best = -1;
    if (min_tiles)
        *min_tiles = -1;
    for (int64_t tc = 1; tc <= l->cout; tc++)
        for (int64_t th = 1; th <= (dense ? 1 : l->hout); th++)
            for (int64_t tw = 1; tw <= (dense ? 1 : l->wout); tw++) {
                if (l->cout % tc || (!dense && (l->hout % th || l->wout % tw)))
                    continue;
                for (int db = 0; db < 2; db++) {
                    double p[DSE_PULP_P__COUNT], m[DSE_PULP_M__COUNT];
                    set_params(p, (double)tc, (double)th, (double)tw, 0, db, cores, matmul);
                    if (!M->evaluate(ctx, p, m))
                        continue;
                    if (best < 0 || m[DSE_PULP_M_CYCLES] < best) {
                        best = m[DSE_PULP_M_CYCLES];
                        if (mpc)
                            *mpc = m[DSE_PULP_M_MAC_PER_CYCLE];
                    }
                    if (min_tiles && (*min_tiles < 0 || m[DSE_PULP_M_TILES] < *min_tiles))
                        *min_tiles = (int64_t)m[DSE_PULP_M_TILES];
                }
            }
    M->release(ctx);
    return best;
}

DSE_TEST(pulp_calib_8_cores_peak)
{
    /* large layers, FW, best kernel and best tiling on 8 cores: about 4.39
     * MAC/cycle at most (SAMOS 2022) */
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW);
    job->hw[DSE_PULP_HW_L1] = 128 * 1024;
    add_layer(job, DSE_OP_PW, 128, 16, 16, 128, 1, 1, 0);
    add_layer(job, DSE_OP_CONV2D, 64, 16, 16, 64, 3, 1, 1);
    double top = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        double mpc = 0;
        CHECK(best_cycles(job, li, 0, 8, &mpc, NULL) > 0);
        CHECK(mpc <= 4.39 * 1.001);
        if (mpc > top)
            top = mpc;
    }
    CHECK_REL(top, 4.39, 0.15);
    free_job(job);
}

DSE_TEST(pulp_calib_autotune_gain)
{
    /* best kernel per step vs one kernel for all: up to 2.4x (SAMOS 2022).
     * Reproduced by the IG step of a first conv layer (3 -> 16, 3x3, 32x32)
     * against mm_unroll_2x4, and by a pw 64 -> 64 FW against the naive mm. */
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_IG);
    job->hw[DSE_PULP_HW_L1] = 1 << 20;
    add_layer(job, DSE_OP_CONV2D, 3, 32, 32, 16, 3, 1, 1);
    double best = best_cycles(job, 0, 0, 8, NULL, NULL);
    double fixed = best_cycles(job, 0, choice("mm_unroll_2x4"), 8, NULL, NULL);
    CHECK_REL(fixed / best, 2.4, 0.15);
    free_job(job);
    job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW);
    job->hw[DSE_PULP_HW_L1] = 1 << 20;
    add_layer(job, DSE_OP_PW, 64, 16, 16, 64, 1, 1, 0);
    best = best_cycles(job, 0, 0, 8, NULL, NULL);
    fixed = best_cycles(job, 0, choice("mm"), 8, NULL, NULL);
    CHECK_REL(fixed / best, 2.4, 0.15);
    free_job(job);
}

DSE_TEST(pulp_smaller_l1_more_tiles)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    add_layer(job, DSE_OP_CONV2D, 32, 32, 32, 32, 3, 1, 1);
    int64_t t64, t128;
    job->hw[DSE_PULP_HW_L1] = 64 * 1024;
    best_cycles(job, 0, 0, 8, NULL, &t64);
    job->hw[DSE_PULP_HW_L1] = 128 * 1024;
    best_cycles(job, 0, 0, 8, NULL, &t128);
    CHECK(t128 > 0);
    CHECK(t64 > t128);
    free_job(job);
}

DSE_TEST(pulp_double_never_slower)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    job->hw[DSE_PULP_HW_L1] = 1 << 20;
    add_layer(job, DSE_OP_CONV2D, 16, 20, 20, 24, 3, 2, 1);
    add_layer(job, DSE_OP_DW, 24, 10, 10, 24, 3, 1, 1);
    add_layer(job, DSE_OP_PW, 24, 10, 10, 40, 1, 1, 0);
    add_layer(job, DSE_OP_LINEAR, 100, 1, 1, 10, 1, 1, 0);
    int n = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        void *ctx;
        dse_error_t err = DSE_ERROR_INIT;
        CHECK_INT(M->prepare(job, li, 0, &ctx, &err), 0);
        const dse_layer_t *l = &job->layers[li];
        for (int64_t tc = 1; tc <= l->cout; tc += 3)
            for (int64_t th = 1; th <= l->hout; th += 2)
                for (int64_t tw = 1; tw <= l->wout; tw += 3)
                    for (int64_t tci = 0; tci <= l->cin; tci += 7) {
                        double p[DSE_PULP_P__COUNT], ms[DSE_PULP_M__COUNT],
                            md[DSE_PULP_M__COUNT];
                        set_params(p, (double)tc, (double)th, (double)tw, (double)tci, 0, 8, 0);
                        int a = M->evaluate(ctx, p, ms);
                        p[DSE_PULP_P_BUFFERING] = 1;
                        int b = M->evaluate(ctx, p, md);
                        CHECK(a || !b);
                        if (a && b) {
                            n++;
                            CHECK(md[DSE_PULP_M_CYCLES] <= ms[DSE_PULP_M_CYCLES] + 1e-6);
                            CHECK(md[DSE_PULP_M_L1_BYTES] >= ms[DSE_PULP_M_L1_BYTES]);
                            CHECK_INT(md[DSE_PULP_M_TILES], ms[DSE_PULP_M_TILES]);
                        }
                    }
        M->release(ctx);
    }
    CHECK(n > 100);
    free_job(job);
}

/* A space with one value per parameter is exactly one deployment, and the
 * cached path (with a space) agrees with the direct path (without). */
DSE_TEST(pulp_one_point_and_cache)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    dse_layer_t *l = add_layer(job, DSE_OP_CONV2D, 8, 15, 13, 12, 3, 1, 1);
    (void)l;
    double v[DSE_PULP_P__COUNT] = {5, 4, 13, 3, 1, 8, 0, 0.25};
    const double *vals[DSE_PULP_P__COUNT];
    size_t n[DSE_PULP_P__COUNT];
    for (int i = 0; i < DSE_PULP_P__COUNT; i++)
        vals[i] = &v[i], n[i] = 1;
    dse_error_t err = DSE_ERROR_INIT;
    job->layers[0].space = dse_space_new(DSE_PULP_P__COUNT, vals, n, &err);
    CHECK_INT(job->layers[0].space->size, 1);
    double p[DSE_PULP_P__COUNT], m1[DSE_PULP_M__COUNT], m2[DSE_PULP_M__COUNT];
    dse_space_decode(job->layers[0].space, 0, p);
    CHECK_INT(eval1(job, 0, p, m1), 1);
    dse_space_destroy(&job->layers[0].space);
    CHECK_INT(eval1(job, 0, p, m2), 1);
    for (int i = 0; i < DSE_PULP_M__COUNT; i++)
        CHECK_REL(m1[i], m2[i], 1e-6);
    /* prune 0.25 of 12 channels on 8 cores: 12 - 3 = 9 -> 8 kept */
    CHECK_REL(m1[DSE_PULP_M_PRUNE], 0.25, 1e-9);
    /* FW + WG MACs do not depend on the tiling; IG recomputes the halo */
    dse_tile_t t = {8, 8, 15, 13, 15, 13};
    job->steps = DSE_STEP_FW | DSE_STEP_WG;
    CHECK_INT(eval1(job, 0, p, m2), 1);
    CHECK_INT(m2[DSE_PULP_M_MACS], dse_ops_macs(&job->layers[0], DSE_TSTEP_FW, &t)
                                       + dse_ops_macs(&job->layers[0], DSE_TSTEP_WG, &t));
    CHECK(m1[DSE_PULP_M_MACS] > m2[DSE_PULP_M_MACS] + dse_ops_macs(&job->layers[0], DSE_TSTEP_IG, &t));
    free_job(job);
}

/* The model's l1_bytes is the largest footprint over all tiles and steps,
 * counted here tile by tile. */
DSE_TEST(pulp_l1_matches_tiles)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP16, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    job->hw[DSE_PULP_HW_L1] = 1 << 24;
    add_layer(job, DSE_OP_CONV2D, 7, 11, 9, 10, 5, 2, 2);
    add_layer(job, DSE_OP_DW, 6, 9, 9, 6, 3, 1, 1);
    for (size_t li = 0; li < job->n_layers; li++) {
        const dse_layer_t *l = &job->layers[li];
        void *ctx;
        dse_error_t err = DSE_ERROR_INIT;
        CHECK_INT(M->prepare(job, li, 0, &ctx, &err), 0);
        for (int64_t tc = 1; tc <= l->cout; tc++)
            for (int64_t th = 1; th <= l->hout; th++)
                for (int64_t tw = 1; tw <= l->wout; tw += 2) {
                    double p[DSE_PULP_P__COUNT], m[DSE_PULP_M__COUNT];
                    int64_t tci = l->op == DSE_OP_DW ? 0 : 3;
                    set_params(p, (double)tc, (double)th, (double)tw, (double)tci, 1, 8, 0);
                    CHECK_INT(M->evaluate(ctx, p, m), 1);
                    int64_t mx = 0, ntiles = 0;
                    int64_t ci_t = l->op == DSE_OP_DW ? tc : tci;
                    for (int64_t c0 = 0; c0 < l->cout; c0 += tc)
                        for (int64_t i0 = 0; i0 < (l->op == DSE_OP_DW ? 1 : l->cin); i0 += ci_t)
                            for (int64_t r0 = 0; r0 < l->hout; r0 += th)
                                for (int64_t w0 = 0; w0 < l->wout; w0 += tw) {
                                    dse_tile_t t;
                                    t.cout = l->cout - c0 < tc ? l->cout - c0 : tc;
                                    t.cin = l->op == DSE_OP_DW ? t.cout
                                            : (l->cin - i0 < ci_t ? l->cin - i0 : ci_t);
                                    t.ho = l->hout - r0 < th ? l->hout - r0 : th;
                                    t.wo = l->wout - w0 < tw ? l->wout - w0 : tw;
                                    t.hi = dse_ops_in_span(r0, t.ho, l->sh, l->kh, l->pad_t, l->hin);
                                    t.wi = dse_ops_in_span(w0, t.wo, l->sw, l->kw, l->pad_l, l->win);
                                    ntiles++;
                                    for (int s = 0; s < 3; s++) {
                                        dse_footprint_t fp;
                                        dse_ops_footprint(l, s, &t, 2, &fp);
                                        int64_t b = dse_ops_footprint_total(&fp, 1);
                                        if (b > mx)
                                            mx = b;
                                    }
                                }
                    CHECK_INT(m[DSE_PULP_M_L1_BYTES], mx);
                    CHECK_INT(m[DSE_PULP_M_TILES], ntiles);
                }
        M->release(ctx);
    }
    free_job(job);
}

DSE_TEST(pulp_fp16_and_infeasible)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP16, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    add_layer(job, DSE_OP_PW, 64, 16, 16, 64, 1, 1, 0);
    double p[DSE_PULP_P__COUNT], m[DSE_PULP_M__COUNT];
    set_params(p, 64, 4, 16, 0, 1, 8, 0);
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK(m[DSE_PULP_M_KERNEL_FW] >= DSE_PULP_LABEL_FP16);
    CHECK(m[DSE_PULP_M_KERNEL_FW] < DSE_PULP_LABEL_DW);
    /* an fp32 kernel on an fp16 job is not a deployment */
    set_params(p, 64, 4, 16, 0, 1, 8, choice("mm_unroll_2x4"));
    CHECK_INT(eval1(job, 0, p, m), 0);
    /* the whole layer in 64 KiB L1 does not fit (fp16: 32+8+32 KiB, doubled) */
    set_params(p, 64, 16, 16, 0, 1, 8, 0);
    CHECK_INT(eval1(job, 0, p, m), 0);
    /* more cores than the cluster has */
    set_params(p, 64, 4, 16, 0, 1, 16, 0);
    CHECK_INT(eval1(job, 0, p, m), 0);
    /* shared FPUs slow the matmuls down */
    set_params(p, 64, 4, 16, 0, 1, 8, 0);
    CHECK_INT(eval1(job, 0, p, m), 1);
    double c8 = m[DSE_PULP_M_CYCLES];
    job->hw[DSE_PULP_HW_FPUS] = 4;
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK(m[DSE_PULP_M_CYCLES] > c8 * 1.2);
    free_job(job);
}

/* Both baselines give feasible deployments that the exact front (the whole
 * divisor space enumerated) weakly dominates on (cycles, l1_bytes). */
DSE_TEST(pulp_baselines_dominated)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    add_layer(job, DSE_OP_CONV2D, 16, 16, 16, 32, 3, 1, 1);
    add_layer(job, DSE_OP_DW, 32, 16, 16, 32, 3, 1, 1);
    add_layer(job, DSE_OP_PW, 32, 16, 16, 64, 1, 1, 0);
    add_layer(job, DSE_OP_LINEAR, 256, 1, 1, 10, 1, 1, 0);
    CHECK(M->baselines != NULL);
    double *rows[4], store[4][DSE_PULP_P__COUNT];
    for (int i = 0; i < 4; i++)
        rows[i] = store[i];
    dse_error_t err = DSE_ERROR_INIT;
    CHECK(M->baseline(job, "nope", rows, &err) < 0);
    for (int b = 0; M->baselines[b]; b++) {
        CHECK_INT(M->baseline(job, M->baselines[b], rows, &err), 0);
        for (size_t li = 0; li < job->n_layers; li++) {
            const dse_layer_t *l = &job->layers[li];
            void *ctx;
            CHECK_INT(M->prepare(job, li, 0, &ctx, &err), 0);
            double m[DSE_PULP_M__COUNT], bc, bl;
            CHECK_INT(M->evaluate(ctx, rows[li], m), 1);
            bc = m[DSE_PULP_M_CYCLES], bl = m[DSE_PULP_M_L1_BYTES];
            CHECK(bl <= job->hw[DSE_PULP_HW_L1]);
            if (strcmp(M->baselines[b], "dory") == 0 && l->op != DSE_OP_DW)
                CHECK_STR(s_kernel_name((int)rows[li][DSE_PULP_P_MATMUL] - 1), "mm_unroll_2x4");
            int dominated = 0, dense = l->op == DSE_OP_LINEAR;
            for (int64_t tc = 1; tc <= l->cout; tc++)
                for (int64_t th = 1; th <= (dense ? 1 : l->hout); th++)
                    for (int64_t tw = 1; tw <= (dense ? 1 : l->wout); tw++)
                        for (int db = 0; db < 2; db++) {
                            if (l->cout % tc || (!dense && (l->hout % th || l->wout % tw)))
                                continue;
                            double p[DSE_PULP_P__COUNT];
                            set_params(p, (double)tc, (double)th, (double)tw, 0, db, 8, 0);
                            if (M->evaluate(ctx, p, m) && m[DSE_PULP_M_CYCLES] <= bc + 1e-6
                                && m[DSE_PULP_M_L1_BYTES] <= bl)
                                dominated = 1;
                        }
            CHECK(dominated);
            M->release(ctx);
        }
    }
    free_job(job);
}

/* DMA traffic: whole tensors once for one tile; partial sums and reloads
 * when channels are tiled. */
DSE_TEST(pulp_traffic)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW);
    add_layer(job, DSE_OP_PW, 16, 8, 8, 16, 1, 1, 0);
    double p[DSE_PULP_P__COUNT], m[DSE_PULP_M__COUNT];
    set_params(p, 16, 8, 8, 0, 0, 8, 0);
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_PULP_M_L2_TRAFFIC], (16 * 64 + 16 * 16 + 16 * 64) * 4);
    CHECK_INT(m[DSE_PULP_M_TILES], 1);
    /* cin in 2 tiles: the output is stored, reloaded and stored again */
    set_params(p, 16, 8, 8, 8, 0, 8, 0);
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_PULP_M_L2_TRAFFIC], (16 * 64 + 16 * 16 + 3 * 16 * 64) * 4);
    /* cout in 2 tiles: the input is fetched once per cout tile */
    set_params(p, 8, 8, 8, 0, 0, 8, 0);
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_PULP_M_L2_TRAFFIC], (2 * 16 * 64 + 16 * 16 + 16 * 64) * 4);
    /* single buffering: cycles = compute + bytes / 8 + 30 per transfer */
    set_params(p, 16, 8, 8, 0, 0, 8, choice("mm_unroll_2x4"));
    CHECK_INT(eval1(job, 0, p, m), 1);
    double comp = 100 + dse_pulp_mm_cycles(dse_mm_fp32, 10, 16, 16, 64, 8, 1.0);
    CHECK_REL(m[DSE_PULP_M_CYCLES], comp + 9216.0 / 8 + 3 * 30, 1e-6); /* float cache */
    free_job(job);
}

/* Over a whole multi-valued space, the cached evaluation (space known at
 * prepare) equals the direct one (no space), point by point. */
DSE_TEST(pulp_cache_matches_direct)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    add_layer(job, DSE_OP_CONV2D, 6, 11, 9, 12, 3, 2, 1);
    add_layer(job, DSE_OP_DW, 12, 6, 5, 12, 3, 1, 1);
    add_layer(job, DSE_OP_LINEAR, 30, 1, 1, 10, 1, 1, 0);
    double tc[] = {1, 3, 5, 12}, th[] = {1, 2, 6}, tw[] = {1, 4, 5}, tci[] = {0, 4};
    double buf[] = {0, 1}, cores[] = {4, 8}, mm[] = {0, 1, 11, 13, 24}, pr[] = {0, 0.5};
    const double *vals[DSE_PULP_P__COUNT] = {tc, th, tw, tci, buf, cores, mm, pr};
    size_t n[DSE_PULP_P__COUNT] = {4, 3, 3, 2, 2, 2, 5, 2};
    int compared = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        dse_error_t err = DSE_ERROR_INIT;
        job->layers[li].space = dse_space_new(DSE_PULP_P__COUNT, vals, n, &err);
        void *cached, *direct;
        CHECK_INT(M->prepare(job, li, 0, &cached, &err), 0);
        dse_space_t *sp = job->layers[li].space;
        job->layers[li].space = NULL;
        CHECK_INT(M->prepare(job, li, 0, &direct, &err), 0);
        job->layers[li].space = sp;
        for (uint64_t i = 0; i < sp->size; i++) {
            double p[DSE_PULP_P__COUNT], a[DSE_PULP_M__COUNT], b[DSE_PULP_M__COUNT];
            dse_space_decode(sp, i, p);
            int fa = M->evaluate(cached, p, a), fb = M->evaluate(direct, p, b);
            CHECK_INT(fa, fb);
            if (fa && fb) {
                compared++;
                for (int k = 0; k < DSE_PULP_M__COUNT; k++)
                    CHECK_REL(a[k], b[k], 1e-6);
            }
        }
        M->release(cached);
        M->release(direct);
    }
    CHECK(compared > 500);
    free_job(job);
}

/* A layer given as in a config, with its four paddings (top, left,
 * bottom, right). */
static void add_layer_pads(dse_job_t *job, dse_op_t op, int64_t cin, int64_t h, int64_t w,
                           int64_t cout, int64_t k, int64_t s, int pt, int pl, int pb, int pr)
{
    dse_layer_t *l = add_layer(job, op, cin, h, w, cout, k, s, 0);
    l->pad_t = pt, l->pad_l = pl, l->pad_b = pb, l->pad_r = pr;
    l->hout = (h + pt + pb - k) / s + 1;
    l->wout = (w + pl + pr - k) / s + 1;
}

/* The direct evaluation (no cache: spaces too large for it, e.g.
 * configs/resnet8-train-huge.toml) gives bit for bit the metrics of the
 * cached one, on every point of dense samples of that config's layers:
 * every tile_cout and tile_ho, border-heavy tile_wo and tile_cin values,
 * both bufferings, 1 and 8 cores, best / fixed / fp16 kernels, pruning.
 * The direct path rejects over-L1 points before costing any kernel; the
 * cache costs every point in full. (Against the code before this fast
 * path: bench-pulp --digest, README Performance.) */
DSE_TEST(pulp_direct_matches_cached_resnet8)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    job->hw[DSE_PULP_HW_L1] = 131072; /* pulp-open-128k */
    add_layer_pads(job, DSE_OP_CONV2D, 3, 32, 32, 16, 3, 1, 1, 1, 1, 1);  /* conv1 */
    add_layer_pads(job, DSE_OP_CONV2D, 16, 32, 32, 32, 3, 2, 0, 0, 1, 1); /* s2_conv1 */
    add_layer_pads(job, DSE_OP_PW, 16, 32, 32, 32, 1, 2, 0, 0, 0, 0);     /* s2_short */
    add_layer_pads(job, DSE_OP_CONV2D, 64, 8, 8, 64, 3, 1, 1, 1, 1, 1);   /* s3_conv2 */
    add_layer(job, DSE_OP_LINEAR, 64, 1, 1, 10, 1, 1, 0);                 /* fc */
    uint64_t compared = 0, feasible = 0, over_l1 = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        dse_layer_t *l = &job->layers[li];
        int64_t cout = l->op == DSE_OP_LINEAR ? l->n : l->cout;
        int64_t cin = l->op == DSE_OP_LINEAR ? l->k : l->cin;
        double tc[64], th[32], tw[3] = {1, 5, (double)l->wout};
        double tci[4] = {0, 1, 5, (double)(cin / 2 > 0 ? cin / 2 : 1)};
        for (int64_t i = 0; i < cout; i++)
            tc[i] = (double)(i + 1);
        for (int64_t i = 0; i < l->hout; i++)
            th[i] = (double)(i + 1);
        size_t ntw = l->wout > 5 ? 3 : 1, ntci = cin >= 10 ? 4 : 3;
        if (cin < 10)
            tci[2] = (double)cin;
        double buf[] = {0, 1}, cores[] = {1, 8};
        double mm[] = {0, 1, 1 + 10, 1 + DSE_MM_FP32_COUNT}; /* best, mm, 2x4, an fp16 one */
        double pr[] = {0, 0.5};
        const double *vals[DSE_PULP_P__COUNT] = {tc, th, tw, tci, buf, cores, mm, pr};
        size_t n[DSE_PULP_P__COUNT] = {(size_t)cout, (size_t)l->hout, ntw, ntci, 2, 2, 4, 2};
        dse_error_t err = DSE_ERROR_INIT;
        l->space = dse_space_new(DSE_PULP_P__COUNT, vals, n, &err);
        CHECK(l->space != NULL);
        if (!l->space)
            break;
        void *cached, *direct;
        CHECK_INT(M->prepare(job, li, 0, &cached, &err), 0);
        dse_space_t *sp = l->space;
        l->space = NULL;
        CHECK_INT(M->prepare(job, li, 0, &direct, &err), 0);
        l->space = sp;
        CHECK(dse_pulp_has_cache(cached));
        CHECK(!dse_pulp_has_cache(direct));
        for (uint64_t i = 0; i < sp->size; i++) {
            double p[DSE_PULP_P__COUNT], a[DSE_PULP_M__COUNT], b[DSE_PULP_M__COUNT];
            memset(a, 0, sizeof a);
            memset(b, 0, sizeof b);
            dse_space_decode(sp, i, p);
            int fa = M->evaluate(cached, p, a), fb = M->evaluate(direct, p, b);
            CHECK_INT(fa, fb);
            if (memcmp(a, b, sizeof a) != 0) {
                CHECK(!"metrics differ");
                fprintf(stderr, "layer %zu point %llu\n", li, (unsigned long long)i);
                break;
            }
            compared++;
            feasible += fa != 0;
            over_l1 += !fa && a[0] == 1.0;
        }
        M->release(cached);
        M->release(direct);
    }
    CHECK(compared > 100000);
    CHECK(feasible > 10000);
    CHECK(over_l1 > 10000);
    free_job(job);
}

/* A parameter with no effect on a layer is fixed there: a depthwise layer
 * runs dw_direct whatever matmul says, so its space does not repeat every
 * point once per kernel. The time metric is cycles at the preset's clock. */
DSE_TEST(pulp_wasted_points_and_time)
{
    const char *text =
        "[target]\nmodel = \"pulp-cluster\"\n[workload]\n"
        "[[workload.layer]]\nname = \"dw\"\nop = \"dw\"\nin_shape = [16, 8, 8]\nkernel = [3, 3]\n"
        "padding = [1]\n"
        "[[workload.layer]]\nname = \"pw\"\nop = \"pw\"\nin_shape = [16, 8, 8]\nout_channels = 16\n"
        "[space]\nmatmul = [\"best\", \"mm\", \"mm_unroll_2x4\", \"mm_M_unroll_4x4\"]\n";
    dse_error_t err = DSE_ERROR_INIT;
    dse_job_t *job = NULL;
    CHECK_INT(dse_config_parse("w.toml", text, strlen(text), 0, &job, &err), 0);
    if (!job)
        return;
    CHECK_INT(job->layers[0].space->n_values[DSE_PULP_P_MATMUL], 1);
    CHECK_INT(job->layers[1].space->n_values[DSE_PULP_P_MATMUL], 4);
    /* and a setting in the depthwise layer's own space is refused */
    const char *bad =
        "[target]\nmodel = \"pulp-cluster\"\n[workload]\n"
        "[[workload.layer]]\nname = \"dw\"\nop = \"dw\"\nin_shape = [16, 8, 8]\nkernel = [3, 3]\n"
        "space = { matmul = [\"mm\"] }\n";
    dse_job_t *j2 = NULL;
    CHECK_INT(dse_config_parse("w.toml", bad, strlen(bad), 0, &j2, &err), DSE_ECONFIG);
    CHECK(strstr(err.msg, "parameter 'matmul' does not apply to layer 'dw'") != NULL);
    dse_evaljob_t *ej = NULL;
    CHECK_INT(dse_evaljob_new(&job, &ej, &err), 0);
    if (!ej)
        return;
    double p[DSE_MAX_PARAMS], m[DSE_MAX_METRICS];
    int found = 0;
    for (uint64_t i = 0; i < ej->job->layers[1].space->size && !found; i++) {
        dse_space_decode(ej->job->layers[1].space, i, p);
        if (dse_eval_params(ej, 1, p, m) == 1) {
            found = 1;
            CHECK_REL(m[DSE_PULP_M_TIME], m[DSE_PULP_M_CYCLES] / ej->job->hw[DSE_PULP_HW_CLOCK],
                      1e-12);
            CHECK(m[DSE_PULP_M_TIME] > 0);
        }
    }
    CHECK(found);
    CHECK(dse_model_net_metric(M, "time_us") >= 0);
    dse_evaljob_destroy(&ej);
}

/* Evaluates N random points of each layer of job (every tile size, both
 * bufferings, cores 1 .. the preset's, every matmul value of both
 * precisions, pruning) on the fast path twice (the second time partly from
 * the thread's memo) and on the reference path (dse__pulp_fast(0)), and
 * checks that every metric has the same bits. Returns the feasible points. */
static uint64_t fast_matches_reference(dse_job_t *job, uint64_t seed)
{
    enum { N = 6000 };
    static double p[N][DSE_PULP_P__COUNT], first[N][DSE_PULP_M__COUNT];
    static int ok[N];
    uint64_t rng = seed, compared = 0, feasible = 0;
    int cores = (int)job->hw[DSE_PULP_HW_CORES];
    for (size_t li = 0; li < job->n_layers; li++) {
        dse_layer_t *l = &job->layers[li];
        int mm = l->op == DSE_OP_MATMUL || l->op == DSE_OP_GEMM || l->op == DSE_OP_GEMV;
        int dense = mm || l->op == DSE_OP_LINEAR;
        int64_t cout = dense ? l->n : l->cout, cin = dense ? l->k : l->cin;
        int64_t ho = mm ? l->m : dense ? 1 : l->hout, wo = dense ? 1 : l->wout;
        void *ctx;
        dse_error_t err = DSE_ERROR_INIT;
        CHECK_INT(M->prepare(job, li, 0, &ctx, &err), 0); /* no space: no per-layer cache */
        for (int pass = 0; pass < 3; pass++) {
            dse__pulp_fast(pass < 2);
            for (int i = 0; i < N; i++) {
                if (pass == 0) {
                    uint64_t r[8];
                    for (int k = 0; k < 8; k++) {
                        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                        r[k] = rng >> 33;
                    }
                    double *q = p[i];
                    q[DSE_PULP_P_TILE_COUT] = (double)(1 + r[0] % (uint64_t)cout);
                    q[DSE_PULP_P_TILE_HO] = (double)(1 + r[1] % (uint64_t)ho);
                    q[DSE_PULP_P_TILE_WO] = (double)(1 + r[2] % (uint64_t)wo);
                    q[DSE_PULP_P_TILE_CIN] = (double)(r[3] % (uint64_t)(cin + 1));
                    q[DSE_PULP_P_BUFFERING] = (double)(r[4] % 2);
                    q[DSE_PULP_P_CORES] = (double)(1 + r[5] % (uint64_t)cores);
                    q[DSE_PULP_P_MATMUL] =
                        (double)(r[6] % (1 + DSE_MM_FP32_COUNT + DSE_MM_FP16_COUNT));
                    q[DSE_PULP_P_PRUNE] = (double)(r[7] % 3) * 0.25;
                }
                double m[DSE_PULP_M__COUNT];
                memset(m, 0, sizeof m);
                int f = M->evaluate(ctx, p[i], m);
                if (pass == 0) {
                    ok[i] = f;
                    memcpy(first[i], m, sizeof m);
                    continue;
                }
                CHECK_INT(f, ok[i]);
                if (memcmp(m, first[i], sizeof m) != 0) {
                    CHECK(!"metrics differ between the fast and the reference path");
                    fprintf(stderr, "layer %zu point %d pass %d\n", li, i, pass);
                    break;
                }
                compared++;
                feasible += f != 0;
            }
        }
        M->release(ctx);
    }
    dse__pulp_fast(1);
    CHECK(compared == 2 * N * job->n_layers);
    return feasible / 2;
}

static void add_mm(dse_job_t *job, dse_op_t op, int64_t m, int64_t k, int64_t n)
{
    dse_layer_t *l = add_layer(job, DSE_OP_LINEAR, k, 1, 1, n, 1, 1, 0);
    l->op = op;
    l->m = m, l->n = n, l->k = k;
}

/* The fast path (issue 12: closed forms, the thread's memo, shortcuts on
 * the largest footprint) changes no bit: random points of
 * configs/resnet8-train-huge.toml-like layers evaluated on it, twice, give
 * the metrics of the reference path. */
DSE_TEST(pulp_fast_matches_reference)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    job->hw[DSE_PULP_HW_L1] = 131072;
    add_layer_pads(job, DSE_OP_CONV2D, 3, 32, 32, 16, 3, 1, 1, 1, 1, 1);
    add_layer_pads(job, DSE_OP_CONV2D, 16, 32, 32, 32, 3, 2, 0, 0, 1, 1);
    add_layer_pads(job, DSE_OP_PW, 16, 32, 32, 32, 1, 2, 0, 0, 0, 0);
    add_layer_pads(job, DSE_OP_CONV2D, 64, 8, 8, 64, 3, 1, 1, 1, 1, 1);
    add_layer_pads(job, DSE_OP_DW, 32, 16, 16, 32, 3, 1, 1, 1, 1, 1);
    add_layer(job, DSE_OP_LINEAR, 64, 1, 1, 10, 1, 1, 0);
    CHECK(fast_matches_reference(job, 0x9e3779b97f4a7c15ull) > 1000);
    free_job(job);
}

/* The grouped sums (one cost per distinct tile dims, each sum's float
 * proven by an error bound or by exactness, else the class-by-class sum)
 * change no bit: the fast path matches the reference with them on (most
 * steps decided without falling back), with a bound so wide that every
 * step falls back, and with them off. */
DSE_TEST(pulp_grouped_sums_match_reference)
{
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG);
    job->hw[DSE_PULP_HW_L1] = 131072;
    add_layer_pads(job, DSE_OP_CONV2D, 16, 32, 32, 32, 3, 2, 0, 0, 1, 1);
    add_layer_pads(job, DSE_OP_CONV2D, 64, 8, 8, 64, 3, 1, 1, 1, 1, 1);
    add_layer_pads(job, DSE_OP_PW, 24, 9, 7, 20, 1, 1, 0, 0, 0, 0);
    add_mm(job, DSE_OP_MATMUL, 17, 24, 30);
    const int modes[3] = {1, 2, 0};
    for (int v = 0; v < 3; v++) {
        uint64_t s0, f0, s1, f1;
        dse__pulp_grouped(modes[v]);
        dse__pulp_group_stats(&s0, &f0);
        CHECK(fast_matches_reference(job, 0x5851f42d4c957f2dull + (uint64_t)v) > 1000);
        dse__pulp_group_stats(&s1, &f1);
        dse__pulp_grouped(1);
        if (modes[v] == 1) {
            CHECK(s1 - s0 > 10000);
            CHECK((f1 - f0) * 20 < s1 - s0); /* the grouped sums decide nearly every step */
        } else if (modes[v] == 2) {
            CHECK(s1 - s0 > 10000);
            CHECK_INT((int64_t)(f1 - f0), (int64_t)(s1 - s0)); /* every step fell back */
        } else {
            CHECK(s1 == s0);
        }
    }
    free_job(job);
}

/* The same in fp16 on a cluster of 12 cores sharing 5 FPUs (FMAs slowed
 * by cores / fpus, divisions by cores that are not powers of two), with
 * padding larger than the stride (no largest row class), bare matmuls and
 * single steps. */
DSE_TEST(pulp_fast_matches_reference_fp16)
{
    unsigned steps[3] = {DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG, DSE_STEP_FW,
                         DSE_STEP_WG | DSE_STEP_IG};
    for (int v = 0; v < 3; v++) {
        dse_job_t *job = make_job(v == 1 ? DSE_DTYPE_FP32 : DSE_DTYPE_FP16, steps[v]);
        job->hw[DSE_PULP_HW_CORES] = 12;
        job->hw[DSE_PULP_HW_FPUS] = 5;
        job->hw[DSE_PULP_HW_L1] = 131072;
        add_layer_pads(job, DSE_OP_CONV2D, 8, 13, 11, 12, 3, 1, 2, 2, 2, 2);
        add_layer_pads(job, DSE_OP_CONV2D, 6, 15, 15, 10, 5, 2, 2, 1, 2, 1);
        add_layer_pads(job, DSE_OP_PW, 24, 9, 7, 20, 1, 1, 0, 0, 0, 0);
        add_layer_pads(job, DSE_OP_DW, 12, 10, 10, 12, 3, 2, 1, 1, 0, 0);
        add_mm(job, DSE_OP_MATMUL, 17, 24, 30);
        add_mm(job, DSE_OP_GEMM, 5, 40, 9);
        add_layer(job, DSE_OP_LINEAR, 33, 1, 1, 21, 1, 1, 0);
        CHECK(fast_matches_reference(job, 0x243f6a8885a308d3ull + (uint64_t)v) > 1000);
        free_job(job);
    }
}

/* The fast path's matmul costs (issue 12, fourth round: fallbacks resolved
 * from per-cores class tables, each kernel costed by code compiled for its
 * shape, a memo miss costing every kernel at once) against kernels/ and the
 * reference cost: every kernel of both tables, every count of cores on a
 * 12-core cluster with 5 FPUs (shifts and divisions, slowed FMAs), every
 * n and m around every fallback threshold, K with and without leftovers. */
DSE_TEST(pulp_fast_mm_matches_reference)
{
    static const int64_t ks[] = {1, 2, 3, 17, 64};
    uint64_t compared = 0;
    for (int v = 0; v < 2; v++) {
        dse_job_t *job = make_job(v ? DSE_DTYPE_FP16 : DSE_DTYPE_FP32, DSE_STEP_FW);
        job->hw[DSE_PULP_HW_CORES] = 12;
        job->hw[DSE_PULP_HW_FPUS] = 5;
        add_layer(job, DSE_OP_PW, 8, 4, 4, 8, 1, 1, 0);
        void *ctx;
        dse_error_t err = DSE_ERROR_INIT;
        CHECK_INT(M->prepare(job, 0, 0, &ctx, &err), 0);
        const dse_mm_kernel_t *tab = v ? dse_mm_fp16 : dse_mm_fp32;
        int nk = v ? DSE_MM_FP16_COUNT : DSE_MM_FP32_COUNT, bad = 0;
        for (int cores = 1; cores <= 12 && !bad; cores++) {
            double ff = cores > 5 ? cores / 5.0 : 1.0;
            int64_t top = 8 * cores + 3; /* thresholds are at most 8 x cores */
            for (int64_t n = 1; n <= top + 2 && !bad; n++)
                for (int64_t m = 1; m <= top + 2 && !bad; m++)
                    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0] && !bad; ki++) {
                        /* past the thresholds: two large values stand for the rest */
                        int64_t nn = n <= top ? n : 1000 + (n - top);
                        int64_t mm = m <= top ? m : 1000 + (m - top), k = ks[ki];
                        double c[DSE_MM_FP32_COUNT];
                        int8_t run[DSE_MM_FP32_COUNT];
                        dse__pulp_fast_mm_all(ctx, nn, k, mm, cores, c, run);
                        for (int i = 0; i < nk; i++) {
                            int r1, r0 = dse_mm_resolve(tab, i, nn, k, mm, cores);
                            double c0 = dse_pulp_mm_cycles(tab, i, nn, k, mm, cores, ff);
                            double c1 = dse__pulp_fast_mm(ctx, i, nn, k, mm, cores, &r1);
                            if (r1 != r0 || run[i] != r0 || memcmp(&c0, &c1, sizeof c0) != 0 ||
                                memcmp(&c0, &c[i], sizeof c0) != 0) {
                                fprintf(stderr, "fp%d kernel %d cores %d n %lld k %lld m %lld: "
                                        "run %d %d %d, cycles %.17g %.17g %.17g\n",
                                        v ? 16 : 32, i, cores, (long long)nn, (long long)k,
                                        (long long)mm, r0, r1, run[i], c0, c1, c[i]);
                                bad = 1;
                                break;
                            }
                            compared++;
                        }
                    }
        }
        CHECK(!bad);
        M->release(ctx);
        free_job(job);
    }
    CHECK(compared > 1000000);
}
