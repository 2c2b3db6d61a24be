/* refine.c - multi-fidelity search of one layer (see refine.h). */
#include "search/refine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/pareto.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"

typedef struct {
    double gap;
    size_t i;
} s_cand_t;

struct dse_refine {
    size_t layer;
    size_t k;            /* objectives */
    int obj[DSE_MAX_OBJECTIVES];
    size_t n;            /* model-feasible points */
    uint64_t *index;     /* their indices, ascending */
    double *pred;        /* n * k predicted objectives */
    double *meas;        /* n * k measured (NAN: none) */
    unsigned char *asked; /* proposed for measurement */
    uint64_t n_asked;
    double margin[DSE_MAX_OBJECTIVES];
    double scale[DSE_MAX_OBJECTIVES];
    int rounds;
    uint64_t *last_front; /* indices of the measured front after the last round */
    size_t n_last;
    int stopped;
    int adaptive;        /* margin mode (refine.h) */
    double safety;
    double delta[DSE_MAX_OBJECTIVES]; /* adaptive: the bound of the last round */
    double observed[DSE_MAX_OBJECTIVES]; /* largest relative error seen */
    double pooled[DSE_MAX_OBJECTIVES];   /* the same over every layer (dse_refine_refit) */
    /* the next round, screened (s_plan) and not yet taken: dse_refine_want
     * screens it, dse_refine_next takes it; a tell, a refit or a pooling
     * drops it */
    int planned;
    s_cand_t *cand;      /* its candidates (declared: closest to the front first) */
    size_t n_c, n_sel;   /* candidates; adaptive: the round's, cand[0 .. n_sel) */
    double *mfv;         /* adaptive: the measured front's values, n_mf * k */
    size_t n_mf;
    uint64_t *front_idx; /* declared: the measured front's indices, last_front once taken */
    size_t n_front;
};

dse_refine_t *dse_refine_new(const dse_evaljob_t *ej, size_t layer, const double *margin,
                             dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    const dse_space_t *s = job->layers[layer].space;
    if (s->size > DSE_REFINE_MAX_POINTS) {
        dse_error_set(err, DSE_ERANGE, job->path, job->layers[layer].line,
                      job->layers[layer].col, "layer '%s' has %llu points: refine screens "
                      "every point on the model, at most %llu per layer; narrow the domains",
                      job->layers[layer].name, (unsigned long long)s->size,
                      (unsigned long long)DSE_REFINE_MAX_POINTS);
        return NULL;
    }
    dse_refine_t *r = dse_xcalloc(1, sizeof *r);
    r->layer = layer;
    r->k = job->n_layer_objectives;
    memcpy(r->obj, job->layer_objectives, r->k * sizeof *r->obj);
    for (size_t j = 0; j < r->k; j++) {
        r->margin[j] = margin[j];
        r->scale[j] = 1;
    }
    size_t cap = 0;
    double params[DSE_MAX_PARAMS], metrics[DSE_MAX_METRICS];
    for (uint64_t i = 0; i < s->size; i++) {
        dse_space_decode(s, i, params);
        if (!job->model->evaluate(ej->ctx[layer], params, metrics))
            continue;
        if (r->n == cap) {
            cap = cap ? 2 * cap : 1024;
            r->index = dse_xrealloc(r->index, cap * sizeof *r->index);
            r->pred = dse_xrealloc(r->pred, cap * r->k * sizeof *r->pred);
        }
        r->index[r->n] = i;
        for (size_t j = 0; j < r->k; j++)
            r->pred[r->n * r->k + j] = metrics[r->obj[j]];
        r->n++;
    }
    r->meas = dse_xmalloc((r->n + 1) * r->k * sizeof *r->meas);
    for (size_t i = 0; i < r->n * r->k; i++)
        r->meas[i] = NAN;
    r->asked = dse_xcalloc(r->n + 1, 1);
    r->adaptive = job->margin_mode == DSE_MARGIN_ADAPTIVE;
    r->safety = job->margin_safety >= 1 ? job->margin_safety : DSE_REFINE_SAFETY;
    return r;
}

static void s_drop_plan(dse_refine_t *r)
{
    free(r->cand);
    free(r->mfv);
    free(r->front_idx);
    r->cand = NULL;
    r->mfv = NULL;
    r->front_idx = NULL;
    r->planned = 0;
}

void dse_refine_set_mode(dse_refine_t *r, int mode, double safety)
{
    s_drop_plan(r);
    r->adaptive = mode == DSE_MARGIN_ADAPTIVE;
    r->safety = safety;
}

