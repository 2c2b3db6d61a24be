/* outputs.c - CSV and JSON outputs, written atomically. */
#include "outputs/outputs.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/strategy.h"
#include "eval/explain.h"
#include "core/plot.h"
#include "core/space.h"
#include "config/evaluator.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "search/search.h"

/* Appends a CSV field, quoted when it needs to be (RFC 4180). */
static void s_csv_field(dse_strbuf_t *sb, const char *s)
{
    if (strpbrk(s, ",\"\r\n")) {
        dse_strbuf_addc(sb, '"');
        for (; *s; s++) {
            if (*s == '"')
                dse_strbuf_addc(sb, '"');
            dse_strbuf_addc(sb, *s);
        }
        dse_strbuf_addc(sb, '"');
    } else {
        dse_strbuf_adds(sb, s);
    }
}

static void s_num(dse_strbuf_t *sb, double v)
{
    char buf[64];
    dse_fmt_double(buf, sizeof buf, v);
    dse_strbuf_adds(sb, buf);
}

static void s_param_value(dse_strbuf_t *sb, const dse_param_decl_t *d, double v)
{
    if (d->kind == DSE_VAL_ENUM)
        s_csv_field(sb, d->choices[(size_t)v]);
    else
        s_num(sb, v);
}

static void s_metric_value(dse_strbuf_t *sb, const dse_metric_decl_t *d, double v)
{
    if (d->labels)
        s_csv_field(sb, d->labels[(size_t)v]);
    else
        s_num(sb, v);
}

static void s_steps(dse_strbuf_t *sb, unsigned steps)
{
    int first = 1;
    for (unsigned i = 0; i < DSE_N_STEPS; i++)
        if (steps & (1u << i)) {
            dse_strbuf_addf(sb, "%s%s", first ? "" : "+", dse_step_name(i));
            first = 0;
        }
}

/* A metric's column name; a metric named like a parameter (the pruning
 * ratio actually achieved, say) is headed NAME_achieved. */
static void s_metric_column(dse_strbuf_t *sb, const dse_hwmodel_t *m, size_t k)
{
    const char *name = m->metrics[k].name;
    dse_strbuf_addf(sb, ",%s%s", name, dse_model_param(m, name) >= 0 ? "_achieved" : "");
}

static void s_layer_header(dse_strbuf_t *sb, const dse_hwmodel_t *m, int source)
{
    dse_strbuf_adds(sb, "layer,steps,point");
    if (m->iface)
        dse_strbuf_adds(sb, ",iface_in,iface_out");
    for (size_t p = 0; p < m->n_params; p++)
        dse_strbuf_addf(sb, ",%s", m->params[p].name);
    for (size_t k = 0; k < m->n_metrics; k++)
        s_metric_column(sb, m, k);
    if (source)
        dse_strbuf_adds(sb, ",source");
    dse_strbuf_adds(sb, "\r\n");
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The rows of layer li's front f. measured (measured jobs; NULL for model
 * jobs) holds the layer's measured points: each row then ends with its
 * source, "measured" when its point is among them, else "model". */
static void s_layer_rows(dse_strbuf_t *sb, const dse_evaljob_t *ej, size_t li, dse_front_t *f,
                         const dse_front_t *measured)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    const dse_layer_t *L = &job->layers[li];
    double params[DSE_MAX_PARAMS];
    dse_front_sort(f);
    size_t n_meas = measured ? dse_front_size(measured) : 0;
    uint64_t *meas = NULL;
    if (measured) {
        meas = dse_xmalloc((n_meas + 1) * sizeof *meas);
        for (size_t i = 0; i < n_meas; i++)
            meas[i] = dse_front_index(measured, i);
        qsort(meas, n_meas, sizeof *meas, s_cmp_u64);
    }
    for (size_t r = 0; r < dse_front_size(f); r++) {
        uint64_t idx = dse_front_index(f, r);
        s_csv_field(sb, L->name);
        dse_strbuf_addc(sb, ',');
        s_steps(sb, job->steps);
        dse_strbuf_addf(sb, ",%llu", (unsigned long long)idx);
        if (m->iface)
            dse_strbuf_addf(sb, ",%lld,%lld", (long long)dse_front_cin(f, r),
                            (long long)dse_front_cout(f, r));
        dse_space_decode(L->space, idx, params);
        for (size_t p = 0; p < m->n_params; p++) {
            dse_strbuf_addc(sb, ',');
            s_param_value(sb, &m->params[p], params[p]);
        }
        const double *row = dse_front_row(f, r);
        for (size_t k = 0; k < m->n_metrics; k++) {
            dse_strbuf_addc(sb, ',');
            s_metric_value(sb, &m->metrics[k], row[k]);
        }
        if (measured)
            dse_strbuf_adds(sb, bsearch(&idx, meas, n_meas, sizeof *meas, s_cmp_u64)
                                    ? ",measured" : ",model");
        dse_strbuf_adds(sb, "\r\n");
    }
    free(meas);
}

/* The files of one run are written under temporary names (each fsynced)
 * and renamed into place only when every one of them is written: a full or
 * unwritable folder leaves the previous outputs as they were, never a mix
 * of old and new files. The staged files of one dse_outputs_write call
 * live in its own s_stage_t, so that calls (two threads, two folders)
 * do not share anything. */
typedef struct {
    char path[4096], tmp[4160];
} s_staged_t;
typedef struct {
    const char *dir;  /* the output folder */
    s_staged_t *files; /* written under their temporary names */
    size_t n, cap;
    char export_dir[4160]; /* the folder a model's export is written into first ("" when none) */
} s_stage_t;

/* Writes sb (and releases it) under a temporary name beside dir/name. */
static int s_write(s_stage_t *sg, const char *name, dse_strbuf_t *sb, dse_error_t *err)
{
    sg->files = dse_xgrow(sg->files, sizeof *sg->files, sg->n + 1, &sg->cap);
    s_staged_t *f = &sg->files[sg->n];
    snprintf(f->path, sizeof f->path, "%s/%s", sg->dir, name);
    snprintf(f->tmp, sizeof f->tmp, "%s/.%s.new.%ld", sg->dir, name, (long)getpid());
    int rc = dse_write_file_atomic(f->tmp, sb->buf ? sb->buf : "", sb->len, err);
    dse_strbuf_release(sb);
    if (rc) {
        /* name the real file */
        snprintf(err->file, sizeof err->file, "%.*s", (int)sizeof err->file - 1, f->path);
        return rc;
    }
    sg->n++;
    return 0;
}

/* Renames every staged file into place (commit), or removes them; frees
 * what the stage holds. */
static int s_stage_end(s_stage_t *sg, int commit, dse_error_t *err)
{
    int rc = 0;
    for (size_t i = 0; i < sg->n; i++) {
        if (commit && !rc && rename(sg->files[i].tmp, sg->files[i].path) != 0)
            rc = dse_error_set(err, DSE_EIO, sg->files[i].path, 0, 0,
                               "cannot rename into place: %s", strerror(errno));
        else if (!commit || rc)
            unlink(sg->files[i].tmp);
    }
    free(sg->files);
    sg->files = NULL;
    sg->n = sg->cap = 0;
    if (sg->export_dir[0])
        rmdir(sg->export_dir);
    sg->export_dir[0] = '\0';
    return rc;
}

static void s_json_string(dse_strbuf_t *sb, const char *s)
{
    dse_strbuf_add_json_string(sb, s);
}

static void s_json_num(dse_strbuf_t *sb, double v)
{
    if (!isfinite(v)) {
        dse_strbuf_adds(sb, "null");
        return;
    }
    s_num(sb, v);
}

static int s_compatible(const void *arg, int64_t prev_out, int64_t next_in)
{
    const dse_job_t *job = arg;
    return job->model->compatible(job, prev_out, next_in);
}

int dse_outputs_compose(const dse_evaljob_t *ej, dse_front_t *const *layer_fronts,
                        const volatile sig_atomic_t *stop, dse_netfront_t **nf, dse_error_t *err)
{
    return dse_outputs_compose_progress(ej, layer_fronts, stop, NULL, NULL, nf, err);
}

int dse_outputs_compose_progress(const dse_evaljob_t *ej, dse_front_t *const *layer_fronts,
                                 const volatile sig_atomic_t *stop,
                                 void (*progress)(void *, int, size_t, size_t, size_t),
                                 void *arg, dse_netfront_t **nf, dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    int net_source[DSE_MAX_METRICS];
    dse_agg_t net_agg[DSE_MAX_METRICS];
    size_t n_net = m->n_net_metrics;
    for (size_t i = 0; i < n_net; i++) {
        net_source[i] = dse_model_metric(m, m->net_metrics[i].source);
        net_agg[i] = m->net_metrics[i].agg;
    }
    int cons_metric[DSE_MAX_CONSTRAINTS];
    dse_cmp_t cons_cmp[DSE_MAX_CONSTRAINTS];
    double cons_bound[DSE_MAX_CONSTRAINTS];
    size_t n_cons = 0;
    for (size_t i = 0; i < job->n_constraints; i++) {
        if (job->constraints[i].net < 0)
            continue;
        cons_metric[n_cons] = job->constraints[i].net;
        cons_cmp[n_cons] = job->constraints[i].cmp;
        cons_bound[n_cons] = job->constraints[i].bound;
        n_cons++;
    }
    dse_compose_spec_t spec = {
        .n_layers = job->n_layers,
        .layers = (const dse_front_t *const *)layer_fronts,
        .n_net = n_net,
        .net_source = net_source,
        .net_agg = net_agg,
        .n_obj = job->n_objectives,
        .obj = job->objectives,
        .n_cons = n_cons,
        .cons_metric = cons_metric,
        .cons_cmp = cons_cmp,
        .cons_bound = cons_bound,
        .compatible = m->compatible ? s_compatible : NULL,
        .compatible_arg = job,
        .max_front = 2000000,
        .stop = stop,
        .epsilon = job->epsilon,
        .progress = progress,
        .progress_arg = arg,
    };
    return dse_compose(&spec, nf, err);
}

