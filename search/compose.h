/* compose.h - the exact network front from per-layer fronts.
 *
 * A network deployment picks one row of each layer's front. Its network
 * metrics aggregate per-layer columns over the layers (SUM, MAX, or MEAN;
 * sums are accumulated in layer order, MEAN is that sum divided by the
 * number of layers). The network front is the set of deployments that meet
 * the constraints, join compatible interface classes between neighbouring
 * layers, and are not dominated on the network objectives (minimised).
 *
 * Method: a dynamic program over the layers. The "steering" values of a
 * partial deployment (layers 0..l) are its accumulated aggregates of the
 * objectives, of the <= / < constrained metrics, and negated, of the >= / >
 * constrained metrics (== constraints: both). Partials are kept per out
 * class of their last layer (different classes have different futures) and
 * filtered to a Pareto front of their steering values with core/pareto.
 * Every aggregation is monotone (IEEE addition and max are monotone), so a
 * partial A that is <= B on every steering value makes A + C feasible when
 * B + C is and at least as good, for every completion C; with the tie key
 * below, A + C also wins a tie. So dropping B loses nothing. Partials whose
 * <= / < constrained metrics cannot be met any more (partial value plus the
 * least the remaining layers can add) are dropped early; the exact
 * constraint check is on the final values. Non-objective metrics are
 * aggregated along, so each output row holds the exact values of its
 * choices. More reductions follow from the same argument (a dropped
 * candidate is always beaten, or tied and preceded in the tie key, by a
 * candidate that is generated):
 * - a budget on an objective steers once (a repeated column decides
 *   nothing);
 * - out classes that are compatible with exactly the same in classes of
 *   the next layer share one front (same futures);
 * - a parent only tries the rows that no earlier row (point-index order)
 *   of the same group beats on every steering source;
 * - MAX absorption: with a MAX steering column, a parent whose running max
 *   covers rows r and r' gives both candidates the same max, so r is not
 *   tried when such an r' beats it on the other columns. This is what
 *   makes FPGA pipelines (max cycles with summed resources) cheap: once a
 *   slow layer is chosen, only the cheapest foldings of the faster layers
 *   matter.
 * - Killers, the mirror of MAX absorption: a parent p' that is slower
 *   than a parent p but <= it on every other steering value (same class)
 *   gives every row r at least as slow as p' a candidate (p', r) <= (p,
 *   r), since both take r's value as their max. A parent's killer (the
 *   fastest such p' a bounded branch and bound in a k-d tree over the
 *   parents finds) takes the rows at least as slow as itself from p,
 *   unless the exact vectors of the two candidates say otherwise
 *   (rounding, or a tie that p would win). Parents go through the menu
 *   entries by death, so each one reads only the entries it may join.
 * Cost: per layer, O(m log m) for m = candidates when there are at most 3
 * steering values, O(m log^2 m) for 4 (core/pareto's sweep; O(m x front)
 * in its worst case); beyond, a sweep with a k-d tree over the candidates
 * (about O(m sqrt(front)) on CNV). Measured times: README, "Network
 * front" (bench/compose.sh, bench/scaling.sh).
 *
 * Bounds from known networks: when a pass keeps more than bounds_after
 * partials after a layer and a budget on a non-objective metric steers, a
 * quick pass with epsilon boxes finds complete feasible networks; the exact
 * pass then drops each partial that one of them beats strictly on every
 * completion's lower bound (its aggregates plus the least the remaining
 * layers add). Such a partial can neither reach the front nor decide a
 * tie on it, so the result is unchanged, byte for byte. The check comes
 * before the dominance filter (what such a candidate would evict there is
 * beaten too: the bound is monotone), against the known networks in a k-d
 * tree, and the exact pass goes on from the partials the first pass kept
 * at the layer where it stopped, less the beaten ones, instead of
 * starting again.
 *
 * Work limit: each layer's candidates and the dominance comparisons they
 * will cost are counted before it starts; past max_work in all the
 * composition stops with DSE_ERANGE, the estimate and what to change.
 * After each layer a forecast of the remaining layers (the partial
 * fronts' growth on the layers with more than one row, decaying as
 * observed, and the candidates a parent made) refuses the job at once
 * when it is beyond twice the limit: an out-of-reach job stops after its
 * first layers, not at the layer that passes the limit.
 *
 * Epsilon (> 0): every layer's filter compares objectives through boxes of
 * ratio (1 + epsilon)^(1 / n_layers) (objectives with values >= 0 and no
 * == budget; other steering values stay exact). The output holds real,
 * feasible networks, and every network x of the exact front that meets
 * each budget on an objective divided by 1 + epsilon has an output row y
 * with y <= (1 + epsilon) x on every objective (y <= x where x < 0).
 *
 * Exactness: the result is exactly the front of all combinations of the
 * given rows. It is also the front of the full joint space when each layer
 * front was filtered (per class pair, as core/pareto does) on at least the
 * source columns of the objectives and of the <= / < constrained metrics;
 * >= / > / == constraints need the whole space for that.
 *
 * Ties: among deployments with equal objective vectors, the kept one has the
 * lexicographically smallest tie key: its steering values after the last
 * layer, then after the layer before, ..., after layer 0, then its vector
 * of per-layer point indices. (Plain "smallest point vector" would not
 * survive the pruning: a dominated partial can tie under a later MAX.) The
 * key depends on values and point indices only, never on row positions, so
 * the result does not depend on the order of rows in the layer fronts. The
 * output is sorted by objectives (its objective vectors are distinct).
 */
