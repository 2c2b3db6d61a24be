/* main_dse_kernel_timer.c - dse-kernel-timer: times the project's own
 * kernels (kernels/: the PULP-TrainLib-style matmul variants and the layer
 * steps built on them) for one layer and one choice of parameters, on this
 * host's CPU. A measured evaluator for any Linux host:
 *
 *   [evaluator]
 *   kind = "command"
 *   command = ["build/dse-kernel-timer", "--op={op}", "--cin={cin}", "--h={h}", "--w={w}",
 *              "--cout={cout}", "--kh={kh}", "--kw={kw}", "--sh={sh}", "--sw={sw}",
 *              "--pad={pad_t},{pad_l},{pad_b},{pad_r}", "--steps={steps}",
 *              "--matmul={matmul}", "--cores={cores}"]
 *
 * It pins itself to one core with hwloc (--core K, default 0), runs each
 * step --warmup times, then --repeats times, and prints one JSON object
 * with the median time of the steps together in nanoseconds, the spread
 * ((max - min) / median of the repeats) and the kernel of each step, then
 * last, the object dse reads: {"cycles": MEDIAN_NS} (--metric names
 * another metric). With --matmul=best every matmul kernel is timed for each
 * step and the fastest kept, as PULP-TrainLib's AutoTuner does.
 * `--cores` splits the work as the cluster's cores would; on the host the
 * parts run one after the other (the same instructions in all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cli.h"
#include "core/job.h"
#include "core/topo.h"
#include "core/util.h"
#include "kernels/catalogue.h"
#include "kernels/train.h"

static double s_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    dse_layer_t L;
    float *x, *w, *y, *dy, *dw, *dx;
} s_bufs_t;

static void s_step(s_bufs_t *b, int step, const dse_train_cfg_t *cfg)
{
    const dse_layer_t *l = &b->L;
    switch (l->op) {
    case DSE_OP_DW:
        if (step == 0)
            dse_train_dw_fw(l, cfg->cores, b->x, b->w, b->y);
        else if (step == 1)
            dse_train_dw_wg(l, cfg->cores, b->x, b->dy, b->dw);
        else
            dse_train_dw_ig(l, cfg->cores, b->w, b->dy, b->dx);
        break;
    case DSE_OP_LINEAR:
        if (step == 0)
            dse_train_linear_fw(l, cfg, b->x, b->w, NULL, b->y);
        else if (step == 1)
            dse_train_linear_wg(l, cfg, b->x, b->dy, b->dw, NULL);
        else
            dse_train_linear_ig(l, cfg, b->w, b->dy, b->dx);
        break;
    default:
        if (step == 0)
            dse_train_conv_fw(l, cfg, b->x, b->w, NULL, b->y);
        else if (step == 1)
            dse_train_conv_wg(l, cfg, b->x, b->dy, b->dw, NULL);
        else
            dse_train_conv_ig(l, cfg, b->w, b->dy, b->dx);
    }
}

/* Median time of one step with one kernel; *spread set. */
static double s_time(s_bufs_t *b, int step, const dse_train_cfg_t *cfg, int warmup, int repeats,
                     double *spread)
{
    for (int i = 0; i < warmup; i++)
        s_step(b, step, cfg);
    double *t = dse_xmalloc((size_t)repeats * sizeof *t);
    for (int i = 0; i < repeats; i++) {
        double t0 = s_ns();
        s_step(b, step, cfg);
        t[i] = s_ns() - t0;
    }
    qsort(t, (size_t)repeats, sizeof *t, s_cmp);
    double med = repeats % 2 ? t[repeats / 2] : 0.5 * (t[repeats / 2 - 1] + t[repeats / 2]);
    *spread = med > 0 ? (t[repeats - 1] - t[0]) / med : 0;
    free(t);
    return med;
}

static int s_cin, s_h = 1, s_w = 1, s_cout, s_kh = 1, s_kw = 1, s_sh = 1, s_sw = 1;
static int s_cores = 1, s_core, s_warmup = 3, s_repeats = 15;
static long s_pad[4];
static const char *s_op, *s_steps = "fw", *s_matmul = "mm", *s_metric = "cycles";

/* --pad=T,L,B,R */
static int s_opt_pad(void *target, const char *prog, const char *name, const char *value)
{
    long *pad = target;
    if (sscanf(value, "%ld,%ld,%ld,%ld", &pad[0], &pad[1], &pad[2], &pad[3]) != 4 ||
        pad[0] < 0 || pad[1] < 0 || pad[2] < 0 || pad[3] < 0) {
        fprintf(stderr, "%s: %s takes T,L,B,R (got '%s')\n", prog, name, value);
        return 2;
    }
    return -1;
}

