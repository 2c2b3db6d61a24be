/* bench/refine.c - how much of each reference config `refine` measures, and
 * how good its measured fronts are, with a stand-in measurement.
 *
 * The measurement is what build/dse-fake-sim --perturb D computes, in
 * process (no fork, so that spaces of 10^5 points run in seconds): the
 * model's first objective (the latency) times 1 + D u, u a deterministic
 * number in [-1, 1] per point; the other metrics are the model's. D is
 * 0.05 unless --perturb says otherwise: the model error no refit explains.
 * With D = 0.05 the model's relative error is at most 0.0526, and the
 * declared margin 0.12 >= (1 + delta) / (1 - delta) - 1 guarantees the
 * exact measured front (the declared rows take that bound rounded up to a
 * hundredth: 0.05 at D = 0.02, 0.03 at D = 0.01). Also shown: that margin
 * on the latency and 0 on the other objectives, which the stand-in takes
 * from the model unchanged (so the guarantee still holds: their error is
 * 0), and a margin of 0 (no guarantee).
 *
 * Rows "adapt xS": margin_mode = "adaptive" with margin_safety S (the
 * margin from the refitted model's errors seen on the measured points,
 * search/refine.h). "front": the points of the true measured layer fronts,
 * which any exact method must measure (fshare: their share of the points).
 * "floor": the share of the points that a screen knowing only the
 * stand-in's error bound must measure (s_floor), whatever its order;
 * "floorS" (adaptive rows): the same with the bound times margin_safety,
 * the band the adaptive margin's rule leaves once it has seen the largest
 * error.
 *
 * Per config: points, model-feasible points, points measured (all rounds),
 * their share of the points, rounds, and the hypervolume of refine's
 * measured layer fronts over that of the true measured fronts (every
 * feasible point measured), each layer against its true front's reference
 * point, averaged over the layers; "exact" when every layer front is
 * identical. Models with interface classes (finn) are not handled by refine.
 *
 *   build/bench-refine [--perturb D] [--truth KEY=VALUE] [CONFIG...]
 *       the table above at error amplitude D (in (0, 0.5)); with --truth,
 *       every row with and without the refit, and floors computed on the
 *       true constants (the floor after a perfect calibration)
 *   build/bench-refine --perturb D1,D2,... [--truth KEY=VALUE] [CONFIG...]
 *       the adaptive default (margin_safety 1.5) only, one column group per
 *       D: share measured, exact or not, the true fronts' share, floor,
 *       floor x1.5 (how the share scales with the model error left after
 *       calibration)
 *
 * Equal measured budgets (the comparison with black-box searches, and the
 * data bench/tpe.py gives Optuna's TPE so that it optimises the same
 * function):
 *
 *   build/bench-refine --budgets CONFIG [LAYER]
 *       per layer and budget (1%, 2%, 5% of the layer's points), the
 *       hypervolume ratio of the measured front found by refine (adaptive
 *       margin, the model refitted between rounds), nsga2 (seed 1,
 *       population 16) and random (a seeded permutation) when each may
 *       measure that many points. A point the model finds infeasible costs
 *       nothing (it is never measured); refine pays for every point it
 *       proposes.
 *   build/bench-refine --dump CONFIG LAYER
 *       the layer's domain sizes, the reference point and hypervolume of
 *       its true measured front, then "index m1 m2 ..." (the objectives)
 *       for every point that the stand-in measures as feasible.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/pareto.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "search/nsga2.h"
#include "core/perm.h"
#include "search/fit.h"
#include "search/refine.h"
#include "eval/eval.h"

/* --perturb D: the stand-in's error amplitude (the default, as
 * dse-fake-sim --perturb 0.05) */
#define S_D_DEFAULT 0.05
static double s_d = S_D_DEFAULT;

/* --truth KEY=VALUE: the stand-in measures on the model with that hardware
 * value (a simulator whose constants differ from the preset's); s_refit:
 * refine refits the model's calibratable keys between rounds. */
