/* job.c - names of ops and dtypes, constraint comparisons, the accuracy table. */
#include "core/job.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const s_steps[DSE_N_STEPS] = {"fw", "wg", "ig"};
_Static_assert(DSE_STEP_FW == 1u << 0 && DSE_STEP_WG == 1u << 1 && DSE_STEP_IG == 1u << 2,
               "step i is the bit 1 << i of s_steps");

const char *dse_step_name(unsigned i)
{
    return i < DSE_N_STEPS ? s_steps[i] : NULL;
}

unsigned dse_step_bit(const char *name, size_t len)
{
    for (unsigned i = 0; i < DSE_N_STEPS; i++)
        if (strlen(s_steps[i]) == len && memcmp(s_steps[i], name, len) == 0)
            return 1u << i;
    return 0;
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