#ifndef DSE_COMPOSE_H
#define DSE_COMPOSE_H

#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/job.h"
#include "core/pareto.h"
#include "hwmodels/hwmodel.h"

/* One step of aggregating a per-layer value v into a network value acc
 * (MEAN accumulates a sum; divide by the number of layers at the end). */
static inline double dse_agg_combine(dse_agg_t agg, double acc, double v)
{
    if (agg == DSE_AGG_MAX) {
        if (isnan(acc) || isnan(v))
            return NAN;
        return v > acc ? v : acc;
    }
    return acc + v;
}

typedef struct {
    size_t n_layers;
    const dse_front_t *const *layers; /* per-layer fronts (rows = all per-layer metrics) */
    size_t n_net;                     /* network metrics */
    const int *net_source;            /* per network metric: the per-layer column it aggregates */
    const dse_agg_t *net_agg;         /* DSE_AGG_SUM, DSE_AGG_MAX or DSE_AGG_MEAN */
    size_t n_obj;
    const int *obj;                   /* network objectives: indices into the network metrics */
    /* network constraints: network metric index, comparison, bound */
    size_t n_cons;
    const int *cons_metric;
    const dse_cmp_t *cons_cmp;
    const double *cons_bound;
    /* interface compatibility of layer i's out class with layer i+1's in
     * class (NULL = everything is compatible, classes are ignored) */
    int (*compatible)(const void *arg, int64_t prev_out, int64_t next_in);
    const void *compatible_arg;
    size_t max_front; /* 0 = unlimited; else DSE_ERANGE when partial or final fronts exceed it */
    /* polled now and then: non-zero stops with DSE_EINTR (NULL = never) */
    const volatile sig_atomic_t *stop;
    /* comparisons the passes may make in all, estimated per layer before
     * it starts from its candidates (a partial network joined with a layer
     * row) and the partials they are filtered against; a layer that would
     * go beyond is refused before it starts, with DSE_ERANGE and the
     * estimate (0 = DSE_COMPOSE_MAX_WORK) */
    uint64_t max_work;
    /* 0 = the exact front; > 0: relative epsilon-dominance (see above) */
    double epsilon;
    /* 1 = no bounds from known networks (the composition before them;
     * for tests, which compare both) */
    int no_bounds;
    /* partial networks after a layer beyond which pass 1 gives way to
     * passes 2 and 3 (0 = 20,000; tests set 1 to force the bounds) */
    size_t bounds_after;
    /* called after each layer of each pass (NULL = never): pass 1 is the
     * plain composition; when it keeps too many partial networks, pass 2
     * finds networks near the front with coarse boxes and pass 3 goes on
     * from the layer after the one where pass 1 stopped, with the bounds
     * they give; partials = partial networks kept after the layer */
    void (*progress)(void *arg, int pass, size_t layer, size_t n_layers, size_t partials);
    void *progress_arg;
} dse_compose_spec_t;

/* The default work limit, in comparisons of the dominance filter: about a
 * minute on one core. */
#define DSE_COMPOSE_MAX_WORK 2000000000ULL

typedef struct dse_netfront dse_netfront_t;

/* Composes the network front. Returns 0 and *out (caller destroys), or
 * DSE_EINVAL (malformed spec: no layers, an index out of range, an
 * aggregation other than SUM/MAX/MEAN) or DSE_ERANGE (max_front exceeded)
 * with err filled and *out NULL. An empty front (nothing feasible or
 * compatible) is a success. Rows whose objectives are NaN are never kept. */
int dse_compose(const dse_compose_spec_t *spec, dse_netfront_t **out, dse_error_t *err);

/* The reference: enumerates every combination of the layer rows (exponential:
 * for tests and small checks), with the same aggregation, constraints, tie
 * key and order as dse_compose, but no pruning. Pass unfiltered "layer
 * spaces" (every point of each layer) to get the front of the joint space.
 * max_front bounds the number of combinations (0 = 10^7). Same returns as
 * dse_compose. */
int dse_compose_brute(const dse_compose_spec_t *spec, dse_netfront_t **out, dse_error_t *err);

/* The test behind the bounds from known networks (exposed for tests):
 * for each of the nq bounds lb (nq * d values) with margins tol (the
 * same), out[q] = 1 when one of the n networks pts (n * d values) is
 * <= lb everywhere and < lb - tol somewhere, else 0. way 0 asks the k-d
 * tree alone; way 1 as dse_compose does (with 3 values, a table first,
 * the tree when the table cannot tell). */
void dse_compose_known_query(const double *pts, size_t n, size_t d, const double *lb,
                             const double *tol, size_t nq, int way, int *out);

size_t dse_netfront_size(const dse_netfront_t *nf);
size_t dse_netfront_n_layers(const dse_netfront_t *nf);
size_t dse_netfront_n_net(const dse_netfront_t *nf);
/* The n_net network metric values of row i (borrowed). */
const double *dse_netfront_metrics(const dse_netfront_t *nf, size_t i);
/* The chosen row position in each layer front (n_layers entries, borrowed). */
const size_t *dse_netfront_choice(const dse_netfront_t *nf, size_t i);
/* The chosen point index in each layer (n_layers entries, borrowed). */
const uint64_t *dse_netfront_points(const dse_netfront_t *nf, size_t i);
void dse_netfront_destroy(dse_netfront_t **nf);

#endif
