/* nsga2.h - NSGA-II on one layer's mixed-radix space.
 *
 * The genome of a point is its digit vector (one domain position per
 * parameter, core/space.h). The engine proposes generations of point
 * indices, is told the metrics of those that were feasible, and evolves:
 *  - the first generation is drawn from a seeded permutation of the space
 *    (search/perm), so it never repeats a point;
 *  - parents are chosen by binary tournament (rank, then crowding distance,
 *    then the lower index);
 *  - uniform crossover of the digit vectors, then mutation of each digit
 *    with probability 1 / (parameters with more than one value): half the
 *    time a step of +-1, +-2, ... (geometric) to a neighbouring value of
 *    that domain, half the time a uniform redraw; digits never leave their
 *    domain;
 *  - a child that was evaluated before, or twice in one generation, is
 *    bred again (at most a few times), then replaced by the next unseen
 *    point of the permutation: every evaluation is of a new point;
 *  - survival: parents and children together are sorted into fronts by
 *    constraint-domination and the best `population` kept, the last front
 *    cut by crowding distance (ties by index).
 * Constraint-domination: a feasible point beats every infeasible one;
 * feasible points compare by Pareto dominance on the objectives, and only
 * within the same interface class pair (cin, cout), as the layer fronts of
 * core/pareto do, so that every class keeps its own front for the network
 * composition. The workers report no violation amount, so infeasible
 * points rank together after every feasible one.
 *
 * The engine stops (propose returns 0) when the evaluation budget is spent,
 * when its archive (the Pareto front of everything evaluated, per class)
 * has not changed for `stall` generations (so the hypervolume of the front
 * has not grown), or when the space has no unseen point left.
 *
 * Determinism: everything depends on the seed and on the set of (index,
 * feasible, metrics) told, never on the order of the tells.
 */
#ifndef DSE_NSGA2_H
#define DSE_NSGA2_H

#include <stddef.h>
#include <stdint.h>

#include "core/space.h"

typedef struct {
    size_t population; /* individuals kept per generation (>= 4) */
    uint64_t budget;   /* evaluations at most (>= 1) */
    unsigned stall;    /* generations without archive change before stopping (>= 1) */
    uint64_t seed;
} dse_nsga2_opts_t;

typedef struct dse_nsga2 dse_nsga2_t;

/* An engine for space s (borrowed; it must outlive the engine) whose rows
 * have `width` metrics, minimising the columns obj[0 .. n_obj). */
dse_nsga2_t *dse_nsga2_new(const dse_space_t *s, size_t width, size_t n_obj, const int *obj,
                           const dse_nsga2_opts_t *o);
void dse_nsga2_destroy(dse_nsga2_t **g);

/* Closes the previous generation (selection) and proposes the next one:
 * returns its size n and *indices (sorted ascending, distinct, never
 * evaluated before; borrowed until the next call). 0 = the search is over. */
size_t dse_nsga2_propose(dse_nsga2_t *g, const uint64_t **indices);
/* The metrics (width values) of a feasible point of the current
 * generation. Points never told are infeasible. Tells of points outside the
 * generation, or repeated, are ignored. */
void dse_nsga2_tell(dse_nsga2_t *g, uint64_t index, int64_t cin, int64_t cout,
                    const double *row);

uint64_t dse_nsga2_evaluations(const dse_nsga2_t *g);
unsigned dse_nsga2_generations(const dse_nsga2_t *g);

/* Sorting into fronts (exposed for tests): n points of k objectives (row i
 * at obj[i * k]), class pairs (cin[i], cout[i]) (NULL: one class) and
 * feasibility feas[i] (NULL: all feasible). Fills rank[i] (0 = first
 * front): a feasible point's rank is the length of the longest chain of
 * points of its class that dominate one another above it; infeasible points
 * get the rank after the last feasible front. */
void dse_nsga2_rank(size_t n, size_t k, const double *obj, const int64_t *cin,
                    const int64_t *cout, const unsigned char *feas, unsigned *rank);

#endif
