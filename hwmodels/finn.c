/* finn.c - the FINN-style FPGA dataflow model.
 *
 * Every layer is a streaming block of a pipeline: conv2d = sliding window
 * generator (SWG) + matrix-vector-activation unit (MVAU, thresholds inside),
 * pw and linear = MVAU, dw = SWG + vector-vector unit (VVAU), maxpool =
 * StreamingMaxPool. Cycle and resource formulas are FINN's own estimates:
 *   Xilinx/finn src/finn/custom_op/fpgadataflow/matrixvectoractivation.py
 *     (get_exp_cycles, lut_estimation, bram_estimation, uram_estimation,
 *     dsp_estimation; the 2021 form with acc = W + A + ceil(log2 MW) and
 *     thresholds always in LUTs, and the current form with the accumulator
 *     bound of arXiv:2301.13376 and threshold LUTs only for
 *     ram_style_thresholds = "distributed"),
 *   convolutioninputgenerator.py (get_exp_cycles, lut_estimation, HLS SWG
 *     with distributed line buffers, 2021),
 *   streamingmaxpool_batch.py (get_exp_cycles, 2021; no resource estimate),
 *   streamingdatawidthconverter*.py lut_estimation (current, LCM based),
 *   transformation/fpgadataflow/set_folding.py (the "setfolding" baseline).
 * The published CNV figures these reproduce are in docs/model-finn.md.
 */
#include "hwmodels/finn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/space.h"
#include "core/util.h"

/* ---- declarations ---------------------------------------------------- */

static const char *const s_estimates[] = {"finn-2021", "finn-current", NULL};
static const char *const s_mem_mode[] = {"const", "decoupled", "external", NULL};
static const char *const s_ram_style[] = {"auto", "block", "distributed", "ultra", NULL};
static const char *const s_thr_style[] = {"auto", "block", "distributed", NULL};
static const char *const s_prune_mode[] = {"simd-blocks", "channels", NULL};
static const char *const s_res_type[] = {"lut", "dsp", NULL};

enum { MEM_CONST, MEM_DECOUPLED, MEM_EXTERNAL };
enum { RAM_AUTO, RAM_BLOCK, RAM_DISTRIBUTED, RAM_ULTRA };
enum { MODE_SIMD_BLOCKS, MODE_CHANNELS };

static const dse_key_decl_t s_preset_keys[DSE_FINN_N_HW] = {
    [DSE_FINN_HW_LUT_TOTAL] = {.name = "lut_total", .kind = DSE_VAL_INT, .dflt = NAN, .min = 1,
        .max = 1e9, .unit = "LUT", .doc = "LUTs of the device (Xilinx data sheets)"},
    [DSE_FINN_HW_FF_TOTAL] = {.name = "ff_total", .kind = DSE_VAL_INT, .dflt = NAN, .min = 0,
        .max = 1e9, .unit = "FF", .doc = "flip-flops of the device (Xilinx data sheets)"},
    [DSE_FINN_HW_BRAM18_TOTAL] = {.name = "bram18_total", .kind = DSE_VAL_INT, .dflt = NAN,
        .min = 0, .max = 1e7, .unit = "BRAM18",
        .doc = "18 Kb block RAMs of the device (2 per RAMB36; Xilinx data sheets)"},
    [DSE_FINN_HW_URAM_TOTAL] = {.name = "uram_total", .kind = DSE_VAL_INT, .dflt = 0, .min = 0,
        .max = 1e7, .unit = "URAM", .doc = "UltraRAMs of the device (UltraScale+ data sheets)"},
    [DSE_FINN_HW_DSP_TOTAL] = {.name = "dsp_total", .kind = DSE_VAL_INT, .dflt = NAN, .min = 0,
        .max = 1e7, .unit = "DSP", .doc = "DSP slices of the device (Xilinx data sheets)"},
    [DSE_FINN_HW_CLOCK_MHZ] = {.name = "clock_mhz", .kind = DSE_VAL_REAL, .dflt = NAN, .min = 1,
        .max = 2000, .unit = "MHz", .doc = "fabric clock of the deployment"},
    [DSE_FINN_HW_ESTIMATES] = {.name = "estimates", .kind = DSE_VAL_ENUM, .choices = s_estimates,
        .dflt = DSE_FINN_EST_2021, .min = 0, .max = 0, .unit = "",
        .doc = "estimate set: finn-2021 (published CNV figures) or finn-current (Xilinx/finn main)"},
    [DSE_FINN_HW_LUT_BUDGET] = {.name = "lut_budget", .kind = DSE_VAL_REAL, .dflt = 0.85, .min = 0,
        .max = 1, .unit = "fraction",
        .doc = "share of LUTs a deployment may use (the thesis used 85%; FINN recommends 70%)"},
    [DSE_FINN_HW_BRAM_BUDGET] = {.name = "bram_budget", .kind = DSE_VAL_REAL, .dflt = 0.8,
        .min = 0, .max = 1, .unit = "fraction",
        .doc = "share of BRAM18 a deployment may use (FINN's recommendation: 80%)"},
    [DSE_FINN_HW_DSP_BUDGET] = {.name = "dsp_budget", .kind = DSE_VAL_REAL, .dflt = 0.8, .min = 0,
        .max = 1, .unit = "fraction",
        .doc = "share of DSPs a deployment may use (FINN's recommendation: 80%)"},
    [DSE_FINN_HW_SIMD_CAP_BITS] = {.name = "simd_cap_bits", .kind = DSE_VAL_INT, .dflt = 0,
        .min = 0, .max = 1e6, .unit = "bits",
        .doc = "largest weight bits per PE W*SIMD a point may use; 0 = no cap (SetFolding uses 36)"},
    [DSE_FINN_HW_TARGET_CYCLES] = {.name = "target_cycles", .kind = DSE_VAL_INT, .dflt = 1000,
        .min = 1, .max = 1e12, .unit = "cycles",
        .doc = "SetFolding's target_cycles_per_frame (FINN's default 1000)"},
};

