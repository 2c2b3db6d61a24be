/* compose.c - network fronts by dynamic programming over the layers (see
 * compose.h for why the pruning is exact), and the brute-force reference. */
#include "search/compose.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Rows of network aggregates with their choices; also the partial sets of
 * the dynamic program (cls = out class of the last layer chosen). */
struct dse_netfront {
    size_t n, cap, n_net, n_layers;
    double *m;     /* n * n_net */
    size_t *pos;   /* n * n_layers */
    uint64_t *pts; /* n * n_layers */
    int64_t *cls;  /* n */
};

static dse_netfront_t *s_nf_new(size_t n_net, size_t n_layers)
{
    dse_netfront_t *nf = dse_xcalloc(1, sizeof *nf);
    nf->n_net = n_net;
    nf->n_layers = n_layers;
    return nf;
}

void dse_netfront_destroy(dse_netfront_t **nfp)
{
    if (!nfp || !*nfp)
        return;
    dse_netfront_t *nf = *nfp;
    free(nf->m);
    free(nf->pos);
    free(nf->pts);
    free(nf->cls);
    free(nf);
    *nfp = NULL;
}

/* Appends a row; returns its position. pos/pts hold `depth` entries. */
static size_t s_nf_add(dse_netfront_t *nf, const double *m, const size_t *pos, const uint64_t *pts,
                       size_t depth, int64_t cls)
{
    if (nf->n == nf->cap) {
        size_t cap = nf->cap ? 2 * nf->cap : 64;
        nf->m = dse_xrealloc(nf->m, cap * (nf->n_net ? nf->n_net : 1) * sizeof *nf->m);
        nf->pos = dse_xrealloc(nf->pos, cap * nf->n_layers * sizeof *nf->pos);
        nf->pts = dse_xrealloc(nf->pts, cap * nf->n_layers * sizeof *nf->pts);
        nf->cls = dse_xrealloc(nf->cls, cap * sizeof *nf->cls);
        nf->cap = cap;
    }
    size_t i = nf->n++;
    memcpy(nf->m + i * nf->n_net, m, nf->n_net * sizeof *m);
    memcpy(nf->pos + i * nf->n_layers, pos, depth * sizeof *pos);
    memcpy(nf->pts + i * nf->n_layers, pts, depth * sizeof *pts);
    nf->cls[i] = cls;
    return i;
}

size_t dse_netfront_size(const dse_netfront_t *nf)
{
    return nf->n;
}

size_t dse_netfront_n_layers(const dse_netfront_t *nf)
{
    return nf->n_layers;
}

size_t dse_netfront_n_net(const dse_netfront_t *nf)
{
    return nf->n_net;
}

const double *dse_netfront_metrics(const dse_netfront_t *nf, size_t i)
{
    assert(i < nf->n);
    return nf->m + i * nf->n_net;
}

const size_t *dse_netfront_choice(const dse_netfront_t *nf, size_t i)
{
    assert(i < nf->n);
    return nf->pos + i * nf->n_layers;
}

const uint64_t *dse_netfront_points(const dse_netfront_t *nf, size_t i)
{
    assert(i < nf->n);
    return nf->pts + i * nf->n_layers;
}

static int s_check_spec(const dse_compose_spec_t *s, dse_error_t *err)
{
    if (s->n_layers == 0 || !s->layers)
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "compose: no layers");
    if (s->n_obj == 0 || !s->obj)
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "compose: no objectives");
    for (size_t l = 0; l < s->n_layers; l++) {
        if (!s->layers[l])
            return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "compose: layer %zu has no front", l);
        for (size_t j = 0; j < s->n_net; j++)
            if (s->net_source[j] < 0 || (size_t)s->net_source[j] >= dse_front_width(s->layers[l]))
                return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                                     "compose: network metric %zu reads column %d, layer %zu has %zu",
                                     j, s->net_source[j], l, dse_front_width(s->layers[l]));
    }
    for (size_t j = 0; j < s->n_net; j++)
        if (s->net_agg[j] != DSE_AGG_SUM && s->net_agg[j] != DSE_AGG_MAX &&
            s->net_agg[j] != DSE_AGG_MEAN)
            return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                                 "compose: network metric %zu: aggregation must be sum, max or mean",
                                 j);
    for (size_t o = 0; o < s->n_obj; o++)
        if (s->obj[o] < 0 || (size_t)s->obj[o] >= s->n_net)
            return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                                 "compose: objective %zu is not a network metric", o);
    for (size_t c = 0; c < s->n_cons; c++) {
        if (s->cons_metric[c] < 0 || (size_t)s->cons_metric[c] >= s->n_net)
            return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                                 "compose: constraint %zu is not on a network metric", c);
        if ((unsigned)s->cons_cmp[c] > DSE_CMP_EQ)
            return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                                 "compose: constraint %zu: bad comparison", c);
    }
    return 0;
}

