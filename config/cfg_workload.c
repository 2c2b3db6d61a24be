/* cfg_workload.c - [workload]: dtype, steps and batch, then the layers,
 * typed in or imported from an ONNX file with the job's tables over them.
 */
#include "config/cfg_private.h"

#include <stdlib.h>
#include <string.h>

#include "core/network.h"
#include "core/onnx.h"

static int s_layers(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root,
                    const dse_toml_value_t *w);

int dse__cfg_workload(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    const dse_hwmodel_t *m = job->model;
    const dse_toml_value_t *w = dse__cfg_get(root, "workload", NULL);
    if (!w)
        return dse__cfg_err_at(c, 1, 1, "missing table [workload] (its layers are what is "
                               "explored)");
    int rc = dse__cfg_expect(c, w, DSE_TOML_TABLE, "[workload]");
    if (rc)
        return rc;
    static const char *const keys[] = {"dtype", "steps", "layer", "onnx", "onnx_ignore", "batch"};
    rc = dse__cfg_check_keys(c, w, "[workload]", keys, 6);
    if (rc)
        return rc;
    /* batch: samples per run of every layer (a layer's own batch overrides) */
    job->batch = 1;
    const dse_toml_value_t *bv = dse__cfg_get(w, "batch", NULL);
    if (bv && (rc = dse__cfg_int(c, bv, "batch", 1, (int64_t)1 << 20, &job->batch)))
        return rc;

    /* dtype: default the first the model accepts */
    job->dtype = DSE_DTYPE__COUNT;
    for (int i = 0; i < DSE_DTYPE__COUNT; i++)
        if (m->dtypes & (1u << i)) {
            job->dtype = (dse_dtype_t)i;
            break;
        }
    const dse_toml_value_t *v = dse__cfg_get(w, "dtype", NULL);
    if (v) {
        const char *s = NULL;
        rc = dse__cfg_string(c, w, "dtype", "dtype", 1, 0, 0, &s);
        if (rc)
            return rc;
        int found = -1;
        const char *names[DSE_DTYPE__COUNT];
        for (int i = 0; i < DSE_DTYPE__COUNT; i++) {
            names[i] = dse_dtype_name((dse_dtype_t)i);
            if (strcmp(s, names[i]) == 0)
                found = i;
        }
        if (found < 0) {
            char hint[128];
            dse__cfg_hint(hint, sizeof hint, s, names, DSE_DTYPE__COUNT);
            return CFG_ERR_VAL(c, v, "unknown dtype \"%s\" (fp32, fp16, int8)%s", s, hint);
        }
        if (!(m->dtypes & (1u << found)))
            return CFG_ERR_VAL(c, v, "model '%s' does not support dtype \"%s\"", m->name, s);
        job->dtype = (dse_dtype_t)found;
    }

    job->steps = DSE_STEP_FW;
    if ((v = dse__cfg_get(w, "steps", NULL))) {
        rc = dse__cfg_expect(c, v, DSE_TOML_ARRAY, "steps");
        if (rc)
            return rc;
        if (dse_toml_array_size(v) == 0)
            return CFG_ERR_VAL(c, v, "steps must name at least one of \"fw\", \"wg\", \"ig\"");
        job->steps = 0;
        for (size_t i = 0; i < dse_toml_array_size(v); i++) {
            const dse_toml_value_t *e = dse_toml_array_get(v, i);
            rc = dse__cfg_expect(c, e, DSE_TOML_STRING, "a step");
            if (rc)
                return rc;
            const char *s = dse_toml_string(e, NULL);
            unsigned bit = dse_step_bit(s, strlen(s));
            if (!bit)
                return CFG_ERR_VAL(c, e, "unknown step \"%s\" (fw = forward, wg = weight gradient, "
                                   "ig = input gradient)", s);
            if (job->steps & bit)
                return CFG_ERR_VAL(c, e, "step \"%s\" is listed twice", s);
            if (!(m->steps & bit))
                return CFG_ERR_VAL(c, e, "model '%s' does not model the \"%s\" step%s", m->name, s,
                                   m->steps == DSE_STEP_FW ? " (it models inference only)" : "");
            job->steps |= bit;
        }
    }

    return s_layers(c, job, root, w);
}

static char *s_beside(const char *job_file, const char *rel)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    const char *slash = job_file ? strrchr(job_file, '/') : NULL;
    if (rel[0] != '/' && slash)
        dse_strbuf_add(&sb, job_file, (size_t)(slash - job_file) + 1);
    dse_strbuf_adds(&sb, rel);
    return dse_strbuf_detach(&sb, NULL);
}

/* [workload] onnx and onnx_ignore: imports the graph into *tree, the TOML
 * of its layers (see core/network.h). */
