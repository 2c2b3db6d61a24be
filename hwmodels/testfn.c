/* testfn.c - the synthetic test model (see testfn.h for the functions and
 * their known fronts). */
#include "hwmodels/testfn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "core/util.h"

static const char *const s_problems[] = {"zdt1", "dtlz2", NULL};

static const dse_key_decl_t s_preset[] = {
    {.name = "cost", .kind = DSE_VAL_INT, .dflt = 0, .min = 0, .max = 1e10,
     .unit = "iterations", .doc = "busy-loop iterations added to every evaluation"},
};

enum { K_PROBLEM, K_N, K_F1MAX, K_CRASH, K_CRASH1, K_CRASH2 };
static const dse_key_decl_t s_layer_keys[] = {
    [K_PROBLEM] = {.name = "problem", .kind = DSE_VAL_ENUM, .choices = s_problems, .dflt = 0,
                   .doc = "zdt1 (two objectives) or dtlz2 (three)"},
    [K_N] = {.name = "n", .kind = DSE_VAL_INT, .dflt = 16, .min = 2, .max = 1e6, .unit = "values",
             .doc = "grid points per variable (x1, x2, x3 range over 1..n)"},
    [K_F1MAX] = {.name = "f1_max", .kind = DSE_VAL_REAL, .dflt = INFINITY,
                 .doc = "points with f1 above this are infeasible"},
    [K_CRASH] = {.name = "crash_x3", .kind = DSE_VAL_INT, .dflt = 0, .min = 0, .max = 1e6,
                 .doc = "fault injection for tests: a worker evaluating a point with this x3 "
                        "aborts (0 = never)"},
    [K_CRASH1] = {.name = "crash_x1", .kind = DSE_VAL_INT, .dflt = 0, .min = 0, .max = 1e6,
                  .doc = "with crash_x3: only points with this x1 abort (0 = any x1)"},
    [K_CRASH2] = {.name = "crash_x2", .kind = DSE_VAL_INT, .dflt = 0, .min = 0, .max = 1e6,
                  .doc = "with crash_x3: only points with this x2 abort (0 = any x2)"},
};

static int64_t s_extent_n(const dse_job_t *job, const dse_layer_t *L)
{
    (void)job;
    return (int64_t)L->attr[K_N];
}

static const dse_param_decl_t s_params[] = {
    {.name = "x1", .kind = DSE_VAL_INT, .dflt = "\"all\"", .extent = s_extent_n,
     .doc = "first variable, 1..n"},
    {.name = "x2", .kind = DSE_VAL_INT, .dflt = "\"all\"", .extent = s_extent_n,
     .doc = "second variable, 1..n"},
    {.name = "x3", .kind = DSE_VAL_INT, .dflt = "\"all\"", .extent = s_extent_n,
     .doc = "third variable, 1..n"},
};

static const dse_metric_decl_t s_metrics[] = {
    {.name = "f1", .unit = "", .doc = "first objective"},
    {.name = "f2", .unit = "", .doc = "second objective"},
    {.name = "f3", .unit = "", .doc = "third objective (0 for zdt1)"},
};

static const dse_net_metric_decl_t s_net[] = {
    {.name = "f1", .source = "f1", .agg = DSE_AGG_SUM, .doc = "sum over layers"},
    {.name = "f2", .source = "f2", .agg = DSE_AGG_SUM, .doc = "sum over layers"},
    {.name = "f3", .source = "f3", .agg = DSE_AGG_SUM, .doc = "sum over layers"},
};

static const char *const s_default_objectives[] = {"f1", "f2", NULL};

/* Each sample of a batch costs the same: every objective scales with it. */
static const char *const s_batch_metrics[] = {"f1", "f2", "f3", NULL};

typedef struct {
    int problem;
    double scale; /* 1 / (n - 1) */
    double f1_max;
    int64_t cost;
    double crash_x3, crash_x1, crash_x2;
    int in_worker; /* DSE_PREPARE_IN_WORKER: crash_* apply */
} s_ctx_t;

/* The test knob DSE_TESTFN_PREPARE_MS (testfn.h): sleeps that long, or
 * fails with DSE_EINVAL when its value is not a whole number of
 * milliseconds in range. */