/* With a measured accuracy table: acc[r] for each network front row, and,
 * when accuracy is an objective, keep[r] = 0 for the rows it dominates.
 * The front was composed minimising the mean pruning ratio; accuracy does
 * not increase with the ratio, so every row of the accuracy front is among
 * them and this refilter is exact. Rows outside the table are dropped. */
static void s_accuracy_filter(const dse_job_t *job, const dse_netfront_t *nf,
                              unsigned char *keep, double **acc_out)
{
    size_t n = nf ? dse_netfront_size(nf) : 0;
    memset(keep, 1, n ? n : 1);
    *acc_out = NULL;
    if (!job->n_accuracy)
        return;
    const dse_hwmodel_t *m = job->model;
    int pn = dse_model_net_metric(m, "prune");
    double *acc = dse_xmalloc((n ? n : 1) * sizeof *acc);
    for (size_t r = 0; r < n; r++) {
        acc[r] = dse_job_accuracy(job, dse_netfront_metrics(nf, r)[pn]);
        if (isnan(acc[r]))
            keep[r] = 0;
    }
    *acc_out = acc;
    if (job->accuracy_objective < 0)
        return;
    /* objective value k of row r: minimised, accuracy negated */
#define S_OBJ(r, k)                                                                         \
    ((int)(k) == job->accuracy_objective ? -acc[r]                                         \
                                         : dse_netfront_metrics(nf, r)[job->objectives[k]])
    for (size_t r = 0; r < n; r++) {
        if (!keep[r])
            continue;
        for (size_t q = 0; q < n && keep[r]; q++) {
            if (q == r || isnan(acc[q]))
                continue;
            int le = 1, lt = 0;
            for (size_t k = 0; k < job->n_objectives && le; k++) {
                double a = S_OBJ(q, k), b = S_OBJ(r, k);
                le = a <= b;
                lt |= a < b;
            }
            /* dominated, or equal to an earlier row */
            if (le && (lt || q < r))
                keep[r] = 0;
        }
    }
#undef S_OBJ
}

/* Hypervolume of a front on its objectives against dse_front_reference.
 * Writes "{"value": V, "reference": [...]}". */
static void s_json_hypervolume(dse_strbuf_t *sb, const dse_front_t *f)
{
    size_t k = dse_front_n_obj(f), n = dse_front_size(f);
    double ref[DSE_MAX_OBJECTIVES + 1];
    dse_front_reference(f, ref, NULL);
    dse_strbuf_adds(sb, "{\"value\": ");
    s_json_num(sb, n ? dse_hypervolume(f, ref) : 0);
    dse_strbuf_adds(sb, ", \"reference\": [");
    for (size_t j = 0; j < k; j++) {
        dse_strbuf_adds(sb, j ? ", " : "");
        s_json_num(sb, ref[j]);
    }
    dse_strbuf_adds(sb, "]}");
}

/* Network metric values from per-layer metric rows (rows[l] for layer l). */
static void s_aggregate(const dse_hwmodel_t *m, size_t n_layers, double *const *rows,
                        double *net)
{
    for (size_t i = 0; i < m->n_net_metrics; i++) {
        int src = dse_model_metric(m, m->net_metrics[i].source);
        dse_agg_t agg = m->net_metrics[i].agg;
        double v = n_layers ? rows[0][src] : 0;
        for (size_t l = 1; l < n_layers; l++)
            v = dse_agg_combine(agg, v, rows[l][src]);
        net[i] = agg == DSE_AGG_MEAN && n_layers ? v / (double)n_layers : v;
    }
}

/* The baselines' values, kept for the plot: baseline b has network
 * metrics net[b][i] when ok[b] (feasible on every layer), and per-layer
 * metrics layer[b * n_layers + l][k] when layer_ok[b * n_layers + l]. */
typedef struct {
    size_t n;
    unsigned char *ok, *layer_ok;
    const char **why; /* when !ok: "no deployment" or "infeasible" */
    double (*net)[DSE_MAX_METRICS];
    double (*layer)[DSE_MAX_METRICS];
} s_basevals_t;

static void s_basevals_init(s_basevals_t *bv, const dse_job_t *job)
{
    const dse_hwmodel_t *m = job->model;
    size_t n = 0;
    while (m->baselines && m->baseline && m->baselines[n])
        n++;
    size_t nl = job->n_layers ? job->n_layers : 1;
    bv->n = n;
    bv->ok = dse_xcalloc(n ? n : 1, 1);
    bv->why = dse_xcalloc(n ? n : 1, sizeof *bv->why);
    bv->net = dse_xcalloc(n ? n : 1, sizeof *bv->net);
    bv->layer_ok = dse_xcalloc((n ? n : 1) * nl, 1);
    bv->layer = dse_xcalloc((n ? n : 1) * nl, sizeof *bv->layer);
}

static void s_basevals_release(s_basevals_t *bv)
{
    free(bv->ok);
    free(bv->why);
    free(bv->net);
    free(bv->layer_ok);
    free(bv->layer);
}

/* baselines.csv: each baseline deployment of the model, per layer and for
 * the network, evaluated on the same model; summary lines into js, values
 * into bv. */
/* Like for like (issue 11): beside a feasible baseline whose network metrics
 * are net, the front's best row on the first objective among the rows that
 * prune the same (mean ratio), and the front's best row overall with its
 * pruning and, given an accuracy table, the accuracy it costs against the
 * baseline. Nothing for models without a "prune" network metric (their
 * networks are always equal). */
static void s_like_for_like(dse_strbuf_t *js, const dse_job_t *job, const dse_netfront_t *nf,
                            const unsigned char *keep, const double *net)
{
    const dse_hwmodel_t *m = job->model;
    int pr = dse_model_net_metric(m, "prune");
    int obj = -1;
    for (size_t k = 0; k < job->n_objectives && obj < 0; k++)
        if ((int)k != job->accuracy_objective)
            obj = job->objectives[k];
    if (pr < 0 || obj < 0 || !nf)
        return;
    const double eps = 1e-9;
    double same = NAN, best = NAN, best_prune = NAN;
    for (size_t q = 0; q < dse_netfront_size(nf); q++) {
        if (!keep[q])
            continue;
        const double *v = dse_netfront_metrics(nf, q);
        if (fabs(v[pr] - net[pr]) <= eps && (isnan(same) || v[obj] < same))
            same = v[obj];
        if (isnan(best) || v[obj] < best || (v[obj] == best && v[pr] < best_prune))
            best = v[obj], best_prune = v[pr];
    }
    const char *name = m->net_metrics[obj].name;
    dse_strbuf_adds(js, ", \"front_like_for_like\": ");
    if (isnan(same)) {
        dse_strbuf_adds(js, "null");
    } else {
        dse_strbuf_adds(js, "{\"prune\": ");
        s_json_num(js, net[pr]);
        dse_strbuf_adds(js, ", ");
        s_json_string(js, name);
        dse_strbuf_adds(js, ": ");
        s_json_num(js, same);
        dse_strbuf_adds(js, ", \"baseline_over_front\": ");
        s_json_num(js, same > 0 ? net[obj] / same : NAN);
        dse_strbuf_adds(js, "}");
    }
    if (isnan(best) || fabs(best_prune - net[pr]) <= eps)
        return;
    dse_strbuf_adds(js, ", \"front_best\": {\"prune\": ");
    s_json_num(js, best_prune);
    dse_strbuf_adds(js, ", ");
    s_json_string(js, name);
    dse_strbuf_adds(js, ": ");
    s_json_num(js, best);
    dse_strbuf_adds(js, ", \"accuracy_cost\": ");
    if (job->n_accuracy)
        s_json_num(js, dse_job_accuracy(job, net[pr]) - dse_job_accuracy(job, best_prune));
    else
        s_json_string(js, "unknown: the front's best prunes more than the baseline, and no "
                          "accuracy table says what that costs");
    dse_strbuf_adds(js, "}");
}

