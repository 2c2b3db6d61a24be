/* config.h - loading and validating a job file (TOML) into a dse_job_t.
 *
 * Validation is complete: unknown keys (with a "did you mean" suggestion),
 * wrong types, shapes that do not fit, unknown models, presets, parameters,
 * metrics and strategies are errors that name the file, line and column of
 * the offending key or value.
 *
 * Hardware presets are TOML files NAME.toml found in the preset path: the
 * folders in $DSE_PRESETS (colon-separated), then hw/, ../configs/hw/ and
 * configs/hw/ beside the job file, then configs/hw/ in the current folder.
 */
#ifndef DSE_CONFIG_H
#define DSE_CONFIG_H

#include <stddef.h>

#include "core/error.h"
#include "core/job.h"

enum {
    /* The text is a canonical job (dse_job_canonical): `hardware` is only a
     * label, every preset key is given in [target], no file is read. */
    DSE_CONFIG_CANONICAL = 1
};

/* The largest job, preset or accuracy file read: a job's canonical text
 * must fit one JOB message (DSE_WIRE_MAX_CONFIG) anyway. */
#define DSE_CONFIG_MAX_FILE (16u << 20)

/* Frees everything the job owns and sets *job_p to NULL. */
void dse_job_destroy(dse_job_t **job_p);

/* Like for like: when some layer's space prunes (a "prune" value > 0) but
 * pruning is neither an objective nor covered by an accuracy table
 * ([search] accuracy), the front prefers pruned networks whose accuracy loss
 * no model sees, and compares them with unpruned baselines. Writes the
 * warning (one line, no newline) into buf and returns 1; else 0. */
int dse_job_prune_warning(const dse_job_t *job, char *buf, size_t size);

/* Loads and validates a job file. Returns 0 and a new job (the caller's, free
 * with dse_job_destroy), or a negative DSE_E* code with err filled in
 * (file:line:col and message); DSE_ERANGE for a file larger than
 * DSE_CONFIG_MAX_FILE. */
int dse_config_load(const char *path, dse_job_t **job, dse_error_t *err);

/* The same from text in memory; `name` is used in messages and to find
 * presets beside it. */
int dse_config_parse(const char *name, const char *text, size_t len, unsigned flags,
                     dse_job_t **job, dse_error_t *err);

/* A self-contained TOML text of the validated job: every preset value and
 * every layer's domains explicit, so a worker on another host rebuilds the
 * identical job from it (with DSE_CONFIG_CANONICAL). Caller frees. */
char *dse_job_canonical(const dse_job_t *job);

/* Hex digest (32 characters + NUL) of a canonical text. */
void dse_job_digest(const char *canonical, char out[33]);

/* Prints the job for `dse-run --check`: each layer's dimensions, its
 * parameters with their domain sizes, its space size, and the total. */
void dse_job_print(const dse_job_t *job, FILE *out);

/* 1 when layer L can take the output of layer P as its input (the rule of
 * a job's chaining check: the same C x H x W; a linear or elementwise layer
 * also takes it flattened; layers given by dims always chain). */
int dse_layer_follows(const dse_layer_t *P, const dse_layer_t *L);

#endif