static int s_prepare_sleep(dse_error_t *err)
{
    const char *v = getenv(DSE_TESTFN_PREPARE_ENV);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long ms = strtol(v, &end, 10);
    if (errno || *end || ms < 0 || ms > DSE_TESTFN_PREPARE_MS_MAX)
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "%s=%s: expected a whole number of "
                             "milliseconds from 0 to %d", DSE_TESTFN_PREPARE_ENV, v,
                             DSE_TESTFN_PREPARE_MS_MAX);
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 0;
}

static int s_prepare(const dse_job_t *job, size_t layer, unsigned flags, void **ctx,
                     dse_error_t *err)
{
    if (layer == 0) {
        int rc = s_prepare_sleep(err);
        if (rc)
            return rc;
    }
    const dse_layer_t *L = &job->layers[layer];
    s_ctx_t *c = dse_xmalloc(sizeof *c);
    c->problem = (int)L->attr[K_PROBLEM];
    c->scale = 1.0 / (L->attr[K_N] - 1);
    c->f1_max = L->attr[K_F1MAX];
    c->cost = (int64_t)job->hw[0];
    c->crash_x3 = L->attr[K_CRASH];
    c->crash_x1 = L->attr[K_CRASH1];
    c->crash_x2 = L->attr[K_CRASH2];
    c->in_worker = (flags & DSE_PREPARE_IN_WORKER) != 0;
    *ctx = c;
    return 0;
}

static void s_release(void *ctx)
{
    free(ctx);
}

static int s_evaluate(const void *ctx, const double *x, double *f)
{
    const s_ctx_t *c = ctx;
    if (c->crash_x3 > 0 && x[2] == c->crash_x3 && (c->crash_x1 == 0 || x[0] == c->crash_x1) &&
        (c->crash_x2 == 0 || x[1] == c->crash_x2) && c->in_worker)
        abort(); /* a worker that dies on this point, for the quarantine test */
    double u1 = (x[0] - 1) * c->scale, u2 = (x[1] - 1) * c->scale, u3 = (x[2] - 1) * c->scale;
    if (c->problem == DSE_TESTFN_ZDT1) {
        double g = 1 + 9 * (u2 + u3) / 2;
        f[0] = u1;
        f[1] = g * (1 - sqrt(u1 / g));
        f[2] = 0;
    } else {
        const double half_pi = 1.5707963267948966;
        double g = (u3 - 0.5) * (u3 - 0.5);
        double c1 = cos(u1 * half_pi);
        f[0] = (1 + g) * c1 * cos(u2 * half_pi);
        f[1] = (1 + g) * c1 * sin(u2 * half_pi);
        f[2] = (1 + g) * sin(u1 * half_pi);
    }
    if (c->cost > 0) {
        /* The loop's result feeds a metric (times zero), so it cannot be removed. */
        double acc = 0;
        for (int64_t i = 0; i < c->cost; i++)
            acc = acc * 0.999999 + 1e-9;
        f[2] += acc * 0.0;
    }
    return f[0] <= c->f1_max;
}

const dse_hwmodel_t dse_model_testfn = {
    .name = "testfn",
    .doc = "synthetic test problems (ZDT1, DTLZ2) with known fronts and a settable cost",
    .dtypes = (1u << DSE_DTYPE__COUNT) - 1,
    .steps = DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG,
    .ops = (1u << DSE_OP__COUNT) - 1,
    .preset_keys = s_preset,
    .n_preset_keys = sizeof s_preset / sizeof s_preset[0],
    .layer_keys = s_layer_keys,
    .n_layer_keys = sizeof s_layer_keys / sizeof s_layer_keys[0],
    .params = s_params,
    .n_params = sizeof s_params / sizeof s_params[0],
    .metrics = s_metrics,
    .n_metrics = sizeof s_metrics / sizeof s_metrics[0],
    .net_metrics = s_net,
    .n_net_metrics = sizeof s_net / sizeof s_net[0],
    .batch_metrics = s_batch_metrics,
    .default_objectives = s_default_objectives,
    .prepare = s_prepare,
    .release = s_release,
    .evaluate = s_evaluate,
};