static const dse_key_decl_t s_layer_keys[DSE_FINN_N_LAYER_KEYS] = {
    [DSE_FINN_L_WEIGHT_BITS] = {.name = "weight_bits", .kind = DSE_VAL_INT, .dflt = 1, .min = 1,
        .max = 32, .unit = "bits", .doc = "weight bits W (ignored by maxpool)"},
    [DSE_FINN_L_ACT_BITS] = {.name = "act_bits", .kind = DSE_VAL_INT, .dflt = NAN, .min = 1,
        .max = 32, .unit = "bits", .doc = "input activation bits A"},
    [DSE_FINN_L_OUT_BITS] = {.name = "out_bits", .kind = DSE_VAL_INT, .dflt = 0, .min = 0,
        .max = 32, .unit = "bits",
        .doc = "output activation bits B (thresholds 2^B - 1); 0 = same as act_bits"},
    [DSE_FINN_L_ACTIVATION] = {.name = "activation", .kind = DSE_VAL_INT, .dflt = 1, .min = 0,
        .max = 1, .unit = "",
        .doc = "1 = thresholding activation inside the MVAU; 0 = none (the last layer)"},
    [DSE_FINN_L_MEM_MODE] = {.name = "mem_mode", .kind = DSE_VAL_ENUM, .choices = s_mem_mode,
        .dflt = MEM_DECOUPLED, .min = 0, .max = 0, .unit = "",
        .doc = "weight memory: const | decoupled (FINN build default) | external"},
    [DSE_FINN_L_RAM_STYLE] = {.name = "ram_style", .kind = DSE_VAL_ENUM, .choices = s_ram_style,
        .dflt = RAM_AUTO, .min = 0, .max = 0, .unit = "",
        .doc = "weight RAM style: auto (FINN default) | block | distributed | ultra"},
    [DSE_FINN_L_RAM_STYLE_THRESHOLDS] = {.name = "ram_style_thresholds", .kind = DSE_VAL_ENUM,
        .choices = s_thr_style, .dflt = 0, .min = 0, .max = 0, .unit = "",
        .doc = "threshold RAM style (finn-current only): auto (FINN default) | block | distributed"},
    [DSE_FINN_L_ACT_SIGNED] = {.name = "act_signed", .kind = DSE_VAL_INT, .dflt = 0, .min = 0,
        .max = 1, .unit = "",
        .doc = "1 = signed (or bipolar) inputs (finn-current accumulator bound)"},
};

static int is_maxpool(const dse_layer_t *l)
{
    return l->op == DSE_OP_MAXPOOL;
}

static int has_swg_param(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op == DSE_OP_CONV2D;
}

static int not_maxpool(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return !is_maxpool(l);
}

static int prunable(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op == DSE_OP_CONV2D || l->op == DSE_OP_PW || l->op == DSE_OP_LINEAR;
}

static int not_first(const dse_job_t *job, const dse_layer_t *l)
{
    return job->n_layers > 0 && l != &job->layers[0];
}

static int64_t extent_pe(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op == DSE_OP_DW ? l->cin : l->cout;
}

static int64_t extent_simd(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    if (l->op == DSE_OP_DW)
        return l->kh * l->kw;
    if (l->op == DSE_OP_LINEAR)
        return l->cin;
    return l->cin * l->kh * l->kw;
}

static int64_t extent_channels(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->cin;
}

static const dse_param_decl_t s_params[DSE_FINN_N_PARAMS] = {
    [DSE_FINN_P_PE] = {.name = "pe", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = extent_pe, .must_divide = 1, .applies = not_maxpool, .neutral = 1,
        .doc = "output parallelism: PE divides MH (out channels; dw: channels)"},
    [DSE_FINN_P_SIMD] = {.name = "simd", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = extent_simd, .must_divide = 1, .applies = not_maxpool, .neutral = 1,
        .doc = "input parallelism: SIMD divides MW = Cin*K*K (dw: K*K)"},
    [DSE_FINN_P_SWG_SIMD] = {.name = "swg_simd", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = extent_channels, .must_divide = 1, .applies = has_swg_param, .neutral = 1,
        .doc = "SWG SIMD (conv2d): divides Cin; under finn-2021 it must divide simd (dw: SWG SIMD = pe)"},
    [DSE_FINN_P_PRUNE] = {.name = "prune", .kind = DSE_VAL_REAL, .dflt = "[0.0]",
        .applies = prunable, .neutral = 0,
        .doc = "structured pruning ratio of the layer's weights (conv2d, pw, linear)"},
    [DSE_FINN_P_PRUNE_MODE] = {.name = "prune_mode", .kind = DSE_VAL_ENUM, .choices = s_prune_mode,
        .dflt = "[\"simd-blocks\"]", .applies = prunable, .neutral = 0,
        .doc = "simd-blocks (the thesis: SIMD-column blocks of the im2col matrix) | channels (output channels)"},
    [DSE_FINN_P_RES_TYPE] = {.name = "res_type", .kind = DSE_VAL_ENUM, .choices = s_res_type,
        .dflt = "[\"lut\", \"dsp\"]", .applies = not_maxpool, .neutral = 0,
        .doc = "multipliers in LUTs or DSPs (FINN resType)"},
    [DSE_FINN_P_IN_PRUNE] = {.name = "in_prune", .kind = DSE_VAL_REAL, .dflt = "[0.0]",
        .applies = not_first, .neutral = 0,
        .doc = "ratio of input channels the previous layer pruned in channels mode (matches its prune)"},
};

static const dse_metric_decl_t s_metrics[DSE_FINN_N_METRICS] = {
    [DSE_FINN_M_CYCLES] = {.name = "cycles", .unit = "cycles",
        .doc = "cycles per frame of the layer's slowest block"},
    [DSE_FINN_M_MVAU_CYCLES] = {.name = "mvau_cycles", .unit = "cycles",
        .doc = "MVAU/VVAU cycles per frame"},
    [DSE_FINN_M_SWG_CYCLES] = {.name = "swg_cycles", .unit = "cycles",
        .doc = "sliding window generator cycles per frame (0 = none)"},
    [DSE_FINN_M_LUT] = {.name = "lut", .unit = "LUT",
        .doc = "LUTs (MVAU/VVAU with thresholds + SWG + in-layer converter)"},
    [DSE_FINN_M_BRAM18] = {.name = "bram18", .unit = "BRAM18",
        .doc = "18 Kb block RAMs of the weights"},
    [DSE_FINN_M_URAM] = {.name = "uram", .unit = "URAM",
        .doc = "UltraRAMs of the weights (ram_style ultra)"},
    [DSE_FINN_M_DSP] = {.name = "dsp", .unit = "DSP", .doc = "DSP slices (res_type dsp)"},
    [DSE_FINN_M_PRUNE] = {.name = "prune", .unit = "ratio",
        .doc = "the layer's pruning ratio (0 for dw and maxpool)"},
    [DSE_FINN_M_MVAU_LUT] = {.name = "mvau_lut", .unit = "LUT",
        .doc = "the MVAU/VVAU's share of lut"},
    [DSE_FINN_M_SWG_LUT] = {.name = "swg_lut", .unit = "LUT",
        .doc = "the SWG's share of lut (and its converter under finn-current)"},
    [DSE_FINN_M_LATENCY] = {.name = "latency", .unit = "cycles",
        .doc = "SWG + MVAU/VVAU cycles (maxpool: its own): the layer's blocks on the critical path"},
};

static const dse_net_metric_decl_t s_net_metrics[] = {
    {.name = "max_cycles", .source = "cycles", .agg = DSE_AGG_MAX, .unit = "cycles",
        .doc = "cycles of the pipeline's bottleneck (1/throughput)"},
    {.name = "latency_cycles", .source = "latency", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = "sum of every block's cycles, SWG + MVAU/VVAU + maxpool (FINN's critical path)"},
    {.name = "lut", .source = "lut", .agg = DSE_AGG_SUM, .unit = "LUT",
        .doc = "LUTs of all layers"},
    {.name = "bram18", .source = "bram18", .agg = DSE_AGG_SUM, .unit = "BRAM18",
        .doc = "BRAM18 of all layers"},
    {.name = "uram", .source = "uram", .agg = DSE_AGG_SUM, .unit = "URAM",
        .doc = "UltraRAMs of all layers"},
    {.name = "dsp", .source = "dsp", .agg = DSE_AGG_SUM, .unit = "DSP",
        .doc = "DSPs of all layers"},
    {.name = "prune", .source = "prune", .agg = DSE_AGG_MEAN, .unit = "ratio",
        .doc = "mean pruning ratio over the layers"},
};

