/* baseline.c - a model's baseline as points of the job's spaces. */
#include "hwmodels/baseline.h"

#include <stdlib.h>

#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

int dse_baseline_points(const dse_job_t *job, const char *name, uint64_t *points,
                        dse_error_t *err)
{
    const dse_hwmodel_t *m = job->model;
    double **params = dse_xcalloc(job->n_layers, sizeof *params);
    for (size_t l = 0; l < job->n_layers; l++)
        params[l] = dse_xcalloc(DSE_MAX_PARAMS, sizeof **params);
    int rc = m->baseline(job, name, params, err);
    for (size_t l = 0; l < job->n_layers && rc == 0; l++) {
        int miss = dse_space_find(job->layers[l].space, params[l], &points[l]);
        if (miss < 0) {
            size_t p = (size_t)(-1 - miss);
            char v[64];
            dse_fmt_double(v, sizeof v, params[l][p]);
            rc = dse_error_set(err, DSE_EINVAL, job->path, job->layers[l].line,
                               job->layers[l].col,
                               "baseline '%s' picks %s = %s for layer '%s', which is not in "
                               "the layer's space: it cannot run as a strategy (baselines.csv "
                               "shows it beside every strategy)",
                               name, m->params[p].name, v, job->layers[l].name);
        }
    }
    for (size_t l = 0; l < job->n_layers; l++)
        free(params[l]);
    free(params);
    return rc;
}
