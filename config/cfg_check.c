/* cfg_check.c - the checks every section of a job file uses: unknown keys
 * with a suggestion, types, integers, numbers, ranges, declared values, names.
 */
#include "config/cfg_private.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int dse__cfg_err_at(dse__cfg_ctx_t *c, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dse_error_vset(c->err, DSE_ECONFIG, c->file, line, col, fmt, ap);
    va_end(ap);
    return DSE_ECONFIG;
}

/* Appends " (did you mean 'x'?)" to buf when a close candidate exists. */
void dse__cfg_hint(char *buf, size_t size, const char *word, const char *const *cand, size_t n)
{
    const char *s = dse_suggest(word, cand, n);
    if (s)
        snprintf(buf, size, " (did you mean '%s'?)", s);
    else
        buf[0] = '\0';
}

/* Lists candidates "a, b, c" into buf. */
void dse__cfg_list(char *buf, size_t size, const char *const *cand, size_t n)
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

/* Checks that every key of table t is in allowed[]; an unknown one is an
 * error with the closest allowed name as a suggestion. */
int dse__cfg_check_keys(dse__cfg_ctx_t *c, const dse_toml_value_t *t, const char *where,
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
        dse__cfg_hint(hint, sizeof hint, key, allowed, n_allowed);
        return CFG_ERR_KEY(c, t, i, "unknown key '%s' in %s%s", key, where, hint);
    }
    return 0;
}

const dse_toml_value_t *dse__cfg_get(const dse_toml_value_t *t, const char *key, long *idx)
{
    long i = t ? dse_toml_table_find(t, key) : -1;
    if (idx)
        *idx = i;
    return i >= 0 ? dse_toml_table_value(t, (size_t)i) : NULL;
}

int dse__cfg_expect(dse__cfg_ctx_t *c, const dse_toml_value_t *v, dse_toml_type_t type,
                    const char *what)
{
    if (dse_toml_type(v) == type)
        return 0;
    return CFG_ERR_VAL(c, v, "%s must be %s %s, not %s %s", what,
                       type == DSE_TOML_INTEGER || type == DSE_TOML_ARRAY ? "an" : "a",
                       dse_toml_type_name(type),
                       dse_toml_type(v) == DSE_TOML_INTEGER || dse_toml_type(v) == DSE_TOML_ARRAY
                         ? "an"
                         : "a",
                       dse_toml_type_name(dse_toml_type(v)));
}

/* Optional string: *out stays untouched when absent. */
int dse__cfg_string(dse__cfg_ctx_t *c, const dse_toml_value_t *t, const char *key, const char *what,
                    int required, int tline, int tcol, const char **out)
{
    const dse_toml_value_t *v = dse__cfg_get(t, key, NULL);
    if (!v) {
        if (required)
            return dse__cfg_err_at(c, tline, tcol, "missing key '%s' (%s)", key, what);
        return 0;
    }
    int rc = dse__cfg_expect(c, v, DSE_TOML_STRING, what);
    if (rc)
        return rc;
    size_t len;
    const char *s = dse_toml_string(v, &len);
    if (strlen(s) != len)
        return CFG_ERR_VAL(c, v, "%s must not contain NUL characters", what);
    *out = s;
    return 0;
}

int dse__cfg_int(dse__cfg_ctx_t *c, const dse_toml_value_t *v, const char *what, int64_t lo,
                 int64_t hi, int64_t *out)
{
    int rc = dse__cfg_expect(c, v, DSE_TOML_INTEGER, what);
    if (rc)
        return rc;
    int64_t x = dse_toml_int(v);
    if (x < lo || x > hi)
        return CFG_ERR_VAL(c, v, "%s = %lld is out of range (%lld to %lld)", what, (long long)x,
                           (long long)lo, (long long)hi);
    *out = x;
    return 0;
}

int dse__cfg_number(dse__cfg_ctx_t *c, const dse_toml_value_t *v, const char *what, double *out)
{
    if (dse_toml_type(v) == DSE_TOML_INTEGER) {
        *out = (double)dse_toml_int(v);
        return 0;
    }
    if (dse_toml_type(v) == DSE_TOML_FLOAT) {
        *out = dse_toml_float(v);
        if (!isfinite(*out))
            return CFG_ERR_VAL(c, v, "%s must be a finite number", what);
        return 0;
    }
    return CFG_ERR_VAL(c, v, "%s must be a number, not a %s", what,
                       dse_toml_type_name(dse_toml_type(v)));
}

