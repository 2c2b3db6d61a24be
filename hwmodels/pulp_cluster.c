/* pulp_cluster.c - the pulp-cluster cost model.
 *
 * Per layer and training step (FW, WG, IG) the layer is cut into L1 tiles
 * (tile_cout x tile_cin x tile_ho x tile_wo; border tiles counted exactly,
 * with their clipped input halo). Each tile costs:
 *   compute = fork + matmul (busiest core of the chosen kernel, after its
 *             fallback cascade) [+ fork + im2col] [+ fork + IG transpose];
 *             depthwise layers run a direct kernel, ceil(C/cores) channels
 *             per core;
 *   DMA     = bytes / dma_bytes_per_cycle + dma_setup_cycles per transfer.
 * Single buffering: compute + DMA. Double buffering overlaps them:
 *   first load + last store + max(compute, remaining DMA).
 * The matmul cost per body of u x v outputs over K (K unrolled by ku) is
 *   stall * ((K/ku) * (loads + extra + FMAs * fma_factor) + leftover K)
 *   + 8 + 2.5*u*v (accumulator init/store, indices),
 * i.e. MODELS.md's (U+V+UV) instructions per U*V MACs and k step, with a
 * calibrated stall factor per kernel (kernels/catalogue.c).
 * Loop order and traffic: channel tiles outer, spatial tiles inner; weights
 * move once per channel tile pair; partial sums (FW when cin is tiled, IG
 * when cout is tiled) are stored and reloaded between channel tiles.
 */
#include "hwmodels/pulp_cluster.h"
#include "hwmodels/exports.h"

#include <assert.h>
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/space.h"
#include "core/util.h"
#include "kernels/ops.h"

/* ---- declarations --------------------------------------------------- */

static const dse_key_decl_t s_preset[DSE_PULP_HW__COUNT] = {
    [DSE_PULP_HW_CORES] = {.name = "cores", .kind = DSE_VAL_INT, .dflt = 8, .min = 1, .max = 64,
        .unit = "",
        .doc = "cluster cores (8 RISC-V RI5CY cores: pulp_cluster RTL, SAMOS 2022 PULP-TrainLib paper)"},
    [DSE_PULP_HW_L1] = {.name = "l1_bytes", .kind = DSE_VAL_INT, .dflt = 65536, .min = 1024,
        .max = 1 << 30, .unit = "bytes",
        .doc = "shared L1 TCDM (64 KiB in the PULP-TrainLib paper platform, 128 KiB in later configs)"},
    [DSE_PULP_HW_L2] = {.name = "l2_bytes", .kind = DSE_VAL_INT, .dflt = 1572864, .min = 1024,
        .max = 1LL << 34, .unit = "bytes",
        .doc = "L2 memory (1.5 to 2 MiB on PULP-open; MODELS.md section 1)"},
    [DSE_PULP_HW_DMA_BPC] = {.name = "dma_bytes_per_cycle", .kind = DSE_VAL_REAL, .dflt = 8,
        .min = 0.1, .max = 1024, .unit = "bytes/cycle",
        .doc = "cluster DMA bandwidth L2<->L1 (up to 8 bytes/cycle, 64-bit AXI: pulp_cluster RTL)",
        .cal_lo = 1, .cal_hi = 16},
    [DSE_PULP_HW_DMA_SETUP] = {.name = "dma_setup_cycles", .kind = DSE_VAL_INT, .dflt = 30,
        .min = 0, .max = 100000, .unit = "cycles",
        .doc = "cycles to program and start one DMA transfer (estimate: a few tens of cycles, "
               "pulp-runtime mchan driver)", .cal_lo = 0, .cal_hi = 2000},
    [DSE_PULP_HW_FPUS] = {.name = "fpus", .kind = DSE_VAL_INT, .dflt = 8, .min = 1, .max = 64,
        .unit = "",
        .doc = "FPUs shared by the cores (8 = one per core as in the paper; 4 in a shared-FPU RTL "
               "configuration)"},
    [DSE_PULP_HW_CLOCK] = {.name = "clock_mhz", .kind = DSE_VAL_REAL, .dflt = 370, .min = 1,
        .max = 10000, .unit = "MHz",
        .doc = "cluster clock, only to turn cycles into time_us (estimate for a 22 nm PULP-open)"},
    [DSE_PULP_HW_FORK] = {.name = "fork_cycles", .kind = DSE_VAL_INT, .dflt = 100, .min = 0,
        .max = 100000, .unit = "cycles",
        .doc = "cost of one pi_cl_team_fork plus its closing barrier (estimate, pulp-runtime)",
        .cal_lo = 0, .cal_hi = 5000},
};

static const char *const s_buffering[] = {"single", "double", NULL};

/* The kernel names of kernels/catalogue.h, in its order: matmul value
 * 1 + i is FP32 kernel i, 1 + 24 + i FP16 kernel i (0 is "best"). */
#define S_NAME(name, ...) #name,
static const char *const s_matmul[] = {
    "best", DSE_MM_FP32_KERNELS(S_NAME) DSE_MM_FP16_KERNELS(S_NAME) NULL};

static const char *const s_kernel_labels[] = {
    DSE_MM_FP32_KERNELS(S_NAME) DSE_MM_FP16_KERNELS(S_NAME) "dw_direct", "none", NULL};
#undef S_NAME

static int is_bare_mm(dse_op_t op)
{
    return op == DSE_OP_MATMUL || op == DSE_OP_GEMM || op == DSE_OP_GEMV;
}

static int64_t ext_cout(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return is_bare_mm(l->op) ? l->n : l->cout;
}

static int64_t ext_ho(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return is_bare_mm(l->op) ? l->m : l->op == DSE_OP_LINEAR ? 1 : l->hout;
}

static int64_t ext_wo(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return dse_ops_is_dense(l->op) ? 1 : l->wout;
}

static int64_t ext_cin(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return is_bare_mm(l->op) ? l->k : l->cin;
}

static int applies_ho(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op != DSE_OP_LINEAR;
}

static int applies_wo(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return !dse_ops_is_dense(l->op);
}

static int applies_cin(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op != DSE_OP_DW;
}

/* A depthwise layer always runs the dw_direct kernel, whatever the matmul
 * parameter says: its matmul domain would only repeat every point. */
static int applies_matmul(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op != DSE_OP_DW;
}

static int applies_prune(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op == DSE_OP_CONV2D || l->op == DSE_OP_PW || l->op == DSE_OP_LINEAR;
}

static const dse_param_decl_t s_params[DSE_PULP_P__COUNT] = {
    [DSE_PULP_P_TILE_COUT] = {.name = "tile_cout", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = ext_cout, .neutral = 0,
        .doc = "output channels per L1 tile (bare matmul: columns n); non-dividing tiles allowed"},
    [DSE_PULP_P_TILE_HO] = {.name = "tile_ho", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = ext_ho, .applies = applies_ho, .neutral = 1,
        .doc = "output rows per tile (bare matmul: rows m)"},
    [DSE_PULP_P_TILE_WO] = {.name = "tile_wo", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = ext_wo, .applies = applies_wo, .neutral = 1, .doc = "output columns per tile"},
    [DSE_PULP_P_TILE_CIN] = {.name = "tile_cin", .kind = DSE_VAL_INT, .dflt = "\"max\"",
        .extent = ext_cin, .applies = applies_cin, .neutral = 0,
        .doc = "input channels per tile (bare matmul: k); default: all (not tiled)"},
    [DSE_PULP_P_BUFFERING] = {.name = "buffering", .kind = DSE_VAL_ENUM, .choices = s_buffering,
        .dflt = "[\"single\", \"double\"]", .neutral = 0,
        .doc = "single: DMA then compute; double: DMA overlapped with compute, 2x the DMA'd buffers"},
    [DSE_PULP_P_CORES] = {.name = "cores", .kind = DSE_VAL_INT, .dflt = "[8]", .neutral = 8,
        .doc = "cores running the kernels (at most the preset's cores)"},
    [DSE_PULP_P_MATMUL] = {.name = "matmul", .kind = DSE_VAL_ENUM, .choices = s_matmul,
        .dflt = "[\"best\"]", .applies = applies_matmul, .neutral = 0,
        .doc = "matmul kernel: best = fastest per step (AutoTuner), or one kernel for every step"},
    [DSE_PULP_P_PRUNE] = {.name = "prune", .kind = DSE_VAL_REAL, .dflt = "[0.0]",
        .applies = applies_prune, .neutral = 0,
        .doc = "output-channel pruning ratio; kept = cout - round(cout*prune), rounded down to a "
               "multiple of the cores, >= 1"},
};

static const dse_metric_decl_t s_metrics[DSE_PULP_M__COUNT] = {
    [DSE_PULP_M_CYCLES] = {.name = "cycles", .unit = "cycles",
        .doc = "cluster cycles of the chosen steps"},
    [DSE_PULP_M_CYCLES_FW] = {.name = "cycles_fw", .unit = "cycles", .doc = "forward step"},
    [DSE_PULP_M_CYCLES_WG] = {.name = "cycles_wg", .unit = "cycles",
        .doc = "weight-gradient step"},
    [DSE_PULP_M_CYCLES_IG] = {.name = "cycles_ig", .unit = "cycles", .doc = "input-gradient step"},
    [DSE_PULP_M_MACS] = {.name = "macs", .unit = "MAC",
        .doc = "multiply-accumulates executed (matmul N*K*M per tile)"},
    [DSE_PULP_M_MAC_PER_CYCLE] = {.name = "mac_per_cycle", .unit = "MAC/cycle",
        .doc = "macs / cycles"},
    [DSE_PULP_M_L1_BYTES] = {.name = "l1_bytes", .unit = "bytes",
        .doc = "largest L1 footprint of a tile over the steps"},
    [DSE_PULP_M_L2_TRAFFIC] = {.name = "l2_traffic_bytes", .unit = "bytes",
        .doc = "bytes moved by the DMA between L2 and L1"},
    [DSE_PULP_M_TILES] = {.name = "tiles", .unit = "", .doc = "tiles per step"},
    [DSE_PULP_M_KERNEL_FW] = {.name = "kernel_fw", .unit = "", .labels = s_kernel_labels,
        .doc = "kernel of the forward step"},
    [DSE_PULP_M_KERNEL_WG] = {.name = "kernel_wg", .unit = "", .labels = s_kernel_labels,
        .doc = "kernel of the weight-gradient step"},
    [DSE_PULP_M_KERNEL_IG] = {.name = "kernel_ig", .unit = "", .labels = s_kernel_labels,
        .doc = "kernel of the input-gradient step"},
    [DSE_PULP_M_PRUNE] = {.name = "prune", .unit = "", .doc = "pruning ratio applied"},
    [DSE_PULP_M_TIME] = {.name = "time_us", .unit = "us", .doc = "cycles / clock_mhz"},
};

static const dse_net_metric_decl_t s_net[] = {
    {.name = "cycles", .source = "cycles", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = "network cycles (layers run one after another)"},
    {.name = "cycles_fw", .source = "cycles_fw", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = "forward cycles"},
    {.name = "cycles_wg", .source = "cycles_wg", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = "weight-gradient cycles"},
    {.name = "cycles_ig", .source = "cycles_ig", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = "input-gradient cycles"},
    {.name = "macs", .source = "macs", .agg = DSE_AGG_SUM, .unit = "MAC", .doc = "network MACs"},
    {.name = "l1_bytes", .source = "l1_bytes", .agg = DSE_AGG_MAX, .unit = "bytes",
        .doc = "L1 needed (L1 is reused layer by layer)"},
    {.name = "l2_traffic_bytes", .source = "l2_traffic_bytes", .agg = DSE_AGG_SUM, .unit = "bytes",
        .doc = "network DMA traffic"},
    {.name = "tiles", .source = "tiles", .agg = DSE_AGG_SUM, .unit = "", .doc = "network tiles"},
    {.name = "prune", .source = "prune", .agg = DSE_AGG_MEAN, .unit = "",
        .doc = "mean pruning ratio"},
    {.name = "time_us", .source = "time_us", .agg = DSE_AGG_SUM, .unit = "us",
        .doc = "network time at clock_mhz"},
};

static const char *const s_objectives[] = {"cycles", "l1_bytes", NULL};

/* Work per sample: a batch runs the layer's steps once per sample. */
static const char *const s_batch_metrics[] = {"cycles",    "cycles_fw", "cycles_wg",
                                              "cycles_ig", "macs",      "l2_traffic_bytes",
                                              "time_us",   NULL};

/* ---- the matmul cost ------------------------------------------------ */

/* A kernel's body constants at one FMA slowdown ff: cycles per K group
 * (per), per leftover K step (tailc), and the accumulator overhead
 * 2.5*u*v (ovh); stall widened to double. */
typedef struct {
    double stall, per, tailc, ovh;
} kbody_t;

static inline kbody_t kbody(const dse_mm_kernel_t *e, double ff)
{
    double fma = (double)(e->u * e->v * e->ku) / e->simd;
    kbody_t b = {e->stall, e->ld + e->ex + fma * ff, e->u + e->v + e->u * e->v * ff,
                 2.5 * e->u * e->v};
    return b;
}

/* Cycles of one u x v body over K = groups * ku + rest. */
static inline double body_of(const kbody_t *b, int64_t groups, int64_t rest)
{
    double tail = (double)rest * b->tailc; /* rest 0: +0.0, the same sum */
    return b->stall * ((double)groups * b->per + tail) + 8.0 + b->ovh;
}

/* Cycles of one u x v body over K. */
static inline double body_cycles(const dse_mm_kernel_t *e, int64_t k, double ff)
{
    int64_t groups = k / e->ku;
    kbody_t b = kbody(e, ff);
    return body_of(&b, groups, k - groups * e->ku);
}

/* Cycles of an already resolved kernel. */
static double mm_cycles_run(const dse_mm_kernel_t *tab, int run, int64_t n, int64_t k, int64_t m,
                            int cores, double ff)
{
    const dse_mm_kernel_t *e = &tab[run];
    dse_mm_work_t w;
    dse_mm_work(e, n, m, cores, &w);
    double body = body_cycles(e, k, ff);
    double c = (double)w.blocks * body;
    if (w.half)
        c += (double)w.half * 0.55 * body; /* one row of a two-row body */
    if (w.left)
        c += (double)w.left * body_cycles(&tab[DSE_MM_NAIVE], k, ff);
    return c;
}

double dse_pulp_mm_cycles(const dse_mm_kernel_t *tab, int idx, int64_t n, int64_t k, int64_t m,
                          int cores, double ff)
{
    if (n <= 0 || k <= 0 || m <= 0)
        return 0.0;
    return mm_cycles_run(tab, dse_mm_resolve(tab, idx, n, k, m, cores), n, k, m, cores, ff);
}

/* ---- per-layer context ---------------------------------------------- */

/* Tiles along one spatial dimension for one tile size: classes of tiles
 * with the same output size and input span. */
typedef struct {
    int32_t size, span, count;
} dim_class_t;

typedef struct {
    int32_t first, n;            /* classes[first .. first+n) */
    int64_t ntiles;
    int64_t sum_span;            /* input positions fetched over all tiles */
    int32_t first_size, first_span, last_size, last_span;
    int32_t dom; /* a class with both the largest size and span, or -1 */
} dim_tile_t;

typedef struct {
    dim_tile_t *tiles; /* index = tile size 1..extent */
    dim_class_t *classes;
    int64_t extent;
} dim_tab_t;

typedef struct entry entry_t;
typedef struct head head_t;

/* A count that is a product of a tile's fields, each at most once, times
 * coef: fields chosen per pair by an index into {1, first, second, both}:
 * ci over (cout, cin), ri over (ho, hi), wi over (wo, wi). */
typedef struct {
    int64_t coef;
    uint8_t ci, ri, wi;
} mono_t;