void dse_refine_destroy(dse_refine_t **r_p)
{
    if (!r_p || !*r_p)
        return;
    dse_refine_t *r = *r_p;
    s_drop_plan(r);
    free(r->index);
    free(r->pred);
    free(r->meas);
    free(r->asked);
    free(r->last_front);
    free(r);
    *r_p = NULL;
}

static size_t s_find(const dse_refine_t *r, uint64_t index)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->index[mid] < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void dse_refine_tell(dse_refine_t *r, uint64_t index, const double *metrics)
{
    size_t i = s_find(r, index);
    if (i >= r->n || r->index[i] != index)
        return;
    s_drop_plan(r);
    for (size_t j = 0; j < r->k; j++)
        r->meas[i * r->k + j] = metrics[r->obj[j]];
}

uint64_t dse_refine_measured(const dse_refine_t *r)
{
    return r->n_asked;
}

uint64_t dse_refine_feasible(const dse_refine_t *r)
{
    return r->n;
}

static int s_has_meas(const dse_refine_t *r, size_t i)
{
    return r->asked[i] && !isnan(r->meas[i * r->k]);
}

/* a <= b everywhere and a < b somewhere */
static int s_dominates(const double *a, const double *b, size_t k)
{
    int less = 0;
    for (size_t j = 0; j < k; j++) {
        if (a[j] > b[j])
            return 0;
        less |= a[j] < b[j];
    }
    return less;
}

/* The non-dominated vectors among the points selected by `which` (0: the
 * measured values; 1: measured values, else rescaled predictions).
 * Returns their point positions (ascending) and count. */
static size_t s_front(const dse_refine_t *r, int which, double *vec, size_t **out)
{
    size_t k = r->k, n_f = 0, cap = 16;
    size_t *f = dse_xmalloc(cap * sizeof *f);
    for (size_t i = 0; i < r->n; i++) {
        double *v = vec + i * k;
        if (s_has_meas(r, i)) {
            memcpy(v, r->meas + i * k, k * sizeof *v);
        } else if (which == 1 && !r->asked[i]) {
            for (size_t j = 0; j < k; j++)
                v[j] = r->pred[i * k + j] * r->scale[j];
        } else {
            continue;
        }
        int beaten = 0;
        for (size_t q = 0; q < n_f && !beaten; q++)
            beaten = s_dominates(vec + f[q] * k, v, k) ||
                     memcmp(vec + f[q] * k, v, k * sizeof *v) == 0;
        if (beaten)
            continue;
        size_t w = 0;
        for (size_t q = 0; q < n_f; q++)
            if (!s_dominates(v, vec + f[q] * k, k))
                f[w++] = f[q];
        n_f = w;
        if (n_f == cap)
            f = dse_xrealloc(f, (cap *= 2) * sizeof *f);
        f[n_f++] = i;
    }
    *out = f;
    return n_f;
}

static void s_refit(dse_refine_t *r)
{
    for (size_t j = 0; j < r->k; j++) {
        double sum = 0;
        size_t m = 0;
        for (size_t i = 0; i < r->n; i++) {
            double p = r->pred[i * r->k + j], v = r->meas[i * r->k + j];
            if (s_has_meas(r, i) && p > 0 && v > 0) {
                sum += log(v / p);
                m++;
            }
        }
        r->scale[j] = m ? exp(sum / (double)m) : 1;
    }
}

