/* bench/finn.c - evaluate() rate of the finn model in one thread, over the
 * space of a CNV conv layer (conv 2: 64 -> 64 channels, 30 -> 28, 3x3, w2a2),
 * stepping through the points as the runtime does on a range (an odometer
 * over the parameters' domain positions, no division per point).
 *
 *   bench-finn                      each estimate set for about a second
 *   bench-finn --points N [--est E] exactly N points (E: finn-2021 or
 *                                   finn-current; default both), for
 *                                   instructions per point under callgrind:
 *   valgrind --tool=callgrind build/bench-finn --points 1000000 --est finn-2021
 *   (the instruction count over N, less a run with --points 0) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/job.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/finn.h"

static size_t divisors(int64_t n, double *out)
{
    size_t k = 0;
    for (int64_t d = 1; d <= n; d++)
        if (n % d == 0)
            out[k++] = (double)d;
    return k;
}

int main(int argc, char **argv)
{
    long long fixed = -1;
    int only = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--points") == 0 && i + 1 < argc)
            fixed = atoll(argv[++i]);
        else if (strcmp(argv[i], "--est") == 0 && i + 1 < argc)
            only = strcmp(argv[++i], "finn-current") == 0;
        else {
            fprintf(stderr, "usage: bench-finn [--points N] [--est finn-2021|finn-current]\n");
            return 2;
        }
    }
    const dse_hwmodel_t *m = &dse_model_finn;
    dse_job_t job = {0};
    dse_layer_t layer = {0};
    job.model = m;
    for (size_t i = 0; i < m->n_preset_keys; i++)
        job.hw[i] = m->preset_keys[i].dflt;
    job.hw[DSE_FINN_HW_LUT_TOTAL] = 53200;
    job.hw[DSE_FINN_HW_FF_TOTAL] = 106400;
    job.hw[DSE_FINN_HW_BRAM18_TOTAL] = 280;
    job.hw[DSE_FINN_HW_DSP_TOTAL] = 220;
    job.hw[DSE_FINN_HW_CLOCK_MHZ] = 100;
    layer.op = DSE_OP_CONV2D;
    layer.cin = 64;
    layer.cout = 64;
    layer.hin = layer.win = 30;
    layer.hout = layer.wout = 28;
    layer.kh = layer.kw = 3;
    layer.sh = layer.sw = 1;
    for (size_t k = 0; k < m->n_layer_keys; k++)
        layer.attr[k] = m->layer_keys[k].dflt;
    layer.attr[DSE_FINN_L_WEIGHT_BITS] = 2;
    layer.attr[DSE_FINN_L_ACT_BITS] = 2;
    layer.attr[DSE_FINN_L_OUT_BITS] = 2;
    job.layers = &layer;
    job.n_layers = 1;

    double pe[64], simd[576], swg[64];
    double prune[4] = {0, 0.25, 0.5, 0.75}, mode[1] = {0}, res[2] = {0, 1}, inp[1] = {0};
    const double *vals[DSE_FINN_N_PARAMS] = {pe, simd, swg, prune, mode, res, inp};
    size_t nv[DSE_FINN_N_PARAMS] = {divisors(64, pe), divisors(576, simd), divisors(64, swg),
                                    4, 1, 2, 1};
    dse_error_t err = DSE_ERROR_INIT;
    dse_space_t *space = dse_space_new(DSE_FINN_N_PARAMS, vals, nv, &err);
    if (!space) {
        dse_error_print(&err, stderr);
        return 1;
    }
    for (int est = 0; est < 2; est++) { /* the two estimate sets */
        if (only >= 0 && est != only)
            continue;
        job.hw[DSE_FINN_HW_ESTIMATES] = est;
        void *ctx = NULL;
        if (m->prepare(&job, 0, 0, &ctx, &err) != 0) {
            dse_error_print(&err, stderr);
            return 1;
        }
        double p[DSE_FINN_N_PARAMS], met[DSE_FINN_N_METRICS], sink = 0;
        uint64_t feasible = 0, points = 0;
        double t0 = dse_now(), t;
        do {
            uint64_t n = space->size;
            if (fixed >= 0 && (uint64_t)fixed - points < n)
                n = (uint64_t)fixed - points;
            size_t dig[DSE_FINN_N_PARAMS] = {0};
            for (size_t k = 0; k < DSE_FINN_N_PARAMS; k++)
                p[k] = space->values[k][0];
            for (uint64_t i = 0; i < n; i++) {
                if (i) /* the next point: the odometer of eval/eval.c */
                    for (size_t k = 0; k < DSE_FINN_N_PARAMS; k++) {
                        if (++dig[k] < space->n_values[k]) {
                            p[k] = space->values[k][dig[k]];
                            break;
                        }
                        dig[k] = 0;
                        p[k] = space->values[k][0];
                    }
                if (m->evaluate(ctx, p, met)) {
                    feasible++;
                    sink += met[DSE_FINN_M_LUT];
                }
            }
            points += n;
            t = dse_now() - t0;
        } while (fixed >= 0 ? points < (uint64_t)fixed : t < 1.0);
        printf("finn: %.0f points/s per core (%s; %llu points of a %llu-point CNV conv layer "
               "space, %.1f%% feasible; checksum %.0f)\n",
               (double)points / t, est ? "finn-current" : "finn-2021",
               (unsigned long long)points, (unsigned long long)space->size,
               points ? 100.0 * (double)feasible / (double)points : 0.0, sink);
        m->release(ctx);
    }
    dse_space_destroy(&space);
    return 0;
}