static const char *const s_default_objectives[] = {"max_cycles", "lut", "bram18", "dsp", NULL};
static const char *const s_baselines[] = {"setfolding", "greedy", NULL};

/* ---- per-layer context ---------------------------------------------- */

enum { K_CONV, K_MVAU, K_DW, K_POOL };

typedef struct {
    int kind;
    int est;
    int64_t cin, cout;      /* unpruned channels */
    int64_t k, stride;      /* square kernel and stride */
    int64_t ifm, ofm;       /* square input (padded) and output sizes */
    int64_t kk;             /* K*K (1 for MVAU layers) */
    int64_t vectors;        /* output pixels (1 for linear) */
    int64_t w, a, b;
    int act, mem_mode, ram_style, thr_style, act_signed;
    int64_t simd_cap_bits;
    int64_t thr_levels;     /* 2^B - 1 */
    int64_t mult_per_lane;  /* (2*ceil((W+A)/6) - 1) * (W+A) */
    int64_t dsp_per_lane;   /* ceil((W+A)/48) */
    int64_t pool_cycles;
    /* Tables filled in prepare so that evaluate() spends no log2/exp2 and
     * fewer divisions per point (values identical to the formulas):
     * acc_tab[mw] = acc_bits(mw) for 1 <= mw <= n_acc (mw beyond: computed);
     * swg_cyc[s], swg_lut[s] = the SWG's cycles and LUTs over the unpruned
     * cin channels at s channels per cycle, for s dividing cin. */
    double *acc_tab;
    int64_t n_acc;
    int64_t *swg_cyc, *swg_lut;
} finn_ctx_t;

static inline int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* ceil(log2(n)) for n >= 1 (FINN's np.ceil(math.log(n, 2)); they differ only
 * at 2^29 and 2^31, beyond any layer). */
static inline int64_t clog2(int64_t n)
{
    return n <= 1 ? 0 : 64 - __builtin_clzll((unsigned long long)(n - 1));
}

/* Pruned count: n - round(n * p), rounding halves up. */
static inline int64_t kept(int64_t n, double p)
{
    return p > 0 ? n - (int64_t)floor((double)n * p + 0.5) : n;
}

static inline int64_t ratio_code(double p)
{
    return (int64_t)llround(p * 1e6);
}

static inline int64_t make_class(int64_t ratio, int64_t width)
{
    return (ratio << 32) | (width & 0xffffffffLL);
}

int64_t dse_finn_class_width(int64_t c)
{
    return c & 0xffffffffLL;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int64_t dse_finn_dwc_luts(int64_t in_w, int64_t out_w)
{
    if (in_w == out_w || in_w <= 0 || out_w <= 0)
        return 0;
    int64_t lcm = in_w / gcd64(in_w, out_w) * out_w;
    int64_t cnt = 0, cset = 0;
    /* FINN's |ceil(log2(x))| of the ratios in_w / lcm (<= 1) and lcm /
     * out_w (>= 1). Both are whole ratios r = lcm / in_w and lcm / out_w:
     * |ceil(log2(1 / r))| = floor(log2(r)) and ceil(log2(r)) = clog2(r)
     * (log2 of a whole r is exact at powers of two and otherwise at least
     * 1e-6 from an integer for any r below 2^20, far beyond rounding). */
    if (in_w != lcm) {
        cnt += 63 - __builtin_clzll((unsigned long long)(lcm / in_w));
        cset += lcm;
    }
    if (lcm != out_w) {
        cnt += clog2(lcm / out_w);
        cset += out_w;
    }
    return cnt + cset;
}

double dse_finn_fps(const dse_job_t *job, double max_cycles)
{
    return max_cycles > 0 ? job->hw[DSE_FINN_HW_CLOCK_MHZ] * 1e6 / max_cycles : 0;
}

static int finn_check_layer(const dse_job_t *job, const dse_layer_t *l, dse_error_t *err)
{
    (void)job;
    if (l->op == DSE_OP_CONV2D || l->op == DSE_OP_DW || l->op == DSE_OP_MAXPOOL ||
        l->op == DSE_OP_PW) {
        if (l->kh != l->kw || l->sh != l->sw || l->hin != l->win || l->hout != l->wout ||
            l->pad_t + l->pad_b != l->pad_l + l->pad_r)
            return dse_error_set(err, DSE_ECONFIG, NULL, 0, 0,
                                 "finn models square feature maps, kernels and strides only");
    }
    if (l->op == DSE_OP_MAXPOOL && (l->sh != l->kh || l->pad_t + l->pad_b != 0))
        return dse_error_set(err, DSE_ECONFIG, NULL, 0, 0,
                             "finn's StreamingMaxPool needs stride = kernel and no padding");
    if (l->op == DSE_OP_PW && (l->sh != 1 || l->pad_t + l->pad_b != 0))
        return dse_error_set(err, DSE_ECONFIG, NULL, 0, 0,
                             "finn: pw needs stride 1 and no padding (else use conv2d)");
    return 0;
}

static void s_tables(finn_ctx_t *c);

static int finn_prepare(const dse_job_t *job, size_t li, unsigned flags, void **ctx_p,
                        dse_error_t *err)
{
    (void)flags; /* nothing differs in a worker */
    if (li >= job->n_layers)
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "finn: no layer %zu", li);
    const dse_layer_t *l = &job->layers[li];
    finn_ctx_t *c = dse_xcalloc(1, sizeof *c);
    c->est = (int)job->hw[DSE_FINN_HW_ESTIMATES];
    c->simd_cap_bits = (int64_t)job->hw[DSE_FINN_HW_SIMD_CAP_BITS];
    c->cin = l->cin;
    c->cout = l->cout;
    c->w = (int64_t)l->attr[DSE_FINN_L_WEIGHT_BITS];
    c->a = (int64_t)l->attr[DSE_FINN_L_ACT_BITS];
    c->b = (int64_t)l->attr[DSE_FINN_L_OUT_BITS];
    if (c->b <= 0)
        c->b = c->a;
    c->act = l->attr[DSE_FINN_L_ACTIVATION] != 0;
    c->mem_mode = (int)l->attr[DSE_FINN_L_MEM_MODE];
    c->ram_style = (int)l->attr[DSE_FINN_L_RAM_STYLE];
    c->thr_style = (int)l->attr[DSE_FINN_L_RAM_STYLE_THRESHOLDS];
    c->act_signed = l->attr[DSE_FINN_L_ACT_SIGNED] != 0;
    c->k = l->kh > 0 ? l->kh : 1;
    c->stride = l->sh > 0 ? l->sh : 1;
    c->ifm = l->hin + l->pad_t + l->pad_b;
    c->ofm = l->hout;
    switch (l->op) {
    case DSE_OP_CONV2D:
        c->kind = K_CONV;
        c->kk = c->k * c->k;
        c->vectors = l->hout * l->wout;
        break;
    case DSE_OP_PW:
        c->kind = K_MVAU;
        c->kk = 1;
        c->vectors = l->hout * l->wout;
        break;
    case DSE_OP_LINEAR:
        c->kind = K_MVAU;
        c->kk = 1;
        c->vectors = 1;
        break;
    case DSE_OP_DW:
        c->kind = K_DW;
        c->kk = c->k * c->k;
        c->vectors = l->hout * l->wout;
        break;
    case DSE_OP_MAXPOOL:
        c->kind = K_POOL;
        /* StreamingMaxPool_Batch (2021): IFM * (IFM + IFM / k). */
        c->pool_cycles = c->ifm * (c->ifm + c->ifm / c->k);
        break;
    default:
        free(c);
        return dse_error_set(err, DSE_ENOTSUP, NULL, 0, 0, "finn: op %s is not modelled",
                             dse_op_name(l->op));
    }
    if (c->w < 1 || c->a < 1 || (c->act && c->b > 30)) {
        free(c);
        return dse_error_set(err, DSE_ECONFIG, NULL, 0, 0, "finn: bad bit widths");
    }
    int64_t wa = c->w + c->a;
    c->thr_levels = c->act ? ((int64_t)1 << c->b) - 1 : 0;
    c->mult_per_lane = (2 * cdiv(wa, 6) - 1) * wa;
    c->dsp_per_lane = cdiv(wa, 48);
    s_tables(c);
    *ctx_p = c;
    return 0;
}

