/* exports.c - deployment files for the first network front point that fits:
 * pulp-cluster's tiling.h and fastest_tiling.txt, siracusa's
 * deployment.json. Each layer is named by its name in the job (the ONNX node
 * name of an imported network).
 *
 * Parameters and metrics are looked up by name in the model's declarations;
 * a layer's metrics (the kernel chosen per training step, cycles, L1) come
 * from evaluating the exported point once more with the model itself.
 *
 * tiling.h gives one C macro per setting, named DSE_<LAYER>_<SETTING>, in the
 * spirit of the per-layer defines a PULP-TrainLib deployment reads; the
 * report lists per layer and training step the tile shape and matmul kernel
 * as PULP-TrainLib's AutoTuner reports its fastest choice (fastest_tiling.txt,
 * pulp-platform/pulp-trainlib, tools/AutoTuner). Only code written here.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "hwmodels/exports.h"
#include "hwmodels/hwmodel.h"

/* The layer's metrics at params (declaration order), by evaluating it. */
static int s_eval(const dse_job_t *job, size_t li, const double *params, double *metrics,
                  dse_error_t *err)
{
    const dse_hwmodel_t *m = job->model;
    void *ctx = NULL;
    int rc = m->prepare(job, li, 0, &ctx, err);
    if (rc)
        return rc;
    int ok = m->evaluate(ctx, params, metrics);
    if (m->release)
        m->release(ctx);
    if (!ok)
        return dse_error_set(err, DSE_EFAIL, NULL, 0, 0, "layer '%s': the exported point is "
                             "not feasible", job->layers[li].name);
    return 0;
}

/* A C identifier from a layer name: upper case, other characters '_'. */
static void s_ident(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < size; p++)
        out[n++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    out[n] = '\0';
}

/* A job name safe inside a C comment and a JSON string. */
static void s_safe(const char *name, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < size; p++)
        out[n++] = isalnum((unsigned char)*p) || strchr("_.-", *p) ? *p : '_';
    out[n] = '\0';
}

static double s_param(const dse_job_t *job, const double *p, const char *name)
{
    int i = dse_model_param(job->model, name);
    return i >= 0 ? p[i] : NAN;
}

static int s_applies(const dse_job_t *job, size_t li, const char *name)
{
    int i = dse_model_param(job->model, name);
    const dse_param_decl_t *d = i >= 0 ? &job->model->params[i] : NULL;
    return d && (!d->applies || d->applies(job, &job->layers[li]));
}

static const char *s_label(const dse_hwmodel_t *m, const char *metric, const double *mv)
{
    int i = dse_model_metric(m, metric);
    if (i < 0 || !m->metrics[i].labels || isnan(mv[i]) || mv[i] < 0)
        return "none";
    return m->metrics[i].labels[(size_t)mv[i]];
}

static const char *s_choice(const dse_hwmodel_t *m, const char *param, double v)
{
    int i = dse_model_param(m, param);
    if (i < 0 || !m->params[i].choices || isnan(v) || v < 0)
        return "?";
    return m->params[i].choices[(size_t)v];
}

static int s_write(const char *dir, const char *file, dse_strbuf_t *sb, dse_error_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = dse_write_file_atomic(path, sb->buf ? sb->buf : "", sb->len, err);
    dse_strbuf_release(sb);
    return rc;
}

/* Unique macro prefixes for the layers (a clash gets the layer index). */
static char (*s_prefixes(const dse_job_t *job))[160]
{
    char (*pre)[160] = dse_xcalloc(job->n_layers ? job->n_layers : 1, sizeof *pre);
    for (size_t li = 0; li < job->n_layers; li++) {
        char id[130];
        s_ident(job->layers[li].name, id, sizeof id);
        snprintf(pre[li], sizeof pre[li], "DSE_%s", id);
        for (size_t j = 0; j < li; j++)
            if (strcmp(pre[j], pre[li]) == 0) {
                snprintf(pre[li], sizeof pre[li], "DSE_%s_L%zu", id, li);
                break;
            }
    }
    return pre;
}

