/* config.c - job files: TOML -> validated dse_job_t, canonical text, printing.
 *
 * Every check reports the file, line and column of the key or value at
 * fault. Validation uses only the declarations of the model (hwmodel.h):
 * nothing here knows a particular model.
 */
#include "config/config.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/evaluator.h"
#include "config/strategy.h"
#include "core/network.h"
#include "core/onnx.h"
#include "core/space.h"
#include "core/toml.h"
#include "core/util.h"
#include "core/wire.h"
#include "hwmodels/baseline.h"
#include "hwmodels/hwmodel.h"

#define S_MAX_DOMAIN 1000000 /* values in one parameter's domain */

typedef struct {
    const char *file; /* name used in messages */
    dse_error_t *err;
    unsigned flags;
    size_t canon_bytes; /* the domains' share of the canonical text so far */
} s_ctx_t;

static int s_err_at(s_ctx_t *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_err_at(s_ctx_t *c, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dse_error_vset(c->err, DSE_ECONFIG, c->file, line, col, fmt, ap);
    va_end(ap);
    return DSE_ECONFIG;
}

#define S_ERR_VAL(c, v, ...) s_err_at((c), dse_toml_line(v), dse_toml_col(v), __VA_ARGS__)
#define S_ERR_KEY(c, t, i, ...)                                                                  \
    s_err_at((c), dse_toml_table_key_line((t), (i)), dse_toml_table_key_col((t), (i)), __VA_ARGS__)

/* ---------------------------------------------------------------- suggestions */

/* Appends " (did you mean 'x'?)" to buf when a close candidate exists. */
static void s_hint(char *buf, size_t size, const char *word, const char *const *cand, size_t n)
{
    const char *s = dse_suggest(word, cand, n);
    if (s)
        snprintf(buf, size, " (did you mean '%s'?)", s);
    else
        buf[0] = '\0';
}

/* Lists candidates "a, b, c" into buf. */
static void s_list(char *buf, size_t size, const char *const *cand, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", cand[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* -------------------------------------------------------------- generic checks */

/* Checks that every key of table t is in allowed[]; an unknown one is an
 * error with the closest allowed name as a suggestion. */
static int s_check_keys(s_ctx_t *c, const dse_toml_value_t *t, const char *where,
                        const char *const *allowed, size_t n_allowed)
{
    for (size_t i = 0; i < dse_toml_table_size(t); i++) {
        const char *key = dse_toml_table_key(t, i);
        int ok = 0;
        for (size_t j = 0; j < n_allowed && !ok; j++)
            ok = strcmp(key, allowed[j]) == 0;
        if (ok)
            continue;
        char hint[128];
        s_hint(hint, sizeof hint, key, allowed, n_allowed);
        return S_ERR_KEY(c, t, i, "unknown key '%s' in %s%s", key, where, hint);
    }
    return 0;
}

static const dse_toml_value_t *s_get(const dse_toml_value_t *t, const char *key, long *idx)
{
    long i = t ? dse_toml_table_find(t, key) : -1;
    if (idx)
        *idx = i;
    return i >= 0 ? dse_toml_table_value(t, (size_t)i) : NULL;
}

static int s_expect(s_ctx_t *c, const dse_toml_value_t *v, dse_toml_type_t type, const char *what)
{
    if (dse_toml_type(v) == type)
        return 0;
    return S_ERR_VAL(c, v, "%s must be %s %s, not %s %s", what,
                     type == DSE_TOML_INTEGER || type == DSE_TOML_ARRAY ? "an" : "a",
                     dse_toml_type_name(type),
                     dse_toml_type(v) == DSE_TOML_INTEGER || dse_toml_type(v) == DSE_TOML_ARRAY
                         ? "an"
                         : "a",
                     dse_toml_type_name(dse_toml_type(v)));
}

/* Optional string: *out stays untouched when absent. */
static int s_string(s_ctx_t *c, const dse_toml_value_t *t, const char *key, const char *what,
                    int required, int tline, int tcol, const char **out)
{
    const dse_toml_value_t *v = s_get(t, key, NULL);
    if (!v) {
        if (required)
            return s_err_at(c, tline, tcol, "missing key '%s' (%s)", key, what);
        return 0;
    }
    int rc = s_expect(c, v, DSE_TOML_STRING, what);
    if (rc)
        return rc;
    size_t len;
    const char *s = dse_toml_string(v, &len);
    if (strlen(s) != len)
        return S_ERR_VAL(c, v, "%s must not contain NUL characters", what);
    *out = s;
    return 0;
}

static int s_int(s_ctx_t *c, const dse_toml_value_t *v, const char *what, int64_t lo, int64_t hi,
                 int64_t *out)
{
    int rc = s_expect(c, v, DSE_TOML_INTEGER, what);
    if (rc)
        return rc;
    int64_t x = dse_toml_int(v);
    if (x < lo || x > hi)
        return S_ERR_VAL(c, v, "%s = %lld is out of range (%lld to %lld)", what, (long long)x,
                         (long long)lo, (long long)hi);
    *out = x;
    return 0;
}

static int s_number(s_ctx_t *c, const dse_toml_value_t *v, const char *what, double *out)
{
    if (dse_toml_type(v) == DSE_TOML_INTEGER) {
        *out = (double)dse_toml_int(v);
        return 0;
    }
    if (dse_toml_type(v) == DSE_TOML_FLOAT) {
        *out = dse_toml_float(v);
        if (!isfinite(*out))
            return S_ERR_VAL(c, v, "%s must be a finite number", what);
        return 0;
    }
    return S_ERR_VAL(c, v, "%s must be a number, not a %s", what,
                     dse_toml_type_name(dse_toml_type(v)));
}

/* An array of n_min..n_max positive integers. */
static int s_int_array(s_ctx_t *c, const dse_toml_value_t *v, const char *what, size_t n_min,
                       size_t n_max, int64_t lo, int64_t *out, size_t *n)
{
    int rc = s_expect(c, v, DSE_TOML_ARRAY, what);
    if (rc)
        return rc;
    size_t k = dse_toml_array_size(v);
    if (k < n_min || k > n_max) {
        if (n_min == n_max)
            return S_ERR_VAL(c, v, "%s must have %zu elements, not %zu", what, n_min, k);
        return S_ERR_VAL(c, v, "%s must have %zu to %zu elements, not %zu", what, n_min, n_max, k);
    }
    for (size_t i = 0; i < k; i++) {
        const dse_toml_value_t *e = dse_toml_array_get(v, i);
        rc = s_int(c, e, what, lo, (int64_t)1 << 40, &out[i]);
        if (rc)
            return rc;
    }
    *n = k;
    return 0;
}

/* A name among choices (NULL-terminated): its index, or an error listing them. */
static int s_enum_value(s_ctx_t *c, const char *what, const char *const *choices,
                        const dse_toml_value_t *v, double *out)
{
    int rc = s_expect(c, v, DSE_TOML_STRING, what);
    if (rc)
        return rc;
    const char *s = dse_toml_string(v, NULL);
    size_t n = 0;
    while (choices[n])
        n++;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, choices[i]) == 0) {
            *out = (double)i;
            return 0;
        }
    char hint[128], list[1024];
    s_hint(hint, sizeof hint, s, choices, n);
    s_list(list, sizeof list, choices, n);
    return S_ERR_VAL(c, v, "%s = \"%s\" is not one of %s%s", what, s, list, hint);
}

/* The declared range [min, max] (when min < max) of a number. */
static int s_in_range(s_ctx_t *c, const char *what, double min, double max, const char *unit,
                      const dse_toml_value_t *v, double x)
{
    if (!(min < max) || (x >= min && x <= max))
        return 0;
    char a[40], b[40], xs[40];
    dse_fmt_double(a, sizeof a, min);
    dse_fmt_double(b, sizeof b, max);
    dse_fmt_double(xs, sizeof xs, x);
    return S_ERR_VAL(c, v, "%s = %s is out of range (%s to %s%s%s)", what, xs, a, b,
                     unit && unit[0] ? " " : "", unit ? unit : "");
}

/* A value of a model-declared key (preset key or layer key). */
static int s_decl_value(s_ctx_t *c, const dse_key_decl_t *d, const dse_toml_value_t *v,
                        double *out)
{
    char what[160];
    snprintf(what, sizeof what, "'%s'", d->name);
    if (d->kind == DSE_VAL_ENUM)
        return s_enum_value(c, what, d->choices, v, out);
    double x;
    int rc;
    if (d->kind == DSE_VAL_INT) {
        int64_t i;
        if (dse_toml_type(v) == DSE_TOML_BOOL) {
            i = dse_toml_bool(v);
        } else {
            rc = s_int(c, v, what, INT64_MIN, INT64_MAX, &i);
            if (rc)
                return rc;
        }
        x = (double)i;
    } else if (dse_toml_type(v) == DSE_TOML_FLOAT && isinf(dse_toml_float(v))) {
        x = dse_toml_float(v); /* "no limit" */
    } else {
        rc = s_number(c, v, what, &x);
        if (rc)
            return rc;
    }
    if ((rc = s_in_range(c, what, d->min, d->max, d->unit, v, x)))
        return rc;
    *out = x;
    return 0;
}

/* Unknown-key check for a table whose keys are fixed names plus model decls. */
/* As s_check_keys, for a table of fixed keys plus a model's declared keys:
 * an unknown key gets the closest name and the list of the model's keys. */
static int s_check_keys_decl(s_ctx_t *c, const dse_toml_value_t *t, const char *where,
                             const char *const *fixed, size_t n_fixed,
                             const dse_key_decl_t *decls, size_t n_decls, const char *model)
{
    const char *cand[DSE_MAX_PRESET_KEYS + DSE_MAX_LAYER_KEYS + 8];
    size_t n = 0;
    for (size_t j = 0; j < n_fixed && n < sizeof cand / sizeof *cand; j++)
        cand[n++] = fixed[j];
    for (size_t j = 0; j < n_decls && n < sizeof cand / sizeof *cand; j++)
        cand[n++] = decls[j].name;
    for (size_t i = 0; i < dse_toml_table_size(t); i++) {
        const char *key = dse_toml_table_key(t, i);
        int ok = 0;
        for (size_t j = 0; j < n && !ok; j++)
            ok = strcmp(key, cand[j]) == 0;
        if (ok)
            continue;
        char hint[128], list[1024];
        s_hint(hint, sizeof hint, key, cand, n);
        s_list(list, sizeof list, cand + n_fixed, n - n_fixed);
        return S_ERR_KEY(c, t, i, "unknown key '%s' in %s%s (hardware keys of model '%s': %s; "
                         "dse-run --models explains them)", key, where, hint, model, list);
    }
    return 0;
}

/* ------------------------------------------------------------------- presets */

static int s_file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Finds configs/hw/NAME.toml along the preset path. Returns malloc'd path or NULL. */
static char *s_find_preset(const char *job_file, const char *name)
{
    char buf[4096];
    const char *env = getenv("DSE_PRESETS");
    if (env && *env) {
        char *copy = dse_xstrdup(env);
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            snprintf(buf, sizeof buf, "%s/%s.toml", d, name);
            if (s_file_exists(buf)) {
                free(copy);
                return dse_xstrdup(buf);
            }
        }
        free(copy);
    }
    char dir[2048];
    snprintf(dir, sizeof dir, "%s", job_file ? job_file : "");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    const char *rel[] = {"%s/hw/%s.toml", "%s/../configs/hw/%s.toml", "%s/configs/hw/%s.toml"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(buf, sizeof buf, rel[i], dir, name);
        if (s_file_exists(buf))
            return dse_xstrdup(buf);
    }
    snprintf(buf, sizeof buf, "configs/hw/%s.toml", name);
    if (s_file_exists(buf))
        return dse_xstrdup(buf);
    return NULL;
}

static int s_valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}

/* Reads the preset file into job->hw (values not in the file keep their defaults). */
static int s_load_preset(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *hwv)
{
    const char *name = job->hardware;
    const dse_hwmodel_t *m = job->model;
    if (!s_valid_name(name))
        return S_ERR_VAL(c, hwv, "hardware preset name '%s' may only hold letters, digits, "
                         "'-', '_' and '.'", name);
    char *path = s_find_preset(c->file, name);
    if (!path)
        return S_ERR_VAL(c, hwv, "unknown hardware preset '%s' (looked for %s.toml in "
                         "$DSE_PRESETS; hw/, ../configs/hw/ and configs/hw/ beside the job "
                         "file; configs/hw/ here)", name, name);
    char *text = NULL;
    size_t len = 0;
    dse_error_t ferr = DSE_ERROR_INIT;
    int rc = dse_read_file_max(path, DSE_CONFIG_MAX_FILE, &text, &len, &ferr);
    if (rc) {
        *c->err = ferr;
        free(path);
        return DSE_ECONFIG;
    }
    dse_toml_value_t *root = dse_toml_parse(text, len, c->err);
    free(text);
    if (!root) {
        snprintf(c->err->file, sizeof c->err->file, "%s", path);
        c->err->code = DSE_ECONFIG;
        free(path);
        return DSE_ECONFIG;
    }
    s_ctx_t pc = {path, c->err, c->flags};
    static const char *const fixed[] = {"model", "description", "source"};
    /* the model first: a preset for another model would otherwise be blamed
     * for its first key this model does not know */
    const char *pm = NULL;
    rc = s_string(&pc, root, "model", "the model the preset is for", 1, 1, 1, &pm);
    if (!rc && strcmp(pm, m->name) != 0) {
        rc = S_ERR_VAL(c, hwv, "%s is a %s preset; this job's model is %s (%s%s%s)", path, pm,
                       m->name, m->default_preset ? "its default preset is " : "presets name "
                       "their model in 'model'", m->default_preset ? m->default_preset : "",
                       m->default_preset ? "; dse-run --models lists every model's keys" : "");
        dse_toml_destroy(&root);
        free(path);
        return rc;
    }
    if (!rc)
        rc = s_check_keys_decl(&pc, root, "the hardware preset", fixed, 3, m->preset_keys,
                               m->n_preset_keys, m->name);
    const char *dummy;
    if (!rc)
        rc = s_string(&pc, root, "description", "description", 0, 0, 0, &dummy);
    if (!rc)
        rc = s_string(&pc, root, "source", "source", 0, 0, 0, &dummy);
    for (size_t i = 0; !rc && i < m->n_preset_keys; i++) {
        const dse_toml_value_t *v = s_get(root, m->preset_keys[i].name, NULL);
        if (v)
            rc = s_decl_value(&pc, &m->preset_keys[i], v, &job->hw[i]);
    }
    dse_toml_destroy(&root);
    free(path);
    return rc;
}

