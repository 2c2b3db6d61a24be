/* evaluator.c - the [evaluator] table: parsing, canonical text, argv substitution. */
#include "config/evaluator.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/toml.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

const char *const dse_evaluator_fixed[] = {
    "layer", "op",    "steps", "point", "job",   "workdir", "dtype", "cin",   "cout",
    "h",     "w",     "ho",    "wo",    "kh",    "kw",      "stride", "sh",   "sw",
    "pad_t", "pad_l", "pad_b", "pad_r", "m",     "n",       "k",     NULL};

static int s_err(dse_error_t *err, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int s_err(dse_error_t *err, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dse_error_vset(err, DSE_ECONFIG, file, line, col, fmt, ap);
    va_end(ap);
    return DSE_ECONFIG;
}

void dse_evaluator_destroy(dse_evaluator_t **ev_p)
{
    if (!ev_p || !*ev_p)
        return;
    dse_evaluator_t *ev = *ev_p;
    for (size_t i = 0; i < ev->argc; i++)
        free(ev->argv[i]);
    free(ev->argv);
    for (size_t i = 0; i < ev->n_regex; i++) {
        free(ev->regex_metric[i]);
        free(ev->regex[i]);
    }
    free(ev->regex_metric);
    free(ev->regex);
    free(ev->regex_index);
    free(ev->requires);
    free(ev->cache_key);
    free(ev);
    *ev_p = NULL;
}

/* Whether `name` (len bytes) is a substitution the job knows. */
static int s_known_name(const dse_job_t *job, const char *name, size_t len)
{
    /* {model.METRIC}: the model's prediction for the point */
    if (len > 6 && memcmp(name, "model.", 6) == 0) {
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s", (int)(len - 6), name + 6);
        return dse_model_metric(job->model, buf) >= 0;
    }
    for (size_t i = 0; dse_evaluator_fixed[i]; i++)
        if (strlen(dse_evaluator_fixed[i]) == len && memcmp(dse_evaluator_fixed[i], name, len) == 0)
            return 1;
    const dse_hwmodel_t *m = job->model;
    for (size_t i = 0; i < m->n_params; i++)
        if (strlen(m->params[i].name) == len && memcmp(m->params[i].name, name, len) == 0)
            return 1;
    for (size_t i = 0; i < m->n_layer_keys; i++)
        if (strlen(m->layer_keys[i].name) == len && memcmp(m->layer_keys[i].name, name, len) == 0)
            return 1;
    return 0;
}

/* Checks every `{name}` of a template string v; the column of a fault is
 * the string's column plus the offset (exact for strings without escapes). */
static int s_check_template(const dse_toml_value_t *v, const dse_job_t *job, const char *file,
                            dse_error_t *err)
{
    const char *s = dse_toml_string(v, NULL);
    int line = dse_toml_line(v), col = dse_toml_col(v) + 1;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '{' && s[i + 1] == '{') {
            i++;
            continue;
        }
        if (s[i] == '}' && s[i + 1] == '}') {
            i++;
            continue;
        }
        if (s[i] == '}')
            return s_err(err, file, line, col + (int)i, "a lone '}' in a command argument "
                         "(write '}}' for a literal brace)");
        if (s[i] != '{')
            continue;
        const char *end = strchr(s + i + 1, '}');
        if (!end)
            return s_err(err, file, line, col + (int)i, "'{' without its '}' in a command "
                         "argument (write '{{' for a literal brace)");
        size_t len = (size_t)(end - (s + i + 1));
        if (!s_known_name(job, s + i + 1, len)) {
            dse_strbuf_t sb = DSE_STRBUF_INIT;
            for (size_t k = 0; dse_evaluator_fixed[k]; k++)
                dse_strbuf_addf(&sb, "%s%s", k ? ", " : "", dse_evaluator_fixed[k]);
            dse_strbuf_adds(&sb, ", model.METRIC");
            for (size_t k = 0; k < job->model->n_params; k++)
                dse_strbuf_addf(&sb, ", %s", job->model->params[k].name);
            for (size_t k = 0; k < job->model->n_layer_keys; k++)
                dse_strbuf_addf(&sb, ", %s", job->model->layer_keys[k].name);
            char *names = dse_strbuf_detach(&sb, NULL);
            int rc = s_err(err, file, line, col + (int)i, "unknown substitution '{%.*s}' "
                           "(known: %s)", (int)len, s + i + 1, names);
            free(names);
            return rc;
        }
        i += len + 1;
    }
    return 0;
}