static int s_baselines(const dse_evaljob_t *ej, s_stage_t *sg, dse_strbuf_t *js,
                       s_basevals_t *bv, const dse_netfront_t *nf, const unsigned char *keep,
                       dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, "baseline,layer,feasible");
    for (size_t p = 0; p < m->n_params; p++)
        dse_strbuf_addf(&sb, ",%s", m->params[p].name);
    for (size_t k = 0; k < m->n_metrics; k++)
        s_metric_column(&sb, m, k);
    dse_strbuf_adds(&sb, "\r\n");
    size_t nl = job->n_layers;
    double **params = dse_xcalloc(nl, sizeof *params);
    double **rows = dse_xcalloc(nl, sizeof *rows);
    for (size_t l = 0; l < nl; l++) {
        params[l] = dse_xcalloc(DSE_MAX_PARAMS, sizeof **params);
        rows[l] = dse_xcalloc(DSE_MAX_METRICS, sizeof **rows);
    }
    double net[DSE_MAX_METRICS];
    int first = 1;
    for (size_t b = 0; m->baselines && m->baselines[b]; b++) {
        const char *name = m->baselines[b];
        dse_error_t berr = DSE_ERROR_INIT;
        dse_strbuf_addf(js, "%s\n    {\"name\": ", first ? "" : ",");
        first = 0;
        s_json_string(js, name);
        bv->why[b] = "no deployment";
        if (m->baseline(job, name, params, &berr) != 0) {
            dse_strbuf_adds(js, ", \"error\": ");
            s_json_string(js, berr.msg);
            dse_strbuf_adds(js, "}");
            continue;
        }
        int all_ok = 1;
        for (size_t l = 0; l < nl; l++) {
            int ok = dse_eval_params(ej, l, params[l], rows[l]);
            all_ok &= ok;
            bv->layer_ok[b * nl + l] = (unsigned char)ok;
            memcpy(bv->layer[b * nl + l], rows[l], sizeof bv->layer[0]);
            s_csv_field(&sb, name);
            dse_strbuf_addc(&sb, ',');
            s_csv_field(&sb, job->layers[l].name);
            dse_strbuf_adds(&sb, ok ? ",1" : ",0");
            for (size_t p = 0; p < m->n_params; p++) {
                dse_strbuf_addc(&sb, ',');
                s_param_value(&sb, &m->params[p], params[l][p]);
            }
            for (size_t k = 0; k < m->n_metrics; k++) {
                dse_strbuf_addc(&sb, ',');
                if (ok)
                    s_metric_value(&sb, &m->metrics[k], rows[l][k]);
            }
            dse_strbuf_adds(&sb, "\r\n");
        }
        dse_strbuf_addf(js, ", \"feasible\": %s", all_ok ? "true" : "false");
        bv->ok[b] = (unsigned char)all_ok;
        bv->why[b] = "infeasible";
        if (all_ok) {
            s_aggregate(m, nl, rows, net);
            memcpy(bv->net[b], net, sizeof net);
            for (size_t i = 0; i < m->n_net_metrics; i++) {
                dse_strbuf_adds(js, ", ");
                s_json_string(js, m->net_metrics[i].name);
                dse_strbuf_adds(js, ": ");
                s_json_num(js, net[i]);
            }
            s_like_for_like(js, job, nf, keep, net);
        }
        dse_strbuf_adds(js, "}");
    }
    for (size_t l = 0; l < nl; l++) {
        free(params[l]);
        free(rows[l]);
    }
    free(params);
    free(rows);
    return s_write(sg, "baselines.csv", &sb, err);
}

/* An axis title: the metric's name, and its unit when that says more. */
static char *s_axis_title(const char *name, const char *unit)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, name);
    if (unit && unit[0] && strcmp(unit, name) != 0)
        dse_strbuf_addf(&sb, " [%s]", unit);
    return dse_strbuf_detach(&sb, NULL);
}

/* The metrics pareto.svg plots, x then y: [job] plot, else the first two
 * objectives, with time instead of cycles where the model has time_us.
 * Each is a network metric index, or -1 for accuracy. Returns how many. */
static size_t s_plot_axes(const dse_job_t *job, int axes[2])
{
    const dse_hwmodel_t *m = job->model;
    if (job->n_plot) {
        for (size_t a = 0; a < job->n_plot; a++)
            axes[a] = job->plot_axes[a];
        return job->n_plot;
    }
    size_t n = job->n_objectives < 2 ? job->n_objectives : 2;
    int time = dse_model_net_metric(m, "time_us");
    for (size_t a = 0; a < n; a++) {
        if ((int)a == job->accuracy_objective) {
            axes[a] = -1;
            continue;
        }
        axes[a] = job->objectives[a];
        if (time >= 0 && strcmp(m->net_metrics[axes[a]].name, "cycles") == 0)
            axes[a] = time;
    }
    if (n == 2 && axes[0] == axes[1]) /* cycles and time_us both objectives */
        axes[0] = job->objectives[0];
    return n;
}

/* pareto.svg: the network front on the plotted metrics (objv holds the
 * n_sol written rows' network metrics and accuracy, n_net + 1 a row), a
 * parallel-coordinates panel of every objective when there are three or
 * more, then, with plot_layers or when there is no network front to show,
 * each layer's front on the layer metrics behind the plotted ones;
 * baselines beside them. */
/* What s_plot's parts share: the job, the plotted axes, the panels being
 * filled and their texts and marks, and the buffer the texts are built in. */
typedef struct {
    const dse_job_t *job;
    const dse_hwmodel_t *m;
    const s_basevals_t *bv;
    size_t k, nl, n_net, na;
    int axes[2];
    dse_plot_panel_t *panels;
    dse_plot_mark_t *marks;
    char **texts;
    dse_strbuf_t *sb;
} s_plotctx_t;

/* The network panel: title, axis titles, subtitle, points and baselines. */
static void s_plot_net_panel(s_plotctx_t *c, size_t n_sol, const double *objv, double *xy)
{
    const dse_job_t *job = c->job;
    const dse_hwmodel_t *m = c->m;
    const s_basevals_t *bv = c->bv;
    size_t k = c->k, n_net = c->n_net, na = c->na;
    const int *axes = c->axes;
    char **texts = c->texts;
    dse_strbuf_t *sb = c->sb;
    dse_plot_panel_t *p = &c->panels[0];
    dse_strbuf_addf(sb, "%s: network front, %zu point%s", job->name, n_sol, n_sol == 1 ? "" : "s");
    texts[0] = dse_strbuf_detach(sb, NULL);
    p->title = texts[0];
    for (size_t a = 0; a < na; a++) {
        int acc = axes[a] < 0;
        const dse_net_metric_decl_t *d = acc ? NULL : &m->net_metrics[axes[a]];
        texts[1 + a] = s_axis_title(acc ? "accuracy" : d->name, acc ? "" : d->unit);
        *(a ? &p->y_max : &p->x_max) = acc;
    }
    p->x_label = texts[1];
    p->y_label = texts[2];
    p->knee = k == 2;
    dse_strbuf_addf(sb, "model %s%s%s; objective%s: ", m->name,
                   job->hardware[0] ? ", hardware " : "", job->hardware, k == 1 ? "" : "s");
    for (size_t a = 0; a < k; a++) {
        int acc = (int)a == job->accuracy_objective;
        dse_strbuf_addf(sb, "%s%s", a ? ", " : "",
                       acc ? "accuracy" : m->net_metrics[job->objectives[a]].name);
    }
    texts[3] = dse_strbuf_detach(sb, NULL);
    p->subtitle = texts[3];
    for (size_t r = 0; r < n_sol; r++)
        for (size_t a = 0; a < na; a++)
            xy[a * n_sol + r] = objv[(n_net + 1) * r + (axes[a] < 0 ? n_net : (size_t)axes[a])];
    p->n = n_sol;
    p->x = xy;
    p->y = na > 1 ? xy + n_sol : NULL;
    p->marks = c->marks;
    p->n_marks = bv->n;
    int prune = dse_model_net_metric(m, "prune");
    for (size_t b = 0; b < bv->n; b++) {
        dse_plot_mark_t *mk = &c->marks[b];
        mk->name = m->baselines[b];
        mk->x = mk->y = NAN;
        mk->why = bv->why[b];
        if (!bv->ok[b])
            continue;
        for (size_t a = 0; a < na; a++) {
            double v = axes[a] < 0 ? dse_job_accuracy(job, bv->net[b][prune])
                                   : bv->net[b][axes[a]];
            *(a ? &mk->y : &mk->x) = v;
        }
        mk->why = "outside the accuracy table";
    }
}

/* The parallel coordinates panel of every objective; its arrays are
 * returned through labels, maxes and values for the caller to free. */
static void s_plot_par_panel(s_plotctx_t *c, size_t n_sol, const double *objv,
                             const char ***labels, int **maxes, double **values)
{
    const dse_job_t *job = c->job;
    const dse_hwmodel_t *m = c->m;
    size_t k = c->k, n_net = c->n_net;
    dse_plot_panel_t *pp = &c->panels[1];
    const char **par_labels = dse_xcalloc(k, sizeof *par_labels);
    int *par_max = dse_xcalloc(k, sizeof *par_max);
    double *parv = dse_xmalloc(k * n_sol * sizeof *parv);
    for (size_t a = 0; a < k; a++) {
        int acc = (int)a == job->accuracy_objective;
        par_labels[a] = acc ? "accuracy" : m->net_metrics[job->objectives[a]].name;
        par_max[a] = acc;
        for (size_t r = 0; r < n_sol; r++)
            parv[r * k + a] = objv[(n_net + 1) * r + (acc ? n_net
                                                      : (size_t)job->objectives[a])];
    }
    dse_strbuf_addf(c->sb, "%s: network front on all %zu objectives", job->name, k);
    c->texts[4] = dse_strbuf_detach(c->sb, NULL);
    pp->title = c->texts[4];
    pp->n = n_sol;
    pp->n_par = k;
    pp->par_labels = par_labels;
    pp->par_max = par_max;
    pp->par = parv;
    *labels = par_labels;
    *maxes = par_max;
    *values = parv;
}

/* The network panel's note: why there is no front, or why it is empty, or
 * that its baselines are not like for like. Returns what the caller frees. */
