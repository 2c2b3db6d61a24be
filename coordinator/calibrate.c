/* calibrate.c - fitting calibratable hardware keys to cached measurements. */
#include "coordinator/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "eval/measure.h"

typedef struct {
    size_t layer;
    double params[DSE_MAX_PARAMS];
    double measured;
} s_sample_t;

typedef struct {
    dse_evaljob_t *ej;
    s_sample_t *s;
    size_t n;
    int metric;
} s_data_t;

/* Prepares every layer again with the job's current hardware values. */
static int s_prepare(dse_evaljob_t *ej, dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    for (size_t i = 0; i < job->n_layers && m->prepare; i++) {
        if (ej->ctx[i] && m->release)
            m->release(ej->ctx[i]);
        ej->ctx[i] = NULL;
        int rc = m->prepare(job, i, 0, &ej->ctx[i], err);
        if (rc)
            return rc;
    }
    return 0;
}

/* Sum of squared log errors (and mean relative error); a point the model
 * finds infeasible with these values costs a large fixed penalty. */
static double s_loss(const s_data_t *d, double *mean_rel)
{
    const dse_job_t *job = d->ej->job;
    double m[DSE_MAX_METRICS], sum = 0, rel = 0;
    for (size_t i = 0; i < d->n; i++) {
        const s_sample_t *s = &d->s[i];
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
    if (s_prepare(d->ej, NULL) != 0)
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

int dse_calibrate(dse_evaljob_t *ej, dse_mcache_t *cache, const char *path,
                  dse_calibration_t *out, dse_error_t *err)
{
    dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    memset(out, 0, sizeof *out);
    size_t n_cal = 0;
    for (size_t k = 0; k < m->n_preset_keys; k++)
        n_cal += m->preset_keys[k].cal_lo < m->preset_keys[k].cal_hi;
    if (!n_cal)
        return dse_error_set(err, DSE_ENOTSUP, job->path, 0, 0, "model '%s' declares no "
                             "calibratable hardware key", m->name);
    s_data_t d = {ej, NULL, 0, job->layer_objectives[0]};
    size_t cap = 0, width = m->n_metrics;
    double params[DSE_MAX_PARAMS], metrics[DSE_MAX_METRICS], meas[DSE_MAX_METRICS];
    for (size_t l = 0; l < job->n_layers; l++) {
        const dse_space_t *sp = job->layers[l].space;
        for (uint64_t i = 0; i < sp->size; i++) {
            dse_space_decode(sp, i, params);
            if (!m->evaluate(ej->ctx[l], params, metrics))
                continue;
            char *key = dse_measure_key(ej, l, params);
            int64_t ci, co;
            int hit = dse_mcache_get(cache, key, width, &ci, &co, meas);
            free(key);
            if (!hit || !(meas[d.metric] > 0))
                continue;
            if (d.n == cap)
                d.s = dse_xrealloc(d.s, (cap = cap ? 2 * cap : 256) * sizeof *d.s);
            d.s[d.n].layer = l;
            memcpy(d.s[d.n].params, params, sizeof params);
            d.s[d.n].measured = meas[d.metric];
            d.n++;
        }
    }
    if (!d.n) {
        free(d.s);
        return dse_error_set(err, DSE_ENOTFOUND, job->path, 0, 0, "the cache %s holds no "
                             "measurement of this job: run it first (with the same [evaluator] "
                             "and cache)", dse_mcache_dir(cache));
    }
    double before[DSE_MAX_PRESET_KEYS];
    memcpy(before, job->hw, sizeof before);
    out->points = d.n;
    out->rms_before = sqrt(s_loss(&d, &out->mean_before) / (double)d.n);
    for (int sweep = 0; sweep < 3; sweep++)
        for (size_t k = 0; k < m->n_preset_keys; k++)
            if (m->preset_keys[k].cal_lo < m->preset_keys[k].cal_hi)
                s_fit_key(&d, k);
    out->rms_after = sqrt(s_loss(&d, &out->mean_after) / (double)d.n);
    free(d.s);

    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "# calibrated-%s.toml: written by dse-run --calibrate from %zu measured "
                         "points of job '%s'\n# (%s fitted by least squares on log(%s)).\n"
                         "# Error of the model against the measurements, before -> after:\n"
                         "#   rms of log(model / measured) %.4f -> %.4f; mean relative error "
                         "%.2f%% -> %.2f%%\n",
                    job->name, out->points, job->name, m->name, m->metrics[job->layer_objectives[0]].name,
                    out->rms_before, out->rms_after, 100 * out->mean_before,
                    100 * out->mean_after);
    dse_strbuf_addf(&sb, "model = \"%s\"\ndescription = \"%s calibrated to the measurements of "
                         "job %s\"\nsource = \"dse-run --calibrate\"\n\n", m->name,
                    job->hardware[0] ? job->hardware : m->name, job->name);
    char buf[64];
    for (size_t k = 0; k < m->n_preset_keys; k++) {
        const dse_key_decl_t *kd = &m->preset_keys[k];
        if (kd->cal_lo < kd->cal_hi) {
            dse_fmt_double(buf, sizeof buf, before[k]);
            dse_strbuf_addf(&sb, "# fitted within [%g, %g], was %s; rms log error %.4f -> %.4f, "
                                 "mean relative error %.2f%% -> %.2f%%\n", kd->cal_lo, kd->cal_hi,
                            buf, out->rms_before, out->rms_after, 100 * out->mean_before,
                            100 * out->mean_after);
        }
        if (kd->kind == DSE_VAL_ENUM) {
            dse_strbuf_addf(&sb, "%s = \"%s\"\n", kd->name, kd->choices[(size_t)job->hw[k]]);
        } else if (kd->kind == DSE_VAL_INT) {
            dse_strbuf_addf(&sb, "%s = %lld\n", kd->name, (long long)job->hw[k]);
        } else {
            dse_fmt_double(buf, sizeof buf, job->hw[k]);
            dse_strbuf_addf(&sb, "%s = %s%s\n", kd->name, buf, strpbrk(buf, ".eEn") ? "" : ".0");
        }
    }
    size_t len;
    char *text = dse_strbuf_detach(&sb, &len);
    int rc = dse_write_file_atomic(path, text, len, err);
    free(text);
    return rc;
}
