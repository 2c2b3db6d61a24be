/* baseline.h - a model's baseline as points of the job's spaces.
 *
 * A baseline (hwmodel.h: baselines, baseline()) picks parameter values for
 * every layer; when each of those is a value of the layer's domain, the
 * baseline is one point per layer and can run as a search strategy.
 */
#ifndef DSE_BASELINE_H
#define DSE_BASELINE_H

#include <stdint.h>

#include "core/error.h"
#include "core/job.h"

/* The point of each layer's space (points[layer]) that the model's
 * baseline `name` picks. Fails (DSE_EINVAL, err at the layer) when a value
 * it picks is not in the layer's space, or with the baseline's own error. */
int dse_baseline_points(const dse_job_t *job, const char *name, uint64_t *points,
                        dse_error_t *err);

#endif