/* -------------------------------------------------------------------- target */

static int s_target(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *t = s_get(root, "target", NULL);
    if (!t)
        return s_err_at(c, 1, 1, "missing table [target] (it names the hardware model)");
    int rc = s_expect(c, t, DSE_TOML_TABLE, "[target]");
    if (rc)
        return rc;
    const char *model = NULL;
    rc = s_string(c, t, "model", "the hardware model", 1, dse_toml_line(t), dse_toml_col(t),
                  &model);
    if (rc)
        return rc;
    job->model = dse_model_find(model);
    if (!job->model) {
        const char *names[16];
        size_t n = 0;
        for (size_t i = 0; i < dse_model_count() && n < 16; i++)
            names[n++] = dse_model_at(i)->name;
        char hint[128], list[256];
        s_hint(hint, sizeof hint, model, names, n);
        s_list(list, sizeof list, names, n);
        return S_ERR_VAL(c, s_get(t, "model", NULL), "unknown model '%s' (models: %s)%s", model,
                         list, hint);
    }
    const dse_hwmodel_t *m = job->model;
    assert(m->n_preset_keys <= DSE_MAX_PRESET_KEYS);
    static const char *const fixed[] = {"model", "hardware"};
    rc = s_check_keys_decl(c, t, "[target]", fixed, 2, m->preset_keys, m->n_preset_keys,
                           m->name);
    if (rc)
        return rc;
    for (size_t i = 0; i < m->n_preset_keys; i++)
        job->hw[i] = m->preset_keys[i].dflt;
    const char *hw = m->default_preset;
    rc = s_string(c, t, "hardware", "the hardware preset", 0, 0, 0, &hw);
    if (rc)
        return rc;
    job->hardware = dse_xstrdup(hw ? hw : "");
    if (job->hardware[0] && !(c->flags & DSE_CONFIG_CANONICAL)) {
        const dse_toml_value_t *hwv = s_get(t, "hardware", NULL);
        rc = s_load_preset(c, job, hwv ? hwv : t);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < m->n_preset_keys; i++) {
        const dse_toml_value_t *v = s_get(t, m->preset_keys[i].name, NULL);
        if (v) {
            rc = s_decl_value(c, &m->preset_keys[i], v, &job->hw[i]);
            if (rc)
                return rc;
        }
        if (isnan(job->hw[i]))
            return s_err_at(c, dse_toml_line(t), dse_toml_col(t),
                            "[target] needs '%s' (%s): set it here or in a hardware preset",
                            m->preset_keys[i].name, m->preset_keys[i].doc ? m->preset_keys[i].doc
                                                                          : "no default");
    }
    return 0;
}

/* ------------------------------------------------------------------ workload */

static const char *const s_layer_fixed[] = {"name",    "op",      "in_shape", "out_channels",
                                            "kernel",  "stride",  "padding",  "dims",
                                            "space",   "input",   "chain",    "batch"};
#define S_N_LAYER_FIXED (sizeof s_layer_fixed / sizeof s_layer_fixed[0])

static int s_op_from_name(const char *s)
{
    for (int i = 0; i < DSE_OP__COUNT; i++)
        if (strcmp(s, dse_op_name((dse_op_t)i)) == 0)
            return i;
    return -1;
}

/* Reads the geometry of one layer and derives its output shape. */
static int s_layer_shape(s_ctx_t *c, const dse_toml_value_t *lt, dse_layer_t *L)
{
    int rc;
    long idx;
    const dse_toml_value_t *v;
    int line = dse_toml_line(lt), col = dse_toml_col(lt);
    int is_mm = L->op == DSE_OP_MATMUL || L->op == DSE_OP_GEMM || L->op == DSE_OP_GEMV;
    const char *opn = dse_op_name(L->op);
    const unsigned pools = (1u << DSE_OP_MAXPOOL) | (1u << DSE_OP_AVGPOOL);

    /* keys that do not belong to the op */
    static const struct {
        const char *key;
        unsigned ops;
    } belongs[] = {
        {"in_shape", ~((1u << DSE_OP_MATMUL) | (1u << DSE_OP_GEMM) | (1u << DSE_OP_GEMV))},
        {"out_channels", (1u << DSE_OP_CONV2D) | (1u << DSE_OP_DW) | (1u << DSE_OP_PW) |
                             (1u << DSE_OP_LINEAR)},
        {"kernel", (1u << DSE_OP_CONV2D) | (1u << DSE_OP_DW) | (1u << DSE_OP_PW) | pools},
        {"stride", (1u << DSE_OP_CONV2D) | (1u << DSE_OP_DW) | (1u << DSE_OP_PW) | pools},
        {"padding", (1u << DSE_OP_CONV2D) | (1u << DSE_OP_DW) | (1u << DSE_OP_PW) | pools},
        {"dims", (1u << DSE_OP_MATMUL) | (1u << DSE_OP_GEMM) | (1u << DSE_OP_GEMV)},
    };
    for (size_t i = 0; i < sizeof belongs / sizeof belongs[0]; i++) {
        if ((v = s_get(lt, belongs[i].key, &idx)) && !(belongs[i].ops & (1u << L->op)))
            return S_ERR_KEY(c, lt, (size_t)idx, "'%s' does not apply to op \"%s\"",
                             belongs[i].key, opn);
    }

    int64_t a[4];
    size_t n;
    if (is_mm) {
        v = s_get(lt, "dims", NULL);
        size_t want = L->op == DSE_OP_GEMV ? 2 : 3;
        if (!v)
            return s_err_at(c, line, col, "layer '%s': op \"%s\" needs dims = %s", L->name, opn,
                            want == 2 ? "[N, K]" : "[M, N, K]");
        rc = s_int_array(c, v, "dims", want, want, 1, a, &n);
        if (rc)
            return rc;
        if (want == 2) {
            L->m = 1, L->n = a[0], L->k = a[1];
        } else {
            L->m = a[0], L->n = a[1], L->k = a[2];
        }
        L->cin = L->k, L->hin = L->m, L->win = 1;
        L->cout = L->n, L->hout = L->m, L->wout = 1;
        L->kh = L->kw = L->sh = L->sw = 1;
        return 0;
    }

    v = s_get(lt, "in_shape", NULL);
    if (!v)
        return s_err_at(c, line, col, "layer '%s': missing in_shape (%s)", L->name,
                        L->op == DSE_OP_LINEAR ? "[Cin] or [C, H, W]" : "[C, H, W]");
    if (L->op == DSE_OP_LINEAR || dse_op_is_eltwise(L->op)) {
        rc = s_int_array(c, v, "in_shape", 1, 3, 1, a, &n);
        if (rc)
            return rc;
        int64_t total = 1;
        for (size_t i = 0; i < n; i++)
            total *= a[i];
        if (L->op == DSE_OP_LINEAR) {
            L->cin = total, L->hin = L->win = 1; /* flattened */
        } else {
            L->cin = a[0], L->hin = n > 1 ? a[1] : 1, L->win = n > 2 ? a[2] : 1;
        }
    } else {
        rc = s_int_array(c, v, "in_shape", 3, 3, 1, a, &n);
        if (rc)
            return rc;
        L->cin = a[0], L->hin = a[1], L->win = a[2];
    }

    /* out_channels */
    v = s_get(lt, "out_channels", NULL);
    if (L->op == DSE_OP_CONV2D || L->op == DSE_OP_PW || L->op == DSE_OP_LINEAR) {
        if (!v)
            return s_err_at(c, line, col, "layer '%s': missing out_channels", L->name);
        rc = s_int(c, v, "out_channels", 1, (int64_t)1 << 30, &L->cout);
        if (rc)
            return rc;
    } else if (L->op == DSE_OP_DW) {
        L->cout = L->cin;
        if (v) {
            rc = s_int(c, v, "out_channels", 1, (int64_t)1 << 30, &L->cout);
            if (rc)
                return rc;
            if (L->cout != L->cin)
                return S_ERR_VAL(c, v, "a depthwise layer keeps its channels: out_channels "
                                 "must equal the %lld input channels", (long long)L->cin);
        }
    } else {
        L->cout = L->cin;
    }

    if (L->op == DSE_OP_LINEAR) {
        L->hout = L->wout = 1;
        L->kh = L->kw = L->sh = L->sw = 1;
        L->m = 1, L->n = L->cout, L->k = L->cin;
        return 0;
    }
    if (dse_op_is_eltwise(L->op)) {
        L->hout = L->hin, L->wout = L->win;
        L->kh = L->kw = L->sh = L->sw = 1;
        return 0;
    }

    /* kernel, stride, padding */
    L->kh = L->kw = 1;
    L->sh = L->sw = 1;
    if ((v = s_get(lt, "kernel", NULL))) {
        rc = s_int_array(c, v, "kernel", 1, 2, 1, a, &n);
        if (rc)
            return rc;
        L->kh = a[0], L->kw = n > 1 ? a[1] : a[0];
    } else if (L->op != DSE_OP_PW) {
        return s_err_at(c, line, col, "layer '%s': op \"%s\" needs kernel = [Hk, Wk]", L->name,
                        opn);
    }
    if (L->op == DSE_OP_PW && (L->kh != 1 || L->kw != 1))
        return S_ERR_VAL(c, s_get(lt, "kernel", NULL),
                         "a pointwise layer has a 1x1 kernel (use op = \"conv2d\" for %lldx%lld)",
                         (long long)L->kh, (long long)L->kw);
    if ((v = s_get(lt, "stride", NULL))) {
        rc = s_int_array(c, v, "stride", 1, 2, 1, a, &n);
        if (rc)
            return rc;
        L->sh = a[0], L->sw = n > 1 ? a[1] : a[0];
    } else if (L->op == DSE_OP_MAXPOOL || L->op == DSE_OP_AVGPOOL) {
        L->sh = L->kh, L->sw = L->kw;
    }
    L->pad_t = L->pad_l = L->pad_b = L->pad_r = 0;
    if ((v = s_get(lt, "padding", NULL))) {
        int rc2 = s_expect(c, v, DSE_TOML_ARRAY, "padding");
        if (rc2)
            return rc2;
        size_t k = dse_toml_array_size(v);
        if (k != 1 && k != 2 && k != 4)
            return S_ERR_VAL(c, v, "padding must be [all], [vertical, horizontal] or "
                             "[top, left, bottom, right], not %zu elements", k);
        for (size_t i = 0; i < k; i++) {
            rc = s_int(c, dse_toml_array_get(v, i), "padding", 0, (int64_t)1 << 20, &a[i]);
            if (rc)
                return rc;
        }
        if (k == 1)
            a[1] = a[2] = a[3] = a[0];
        else if (k == 2)
            a[2] = a[0], a[3] = a[1];
        L->pad_t = a[0], L->pad_l = a[1], L->pad_b = a[2], L->pad_r = a[3];
        if (a[0] >= L->kh || a[2] >= L->kh || a[1] >= L->kw || a[3] >= L->kw)
            return S_ERR_VAL(c, v, "padding (%lld, %lld, %lld, %lld) must be smaller than the "
                             "%lldx%lld kernel", (long long)a[0], (long long)a[1],
                             (long long)a[2], (long long)a[3], (long long)L->kh,
                             (long long)L->kw);
    }
    int64_t ph = L->hin + L->pad_t + L->pad_b, pw = L->win + L->pad_l + L->pad_r;
    if (L->kh > ph || L->kw > pw) {
        const dse_toml_value_t *kv = s_get(lt, "kernel", NULL);
        return s_err_at(c, kv ? dse_toml_line(kv) : line, kv ? dse_toml_col(kv) : col,
                        "layer '%s': the %lldx%lld kernel is larger than its padded %lldx%lld "
                        "input", L->name, (long long)L->kh, (long long)L->kw, (long long)ph,
                        (long long)pw);
    }
    L->hout = (ph - L->kh) / L->sh + 1;
    L->wout = (pw - L->kw) / L->sw + 1;
    L->m = L->n = L->k = 0;
    return 0;
}

/* ------------------------------------------------------------ layer chaining */

static int s_has_fmap(dse_op_t op)
{
    return op != DSE_OP_MATMUL && op != DSE_OP_GEMM && op != DSE_OP_GEMV;
}

static void s_shape_str(char *buf, size_t size, int64_t a, int64_t b, int64_t c3)
{
    snprintf(buf, size, "[%lld, %lld, %lld]", (long long)a, (long long)b, (long long)c3);
}

int dse_layer_follows(const dse_layer_t *P, const dse_layer_t *L)
{
    if (!s_has_fmap(L->op) || !s_has_fmap(P->op))
        return 1;
    int64_t pc = P->cout, ph = P->hout, pw = P->wout;
    if (L->cin == pc && L->hin == ph && L->win == pw)
        return 1;
    return (L->op == DSE_OP_LINEAR || dse_op_is_eltwise(L->op)) &&
           L->cin * L->hin * L->win == pc * ph * pw;
}

