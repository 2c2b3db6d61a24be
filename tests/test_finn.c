/* test_finn.c - the finn model against FINN's published CNV estimates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/job.h"
#include "core/util.h"
#include "hwmodels/finn.h"
#include "tests/test.h"

/* A layer of a hand-built job. */
typedef struct {
    dse_op_t op;
    int64_t cin, hin, cout, k, stride;
    int w, a, b, act;
} finn_tl_t;

enum { FINN_PYNQ_Z1, FINN_ULTRA96 };

dse_job_t *finn_test_job(const finn_tl_t *tl, size_t n, int board, int est);
dse_job_t *finn_test_cnv(int wbits, int abits, int board, int est);

/* Builds a job with the preset values of configs/hw/{pynq-z1,ultra96}.toml
 * and the layer keys' defaults. */
dse_job_t *finn_test_job(const finn_tl_t *tl, size_t n, int board, int est)
{
    const dse_hwmodel_t *m = &dse_model_finn;
    dse_job_t *job = dse_xcalloc(1, sizeof *job);
    job->model = m;
    job->dtype = DSE_DTYPE_INT8;
    job->steps = DSE_STEP_FW;
    for (size_t i = 0; i < m->n_preset_keys; i++)
        job->hw[i] = m->preset_keys[i].dflt;
    if (board == FINN_PYNQ_Z1) {
        job->hw[DSE_FINN_HW_LUT_TOTAL] = 53200;
        job->hw[DSE_FINN_HW_FF_TOTAL] = 106400;
        job->hw[DSE_FINN_HW_BRAM18_TOTAL] = 280;
        job->hw[DSE_FINN_HW_URAM_TOTAL] = 0;
        job->hw[DSE_FINN_HW_DSP_TOTAL] = 220;
        job->hw[DSE_FINN_HW_CLOCK_MHZ] = 100;
    } else {
        job->hw[DSE_FINN_HW_LUT_TOTAL] = 70560;
        job->hw[DSE_FINN_HW_FF_TOTAL] = 141120;
        job->hw[DSE_FINN_HW_BRAM18_TOTAL] = 432;
        job->hw[DSE_FINN_HW_URAM_TOTAL] = 0;
        job->hw[DSE_FINN_HW_DSP_TOTAL] = 360;
        job->hw[DSE_FINN_HW_CLOCK_MHZ] = 300;
    }
    job->hw[DSE_FINN_HW_ESTIMATES] = est;
    job->layers = dse_xcalloc(n, sizeof *job->layers);
    job->n_layers = n;
    for (size_t i = 0; i < n; i++) {
        dse_layer_t *l = &job->layers[i];
        char name[32];
        snprintf(name, sizeof name, "l%zu", i);
        l->name = dse_xstrdup(name);
        l->op = tl[i].op;
        l->cin = tl[i].cin;
        l->cout = tl[i].op == DSE_OP_DW || tl[i].op == DSE_OP_MAXPOOL ? tl[i].cin : tl[i].cout;
        if (tl[i].op == DSE_OP_LINEAR) {
            l->hin = l->win = l->hout = l->wout = 1;
            l->kh = l->kw = l->sh = l->sw = 1;
            l->m = 1;
            l->n = l->cout;
            l->k = l->cin;
        } else {
            l->hin = l->win = tl[i].hin;
            l->kh = l->kw = tl[i].k;
            l->sh = l->sw = tl[i].stride;
            l->hout = l->wout = (tl[i].hin - tl[i].k) / tl[i].stride + 1;
        }
        for (size_t k = 0; k < m->n_layer_keys; k++)
            l->attr[k] = m->layer_keys[k].dflt;
        l->attr[DSE_FINN_L_WEIGHT_BITS] = tl[i].w;
        l->attr[DSE_FINN_L_ACT_BITS] = tl[i].a;
        l->attr[DSE_FINN_L_OUT_BITS] = tl[i].b;
        l->attr[DSE_FINN_L_ACTIVATION] = tl[i].act;
    }
    return job;
}

/* CNV (BNN-PYNQ / finn-examples): the first layer reads 8-bit pixels. */
dse_job_t *finn_test_cnv(int wb, int ab, int board, int est)
{
    const finn_tl_t cnv[11] = {
        {DSE_OP_CONV2D, 3, 32, 64, 3, 1, wb, 8, ab, 1},
        {DSE_OP_CONV2D, 64, 30, 64, 3, 1, wb, ab, ab, 1},
        {DSE_OP_MAXPOOL, 64, 28, 64, 2, 2, wb, ab, ab, 1},
        {DSE_OP_CONV2D, 64, 14, 128, 3, 1, wb, ab, ab, 1},
        {DSE_OP_CONV2D, 128, 12, 128, 3, 1, wb, ab, ab, 1},
        {DSE_OP_MAXPOOL, 128, 10, 128, 2, 2, wb, ab, ab, 1},
        {DSE_OP_CONV2D, 128, 5, 256, 3, 1, wb, ab, ab, 1},
        {DSE_OP_CONV2D, 256, 3, 256, 3, 1, wb, ab, ab, 1},
        {DSE_OP_LINEAR, 256, 1, 512, 1, 1, wb, ab, ab, 1},
        {DSE_OP_LINEAR, 512, 1, 512, 1, 1, wb, ab, ab, 1},
        {DSE_OP_LINEAR, 512, 1, 10, 1, 1, wb, ab, 32, 0},
    };
    return finn_test_job(cnv, 11, board, est);
}

