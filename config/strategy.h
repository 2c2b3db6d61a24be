/* strategy.h - the search strategies a job may name, declared.
 *
 * One table (config/strategy.c) gives each strategy its name, the [search]
 * settings it reads and how its budget is counted; config validates
 * `strategy` against it (and against the model's baselines, which run as
 * the strategy DSE_STRATEGY_BASELINE). What a strategy does, its units and
 * how it learns, is its entry in search/search.c's table, indexed by the
 * same id.
 */
#ifndef DSE_STRATEGY_H
#define DSE_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "core/job.h"

typedef enum {
    DSE_STRATEGY_EXHAUSTIVE,
    DSE_STRATEGY_RANDOM,
    DSE_STRATEGY_NSGA2,
    DSE_STRATEGY_REFINE,
    DSE_STRATEGY_BASELINE, /* a baseline of the model, by its name (hwmodel.h) */
    DSE_STRATEGY__COUNT
} dse_strategy_id_t;

/* The [search] settings a strategy reads, as bits. */
enum {
    DSE_STRATEGY_SEED = 1u << 0,       /* seed */
    DSE_STRATEGY_BUDGET = 1u << 1,     /* budget */
    DSE_STRATEGY_POPULATION = 1u << 2, /* population, stall_generations */
    DSE_STRATEGY_MARGIN = 1u << 3,     /* margin */
};

/* How the evaluations a strategy may spend are counted. */
typedef enum {
    DSE_BUDGET_ALL,       /* every point of every layer */
    DSE_BUDGET_SAMPLE,    /* [search] budget (0: 10^6), at most every point */
    DSE_BUDGET_MEASURED,  /* [search] budget of measurements (0: every point) */
    DSE_BUDGET_PER_LAYER, /* one point per layer */
} dse_budget_rule_t;

typedef struct {
    dse_strategy_id_t id;
    const char *name; /* NULL for DSE_STRATEGY_BASELINE: the model's baseline names */
    unsigned settings;
    dse_budget_rule_t budget;
    int measured; /* 1: needs [evaluator] kind = "command" */
} dse_strategy_decl_t;

/* The declaration of a strategy id (< DSE_STRATEGY__COUNT). */
const dse_strategy_decl_t *dse_strategy_decl(dse_strategy_id_t id);

/* The id of a strategy name: a declared name, else DSE_STRATEGY_BASELINE
 * when the job's model has a baseline of that name, else -1. */
int dse_strategy_find(const dse_job_t *job, const char *name);

/* The id of the job's strategy (validated: never -1 for a parsed job). */
dse_strategy_id_t dse_strategy_of(const dse_job_t *job);

/* The names a job may give as `strategy`: the declared ones, then the
 * model's baselines that can run. Returns how many; *names is the caller's
 * to free (the strings are borrowed). */
size_t dse_strategy_names(const dse_job_t *job, const char ***names);

/* The evaluations the job's search may spend (see dse_budget_rule_t). */
uint64_t dse_strategy_budget(const dse_job_t *job);

#endif