/* A layer's input must be what the layer before it gives (or the layer its
 * `input` names), unless it says `chain = false`. A linear layer may take
 * the previous output flattened, and an elementwise one (add, softmax, ...)
 * any shape of the same size. Layers given by dims (matmul, gemm, gemv) are
 * not checked:
 * their operands are not one feature map. The check is the user's, so the
 * canonical text a worker parses skips it. */
static int s_layer_chain(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *lt,
                         const dse_layer_t *L)
{
    const dse_toml_value_t *cv = s_get(lt, "chain", NULL);
    const dse_toml_value_t *iv = s_get(lt, "input", NULL);
    int chain = 1;
    if (cv) {
        if (dse_toml_type(cv) != DSE_TOML_BOOL)
            return S_ERR_VAL(c, cv, "chain must be true or false (false: this layer's input is "
                             "not the previous layer's output, and is not checked)");
        chain = dse_toml_bool(cv);
    }
    const dse_layer_t *P = NULL;
    size_t li = (size_t)(L - job->layers);
    if (iv) {
        if (cv && !chain)
            return S_ERR_VAL(c, iv, "layer '%s' names its input and also says chain = false: "
                             "keep one", L->name);
        const char *in = NULL;
        int rc = s_string(c, lt, "input", "input", 0, 0, 0, &in);
        if (rc)
            return rc;
        for (size_t j = 0; j < li && !P; j++)
            if (strcmp(job->layers[j].name, in) == 0)
                P = &job->layers[j];
        if (!P) {
            const char *cand[64];
            size_t nc = 0;
            for (size_t j = li > 64 ? li - 64 : 0; j < li; j++)
                cand[nc++] = job->layers[j].name;
            char hint[160];
            s_hint(hint, sizeof hint, in, cand, nc);
            return S_ERR_VAL(c, iv, "input \"%s\" is not the name of an earlier layer%s", in,
                             hint);
        }
    } else if (li > 0 && chain) {
        P = &job->layers[li - 1];
    }
    if (!P || (c->flags & DSE_CONFIG_CANONICAL) || dse_layer_follows(P, L))
        return 0;
    int64_t pc = P->cout, ph = P->hout, pw = P->wout;
    const dse_toml_value_t *sv = s_get(lt, "in_shape", NULL);
    char mine[96], theirs[96], hint[200] = "";
    s_shape_str(mine, sizeof mine, L->cin, L->hin, L->win);
    s_shape_str(theirs, sizeof theirs, pc, ph, pw);
    if (L->op == DSE_OP_LINEAR || (L->hin == 1 && L->win == 1))
        snprintf(mine, sizeof mine, "[%lld]", (long long)L->cin);
    int64_t x[3] = {L->cin, L->hin, L->win}, y[3] = {pc, ph, pw};
    for (int i = 0; i < 3; i++) /* sort both: the same sizes in another order? */
        for (int j = i + 1; j < 3; j++) {
            if (x[j] < x[i]) { int64_t t = x[i]; x[i] = x[j]; x[j] = t; }
            if (y[j] < y[i]) { int64_t t = y[i]; y[i] = y[j]; y[j] = t; }
        }
    if (x[0] == y[0] && x[1] == y[1] && x[2] == y[2])
        snprintf(hint, sizeof hint, "; the same sizes in another order: in_shape is [C, H, W], "
                 "not [H, W, C]");
    return s_err_at(c, sv ? dse_toml_line(sv) : L->line, sv ? dse_toml_col(sv) : L->col,
                    "layer '%s' takes in_shape %s, but %s layer '%s' gives %s (C, H, W)%s. If "
                    "this layer does not follow '%s', say where its input comes from: input = "
                    "\"LAYER\" for a branch, or chain = false", L->name, mine,
                    iv ? "its input" : "the previous", P->name, theirs, hint, P->name);
}

/* --------------------------------------------------------------------- spaces */

static int s_is_divisor(int64_t d, int64_t n)
{
    return d > 0 && n % d == 0;
}

typedef struct {
    double *v;
    size_t n, cap;
} s_vals_t;

static void s_vals_add(s_vals_t *vs, double x)
{
    vs->v = dse_xgrow(vs->v, sizeof *vs->v, vs->n + 1, &vs->cap);
    vs->v[vs->n++] = x;
}

/* Checks one explicit value of a parameter. */
static int s_param_value(s_ctx_t *c, const dse_param_decl_t *d, int64_t extent,
                         const dse_toml_value_t *v, const dse_layer_t *L, double *out)
{
    char what[128];
    snprintf(what, sizeof what, "'%s'", d->name);
    if (d->kind == DSE_VAL_ENUM)
        return s_enum_value(c, what, d->choices, v, out);
    double x;
    if (d->kind == DSE_VAL_INT) {
        int64_t i;
        int rc = s_int(c, v, what, INT64_MIN, INT64_MAX, &i);
        if (rc)
            return rc;
        if (d->extent && (i < 1 || i > extent))
            return S_ERR_VAL(c, v, "%s = %lld is outside 1..%lld for layer '%s'", what,
                             (long long)i, (long long)extent, L->name);
        if (d->extent && d->must_divide && !s_is_divisor(i, extent))
            return S_ERR_VAL(c, v, "%s = %lld does not divide %lld for layer '%s'", what,
                             (long long)i, (long long)extent, L->name);
        x = (double)i;
    } else {
        int rc = s_number(c, v, what, &x);
        if (rc)
            return rc;
    }
    int rc = s_in_range(c, what, d->min, d->max, NULL, v, x);
    if (rc)
        return rc;
    *out = x;
    return 0;
}

/* Expands a domain written as a TOML value into values. */
static int s_domain(s_ctx_t *c, const dse_job_t *job, const dse_layer_t *L,
                    const dse_param_decl_t *d, const dse_toml_value_t *v, s_vals_t *vs)
{
    int64_t extent = d->extent ? d->extent(job, L) : 0;
    char what[128];
    snprintf(what, sizeof what, "'%s'", d->name);
    dse_toml_type_t t = dse_toml_type(v);
    if (t == DSE_TOML_STRING && d->kind == DSE_VAL_INT) {
        const char *rule = dse_toml_string(v, NULL);
        static const char *const rules[] = {"divisors", "all", "pow2", "max"};
        if (!d->extent)
            return S_ERR_VAL(c, v, "%s takes a list or { from, to, step }, not a rule",
                             what);
        if (strcmp(rule, "divisors") == 0) {
            for (int64_t i = 1; i * i <= extent; i++)
                if (extent % i == 0) {
                    s_vals_add(vs, (double)i);
                    if (i != extent / i)
                        s_vals_add(vs, (double)(extent / i));
                }
        } else if (strcmp(rule, "all") == 0) {
            if (extent > S_MAX_DOMAIN)
                return S_ERR_VAL(c, v, "%s = \"all\" would give %lld values for layer '%s' "
                                 "(at most %d)", what, (long long)extent, L->name, S_MAX_DOMAIN);
            for (int64_t i = 1; i <= extent; i++)
                s_vals_add(vs, (double)i);
        } else if (strcmp(rule, "max") == 0) {
            s_vals_add(vs, (double)extent);
        } else if (strcmp(rule, "pow2") == 0) {
            for (int64_t i = 1; i <= extent; i *= 2)
                if (!d->must_divide || extent % i == 0)
                    s_vals_add(vs, (double)i);
        } else {
            char hint[128];
            s_hint(hint, sizeof hint, rule, rules, 4);
            return S_ERR_VAL(c, v, "%s: unknown rule \"%s\" (rules: divisors, all, pow2, max; or a "
                             "list, or { from, to, step })%s", what, rule, hint);
        }
        return 0;
    }
    if (t == DSE_TOML_ARRAY) {
        size_t n = dse_toml_array_size(v);
        if (n == 0)
            return S_ERR_VAL(c, v, "%s: the list is empty", what);
        for (size_t i = 0; i < n; i++) {
            double x;
            int rc = s_param_value(c, d, extent, dse_toml_array_get(v, i), L, &x);
            if (rc)
                return rc;
            s_vals_add(vs, x);
        }
        return 0;
    }
    if (t == DSE_TOML_TABLE) {
        if (d->kind == DSE_VAL_ENUM)
            return S_ERR_VAL(c, v, "%s takes a name or a list of names, not a table", what);
        static const char *const keys[] = {"from", "to", "step"};
        int rc = s_check_keys(c, v, "a { from, to, step } range", keys, 3);
        if (rc)
            return rc;
        const dse_toml_value_t *fv = s_get(v, "from", NULL), *tv = s_get(v, "to", NULL),
                               *sv = s_get(v, "step", NULL);
        if (!fv || !tv)
            return S_ERR_VAL(c, v, "%s: a range needs 'from' and 'to'", what);
        double from, to, step = 1;
        if ((rc = s_number(c, fv, "'from'", &from)) || (rc = s_number(c, tv, "'to'", &to)))
            return rc;
        if (sv && (rc = s_number(c, sv, "'step'", &step)))
            return rc;
        if (!(step > 0))
            return S_ERR_VAL(c, sv ? sv : v, "%s: step must be positive", what);
        if (to < from)
            return S_ERR_VAL(c, v, "%s: 'to' is below 'from'", what);
        double count = floor((to - from) / step + 1e-9) + 1;
        if (count > S_MAX_DOMAIN)
            return S_ERR_VAL(c, v, "%s: the range has %.0f values (at most %d)", what, count,
                             S_MAX_DOMAIN);
        if (d->kind == DSE_VAL_INT && (from != floor(from) || step != floor(step)))
            return S_ERR_VAL(c, v, "%s: an integer range needs integer from and step", what);
        for (double i = 0; i < count; i++) {
            double x = from + i * step;
            if (d->kind == DSE_VAL_INT) {
                if (d->extent && (x < 1 || x > (double)extent))
                    return S_ERR_VAL(c, v, "%s: %.0f is outside 1..%lld for layer '%s'", what, x,
                                     (long long)extent, L->name);
                if (d->extent && d->must_divide && !s_is_divisor((int64_t)x, extent))
                    continue; /* a range keeps only the values that divide */
            }
            if (d->min < d->max && (x < d->min || x > d->max))
                return S_ERR_VAL(c, v, "%s: %g is out of range", what, x);
            s_vals_add(vs, x);
        }
        if (vs->n == 0)
            return S_ERR_VAL(c, v, "%s: no value of the range divides %lld for layer '%s'",
                             what, (long long)extent, L->name);
        return 0;
    }
    /* a single value */
    double x;
    int rc = s_param_value(c, d, extent, v, L, &x);
    if (rc)
        return rc;
    s_vals_add(vs, x);
    return 0;
}

/* Builds the default domain of a parameter from its declaration. */
static int s_default_domain(s_ctx_t *c, const dse_job_t *job, const dse_layer_t *L,
                            const dse_param_decl_t *d, s_vals_t *vs)
{
    char text[512];
    snprintf(text, sizeof text, "x = %s\n", d->dflt ? d->dflt : "1");
    dse_error_t perr = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse(text, strlen(text), &perr);
    if (!root)
        return s_err_at(c, L->line, L->col, "internal: model '%s' declares a bad default for "
                        "'%s': %s", job->model->name, d->name, perr.msg);
    s_ctx_t dc = *c;
    int rc = s_domain(&dc, job, L, d, s_get(root, "x", NULL), vs);
    dse_toml_destroy(&root);
    if (rc) {
        /* a default that does not fit this layer: say which layer and parameter */
        char msg[sizeof c->err->msg];
        snprintf(msg, sizeof msg, "%s", c->err->msg);
        return s_err_at(c, L->line, L->col, "layer '%s': the default domain of '%s' (%s) does "
                        "not fit: %s; set '%s' in the layer's space", L->name, d->name,
                        d->dflt ? d->dflt : "1", msg, d->name);
    }
    return 0;
}

static int s_param_key_ok(const void *arg, const char *key)
{
    return dse_model_param(arg, key) >= 0;
}

static int s_check_space_keys(s_ctx_t *c, const dse_hwmodel_t *m, const dse_toml_value_t *t,
                              const char *where)
{
    for (size_t i = 0; i < dse_toml_table_size(t); i++) {
        const char *key = dse_toml_table_key(t, i);
        if (s_param_key_ok(m, key))
            continue;
        const char *cand[DSE_MAX_PARAMS];
        char list[512];
        for (size_t j = 0; j < m->n_params; j++)
            cand[j] = m->params[j].name;
        char hint[128];
        s_hint(hint, sizeof hint, key, cand, m->n_params);
        s_list(list, sizeof list, cand, m->n_params);
        return S_ERR_KEY(c, t, i, "unknown parameter '%s' in %s (model '%s' has: %s)%s", key,
                         where, m->name, m->n_params ? list : "none", hint);
    }
    return 0;
}

static void s_toml_value(dse_strbuf_t *sb, dse_val_kind_t kind, const char *const *choices,
                         double x);

/* Counts the bytes a layer's domains take in the canonical text, which
 * lists every value and travels to each worker in one JOB message: a
 * small file whose rules expand to more than DSE_WIRE_MAX_CONFIG is refused
 * here, before the text is built (issue 16: a 600-byte job grew to 118 MB). */
