/* test_finn_compose.c - network fronts of a small FINN network by brute force.
 *
 * dse_test_bruteforce_front() is model-generic: it enumerates every joint
 * assignment of per-layer points whose interface classes join (the model's
 * iface/compatible), aggregates the layer metrics into network metrics as
 * the model declares (SUM / MAX / MEAN) and keeps the Pareto set. A generic
 * composer can be checked against it by swapping the reference below.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/job.h"
#include "core/util.h"
#include "hwmodels/finn.h"
#include "tests/test.h"

typedef struct {
    dse_op_t op;
    int64_t cin, hin, cout, k, stride;
    int w, a, b, act;
} finn_tl_t;

dse_job_t *finn_test_job(const finn_tl_t *tl, size_t n, int board, int est);

/* Brute-force network Pareto front (all objectives minimised).
 * params[l] holds n_points[l] rows of model->n_params values for layer l;
 * objectives are network metric indices. Returns the number of front points
 * and *front (malloc'd, count * n_obj values, sorted lexicographically,
 * duplicates removed); returns (size_t)-1 when a layer cannot be prepared. */
size_t dse_test_bruteforce_front(const dse_job_t *job, const size_t *n_points,
                                 double *const *params, const int *objectives, size_t n_obj,
                                 double **front);

typedef struct {
    size_t n;          /* feasible points */
    double *metrics;   /* n x n_metrics */
    int64_t *in, *out; /* classes */
} layer_table_t;

typedef struct {
    const dse_job_t *job;
    layer_table_t *t;
    const int *src;
    const dse_agg_t *agg;
    size_t n_obj, n_metrics;
    double *front;
    size_t n_front, cap;
} bf_state_t;

static int dominates_or_equal(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] > b[i])
            return 0;
    return 1;
}

static void front_insert(bf_state_t *s, const double *v)
{
    size_t n = s->n_obj;
    for (size_t i = 0; i < s->n_front; i++)
        if (dominates_or_equal(&s->front[i * n], v, n))
            return;
    size_t k = 0;
    for (size_t i = 0; i < s->n_front; i++)
        if (!dominates_or_equal(v, &s->front[i * n], n))
            memmove(&s->front[k++ * n], &s->front[i * n], n * sizeof(double));
    s->n_front = k;
    s->front = dse_xgrow(s->front, n * sizeof(double), s->n_front + 1, &s->cap);
    memcpy(&s->front[s->n_front++ * n], v, n * sizeof(double));
}

static void bf_walk(bf_state_t *s, size_t layer, size_t prev, double *acc)
{
    size_t nl = s->job->n_layers, n = s->n_obj;
    if (layer == nl) {
        double v[DSE_MAX_OBJECTIVES];
        for (size_t o = 0; o < n; o++)
            v[o] = s->agg[o] == DSE_AGG_MEAN ? acc[o] / (double)nl : acc[o];
        front_insert(s, v);
        return;
    }
    const layer_table_t *t = &s->t[layer];
    for (size_t i = 0; i < t->n; i++) {
        if (layer > 0 &&
            !s->job->model->compatible(s->job, s->t[layer - 1].out[prev], t->in[i]))
            continue;
        double next[DSE_MAX_OBJECTIVES];
        const double *m = &t->metrics[i * s->n_metrics];
        for (size_t o = 0; o < n; o++) {
            double x = m[s->src[o]];
            next[o] = s->agg[o] == DSE_AGG_MAX ? (x > acc[o] ? x : acc[o]) : acc[o] + x;
        }
        bf_walk(s, layer + 1, i, next);
    }
}