static const char *s_truth_key;
static double s_truth_value;
static dse_evaljob_t *s_truth_ej;
static int s_refit = 1;
static int s_failed; /* a config could not be run: the exit status is 1 */

/* The stand-in measurement of a point: 1 when feasible (model and the
 * job's per-layer constraints). */
static int s_measure(const dse_evaljob_t *ej, size_t layer, uint64_t idx, double *m)
{
    const dse_job_t *job = ej->job;
    double params[DSE_MAX_PARAMS];
    dse_space_decode(job->layers[layer].space, idx, params);
    if (!job->model->evaluate(ej->ctx[layer], params, m))
        return 0;
    if (s_truth_ej) {
        double t[DSE_MAX_METRICS];
        if (!job->model->evaluate(s_truth_ej->ctx[layer], params, t))
            return 0;
        memcpy(m, t, job->model->n_metrics * sizeof *m);
    }
    uint64_t key[2] = {idx, layer};
    uint64_t h = dse_hash64(key, sizeof key, 0x5eed);
    double u = (double)(h % 2001) / 1000.0 - 1.0;
    m[job->layer_objectives[0]] *= 1 + s_d * u;
    return dse_eval_keep(job, m);
}

/* The stand-in's truth for --truth KEY=VALUE: a copy of ej's job with that
 * hardware value. Returns 1 (said) when the key is unknown. */
static int s_truth_open(const dse_evaljob_t *ej)
{
    const dse_job_t *jb = ej->job;
    dse_error_t err = DSE_ERROR_INIT;
    size_t k = 0;
    while (k < jb->model->n_preset_keys && strcmp(jb->model->preset_keys[k].name, s_truth_key))
        k++;
    if (k == jb->model->n_preset_keys ||
        dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &s_truth_ej, &err) != 0) {
        fprintf(stderr, "bench-refine: %s: no hardware key '%s'\n", jb->path, s_truth_key);
        return 1;
    }
    s_truth_ej->job->hw[k] = s_truth_value;
    if (dse_fit_prepare(s_truth_ej, &err) != 0) {
        dse_error_print(&err, stderr);
        dse_evaljob_destroy(&s_truth_ej);
        return 1;
    }
    return 0;
}

/* The floor of a screen that rests on the stand-in's error bound: the
 * model-feasible points of layer l that the true measured front (truth)
 * does not rule out when every point's latency may be as low as its
 * prediction / (1 + delta) (delta = 1 / (1 - D) - 1, the largest
 * over-prediction the stand-in makes; the other objectives are exact), the
 * true front's points included. Whatever the order of measurement, a
 * screen that knows no more than the bound must measure each of them:
 * until it does, the point may be on the front. factor: delta times that
 * (the adaptive margin's band at margin_safety = factor, when the largest
 * error seen is the stand-in's largest). With --truth, the predictions are
 * those of the truth's constants: the floor after a perfect calibration. */
