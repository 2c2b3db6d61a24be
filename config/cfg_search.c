/* cfg_search.c - [search]: the strategy, objectives, constraints, the
 * accuracy table, refine's margins, and the settings of the strategies.
 */
#include "config/cfg_private.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/strategy.h"
#include "hwmodels/baseline.h"

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
int dse__cfg_unknown_metric(dse__cfg_ctx_t *c, const dse_toml_value_t *v, const dse_hwmodel_t *m,
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
    dse__cfg_hint(hint, sizeof hint, name, cand, n);
    dse__cfg_list(nlist, sizeof nlist, net, nn);
    dse__cfg_list(llist, sizeof llist, lay, nl);
    return CFG_ERR_VAL(c, v, "unknown metric '%s' for model '%s'%s (network metrics: %s%s%s)", name,
                       m->name, hint, nlist, nl ? "; layer metrics only: " : "",
                       nl ? llist : "");
}

static int s_add_objective(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v,
                           const char *name)
{
    const dse_hwmodel_t *m = job->model;
    int layer, net;
    if (!s_metric_ref(m, name, &layer, &net))
        return dse__cfg_unknown_metric(c, v, m, name);
    if (net < 0)
        return CFG_ERR_VAL(c, v, "metric '%s' is per layer only and cannot be a network "
                           "objective", name);
    if (layer < 0 || m->metrics[layer].labels)
        return CFG_ERR_VAL(c, v, "metric '%s' is a label, not a quantity to minimise", name);
    for (size_t i = 0; i < job->n_objectives; i++)
        if (job->objectives[i] == net)
            return CFG_ERR_VAL(c, v, "objective '%s' is listed twice", name);
    if (job->n_objectives >= DSE_MAX_OBJECTIVES)
        return CFG_ERR_VAL(c, v, "at most %d objectives", DSE_MAX_OBJECTIVES);
    job->objectives[job->n_objectives++] = net;
    for (size_t i = 0; i < job->n_layer_objectives; i++)
        if (job->layer_objectives[i] == layer)
            return 0;
    job->layer_objectives[job->n_layer_objectives++] = layer;
    return 0;
}

/* The bound of constraint s (at v) from *pp: number | key | number * key |
 * key * number, keys being the model's numeric hardware keys. */
static int s_constraint_bound(dse__cfg_ctx_t *c, const dse_job_t *job, const dse_toml_value_t *v,
                              const char **pp, double *bound)
{
    const dse_hwmodel_t *m = job->model;
    const char *s = dse_toml_string(v, NULL), *p = *pp;
    *bound = 1;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == '+') {
            char *end;
            double x = strtod(p, &end);
            if (end == p || !isfinite(x))
                return CFG_ERR_VAL(c, v, "constraint \"%s\": bad number", s);
            *bound *= x;
            p = end;
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            const char *ks = p;
            while (isalnum((unsigned char)*p) || *p == '_')
                p++;
            char key[128];
            size_t kl = (size_t)(p - ks);
            if (kl >= sizeof key)
                return CFG_ERR_VAL(c, v, "constraint \"%s\": name too long", s);
            memcpy(key, ks, kl);
            key[kl] = '\0';
            int ki = dse_model_preset_key(m, key);
            if (ki < 0 || m->preset_keys[ki].kind == DSE_VAL_ENUM)
                return CFG_ERR_VAL(c, v, "constraint \"%s\": '%s' is not a numeric hardware key "
                                   "of model '%s'", s, key, m->name);
            *bound *= job->hw[ki];
        } else {
            return CFG_ERR_VAL(c, v, "constraint \"%s\": expected a number or a hardware key "
                               "after the comparison", s);
        }
        while (isspace((unsigned char)*p))
            p++;
        if (*p != '*')
            break;
        p++;
    }
    *pp = p;
    return 0;
}

/* Records constraint `name cmp bound` (at v) in the job. A per-layer check
 * is exact only where the network value bounds each layer's value from
 * above: an upper bound on a sum or max of non-negative metrics. Otherwise
 * the constraint is checked on the network alone. */