static char *s_plot_net_note(s_plotctx_t *c, const dse_netfront_t *nf, const char *net_error,
                             size_t n_sol)
{
    dse_plot_panel_t *p = &c->panels[0];
    char *note = NULL;
    if (!nf) {
        const char *why = net_error ? net_error : "not composed";
        size_t wl = strlen(why);
        dse_strbuf_addf(c->sb, "No network front: %s%s The layers' fronts follow.", why,
                        wl && why[wl - 1] == '.' ? "" : ".");
        p->note = note = dse_strbuf_detach(c->sb, NULL);
    } else if (n_sol == 0) {
        p->note = "The network front is empty: no combination of layer points is feasible, "
                  "compatible and within the constraints. The layers' fronts follow.";
    } else {
        char warn[512];
        if (c->bv->n && dse_job_prune_warning(c->job, warn, sizeof warn))
            p->note = "Not like for like: the front's networks may be pruned, the baselines' "
                      "are not, and no accuracy is shown. summary.json compares equal networks "
                      "(front_like_for_like).";
    }
    return note;
}

/* The panel of layer l (panel index pi): its front on the layer metrics
 * laxes[0..lk), and the baselines' points of that layer. */
static void s_plot_layer_panel(s_plotctx_t *c, const dse_front_t *f, size_t l, size_t pi,
                               const int laxes[2], size_t lk)
{
    const dse_job_t *job = c->job;
    const dse_hwmodel_t *m = c->m;
    const s_basevals_t *bv = c->bv;
    size_t nl = c->nl;
    dse_strbuf_t *sb = c->sb;
    dse_plot_panel_t *p = &c->panels[pi];
    size_t n = dse_front_size(f);
    dse_strbuf_addf(sb, "%s: layer %s, front of %zu point%s", job->name,
                   job->layers[l].name, n, n == 1 ? "" : "s");
    char **t = &c->texts[4 * pi];
    t[0] = dse_strbuf_detach(sb, NULL);
    p->title = t[0];
    size_t lo = job->n_layer_objectives;
    dse_strbuf_addf(sb, "%s layer; objective%s per layer: ", dse_op_name(job->layers[l].op),
                   lo == 1 ? "" : "s");
    for (size_t a = 0; a < lo; a++)
        dse_strbuf_addf(sb, "%s%s", a ? ", " : "",
                       m->metrics[job->layer_objectives[a]].name);
    for (size_t a = 0; a < lk; a++) {
        const dse_metric_decl_t *d = &m->metrics[laxes[a]];
        t[1 + a] = s_axis_title(d->name, d->unit);
    }
    p->knee = lo == 2;
    t[3] = dse_strbuf_detach(sb, NULL);
    p->subtitle = t[3];
    p->x_label = t[1];
    p->y_label = t[2];
    double *lxy = dse_xmalloc(2 * (n ? n : 1) * sizeof *lxy);
    for (size_t r = 0; r < n; r++) {
        const double *row = dse_front_row(f, r);
        lxy[r] = row[laxes[0]];
        lxy[n + r] = lk > 1 ? row[laxes[1]] : 0;
    }
    p->n = n;
    p->x = lxy;
    p->y = lxy + n;
    p->marks = c->marks + pi * (bv->n ? bv->n : 1);
    p->n_marks = bv->n;
    for (size_t b = 0; b < bv->n; b++) {
        dse_plot_mark_t *mk = &c->marks[pi * (bv->n ? bv->n : 1) + b];
        mk->name = m->baselines[b];
        mk->x = mk->y = NAN;
        mk->why = bv->layer_ok[b * nl + l] || strcmp(bv->why[b], "infeasible") != 0
                      ? bv->why[b]
                      : "infeasible here";
        if (!bv->layer_ok[b * nl + l])
            continue;
        mk->x = bv->layer[b * nl + l][laxes[0]];
        if (lk > 1)
            mk->y = bv->layer[b * nl + l][laxes[1]];
    }
}

static int s_plot(const dse_evaljob_t *ej, dse_front_t *const *layer_fronts,
                  const dse_netfront_t *nf, const char *net_error, size_t n_sol,
                  const double *objv, const s_basevals_t *bv, s_stage_t *sg, dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    size_t k = job->n_objectives, nl = job->n_layers, n_net = m->n_net_metrics;
    int axes[2] = {-2, -2};
    size_t na = s_plot_axes(job, axes);
    int layers = job->plot_layers || n_sol == 0;
    int par = k >= 3 && n_sol > 0;
    size_t first_layer = 1 + (size_t)par;
    size_t n_panels = first_layer + (layers ? nl : 0);
    dse_plot_panel_t *panels = dse_xcalloc(n_panels, sizeof *panels);
    dse_plot_mark_t *marks = dse_xcalloc(n_panels * (bv->n ? bv->n : 1), sizeof *marks);
    /* per panel: title, axis titles, subtitle */
    char **texts = dse_xcalloc(n_panels * 4, sizeof *texts);
    double *xy = dse_xmalloc(2 * (n_sol ? n_sol : 1) * sizeof *xy);
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    s_plotctx_t c = {job, m, bv, k, nl, n_net, na, {axes[0], axes[1]}, panels, marks, texts, &sb};

    /* the network panel */
    s_plot_net_panel(&c, n_sol, objv, xy);
    /* parallel coordinates of every objective */
    const char **par_labels = NULL;
    int *par_max = NULL;
    double *parv = NULL;
    if (par)
        s_plot_par_panel(&c, n_sol, objv, &par_labels, &par_max, &parv);
    char *note = s_plot_net_note(&c, nf, net_error, n_sol);

    /* the layer metrics behind the plotted network metrics (accuracy: the
     * layer objective in its place) */
    int laxes[2] = {job->layer_objectives[0], job->n_layer_objectives > 1
                                                  ? job->layer_objectives[1] : -1};
    size_t lk = job->n_layer_objectives < 2 ? job->n_layer_objectives : 2;
    if (job->n_plot || na == 2) {
        for (size_t a = 0; a < na; a++) {
            int src = axes[a] < 0 ? -1 : dse_model_metric(m, m->net_metrics[axes[a]].source);
            if (src >= 0)
                laxes[a] = src;
        }
        lk = na;
    }
    /* one panel per layer */
    for (size_t l = 0; layers && l < nl; l++)
        s_plot_layer_panel(&c, layer_fronts[l], l, first_layer + l, laxes, lk);
    dse_strbuf_addf(&sb, "Pareto fronts of %s", job->name);
    char *title = dse_strbuf_detach(&sb, NULL);
    dse_plot_svg(&sb, title, panels, n_panels);
    free(title);
    for (size_t l = 0; layers && l < nl; l++)
        free((void *)panels[first_layer + l].x);
    free(par_labels);
    free(par_max);
    free(parv);
    for (size_t i = 0; i < n_panels * 4; i++)
        free(texts[i]);
    free(texts);
    free(note);
    free(xy);
    free(marks);
    free(panels);
    return s_write(sg, "pareto.svg", &sb, err);
}

/* The model's export (FINN's folding_config.json) of the first network
 * front row that is written and that the model accepts; when it accepts
 * none, a line in warnings (when not NULL) instead. */
static int s_exports(const dse_evaljob_t *ej, const dse_netfront_t *nf,
                     const unsigned char *keep, s_stage_t *sg, dse_strbuf_t *warnings,
                     dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    const char *dir = sg->dir;
    size_t n = nf ? dse_netfront_size(nf) : 0;
    if (!m->export_point || n == 0)
        return 0;
    long row = -1;
    for (size_t r = 0; r < n && row < 0; r++)
        if (keep[r] && (!m->export_fits || m->export_fits(job, dse_netfront_metrics(nf, r))))
            row = (long)r;
    if (row < 0) {
        if (warnings)
            dse_strbuf_adds(warnings, "no network point fits the device budgets: no export\n");
        return 0;
    }
    size_t nl = job->n_layers;
    double **params = dse_xcalloc(nl, sizeof *params);
    const uint64_t *pts = dse_netfront_points(nf, (size_t)row);
    for (size_t l = 0; l < nl; l++) {
        params[l] = dse_xcalloc(DSE_MAX_PARAMS, sizeof **params);
        dse_space_decode(job->layers[l].space, pts[l], params[l]);
    }
    /* the model writes into a folder of its own beside the outputs; its
     * files are staged with the others, so that a run that fails later
     * leaves the previous export in place too */
    char *xdir = sg->export_dir;
    snprintf(xdir, sizeof sg->export_dir, "%s/.dse-export.%ld", dir, (long)getpid());
    int rc = 0;
    if (mkdir(xdir, 0755) != 0 && errno != EEXIST)
        rc = dse_error_set(err, DSE_EIO, xdir, 0, 0, "cannot create: %s", strerror(errno));
    if (rc == 0)
        rc = m->export_point(job, params, xdir, err);
    size_t el = strlen(xdir);
    if (rc && strncmp(err->file, xdir, el) == 0 && err->file[el] == '/') {
        char real[sizeof err->file];
        snprintf(real, sizeof real, "%s%s", dir, err->file + el);
        snprintf(err->file, sizeof err->file, "%s", real); /* name the real file */
    }
    DIR *d = opendir(xdir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        sg->files = dse_xgrow(sg->files, sizeof *sg->files, sg->n + 1, &sg->cap);
        s_staged_t *f = &sg->files[sg->n];
        int a = snprintf(f->path, sizeof f->path, "%s/%s", dir, e->d_name);
        int b = snprintf(f->tmp, sizeof f->tmp, "%s/%s", xdir, e->d_name);
        if (a < 0 || b < 0 || (size_t)a >= sizeof f->path || (size_t)b >= sizeof f->tmp) {
            if (rc == 0)
                rc = dse_error_set(err, DSE_EIO, dir, 0, 0, "an export's path is too long");
            continue;
        }
        sg->n++;
    }
    if (d)
        closedir(d);
    for (size_t l = 0; l < nl; l++)
        free(params[l]);
    free(params);
    return rc;
}