static void finn_release(void *ctx)
{
    finn_ctx_t *c = ctx;
    if (c) {
        free(c->acc_tab);
        free(c->swg_cyc);
        free(c->swg_lut);
    }
    free(ctx);
}

/* SWG (HLS ConvolutionInputGenerator, 2021) with s channels per cycle. */
static inline int64_t swg_cycles(const finn_ctx_t *c, int64_t ch, int64_t s)
{
    int64_t cs = ch / s;
    int64_t rd = c->ofm * c->kk * cs, wr = c->stride * c->ifm * cs;
    return c->ifm * c->k * cs + c->ofm * (rd > wr ? rd : wr);
}

static inline int64_t swg_luts(const finn_ctx_t *c, int64_t ch, int64_t s)
{
    return 300 + (c->k + c->stride) * s * c->a * cdiv(c->ifm * ch / s, 64);
}

/* Accumulator bits of an MVAU with mw inputs per output. */
static double acc_bits_of(const finn_ctx_t *c, int64_t mw)
{
    if (c->est == DSE_FINN_EST_2021)
        return (double)(c->w + c->a + clog2(mw));
    double alpha = log2((double)mw) + (double)(c->w + c->a - 1 - c->act_signed);
    double bound = ceil(alpha + log2(1 + exp2(-alpha)) + 1);
    return bound < 32 ? bound : 32;
}

static inline double acc_bits(const finn_ctx_t *c, int64_t mw)
{
    return mw >= 1 && mw <= c->n_acc ? c->acc_tab[mw] : acc_bits_of(c, mw);
}

/* The largest table of accumulator bits a layer gets (entries). */
#define FINN_ACC_TAB_MAX 65536

static void s_tables(finn_ctx_t *c)
{
    if (c->kind == K_POOL)
        return;
    int64_t mw_max = c->kind == K_DW ? c->kk : c->cin * c->kk;
    c->n_acc = mw_max <= FINN_ACC_TAB_MAX ? mw_max : 0;
    c->acc_tab = dse_xmalloc((size_t)(c->n_acc + 1) * sizeof *c->acc_tab);
    c->acc_tab[0] = 0;
    for (int64_t mw = 1; mw <= c->n_acc; mw++)
        c->acc_tab[mw] = acc_bits_of(c, mw);
    if (c->kind == K_MVAU)
        return;
    c->swg_cyc = dse_xcalloc((size_t)c->cin + 1, sizeof *c->swg_cyc);
    c->swg_lut = dse_xcalloc((size_t)c->cin + 1, sizeof *c->swg_lut);
    for (int64_t sv = 1; sv <= c->cin; sv++)
        if (c->cin % sv == 0) {
            c->swg_cyc[sv] = swg_cycles(c, c->cin, sv);
            c->swg_lut[sv] = swg_luts(c, c->cin, sv);
        }
}

/* The cost of an MVAU (or VVAU, with mw = K*K and mh = channels). */
/* nf = mh / pe and sf = mw / simd (whole: the caller checked). */
static inline void mvau_cost(const finn_ctx_t *c, int64_t mw, int64_t nf, int64_t sf,
                             int64_t pe, int64_t simd, int dsp, double *lut, double *bram,
                             double *uram, double *dspn)
{
    int64_t wmem = nf * sf, tmem = nf;
    int64_t wa = c->w + c->a;
    double acc = acc_bits(c, mw);
    double sum = (double)((dsp ? 0 : simd * c->mult_per_lane) + wa * (2 * simd - 1)) + acc;
    if (c->act && (c->est == DSE_FINN_EST_2021 || c->thr_style == RAM_DISTRIBUTED))
        sum += (double)c->thr_levels * acc * (double)(cdiv(tmem, 64) + 1);
    int64_t width = pe * simd * c->w;
    int lutram = (c->mem_mode == MEM_DECOUPLED && c->ram_style == RAM_DISTRIBUTED) ||
                 (c->mem_mode == MEM_CONST && wmem <= 128);
    double c2 = lutram ? (double)(width * cdiv(wmem, 64)) : 0;
    /* (x >= 300 here: truncation is floor, without a libm call) */
    double x = 300.0 + 1.1 * ((double)pe * sum) + c2;
    *lut = x < 9e18 ? (double)(int64_t)x : floor(x);
    *dspn = dsp ? (double)(pe * simd * c->dsp_per_lane) : 0;
    *uram = 0;
    if (lutram || c->mem_mode == MEM_EXTERNAL ||
        (c->mem_mode == MEM_DECOUPLED && c->ram_style == RAM_DISTRIBUTED)) {
        *bram = 0;
        return;
    }
    if (c->mem_mode == MEM_DECOUPLED && c->ram_style == RAM_ULTRA) {
        *bram = 0;
        *uram = (double)(cdiv(width, 72) * cdiv(wmem, 4096));
        return;
    }
    /* FINN-R's BRAM18 rule (SDP RAMB18 aspect ratios, UG573). */
    int64_t br;
    if (width == 1)
        br = cdiv(wmem, 16384);
    else if (width == 2)
        br = cdiv(wmem, 8192);
    else if (width <= 4)
        br = cdiv(wmem, 4096) * cdiv(width, 4);
    else if (width <= 9)
        br = cdiv(wmem, 2048) * cdiv(width, 9);
    else if (width <= 18 || wmem > 512)
        br = cdiv(wmem, 1024) * cdiv(width, 18);
    else
        br = cdiv(wmem, 512) * cdiv(width, 36);
    *bram = (double)br;
}