static int cmp_lex(const void *a, const void *b, void *n_p)
{
    size_t n = *(size_t *)n_p;
    const double *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t dse_test_bruteforce_front(const dse_job_t *job, const size_t *n_points,
                                 double *const *params, const int *objectives, size_t n_obj,
                                 double **front)
{
    const dse_hwmodel_t *md = job->model;
    size_t nl = job->n_layers, nm = md->n_metrics, np = md->n_params;
    layer_table_t *t = dse_xcalloc(nl, sizeof *t);
    int src[DSE_MAX_OBJECTIVES];
    dse_agg_t agg[DSE_MAX_OBJECTIVES];
    for (size_t o = 0; o < n_obj; o++) {
        const dse_net_metric_decl_t *d = &md->net_metrics[objectives[o]];
        src[o] = dse_model_metric(md, d->source);
        agg[o] = d->agg;
    }
    size_t result = (size_t)-1;
    for (size_t l = 0; l < nl; l++) {
        void *ctx = NULL;
        dse_error_t err = DSE_ERROR_INIT;
        if (md->prepare(job, l, 0, &ctx, &err) != 0)
            goto out;
        t[l].metrics = dse_xmalloc((n_points[l] + 1) * nm * sizeof(double));
        t[l].in = dse_xmalloc((n_points[l] + 1) * sizeof(int64_t));
        t[l].out = dse_xmalloc((n_points[l] + 1) * sizeof(int64_t));
        for (size_t i = 0; i < n_points[l]; i++) {
            const double *p = &params[l][i * np];
            double *m = &t[l].metrics[t[l].n * nm];
            if (!md->evaluate(ctx, p, m))
                continue;
            md->iface(ctx, p, &t[l].in[t[l].n], &t[l].out[t[l].n]);
            t[l].n++;
        }
        md->release(ctx);
    }
    bf_state_t s = {job, t, src, agg, n_obj, nm, NULL, 0, 0};
    double acc[DSE_MAX_OBJECTIVES] = {0};
    bf_walk(&s, 0, 0, acc);
    if (s.n_front)
        qsort_r(s.front, s.n_front, n_obj * sizeof(double), cmp_lex, &n_obj);
    *front = s.front;
    result = s.n_front;
out:
    for (size_t l = 0; l < nl; l++) {
        free(t[l].metrics);
        free(t[l].in);
        free(t[l].out);
    }
    free(t);
    return result;
}

/* ---- a small network -------------------------------------------------- */

/* Appends the cartesian product of small per-parameter lists as rows. */
static size_t product(const double *const *lists, const size_t *lens, double **rows)
{
    size_t total = 1;
    for (int p = 0; p < DSE_FINN_N_PARAMS; p++)
        total *= lens[p];
    double *r = dse_xmalloc(total * DSE_FINN_N_PARAMS * sizeof(double));
    for (size_t i = 0; i < total; i++) {
        size_t k = i;
        for (int p = 0; p < DSE_FINN_N_PARAMS; p++) {
            r[i * DSE_FINN_N_PARAMS + p] = lists[p][k % lens[p]];
            k /= lens[p];
        }
    }
    *rows = r;
    return total;
}

/* Per layer, keep only points not dominated (on the objectives' source
 * metrics) by another point with the same in and out classes: the reduction
 * a composer may do before joining layers. */
static size_t classwise_filter(const dse_job_t *job, size_t layer, const double *rows, size_t n,
                               const int *src, size_t n_obj, double **out_rows)
{
    const dse_hwmodel_t *md = job->model;
    size_t np = md->n_params, nm = md->n_metrics;
    void *ctx = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (md->prepare(job, layer, 0, &ctx, &err) != 0)
        return 0;
    double *met = dse_xmalloc((n + 1) * nm * sizeof(double));
    int64_t *in = dse_xmalloc((n + 1) * sizeof(int64_t)), *out = dse_xmalloc((n + 1) * sizeof(int64_t));
    int *ok = dse_xcalloc(n + 1, sizeof(int));
    for (size_t i = 0; i < n; i++) {
        ok[i] = md->evaluate(ctx, &rows[i * np], &met[i * nm]);
        md->iface(ctx, &rows[i * np], &in[i], &out[i]);
    }
    md->release(ctx);
    double *r = dse_xmalloc((n + 1) * np * sizeof(double));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ok[i])
            continue;
        int dominated = 0;
        for (size_t j = 0; j < n && !dominated; j++) {
            if (j == i || !ok[j] || in[j] != in[i] || out[j] != out[i])
                continue;
            int le = 1, lt = 0;
            for (size_t o = 0; o < n_obj; o++) {
                double a = met[j * nm + src[o]], b = met[i * nm + src[o]];
                if (a > b)
                    le = 0;
                if (a < b)
                    lt = 1;
            }
            /* strictly better, or equal and earlier (keep one of twins) */
            dominated = le && (lt || j < i);
        }
        if (!dominated)
            memcpy(&r[k++ * np], &rows[i * np], np * sizeof(double));
    }
    free(met);
    free(in);
    free(out);
    free(ok);
    *out_rows = r;
    return k;
}

