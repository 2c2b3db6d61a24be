/* eval.h - a job built for evaluation, and the evaluation of units.
 *
 * A built job owns a validated dse_job_t and the per-layer contexts of its
 * model (prepared once). Evaluating a unit decodes each point, runs the
 * model, applies the per-layer constraints and keeps the unit's local front
 * on the job's per-layer objectives. Nothing is allocated per point.
 */
#ifndef DSE_EVAL_H
#define DSE_EVAL_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/counters.h"
#include "core/error.h"
#include "core/job.h"
#include "core/pareto.h"
#include "core/why.h"

typedef struct {
    dse_job_t *job;
    void **ctx; /* per layer */
    char *canonical;
    char digest[33];
    /* the model's batch_metrics as a mask, and whether any layer has a
     * batch above 1 (then those metrics are scaled after evaluate()) */
    unsigned char batch_metric[DSE_MAX_METRICS];
    int any_batch;
    /* 0 (default): dse_eval_points skips, on ranges, the points the
     * model's monotone hook proves infeasible, counting them in `skipped`.
     * Tests and benches set 1 to evaluate every point and compare. */
    int no_skip;
} dse_evaljob_t;

/* Builds a job for evaluation: takes ownership of *job_p (set to NULL) and
 * prepares every layer. Fails (job destroyed) with DSE_ENOTSUP when the
 * model's cost function is not built, or with the model's error. */
int dse_evaljob_new(dse_job_t **job_p, dse_evaljob_t **out, dse_error_t *err);
/* The same from a canonical job text (what a worker receives). flags are
 * passed to the model's prepare (hwmodel.h: DSE_PREPARE_IN_WORKER). */
int dse_evaljob_from_text(const char *canonical, size_t len, unsigned flags,
                          dse_evaljob_t **out, dse_error_t *err);
void dse_evaljob_destroy(dse_evaljob_t **ej_p);

/* A new empty front for a layer's points: all metrics of the model as
 * columns, the job's per-layer objectives as objectives. */
dse_front_t *dse_evaljob_front_new(const dse_evaljob_t *ej);

/* Evaluates the points [lo, hi) of a layer (or, when indices is not NULL,
 * the n listed points), inserting each kept point into front and, when all
 * is not NULL, pushing it onto all as well (unfiltered). *cancel, when not
 * NULL, is polled now and then: a non-zero value stops the unit early with
 * DSE_EINTR. On a range, points the model's monotone hook proves infeasible
 * are not evaluated but counted in cnt->skipped (evaluated + skipped = hi -
 * lo); the fronts are the same as without skipping. Returns 0, DSE_EINVAL
 * for a point outside the space.
 * A job with a command evaluator measures each point the model finds
 * feasible (eval/measure.h) and keeps it whatever the per-layer
 * constraints (the coordinator applies them: dse_eval_keep); a failed
 * point stops the unit with DSE_EFAIL (or DSE_ENOTSUP when this process
 * may not run commands) and dse_eval_failure set. */
int dse_eval_points(const dse_evaljob_t *ej, size_t layer, uint64_t lo, uint64_t hi,
                    const uint64_t *indices, size_t n, dse_front_t *front, dse_front_t *all,
                    dse_counters_t *cnt, const atomic_int *cancel);

/* Evaluates one deployment given by parameter values (not necessarily in
 * the space): fills metrics; returns 1 when feasible (model and per-layer
 * constraints), 0 otherwise. */
int dse_eval_params(const dse_evaljob_t *ej, size_t layer, const double *params, double *metrics);

/* 1 when the metrics of a feasible point pass the job's per-layer checks:
 * finite objectives and the per-layer constraints. */
int dse_eval_keep(const dse_job_t *job, const double *metrics);

/* 1 when every per-layer objective of the metrics is finite (a measurement
 * the parser took may still be NaN or infinite). */
int dse_eval_finite(const dse_job_t *job, const double *metrics);

/* Tallies an infeasible point into w (core/why.h): the model's reason
 * when evaluate() failed (ok = 0), else the first constraint it breaks. */
void dse_eval_tally(const dse_job_t *job, int ok, const double *metrics, dse_why_t *w);

/* Why the last dse_eval_points of this thread failed with DSE_EFAIL (a
 * measured point failed) or DSE_ENOTSUP (this process may not run the
 * job's command). */
extern _Thread_local char dse_eval_failure[512];

/* Estimates the evaluation rate (points per second, one thread) of a layer
 * by timing a sample of its points. */
double dse_eval_rate(const dse_evaljob_t *ej, size_t layer);

#endif