int dse_outputs_check_dir(const char *dir, dse_error_t *err)
{
    char *p = dse_xstrdup(dir[0] ? dir : ".");
    int rc = 0;
    for (;;) {
        struct stat st;
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                rc = dse_error_set(err, DSE_EIO, p, 0, 0, "not a folder: cannot write the "
                                   "outputs %s", strcmp(p, dir) ? "below it" : "into it");
            else if (access(p, W_OK | X_OK) != 0)
                rc = dse_error_set(err, DSE_EIO, p, 0, 0, "cannot write the outputs %s: %s",
                                   strcmp(p, dir) ? "below this folder" : "into this folder",
                                   strerror(errno));
            break;
        }
        if (errno != ENOENT && errno != ENOTDIR) {
            rc = dse_error_set(err, DSE_EIO, p, 0, 0, "cannot use as the output folder: %s",
                               strerror(errno));
            break;
        }
        /* not there yet: its parent must be writable */
        char *slash = strrchr(p, '/');
        while (slash && slash > p && slash[1] == '\0') { /* trailing slashes */
            *slash = '\0';
            slash = strrchr(p, '/');
        }
        if (!slash) {
            strcpy(p, ".");
        } else if (slash == p) {
            p[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    free(p);
    return rc;
}

/* Every file the tool may write into an output folder. A run removes those
 * of them it did not write itself, so that a folder never mixes two jobs'
 * files (a stale all_points.csv, another model's export). A model export
 * with a new file name is added here. */
static const char *const s_owned[] = {
    "pareto_layers.csv", "pareto_network.csv", "pareto_network_choices.csv", "pareto.svg",
    "summary.json",      "baselines.csv",      "all_points.csv",             "folding_config.json",
    "failures.csv",      "fidelity.csv",       "tiling.h",                   "fastest_tiling.txt",
    "deployment.json",   "verify.csv",
};
#define N_OWNED (sizeof s_owned / sizeof *s_owned)

static char *s_path(const char *dir, const char *name)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "%s/%s", dir, name);
    return dse_strbuf_detach(&sb, NULL);
}

typedef struct {
    int present;
    dev_t dev;
    ino_t ino;
} s_file_id_t;

/* Every file is written to a temporary name and renamed, so a file written
 * by this run has a new inode: one that kept its inode is stale. */
static void s_owned_ids(const char *dir, s_file_id_t *ids)
{
    for (size_t i = 0; i < N_OWNED; i++) {
        char *path = s_path(dir, s_owned[i]);
        struct stat st;
        ids[i].present = lstat(path, &st) == 0 && S_ISREG(st.st_mode);
        ids[i].dev = ids[i].present ? st.st_dev : 0;
        ids[i].ino = ids[i].present ? st.st_ino : 0;
        free(path);
    }
}

static int s_remove_stale(const char *dir, const s_file_id_t *before, dse_error_t *err)
{
    for (size_t i = 0; i < N_OWNED; i++) {
        if (!before[i].present)
            continue;
        char *path = s_path(dir, s_owned[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && st.st_dev == before[i].dev && st.st_ino == before[i].ino &&
            unlink(path) != 0 && errno != ENOENT) {
            int e = errno;
            dse_error_set(err, DSE_EIO, path, 0, 0, "cannot remove this stale output of an "
                          "earlier run: %s", strerror(e));
            free(path);
            return DSE_EIO;
        }
        free(path);
    }
    return 0;
}

static void s_verify_json(dse_strbuf_t *sb, const dse_job_t *job, const dse_run_stats_t *st);
static int s_cmp_quarantined(const void *a, const void *b)
{
    const dse_quarantined_t *x = a, *y = b;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* failures.csv of a measured job: the points that failed every attempt,
 * in (layer, point) order. */
static int s_failures(const dse_evaljob_t *ej, const dse_run_stats_t *st, s_stage_t *sg,
                      dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    dse_quarantined_t *q = dse_xcalloc(st->n_quarantined + 1, sizeof *q);
    if (st->n_quarantined)
        memcpy(q, st->quarantined, st->n_quarantined * sizeof *q);
    qsort(q, st->n_quarantined, sizeof *q, s_cmp_quarantined);
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, "layer,point");
    for (size_t p = 0; p < m->n_params; p++) {
        dse_strbuf_addc(&sb, ',');
        s_csv_field(&sb, m->params[p].name);
    }
    dse_strbuf_adds(&sb, ",attempts,reason\r\n");
    double params[DSE_MAX_PARAMS];
    for (size_t i = 0; i < st->n_quarantined; i++) {
        const dse_space_t *sp = job->layers[q[i].layer].space;
        s_csv_field(&sb, job->layers[q[i].layer].name);
        dse_strbuf_addf(&sb, ",%llu", (unsigned long long)q[i].lo);
        if (q[i].lo < sp->size)
            dse_space_decode(sp, q[i].lo, params);
        for (size_t p = 0; p < m->n_params; p++) {
            dse_strbuf_addc(&sb, ',');
            if (q[i].lo < sp->size)
                s_param_value(&sb, &m->params[p], params[p]);
        }
        dse_strbuf_addf(&sb, ",%u,", q[i].attempts);
        s_csv_field(&sb, q[i].error);
        dse_strbuf_adds(&sb, "\r\n");
    }
    free(q);
    return s_write(sg, "failures.csv", &sb, err);
}

static const char *s_verify_status(int status)
{
    return status == DSE_VERIFY_AGREE      ? "agree"
           : status == DSE_VERIFY_DISAGREE ? "disagree"
                                           : "not verified";
}

/* verify.csv of a measured job with [evaluator] verify: each sampled point,
 * in (layer, point) order (the coordinator sends them so), with the two
 * measurements of the metric that differs most. */
static int s_verify_csv(const dse_evaljob_t *ej, const dse_run_stats_t *st, s_stage_t *sg,
                        dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, "layer,point");
    for (size_t p = 0; p < m->n_params; p++) {
        dse_strbuf_addc(&sb, ',');
        s_csv_field(&sb, m->params[p].name);
    }
    dse_strbuf_adds(&sb, ",status,measured_by,remeasured_by,metric,first,second,"
                         "relative_difference,note\r\n");
    double params[DSE_MAX_PARAMS];
    char buf[64];
    for (size_t i = 0; i < st->n_verified; i++) {
        const dse_verified_t *v = &st->verified[i];
        const dse_space_t *sp = job->layers[v->layer].space;
        s_csv_field(&sb, job->layers[v->layer].name);
        dse_strbuf_addf(&sb, ",%llu", (unsigned long long)v->point);
        if (v->point < sp->size)
            dse_space_decode(sp, v->point, params);
        for (size_t p = 0; p < m->n_params; p++) {
            dse_strbuf_addc(&sb, ',');
            if (v->point < sp->size)
                s_param_value(&sb, &m->params[p], params[p]);
        }
        dse_strbuf_addf(&sb, ",%s,", s_verify_status(v->status));
        s_csv_field(&sb, v->first);
        dse_strbuf_addc(&sb, ',');
        s_csv_field(&sb, v->second);
        dse_strbuf_addc(&sb, ',');
        if (v->status != DSE_VERIFY_NOT) {
            s_csv_field(&sb, v->metric);
            dse_fmt_double(buf, sizeof buf, v->a);
            dse_strbuf_addf(&sb, ",%s,", buf);
            dse_fmt_double(buf, sizeof buf, v->b);
            dse_strbuf_addf(&sb, "%s,", buf);
            double d = fmax(fabs(v->a), fabs(v->b));
            dse_fmt_double(buf, sizeof buf, d > 0 ? fabs(v->a - v->b) / d : 0);
            dse_strbuf_adds(&sb, buf);
        } else {
            dse_strbuf_adds(&sb, ",,,");
        }
        dse_strbuf_addc(&sb, ',');
        s_csv_field(&sb, v->note);
        dse_strbuf_adds(&sb, "\r\n");
    }
    return s_write(sg, "verify.csv", &sb, err);
}

/* fidelity.csv of a measured job: per layer and measured metric, the
 * analytic model against the measurements of the points kept. */
