/* cfg_space.c - [space] and a layer's space: each parameter's domain, from
 * a list, a rule, a { from, to, step } range or the model's default.
 */
#include "config/cfg_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/space.h"
#include "core/wire.h"

#define S_MAX_DOMAIN 1000000 /* values in one parameter's domain */

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
static int s_param_value(dse__cfg_ctx_t *c, const dse_param_decl_t *d, int64_t extent,
                         const dse_toml_value_t *v, const dse_layer_t *L, double *out)
{
    char what[128];
    snprintf(what, sizeof what, "'%s'", d->name);
    if (d->kind == DSE_VAL_ENUM)
        return dse__cfg_enum_value(c, what, d->choices, v, out);
    double x;
    if (d->kind == DSE_VAL_INT) {
        int64_t i;
        int rc = dse__cfg_int(c, v, what, INT64_MIN, INT64_MAX, &i);
        if (rc)
            return rc;
        if (d->extent && (i < 1 || i > extent))
            return CFG_ERR_VAL(c, v, "%s = %lld is outside 1..%lld for layer '%s'", what,
                               (long long)i, (long long)extent, L->name);
        if (d->extent && d->must_divide && !s_is_divisor(i, extent))
            return CFG_ERR_VAL(c, v, "%s = %lld does not divide %lld for layer '%s'", what,
                               (long long)i, (long long)extent, L->name);
        x = (double)i;
    } else {
        int rc = dse__cfg_number(c, v, what, &x);
        if (rc)
            return rc;
    }
    int rc = dse__cfg_in_range(c, what, d->min, d->max, NULL, v, x);
    if (rc)
        return rc;
    *out = x;
    return 0;
}

/* A rule for an integer parameter with an extent (the layer dimension it
 * tiles): "divisors", "all", "pow2" (those dividing, when it must divide)
 * or "max". */
static int s_domain_rule(dse__cfg_ctx_t *c, const dse_layer_t *L, const dse_param_decl_t *d,
                         int64_t extent, const char *what, const dse_toml_value_t *v,
                         s_vals_t *vs)
{
    const char *rule = dse_toml_string(v, NULL);
    static const char *const rules[] = {"divisors", "all", "pow2", "max"};
    if (!d->extent)
        return CFG_ERR_VAL(c, v, "%s takes a list or { from, to, step }, not a rule", what);
    if (strcmp(rule, "divisors") == 0) {
        for (int64_t i = 1; i * i <= extent; i++)
            if (extent % i == 0) {
                s_vals_add(vs, (double)i);
                if (i != extent / i)
                    s_vals_add(vs, (double)(extent / i));
            }
    } else if (strcmp(rule, "all") == 0) {
        if (extent > S_MAX_DOMAIN)
            return CFG_ERR_VAL(c, v, "%s = \"all\" would give %lld values for layer '%s' (at "
                               "most %d)", what, (long long)extent, L->name, S_MAX_DOMAIN);
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
        dse__cfg_hint(hint, sizeof hint, rule, rules, 4);
        return CFG_ERR_VAL(c, v, "%s: unknown rule \"%s\" (rules: divisors, all, pow2, max; or "
                           "a list, or { from, to, step })%s", what, rule, hint);
    }
    return 0;
}

/* A { from, to, step } range of a number; an integer one keeps the values
 * that divide the extent when the parameter must divide it. */
