/* search.h - search strategies: what to evaluate next, as units of work.
 *
 * A search turns a job into units. The coordinator leases them to workers,
 * merges what comes back, feeds the rows to the search and, when every unit
 * proposed so far has settled (done or quarantined), asks it for more.
 *
 *  exhaustive  every point of every layer, as ranges [lo, hi) of point
 *              indices.
 *  random      a sample without replacement: the first b_l positions of a
 *              seeded permutation of each layer's space (search/perm), as
 *              ranges of positions ("shuffled" units). The budget is shared
 *              out over the layers in proportion to their space sizes.
 *  nsga2       NSGA-II per layer (search/nsga2) with the same share of the
 *              budget; each generation is a set of explicit point lists.
 *              A layer whose share covers its whole space is enumerated
 *              instead (exact).
 *  a baseline  any baseline of the model (hwmodel.h), by name: its one
 *              deployment, one point per layer, when those are points of
 *              the layers' spaces (FINN's setfolding and greedy are; the
 *              PULP and Siracusa baselines pick canonical values outside
 *              the spaces, so they only run beside a strategy, in
 *              baselines.csv).
 *
 * Units are sized to about unit_seconds of work at a measured evaluation
 * rate, and numbered 0, 1, 2, ... in the order proposed. Everything a
 * search proposes depends on the job (its seed, budget, population) and on
 * the rows fed to it, never on their order or on the number of workers; a
 * wall-time limit ([search] seconds) is the one exception: it stops the
 * search between rounds or generations.
 */
#ifndef DSE_SEARCH_H
#define DSE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "eval/eval.h"
#include "eval/unit.h"
#include "search/fit.h"

/* At most this many units of ranges in one job. */
#define DSE_SEARCH_MAX_UNITS 50000000ULL

typedef struct dse_search dse_search_t;

/* Creates the search of a job (its strategy, budget, seed) and proposes
 * the first units. rate[i] is the measured points/s of layer i (NULL:
 * measured here with dse_eval_rate). Fails with DSE_ERANGE when ranges
 * would need more than DSE_SEARCH_MAX_UNITS units. */
int dse_search_new(const dse_evaljob_t *ej, double unit_seconds, const double *rate,
                   dse_search_t **out, dse_error_t *err);
void dse_search_destroy(dse_search_t **s);

/* Units proposed so far; ids are 0 .. n-1. */
uint64_t dse_search_n_units(const dse_search_t *s);
/* The unit with this id (< dse_search_n_units). Borrowed pointers stay
 * valid until the search is destroyed. */
void dse_search_unit(const dse_search_t *s, uint64_t id, dse_unit_t *u);
/* The feasible rows a unit returned (each row `width` metrics). Only the
 * strategies that learn (nsga2) look at them; call once per unit. */
void dse_search_feed(dse_search_t *s, uint64_t id, size_t n, const uint64_t *index,
                     const int64_t *cin, const int64_t *cout, const double *metrics);
/* Every unit proposed so far has settled: propose more. elapsed is the
 * job's wall time so far; slots the number of units the workers can hold
 * at once (a round of a time-limited search is at least that many units).
 * Returns the number of new units; 0 = the search is over. */
/* Appends n one-point list units of a layer (the points idx[0 .. n)), in
 * that order, that the search does not learn from (dse_search_feed ignores
 * them): the coordinator's re-measurements ([evaluator] verify). Returns
 * the id of the first. */
uint64_t dse_search_extra(dse_search_t *s, uint32_t layer, const uint64_t *idx, size_t n);

uint64_t dse_search_advance(dse_search_t *s, double elapsed, uint64_t slots);

/* Runs the whole search in this thread, without workers: evaluates each
 * unit in order, merges its rows into fronts[layer], feeds them, and
 * advances until the search is over (elapsed time counted from the call).
 * Adds the counters to cnt (may be NULL). For benchmarks and tests: the
 * fronts equal those of a distributed run of the same job. Returns 0 or a
 * unit's error (DSE_EINVAL). */
int dse_search_run_here(dse_search_t *s, const dse_evaljob_t *ej, dse_front_t *const *fronts,
                        dse_counters_t *cnt);


/* Generations run by nsga2 (the largest over the layers); 0 otherwise. */
unsigned dse_search_generations(const dse_search_t *s);
/* The evaluations the search means to spend in all (its budget shared out,
 * or every point for exhaustive; for progress). */
uint64_t dse_search_budget(const dse_search_t *s);
/* refine: how many times the model's calibratable keys were refitted
 * between rounds, and into *last (may be NULL) the last fit's points and
 * errors, its "before" being the error before the first refit. */
unsigned dse_search_refits(const dse_search_t *s, dse_fit_t *last);

#endif