static inline double s_combine(dse_agg_t agg, double acc, double v)
{
    if (agg == DSE_AGG_MAX) {
        if (isnan(acc) || isnan(v))
            return NAN;
        return v > acc ? v : acc;
    }
    return acc + v;
}

static int s_meets(dse_cmp_t cmp, double v, double bound)
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

/* Turns accumulated aggregates into final values; returns 1 if they meet
 * every constraint and have no NaN objective. */
static int s_finish(const dse_compose_spec_t *s, double *m)
{
    for (size_t j = 0; j < s->n_net; j++)
        if (s->net_agg[j] == DSE_AGG_MEAN)
            m[j] /= (double)s->n_layers;
    for (size_t c = 0; c < s->n_cons; c++)
        if (!s_meets(s->cons_cmp[c], m[s->cons_metric[c]], s->cons_bound[c]))
            return 0;
    for (size_t o = 0; o < s->n_obj; o++)
        if (isnan(m[s->obj[o]]))
            return 0;
    return 1;
}

typedef struct {
    const dse_front_t *f;
    size_t *ord; /* rows by point index */
    size_t *gid; /* group (out class) of each row */
    size_t n_groups;
} s_layer_t;

static int s_cmp_row_index(const void *pa, const void *pb, void *arg)
{
    const dse_front_t *f = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    uint64_t x = dse_front_index(f, a), y = dse_front_index(f, b);
    if (x != y)
        return x < y ? -1 : 1;
    return a < b ? -1 : a > b;
}

static int s_cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return a < b ? -1 : a > b;
}

static void s_layer_init(s_layer_t *ly, const dse_front_t *f, int use_classes)
{
    size_t n = dse_front_size(f);
    ly->f = f;
    ly->ord = dse_xmalloc((n ? n : 1) * sizeof *ly->ord);
    ly->gid = dse_xmalloc((n ? n : 1) * sizeof *ly->gid);
    for (size_t i = 0; i < n; i++)
        ly->ord[i] = i;
    qsort_r(ly->ord, n, sizeof *ly->ord, s_cmp_row_index, (void *)f);
    ly->n_groups = 1;
    if (!use_classes || n == 0) {
        memset(ly->gid, 0, (n ? n : 1) * sizeof *ly->gid);
        return;
    }
    int64_t *cls = dse_xmalloc(n * sizeof *cls);
    for (size_t i = 0; i < n; i++)
        cls[i] = dse_front_cout(f, i);
    qsort(cls, n, sizeof *cls, s_cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || cls[u - 1] != cls[i])
            cls[u++] = cls[i];
    for (size_t i = 0; i < n; i++) {
        int64_t c = dse_front_cout(f, i);
        size_t a = 0, b = u;
        while (a < b) {
            size_t mid = (a + b) / 2;
            if (cls[mid] < c)
                a = mid + 1;
            else
                b = mid;
        }
        ly->gid[i] = a;
    }
    ly->n_groups = u;
    free(cls);
}

typedef struct {
    size_t n, cap;
    size_t *v;
} s_list_t;

typedef struct {
    size_t n;
    const int *col;
    const double *sign;
} s_steer_t;

/* 1 when kept row a is <= row b on every steering column (NaN: no). */
static inline int s_weakly_dominates(const s_steer_t *st, const double *a, const double *b)
{
    for (size_t i = 0; i < st->n; i++) {
        double x = st->sign[i] * a[st->col[i]], y = st->sign[i] * b[st->col[i]];
        if (!(x <= y))
            return 0;
    }
    return 1;
}