static uint64_t s_floor(const dse_evaljob_t *ej, size_t l, const dse_front_t *truth,
                        double factor)
{
    const dse_job_t *job = ej->job;
    const dse_evaljob_t *pj = s_truth_ej ? s_truth_ej : ej;
    const dse_space_t *sp = job->layers[l].space;
    double delta = factor * (1 / (1 - s_d) - 1), params[DSE_MAX_PARAMS], m[DSE_MAX_METRICS];
    size_t k = job->n_layer_objectives, nf = dse_front_size(truth);
    uint64_t n = 0;
    for (uint64_t i = 0; i < sp->size; i++) {
        dse_space_decode(sp, i, params);
        if (!job->model->evaluate(ej->ctx[l], params, m) ||
            !job->model->evaluate(pj->ctx[l], params, m))
            continue;
        int out = 0;
        for (size_t q = 0; q < nf && !out; q++) {
            const double *row = dse_front_row(truth, q);
            if (dse_front_index(truth, q) == i)
                break; /* on the front */
            int all = 1;
            for (size_t j = 0; j < k && all; j++) {
                int o = job->layer_objectives[j];
                all = row[o] <= (j == 0 ? m[o] / (1 + delta) : m[o]);
            }
            out = all;
        }
        n += !out;
    }
    return n;
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

/* What one run of refine on a config gives (s_run). */
typedef struct {
    uint64_t points, feasible, measured, fronts, floor_n, floor_s;
    int rounds, exact;
    double hv;   /* mean over the layers of refine's fronts' hypervolume / the true ones' */
    int skipped; /* the model has interface classes */
} s_res_t;

/* refine on every layer of the config at path, in `mode`, the rounds of
 * every layer in step and to the end. margin: on the latency (the measured
 * objective), or the safety factor (adaptive); other: on the other
 * objectives (the model's exact values), or the same when negative.
 * Returns 0, or 1 (said) when the config cannot be run. */
static int s_run(const char *path, int mode, double margin, double other, s_res_t *res)
{
    double mg[DSE_MAX_OBJECTIVES];
    for (size_t j = 0; j < DSE_MAX_OBJECTIVES; j++)
        mg[j] = j == 0 || other < 0 ? margin : other;
    memset(res, 0, sizeof *res);
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    dse_evaljob_t *ej = NULL;
    if (dse_config_load(path, &job, &err) || dse_evaljob_new(&job, &ej, &err)) {
        dse_error_print(&err, stderr);
        return 1;
    }
    const dse_job_t *jb = ej->job;
    if (jb->model->iface) {
        res->skipped = 1;
        dse_evaljob_destroy(&ej);
        return 0;
    }
    if (s_truth_key && s_truth_open(ej)) {
        dse_evaljob_destroy(&ej);
        return 1;
    }
    res->exact = 1;
    double hv_sum = 0;
    double m[DSE_MAX_METRICS];
    size_t nl = jb->n_layers;
    dse_refine_t **rf = dse_xcalloc(nl, sizeof *rf);
    dse_front_t **truth = dse_xcalloc(nl, sizeof *truth), **got = dse_xcalloc(nl, sizeof *got);
    for (size_t l = 0; l < nl; l++) {
        const dse_space_t *sp = jb->layers[l].space;
        res->points += sp->size;
        truth[l] = dse_evaljob_front_new(ej);
        got[l] = dse_evaljob_front_new(ej);
        for (uint64_t i = 0; i < sp->size; i++)
            if (s_measure(ej, l, i, m))
                dse_front_insert(truth[l], i, 0, 0, m);
        if (!(rf[l] = dse_refine_new(ej, l, mg, &err)))
            dse_error_print(&err, stderr);
        else
            dse_refine_set_mode(rf[l], mode, margin);
    }
    /* the rounds of every layer in step, the model's calibratable keys
     * refitted to all measurements between rounds, as the search does */
    dse_evaljob_t *fit_ej = NULL;
    if (dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &fit_ej, &err) != 0)
        dse_error_print(&err, stderr);
    for (int round = 0, more = 1; more; round++) {
        dse_fit_t fit;
        if (round > 0 && s_refit && fit_ej && dse_refine_refit(rf, nl, fit_ej, &fit, &err) != 0)
            dse_error_print(&err, stderr);
        if (round > 0)
            dse_refine_pool(rf, nl);
        more = 0;
        for (size_t l = 0; l < nl; l++) {
            uint64_t *idx;
            size_t n = rf[l] ? dse_refine_next(rf[l], UINT64_MAX, &idx) : 0;
            if (!n)
                continue;
            more = 1;
            res->rounds = round + 1 > res->rounds ? round + 1 : res->rounds;
            for (size_t k = 0; k < n; k++)
                if (s_measure(ej, l, idx[k], m)) {
                    dse_refine_tell(rf[l], idx[k], m);
                    dse_front_insert(got[l], idx[k], 0, 0, m);
                }
            free(idx);
        }
    }
    dse_evaljob_destroy(&fit_ej);
    for (size_t l = 0; l < nl; l++) {
        if (rf[l]) {
            res->feasible += dse_refine_feasible(rf[l]);
            res->measured += dse_refine_measured(rf[l]);
        }
        dse_front_sort(truth[l]);
        dse_front_sort(got[l]);
        res->fronts += dse_front_size(truth[l]);
        res->floor_n += s_floor(ej, l, truth[l], 1);
        if (mode == DSE_MARGIN_ADAPTIVE)
            res->floor_s += s_floor(ej, l, truth[l], margin);
        res->exact &= s_same(truth[l], got[l]);
        double ref[DSE_MAX_OBJECTIVES];
        dse_front_reference(truth[l], ref, NULL);
        double ht = dse_hypervolume(truth[l], ref);
        hv_sum += ht > 0 ? dse_hypervolume(got[l], ref) / ht : 1;
        dse_refine_destroy(&rf[l]);
        dse_front_destroy(&truth[l]);
        dse_front_destroy(&got[l]);
    }
    res->hv = hv_sum / (double)nl;
    free(rf);
    free(truth);
    free(got);
    dse_evaljob_destroy(&s_truth_ej);
    dse_evaljob_destroy(&ej);
    return 0;
}

