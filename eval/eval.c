/* eval.c - building jobs for evaluation and evaluating units. */
#include "eval/eval.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/evaluator.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "eval/measure.h"

_Thread_local char dse_eval_failure[512];

static int s_evaljob_new(dse_job_t **job_p, unsigned flags, dse_evaljob_t **out,
                         dse_error_t *err)
{
    dse_job_t *job = *job_p;
    *job_p = NULL;
    *out = NULL;
    const dse_hwmodel_t *m = job->model;
    if (!m->evaluate) {
        dse_error_set(err, DSE_ENOTSUP, job->path, 0, 0,
                      "model '%s' declares its parameters but its cost function is not built "
                      "yet: it cannot run jobs", m->name);
        dse_job_destroy(&job);
        return DSE_ENOTSUP;
    }
    dse_evaljob_t *ej = dse_xcalloc(1, sizeof *ej);
    ej->job = job;
    ej->ctx = dse_xcalloc(job->n_layers, sizeof *ej->ctx);
    for (size_t i = 0; i < job->n_layers; i++) {
        if (!m->prepare)
            continue;
        int rc = m->prepare(job, i, flags, &ej->ctx[i], err);
        if (rc) {
            if (err && !err->file[0])
                snprintf(err->file, sizeof err->file, "%s", job->path);
            if (err && err->line == 0)
                err->line = job->layers[i].line, err->col = job->layers[i].col;
            dse_evaljob_destroy(&ej);
            return rc;
        }
    }
    for (size_t i = 0; m->batch_metrics && m->batch_metrics[i]; i++) {
        int k = dse_model_metric(m, m->batch_metrics[i]);
        assert(k >= 0 && k < DSE_MAX_METRICS); /* a model's own table */
        ej->batch_metric[k] = 1;
    }
    for (size_t i = 0; i < job->n_layers; i++)
        ej->any_batch |= job->layers[i].batch > 1;
    ej->canonical = dse_job_canonical(job);
    dse_job_digest(ej->canonical, ej->digest);
    *out = ej;
    return 0;
}

int dse_evaljob_new(dse_job_t **job_p, dse_evaljob_t **out, dse_error_t *err)
{
    return s_evaljob_new(job_p, 0, out, err);
}

int dse_evaljob_from_text(const char *canonical, size_t len, unsigned flags,
                          dse_evaljob_t **out, dse_error_t *err)
{
    dse_job_t *job = NULL;
    *out = NULL;
    int rc = dse_config_parse("<job>", canonical, len, DSE_CONFIG_CANONICAL, &job, err);
    if (rc)
        return rc;
    return s_evaljob_new(&job, flags, out, err);
}

void dse_evaljob_destroy(dse_evaljob_t **ej_p)
{
    if (!ej_p || !*ej_p)
        return;
    dse_evaljob_t *ej = *ej_p;
    if (ej->job) {
        for (size_t i = 0; i < ej->job->n_layers; i++)
            if (ej->ctx[i] && ej->job->model->release)
                ej->job->model->release(ej->ctx[i]);
    }
    free(ej->ctx);
    free(ej->canonical);
    dse_job_destroy(&ej->job);
    free(ej);
    *ej_p = NULL;
}

dse_front_t *dse_evaljob_front_new(const dse_evaljob_t *ej)
{
    return dse_front_new(ej->job->model->n_metrics, ej->job->n_layer_objectives,
                         ej->job->layer_objectives);
}

/* Model feasibility, finite objectives, and the per-layer constraints. */
static inline int s_finite(const dse_job_t *job, const double *metrics)
{
    for (size_t i = 0; i < job->n_layer_objectives; i++)
        if (!isfinite(metrics[job->layer_objectives[i]]))
            return 0;
    return 1;
}

/* Whether a point the model found feasible passes the job's per-layer
 * checks: finite objectives and the per-layer constraints. */
static inline int s_passes(const dse_job_t *job, const double *metrics)
{
    if (!s_finite(job, metrics))
        return 0;
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        if (k->metric >= 0 && !dse_cmp_holds(k->cmp, metrics[k->metric], k->bound))
            return 0;
    }
    return 1;
}