static int s_fidelity(const dse_evaljob_t *ej, dse_front_t *const *rows, s_stage_t *sg,
                      dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    const dse_evaluator_t *ev = job->evaluator;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, "layer,metric,points,mean_rel_error,max_rel_error,kendall_tau\r\n");
    double params[DSE_MAX_PARAMS], model[DSE_MAX_METRICS];
    for (size_t l = 0; l < job->n_layers; l++) {
        const dse_front_t *f = rows[l];
        size_t n = dse_front_size(f);
        double *pm = dse_xmalloc((n + 1) * sizeof *pm * ev->n_regex);
        double *pv = dse_xmalloc((n + 1) * sizeof *pv * ev->n_regex);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            dse_space_decode(job->layers[l].space, dse_front_index(f, i), params);
            if (!m->evaluate(ej->ctx[l], params, model))
                continue;
            for (size_t r = 0; r < ev->n_regex; r++) {
                pm[r * (n + 1) + k] = model[ev->regex_index[r]];
                pv[r * (n + 1) + k] = dse_front_row(f, i)[ev->regex_index[r]];
            }
            k++;
        }
        for (size_t r = 0; r < ev->n_regex; r++) {
            const double *a = pm + r * (n + 1), *b = pv + r * (n + 1);
            double sum = 0, max = 0;
            size_t used = 0;
            for (size_t i = 0; i < k; i++)
                if (b[i] != 0) {
                    double e = fabs(a[i] - b[i]) / fabs(b[i]);
                    sum += e;
                    max = e > max ? e : max;
                    used++;
                }
            /* Kendall's tau (ties count neither way), up to 20,000 points */
            long double conc = 0;
            int tau_ok = k >= 2 && k <= 20000;
            for (size_t i = 0; tau_ok && i < k; i++)
                for (size_t j = i + 1; j < k; j++) {
                    double x = (a[i] - a[j]) * (b[i] - b[j]);
                    conc += x > 0 ? 1 : x < 0 ? -1 : 0;
                }
            s_csv_field(&sb, job->layers[l].name);
            dse_strbuf_addc(&sb, ',');
            s_csv_field(&sb, ev->regex_metric[r]);
            dse_strbuf_addf(&sb, ",%zu,", k);
            if (used) {
                s_num(&sb, sum / (double)used);
                dse_strbuf_addc(&sb, ',');
                s_num(&sb, max);
            } else {
                dse_strbuf_addc(&sb, ',');
            }
            dse_strbuf_addc(&sb, ',');
            if (tau_ok)
                s_num(&sb, (double)(conc / ((long double)k * (long double)(k - 1) / 2)));
            dse_strbuf_adds(&sb, "\r\n");
        }
        free(pm);
        free(pv);
    }
    return s_write(sg, "fidelity.csv", &sb, err);
}
static int s_outputs_write(s_stage_t *sg, const dse_evaljob_t *ej,
                           dse_front_t *const *layer_fronts, const dse_netfront_t *nf,
                           const char *net_error, dse_front_t *const *all,
                           const dse_run_stats_t *st, dse_strbuf_t *warnings, dse_error_t *err);

int dse_outputs_write(const dse_evaljob_t *ej, dse_front_t *const *layer_fronts,
                      const dse_netfront_t *nf, const char *net_error,
                      dse_front_t *const *all, const dse_run_stats_t *st,
                      dse_strbuf_t *warnings, dse_error_t *err)
{
    const char *dir = ej->job->output;
    int rc = dse_mkdir_p(dir, err);
    if (rc)
        return rc;
    s_file_id_t before[N_OWNED];
    s_owned_ids(dir, before);
    /* every file is staged, and renamed into place only when all are
     * written (summary.json last); then the stale ones go */
    s_stage_t sg = {.dir = dir};
    rc = s_outputs_write(&sg, ej, layer_fronts, nf, net_error, all, st, warnings, err);
    int rc2 = s_stage_end(&sg, rc == 0, err);
    if (rc || rc2)
        return rc ? rc : rc2;
    return s_remove_stale(dir, before, err);
}

/* The writers share the run's results and what one writer works out for
 * those after it. */
typedef struct {
    const dse_evaljob_t *ej;
    dse_front_t *const *layer_fronts;
    const dse_netfront_t *nf;
    const char *net_error;
    dse_front_t *const *all;
    const dse_run_stats_t *st;
    s_stage_t *stage;        /* where the files go (the output folder) */
    dse_strbuf_t *warnings;  /* lines for the user, or NULL */
    unsigned char *keep;  /* s_w_network: the network front rows written */
    size_t n_sol;         /* how many */
    dse_front_t *netobj;  /* their objectives (accuracy negated) */
    double *objv;         /* their network metrics, then accuracy (NaN without a table) */
    dse_strbuf_t summary; /* summary.json, written last */
    s_basevals_t bv;      /* the baselines' values, for the plot */
} s_out_t;

/* pareto_layers.csv; measured jobs add the source of each row */
static int s_w_layers(s_out_t *o, dse_error_t *err)
{
    const dse_job_t *job = o->ej->job;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_front_t *const *meas = job->evaluator ? o->st->measured_rows : NULL;
    s_layer_header(&sb, job->model, meas != NULL);
    for (size_t li = 0; li < job->n_layers; li++)
        s_layer_rows(&sb, o->ej, li, o->layer_fronts[li], meas ? meas[li] : NULL);
    return s_write(o->stage, "pareto_layers.csv", &sb, err);
}

/* all_points.csv: every feasible point (dump_all) */
static int s_want_all(const s_out_t *o)
{
    return o->all != NULL;
}

static int s_w_all(s_out_t *o, dse_error_t *err)
{
    const dse_job_t *job = o->ej->job;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    s_layer_header(&sb, job->model, 0);
    for (size_t li = 0; li < job->n_layers; li++)
        s_layer_rows(&sb, o->ej, li, o->all[li], NULL);
    return s_write(o->stage, "all_points.csv", &sb, err);
}

/* failures.csv and fidelity.csv: measured jobs */
static int s_want_measured(const s_out_t *o)
{
    return o->ej->job->evaluator != NULL;
}

static int s_w_failures(s_out_t *o, dse_error_t *err)
{
    return s_failures(o->ej, o->st, o->stage, err);
}

/* verify.csv: measured jobs with [evaluator] verify */
static int s_want_verify(const s_out_t *o)
{
    return o->ej->job->evaluator && o->ej->job->evaluator->verify;
}

static int s_w_verify(s_out_t *o, dse_error_t *err)
{
    return s_verify_csv(o->ej, o->st, o->stage, err);
}

static int s_want_fidelity(const s_out_t *o)
{
    return o->ej->job->evaluator && o->st->measured_rows;
}

static int s_w_fidelity(s_out_t *o, dse_error_t *err)
{
    return s_fidelity(o->ej, o->st->measured_rows, o->stage, err);
}

/* pareto_network.csv and its long form, pareto_network_choices.csv; keeps
 * for the writers after it which rows were written (keep, n_sol), their
 * objectives (netobj) and metrics (objv). */
static int s_w_network(s_out_t *o, dse_error_t *err)
{
    const dse_job_t *job = o->ej->job;
    const dse_hwmodel_t *m = job->model;
    const dse_netfront_t *nf = o->nf;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    int rc;
    size_t n_net = m->n_net_metrics;
    size_t n_all = nf ? dse_netfront_size(nf) : 0;
    unsigned char *keep = o->keep = dse_xmalloc(n_all ? n_all : 1);
    double *acc = NULL;
    s_accuracy_filter(job, nf, keep, &acc);
    dse_strbuf_adds(&sb, "solution");
    for (size_t i = 0; i < n_net; i++)
        dse_strbuf_addf(&sb, ",%s", m->net_metrics[i].name);
    if (acc)
        dse_strbuf_adds(&sb, ",accuracy");
    for (size_t li = 0; li < job->n_layers; li++) {
        dse_strbuf_addc(&sb, ',');
        char col[200];
        snprintf(col, sizeof col, "%s.point", job->layers[li].name);
        s_csv_field(&sb, col);
    }
    dse_strbuf_adds(&sb, "\r\n");
    dse_strbuf_t lf = DSE_STRBUF_INIT;
    dse_strbuf_adds(&lf, "solution,layer,point");
    for (size_t p = 0; p < m->n_params; p++)
        dse_strbuf_addf(&lf, ",%s", m->params[p].name);
    dse_strbuf_adds(&lf, "\r\n");
    size_t n_sol = 0;
    double params[DSE_MAX_PARAMS];
    /* the written rows on the job's objectives (accuracy negated), for the
     * hypervolume in summary.json */
    int obj_cols[DSE_MAX_OBJECTIVES];
    for (size_t k = 0; k < job->n_objectives; k++)
        obj_cols[k] = (int)k;
    dse_front_t *netobj = o->netobj =
        dse_front_new(job->n_objectives, job->n_objectives, obj_cols);
    /* every network metric of each written row, then its accuracy (NaN
     * without a table), for the plot */
    double *objv = o->objv = dse_xcalloc((n_net + 1) * (n_all ? n_all : 1), sizeof *objv);
    for (size_t q = 0; q < n_all; q++) {
        if (!keep[q])
            continue;
        size_t r = n_sol++; /* solutions are numbered as written */
        dse_strbuf_addf(&sb, "%zu", r);
        const double *v = dse_netfront_metrics(nf, q);
        for (size_t i = 0; i < n_net; i++) {
            dse_strbuf_addc(&sb, ',');
            s_num(&sb, v[i]);
        }
        if (acc) {
            dse_strbuf_addc(&sb, ',');
            s_num(&sb, acc[q]);
        }
        double ov[DSE_MAX_OBJECTIVES];
        for (size_t k = 0; k < job->n_objectives; k++)
            ov[k] = (int)k == job->accuracy_objective ? -acc[q] : v[job->objectives[k]];
        for (size_t i = 0; i < n_net; i++)
            objv[(n_net + 1) * r + i] = v[i];
        objv[(n_net + 1) * r + n_net] = acc ? acc[q] : NAN;
        dse_front_push(netobj, r, 0, 0, ov);
        const uint64_t *pts = dse_netfront_points(nf, q);
        for (size_t li = 0; li < job->n_layers; li++) {
            dse_strbuf_addf(&sb, ",%llu", (unsigned long long)pts[li]);
            dse_strbuf_addf(&lf, "%zu,", r);
            s_csv_field(&lf, job->layers[li].name);
            dse_strbuf_addf(&lf, ",%llu", (unsigned long long)pts[li]);
            dse_space_decode(job->layers[li].space, pts[li], params);
            for (size_t p = 0; p < m->n_params; p++) {
                dse_strbuf_addc(&lf, ',');
                s_param_value(&lf, &m->params[p], params[p]);
            }
            dse_strbuf_adds(&lf, "\r\n");
        }
        dse_strbuf_adds(&sb, "\r\n");
    }
    free(acc);
    o->n_sol = n_sol;
    if ((rc = s_write(o->stage, "pareto_network.csv", &sb, err))) {
        dse_strbuf_release(&lf);
        return rc;
    }
    return s_write(o->stage, "pareto_network_choices.csv", &lf, err);

}