static const dse_cli_opt_t s_opts[] = {
    {"--op", 0, "OP", DSE_CLI_STRING, &s_op, .help = "conv2d, pw, dw or linear (required)"},
    {"--cin", 0, "C", DSE_CLI_INT, &s_cin, .lo = 1, .hi = 1 << 16,
     .help = "input channels (required)"},
    {"--h", 0, "H", DSE_CLI_INT, &s_h, .lo = 1, .hi = 1 << 14, .help = "input height (1)"},
    {"--w", 0, "W", DSE_CLI_INT, &s_w, .lo = 1, .hi = 1 << 14, .help = "input width (1)"},
    {"--cout", 0, "N", DSE_CLI_INT, &s_cout, .lo = 1, .hi = 1 << 16,
     .help = "output channels (required)"},
    {"--kh", 0, "K", DSE_CLI_INT, &s_kh, .lo = 1, .hi = 64, .help = "kernel height (1)"},
    {"--kw", 0, "K", DSE_CLI_INT, &s_kw, .lo = 1, .hi = 64, .help = "kernel width (1)"},
    {"--sh", 0, "S", DSE_CLI_INT, &s_sh, .lo = 1, .hi = 64, .help = "vertical stride (1)"},
    {"--sw", 0, "S", DSE_CLI_INT, &s_sw, .lo = 1, .hi = 64, .help = "horizontal stride (1)"},
    {"--pad", 0, "T,L,B,R", DSE_CLI_CALL, s_pad, .call = s_opt_pad,
     .help = "padding: top, left, bottom, right (0,0,0,0)"},
    {"--steps", 0, "fw,wg,ig", DSE_CLI_STRING, &s_steps, .help = "the steps timed (fw)"},
    {"--matmul", 0, "NAME", DSE_CLI_STRING, &s_matmul,
     .help = "the matmul kernel, or best: the fastest for each step (mm)"},
    {"--cores", 0, "N", DSE_CLI_INT, &s_cores, .lo = 1, .hi = 64,
     .help = "split the work as N cluster cores would (1)"},
    {"--core", 0, "K", DSE_CLI_INT, &s_core, .lo = 0, .hi = 65535,
     .help = "pin to core K of this host (0)"},
    {"--warmup", 0, "N", DSE_CLI_INT, &s_warmup, .lo = 0, .hi = 1000,
     .help = "runs before the timed ones (3)"},
    {"--repeats", 0, "N", DSE_CLI_INT, &s_repeats, .lo = 1, .hi = 10000,
     .help = "timed runs; the median is kept (15)"},
    {"--metric", 0, "NAME", DSE_CLI_STRING, &s_metric,
     .help = "the metric of the last line (cycles)"},
    {"--help", 'h', NULL, DSE_CLI_HELP, .help = "this text"},
    {NULL},
};

static const dse_cli_t s_cli = {
    .prog = "dse-kernel-timer",
    .usage = "usage: dse-kernel-timer --op=OP --cin=C --h=H --w=W --cout=N [--kh=K --kw=K\n"
             "         --sh=S --sw=S --pad=T,L,B,R] [--steps=fw,wg,ig] [--matmul=NAME|best]\n"
             "         [--cores=N] [--core=K] [--warmup=N] [--repeats=N] [--metric=NAME]\n"
             "Prints JSON: the details, then {\"METRIC\": ns}.\n",
    .opts = s_opts,
};