static int s_check_canonical_size(s_ctx_t *c, const dse_job_t *job, const dse_layer_t *L)
{
    const dse_hwmodel_t *m = job->model;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (size_t p = 0; p < m->n_params; p++) {
        const dse_param_decl_t *d = &m->params[p];
        if (d->applies && !d->applies(job, L))
            continue;
        c->canon_bytes += strlen(d->name) + 6;
        for (size_t i = 0; i < L->space->n_values[p]; i++) {
            sb.len = 0;
            s_toml_value(&sb, d->kind, d->choices, L->space->values[p][i]);
            c->canon_bytes += sb.len + 2;
        }
    }
    dse_strbuf_release(&sb);
    /* room for everything else in the text: names, keys, search settings */
    size_t limit = DSE_WIRE_MAX_CONFIG - (1u << 20);
    if (c->canon_bytes > limit)
        return s_err_at(c, L->line, L->col, "layer '%s': the domains of the job up to this layer "
                        "list %zu bytes of values, more than the %zu a job may take on the wire "
                        "(its canonical text lists every value): narrow the domains", L->name,
                        c->canon_bytes, limit);
    return 0;
}

static int s_build_space(s_ctx_t *c, dse_job_t *job, dse_layer_t *L,
                         const dse_toml_value_t *global, const dse_toml_value_t *local)
{
    const dse_hwmodel_t *m = job->model;
    s_vals_t vs[DSE_MAX_PARAMS];
    memset(vs, 0, sizeof vs);
    int rc = 0;
    for (size_t p = 0; p < m->n_params && !rc; p++) {
        const dse_param_decl_t *d = &m->params[p];
        long li = -1;
        const dse_toml_value_t *lv = local ? s_get(local, d->name, &li) : NULL;
        const dse_toml_value_t *gv = global ? s_get(global, d->name, NULL) : NULL;
        if (d->applies && !d->applies(job, L)) {
            if (lv) {
                rc = S_ERR_KEY(c, local, (size_t)li, "parameter '%s' does not apply to layer "
                               "'%s' (op \"%s\")", d->name, L->name, dse_op_name(L->op));
                break;
            }
            s_vals_add(&vs[p], d->neutral);
            continue;
        }
        if (lv)
            rc = s_domain(c, job, L, d, lv, &vs[p]);
        else if (gv)
            rc = s_domain(c, job, L, d, gv, &vs[p]);
        else
            rc = s_default_domain(c, job, L, d, &vs[p]);
    }
    if (!rc) {
        const double *vals[DSE_MAX_PARAMS];
        size_t ns[DSE_MAX_PARAMS];
        for (size_t p = 0; p < m->n_params; p++)
            vals[p] = vs[p].v, ns[p] = vs[p].n;
        dse_error_t serr = DSE_ERROR_INIT;
        L->space = dse_space_new(m->n_params, vals, ns, &serr);
        if (!L->space)
            rc = s_err_at(c, L->line, L->col, "layer '%s': %s", L->name, serr.msg);
        else
            rc = s_check_canonical_size(c, job, L);
    }
    for (size_t p = 0; p < m->n_params; p++)
        free(vs[p].v);
    return rc;
}

static int s_layer_key_ok(const void *arg, const char *key)
{
    const dse_hwmodel_t *m = arg;
    return dse_model_layer_key(m, key) >= 0;
}

static int s_layers(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root,
                    const dse_toml_value_t *w);

static int s_workload(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_hwmodel_t *m = job->model;
    const dse_toml_value_t *w = s_get(root, "workload", NULL);
    if (!w)
        return s_err_at(c, 1, 1, "missing table [workload] (its layers are what is explored)");
    int rc = s_expect(c, w, DSE_TOML_TABLE, "[workload]");
    if (rc)
        return rc;
    static const char *const keys[] = {"dtype", "steps", "layer", "onnx", "onnx_ignore", "batch"};
    rc = s_check_keys(c, w, "[workload]", keys, 6);
    if (rc)
        return rc;
    /* batch: samples per run of every layer (a layer's own batch overrides) */
    job->batch = 1;
    const dse_toml_value_t *bv = s_get(w, "batch", NULL);
    if (bv && (rc = s_int(c, bv, "batch", 1, (int64_t)1 << 20, &job->batch)))
        return rc;

    /* dtype: default the first the model accepts */
    job->dtype = DSE_DTYPE__COUNT;
    for (int i = 0; i < DSE_DTYPE__COUNT; i++)
        if (m->dtypes & (1u << i)) {
            job->dtype = (dse_dtype_t)i;
            break;
        }
    const dse_toml_value_t *v = s_get(w, "dtype", NULL);
    if (v) {
        const char *s = NULL;
        rc = s_string(c, w, "dtype", "dtype", 1, 0, 0, &s);
        if (rc)
            return rc;
        int found = -1;
        const char *names[DSE_DTYPE__COUNT];
        for (int i = 0; i < DSE_DTYPE__COUNT; i++) {
            names[i] = dse_dtype_name((dse_dtype_t)i);
            if (strcmp(s, names[i]) == 0)
                found = i;
        }
        if (found < 0) {
            char hint[128];
            s_hint(hint, sizeof hint, s, names, DSE_DTYPE__COUNT);
            return S_ERR_VAL(c, v, "unknown dtype \"%s\" (fp32, fp16, int8)%s", s, hint);
        }
        if (!(m->dtypes & (1u << found)))
            return S_ERR_VAL(c, v, "model '%s' does not support dtype \"%s\"", m->name, s);
        job->dtype = (dse_dtype_t)found;
    }

    job->steps = DSE_STEP_FW;
    if ((v = s_get(w, "steps", NULL))) {
        rc = s_expect(c, v, DSE_TOML_ARRAY, "steps");
        if (rc)
            return rc;
        if (dse_toml_array_size(v) == 0)
            return S_ERR_VAL(c, v, "steps must name at least one of \"fw\", \"wg\", \"ig\"");
        job->steps = 0;
        for (size_t i = 0; i < dse_toml_array_size(v); i++) {
            const dse_toml_value_t *e = dse_toml_array_get(v, i);
            rc = s_expect(c, e, DSE_TOML_STRING, "a step");
            if (rc)
                return rc;
            const char *s = dse_toml_string(e, NULL);
            unsigned bit = dse_step_bit(s, strlen(s));
            if (!bit)
                return S_ERR_VAL(c, e, "unknown step \"%s\" (fw = forward, wg = weight gradient, "
                                 "ig = input gradient)", s);
            if (job->steps & bit)
                return S_ERR_VAL(c, e, "step \"%s\" is listed twice", s);
            if (!(m->steps & bit))
                return S_ERR_VAL(c, e, "model '%s' does not model the \"%s\" step%s", m->name, s,
                                 m->steps == DSE_STEP_FW ? " (it models inference only)" : "");
            job->steps |= bit;
        }
    }

    return s_layers(c, job, root, w);
}

/* One [[workload.layer]] table lt into the next layer of the job. For an
 * imported layer, lt is the importer's table (read with the context c of the
 * ONNX file) and ov the job's same-name table (may be NULL, read with co);
 * for a typed-in layer, ov is NULL and co == c. */
static int s_layer_entry(s_ctx_t *c, s_ctx_t *co, dse_job_t *job, const dse_toml_value_t *lt,
                         const dse_toml_value_t *ov, const dse_toml_value_t *global)
{
    const dse_hwmodel_t *m = job->model;
    int rc = s_expect(c, lt, DSE_TOML_TABLE, "a workload layer");
    if (rc)
        return rc;
    dse_layer_t *L = &job->layers[job->n_layers++];
    L->line = dse_toml_line(lt);
    L->col = dse_toml_col(lt);
    if (c != co)
        L->line = L->col = 0; /* an imported layer: messages name the ONNX file and layer */
    /* unknown keys: fixed layer keys plus the model's layer keys */
    for (size_t k = 0; k < dse_toml_table_size(lt); k++) {
        const char *key = dse_toml_table_key(lt, k);
        int ok = s_layer_key_ok(m, key);
        for (size_t j = 0; j < S_N_LAYER_FIXED && !ok; j++)
            ok = strcmp(key, s_layer_fixed[j]) == 0;
        if (ok)
            continue;
        const char *cand[S_N_LAYER_FIXED + DSE_MAX_LAYER_KEYS + DSE_MAX_PARAMS];
        size_t nc = 0;
        for (size_t j = 0; j < S_N_LAYER_FIXED; j++)
            cand[nc++] = s_layer_fixed[j];
        for (size_t j = 0; j < m->n_layer_keys && j < DSE_MAX_LAYER_KEYS; j++)
            cand[nc++] = m->layer_keys[j].name;
        char hint[128];
        s_hint(hint, sizeof hint, key, cand, nc);
        if (dse_model_param(m, key) >= 0)
            return S_ERR_KEY(c, lt, k, "'%s' is a parameter: write it as space = { %s = ... "
                             "} in the layer, or in [space]", key, key);
        return S_ERR_KEY(c, lt, k, "unknown key '%s' in a [[workload.layer]]%s", key, hint);
    }
    const char *name = NULL;
    rc = s_string(c, lt, "name", "the layer's name", 1, L->line, L->col, &name);
    if (rc)
        return rc;
    if (!*name || strlen(name) > 128)
        return S_ERR_VAL(c, s_get(lt, "name", NULL), "a layer name must have 1 to 128 "
                         "characters");
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == ',' || *p == '"')
            return S_ERR_VAL(c, s_get(lt, "name", NULL), "a layer name must not contain "
                             "control characters, commas or quotes");
    for (size_t j = 0; j + 1 < job->n_layers; j++)
        if (strcmp(job->layers[j].name, name) == 0)
            return S_ERR_VAL(c, s_get(lt, "name", NULL), "duplicate layer name '%s' (first "
                             "at line %d)", name, job->layers[j].line);
    L->name = dse_xstrdup(name);
    const char *op = NULL;
    rc = s_string(c, lt, "op", "the layer's op", 1, L->line, L->col, &op);
    if (rc)
        return rc;
    int opi = s_op_from_name(op);
    if (opi < 0) {
        const char *names[DSE_OP__COUNT];
        for (int j = 0; j < DSE_OP__COUNT; j++)
            names[j] = dse_op_name((dse_op_t)j);
        char hint[128], list[256];
        s_hint(hint, sizeof hint, op, names, DSE_OP__COUNT);
        s_list(list, sizeof list, names, DSE_OP__COUNT);
        return S_ERR_VAL(c, s_get(lt, "op", NULL), "unknown op \"%s\" (ops: %s)%s", op, list,
                         hint);
    }
    L->op = (dse_op_t)opi;
    if (!(m->ops & (1u << opi))) {
        const char *names[DSE_OP__COUNT];
        size_t k = 0;
        for (int j = 0; j < DSE_OP__COUNT; j++)
            if (m->ops & (1u << j))
                names[k++] = dse_op_name((dse_op_t)j);
        char list[256];
        s_list(list, sizeof list, names, k);
        return S_ERR_VAL(c, s_get(lt, "op", NULL), "model '%s' does not support op \"%s\" "
                         "(it supports: %s)", m->name, op, k ? list : "none");
    }
    rc = s_layer_shape(c, lt, L);
    if (rc)
        return rc;
    /* typed-in layers chain; an imported graph says itself what feeds what */
    if (c == co && (rc = s_layer_chain(c, job, lt, L)))
        return rc;
    L->batch = job->batch;
    const dse_toml_value_t *lb = s_get(lt, "batch", NULL);
    if (lb && (rc = s_int(c, lb, "batch", 1, (int64_t)1 << 20, &L->batch)))
        return rc;
    assert(m->n_layer_keys <= DSE_MAX_LAYER_KEYS);
    for (size_t k = 0; k < m->n_layer_keys; k++) {
        L->attr[k] = m->layer_keys[k].dflt;
        const dse_toml_value_t *kv = ov ? s_get(ov, m->layer_keys[k].name, NULL) : NULL;
        s_ctx_t *kc = kv ? co : c;
        if (!kv)
            kv = s_get(lt, m->layer_keys[k].name, NULL);
        if (kv) {
            rc = s_decl_value(kc, &m->layer_keys[k], kv, &L->attr[k]);
            if (rc)
                return rc;
        } else if (isnan(L->attr[k])) {
            return s_err_at(c, L->line, L->col, "layer '%s' needs '%s' (%s)", L->name,
                            m->layer_keys[k].name,
                            m->layer_keys[k].doc ? m->layer_keys[k].doc : "no default");
        }
    }
    if (m->check_layer) {
        dse_error_t merr = DSE_ERROR_INIT;
        rc = m->check_layer(job, L, &merr);
        if (rc)
            return s_err_at(c, L->line, L->col, "layer '%s': %s", L->name, merr.msg);
    }
    const dse_toml_value_t *local = s_get(ov ? ov : lt, "space", NULL);
    if (local) {
        rc = s_expect(co, local, DSE_TOML_TABLE, "a layer's space");
        if (!rc)
            rc = s_check_space_keys(co, m, local, "the layer's space");
        if (rc)
            return rc;
    }
    return s_build_space(co, job, L, global, local);
}


static char *s_beside(const char *job_file, const char *rel)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    const char *slash = job_file ? strrchr(job_file, '/') : NULL;
    if (rel[0] != '/' && slash)
        dse_strbuf_add(&sb, job_file, (size_t)(slash - job_file) + 1);
    dse_strbuf_adds(&sb, rel);
    return dse_strbuf_detach(&sb, NULL);
}

/* [workload] onnx and onnx_ignore: imports the graph into *tree, the TOML
 * of its layers (see core/network.h). */