/* MVAU layers of CNV (the 9 layers that are not pools). */
static const size_t s_mvau_layer[9] = {0, 1, 3, 4, 6, 7, 8, 9, 10};

static void set_p(double *p, int pe, int simd, int swg)
{
    memset(p, 0, sizeof(double) * DSE_FINN_N_PARAMS);
    p[DSE_FINN_P_PE] = pe;
    p[DSE_FINN_P_SIMD] = simd;
    p[DSE_FINN_P_SWG_SIMD] = swg;
}

/* Fills params[11][] with a (PE, SIMD) folding, SWG SIMD = MVAU SIMD. */
static void cnv_folding(double (*params)[DSE_FINN_N_PARAMS], const int (*fold)[2])
{
    for (size_t i = 0; i < 11; i++)
        set_p(params[i], 1, 1, 1);
    for (size_t i = 0; i < 9; i++)
        set_p(params[s_mvau_layer[i]], fold[i][0], fold[i][1], fold[i][1]);
}

static const int s_w1a1_fold[9][2] = {{16, 3}, {32, 32}, {16, 32}, {16, 32}, {4, 32},
                                      {1, 32}, {1, 4},   {1, 8},   {5, 1}};
static const int s_w2a2_fold[9][2] = {{8, 3}, {16, 16}, {8, 16}, {8, 16}, {4, 8},
                                      {1, 8}, {1, 2},   {2, 2},  {5, 1}};

/* Evaluates every layer; returns the network totals. */
static int eval_net(const dse_job_t *job, double (*params)[DSE_FINN_N_PARAMS],
                    double (*metrics)[DSE_FINN_N_METRICS], double *max_cycles, double *lut,
                    double *bram)
{
    const dse_hwmodel_t *m = job->model;
    *max_cycles = *lut = *bram = 0;
    for (size_t i = 0; i < job->n_layers; i++) {
        void *ctx = NULL;
        dse_error_t err = DSE_ERROR_INIT;
        if (m->prepare(job, i, 0, &ctx, &err) != 0)
            return 0;
        int ok = m->evaluate(ctx, params[i], metrics[i]);
        m->release(ctx);
        if (!ok)
            return 0;
        if (metrics[i][DSE_FINN_M_CYCLES] > *max_cycles)
            *max_cycles = metrics[i][DSE_FINN_M_CYCLES];
        *lut += metrics[i][DSE_FINN_M_LUT];
        *bram += metrics[i][DSE_FINN_M_BRAM18];
    }
    return 1;
}

DSE_TEST(finn_declarations)
{
    const dse_hwmodel_t *m = dse_model_find("finn");
    CHECK(m == &dse_model_finn);
    const char *params[] = {"pe", "simd", "swg_simd", "prune", "prune_mode", "res_type",
                            "in_prune"};
    for (int i = 0; i < DSE_FINN_N_PARAMS; i++)
        CHECK_INT(dse_model_param(m, params[i]), i);
    const char *metrics[] = {"cycles", "mvau_cycles", "swg_cycles", "lut", "bram18",
                             "uram", "dsp", "prune"};
    for (int i = 0; i < 8; i++)
        CHECK_INT(dse_model_metric(m, metrics[i]), i);
    const char *hw[] = {"lut_total", "ff_total", "bram18_total", "uram_total",
                        "dsp_total", "clock_mhz", "estimates", "lut_budget",
                        "bram_budget", "dsp_budget", "simd_cap_bits", "target_cycles"};
    for (int i = 0; i < DSE_FINN_N_HW; i++)
        CHECK_INT(dse_model_preset_key(m, hw[i]), i);
    CHECK(dse_model_net_metric(m, "max_cycles") >= 0);
    CHECK(dse_model_net_metric(m, "latency_cycles") >= 0);
    CHECK(m->n_metrics <= DSE_MAX_METRICS && m->n_params <= DSE_MAX_PARAMS);
    CHECK(m->n_layer_keys <= DSE_MAX_LAYER_KEYS && m->n_preset_keys <= DSE_MAX_PRESET_KEYS);
    for (size_t i = 0; i < m->n_net_metrics; i++)
        CHECK(dse_model_metric(m, m->net_metrics[i].source) >= 0);
    for (size_t i = 0; m->default_objectives[i]; i++)
        CHECK(dse_model_net_metric(m, m->default_objectives[i]) >= 0);
}

