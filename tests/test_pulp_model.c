/* test_pulp_model.c - the pulp-cluster model against MODELS.md section 1. */
#include <stdlib.h>

#include "core/space.h"
#include "core/util.h"
#include "hwmodels/pulp_cluster.h"
#include "kernels/ops.h"
#include "tests/test.h"

static const dse_hwmodel_t *M = &dse_model_pulp_cluster;

/* A job with one layer and the pulp-open preset defaults. */
static dse_job_t *make_job(dse_dtype_t dt, unsigned steps)
{
    dse_job_t *job = dse_xcalloc(1, sizeof *job);
    job->model = M;
    for (size_t i = 0; i < M->n_preset_keys; i++)
        job->hw[i] = M->preset_keys[i].dflt;
    job->dtype = dt;
    job->steps = steps;
    return job;
}

static dse_layer_t *add_layer(dse_job_t *job, dse_op_t op, int64_t cin, int64_t h, int64_t w,
                              int64_t cout, int64_t k, int64_t s, int64_t pad)
{
    job->layers = dse_xrealloc(job->layers, (job->n_layers + 1) * sizeof *job->layers);
    dse_layer_t *l = &job->layers[job->n_layers++];
    memset(l, 0, sizeof *l);
    l->op = op;
    l->cin = cin, l->hin = h, l->win = w;
    l->cout = op == DSE_OP_DW ? cin : cout;
    l->kh = l->kw = k;
    l->sh = l->sw = s;
    l->pad_t = l->pad_l = l->pad_b = l->pad_r = pad;
    l->hout = (h + 2 * pad - k) / s + 1;
    l->wout = (w + 2 * pad - k) / s + 1;
    if (op == DSE_OP_LINEAR) {
        l->hin = l->win = l->hout = l->wout = l->kh = l->kw = l->sh = l->sw = 1;
        l->m = 1, l->n = cout, l->k = cin;
    }
    return l;
}

static void free_job(dse_job_t *job)
{
    for (size_t i = 0; i < job->n_layers; i++)
        dse_space_destroy(&job->layers[i].space);
    free(job->layers);
    free(job);
}

static void set_params(double *p, double tc, double th, double tw, double tci, int dbuf,
                       int cores, int matmul)
{
    p[DSE_PULP_P_TILE_COUT] = tc;
    p[DSE_PULP_P_TILE_HO] = th;
    p[DSE_PULP_P_TILE_WO] = tw;
    p[DSE_PULP_P_TILE_CIN] = tci;
    p[DSE_PULP_P_BUFFERING] = dbuf;
    p[DSE_PULP_P_CORES] = cores;
    p[DSE_PULP_P_MATMUL] = matmul;
    p[DSE_PULP_P_PRUNE] = 0;
}

static int eval1(dse_job_t *job, size_t li, const double *p, double *m)
{
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (M->prepare(job, li, &ctx, &err) != 0)
        return -1;
    int ok = M->evaluate(ctx, p, m);
    M->release(ctx);
    return ok;
}

/* matmul choice index of a kernel name */
static const char *s_kernel_name(int i)
{
    return M->metrics[DSE_PULP_M_KERNEL_FW].labels[i];
}

static int choice(const char *name)
{
    const char *const *c = M->params[DSE_PULP_P_MATMUL].choices;
    for (int i = 0; c[i]; i++)
        if (strcmp(c[i], name) == 0)
            return i;
    return -1;
}

DSE_TEST(pulp_calib_single_core)
{
    /* PointWise FW 16 -> 16 on 8x8, one core (PULP-TrainLib-Tutorial Ex03) */
    CHECK_REL(dse_pulp_mm_cycles(dse_mm_fp32, 0, 16, 16, 64, 1, 1.0), 77491, 0.15);
    CHECK_REL(dse_pulp_mm_cycles(dse_mm_fp32, 6, 16, 16, 64, 1, 1.0), 49884, 0.15);
    CHECK_REL(dse_pulp_mm_cycles(dse_mm_fp32, 10, 16, 16, 64, 1, 1.0), 35465, 0.15);
    /* the same through the model: FW compute of the whole layer in L1 */
    dse_job_t *job = make_job(DSE_DTYPE_FP32, DSE_STEP_FW);
    add_layer(job, DSE_OP_PW, 16, 8, 8, 16, 1, 1, 0);
    double p[DSE_PULP_P__COUNT], m[DSE_PULP_M__COUNT];
    const char *names[3] = {"mm", "mm_unroll_2x1", "mm_unroll_2x4"};
    const double ref[3] = {77491, 49884, 35465};
    for (int i = 0; i < 3; i++) {
        set_params(p, 16, 8, 8, 0, 1, 1, choice(names[i]));
        CHECK_INT(eval1(job, 0, p, m), 1);
        CHECK_REL(m[DSE_PULP_M_CYCLES_FW], ref[i], 0.15);
        CHECK_STR(s_kernel_name((int)m[DSE_PULP_M_KERNEL_FW]), names[i]);
    }
    free_job(job);
}