static int finn_evaluate(const void *vctx, const double *p, double *m)
{
    const finn_ctx_t *c = vctx;
    int64_t cin = kept(c->cin, p[DSE_FINN_P_IN_PRUNE]);
    if (cin < 1)
        return 0;
    if (c->kind == K_POOL) {
        m[DSE_FINN_M_CYCLES] = (double)c->pool_cycles;
        m[DSE_FINN_M_MVAU_CYCLES] = 0;
        m[DSE_FINN_M_SWG_CYCLES] = 0;
        m[DSE_FINN_M_LUT] = 0;
        m[DSE_FINN_M_BRAM18] = 0;
        m[DSE_FINN_M_URAM] = 0;
        m[DSE_FINN_M_DSP] = 0;
        m[DSE_FINN_M_PRUNE] = 0;
        m[DSE_FINN_M_MVAU_LUT] = 0;
        m[DSE_FINN_M_SWG_LUT] = 0;
        m[DSE_FINN_M_LATENCY] = (double)c->pool_cycles;
        return 1;
    }
    int64_t pe = (int64_t)p[DSE_FINN_P_PE], simd = (int64_t)p[DSE_FINN_P_SIMD];
    int dsp = p[DSE_FINN_P_RES_TYPE] != 0;
    if (pe < 1 || simd < 1)
        return 0;
    if (c->simd_cap_bits > 0 && c->w * simd > c->simd_cap_bits)
        return 0;
    double lut, bram, uram, dspn;
    int64_t mvau, swg = 0;
    double swg_lut = 0;
    if (c->kind == K_DW) {
        /* VVAU: PE over channels, SIMD over the K*K window; its SWG runs
         * at SIMD = PE (FINN requires the depthwise SWG to match). The 2021
         * VVAU had no SIMD. */
        if (cin % pe != 0 || c->kk % simd != 0)
            return 0;
        if (c->est == DSE_FINN_EST_2021 && simd != 1)
            return 0;
        int64_t nf = cin / pe, sf = c->kk / simd;
        mvau = nf * sf * c->vectors;
        mvau_cost(c, c->kk, nf, sf, pe, simd, dsp, &lut, &bram, &uram, &dspn);
        swg = cin == c->cin ? c->swg_cyc[pe] : swg_cycles(c, cin, pe);
        swg_lut = (double)(cin == c->cin ? c->swg_lut[pe] : swg_luts(c, cin, pe));
        m[DSE_FINN_M_PRUNE] = 0;
    } else {
        double prune = p[DSE_FINN_P_PRUNE];
        int mode = (int)p[DSE_FINN_P_PRUNE_MODE];
        int64_t mw = cin * c->kk, mh = c->cout;
        if (mode == MODE_CHANNELS)
            mh = kept(mh, prune);
        if (mh < 1 || mh % pe != 0 || mw % simd != 0)
            return 0;
        if (mode == MODE_SIMD_BLOCKS) {
            int64_t blocks = kept(mw / simd, prune);
            if (blocks < 1)
                return 0;
            mw = blocks * simd;
        }
        int64_t nf = mh / pe, sf = mw / simd;
        mvau = nf * sf * c->vectors;
        mvau_cost(c, mw, nf, sf, pe, simd, dsp, &lut, &bram, &uram, &dspn);
        if (c->kind == K_CONV) {
            int64_t s = (int64_t)p[DSE_FINN_P_SWG_SIMD];
            if (s < 1 || cin % s != 0)
                return 0;
            if (c->est == DSE_FINN_EST_2021) {
                if (simd % s != 0)
                    return 0;
            } else {
                swg_lut += (double)dse_finn_dwc_luts(s * c->a, simd * c->a);
            }
            /* Pruned columns are skipped, but the SWG still produces every
             * window: its cycle count is the unpruned one. */
            swg = cin == c->cin ? c->swg_cyc[s] : swg_cycles(c, cin, s);
            swg_lut += (double)(cin == c->cin ? c->swg_lut[s] : swg_luts(c, cin, s));
        }
        m[DSE_FINN_M_PRUNE] = prune;
    }
    m[DSE_FINN_M_CYCLES] = (double)(mvau > swg ? mvau : swg);
    m[DSE_FINN_M_MVAU_CYCLES] = (double)mvau;
    m[DSE_FINN_M_SWG_CYCLES] = (double)swg;
    /* FINN's critical path runs through every block in turn: a frame passes
     * the SWG, then the MVAU/VVAU (dataflow_performance.py adds them all). */
    m[DSE_FINN_M_LATENCY] = (double)(mvau + swg);
    m[DSE_FINN_M_LUT] = lut + swg_lut;
    m[DSE_FINN_M_MVAU_LUT] = lut;
    m[DSE_FINN_M_SWG_LUT] = swg_lut;
    m[DSE_FINN_M_BRAM18] = bram;
    m[DSE_FINN_M_URAM] = uram;
    m[DSE_FINN_M_DSP] = dspn;
    return 1;
}

/* Monotone infeasibility for skipping. Of finn_evaluate's checks only two
 * are monotone: W*SIMD over the preset's simd_cap_bits, and SIMD > 1 on a
 * depthwise layer under finn-2021; both hold for every larger SIMD whatever
 * the other parameters, and a point that reaches neither check has failed
 * an earlier one. So every point >= p in all parameters is infeasible. The
 * divisibility checks (PE | MH, SIMD | MW, ...) are not monotone and claim
 * nothing; nor do the resource metrics (BRAM packing is not monotone). */
static uint32_t finn_monotone(const void *vctx, const double *p, int what)
{
    const finn_ctx_t *c = vctx;
    if (what >= 0 || c->kind == K_POOL)
        return 0;
    if (!p)
        return c->simd_cap_bits > 0 || (c->kind == K_DW && c->est == DSE_FINN_EST_2021);
    int64_t simd = (int64_t)p[DSE_FINN_P_SIMD];
    int over_cap = c->simd_cap_bits > 0 && c->w * simd > c->simd_cap_bits;
    int dw_2021 = c->kind == K_DW && c->est == DSE_FINN_EST_2021 && simd > 1;
    if (!over_cap && !dw_2021)
        return 0;
    return (1u << DSE_FINN_N_PARAMS) - 1u;
}