static int s_add_constraint(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v,
                            const char *name, dse_cmp_t cmp, double bound)
{
    const dse_hwmodel_t *m = job->model;
    int layer, net;
    if (!s_metric_ref(m, name, &layer, &net))
        return dse__cfg_unknown_metric(c, v, m, name);
    if (layer >= 0 && m->metrics[layer].labels)
        return CFG_ERR_VAL(c, v, "constraint \"%s\": '%s' is a label", dse_toml_string(v, NULL),
                           name);
    if (job->n_constraints >= DSE_MAX_CONSTRAINTS)
        return CFG_ERR_VAL(c, v, "at most %d constraints", DSE_MAX_CONSTRAINTS);
    dse_constraint_t *k = &job->constraints[job->n_constraints++];
    k->cmp = cmp;
    k->bound = bound;
    k->net = net;
    k->metric = -1;
    if (net < 0) {
        k->metric = layer; /* a per-layer-only metric: checked per layer */
    } else if ((cmp == DSE_CMP_LE || cmp == DSE_CMP_LT) &&
               (m->net_metrics[net].agg == DSE_AGG_SUM ||
                m->net_metrics[net].agg == DSE_AGG_MAX)) {
        k->metric = layer;
    }
    return 0;
}

/* A constraint "metric <= bound" (or <, >=, >, ==). */
static int s_parse_constraint(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v)
{
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
        return CFG_ERR_VAL(c, v, "constraint \"%s\" must read 'metric <= value' (or <, >=, >, "
                           "==)", s);
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
        return CFG_ERR_VAL(c, v, "constraint \"%s\": expected <=, <, >=, > or == after '%s'", s,
                           name);
    double bound;
    int rc = s_constraint_bound(c, job, v, &p, &bound);
    if (rc)
        return rc;
    if (*p)
        return CFG_ERR_VAL(c, v, "constraint \"%s\": unexpected '%s'", s, p);
    return s_add_constraint(c, job, v, name, cmp, bound);
}

/* Reads an accuracy table: CSV "prune,accuracy" with a header row, ratios
 * strictly ascending in [0, 1], accuracy not increasing (what makes the
 * composition on the ratio exact). Errors point into the table file. */
static int s_accuracy_table(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v)
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
        return CFG_ERR_VAL(c, v, "accuracy table: %s: %s", path, ferr.msg);
    dse__cfg_ctx_t tc = {path, c->err, c->flags};
    int rc = 0, line = 0;
    char *save = NULL;
    for (char *ln = strtok_r(text, "\n", &save); ln && !rc; ln = strtok_r(NULL, "\n", &save)) {
        line++;
        size_t n = strlen(ln);
        if (n && ln[n - 1] == '\r')
            ln[--n] = '\0';
        if (line == 1) {
            if (strcmp(ln, "prune,accuracy") != 0)
                rc = dse__cfg_err_at(&tc, 1, 1, "the header must be 'prune,accuracy'");
            continue;
        }
        if (n == 0)
            continue;
        char *end;
        double p = strtod(ln, &end);
        if (end == ln || *end != ',') {
            rc = dse__cfg_err_at(&tc, line, 1, "expected 'ratio,accuracy'");
            break;
        }
        char *a_start = end + 1;
        double a = strtod(a_start, &end);
        if (end == a_start || *end || !isfinite(a) || !(p >= 0 && p <= 1)) {
            rc = dse__cfg_err_at(&tc, line, 1, "expected a ratio in [0, 1] and a finite accuracy");
            break;
        }
        size_t k = job->n_accuracy;
        if (k && p <= job->accuracy_prune[k - 1]) {
            rc = dse__cfg_err_at(&tc, line, 1, "ratios must be strictly ascending");
            break;
        }
        if (k && a > job->accuracy_value[k - 1]) {
            rc = dse__cfg_err_at(&tc, line, 1, "accuracy rises with pruning (%g after %g): the "
                                 "table must not increase with the ratio", a,
                                 job->accuracy_value[k - 1]);
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
        rc = dse__cfg_err_at(&tc, 1, 1, "the accuracy table has no rows");
    return rc;
}

/* [search] margin: one number for every per-layer objective, or an inline
 * table by objective name ({ cycles = 0.1, l1_bytes = 0.0 }); objectives
 * the table does not name keep the default. */
static int s_margin(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *v)
{
    const dse_hwmodel_t *m = job->model;
    int rc;
    double x;
    if (dse_toml_type(v) != DSE_TOML_TABLE) {
        if ((rc = dse__cfg_number(c, v, "margin", &x)))
            return rc;
        if (!(x >= 0 && x <= 100))
            return CFG_ERR_VAL(c, v, "margin must be 0 to 100 (relative, per objective)");
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
                dse_strbuf_addf(&sb, "%s%s", k ? ", " : "",
                                m->metrics[job->layer_objectives[k]].name);
            rc = CFG_ERR_KEY(c, v, i, "margin: '%s' is not an objective of the layers (they are: "
                             "%s)", name, sb.buf ? sb.buf : "");
            dse_strbuf_release(&sb);
            return rc;
        }
        const dse_toml_value_t *e = dse_toml_table_get(v, name);
        if ((rc = dse__cfg_number(c, e, "margin", &x)))
            return rc;
        if (!(x >= 0 && x <= 100))
            return CFG_ERR_VAL(c, e, "margin of %s must be 0 to 100 (relative)", name);
        job->margin[j] = x;
    }
    return 0;
}