/* MODELS.md section 3: every per-layer figure of CNV w1a1 (FINN 2021). */
DSE_TEST(finn_cnv_w1a1_layers)
{
    dse_job_t *job = finn_test_cnv(1, 1, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    double params[11][DSE_FINN_N_PARAMS], met[11][DSE_FINN_N_METRICS];
    cnv_folding(params, s_w1a1_fold);
    double maxc, lut, bram;
    CHECK(eval_net(job, params, met, &maxc, &lut, &bram));
    static const double cyc[9] = {32400, 28224, 20736, 28800, 20736, 18432, 32768, 32768, 1024};
    static const double mlut[9] = {3256, 8255, 4277, 4330, 1307, 601, 434, 471, 382};
    static const double mbram[9] = {2, 29, 15, 15, 24, 36, 8, 16, 1};
    static const double scyc[6] = {8196, 14292, 2676, 3744, 384, 144};
    static const double slut[6] = {396, 428, 428, 428, 428, 428};
    for (size_t i = 0; i < 9; i++) {
        const double *m = met[s_mvau_layer[i]];
        CHECK_INT(m[DSE_FINN_M_MVAU_CYCLES], cyc[i]);
        CHECK_INT(m[DSE_FINN_M_MVAU_LUT], mlut[i]);
        CHECK_INT(m[DSE_FINN_M_BRAM18], mbram[i]);
        CHECK_INT(m[DSE_FINN_M_DSP], 0);
        CHECK_INT(m[DSE_FINN_M_URAM], 0);
        if (i < 6) {
            CHECK_INT(m[DSE_FINN_M_SWG_CYCLES], scyc[i]);
            CHECK_INT(m[DSE_FINN_M_SWG_LUT], slut[i]);
            CHECK_INT(m[DSE_FINN_M_LUT], mlut[i] + slut[i]);
        } else {
            CHECK_INT(m[DSE_FINN_M_SWG_CYCLES], 0);
            CHECK_INT(m[DSE_FINN_M_LUT], mlut[i]);
        }
        CHECK_INT(m[DSE_FINN_M_CYCLES], i < 6 && scyc[i] > cyc[i] ? scyc[i] : cyc[i]);
    }
    CHECK_INT(met[2][DSE_FINN_M_CYCLES], 1176);
    CHECK_INT(met[5][DSE_FINN_M_CYCLES], 150);
    CHECK_INT(met[2][DSE_FINN_M_LUT], 0);
    dse_job_destroy(&job);
}

DSE_TEST(finn_cnv_w1a1_totals)
{
    dse_job_t *job = finn_test_cnv(1, 1, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    double params[11][DSE_FINN_N_PARAMS], met[11][DSE_FINN_N_METRICS];
    cnv_folding(params, s_w1a1_fold);
    double maxc, lut, bram;
    CHECK(eval_net(job, params, met, &maxc, &lut, &bram));
    CHECK_INT(lut, 25849);
    CHECK_INT(bram, 146);
    CHECK_INT(maxc, 32768);
    CHECK_INT(llround(dse_finn_fps(job, maxc)), 3052);
    /* BNN-PYNQ measured 9,150 frames/s at 300 MHz. */
    job->hw[DSE_FINN_HW_CLOCK_MHZ] = 300;
    CHECK_INT(llround(dse_finn_fps(job, maxc)), 9155);
    CHECK_REL(dse_finn_fps(job, maxc), 9150, 0.01);
    dse_job_destroy(&job);
}

DSE_TEST(finn_cnv_w2a2_fps)
{
    dse_job_t *job = finn_test_cnv(2, 2, FINN_ULTRA96, DSE_FINN_EST_2021);
    double params[11][DSE_FINN_N_PARAMS], met[11][DSE_FINN_N_METRICS];
    cnv_folding(params, s_w2a2_fold);
    double maxc, lut, bram;
    CHECK(eval_net(job, params, met, &maxc, &lut, &bram));
    CHECK_INT(maxc, 115200);
    CHECK_INT(llround(dse_finn_fps(job, maxc)), 2604);
    CHECK_REL(dse_finn_fps(job, maxc), 2580, 0.01);
    dse_job_destroy(&job);
}

/* One conv layer (CNV conv 2: 64 -> 64, 30 -> 28) on its own. */
static dse_job_t *one_conv(int est, int w, int a)
{
    const finn_tl_t tl[1] = {{DSE_OP_CONV2D, 64, 30, 64, 3, 1, w, a, a, 1}};
    return finn_test_job(tl, 1, FINN_PYNQ_Z1, est);
}

static int eval1(const dse_job_t *job, size_t li, const double *p, double *m)
{
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (job->model->prepare(job, li, 0, &ctx, &err) != 0)
        return -1;
    int ok = job->model->evaluate(ctx, p, m);
    job->model->release(ctx);
    return ok;
}

DSE_TEST(finn_swg_simd_rule)
{
    dse_job_t *job = one_conv(DSE_FINN_EST_2021, 1, 1);
    double p[DSE_FINN_N_PARAMS], m[DSE_FINN_N_METRICS];
    set_p(p, 32, 18, 16);
    CHECK_INT(eval1(job, 0, p, m), 0); /* 16 does not divide 18 under 2021 */
    set_p(p, 32, 32, 16);
    CHECK_INT(eval1(job, 0, p, m), 1);
    set_p(p, 32, 16, 32);
    CHECK_INT(eval1(job, 0, p, m), 0); /* SWG SIMD must divide the MVAU SIMD */
    set_p(p, 32, 32, 3);
    CHECK_INT(eval1(job, 0, p, m), 0); /* 3 does not divide 64 channels */
    set_p(p, 3, 32, 32);
    CHECK_INT(eval1(job, 0, p, m), 0); /* PE 3 does not divide MH 64 */
    set_p(p, 32, 5, 1);
    CHECK_INT(eval1(job, 0, p, m), 0); /* SIMD 5 does not divide MW 576 */
    /* finn-current: any pair, with the converter's LUTs (16 -> 18 bits:
     * LCM 144, 3 + 144 + 3 + 18 = 168) in the SWG share. */
    job->hw[DSE_FINN_HW_ESTIMATES] = DSE_FINN_EST_CURRENT;
    set_p(p, 32, 18, 16);
    CHECK_INT(eval1(job, 0, p, m), 1);
    /* SWG LUT 300 + (K+stride)*S*A*ceil(IFM*C/S/64) = 300 + 4*16*ceil(120/64) = 428 */
    CHECK_INT(m[DSE_FINN_M_SWG_LUT], 428 + 168);
    dse_job_destroy(&job);
}

DSE_TEST(finn_dwc_luts)
{
    CHECK_INT(dse_finn_dwc_luts(16, 18), 168);
    CHECK_INT(dse_finn_dwc_luts(32, 16), 17);   /* down by 2: 1 + 16 */
    CHECK_INT(dse_finn_dwc_luts(16, 32), 1 + 32); /* up by 2 */
    CHECK_INT(dse_finn_dwc_luts(24, 24), 0);
    /* the model counts the ratios' log2 in integers; FINN's formula, in
     * floating point as FINN writes it, gives the same for every pair of
     * widths a layer may have */
    for (int64_t a = 1; a <= 640; a++)
        for (int64_t b = 1; b <= 640; b++) {
            int64_t want = 0;
            if (a != b) {
                int64_t x = a, y = b;
                while (y) {
                    int64_t t = x % y;
                    x = y;
                    y = t;
                }
                int64_t lcm = a / x * b;
                if (a != lcm)
                    want += (int64_t)fabs(ceil(log2((double)a / (double)lcm))) + lcm;
                if (lcm != b)
                    want += (int64_t)fabs(ceil(log2((double)lcm / (double)b))) + b;
            }
            if (dse_finn_dwc_luts(a, b) != want) {
                dse__test_fail(__FILE__, __LINE__, "dwc_luts(%lld, %lld) = %lld, FINN %lld",
                               (long long)a, (long long)b, (long long)dse_finn_dwc_luts(a, b),
                               (long long)want);
                return;
            }
        }
}

DSE_TEST(finn_current_estimates)
{
    dse_job_t *job = one_conv(DSE_FINN_EST_CURRENT, 1, 1);
    double p[DSE_FINN_N_PARAMS], m[DSE_FINN_N_METRICS];
    set_p(p, 32, 32, 32);
    CHECK_INT(eval1(job, 0, p, m), 1);
    /* acc = ceil(alpha + log2(1 + 2^-alpha) + 1), alpha = log2(576) + 1 = 10.17:
     * 12 bits; thresholds in auto RAM cost no LUTs: 300 + 1.1*32*(64+126+12). */
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], 7410);
    job->layers[0].attr[DSE_FINN_L_RAM_STYLE_THRESHOLDS] = 2; /* distributed */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], 8255); /* the 2021 figure again */
    dse_job_destroy(&job);
    /* A tighter bound than 2021's: W = A = 4, MW = 576, unsigned input:
     * alpha = 9.17 + 7 = 16.17 -> 18 bits vs 4 + 4 + 10 = 18; signed: 17. */
    job = one_conv(DSE_FINN_EST_CURRENT, 4, 4);
    job->layers[0].attr[DSE_FINN_L_ACT_SIGNED] = 1;
    set_p(p, 1, 1, 1);
    CHECK_INT(eval1(job, 0, p, m), 1);
    double sum_cur = 1 * (2 * 2 - 1) * 8 + 8 * 1 + 17;
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], (int64_t)(300 + 1.1 * sum_cur));
    dse_job_destroy(&job);
}