/* An array of n_min..n_max positive integers. */
int dse__cfg_int_array(dse__cfg_ctx_t *c, const dse_toml_value_t *v, const char *what, size_t n_min,
                       size_t n_max, int64_t lo, int64_t *out, size_t *n)
{
    int rc = dse__cfg_expect(c, v, DSE_TOML_ARRAY, what);
    if (rc)
        return rc;
    size_t k = dse_toml_array_size(v);
    if (k < n_min || k > n_max) {
        if (n_min == n_max)
            return CFG_ERR_VAL(c, v, "%s must have %zu elements, not %zu", what, n_min, k);
        return CFG_ERR_VAL(c, v, "%s must have %zu to %zu elements, not %zu", what, n_min,
                           n_max, k);
    }
    for (size_t i = 0; i < k; i++) {
        const dse_toml_value_t *e = dse_toml_array_get(v, i);
        rc = dse__cfg_int(c, e, what, lo, (int64_t)1 << 40, &out[i]);
        if (rc)
            return rc;
    }
    *n = k;
    return 0;
}

/* A name among choices (NULL-terminated): its index, or an error listing them. */
int dse__cfg_enum_value(dse__cfg_ctx_t *c, const char *what, const char *const *choices,
                        const dse_toml_value_t *v, double *out)
{
    int rc = dse__cfg_expect(c, v, DSE_TOML_STRING, what);
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
    dse__cfg_hint(hint, sizeof hint, s, choices, n);
    dse__cfg_list(list, sizeof list, choices, n);
    return CFG_ERR_VAL(c, v, "%s = \"%s\" is not one of %s%s", what, s, list, hint);
}

/* The declared range [min, max] (when min < max) of a number. */
int dse__cfg_in_range(dse__cfg_ctx_t *c, const char *what, double min, double max, const char *unit,
                      const dse_toml_value_t *v, double x)
{
    if (!(min < max) || (x >= min && x <= max))
        return 0;
    char a[40], b[40], xs[40];
    dse_fmt_double(a, sizeof a, min);
    dse_fmt_double(b, sizeof b, max);
    dse_fmt_double(xs, sizeof xs, x);
    return CFG_ERR_VAL(c, v, "%s = %s is out of range (%s to %s%s%s)", what, xs, a, b,
                       unit && unit[0] ? " " : "", unit ? unit : "");
}

/* A value of a model-declared key (preset key or layer key). */
int dse__cfg_decl_value(dse__cfg_ctx_t *c, const dse_key_decl_t *d, const dse_toml_value_t *v,
                        double *out)
{
    char what[160];
    snprintf(what, sizeof what, "'%s'", d->name);
    if (d->kind == DSE_VAL_ENUM)
        return dse__cfg_enum_value(c, what, d->choices, v, out);
    double x;
    int rc;
    if (d->kind == DSE_VAL_INT) {
        int64_t i;
        if (dse_toml_type(v) == DSE_TOML_BOOL) {
            i = dse_toml_bool(v);
        } else {
            rc = dse__cfg_int(c, v, what, INT64_MIN, INT64_MAX, &i);
            if (rc)
                return rc;
        }
        x = (double)i;
    } else if (dse_toml_type(v) == DSE_TOML_FLOAT && isinf(dse_toml_float(v))) {
        x = dse_toml_float(v); /* "no limit" */
    } else {
        rc = dse__cfg_number(c, v, what, &x);
        if (rc)
            return rc;
    }
    if ((rc = dse__cfg_in_range(c, what, d->min, d->max, d->unit, v, x)))
        return rc;
    *out = x;
    return 0;
}

/* As dse__cfg_check_keys, for a table of fixed keys plus a model's declared keys:
 * an unknown key gets the closest name and the list of the model's keys. */
int dse__cfg_check_keys_decl(dse__cfg_ctx_t *c, const dse_toml_value_t *t, const char *where,
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
        dse__cfg_hint(hint, sizeof hint, key, cand, n);
        dse__cfg_list(list, sizeof list, cand + n_fixed, n - n_fixed);
        return CFG_ERR_KEY(c, t, i, "unknown key '%s' in %s%s (hardware keys of model '%s': %s; "
                           "dse-run --models explains them)", key, where, hint, model, list);
    }
    return 0;
}
int dse__cfg_valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}