static double s_pct(uint64_t n, uint64_t of)
{
    return of ? 100.0 * (double)n / (double)of : 0;
}

#define S_HEADER "%-34s %14s %9s %9s %7s %7s %7s %7s %9s %8s %6s %8s\n"

/* One row of the full table: refine in `mode` on a config (s_run). */
static void s_config(const char *path, int mode, double margin, double other)
{
    char label[32];
    if (s_failed)
        return; /* said once */
    if (mode == DSE_MARGIN_ADAPTIVE)
        snprintf(label, sizeof label, "adapt x%g", margin); /* margin: the safety factor */
    else if (other < 0)
        snprintf(label, sizeof label, "%.2f", margin);
    else
        snprintf(label, sizeof label, "%.2f/%g", margin, other);
    if (s_truth_key) {
        size_t n = strlen(label);
        snprintf(label + n, sizeof label - n, "%s", s_refit ? "+fit" : "");
    }
    s_res_t r;
    if (s_run(path, mode, margin, other, &r)) {
        s_failed = 1;
        return;
    }
    if (r.skipped) {
        printf("%-34s %14s  (interface classes: not handled by refine)\n", path, label);
        return;
    }
    char fl[32], fs[32] = "-";
    snprintf(fl, sizeof fl, "%.2f%%", s_pct(r.floor_n, r.points));
    if (mode == DSE_MARGIN_ADAPTIVE)
        snprintf(fs, sizeof fs, "%.2f%%", s_pct(r.floor_s, r.points));
    printf("%-34s %14s %9llu %9llu %7llu %6.2f%% %7s %7s %9llu %7.2f%% %6d %8.4f %s\n", path, label,
           (unsigned long long)r.points, (unsigned long long)r.feasible,
           (unsigned long long)r.fronts, s_pct(r.fronts, r.points), fl, fs,
           (unsigned long long)r.measured, s_pct(r.measured, r.points), r.rounds, r.hv,
           r.exact ? "exact" : "not exact");
}

/* The error amplitudes of --perturb D1,D2,... */
#define S_MAX_D 8
static double s_ds[S_MAX_D] = {S_D_DEFAULT};
static size_t s_n_ds = 1;

/* The sweep: per config, the adaptive default (margin_safety 1.5, refitted
 * between rounds) at each amplitude of s_ds: share measured, exact or not,
 * floor, floor x1.5. */