/* The monomials of one step: matmul n, k, m, im2col elements, IG weight
 * transpose elements (coef 0: none). */
enum { MO_N, MO_K, MO_M, MO_IM2COL, MO_TR, MO__COUNT };

/* The fallback resolution at one number of cores (see runs_of): per dim
 * n, m, k (d = 0, 1, 2) the least value at or above which no test on it
 * holds (tmax; 0: no test), the class of each value below it
 * (cls[cls_off + v]: how many thresholds lie at or below v), and the kernel
 * each kernel runs as per class triple, runs[run_off + ...]. */
#define S_RSEL_CORES 64 /* the preset's largest number of cores */
typedef struct {
    int64_t tmax[3];
    int32_t cls_off[3];
    uint8_t ncls[3];
    int32_t run_off;
    int32_t own[DSE_MM_FP32_COUNT][3]; /* a kernel runs as itself from these n, m, k up */
} rsel_t;

/* A kernel's matmul cycles on dims > 0 (kcost, specialised per kernel). */
typedef double (*kcost_fn)(const kbody_t *kb, int64_t n, int64_t k, int64_t m, int cores,
                           int cshift);

/* Tile classes of one dimension with the same factors f of the N, K, M and
 * im2col monomials, and their total count. */
typedef struct {
    int64_t f[4];
    int64_t count;
} fgroup_t;

typedef struct {
    dse_layer_t l;
    unsigned steps;
    int eb;
    int hw_cores, dma_setup, fork;
    double l1, dma_bpc, fpus;
    double clock_mhz;
    const dse_mm_kernel_t *tab;
    int nk, label_off, choice_off;
    int64_t cout, cin; /* extents (bare matmul: n, k) */
    dim_tab_t rows, cols;
    mono_t mono[DSE_TSTEP__COUNT][MO__COUNT];
    /* footprint monomials (bytes) of the run steps, each distinct one once:
     * fpm[0 .. n_fpm), and per step the index of its in, w, bias, im2col, out */
    mono_t fpm[DSE_TSTEP__COUNT * 5];
    uint8_t fp_at[DSE_TSTEP__COUNT][5];
    int n_fpm;
    const kcost_fn *kc; /* the table's kernels' cost functions */
    const rsel_t *rsel; /* [cores], 1 .. S_RSEL_CORES: shared by every layer */
    const uint8_t *cls;
    const int8_t *runs;
    kbody_t *kb; /* [cores * DSE_MM_FP32_COUNT + kernel], cores 1 .. hw_cores */
    int8_t cshift[65]; /* log2(cores) when a power of two, else -1 */
    /* cache over the layer's space (NULL when absent): one head per combination, and per step the compute cycles and
     * kernel of each value of the matmul parameter's domain (slot) */
    head_t *cache;
    float *cache_c;
    int8_t *cache_run;
    int n_slots;
    int8_t slot[64]; /* matmul choice index -> slot, -1 when not in the domain */
    int32_t *map[4];     /* value -> domain position for tile_cout/ho/wo/cin */
    int64_t map_len[4];
    double *cores_v, *prune_v;
    size_t n_cores_v, n_prune_v;
    size_t stride[6];
    /* per rows (0) / cols (1) and step: the tile classes of each tile size
     * merged by their factors of the N, K, M and im2col monomials (see
     * step_grouped): fgroups fg[w][s][first[t] .. first[t] + count[t]) */
    fgroup_t *fg[2][DSE_TSTEP__COUNT];
    int32_t *fg_first[2][DSE_TSTEP__COUNT], *fg_n[2][DSE_TSTEP__COUNT];
} ctx_t;

static void dim_build(dim_tab_t *d, int64_t out, int64_t in, int64_t k, int64_t s, int64_t pad)
{
    d->extent = out;
    d->tiles = dse_xcalloc((size_t)out + 1, sizeof *d->tiles);
    size_t cap = 0, n = 0;
    d->classes = NULL;
    for (int64_t t = 1; t <= out; t++) {
        dim_tile_t *dt = &d->tiles[t];
        dt->first = (int32_t)n;
        for (int64_t o0 = 0; o0 < out; o0 += t) {
            int32_t size = (int32_t)(out - o0 < t ? out - o0 : t);
            int32_t span = (int32_t)dse_ops_in_span(o0, size, s, k, pad, in);
            if (o0 == 0)
                dt->first_size = size, dt->first_span = span;
            dt->last_size = size, dt->last_span = span;
            dt->ntiles++;
            dt->sum_span += span;
            size_t j;
            for (j = (size_t)dt->first; j < n; j++)
                if (d->classes[j].size == size && d->classes[j].span == span)
                    break;
            if (j == n) {
                d->classes = dse_xgrow(d->classes, sizeof *d->classes, n + 1, &cap);
                d->classes[n].size = size, d->classes[n].span = span, d->classes[n].count = 0;
                n++;
            }
            d->classes[j].count++;
        }
        dt->n = (int32_t)(n - (size_t)dt->first);
        /* a footprint grows with sizes and spans: when one class has the
         * largest of both, the largest footprint is that class's */
        int32_t ms = 0, mp = 0;
        for (size_t j = (size_t)dt->first; j < n; j++) {
            if (d->classes[j].size > ms)
                ms = d->classes[j].size;
            if (d->classes[j].span > mp)
                mp = d->classes[j].span;
        }
        dt->dom = -1;
        for (size_t j = (size_t)dt->first; j < n && dt->dom < 0; j++)
            if (d->classes[j].size == ms && d->classes[j].span == mp)
                dt->dom = (int32_t)j;
    }
}

static void dim_free(dim_tab_t *d)
{
    free(d->tiles);
    free(d->classes);
}

/* ---- evaluation ----------------------------------------------------- */

typedef struct {
    int64_t kept;               /* output channels after pruning */
    int64_t tc, nc, c_last;     /* cout tiles */
    int64_t tci, nci, ci_last;  /* cin tiles */
    const dim_tile_t *r, *w;
    int cores;
} geom_t;

static int64_t prune_kept(int64_t cout, double prune, int cores)
{
    if (prune <= 0.0)
        return cout;
    int64_t kept = cout - (int64_t)llround((double)cout * prune);
    if (kept >= cores)
        kept -= kept % cores;
    return kept < 1 ? 1 : kept;
}

static int make_geom(const ctx_t *x, const double *p, geom_t *g)
{
    int64_t tc = (int64_t)p[DSE_PULP_P_TILE_COUT], th = (int64_t)p[DSE_PULP_P_TILE_HO];
    int64_t tw = (int64_t)p[DSE_PULP_P_TILE_WO], tci = (int64_t)p[DSE_PULP_P_TILE_CIN];
    g->cores = (int)p[DSE_PULP_P_CORES];
    if (tc < 1 || th < 1 || tw < 1 || tci < 0 || g->cores < 1 || g->cores > x->hw_cores)
        return 0;
    g->kept = x->l.op == DSE_OP_DW || is_bare_mm(x->l.op)
                  ? x->cout : prune_kept(x->cout, p[DSE_PULP_P_PRUNE], g->cores);
    g->tc = tc < g->kept ? tc : g->kept;
    g->nc = (g->kept + g->tc - 1) / g->tc;
    g->c_last = g->kept - (g->nc - 1) * g->tc;
    if (x->l.op == DSE_OP_DW) {
        g->tci = g->tc, g->nci = 1, g->ci_last = g->c_last;
    } else {
        g->tci = tci == 0 || tci > x->cin ? x->cin : tci;
        g->nci = (x->cin + g->tci - 1) / g->tci;
        g->ci_last = x->cin - (g->nci - 1) * g->tci;
    }
    if (th > x->rows.extent)
        th = x->rows.extent;
    if (tw > x->cols.extent)
        tw = x->cols.extent;
    g->r = &x->rows.tiles[th];
    g->w = &x->cols.tiles[tw];
    return 1;
}

/* Compute cycles of one tile of one step, excluding the matmul itself. */
static double tile_extra(const ctx_t *x, int step, const dse_tile_t *t, int cores)
{
    double c = 0.0;
    int64_t e = dse_ops_im2col_elems(&x->l, step, t);
    if (e)
        c += x->fork + 3.0 * (double)((e + cores - 1) / cores);
    if (step == DSE_TSTEP_IG && (x->l.op == DSE_OP_CONV2D || x->l.op == DSE_OP_PW)) {
        int64_t tr = x->l.kh * x->l.kw * t->cin * t->cout; /* weight transpose */
        c += x->fork + 3.0 * (double)((tr + cores - 1) / cores);
    }
    return c;
}

static double dw_tile(const ctx_t *x, const dse_tile_t *t, int cores, double ff)
{
    /* direct kernel: 2 loads + 1 FMA per MAC, per-output overhead */
    int64_t ch = (t->cout + cores - 1) / cores;
    double per_ch = 1.3 * (double)(t->ho * t->wo * x->l.kh * x->l.kw) * (2.0 + ff)
                    + 10.0 * (double)(t->ho * t->wo);
    return x->fork + (double)ch * per_ch;
}

/* The matmul cycles of resolved kernel r for one tile's dims (all > 0); the
 * leftover body's cost is the same for every kernel: *naive holds it once
 * computed (< 0 before). */
static double mm_run_cycles(const ctx_t *x, const dse_mm_dims_t *d, int cores, double ff, int r,
                            double *naive)
{
    const dse_mm_kernel_t *e = &x->tab[r];
    dse_mm_work_t w;
    dse_mm_work(e, d->n, d->m, cores, &w);
    double body = body_cycles(e, d->k, ff);
    double cy = (double)w.blocks * body;
    if (w.half)
        cy += (double)w.half * 0.55 * body;
    if (w.left) {
        if (*naive < 0)
            *naive = body_cycles(&x->tab[DSE_MM_NAIVE], d->k, ff);
        cy += (double)w.left * *naive;
    }
    return cy;
}

/* Kernel k's matmul cycles (*c) and the kernel it resolves to (*run) for one
 * tile's dims: what mm_costs_all gives that kernel, bit for bit. */
static void mm_cost_one(const ctx_t *x, const dse_mm_dims_t *d, int cores, double ff, int k,
                        double *c, int8_t *run)
{
    int r = dse_mm_resolve(x->tab, k, d->n, d->k, d->m, cores);
    *run = (int8_t)r;
    double naive = -1.0;
    *c = d->n <= 0 || d->k <= 0 || d->m <= 0 ? 0.0 : mm_run_cycles(x, d, cores, ff, r, &naive);
}

/* Every kernel's matmul cycles (c[0..nk)) and the kernel each resolves to
 * (run) for one tile's dims. */
static void mm_costs_all(const ctx_t *x, const dse_mm_dims_t *d, int cores, double ff, double *c,
                         int8_t *run)
{
    dse_mm_resolve_all(x->tab, x->nk, d->n, d->k, d->m, cores, run);
    for (int k = 0; k < DSE_MM_FP32_COUNT; k++)
        c[k] = 0.0;
    if (d->n <= 0 || d->k <= 0 || d->m <= 0)
        return;
    /* many kernels fall back to the same one: cost each once */
    double by_run[DSE_MM_FP32_COUNT];
    for (int k = 0; k < x->nk; k++)
        by_run[k] = -1.0;
    double naive = -1.0; /* the leftover body, the same for every kernel */
    for (int k = 0; k < x->nk; k++) {
        int r = run[k];
        if (by_run[r] < 0)
            by_run[r] = mm_run_cycles(x, d, cores, ff, r, &naive);
        c[k] = by_run[r];
    }
}

/* acc[k] += cnt * (extra + c[k]) for every slot of the fp32 catalogue's
 * size: a fixed count with no aliasing vectorises, and each slot gets the
 * same operations in the same order as alone (slots past the table's
 * kernels hold zeros and are not read back). */
static inline void acc_kernels(double *restrict acc, const double *restrict c, double cnt,
                               double extra)
{
    for (int k = 0; k < DSE_MM_FP32_COUNT; k++)
        acc[k] += cnt * (extra + c[k]);
}

/* acc[k] += w * c[k] for every slot of the fp32 catalogue's size, two at a
 * time where the compiler offers vectors (the same IEEE products and sums
 * lane by lane: no bit changes). */
static inline void acc_scaled(double *restrict acc, const double *restrict c, double w)
{
#if defined(__GNUC__) && !defined(__clang__) && DSE_MM_FP32_COUNT % 2 == 0
    typedef double v2_t __attribute__((vector_size(16)));
    v2_t vw = {w, w};
#pragma GCC unroll 12
    for (int k = 0; k < DSE_MM_FP32_COUNT; k += 2) {
        v2_t a, b;
        memcpy(&a, &acc[k], sizeof a);
        memcpy(&b, &c[k], sizeof b);
        a += vw * b;
        memcpy(&acc[k], &a, sizeof a);
    }
#else
    for (int k = 0; k < DSE_MM_FP32_COUNT; k++)
        acc[k] += w * c[k];
#endif
}

/* `only` for "best" when only the fastest kernel is wanted (evaluate()
 * on the fast path): every kernel is costed, and out[0], run0[0] end up
 * holding the fastest one's sum and run (the first of the fastest floats:
 * pick_kernel's choice). -1 keeps every kernel's sum (the cache). */
#define ONLY_BEST (-2)

/* The least of a[0 .. nk) (non-negative, no NaN). */
static inline double min_of(const double *a, int nk)
{
#if defined(__SSE2__)
    if (nk == DSE_MM_FP32_COUNT) {
        __m128d v = _mm_loadu_pd(a);
        for (int q = 2; q < DSE_MM_FP32_COUNT; q += 2)
            v = _mm_min_pd(v, _mm_loadu_pd(a + q));
        return _mm_cvtsd_f64(_mm_min_sd(v, _mm_unpackhi_pd(v, v)));
    }
#endif
    double m = a[0];
    for (int q = 1; q < nk; q++)
        m = a[q] < m ? a[q] : m;
    return m;
}

/* pick_kernel's choice among sums o[q] = ed + a[q] is the first q whose
 * float is the least. Rounding (of ed + a, then to float) is monotone, so
 * the least float is that of ed + min(a). Returns the double two floats
 * above it: every o[q] whose float is at most one float above the least
 * lies at or below it (*fmin: the least float). */
static inline double best_lim(double omin, float *fmin)
{
    float f = (float)omin;
    *fmin = f;
    if (!(f < 0x1p127f))
        return INFINITY;
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    b += 2; /* f >= 0 */
    memcpy(&f, &b, sizeof f);
    return (double)f;
}

/* ---- the reference path ---------------------------------------------- */

/* Compute cycles of every kernel (out[k], k < nk; or only `only` when >= 0)
 * summed over all tiles of one step; returns the MACs of the step. The
 * reference the fast path below must match bit for bit (dse__pulp_fast(0)
 * selects it): every tile class through kernels/ops and a fresh cost. */