typedef struct {
    const dse_netfront_t *nf;
    const dse_compose_spec_t *spec;
} s_final_ctx_t;

static int s_cmp_final(const void *pa, const void *pb, void *arg)
{
    const s_final_ctx_t *ctx = arg;
    const dse_netfront_t *nf = ctx->nf;
    const dse_compose_spec_t *s = ctx->spec;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const double *x = nf->m + a * nf->n_net, *y = nf->m + b * nf->n_net;
    for (size_t o = 0; o < s->n_obj; o++) {
        double u = x[s->obj[o]], v = y[s->obj[o]];
        if (u != v)
            return u < v ? -1 : 1;
    }
    const uint64_t *p = nf->pts + a * nf->n_layers, *q = nf->pts + b * nf->n_layers;
    for (size_t l = 0; l < nf->n_layers; l++)
        if (p[l] != q[l])
            return p[l] < q[l] ? -1 : 1;
    const size_t *r = nf->pos + a * nf->n_layers, *t = nf->pos + b * nf->n_layers;
    for (size_t l = 0; l < nf->n_layers; l++)
        if (r[l] != t[l])
            return r[l] < t[l] ? -1 : 1;
    return 0;
}

int dse_compose(const dse_compose_spec_t *spec, dse_netfront_t **out, dse_error_t *err)
{
    *out = NULL;
    int ret = s_check_spec(spec, err);
    if (ret)
        return ret;
    const size_t L = spec->n_layers, N = spec->n_net;
    const int use_classes = spec->compatible != NULL;
    int ret_code = 0;

    s_layer_t *ly = dse_xcalloc(L, sizeof *ly);
    for (size_t l = 0; l < L; l++)
        s_layer_init(&ly[l], spec->layers[l], use_classes);

    /* rest[l * N + j]: the least layers l+1 .. L-1 can add to metric j. */
    double *rest = dse_xcalloc(L * (N ? N : 1), sizeof *rest);
    for (size_t j = 0; j < N; j++) {
        double acc = spec->net_agg[j] == DSE_AGG_MAX ? -INFINITY : 0.0;
        for (size_t l = L; l-- > 0;) {
            rest[l * N + j] = acc;
            const dse_front_t *f = spec->layers[l];
            double mn = INFINITY;
            int any = 0;
            for (size_t r = 0; r < dse_front_size(f); r++) {
                double v = dse_front_row(f, r)[spec->net_source[j]];
                if (!isnan(v) && v < mn)
                    mn = v;
                any |= !isnan(v);
            }
            if (!any)
                mn = -INFINITY;
            acc = spec->net_agg[j] == DSE_AGG_MAX ? (mn > acc ? mn : acc) : acc + mn;
        }
    }

    /* Steering columns for partials (objectives and constrained metrics) and
     * for the last layer (objectives; constraints are then checked exactly). */
    size_t ns = spec->n_obj + 2 * spec->n_cons;
    int *scol = dse_xmalloc(ns * sizeof *scol);
    double *ssign = dse_xmalloc(ns * sizeof *ssign);
    size_t k = 0;
    for (size_t o = 0; o < spec->n_obj; o++) {
        scol[k] = spec->obj[o];
        ssign[k++] = 1;
    }
    for (size_t c = 0; c < spec->n_cons; c++) {
        dse_cmp_t cmp = spec->cons_cmp[c];
        if (cmp == DSE_CMP_LE || cmp == DSE_CMP_LT || cmp == DSE_CMP_EQ) {
            scol[k] = spec->cons_metric[c];
            ssign[k++] = 1;
        }
        if (cmp == DSE_CMP_GE || cmp == DSE_CMP_GT || cmp == DSE_CMP_EQ) {
            scol[k] = spec->cons_metric[c];
            ssign[k++] = -1;
        }
    }
    s_steer_t steer_mid = {k, scol, ssign}, steer_last = {spec->n_obj, scol, ssign};

    dse_netfront_t *cur = s_nf_new(N, L), *next = s_nf_new(N, L);
    double *tmp = dse_xmalloc((N ? N : 1) * sizeof *tmp);
    size_t *pos = dse_xmalloc(L * sizeof *pos);
    uint64_t *pts = dse_xmalloc(L * sizeof *pts);
    size_t max_groups = 1;
    for (size_t l = 0; l < L; l++)
        if (ly[l].n_groups > max_groups)
            max_groups = ly[l].n_groups;
    s_list_t *groups = dse_xcalloc(max_groups, sizeof *groups);

    for (size_t l = 0; l < L; l++) {
        const int last = l + 1 == L;
        const dse_front_t *f = spec->layers[l];
        const size_t nrows = dse_front_size(f);
        const s_steer_t *st = last ? &steer_last : &steer_mid;
        next->n = 0;
        for (size_t g = 0; g < max_groups; g++)
            groups[g].n = 0;
        size_t nparts = l == 0 ? 1 : cur->n;
        for (size_t p = 0; p < nparts; p++) {
            const double *pm = l ? cur->m + p * N : NULL;
            if (l) {
                memcpy(pos, cur->pos + p * L, l * sizeof *pos);
                memcpy(pts, cur->pts + p * L, l * sizeof *pts);
            }
            for (size_t q = 0; q < nrows; q++) {
                size_t r = ly[l].ord[q];
                if (l && use_classes &&
                    !spec->compatible(spec->compatible_arg, cur->cls[p], dse_front_cin(f, r)))
                    continue;
                const double *row = dse_front_row(f, r);
                for (size_t j = 0; j < N; j++) {
                    double v = row[spec->net_source[j]];
                    tmp[j] = l ? s_combine(spec->net_agg[j], pm[j], v) : v;
                }
                if (last) {
                    if (!s_finish(spec, tmp))
                        continue;
                } else {
                    int hopeless = 0;
                    for (size_t c = 0; c < spec->n_cons && !hopeless; c++) {
                        dse_cmp_t cmp = spec->cons_cmp[c];
                        if (cmp != DSE_CMP_LE && cmp != DSE_CMP_LT)
                            continue;
                        size_t j = (size_t)spec->cons_metric[c];
                        double lb = s_combine(spec->net_agg[j], tmp[j], rest[l * N + j]);
                        if (spec->net_agg[j] == DSE_AGG_MEAN)
                            lb /= (double)L;
                        double bound = spec->cons_bound[c];
                        /* rounding of a different summation order: only prune
                         * what is clearly out of reach */
                        double tol = 1e-9 * (fabs(bound) + fabs(lb));
                        hopeless = lb > bound + tol;
                    }
                    if (hopeless)
                        continue;
                }
                s_list_t *gl = &groups[last ? 0 : ly[l].gid[r]];
                int dominated = 0;
                for (size_t i = 0; i < gl->n && !dominated; i++)
                    dominated = s_weakly_dominates(st, next->m + gl->v[i] * N, tmp);
                if (dominated)
                    continue;
                pos[l] = r;
                pts[l] = dse_front_index(f, r);
                size_t at = s_nf_add(next, tmp, pos, pts, l + 1, dse_front_cout(f, r));
                gl->v = dse_xgrow(gl->v, sizeof *gl->v, gl->n + 1, &gl->cap);
                gl->v[gl->n++] = at;
                if (spec->max_front && next->n > spec->max_front) {
                    ret_code = dse_error_set(err, DSE_ERANGE, NULL, 0, 0,
                                             "compose: more than %zu partial networks after "
                                             "layer %zu",
                                             spec->max_front, l);
                    goto out;
                }
            }
        }
        dse_netfront_t *t = cur;
        cur = next;
        next = t;
    }

    /* Final: sort by objectives, then point vector; keep a row iff no kept
     * row is <= on every objective (an equal one came first: lower points). */
    {
        size_t n = cur->n;
        size_t *perm = dse_xmalloc((n ? n : 1) * sizeof *perm);
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        s_final_ctx_t ctx = {cur, spec};
        qsort_r(perm, n, sizeof *perm, s_cmp_final, &ctx);
        dse_netfront_t *res = s_nf_new(N, L);
        for (size_t i = 0; i < n; i++) {
            const double *m = cur->m + perm[i] * N;
            int dominated = 0;
            for (size_t q = 0; q < res->n && !dominated; q++)
                dominated = s_weakly_dominates(&steer_last, res->m + q * N, m);
            if (!dominated)
                s_nf_add(res, m, cur->pos + perm[i] * L, cur->pts + perm[i] * L, L, 0);
        }
        free(perm);
        *out = res;
    }

out:
    for (size_t g = 0; g < max_groups; g++)
        free(groups[g].v);
    free(groups);
    free(tmp);
    free(pos);
    free(pts);
    dse_netfront_destroy(&cur);
    dse_netfront_destroy(&next);
    free(scol);
    free(ssign);
    free(rest);
    for (size_t l = 0; l < L; l++) {
        free(ly[l].ord);
        free(ly[l].gid);
    }
    free(ly);
    return ret_code;
}

