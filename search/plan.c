/* plan.c - exhaustive unit planning. */
#include "search/plan.h"

#include <math.h>
#include <stdlib.h>

#include "core/space.h"
#include "core/util.h"

int dse_plan_exhaustive(const dse_evaljob_t *ej, double unit_seconds, const double *rate,
                        dse_plan_t **out, dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    dse_plan_t *p = dse_xcalloc(1, sizeof *p);
    p->n_layers = job->n_layers;
    p->chunk = dse_xcalloc(job->n_layers, sizeof *p->chunk);
    p->first_unit = dse_xcalloc(job->n_layers + 1, sizeof *p->first_unit);
    uint64_t total = 0;
    for (size_t i = 0; i < job->n_layers; i++) {
        uint64_t size = job->layers[i].space->size;
        double r = rate ? rate[i] : dse_eval_rate(ej, i);
        double c = r * unit_seconds;
        if (!(c >= 1))
            c = 1;
        if (c > (double)size)
            c = (double)size;
        p->chunk[i] = (uint64_t)c;
        if (p->chunk[i] == 0)
            p->chunk[i] = 1;
        uint64_t units = size / p->chunk[i] + (size % p->chunk[i] != 0);
        p->first_unit[i] = total;
        if (units > DSE_PLAN_MAX_UNITS - total) {
            dse_error_set(err, DSE_ERANGE, job->path, job->layers[i].line, job->layers[i].col,
                          "the spaces are too large for exhaustive search (more than %llu units "
                          "of %.2g s): narrow the domains", (unsigned long long)DSE_PLAN_MAX_UNITS,
                          unit_seconds);
            dse_plan_destroy(&p);
            return DSE_ERANGE;
        }
        total += units;
    }
    p->first_unit[job->n_layers] = total;
    p->n_units = total;
    *out = p;
    return 0;
}

void dse_plan_destroy(dse_plan_t **plan_p)
{
    if (!plan_p || !*plan_p)
        return;
    free((*plan_p)->chunk);
    free((*plan_p)->first_unit);
    free(*plan_p);
    *plan_p = NULL;
}

void dse_plan_unit(const dse_plan_t *p, const dse_evaljob_t *ej, uint64_t id, dse_unit_t *u)
{
    /* binary search for the layer holding unit id */
    size_t lo = 0, hi = p->n_layers;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (p->first_unit[mid] <= id)
            lo = mid;
        else
            hi = mid;
    }
    uint64_t k = id - p->first_unit[lo];
    uint64_t size = ej->job->layers[lo].space->size;
    u->id = id;
    u->layer = (uint32_t)lo;
    u->lo = k * p->chunk[lo];
    u->hi = u->lo + p->chunk[lo] < size ? u->lo + p->chunk[lo] : size;
}
