/* explain.h - why a layer's points were infeasible, said for a person.
 *
 * Reads a layer's tally (core/why.h) against the model's reasons
 * (hwmodel.h) and the job's constraints.
 */
#ifndef DSE_EXPLAIN_H
#define DSE_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/job.h"
#include "core/why.h"

/* Describes the top slot of a layer's tally for a person, into buf: what
 * rejected every point evaluated (or how many of them), the closest value
 * against its bound, and what to try. For example: "conv1: no feasible
 * point; every point needs at least 83 KiB of l1_bytes, above the 64 KiB of
 * the preset (l1_bytes); try tile_cin, smaller tiles, ... or a larger L1".
 * The counts depend on how many points skipping spared (so on the units);
 * the reason, the values and an "every point" message do not.
 * The parts are also returned for summary.json: *reason (a reason or
 * "constraint: <text>"), *value and *bound (NAN when unknown). Returns -1
 * (buf says no capacity was named) when the tally is empty. */
int dse_why_explain(const dse_job_t *job, size_t layer, const dse_why_t *w, uint64_t evaluated,
                    char *buf, size_t size, char *reason, size_t reason_size, double *value,
                    double *bound);

#endif