static void small_network(int est)
{
    const finn_tl_t tl[3] = {
        {DSE_OP_CONV2D, 8, 6, 8, 3, 1, 2, 2, 2, 1},
        {DSE_OP_CONV2D, 8, 4, 16, 3, 1, 2, 2, 2, 1},
        {DSE_OP_LINEAR, 64, 1, 10, 1, 1, 2, 2, 32, 0},
    };
    dse_job_t *job = finn_test_job(tl, 3, 0, est);
    const dse_hwmodel_t *md = job->model;
    static const double pe1[] = {1, 2, 4, 8}, simd1[] = {1, 2, 4, 8, 9, 18},
                        swg1[] = {1, 2, 4, 8}, prune1[] = {0, 0.5};
    static const double pe2[] = {1, 2, 4, 8, 16}, simd2[] = {1, 4, 8, 24};
    static const double pe3[] = {1, 2, 5, 10}, simd3[] = {1, 4, 16, 64};
    static const double zero[] = {0}, one[] = {1}, res[] = {0, 1};
    const double *l1[DSE_FINN_N_PARAMS] = {pe1, simd1, swg1, prune1, zero, res, zero};
    const size_t n1[DSE_FINN_N_PARAMS] = {4, 6, 4, 2, 1, 2, 1};
    const double *l2[DSE_FINN_N_PARAMS] = {pe2, simd2, swg1, zero, zero, zero, zero};
    const size_t n2[DSE_FINN_N_PARAMS] = {5, 4, 4, 1, 1, 1, 1};
    const double *l3[DSE_FINN_N_PARAMS] = {pe3, simd3, one, zero, zero, res, zero};
    const size_t n3[DSE_FINN_N_PARAMS] = {4, 4, 1, 1, 1, 2, 1};
    double *rows[3];
    size_t n[3];
    n[0] = product(l1, n1, &rows[0]);
    n[1] = product(l2, n2, &rows[1]);
    n[2] = product(l3, n3, &rows[2]);
    int obj[4] = {dse_model_net_metric(md, "max_cycles"), dse_model_net_metric(md, "lut"),
                  dse_model_net_metric(md, "bram18"), dse_model_net_metric(md, "dsp")};
    double *front = NULL;
    size_t nf = dse_test_bruteforce_front(job, n, rows, obj, 4, &front);
    CHECK(nf != (size_t)-1 && nf > 1);

    /* Reference: class-wise per-layer filtering, then the same join. */
    int src[4];
    for (int o = 0; o < 4; o++)
        src[o] = dse_model_metric(md, md->net_metrics[obj[o]].source);
    double *fr[3];
    size_t fn[3];
    size_t kept_total = 0;
    for (size_t l = 0; l < 3; l++) {
        fn[l] = classwise_filter(job, l, rows[l], n[l], src, 4, &fr[l]);
        CHECK(fn[l] > 0 && fn[l] <= n[l]);
        kept_total += fn[l];
    }
    CHECK(kept_total < n[0] + n[1] + n[2]); /* the filter removed something */
    double *front2 = NULL;
    size_t nf2 = dse_test_bruteforce_front(job, fn, fr, obj, 4, &front2);
    CHECK_INT(nf2, nf);
    if (nf2 == nf && nf != (size_t)-1)
        CHECK(memcmp(front, front2, nf * 4 * sizeof(double)) == 0);

    /* The fastest front point: min over joined assignments of max cycles,
     * found independently by a direct triple loop. */
    double best = 1e300;
    void *ctx[3];
    dse_error_t err = DSE_ERROR_INIT;
    for (size_t l = 0; l < 3; l++)
        CHECK_INT(md->prepare(job, l, 0, &ctx[l], &err), 0);
    double m[3][DSE_FINN_N_METRICS];
    int64_t ci[3], co[3];
    for (size_t a = 0; a < n[0]; a++) {
        if (!md->evaluate(ctx[0], &rows[0][a * DSE_FINN_N_PARAMS], m[0]))
            continue;
        md->iface(ctx[0], &rows[0][a * DSE_FINN_N_PARAMS], &ci[0], &co[0]);
        for (size_t b = 0; b < n[1]; b++) {
            if (!md->evaluate(ctx[1], &rows[1][b * DSE_FINN_N_PARAMS], m[1]))
                continue;
            md->iface(ctx[1], &rows[1][b * DSE_FINN_N_PARAMS], &ci[1], &co[1]);
            if (!md->compatible(job, co[0], ci[1]))
                continue;
            for (size_t c = 0; c < n[2]; c++) {
                if (!md->evaluate(ctx[2], &rows[2][c * DSE_FINN_N_PARAMS], m[2]))
                    continue;
                md->iface(ctx[2], &rows[2][c * DSE_FINN_N_PARAMS], &ci[2], &co[2]);
                if (!md->compatible(job, co[1], ci[2]))
                    continue;
                double mc = 0;
                for (int l = 0; l < 3; l++)
                    if (m[l][DSE_FINN_M_CYCLES] > mc)
                        mc = m[l][DSE_FINN_M_CYCLES];
                if (mc < best)
                    best = mc;
            }
        }
    }
    for (size_t l = 0; l < 3; l++)
        md->release(ctx[l]);
    if (nf != (size_t)-1 && nf > 0)
        CHECK(front[0] == best); /* sorted: the first point has the least cycles */
    printf("finn small network (%s): %zu x %zu x %zu points (filtered %zu x %zu x %zu), "
           "front %zu, fastest %.0f cycles / %.0f LUT\n",
           est ? "finn-current" : "finn-2021", n[0], n[1], n[2], fn[0], fn[1], fn[2], nf,
           nf != (size_t)-1 && nf ? front[0] : 0, nf != (size_t)-1 && nf ? front[1] : 0);
    for (size_t l = 0; l < 3; l++) {
        free(rows[l]);
        free(fr[l]);
    }
    free(front);
    free(front2);
    dse_job_destroy(&job);
}

DSE_TEST(finn_compose_bruteforce_2021)
{
    small_network(DSE_FINN_EST_2021);
}

DSE_TEST(finn_compose_bruteforce_current)
{
    small_network(DSE_FINN_EST_CURRENT);
}