static int64_t step_compute(const ctx_t *x, const geom_t *g, int step, int only, double *out)
{
    double ff = g->cores > x->fpus ? (double)g->cores / x->fpus : 1.0;
    int lo = only >= 0 ? only : 0, hi = only >= 0 ? only + 1 : x->nk;
    double acc[DSE_MM_FP32_COUNT] = {0};
    int64_t macs = 0;
    int64_t csz[2] = {g->tc, g->c_last}, ccnt[2] = {g->nc - 1, 1};
    int64_t isz[2] = {g->tci, g->ci_last}, icnt[2] = {g->nci - 1, 1};
    const dim_class_t *rc = &x->rows.classes[g->r->first], *wc = &x->cols.classes[g->w->first];
    for (int a = 0; a < 2; a++) {
        if (!ccnt[a])
            continue;
        for (int b = 0; b < 2; b++) {
            if (!icnt[b])
                continue;
            for (int i = 0; i < g->r->n; i++)
                for (int j = 0; j < g->w->n; j++) {
                    dse_tile_t t = {csz[a], isz[b], rc[i].size, wc[j].size, rc[i].span,
                                    wc[j].span};
                    if (x->l.op == DSE_OP_DW)
                        t.cin = t.cout;
                    double cnt = (double)(ccnt[a] * icnt[b] * rc[i].count * wc[j].count);
                    macs += (int64_t)cnt * dse_ops_macs(&x->l, step, &t);
                    if (x->l.op == DSE_OP_DW) {
                        acc[lo] += cnt * dw_tile(x, &t, g->cores, ff);
                        continue;
                    }
                    dse_mm_dims_t d;
                    dse_ops_mm_dims(&x->l, step, &t, &d);
                    double extra = x->fork + tile_extra(x, step, &t, g->cores);
                    double c[DSE_MM_FP32_COUNT];
                    int8_t run[DSE_MM_FP32_COUNT];
                    if (only >= 0) {
                        mm_cost_one(x, &d, g->cores, ff, only, &c[lo], &run[lo]);
                        acc[lo] += cnt * (extra + c[lo]);
                    } else {
                        mm_costs_all(x, &d, g->cores, ff, c, run);
                        acc_kernels(acc, c, cnt, extra);
                    }
                }
        }
    }
    for (int k = lo; k < hi; k++)
        out[k] = acc[k];
    return macs;
}

/* ---- the fast path ----------------------------------------------------- */

/* What the reference path computes, with the same floating-point operations
 * in the same order (so every metric keeps its bits), but:
 * - tile dims, im2col and transpose sizes are monomials of the tile's
 *   fields (found in prepare by probing kernels/ops), their channel, row and
 *   column factors hoisted out of the loops over tile classes;
 * - the extra cycles (forks, im2col, transpose) are whole numbers below
 *   2^53, summed exactly in integers;
 * - unrolls are powers of two: the busiest core's work is shifts, and
 *   divisions by the cores are shifts when the cores are a power of two;
 * - each kernel's cost is code compiled for its shape (kcost), and which
 *   kernel a kernel falls back to comes from tables per cores (runs_of);
 * - a point that names its kernel costs that kernel on each tile class
 *   directly, no memo (random points rarely share tile dims);
 * - "best" needs every kernel on each class: a thread's memo of them by
 *   tile dims, filled by the same closed forms, and keeps only the fastest
 *   kernel's sum (ONLY_BEST). */

static atomic_int s_fast_off; /* tests: 1 = the reference path (set while nothing evaluates) */

static inline int fast_off(void)
{
    return atomic_load_explicit(&s_fast_off, memory_order_relaxed);
}

void dse__pulp_fast(int on)
{
    atomic_store(&s_fast_off, !on);
}

/* ceil(v / cores); cshift = log2(cores) when cores is a power of two, else -1. */
static inline int64_t cdiv(int64_t v, int cores, int cshift)
{
    return cshift >= 0 ? (v + cores - 1) >> cshift : (v + cores - 1) / cores;
}

/* Inlined even where the compiler would rather call: the fast path's
 * inner loop runs it once per tile class. */
#if defined(__GNUC__)
#define S_HOT_INLINE static inline __attribute__((always_inline))
#else
#define S_HOT_INLINE static inline
#endif

/* log2 of an unroll (1, 2, 4 or 8; prepare checks the catalogue's). */
static inline int ulog2(int v)
{
    return v >= 8 ? 3 : v >= 4 ? 2 : v >= 2 ? 1 : 0;
}

/* mm_run_cycles of kernel idx, of shape (parn, scheme, u, v, ku), dims > 0,
 * with the body constants kb of the point's cores and the leftover body
 * body_of(&kb[DSE_MM_NAIVE], k, 0) (computed here when own_naive, else
 * given in naive, for shapes that can have leftovers): dse_mm_work with shifts (the
 * same integers; unrolls are powers of two) and the same floating-point
 * operations. Called with constant shapes (below), each kernel compiles to
 * straight-line code. A term of zero count adds +0.0 to a non-negative
 * sum, the same bits as skipping it, so only terms that are always zero
 * for the shape are left out. */
S_HOT_INLINE double kcost(int parn, int scheme, int u, int v, int ku, const kbody_t *kb, int idx,
                          int64_t n, int64_t k, int64_t m, int cores, int cshift, int own_naive,
                          double naive)
{
    int a = parn ? u : v, b = parn ? v : u, la = ulog2(a), lb = ulog2(b);
    int64_t x = parn ? n : m, y = parn ? m : n;
    int64_t yb = y >> lb, yl = y & (b - 1);
    int64_t blocks, half = 0, left;
    if (scheme == DSE_MM_UNITS) {
        /* whole units of a rows, ceil(units/cores) per core, the x % a
         * leftover rows shared by all cores along y */
        int64_t per = cdiv(x >> la, cores, cshift);
        blocks = per * yb;
        left = (per << la) * yl + (x & (a - 1)) * cdiv(y, cores, cshift);
    } else {
        /* ceil(x/cores) rows (never more than x), in pairs of rows (PAIRS) */
        int lp = scheme == DSE_MM_PAIRS ? la : 0;
        int64_t r = cdiv(x, cores, cshift);
        blocks = (r >> lp) * yb;
        half = (r & ((1 << lp) - 1)) * yb;
        left = r * yl;
    }
    int lku = ulog2(ku);
    /* ku = 1: no leftover K step; the tail would add +0.0 to a sum >= +0 */
    double body = ku == 1 ? kb[idx].stall * ((double)k * kb[idx].per) + 8.0 + kb[idx].ovh
                          : body_of(&kb[idx], k >> lku, k & (ku - 1));
    double cy = (double)blocks * body;
    if (scheme == DSE_MM_PAIRS)
        cy += (double)half * 0.55 * body;
    if (scheme == DSE_MM_UNITS || b > 1) {
        if (own_naive)
            naive = body_of(&kb[DSE_MM_NAIVE], k, 0);
        cy += (double)left * naive;
    }
    return cy;
}

/* catalogue.h's lists expanded with their shapes as constants (prepare
 * checks them against the tables): one cost function per kernel, and one
 * costing every kernel of a list at once. */
#define S_IDXE(name, ...) S_IDX_##name,
enum { DSE_MM_FP32_KERNELS(S_IDXE) S_IDX__FP32 };
enum { DSE_MM_FP16_KERNELS(S_IDXE) S_IDX__FP16 };
#undef S_IDXE
#define N_ 1
#define M_ 0
#define S_ DSE_MM_SIMPLE
#define P_ DSE_MM_PAIRS
#define U_ DSE_MM_UNITS
#define S_KC(name, par, scheme, u, v, ku, ...)                                                 \
    static double s_kc_##name(const kbody_t *kb, int64_t n, int64_t k, int64_t m, int cores,   \
                              int cshift)                                                      \
    {                                                                                          \
        return kcost(par, scheme, u, v, ku, kb, S_IDX_##name, n, k, m, cores, cshift, 1, 0.0); \
    }
DSE_MM_FP32_KERNELS(S_KC)
DSE_MM_FP16_KERNELS(S_KC)
#undef S_KC
#define S_KCP(name, ...) s_kc_##name,
static const kcost_fn s_kc_fp32[DSE_MM_FP32_COUNT] = {DSE_MM_FP32_KERNELS(S_KCP)};
static const kcost_fn s_kc_fp16[DSE_MM_FP16_COUNT] = {DSE_MM_FP16_KERNELS(S_KCP)};
#undef S_KCP
#define S_KCA(name, par, scheme, u, v, ku, ...)                                                \
    out[S_IDX_##name] = kcost(par, scheme, u, v, ku, kb, S_IDX_##name, n, k, m, cores, cshift, 0, \
                              naive);
static void kcost_all_fp32(const kbody_t *kb, int64_t n, int64_t k, int64_t m, int cores,
                           int cshift, double *out)
{
    double naive = body_of(&kb[DSE_MM_NAIVE], k, 0);
    DSE_MM_FP32_KERNELS(S_KCA)
}
static void kcost_all_fp16(const kbody_t *kb, int64_t n, int64_t k, int64_t m, int cores,
                           int cshift, double *out)
{
    double naive = body_of(&kb[DSE_MM_NAIVE], k, 0);
    DSE_MM_FP16_KERNELS(S_KCA)
}
#undef S_KCA
/* The shapes, for prepare's check: par (N_ = 1), scheme, u, v, ku. */
#define S_SHAPE(name, par, scheme, u, v, ku, ...) {par, scheme, u, v, ku},
static const uint8_t s_shape_fp32[DSE_MM_FP32_COUNT][5] = {DSE_MM_FP32_KERNELS(S_SHAPE)};
static const uint8_t s_shape_fp16[DSE_MM_FP16_COUNT][5] = {DSE_MM_FP16_KERNELS(S_SHAPE)};
#undef S_SHAPE
#undef N_
#undef M_
#undef S_
#undef P_
#undef U_

/* Which kernel each kernel runs as (dse_mm_resolve_all) for dims (n, k, m)
 * on the point's cores: every fallback test is "dim < threshold", so the
 * answer depends only on the class of each dim among its thresholds, and
 * prepare tabulates it per class triple (rsel_t). */
static inline int dim_class(const ctx_t *x, const rsel_t *r, int d, int64_t v)
{
    return v >= r->tmax[d] ? r->ncls[d] - 1 : v <= 0 ? 0 : x->cls[(size_t)r->cls_off[d] + (size_t)v];
}

static inline const int8_t *runs_of(const ctx_t *x, int cores, int64_t n, int64_t k, int64_t m);

/* The kernel kernel i runs as: itself when none of its own tests holds. */
static inline int run_one(const ctx_t *x, int cores, int i, int64_t n, int64_t k, int64_t m)
{
    const int32_t *o = x->rsel[cores].own[i];
    return n >= o[0] && m >= o[1] && k >= o[2] ? i : runs_of(x, cores, n, k, m)[i];
}

static inline const int8_t *runs_of(const ctx_t *x, int cores, int64_t n, int64_t k, int64_t m)
{
    const rsel_t *r = &x->rsel[cores];
    int cn = dim_class(x, r, 0, n), cm = dim_class(x, r, 1, m), ck = dim_class(x, r, 2, k);
    return &x->runs[(size_t)r->run_off +
                    ((size_t)(cn * r->ncls[1] + cm) * r->ncls[2] + (size_t)ck) * (size_t)x->nk];
}

/* A thread's memo of every kernel's cost by tile dims, kept across points
 * and layers, for "best": the points of a space share few distinct tile
 * dims (tiles of every size still give only cout x (row sizes x col sizes)
 * of them per step). Direct-mapped; an entry holds exactly what
 * mm_costs_all computes. Allocated on a thread's first evaluation of a
 * "best" point, freed when the thread ends; a thread-local table needs no
 * lock, and evaluate() stays allocation-free. */
#define MM_CACHE 16384
typedef struct {
    const dse_mm_kernel_t *tab; /* NULL: empty */
    int64_t n, k, m;
    double ff;
    int cores;
    double c[DSE_MM_FP32_COUNT];
    int8_t run[DSE_MM_FP32_COUNT];
} mm_cached_t;

static _Thread_local mm_cached_t *s_mm_cache;
static pthread_key_t s_mm_key;
static pthread_once_t s_mm_once = PTHREAD_ONCE_INIT;

static void s_mm_free(void *p)
{
    free(p);
}

static void s_mm_key_new(void)
{
    if (pthread_key_create(&s_mm_key, s_mm_free) != 0)
        abort();
}

/* Every kernel's costs on one tile's dims from the thread's memo (filled on
 * a miss); the pointer holds until the next call. */
static const mm_cached_t *mm_memo_fill(const ctx_t *x, const kbody_t *kb, mm_cached_t *e,
                                       int64_t n, int64_t k, int64_t m, int cores, int cshift,
                                       double ff);

/* The thread's memo, allocated on its first use (freed with the thread). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static mm_cached_t *mm_memo_new(void)
{
    pthread_once(&s_mm_once, s_mm_key_new);
    mm_cached_t *t = s_mm_cache = dse_xcalloc(MM_CACHE, sizeof *t);
    pthread_setspecific(s_mm_key, t);
    return t;
}

S_HOT_INLINE const mm_cached_t *mm_memo(const ctx_t *x, const kbody_t *kb, int64_t n, int64_t k,
                                        int64_t m, int cores, int cshift, double ff)
{
    mm_cached_t *t = s_mm_cache;
    if (!t)
        t = mm_memo_new();
    uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ull ^ (uint64_t)k * 0xc2b2ae3d27d4eb4full ^
                 (uint64_t)m * 0x165667b19e3779f9ull ^ (uint64_t)cores * 0x27d4eb2f165667c5ull ^
                 (uint64_t)(uintptr_t)x->tab;
    mm_cached_t *e = &t[(h ^ (h >> 29)) & (MM_CACHE - 1)];
    if (e->tab == x->tab && e->n == n && e->k == k && e->m == m && e->cores == cores &&
        e->ff == ff)
        return e;
    return mm_memo_fill(x, kb, e, n, k, m, cores, cshift, ff);
}

/* A miss: e filled for these dims. Out of line, so that hits stay cheap. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static const mm_cached_t *mm_memo_fill(const ctx_t *x, const kbody_t *kb, mm_cached_t *e,
                                       int64_t n, int64_t k, int64_t m, int cores, int cshift,
                                       double ff)
{
    e->tab = x->tab, e->n = n, e->k = k, e->m = m, e->cores = cores, e->ff = ff;
    memcpy(e->run, runs_of(x, cores, n, k, m), (size_t)x->nk);
    for (int i = x->nk; i < DSE_MM_FP32_COUNT; i++)
        e->c[i] = 0.0; /* read by the 24-wide sums, never reported */
    if (n <= 0 || k <= 0 || m <= 0) {
        for (int i = 0; i < x->nk; i++)
            e->c[i] = 0.0;
        return e;
    }
    /* every kernel as itself (straight-line code, cheaper than testing
     * which ones run), then each takes the cost of the kernel it runs as */
    double self[DSE_MM_FP32_COUNT];
    if (x->nk == DSE_MM_FP32_COUNT)
        kcost_all_fp32(kb, n, k, m, cores, cshift, self);
    else
        kcost_all_fp16(kb, n, k, m, cores, cshift, self);
    for (int i = 0; i < x->nk; i++)
        e->c[i] = self[e->run[i]];
    return e;
}

double dse__pulp_fast_mm(const void *vctx, int idx, int64_t n, int64_t k, int64_t m, int cores,
                         int *run)
{
    const ctx_t *x = vctx;
    assert(idx >= 0 && idx < x->nk && cores >= 1 && cores <= x->hw_cores && n > 0 && k > 0 &&
           m > 0);
    const kbody_t *kb = &x->kb[(size_t)cores * DSE_MM_FP32_COUNT];
    *run = run_one(x, cores, idx, n, k, m);
    return x->kc[*run](kb, n, k, m, cores, x->cshift[cores]);
}

void dse__pulp_fast_mm_all(const void *vctx, int64_t n, int64_t k, int64_t m, int cores,
                           double *c, int8_t *run)
{
    const ctx_t *x = vctx;
    assert(cores >= 1 && cores <= x->hw_cores);
    double ff = cores > x->fpus ? (double)cores / x->fpus : 1.0;
    mm_cached_t e;
    mm_memo_fill(x, &x->kb[(size_t)cores * DSE_MM_FP32_COUNT], &e, n, k, m, cores,
                 x->cshift[cores], ff);
    memcpy(c, e.c, (size_t)x->nk * sizeof *c);
    memcpy(run, e.run, (size_t)x->nk);
}