/* A layer's batch: the metrics that count work per sample, times B. */
static inline void s_batch(const dse_evaljob_t *ej, size_t layer, double *metrics)
{
    if (!ej->any_batch)
        return;
    double b = (double)ej->job->layers[layer].batch;
    if (b == 1)
        return;
    for (size_t k = 0; k < ej->job->model->n_metrics; k++)
        if (ej->batch_metric[k])
            metrics[k] *= b;
}

int dse_eval_keep(const dse_job_t *job, const double *metrics)
{
    return s_passes(job, metrics);
}

int dse_eval_finite(const dse_job_t *job, const double *metrics)
{
    return s_finite(job, metrics);
}

/* Tallies an infeasible point (core/why.h): the model's reason when
 * evaluate() failed (ok = 0), else the first constraint it breaks. */
static inline void s_why(const dse_job_t *job, int ok, const double *metrics, dse_why_t *w)
{
    if (!ok) {
        double r = metrics[0];
        if (job->model->n_reasons && r >= 1 && r <= (double)job->model->n_reasons &&
            r <= DSE_WHY_MODEL)
            dse_why_add(w, (unsigned)r - 1u, metrics[1]);
        return;
    }
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        double v = k->metric >= 0 ? metrics[k->metric] : 0;
        if (k->metric >= 0 && !dse_cmp_holds(k->cmp, v, k->bound)) {
            int ge = k->cmp == DSE_CMP_GE || k->cmp == DSE_CMP_GT;
            if (isfinite(v))
                dse_why_add(w, (unsigned)(DSE_WHY_MODEL + i), ge ? -v : v);
            return;
        }
    }
}

void dse_eval_tally(const dse_job_t *job, int ok, const double *metrics, dse_why_t *w)
{
    s_why(job, ok, metrics, w);
}

int dse_eval_params(const dse_evaljob_t *ej, size_t layer, const double *params, double *metrics)
{
    const dse_hwmodel_t *m = ej->job->model;
    if (!m->evaluate(ej->ctx[layer], params, metrics))
        return 0;
    s_batch(ej, layer, metrics);
    return s_passes(ej->job, metrics);
}

/* A feasible point: counted, and offered to the unit's front (and to all). */
static inline void s_add_feasible(const dse_hwmodel_t *m, const void *ctx, uint64_t idx,
                                  const double *params, const double *metrics,
                                  dse_front_t *front, dse_front_t *all, dse_counters_t *cnt)
{
    cnt->feasible++;
    int64_t cin = 0, cout = 0;
    if (m->iface)
        m->iface(ctx, params, &cin, &cout);
    dse_front_insert(front, idx, cin, cout, metrics);
    if (all)
        dse_front_push(all, idx, cin, cout, metrics);
}

_Static_assert(DSE_MAX_PARAMS <= 32, "parameter sets are 32-bit masks");

/* What the model's monotone hook says about an infeasible point: the set of
 * parameters in which raising values keeps it infeasible (0 = nothing).
 * model_ok tells whether evaluate() accepted it (then a "<=" or "<"
 * constraint on a metric that cannot decrease is what rules it out).
 * ask[0] / ask[1 + i]: whether the layer can claim anything at all for the
 * model's own checks / for constraint i (asked once per unit). */
static uint32_t s_dead_set(const dse_job_t *job, const void *ctx, const double *params,
                           const double *metrics, int model_ok, const unsigned char *ask)
{
    const dse_hwmodel_t *m = job->model;
    if (!model_ok)
        return ask[0] ? m->monotone(ctx, params, -1) : 0;
    uint32_t best = 0;
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        if (!ask[1 + i])
            continue;
        double v = metrics[k->metric];
        /* a NaN breaks the bound without saying anything about larger points */
        if (!isfinite(v) || dse_cmp_holds(k->cmp, v, k->bound))
            continue;
        uint32_t set = m->monotone(ctx, params, k->metric);
        if (__builtin_popcount(set) > __builtin_popcount(best))
            best = set;
    }
    return best;
}

