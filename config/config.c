/* config.c - job files: TOML -> a validated dse_job_t.
 *
 * Every check reports the file, line and column of the key or value at
 * fault. Validation uses only the declarations of the model (hwmodel.h):
 * nothing here knows a particular model. Each section of the file has its
 * own reader in its own file (cfg_private.h lists them); this file holds
 * the table of sections and walks it.
 */
#include "config/config.h"

#include <stdlib.h>
#include <string.h>

#include "config/cfg_private.h"
#include "config/evaluator.h"
#include "config/strategy.h"
#include "core/space.h"

/* [evaluator] (config/evaluator.c); without it, a strategy that measures
 * is an error at its name. */
static int s_evaluator(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *ev = dse__cfg_get(root, "evaluator", NULL);
    int rc = ev ? dse_evaluator_parse(ev, job, c->file, &job->evaluator, c->err) : 0;
    if (!rc && !job->evaluator && dse_strategy_decl(dse_strategy_of(job))->measured) {
        const dse_toml_value_t *s = dse__cfg_get(root, "search", NULL);
        rc = CFG_ERR_VAL(c, dse__cfg_get(s, "strategy", NULL), "strategy \"%s\" screens with "
                         "the model and measures with a command: it needs [evaluator] kind = "
                         "\"command\"", job->strategy);
    }
    return rc;
}

/* The sections of a job file, read in this order: a section may use what
 * those before it set (a layer's keys need [target]'s model, [search]
 * needs the layers). read NULL: another section reads it ([space], with
 * each layer). after, when set, runs once every section is read. A new
 * section is a file with its reader (declared in cfg_private.h) and a line
 * here; the file's unknown-section message lists it from this table. */
typedef int (*s_reader_fn)(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root);
static const struct {
    const char *name;
    s_reader_fn read, after;
} s_sections[] = {
    {"job", dse__cfg_job, dse__cfg_plot_axes},
    {"target", dse__cfg_target, NULL},
    {"workload", dse__cfg_workload, NULL},
    {"space", NULL, NULL},
    {"search", dse__cfg_search, NULL},
    {"cluster", dse__cfg_cluster, NULL},
    {"evaluator", s_evaluator, NULL},
};
#define S_N_SECTIONS (sizeof s_sections / sizeof s_sections[0])

/* Only the sections of the table at the top level. */
static int s_top_keys(dse__cfg_ctx_t *c, const dse_toml_value_t *root)
{
    const char *names[S_N_SECTIONS];
    dse_strbuf_t where = DSE_STRBUF_INIT;
    dse_strbuf_adds(&where, "the job file (sections: ");
    for (size_t i = 0; i < S_N_SECTIONS; i++) {
        names[i] = s_sections[i].name;
        dse_strbuf_addf(&where, "%s[%s]", i ? ", " : "", names[i]);
    }
    dse_strbuf_addc(&where, ')');
    int rc = dse__cfg_check_keys(c, root, where.buf, names, S_N_SECTIONS);
    dse_strbuf_release(&where);
    return rc;
}

int dse_config_parse(const char *name, const char *text, size_t len, unsigned flags,
                     dse_job_t **out, dse_error_t *err)
{
    dse_error_t local = DSE_ERROR_INIT;
    if (!err)
        err = &local;
    dse__cfg_ctx_t c = {name ? name : "<config>", err, flags, 0};
    *out = NULL;
    dse_toml_value_t *root = dse_toml_parse(text, len, err);
    if (!root) {
        snprintf(err->file, sizeof err->file, "%s", c.file);
        err->code = DSE_ECONFIG;
        return DSE_ECONFIG;
    }
    dse_job_t *job = dse_xcalloc(1, sizeof *job);
    job->path = dse_xstrdup(c.file);
    int rc = s_top_keys(&c, root);
    for (size_t i = 0; i < S_N_SECTIONS && !rc; i++)
        if (s_sections[i].read)
            rc = s_sections[i].read(&c, job, root);
    for (size_t i = 0; i < S_N_SECTIONS && !rc; i++)
        if (s_sections[i].after)
            rc = s_sections[i].after(&c, job, root);
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