/* Whether memo entry e still holds the costs of these dims. */
static inline int memo_holds(const mm_cached_t *e, const ctx_t *x, int64_t n, int64_t k,
                             int64_t m, int cores, double ff)
{
    return e->tab == x->tab && e->n == n && e->k == k && e->m == m && e->cores == cores &&
           e->ff == ff;
}

#define S_ROW_MAX 16 /* column classes a row class keeps for the next one */

/* step_compute on the fast path; also sets run0[k] (k = only, or every
 * kernel) to the kernel that runs on the step's first tile. Tile classes
 * are visited in the reference's order, each adding the same term to the
 * same sums; what is shared is computed once: a row class whose factors
 * equal the previous one's (FW and WG dims see tile sizes, not spans, and
 * the first and middle rows differ in span alone) reuses that row's
 * column classes, and a column class the previous one's dims. */
static int64_t step_fast(const ctx_t *x, const geom_t *g, int step, int only, double *out,
                         int8_t *run0)
{
    double ff = g->cores > x->fpus ? (double)g->cores / x->fpus : 1.0;
    int cores = g->cores, cshift = x->cshift[cores];
    int lo = only >= 0 ? only : 0, hi = only >= 0 ? only + 1 : x->nk;
    const mono_t *mo = x->mono[step];
    double acc[DSE_MM_FP32_COUNT] = {0};
    int64_t macs = 0, fork = x->fork;
    int first = 1, rfirst = -1; /* rfirst: the named kernel's run on the first class */
    int64_t csz[2] = {g->tc, g->c_last}, ccnt[2] = {g->nc - 1, 1};
    int64_t isz[2] = {g->tci, g->ci_last}, icnt[2] = {g->nci - 1, 1};
    const dim_class_t *rc = &x->rows.classes[g->r->first], *wc = &x->cols.classes[g->w->first];
    int nr = g->r->n, nw = g->w->n, keep = nw <= S_ROW_MAX;
    const kbody_t *kb = &x->kb[(size_t)cores * DSE_MM_FP32_COUNT];
    /* the last row class computed: per column class its n*k*m, dims, extra
     * cycles, and cost (named kernel) or memo entry (best) */
    int64_t jmac[S_ROW_MAX], jn[S_ROW_MAX], jk[S_ROW_MAX], jm[S_ROW_MAX];
    double jx[S_ROW_MAX], jc[S_ROW_MAX];
    const mm_cached_t *je[S_ROW_MAX];
    for (int a = 0; a < 2; a++) {
        if (!ccnt[a])
            continue;
        for (int b = 0; b < 2; b++) {
            if (!icnt[b])
                continue;
            const int64_t co[4] = {1, csz[a], isz[b], csz[a] * isz[b]};
            const int64_t ch[MO__COUNT] = {
                mo[MO_N].coef * co[mo[MO_N].ci], mo[MO_K].coef * co[mo[MO_K].ci],
                mo[MO_M].coef * co[mo[MO_M].ci], mo[MO_IM2COL].coef * co[mo[MO_IM2COL].ci],
                mo[MO_TR].coef * co[mo[MO_TR].ci]};
            /* the transpose has no spatial factor; a fork only when it runs */
            int64_t ex_ab = fork + (ch[MO_TR] != 0) * (fork + 3 * cdiv(ch[MO_TR], cores, cshift));
            int64_t cnt_ab = ccnt[a] * icnt[b];
            int64_t pn = -1, pk = -1, pm = -1, pe = -1; /* the kept row's factors */
            for (int i = 0; i < nr; i++) {
                int64_t rs = rc[i].size, rp = rc[i].span, cnt_i = cnt_ab * rc[i].count;
                const int64_t ro[4] = {1, rs, rp, rs * rp};
                int64_t rn = ch[MO_N] * ro[mo[MO_N].ri], rk = ch[MO_K] * ro[mo[MO_K].ri];
                int64_t rm = ch[MO_M] * ro[mo[MO_M].ri];
                int64_t re = ch[MO_IM2COL] * ro[mo[MO_IM2COL].ri];
                if (keep && rn == pn && rk == pk && rm == pm && re == pe) {
                    for (int j = 0; j < nw; j++) {
                        int64_t cnt64 = cnt_i * wc[j].count;
                        double cnt = (double)cnt64;
                        macs += cnt64 * jmac[j];
                        if (only >= 0) {
                            acc[lo] += cnt * (jx[j] + jc[j]);
                        } else {
                            const mm_cached_t *me = je[j];
                            if (!memo_holds(me, x, jn[j], jk[j], jm[j], cores, ff))
                                me = mm_memo(x, kb, jn[j], jk[j], jm[j], cores, cshift, ff);
                            acc_kernels(acc, me->c, cnt, jx[j]);
                        }
                    }
                    continue;
                }
                pn = rn, pk = rk, pm = rm, pe = re;
                int64_t ln = -1, lk = -1, lm = -1; /* dims of lc / lme */
                double lc = 0.0;
                const mm_cached_t *lme = NULL;
                for (int j = 0; j < nw; j++) {
                    int64_t ws = wc[j].size, wp = wc[j].span;
                    const int64_t wo[4] = {1, ws, wp, ws * wp};
                    int64_t n = rn * wo[mo[MO_N].wi], k = rk * wo[mo[MO_K].wi];
                    int64_t m = rm * wo[mo[MO_M].wi], e = re * wo[mo[MO_IM2COL].wi];
                    int64_t cnt64 = cnt_i * wc[j].count, nkm = n * k * m;
                    double cnt = (double)cnt64;
                    macs += cnt64 * nkm;
                    double extra = (double)(ex_ab + (e != 0) * (fork + 3 * cdiv(e, cores, cshift)));
                    if (n != ln || k != lk || m != lm) {
                        if (only >= 0) {
                            int r = run_one(x, cores, only, n, k, m);
                            lc = n <= 0 || k <= 0 || m <= 0
                                     ? 0.0 : x->kc[r](kb, n, k, m, cores, cshift);
                            rfirst = rfirst < 0 ? r : rfirst;
                        } else {
                            lme = mm_memo(x, kb, n, k, m, cores, cshift, ff);
                            if (first)
                                memcpy(run0, lme->run, sizeof lme->run), first = 0;
                        }
                        ln = n, lk = k, lm = m;
                    }
                    if (only >= 0)
                        acc[lo] += cnt * (extra + lc);
                    else
                        acc_kernels(acc, lme->c, cnt, extra);
                    if (keep) {
                        jmac[j] = nkm, jn[j] = n, jk[j] = k, jm[j] = m;
                        jx[j] = extra, jc[j] = lc, je[j] = lme;
                    }
                }
            }
        }
    }
    if (only >= 0)
        run0[only] = (int8_t)rfirst;
    if (only == ONLY_BEST) {
        float fmin;
        best_lim(min_of(acc, x->nk), &fmin);
        int q = 0;
        while ((float)acc[q] != fmin)
            q++;
        out[0] = acc[q], run0[0] = run0[q];
        return macs;
    }
    for (int k = lo; k < hi; k++)
        out[k] = acc[k];
    return macs;
}

/* step_fast for a step whose row and column classes do not merge (so its
 * fgroups are its classes, in order) and are few: the same terms in the
 * same order, the dims from the fgroups' factors. Compiled apart for a
 * named kernel (named = 1) and for all kernels. */
S_HOT_INLINE int64_t step_few(const ctx_t *x, const geom_t *g, int step, int named, int only,
                              int kpar, int ksch, int ku, int kv, int kku, const fgroup_t *fr,
                              int nfr, const fgroup_t *fcol, int nfc, double *out, int8_t *run0)
{
    double ff = g->cores > x->fpus ? (double)g->cores / x->fpus : 1.0;
    int cores = g->cores, cshift = x->cshift[cores];
    const kbody_t *kb = &x->kb[(size_t)cores * DSE_MM_FP32_COUNT];
    const mono_t *mo = x->mono[step];
    int64_t fork = x->fork, macs = 0;
    int64_t csz[2] = {g->tc, g->c_last}, ccnt[2] = {g->nc - 1, 1};
    int64_t isz[2] = {g->tci, g->ci_last}, icnt[2] = {g->nci - 1, 1};
    double acc[DSE_MM_FP32_COUNT], a1 = 0.0;
    if (!named)
        memset(acc, 0, sizeof acc);
    int first = 1;
    for (int a = 0; a < 2; a++) {
        if (!ccnt[a])
            continue;
        for (int b = 0; b < 2; b++) {
            if (!icnt[b])
                continue;
            const int64_t co[4] = {1, csz[a], isz[b], csz[a] * isz[b]};
            const int64_t ch[MO__COUNT] = {
                mo[MO_N].coef * co[mo[MO_N].ci], mo[MO_K].coef * co[mo[MO_K].ci],
                mo[MO_M].coef * co[mo[MO_M].ci], mo[MO_IM2COL].coef * co[mo[MO_IM2COL].ci],
                mo[MO_TR].coef * co[mo[MO_TR].ci]};
            int64_t ex_ab = fork + (ch[MO_TR] != 0) * (fork + 3 * cdiv(ch[MO_TR], cores, cshift));
            int64_t cnt_ab = ccnt[a] * icnt[b];
            for (int f = 0; f < nfr; f++) {
                const int64_t *rf = fr[f].f;
                int64_t rn = ch[MO_N] * rf[0], rk = ch[MO_K] * rf[1], rm = ch[MO_M] * rf[2];
                int64_t re = ch[MO_IM2COL] * rf[3], cnt_f = cnt_ab * fr[f].count;
                for (int j = 0; j < nfc; j++) {
                    const int64_t *cf = fcol[j].f;
                    int64_t n = rn * cf[0], k = rk * cf[1], m = rm * cf[2], e = re * cf[3];
                    int64_t cnt64 = cnt_f * fcol[j].count;
                    macs += cnt64 * (n * k * m);
                    double cnt = (double)cnt64;
                    double extra = (double)(ex_ab + (e != 0) * (fork + 3 * cdiv(e, cores, cshift)));
                    if (named) {
                        int r = run_one(x, cores, only, n, k, m);
                        if (first)
                            run0[only] = (int8_t)r;
                        double c = 0.0;
                        if (n > 0 && k > 0 && m > 0)
                            c = r == only ? kcost(kpar, ksch, ku, kv, kku, kb, only, n, k, m,
                                                  cores, cshift, 1, 0.0)
                                          : x->kc[r](kb, n, k, m, cores, cshift);
                        a1 += cnt * (extra + c);
                    } else {
                        const mm_cached_t *me = mm_memo(x, kb, n, k, m, cores, cshift, ff);
                        if (first)
                            memcpy(run0, me->run, sizeof me->run);
                        acc_kernels(acc, me->c, cnt, extra);
                    }
                    first = 0;
                }
            }
        }
    }
    if (named) {
        out[only] = a1;
    } else if (only == ONLY_BEST) {
        float fmin;
        best_lim(min_of(acc, x->nk), &fmin);
        int q = 0;
        while ((float)acc[q] != fmin)
            q++;
        out[0] = acc[q], run0[0] = run0[q];
    } else {
        for (int q = 0; q < x->nk; q++)
            out[q] = acc[q];
    }
    return macs;
}

/* ---- grouped sums ------------------------------------------------------- */

/* step_fast sums cnt * (extra + c[k]) class by class, c[k] depending only on
 * the class's matmul dims; a step has 25 to 30 tile classes but only a few
 * groups of them with equal dims (row and column classes merged by their
 * factors). step_grouped sums the same terms regrouped:
 *     S'[k] = E + sum over groups d of W_d * c_d[k],
 * E = sum of cnt * extra (exact: integers below 2^53), W_d the tiles of
 * group d, so each kernel costs once per group. S' is not S (the
 * class-by-class sum) to the last bit, but the caller keeps only
 * (float)S, and both are within a bound of the exact sum T: all terms are
 * non-negative, so recursive summation of n terms each of two roundings
 * gives |S - T| <= gamma(n + 1) * T, and |S' - T| <= gamma(d + 1) * T
 * (gamma(j) = j u / (1 - j u), u = 2^-53): S lies within
 * 2 (n + d + 8) + 2 units in the last place of S' (over twice the bound).
 * Rounding to float is monotone and changes only across a midpoint
 * between floats, so when none lies that close to S', (float)S' ==
 * (float)S bit for bit (float_sure). Sums that sit on a midpoint (whole
 * cycle counts, products of a float stall factor) are decided by their
 * binary digits instead: when every term is a multiple of 2^-p and S' is
 * below 2^(53-p), neither order rounded and S == S'. Anything else (under
 * 0.01% of the steps of bench-pulp's ResNet-8 spaces) falls back to
 * step_fast, as do steps with more than S_GROUPS groups; those of at most
 * S_FEW classes that do not merge (nothing to save) are summed class by
 * class (step_few). With "best" kept alone (ONLY_BEST), only the sums
 * within a float of the least need the proof: pick_kernel's choice and
 * value depend on no other. */

static atomic_int s_group_mode = 1; /* tests: 0 off, 1 on, 2 on with a margin that always falls back */

void dse__pulp_grouped(int mode)
{
    atomic_store(&s_group_mode, mode);
}

/* The calling thread's steps summed by step_grouped, and of them those that
 * fell back to the class-by-class sum. */
static _Thread_local uint64_t s_group_steps, s_group_fallbacks;

void dse__pulp_group_stats(uint64_t *steps, uint64_t *fallbacks)
{
    *steps = s_group_steps;
    *fallbacks = s_group_fallbacks;
}

#define S_GROUPS 64 /* dims a step may have before it falls back */
#define S_FEW 2     /* classes at most, none merging: summed class by class */

/* The binary digits c (finite, >= 0) has after the point: the least q with
 * c a multiple of 2^-q. */
static inline int frac_digits(double c)
{
    if (c == 0.0)
        return 0;
    uint64_t b;
    memcpy(&b, &c, sizeof b);
    int e = (int)((b >> 52) & 0x7ff);
    uint64_t mant = b & ((UINT64_C(1) << 52) - 1);
    if (e) /* normal: mant + 2^52 times 2^(e - 1075) */
        mant |= UINT64_C(1) << 52;
    else
        e = 1; /* subnormal: mant times 2^-1074 */
#if defined(__GNUC__)
    int tz = __builtin_ctzll(mant); /* mant != 0: c != 0 */
#else
    int tz = 0;
    while (!(mant & 1))
        mant >>= 1, tz++;
#endif
    int q = 1075 - e - tz;
    return q > 0 ? q : 0;
}

/* Whether (float)out equals (float)S for every class-by-class sum S within
 * `ulps` units in the last place of out: rounding to float depends on the
 * 29 bits of the double's significand below a float's (normal numbers);
 * it changes only across a midpoint between floats, at 2^28 in those
 * bits, so out decides when it is farther than `ulps` from one. */
static inline int float_sure(double out, int64_t ulps)
{
    if (out == 0.0)
        return 1; /* all terms are zero: so is S */
    if (!(out > 0x1p-100 && out < 0x1p100))
        return 0;
    uint64_t b;
    memcpy(&b, &out, sizeof b);
    int64_t r = (int64_t)(b & ((UINT64_C(1) << 29) - 1)) - (INT64_C(1) << 28);
    return r > ulps || r < -ulps;
}

/* Nonzero when float_sure(out, ulps) may be 0 (out >= 0; a quick
 * branch-free screen, exact in that direction). */
static inline uint64_t float_unsure_bits(double out, int64_t ulps)
{
    uint64_t b;
    memcpy(&b, &out, sizeof b);
    uint64_t ex = b >> 52; /* sign 0 */
    uint64_t r = (b & ((UINT64_C(1) << 29) - 1)) - (UINT64_C(1) << 28) + (uint64_t)ulps;
    return (uint64_t)(r <= 2 * (uint64_t)ulps) | (uint64_t)(ex - 924 > 198u);
}