/* Classes: (pruned-channel ratio code << 32) | stream width in bits. */
static void finn_iface(const void *vctx, const double *p, int64_t *in_class, int64_t *out_class)
{
    const finn_ctx_t *c = vctx;
    double in_prune = p[DSE_FINN_P_IN_PRUNE];
    int64_t in_code = ratio_code(in_prune);
    int64_t pe = (int64_t)p[DSE_FINN_P_PE];
    switch (c->kind) {
    case K_POOL: {
        int64_t w = kept(c->cin, in_prune) * c->a;
        *in_class = make_class(in_code, w);
        *out_class = make_class(in_code, w);
        return;
    }
    case K_DW:
        *in_class = make_class(in_code, pe * c->a);
        *out_class = make_class(in_code, pe * c->b);
        return;
    default: {
        int64_t s = c->kind == K_CONV ? (int64_t)p[DSE_FINN_P_SWG_SIMD]
                                      : (int64_t)p[DSE_FINN_P_SIMD];
        int64_t out_code = (int)p[DSE_FINN_P_PRUNE_MODE] == MODE_CHANNELS
                               ? ratio_code(p[DSE_FINN_P_PRUNE])
                               : 0;
        *in_class = make_class(in_code, s * c->a);
        *out_class = make_class(out_code, pe * c->b);
        return;
    }
    }
}

static int finn_compatible(const dse_job_t *job, int64_t prev_out, int64_t next_in)
{
    if ((prev_out >> 32) != (next_in >> 32))
        return 0;
    if ((int)job->hw[DSE_FINN_HW_ESTIMATES] != DSE_FINN_EST_2021)
        return 1;
    int64_t a = dse_finn_class_width(prev_out), b = dse_finn_class_width(next_in);
    if (a <= 0 || b <= 0)
        return 0;
    return a % b == 0 || b % a == 0;
}

/* ---- baselines -------------------------------------------------------- */

static size_t divisors(int64_t n, int64_t *out)
{
    size_t k = 0;
    for (int64_t d = 1; d <= n; d++)
        if (n % d == 0)
            out[k++] = d;
    return k;
}

/* The first value of a parameter's domain in the layer's space, else dflt. */
static double first_value(const dse_layer_t *l, int param, double dflt)
{
    if (l->space && (size_t)param < l->space->n_params && l->space->n_values[param] > 0)
        return l->space->values[param][0];
    return dflt;
}

static void fill_fixed(const dse_job_t *job, size_t li, double *p, int keep_prune)
{
    const dse_layer_t *l = &job->layers[li];
    p[DSE_FINN_P_PE] = 1;
    p[DSE_FINN_P_SIMD] = 1;
    p[DSE_FINN_P_SWG_SIMD] = 1;
    p[DSE_FINN_P_PRUNE] = keep_prune && prunable(job, l) ? first_value(l, DSE_FINN_P_PRUNE, 0) : 0;
    p[DSE_FINN_P_PRUNE_MODE] =
        keep_prune && prunable(job, l) ? first_value(l, DSE_FINN_P_PRUNE_MODE, 0) : 0;
    p[DSE_FINN_P_RES_TYPE] = keep_prune && !is_maxpool(l) ? first_value(l, DSE_FINN_P_RES_TYPE, 0) : 0;
    p[DSE_FINN_P_IN_PRUNE] = keep_prune && li > 0 ? first_value(l, DSE_FINN_P_IN_PRUNE, 0) : 0;
}

static int64_t mvau_cycles_of(const finn_ctx_t *c, int64_t pe, int64_t simd)
{
    int64_t mw = c->kind == K_DW ? c->kk : c->cin * c->kk;
    int64_t mh = c->kind == K_DW ? c->cin : c->cout;
    return mh / pe * (mw / simd) * c->vectors;
}

/* One SetFolding pass (set_folding.py): returns the largest block cycles. */
static int64_t setfolding_pass(const dse_job_t *job, finn_ctx_t **ctx, double *const *params,
                               int64_t target, int64_t wmax, int64_t *div)
{
    int64_t worst = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        const finn_ctx_t *c = ctx[li];
        double *p = params[li];
        fill_fixed(job, li, p, 0);
        int64_t cyc = 0;
        if (c->kind == K_POOL) {
            cyc = c->pool_cycles;
        } else if (c->kind == K_DW) {
            int64_t pe = 1, simd = 1;
            size_t n = divisors(c->cin, div);
            for (size_t i = 0; i < n; i++) {
                pe = div[i];
                if (mvau_cycles_of(c, pe, simd) < target)
                    break;
            }
            if (pe == c->cin && mvau_cycles_of(c, pe, simd) > target &&
                c->est != DSE_FINN_EST_2021) {
                n = divisors(c->kk, div);
                for (size_t i = 0; i < n; i++) {
                    simd = div[i];
                    if (mvau_cycles_of(c, pe, simd) < target)
                        break;
                }
            }
            p[DSE_FINN_P_PE] = (double)pe;
            p[DSE_FINN_P_SIMD] = (double)simd;
            cyc = mvau_cycles_of(c, pe, simd);
            int64_t s = swg_cycles(c, c->cin, pe);
            cyc = cyc > s ? cyc : s;
        } else {
            int64_t mw = c->cin * c->kk, simd = 1, pe = 1;
            size_t n = divisors(mw, div);
            for (size_t i = 0; i < n; i++) {
                int64_t prev = simd;
                simd = div[i];
                if (mvau_cycles_of(c, 1, simd) < target)
                    break;
                if (c->w * simd > wmax) {
                    simd = prev;
                    break;
                }
            }
            n = divisors(c->cout, div);
            for (size_t i = 0; i < n; i++) {
                pe = div[i];
                if (mvau_cycles_of(c, pe, simd) < target)
                    break;
            }
            p[DSE_FINN_P_PE] = (double)pe;
            p[DSE_FINN_P_SIMD] = (double)simd;
            cyc = mvau_cycles_of(c, pe, simd);
            if (c->kind == K_CONV) {
                int64_t s = 1;
                n = divisors(c->cin, div);
                for (size_t i = 0; i < n; i++) {
                    s = div[i];
                    if (swg_cycles(c, c->cin, s) < target)
                        break;
                }
                /* FINN 2021's converter needs one width to divide the other
                 * and the thesis keeps SWG SIMD | MVAU SIMD: fall back to the
                 * largest such SIMD, as a 2021 flow must. */
                if (c->est == DSE_FINN_EST_2021)
                    s = gcd64(s, simd);
                p[DSE_FINN_P_SWG_SIMD] = (double)s;
                int64_t sc = swg_cycles(c, c->cin, s);
                cyc = cyc > sc ? cyc : sc;
            }
        }
        if (cyc > worst)
            worst = cyc;
    }
    return worst;
}

static int prepare_all(const dse_job_t *job, finn_ctx_t **ctx, dse_error_t *err)
{
    for (size_t li = 0; li < job->n_layers; li++) {
        int rc = finn_prepare(job, li, 0, (void **)&ctx[li], err);
        if (rc < 0) {
            for (size_t j = 0; j < li; j++)
                finn_release(ctx[j]);
            return rc;
        }
    }
    return 0;
}

static int64_t max_extent(const dse_job_t *job)
{
    int64_t m = 1;
    for (size_t li = 0; li < job->n_layers; li++) {
        const dse_layer_t *l = &job->layers[li];
        int64_t e[3] = {extent_pe(job, l), extent_simd(job, l), l->cin};
        for (int i = 0; i < 3; i++)
            if (e[i] > m)
                m = e[i];
    }
    return m;
}