/* summary.json, refine: the margin mode and what it guarantees
 * (search/refine.h). */
static void s_refine_json(dse_strbuf_t *sb, const dse_job_t *job)
{
    char buf[64];
    if (job->margin_mode == DSE_MARGIN_DECLARED) {
        dse_strbuf_adds(sb, ",\n  \"refine\": {\"margin_mode\": \"declared\", \"margin\": {");
        for (size_t j = 0; j < job->n_layer_objectives; j++) {
            dse_fmt_double(buf, sizeof buf, job->margin[j]);
            dse_strbuf_addf(sb, "%s\"%s\": %s", j ? ", " : "",
                            job->model->metrics[job->layer_objectives[j]].name, buf);
        }
        dse_strbuf_adds(sb, "}, \"guarantee\": \"the layer fronts are those of measuring "
                            "every point if the model's relative error |model - measured| / "
                            "measured on each objective is at most delta, with margin >= "
                            "(1 + delta) / (1 - delta) - 1, and the budget did not end the rounds\"}");
        return;
    }
    dse_fmt_double(buf, sizeof buf, job->margin_safety);
    dse_strbuf_addf(sb, ",\n  \"refine\": {\"margin_mode\": \"adaptive\", \"margin_safety\": "
                        "%s, \"guarantee\": \"the layer fronts are those of measuring every "
                        "point if, on every point not measured, the refitted model's relative "
                        "error |model - measured| / measured on each objective is at most "
                        "margin_safety times the largest seen on the measured points of any "
                        "layer, and the budget did not end the rounds (a budget-bound round "
                        "takes the points predicted to add the most hypervolume, with no "
                        "such guarantee)\"}", buf);
}

/* summary.json's opening: the job, its model, strategy, sources and objectives. */
static void s_summary_head(dse_strbuf_t *sb, const s_out_t *o)
{
    const dse_evaljob_t *ej = o->ej;
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    dse_strbuf_adds(sb, "{\n  \"job\": ");
    s_json_string(sb, job->name);
    dse_strbuf_adds(sb, ",\n  \"model\": ");
    s_json_string(sb, m->name);
    dse_strbuf_adds(sb, ",\n  \"hardware\": ");
    s_json_string(sb, job->hardware);
    dse_strbuf_addf(sb, ",\n  \"digest\": \"%s\",\n  \"strategy\": ", ej->digest);
    s_json_string(sb, job->strategy);
    dse_strbuf_addf(sb, ",\n  \"budget\": %llu,\n  \"seed\": %llu",
                   (unsigned long long)dse_strategy_budget(job),
                   (unsigned long long)job->seed);
    if (strcmp(job->strategy, "refine") == 0) /* what refine's fronts rest on */
        s_refine_json(sb, job);
    if (job->onnx) { /* the layers came from an ONNX file: what onnx_ignore dropped */
        dse_strbuf_adds(sb, ",\n  \"onnx\": ");
        s_json_string(sb, job->onnx);
        dse_strbuf_adds(sb, ",\n  \"onnx_dropped\": [");
        for (size_t i = 0; i < job->n_onnx_dropped; i++) {
            dse_strbuf_adds(sb, i ? ", " : "");
            s_json_string(sb, job->onnx_dropped[i]);
        }
        dse_strbuf_adds(sb, "]");
    }
    dse_strbuf_adds(sb, ",\n  \"objectives\": [");
    for (size_t i = 0; i < job->n_objectives; i++) {
        dse_strbuf_adds(sb, i ? ", " : "");
        s_json_string(sb, (int)i == job->accuracy_objective
                              ? "accuracy"
                              : m->net_metrics[job->objectives[i]].name);
    }
}

/* Why layer li's front is empty (core/why.h), into summary.json. */
static void s_summary_layer_why(dse_strbuf_t *sb, const dse_job_t *job, size_t li,
                                const dse_counters_t *c)
{
    char msg[512], reason[160];
    double v, b;
    int top = dse_why_explain(job, li, &c->why, c->evaluated, msg, sizeof msg, reason,
                              sizeof reason, &v, &b);
    dse_strbuf_adds(sb, ", \"why\": {\"reason\": ");
    s_json_string(sb, reason);
    dse_strbuf_addf(sb, ", \"points\": %llu, \"value\": ",
                   (unsigned long long)(top >= 0 ? c->why.n[top] : 0));
    s_json_num(sb, v);
    dse_strbuf_adds(sb, ", \"bound\": ");
    s_json_num(sb, b);
    dse_strbuf_adds(sb, ", \"message\": ");
    s_json_string(sb, msg);
    dse_strbuf_adds(sb, "}");
}

/* summary.json's "layers": each layer's counts and front. */
static void s_summary_layers(dse_strbuf_t *sb, const s_out_t *o)
{
    const dse_job_t *job = o->ej->job;
    const dse_run_stats_t *st = o->st;
    dse_front_t *const *layer_fronts = o->layer_fronts;
    dse_strbuf_adds(sb, "  \"layers\": [\n");
    for (size_t li = 0; li < job->n_layers; li++) {
        const dse_counters_t *c = &st->per_layer[li];
        dse_strbuf_adds(sb, "    {\"name\": ");
        s_json_string(sb, job->layers[li].name);
        dse_strbuf_addf(sb, ", \"points\": %llu, \"evaluated\": %llu, \"feasible\": %llu, "
                            "\"infeasible\": %llu, \"skipped\": %llu, \"front\": %zu, "
                            "\"hypervolume\": ",
                       (unsigned long long)job->layers[li].space->size,
                       (unsigned long long)c->evaluated, (unsigned long long)c->feasible,
                       (unsigned long long)c->infeasible, (unsigned long long)c->skipped,
                       dse_front_size(layer_fronts[li]));
        s_json_hypervolume(sb, layer_fronts[li]);
        if (dse_front_size(layer_fronts[li]) == 0 && c->evaluated > 0)
            s_summary_layer_why(sb, job, li, c); /* an empty front says why */
       dse_strbuf_addf(sb, "}%s\n", li + 1 < job->n_layers ? "," : "");
    }
}

/* summary.json's network front: its size, hypervolume, epsilon and error. */
static void s_summary_network(dse_strbuf_t *sb, const s_out_t *o)
{
    const dse_job_t *job = o->ej->job;
    dse_strbuf_addf(sb, "  ],\n  \"network_front\": %zu,\n", o->n_sol);
    dse_strbuf_adds(sb, "  \"network_hypervolume\": ");
    s_json_hypervolume(sb, o->netobj);
    dse_strbuf_adds(sb, ",\n");
    if (job->epsilon > 0) {
        /* what dse_compose guarantees under [search] epsilon */
        char e1[64];
        dse_fmt_double(e1, sizeof e1, 1 + job->epsilon);
        dse_strbuf_adds(sb, "  \"epsilon\": ");
        s_json_num(sb, job->epsilon);
        dse_strbuf_addf(sb, ",\n  \"epsilon_bound\": \"every network of the exact front, with "
                            "each budget on an objective divided by %s, has a network in this "
                            "front with every objective at most %s times its value (at most "
                            "its value where it is negative)\",\n", e1, e1);
    }
    if (job->n_accuracy)
        dse_strbuf_addf(sb, "  \"accuracy_objective\": %s,\n",
                       job->accuracy_objective >= 0 ? "true" : "false");
    if (!o->nf && o->net_error) {
        dse_strbuf_adds(sb, "  \"network_error\": ");
        s_json_string(sb, o->net_error);
        dse_strbuf_adds(sb, ",\n");
    }
}