/* The distinct dims of a step and what each kernel costs on them. */
typedef struct {
    int64_t n, k, m, w; /* dims; w: the tiles with them */
    const mm_cached_t *me; /* best: the memo entry (valid while it holds these dims) */
    double c;              /* a named kernel: its cost */
} group_t;

/* A step's distinct dims with their tile counts, and the integer sums. */
typedef struct {
    group_t gr[S_GROUPS];
    int ng;
    int64_t macs, nclass, max_extra;
    uint64_t E; /* unsigned: wraps, never overflows, when the bound check fails */
} grouping_t;

/* Gathers the step's tile classes into groups of dims (gr: row and column
 * classes with the same factors merged, their counts summed), summing the
 * MACs and the extra cycles exactly in integers (integers regroup freely).
 * A named kernel (named = 1; its shape kpar .. kku, constants in the
 * functions below) is costed on each group here, into acc[only] and run0.
 * -1 when the groups overflow S_GROUPS. */
S_HOT_INLINE int group_classes(const ctx_t *x, const geom_t *g, int step, int cores, int cshift,
                               const fgroup_t *fr, int nfr, const fgroup_t *fcol, int nfc,
                               int named, int only, int kpar, int ksch, int ku, int kv, int kku,
                               double *acc, int8_t *run0, grouping_t *G)
{
    const kbody_t *kb = &x->kb[(size_t)cores * DSE_MM_FP32_COUNT];
    double acc1 = 0.0; /* only >= 0: that kernel's sum, costed here (group_costs) */
    const mono_t *mo = x->mono[step];
    int64_t fork = x->fork;
    int64_t csz[2] = {g->tc, g->c_last}, ccnt[2] = {g->nc - 1, 1};
    int64_t isz[2] = {g->tci, g->ci_last}, icnt[2] = {g->nci - 1, 1};
    int nr = g->r->n, nw = g->w->n;
    /* in locals, so that the loop keeps them in registers */
    int64_t macs = 0, nclass = 0, max_extra = 0;
    uint64_t E = 0;
    group_t *gr = G->gr;
    int ng = 0;
    for (int a = 0; a < 2; a++) {
        if (!ccnt[a])
            continue;
        for (int b = 0; b < 2; b++) {
            if (!icnt[b])
                continue;
            const int64_t co[4] = {1, csz[a], isz[b], csz[a] * isz[b]};
            const int64_t ch[MO__COUNT] = {
                mo[MO_N].coef * co[mo[MO_N].ci], mo[MO_K].coef * co[mo[MO_K].ci],
                mo[MO_M].coef * co[mo[MO_M].ci], mo[MO_IM2COL].coef * co[mo[MO_IM2COL].ci],
                mo[MO_TR].coef * co[mo[MO_TR].ci]};
            int64_t ex_ab = fork + (ch[MO_TR] != 0) * (fork + 3 * cdiv(ch[MO_TR], cores, cshift));
            int64_t cnt_ab = ccnt[a] * icnt[b];
            nclass += (int64_t)nr * nw;
            for (int f = 0; f < nfr; f++) {
                const int64_t *rf = fr[f].f;
                int64_t rn = ch[MO_N] * rf[0], rk = ch[MO_K] * rf[1], rm = ch[MO_M] * rf[2];
                int64_t re = ch[MO_IM2COL] * rf[3], cnt_f = cnt_ab * fr[f].count;
                for (int j = 0; j < nfc; j++) {
                    const int64_t *cf = fcol[j].f;
                    int64_t n = rn * cf[0], k = rk * cf[1], m = rm * cf[2], e = re * cf[3];
                    int64_t cnt = cnt_f * fcol[j].count;
                    int64_t extra = ex_ab + (e != 0) * (fork + 3 * cdiv(e, cores, cshift));
                    int64_t nkm = n * k * m; /* > 0 when every dim is (dims are >= 0) */
                    macs += cnt * nkm;
                    E += (uint64_t)cnt * (uint64_t)extra;
                    max_extra = extra > max_extra ? extra : max_extra;
                    if (ng == S_GROUPS)
                        return -1;
                    if (!named) /* a named kernel's groups keep only their cost */
                        gr[ng].n = n, gr[ng].k = k, gr[ng].m = m, gr[ng].w = cnt;
                    if (named) {
                        int r = run_one(x, cores, only, n, k, m);
                        if (ng == 0)
                            run0[only] = (int8_t)r;
                        /* kernel only (shape kpar .. kku) compiled in; a fallback called */
                        double c = 0.0;
                        if (nkm > 0)
                            c = r == only ? kcost(kpar, ksch, ku, kv, kku, kb, only, n, k, m,
                                                  cores, cshift, 1, 0.0)
                                          : x->kc[r](kb, n, k, m, cores, cshift);
                        gr[ng].c = c;
                        acc1 += (double)cnt * c;
                    }
                    ng++;
                }
            }
        }
    }
    G->ng = ng, G->macs = macs, G->nclass = nclass, G->max_extra = max_extra, G->E = E;
    if (named)
        acc[only] = acc1;
    return 0;
}

/* group_classes for a named kernel, one function per kernel of each
 * table, its shape compiled in. */
typedef int (*gather_fn)(const ctx_t *x, const geom_t *g, int step, int cores, int cshift,
                         const fgroup_t *fr, int nfr, const fgroup_t *fcol, int nfc, double *acc,
                         int8_t *run0, grouping_t *G);
#define N_ 1
#define M_ 0
#define S_ DSE_MM_SIMPLE
#define P_ DSE_MM_PAIRS
#define U_ DSE_MM_UNITS
#define S_GC(name, par, scheme, u, v, ku, ...)                                                 \
    static int s_gc_##name(const ctx_t *x, const geom_t *g, int step, int cores, int cshift,   \
                           const fgroup_t *fr, int nfr, const fgroup_t *fcol, int nfc,         \
                           double *acc, int8_t *run0, grouping_t *G)                           \
    {                                                                                          \
        return group_classes(x, g, step, cores, cshift, fr, nfr, fcol, nfc, 1, S_IDX_##name,   \
                             par, scheme, u, v, ku, acc, run0, G);                             \
    }
DSE_MM_FP32_KERNELS(S_GC)
DSE_MM_FP16_KERNELS(S_GC)
#undef S_GC
#define S_GCP(name, ...) s_gc_##name,
static const gather_fn s_gc_fp32[DSE_MM_FP32_COUNT] = {DSE_MM_FP32_KERNELS(S_GCP)};
static const gather_fn s_gc_fp16[DSE_MM_FP16_COUNT] = {DSE_MM_FP16_KERNELS(S_GCP)};
#undef S_GCP
typedef int64_t (*few_fn)(const ctx_t *x, const geom_t *g, int step, const fgroup_t *fr, int nfr,
                         const fgroup_t *fcol, int nfc, double *out, int8_t *run0);
#define S_SF(name, par, scheme, u, v, ku, ...)                                                 \
    static int64_t s_sf_##name(const ctx_t *x, const geom_t *g, int step, const fgroup_t *fr,  \
                               int nfr, const fgroup_t *fcol, int nfc, double *out,            \
                               int8_t *run0)                                                   \
    {                                                                                          \
        return step_few(x, g, step, 1, S_IDX_##name, par, scheme, u, v, ku, fr, nfr, fcol, nfc, \
                        out, run0);                                                            \
    }
DSE_MM_FP32_KERNELS(S_SF)
DSE_MM_FP16_KERNELS(S_SF)
#undef S_SF
#define S_SFP(name, ...) s_sf_##name,
static const few_fn s_sf_fp32[DSE_MM_FP32_COUNT] = {DSE_MM_FP32_KERNELS(S_SFP)};
static const few_fn s_sf_fp16[DSE_MM_FP16_COUNT] = {DSE_MM_FP16_KERNELS(S_SFP)};
#undef S_SFP
#undef N_
#undef M_
#undef S_
#undef P_
#undef U_

/* acc[k]: the kernels' costs weighted by the tiles of each distinct dims
 * (one kernel when only >= 0, else all through the memo); run0 from the
 * first dims, as step_fast sets it. */
static inline void group_costs(const ctx_t *x, int cores, int cshift, double ff, int only,
                               grouping_t *G, double *acc, int8_t *run0)
{
    const kbody_t *kb = &x->kb[(size_t)cores * DSE_MM_FP32_COUNT];
    if (only >= 0)
        return; /* costed by group_classes */
    for (int d = 0; d < G->ng; d++) {
        group_t *gd = &G->gr[d];
        int64_t n = gd->n, k = gd->k, m = gd->m;
        double w = (double)gd->w;
        {
            const mm_cached_t *me = mm_memo(x, kb, n, k, m, cores, cshift, ff);
            gd->me = me;
            if (d == 0)
                memcpy(run0, me->run, sizeof me->run);
            acc_scaled(acc, me->c, w);
        }
    }
}

/* Whether out[q], a sum the bound could not decide, is exact in both
 * orders: every term a multiple of 2^-p and the sum below 2^(53-p), so no
 * operation of either order rounded (terms are non-negative, the first
 * rounding would leave a partial sum, hence the sum, at or above
 * 2^(53-p)), both are the exact sum. Such sums (whole cycle counts, or
 * costs with few binary digits, like a float stall factor's products) may
 * sit exactly on a midpoint, where the bound cannot decide. E is a whole
 * number. */
static inline int group_exact(const ctx_t *x, const grouping_t *G, int only, int q, int cores,
                              double ff, double outq, int mode)
{
    int p = mode == 2 ? 53 : 0;
    for (int d = 0; d < G->ng && p < 53; d++) {
        const group_t *gd = &G->gr[d];
        double c;
        if (only >= 0) {
            c = gd->c;
        } else {
            if (!memo_holds(gd->me, x, gd->n, gd->k, gd->m, cores, ff))
                return 0; /* overwritten by a later group: undecided */
            c = gd->me->c[q];
        }
        int fd = frac_digits(c);
        p = fd > p ? fd : p;
    }
    return p < 53 && outq < ldexp(1.0, 53 - p);
}

/* step_fast's result through grouped sums (see above): the same MACs and
 * run0, and out[k] whose float is step_fast's float. */
static int64_t step_grouped(const ctx_t *x, const geom_t *g, int step, int only, double *out,
                            int8_t *run0)
{
    int mode = atomic_load_explicit(&s_group_mode, memory_order_relaxed);
    if (!mode)
        return step_fast(x, g, step, only, out, run0);
    double ff = g->cores > x->fpus ? (double)g->cores / x->fpus : 1.0;
    int cores = g->cores, cshift = x->cshift[cores];
    int lo = only >= 0 ? only : 0, hi = only >= 0 ? only + 1 : x->nk;
    int nr = g->r->n, nw = g->w->n;
    size_t th = (size_t)(g->r - x->rows.tiles), tw = (size_t)(g->w - x->cols.tiles);
    const fgroup_t *fr = &x->fg[0][step][x->fg_first[0][step][th]];
    const fgroup_t *fcol = &x->fg[1][step][x->fg_first[1][step][tw]];
    int nfr = x->fg_n[0][step][th], nfc = x->fg_n[1][step][tw];
    /* nothing to share when the row and column classes do not merge */
    if (nfr == nr && nfc == nw && nr * nw <= S_FEW)
        return only >= 0 ? (x->tab == dse_mm_fp32 ? s_sf_fp32 : s_sf_fp16)[only](
                               x, g, step, fr, nfr, fcol, nfc, out, run0)
                         : step_few(x, g, step, 0, only, 1, DSE_MM_SIMPLE, 1, 1, 1, fr, nfr, fcol,
                                    nfc, out, run0);
    s_group_steps++;
    grouping_t G;
    double acc[DSE_MM_FP32_COUNT];
    /* compiled twice: a named kernel is costed while gathering */
    if (only >= 0 ? (x->tab == dse_mm_fp32 ? s_gc_fp32 : s_gc_fp16)[only](
                        x, g, step, cores, cshift, fr, nfr, fcol, nfc, acc, run0, &G)
                  : group_classes(x, g, step, cores, cshift, fr, nfr, fcol, nfc, 0, only, 1,
                                  DSE_MM_SIMPLE, 1, 1, 1, acc, run0, &G))
        goto fallback;
    /* every partial sum of E is at most tiles * max_extra: below 2^52, E
     * and the weights are exact integers, in uint64_t and in double */
    int64_t tiles = g->nc * g->nci * g->r->ntiles * g->w->ntiles;
    if ((double)tiles * (double)G.max_extra >= 0x1p52 || (double)tiles >= 0x1p52)
        goto fallback;
    if (only < 0)
        memset(acc, 0, sizeof acc);
    group_costs(x, cores, cshift, ff, only, &G, acc, run0);
    /* |S - S'| <= (gamma(n+1) + gamma(d+1)) T, under (n + d + 8) * 2^-52 * S'
     * with room for the roundings; that many relative units are at most
     * 2 (n + d + 8) ulps of S' */
    int64_t ulps = 2 * (G.nclass + G.ng + 8) + 2;
    if (mode == 2)
        ulps = INT64_C(1) << 40;
    double ed = (double)G.E;
    if (only == ONLY_BEST) {
        /* the choice depends only on the sums whose floats are at most one
         * above the least (a sum farther up can round at most one float
         * lower, still above the least): those must be sure */
        float fmin;
        double lim = best_lim(ed + min_of(acc, x->nk), &fmin), ob = 0.0;
        int best = -1;
        for (int q = 0; q < x->nk; q++) {
            double o = ed + acc[q];
            if (o > lim)
                continue;
            if (!float_sure(o, ulps) && !group_exact(x, &G, only, q, cores, ff, o, mode))
                goto fallback;
            if (best < 0 && (float)o == fmin)
                best = q, ob = o;
        }
        out[0] = ob, run0[0] = run0[best];
        return G.macs;
    }
    uint64_t unsure = 0;
    for (int q = lo; q < hi; q++) {
        out[q] = ed + acc[q];
        unsure |= float_unsure_bits(out[q], ulps);
    }
    for (int q = lo; q < hi && unsure; q++)
        if (!float_sure(out[q], ulps) && !group_exact(x, &G, only, q, cores, ff, out[q], mode))
            goto fallback;
    return G.macs;
fallback:
    s_group_fallbacks++;
    return step_fast(x, g, step, only, out, run0);
}

typedef struct {
    double bytes, transfers;      /* whole step */
    double first_bytes, first_tr; /* loads before the first compute */
    double last_bytes, last_tr;   /* stores after the last compute */
} dma_t;

/* What step_dma needs that does not depend on the step (computed once a
 * point, the same operations). */
typedef struct {
    double eb, nc, nci, cin, span, nt_sp;
    double in_b, w_b, out_b, in_t, w_t, out_t, kept;
    double fc, fci, fsp, fo, lc, lci, lsp, lo, fw_w, lw_w;
    int dw, bias;
} dma_pre_t;