/* Fills ask for s_dead_set; returns whether anything can be claimed. */
static int s_ask(const dse_job_t *job, const void *ctx, unsigned char *ask)
{
    const dse_hwmodel_t *m = job->model;
    int any = ask[0] = m->monotone(ctx, NULL, -1) != 0;
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        ask[1 + i] = k->metric >= 0 && (k->cmp == DSE_CMP_LE || k->cmp == DSE_CMP_LT) &&
                     m->monotone(ctx, NULL, k->metric) != 0;
        any |= ask[1 + i];
    }
    return any;
}

/* A region of a unit known to be infeasible: the points of [from, end) whose
 * digits below `level` are >= digit[j] for the parameters of ge and equal to
 * digit[j] for the others. Built from one infeasible point p at `from` with
 * a monotone set S (ge, without parameter 0) whose highest parameter with
 * more than one value is `level` (so level >= 1, and a row never straddles
 * `end`): the points of [from, end), end = the end of p's block at
 * level + 1, share p's digits above level and have digit[level] >= p's, so
 * those that pass the test are exactly the points after p that the hook's
 * claim covers. */
typedef struct {
    uint64_t end;
    size_t level;
    uint32_t ge;
    size_t digit[DSE_MAX_PARAMS];
} s_dead_t;

/* Regions kept at once; beyond, new ones are dropped (less skipping, still
 * sound). */
#define S_MAX_DEAD 32

/* Whether the digits 1 .. level-1 of a row (the points that differ only in
 * digit 0) pass a region's test. */
static inline int s_row_matches(const s_dead_t *d, const size_t *dig)
{
    for (size_t j = 1; j < d->level; j++) {
        if (d->ge >> j & 1u) {
            if (dig[j] < d->digit[j])
                return 0;
        } else if (dig[j] != d->digit[j]) {
            return 0;
        }
    }
    return 1;
}

/* Moves idx (with its digits) k points on; k > 1 decodes afresh. */
static inline void s_advance(const dse_space_t *s, size_t *dig, uint64_t *idx, uint64_t k,
                             uint64_t hi)
{
    *idx += k;
    if (*idx >= hi)
        return;
    if (k > 1) {
        dse_space_digits(s, *idx, dig);
        return;
    }
    for (size_t p = 0; p < s->n_params; p++) {
        if (++dig[p] < s->n_values[p])
            break;
        dig[p] = 0;
    }
}

/* dse_eval_points on a range: digits advance as an odometer (no division
 * per point) and, when use_hook, what the model's hook proves infeasible is
 * skipped. Two ways: runs (the claim covers a contiguous block right
 * after the point: its set holds parameter 0 and every parameter up to some
 * level L whose digits below L are all first values) are jumped at once; a
 * claim without parameter 0 becomes a region, tested once per row (per
 * value of digits 1..), which leaves one digit-0 value per region and row
 * to skip, found by one bit test per point. */
