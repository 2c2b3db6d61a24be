/* strategy.c - the search strategies a job may name (see strategy.h). */
#include "config/strategy.h"

#include <string.h>

#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

#define S_DEFAULT_BUDGET 1000000ULL /* DSE_BUDGET_SAMPLE when [search] budget is 0 */

static const dse_strategy_decl_t s_decls[DSE_STRATEGY__COUNT] = {
    [DSE_STRATEGY_EXHAUSTIVE] = {.id = DSE_STRATEGY_EXHAUSTIVE, .name = "exhaustive",
                                 .budget = DSE_BUDGET_ALL},
    [DSE_STRATEGY_RANDOM] = {.id = DSE_STRATEGY_RANDOM, .name = "random",
                             .settings = DSE_STRATEGY_SEED | DSE_STRATEGY_BUDGET,
                             .budget = DSE_BUDGET_SAMPLE},
    [DSE_STRATEGY_NSGA2] = {.id = DSE_STRATEGY_NSGA2, .name = "nsga2",
                            .settings = DSE_STRATEGY_SEED | DSE_STRATEGY_BUDGET |
                                        DSE_STRATEGY_POPULATION,
                            .budget = DSE_BUDGET_SAMPLE},
    [DSE_STRATEGY_REFINE] = {.id = DSE_STRATEGY_REFINE, .name = "refine",
                             .settings = DSE_STRATEGY_BUDGET | DSE_STRATEGY_MARGIN,
                             .budget = DSE_BUDGET_MEASURED, .measured = 1},
    [DSE_STRATEGY_BASELINE] = {.id = DSE_STRATEGY_BASELINE, .name = NULL,
                               .budget = DSE_BUDGET_PER_LAYER},
};

const dse_strategy_decl_t *dse_strategy_decl(dse_strategy_id_t id)
{
    return (unsigned)id < DSE_STRATEGY__COUNT ? &s_decls[id] : NULL;
}

int dse_strategy_find(const dse_job_t *job, const char *name)
{
    for (size_t i = 0; i < DSE_STRATEGY__COUNT; i++)
        if (s_decls[i].name && strcmp(s_decls[i].name, name) == 0)
            return (int)i;
    const dse_hwmodel_t *m = job->model;
    for (size_t i = 0; m && m->baseline && m->baselines && m->baselines[i]; i++)
        if (strcmp(m->baselines[i], name) == 0)
            return DSE_STRATEGY_BASELINE;
    return -1;
}

dse_strategy_id_t dse_strategy_of(const dse_job_t *job)
{
    int id = dse_strategy_find(job, job->strategy);
    return id < 0 ? DSE_STRATEGY_BASELINE : (dse_strategy_id_t)id;
}

size_t dse_strategy_names(const dse_job_t *job, const char ***names)
{
    const dse_hwmodel_t *m = job->model;
    size_t nb = 0;
    while (m && m->baseline && m->baselines && m->baselines[nb])
        nb++;
    const char **v = dse_xcalloc(DSE_STRATEGY__COUNT + nb, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < DSE_STRATEGY__COUNT; i++)
        if (s_decls[i].name)
            v[n++] = s_decls[i].name;
    for (size_t i = 0; i < nb; i++)
        v[n++] = m->baselines[i];
    *names = v;
    return n;
}

uint64_t dse_strategy_budget(const dse_job_t *job)
{
    long double total = 0;
    for (size_t i = 0; i < job->n_layers; i++)
        total += (long double)job->layers[i].space->size;
    uint64_t all = total > (long double)UINT64_MAX ? UINT64_MAX : (uint64_t)total;
    switch (dse_strategy_decl(dse_strategy_of(job))->budget) {
    case DSE_BUDGET_ALL:
        return all;
    case DSE_BUDGET_MEASURED: /* measurements; 0 = as many as it takes */
        return job->budget > 0 && (uint64_t)job->budget < all ? (uint64_t)job->budget : all;
    case DSE_BUDGET_PER_LAYER:
        return job->n_layers;
    case DSE_BUDGET_SAMPLE:
        break;
    }
    uint64_t b = job->budget > 0 ? (uint64_t)job->budget : S_DEFAULT_BUDGET;
    return b < all ? b : all;
}