static int s_cmp_cand(const void *a, const void *b)
{
    const s_cand_t *x = a, *y = b;
    if (x->gap != y->gap)
        return x->gap < y->gap ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The predicted hypervolume of the candidates cand[0 .. n) plus cand[c]. */
static double s_hv_with(const dse_refine_t *r, const s_cand_t *cand, size_t n, size_t c,
                        const int *obj, const double *ref)
{
    size_t k = r->k;
    dse_front_t *f = dse_front_new(k, k, obj);
    double v[DSE_MAX_OBJECTIVES];
    for (size_t q = 0; q <= n; q++) {
        size_t i = cand[q == n ? c : q].i;
        for (size_t j = 0; j < k; j++)
            v[j] = r->pred[i * k + j] * r->scale[j];
        dse_front_insert(f, i, 0, 0, v);
    }
    double hv = dse_hypervolume(f, ref);
    dse_front_destroy(&f);
    return hv;
}

/* A budget smaller than the predicted front (the candidates with gap < 1,
 * first in cand): take `limit` of its points greedily, each time the one
 * that adds the most predicted hypervolume (ties: the earlier candidate),
 * against the reference point of the predicted front; they move to
 * cand[0 .. limit). Otherwise the order stays (closest to the front
 * first). */
static void s_pick_by_hypervolume(const dse_refine_t *r, s_cand_t *cand, size_t n_c,
                                  size_t limit)
{
    size_t n_f = 0, k = r->k;
    while (n_f < n_c && cand[n_f].gap < 1)
        n_f++;
    if (n_f <= limit || limit > 1024)
        return;
    int obj[DSE_MAX_OBJECTIVES] = {0};
    for (size_t j = 0; j < k; j++)
        obj[j] = (int)j;
    dse_front_t *all = dse_front_new(k, k, obj);
    double v[DSE_MAX_OBJECTIVES], ref[DSE_MAX_OBJECTIVES];
    for (size_t q = 0; q < n_f; q++) {
        for (size_t j = 0; j < k; j++)
            v[j] = r->pred[cand[q].i * k + j] * r->scale[j];
        dse_front_insert(all, cand[q].i, 0, 0, v);
    }
    dse_front_reference(all, ref, NULL);
    dse_front_destroy(&all);
    for (size_t s = 0; s < limit; s++) {
        size_t best = s;
        double best_hv = -1;
        for (size_t c = s; c < n_f; c++) {
            double hv = s_hv_with(r, cand, s, c, obj, ref);
            if (hv > best_hv) {
                best_hv = hv;
                best = c;
            }
        }
        s_cand_t t = cand[s];
        cand[s] = cand[best];
        cand[best] = t;
    }
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* adaptive: the largest relative error |prediction - measured| / measured
 * per objective over the points measured, after the refits */
static void s_observe(dse_refine_t *r)
{
    for (size_t j = 0; j < r->k; j++) {
        double e = 0;
        for (size_t i = 0; i < r->n; i++) {
            double p = r->pred[i * r->k + j] * r->scale[j], v = r->meas[i * r->k + j];
            if (s_has_meas(r, i) && v > 0)
                e = fmax(e, fabs(p - v) / v);
        }
        r->observed[j] = e;
        r->delta[j] = r->safety * fmax(e, r->pooled[j]);
    }
}

/* A budget-bound round's size: half the budget left (at least 1), so that
 * the model is refitted and the candidates screened again between rounds
 * (a budget of B takes about log2 B + 1 rounds). */
static size_t s_pace(uint64_t limit)
{
    double b = ceil((double)limit / 2);
    return b < 1 ? 1 : (size_t)b;
}

/* The hypervolume of rows base[0 .. nb) plus row x (NULL: none). */
static double s_hv_rows(size_t k, const double *base, size_t nb, const double *x,
                        const double *ref)
{
    int obj[DSE_MAX_OBJECTIVES];
    for (size_t j = 0; j < k; j++)
        obj[j] = (int)j;
    dse_front_t *f = dse_front_new(k, k, obj);
    for (size_t q = 0; q < nb; q++)
        dse_front_insert(f, q, 0, 0, base + q * k);
    if (x)
        dse_front_insert(f, nb, 0, 0, x);
    double hv = dse_hypervolume(f, ref);
    dse_front_destroy(&f);
    return hv;
}

/* Candidates times picks above which the greedy pick takes each
 * candidate's own gain instead (a bound on the hypervolumes computed). */
#define S_GREEDY_MAX 65536.0

/* A budget-bound adaptive round: takes `batch` of the candidates cand[0 ..
 * n) greedily, each time the one whose prediction (rescaled) adds the most
 * hypervolume to the measured front (its values mfv[0 .. n_mf * k)) and the
 * candidates taken before it; they move to cand[0 .. batch). Beyond S_GREEDY_MAX
 * they are ranked by the hypervolume each adds alone (ties: lower index). */
static void s_pick_budget(const dse_refine_t *r, s_cand_t *cand, size_t n, size_t batch,
                          const double *mfv, size_t n_mf)
{
    size_t k = r->k;
    double *cv = dse_xmalloc((n + 1) * k * sizeof *cv);
    double *base = dse_xmalloc((n_mf + batch + 1) * k * sizeof *base);
    for (size_t c = 0; c < n; c++)
        for (size_t j = 0; j < k; j++) {
            cv[c * k + j] = r->pred[cand[c].i * k + j] * r->scale[j];
        }
    memcpy(base, mfv, n_mf * k * sizeof *base);
    /* the reference point: that of the front of the measured values and
     * the candidates' values */
    int obj[DSE_MAX_OBJECTIVES];
    for (size_t j = 0; j < k; j++)
        obj[j] = (int)j;
    dse_front_t *all = dse_front_new(k, k, obj);
    for (size_t q = 0; q < n_mf; q++)
        dse_front_insert(all, q, 0, 0, base + q * k);
    for (size_t c = 0; c < n; c++)
        dse_front_insert(all, n_mf + c, 0, 0, cv + c * k);
    double ref[DSE_MAX_OBJECTIVES];
    dse_front_reference(all, ref, NULL);
    dse_front_destroy(&all);
    size_t nb = n_mf;
    if ((double)batch * (double)n > S_GREEDY_MAX) {
        /* too many for the greedy loop: each candidate's own gain, once */
        s_cand_t *g = dse_xmalloc((n + 1) * sizeof *g);
        double base_hv = s_hv_rows(k, base, nb, NULL, ref);
        for (size_t c = 0; c < n; c++)
            g[c] = (s_cand_t){-(s_hv_rows(k, base, nb, cv + c * k, ref) - base_hv), cand[c].i};
        qsort(g, n, sizeof *g, s_cmp_cand);
        for (size_t c = 0; c < n; c++)
            cand[c] = (s_cand_t){0, g[c].i};
        free(g);
        free(cv);
        free(base);
        return;
    }
    for (size_t s = 0; s < batch && s < n; s++) {
        size_t best = s;
        double best_hv = -1;
        for (size_t c = s; c < n; c++) {
            double hv = s_hv_rows(k, base, nb, cv + c * k, ref);
            if (hv > best_hv) {
                best_hv = hv;
                best = c;
            }
        }
        s_cand_t t = cand[s];
        cand[s] = cand[best];
        cand[best] = t;
        double tv[DSE_MAX_OBJECTIVES];
        memcpy(tv, cv + s * k, k * sizeof *tv);
        memcpy(cv + s * k, cv + best * k, k * sizeof *tv);
        memcpy(cv + best * k, tv, k * sizeof *tv);
        memcpy(base + nb * k, cv + s * k, k * sizeof *base);
        nb++;
    }
    free(cv);
    free(base);
}

/* adaptive: screens a round (see refine.h) into the plan */
static void s_plan_adaptive(dse_refine_t *r)
{
    size_t k = r->k;
    double *vec = dse_xmalloc((r->n + 1) * k * sizeof *vec);
    if (r->rounds > 0)
        s_refit(r);
    s_observe(r);
    size_t *mf;
    size_t n_mf = r->rounds > 0 ? s_front(r, 0, vec, &mf) : (mf = dse_xmalloc(sizeof *mf), 0);
    /* candidates: not measured, and not left out by the measured front */
    s_cand_t *cand = dse_xmalloc((r->n + 1) * sizeof *cand);
    size_t n_c = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->asked[i])
            continue;
        double lo[DSE_MAX_OBJECTIVES];
        int positive = 1;
        for (size_t j = 0; j < k; j++) {
            double p = r->pred[i * k + j] * r->scale[j];
            positive &= p > 0;
            lo[j] = p / (1 + r->delta[j]);
        }
        int out_ = 0;
        for (size_t q = 0; q < n_mf && positive && !out_; q++) {
            const double *fv = vec + mf[q] * k;
            int all = 1;
            for (size_t j = 0; j < k && all; j++)
                all = fv[j] <= lo[j];
            out_ = all;
        }
        if (!out_)
            cand[n_c++] = (s_cand_t){0, i};
    }
    /* the measured front's values, for a budget-bound pick (the loop
     * below writes the candidates' predictions into vec) */
    r->mfv = dse_xmalloc((n_mf + 1) * k * sizeof *r->mfv);
    for (size_t q = 0; q < n_mf; q++)
        memcpy(r->mfv + q * k, vec + mf[q] * k, k * sizeof *r->mfv);
    r->n_mf = n_mf;
    /* this round: the candidates no other candidate is predicted to
     * dominate (the front of the candidates' predictions; equal ones all
     * stay), kept in cand order */
    size_t n_sel = 0;
    for (size_t c = 0; c < n_c; c++) {
        double *v = vec + cand[c].i * k;
        for (size_t j = 0; j < k; j++)
            v[j] = r->pred[cand[c].i * k + j] * r->scale[j];
        int beaten = 0;
        for (size_t q = 0; q < n_sel && !beaten; q++)
            beaten = s_dominates(vec + cand[q].i * k, v, k);
        if (beaten)
            continue;
        size_t w = 0;
        for (size_t q = 0; q < n_sel; q++)
            if (!s_dominates(v, vec + cand[q].i * k, k))
                cand[w++] = cand[q];
        cand[w++] = cand[c];
        n_sel = w;
    }
    free(mf);
    free(vec);
    /* kept until taken, beside the other layers' plans */
    r->cand = dse_xrealloc(cand, (n_c + 1) * sizeof *cand);
    r->n_c = n_c;
    r->n_sel = n_sel;
    r->planned = 1;
}