DSE_TEST(finn_memory_styles)
{
    dse_job_t *job = one_conv(DSE_FINN_EST_2021, 1, 1);
    double p[DSE_FINN_N_PARAMS], m[DSE_FINN_N_METRICS];
    set_p(p, 32, 32, 32); /* WMEM 36, 1024 bits wide */
    job->layers[0].attr[DSE_FINN_L_RAM_STYLE] = 2; /* distributed: c2 = 1024*1 */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], 8255 + 1024);
    CHECK_INT(m[DSE_FINN_M_BRAM18], 0);
    job->layers[0].attr[DSE_FINN_L_RAM_STYLE] = 3; /* ultra */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_URAM], 15); /* ceil(1024/72) * ceil(36/4096) */
    CHECK_INT(m[DSE_FINN_M_BRAM18], 0);
    job->layers[0].attr[DSE_FINN_L_RAM_STYLE] = 0;
    job->layers[0].attr[DSE_FINN_L_MEM_MODE] = 0; /* const, WMEM <= 128: LUTRAM */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], 8255 + 1024);
    CHECK_INT(m[DSE_FINN_M_BRAM18], 0);
    job->layers[0].attr[DSE_FINN_L_MEM_MODE] = 2; /* external */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], 8255);
    CHECK_INT(m[DSE_FINN_M_BRAM18], 0);
    job->layers[0].attr[DSE_FINN_L_MEM_MODE] = 1;
    p[DSE_FINN_P_RES_TYPE] = 1; /* dsp: no multiplier LUTs, PE*SIMD*ceil(2/48) DSPs */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_DSP], 1024);
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], (int64_t)(300 + 1.1 * 32 * (126 + 12 * 3)));
    dse_job_destroy(&job);
}

