/* job.c - names of ops and dtypes, job teardown. */
#include "core/job.h"

#include "core/evaluator.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/space.h"
#include "hwmodels/hwmodel.h"

static const char *const s_ops[DSE_OP__COUNT] = {
    [DSE_OP_CONV2D] = "conv2d",       [DSE_OP_DW] = "dw",
    [DSE_OP_PW] = "pw",               [DSE_OP_LINEAR] = "linear",
    [DSE_OP_MATMUL] = "matmul",       [DSE_OP_GEMM] = "gemm",
    [DSE_OP_GEMV] = "gemv",           [DSE_OP_ELEMENTWISE] = "elementwise",
    [DSE_OP_MAXPOOL] = "maxpool",     [DSE_OP_AVGPOOL] = "avgpool",
    [DSE_OP_RMSNORM] = "rmsnorm",     [DSE_OP_LAYERNORM] = "layernorm",
    [DSE_OP_SOFTMAX] = "softmax",     [DSE_OP_GELU] = "gelu",
    [DSE_OP_HARDSWISH] = "hardswish", [DSE_OP_ADD] = "add",
    [DSE_OP_MUL] = "mul",             [DSE_OP_REQUANT] = "requant",
    [DSE_OP_TRANSPOSE] = "transpose",
};
_Static_assert(DSE_OP__COUNT <= 32, "ops are a bit set in an unsigned");

int dse_op_is_eltwise(dse_op_t op)
{
    return op == DSE_OP_ELEMENTWISE || (op >= DSE_OP_RMSNORM && op <= DSE_OP_TRANSPOSE);
}

const char *dse_op_name(dse_op_t op)
{
    return (unsigned)op < DSE_OP__COUNT ? s_ops[op] : NULL;
}

static const char *const s_dtypes[DSE_DTYPE__COUNT] = {"fp32", "fp16", "int8"};
static const int s_dtype_bytes[DSE_DTYPE__COUNT] = {4, 2, 1};

const char *dse_dtype_name(dse_dtype_t dt)
{
    return (unsigned)dt < DSE_DTYPE__COUNT ? s_dtypes[dt] : NULL;
}

int dse_dtype_bytes(dse_dtype_t dt)
{
    return (unsigned)dt < DSE_DTYPE__COUNT ? s_dtype_bytes[dt] : 0;
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

double dse_job_hw(const dse_job_t *job, const char *key)
{
    int i = dse_model_preset_key(job->model, key);
    assert(i >= 0);
    return job->hw[i];
}

int dse_cmp_holds(dse_cmp_t cmp, double v, double bound)
{
    switch (cmp) {
    case DSE_CMP_LE: return v <= bound;
    case DSE_CMP_LT: return v < bound;
    case DSE_CMP_GE: return v >= bound;
    case DSE_CMP_GT: return v > bound;
    case DSE_CMP_EQ: return v == bound;
    }
    return 0;
}

double dse_job_accuracy(const dse_job_t *job, double prune)
{
    size_t n = job->n_accuracy;
    const double *x = job->accuracy_prune, *y = job->accuracy_value;
    const double eps = 1e-9;
    if (n == 0 || prune < x[0] - eps || prune > x[n - 1] + eps)
        return NAN;
    for (size_t i = 0; i + 1 < n; i++)
        if (prune <= x[i + 1] + eps) {
            if (prune <= x[i] + eps)
                return y[i];
            return y[i] + (y[i + 1] - y[i]) * (prune - x[i]) / (x[i + 1] - x[i]);
        }
    return y[n - 1];
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