/* GNU extended regexes know \s and \w but not \d: written as [0-9]. */
static char *s_regex_text(const char *re)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (size_t i = 0; re[i]; i++) {
        if (re[i] == '\\' && re[i + 1] == 'd') {
            dse_strbuf_adds(&sb, "[0-9]");
            i++;
        } else if (re[i] == '\\' && re[i + 1]) {
            dse_strbuf_addc(&sb, re[i]);
            dse_strbuf_addc(&sb, re[++i]);
        } else {
            dse_strbuf_addc(&sb, re[i]);
        }
    }
    return dse_strbuf_detach(&sb, NULL);
}

int dse_evaluator_compile(const char *re, regex_t *out, char *why, size_t size)
{
    char *text = s_regex_text(re);
    int rc = regcomp(out, text, REG_EXTENDED | REG_NEWLINE);
    free(text);
    if (rc) {
        regerror(rc, out, why, size);
        return -1;
    }
    if (out->re_nsub < 1) {
        regfree(out);
        snprintf(why, size, "the regex needs a group '( )' around the number");
        return -1;
    }
    return 0;
}

static const char *const s_keys[] = {"kind",     "command",   "timeout",      "parse",
                                     "metrics",  "requires",  "cache_key",    "max_attempts",
                                     "verify",   "verify_tolerance"};

/* A number of seconds or a ratio: an integer or a float; NaN otherwise. */
static double s_num(const dse_toml_value_t *v)
{
    return dse_toml_type(v) == DSE_TOML_INTEGER ? (double)dse_toml_int(v)
           : dse_toml_type(v) == DSE_TOML_FLOAT ? dse_toml_float(v)
                                                : NAN;
}

#define S_ERR_AT(v, ...) s_err(err, file, dse_toml_line(v), dse_toml_col(v), __VA_ARGS__)

/* Only the keys of s_keys; kind "model" (the default) or "command", and
 * kind = "model" takes no other key. */