DSE_TEST(finn_prune_simd_blocks)
{
    dse_job_t *job = one_conv(DSE_FINN_EST_2021, 1, 1);
    double p[DSE_FINN_N_PARAMS], m[DSE_FINN_N_METRICS], m0[DSE_FINN_N_METRICS];
    set_p(p, 32, 32, 32);
    CHECK_INT(eval1(job, 0, p, m0), 1);
    p[DSE_FINN_P_PRUNE] = 0.5; /* 18 blocks of 32 columns, 9 kept: MW 288 */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_CYCLES], 28224 / 2);
    CHECK_INT(m[DSE_FINN_M_SWG_CYCLES], m0[DSE_FINN_M_SWG_CYCLES]);
    CHECK_INT(m[DSE_FINN_M_CYCLES], 14292);
    CHECK(m[DSE_FINN_M_PRUNE] == 0.5);
    /* acc = 2 + ceil(log2 288) = 11: 300 + 1.1*32*(64+126+33) */
    CHECK_INT(m[DSE_FINN_M_MVAU_LUT], (int64_t)(300 + 1.1 * 32 * (64 + 126 + 33)));
    p[DSE_FINN_P_PRUNE] = 0.25; /* round(18*0.25) = round(4.5) = 5 pruned: 13 kept */
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_CYCLES], 2 * 13 * 784);
    p[DSE_FINN_P_PRUNE] = 1.0; /* nothing left */
    CHECK_INT(eval1(job, 0, p, m), 0);
    dse_job_destroy(&job);
}

