/* measure.h - measured evaluation: running a job's command for one point.
 *
 * A point is measured by running the [evaluator] command (config/evaluator.h)
 * in an empty temporary folder (the thread's own, emptied after each point,
 * when the process is a subreaper; else one per point), with no shell, its own process group, stdin
 * from /dev/null, no inherited file descriptors beyond 0-2, and the
 * worker's environment plus DSE_JOB, DSE_LAYER, DSE_POINT, DSE_WORKDIR.
 * stdout and stderr are captured up to 1 MiB each (the first and the last
 * 512 KiB: a flood is cut in the middle, so both a first-value regex and a
 * final JSON line still parse). At the timeout the process group gets
 * SIGTERM, then SIGKILL one second later. A process that allows commands
 * makes itself a child subreaper, so grandchildren that escaped the group
 * come back to it and are killed and reaped after each point.
 *
 * Nothing runs unless the process allowed it (dse_measure_allow): workers
 * do so only when started with --allow-command.
 */
#ifndef DSE_MEASURE_H
#define DSE_MEASURE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "config/evaluator.h"
#include "eval/eval.h"

#define DSE_MEASURE_CAP (1u << 20) /* bytes kept per stream */

/* Allows this process to run commands (program: NULL = any program, else
 * the one absolute path argv[0] must equal). Sets the child subreaper. */
void dse_measure_allow(const char *program);
/* Keep the folder of a failed point (its path is in the reason). */
void dse_measure_keep_failed(int keep);
/* 0 when this process may run the evaluator's command, else DSE_ENOTSUP
 * with why saying which flag is missing. */
int dse_measure_check(const dse_evaluator_t *ev, char *why, size_t size);

typedef struct {
    char *out, *err;          /* captured (NUL-terminated, capped) */
    size_t out_len, err_len;
    int out_capped, err_capped;
    int exited, code;         /* normal exit and its status */
    int signaled, sig;        /* killed by a signal */
    int timed_out;
    double seconds;
} dse_cmd_result_t;

/* Runs argv (argv[0] looked up in PATH when it holds no '/') in cwd with
 * the extra environment entries env ("NAME=value", NULL-terminated; may be
 * NULL). Returns 0 when the program ran (whatever its status: see r),
 * DSE_EINTR when *cancel was set (the group is killed), DSE_EFAIL when it
 * could not be started (why says why). */
int dse_cmd_run(char *const argv[], const char *cwd, char *const env[], double timeout,
                const atomic_int *cancel, dse_cmd_result_t *r, char *why, size_t size);
void dse_cmd_result_release(dse_cmd_result_t *r);

/* Parses a command's output into metrics (the model's declaration order;
 * only the metrics found are written). Checks names and finite values and
 * that every per-layer objective of the job is there. 0, or DSE_EFAIL with
 * why. */
int dse_measure_parse(const dse_evaluator_t *ev, const dse_job_t *job, const char *out,
                      size_t len, double *metrics, char *why, size_t size);

/* Measures one point whose model metrics are in metrics (the command's
 * metrics replace them). 0; DSE_EFAIL (the point failed: why says how);
 * DSE_ENOTSUP (this process may not run it); DSE_EINTR (cancelled). */
int dse_measure_point(const dse_evaljob_t *ej, size_t layer, uint64_t point,
                      const double *params, double *metrics, const atomic_int *cancel, char *why,
                      size_t size);

/* The cache key of a point: a text covering the model inputs (model,
 * hardware values but the calibratable ones, dtype, steps), the layer's
 * dimensions and keys, the parameters, the command (as substituted, but
 * for {point}, {job}, {workdir} and {model.METRIC}: a measurement belongs
 * to the point, not to the model's prediction), the parse settings and
 * cache_key. Caller frees. */
char *dse_measure_key(const dse_evaljob_t *ej, size_t layer, const double *params);

#endif
