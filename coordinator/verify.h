/* verify.h - [evaluator] verify: measured points measured again on another
 * worker, and disagreements beyond a tolerance flagged.
 *
 * The coordinator records every measurement it accepts for a job (the
 * worker that made it, or the cache) and, when the search is over, draws
 * the sample: per layer, the `verify` recorded points with the smallest
 * seeded hash of (job seed, layer, point), so the sample depends on the
 * set of points measured and not on the workers or their order. Each
 * sampled point is measured once more, on a worker other than the one that
 * measured it (a point from the cache may go to any worker). The two
 * measurements disagree when, on some metric, |a - b| / max(|a|, |b|)
 * exceeds verify_tolerance. The outputs keep the first measurement: the
 * coordinator cannot tell which of two workers is wrong; verify.csv and
 * summary.json name both.
 */
#ifndef DSE_VERIFY_H
#define DSE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/job.h"
#include "outputs/outputs.h"

typedef struct dse_verify dse_verify_t;

/* For a job with a command evaluator and verify > 0 (else NULL). */
dse_verify_t *dse_verify_new(const dse_job_t *job);
void dse_verify_destroy(dse_verify_t **v_p);

/* A measurement accepted for a point: by worker uid (0: taken from the
 * cache), named who ("host #uid", "cache"); metrics in the model's order.
 * A point's first measurement is the one kept. Ignored once sampled. */
void dse_verify_record(dse_verify_t *v, uint32_t layer, uint64_t point, uint64_t uid,
                       const char *who, const double *metrics);

/* Draws the sample, once (later calls return the same count): the points
 * in (layer, point) order. */
size_t dse_verify_sample(dse_verify_t *v);
size_t dse_verify_n(const dse_verify_t *v);
uint32_t dse_verify_layer(const dse_verify_t *v, size_t i);
uint64_t dse_verify_point(const dse_verify_t *v, size_t i);
/* The uid that measured sampled point i (0: the cache): it may not
 * measure it again. */
uint64_t dse_verify_first_uid(const dse_verify_t *v, size_t i);
int dse_verify_settled(const dse_verify_t *v, size_t i);

/* The second measurement of sampled point i, by uid named who; metrics
 * NULL when the worker found the point infeasible. Returns the status
 * (DSE_VERIFY_AGREE or DSE_VERIFY_DISAGREE). */
int dse_verify_check(dse_verify_t *v, size_t i, uint64_t uid, const char *who,
                     const double *metrics);
/* Sampled point i could not be measured again: why. */
void dse_verify_not(dse_verify_t *v, size_t i, const char *why);

/* The sample's results, dse_verify_n of them (pending ones have status 0). */
const dse_verified_t *dse_verify_results(const dse_verify_t *v);

#endif
