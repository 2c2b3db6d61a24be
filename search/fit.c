/* fit.c - fitting calibratable hardware keys to measurements (see fit.h). */
#include "search/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define S_MAX_SWEEPS 50

typedef struct {
    dse_evaljob_t *ej;
    const dse_fit_sample_t *s;
    size_t n;
    int metric;
    const unsigned char *used; /* layers with samples (NULL: every layer) */
} s_data_t;

size_t dse_fit_n_keys(const dse_hwmodel_t *m)
{
    size_t n = 0;
    for (size_t k = 0; k < m->n_preset_keys; k++)
        n += m->preset_keys[k].cal_lo < m->preset_keys[k].cal_hi;
    return n;
}

/* Prepares the layers again with the job's current hardware values: those
 * marked in used, or every layer (used NULL). */
static int s_prepare(dse_evaljob_t *ej, const unsigned char *used, dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    for (size_t i = 0; i < job->n_layers && m->prepare; i++) {
        if (used && !used[i])
            continue;
        if (ej->ctx[i] && m->release)
            m->release(ej->ctx[i]);
        ej->ctx[i] = NULL;
        int rc = m->prepare(job, i, 0, &ej->ctx[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

int dse_fit_prepare(dse_evaljob_t *ej, dse_error_t *err)
{
    return s_prepare(ej, NULL, err);
}

/* Sum of squared log errors (and mean relative error); a point the model
 * finds infeasible with these values costs a large fixed penalty. */
static double s_loss(const s_data_t *d, double *mean_rel)
{
    const dse_job_t *job = d->ej->job;
    double m[DSE_MAX_METRICS], sum = 0, rel = 0;
    for (size_t i = 0; i < d->n; i++) {
        const dse_fit_sample_t *s = &d->s[i];
        if (!job->model->evaluate(d->ej->ctx[s->layer], s->params, m) || !(m[d->metric] > 0)) {
            sum += 100;
            rel += 1;
            continue;
        }
        double e = log(m[d->metric] / s->measured);
        sum += e * e;
        rel += fabs(m[d->metric] - s->measured) / s->measured;
    }
    if (mean_rel)
        *mean_rel = d->n ? rel / (double)d->n : 0;
    return sum;
}

static double s_at(s_data_t *d, size_t key, double v)
{
    const dse_key_decl_t *k = &d->ej->job->model->preset_keys[key];
    d->ej->job->hw[key] = k->kind == DSE_VAL_INT ? round(v) : v;
    /* the loss reads the layers with samples only; every layer is
     * prepared again once the fit ends */
    if (s_prepare(d->ej, d->used, NULL) != 0)
        return INFINITY;
    return s_loss(d, NULL);
}

/* Golden-section search of one key within its bounds; keeps the best value
 * seen (the current one included). */
static void s_fit_key(s_data_t *d, size_t key)
{
    const dse_key_decl_t *k = &d->ej->job->model->preset_keys[key];
    double best_v = d->ej->job->hw[key], best = s_at(d, key, best_v);
    double a = k->cal_lo, b = k->cal_hi, g = (sqrt(5) - 1) / 2;
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = s_at(d, key, x1), f2 = s_at(d, key, x2);
    for (int it = 0; it < 40 && b - a > 1e-6 * (fabs(a) + fabs(b) + 1); it++) {
        if (f1 < best)
            best = f1, best_v = x1;
        if (f2 < best)
            best = f2, best_v = x2;
        if (f1 <= f2) {
            b = x2, x2 = x1, f2 = f1;
            x1 = b - g * (b - a);
            f1 = s_at(d, key, x1);
        } else {
            a = x1, x1 = x2, f1 = f2;
            x2 = a + g * (b - a);
            f2 = s_at(d, key, x2);
        }
    }
    s_at(d, key, best_v);
}

int dse_fit(dse_evaljob_t *ej, const dse_fit_sample_t *s, size_t n, int metric, dse_fit_t *out,
            dse_error_t *err)
{
    const dse_hwmodel_t *m = ej->job->model;
    unsigned char *used = dse_xcalloc(ej->job->n_layers + 1, 1);
    for (size_t i = 0; i < n; i++)
        used[s[i].layer] = 1;
    s_data_t d = {ej, s, n, metric, used};
    memset(out, 0, sizeof *out);
    out->points = n;
    int rc = s_prepare(ej, NULL, err);
    if (rc) {
        free(used);
        return rc;
    }
    out->rms_before = n ? sqrt(s_loss(&d, &out->mean_before) / (double)n) : 0;
    /* sweeps until one gains less than 1e-6 of the loss: keys that trade
     * off against each other (DMA bandwidth against setup cost) need more
     * than a few to leave the valley the first key fitted falls into */
    double loss = s_loss(&d, NULL);
    for (int sweep = 0; sweep < S_MAX_SWEEPS && n; sweep++) {
        for (size_t k = 0; k < m->n_preset_keys; k++)
            if (m->preset_keys[k].cal_lo < m->preset_keys[k].cal_hi)
                s_fit_key(&d, k);
        double now = s_loss(&d, NULL);
        int done = !(loss - now > 1e-6 * loss);
        loss = now;
        if (done)
            break;
    }
    free(used);
    d.used = NULL;
    if ((rc = s_prepare(ej, NULL, err)))
        return rc;
    out->rms_after = n ? sqrt(s_loss(&d, &out->mean_after) / (double)n) : 0;
    return 0;
}
