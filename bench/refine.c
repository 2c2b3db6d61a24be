/* bench/refine.c - how much of each reference config `refine` measures, and
 * how good its measured fronts are, with a stand-in measurement.
 *
 * The measurement is what build/dse-fake-sim --perturb D computes, in
 * process (no fork, so that spaces of 10^5 points run in seconds): the
 * model's first objective (the latency) times 1 + D u, u a deterministic
 * number in [-1, 1] per point; the other metrics are the model's. With
 * D = 0.05 the model's relative error is at most 0.0526, and the margin
 * 0.12 >= (1 + delta) / (1 - delta) - 1 guarantees the exact measured
 * front. Also shown: a margin of 0 (no guarantee).
 *
 * Per config: points, model-feasible points, points measured (all rounds),
 * their share of the points, rounds, and the hypervolume of refine's
 * measured layer fronts over that of the true measured fronts (every
 * feasible point measured), each layer against its true front's reference
 * point, averaged over the layers; "exact" when every layer front is
 * identical. Models with interface classes (finn) are not handled by refine.
 *
 *   build/bench-refine [CONFIG...]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/pareto.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "search/refine.h"
#include "worker/eval.h"

#define S_D 0.05

/* The stand-in measurement of a point: 1 when feasible (model and the
 * job's per-layer constraints). */
static int s_measure(const dse_evaljob_t *ej, size_t layer, uint64_t idx, double *m)
{
    const dse_job_t *job = ej->job;
    double params[DSE_MAX_PARAMS];
    dse_space_decode(job->layers[layer].space, idx, params);
    if (!job->model->evaluate(ej->ctx[layer], params, m))
        return 0;
    uint64_t key[2] = {idx, layer};
    uint64_t h = dse_hash64(key, sizeof key, 0x5eed);
    double u = (double)(h % 2001) / 1000.0 - 1.0;
    m[job->layer_objectives[0]] *= 1 + S_D * u;
    return dse_eval_keep(job, m);
}

static int s_same(const dse_front_t *a, const dse_front_t *b)
{
    if (dse_front_size(a) != dse_front_size(b))
        return 0;
    for (size_t i = 0; i < dse_front_size(a); i++)
        if (dse_front_index(a, i) != dse_front_index(b, i))
            return 0;
    return 1;
}

static void s_config(const char *path, double margin)
{
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    dse_evaljob_t *ej = NULL;
    if (dse_config_load(path, &job, &err) || dse_evaljob_new(&job, &ej, &err)) {
        dse_error_print(&err, stderr);
        return;
    }
    const dse_job_t *jb = ej->job;
    if (jb->model->iface) {
        printf("%-34s %6.2f  (model '%s' has interface classes: not handled by refine)\n", path,
               margin, jb->model->name);
        dse_evaljob_destroy(&ej);
        return;
    }
    uint64_t points = 0, feasible = 0, measured = 0;
    int rounds_max = 0, exact = 1;
    double hv_sum = 0;
    double m[DSE_MAX_METRICS];
    for (size_t l = 0; l < jb->n_layers; l++) {
        const dse_space_t *sp = jb->layers[l].space;
        points += sp->size;
        dse_front_t *truth = dse_evaljob_front_new(ej), *got = dse_evaljob_front_new(ej);
        for (uint64_t i = 0; i < sp->size; i++)
            if (s_measure(ej, l, i, m))
                dse_front_insert(truth, i, 0, 0, m);
        dse_refine_t *r = dse_refine_new(ej, l, margin, &err);
        if (!r) {
            dse_error_print(&err, stderr);
            break;
        }
        int rounds = 0;
        uint64_t *idx;
        size_t n;
        while ((n = dse_refine_next(r, UINT64_MAX, &idx)) > 0) {
            rounds++;
            for (size_t k = 0; k < n; k++)
                if (s_measure(ej, l, idx[k], m)) {
                    dse_refine_tell(r, idx[k], m);
                    dse_front_insert(got, idx[k], 0, 0, m);
                }
            free(idx);
        }
        feasible += dse_refine_feasible(r);
        measured += dse_refine_measured(r);
        rounds_max = rounds > rounds_max ? rounds : rounds_max;
        dse_front_sort(truth);
        dse_front_sort(got);
        exact &= s_same(truth, got);
        double ref[DSE_MAX_OBJECTIVES];
        dse_front_reference(truth, ref, NULL);
        double ht = dse_hypervolume(truth, ref);
        hv_sum += ht > 0 ? dse_hypervolume(got, ref) / ht : 1;
        dse_refine_destroy(&r);
        dse_front_destroy(&truth);
        dse_front_destroy(&got);
    }
    printf("%-34s %6.2f %9llu %9llu %9llu %7.2f%% %6d %8.4f %s\n", path, margin,
           (unsigned long long)points, (unsigned long long)feasible,
           (unsigned long long)measured, 100.0 * (double)measured / (double)points, rounds_max,
           hv_sum / (double)jb->n_layers, exact ? "exact" : "not exact");
    dse_evaljob_destroy(&ej);
}

int main(int argc, char **argv)
{
    static const char *const dflt[] = {"configs/quickstart.toml", "configs/dscnn-infer.toml",
                                       "configs/resnet8-train.toml",
                                       "configs/mobilenetv2-siracusa.toml",
                                       "configs/slm-prefill.toml", "configs/cnv-w2a2-pynq.toml"};
    printf("refine with a stand-in measurement (model latency x (1 + %.2f u)), "
           "every round to the end\n", S_D);
    printf("%-34s %6s %9s %9s %9s %8s %6s %8s\n", "config", "margin", "points", "feasible",
           "measured", "share", "rounds", "hv");
    int n = argc > 1 ? argc - 1 : (int)(sizeof dflt / sizeof *dflt);
    for (int i = 0; i < n; i++) {
        const char *c = argc > 1 ? argv[i + 1] : dflt[i];
        s_config(c, 0.12);
        s_config(c, 0);
    }
    return 0;
}