static void dma_pre(const ctx_t *x, const geom_t *g, dma_pre_t *p)
{
    const dse_layer_t *l = &x->l;
    double eb = x->eb;
    int64_t khw = l->op == DSE_OP_CONV2D || l->op == DSE_OP_DW ? l->kh * l->kw : 1;
    double nt_sp = (double)(g->r->ntiles * g->w->ntiles);
    double nc = (double)g->nc, nci = (double)g->nci;
    double cin = l->op == DSE_OP_DW ? (double)g->kept : (double)x->cin;
    double kept = (double)g->kept;
    double span = (double)(g->r->sum_span * g->w->sum_span);           /* input positions */
    double outp = (double)(x->rows.extent * x->cols.extent);           /* output positions */
    int dense = dse_ops_is_dense(l->op);
    int dw = l->op == DSE_OP_DW;
    p->eb = eb, p->nc = nc, p->nci = nci, p->cin = cin, p->span = span, p->nt_sp = nt_sp;
    p->kept = kept, p->dw = dw;
    p->bias = l->op == DSE_OP_CONV2D || l->op == DSE_OP_LINEAR;
    /* whole-tensor bytes and per-tile transfer counts of each buffer */
    double ic_reload = dw ? 1.0 : nc;   /* input tile fetched once per cout tile */
    p->in_b = ic_reload * cin * span * eb;
    p->in_t = nc * (dw ? 1.0 : nci) * nt_sp; /* one input tile per (cout, cin, spatial) tile */
    p->w_b = (dense ? cin * kept : (dw ? kept * khw : khw * cin * kept)) * eb;
    p->w_t = dw ? nc : nc * nci;
    p->out_b = kept * outp * eb;
    p->out_t = nc * nt_sp;
    /* first tile and last tile */
    double fc = (double)g->tc, fci = dw ? fc : (double)g->tci;
    double lc = (double)g->c_last, lci = dw ? lc : (double)g->ci_last;
    p->fc = fc, p->fci = fci, p->lc = lc, p->lci = lci;
    p->fsp = (double)g->r->first_span * g->w->first_span;
    p->fo = (double)g->r->first_size * g->w->first_size;
    p->lsp = (double)g->r->last_span * g->w->last_span;
    p->lo = (double)g->r->last_size * g->w->last_size;
    p->fw_w = (dense ? fci * fc : (dw ? fc * khw : khw * fci * fc)) * eb;
    p->lw_w = (dense ? lci * lc : (dw ? lc * khw : khw * lci * lc)) * eb;
}

static void step_dma(const dma_pre_t *p, int step, dma_t *d)
{
    double eb = p->eb, nc = p->nc, nci = p->nci, cin = p->cin, span = p->span;
    double nt_sp = p->nt_sp, kept = p->kept;
    double in_b = p->in_b, w_b = p->w_b, out_b = p->out_b, in_t = p->in_t, w_t = p->w_t;
    double out_t = p->out_t, b_b = 0, b_t = 0;
    double fc = p->fc, fci = p->fci, fsp = p->fsp, fo = p->fo, lc = p->lc, lci = p->lci;
    double lsp = p->lsp, lo = p->lo, fw_w = p->fw_w, lw_w = p->lw_w;
    int dw = p->dw;
    if (p->bias && step != DSE_TSTEP_IG)
        b_b = kept * eb, b_t = nc;
    double fb = b_b > 0 ? fc * eb : 0, lb = b_b > 0 ? lc * eb : 0;
    int nb = b_b > 0;
    switch (step) {
    case DSE_TSTEP_FW: {
        double part = dw ? 1.0 : 2.0 * nci - 1.0; /* partial sums over cin tiles */
        d->bytes = in_b + w_b + b_b + out_b * part;
        d->transfers = in_t + w_t + b_t + out_t * part;
        d->first_bytes = fci * fsp * eb + fw_w + fb;
        d->first_tr = 2 + nb;
        d->last_bytes = lc * lo * eb;
        d->last_tr = 1;
        break;
    }
    case DSE_TSTEP_WG: {
        double dy_re = dw ? 1.0 : nci;
        d->bytes = in_b + out_b * dy_re + w_b + b_b;
        d->transfers = in_t + out_t * dy_re + w_t + b_t;
        d->first_bytes = fci * fsp * eb + fc * fo * eb;
        d->first_tr = 2;
        d->last_bytes = lw_w + lb;
        d->last_tr = 1 + nb;
        break;
    }
    default: {
        double dy_re = dw ? 1.0 : nci, part = dw ? 1.0 : 2.0 * nc - 1.0;
        double dx_b = cin * span * eb * part, dx_t = (dw ? nc : nci) * nt_sp * part;
        d->bytes = out_b * dy_re + w_b + dx_b;
        d->transfers = out_t * dy_re + w_t + dx_t;
        d->first_bytes = fc * fo * eb + fw_w;
        d->first_tr = 2;
        d->last_bytes = lci * lsp * eb;
        d->last_tr = 1;
        break;
    }
    }
}

/* What evaluate() needs for one combination of the tile, cores and prune
 * parameters, apart from the compute cycles of each kernel. */
struct head {
    int64_t macs[DSE_TSTEP__COUNT];
    int64_t l1[2];                                  /* single, double buffering */
    double dma[DSE_TSTEP__COUNT], pro[DSE_TSTEP__COUNT], epi[DSE_TSTEP__COUNT];
    double bytes[DSE_TSTEP__COUNT];
    int64_t tiles;
    int ok;
};

/* A full evaluation: the head plus every kernel's compute cycles per step. */
struct entry {
    head_t h;
    float c[DSE_TSTEP__COUNT][DSE_MM_FP32_COUNT];   /* compute cycles per kernel */
    int8_t run[DSE_TSTEP__COUNT][DSE_MM_FP32_COUNT]; /* kernel running on a full tile */
};

/* Largest L1 footprint of a tile of one step. */
static int64_t step_l1(const ctx_t *x, const geom_t *g, int step, int dbuf)
{
    const dim_class_t *rc = &x->rows.classes[g->r->first], *wc = &x->cols.classes[g->w->first];
    int64_t best = 0;
    for (int i = 0; i < g->r->n; i++)
        for (int j = 0; j < g->w->n; j++) {
            dse_tile_t t = {g->tc, x->l.op == DSE_OP_DW ? g->tc : g->tci, rc[i].size,
                            wc[j].size, rc[i].span, wc[j].span};
            dse_footprint_t fp;
            dse_ops_footprint(&x->l, step, &t, x->eb, &fp);
            int64_t v = dse_ops_footprint_total(&fp, dbuf);
            if (v > best)
                best = v;
        }
    return best;
}

/* step_l1 for single (v[0]) and double (v[1]) buffering in one pass. */
static void step_l1_both(const ctx_t *x, const geom_t *g, int step, int64_t *v)
{
    const dim_class_t *rc = &x->rows.classes[g->r->first], *wc = &x->cols.classes[g->w->first];
    int nr = g->r->n, nw = g->w->n;
    if (!fast_off() && g->r->dom >= 0 && g->w->dom >= 0) {
        /* the footprint is a sum of products of non-negative tile sizes and
         * spans: the class pair with the largest of both is the largest */
        rc = &x->rows.classes[g->r->dom], wc = &x->cols.classes[g->w->dom];
        nr = nw = 1;
    }
    v[0] = v[1] = 0;
    for (int i = 0; i < nr; i++)
        for (int j = 0; j < nw; j++) {
            dse_tile_t t = {g->tc, x->l.op == DSE_OP_DW ? g->tc : g->tci, rc[i].size,
                            wc[j].size, rc[i].span, wc[j].span};
            dse_footprint_t fp;
            dse_ops_footprint(&x->l, step, &t, x->eb, &fp);
            for (int db = 0; db < 2; db++) {
                int64_t f = dse_ops_footprint_total(&fp, db);
                if (f > v[db])
                    v[db] = f;
            }
        }
}

/* The largest footprints over the steps (l1[0] single, l1[1] double
 * buffering) on the fast path: step_l1_both's class pair with the largest
 * sizes and spans, its footprint from monomials of the tile's fields
 * (probed in prepare, like the matmul dims). 0 when there is no such pair. */
static int l1_fast(const ctx_t *x, const geom_t *g, int64_t *l1)
{
    if (fast_off() || g->r->dom < 0 || g->w->dom < 0)
        return 0;
    const dim_class_t *rc = &x->rows.classes[g->r->dom], *wc = &x->cols.classes[g->w->dom];
    int64_t ci = x->l.op == DSE_OP_DW ? g->tc : g->tci;
    const int64_t co[4] = {1, g->tc, ci, g->tc * ci};
    const int64_t ro[4] = {1, rc->size, rc->span, (int64_t)rc->size * rc->span};
    const int64_t wo[4] = {1, wc->size, wc->span, (int64_t)wc->size * wc->span};
    int64_t val[DSE_TSTEP__COUNT * 5];
    for (int q = 0; q < x->n_fpm; q++) {
        const mono_t *f = &x->fpm[q];
        val[q] = f->coef * co[f->ci] * ro[f->ri] * wo[f->wi];
    }
    l1[0] = l1[1] = 0;
    for (int s = 0; s < DSE_TSTEP__COUNT; s++) {
        if (!(x->steps & (1u << s)))
            continue;
        const uint8_t *at = x->fp_at[s];
        const int64_t part[5] = {val[at[0]], val[at[1]], val[at[2]], val[at[3]], val[at[4]]};
        int64_t dma = part[0] + part[1] + part[2] + part[4]; /* dse_ops_footprint_total */
        int64_t v0 = dma + part[3], v1 = 2 * dma + part[3];
        l1[0] = v0 > l1[0] ? v0 : l1[0];
        l1[1] = v1 > l1[1] ? v1 : l1[1];
    }
    return 1;
}

/* Position of v in a value map, or -1. */
static inline int64_t map_pos(const ctx_t *x, int which, double v)
{
    int64_t i = (int64_t)v;
    if (!x->map[which] || i < 0 || i >= x->map_len[which] || (double)i != v)
        return -1;
    return x->map[which][i];
}

/* Index of the cache combination of p, or -1. */
static int64_t cache_find(const ctx_t *x, const double *p)
{
    if (!x->cache)
        return -1;
    size_t idx = 0;
    for (int i = 0; i < 4; i++) {
        int64_t pos = map_pos(x, i, p[i]);
        if (pos < 0)
            return -1;
        idx += (size_t)pos * x->stride[i];
    }
    size_t i4, i5;
    for (i4 = 0; i4 < x->n_cores_v && x->cores_v[i4] != p[DSE_PULP_P_CORES]; i4++)
        ;
    for (i5 = 0; i5 < x->n_prune_v && x->prune_v[i5] != p[DSE_PULP_P_PRUNE]; i5++)
        ;
    if (i4 == x->n_cores_v || i5 == x->n_prune_v)
        return -1;
    return (int64_t)(idx + i4 * x->stride[4] + i5 * x->stride[5]);
}

/* Fills e for the tile/cores/prune values of p; only >= 0 costs that kernel
 * alone (the others are left unset). */
static void fill_entry(const ctx_t *x, const double *p, int only, int stop_over, entry_t *e)
{
    geom_t g;
    e->h.ok = make_geom(x, p, &g);
    if (!e->h.ok)
        return;
    e->h.l1[0] = e->h.l1[1] = 0;
    e->h.tiles = g.nc * g.nci * g.r->ntiles * g.w->ntiles;
    int l1_done = l1_fast(x, &g, e->h.l1);
    for (int s = 0; s < DSE_TSTEP__COUNT && !l1_done; s++) {
        if (!(x->steps & (1u << s)))
            continue;
        int64_t v[2];
        step_l1_both(x, &g, s, v);
        for (int db = 0; db < 2; db++)
            if (v[db] > e->h.l1[db])
                e->h.l1[db] = v[db];
    }
    /* evaluate() rejects a point over L1 on its footprint alone */
    if (stop_over >= 0 && (double)e->h.l1[stop_over] > x->l1)
        return;
    dma_pre_t dp;
    dma_pre(x, &g, &dp);
    for (int s = 0; s < DSE_TSTEP__COUNT; s++) {
        if (!(x->steps & (1u << s)))
            continue;
        double out[DSE_MM_FP32_COUNT];
        int8_t runs[DSE_MM_FP32_COUNT];
        if (x->l.op == DSE_OP_DW) {
            e->h.macs[s] = step_compute(x, &g, s, 0, out); /* no kernel choice to cost */
            e->c[s][0] = (float)out[0];
        } else {
            if (fast_off()) {
                e->h.macs[s] = step_compute(x, &g, s, only, out);
                /* the kernel each choice runs on the first (a full) tile */
                dse_tile_t t = {g.tc, g.tci, x->rows.classes[g.r->first].size,
                                x->cols.classes[g.w->first].size,
                                x->rows.classes[g.r->first].span,
                                x->cols.classes[g.w->first].span};
                dse_mm_dims_t d;
                dse_ops_mm_dims(&x->l, s, &t, &d);
                for (int k = 0; k < x->nk; k++)
                    if (only < 0 || k == only)
                        runs[k] = (int8_t)dse_mm_resolve(x->tab, k, d.n, d.k, d.m, g.cores);
            } else {
                /* its first tile class is that tile */
                e->h.macs[s] = step_grouped(x, &g, s, only, out, runs);
            }
            int hi = only >= 0 ? only + 1 : only == ONLY_BEST ? 1 : x->nk;
            for (int k = only >= 0 ? only : 0; k < hi; k++) {
                e->c[s][k] = (float)out[k];
                e->run[s][k] = runs[k];
            }
        }
        dma_t d;
        step_dma(&dp, s, &d);
        e->h.dma[s] = d.bytes / x->dma_bpc + d.transfers * x->dma_setup;
        e->h.pro[s] = d.first_bytes / x->dma_bpc + d.first_tr * x->dma_setup;
        e->h.epi[s] = d.last_bytes / x->dma_bpc + d.last_tr * x->dma_setup;
        e->h.bytes[s] = d.bytes;
    }
}

/* Kernel index for a step of a full entry: the fastest, or the choice. */
static int pick_kernel(const ctx_t *x, const entry_t *e, int s, int best, int choice)
{
    if (x->l.op == DSE_OP_DW)
        return 0;
    if (!best)
        return choice;
    int k = 0;
    for (int i = 1; i < x->nk; i++)
        if (e->c[s][i] < e->c[s][k])
            k = i;
    return k;
}

static int pulp_evaluate(const void *vctx, const double *p, double *m)
{
    const ctx_t *x = vctx;
    int dbuf = p[DSE_PULP_P_BUFFERING] != 0.0;
    int mv = (int)p[DSE_PULP_P_MATMUL];
    int best = mv == 0;
    int choice = mv - 1 - x->choice_off;
    int dw = x->l.op == DSE_OP_DW;
    if (!best && !dw && (choice < 0 || choice >= x->nk))
        return 0; /* a kernel of the other precision */
    entry_t local;
    const head_t *h;
    int only = -1;
    int64_t idx = cache_find(x, p);
    int slot = idx >= 0 && mv >= 0 && mv < 64 && (double)mv == p[DSE_PULP_P_MATMUL]
                   ? x->slot[mv] : -1;
    if (slot >= 0) {
        h = &x->cache[idx];
    } else {
        /* best on the fast path: only the fastest kernel's sum */
        only = dw ? -1 : !best ? choice : fast_off() ? -1 : ONLY_BEST;
        fill_entry(x, p, only, dbuf, &local);
        h = &local.h;
    }
    if (!h->ok)
        return 0;
    if ((double)h->l1[dbuf] > x->l1) { /* the reason of hwmodel.h: L1 */
        m[0] = 1.0;
        m[1] = (double)h->l1[dbuf];
        return 0;
    }
    double total = 0.0, traffic = 0.0, macs = 0.0;
    for (int s = 0; s < DSE_TSTEP__COUNT; s++) {
        m[DSE_PULP_M_CYCLES_FW + s] = 0.0;
        m[DSE_PULP_M_KERNEL_FW + s] = DSE_PULP_LABEL_NONE;
        if (!(x->steps & (1u << s)))
            continue;
        double comp;
        int run;
        if (slot >= 0) {
            size_t at = ((size_t)idx * DSE_TSTEP__COUNT + (size_t)s) * (size_t)x->n_slots
                        + (size_t)slot;
            comp = x->cache_c[at];
            run = x->cache_run[at];
        } else {
            int k = only == ONLY_BEST ? 0 : pick_kernel(x, &local, s, best, choice);
            comp = local.c[s][k];
            run = local.run[s][k];
        }
        m[DSE_PULP_M_KERNEL_FW + s] = dw ? DSE_PULP_LABEL_DW : run + x->label_off;
        double cyc;
        if (dbuf) {
            double rest = h->dma[s] - h->pro[s] - h->epi[s];
            cyc = h->pro[s] + h->epi[s] + (comp > rest ? comp : rest);
        } else {
            cyc = comp + h->dma[s];
        }
        m[DSE_PULP_M_CYCLES_FW + s] = cyc;
        total += cyc;
        traffic += h->bytes[s];
        macs += (double)h->macs[s];
    }
    m[DSE_PULP_M_CYCLES] = total;
    m[DSE_PULP_M_MACS] = macs;
    m[DSE_PULP_M_MAC_PER_CYCLE] = total > 0 ? macs / total : 0.0;
    m[DSE_PULP_M_L1_BYTES] = (double)h->l1[dbuf];
    m[DSE_PULP_M_L2_TRAFFIC] = traffic;
    m[DSE_PULP_M_TILES] = (double)h->tiles;
    m[DSE_PULP_M_PRUNE] = applies_prune(NULL, &x->l) ? p[DSE_PULP_P_PRUNE] : 0.0;
    m[DSE_PULP_M_TIME] = total / x->clock_mhz;
    return 1;
}

