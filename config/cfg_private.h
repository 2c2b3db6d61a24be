/* cfg_private.h - what the files of config/ share, and nothing outside them.
 *
 * A job file is validated section by section, the way git splits its
 * builtins: config.c holds the table of sections (s_sections) and walks it;
 * each section has its own file, with one entry point here:
 *
 *   cfg_job.c        [job], and its plot axes once [search] is known
 *   cfg_target.c     [target] and the hardware presets it names
 *   cfg_workload.c   [workload]: dtype, steps, batch, the layers (typed in
 *                    or imported from ONNX, with the job's tables over them)
 *   cfg_layer.c      one [[workload.layer]]: keys, name, op, shape, chaining,
 *                    the model's layer keys, then its space
 *   cfg_space.c      [space] and a layer's space: the parameters' domains
 *   cfg_search.c     [search]: strategy, objectives, constraints, accuracy,
 *                    settings
 *   cfg_cluster.c    [cluster]
 *   evaluator.c      [evaluator] (its own public header: workers use it)
 *   cfg_canonical.c  the validated job written out: the canonical TOML text,
 *                    its digest, and dse-run --check's listing
 *   cfg_check.c      the checks every section uses: unknown keys with a
 *                    suggestion, types, integers, numbers, ranges, names
 *
 * Every check reports through dse__cfg_err_at (or CFG_ERR_VAL/CFG_ERR_KEY,
 * at a value or a key), which fills the caller's error struct with the
 * file, line, column and message, and returns DSE_ECONFIG.
 */
#ifndef DSE_CFG_PRIVATE_H
#define DSE_CFG_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/toml.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

/* The context of one file's validation: messages name `file`. A preset
 * file, an accuracy table or an imported ONNX graph is read with a copy
 * whose `file` names it. */
typedef struct {
    const char *file; /* name used in messages */
    dse_error_t *err;
    unsigned flags;     /* DSE_CONFIG_* */
    size_t canon_bytes; /* the domains' share of the canonical text so far */
} dse__cfg_ctx_t;

/* --------------------------------------------------------------- cfg_check.c */

/* Sets c->err (DSE_ECONFIG, c->file, line, col, message) and returns
 * DSE_ECONFIG. */
