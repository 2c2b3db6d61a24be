/* calibrate.c - fitting calibratable hardware keys to cached measurements. */
#include "coordinator/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "search/fit.h"
#include "eval/measure.h"

int dse_calibrate(dse_evaljob_t *ej, dse_mcache_t *cache, const char *path,
                  dse_calibration_t *out, dse_error_t *err)
{
    dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    memset(out, 0, sizeof *out);
    if (!dse_fit_n_keys(m))
        return dse_error_set(err, DSE_ENOTSUP, job->path, 0, 0, "model '%s' declares no "
                             "calibratable hardware key", m->name);
    int metric = job->layer_objectives[0];
    dse_fit_sample_t *smp = NULL;
    size_t n = 0, cap = 0, width = m->n_metrics;
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
            if (!hit || !(meas[metric] > 0))
                continue;
            if (n == cap)
                smp = dse_xrealloc(smp, (cap = cap ? 2 * cap : 256) * sizeof *smp);
            smp[n].layer = l;
            memcpy(smp[n].params, params, sizeof params);
            smp[n].measured = meas[metric];
            n++;
        }
    }
    if (!n) {
        free(smp);
        return dse_error_set(err, DSE_ENOTFOUND, job->path, 0, 0, "the cache %s holds no "
                             "measurement of this job: run it first (with the same [evaluator] "
                             "and cache)", dse_mcache_dir(cache));
    }
    double before[DSE_MAX_PRESET_KEYS];
    memcpy(before, job->hw, sizeof before);
    dse_fit_t fit;
    int rc = dse_fit(ej, smp, n, metric, &fit, err);
    free(smp);
    if (rc)
        return rc;
    out->points = fit.points;
    out->rms_before = fit.rms_before;
    out->rms_after = fit.rms_after;
    out->mean_before = fit.mean_before;
    out->mean_after = fit.mean_after;

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
    rc = dse_write_file_atomic(path, text, len, err);
    free(text);
    return rc;
}