static int s_onnx(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *w, dse_toml_value_t **tree,
                  dse_network_t **netp)
{
    const dse_hwmodel_t *m = job->model;
    const dse_toml_value_t *v = s_get(w, "onnx", NULL);
    const char *rel = NULL;
    int rc = s_string(c, w, "onnx", "the ONNX file", 0, 0, 0, &rel);
    if (rc)
        return rc;
    if (c->flags & DSE_CONFIG_CANONICAL)
        return S_ERR_VAL(c, v, "a canonical job writes its layers out: no onnx");
    if (!*rel)
        return S_ERR_VAL(c, v, "onnx must name a file (relative to the job file)");
    job->onnx = s_beside(c->file, rel);
    const dse_toml_value_t *iv = s_get(w, "onnx_ignore", NULL);
    if (iv) {
        if ((rc = s_expect(c, iv, DSE_TOML_ARRAY, "onnx_ignore")))
            return rc;
        size_t n = dse_toml_array_size(iv);
        job->onnx_ignore = dse_xcalloc(n ? n : 1, sizeof *job->onnx_ignore);
        for (size_t i = 0; i < n; i++) {
            const dse_toml_value_t *e = dse_toml_array_get(iv, i);
            if ((rc = s_expect(c, e, DSE_TOML_STRING, "an onnx_ignore entry (an op_type)")))
                return rc;
            job->onnx_ignore[job->n_onnx_ignore++] = dse_xstrdup(dse_toml_string(e, NULL));
        }
    }
    dse_onnx_opts_t o = {.ops = m->ops, .model = m->name,
                         .ignore = (const char *const *)job->onnx_ignore,
                         .n_ignore = job->n_onnx_ignore, .batch = 1,
                         .repeat = dse_model_layer_key(m, "repeat") >= 0};
    dse_network_t *net = NULL;
    dse_error_t ierr = DSE_ERROR_INIT;
    rc = dse_onnx_import(job->onnx, &o, &net, &ierr);
    if (rc) {
        char buf[1100];
        dse_error_format(&ierr, buf, sizeof buf);
        return S_ERR_VAL(c, v, "%s", buf);
    }
    /* Layers are per sample. A fixed batch in the graph's input becomes the
     * job's batch unless [workload] batch says otherwise; a symbolic one is
     * [workload] batch (default 1). */
    if (!s_get(w, "batch", NULL) && dse_network_batch(net) > 1)
        job->batch = dse_network_batch(net);
    size_t nd = dse_network_n_ignored(net);
    job->onnx_dropped = dse_xcalloc(nd ? nd : 1, sizeof *job->onnx_dropped);
    for (size_t i = 0; i < dse_network_n_nodes(net); i++) {
        const dse_net_node_t *N = dse_network_node(net, i);
        if (N->fate != DSE_NODE_IGNORED)
            continue;
        char name[129];
        dse_network_clean_name(N->name, N->op_type, i, name);
        dse_strbuf_t sb = DSE_STRBUF_INIT;
        dse_strbuf_addf(&sb, "%s (%.60s)", name, N->op_type);
        job->onnx_dropped[job->n_onnx_dropped++] = dse_strbuf_detach(&sb, NULL);
    }
    const char *keys[DSE_MAX_LAYER_KEYS];
    for (size_t k = 0; k < m->n_layer_keys && k < DSE_MAX_LAYER_KEYS; k++)
        keys[k] = m->layer_keys[k].name;
    char *text = dse_network_toml(net, keys, m->n_layer_keys);
    *netp = net;
    dse_error_t perr = DSE_ERROR_INIT;
    *tree = dse_toml_parse(text, strlen(text), &perr);
    free(text);
    if (!*tree) /* the importer writes what the parser reads: a bug */
        return S_ERR_VAL(c, v, "the imported layers do not read back (%s)", perr.msg);
    return 0;
}

/* The job's same-name [[workload.layer]] tables over imported layers: each
 * names an imported layer and holds only its space and model keys. */
static int s_overrides(s_ctx_t *c, const dse_job_t *job, const dse_toml_value_t *user,
                       const dse_toml_value_t *layers)
{
    const dse_hwmodel_t *m = job->model;
    int rc = s_expect(c, user, DSE_TOML_ARRAY, "workload.layer");
    if (rc)
        return rc;
    size_t n = layers ? dse_toml_array_size(layers) : 0;
    for (size_t i = 0; i < dse_toml_array_size(user); i++) {
        const dse_toml_value_t *ut = dse_toml_array_get(user, i);
        if ((rc = s_expect(c, ut, DSE_TOML_TABLE, "a workload layer")))
            return rc;
        const char *name = NULL;
        rc = s_string(c, ut, "name", "the imported layer it adds to", 1, dse_toml_line(ut),
                      dse_toml_col(ut), &name);
        if (rc)
            return rc;
        int found = 0;
        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(dse_toml_string(s_get(dse_toml_array_get(layers, j), "name", NULL),
                                           NULL), name) == 0;
        if (!found) {
            const char *cand[256];
            size_t nc = 0;
            for (size_t j = 0; j < n && nc < 256; j++)
                cand[nc++] = dse_toml_string(s_get(dse_toml_array_get(layers, j), "name", NULL),
                                             NULL);
            char hint[128];
            s_hint(hint, sizeof hint, name, cand, nc);
            return S_ERR_VAL(c, s_get(ut, "name", NULL), "no imported layer is named '%s' (a "
                             "[[workload.layer]] beside onnx adds to the imported layer of "
                             "its name; `dse-run --import` lists them)%s", name, hint);
        }
        for (size_t k = 0; k < dse_toml_table_size(ut); k++) {
            const char *key = dse_toml_table_key(ut, k);
            if (strcmp(key, "name") == 0 || strcmp(key, "space") == 0 ||
                dse_model_layer_key(m, key) >= 0)
                continue;
            return S_ERR_KEY(c, ut, k, "'%s' of imported layer '%s' comes from the graph: "
                             "beside onnx, a layer table may give its space and the model's "
                             "layer keys only", key, name);
        }
    }
    return 0;
}

/* The layers: typed in, or imported (onnx) with the job's tables over them. */
static int s_layers(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root,
                    const dse_toml_value_t *w)
{
    const dse_hwmodel_t *m = job->model;
    int rc;
    const dse_toml_value_t *user = s_get(w, "layer", NULL), *layers = user;
    dse_toml_value_t *tree = NULL;
    dse_network_t *net = NULL;
    s_ctx_t ci = *c;
    if (s_get(w, "onnx", NULL)) {
        if ((rc = s_onnx(c, job, w, &tree, &net)))
            goto out;
        layers = s_get(s_get(tree, "workload", NULL), "layer", NULL);
        ci.file = job->onnx;
        if (user && (rc = s_overrides(c, job, user, layers)))
            goto out;
    } else if (s_get(w, "onnx_ignore", NULL)) {
        rc = S_ERR_VAL(c, s_get(w, "onnx_ignore", NULL), "onnx_ignore goes with onnx = "
                       "\"FILE.onnx\"");
        goto out;
    }
    if (!layers) {
        rc = s_err_at(c, dse_toml_line(w), dse_toml_col(w),
                      "[workload] has no layers: add [[workload.layer]] tables or onnx = "
                      "\"FILE.onnx\"");
        goto out;
    }
    if ((rc = s_expect(c, layers, DSE_TOML_ARRAY, "workload.layer")))
        goto out;
    size_t n = dse_toml_array_size(layers);
    if (n == 0 || n > 100000) {
        rc = n ? S_ERR_VAL(c, layers, "too many layers (%zu; at most 100000)", n)
               : S_ERR_VAL(c, layers, "[workload] has no layers");
        goto out;
    }
    job->layers = dse_xcalloc(n, sizeof *job->layers);

    const dse_toml_value_t *global = s_get(root, "space", NULL);
    if (global) {
        rc = s_expect(c, global, DSE_TOML_TABLE, "[space]");
        if (!rc)
            rc = s_check_space_keys(c, m, global, "[space]");
        if (rc)
            goto out;
    }

    for (size_t i = 0; i < n && !rc; i++) {
        const dse_toml_value_t *lt = dse_toml_array_get(layers, i), *ov = NULL;
        if (!tree) {
            rc = s_layer_entry(c, c, job, lt, NULL, global);
            continue;
        }
        const char *name = dse_toml_string(s_get(lt, "name", NULL), NULL);
        for (size_t j = 0; user && j < dse_toml_array_size(user) && !ov; j++) {
            const dse_toml_value_t *ut = dse_toml_array_get(user, j);
            if (strcmp(dse_toml_string(s_get(ut, "name", NULL), NULL), name) == 0)
                ov = ut;
        }
        rc = s_layer_entry(&ci, c, job, lt, ov, global);
        for (int k = 0; k < 2 && !rc; k++) { /* names for exports */
            const char *sn = dse_network_layer_c(net, i)->src_names[k];
            job->layers[i].src_names[k] = sn ? dse_xstrdup(sn) : NULL;
        }
        if (rc && strcmp(c->err->file, job->onnx) == 0) {
            /* positions in the importer's text mean nothing to the user */
            char msg[sizeof c->err->msg];
            snprintf(msg, sizeof msg, "%s", c->err->msg);
            snprintf(c->err->msg, sizeof c->err->msg, "imported layer '%s': %.600s "
                     "(`dse-run --import` prints the layers)", name, msg);
            c->err->line = c->err->col = 0;
        }
    }
out:
    dse_toml_destroy(&tree);
    dse_network_destroy(&net);
    return rc;
}

/* -------------------------------------------------------------------- search */

/* Resolves a metric name used by an objective or constraint. */
static int s_metric_ref(const dse_hwmodel_t *m, const char *name, int *layer, int *net)
{
    *net = dse_model_net_metric(m, name);
    *layer = dse_model_metric(m, name);
    if (*net >= 0 && *layer < 0)
        *layer = dse_model_metric(m, m->net_metrics[*net].source);
    return *net >= 0 || *layer >= 0;
}

/* Lists the network metrics (objectives and constraints) and, under their
 * own label, the layer metrics that are not also network metrics (layer
 * constraints), each name once. */
static int s_unknown_metric(s_ctx_t *c, const dse_toml_value_t *v, const dse_hwmodel_t *m,
                            const char *name)
{
    const char *cand[DSE_MAX_METRICS * 2], *net[DSE_MAX_METRICS], *lay[DSE_MAX_METRICS];
    size_t n = 0, nn = 0, nl = 0;
    for (size_t i = 0; i < m->n_net_metrics && nn < DSE_MAX_METRICS; i++)
        cand[n++] = net[nn++] = m->net_metrics[i].name;
    for (size_t i = 0; i < m->n_metrics && nl < DSE_MAX_METRICS; i++) {
        if (dse_model_net_metric(m, m->metrics[i].name) >= 0)
            continue;
        cand[n++] = lay[nl++] = m->metrics[i].name;
    }
    char hint[128], nlist[1024], llist[1024];
    s_hint(hint, sizeof hint, name, cand, n);
    s_list(nlist, sizeof nlist, net, nn);
    s_list(llist, sizeof llist, lay, nl);
    return S_ERR_VAL(c, v, "unknown metric '%s' for model '%s'%s (network metrics: %s%s%s)", name,
                     m->name, hint, nlist, nl ? "; layer metrics only: " : "",
                     nl ? llist : "");
}

static int s_add_objective(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v,
                           const char *name)
{
    const dse_hwmodel_t *m = job->model;
    int layer, net;
    if (!s_metric_ref(m, name, &layer, &net))
        return s_unknown_metric(c, v, m, name);
    if (net < 0)
        return S_ERR_VAL(c, v, "metric '%s' is per layer only and cannot be a network "
                         "objective", name);
    if (layer < 0 || m->metrics[layer].labels)
        return S_ERR_VAL(c, v, "metric '%s' is a label, not a quantity to minimise", name);
    for (size_t i = 0; i < job->n_objectives; i++)
        if (job->objectives[i] == net)
            return S_ERR_VAL(c, v, "objective '%s' is listed twice", name);
    if (job->n_objectives >= DSE_MAX_OBJECTIVES)
        return S_ERR_VAL(c, v, "at most %d objectives", DSE_MAX_OBJECTIVES);
    job->objectives[job->n_objectives++] = net;
    for (size_t i = 0; i < job->n_layer_objectives; i++)
        if (job->layer_objectives[i] == layer)
            return 0;
    job->layer_objectives[job->n_layer_objectives++] = layer;
    return 0;
}

static int s_parse_constraint(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v)
{
    const dse_hwmodel_t *m = job->model;
    const char *s = dse_toml_string(v, NULL);
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    const char *name_start = p;
    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    char name[128];
    size_t nlen = (size_t)(p - name_start);
    if (nlen == 0 || nlen >= sizeof name)
        return S_ERR_VAL(c, v, "constraint \"%s\" must read 'metric <= value' (or <, >=, >, ==)",
                         s);
    memcpy(name, name_start, nlen);
    name[nlen] = '\0';
    while (isspace((unsigned char)*p))
        p++;
    dse_cmp_t cmp;
    if (strncmp(p, "<=", 2) == 0)
        cmp = DSE_CMP_LE, p += 2;
    else if (strncmp(p, ">=", 2) == 0)
        cmp = DSE_CMP_GE, p += 2;
    else if (strncmp(p, "==", 2) == 0)
        cmp = DSE_CMP_EQ, p += 2;
    else if (*p == '<')
        cmp = DSE_CMP_LT, p += 1;
    else if (*p == '>')
        cmp = DSE_CMP_GT, p += 1;
    else
        return S_ERR_VAL(c, v, "constraint \"%s\": expected <=, <, >=, > or == after '%s'", s,
                         name);
    /* bound: number | key | number * key | key * number */
    double bound = 1;
    int terms = 0;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+') {
            char *end;
            double x = strtod(p, &end);
            if (end == p || !isfinite(x))
                return S_ERR_VAL(c, v, "constraint \"%s\": bad number", s);
            bound *= x;
            p = end;
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *ks = p;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            char key[128];
            size_t kl = (size_t)(p - ks);
            if (kl >= sizeof key)
                return S_ERR_VAL(c, v, "constraint \"%s\": name too long", s);
            memcpy(key, ks, kl);
            key[kl] = '\0';
            int ki = dse_model_preset_key(m, key);
            if (ki < 0 || m->preset_keys[ki].kind == DSE_VAL_ENUM)
                return S_ERR_VAL(c, v, "constraint \"%s\": '%s' is not a numeric hardware key "
                                 "of model '%s'", s, key, m->name);
            bound *= job->hw[ki];
        } else {
            return S_ERR_VAL(c, v, "constraint \"%s\": expected a number or a hardware key "
                             "after the comparison", s);
        }
        terms++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '*') {
            p++;
            continue;
        }
        break;
    }
    if (*p)
        return S_ERR_VAL(c, v, "constraint \"%s\": unexpected '%s'", s, p);
    (void)terms;
    int layer, net;
    if (!s_metric_ref(m, name, &layer, &net))
        return s_unknown_metric(c, v, m, name);
    if (layer >= 0 && m->metrics[layer].labels)
        return S_ERR_VAL(c, v, "constraint \"%s\": '%s' is a label", s, name);
    if (job->n_constraints >= DSE_MAX_CONSTRAINTS)
        return S_ERR_VAL(c, v, "at most %d constraints", DSE_MAX_CONSTRAINTS);
    dse_constraint_t *k = &job->constraints[job->n_constraints++];
    k->cmp = cmp;
    k->bound = bound;
    k->net = net;
    /* A per-layer check is exact only where the network value bounds each
     * layer's value from above: an upper bound on a sum or max of
     * non-negative metrics. Otherwise the constraint is checked on the
     * network alone. */
    k->metric = -1;
    if (net < 0) {
        k->metric = layer; /* a per-layer-only metric: checked per layer */
    } else if ((cmp == DSE_CMP_LE || cmp == DSE_CMP_LT) &&
               (m->net_metrics[net].agg == DSE_AGG_SUM || m->net_metrics[net].agg == DSE_AGG_MAX)) {
        k->metric = layer;
    }
    return 0;
}