DSE_TEST(finn_prune_channels)
{
    const finn_tl_t tl[3] = {
        {DSE_OP_CONV2D, 64, 30, 64, 3, 1, 1, 1, 1, 1},
        {DSE_OP_MAXPOOL, 64, 28, 64, 2, 2, 1, 1, 1, 1},
        {DSE_OP_CONV2D, 64, 14, 128, 3, 1, 1, 1, 1, 1},
    };
    dse_job_t *job = finn_test_job(tl, 3, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    const dse_hwmodel_t *md = job->model;
    double p[3][DSE_FINN_N_PARAMS], m[DSE_FINN_N_METRICS];
    set_p(p[0], 16, 32, 32);
    p[0][DSE_FINN_P_PRUNE] = 0.5;
    p[0][DSE_FINN_P_PRUNE_MODE] = 1; /* channels: MH 64 -> 32 */
    CHECK_INT(eval1(job, 0, p[0], m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_CYCLES], 2 * 18 * 784);
    set_p(p[1], 1, 1, 1);
    p[1][DSE_FINN_P_IN_PRUNE] = 0.5;
    CHECK_INT(eval1(job, 1, p[1], m), 1);
    set_p(p[2], 16, 32, 32);
    p[2][DSE_FINN_P_IN_PRUNE] = 0.5; /* Cin 32: MW 288, SWG over 32 channels */
    CHECK_INT(eval1(job, 2, p[2], m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_CYCLES], 8 * 9 * 144);
    CHECK_INT(m[DSE_FINN_M_SWG_CYCLES], 14 * 3 * 1 + 12 * (12 * 9 * 1));
    /* The classes join the three layers only when the ratios agree. */
    int64_t in[3], out[3];
    void *ctx[3];
    dse_error_t err = DSE_ERROR_INIT;
    for (int i = 0; i < 3; i++) {
        CHECK_INT(md->prepare(job, (size_t)i, 0, &ctx[i], &err), 0);
        md->iface(ctx[i], p[i], &in[i], &out[i]);
    }
    CHECK_INT(dse_finn_class_width(out[0]), 16);
    CHECK_INT(dse_finn_class_width(in[1]), 32);
    CHECK_INT(dse_finn_class_width(out[1]), 32);
    CHECK_INT(dse_finn_class_width(in[2]), 32);
    CHECK(md->compatible(job, out[0], in[1]));
    CHECK(md->compatible(job, out[1], in[2]));
    p[2][DSE_FINN_P_IN_PRUNE] = 0.25;
    md->iface(ctx[2], p[2], &in[2], &out[2]);
    CHECK(!md->compatible(job, out[1], in[2]));
    p[0][DSE_FINN_P_PRUNE_MODE] = 0; /* simd-blocks: all channels leave layer 0 */
    md->iface(ctx[0], p[0], &in[0], &out[0]);
    CHECK(!md->compatible(job, out[0], in[1]));
    for (int i = 0; i < 3; i++)
        md->release(ctx[i]);
    dse_job_destroy(&job);
}

DSE_TEST(finn_compatible_widths)
{
    dse_job_t *job = finn_test_cnv(1, 1, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    const dse_hwmodel_t *md = job->model;
    double params[11][DSE_FINN_N_PARAMS];
    cnv_folding(params, s_w1a1_fold);
    /* The published folding joins everywhere under the 2021 rule. */
    int64_t in[11], out[11];
    for (size_t i = 0; i < 11; i++) {
        void *ctx = NULL;
        dse_error_t err = DSE_ERROR_INIT;
        CHECK_INT(md->prepare(job, i, 0, &ctx, &err), 0);
        if (!ctx)
            return;
        md->iface(ctx, params[i], &in[i], &out[i]);
        md->release(ctx);
    }
    for (size_t i = 0; i + 1 < 11; i++)
        CHECK(md->compatible(job, out[i], in[i + 1]));
    CHECK_INT(dse_finn_class_width(out[0]), 16); /* PE 16 x 1 bit */
    CHECK_INT(dse_finn_class_width(in[0]), 24);  /* SWG SIMD 3 x 8 bits */
    CHECK_INT(dse_finn_class_width(in[2]), 64);  /* the pool takes all 64 channels */
    CHECK_INT(dse_finn_class_width(in[8]), 4);   /* FC SIMD 4 */
    /* Concrete pairs: 16 vs 24 bits neither divides; 8 vs 24 does. */
    CHECK(!md->compatible(job, 16, 24));
    CHECK(md->compatible(job, 8, 24));
    CHECK(md->compatible(job, 24, 8));
    CHECK(!md->compatible(job, ((int64_t)250000 << 32) | 8, 8));
    job->hw[DSE_FINN_HW_ESTIMATES] = DSE_FINN_EST_CURRENT;
    CHECK(md->compatible(job, 16, 24));
    CHECK(!md->compatible(job, ((int64_t)250000 << 32) | 8, 8));
    /* The network converters of the published folding (finn-current): e.g.
     * conv1 out 16 bits -> conv2 SWG in 32 bits: up by 2, 1 + 32 LUTs. */
    double *pp[11];
    for (size_t i = 0; i < 11; i++)
        pp[i] = params[i];
    double dwc = dse_finn_network_dwc_luts(job, pp);
    double expect = 0;
    for (size_t i = 0; i + 1 < 11; i++)
        expect += (double)dse_finn_dwc_luts(dse_finn_class_width(out[i]),
                                            dse_finn_class_width(in[i + 1]));
    CHECK(dwc == expect);
    CHECK(dwc >= 33);
    job->hw[DSE_FINN_HW_ESTIMATES] = DSE_FINN_EST_2021;
    CHECK(dse_finn_network_dwc_luts(job, pp) == 0);
    dse_job_destroy(&job);
}

/* Issue 11: FINN's latency estimate (the critical path of its dataflow
 * performance analysis) adds every block: on the CNV w1a1 calibration
 * folding the MVAU, SWG and maxpool cycles of MODELS.md section 3 sum to
 * 246,650 (the slowest block of each layer alone gives 217,214). Both
 * estimate sets use the same cycle formulas; max_cycles is unchanged. */
DSE_TEST(finn_latency_critical_path)
{
    for (int est = DSE_FINN_EST_2021; est <= DSE_FINN_EST_CURRENT; est++) {
        dse_job_t *job = finn_test_cnv(1, 1, FINN_PYNQ_Z1, est);
        const dse_hwmodel_t *m = job->model;
        int net = dse_model_net_metric(m, "latency_cycles");
        CHECK(net >= 0);
        CHECK_INT(dse_model_metric(m, m->net_metrics[net].source), DSE_FINN_M_LATENCY);
        CHECK(m->net_metrics[net].agg == DSE_AGG_SUM);
        double params[11][DSE_FINN_N_PARAMS], met[11][DSE_FINN_N_METRICS];
        cnv_folding(params, s_w1a1_fold);
        double maxc, lut, bram, lat = 0, slowest = 0;
        CHECK(eval_net(job, params, met, &maxc, &lut, &bram));
        for (size_t i = 0; i < 11; i++) {
            lat += met[i][DSE_FINN_M_LATENCY];
            slowest += met[i][DSE_FINN_M_CYCLES];
        }
        CHECK_INT(lat, 246650);
        CHECK_INT(slowest, 217214);
        CHECK_INT(maxc, 32768);
        CHECK_INT(met[2][DSE_FINN_M_LATENCY], 1176);
        CHECK_INT(met[0][DSE_FINN_M_LATENCY], 32400 + 8196);
        /* pruning shrinks the MVAU; the SWG keeps its unpruned cycles */
        params[1][DSE_FINN_P_PRUNE] = 0.5;
        CHECK(eval_net(job, params, met, &maxc, &lut, &bram));
        CHECK_INT(met[1][DSE_FINN_M_LATENCY], 28224 / 2 + 14292);
        /* output-channel pruning of layer 1 shrinks layer 3's input too */
        params[1][DSE_FINN_P_PRUNE] = 0.5;
        params[1][DSE_FINN_P_PRUNE_MODE] = 1;
        CHECK(eval_net(job, params, met, &maxc, &lut, &bram));
        CHECK_INT(met[1][DSE_FINN_M_LATENCY],
                  met[1][DSE_FINN_M_MVAU_CYCLES] + met[1][DSE_FINN_M_SWG_CYCLES]);
        CHECK_INT(met[1][DSE_FINN_M_MVAU_CYCLES], 28224 / 2);
        dse_job_destroy(&job);
    }
    /* a depthwise layer: SWG (at SIMD = PE) + VVAU */
    const finn_tl_t tl[1] = {{DSE_OP_DW, 32, 18, 32, 3, 1, 4, 4, 4, 1}};
    dse_job_t *job = finn_test_job(tl, 1, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    double p[DSE_FINN_N_PARAMS], mm[DSE_FINN_N_METRICS];
    set_p(p, 8, 1, 1);
    CHECK_INT(eval1(job, 0, p, mm), 1);
    CHECK_INT(mm[DSE_FINN_M_LATENCY], 32 * 9 / 8 * 16 * 16 + 18 * 3 * 4 + 16 * 16 * 9 * 4);
    dse_job_destroy(&job);
}

DSE_TEST(finn_dw_vvau)
{
    const finn_tl_t tl[1] = {{DSE_OP_DW, 32, 18, 32, 3, 1, 4, 4, 4, 1}};
    dse_job_t *job = finn_test_job(tl, 1, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    double p[DSE_FINN_N_PARAMS], m[DSE_FINN_N_METRICS];
    set_p(p, 8, 1, 1);
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_CYCLES], 32 * 9 / 8 * 16 * 16);
    /* its SWG runs at SIMD = PE = 8: 18*3*4 + 16*max(16*9*4, 18*4) */
    CHECK_INT(m[DSE_FINN_M_SWG_CYCLES], 18 * 3 * 4 + 16 * 16 * 9 * 4);
    set_p(p, 8, 3, 1);
    CHECK_INT(eval1(job, 0, p, m), 0); /* no VVAU SIMD in 2021 */
    job->hw[DSE_FINN_HW_ESTIMATES] = DSE_FINN_EST_CURRENT;
    CHECK_INT(eval1(job, 0, p, m), 1);
    CHECK_INT(m[DSE_FINN_M_MVAU_CYCLES], 32 * 9 / 24 * 16 * 16);
    dse_job_destroy(&job);
}

DSE_TEST(finn_simd_cap)
{
    dse_job_t *job = one_conv(DSE_FINN_EST_2021, 2, 2);
    double p[DSE_FINN_N_PARAMS], m[DSE_FINN_N_METRICS];
    set_p(p, 1, 32, 32);
    CHECK_INT(eval1(job, 0, p, m), 1);
    job->hw[DSE_FINN_HW_SIMD_CAP_BITS] = 36;
    CHECK_INT(eval1(job, 0, p, m), 0); /* 2 * 32 > 36 */
    set_p(p, 1, 18, 2);
    CHECK_INT(eval1(job, 0, p, m), 1);
    dse_job_destroy(&job);
}

static void check_feasible_joined(const dse_job_t *job, double (*params)[DSE_FINN_N_PARAMS],
                                  double *lut_out, double *maxc_out)
{
    const dse_hwmodel_t *md = job->model;
    int64_t prev_out = 0;
    double lut = 0, maxc = 0;
    for (size_t i = 0; i < job->n_layers; i++) {
        void *ctx;
        dse_error_t err = DSE_ERROR_INIT;
        double m[DSE_FINN_N_METRICS];
        CHECK_INT(md->prepare(job, i, 0, &ctx, &err), 0);
        CHECK_INT(md->evaluate(ctx, params[i], m), 1);
        int64_t in, out;
        md->iface(ctx, params[i], &in, &out);
        if (i > 0)
            CHECK(md->compatible(job, prev_out, in));
        prev_out = out;
        lut += m[DSE_FINN_M_LUT];
        if (m[DSE_FINN_M_CYCLES] > maxc)
            maxc = m[DSE_FINN_M_CYCLES];
        md->release(ctx);
    }
    *lut_out = lut;
    *maxc_out = maxc;
}

DSE_TEST(finn_baseline_setfolding)
{
    /* finn-current: SetFolding as FINN runs it (no width rule). */
    dse_job_t *job = finn_test_cnv(1, 1, FINN_PYNQ_Z1, DSE_FINN_EST_CURRENT);
    double params[11][DSE_FINN_N_PARAMS];
    double *pp[11];
    for (size_t i = 0; i < 11; i++)
        pp[i] = params[i];
    dse_error_t err = DSE_ERROR_INIT;
    job->hw[DSE_FINN_HW_TARGET_CYCLES] = 32768;
    CHECK_INT(job->model->baseline(job, "setfolding", pp, &err), 0);
    /* SIMD first while W*SIMD <= 36, then PE until below the target. */
    CHECK_INT(params[0][DSE_FINN_P_SIMD], 27); /* MW 27: all of it, 57600 cycles */
    CHECK_INT(params[0][DSE_FINN_P_PE], 2);    /* 28800 < 32768 */
    CHECK_INT(params[1][DSE_FINN_P_SIMD], 36); /* 576: 48 would exceed 36 bits */
    CHECK_INT(params[8][DSE_FINN_P_SIMD], 8);  /* 256: 8 already meets the target */
    CHECK_INT(params[8][DSE_FINN_P_PE], 1);
    CHECK_INT(params[1][DSE_FINN_P_SWG_SIMD], 16); /* SWG: 28584 < 32768 */
    for (size_t i = 0; i < 11; i++) {
        double m[DSE_FINN_N_METRICS];
        CHECK(params[i][DSE_FINN_P_SIMD] <= 36);
        CHECK_INT(eval1(job, i, params[i], m), 1);
        CHECK(m[DSE_FINN_M_CYCLES] < 32768);
    }
    /* finn-2021: the SWG SIMD is lowered to divide the MVAU SIMD (16 and 36
     * -> 4), whose 114336 SWG cycles miss the target; the second pass then
     * relaxes every layer to that bottleneck. */
    job->hw[DSE_FINN_HW_ESTIMATES] = DSE_FINN_EST_2021;
    CHECK_INT(job->model->baseline(job, "setfolding", pp, &err), 0);
    double maxc = 0;
    for (size_t i = 0; i < 11; i++) {
        double m[DSE_FINN_N_METRICS];
        CHECK_INT(eval1(job, i, params[i], m), 1);
        if (m[DSE_FINN_M_CYCLES] > maxc)
            maxc = m[DSE_FINN_M_CYCLES];
    }
    CHECK_INT(params[1][DSE_FINN_P_SWG_SIMD], 4);
    CHECK_INT(maxc, 114336);
    CHECK_INT(job->model->baseline(job, "nope", pp, &err), DSE_ENOTFOUND);
    dse_job_destroy(&job);
}

DSE_TEST(finn_baseline_greedy)
{
    dse_job_t *job = finn_test_cnv(1, 1, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    double params[11][DSE_FINN_N_PARAMS];
    double *pp[11];
    for (size_t i = 0; i < 11; i++)
        pp[i] = params[i];
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(job->model->baseline(job, "greedy", pp, &err), 0);
    double lut, maxc;
    check_feasible_joined(job, params, &lut, &maxc);
    CHECK(lut <= 0.85 * 53200);
    /* It must at least reach the published folding's throughput, which
     * fits in half the budget. */
    CHECK(maxc <= 32768);
    printf("greedy CNV w1a1 pynq-z1: max %.0f cycles, %.0f LUT\n", maxc, lut);
    /* A tiny budget: fold 1 does not fit. */
    job->hw[DSE_FINN_HW_LUT_BUDGET] = 0.01;
    CHECK_INT(job->model->baseline(job, "greedy", pp, &err), DSE_EFAIL);
    dse_job_destroy(&job);
}

/* Extracts an integer attribute of a node from the exported JSON text. */
static long json_attr(const char *text, const char *node, const char *attr)
{
    char key[96];
    snprintf(key, sizeof key, "\"%s\": {", node);
    const char *s = strstr(text, key);
    if (!s)
        return -1;
    const char *end = strchr(s, '}');
    snprintf(key, sizeof key, "\"%s\": ", attr);
    const char *a = strstr(s, key);
    if (!a || a > end)
        return -1;
    return strtol(a + strlen(key), NULL, 10);
}

DSE_TEST(finn_folding_config_export)
{
    dse_job_t *job = finn_test_cnv(1, 1, FINN_PYNQ_Z1, DSE_FINN_EST_2021);
    double params[11][DSE_FINN_N_PARAMS];
    cnv_folding(params, s_w1a1_fold);
    double *pp[11];
    for (size_t i = 0; i < 11; i++)
        pp[i] = params[i];
    char path[512];
    snprintf(path, sizeof path, "%s/folding_config.json", dse_test_tmpdir());
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_finn_write_folding_config(job, pp, path, &err), 0);
    char *text = NULL;
    size_t len = 0;
    CHECK_INT(dse_read_file(path, &text, &len, &err), 0);
    if (!text)
        return;
    CHECK(strncmp(text, "{\n  \"Defaults\": {}", 18) == 0);
    for (int i = 0; i < 9; i++) {
        char node[64];
        snprintf(node, sizeof node, "MatrixVectorActivation_%d", i);
        CHECK_INT(json_attr(text, node, "PE"), s_w1a1_fold[i][0]);
        CHECK_INT(json_attr(text, node, "SIMD"), s_w1a1_fold[i][1]);
        if (i < 6) {
            snprintf(node, sizeof node, "ConvolutionInputGenerator_%d", i);
            CHECK_INT(json_attr(text, node, "SIMD"), s_w1a1_fold[i][1]);
        }
    }
    CHECK(strstr(text, "\"MatrixVectorActivation_0\": {\"PE\": 16, \"SIMD\": 3, "
                       "\"ram_style\": \"auto\"") != NULL);
    CHECK(strstr(text, "MatrixVectorActivation_9") == NULL);
    CHECK(strstr(text, "ConvolutionInputGenerator_6") == NULL);
    CHECK(strstr(text, "\"StreamingMaxPool_Batch_1\": {}") != NULL);
    /* Balanced braces and quotes: a JSON object of objects. */
    int depth = 0, maxdepth = 0, quotes = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"')
            quotes++;
        else if (text[i] == '{' && ++depth > maxdepth)
            maxdepth = depth;
        else if (text[i] == '}')
            depth--;
        CHECK(depth >= 0);
    }
    CHECK_INT(depth, 0);
    CHECK_INT(maxdepth, 2);
    CHECK_INT(quotes % 2, 0);
    free(text);
    CHECK(dse_finn_write_folding_config(job, pp, "/nonexistent/dir/x.json", &err) < 0);
    dse_job_destroy(&job);
}