static int s_onnx(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *w,
                  dse_toml_value_t **tree, dse_network_t **netp)
{
    const dse_hwmodel_t *m = job->model;
    const dse_toml_value_t *v = dse__cfg_get(w, "onnx", NULL);
    const char *rel = NULL;
    int rc = dse__cfg_string(c, w, "onnx", "the ONNX file", 0, 0, 0, &rel);
    if (rc)
        return rc;
    if (c->flags & DSE_CONFIG_CANONICAL)
        return CFG_ERR_VAL(c, v, "a canonical job writes its layers out: no onnx");
    if (!*rel)
        return CFG_ERR_VAL(c, v, "onnx must name a file (relative to the job file)");
    job->onnx = s_beside(c->file, rel);
    const dse_toml_value_t *iv = dse__cfg_get(w, "onnx_ignore", NULL);
    if (iv) {
        if ((rc = dse__cfg_expect(c, iv, DSE_TOML_ARRAY, "onnx_ignore")))
            return rc;
        size_t n = dse_toml_array_size(iv);
        job->onnx_ignore = dse_xcalloc(n ? n : 1, sizeof *job->onnx_ignore);
        for (size_t i = 0; i < n; i++) {
            const dse_toml_value_t *e = dse_toml_array_get(iv, i);
            if ((rc = dse__cfg_expect(c, e, DSE_TOML_STRING, "an onnx_ignore entry (an op_type)")))
                return rc;
            job->onnx_ignore[job->n_onnx_ignore++] = dse_xstrdup(dse_toml_string(e, NULL));
        }
    }
    dse_onnx_opts_t o = {.ops = m->ops, .model = m->name,
                         .ignore = (const char *const *)job->onnx_ignore,
                         .n_ignore = job->n_onnx_ignore, .batch = 1,
                         .repeat = dse_model_layer_key(m, "repeat") >= 0};
    dse_network_t *net = NULL;
    dse_error_t ierr = DSE_ERROR_INIT;
    rc = dse_onnx_import(job->onnx, &o, &net, &ierr);
    if (rc) {
        char buf[1100];
        dse_error_format(&ierr, buf, sizeof buf);
        return CFG_ERR_VAL(c, v, "%s", buf);
    }
    /* Layers are per sample. A fixed batch in the graph's input becomes the
     * job's batch unless [workload] batch says otherwise; a symbolic one is
     * [workload] batch (default 1). */
    if (!dse__cfg_get(w, "batch", NULL) && dse_network_batch(net) > 1)
        job->batch = dse_network_batch(net);
    size_t nd = dse_network_n_ignored(net);
    job->onnx_dropped = dse_xcalloc(nd ? nd : 1, sizeof *job->onnx_dropped);
    for (size_t i = 0; i < dse_network_n_nodes(net); i++) {
        const dse_net_node_t *N = dse_network_node(net, i);
        if (N->fate != DSE_NODE_IGNORED)
            continue;
        char name[129];
        dse_network_clean_name(N->name, N->op_type, i, name);
        dse_strbuf_t sb = DSE_STRBUF_INIT;
        dse_strbuf_addf(&sb, "%s (%.60s)", name, N->op_type);
        job->onnx_dropped[job->n_onnx_dropped++] = dse_strbuf_detach(&sb, NULL);
    }
    const char *keys[DSE_MAX_LAYER_KEYS];
    for (size_t k = 0; k < m->n_layer_keys && k < DSE_MAX_LAYER_KEYS; k++)
        keys[k] = m->layer_keys[k].name;
    char *text = dse_network_toml(net, keys, m->n_layer_keys);
    *netp = net;
    dse_error_t perr = DSE_ERROR_INIT;
    *tree = dse_toml_parse(text, strlen(text), &perr);
    free(text);
    if (!*tree) /* the importer writes what the parser reads: a bug */
        return CFG_ERR_VAL(c, v, "the imported layers do not read back (%s)", perr.msg);
    return 0;
}

/* The name of the imported layer j (the importer writes one to each). */
static const char *s_layer_name(const dse_toml_value_t *layers, size_t j)
{
    return dse_toml_string(dse__cfg_get(dse_toml_array_get(layers, j), "name", NULL), NULL);
}

/* The job's same-name [[workload.layer]] tables over imported layers: each
 * names an imported layer and holds only its space and model keys. */