/* declared: screens a round (see refine.h) into the plan, or stops the
 * layer when its measured front did not change in the last round */
static void s_plan_declared(dse_refine_t *r)
{
    size_t k = r->k;
    double *vec = dse_xmalloc((r->n + 1) * k * sizeof *vec);
    if (r->rounds > 0) {
        size_t *mf;
        size_t n_mf = s_front(r, 0, vec, &mf);
        uint64_t *idx = dse_xmalloc((n_mf + 1) * sizeof *idx);
        for (size_t q = 0; q < n_mf; q++)
            idx[q] = r->index[mf[q]];
        qsort(idx, n_mf, sizeof *idx, s_cmp_u64);
        int same = r->rounds > 1 && n_mf == r->n_last &&
                   memcmp(idx, r->last_front, n_mf * sizeof *idx) == 0;
        free(mf);
        if (same) {
            r->stopped = 1;
            free(idx);
            free(vec);
            return;
        }
        /* becomes last_front when the round is taken */
        r->front_idx = idx;
        r->n_front = n_mf;
        s_refit(r);
    }
    size_t *f;
    size_t n_f = s_front(r, 1, vec, &f);
    s_cand_t *cand = dse_xmalloc((r->n + 1) * sizeof *cand);
    size_t n_c = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->asked[i])
            continue;
        double p[DSE_MAX_OBJECTIVES];
        int positive = 1;
        for (size_t j = 0; j < k; j++) {
            p[j] = r->pred[i * k + j] * r->scale[j];
            positive &= p[j] > 0;
        }
        /* gap: the largest t such that t * (a front point) dominates p;
         * out: the same with each objective j first divided by
         * 1 + margin_j, so p is outside the margin when beyond >= 1 */
        double gap = positive ? 0 : -1, beyond = gap;
        for (size_t q = 0; q < n_f && positive; q++) {
            if (f[q] == i)
                continue; /* itself */
            const double *fv = vec + f[q] * k;
            double t = INFINITY, u = INFINITY;
            for (size_t j = 0; j < k; j++) {
                double x = fv[j] > 0 ? p[j] / fv[j] : (fv[j] <= p[j] ? INFINITY : 0);
                t = fmin(t, x);
                u = fmin(u, x / (1 + r->margin[j]));
            }
            gap = fmax(gap, t);
            beyond = fmax(beyond, u);
        }
        if (beyond < 1)
            cand[n_c++] = (s_cand_t){gap, i};
    }
    qsort(cand, n_c, sizeof *cand, s_cmp_cand);
    free(f);
    free(vec);
    r->cand = dse_xrealloc(cand, (n_c + 1) * sizeof *cand);
    r->n_c = n_c;
    r->n_sel = n_c;
    r->planned = 1;
}

