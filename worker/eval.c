/* eval.c - building jobs for evaluation and evaluating units. */
#include "worker/eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

_Thread_local int dse_eval_in_worker;

int dse_evaljob_new(dse_job_t **job_p, dse_evaljob_t **out, dse_error_t *err)
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
        int rc = m->prepare(job, i, &ej->ctx[i], err);
        if (rc) {
            if (err && !err->file[0])
                snprintf(err->file, sizeof err->file, "%s", job->path);
            if (err && err->line == 0)
                err->line = job->layers[i].line, err->col = job->layers[i].col;
            dse_evaljob_destroy(&ej);
            return rc;
        }
    }
    ej->canonical = dse_job_canonical(job);
    dse_job_digest(ej->canonical, ej->digest);
    *out = ej;
    return 0;
}

int dse_evaljob_from_text(const char *canonical, size_t len, dse_evaljob_t **out,
                          dse_error_t *err)
{
    dse_job_t *job = NULL;
    *out = NULL;
    int rc = dse_config_parse("<job>", canonical, len, DSE_CONFIG_CANONICAL, &job, err);
    if (rc)
        return rc;
    return dse_evaljob_new(&job, out, err);
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
static inline int s_keep(const dse_job_t *job, const double *metrics)
{
    for (size_t i = 0; i < job->n_layer_objectives; i++)
        if (!isfinite(metrics[job->layer_objectives[i]]))
            return 0;
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        if (k->metric >= 0 && !dse_cmp_holds(k->cmp, metrics[k->metric], k->bound))
            return 0;
    }
    return 1;
}

int dse_eval_params(const dse_evaljob_t *ej, size_t layer, const double *params, double *metrics)
{
    const dse_hwmodel_t *m = ej->job->model;
    if (!m->evaluate(ej->ctx[layer], params, metrics))
        return 0;
    return s_keep(ej->job, metrics);
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
    for (uint64_t i = 0; i < count; i++) {
        if (cancel && (i & 1023) == 1023 && atomic_load(cancel))
            return DSE_EINTR;
        uint64_t idx = indices ? indices[i] : lo + i;
        if (idx >= s->size)
            return DSE_EINVAL;
        dse_space_decode(s, idx, params);
        cnt->evaluated++;
        if (!m->evaluate(ctx, params, metrics) || !s_keep(job, metrics)) {
            cnt->infeasible++;
            continue;
        }
        cnt->feasible++;
        int64_t cin = 0, cout = 0;
        if (m->iface)
            m->iface(ctx, params, &cin, &cout);
        dse_front_insert(front, idx, cin, cout, metrics);
        if (all)
            dse_front_push(all, idx, cin, cout, metrics);
    }
    return 0;
}

double dse_eval_rate(const dse_evaljob_t *ej, size_t layer)
{
    const dse_space_t *s = ej->job->layers[layer].space;
    dse_front_t *f = dse_evaljob_front_new(ej);
    dse_counters_t cnt = {0};
    uint64_t n = 64;
    double t0 = dse_now(), dt = 0;
    /* double the sample until it takes a few milliseconds */
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