/* Reads an accuracy table: CSV "prune,accuracy" with a header row, ratios
 * strictly ascending in [0, 1], accuracy not increasing (what makes the
 * composition on the ratio exact). Errors point into the table file. */
static int s_accuracy_table(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v)
{
    const char *name = dse_toml_string(v, NULL);
    char path[4096];
    if (name[0] == '/' || !strchr(c->file, '/')) {
        snprintf(path, sizeof path, "%s", name);
    } else {
        const char *slash = strrchr(c->file, '/');
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - c->file), c->file, name);
    }
    char *text = NULL;
    size_t len = 0;
    dse_error_t ferr = DSE_ERROR_INIT;
    if (dse_read_file_max(path, DSE_CONFIG_MAX_FILE, &text, &len, &ferr) != 0)
        return S_ERR_VAL(c, v, "accuracy table: %s: %s", path, ferr.msg);
    s_ctx_t tc = {path, c->err, c->flags};
    int rc = 0, line = 0;
    char *save = NULL;
    for (char *ln = strtok_r(text, "\n", &save); ln && !rc; ln = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t n = strlen(ln);
        if (n && ln[n - 1] == '\r')
            ln[--n] = '\0';
        if (line == 1) {
            if (strcmp(ln, "prune,accuracy") != 0)
                rc = s_err_at(&tc, 1, 1, "the header must be 'prune,accuracy'");
            continue;
        }
        if (n == 0)
            continue;
        char *end;
        double p = strtod(ln, &end);
        if (end == ln || *end != ',') {
            rc = s_err_at(&tc, line, 1, "expected 'ratio,accuracy'");
            break;
        }
        char *a_start = end + 1;
        double a = strtod(a_start, &end);
        if (end == a_start || *end || !isfinite(a) || !(p >= 0 && p <= 1)) {
            rc = s_err_at(&tc, line, 1, "expected a ratio in [0, 1] and a finite accuracy");
            break;
        }
        size_t k = job->n_accuracy;
        if (k && p <= job->accuracy_prune[k - 1]) {
            rc = s_err_at(&tc, line, 1, "ratios must be strictly ascending");
            break;
        }
        if (k && a > job->accuracy_value[k - 1]) {
            rc = s_err_at(&tc, line, 1, "accuracy rises with pruning (%g after %g): the table "
                          "must not increase with the ratio", a, job->accuracy_value[k - 1]);
            break;
        }
        size_t cap = k;
        job->accuracy_prune = dse_xgrow(job->accuracy_prune, sizeof(double), k + 1, &cap);
        cap = k;
        job->accuracy_value = dse_xgrow(job->accuracy_value, sizeof(double), k + 1, &cap);
        job->accuracy_prune[k] = p;
        job->accuracy_value[k] = a;
        job->n_accuracy = k + 1;
    }
    free(text);
    if (!rc && job->n_accuracy < 1)
        rc = s_err_at(&tc, 1, 1, "the accuracy table has no rows");
    return rc;
}

/* [search] margin: one number for every per-layer objective, or an inline
 * table by objective name ({ cycles = 0.1, l1_bytes = 0.0 }); objectives
 * the table does not name keep the default. */
static int s_margin(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v)
{
    const dse_hwmodel_t *m = job->model;
    int rc;
    double x;
    if (dse_toml_type(v) != DSE_TOML_TABLE) {
        if ((rc = s_number(c, v, "margin", &x)))
            return rc;
        if (!(x >= 0 && x <= 100))
            return S_ERR_VAL(c, v, "margin must be 0 to 100 (relative, per objective)");
        for (size_t j = 0; j < DSE_MAX_OBJECTIVES; j++)
            job->margin[j] = x;
        return 0;
    }
    for (size_t i = 0; i < dse_toml_table_size(v); i++) {
        const char *name = dse_toml_table_key(v, i);
        size_t j = 0;
        while (j < job->n_layer_objectives &&
               strcmp(m->metrics[job->layer_objectives[j]].name, name) != 0)
            j++;
        if (j == job->n_layer_objectives) {
            dse_strbuf_t sb = DSE_STRBUF_INIT;
            for (size_t k = 0; k < job->n_layer_objectives; k++)
                dse_strbuf_addf(&sb, "%s%s", k ? ", " : "", m->metrics[job->layer_objectives[k]].name);
            rc = S_ERR_KEY(c, v, i, "margin: '%s' is not an objective of the layers (they are: "
                           "%s)", name, sb.buf ? sb.buf : "");
            dse_strbuf_release(&sb);
            return rc;
        }
        const dse_toml_value_t *e = dse_toml_table_get(v, name);
        if ((rc = s_number(c, e, "margin", &x)))
            return rc;
        if (!(x >= 0 && x <= 100))
            return S_ERR_VAL(c, e, "margin of %s must be 0 to 100 (relative)", name);
        job->margin[j] = x;
    }
    return 0;
}

static int s_search(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_hwmodel_t *m = job->model;
    const dse_toml_value_t *s = s_get(root, "search", NULL);
    int rc;
    if (s && (rc = s_expect(c, s, DSE_TOML_TABLE, "[search]")))
        return rc;
    static const char *const keys[] = {"strategy",   "objectives", "constraints",
                                       "seed",       "budget",     "accuracy",
                                       "population", "stall_generations", "seconds", "margin",
                                       "margin_mode", "margin_safety", "epsilon"};
    if (s && (rc = s_check_keys(c, s, "[search]", keys, sizeof keys / sizeof keys[0])))
        return rc;
    job->accuracy_objective = -1;
    const dse_toml_value_t *acc = s ? s_get(s, "accuracy", NULL) : NULL;
    if (acc && !(c->flags & DSE_CONFIG_CANONICAL)) {
        if ((rc = s_expect(c, acc, DSE_TOML_STRING, "accuracy")))
            return rc;
        int pn = dse_model_net_metric(m, "prune");
        if (pn < 0 || m->net_metrics[pn].agg != DSE_AGG_MEAN)
            return S_ERR_VAL(c, acc, "model '%s' has no mean pruning ratio ('prune') to map to "
                             "accuracy", m->name);
        if ((rc = s_accuracy_table(c, job, acc)))
            return rc;
    }
    const char *strategy = "exhaustive";
    if (s && (rc = s_string(c, s, "strategy", "the search strategy", 0, 0, 0, &strategy)))
        return rc;
    /* the search strategies (config/strategy.h), then the model's baselines
     * (a baseline as a strategy evaluates its one deployment) */
    int sid = dse_strategy_find(job, strategy);
    if (sid < 0) {
        const char **names;
        size_t n_names = dse_strategy_names(job, &names);
        char hint[128], list[512];
        s_hint(hint, sizeof hint, strategy, names, n_names);
        s_list(list, sizeof list, names, n_names);
        free(names);
        return S_ERR_VAL(c, s_get(s, "strategy", NULL), "unknown strategy \"%s\" (strategies: "
                         "%s)%s", strategy, list, hint);
    }
    job->strategy = dse_xstrdup(strategy);

    const dse_toml_value_t *v = s ? s_get(s, "objectives", NULL) : NULL;
    if (v) {
        if ((rc = s_expect(c, v, DSE_TOML_ARRAY, "objectives")))
            return rc;
        if (dse_toml_array_size(v) == 0)
            return S_ERR_VAL(c, v, "objectives must name at least one metric");
        for (size_t i = 0; i < dse_toml_array_size(v); i++) {
            const dse_toml_value_t *e = dse_toml_array_get(v, i);
            if ((rc = s_expect(c, e, DSE_TOML_STRING, "an objective")))
                return rc;
            const char *oname = dse_toml_string(e, NULL);
            if (strcmp(oname, "accuracy") == 0) {
                if (!job->n_accuracy)
                    return S_ERR_VAL(c, e, "objective 'accuracy' needs a measured table: "
                                     "[search] accuracy = \"table.csv\"");
                job->accuracy_objective = (int)job->n_objectives;
                oname = "prune"; /* composed on the ratio, mapped afterwards */
            }
            if ((rc = s_add_objective(c, job, e, oname)))
                return rc;
        }
    } else {
        for (size_t i = 0; m->default_objectives && m->default_objectives[i]; i++) {
            int layer, net;
            if (!s_metric_ref(m, m->default_objectives[i], &layer, &net) || net < 0 ||
                layer < 0)
                return s_err_at(c, 1, 1, "internal: model '%s' declares an unknown default "
                                "objective '%s'", m->name, m->default_objectives[i]);
            job->objectives[job->n_objectives++] = net;
            size_t j = 0;
            while (j < job->n_layer_objectives && job->layer_objectives[j] != layer)
                j++;
            if (j == job->n_layer_objectives)
                job->layer_objectives[job->n_layer_objectives++] = layer;
        }
        if (job->n_objectives == 0)
            return s_err_at(c, 1, 1, "[search] objectives: model '%s' has no default; name "
                            "the metrics to minimise", m->name);
    }

    if (s && (v = s_get(s, "constraints", NULL))) {
        if ((rc = s_expect(c, v, DSE_TOML_ARRAY, "constraints")))
            return rc;
        for (size_t i = 0; i < dse_toml_array_size(v); i++) {
            const dse_toml_value_t *e = dse_toml_array_get(v, i);
            if ((rc = s_expect(c, e, DSE_TOML_STRING, "a constraint")))
                return rc;
            if ((rc = s_parse_constraint(c, job, e)))
                return rc;
        }
    }
    job->seed = 1;
    if (s && (v = s_get(s, "seed", NULL))) {
        int64_t x;
        if ((rc = s_int(c, v, "seed", 0, INT64_MAX, &x)))
            return rc;
        job->seed = (uint64_t)x;
    }
    if (s && (v = s_get(s, "budget", NULL))) {
        if ((rc = s_int(c, v, "budget", 0, INT64_MAX, &job->budget)))
            return rc;
    }
    if (s && (v = s_get(s, "population", NULL))) {
        if ((rc = s_int(c, v, "population", 0, 100000, &job->population)))
            return rc;
        if (job->population > 0 && job->population < 4)
            return S_ERR_VAL(c, v, "population must be at least 4 (or 0 for the default)");
    }
    if (s && (v = s_get(s, "stall_generations", NULL))) {
        if ((rc = s_int(c, v, "stall_generations", 0, 1000000, &job->stall_generations)))
            return rc;
    }
    for (size_t j = 0; j < DSE_MAX_OBJECTIVES; j++)
        job->margin[j] = 0.1;
    if (s && (v = s_get(s, "margin", NULL))) {
        if (strcmp(job->strategy, "refine") != 0)
            return S_ERR_VAL(c, v, "margin applies to strategy = \"refine\" only");
        if ((rc = s_margin(c, job, v)))
            return rc;
    }
    /* refine's margin mode, index = DSE_MARGIN_* (core/job.h) */
    static const char *const modes[] = {"adaptive", "declared", NULL};
    job->margin_safety = DSE_MARGIN_SAFETY;
    if (s && (v = s_get(s, "margin_mode", NULL))) {
        double x;
        if (strcmp(job->strategy, "refine") != 0)
            return S_ERR_VAL(c, v, "margin_mode applies to strategy = \"refine\" only");
        if ((rc = s_enum_value(c, "margin_mode", modes, v, &x)))
            return rc;
        job->margin_mode = (int)x;
        if (job->margin_mode == DSE_MARGIN_ADAPTIVE && s_get(s, "margin", NULL))
            return S_ERR_VAL(c, v, "margin applies to margin_mode = \"declared\"; the adaptive "
                             "margin comes from the errors seen (margin_safety)");
    } else if (s && s_get(s, "margin", NULL)) {
        job->margin_mode = DSE_MARGIN_DECLARED; /* a margin given: the declared mode */
    }
    if (s && (v = s_get(s, "margin_safety", NULL))) {
        if (strcmp(job->strategy, "refine") != 0 || job->margin_mode != DSE_MARGIN_ADAPTIVE)
            return S_ERR_VAL(c, v, "margin_safety applies to strategy = \"refine\" with "
                             "margin_mode = \"adaptive\" only");
        if ((rc = s_number(c, v, "margin_safety", &job->margin_safety)))
            return rc;
        if (!(job->margin_safety >= 1 && job->margin_safety <= 100))
            return S_ERR_VAL(c, v, "margin_safety must be 1 to 100 (a factor on the largest "
                             "error seen)");
    }
    if (s && (v = s_get(s, "seconds", NULL))) {
        if ((rc = s_number(c, v, "seconds", &job->seconds)))
            return rc;
        if (!(job->seconds >= 0 && job->seconds <= 1e7))
            return S_ERR_VAL(c, v, "seconds must be 0 (no limit) to 10000000");
    }
    if (s && (v = s_get(s, "epsilon", NULL))) {
        if ((rc = s_number(c, v, "epsilon", &job->epsilon)))
            return rc;
        if (!(job->epsilon >= 0 && job->epsilon <= 10))
            return S_ERR_VAL(c, v, "epsilon must be 0 (the exact front) to 10 (a relative "
                                   "tolerance, e.g. 0.05)");
    }
    if (sid == DSE_STRATEGY_BASELINE) {
        /* a baseline runs as a strategy only when it picks points of the spaces */
        uint64_t *points = dse_xcalloc(job->n_layers + 1, sizeof *points);
        dse_error_t berr = DSE_ERROR_INIT;
        rc = dse_baseline_points(job, job->strategy, points, &berr);
        free(points);
        if (rc)
            return S_ERR_VAL(c, s_get(s, "strategy", NULL), "%s", berr.msg);
    }
    return 0;
}