/* ---- monotone infeasibility (skipping) ------------------------------ */

/* The L1 footprint evaluate() compares with L1, or -1 when make_geom
 * rejects the point (fill_entry and the cache give the same number: the
 * cache is filled by fill_entry). */
static int64_t point_l1(const ctx_t *x, const double *p, int dbuf)
{
    int64_t idx = cache_find(x, p);
    if (idx >= 0)
        return x->cache[idx].ok ? x->cache[idx].l1[dbuf] : -1;
    geom_t g;
    if (!make_geom(x, p, &g))
        return -1;
    int64_t l1 = 0;
    for (int s = 0; s < DSE_TSTEP__COUNT; s++) {
        if (!(x->steps & (1u << s)))
            continue;
        int64_t v = step_l1(x, &g, s, dbuf);
        if (v > l1)
            l1 = v;
    }
    return l1;
}

/* A point whose footprint exceeds L1 stays over L1, and l1_bytes does not
 * decrease, when any of these parameters grows (the others fixed):
 * - tile_cout: the tile's channels are min(tile_cout, kept), kept not
 *   depending on tile_cout; step_l1 sizes every tile with them.
 * - tile_cin, from a value >= 1: min(tile_cin, cin) (0 means all, the
 *   largest, so a point at 0 claims nothing). Depthwise: not used.
 * - tile_ho (tile_wo): when pad_t <= stride_h (pad_l <= stride_w), or the
 *   layer is dense (no padding). Lemma: for tile sizes t < t' (each clamped
 *   to the extent), every row class (size s, input span) of t is dominated
 *   by one of t' (size >= s and span >= span). Proof: if a t'-tile covers
 *   the t-tile's outputs [a, b], its clipped input interval contains the
 *   other's. Otherwise some t'-tile boundary c has a < c <= b; the t'-tile
 *   A = [c - t', c - 1] is full (size t' > s). Unclipped, A's input
 *   interval starts (a - c + t')*S lower and ends (b - c + 1)*S lower than
 *   the t-tile's (S the stride); clipping to [0, in) loses at most the
 *   difference at the top, so span(A) - span(T) >= (a - c + t')*S -
 *   (b - c + 1)*S = (t' - s)*S >= S when A's start is not clipped at 0.
 *   When it is ((c - t')*S < pad <= S, so c = t'), T's start is not
 *   (a >= t >= 1, a*S - pad >= 0), and the difference is >= (t' - s)*S -
 *   pad >= S - pad >= 0. The footprint (kernels/ops.c) is a sum of
 *   products of non-negative tile sizes and spans, so the largest over row
 *   x column classes does not decrease. With pad > stride this fails
 *   (e.g. stride 1, kernel 3, pad 2: sizes 2 -> 3 shrink the largest span
 *   from 4 to 3), so such layers claim nothing for that dimension.
 * - buffering: double doubles the DMA'd buffers (single = 0 < double = 1).
 * - cores: the footprint does not depend on them, except through pruning
 *   (kept is rounded to a multiple of the cores), so only at prune 0 or
 *   where pruning does not apply; more cores than the preset's fail anyway.
 * - matmul: the footprint does not depend on the kernel; a kernel of the
 *   other precision fails anyway.
 * Only "<=" bounds on l1_bytes and the L1 check itself are claimed. */
static uint32_t pulp_monotone(const void *vctx, const double *p, int what)
{
    const ctx_t *x = vctx;
    if (what >= 0 && what != DSE_PULP_M_L1_BYTES)
        return 0;
    if (!p)
        return 1;
    int dbuf = p[DSE_PULP_P_BUFFERING] != 0.0;
    int64_t l1 = point_l1(x, p, dbuf);
    if (l1 < 0 || (what < 0 && !((double)l1 > x->l1)))
        return 0;
    int dense = dse_ops_is_dense(x->l.op), dw = x->l.op == DSE_OP_DW;
    uint32_t set = 1u << DSE_PULP_P_TILE_COUT | 1u << DSE_PULP_P_BUFFERING
                   | 1u << DSE_PULP_P_MATMUL;
    if (dw || p[DSE_PULP_P_TILE_CIN] >= 1.0)
        set |= 1u << DSE_PULP_P_TILE_CIN;
    if (dense || x->l.pad_t <= x->l.sh)
        set |= 1u << DSE_PULP_P_TILE_HO;
    if (dense || x->l.pad_l <= x->l.sw)
        set |= 1u << DSE_PULP_P_TILE_WO;
    if (dw || is_bare_mm(x->l.op) || p[DSE_PULP_P_PRUNE] <= 0.0)
        set |= 1u << DSE_PULP_P_CORES;
    return set;
}

/* ---- prepare / release ---------------------------------------------- */

/* The monomial whose value is `one` with every tile field 1 and `at` with
 * the fields (cout, cin, ho, wo, hi, wi) = (2, 3, 5, 7, 11, 13). */
static mono_t mono_probe(int64_t one, int64_t at)
{
    static const int64_t primes[6] = {2, 3, 5, 7, 11, 13};
    mono_t r = {one, 0, 0, 0};
    if (one == 0) {
        assert(at == 0);
        return r;
    }
    assert(at % one == 0);
    int64_t q = at / one;
    unsigned mask = 0;
    for (unsigned f = 0; f < 6; f++)
        if (q % primes[f] == 0) {
            q /= primes[f];
            mask |= 1u << f;
        }
    assert(q == 1); /* a product of distinct fields */
    r.ci = (uint8_t)(mask & 3u);
    r.ri = (uint8_t)((mask >> 2 & 1u) | (mask >> 3 & 2u)); /* ho, hi */
    r.wi = (uint8_t)((mask >> 3 & 1u) | (mask >> 4 & 2u)); /* wo, wi */
    return r;
}

/* The fast path's monomials and unroll shifts (see step_fast). */
/* x->fg[w][s]: for each tile size of rows (w = 0) or cols (1), its classes
 * merged by their factors in step s's monomials, first class first. */
static void fg_build(ctx_t *x, int w, int s)
{
    const dim_tab_t *d = w ? &x->cols : &x->rows;
    const mono_t *mo = x->mono[s];
    size_t total = 0, cap = 0;
    fgroup_t *fg = NULL;
    int32_t *first = dse_xcalloc((size_t)d->extent + 1, sizeof *first);
    int32_t *cnt = dse_xcalloc((size_t)d->extent + 1, sizeof *cnt);
    for (int64_t t = 1; t <= d->extent; t++) {
        const dim_tile_t *dt = &d->tiles[t];
        first[t] = (int32_t)total;
        for (int i = 0; i < dt->n; i++) {
            const dim_class_t *c = &d->classes[dt->first + i];
            const int64_t v[4] = {1, c->size, c->span, (int64_t)c->size * c->span};
            int64_t f[4];
            for (int q = 0; q < 4; q++) {
                uint8_t idx = w ? mo[MO_N + q].wi : mo[MO_N + q].ri;
                f[q] = v[idx];
            }
            size_t j;
            for (j = (size_t)first[t]; j < total; j++)
                if (memcmp(fg[j].f, f, sizeof f) == 0)
                    break;
            if (j == total) {
                fg = dse_xgrow(fg, sizeof *fg, total + 1, &cap);
                memcpy(fg[total].f, f, sizeof f);
                fg[total].count = 0;
                total++;
            }
            fg[j].count += c->count;
        }
        cnt[t] = (int32_t)(total - (size_t)first[t]);
    }
    x->fg[w][s] = fg, x->fg_first[w][s] = first, x->fg_n[w][s] = cnt;
}

typedef struct {
    rsel_t *rsel;
    uint8_t *cls;
    int8_t *runs;
} rsel_set_t;

/* The fallback tests as thresholds per number of cores (rsel_t, runs_of):
 * kernels/catalogue.h's tests are "dim < t" (XBLK: x < thr * cores; Y, K:
 * y, k < thr) or "(x & ~(a - 1)) < thr * cores" (XPAR), which is x < that
 * bound rounded up to a multiple of a. Each class triple is resolved by
 * dse_mm_resolve_all on its least values. */
static void rsel_build(const dse_mm_kernel_t *tab, int nk, rsel_set_t *x)
{
    x->rsel = dse_xcalloc(S_RSEL_CORES + 1, sizeof *x->rsel);
    size_t ncls = 0, nruns = 0, cap_c = 0, cap_r = 0;
    x->cls = NULL, x->runs = NULL;
    for (int cores = 1; cores <= S_RSEL_CORES; cores++) {
        rsel_t *r = &x->rsel[cores];
        int64_t thr[3][3 * DSE_MM_FP32_COUNT];
        int nt[3] = {0, 0, 0};
        for (int k = 0; k < nk; k++) {
            const dse_mm_kernel_t *e = &tab[k];
            int pn = e->par == DSE_MM_PAR_N;
            int64_t a, b;
            dse__mm_unrolls(e, &a, &b);
            for (int i = 0; i < 3 && e->fb[i].test != DSE_FB_NONE; i++) {
                int64_t t = e->fb[i].thr;
                int d;
                switch (e->fb[i].test) {
                case DSE_FB_XBLK: d = pn ? 0 : 1, t *= cores; break;
                case DSE_FB_XPAR: d = pn ? 0 : 1, t = (t * cores + a - 1) / a * a; break;
                case DSE_FB_Y: d = pn ? 1 : 0; break;
                case DSE_FB_K: d = 2; break;
                default: assert(!"unknown fallback test"); d = 2; break;
                }
                assert(t > 0 && t < INT32_MAX);
                r->own[k][d] = t > r->own[k][d] ? (int32_t)t : r->own[k][d];
                int j = 0; /* sorted, without repeats */
                while (j < nt[d] && thr[d][j] < t)
                    j++;
                if (j < nt[d] && thr[d][j] == t)
                    continue;
                memmove(&thr[d][j + 1], &thr[d][j], (size_t)(nt[d] - j) * sizeof thr[d][0]);
                thr[d][j] = t;
                nt[d]++;
            }
        }
        for (int d = 0; d < 3; d++) {
            r->ncls[d] = (uint8_t)(nt[d] + 1);
            r->tmax[d] = nt[d] ? thr[d][nt[d] - 1] : 0;
            r->cls_off[d] = (int32_t)ncls;
            x->cls = dse_xgrow(x->cls, 1, ncls + (size_t)r->tmax[d], &cap_c);
            for (int64_t v = 0, c = 0; v < r->tmax[d]; v++) {
                while (c < nt[d] && thr[d][c] <= v)
                    c++;
                x->cls[ncls + (size_t)v] = (uint8_t)c;
            }
            ncls += (size_t)r->tmax[d];
        }
        r->run_off = (int32_t)nruns;
        size_t nr = (size_t)r->ncls[0] * r->ncls[1] * r->ncls[2] * (size_t)nk;
        x->runs = dse_xgrow(x->runs, 1, nruns + nr, &cap_r);
        int8_t *out = &x->runs[nruns];
        for (int cn = 0; cn < r->ncls[0]; cn++)
            for (int cm = 0; cm < r->ncls[1]; cm++)
                for (int ck = 0; ck < r->ncls[2]; ck++, out += nk)
                    dse_mm_resolve_all(tab, nk, cn ? thr[0][cn - 1] : 0,
                                       ck ? thr[2][ck - 1] : 0, cm ? thr[1][cm - 1] : 0, cores,
                                       out);
        nruns += nr;
    }
}

/* The tables of both catalogues, built once a process (0.2 MB) and
 * never freed: they depend on the catalogue and the cores only. */
static rsel_set_t s_rsel[2];
static pthread_once_t s_rsel_once[2] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

static void s_rsel_fp32(void)
{
    rsel_build(dse_mm_fp32, DSE_MM_FP32_COUNT, &s_rsel[0]);
}

static void s_rsel_fp16(void)
{
    rsel_build(dse_mm_fp16, DSE_MM_FP16_COUNT, &s_rsel[1]);
}

static void plan_build(ctx_t *x)
{
    const dse_tile_t one = {1, 1, 1, 1, 1, 1}, at = {2, 3, 5, 7, 11, 13};
    for (int s = 0; s < DSE_TSTEP__COUNT; s++) {
        dse_mm_dims_t d1, dp;
        dse_ops_mm_dims(&x->l, s, &one, &d1);
        dse_ops_mm_dims(&x->l, s, &at, &dp);
        x->mono[s][MO_N] = mono_probe(d1.n, dp.n);
        x->mono[s][MO_K] = mono_probe(d1.k, dp.k);
        x->mono[s][MO_M] = mono_probe(d1.m, dp.m);
        x->mono[s][MO_IM2COL] = mono_probe(dse_ops_im2col_elems(&x->l, s, &one),
                                           dse_ops_im2col_elems(&x->l, s, &at));
        /* tile_extra's weight transpose */
        mono_t tr = {0, 0, 0, 0};
        if (s == DSE_TSTEP_IG && (x->l.op == DSE_OP_CONV2D || x->l.op == DSE_OP_PW))
            tr.coef = x->l.kh * x->l.kw, tr.ci = 3; /* cout x cin */
        x->mono[s][MO_TR] = tr;
        dse_footprint_t f1, fp;
        dse_ops_footprint(&x->l, s, &one, x->eb, &f1);
        dse_ops_footprint(&x->l, s, &at, x->eb, &fp);
        const mono_t fm[5] = {mono_probe(f1.in, fp.in), mono_probe(f1.w, fp.w),
                              mono_probe(f1.bias, fp.bias), mono_probe(f1.im2col, fp.im2col),
                              mono_probe(f1.out, fp.out)};
        for (int q = 0; q < 5; q++) {
            int j = 0;
            while (j < x->n_fpm && !(x->fpm[j].coef == fm[q].coef && x->fpm[j].ci == fm[q].ci &&
                                     x->fpm[j].ri == fm[q].ri && x->fpm[j].wi == fm[q].wi))
                j++;
            if (j == x->n_fpm)
                x->fpm[x->n_fpm++] = fm[q];
            x->fp_at[s][q] = (uint8_t)j;
        }
    }
    /* the cost functions are compiled from catalogue.h's lists: the tables
     * must say the same, with unrolls 1, 2, 4 or 8 (kcost's shifts) */
    int fp32 = x->tab == dse_mm_fp32;
    const uint8_t(*shape)[5] = fp32 ? s_shape_fp32 : s_shape_fp16;
    x->kc = fp32 ? s_kc_fp32 : s_kc_fp16;
    assert(fp32 || x->tab == dse_mm_fp16);
    for (int k = 0; k < x->nk; k++) {
        const dse_mm_kernel_t *e = &x->tab[k];
        assert(shape[k][0] == (e->par == DSE_MM_PAR_N) && shape[k][1] == e->scheme &&
               shape[k][2] == e->u && shape[k][3] == e->v && shape[k][4] == e->ku);
        const int un[3] = {e->u, e->v, e->ku};
        for (int i = 0; i < 3; i++)
            assert(un[i] == 1 || un[i] == 2 || un[i] == 4 || un[i] == 8);
        (void)e, (void)shape, (void)un;
    }
    assert(x->hw_cores >= 1 && x->hw_cores <= S_RSEL_CORES);
    if (pthread_once(&s_rsel_once[!fp32], fp32 ? s_rsel_fp32 : s_rsel_fp16) != 0)
        abort();
    x->rsel = s_rsel[!fp32].rsel, x->cls = s_rsel[!fp32].cls, x->runs = s_rsel[!fp32].runs;
    for (int cores = 0; cores <= 64; cores++) {
        x->cshift[cores] = -1;
        for (int8_t sh = 0; sh < 7; sh++)
            if (cores == 1 << sh)
                x->cshift[cores] = sh;
    }
    /* body constants per cores, at the ff step_compute uses */
    x->kb = dse_xcalloc((size_t)(x->hw_cores + 1) * DSE_MM_FP32_COUNT, sizeof *x->kb);
    for (int cores = 1; cores <= x->hw_cores; cores++) {
        double ff = cores > x->fpus ? (double)cores / x->fpus : 1.0;
        for (int k = 0; k < x->nk; k++)
            x->kb[(size_t)cores * DSE_MM_FP32_COUNT + (size_t)k] = kbody(&x->tab[k], ff);
    }
}