static int s_domain_range(dse__cfg_ctx_t *c, const dse_layer_t *L, const dse_param_decl_t *d,
                          int64_t extent, const char *what, const dse_toml_value_t *v,
                          s_vals_t *vs)
{
    if (d->kind == DSE_VAL_ENUM)
        return CFG_ERR_VAL(c, v, "%s takes a name or a list of names, not a table", what);
    static const char *const keys[] = {"from", "to", "step"};
    int rc = dse__cfg_check_keys(c, v, "a { from, to, step } range", keys, 3);
    if (rc)
        return rc;
    const dse_toml_value_t *fv = dse__cfg_get(v, "from", NULL);
    const dse_toml_value_t *tv = dse__cfg_get(v, "to", NULL);
    const dse_toml_value_t *sv = dse__cfg_get(v, "step", NULL);
    if (!fv || !tv)
        return CFG_ERR_VAL(c, v, "%s: a range needs 'from' and 'to'", what);
    double from, to, step = 1;
    if ((rc = dse__cfg_number(c, fv, "'from'", &from)) ||
        (rc = dse__cfg_number(c, tv, "'to'", &to)))
        return rc;
    if (sv && (rc = dse__cfg_number(c, sv, "'step'", &step)))
        return rc;
    if (!(step > 0))
        return CFG_ERR_VAL(c, sv ? sv : v, "%s: step must be positive", what);
    if (to < from)
        return CFG_ERR_VAL(c, v, "%s: 'to' is below 'from'", what);
    double count = floor((to - from) / step + 1e-9) + 1;
    if (count > S_MAX_DOMAIN)
        return CFG_ERR_VAL(c, v, "%s: the range has %.0f values (at most %d)", what, count,
                           S_MAX_DOMAIN);
    if (d->kind == DSE_VAL_INT && (from != floor(from) || step != floor(step)))
        return CFG_ERR_VAL(c, v, "%s: an integer range needs integer from and step", what);
    for (double i = 0; i < count; i++) {
        double x = from + i * step;
        if (d->kind == DSE_VAL_INT) {
            if (d->extent && (x < 1 || x > (double)extent))
                return CFG_ERR_VAL(c, v, "%s: %.0f is outside 1..%lld for layer '%s'", what, x,
                                   (long long)extent, L->name);
            if (d->extent && d->must_divide && !s_is_divisor((int64_t)x, extent))
                continue; /* a range keeps only the values that divide */
        }
        if (d->min < d->max && (x < d->min || x > d->max))
            return CFG_ERR_VAL(c, v, "%s: %g is out of range", what, x);
        s_vals_add(vs, x);
    }
    if (vs->n == 0)
        return CFG_ERR_VAL(c, v, "%s: no value of the range divides %lld for layer '%s'", what,
                           (long long)extent, L->name);
    return 0;
}

/* Expands a domain written as a TOML value into values: a rule, a list, a
 * range, or a single value. */
static int s_domain(dse__cfg_ctx_t *c, const dse_job_t *job, const dse_layer_t *L,
                    const dse_param_decl_t *d, const dse_toml_value_t *v, s_vals_t *vs)
{
    int64_t extent = d->extent ? d->extent(job, L) : 0;
    char what[128];
    snprintf(what, sizeof what, "'%s'", d->name);
    dse_toml_type_t t = dse_toml_type(v);
    if (t == DSE_TOML_STRING && d->kind == DSE_VAL_INT)
        return s_domain_rule(c, L, d, extent, what, v, vs);
    if (t == DSE_TOML_TABLE)
        return s_domain_range(c, L, d, extent, what, v, vs);
    size_t n = t == DSE_TOML_ARRAY ? dse_toml_array_size(v) : 1;
    if (n == 0)
        return CFG_ERR_VAL(c, v, "%s: the list is empty", what);
    for (size_t i = 0; i < n; i++) {
        double x;
        const dse_toml_value_t *e = t == DSE_TOML_ARRAY ? dse_toml_array_get(v, i) : v;
        int rc = s_param_value(c, d, extent, e, L, &x);
        if (rc)
            return rc;
        s_vals_add(vs, x);
    }
    return 0;
}