static int s_cluster(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    job->workers = 0;
    job->heartbeat_s = 1.0;
    job->heartbeat_misses = 3;
    job->max_attempts = 3;
    job->unit_seconds = 0.25;
    const dse_toml_value_t *t = s_get(root, "cluster", NULL);
    if (!t)
        return 0;
    int rc = s_expect(c, t, DSE_TOML_TABLE, "[cluster]");
    if (rc)
        return rc;
    static const char *const keys[] = {"workers", "heartbeat", "heartbeat_misses",
                                       "max_attempts", "unit_seconds"};
    if ((rc = s_check_keys(c, t, "[cluster]", keys, 5)))
        return rc;
    const dse_toml_value_t *v;
    int64_t x;
    if ((v = s_get(t, "workers", NULL))) {
        if ((rc = s_int(c, v, "workers", 0, 1024, &x)))
            return rc;
        job->workers = (int)x;
    }
    if ((v = s_get(t, "heartbeat", NULL))) {
        if ((rc = s_number(c, v, "heartbeat", &job->heartbeat_s)))
            return rc;
        if (job->heartbeat_s < 0.01 || job->heartbeat_s > 3600)
            return S_ERR_VAL(c, v, "heartbeat must be 0.01 to 3600 seconds");
    }
    if ((v = s_get(t, "heartbeat_misses", NULL))) {
        if ((rc = s_int(c, v, "heartbeat_misses", 1, 1000, &x)))
            return rc;
        job->heartbeat_misses = (int)x;
    }
    if ((v = s_get(t, "max_attempts", NULL))) {
        if ((rc = s_int(c, v, "max_attempts", 1, 1000, &x)))
            return rc;
        job->max_attempts = (int)x;
    }
    if ((v = s_get(t, "unit_seconds", NULL))) {
        if ((rc = s_number(c, v, "unit_seconds", &job->unit_seconds)))
            return rc;
        if (job->unit_seconds < 0.001 || job->unit_seconds > 3600)
            return S_ERR_VAL(c, v, "unit_seconds must be 0.001 to 3600");
    }
    return 0;
}

static int s_job_section(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *t = s_get(root, "job", NULL);
    int rc;
    if (t && (rc = s_expect(c, t, DSE_TOML_TABLE, "[job]")))
        return rc;
    static const char *const keys[] = {"name", "output", "description", "dump_all",
                                       "plot_layers", "plot"};
    if (t && (rc = s_check_keys(c, t, "[job]", keys, 6)))
        return rc;
    const dse_toml_value_t *dv = t ? s_get(t, "dump_all", NULL) : NULL;
    if (dv) {
        if ((rc = s_expect(c, dv, DSE_TOML_BOOL, "dump_all")))
            return rc;
        job->dump_all = dse_toml_bool(dv);
    }
    if ((dv = t ? s_get(t, "plot_layers", NULL) : NULL)) {
        if ((rc = s_expect(c, dv, DSE_TOML_BOOL, "plot_layers")))
            return rc;
        job->plot_layers = dse_toml_bool(dv);
    }
    const char *name = NULL, *output = NULL, *desc = NULL;
    if (t && ((rc = s_string(c, t, "name", "the job's name", 0, 0, 0, &name)) ||
              (rc = s_string(c, t, "output", "the output folder", 0, 0, 0, &output)) ||
              (rc = s_string(c, t, "description", "a description", 0, 0, 0, &desc))))
        return rc;
    if (name) {
        if (!s_valid_name(name))
            return S_ERR_VAL(c, s_get(t, "name", NULL), "a job name may only hold letters, "
                             "digits, '-', '_' and '.'");
        job->name = dse_xstrdup(name);
    } else {
        /* the file name without folder and extension */
        const char *base = strrchr(c->file, '/');
        base = base ? base + 1 : c->file;
        size_t len = strcspn(base, ".");
        job->name = len ? dse_xstrndup(base, len) : dse_xstrdup("job");
    }
    if (output) {
        if (!*output)
            return S_ERR_VAL(c, s_get(t, "output", NULL), "output must name a folder");
        job->output = dse_xstrdup(output);
    } else {
        dse_strbuf_t sb = DSE_STRBUF_INIT;
        dse_strbuf_addf(&sb, "results/%s", job->name);
        job->output = dse_strbuf_detach(&sb, NULL);
    }
    return 0;
}

/* [job] plot = ["x metric", "y metric"]: network metrics (or "accuracy"
 * with a table) for pareto.svg. Read after [search], which decides whether
 * accuracy exists. Only dse-run plots, so the canonical text leaves it out. */
static int s_plot_axes(s_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *t = s_get(root, "job", NULL);
    const dse_toml_value_t *v = t ? s_get(t, "plot", NULL) : NULL;
    if (!v)
        return 0;
    int rc = s_expect(c, v, DSE_TOML_ARRAY, "plot");
    if (rc)
        return rc;
    size_t n = dse_toml_array_size(v);
    if (n < 1 || n > 2)
        return S_ERR_VAL(c, v, "plot names the metric of the x axis and, for a 2-D plot, of the "
                         "y axis: 1 or 2 names, not %zu", n);
    const dse_hwmodel_t *m = job->model;
    for (size_t i = 0; i < n; i++) {
        const dse_toml_value_t *e = dse_toml_array_get(v, i);
        if ((rc = s_expect(c, e, DSE_TOML_STRING, "a plotted metric")))
            return rc;
        const char *name = dse_toml_string(e, NULL);
        int net = dse_model_net_metric(m, name);
        if (strcmp(name, "accuracy") == 0 && job->accuracy_objective >= 0) {
            net = -1;
        } else if (net < 0) {
            return s_unknown_metric(c, e, m, name);
        } else {
            int layer = dse_model_metric(m, m->net_metrics[net].source);
            if (layer < 0 || m->metrics[layer].labels)
                return S_ERR_VAL(c, e, "metric '%s' is a label, not a quantity to plot", name);
        }
        for (size_t j = 0; j < i; j++)
            if (job->plot_axes[j] == net)
                return S_ERR_VAL(c, e, "'%s' is plotted twice", name);
        job->plot_axes[i] = net;
    }
    job->n_plot = n;
    return 0;
}

int dse_config_parse(const char *name, const char *text, size_t len, unsigned flags,
                     dse_job_t **out, dse_error_t *err)
{
    dse_error_t local = DSE_ERROR_INIT;
    if (!err)
        err = &local;
    s_ctx_t c = {name ? name : "<config>", err, flags};
    *out = NULL;
    dse_toml_value_t *root = dse_toml_parse(text, len, err);
    if (!root) {
        snprintf(err->file, sizeof err->file, "%s", c.file);
        err->code = DSE_ECONFIG;
        return DSE_ECONFIG;
    }
    dse_job_t *job = dse_xcalloc(1, sizeof *job);
    job->path = dse_xstrdup(c.file);
    static const char *const top[] = {"job",    "target",  "workload", "space",
                                      "search", "cluster", "evaluator"};
    int rc = s_check_keys(&c, root, "the job file (sections: [job], [target], [workload], "
                          "[space], [search], [cluster], [evaluator])", top, 7);
    if (!rc)
        rc = s_job_section(&c, job, root);
    if (!rc)
        rc = s_target(&c, job, root);
    if (!rc)
        rc = s_workload(&c, job, root);
    if (!rc)
        rc = s_search(&c, job, root);
    if (!rc)
        rc = s_cluster(&c, job, root);
    const dse_toml_value_t *ev = rc ? NULL : s_get(root, "evaluator", NULL);
    if (ev)
        rc = dse_evaluator_parse(ev, job, c.file, &job->evaluator, err);
    if (!rc && !job->evaluator && dse_strategy_decl(dse_strategy_of(job))->measured) {
        const dse_toml_value_t *sv = s_get(s_get(root, "search", NULL), "strategy", NULL);
        rc = S_ERR_VAL(&c, sv, "strategy \"%s\" screens with the model and measures with "
                       "a command: it needs [evaluator] kind = \"command\"", job->strategy);
    }
    if (!rc)
        rc = s_plot_axes(&c, job, root);
    dse_toml_destroy(&root);
    if (rc) {
        dse_job_destroy(&job);
        return rc;
    }
    *out = job;
    return 0;
}

void dse_job_destroy(dse_job_t **job_p)
{
    if (!job_p || !*job_p)
        return;
    dse_job_t *job = *job_p;
    for (size_t i = 0; i < job->n_layers; i++) {
        free(job->layers[i].name);
        free(job->layers[i].src_names[0]);
        free(job->layers[i].src_names[1]);
        dse_space_destroy(&job->layers[i].space);
    }
    free(job->layers);
    free(job->onnx);
    for (size_t i = 0; i < job->n_onnx_ignore; i++)
        free(job->onnx_ignore[i]);
    free(job->onnx_ignore);
    for (size_t i = 0; i < job->n_onnx_dropped; i++)
        free(job->onnx_dropped[i]);
    free(job->onnx_dropped);
    free(job->path);
    free(job->name);
    free(job->output);
    free(job->hardware);
    free(job->strategy);
    free(job->accuracy_prune);
    free(job->accuracy_value);
    dse_evaluator_destroy(&job->evaluator);
    free(job);
    *job_p = NULL;
}

int dse_job_prune_warning(const dse_job_t *job, char *buf, size_t size)
{
    const dse_hwmodel_t *m = job->model;
    int p = m ? dse_model_param(m, "prune") : -1;
    int net = m ? dse_model_net_metric(m, "prune") : -1;
    if (p < 0 || job->n_accuracy > 0)
        return 0;
    for (size_t i = 0; i < job->n_objectives; i++)
        if (job->objectives[i] == net)
            return 0;
    size_t layers = 0;
    double most = 0;
    for (size_t l = 0; l < job->n_layers; l++) {
        const struct dse_space *s = job->layers[l].space;
        if (!s || (size_t)p >= s->n_params)
            continue;
        int prunes = 0;
        for (size_t v = 0; v < s->n_values[p]; v++)
            if (s->values[p][v] > 0) {
                prunes = 1;
                if (s->values[p][v] > most)
                    most = s->values[p][v];
            }
        layers += (size_t)prunes;
    }
    if (!layers)
        return 0;
    snprintf(buf, size,
             "warning: %zu layer%s may prune (up to %g) but pruning is neither an objective nor "
             "covered by an accuracy table: the front will prefer pruned networks, whose "
             "accuracy loss no model sees, and compare them with unpruned baselines; add "
             "\"prune\" to [search] objectives, give [search] accuracy a table, or set "
             "prune = [0.0]",
             layers, layers == 1 ? "" : "s", most);
    return 1;
}
int dse_config_load(const char *path, dse_job_t **job, dse_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    *job = NULL;
    int rc = dse_read_file_max(path, DSE_CONFIG_MAX_FILE, &text, &len, err);
    if (rc)
        return rc;
    rc = dse_config_parse(path, text, len, 0, job, err);
    free(text);
    return rc;
}

/* ----------------------------------------------------------- canonical text */

/* A value of a declared kind as TOML. */
static void s_toml_value(dse_strbuf_t *sb, dse_val_kind_t kind, const char *const *choices,
                         double x)
{
    char buf[64];
    if (kind == DSE_VAL_ENUM) {
        dse_strbuf_add_toml_string(sb, choices[(size_t)x]);
    } else if (kind == DSE_VAL_INT) {
        dse_strbuf_addf(sb, "%lld", (long long)x);
    } else {
        dse_fmt_double(buf, sizeof buf, x);
        dse_strbuf_adds(sb, buf);
        if (!strpbrk(buf, ".eEn")) /* make it a TOML float */
            dse_strbuf_adds(sb, ".0");
    }
}

static const char *const s_cmp_names[] = {"<=", "<", ">=", ">", "=="};