static void s_sweep(const char *const *configs, size_t n)
{
    printf("refine's adaptive margin (margin_safety %g, the default) as the stand-in's error "
           "D shrinks%s;\nper D: share of the points measured, exact (y/n), the true fronts' "
           "share, floor, floor x%g\n",
           DSE_REFINE_SAFETY, s_truth_key ? " (+ --truth, the model's keys refitted)" : "",
           DSE_REFINE_SAFETY);
    printf("%-34s %9s", "config", "points");
    for (size_t d = 0; d < s_n_ds; d++)
        printf(" | D=%-32g", s_ds[d]);
    printf("\n");
    for (size_t c = 0; c < n; c++) {
        int said = 0;
        for (size_t d = 0; d < s_n_ds; d++) {
            s_d = s_ds[d];
            s_res_t r;
            if (s_run(configs[c], DSE_MARGIN_ADAPTIVE, DSE_REFINE_SAFETY, -1, &r)) {
                s_failed = 1;
                break;
            }
            if (r.skipped) {
                printf("%-34s (interface classes: not handled by refine)", configs[c]);
                said = 1;
                break;
            }
            if (!said)
                printf("%-34s %9llu", configs[c], (unsigned long long)r.points);
            said = 1;
            printf(" | %6.2f%% %s %6.2f%% %6.2f%% %6.2f%%", s_pct(r.measured, r.points),
                   r.exact ? "y" : "n", s_pct(r.fronts, r.points), s_pct(r.floor_n, r.points),
                   s_pct(r.floor_s, r.points));
            fflush(stdout);
        }
        if (said)
            printf("\n");
    }
}

/* The true measured front of a layer (every feasible point measured). */
static dse_front_t *s_truth(const dse_evaljob_t *ej, size_t l)
{
    dse_front_t *truth = dse_evaljob_front_new(ej);
    double m[DSE_MAX_METRICS];
    for (uint64_t i = 0; i < ej->job->layers[l].space->size; i++)
        if (s_measure(ej, l, i, m))
            dse_front_insert(truth, i, 0, 0, m);
    dse_front_sort(truth);
    return truth;
}

static double s_ratio(const dse_front_t *got, const double *ref, double ht)
{
    return ht > 0 ? dse_hypervolume(got, ref) / ht : 1;
}

/* refine (adaptive margin, the default) with at most `budget` proposals,
 * the model's calibratable keys refitted to the layer's measurements
 * between rounds, as the search does. */
static double s_b_refine(const dse_evaljob_t *ej, size_t l, uint64_t budget, const double *ref,
                         double ht)
{
    dse_error_t err = DSE_ERROR_INIT;
    const dse_job_t *job = ej->job;
    dse_refine_t *r = dse_refine_new(ej, l, job->margin, &err);
    dse_evaljob_t *fit_ej = NULL;
    if (!r || dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &fit_ej, &err)) {
        dse_error_print(&err, stderr);
        dse_refine_destroy(&r);
        return NAN;
    }
    dse_refine_set_mode(r, DSE_MARGIN_ADAPTIVE, DSE_REFINE_SAFETY);
    dse_refine_t **rf = dse_xcalloc(job->n_layers, sizeof *rf);
    rf[l] = r;
    dse_front_t *got = dse_evaljob_front_new(ej);
    double m[DSE_MAX_METRICS];
    uint64_t used = 0, *idx;
    size_t n;
    for (int round = 0; used < budget; round++) {
        dse_fit_t fit;
        if (round > 0 && s_refit && dse_refine_refit(rf, job->n_layers, fit_ej, &fit, &err))
            dse_error_print(&err, stderr);
        if (round > 0)
            dse_refine_pool(rf, job->n_layers);
        if (!(n = dse_refine_next(r, budget - used, &idx)))
            break;
        used += n;
        for (size_t k = 0; k < n; k++)
            if (s_measure(ej, l, idx[k], m)) {
                dse_refine_tell(r, idx[k], m);
                dse_front_insert(got, idx[k], 0, 0, m);
            }
        free(idx);
    }
    double q = s_ratio(got, ref, ht);
    free(rf);
    dse_evaljob_destroy(&fit_ej);
    dse_refine_destroy(&r);
    dse_front_destroy(&got);
    return q;
}