/* Builds the default domain of a parameter from its declaration. */
static int s_default_domain(dse__cfg_ctx_t *c, const dse_job_t *job, const dse_layer_t *L,
                            const dse_param_decl_t *d, s_vals_t *vs)
{
    char text[512];
    snprintf(text, sizeof text, "x = %s\n", d->dflt ? d->dflt : "1");
    dse_error_t perr = DSE_ERROR_INIT;
    dse_toml_value_t *root = dse_toml_parse(text, strlen(text), &perr);
    if (!root)
        return dse__cfg_err_at(c, L->line, L->col, "internal: model '%s' declares a bad "
                               "default for '%s': %s", job->model->name, d->name, perr.msg);
    dse__cfg_ctx_t dc = *c;
    int rc = s_domain(&dc, job, L, d, dse__cfg_get(root, "x", NULL), vs);
    dse_toml_destroy(&root);
    if (rc) {
        /* a default that does not fit this layer: say which layer and parameter */
        char msg[sizeof c->err->msg];
        snprintf(msg, sizeof msg, "%s", c->err->msg);
        return dse__cfg_err_at(c, L->line, L->col, "layer '%s': the default domain of '%s' "
                               "(%s) does not fit: %s; set '%s' in the layer's space", L->name,
                               d->name, d->dflt ? d->dflt : "1", msg, d->name);
    }
    return 0;
}

static int s_param_key_ok(const void *arg, const char *key)
{
    return dse_model_param(arg, key) >= 0;
}

int dse__cfg_check_space_keys(dse__cfg_ctx_t *c, const dse_hwmodel_t *m, const dse_toml_value_t *t,
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
        dse__cfg_hint(hint, sizeof hint, key, cand, m->n_params);
        dse__cfg_list(list, sizeof list, cand, m->n_params);
        return CFG_ERR_KEY(c, t, i, "unknown parameter '%s' in %s (model '%s' has: %s)%s", key,
                           where, m->name, m->n_params ? list : "none", hint);
    }
    return 0;
}

/* Counts the bytes a layer's domains take in the canonical text, which
 * lists every value and travels to each worker in one JOB message: a
 * small file whose rules expand to more than DSE_WIRE_MAX_CONFIG is refused
 * here, before the text is built (issue 16: a 600-byte job grew to 118 MB). */
static int s_check_canonical_size(dse__cfg_ctx_t *c, const dse_job_t *job, const dse_layer_t *L)
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
            dse__cfg_toml_value(&sb, d->kind, d->choices, L->space->values[p][i]);
            c->canon_bytes += sb.len + 2;
        }
    }
    dse_strbuf_release(&sb);
    /* room for everything else in the text: names, keys, search settings */
    size_t limit = DSE_WIRE_MAX_CONFIG - (1u << 20);
    if (c->canon_bytes > limit)
        return dse__cfg_err_at(c, L->line, L->col, "layer '%s': the domains of the job up to "
                               "this layer list %zu bytes of values, more than the %zu a job may "
                               "take on the wire (its canonical text lists every value): narrow "
                               "the domains", L->name, c->canon_bytes, limit);
    return 0;
}

int dse__cfg_build_space(dse__cfg_ctx_t *c, dse_job_t *job, dse_layer_t *L,
                         const dse_toml_value_t *global, const dse_toml_value_t *local)
{
    const dse_hwmodel_t *m = job->model;
    s_vals_t vs[DSE_MAX_PARAMS];
    memset(vs, 0, sizeof vs);
    int rc = 0;
    for (size_t p = 0; p < m->n_params && !rc; p++) {
        const dse_param_decl_t *d = &m->params[p];
        long li = -1;
        const dse_toml_value_t *lv = local ? dse__cfg_get(local, d->name, &li) : NULL;
        const dse_toml_value_t *gv = global ? dse__cfg_get(global, d->name, NULL) : NULL;
        if (d->applies && !d->applies(job, L)) {
            if (lv) {
                rc = CFG_ERR_KEY(c, local, (size_t)li, "parameter '%s' does not apply to layer "
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
            rc = dse__cfg_err_at(c, L->line, L->col, "layer '%s': %s", L->name, serr.msg);
        else
            rc = s_check_canonical_size(c, job, L);
    }
    for (size_t p = 0; p < m->n_params; p++)
        free(vs[p].v);
    return rc;
}