char *dse_job_canonical(const dse_job_t *job)
{
    const dse_hwmodel_t *m = job->model;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    char buf[64];
    dse_strbuf_adds(&sb, "# canonical job\n[job]\nname = ");
    dse_strbuf_add_toml_string(&sb, job->name);
    /* no output folder: only dse-run writes there, and the job's digest
     * (in summary.json, on the wire) must not depend on --output */
    dse_strbuf_addf(&sb, "\ndump_all = %s", job->dump_all ? "true" : "false");
    dse_strbuf_addf(&sb, "\nplot_layers = %s", job->plot_layers ? "true" : "false");
    dse_strbuf_adds(&sb, "\n\n[target]\nmodel = ");
    dse_strbuf_add_toml_string(&sb, m->name);
    dse_strbuf_adds(&sb, "\nhardware = ");
    dse_strbuf_add_toml_string(&sb, job->hardware);
    dse_strbuf_addc(&sb, '\n');
    for (size_t i = 0; i < m->n_preset_keys; i++) {
        dse_strbuf_addf(&sb, "%s = ", m->preset_keys[i].name);
        s_toml_value(&sb, m->preset_keys[i].kind, m->preset_keys[i].choices, job->hw[i]);
        dse_strbuf_addc(&sb, '\n');
    }
    dse_strbuf_addf(&sb, "\n[workload]\ndtype = \"%s\"\nsteps = [", dse_dtype_name(job->dtype));
    int first = 1;
    for (unsigned i = 0; i < DSE_N_STEPS; i++)
        if (job->steps & (1u << i)) {
            dse_strbuf_addf(&sb, "%s\"%s\"", first ? "" : ", ", dse_step_name(i));
            first = 0;
        }
    dse_strbuf_adds(&sb, "]\n");
    for (size_t li = 0; li < job->n_layers; li++) {
        const dse_layer_t *L = &job->layers[li];
        dse_strbuf_adds(&sb, "\n[[workload.layer]]\nname = ");
        dse_strbuf_add_toml_string(&sb, L->name);
        dse_strbuf_addf(&sb, "\nop = \"%s\"\n", dse_op_name(L->op));
        if (L->batch != 1) /* absent at 1: the digest of a batch-1 job is unchanged */
            dse_strbuf_addf(&sb, "batch = %lld\n", (long long)L->batch);
        switch (L->op) {
        case DSE_OP_MATMUL:
        case DSE_OP_GEMM:
            dse_strbuf_addf(&sb, "dims = [%lld, %lld, %lld]\n", (long long)L->m, (long long)L->n,
                            (long long)L->k);
            break;
        case DSE_OP_GEMV:
            dse_strbuf_addf(&sb, "dims = [%lld, %lld]\n", (long long)L->n, (long long)L->k);
            break;
        case DSE_OP_LINEAR:
            dse_strbuf_addf(&sb, "in_shape = [%lld]\nout_channels = %lld\n", (long long)L->cin,
                            (long long)L->cout);
            break;
        default:
            dse_strbuf_addf(&sb, "in_shape = [%lld, %lld, %lld]\n", (long long)L->cin,
                            (long long)L->hin, (long long)L->win);
            if (dse_op_is_eltwise(L->op))
                break;
            if (L->op != DSE_OP_MAXPOOL && L->op != DSE_OP_AVGPOOL)
                dse_strbuf_addf(&sb, "out_channels = %lld\n", (long long)L->cout);
            dse_strbuf_addf(&sb, "kernel = [%lld, %lld]\nstride = [%lld, %lld]\n"
                                 "padding = [%lld, %lld, %lld, %lld]\n",
                            (long long)L->kh, (long long)L->kw, (long long)L->sh,
                            (long long)L->sw, (long long)L->pad_t, (long long)L->pad_l,
                            (long long)L->pad_b, (long long)L->pad_r);
            break;
        }
        for (size_t k = 0; k < m->n_layer_keys; k++) {
            dse_strbuf_addf(&sb, "%s = ", m->layer_keys[k].name);
            s_toml_value(&sb, m->layer_keys[k].kind, m->layer_keys[k].choices, L->attr[k]);
            dse_strbuf_addc(&sb, '\n');
        }
        dse_strbuf_adds(&sb, "space = { ");
        int first_param = 1;
        for (size_t p = 0; p < m->n_params; p++) {
            const dse_param_decl_t *d = &m->params[p];
            if (d->applies && !d->applies(job, L))
                continue; /* fixed at its neutral value */
            dse_strbuf_addf(&sb, "%s%s = [", first_param ? "" : ", ", d->name);
            first_param = 0;
            for (size_t i = 0; i < L->space->n_values[p]; i++) {
                if (i)
                    dse_strbuf_adds(&sb, ", ");
                s_toml_value(&sb, d->kind, d->choices, L->space->values[p][i]);
            }
            dse_strbuf_addc(&sb, ']');
        }
        dse_strbuf_adds(&sb, " }\n");
    }
    dse_strbuf_addf(&sb, "\n[search]\nstrategy = \"%s\"\nobjectives = [", job->strategy);
    for (size_t i = 0; i < job->n_objectives; i++) {
        if (i)
            dse_strbuf_adds(&sb, ", ");
        dse_strbuf_add_toml_string(&sb, m->net_metrics[job->objectives[i]].name);
    }
    dse_strbuf_adds(&sb, "]\nconstraints = [");
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        const char *name = k->net >= 0 ? m->net_metrics[k->net].name : m->metrics[k->metric].name;
        dse_fmt_double(buf, sizeof buf, k->bound);
        dse_strbuf_addf(&sb, "%s\"%s %s %s\"", i ? ", " : "", name, s_cmp_names[k->cmp], buf);
    }
    dse_strbuf_addf(&sb, "]\nseed = %llu\nbudget = %lld\npopulation = %lld\n"
                         "stall_generations = %lld\n", (unsigned long long)job->seed,
                    (long long)job->budget, (long long)job->population,
                    (long long)job->stall_generations);
    dse_fmt_double(buf, sizeof buf, job->seconds);
    dse_strbuf_addf(&sb, "seconds = %s%s\n", buf, strpbrk(buf, ".e") ? "" : ".0");
    if (strcmp(job->strategy, "refine") == 0 && job->margin_mode == DSE_MARGIN_ADAPTIVE) {
        dse_fmt_double(buf, sizeof buf, job->margin_safety);
        dse_strbuf_addf(&sb, "margin_mode = \"adaptive\"\nmargin_safety = %s%s\n", buf,
                        strpbrk(buf, ".e") ? "" : ".0");
    } else if (strcmp(job->strategy, "refine") == 0) {
        /* one number when every objective has the same margin (the text of
         * such jobs is what it was), else a table */
        int same = 1;
        for (size_t j = 1; j < job->n_layer_objectives; j++)
            same &= job->margin[j] == job->margin[0];
        if (same) {
            dse_fmt_double(buf, sizeof buf, job->margin[0]);
            dse_strbuf_addf(&sb, "margin = %s%s\n", buf, strpbrk(buf, ".e") ? "" : ".0");
        } else {
            dse_strbuf_adds(&sb, "margin = { ");
            for (size_t j = 0; j < job->n_layer_objectives; j++) {
                dse_fmt_double(buf, sizeof buf, job->margin[j]);
                dse_strbuf_addf(&sb, "%s%s = %s%s", j ? ", " : "",
                                m->metrics[job->layer_objectives[j]].name, buf,
                                strpbrk(buf, ".e") ? "" : ".0");
            }
            dse_strbuf_adds(&sb, " }\n");
        }
        dse_strbuf_adds(&sb, "margin_mode = \"declared\"\n");
    }
    dse_strbuf_addf(&sb, "\n[cluster]\nworkers = %d\nheartbeat_misses = %d\nmax_attempts = %d\n",
                    job->workers, job->heartbeat_misses, job->max_attempts);
    dse_fmt_double(buf, sizeof buf, job->heartbeat_s);
    dse_strbuf_addf(&sb, "heartbeat = %s%s\n", buf, strpbrk(buf, ".e") ? "" : ".0");
    dse_fmt_double(buf, sizeof buf, job->unit_seconds);
    dse_strbuf_addf(&sb, "unit_seconds = %s%s\n", buf, strpbrk(buf, ".e") ? "" : ".0");
    if (job->evaluator) /* kind = "model" adds nothing: its text and digest stay as they were */
        dse_evaluator_canonical(job->evaluator, &sb);
    return dse_strbuf_detach(&sb, NULL);
}

void dse_job_digest(const char *canonical, char out[33])
{
    size_t len = strlen(canonical);
    uint64_t a = dse_hash64(canonical, len, 0x9e3779b97f4a7c15ULL);
    uint64_t b = dse_hash64(canonical, len, 0xc2b2ae3d27d4eb4fULL ^ len);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

/* ------------------------------------------------------------------ printing */

static void s_print_domain(FILE *out, const dse_param_decl_t *d, const dse_space_t *s, size_t p)
{
    size_t n = s->n_values[p];
    fprintf(out, "[");
    for (size_t i = 0; i < n; i++) {
        if (n > 12 && i == 5) {
            fprintf(out, ", ...");
            i = n - 4;
            continue;
        }
        char buf[64];
        if (d->kind == DSE_VAL_ENUM)
            snprintf(buf, sizeof buf, "%s", d->choices[(size_t)s->values[p][i]]);
        else
            dse_fmt_double(buf, sizeof buf, s->values[p][i]);
        fprintf(out, "%s%s", i ? ", " : "", buf);
    }
    fprintf(out, "]");
}

void dse_job_print(const dse_job_t *job, FILE *out)
{
    const dse_hwmodel_t *m = job->model;
    fprintf(out, "job %s (%s)\n", job->name, job->path);
    fprintf(out, "  output:   %s\n", job->output);
    fprintf(out, "  model:    %s%s%s%s\n", m->name, job->hardware[0] ? " on \"" : "",
            job->hardware, job->hardware[0] ? "\"" : "");
    for (size_t i = 0; i < m->n_preset_keys; i++) {
        const dse_key_decl_t *k = &m->preset_keys[i];
        char buf[64];
        if (k->kind == DSE_VAL_ENUM)
            snprintf(buf, sizeof buf, "%s", k->choices[(size_t)job->hw[i]]);
        else
            dse_fmt_double(buf, sizeof buf, job->hw[i]);
        fprintf(out, "    %-22s %s%s%s\n", k->name, buf, k->unit && k->unit[0] ? " " : "",
                k->unit ? k->unit : "");
    }
    fprintf(out, "  workload: %s,", dse_dtype_name(job->dtype));
    for (unsigned i = 0; i < DSE_N_STEPS; i++)
        if (job->steps & (1u << i))
            fprintf(out, " %s", dse_step_name(i));
    fprintf(out, ", %zu layer%s", job->n_layers, job->n_layers == 1 ? "" : "s");
    int64_t b0 = job->n_layers ? job->layers[0].batch : 1;
    int same = 1;
    for (size_t li = 0; li < job->n_layers; li++)
        same &= job->layers[li].batch == b0;
    if (same)
        fprintf(out, ", batch %lld\n", (long long)b0);
    else
        fprintf(out, ", batch per layer\n");
    fprintf(out, "  search:   %s, objectives", job->strategy);
    for (size_t i = 0; i < job->n_objectives; i++)
        fprintf(out, "%s %s", i ? "," : "", m->net_metrics[job->objectives[i]].name);
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        char buf[64];
        dse_fmt_double(buf, sizeof buf, k->bound);
        fprintf(out, "%s %s %s %s", i ? "," : "; subject to",
                k->net >= 0 ? m->net_metrics[k->net].name : m->metrics[k->metric].name,
                s_cmp_names[k->cmp], buf);
    }
    if (dse_strategy_decl(dse_strategy_of(job))->settings & DSE_STRATEGY_SEED) {
        fprintf(out, "; seed %llu, budget ", (unsigned long long)job->seed);
        if (job->budget > 0)
            fprintf(out, "%lld evaluations", (long long)job->budget);
        else
            fprintf(out, "default (10^6 evaluations)");
        if (job->seconds > 0)
            fprintf(out, ", at most %g s", job->seconds);
    }
    fprintf(out, "\n\n");
    long double total = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        const dse_layer_t *L = &job->layers[li];
        fprintf(out, "layer %zu '%s': %s ", li, L->name, dse_op_name(L->op));
        if (!same)
            fprintf(out, "batch %lld, ", (long long)L->batch);
        switch (L->op) {
        case DSE_OP_MATMUL:
        case DSE_OP_GEMM:
        case DSE_OP_GEMV:
            fprintf(out, "M=%lld N=%lld K=%lld\n", (long long)L->m, (long long)L->n,
                    (long long)L->k);
            break;
        case DSE_OP_LINEAR:
            fprintf(out, "%lld -> %lld\n", (long long)L->cin, (long long)L->cout);
            break;
        default:
            fprintf(out, "%lldx%lldx%lld -> %lldx%lldx%lld", (long long)L->cin,
                    (long long)L->hin, (long long)L->win, (long long)L->cout, (long long)L->hout,
                    (long long)L->wout);
            if (!dse_op_is_eltwise(L->op))
                fprintf(out, ", kernel %lldx%lld, stride %lldx%lld, padding %lld,%lld,%lld,%lld",
                        (long long)L->kh, (long long)L->kw, (long long)L->sh, (long long)L->sw,
                        (long long)L->pad_t, (long long)L->pad_l, (long long)L->pad_b,
                        (long long)L->pad_r);
            fprintf(out, "\n");
        }
        for (size_t p = 0; p < m->n_params; p++) {
            const dse_param_decl_t *d = &m->params[p];
            fprintf(out, "    %-12s %6zu  ", d->name, L->space->n_values[p]);
            s_print_domain(out, d, L->space, p);
            if (d->applies && !d->applies(job, L))
                fprintf(out, "  (does not apply)");
            fprintf(out, "\n");
        }
        fprintf(out, "    space: %llu points\n", (unsigned long long)L->space->size);
        total += (long double)L->space->size;
    }
    fprintf(out, "\ntotal: %.0Lf points in %zu layer%s\n", total, job->n_layers,
            job->n_layers == 1 ? "" : "s");
}
