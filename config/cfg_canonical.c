/* cfg_canonical.c - a validated job written out: its canonical TOML text
 * (what a worker rebuilds the job from), the digest of that text, and
 * dse-run --check's listing.
 */
#include "config/cfg_private.h"

#include <stdio.h>
#include <string.h>

#include "config/evaluator.h"
#include "config/strategy.h"
#include "core/space.h"

/* A value of a declared kind as TOML. */
void dse__cfg_toml_value(dse_strbuf_t *sb, dse_val_kind_t kind, const char *const *choices,
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

/* A number that reads back as a TOML float. */
static void s_float(dse_strbuf_t *sb, const char *key, double x)
{
    char buf[64];
    dse_fmt_double(buf, sizeof buf, x);
    dse_strbuf_addf(sb, "%s = %s%s\n", key, buf, strpbrk(buf, ".e") ? "" : ".0");
}

/* [job] and [target]: every preset key explicit. */
static void s_canon_target(dse_strbuf_t *sb, const dse_job_t *job)
{
    const dse_hwmodel_t *m = job->model;
    dse_strbuf_adds(sb, "# canonical job\n[job]\nname = ");
    dse_strbuf_add_toml_string(sb, job->name);
    /* no output folder: only dse-run writes there, and the job's digest
     * (in summary.json, on the wire) must not depend on --output */
    dse_strbuf_addf(sb, "\ndump_all = %s", job->dump_all ? "true" : "false");
    dse_strbuf_addf(sb, "\nplot_layers = %s", job->plot_layers ? "true" : "false");
    dse_strbuf_adds(sb, "\n\n[target]\nmodel = ");
    dse_strbuf_add_toml_string(sb, m->name);
    dse_strbuf_adds(sb, "\nhardware = ");
    dse_strbuf_add_toml_string(sb, job->hardware);
    dse_strbuf_addc(sb, '\n');
    for (size_t i = 0; i < m->n_preset_keys; i++) {
        dse_strbuf_addf(sb, "%s = ", m->preset_keys[i].name);
        dse__cfg_toml_value(sb, m->preset_keys[i].kind, m->preset_keys[i].choices, job->hw[i]);
        dse_strbuf_addc(sb, '\n');
    }
}

/* A layer's geometry, as its op takes it. */
static void s_canon_shape(dse_strbuf_t *sb, const dse_layer_t *L)
{
    switch (L->op) {
    case DSE_OP_MATMUL:
    case DSE_OP_GEMM:
        dse_strbuf_addf(sb, "dims = [%lld, %lld, %lld]\n", (long long)L->m, (long long)L->n,
                        (long long)L->k);
        break;
    case DSE_OP_GEMV:
        dse_strbuf_addf(sb, "dims = [%lld, %lld]\n", (long long)L->n, (long long)L->k);
        break;
    case DSE_OP_LINEAR:
        dse_strbuf_addf(sb, "in_shape = [%lld]\nout_channels = %lld\n", (long long)L->cin,
                        (long long)L->cout);
        break;
    default:
        dse_strbuf_addf(sb, "in_shape = [%lld, %lld, %lld]\n", (long long)L->cin,
                        (long long)L->hin, (long long)L->win);
        if (dse_op_is_eltwise(L->op))
            break;
        if (L->op != DSE_OP_MAXPOOL && L->op != DSE_OP_AVGPOOL)
            dse_strbuf_addf(sb, "out_channels = %lld\n", (long long)L->cout);
        dse_strbuf_addf(sb, "kernel = [%lld, %lld]\nstride = [%lld, %lld]\n"
                            "padding = [%lld, %lld, %lld, %lld]\n",
                        (long long)L->kh, (long long)L->kw, (long long)L->sh,
                        (long long)L->sw, (long long)L->pad_t, (long long)L->pad_l,
                        (long long)L->pad_b, (long long)L->pad_r);
        break;
    }
}

/* One [[workload.layer]]: geometry, the model's layer keys, and every
 * value of its space. */
static void s_canon_layer(dse_strbuf_t *sb, const dse_job_t *job, const dse_layer_t *L)
{
    const dse_hwmodel_t *m = job->model;
    dse_strbuf_adds(sb, "\n[[workload.layer]]\nname = ");
    dse_strbuf_add_toml_string(sb, L->name);
    dse_strbuf_addf(sb, "\nop = \"%s\"\n", dse_op_name(L->op));
    if (L->batch != 1) /* absent at 1: the digest of a batch-1 job is unchanged */
        dse_strbuf_addf(sb, "batch = %lld\n", (long long)L->batch);
    s_canon_shape(sb, L);
    for (size_t k = 0; k < m->n_layer_keys; k++) {
        dse_strbuf_addf(sb, "%s = ", m->layer_keys[k].name);
        dse__cfg_toml_value(sb, m->layer_keys[k].kind, m->layer_keys[k].choices, L->attr[k]);
        dse_strbuf_addc(sb, '\n');
    }
    dse_strbuf_adds(sb, "space = { ");
    int first_param = 1;
    for (size_t p = 0; p < m->n_params; p++) {
        const dse_param_decl_t *d = &m->params[p];
        if (d->applies && !d->applies(job, L))
            continue; /* fixed at its neutral value */
        dse_strbuf_addf(sb, "%s%s = [", first_param ? "" : ", ", d->name);
        first_param = 0;
        for (size_t i = 0; i < L->space->n_values[p]; i++) {
            if (i)
                dse_strbuf_adds(sb, ", ");
            dse__cfg_toml_value(sb, d->kind, d->choices, L->space->values[p][i]);
        }
        dse_strbuf_addc(sb, ']');
    }
    dse_strbuf_adds(sb, " }\n");
}

/* [workload]: dtype, steps, then each layer. */
static void s_canon_workload(dse_strbuf_t *sb, const dse_job_t *job)
{
    dse_strbuf_addf(sb, "\n[workload]\ndtype = \"%s\"\nsteps = [", dse_dtype_name(job->dtype));
    int first = 1;
    for (unsigned i = 0; i < DSE_N_STEPS; i++)
        if (job->steps & (1u << i)) {
            dse_strbuf_addf(sb, "%s\"%s\"", first ? "" : ", ", dse_step_name(i));
            first = 0;
        }
    dse_strbuf_adds(sb, "]\n");
    for (size_t li = 0; li < job->n_layers; li++)
        s_canon_layer(sb, job, &job->layers[li]);
}

/* refine's margin: one number when every objective has the same margin
 * (the text of such jobs is what it was), else a table. */
static void s_canon_margin(dse_strbuf_t *sb, const dse_job_t *job)
{
    const dse_hwmodel_t *m = job->model;
    char buf[64];
    int same = 1;
    for (size_t j = 1; j < job->n_layer_objectives; j++)
        same &= job->margin[j] == job->margin[0];
    if (same) {
        s_float(sb, "margin", job->margin[0]);
        return;
    }
    dse_strbuf_adds(sb, "margin = { ");
    for (size_t j = 0; j < job->n_layer_objectives; j++) {
        dse_fmt_double(buf, sizeof buf, job->margin[j]);
        dse_strbuf_addf(sb, "%s%s = %s%s", j ? ", " : "",
                        m->metrics[job->layer_objectives[j]].name, buf,
                        strpbrk(buf, ".e") ? "" : ".0");
    }
    dse_strbuf_adds(sb, " }\n");
}

/* [search]: strategy, objectives, constraints and the settings. */
static void s_canon_search(dse_strbuf_t *sb, const dse_job_t *job)
{
    const dse_hwmodel_t *m = job->model;
    char buf[64];
    dse_strbuf_addf(sb, "\n[search]\nstrategy = \"%s\"\nobjectives = [", job->strategy);
    for (size_t i = 0; i < job->n_objectives; i++) {
        if (i)
            dse_strbuf_adds(sb, ", ");
        dse_strbuf_add_toml_string(sb, m->net_metrics[job->objectives[i]].name);
    }
    dse_strbuf_adds(sb, "]\nconstraints = [");
    for (size_t i = 0; i < job->n_constraints; i++) {
        const dse_constraint_t *k = &job->constraints[i];
        const char *name = k->net >= 0 ? m->net_metrics[k->net].name : m->metrics[k->metric].name;
        dse_fmt_double(buf, sizeof buf, k->bound);
        dse_strbuf_addf(sb, "%s\"%s %s %s\"", i ? ", " : "", name, s_cmp_names[k->cmp], buf);
    }
    dse_strbuf_addf(sb, "]\nseed = %llu\nbudget = %lld\npopulation = %lld\n"
                        "stall_generations = %lld\n", (unsigned long long)job->seed,
                    (long long)job->budget, (long long)job->population,
                    (long long)job->stall_generations);
    s_float(sb, "seconds", job->seconds);
    if (strcmp(job->strategy, "refine") != 0)
        return;
    if (job->margin_mode == DSE_MARGIN_ADAPTIVE) { /* the margin comes from the errors seen */
        dse_strbuf_adds(sb, "margin_mode = \"adaptive\"\n");
        s_float(sb, "margin_safety", job->margin_safety);
        return;
    }
    s_canon_margin(sb, job);
    dse_strbuf_adds(sb, "margin_mode = \"declared\"\n");
}

char *dse_job_canonical(const dse_job_t *job)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    s_canon_target(&sb, job);
    s_canon_workload(&sb, job);
    s_canon_search(&sb, job);
    dse_strbuf_addf(&sb, "\n[cluster]\nworkers = %d\nheartbeat_misses = %d\nmax_attempts = %d\n",
                    job->workers, job->heartbeat_misses, job->max_attempts);
    s_float(&sb, "heartbeat", job->heartbeat_s);
    s_float(&sb, "unit_seconds", job->unit_seconds);
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

/* One layer of dse-run --check's listing: its geometry, each parameter's
 * domain, its space size. */
static void s_print_layer(const dse_job_t *job, size_t li, int batch, FILE *out)
{
    const dse_hwmodel_t *m = job->model;
    const dse_layer_t *L = &job->layers[li];
    fprintf(out, "layer %zu '%s': %s ", li, L->name, dse_op_name(L->op));
    if (batch)
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
        s_print_layer(job, li, !same, out);
        total += (long double)job->layers[li].space->size;
    }
    fprintf(out, "\ntotal: %.0Lf points in %zu layer%s\n", total, job->n_layers,
            job->n_layers == 1 ? "" : "s");
}
