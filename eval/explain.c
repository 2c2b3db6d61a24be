/* explain.c - why a layer's points were infeasible, said for a person. */
#include "eval/explain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hwmodels/hwmodel.h"

/* A value with its unit, bytes in KiB when large. */
static void s_fmt(char *buf, size_t size, double v, const char *unit)
{
    if (unit && strcmp(unit, "bytes") == 0 && fabs(v) >= 1024) {
        double k = v / 1024.0;
        if (k == floor(k))
            snprintf(buf, size, "%.0f KiB", k);
        else
            snprintf(buf, size, "%.1f KiB", k);
    } else if (unit && *unit) {
        snprintf(buf, size, "%.6g %s", v, unit);
    } else {
        snprintf(buf, size, "%.6g", v);
    }
}

static const char *s_cmp_text(dse_cmp_t c)
{
    static const char *const t[] = {"<=", "<", ">=", ">", "=="};
    return (unsigned)c < 5 ? t[c] : "?";
}

int dse_why_explain(const dse_job_t *job, size_t layer, const dse_why_t *w, uint64_t evaluated,
                    char *buf, size_t size, char *reason, size_t reason_size, double *value,
                    double *bound)
{
    const dse_hwmodel_t *m = job->model;
    const char *name = job->layers[layer].name ? job->layers[layer].name : "?";
    int top = dse_why_top(w);
    *value = *bound = NAN;
    if (top < 0) {
        snprintf(buf, size,
                 "%s: no feasible point, and none exceeded a capacity the model names: every "
                 "point evaluated is an illegal combination of parameters",
                 name);
        snprintf(reason, reason_size, "none");
        return -1;
    }
    char v[64], b[64], who[96];
    /* "every point" when the reason rejected every point evaluated (then it
     * would reject the skipped ones too: the same however the work was cut
     * into units); else how many */
    if (w->n[top] == evaluated)
        snprintf(who, sizeof who, "every point");
    else
        snprintf(who, sizeof who, "%llu of %llu points evaluated", (unsigned long long)w->n[top],
                 (unsigned long long)evaluated);
    int every = w->n[top] == evaluated;
    if (top < DSE_WHY_MODEL && (size_t)top < m->n_reasons) {
        const dse_reason_decl_t *r = &m->reasons[top];
        *value = w->key[top];
        int key = r->bound ? dse_model_preset_key(m, r->bound) : -1;
        s_fmt(v, sizeof v, *value, r->unit);
        snprintf(reason, reason_size, "%s", r->name);
        if (key >= 0) {
            *bound = job->hw[key];
            s_fmt(b, sizeof b, *bound, r->unit);
            if (every)
                snprintf(buf, size,
                         "%s: no feasible point; every point needs at least %s of %s, above the "
                         "%s of the preset (%s); %s",
                         name, v, r->name, b, r->bound, r->hint);
            else
                snprintf(buf, size,
                         "%s: no feasible point; %s exceed %s: the smallest needs %s, above the "
                         "%s of the preset (%s); %s",
                         name, who, r->name, v, b, r->bound, r->hint);
        } else {
            snprintf(buf, size, "%s: no feasible point; %s exceed%s %s (closest: %s); %s", name,
                     who, every ? "s" : "", r->name, v, r->hint);
        }
        return top;
    }
    size_t ci = (size_t)top - DSE_WHY_MODEL;
    if (ci >= job->n_constraints || job->constraints[ci].metric < 0) {
        snprintf(buf, size, "%s: no feasible point", name);
        snprintf(reason, reason_size, "unknown");
        return top;
    }
    const dse_constraint_t *k = &job->constraints[ci];
    const dse_metric_decl_t *md = &m->metrics[k->metric];
    int ge = k->cmp == DSE_CMP_GE || k->cmp == DSE_CMP_GT;
    *value = ge ? -w->key[top] : w->key[top];
    *bound = k->bound;
    s_fmt(v, sizeof v, *value, md->unit);
    s_fmt(b, sizeof b, *bound, md->unit);
    snprintf(reason, reason_size, "constraint: %s %s %.17g", md->name, s_cmp_text(k->cmp),
             k->bound);
    snprintf(buf, size,
             "%s: no feasible point; %s break%s the constraint %s %s %s: the closest has %s = "
             "%s; relax the constraint or widen the layer's space",
             name, who, every ? "s" : "", md->name, s_cmp_text(k->cmp), b, md->name, v);
    return top;
}
