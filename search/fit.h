/* fit.h - fitting a model's calibratable hardware keys to measurements.
 *
 * The model declares which hardware keys may be fitted, and within which
 * bounds (dse_key_decl_t cal_lo < cal_hi). The fit: least squares on
 * log(model) - log(measured) of one metric (the latency), each key kept
 * within its bounds, by coordinate descent with a golden-section search
 * per key (integer keys rounded), sweeps until one gains less than
 * 1e-6 of the loss (at most 50); a point the model finds
 * infeasible with the values tried costs a fixed penalty. Used by
 * dse-run --calibrate (coordinator/calibrate.h) and by refine between
 * rounds (search/refine.h).
 */
#ifndef DSE_FIT_H
#define DSE_FIT_H

#include <stddef.h>

#include "core/error.h"
#include "hwmodels/hwmodel.h"
#include "eval/eval.h"

typedef struct {
    size_t layer;
    double params[DSE_MAX_PARAMS];
    double measured; /* the metric's measured value, > 0 */
} dse_fit_sample_t;

typedef struct {
    size_t points;                  /* samples used */
    double rms_before, rms_after;   /* root mean square of log(model / measured) */
    double mean_before, mean_after; /* mean |model - measured| / measured */
} dse_fit_t;

/* The model's calibratable keys. */
size_t dse_fit_n_keys(const dse_hwmodel_t *m);

/* Prepares every layer of ej again after its hardware values
 * (ej->job->hw) changed. Returns 0 or the model's error. */
int dse_fit_prepare(dse_evaljob_t *ej, dse_error_t *err);

/* Fits the job's calibratable keys to n samples (n > 0) of metric (a model
 * metric index): ej->job->hw holds the fitted values afterwards and every
 * layer is prepared again with them. Returns 0, or the model's error when
 * a layer cannot be prepared with the fitted values. */
int dse_fit(dse_evaljob_t *ej, const dse_fit_sample_t *s, size_t n, int metric, dse_fit_t *out,
            dse_error_t *err);

#endif