/* summary.json's run: times, workers, units and what was quarantined. */
static void s_summary_run(dse_strbuf_t *sb, const s_out_t *o)
{
    const dse_job_t *job = o->ej->job;
    const dse_run_stats_t *st = o->st;
    dse_strbuf_adds(sb, "  \"wall_seconds\": ");
    s_json_num(sb, st->wall_seconds);
    dse_strbuf_adds(sb, ",\n  \"compose_seconds\": ");
    s_json_num(sb, st->compose_seconds);
    dse_strbuf_addf(sb, ",\n  \"workers_seen\": %u,\n  \"units\": %llu,\n"
                        "  \"units_reissued\": %llu,\n  \"units_quarantined\": [",
                   st->workers_seen, (unsigned long long)st->units,
                   (unsigned long long)st->units_reissued);
    for (size_t i = 0; i < st->n_quarantined; i++) {
        const dse_quarantined_t *q = &st->quarantined[i];
        dse_strbuf_addf(sb, "%s\n    {\"layer\": ", i ? "," : "");
        s_json_string(sb, job->layers[q->layer].name);
        dse_strbuf_addf(sb, ", \"lo\": %llu, \"hi\": %llu, \"attempts\": %u, \"error\": ",
                       (unsigned long long)q->lo, (unsigned long long)q->hi, q->attempts);
        s_json_string(sb, q->error);
        dse_strbuf_adds(sb, "}");
    }
    dse_strbuf_adds(sb, st->n_quarantined ? "\n  ]" : "]");
    dse_strbuf_adds(sb, ",\n  \"workers_quarantined\": [");
    for (size_t i = 0; i < st->n_bad_workers; i++) {
        dse_strbuf_adds(sb, i ? ", " : "");
        s_json_string(sb, st->bad_workers[i]);
    }
    dse_strbuf_adds(sb, "]");
}

/* summary.json, all but the baselines: built into o->summary, written last
 * (s_w_summary_end). */
static int s_w_summary(s_out_t *o, dse_error_t *err)
{
    (void)err;
    const dse_evaljob_t *ej = o->ej;
    const dse_job_t *job = ej->job;
    const dse_run_stats_t *st = o->st;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_counters_t tot = {0};
    long double points = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        tot.evaluated += st->per_layer[li].evaluated;
        tot.feasible += st->per_layer[li].feasible;
        tot.infeasible += st->per_layer[li].infeasible;
        tot.skipped += st->per_layer[li].skipped;
        points += (long double)job->layers[li].space->size;
    }
    s_summary_head(&sb, o);
    /* a measured point that failed every attempt counts as infeasible, with its reason */
    dse_strbuf_addf(&sb, "],\n  \"complete\": %s,\n",
                    st->n_quarantined && !job->evaluator ? "false" : "true");
    if (job->evaluator)
        dse_strbuf_addf(&sb, "  \"evaluator\": \"command\",\n  \"measured\": %llu,\n"
                             "  \"cached\": %llu,\n  \"failed\": %zu,\n",
                        (unsigned long long)st->measured, (unsigned long long)st->cached,
                        st->n_quarantined);
    if (job->evaluator && job->evaluator->verify)
        s_verify_json(&sb, job, st);
    dse_strbuf_addf(&sb, "  \"points\": %.0Lf,\n  \"evaluated\": %llu,\n  \"feasible\": %llu,\n"
                         "  \"infeasible\": %llu,\n  \"skipped\": %llu,\n",
                    points, (unsigned long long)tot.evaluated, (unsigned long long)tot.feasible,
                    (unsigned long long)tot.infeasible, (unsigned long long)tot.skipped);
    s_summary_layers(&sb, o);
    s_summary_network(&sb, o);
    s_summary_run(&sb, o);
    o->summary = sb;
    return 0;
}

/* baselines.csv, and the baselines in summary.json: models with baselines */
static int s_want_baselines(const s_out_t *o)
{
    const dse_hwmodel_t *m = o->ej->job->model;
    return m->baselines && m->baseline;
}

static int s_w_baselines(s_out_t *o, dse_error_t *err)
{
    dse_strbuf_adds(&o->summary, ",\n  \"baselines\": [");
    int rc = s_baselines(o->ej, o->stage, &o->summary, &o->bv, o->nf, o->keep, err);
    if (rc == 0)
        dse_strbuf_adds(&o->summary, "\n  ]");
    return rc;
}

/* pareto.svg */
static int s_w_plot(s_out_t *o, dse_error_t *err)
{
    return s_plot(o->ej, o->layer_fronts, o->nf, o->net_error, o->n_sol, o->objv, &o->bv,
                  o->stage, err);
}

/* the model's exports (tiling.h, folding_config.json, ...) */
static int s_want_exports(const s_out_t *o)
{
    return o->ej->job->model->export_point != NULL;
}

static int s_w_exports(s_out_t *o, dse_error_t *err)
{
    return s_exports(o->ej, o->nf, o->keep, o->stage, o->warnings, err);
}

/* summary.json last: its presence says the run's files are complete */
static int s_w_summary_end(s_out_t *o, dse_error_t *err)
{
    dse_strbuf_adds(&o->summary, "\n}\n");
    return s_write(o->stage, "summary.json", &o->summary, err);
}

/* The writers in the order they run; want (NULL = always) is the opt-in.
 * A new output is a writer function and a line here (and its file name in
 * s_owned when a later run must remove it once stale). */
static const struct {
    const char *what;
    int (*want)(const s_out_t *o);
    int (*write)(s_out_t *o, dse_error_t *err);
} s_writers[] = {
    {"pareto_layers.csv", NULL, s_w_layers},
    {"all_points.csv", s_want_all, s_w_all},
    {"failures.csv", s_want_measured, s_w_failures},
    {"verify.csv", s_want_verify, s_w_verify},
    {"fidelity.csv", s_want_fidelity, s_w_fidelity},
    {"pareto_network.csv", NULL, s_w_network},
    {"summary.json", NULL, s_w_summary},
    {"baselines.csv", s_want_baselines, s_w_baselines},
    {"pareto.svg", NULL, s_w_plot},
    {"exports", s_want_exports, s_w_exports},
    {"summary.json", NULL, s_w_summary_end},
};

static int s_outputs_write(s_stage_t *sg, const dse_evaljob_t *ej,
                           dse_front_t *const *layer_fronts, const dse_netfront_t *nf,
                           const char *net_error, dse_front_t *const *all,
                           const dse_run_stats_t *st, dse_strbuf_t *warnings, dse_error_t *err)
{
    s_out_t o = {.ej = ej, .layer_fronts = layer_fronts, .nf = nf, .net_error = net_error,
                 .all = all, .st = st, .stage = sg, .warnings = warnings,
                 .summary = DSE_STRBUF_INIT};
    s_basevals_init(&o.bv, ej->job);
    int rc = 0;
    for (size_t i = 0; i < sizeof s_writers / sizeof s_writers[0]; i++)
        if (!s_writers[i].want || s_writers[i].want(&o))
            if ((rc = s_writers[i].write(&o, err)))
                goto out;
out:
    dse_strbuf_release(&o.summary);
    s_basevals_release(&o.bv);
    dse_front_destroy(&o.netobj);
    free(o.objv);
    free(o.keep);
    return rc;
}

/* summary.json's "verify" object: the sample's counts, the workers of
 * each disagreement, and a warning when points could not be verified. */
static void s_verify_json(dse_strbuf_t *sb, const dse_job_t *job, const dse_run_stats_t *st)
{
    size_t n[4] = {0};
    for (size_t i = 0; i < st->n_verified; i++)
        n[st->verified[i].status & 3]++;
    char buf[64];
    dse_fmt_double(buf, sizeof buf, job->evaluator->verify_tolerance);
    dse_strbuf_addf(sb, "  \"verify\": {\"per_layer\": %llu, \"tolerance\": %s, \"sampled\": %zu, "
                        "\"verified\": %zu, \"agreed\": %zu, \"disagreed\": %zu, "
                        "\"not_verified\": %zu,\n    \"disagreements\": [",
                    (unsigned long long)job->evaluator->verify, buf, st->n_verified,
                    n[DSE_VERIFY_AGREE] + n[DSE_VERIFY_DISAGREE], n[DSE_VERIFY_AGREE],
                    n[DSE_VERIFY_DISAGREE], n[DSE_VERIFY_NOT]);
    size_t k = 0;
    for (size_t i = 0; i < st->n_verified; i++) {
        const dse_verified_t *v = &st->verified[i];
        if (v->status != DSE_VERIFY_DISAGREE)
            continue;
        dse_strbuf_addf(sb, "%s\n      {\"layer\": ", k++ ? "," : "");
        s_json_string(sb, job->layers[v->layer].name);
        dse_strbuf_addf(sb, ", \"point\": %llu, \"measured_by\": ", (unsigned long long)v->point);
        s_json_string(sb, v->first);
        dse_strbuf_adds(sb, ", \"remeasured_by\": ");
        s_json_string(sb, v->second);
        dse_strbuf_adds(sb, ", \"metric\": ");
        s_json_string(sb, v->metric);
        dse_strbuf_adds(sb, ", \"first\": ");
        s_json_num(sb, v->a);
        dse_strbuf_adds(sb, ", \"second\": ");
        s_json_num(sb, v->b);
        dse_strbuf_adds(sb, "}");
    }
    dse_strbuf_adds(sb, k ? "\n    ]" : "]");
    if (n[DSE_VERIFY_NOT]) {
        const char *why = "";
        for (size_t i = 0; i < st->n_verified && !why[0]; i++)
            if (st->verified[i].status == DSE_VERIFY_NOT)
                why = st->verified[i].note;
        dse_strbuf_addf(sb, ",\n    \"warning\": ");
        dse_strbuf_t w = DSE_STRBUF_INIT;
        dse_strbuf_addf(&w, "%zu of %zu sampled points not verified (see verify.csv); the "
                            "first: %s", n[DSE_VERIFY_NOT], st->n_verified, why);
        s_json_string(sb, w.buf);
        dse_strbuf_release(&w);
    }
    dse_strbuf_adds(sb, "},\n");
}