/* The next round screened, unless it already is (or the layer stopped). */
static void s_plan(dse_refine_t *r)
{
    if (r->stopped || r->planned)
        return;
    if (r->adaptive)
        s_plan_adaptive(r);
    else
        s_plan_declared(r);
}

uint64_t dse_refine_want(dse_refine_t *r)
{
    s_plan(r);
    if (!r->stopped && r->n_c == 0) {
        /* nothing left to measure: the layer is done */
        s_drop_plan(r);
        r->stopped = 1;
    }
    return r->stopped ? 0 : r->n_c;
}

/* The round's proposals: cand[0 .. n_c) (closest first), at most limit. */
static size_t s_finish(dse_refine_t *r, s_cand_t *cand, size_t n_c, uint64_t limit,
                       uint64_t **out)
{
    if (n_c > limit) {
        s_pick_by_hypervolume(r, cand, n_c, (size_t)limit);
        n_c = (size_t)limit;
    }
    uint64_t *idx = dse_xmalloc((n_c + 1) * sizeof *idx);
    for (size_t c = 0; c < n_c; c++) {
        r->asked[cand[c].i] = 1;
        idx[c] = r->index[cand[c].i];
    }
    r->n_asked += n_c;
    qsort(idx, n_c, sizeof *idx, s_cmp_u64);
    free(cand);
    r->rounds++;
    if (n_c == 0) {
        r->stopped = 1;
        free(idx);
        return 0;
    }
    *out = idx;
    return n_c;
}