/* nsga2 until `budget` feasible points are measured. */
static double s_b_nsga2(const dse_evaljob_t *ej, size_t l, uint64_t budget, const double *ref,
                        double ht)
{
    const dse_job_t *job = ej->job;
    const dse_space_t *sp = job->layers[l].space;
    dse_nsga2_opts_t o = {.population = 16, .budget = sp->size, .stall = 1000000, .seed = 1};
    dse_nsga2_t *g = dse_nsga2_new(sp, job->model->n_metrics, job->n_layer_objectives,
                                   job->layer_objectives, &o);
    dse_front_t *got = dse_evaljob_front_new(ej);
    double m[DSE_MAX_METRICS];
    uint64_t used = 0;
    const uint64_t *idx;
    size_t n;
    while (used < budget && (n = dse_nsga2_propose(g, &idx)) > 0)
        for (size_t k = 0; k < n && used < budget; k++)
            if (s_measure(ej, l, idx[k], m)) {
                used++;
                dse_nsga2_tell(g, idx[k], 0, 0, m);
                dse_front_insert(got, idx[k], 0, 0, m);
            }
    double q = s_ratio(got, ref, ht);
    dse_nsga2_destroy(&g);
    dse_front_destroy(&got);
    return q;
}

/* random: a seeded permutation until `budget` feasible points. */
static double s_b_random(const dse_evaljob_t *ej, size_t l, uint64_t budget, const double *ref,
                         double ht)
{
    const dse_space_t *sp = ej->job->layers[l].space;
    dse_perm_t p;
    dse_perm_init(&p, sp->size, 1);
    dse_front_t *got = dse_evaljob_front_new(ej);
    double m[DSE_MAX_METRICS];
    uint64_t used = 0;
    for (uint64_t pos = 0; pos < sp->size && used < budget; pos++) {
        uint64_t i = dse_perm_at(&p, pos);
        if (s_measure(ej, l, i, m)) {
            used++;
            dse_front_insert(got, i, 0, 0, m);
        }
    }
    double q = s_ratio(got, ref, ht);
    dse_front_destroy(&got);
    return q;
}

static int s_open(const char *path, dse_evaljob_t **ej)
{
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load(path, &job, &err) || dse_evaljob_new(&job, ej, &err)) {
        dse_error_print(&err, stderr);
        return 1;
    }
    if ((*ej)->job->model->iface) {
        fprintf(stderr, "bench-refine: %s: model '%s' has interface classes: not handled by "
                "refine\n", path, (*ej)->job->model->name);
        dse_evaljob_destroy(ej);
        return 1;
    }
    if (s_truth_key && s_truth_open(*ej)) {
        dse_evaljob_destroy(ej);
        return 1;
    }
    return 0;
}

static int s_layer_arg(const dse_evaljob_t *ej, const char *a, size_t *l)
{
    char *end;
    unsigned long v = strtoul(a, &end, 10);
    if (*a == 0 || *end || v >= ej->job->n_layers) {
        fprintf(stderr, "bench-refine: layer '%s': want 0 to %zu\n", a, ej->job->n_layers - 1);
        return 1;
    }
    *l = v;
    return 0;
}

static int s_budgets(const char *path, const char *layer)
{
    dse_evaljob_t *ej = NULL;
    if (s_open(path, &ej))
        return 1;
    size_t l0 = 0, l1 = ej->job->n_layers;
    if (layer) {
        if (s_layer_arg(ej, layer, &l0)) {
            dse_evaljob_destroy(&ej);
            return 1;
        }
        l1 = l0 + 1;
    }
    static const double pct[] = {1, 2, 5};
    printf("%-34s %5s %7s %5s %7s %8s %8s %8s\n", "config", "layer", "points", "pct", "budget",
           "refine", "nsga2", "random");
    for (size_t l = l0; l < l1; l++) {
        const dse_space_t *sp = ej->job->layers[l].space;
        dse_front_t *truth = s_truth(ej, l);
        double ref[DSE_MAX_OBJECTIVES];
        dse_front_reference(truth, ref, NULL);
        double ht = dse_hypervolume(truth, ref);
        for (size_t b = 0; b < sizeof pct / sizeof *pct; b++) {
            uint64_t budget = (uint64_t)ceil((double)sp->size * pct[b] / 100);
            printf("%-34s %5zu %7llu %4.0f%% %7llu %8.4f %8.4f %8.4f\n", path, l,
                   (unsigned long long)sp->size, pct[b], (unsigned long long)budget,
                   s_b_refine(ej, l, budget, ref, ht), s_b_nsga2(ej, l, budget, ref, ht),
                   s_b_random(ej, l, budget, ref, ht));
        }
        dse_front_destroy(&truth);
    }
    dse_evaljob_destroy(&ej);
    return 0;
}