static int s_eval_range(const dse_evaljob_t *ej, size_t layer, uint64_t lo, uint64_t hi,
                        int use_hook, dse_front_t *front, dse_front_t *all, dse_counters_t *cnt,
                        const atomic_int *cancel)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    const dse_space_t *s = job->layers[layer].space;
    const void *ctx = ej->ctx[layer];
    double params[DSE_MAX_PARAMS];
    double metrics[DSE_MAX_METRICS];
    size_t dig[DSE_MAX_PARAMS];
    uint32_t single = 0; /* parameters with one value: "larger" is "equal" */
    uint64_t stride[DSE_MAX_PARAMS + 1];
    stride[0] = 1;
    for (size_t p = 0; p < s->n_params; p++) {
        if (s->n_values[p] == 1)
            single |= 1u << p;
        stride[p + 1] = stride[p] * s->n_values[p];
    }
    unsigned char ask[1 + DSE_MAX_CONSTRAINTS];
    if (use_hook)
        use_hook = s_ask(job, ctx, ask);
    s_dead_t dead[S_MAX_DEAD];
    size_t n_dead = 0;
    /* the current row: the digit-0 values in row_eq (values < 64) are dead */
    int row_valid = 0;
    uint64_t row_eq = 0;
    uint64_t idx = lo, turn = 0;
    if (lo < hi)
        dse_space_digits(s, lo, dig);
    while (idx < hi) {
        if (cancel && (++turn & 1023) == 0 && atomic_load(cancel))
            return DSE_EINTR;
        if (!row_valid || dig[0] == 0) {
            row_eq = 0;
            for (size_t r = 0; r < n_dead;) {
                const s_dead_t *d = &dead[r];
                if (idx >= d->end) { /* rows never straddle an end: level >= 1 */
                    dead[r] = dead[--n_dead];
                    continue;
                }
                if (d->digit[0] < 64 && s_row_matches(d, dig))
                    row_eq |= (uint64_t)1 << d->digit[0];
                r++;
            }
            row_valid = 1;
        }
        if (dig[0] < 64 && (row_eq >> dig[0] & 1u)) {
            cnt->skipped++;
            s_advance(s, dig, &idx, 1, hi);
            continue;
        }
        for (size_t p = 0; p < s->n_params; p++)
            params[p] = s->values[p][dig[p]];
        cnt->evaluated++;
        metrics[0] = 0; /* the reason slot of an infeasible point (hwmodel.h) */
        int ok = m->evaluate(ctx, params, metrics);
        if (ok)
            s_batch(ej, layer, metrics);
        if (ok && s_passes(job, metrics)) {
            s_add_feasible(m, ctx, idx, params, metrics, front, all, cnt);
            s_advance(s, dig, &idx, 1, hi);
            continue;
        }
        cnt->infeasible++;
        s_why(job, ok, metrics, &cnt->why);
        if (!use_hook) {
            s_advance(s, dig, &idx, 1, hi);
            continue;
        }
        uint32_t set = s_dead_set(job, ctx, params, metrics, ok, ask);
        if (!set) {
            s_advance(s, dig, &idx, 1, hi);
            continue;
        }
        set |= single;
        size_t level = s->n_params;
        while (level > 0 && !((set & ~single) >> (level - 1) & 1u))
            level--;
        if (level-- == 0) {
            s_advance(s, dig, &idx, 1, hi); /* nothing larger to skip */
            continue;
        }
        /* The run right after idx: while the digits below level lv are all
         * at their first (smallest) value and in the set, every point up
         * to the end of idx's block at level lv has digits >= idx's in the
         * set and equal elsewhere. */
        size_t lv = 0;
        uint64_t run = 0;
        if (set & 1u) {
            while (lv < level && dig[lv] == 0 && (set >> (lv + 1) & 1u))
                lv++;
            run = (s->n_values[lv] - dig[lv]) * stride[lv] - 1;
            if (run > hi - idx - 1)
                run = hi - idx - 1;
        }
        /* The rest of the claim becomes a region only when the claim leaves
         * parameter 0 out. With parameter 0 in, each later block the claim
         * reaches starts with a point that will be evaluated, found
         * infeasible and jumped from: a region would save that one
         * evaluation per block but cost a check on every row, which is
         * more (measured: pulp-cluster evaluates a cached point in about
         * as many instructions as a region check of a row). */
        if (!(set & 1u) && n_dead < S_MAX_DEAD) {
            s_dead_t *d = &dead[n_dead++];
            d->end = idx - idx % stride[level + 1] + stride[level + 1];
            d->level = level;
            d->ge = set;
            memcpy(d->digit, dig, sizeof d->digit[0] * s->n_params);
        }
        cnt->skipped += run;
        s_advance(s, dig, &idx, 1 + run, hi);
        if (run > 0)
            row_valid = 0;
    }
    return 0;
}

/* Measured points: the model decides feasibility; a feasible point is
 * measured, and kept with its measured metrics whatever the constraints
 * (the coordinator applies them, after caching the measurement). The
 * first failure stops the unit with DSE_EFAIL and dse_eval_failure. */
