/* verify.c - re-measurement of a seeded sample on another worker (see verify.h). */
#include "coordinator/verify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/evaluator.h"
#include "core/perm.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

typedef struct {
    uint32_t layer;
    uint64_t point;
    uint64_t uid;
    uint64_t hash;
    size_t vals; /* offset into vals */
    char who[96];
} s_rec_t;

struct dse_verify {
    const dse_job_t *job;
    size_t width;
    uint64_t per_layer, seed;
    double tol;
    s_rec_t *recs;
    size_t n_recs, cap_recs;
    double *vals;
    size_t n_vals, cap_vals;
    int sampled;
    size_t *pick; /* record of each sampled point */
    dse_verified_t *res;
    size_t n;
};

dse_verify_t *dse_verify_new(const dse_job_t *job)
{
    if (!job->evaluator || !job->evaluator->verify)
        return NULL;
    dse_verify_t *v = dse_xcalloc(1, sizeof *v);
    v->job = job;
    v->width = job->model->n_metrics;
    v->per_layer = job->evaluator->verify;
    v->tol = job->evaluator->verify_tolerance;
    v->seed = job->seed;
    return v;
}

void dse_verify_destroy(dse_verify_t **v_p)
{
    if (!v_p || !*v_p)
        return;
    dse_verify_t *v = *v_p;
    free(v->recs);
    free(v->vals);
    free(v->pick);
    free(v->res);
    free(v);
    *v_p = NULL;
}

/* splitmix64's step and finaliser */
static uint64_t s_mix(uint64_t x)
{
    return dse_mix64(x + 0x9e3779b97f4a7c15ULL);
}

void dse_verify_record(dse_verify_t *v, uint32_t layer, uint64_t point, uint64_t uid,
                       const char *who, const double *metrics)
{
    if (!v || v->sampled)
        return;
    /* measurements come one point at a time: a duplicate (a unit whose
     * lease expired and ran twice) is rare, and the first is kept */
    for (size_t i = v->n_recs; i-- > 0 && i + 64 >= v->n_recs;)
        if (v->recs[i].layer == layer && v->recs[i].point == point)
            return;
    v->recs = dse_xgrow(v->recs, sizeof *v->recs, v->n_recs + 1, &v->cap_recs);
    s_rec_t *r = &v->recs[v->n_recs++];
    r->layer = layer;
    r->point = point;
    r->uid = uid;
    r->hash = s_mix(v->seed ^ s_mix(((uint64_t)layer << 48) ^ s_mix(point)));
    v->vals = dse_xgrow(v->vals, sizeof *v->vals, v->n_vals + v->width, &v->cap_vals);
    r->vals = v->n_vals;
    memcpy(v->vals + r->vals, metrics, v->width * sizeof *v->vals);
    v->n_vals += v->width;
    snprintf(r->who, sizeof r->who, "%s", who);
}

static int s_cmp_hash(const void *a, const void *b)
{
    const s_rec_t *x = a, *y = b;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

static int s_cmp_point(const void *a, const void *b)
{
    const s_rec_t *x = a, *y = b;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->point < y->point ? -1 : x->point > y->point;
}

size_t dse_verify_sample(dse_verify_t *v)
{
    if (!v)
        return 0;
    if (v->sampled)
        return v->n;
    v->sampled = 1;
    /* duplicates the window of dse_verify_record missed: the first stays */
    qsort(v->recs, v->n_recs, sizeof *v->recs, s_cmp_hash);
    size_t w = 0;
    for (size_t i = 0; i < v->n_recs; i++)
        if (!w || v->recs[w - 1].layer != v->recs[i].layer ||
            v->recs[w - 1].point != v->recs[i].point)
            v->recs[w++] = v->recs[i];
    v->n_recs = w;
    w = 0;
    for (size_t i = 0; i < v->n_recs;) {
        size_t e = i;
        while (e < v->n_recs && v->recs[e].layer == v->recs[i].layer)
            e++;
        for (size_t k = i; k < e && k - i < v->per_layer; k++)
            v->recs[w++] = v->recs[k];
        i = e;
    }
    qsort(v->recs, w, sizeof *v->recs, s_cmp_point);
    v->n = w;
    v->res = dse_xcalloc(w + 1, sizeof *v->res);
    for (size_t i = 0; i < w; i++) {
        v->res[i].layer = v->recs[i].layer;
        v->res[i].point = v->recs[i].point;
        snprintf(v->res[i].first, sizeof v->res[i].first, "%s", v->recs[i].who);
    }
    return w;
}

size_t dse_verify_n(const dse_verify_t *v)
{
    return v ? v->n : 0;
}

uint32_t dse_verify_layer(const dse_verify_t *v, size_t i)
{
    return v->res[i].layer;
}

uint64_t dse_verify_point(const dse_verify_t *v, size_t i)
{
    return v->res[i].point;
}

uint64_t dse_verify_first_uid(const dse_verify_t *v, size_t i)
{
    return v->recs[i].uid;
}

int dse_verify_settled(const dse_verify_t *v, size_t i)
{
    return v->res[i].status != 0;
}

int dse_verify_check(dse_verify_t *v, size_t i, uint64_t uid, const char *who,
                     const double *metrics)
{
    (void)uid;
    dse_verified_t *r = &v->res[i];
    const double *a = v->vals + v->recs[i].vals;
    snprintf(r->second, sizeof r->second, "%s", who);
    if (!metrics) {
        r->status = DSE_VERIFY_DISAGREE;
        snprintf(r->note, sizeof r->note, "the second worker found the point infeasible");
        return r->status;
    }
    double worst = -1;
    size_t n_over = 0;
    for (size_t j = 0; j < v->width; j++) {
        double x = a[j], y = metrics[j], d;
        if (isnan(x) && isnan(y))
            continue;
        if (!isfinite(x) || !isfinite(y))
            d = x == y ? 0 : INFINITY;
        else
            d = fmax(fabs(x), fabs(y)) > 0 ? fabs(x - y) / fmax(fabs(x), fabs(y)) : 0;
        n_over += d > v->tol;
        if (d > worst) {
            worst = d;
            snprintf(r->metric, sizeof r->metric, "%s", v->job->model->metrics[j].name);
            r->a = x;
            r->b = y;
        }
    }
    r->status = n_over ? DSE_VERIFY_DISAGREE : DSE_VERIFY_AGREE;
    if (n_over > 1)
        snprintf(r->note, sizeof r->note, "%zu metrics differ beyond the tolerance", n_over);
    return r->status;
}

void dse_verify_not(dse_verify_t *v, size_t i, const char *why)
{
    dse_verified_t *r = &v->res[i];
    r->status = DSE_VERIFY_NOT;
    snprintf(r->note, sizeof r->note, "%s", why);
}

const dse_verified_t *dse_verify_results(const dse_verify_t *v)
{
    return v ? v->res : NULL;
}