int dse_pulp_export_point(const dse_job_t *job, double *const *params, const char *dir,
                          dse_error_t *err)
{
    const dse_hwmodel_t *m = job->model;
    static const char *const tiles[4] = {"tile_cout", "tile_ho", "tile_wo", "tile_cin"};
    double mv[DSE_MAX_METRICS];
    dse_strbuf_t h = DSE_STRBUF_INIT, r = DSE_STRBUF_INIT;
    char (*pre)[160] = s_prefixes(job);
    int rc = 0;
    char jn[160], hw[160];
    s_safe(job->name, jn, sizeof jn);
    s_safe(job->hardware, hw, sizeof hw);
    dse_strbuf_addf(&h, "/* tiling.h - written by dse for job \"%s\" (model %s, hardware %s):\n"
                        " * the first network front point that fits. Per layer: the L1 tile\n"
                        " * (output channels, rows, columns, input channels; 0 = not tiled),\n"
                        " * buffering (1 single, 2 double), cores, and per training step the\n"
                        " * matmul kernel and its cycles. */\n#ifndef DSE_TILING_H\n"
                        "#define DSE_TILING_H\n",
                    jn, m->name, hw);
    dse_strbuf_addf(&r, "# fastest tiling of job \"%s\" (pulp-cluster, %s), the first network "
                        "front point that fits\n# layer step tile(cout,ho,wo,cin) buffering "
                        "cores matmul cycles l1_bytes\n",
                    jn, hw);
    for (size_t li = 0; li < job->n_layers && !rc; li++) {
        const dse_layer_t *L = &job->layers[li];
        const double *p = params[li];
        if ((rc = s_eval(job, li, p, mv, err)))
            break;
        dse_strbuf_addf(&h, "\n/* layer %s: %s */\n", L->name, dse_op_name(L->op));
        long long t[4];
        for (int k = 0; k < 4; k++) {
            t[k] = s_applies(job, li, tiles[k]) ? (long long)s_param(job, p, tiles[k]) : 0;
            char up[16];
            s_ident(tiles[k], up, sizeof up);
            dse_strbuf_addf(&h, "#define %s_%s %lld\n", pre[li], up, t[k]);
        }
        const char *buf = s_choice(m, "buffering", s_param(job, p, "buffering"));
        int cores = (int)s_param(job, p, "cores");
        dse_strbuf_addf(&h, "#define %s_BUFFERING %d\n#define %s_CORES %d\n", pre[li],
                        strcmp(buf, "double") == 0 ? 2 : 1, pre[li], cores);
        for (int s = 0; s < 3; s++) {
            if (!(job->steps & (1u << s)))
                continue;
            char km[16], cm[16];
            snprintf(km, sizeof km, "kernel_%s", dse_step_name((unsigned)s));
            snprintf(cm, sizeof cm, "cycles_%s", dse_step_name((unsigned)s));
            const char *kern = s_label(m, km, mv);
            int ci = dse_model_metric(m, cm), l1 = dse_model_metric(m, "l1_bytes");
            double cyc = ci >= 0 ? mv[ci] : NAN;
            dse_strbuf_addf(&h, "#define %s_%s_MATMUL \"%s\"\n#define %s_%s_CYCLES %.0f\n",
                            pre[li], s == 0 ? "FW" : s == 1 ? "WG" : "IG", kern, pre[li],
                            s == 0 ? "FW" : s == 1 ? "WG" : "IG", cyc);
            dse_strbuf_addf(&r, "%s %s %lld,%lld,%lld,%lld %s %d %s %.0f %.0f\n", L->name,
                            dse_step_name((unsigned)s), t[0], t[1], t[2], t[3], buf, cores, kern, cyc,
                            l1 >= 0 ? mv[l1] : NAN);
        }
    }
    free(pre);
    dse_strbuf_adds(&h, "\n#endif\n");
    if (!rc)
        rc = s_write(dir, "tiling.h", &h, err);
    if (!rc)
        rc = s_write(dir, "fastest_tiling.txt", &r, err);
    dse_strbuf_release(&h);
    dse_strbuf_release(&r);
    return rc;
}

int dse_siracusa_export_point(const dse_job_t *job, double *const *params, const char *dir,
                              dse_error_t *err)
{
    const dse_hwmodel_t *m = job->model;
    double mv[DSE_MAX_METRICS];
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    int rc = 0;
    char jn[160];
    s_safe(job->name, jn, sizeof jn);
    /* layer names are validated (no quotes, backslashes are kept out by the importer) */
    dse_strbuf_addf(&sb, "{\n  \"job\": \"%s\",\n  \"model\": \"%s\",\n  \"layers\": [",
                    jn, m->name);
    static const char *const metrics[] = {"cycles", "l1_bytes", "l2_bytes", "wmem_bytes",
                                          "l3_bytes", "tiles"};
    for (size_t li = 0; li < job->n_layers && !rc; li++) {
        const dse_layer_t *L = &job->layers[li];
        const double *p = params[li];
        if ((rc = s_eval(job, li, p, mv, err)))
            break;
        dse_strbuf_addf(&sb, "%s\n    {\"name\": \"%s\", \"op\": \"%s\"", li ? "," : "",
                        L->name, dse_op_name(L->op));
        /* engine, tiles, buffering, weight memory placement, cores, L1 mode, SIMD */
        for (size_t k = 0; k < m->n_params; k++) {
            const dse_param_decl_t *d = &m->params[k];
            if (d->applies && !d->applies(job, L))
                continue;
            const char *key = strcmp(d->name, "wmem") == 0 ? "weight_memory" : d->name;
            if (d->kind == DSE_VAL_ENUM)
                dse_strbuf_addf(&sb, ", \"%s\": \"%s\"", key, d->choices[(size_t)p[k]]);
            else
                dse_strbuf_addf(&sb, ", \"%s\": %.17g", key, p[k]);
        }
        for (size_t k = 0; k < sizeof metrics / sizeof *metrics; k++) {
            int i = dse_model_metric(m, metrics[k]);
            if (i >= 0)
                dse_strbuf_addf(&sb, ", \"%s\": %.17g", metrics[k], mv[i]);
        }
        dse_strbuf_adds(&sb, "}");
    }
    dse_strbuf_adds(&sb, "\n  ]\n}\n");
    if (!rc)
        rc = s_write(dir, "deployment.json", &sb, err);
    dse_strbuf_release(&sb);
    return rc;
}