static int baseline_setfolding(const dse_job_t *job, finn_ctx_t **ctx, double *const *params)
{
    int64_t target = (int64_t)job->hw[DSE_FINN_HW_TARGET_CYCLES];
    int64_t cap = (int64_t)job->hw[DSE_FINN_HW_SIMD_CAP_BITS];
    int64_t wmax = cap > 0 ? cap : 36;
    int64_t *div = dse_xmalloc(sizeof(int64_t) * (size_t)(max_extent(job) + 1));
    int64_t worst = setfolding_pass(job, ctx, params, target, wmax, div);
    if (worst > target)
        setfolding_pass(job, ctx, params, worst, wmax, div);
    free(div);
    return 0;
}

static int layers_join(const dse_job_t *job, finn_ctx_t **ctx, double *const *params, size_t a)
{
    int64_t ia, oa, ib, ob;
    finn_iface(ctx[a], params[a], &ia, &oa);
    finn_iface(ctx[a + 1], params[a + 1], &ib, &ob);
    return finn_compatible(job, oa, ib);
}

/* The thesis' greedy bottleneck search: from fold 1, move the slowest layer
 * to its next lower cycle level (the largest cycle count below its current
 * one, cheapest in LUTs among ties) while the total stays within
 * lut_budget * lut_total and its neighbours' streams still join. */
static int baseline_greedy(const dse_job_t *job, finn_ctx_t **ctx, double *const *params,
                           dse_error_t *err)
{
    size_t n = job->n_layers;
    double budget = job->hw[DSE_FINN_HW_LUT_BUDGET] * job->hw[DSE_FINN_HW_LUT_TOTAL];
    double *cyc = dse_xcalloc(n, sizeof *cyc), *lut = dse_xcalloc(n, sizeof *lut);
    double m[DSE_FINN_N_METRICS];
    double total = 0;
    int rc = 0;
    for (size_t li = 0; li < n; li++) {
        fill_fixed(job, li, params[li], 1);
        if (!finn_evaluate(ctx[li], params[li], m)) {
            rc = dse_error_set(err, DSE_EFAIL, NULL, 0, 0,
                               "greedy: layer %zu is infeasible fully folded", li);
            goto out;
        }
        cyc[li] = m[DSE_FINN_M_CYCLES];
        lut[li] = m[DSE_FINN_M_LUT];
        total += lut[li];
    }
    if (total > budget) {
        rc = dse_error_set(err, DSE_EFAIL, NULL, 0, 0,
                           "greedy: fully folded network needs %.0f LUT, budget %.0f", total,
                           budget);
        goto out;
    }
    int64_t *dpe = dse_xmalloc(sizeof(int64_t) * (size_t)(max_extent(job) + 1));
    int64_t *dsimd = dse_xmalloc(sizeof(int64_t) * (size_t)(max_extent(job) + 1));
    int64_t *dswg = dse_xmalloc(sizeof(int64_t) * (size_t)(max_extent(job) + 1));
    for (;;) {
        size_t b = 0;
        for (size_t li = 1; li < n; li++)
            if (cyc[li] > cyc[b])
                b = li;
        const finn_ctx_t *c = ctx[b];
        if (c->kind == K_POOL)
            break;
        const dse_layer_t *l = &job->layers[b];
        size_t npe = divisors(extent_pe(job, l), dpe);
        size_t nsimd = divisors(extent_simd(job, l), dsimd);
        size_t nswg = c->kind == K_CONV ? divisors(l->cin, dswg) : 1;
        if (c->kind != K_CONV)
            dswg[0] = 1;
        double *p = params[b];
        double keep[DSE_FINN_N_PARAMS];
        memcpy(keep, p, sizeof keep);
        double best_c = -1, best_l = 0, best[3] = {0, 0, 0};
        for (size_t i = 0; i < npe; i++)
            for (size_t j = 0; j < nsimd; j++)
                for (size_t k = 0; k < nswg; k++) {
                    p[DSE_FINN_P_PE] = (double)dpe[i];
                    p[DSE_FINN_P_SIMD] = (double)dsimd[j];
                    p[DSE_FINN_P_SWG_SIMD] = (double)dswg[k];
                    if (!finn_evaluate(c, p, m) || m[DSE_FINN_M_CYCLES] >= cyc[b])
                        continue;
                    if (m[DSE_FINN_M_CYCLES] < best_c ||
                        (m[DSE_FINN_M_CYCLES] == best_c && m[DSE_FINN_M_LUT] >= best_l))
                        continue;
                    if ((b > 0 && !layers_join(job, ctx, params, b - 1)) ||
                        (b + 1 < n && !layers_join(job, ctx, params, b)))
                        continue;
                    best_c = m[DSE_FINN_M_CYCLES];
                    best_l = m[DSE_FINN_M_LUT];
                    best[0] = p[DSE_FINN_P_PE];
                    best[1] = p[DSE_FINN_P_SIMD];
                    best[2] = p[DSE_FINN_P_SWG_SIMD];
                }
        memcpy(p, keep, sizeof keep);
        if (best_c < 0 || total - lut[b] + best_l > budget)
            break;
        p[DSE_FINN_P_PE] = best[0];
        p[DSE_FINN_P_SIMD] = best[1];
        p[DSE_FINN_P_SWG_SIMD] = best[2];
        total += best_l - lut[b];
        cyc[b] = best_c;
        lut[b] = best_l;
    }
    free(dpe);
    free(dsimd);
    free(dswg);
out:
    free(cyc);
    free(lut);
    return rc;
}

static int finn_baseline(const dse_job_t *job, const char *name, double *const *params,
                         dse_error_t *err)
{
    int is_sf = strcmp(name, "setfolding") == 0;
    if (!is_sf && strcmp(name, "greedy") != 0)
        return dse_error_set(err, DSE_ENOTFOUND, NULL, 0, 0, "finn: no baseline \"%s\"", name);
    finn_ctx_t **ctx = dse_xcalloc(job->n_layers ? job->n_layers : 1, sizeof *ctx);
    int rc = prepare_all(job, ctx, err);
    if (rc == 0) {
        rc = is_sf ? baseline_setfolding(job, ctx, params) : baseline_greedy(job, ctx, params, err);
        for (size_t li = 0; li < job->n_layers; li++)
            finn_release(ctx[li]);
    }
    free(ctx);
    return rc;
}

/* ---- network helpers and export --------------------------------------- */

double dse_finn_network_dwc_luts(const dse_job_t *job, double *const *params)
{
    if ((int)job->hw[DSE_FINN_HW_ESTIMATES] == DSE_FINN_EST_2021 || job->n_layers < 2)
        return 0;
    finn_ctx_t **ctx = dse_xcalloc(job->n_layers, sizeof *ctx);
    dse_error_t err = DSE_ERROR_INIT;
    double sum = -1;
    if (prepare_all(job, ctx, &err) == 0) {
        sum = 0;
        for (size_t li = 0; li + 1 < job->n_layers; li++) {
            int64_t ia, oa, ib, ob;
            finn_iface(ctx[li], params[li], &ia, &oa);
            finn_iface(ctx[li + 1], params[li + 1], &ib, &ob);
            sum += (double)dse_finn_dwc_luts(dse_finn_class_width(oa), dse_finn_class_width(ib));
        }
        for (size_t li = 0; li < job->n_layers; li++)
            finn_release(ctx[li]);
    }
    free(ctx);
    return sum;
}