/* [search] accuracy: a table mapping the mean pruning ratio to accuracy
 * (not read again from a canonical text, which has no files). */
static int s_search_accuracy(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *s)
{
    const dse_hwmodel_t *m = job->model;
    const dse_toml_value_t *acc = dse__cfg_get(s, "accuracy", NULL);
    int rc;
    job->accuracy_objective = -1;
    if (!acc || (c->flags & DSE_CONFIG_CANONICAL))
        return 0;
    if ((rc = dse__cfg_expect(c, acc, DSE_TOML_STRING, "accuracy")))
        return rc;
    int pn = dse_model_net_metric(m, "prune");
    if (pn < 0 || m->net_metrics[pn].agg != DSE_AGG_MEAN)
        return CFG_ERR_VAL(c, acc, "model '%s' has no mean pruning ratio ('prune') to map to "
                           "accuracy", m->name);
    return s_accuracy_table(c, job, acc);
}

/* [search] strategy: one of the search strategies (config/strategy.h),
 * then the model's baselines (a baseline as a strategy evaluates its one
 * deployment). *sid: its dse_strategy_id_t. */
static int s_search_strategy(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *s,
                             int *sid)
{
    const char *strategy = "exhaustive";
    int rc;
    if (s && (rc = dse__cfg_string(c, s, "strategy", "the search strategy", 0, 0, 0, &strategy)))
        return rc;
    *sid = dse_strategy_find(job, strategy);
    if (*sid < 0) {
        const char **names;
        size_t n_names = dse_strategy_names(job, &names);
        char hint[128], list[512];
        dse__cfg_hint(hint, sizeof hint, strategy, names, n_names);
        dse__cfg_list(list, sizeof list, names, n_names);
        free(names);
        return CFG_ERR_VAL(c, dse__cfg_get(s, "strategy", NULL), "unknown strategy \"%s\" "
                           "(strategies: %s)%s", strategy, list, hint);
    }
    job->strategy = dse_xstrdup(strategy);
    return 0;
}

/* Without [search] objectives: the model's default objectives. */
static int s_default_objectives(dse__cfg_ctx_t *c, dse_job_t *job)
{
    const dse_hwmodel_t *m = job->model;
    for (size_t i = 0; m->default_objectives && m->default_objectives[i]; i++) {
        int layer, net;
        if (!s_metric_ref(m, m->default_objectives[i], &layer, &net) || net < 0 || layer < 0)
            return dse__cfg_err_at(c, 1, 1, "internal: model '%s' declares an unknown default "
                                   "objective '%s'", m->name, m->default_objectives[i]);
        job->objectives[job->n_objectives++] = net;
        size_t j = 0;
        while (j < job->n_layer_objectives && job->layer_objectives[j] != layer)
            j++;
        if (j == job->n_layer_objectives)
            job->layer_objectives[job->n_layer_objectives++] = layer;
    }
    if (job->n_objectives == 0)
        return dse__cfg_err_at(c, 1, 1, "[search] objectives: model '%s' has no default; name "
                               "the metrics to minimise", m->name);
    return 0;
}