static int s_dump(const char *path, const char *layer)
{
    dse_evaljob_t *ej = NULL;
    size_t l;
    if (s_open(path, &ej))
        return 1;
    if (s_layer_arg(ej, layer, &l)) {
        dse_evaljob_destroy(&ej);
        return 1;
    }
    const dse_job_t *job = ej->job;
    const dse_space_t *sp = job->layers[l].space;
    dse_front_t *truth = s_truth(ej, l);
    double ref[DSE_MAX_OBJECTIVES];
    dse_front_reference(truth, ref, NULL);
    printf("domains");
    for (size_t p = 0; p < sp->n_params; p++)
        printf(" %zu", sp->n_values[p]);
    printf("\nreference");
    for (size_t j = 0; j < job->n_layer_objectives; j++)
        printf(" %.17g", ref[j]);
    printf("\nhypervolume %.17g\n", dse_hypervolume(truth, ref));
    double m[DSE_MAX_METRICS];
    for (uint64_t i = 0; i < sp->size; i++)
        if (s_measure(ej, l, i, m)) {
            printf("%llu", (unsigned long long)i);
            for (size_t j = 0; j < job->n_layer_objectives; j++)
                printf(" %.17g", m[job->layer_objectives[j]]);
            printf("\n");
        }
    dse_front_destroy(&truth);
    dse_evaljob_destroy(&ej);
    return 0;
}

/* --perturb D[,D...]: each in (0, 0.5). Returns 0, or 2 (said). */
static int s_perturb_arg(const char *a)
{
    s_n_ds = 0;
    for (const char *p = a;;) {
        char *end;
        double d = strtod(p, &end);
        if (end == p || (*end != ',' && *end != 0) || !(d > 0 && d < 0.5) ||
            s_n_ds == S_MAX_D) {
            fprintf(stderr, "bench-refine: --perturb '%s': want the stand-in's error amplitude "
                    "D, a number in (0, 0.5) (or up to %d of them, comma-separated)\n", a,
                    S_MAX_D);
            return 2;
        }
        s_ds[s_n_ds++] = d;
        if (*end == 0)
            break;
        p = end + 1;
    }
    s_d = s_ds[0];
    return 0;
}

static int s_usage(void)
{
    fprintf(stderr, "usage: bench-refine [--perturb D[,D...]] [--truth KEY=VALUE] [CONFIG...]\n"
            "       bench-refine [--perturb D] [--truth KEY=VALUE] --budgets CONFIG [LAYER]\n"
            "       bench-refine [--perturb D] [--truth KEY=VALUE] --dump CONFIG LAYER\n");
    return 2;
}