int dse_compose_brute(const dse_compose_spec_t *spec, dse_netfront_t **out, dse_error_t *err)
{
    *out = NULL;
    int ret = s_check_spec(spec, err);
    if (ret)
        return ret;
    const size_t L = spec->n_layers, N = spec->n_net;
    size_t limit = spec->max_front ? spec->max_front : 10000000;
    size_t total = 1;
    for (size_t l = 0; l < L; l++) {
        size_t n = dse_front_size(spec->layers[l]);
        if (n == 0) {
            *out = s_nf_new(N, L);
            return 0;
        }
        if (total > limit / n)
            return dse_error_set(err, DSE_ERANGE, NULL, 0, 0,
                                 "compose: more than %zu combinations", limit);
        total *= n;
    }
    /* Combinations are numbered in lexicographic order of their point
     * vectors, and a Pareto front keeps the lowest number among equal
     * objective vectors: exactly the tie-break wanted. */
    s_layer_t *ly = dse_xcalloc(L, sizeof *ly);
    for (size_t l = 0; l < L; l++)
        s_layer_init(&ly[l], spec->layers[l], 0);
    dse_front_t *front = dse_front_new(N, spec->n_obj, spec->obj);
    size_t *digit = dse_xcalloc(L, sizeof *digit);
    double *m = dse_xmalloc(N * sizeof *m);
    for (size_t c = 0; c < total; c++) {
        size_t t = c;
        for (size_t l = L; l-- > 0;) {
            size_t n = dse_front_size(spec->layers[l]);
            digit[l] = ly[l].ord[t % n];
            t /= n;
        }
        int ok = 1;
        for (size_t l = 0; l + 1 < L && ok && spec->compatible; l++)
            ok = spec->compatible(spec->compatible_arg, dse_front_cout(spec->layers[l], digit[l]),
                                  dse_front_cin(spec->layers[l + 1], digit[l + 1]));
        if (!ok)
            continue;
        for (size_t j = 0; j < N; j++) {
            m[j] = dse_front_row(spec->layers[0], digit[0])[spec->net_source[j]];
            for (size_t l = 1; l < L; l++)
                m[j] = s_combine(spec->net_agg[j], m[j],
                                 dse_front_row(spec->layers[l], digit[l])[spec->net_source[j]]);
        }
        if (!s_finish(spec, m))
            continue;
        dse_front_insert(front, c, 0, 0, m);
    }
    dse_front_sort(front);
    dse_netfront_t *res = s_nf_new(N, L);
    size_t *pos = dse_xmalloc(L * sizeof *pos);
    uint64_t *pts = dse_xmalloc(L * sizeof *pts);
    for (size_t i = 0; i < dse_front_size(front); i++) {
        uint64_t t = dse_front_index(front, i);
        for (size_t l = L; l-- > 0;) {
            size_t n = dse_front_size(spec->layers[l]);
            pos[l] = ly[l].ord[t % n];
            pts[l] = dse_front_index(spec->layers[l], pos[l]);
            t /= n;
        }
        s_nf_add(res, dse_front_row(front, i), pos, pts, L, 0);
    }
    free(pos);
    free(pts);
    free(m);
    free(digit);
    dse_front_destroy(&front);
    for (size_t l = 0; l < L; l++) {
        free(ly[l].ord);
        free(ly[l].gid);
    }
    free(ly);
    *out = res;
    return 0;
}