/* Exported points must fit every device budget of the preset. */
enum { NET_MAX_CYCLES, NET_LATENCY, NET_LUT, NET_BRAM18, NET_URAM, NET_DSP, NET_PRUNE };

static int finn_export_fits(const dse_job_t *job, const double *net)
{
    const double *hw = job->hw;
    const double slack = 1e-9;
    return net[NET_LUT] <= hw[DSE_FINN_HW_LUT_TOTAL] * hw[DSE_FINN_HW_LUT_BUDGET] + slack &&
           net[NET_BRAM18] <= hw[DSE_FINN_HW_BRAM18_TOTAL] * hw[DSE_FINN_HW_BRAM_BUDGET] + slack &&
           net[NET_DSP] <= hw[DSE_FINN_HW_DSP_TOTAL] * hw[DSE_FINN_HW_DSP_BUDGET] + slack;
}

static int finn_export_point(const dse_job_t *job, double *const *params, const char *dir,
                             dse_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/folding_config.json", dir);
    return dse_finn_write_folding_config(job, params, path, err);
}

int dse_finn_write_folding_config(const dse_job_t *job, double *const *params, const char *path,
                                  dse_error_t *err)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    int n_swg = 0, n_mvau = 0, n_vvau = 0, n_pool = 0;
    int est = (int)job->hw[DSE_FINN_HW_ESTIMATES];
    dse_strbuf_adds(&sb, "{\n  \"Defaults\": {}");
    for (size_t li = 0; li < job->n_layers; li++) {
        const dse_layer_t *l = &job->layers[li];
        const double *p = params[li];
        int pe = (int)p[DSE_FINN_P_PE], simd = (int)p[DSE_FINN_P_SIMD];
        const char *ram = s_ram_style[(int)l->attr[DSE_FINN_L_RAM_STYLE] & 3];
        const char *mem = s_mem_mode[(int)l->attr[DSE_FINN_L_MEM_MODE] % 3];
        const char *res = s_res_type[p[DSE_FINN_P_RES_TYPE] != 0];
        /* node names: an imported dataflow graph's own, else FINN's defaults */
        char swg[160], unit[160];
        snprintf(swg, sizeof swg, "ConvolutionInputGenerator_%d", n_swg);
        if (l->src_names[0])
            snprintf(swg, sizeof swg, "%s", l->src_names[0]);
        switch (l->op) {
        case DSE_OP_CONV2D:
            n_swg++;
            dse_strbuf_addf(&sb, ",\n  \"%s\": {\"SIMD\": %d, \"ram_style\": \"distributed\"}", swg,
                            (int)p[DSE_FINN_P_SWG_SIMD]);
            /* fall through */
        case DSE_OP_PW:
        case DSE_OP_LINEAR:
            snprintf(unit, sizeof unit, "MatrixVectorActivation_%d", n_mvau++);
            dse_strbuf_addf(&sb,
                            ",\n  \"%s\": {\"PE\": %d, \"SIMD\": %d, "
                            "\"ram_style\": \"%s\", \"mem_mode\": \"%s\", \"resType\": \"%s\"}",
                            l->src_names[1] ? l->src_names[1] : unit, pe, simd, ram, mem, res);
            break;
        case DSE_OP_DW:
            n_swg++;
            dse_strbuf_addf(&sb, ",\n  \"%s\": {\"SIMD\": %d, \"ram_style\": \"distributed\"}", swg,
                            pe);
            snprintf(unit, sizeof unit, "VectorVectorActivation_%d", n_vvau++);
            if (est == DSE_FINN_EST_2021)
                dse_strbuf_addf(&sb, ",\n  \"%s\": {\"PE\": %d, \"resType\": \"%s\"}",
                                l->src_names[1] ? l->src_names[1] : unit, pe, res);
            else
                dse_strbuf_addf(&sb,
                                ",\n  \"%s\": {\"PE\": %d, \"SIMD\": %d, \"resType\": \"%s\"}",
                                l->src_names[1] ? l->src_names[1] : unit, pe, simd, res);
            break;
        case DSE_OP_MAXPOOL:
            snprintf(unit, sizeof unit, "StreamingMaxPool_Batch_%d", n_pool++);
            dse_strbuf_addf(&sb, ",\n  \"%s\": {}", l->src_names[1] ? l->src_names[1] : unit);
            break;
        default:
            break;
        }
    }
    dse_strbuf_adds(&sb, "\n}\n");
    int rc = dse_write_file_atomic(path, sb.buf, sb.len, err);
    dse_strbuf_release(&sb);
    return rc;
}

/* ---- the model ------------------------------------------------------- */

/* Cycles per frame: B frames stream through the pipeline, so at steady
 * state a batch takes B times each layer's cycles. */
static const char *const s_batch_metrics[] = {"cycles", "mvau_cycles", "swg_cycles", NULL};

const dse_hwmodel_t dse_model_finn = {
    .name = "finn",
    .doc = "FINN-style FPGA dataflow: per-layer SWG + MVAU/VVAU (thresholds inside) and "
           "StreamingMaxPool with FINN's cycle and LUT/BRAM18/URAM/DSP estimates",
    .default_preset = "pynq-z1",
    .dtypes = (1u << DSE_DTYPE_FP32) | (1u << DSE_DTYPE_FP16) | (1u << DSE_DTYPE_INT8),
    .steps = DSE_STEP_FW,
    .ops = (1u << DSE_OP_CONV2D) | (1u << DSE_OP_DW) | (1u << DSE_OP_PW) | (1u << DSE_OP_LINEAR) |
           (1u << DSE_OP_MAXPOOL),
    .preset_keys = s_preset_keys,
    .n_preset_keys = DSE_FINN_N_HW,
    .layer_keys = s_layer_keys,
    .n_layer_keys = DSE_FINN_N_LAYER_KEYS,
    .params = s_params,
    .n_params = DSE_FINN_N_PARAMS,
    .metrics = s_metrics,
    .n_metrics = DSE_FINN_N_METRICS,
    .net_metrics = s_net_metrics,
    .n_net_metrics = sizeof s_net_metrics / sizeof s_net_metrics[0],
    .default_objectives = s_default_objectives,
    .check_layer = finn_check_layer,
    .prepare = finn_prepare,
    .release = finn_release,
    .evaluate = finn_evaluate,
    .monotone = finn_monotone,
    .iface = finn_iface,
    .compatible = finn_compatible,
    .baselines = s_baselines,
    .baseline = finn_baseline,
    .export_fits = finn_export_fits,
    .export_point = finn_export_point,
    .batch_metrics = s_batch_metrics,
};
