/* cfg_target.c - [target]: the hardware model, and the preset it names
 * (found along the preset path, see config.h) with [target]'s own keys over it.
 */
#include "config/cfg_private.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Reads the preset file into job->hw (values not in the file keep their defaults). */
static int s_load_preset(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *hwv)
{
    const char *name = job->hardware;
    const dse_hwmodel_t *m = job->model;
    if (!dse__cfg_valid_name(name))
        return CFG_ERR_VAL(c, hwv, "hardware preset name '%s' may only hold letters, digits, "
                           "'-', '_' and '.'", name);
    char *path = s_find_preset(c->file, name);
    if (!path)
        return CFG_ERR_VAL(c, hwv, "unknown hardware preset '%s' (looked for %s.toml in "
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
    dse__cfg_ctx_t pc = {path, c->err, c->flags};
    static const char *const fixed[] = {"model", "description", "source"};
    /* the model first: a preset for another model would otherwise be blamed
     * for its first key this model does not know */
    const char *pm = NULL;
    rc = dse__cfg_string(&pc, root, "model", "the model the preset is for", 1, 1, 1, &pm);
    if (!rc && strcmp(pm, m->name) != 0) {
        rc = CFG_ERR_VAL(c, hwv, "%s is a %s preset; this job's model is %s (%s%s%s)", path, pm,
                         m->name, m->default_preset ? "its default preset is " : "presets name "
                         "their model in 'model'", m->default_preset ? m->default_preset : "",
                         m->default_preset ? "; dse-run --models lists every model's keys" : "");
        dse_toml_destroy(&root);
        free(path);
        return rc;
    }
    if (!rc)
        rc = dse__cfg_check_keys_decl(&pc, root, "the hardware preset", fixed, 3, m->preset_keys,
                                      m->n_preset_keys, m->name);
    const char *dummy;
    if (!rc)
        rc = dse__cfg_string(&pc, root, "description", "description", 0, 0, 0, &dummy);
    if (!rc)
        rc = dse__cfg_string(&pc, root, "source", "source", 0, 0, 0, &dummy);
    for (size_t i = 0; !rc && i < m->n_preset_keys; i++) {
        const dse_toml_value_t *v = dse__cfg_get(root, m->preset_keys[i].name, NULL);
        if (v)
            rc = dse__cfg_decl_value(&pc, &m->preset_keys[i], v, &job->hw[i]);
    }
    dse_toml_destroy(&root);
    free(path);
    return rc;
}

int dse__cfg_target(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_toml_value_t *t = dse__cfg_get(root, "target", NULL);
    if (!t)
        return dse__cfg_err_at(c, 1, 1, "missing table [target] (it names the hardware "
                               "model)");
    int rc = dse__cfg_expect(c, t, DSE_TOML_TABLE, "[target]");
    if (rc)
        return rc;
    const char *model = NULL;
    rc = dse__cfg_string(c, t, "model", "the hardware model", 1, dse_toml_line(t), dse_toml_col(t),
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
        dse__cfg_hint(hint, sizeof hint, model, names, n);
        dse__cfg_list(list, sizeof list, names, n);
        return CFG_ERR_VAL(c, dse__cfg_get(t, "model", NULL), "unknown model '%s' (models: %s)%s",
                           model, list, hint);
    }
    const dse_hwmodel_t *m = job->model;
    assert(m->n_preset_keys <= DSE_MAX_PRESET_KEYS);
    static const char *const fixed[] = {"model", "hardware"};
    rc = dse__cfg_check_keys_decl(c, t, "[target]", fixed, 2, m->preset_keys, m->n_preset_keys,
                                  m->name);
    if (rc)
        return rc;
    for (size_t i = 0; i < m->n_preset_keys; i++)
        job->hw[i] = m->preset_keys[i].dflt;
    const char *hw = m->default_preset;
    rc = dse__cfg_string(c, t, "hardware", "the hardware preset", 0, 0, 0, &hw);
    if (rc)
        return rc;
    job->hardware = dse_xstrdup(hw ? hw : "");
    if (job->hardware[0] && !(c->flags & DSE_CONFIG_CANONICAL)) {
        const dse_toml_value_t *hwv = dse__cfg_get(t, "hardware", NULL);
        rc = s_load_preset(c, job, hwv ? hwv : t);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < m->n_preset_keys; i++) {
        const dse_toml_value_t *v = dse__cfg_get(t, m->preset_keys[i].name, NULL);
        if (v) {
            rc = dse__cfg_decl_value(c, &m->preset_keys[i], v, &job->hw[i]);
            if (rc)
                return rc;
        }
        if (isnan(job->hw[i]))
            return dse__cfg_err_at(c, dse_toml_line(t), dse_toml_col(t),
                                   "[target] needs '%s' (%s): set it here or in a hardware preset",
                                   m->preset_keys[i].name,
                                   m->preset_keys[i].doc ? m->preset_keys[i].doc : "no default");
    }
    return 0;
}