static int s_kind(const dse_toml_value_t *t, const char *file, const char **kind,
                  dse_error_t *err)
{
    if (dse_toml_type(t) != DSE_TOML_TABLE)
        return S_ERR_AT(t, "[evaluator] must be a table");
    for (size_t i = 0; i < dse_toml_table_size(t); i++) {
        const char *key = dse_toml_table_key(t, i);
        int ok = 0;
        for (size_t k = 0; k < sizeof s_keys / sizeof *s_keys && !ok; k++)
            ok = strcmp(key, s_keys[k]) == 0;
        if (!ok) {
            const char *hint = dse_suggest(key, s_keys, sizeof s_keys / sizeof *s_keys);
            return s_err(err, file, dse_toml_table_key_line(t, i), dse_toml_table_key_col(t, i),
                         "unknown key '%s' in [evaluator]%s%s%s", key,
                         hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
        }
    }
    const dse_toml_value_t *v = dse_toml_table_get(t, "kind");
    *kind = "model";
    if (v) {
        if (dse_toml_type(v) != DSE_TOML_STRING)
            return S_ERR_AT(v, "kind must be a string: \"model\" or \"command\"");
        *kind = dse_toml_string(v, NULL);
        if (strcmp(*kind, "model") != 0 && strcmp(*kind, "command") != 0)
            return S_ERR_AT(v, "unknown evaluator kind \"%s\" (kinds: model, command)", *kind);
    }
    if (strcmp(*kind, "model") == 0)
        for (size_t i = 0; i < dse_toml_table_size(t); i++)
            if (strcmp(dse_toml_table_key(t, i), "kind") != 0)
                return s_err(err, file, dse_toml_table_key_line(t, i),
                             dse_toml_table_key_col(t, i), "'%s' applies to kind = \"command\" "
                             "only", dse_toml_table_key(t, i));
    return 0;
}

/* command: the program and its arguments, each a template of known
 * substitutions. */
static int s_command(dse_evaluator_t *ev, const dse_toml_value_t *t, const dse_job_t *job,
                     const char *file, dse_error_t *err)
{
    const dse_toml_value_t *v = dse_toml_table_get(t, "command");
    if (!v)
        return S_ERR_AT(t, "missing key 'command' (the program and its arguments, a list of "
                        "strings)");
    if (dse_toml_type(v) != DSE_TOML_ARRAY || dse_toml_array_size(v) == 0)
        return S_ERR_AT(v, "command must be a non-empty list of strings: [\"program\", "
                        "\"arg\", ...]");
    ev->argc = dse_toml_array_size(v);
    ev->argv = dse_xcalloc(ev->argc, sizeof *ev->argv);
    for (size_t i = 0; i < ev->argc; i++) {
        const dse_toml_value_t *a = dse_toml_array_get(v, i);
        size_t len;
        if (dse_toml_type(a) != DSE_TOML_STRING)
            return S_ERR_AT(a, "command arguments must be strings");
        const char *s = dse_toml_string(a, &len);
        if (strlen(s) != len || (i == 0 && len == 0))
            return S_ERR_AT(a, i == 0 ? "the program name must not be empty"
                                      : "a command argument must not contain NUL characters");
        int rc = s_check_template(a, job, file, err);
        if (rc)
            return rc;
        ev->argv[i] = dse_xstrdup(s);
    }
    return 0;
}

/* timeout, max_attempts, verify and verify_tolerance. */
static int s_limits(dse_evaluator_t *ev, const dse_toml_value_t *t, const char *file,
                    dse_error_t *err)
{
    const dse_toml_value_t *v;
    if ((v = dse_toml_table_get(t, "timeout"))) {
        double x = s_num(v);
        if (!(x >= 0.01 && x <= 86400))
            return S_ERR_AT(v, "timeout must be a number of seconds from 0.01 to 86400");
        ev->timeout = x;
    }
    if ((v = dse_toml_table_get(t, "max_attempts"))) {
        if (dse_toml_type(v) != DSE_TOML_INTEGER || dse_toml_int(v) < 1 ||
            dse_toml_int(v) > 100)
            return S_ERR_AT(v, "max_attempts must be a whole number from 1 to 100");
        ev->max_attempts = (int)dse_toml_int(v);
    }
    ev->verify_tolerance = 0.05;
    if ((v = dse_toml_table_get(t, "verify"))) {
        if (dse_toml_type(v) != DSE_TOML_INTEGER || dse_toml_int(v) < 0 ||
            dse_toml_int(v) > 1000000)
            return S_ERR_AT(v, "verify must be a whole number from 0 to 1000000 (points per "
                            "layer measured again on another worker)");
        ev->verify = (uint64_t)dse_toml_int(v);
    }
    if ((v = dse_toml_table_get(t, "verify_tolerance"))) {
        double x = s_num(v);
        if (!(x >= 0 && x <= 10))
            return S_ERR_AT(v, "verify_tolerance must be a number from 0 to 10 (relative)");
        ev->verify_tolerance = x;
    }
    return 0;
}

/* Room for n metrics. */
static void s_metrics_new(dse_evaluator_t *ev, size_t n)
{
    ev->regex_metric = dse_xcalloc(n, sizeof *ev->regex_metric);
    ev->regex = dse_xcalloc(n, sizeof *ev->regex);
    ev->regex_index = dse_xcalloc(n, sizeof *ev->regex_index);
}

/* parse = "json": the metrics the JSON must hold, a list of names (default
 * the first objective). */
static int s_metrics_json(dse_evaluator_t *ev, const dse_toml_value_t *mv, const dse_job_t *job,
                          const char *file, dse_error_t *err)
{
    if (mv && (dse_toml_type(mv) != DSE_TOML_ARRAY || dse_toml_array_size(mv) == 0))
        return S_ERR_AT(mv, "with parse = \"json\", metrics is a list of the metric names the "
                        "JSON must hold (regexes go with parse = \"regex\")");
    size_t n = mv ? dse_toml_array_size(mv) : 1;
    s_metrics_new(ev, n);
    for (size_t i = 0; i < n; i++) {
        const dse_toml_value_t *nv = mv ? dse_toml_array_get(mv, i) : NULL;
        const char *name = job->model->metrics[job->layer_objectives[0]].name;
        if (nv && dse_toml_type(nv) != DSE_TOML_STRING)
            return S_ERR_AT(nv, "metrics must be a list of metric names");
        if (nv)
            name = dse_toml_string(nv, NULL);
        int mi = dse_model_metric(job->model, name);
        if (mi < 0)
            return S_ERR_AT(nv, "unknown metric '%s' for model '%s' (dse-run --models lists "
                            "them)", name, job->model->name);
        ev->regex_metric[ev->n_regex] = dse_xstrdup(name);
        ev->regex_index[ev->n_regex++] = mi;
    }
    return 0;
}

/* parse = "regex": metrics = { METRIC = 'regex with one (group)' }. */
static int s_metrics_regex(dse_evaluator_t *ev, const dse_toml_value_t *mv,
                           const dse_toml_value_t *pv, const dse_job_t *job, const char *file,
                           dse_error_t *err)
{
    if (!mv || dse_toml_type(mv) != DSE_TOML_TABLE || dse_toml_table_size(mv) == 0)
        return S_ERR_AT(mv ? mv : pv, "parse = \"regex\" needs metrics = { METRIC = 'regex "
                        "with one (group)' }");
    size_t n = dse_toml_table_size(mv);
    s_metrics_new(ev, n);
    for (size_t i = 0; i < n; i++) {
        const char *name = dse_toml_table_key(mv, i);
        const dse_toml_value_t *rv = dse_toml_table_value(mv, i);
        int mi = dse_model_metric(job->model, name);
        if (mi < 0)
            return s_err(err, file, dse_toml_table_key_line(mv, i),
                         dse_toml_table_key_col(mv, i), "unknown metric '%s' for model '%s' "
                         "(dse-run --models lists them)", name, job->model->name);
        if (dse_toml_type(rv) != DSE_TOML_STRING)
            return S_ERR_AT(rv, "a metric's regex must be a string");
        regex_t re;
        char why[256];
        if (dse_evaluator_compile(dse_toml_string(rv, NULL), &re, why, sizeof why))
            return S_ERR_AT(rv, "bad regex for '%s': %s", name, why);
        regfree(&re);
        ev->regex_metric[ev->n_regex] = dse_xstrdup(name);
        ev->regex[ev->n_regex] = dse_xstrdup(dse_toml_string(rv, NULL));
        ev->regex_index[ev->n_regex++] = mi;
    }
    return 0;
}

/* parse and metrics: how the command's output is read. */
static int s_metrics(dse_evaluator_t *ev, const dse_toml_value_t *t, const dse_job_t *job,
                     const char *file, dse_error_t *err)
{
    const dse_toml_value_t *pv = dse_toml_table_get(t, "parse");
    const dse_toml_value_t *mv = dse_toml_table_get(t, "metrics");
    ev->parse = mv && dse_toml_type(mv) == DSE_TOML_TABLE ? DSE_PARSE_REGEX : DSE_PARSE_JSON;
    if (pv) {
        const char *p = dse_toml_type(pv) == DSE_TOML_STRING ? dse_toml_string(pv, NULL) : "";
        if (strcmp(p, "json") == 0)
            ev->parse = DSE_PARSE_JSON;
        else if (strcmp(p, "regex") == 0)
            ev->parse = DSE_PARSE_REGEX;
        else
            return S_ERR_AT(pv, "parse must be \"json\" (the last JSON object on stdout) or "
                            "\"regex\" (with a metrics table)");
    }
    if (ev->parse == DSE_PARSE_JSON)
        return s_metrics_json(ev, mv, job, file, err);
    return s_metrics_regex(ev, mv, pv, job, file, err);
}

/* requires (a worker tag) and cache_key (one line). */
static int s_tags(dse_evaluator_t *ev, const dse_toml_value_t *t, const char *file,
                  dse_error_t *err)
{
    const dse_toml_value_t *v;
    const char *s;
    ev->requires = dse_xstrdup("");
    if ((v = dse_toml_table_get(t, "requires"))) {
        s = dse_toml_type(v) == DSE_TOML_STRING ? dse_toml_string(v, NULL) : NULL;
        int ok = s && *s && strlen(s) <= 24;
        for (size_t i = 0; ok && s[i]; i++)
            ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                 (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.';
        if (!ok)
            return S_ERR_AT(v, "requires must be a tag: 1 to 24 letters, digits, '-', '_' or "
                            "'.' (workers started with --tag TAG)");
        free(ev->requires);
        ev->requires = dse_xstrdup(s);
    }
    ev->cache_key = dse_xstrdup("");
    if ((v = dse_toml_table_get(t, "cache_key"))) {
        size_t len;
        s = dse_toml_type(v) == DSE_TOML_STRING ? dse_toml_string(v, &len) : NULL;
        if (!s || strlen(s) != len || strchr(s, '\n'))
            return S_ERR_AT(v, "cache_key must be a string of one line");
        free(ev->cache_key);
        ev->cache_key = dse_xstrdup(s);
    }
    return 0;
}

int dse_evaluator_parse(const dse_toml_value_t *t, const dse_job_t *job, const char *file,
                        dse_evaluator_t **out, dse_error_t *err)
{
    const char *kind = "model";
    *out = NULL;
    int rc = s_kind(t, file, &kind, err);
    if (rc || strcmp(kind, "model") == 0)
        return rc;
    dse_evaluator_t *ev = dse_xcalloc(1, sizeof *ev);
    ev->timeout = 60;
    ev->max_attempts = 2;
    if ((rc = s_command(ev, t, job, file, err)) || (rc = s_limits(ev, t, file, err)) ||
        (rc = s_metrics(ev, t, job, file, err)) || (rc = s_tags(ev, t, file, err))) {
        dse_evaluator_destroy(&ev);
        return rc;
    }
    *out = ev;
    return 0;
}

#undef S_ERR_AT

void dse_evaluator_canonical(const dse_evaluator_t *ev, dse_strbuf_t *sb)
{
    char buf[64];
    dse_strbuf_adds(sb, "\n[evaluator]\nkind = \"command\"\ncommand = [");
    for (size_t i = 0; i < ev->argc; i++) {
        if (i)
            dse_strbuf_adds(sb, ", ");
        dse_strbuf_add_toml_string(sb, ev->argv[i]);
    }
    dse_fmt_double(buf, sizeof buf, ev->timeout);
    dse_strbuf_addf(sb, "]\ntimeout = %s%s\nparse = \"%s\"\n", buf,
                    strpbrk(buf, ".eEn") ? "" : ".0", ev->parse == DSE_PARSE_JSON ? "json" : "regex");
    if (ev->parse == DSE_PARSE_REGEX) {
        dse_strbuf_adds(sb, "metrics = { ");
        for (size_t i = 0; i < ev->n_regex; i++) {
            dse_strbuf_addf(sb, "%s%s = ", i ? ", " : "", ev->regex_metric[i]);
            dse_strbuf_add_toml_string(sb, ev->regex[i]);
        }
        dse_strbuf_adds(sb, " }\n");
    } else {
        dse_strbuf_adds(sb, "metrics = [");
        for (size_t i = 0; i < ev->n_regex; i++) {
            dse_strbuf_adds(sb, i ? ", " : "");
            dse_strbuf_add_toml_string(sb, ev->regex_metric[i]);
        }
        dse_strbuf_adds(sb, "]\n");
    }
    if (ev->requires[0]) {
        dse_strbuf_adds(sb, "requires = ");
        dse_strbuf_add_toml_string(sb, ev->requires);
        dse_strbuf_addc(sb, '\n');
    }
    dse_strbuf_adds(sb, "cache_key = ");
    dse_strbuf_add_toml_string(sb, ev->cache_key);
    dse_strbuf_addf(sb, "\nmax_attempts = %d\n", ev->max_attempts);
    if (ev->verify) { /* only then: the text of other jobs stays as it was */
        dse_fmt_double(buf, sizeof buf, ev->verify_tolerance);
        dse_strbuf_addf(sb, "verify = %llu\nverify_tolerance = %s%s\n",
                        (unsigned long long)ev->verify, buf, strpbrk(buf, ".eEn") ? "" : ".0");
    }
}

/* The value of a substitution name for a point, appended to sb. */
static void s_value(dse_strbuf_t *sb, const char *name, size_t len, const dse_job_t *job,
                    size_t layer, uint64_t point, const double *params, const double *model,
                    const char *workdir)
{
    const dse_layer_t *L = &job->layers[layer];
    const dse_hwmodel_t *m = job->model;
    char buf[64];
#define S_IS(lit) (len == sizeof(lit) - 1 && memcmp(name, lit, len) == 0)
    if (len > 6 && memcmp(name, "model.", 6) == 0) {
        char mname[128];
        snprintf(mname, sizeof mname, "%.*s", (int)(len - 6), name + 6);
        int mi = dse_model_metric(m, mname);
        if (mi >= 0 && model)
            dse_fmt_double(buf, sizeof buf, model[mi]), dse_strbuf_adds(sb, buf);
        else
            dse_strbuf_addf(sb, "{%.*s}", (int)len, name); /* a cache key: not part of it */
        return;
    }
    for (size_t i = 0; i < m->n_params; i++)
        if (strlen(m->params[i].name) == len && memcmp(m->params[i].name, name, len) == 0) {
            const dse_param_decl_t *d = &m->params[i];
            if (d->kind == DSE_VAL_ENUM)
                dse_strbuf_adds(sb, d->choices[(size_t)params[i]]);
            else if (d->kind == DSE_VAL_INT)
                dse_strbuf_addf(sb, "%lld", (long long)params[i]);
            else
                dse_fmt_double(buf, sizeof buf, params[i]), dse_strbuf_adds(sb, buf);
            return;
        }
    for (size_t i = 0; i < m->n_layer_keys; i++)
        if (strlen(m->layer_keys[i].name) == len && memcmp(m->layer_keys[i].name, name, len) == 0) {
            const dse_key_decl_t *d = &m->layer_keys[i];
            if (d->kind == DSE_VAL_ENUM)
                dse_strbuf_adds(sb, d->choices[(size_t)L->attr[i]]);
            else
                dse_fmt_double(buf, sizeof buf, L->attr[i]), dse_strbuf_adds(sb, buf);
            return;
        }
    if (S_IS("layer")) {
        dse_strbuf_adds(sb, L->name);
    } else if (S_IS("op")) {
        dse_strbuf_adds(sb, dse_op_name(L->op));
    } else if (S_IS("steps")) {
        int first = 1;
        for (unsigned i = 0; i < DSE_N_STEPS; i++)
            if (job->steps & (1u << i)) {
                dse_strbuf_addf(sb, "%s%s", first ? "" : ",", dse_step_name(i));
                first = 0;
            }
    } else if (!workdir && (S_IS("point") || S_IS("job"))) {
        dse_strbuf_addf(sb, "{%.*s}", (int)len, name); /* a cache key: not part of it */
    } else if (S_IS("point")) {
        dse_strbuf_addf(sb, "%llu", (unsigned long long)point);
    } else if (S_IS("job")) {
        dse_strbuf_adds(sb, job->name);
    } else if (S_IS("workdir")) {
        dse_strbuf_adds(sb, workdir ? workdir : "{workdir}");
    } else if (S_IS("dtype")) {
        dse_strbuf_adds(sb, dse_dtype_name(job->dtype));
    } else {
        int64_t x = S_IS("cin") ? L->cin : S_IS("cout") ? L->cout : S_IS("h") ? L->hin
                  : S_IS("w") ? L->win : S_IS("ho") ? L->hout : S_IS("wo") ? L->wout
                  : S_IS("kh") ? L->kh : S_IS("kw") ? L->kw : S_IS("stride") || S_IS("sh") ? L->sh
                  : S_IS("sw") ? L->sw : S_IS("pad_t") ? L->pad_t : S_IS("pad_l") ? L->pad_l
                  : S_IS("pad_b") ? L->pad_b : S_IS("pad_r") ? L->pad_r : S_IS("m") ? L->m
                  : S_IS("n") ? L->n : L->k;
        dse_strbuf_addf(sb, "%lld", (long long)x);
    }
#undef S_IS
}

char *dse_evaluator_subst(const char *s, const dse_job_t *job, size_t layer, uint64_t point,
                          const double *params, const double *model, const char *workdir)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (size_t i = 0; s[i]; i++) {
        if ((s[i] == '{' && s[i + 1] == '{') || (s[i] == '}' && s[i + 1] == '}')) {
            dse_strbuf_addc(&sb, s[i++]);
            continue;
        }
        const char *end = s[i] == '{' ? strchr(s + i + 1, '}') : NULL;
        if (!end) {
            dse_strbuf_addc(&sb, s[i]);
            continue;
        }
        size_t len = (size_t)(end - (s + i + 1));
        s_value(&sb, s + i + 1, len, job, layer, point, params, model, workdir);
        i += len + 1;
    }
    return dse_strbuf_detach(&sb, NULL);
}

char **dse_evaluator_argv(const dse_evaluator_t *ev, const dse_job_t *job, size_t layer,
                          uint64_t point, const double *params, const double *model,
                          const char *workdir)
{
    char **argv = dse_xcalloc(ev->argc + 1, sizeof *argv);
    for (size_t i = 0; i < ev->argc; i++)
        argv[i] = dse_evaluator_subst(ev->argv[i], job, layer, point, params, model, workdir);
    return argv;
}

void dse_evaluator_argv_free(char **argv)
{
    if (!argv)
        return;
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}
