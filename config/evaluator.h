/* evaluator.h - the job's [evaluator] table: how a point's metrics are found.
 *
 * kind = "model" (the default, no table) evaluates every point on the
 * analytic model. kind = "command" runs a program per point (a simulator,
 * a board, dse-kernel-timer) and takes the metrics it prints; the model
 * still decides feasibility and supplies the metrics the command does not
 * return. The argv is a list of templates: `{name}` is replaced by a
 * parameter, a layer dimension or one of the fixed names (see
 * dse_evaluator_names); `{{` and `}}` are literal braces. No shell.
 *
 * The table travels in the job's canonical text, so a worker rebuilds the
 * same evaluator; a job without the table has the canonical text it had
 * before the table existed.
 */
#ifndef DSE_EVALUATOR_H
#define DSE_EVALUATOR_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/job.h"
#include "core/util.h"

typedef enum { DSE_PARSE_JSON = 0, DSE_PARSE_REGEX = 1 } dse_parse_kind_t;

typedef struct dse_evaluator {
    size_t argc;
    char **argv;          /* templates, argc of them */
    double timeout;       /* seconds per point */
    dse_parse_kind_t parse;
    /* parse = regex: metric name -> extended regex with one group, each
     * required to match; parse = json: the metric names the JSON must hold
     * (regex[i] NULL; default the first per-layer objective). Metrics the
     * command does not return keep the model's values. */
    size_t n_regex;
    char **regex_metric;
    char **regex;
    int *regex_index;     /* model metric index of each */
    char *requires;       /* "" = any worker that allows commands */
    char *cache_key;      /* "" = none */
    int max_attempts;     /* attempts per point before it counts as failed */
    /* verify: points per layer, of those measured by workers in the run,
     * measured again on another worker at the end (0 = none); a relative
     * difference above verify_tolerance on any metric is a disagreement */
    uint64_t verify;
    double verify_tolerance;
} dse_evaluator_t;

/* The fixed substitution names (NULL-terminated): layer, op, steps, point,
 * job, workdir, dtype and the layer's dimensions. Besides: every parameter,
 * every layer key, and model.METRIC for any metric of the model. */
extern const char *const dse_evaluator_fixed[];

/* Parses the [evaluator] table t (a dse_toml_value_t) of a job whose model,
 * layers and metrics are known. *out is NULL for kind = "model". Errors are
 * DSE_ECONFIG with err at the line and column of the fault (an unknown
 * `{name}` inside a string: at that name). */
struct dse_toml_value;
int dse_evaluator_parse(const struct dse_toml_value *t, const dse_job_t *job, const char *file,
                        dse_evaluator_t **out, dse_error_t *err);
void dse_evaluator_destroy(dse_evaluator_t **ev_p);

/* Appends the table as canonical TOML ("\n[evaluator]\n..."). */
void dse_evaluator_canonical(const dse_evaluator_t *ev, dse_strbuf_t *sb);

/* Builds the argv of one point: params in the model's declaration order,
 * point its index, model the model's metrics for the point (for
 * {model.METRIC}: the analytic prediction, which lets a script or a fake
 * simulator work from it), workdir the point's folder. Returns a
 * NULL-terminated array (free with dse_evaluator_argv_free). */
char **dse_evaluator_argv(const dse_evaluator_t *ev, const dse_job_t *job, size_t layer,
                          uint64_t point, const double *params, const double *model,
                          const char *workdir);
void dse_evaluator_argv_free(char **argv);

/* Renders every `{name}` of one template for a point (NULL workdir leaves
 * {point}, {job} and {workdir} as they are, for cache keys). Caller frees. */
char *dse_evaluator_subst(const char *tmpl, const dse_job_t *job, size_t layer, uint64_t point,
                          const double *params, const double *model, const char *workdir);

/* Compiles a metric regex (extended, with \d for a digit) that must hold a
 * group. 0, or -1 with why set. */
int dse_evaluator_compile(const char *re, regex_t *out, char *why, size_t size);

#endif
