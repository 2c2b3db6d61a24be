/* calibrate.h - fitting a model's calibratable hardware keys to the cached
 * measurements of a job (dse-run --calibrate JOB).
 *
 * The data: every model-feasible point of the job whose measurement is in
 * the cache (coordinator/mcache.h), with its measured first per-layer
 * objective (the latency). The fit: least squares on log(model) -
 * log(measured) over the keys the model declares calibratable
 * (dse_key_decl_t cal_lo < cal_hi), each kept within its bounds, by
 * coordinate descent with a golden-section search per key (integer keys
 * rounded), sweeps until they stop gaining. The result is a preset, calibrated-NAME.toml,
 * holding every hardware key of the model, the fitted ones with a comment
 * giving the error before and after.
 */
#ifndef DSE_CALIBRATE_H
#define DSE_CALIBRATE_H

#include <stdio.h>

#include "coordinator/mcache.h"
#include "core/error.h"
#include "eval/eval.h"

typedef struct {
    size_t points;           /* measured points used */
    double rms_before, rms_after;   /* root mean square of log(model / measured) */
    double mean_before, mean_after; /* mean |model - measured| / measured */
} dse_calibration_t;

/* Fits the job's calibratable keys (ej->job->hw is changed to the fitted
 * values and its layers prepared again) and writes the preset into path.
 * DSE_ENOTFOUND when the cache holds no measurement of the job, DSE_ENOTSUP
 * when the model declares no calibratable key, DSE_EIO when the file cannot
 * be written. */
int dse_calibrate(dse_evaljob_t *ej, dse_mcache_t *cache, const char *path,
                  dse_calibration_t *out, dse_error_t *err);

#endif