static int s_overrides(dse__cfg_ctx_t *c, const dse_job_t *job, const dse_toml_value_t *user,
                       const dse_toml_value_t *layers)
{
    const dse_hwmodel_t *m = job->model;
    int rc = dse__cfg_expect(c, user, DSE_TOML_ARRAY, "workload.layer");
    if (rc)
        return rc;
    size_t n = layers ? dse_toml_array_size(layers) : 0;
    for (size_t i = 0; i < dse_toml_array_size(user); i++) {
        const dse_toml_value_t *ut = dse_toml_array_get(user, i);
        if ((rc = dse__cfg_expect(c, ut, DSE_TOML_TABLE, "a workload layer")))
            return rc;
        const char *name = NULL;
        rc = dse__cfg_string(c, ut, "name", "the imported layer it adds to", 1, dse_toml_line(ut),
                             dse_toml_col(ut), &name);
        if (rc)
            return rc;
        int found = 0;
        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(s_layer_name(layers, j), name) == 0;
        if (!found) {
            const char *cand[256];
            size_t nc = 0;
            for (size_t j = 0; j < n && nc < 256; j++)
                cand[nc++] = s_layer_name(layers, j);
            char hint[128];
            dse__cfg_hint(hint, sizeof hint, name, cand, nc);
            return CFG_ERR_VAL(c, dse__cfg_get(ut, "name", NULL), "no imported layer is named "
                               "'%s' (a [[workload.layer]] beside onnx adds to the imported "
                               "layer of its name; `dse-run --import` lists them)%s", name, hint);
        }
        for (size_t k = 0; k < dse_toml_table_size(ut); k++) {
            const char *key = dse_toml_table_key(ut, k);
            if (strcmp(key, "name") == 0 || strcmp(key, "space") == 0 ||
                dse_model_layer_key(m, key) >= 0)
                continue;
            return CFG_ERR_KEY(c, ut, k, "'%s' of imported layer '%s' comes from the graph: "
                               "beside onnx, a layer table may give its space and the model's "
                               "layer keys only", key, name);
        }
    }
    return 0;
}

/* The layers: typed in, or imported (onnx) with the job's tables over them. */
static int s_layers(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root,
                    const dse_toml_value_t *w)
{
    const dse_hwmodel_t *m = job->model;
    int rc;
    const dse_toml_value_t *user = dse__cfg_get(w, "layer", NULL), *layers = user;
    dse_toml_value_t *tree = NULL;
    dse_network_t *net = NULL;
    dse__cfg_ctx_t ci = *c;
    if (dse__cfg_get(w, "onnx", NULL)) {
        if ((rc = s_onnx(c, job, w, &tree, &net)))
            goto out;
        layers = dse__cfg_get(dse__cfg_get(tree, "workload", NULL), "layer", NULL);
        ci.file = job->onnx;
        if (user && (rc = s_overrides(c, job, user, layers)))
            goto out;
    } else if (dse__cfg_get(w, "onnx_ignore", NULL)) {
        rc = CFG_ERR_VAL(c, dse__cfg_get(w, "onnx_ignore", NULL), "onnx_ignore goes with onnx = "
                         "\"FILE.onnx\"");
        goto out;
    }
    if (!layers) {
        rc = dse__cfg_err_at(c, dse_toml_line(w), dse_toml_col(w),
                             "[workload] has no layers: add [[workload.layer]] tables or onnx = "
                             "\"FILE.onnx\"");
        goto out;
    }
    if ((rc = dse__cfg_expect(c, layers, DSE_TOML_ARRAY, "workload.layer")))
        goto out;
    size_t n = dse_toml_array_size(layers);
    if (n == 0 || n > 100000) {
        rc = n ? CFG_ERR_VAL(c, layers, "too many layers (%zu; at most 100000)", n)
               : CFG_ERR_VAL(c, layers, "[workload] has no layers");
        goto out;
    }
    job->layers = dse_xcalloc(n, sizeof *job->layers);

    const dse_toml_value_t *global = dse__cfg_get(root, "space", NULL);
    if (global) {
        rc = dse__cfg_expect(c, global, DSE_TOML_TABLE, "[space]");
        if (!rc)
            rc = dse__cfg_check_space_keys(c, m, global, "[space]");
        if (rc)
            goto out;
    }

    for (size_t i = 0; i < n && !rc; i++) {
        const dse_toml_value_t *lt = dse_toml_array_get(layers, i), *ov = NULL;
        if (!tree) {
            rc = dse__cfg_layer_entry(c, c, job, lt, NULL, global);
            continue;
        }
        const char *name = dse_toml_string(dse__cfg_get(lt, "name", NULL), NULL);
        for (size_t j = 0; user && j < dse_toml_array_size(user) && !ov; j++) {
            const dse_toml_value_t *ut = dse_toml_array_get(user, j);
            if (strcmp(dse_toml_string(dse__cfg_get(ut, "name", NULL), NULL), name) == 0)
                ov = ut;
        }
        rc = dse__cfg_layer_entry(&ci, c, job, lt, ov, global);
        for (int k = 0; k < 2 && !rc; k++) { /* names for exports */
            const char *sn = dse_network_layer_c(net, i)->src_names[k];
            job->layers[i].src_names[k] = sn ? dse_xstrdup(sn) : NULL;
        }
        if (rc && strcmp(c->err->file, job->onnx) == 0) {
            /* positions in the importer's text mean nothing to the user */
            char msg[sizeof c->err->msg];
            snprintf(msg, sizeof msg, "%s", c->err->msg);
            snprintf(c->err->msg, sizeof c->err->msg, "imported layer '%s': %.600s "
                     "(`dse-run --import` prints the layers)", name, msg);
            c->err->line = c->err->col = 0;
        }
    }
out:
    dse_toml_destroy(&tree);
    dse_network_destroy(&net);
    return rc;
}
