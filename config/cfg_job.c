/* cfg_job.c - [job]: name, output folder, dump_all, plot_layers; and its
 * plot axes, read once [search] has said whether accuracy exists.
 */
#include "config/cfg_private.h"

#include <string.h>

int dse__cfg_job(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *t = dse__cfg_get(root, "job", NULL);
    int rc;
    if (t && (rc = dse__cfg_expect(c, t, DSE_TOML_TABLE, "[job]")))
        return rc;
    static const char *const keys[] = {"name", "output", "description", "dump_all",
                                       "plot_layers", "plot"};
    if (t && (rc = dse__cfg_check_keys(c, t, "[job]", keys, 6)))
        return rc;
    const dse_toml_value_t *dv = t ? dse__cfg_get(t, "dump_all", NULL) : NULL;
    if (dv) {
        if ((rc = dse__cfg_expect(c, dv, DSE_TOML_BOOL, "dump_all")))
            return rc;
        job->dump_all = dse_toml_bool(dv);
    }
    if ((dv = t ? dse__cfg_get(t, "plot_layers", NULL) : NULL)) {
        if ((rc = dse__cfg_expect(c, dv, DSE_TOML_BOOL, "plot_layers")))
            return rc;
        job->plot_layers = dse_toml_bool(dv);
    }
    const char *name = NULL, *output = NULL, *desc = NULL;
    if (t && ((rc = dse__cfg_string(c, t, "name", "the job's name", 0, 0, 0, &name)) ||
              (rc = dse__cfg_string(c, t, "output", "the output folder", 0, 0, 0, &output)) ||
              (rc = dse__cfg_string(c, t, "description", "a description", 0, 0, 0, &desc))))
        return rc;
    if (name) {
        if (!dse__cfg_valid_name(name))
            return CFG_ERR_VAL(c, dse__cfg_get(t, "name", NULL), "a job name may only hold "
                               "letters, digits, '-', '_' and '.'");
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
            return CFG_ERR_VAL(c, dse__cfg_get(t, "output", NULL), "output must name a folder");
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
int dse__cfg_plot_axes(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *t = dse__cfg_get(root, "job", NULL);
    const dse_toml_value_t *v = t ? dse__cfg_get(t, "plot", NULL) : NULL;
    if (!v)
        return 0;
    int rc = dse__cfg_expect(c, v, DSE_TOML_ARRAY, "plot");
    if (rc)
        return rc;
    size_t n = dse_toml_array_size(v);
    if (n < 1 || n > 2)
        return CFG_ERR_VAL(c, v, "plot names the metric of the x axis and, for a 2-D plot, of the "
                           "y axis: 1 or 2 names, not %zu", n);
    const dse_hwmodel_t *m = job->model;
    for (size_t i = 0; i < n; i++) {
        const dse_toml_value_t *e = dse_toml_array_get(v, i);
        if ((rc = dse__cfg_expect(c, e, DSE_TOML_STRING, "a plotted metric")))
            return rc;
        const char *name = dse_toml_string(e, NULL);
        int net = dse_model_net_metric(m, name);
        if (strcmp(name, "accuracy") == 0 && job->accuracy_objective >= 0) {
            net = -1;
        } else if (net < 0) {
            return dse__cfg_unknown_metric(c, e, m, name);
        } else {
            int layer = dse_model_metric(m, m->net_metrics[net].source);
            if (layer < 0 || m->metrics[layer].labels)
                return CFG_ERR_VAL(c, e, "metric '%s' is a label, not a quantity to plot", name);
        }
        for (size_t j = 0; j < i; j++)
            if (job->plot_axes[j] == net)
                return CFG_ERR_VAL(c, e, "'%s' is plotted twice", name);
        job->plot_axes[i] = net;
    }
    job->n_plot = n;
    return 0;
}