/* [search] objectives: network metrics, or "accuracy" with a table
 * (composed on the pruning ratio and mapped afterwards). */
static int s_objectives(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *s)
{
    const dse_toml_value_t *v = dse__cfg_get(s, "objectives", NULL);
    int rc;
    if (!v)
        return s_default_objectives(c, job);
    if ((rc = dse__cfg_expect(c, v, DSE_TOML_ARRAY, "objectives")))
        return rc;
    if (dse_toml_array_size(v) == 0)
        return CFG_ERR_VAL(c, v, "objectives must name at least one metric");
    for (size_t i = 0; i < dse_toml_array_size(v); i++) {
        const dse_toml_value_t *e = dse_toml_array_get(v, i);
        if ((rc = dse__cfg_expect(c, e, DSE_TOML_STRING, "an objective")))
            return rc;
        const char *oname = dse_toml_string(e, NULL);
        if (strcmp(oname, "accuracy") == 0) {
            if (!job->n_accuracy)
                return CFG_ERR_VAL(c, e, "objective 'accuracy' needs a measured table: "
                                   "[search] accuracy = \"table.csv\"");
            job->accuracy_objective = (int)job->n_objectives;
            oname = "prune"; /* composed on the ratio, mapped afterwards */
        }
        if ((rc = s_add_objective(c, job, e, oname)))
            return rc;
    }
    return 0;
}

/* [search] constraints: a list of "metric <= bound" strings. */
static int s_constraints(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *s)
{
    const dse_toml_value_t *v = dse__cfg_get(s, "constraints", NULL);
    int rc;
    if (!v)
        return 0;
    if ((rc = dse__cfg_expect(c, v, DSE_TOML_ARRAY, "constraints")))
        return rc;
    for (size_t i = 0; i < dse_toml_array_size(v); i++) {
        const dse_toml_value_t *e = dse_toml_array_get(v, i);
        if ((rc = dse__cfg_expect(c, e, DSE_TOML_STRING, "a constraint")))
            return rc;
        if ((rc = s_parse_constraint(c, job, e)))
            return rc;
    }
    return 0;
}

/* The strategies' settings: seed, budget, population, stall_generations,
 * margin, margin_mode, margin_safety (refine), seconds, epsilon. */
