/* pareto.h - Pareto fronts of evaluated points (all objectives minimised).
 *
 * A front holds rows; each row is a point index, an interface class pair
 * (cin, cout; 0, 0 when the model has no interface classes) and `width`
 * doubles (every metric of the point). Dominance looks only at the objective
 * columns obj[0 .. n_obj) and only compares rows of the same class pair: rows
 * of different classes never evict each other, so that the network
 * composition (search/compose) stays exact.
 *
 * Ties: among rows of one class with identical objective vectors, only the
 * lowest point index is kept. Together with dse_front_sort() this makes a
 * front a pure function of the set of rows offered to it, whatever the order
 * (the worker count, unit order and re-issued units do not change results).
 *
 * NaN: a row whose objective columns contain a NaN is not comparable with
 * anything; such a row is never kept (insert returns 0, filter drops it).
 * Non-objective columns may hold any value, NaN included.
 *
 * Comparisons use C's <, so -0.0 and 0.0 are equal objective values.
 */
#ifndef DSE_PARETO_H
#define DSE_PARETO_H

#include <stddef.h>
#include <stdint.h>

typedef struct dse_front dse_front_t;

/* Creates an empty front of rows of `width` doubles whose objectives are the
 * columns obj[0 .. n_obj) (copied; 1 <= n_obj, each < width). Never NULL. */
dse_front_t *dse_front_new(size_t width, size_t n_obj, const int *obj);
/* Frees the front and sets *f to NULL; safe on NULL or an already freed front. */
void dse_front_destroy(dse_front_t **f);
/* Removes every row (keeps the memory). */
void dse_front_clear(dse_front_t *f);

/* Offers a row to a front that is non-dominated (built by insert, filter or
 * merge). Returns 1 if the row was kept (evicting the rows of its class it
 * dominates or ties with a higher index), 0 if it is dominated, ties with a
 * row of lower index, or has a NaN objective. (Equal objectives and equal
 * index: the row whose bytes compare lower stays, as in the filter, so the
 * result never depends on the order of insertion.) Cost: one pass over the
 * rows; allocation only by amortised growth. */
int dse_front_insert(dse_front_t *f, uint64_t index, int64_t cin, int64_t cout, const double *row);
/* Appends a row without any check; dse_front_filter() then reduces the front. */
void dse_front_push(dse_front_t *f, uint64_t index, int64_t cin, int64_t cout, const double *row);
/* Reduces the rows to the non-dominated set (per class pair, ties to the
 * lowest index, NaN objectives dropped) and leaves them in canonical order.
 * Small fronts (as from random-like data): one insertion pass, O(n * front).
 * Otherwise a sort and a sweep: O(n log n) for 1 to 3 objectives, about
 * O(n log^2 n) for 4 (staircases in a Fenwick tree; a memmove per kept row
 * in the worst case); beyond, a sweep that scans the kept rows until that
 * has cost about O(n log n), then asks a k-d tree of the rows (O(n log n)
 * to build, a query visits the nodes its corners cannot rule out). A
 * filter after pushes onto a filtered front sorts only the rows
 * pushed since. Measured rates: build/bench-pareto. */
void dse_front_filter(dse_front_t *f);
/* dst = non-dominated(dst U src) in canonical order. Same width and
 * objectives required (asserted). Idempotent, commutative and associative as
 * sets of rows. */
void dse_front_merge(dse_front_t *dst, const dse_front_t *src);
/* dst = non-dominated(dst U src[0] U ... U src[k-1]); src entries may be NULL. */
void dse_front_merge_many(dse_front_t *dst, const dse_front_t *const *src, size_t k);
/* Canonical order: by (cin, cout), then objectives lexicographically, then
 * index, then the remaining columns (so that equal sets sort identically). */
void dse_front_sort(dse_front_t *f);

size_t dse_front_size(const dse_front_t *f);
uint64_t dse_front_index(const dse_front_t *f, size_t i);
int64_t dse_front_cin(const dse_front_t *f, size_t i);
int64_t dse_front_cout(const dse_front_t *f, size_t i);
/* The `width` doubles of row i (borrowed; valid until the front changes). */
const double *dse_front_row(const dse_front_t *f, size_t i);
size_t dse_front_width(const dse_front_t *f);
size_t dse_front_n_obj(const dse_front_t *f);
/* The objective columns (borrowed, n_obj entries). */
const int *dse_front_obj(const dse_front_t *f);

/* Hypervolume dominated by the rows of f (all classes together) and bounded
 * by the reference point ref (n_obj values, in objective order): the volume
 * of { x : x < ref and some row r has r <= x }. Rows not strictly better
 * than ref in every objective add nothing. Exact: O(n log n) for 1 and 2
 * objectives; 3 objectives by a sweep over the third with a 2-D staircase
 * in a balanced tree (O(n log n)); 4 and 5 by slicing on the last
 * objective down to the 3-D sweep (HSO: O(n^2 log n) for 4, O(n^3 log n)
 * for 5).
 * Returns NAN for more than 5 objectives. */
double dse_hypervolume(const dse_front_t *f, const double *ref);

/* The reference point the project states its hypervolumes against, from
 * the front itself: on each objective the worst value plus 10% of the
 * range (plus 1 when the range is 0), so that the extreme points count and
 * the figure is reproducible. Fills ref (and ideal, the best values, when
 * not NULL) with n_obj values; zeros for an empty front. */
void dse_front_reference(const dse_front_t *f, double *ref, double *ideal);

/* Reorders idx[a .. b) so that position m holds the index whose value
 * pt[idx * stride + j] is m-th among them (a quickselect with a three-way
 * partition; deterministic). The k-d trees here and in search/compose use
 * it for their median splits. */
void dse_select_by_value(size_t *idx, size_t a, size_t b, size_t m, const double *pt,
                         size_t stride, size_t j);

#endif