size_t dse_refine_next(dse_refine_t *r, uint64_t limit, uint64_t **out)
{
    *out = NULL;
    if (r->stopped || limit == 0)
        return 0;
    s_plan(r);
    if (r->stopped)
        return 0;
    s_cand_t *cand = r->cand;
    size_t n = r->n_sel;
    if (r->adaptive && r->n_c > limit && n > 0) {
        /* the budget ends before the candidates do: a small round of the
         * most promising, so that the refit acts between rounds */
        size_t batch = s_pace(limit);
        if (n > batch)
            s_pick_budget(r, cand, n, batch, r->mfv, r->n_mf);
        n = n < batch ? n : batch;
    }
    if (r->front_idx) {
        free(r->last_front);
        r->last_front = r->front_idx;
        r->n_last = r->n_front;
        r->front_idx = NULL;
    }
    r->cand = NULL; /* s_finish frees it */
    s_drop_plan(r);
    return s_finish(r, cand, n, limit, out);
}

double dse_refine_prediction(const dse_refine_t *r, uint64_t index, size_t j)
{
    size_t i = s_find(r, index);
    if (i >= r->n || r->index[i] != index || j >= r->k)
        return NAN;
    return r->pred[i * r->k + j] * r->scale[j];
}

/* Predicts every point again on ej (the same job with other hardware
 * values); a point the model now finds infeasible keeps its prediction. */
static void s_repredict(dse_refine_t *r, const dse_evaljob_t *ej)
{
    const dse_job_t *job = ej->job;
    const dse_space_t *sp = job->layers[r->layer].space;
    double params[DSE_MAX_PARAMS], m[DSE_MAX_METRICS];
    s_drop_plan(r);
    for (size_t i = 0; i < r->n; i++) {
        dse_space_decode(sp, r->index[i], params);
        if (!job->model->evaluate(ej->ctx[r->layer], params, m))
            continue;
        for (size_t j = 0; j < r->k; j++)
            r->pred[i * r->k + j] = m[r->obj[j]];
    }
}

/* adaptive: every layer's bound takes the largest error seen on any layer
 * (a layer with few measurements says little about the model's error) */
void dse_refine_pool(dse_refine_t *const *rf, size_t n_layers)
{
    double e[DSE_MAX_OBJECTIVES] = {0};
    for (size_t l = 0; l < n_layers; l++) {
        if (!rf[l])
            continue;
        s_drop_plan(rf[l]);
        s_refit(rf[l]);
        s_observe(rf[l]);
        for (size_t j = 0; j < rf[l]->k; j++)
            e[j] = fmax(e[j], rf[l]->observed[j]);
    }
    for (size_t l = 0; l < n_layers; l++)
        if (rf[l])
            memcpy(rf[l]->pooled, e, sizeof e);
}

int dse_refine_refit(dse_refine_t *const *rf, size_t n_layers, dse_evaljob_t *fit_ej,
                     dse_fit_t *out, dse_error_t *err)
{
    const dse_job_t *job = fit_ej->job;
    memset(out, 0, sizeof *out);
    if (!dse_fit_n_keys(job->model))
        return 0;
    dse_fit_sample_t *smp = NULL;
    size_t n = 0, cap = 0;
    for (size_t l = 0; l < n_layers; l++) {
        const dse_refine_t *r = rf[l];
        if (!r)
            continue;
        const dse_space_t *sp = job->layers[l].space;
        for (size_t i = 0; i < r->n; i++) {
            /* the first objective, the one the fit is made on */
            double v = r->meas[i * r->k];
            if (!s_has_meas(r, i) || !(v > 0))
                continue;
            if (n == cap)
                smp = dse_xrealloc(smp, (cap = cap ? 2 * cap : 256) * sizeof *smp);
            smp[n].layer = l;
            dse_space_decode(sp, r->index[i], smp[n].params);
            smp[n].measured = v;
            n++;
        }
    }
    if (!n) {
        free(smp);
        return 0;
    }
    int rc = dse_fit(fit_ej, smp, n, job->layer_objectives[0], out, err);
    free(smp);
    if (rc)
        return rc;
    for (size_t l = 0; l < n_layers; l++)
        if (rf[l])
            s_repredict(rf[l], fit_ej);
    return 0;
}
