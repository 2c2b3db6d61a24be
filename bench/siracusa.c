/* bench/siracusa.c - evaluate() rate of the Siracusa model in one thread.
 *
 * Layers of the shipped configs (a 3x3 conv, a depthwise, a 1x1, a GEMM, a
 * GEMV, an attention matmul, an elementwise op); each layer's points cycle
 * through tiles, engines, buffering and the weight memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hwmodels/siracusa.h"

enum { NL = 7 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void set_conv(dse_layer_t *l, dse_op_t op, int64_t cin, int64_t h, int64_t cout,
                     int64_t k, int64_t s)
{
    l->op = op;
    l->cin = cin, l->hin = l->win = h;
    l->cout = op == DSE_OP_DW ? cin : cout;
    l->kh = l->kw = k, l->sh = l->sw = s;
    l->hout = l->wout = (h + 2 * (k / 2) - k) / s + 1;
}

static void set_gemm(dse_layer_t *l, int64_t m, int64_t n, int64_t k, int cw)
{
    l->op = m == 1 ? DSE_OP_GEMV : DSE_OP_GEMM;
    l->m = m, l->n = n, l->k = k, l->cin = k, l->cout = n;
    l->hin = l->win = l->hout = l->wout = 1;
    l->kh = l->kw = l->sh = l->sw = 1;
    l->attr[0] = cw;
}

int main(void)
{
    const dse_hwmodel_t *md = &dse_model_siracusa;
    dse_job_t job;
    memset(&job, 0, sizeof job);
    job.model = md;
    for (size_t i = 0; i < md->n_preset_keys; i++)
        job.hw[i] = md->preset_keys[i].dflt;
    dse_layer_t layers[NL];
    memset(layers, 0, sizeof layers);
    for (int i = 0; i < NL; i++)
        layers[i].attr[0] = 1, layers[i].attr[1] = 8;
    set_conv(&layers[0], DSE_OP_CONV2D, 16, 48, 16, 3, 1);
    set_conv(&layers[1], DSE_OP_DW, 96, 24, 96, 3, 1);
    set_conv(&layers[2], DSE_OP_PW, 96, 24, 16, 1, 1);
    set_gemm(&layers[3], 64, 1024, 256, 1);
    set_gemm(&layers[4], 1, 256, 1024, 1);
    set_gemm(&layers[5], 64, 64, 64, 0);
    layers[6].op = DSE_OP_ELEMENTWISE;
    layers[6].cin = layers[6].cout = 1, layers[6].hin = layers[6].hout = 64;
    layers[6].win = layers[6].wout = 1024;
    job.layers = layers;
    job.n_layers = NL;

    void *ctx[NL];
    dse_error_t err = DSE_ERROR_INIT;
    for (int i = 0; i < NL; i++)
        if (md->prepare(&job, (size_t)i, 0, &ctx[i], &err) < 0) {
            fprintf(stderr, "prepare: %s\n", err.msg);
            return 1;
        }
    /* point tables: 256 parameter vectors per layer */
    enum { NP = 256 };
    static double pts[NL][NP][DSE_MAX_PARAMS];
    for (int i = 0; i < NL; i++) {
        const dse_layer_t *l = &layers[i];
        int64_t e0 = l->op == DSE_OP_ELEMENTWISE ? l->hin : l->op >= DSE_OP_LINEAR ? l->m : l->hout;
        int64_t e2 = l->op >= DSE_OP_LINEAR && l->op != DSE_OP_ELEMENTWISE ? l->n : l->cout;
        for (int j = 0; j < NP; j++) {
            double *p = pts[i][j];
            p[0] = j & 1;                                /* engine */
            p[1] = (double)(e0 >> ((j >> 1) & 3));       /* tile_ho */
            p[2] = (double)l->wout;                      /* tile_wo */
            p[3] = (double)(l->cout >> ((j >> 3) & 3));  /* tile_cout */
            p[4] = (double)(e0 >> ((j >> 1) & 3));       /* tile_m */
            p[5] = (double)(e2 >> ((j >> 3) & 3));       /* tile_n */
            p[6] = (j >> 5) & 1;                         /* buffering */
            p[7] = (j >> 6) & 1;                         /* wmem */
            p[8] = 0;                                    /* cores */
            p[9] = 0;                                    /* l1 */
            p[10] = (j >> 7) & 1;                        /* simd */
            for (int k = 1; k <= 5; k++)
                if (p[k] < 1)
                    p[k] = 1;
        }
    }
    double metrics[DSE_MAX_METRICS], sink = 0;
    long n = 0, feasible = 0;
    double t0 = now(), t;
    do {
        for (int r = 0; r < 64; r++)
            for (int i = 0; i < NL; i++)
                for (int j = 0; j < NP; j++) {
                    if (md->evaluate(ctx[i], pts[i][j], metrics)) {
                        feasible++;
                        sink += metrics[0];
                    }
                    n++;
                }
        t = now() - t0;
    } while (t < 1.0);
    for (int i = 0; i < NL; i++)
        md->release(ctx[i]);
    printf("siracusa: %.0f points/s per core\n", (double)n / t);
    printf("siracusa: %ld points, %.0f%% feasible (checksum %.3g)\n", n,
           100.0 * (double)feasible / (double)n, sink);
    return 0;
}
