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

static int s_int(const char *arg, const char *name, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (*arg == '\0' || *end || v < lo || v > hi) {
        fprintf(stderr, "dse-kernel-timer: --%s takes a whole number from %ld to %ld (got '%s')\n",
                name, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: dse-kernel-timer --op=OP --cin=C --h=H --w=W --cout=N [--kh=K --kw=K\n"
               "         --sh=S --sw=S --pad=T,L,B,R] [--steps=fw,wg,ig] [--matmul=NAME|best]\n"
               "         [--cores=N] [--core=K] [--warmup=N] [--repeats=N] [--metric=NAME]\n"
               "OP: conv2d, pw, dw, linear. Prints JSON: the details, then {\"METRIC\": ns}.\n");
}

int main(int argc, char **argv)
{
    long cin = 0, h = 1, w = 1, cout = 0, kh = 1, kw = 1, sh = 1, sw = 1, cores = 1, core = 0;
    long warmup = 3, repeats = 15, pad[4] = {0, 0, 0, 0};
    const char *op = NULL, *steps = "fw", *matmul = "mm", *metric = "cycles";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = strchr(a, '=');
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            s_usage(stdout);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || !v) {
            fprintf(stderr, "dse-kernel-timer: options are --NAME=VALUE (got '%s')\n", a);
            s_usage(stderr);
            return 2;
        }
        size_t n = (size_t)(v - a - 2);
        v++;
#define S_OPT(lit) (n == sizeof(lit) - 1 && strncmp(a + 2, lit, n) == 0)
        int rc = 0;
        if (S_OPT("op"))
            op = v;
        else if (S_OPT("steps"))
            steps = v;
        else if (S_OPT("matmul"))
            matmul = v;
        else if (S_OPT("metric"))
            metric = v;
        else if (S_OPT("cin"))
            rc = s_int(v, "cin", 1, 1 << 16, &cin);
        else if (S_OPT("h"))
            rc = s_int(v, "h", 1, 1 << 14, &h);
        else if (S_OPT("w"))
            rc = s_int(v, "w", 1, 1 << 14, &w);
        else if (S_OPT("cout"))
            rc = s_int(v, "cout", 1, 1 << 16, &cout);
        else if (S_OPT("kh"))
            rc = s_int(v, "kh", 1, 64, &kh);
        else if (S_OPT("kw"))
            rc = s_int(v, "kw", 1, 64, &kw);
        else if (S_OPT("sh"))
            rc = s_int(v, "sh", 1, 64, &sh);
        else if (S_OPT("sw"))
            rc = s_int(v, "sw", 1, 64, &sw);
        else if (S_OPT("cores"))
            rc = s_int(v, "cores", 1, 64, &cores);
        else if (S_OPT("core"))
            rc = s_int(v, "core", 0, 65535, &core);
        else if (S_OPT("warmup"))
            rc = s_int(v, "warmup", 0, 1000, &warmup);
        else if (S_OPT("repeats"))
            rc = s_int(v, "repeats", 1, 10000, &repeats);
        else if (S_OPT("pad")) {
            if (sscanf(v, "%ld,%ld,%ld,%ld", &pad[0], &pad[1], &pad[2], &pad[3]) != 4 ||
                pad[0] < 0 || pad[1] < 0 || pad[2] < 0 || pad[3] < 0) {
                fprintf(stderr, "dse-kernel-timer: --pad takes T,L,B,R (got '%s')\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "dse-kernel-timer: unknown option '%s'\n", a);
            s_usage(stderr);
            return 2;
        }
#undef S_OPT
        if (rc)
            return 2;
    }
    s_bufs_t b;
    memset(&b, 0, sizeof b);
    dse_layer_t *L = &b.L;
    if (!op || cin == 0 || cout == 0) {
        fprintf(stderr, "dse-kernel-timer: --op, --cin and --cout are required\n");
        s_usage(stderr);
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