int main(int argc, char **argv)
{
    int st = dse_cli_parse(&s_cli, argc, argv);
    if (st >= 0)
        return st;
    long cin = s_cin, h = s_h, w = s_w, cout = s_cout, kh = s_kh, kw = s_kw, sh = s_sh;
    long sw = s_sw, cores = s_cores, core = s_core, warmup = s_warmup, repeats = s_repeats;
    long pad[4] = {s_pad[0], s_pad[1], s_pad[2], s_pad[3]};
    const char *op = s_op, *steps = s_steps, *matmul = s_matmul, *metric = s_metric;
    s_bufs_t b;
    memset(&b, 0, sizeof b);
    dse_layer_t *L = &b.L;
    if (!op || cin == 0 || cout == 0) {
        fprintf(stderr, "dse-kernel-timer: --op, --cin and --cout are required\n");
        dse_cli_help(&s_cli, stderr);
        return 2;
    }
    L->op = strcmp(op, "conv2d") == 0 ? DSE_OP_CONV2D : strcmp(op, "pw") == 0 ? DSE_OP_PW
            : strcmp(op, "dw") == 0 ? DSE_OP_DW : strcmp(op, "linear") == 0 ? DSE_OP_LINEAR
                                                                          : DSE_OP__COUNT;
    if (L->op == DSE_OP__COUNT) {
        fprintf(stderr, "dse-kernel-timer: --op must be conv2d, pw, dw or linear (got '%s')\n",
                op);
        return 2;
    }
    if (L->op == DSE_OP_LINEAR)
        h = w = kh = kw = sh = sw = 1, memset(pad, 0, sizeof pad);
    if (L->op == DSE_OP_DW && cout != cin) {
        fprintf(stderr, "dse-kernel-timer: a depthwise layer has cout = cin\n");
        return 2;
    }
    if (h + pad[0] + pad[2] < kh || w + pad[1] + pad[3] < kw) {
        fprintf(stderr, "dse-kernel-timer: the kernel is larger than the padded input\n");
        return 2;
    }
    L->cin = cin, L->hin = h, L->win = w, L->cout = cout;
    L->kh = kh, L->kw = kw, L->sh = sh, L->sw = sw;
    L->pad_t = pad[0], L->pad_l = pad[1], L->pad_b = pad[2], L->pad_r = pad[3];
    L->hout = (h + pad[0] + pad[2] - kh) / sh + 1;
    L->wout = (w + pad[1] + pad[3] - kw) / sw + 1;
    L->m = 1, L->n = cout, L->k = cin;
    int which[3] = {0, 0, 0};
    for (const char *p = steps; *p;) {
        size_t n = strcspn(p, ",+");
        unsigned bit = dse_step_bit(p, n);
        if (bit)
            for (unsigned s = 0; s < DSE_N_STEPS; s++)
                which[s] |= bit == 1u << s;
        else {
            fprintf(stderr, "dse-kernel-timer: --steps is a list of fw, wg, ig (got '%s')\n",
                    steps);
            return 2;
        }
        p += n + (p[n] != '\0');
    }
    int kernel = -1, best = strcmp(matmul, "best") == 0;
    for (int i = 0; i < DSE_MM_FP32_COUNT && !best; i++)
        if (strcmp(dse_mm_fp32[i].name, matmul) == 0)
            kernel = i;
    if (!best && kernel < 0) {
        fprintf(stderr, "dse-kernel-timer: unknown matmul kernel '%s'\n", matmul);
        return 2;
    }
    /* buffers large enough for every step */
    size_t nx = (size_t)(cin * h * w), ny = (size_t)(cout * L->hout * L->wout);
    size_t nw = L->op == DSE_OP_DW ? (size_t)(cin * kh * kw) : (size_t)(cout * cin * kh * kw);
    b.x = dse_xmalloc(nx * sizeof *b.x), b.dx = dse_xmalloc(nx * sizeof *b.dx);
    b.y = dse_xmalloc(ny * sizeof *b.y), b.dy = dse_xmalloc(ny * sizeof *b.dy);
    b.w = dse_xmalloc(nw * sizeof *b.w), b.dw = dse_xmalloc(nw * sizeof *b.dw);
    for (size_t i = 0; i < nx; i++)
        b.x[i] = (float)((i * 7 % 13) - 6) / 8.0f;
    for (size_t i = 0; i < ny; i++)
        b.dy[i] = (float)((i * 5 % 11) - 5) / 8.0f;
    for (size_t i = 0; i < nw; i++)
        b.w[i] = (float)((i * 3 % 7) - 3) / 8.0f;

    dse_topo_t *topo = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    int pinned = 0;
    if (dse_topo_open(&topo, NULL, &err) == 0) {
        pinned = dse_topo_pin_current_thread(topo, (int)(core % dse_topo_cores(topo)), &err) == 0;
        dse_topo_destroy(&topo);
    }
    double total = 0, spread_max = 0;
    printf("{\"op\": \"%s\", \"pinned\": %s, \"repeats\": %ld, \"steps\": {", op,
           pinned ? "true" : "false", repeats);
    int first = 1;
    for (int s = 0; s < 3; s++) {
        if (!which[s])
            continue;
        double best_t = -1, best_spread = 0;
        int best_k = kernel;
        for (int k = best ? 0 : kernel; k < (best ? DSE_MM_FP32_COUNT : kernel + 1); k++) {
            /* the depthwise steps use no matmul: one timing */
            if (L->op == DSE_OP_DW && k > (best ? 0 : kernel))
                break;
            dse_train_cfg_t cfg = {dse_mm_fp32, k, (int)cores};
            double spread;
            double t = s_time(&b, s, &cfg, (int)warmup, (int)repeats, &spread);
            if (best_t < 0 || t < best_t)
                best_t = t, best_spread = spread, best_k = k;
        }
        total += best_t;
        spread_max = best_spread > spread_max ? best_spread : spread_max;
        printf("%s\"%s\": {\"median_ns\": %.0f, \"spread\": %.4f, \"kernel\": \"%s\"}",
               first ? "" : ", ", dse_step_name((unsigned)s), best_t, best_spread,
               L->op == DSE_OP_DW ? "direct" : dse_mm_fp32[best_k].name);
        first = 0;
    }
    printf("}, \"median_ns\": %.0f, \"spread\": %.4f}\n{\"%s\": %.0f}\n", total, spread_max,
           metric, total);
    free(b.x), free(b.dx), free(b.y), free(b.dy), free(b.w), free(b.dw);
    return 0;
}