int main(int argc, char **argv)
{
    int a = 1;
    while (a < argc) {
        if (!strcmp(argv[a], "--perturb") && a + 1 < argc) {
            if (s_perturb_arg(argv[a + 1]))
                return 2;
            a += 2;
        } else if (!strcmp(argv[a], "--truth") && a + 1 < argc) {
            const char *eq = strchr(argv[a + 1], '=');
            static char key[64];
            char *end;
            if (!eq || eq == argv[a + 1] || (size_t)(eq - argv[a + 1]) >= sizeof key ||
                (s_truth_value = strtod(eq + 1, &end), end == eq + 1 || *end)) {
                fprintf(stderr, "bench-refine: --truth '%s': want KEY=VALUE (a hardware key "
                        "of the config's model and a number)\n", argv[a + 1]);
                return 2;
            }
            memcpy(key, argv[a + 1], (size_t)(eq - argv[a + 1]));
            key[eq - argv[a + 1]] = 0;
            s_truth_key = key;
            a += 2;
        } else {
            break;
        }
    }
    int rc;
    if (a < argc && (!strcmp(argv[a], "--budgets") || !strcmp(argv[a], "--dump"))) {
        int dump = !strcmp(argv[a], "--dump");
        if (s_n_ds > 1) {
            fprintf(stderr, "bench-refine: %s takes one --perturb value\n", argv[a]);
            return 2;
        }
        if (dump ? argc - a != 3 : argc - a < 2 || argc - a > 3)
            return s_usage();
        rc = dump ? s_dump(argv[a + 1], argv[a + 2])
                  : s_budgets(argv[a + 1], argc - a == 3 ? argv[a + 2] : NULL);
        dse_evaljob_destroy(&s_truth_ej);
        return rc;
    }
    if (a < argc && argv[a][0] == '-')
        return s_usage();
    static const char *const dflt[] = {"configs/quickstart.toml", "configs/dscnn-infer.toml",
                                       "configs/resnet8-train.toml",
                                       "configs/mobilenetv2-siracusa.toml",
                                       "configs/slm-prefill.toml", "configs/cnv-w2a2-pynq.toml"};
    const char *const *configs = a < argc ? (const char *const *)argv + a : dflt;
    size_t n = a < argc ? (size_t)(argc - a) : sizeof dflt / sizeof *dflt;
    if (s_n_ds > 1) {
        s_sweep(configs, n);
        return s_failed;
    }
    if (s_truth_key)
        printf("refine with a stand-in measurement: the model with %s=%g, times (1 + %g u); "
               "+fit: refitting the model's keys between rounds; floors on the model with "
               "%s=%g (a perfect calibration)\n", s_truth_key, s_truth_value, s_d, s_truth_key,
               s_truth_value);
    else
        printf("refine with a stand-in measurement (model latency x (1 + %g u)), "
               "every round to the end\n", s_d);
    /* the declared margin that guarantees the exact fronts under the
     * stand-in's error: eps >= (1 + delta) / (1 - delta) - 1, delta = 1 /
     * (1 - D) - 1, rounded up to a hundredth (0.12 at D = 0.05) */
    double delta = 1 / (1 - s_d) - 1, eps = ceil(100 * ((1 + delta) / (1 - delta) - 1)) / 100;
    printf(S_HEADER, "config", "margin", "points", "feasible", "front", "fshare", "floor",
           "floorS", "measured", "share", "rounds", "hv");
    for (size_t i = 0; i < n; i++) {
        if (s_truth_key) {
            for (s_refit = 1; s_refit >= 0; s_refit--) {
                s_config(configs[i], DSE_MARGIN_DECLARED, eps, -1);
                s_config(configs[i], DSE_MARGIN_DECLARED, eps, 0);
                s_config(configs[i], DSE_MARGIN_ADAPTIVE, 1, -1);
                s_config(configs[i], DSE_MARGIN_ADAPTIVE, DSE_REFINE_SAFETY, -1);
            }
            continue;
        }
        s_config(configs[i], DSE_MARGIN_DECLARED, eps, -1);
        s_config(configs[i], DSE_MARGIN_DECLARED, eps, 0); /* the others are exact */
        s_config(configs[i], DSE_MARGIN_DECLARED, 0, -1);
        s_config(configs[i], DSE_MARGIN_ADAPTIVE, 1, -1);
        s_config(configs[i], DSE_MARGIN_ADAPTIVE, DSE_REFINE_SAFETY, -1); /* the default */
    }
    return s_failed;
}