int dse__cfg_err_at(dse__cfg_ctx_t *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same at a value v, or at the key i of table t. */
#define CFG_ERR_VAL(c, v, ...) dse__cfg_err_at((c), dse_toml_line(v), dse_toml_col(v), __VA_ARGS__)
#define CFG_ERR_KEY(c, t, i, ...)                                                                \
    dse__cfg_err_at((c), dse_toml_table_key_line((t), (i)), dse_toml_table_key_col((t), (i)),   \
                    __VA_ARGS__)

/* " (did you mean 'x'?)" into buf when a close candidate exists, else "". */
void dse__cfg_hint(char *buf, size_t size, const char *word, const char *const *cand, size_t n);
/* The candidates as "a, b, c" into buf. */
void dse__cfg_list(char *buf, size_t size, const char *const *cand, size_t n);

/* The value of key in table t (t may be NULL), or NULL; *idx (when idx is
 * not NULL) its index or -1. */
const dse_toml_value_t *dse__cfg_get(const dse_toml_value_t *t, const char *key, long *idx);

/* Every key of table t must be in allowed[]: an unknown one is an error
 * with the closest allowed name as a suggestion. */
int dse__cfg_check_keys(dse__cfg_ctx_t *c, const dse_toml_value_t *t, const char *where,
                        const char *const *allowed, size_t n_allowed);
/* The same for a table of fixed keys plus a model's declared keys: the
 * message also lists the model's keys. */
int dse__cfg_check_keys_decl(dse__cfg_ctx_t *c, const dse_toml_value_t *t, const char *where,
                             const char *const *fixed, size_t n_fixed,
                             const dse_key_decl_t *decls, size_t n_decls, const char *model);

/* v must be of the type; what names it in the message. */
int dse__cfg_expect(dse__cfg_ctx_t *c, const dse_toml_value_t *v, dse_toml_type_t type,
                    const char *what);
/* The string of t's key into *out (borrowed from t); absent: an error when
 * required (at tline:tcol), else *out stays untouched. */
int dse__cfg_string(dse__cfg_ctx_t *c, const dse_toml_value_t *t, const char *key,
                    const char *what, int required, int tline, int tcol, const char **out);
/* An integer in [lo, hi]. */
int dse__cfg_int(dse__cfg_ctx_t *c, const dse_toml_value_t *v, const char *what, int64_t lo,
                 int64_t hi, int64_t *out);
/* A finite number (integer or float). */
int dse__cfg_number(dse__cfg_ctx_t *c, const dse_toml_value_t *v, const char *what,
                    double *out);
/* An array of n_min..n_max integers from lo to 2^40 into out[], *n of them. */
int dse__cfg_int_array(dse__cfg_ctx_t *c, const dse_toml_value_t *v, const char *what,
                       size_t n_min, size_t n_max, int64_t lo, int64_t *out, size_t *n);
/* A name among choices (NULL-terminated): its index, or an error listing them. */
int dse__cfg_enum_value(dse__cfg_ctx_t *c, const char *what, const char *const *choices,
                        const dse_toml_value_t *v, double *out);
/* x within the declared range [min, max] (any x when !(min < max)). */
int dse__cfg_in_range(dse__cfg_ctx_t *c, const char *what, double min, double max,
                      const char *unit, const dse_toml_value_t *v, double x);
/* A value of a model-declared key (preset key or layer key). */
int dse__cfg_decl_value(dse__cfg_ctx_t *c, const dse_key_decl_t *d, const dse_toml_value_t *v,
                        double *out);
/* 1 when s is a non-empty name of letters, digits, '-', '_' and '.'. */
int dse__cfg_valid_name(const char *s);

/* ------------------------------------------------------------ the sections */

/* Each reads its section of root into job; 0 or DSE_ECONFIG. */
int dse__cfg_job(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root);
int dse__cfg_target(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root);
int dse__cfg_workload(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root);
int dse__cfg_search(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root);
int dse__cfg_cluster(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root);
/* [job] plot: read once [search] has said whether accuracy exists. */
int dse__cfg_plot_axes(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root);

/* cfg_layer.c: the [[workload.layer]] table lt into the next layer of the
 * job. For an imported layer, lt is the importer's table (read with the
 * context c of the ONNX file) and ov the job's same-name table (may be
 * NULL, read with co); for a typed-in layer, ov is NULL and co == c. global
 * is [space] or NULL. */
int dse__cfg_layer_entry(dse__cfg_ctx_t *c, dse__cfg_ctx_t *co, dse_job_t *job,
                         const dse_toml_value_t *lt, const dse_toml_value_t *ov,
                         const dse_toml_value_t *global);

/* cfg_space.c: every key of t must be a parameter of model m. */
int dse__cfg_check_space_keys(dse__cfg_ctx_t *c, const dse_hwmodel_t *m,
                              const dse_toml_value_t *t, const char *where);
/* cfg_space.c: layer L's space from its own space table (local), [space]
 * (global) and the model's defaults, in that order; checks that the job's
 * canonical text stays within a JOB message. */
int dse__cfg_build_space(dse__cfg_ctx_t *c, dse_job_t *job, dse_layer_t *L,
                         const dse_toml_value_t *global, const dse_toml_value_t *local);

/* cfg_search.c: the error for an unknown metric name at v, listing the
 * model's network metrics and its layer-only metrics. */
int dse__cfg_unknown_metric(dse__cfg_ctx_t *c, const dse_toml_value_t *v,
                            const dse_hwmodel_t *m, const char *name);

/* cfg_canonical.c: a value of a declared kind as TOML (an enum's name, an
 * integer, a float that reads back as a float). */
void dse__cfg_toml_value(dse_strbuf_t *sb, dse_val_kind_t kind, const char *const *choices,
                         double x);

#endif