static int s_eval_measured(const dse_evaljob_t *ej, size_t layer, uint64_t lo, uint64_t count,
                           const uint64_t *indices, dse_front_t *front, dse_front_t *all,
                           dse_counters_t *cnt, const atomic_int *cancel)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    const dse_space_t *s = job->layers[layer].space;
    const void *ctx = ej->ctx[layer];
    double params[DSE_MAX_PARAMS];
    double metrics[DSE_MAX_METRICS];
    for (uint64_t i = 0; i < count; i++) {
        if (cancel && atomic_load(cancel))
            return DSE_EINTR;
        uint64_t idx = indices ? indices[i] : lo + i;
        if (idx >= s->size)
            return DSE_EINVAL;
        dse_space_decode(s, idx, params);
        cnt->evaluated++;
        if (!m->evaluate(ctx, params, metrics)) {
            cnt->infeasible++;
            s_why(job, 0, metrics, &cnt->why);
            continue;
        }
        int rc = dse_measure_point(ej, layer, idx, params, metrics, cancel, dse_eval_failure,
                                   sizeof dse_eval_failure);
        if (rc)
            return rc;
        if (!s_finite(job, metrics)) {
            cnt->infeasible++;
            continue;
        }
        s_add_feasible(m, ctx, idx, params, metrics, front, all, cnt);
    }
    return 0;
}

int dse_eval_points(const dse_evaljob_t *ej, size_t layer, uint64_t lo, uint64_t hi,
                    const uint64_t *indices, size_t n, dse_front_t *front, dse_front_t *all,
                    dse_counters_t *cnt, const atomic_int *cancel)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    const dse_space_t *s = job->layers[layer].space;
    const void *ctx = ej->ctx[layer];
    double params[DSE_MAX_PARAMS];
    double metrics[DSE_MAX_METRICS];
    uint64_t count = indices ? n : (hi > lo ? hi - lo : 0);
    if (!indices && hi > s->size)
        return DSE_EINVAL;
    if (job->evaluator)
        return s_eval_measured(ej, layer, lo, count, indices, front, all, cnt, cancel);
    /* Skipping works on ranges (exhaustive units), where the points a
     * monotone claim covers come later in the same unit. */
    if (!indices && s->n_params >= 1 && s->n_params <= DSE_MAX_PARAMS)
        return s_eval_range(ej, layer, lo, hi, m->monotone && !ej->no_skip, front, all, cnt,
                            cancel);
    for (uint64_t i = 0; i < count; i++) {
        if (cancel && (i & 1023) == 1023 && atomic_load(cancel))
            return DSE_EINTR;
        uint64_t idx = indices ? indices[i] : lo + i;
        if (idx >= s->size)
            return DSE_EINVAL;
        dse_space_decode(s, idx, params);
        cnt->evaluated++;
        metrics[0] = 0;
        int ok = m->evaluate(ctx, params, metrics);
        if (ok)
            s_batch(ej, layer, metrics);
        if (!ok || !s_passes(job, metrics)) {
            cnt->infeasible++;
            s_why(job, ok, metrics, &cnt->why);
            continue;
        }
        s_add_feasible(m, ctx, idx, params, metrics, front, all, cnt);
    }
    return 0;
}

double dse_eval_rate(const dse_evaljob_t *ej, size_t layer)
{
    const dse_space_t *s = ej->job->layers[layer].space;
    dse_front_t *f = dse_evaljob_front_new(ej);
    dse_counters_t cnt = {0};
    uint64_t n = 1;
    double t0 = dse_now(), dt = 0;
    /* double the sample until it takes a few milliseconds; from one point,
     * so that a model that takes seconds per point costs one point here */
    for (;;) {
        uint64_t step = s->size / n ? s->size / n : 1;
        uint64_t idx[4096];
        uint64_t k = 0;
        for (uint64_t i = 0; i < n && k < 4096; i++)
            idx[k++] = (i * step) % s->size;
        dse_eval_points(ej, layer, 0, 0, idx, k, f, NULL, &cnt, NULL);
        dt = dse_now() - t0;
        if (dt > 0.005 || n >= 4096)
            break;
        n *= 2;
    }
    dse_front_destroy(&f);
    double rate = (double)cnt.evaluated / (dt > 1e-9 ? dt : 1e-9);
    return rate;
}