static int find_param(const dse_space_t *sp, int i, const double **v, size_t *n)
{
    if (!sp || sp->n_params != DSE_PULP_P__COUNT)
        return 0;
    *v = sp->values[i];
    *n = sp->n_values[i];
    return 1;
}

/* Precomputes the compute cycles of every kernel for every combination of
 * the tile, cores and prune values of the layer's space, so that evaluate()
 * only looks them up (the matmul parameter and buffering do not change them). */
static void build_cache(ctx_t *x, const dse_space_t *sp)
{
    const int which[6] = {DSE_PULP_P_TILE_COUT, DSE_PULP_P_TILE_HO, DSE_PULP_P_TILE_WO,
                          DSE_PULP_P_TILE_CIN, DSE_PULP_P_CORES, DSE_PULP_P_PRUNE};
    const double *v[6];
    size_t n[6], total = 1;
    for (int i = 0; i < 6; i++) {
        if (!find_param(sp, which[i], &v[i], &n[i]))
            return;
        x->stride[i] = total;
        total *= n[i];
    }
    const double *mvals;
    size_t n_mm;
    if (!find_param(sp, DSE_PULP_P_MATMUL, &mvals, &n_mm) || n_mm > 64)
        return;
    /* memory bound: about 16 MiB per layer; larger spaces are evaluated directly */
    size_t per = sizeof(head_t) + DSE_TSTEP__COUNT * n_mm * (sizeof(float) + 1);
    if (total > ((size_t)16 << 20) / per)
        return;
    memset(x->slot, -1, sizeof x->slot);
    for (size_t j = 0; j < n_mm; j++) {
        int mv = (int)mvals[j];
        if ((double)mv != mvals[j] || mv < 0 || mv >= 64)
            return;
        x->slot[mv] = (int8_t)j;
    }
    x->n_slots = (int)n_mm;
    for (int i = 0; i < 4; i++) {
        int64_t mx = 0;
        for (size_t j = 0; j < n[i]; j++) {
            if (v[i][j] < 0 || v[i][j] > 1e7 || v[i][j] != floor(v[i][j]))
                goto fail;
            if ((int64_t)v[i][j] > mx)
                mx = (int64_t)v[i][j];
        }
        x->map_len[i] = mx + 1;
        x->map[i] = dse_xmalloc((size_t)(mx + 1) * sizeof(int32_t));
        for (int64_t j = 0; j <= mx; j++)
            x->map[i][j] = -1;
        for (size_t j = 0; j < n[i]; j++)
            x->map[i][(int64_t)v[i][j]] = (int32_t)j;
    }
    x->n_cores_v = n[4], x->n_prune_v = n[5];
    x->cores_v = dse_xmalloc(n[4] * sizeof(double));
    x->prune_v = dse_xmalloc(n[5] * sizeof(double));
    memcpy(x->cores_v, v[4], n[4] * sizeof(double));
    memcpy(x->prune_v, v[5], n[5] * sizeof(double));
    x->cache = dse_xcalloc(total, sizeof *x->cache);
    x->cache_c = dse_xcalloc(total * DSE_TSTEP__COUNT * n_mm, sizeof *x->cache_c);
    x->cache_run = dse_xcalloc(total * DSE_TSTEP__COUNT * n_mm, 1);
    entry_t *e = dse_xmalloc(sizeof *e);
    for (size_t idx = 0; idx < total; idx++) {
        double p[DSE_PULP_P__COUNT] = {0};
        for (int i = 0; i < 6; i++)
            p[which[i]] = v[i][(idx / x->stride[i]) % n[i]];
        fill_entry(x, p, -1, -1, e);
        x->cache[idx] = e->h;
        if (!e->h.ok)
            continue;
        for (int s = 0; s < DSE_TSTEP__COUNT; s++) {
            if (!(x->steps & (1u << s)))
                continue;
            for (size_t j = 0; j < n_mm; j++) {
                int mv = (int)mvals[j], choice = mv - 1 - x->choice_off;
                if (mv != 0 && (choice < 0 || choice >= x->nk))
                    continue; /* evaluate() rejects it before the cache */
                int k = pick_kernel(x, e, s, mv == 0, choice);
                size_t at = (idx * DSE_TSTEP__COUNT + (size_t)s) * n_mm + j;
                x->cache_c[at] = e->c[s][k];
                x->cache_run[at] = e->run[s][k];
            }
        }
    }
    free(e);
    return;
fail:
    for (int i = 0; i < 4; i++) {
        free(x->map[i]);
        x->map[i] = NULL;
    }
}

int dse_pulp_has_cache(const void *vctx)
{
    const ctx_t *x = vctx;
    return x && x->cache != NULL;
}

static void pulp_release(void *vctx)
{
    ctx_t *x = vctx;
    if (!x)
        return;
    dim_free(&x->rows);
    dim_free(&x->cols);
    free(x->kb);
    free(x->cache);
    free(x->cache_c);
    free(x->cache_run);
    for (int i = 0; i < 4; i++)
        free(x->map[i]);
    free(x->cores_v);
    free(x->prune_v);
    for (int w = 0; w < 2; w++)
        for (int s = 0; s < DSE_TSTEP__COUNT; s++) {
            free(x->fg[w][s]);
            free(x->fg_first[w][s]);
            free(x->fg_n[w][s]);
        }
    free(x);
}

static int pulp_prepare(const dse_job_t *job, size_t li, unsigned flags, void **out,
                        dse_error_t *err)
{
    (void)flags; /* nothing differs in a worker */
    if (li >= job->n_layers)
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "no layer %zu", li);
    const dse_layer_t *l = &job->layers[li];
    ctx_t *x = dse_xcalloc(1, sizeof *x);
    x->l = *l;
    x->l.space = NULL;
    x->l.name = NULL;
    if (x->l.op == DSE_OP_PW)
        x->l.kh = x->l.kw = 1;
    x->steps = job->steps ? job->steps : DSE_STEP_FW;
    x->eb = dse_dtype_bytes(job->dtype);
    x->hw_cores = (int)job->hw[DSE_PULP_HW_CORES];
    x->l1 = job->hw[DSE_PULP_HW_L1];
    x->clock_mhz = job->hw[DSE_PULP_HW_CLOCK];
    x->dma_bpc = job->hw[DSE_PULP_HW_DMA_BPC];
    x->dma_setup = (int)job->hw[DSE_PULP_HW_DMA_SETUP];
    x->fpus = job->hw[DSE_PULP_HW_FPUS];
    x->fork = (int)job->hw[DSE_PULP_HW_FORK];
    if (job->dtype == DSE_DTYPE_FP16) {
        x->tab = dse_mm_fp16, x->nk = DSE_MM_FP16_COUNT;
        x->label_off = DSE_PULP_LABEL_FP16, x->choice_off = DSE_MM_FP32_COUNT;
    } else {
        x->tab = dse_mm_fp32, x->nk = DSE_MM_FP32_COUNT;
        x->label_off = 0, x->choice_off = 0;
    }
    x->cout = ext_cout(job, l);
    x->cin = ext_cin(job, l);
    if (dse_ops_is_dense(l->op)) {
        int64_t rows = ext_ho(job, l);
        dim_build(&x->rows, rows, rows, 1, 1, 0);
        dim_build(&x->cols, 1, 1, 1, 1, 0);
    } else {
        dim_build(&x->rows, l->hout, l->hin, x->l.kh, l->sh, l->pad_t);
        dim_build(&x->cols, l->wout, l->win, x->l.kw, l->sw, l->pad_l);
    }
    plan_build(x);
    for (int w = 0; w < 2; w++)
        for (int s = 0; s < DSE_TSTEP__COUNT; s++)
            fg_build(x, w, s);
    build_cache(x, l->space);
    *out = x;
    return 0;
}

static int pulp_check_layer(const dse_job_t *job, const dse_layer_t *l, dse_error_t *err)
{
    (void)job;
    if (is_bare_mm(l->op)) {
        if (l->m < 1 || l->n < 1 || l->k < 1)
            return dse_error_set(err, DSE_ECONFIG, NULL, 0, 0, "matmul dims must be >= 1");
        return 0;
    }
    if (l->cin < 1 || l->cout < 1 || l->hout < 1 || l->wout < 1)
        return dse_error_set(err, DSE_ECONFIG, NULL, 0, 0, "empty layer shape");
    if (l->op == DSE_OP_PW && (l->kh != 1 || l->kw != 1))
        return dse_error_set(err, DSE_ECONFIG, NULL, 0, 0, "pw layers have a 1x1 kernel");
    return 0;
}

/* ---- baselines ------------------------------------------------------ */

static const char *const s_baselines[] = {"autotuner", "dory", NULL};

static int pulp_baseline(const dse_job_t *job, const char *name, double *const *params,
                         dse_error_t *err);

static const dse_reason_decl_t s_reasons[] = {
    {.name = "l1_bytes", .bound = "l1_bytes", .unit = "bytes",
        .hint = "try tile_cin, smaller tiles, single buffering, or a larger L1"},
};

const dse_hwmodel_t dse_model_pulp_cluster = {
    .name = "pulp-cluster",
    .doc = "On-device training (FW, WG, IG) on a PULP cluster with PULP-TrainLib matmul "
           "kernels, L1 tiling and DMA (docs/model-pulp-cluster.md)",
    .default_preset = "pulp-open",
    .dtypes = (1u << DSE_DTYPE_FP32) | (1u << DSE_DTYPE_FP16),
    .steps = DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG,
    .ops = (1u << DSE_OP_CONV2D) | (1u << DSE_OP_DW) | (1u << DSE_OP_PW) | (1u << DSE_OP_LINEAR)
           | (1u << DSE_OP_MATMUL) | (1u << DSE_OP_GEMM) | (1u << DSE_OP_GEMV),
    .preset_keys = s_preset,
    .n_preset_keys = DSE_PULP_HW__COUNT,
    .layer_keys = NULL,
    .n_layer_keys = 0,
    .params = s_params,
    .n_params = DSE_PULP_P__COUNT,
    .metrics = s_metrics,
    .n_metrics = DSE_PULP_M__COUNT,
    .net_metrics = s_net,
    .n_net_metrics = sizeof s_net / sizeof s_net[0],
    .default_objectives = s_objectives,
    .batch_metrics = s_batch_metrics,
    .check_layer = pulp_check_layer,
    .prepare = pulp_prepare,
    .release = pulp_release,
    .evaluate = pulp_evaluate,
    .monotone = pulp_monotone,
    .baselines = s_baselines,
    .baseline = pulp_baseline,
    .export_point = dse_pulp_export_point, /* tiling.h, fastest_tiling.txt (exports.c) */
    .reasons = s_reasons,
    .n_reasons = 1,
};

/* Baseline tilers; see the header of this file and the docs. Each layer
 * gets one deployment; the candidates are the divisors of each extent. */
static int divisors(int64_t n, int64_t *out, int max)
{
    int c = 0;
    for (int64_t d = 1; d <= n && c < max; d++)
        if (n % d == 0)
            out[c++] = d;
    return c;
}

static int pulp_baseline(const dse_job_t *job, const char *name, double *const *params,
                         dse_error_t *err)
{
    int dory = strcmp(name, "dory") == 0;
    if (!dory && strcmp(name, "autotuner") != 0)
        return dse_error_set(err, DSE_ENOTFOUND, NULL, 0, 0, "no baseline \"%s\"", name);
    int cores = (int)job->hw[DSE_PULP_HW_CORES];
    double l1cap = job->hw[DSE_PULP_HW_L1];
    for (size_t li = 0; li < job->n_layers; li++) {
        void *vx;
        int rc = pulp_prepare(job, li, 0, &vx, err);
        if (rc)
            return rc;
        ctx_t *x = vx;
        int64_t dc[256], dh[256], dw[256];
        int nc = divisors(x->cout, dc, 256), nh = divisors(x->rows.extent, dh, 256);
        int nw = divisors(x->cols.extent, dw, 256);
        double best_score = -1, p[DSE_PULP_P__COUNT], bp[DSE_PULP_P__COUNT];
        double m[DSE_PULP_M__COUNT];
        for (int a = 0; a < nc; a++)
            for (int b = 0; b < nh; b++)
                for (int c = 0; c < nw; c++) {
                    p[DSE_PULP_P_TILE_COUT] = (double)dc[a];
                    p[DSE_PULP_P_TILE_HO] = (double)dh[b];
                    p[DSE_PULP_P_TILE_WO] = (double)dw[c];
                    p[DSE_PULP_P_TILE_CIN] = 0;
                    /* both tilers size tiles for a double-buffer factor 2 */
                    p[DSE_PULP_P_BUFFERING] = 1;
                    p[DSE_PULP_P_CORES] = cores;
                    /* DORY: one fixed kernel, mm_unroll_2x4 (fp16: mm_fp16_SIMD_4x8,
                     * the same 2 x 4 output block); AutoTuner: best per step */
                    p[DSE_PULP_P_MATMUL] = !dory ? 0 : x->choice_off ? 1 + DSE_MM_FP32_COUNT + 3
                                                                     : 1 + 10;
                    p[DSE_PULP_P_PRUNE] = 0;
                    if (!pulp_evaluate(x, p, m) || m[DSE_PULP_M_L1_BYTES] > l1cap)
                        continue;
                    double score = m[DSE_PULP_M_L1_BYTES];
                    if (dory) {
                        /* DORY's heuristics: occupancy plus shape bonuses */
                        score = score / l1cap * 1000.0;
                        if (dh[b] % 8 == 0)
                            score += 100;
                        if (dw[c] % 2 == 0)
                            score += 100;
                        if (dc[a] % 4 == 0)
                            score += 100;
                    }
                    if (score > best_score) {
                        best_score = score;
                        memcpy(bp, p, sizeof p);
                    }
                }
        pulp_release(x);
        if (best_score < 0)
            return dse_error_set(err, DSE_EFAIL, NULL, 0, 0,
                                 "layer %zu: no tile fits in L1", li);
        memcpy(params[li], bp, sizeof bp);
    }
    return 0;
}