static int s_search_settings(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *s)
{
    const dse_toml_value_t *v;
    int rc;
    job->seed = 1;
    if ((v = dse__cfg_get(s, "seed", NULL))) {
        int64_t x;
        if ((rc = dse__cfg_int(c, v, "seed", 0, INT64_MAX, &x)))
            return rc;
        job->seed = (uint64_t)x;
    }
    if ((v = dse__cfg_get(s, "budget", NULL)) &&
        (rc = dse__cfg_int(c, v, "budget", 0, INT64_MAX, &job->budget)))
        return rc;
    if ((v = dse__cfg_get(s, "population", NULL))) {
        if ((rc = dse__cfg_int(c, v, "population", 0, 100000, &job->population)))
            return rc;
        if (job->population > 0 && job->population < 4)
            return CFG_ERR_VAL(c, v, "population must be at least 4 (or 0 for the default)");
    }
    if ((v = dse__cfg_get(s, "stall_generations", NULL)) &&
        (rc = dse__cfg_int(c, v, "stall_generations", 0, 1000000, &job->stall_generations)))
        return rc;
    for (size_t j = 0; j < DSE_MAX_OBJECTIVES; j++)
        job->margin[j] = 0.1;
    if ((v = dse__cfg_get(s, "margin", NULL))) {
        if (strcmp(job->strategy, "refine") != 0)
            return CFG_ERR_VAL(c, v, "margin applies to strategy = \"refine\" only");
        if ((rc = s_margin(c, job, v)))
            return rc;
    }
    /* refine's margin mode, index = DSE_MARGIN_* (core/job.h) */
    static const char *const modes[] = {"adaptive", "declared", NULL};
    job->margin_safety = DSE_MARGIN_SAFETY;
    if ((v = dse__cfg_get(s, "margin_mode", NULL))) {
        double x;
        if (strcmp(job->strategy, "refine") != 0)
            return CFG_ERR_VAL(c, v, "margin_mode applies to strategy = \"refine\" only");
        if ((rc = dse__cfg_enum_value(c, "margin_mode", modes, v, &x)))
            return rc;
        job->margin_mode = (int)x;
        if (job->margin_mode == DSE_MARGIN_ADAPTIVE && dse__cfg_get(s, "margin", NULL))
            return CFG_ERR_VAL(c, v, "margin applies to margin_mode = \"declared\"; the adaptive "
                               "margin comes from the errors seen (margin_safety)");
    } else if (dse__cfg_get(s, "margin", NULL)) {
        job->margin_mode = DSE_MARGIN_DECLARED; /* a margin given: the declared mode */
    }
    if ((v = dse__cfg_get(s, "margin_safety", NULL))) {
        if (strcmp(job->strategy, "refine") != 0 || job->margin_mode != DSE_MARGIN_ADAPTIVE)
            return CFG_ERR_VAL(c, v, "margin_safety applies to strategy = \"refine\" with "
                               "margin_mode = \"adaptive\" only");
        if ((rc = dse__cfg_number(c, v, "margin_safety", &job->margin_safety)))
            return rc;
        if (!(job->margin_safety >= 1 && job->margin_safety <= 100))
            return CFG_ERR_VAL(c, v, "margin_safety must be 1 to 100 (a factor on the largest "
                               "error seen)");
    }
    if ((v = dse__cfg_get(s, "seconds", NULL))) {
        if ((rc = dse__cfg_number(c, v, "seconds", &job->seconds)))
            return rc;
        if (!(job->seconds >= 0 && job->seconds <= 1e7))
            return CFG_ERR_VAL(c, v, "seconds must be 0 (no limit) to 10000000");
    }
    if ((v = dse__cfg_get(s, "epsilon", NULL))) {
        if ((rc = dse__cfg_number(c, v, "epsilon", &job->epsilon)))
            return rc;
        if (!(job->epsilon >= 0 && job->epsilon <= 10))
            return CFG_ERR_VAL(c, v, "epsilon must be 0 (the exact front) to 10 (a relative "
                                     "tolerance, e.g. 0.05)");
    }
    return 0;
}

int dse__cfg_search(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *s = dse__cfg_get(root, "search", NULL);
    int rc, sid;
    if (s && (rc = dse__cfg_expect(c, s, DSE_TOML_TABLE, "[search]")))
        return rc;
    static const char *const keys[] = {"strategy",   "objectives", "constraints",
                                       "seed",       "budget",     "accuracy",
                                       "population", "stall_generations", "seconds", "margin",
                                       "margin_mode", "margin_safety", "epsilon"};
    if (s && (rc = dse__cfg_check_keys(c, s, "[search]", keys, sizeof keys / sizeof keys[0])))
        return rc;
    if ((rc = s_search_accuracy(c, job, s)) || (rc = s_search_strategy(c, job, s, &sid)) ||
        (rc = s_objectives(c, job, s)) || (rc = s_constraints(c, job, s)) ||
        (rc = s_search_settings(c, job, s)))
        return rc;
    if (sid == DSE_STRATEGY_BASELINE) {
        /* a baseline runs as a strategy only when it picks points of the spaces */
        uint64_t *points = dse_xcalloc(job->n_layers + 1, sizeof *points);
        dse_error_t berr = DSE_ERROR_INIT;
        rc = dse_baseline_points(job, job->strategy, points, &berr);
        free(points);
        if (rc)
            return CFG_ERR_VAL(c, dse__cfg_get(s, "strategy", NULL), "%s", berr.msg);
    }
    return 0;
}
