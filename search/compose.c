/* compose.c - network fronts by dynamic programming over the layers (see
 * compose.h for why the pruning is exact), and the brute-force reference. */
#include "search/compose.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

/* Rows of network metrics with their choices. */
struct dse_netfront {
    size_t n, cap, n_net, n_layers;
    double *m;     /* n * n_net */
    size_t *pos;   /* n * n_layers */
    uint64_t *pts; /* n * n_layers */
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
    free(nf);
    *nfp = NULL;
}

/* Appends a row (pos and pts: n_layers entries each). */
static void s_nf_add(dse_netfront_t *nf, const double *m, const size_t *pos, const uint64_t *pts)
{
    if (nf->n == nf->cap) {
        size_t cap = nf->cap ? 2 * nf->cap : 64;
        nf->m = dse_xrealloc(nf->m, cap * (nf->n_net ? nf->n_net : 1) * sizeof *nf->m);
        nf->pos = dse_xrealloc(nf->pos, cap * nf->n_layers * sizeof *nf->pos);
        nf->pts = dse_xrealloc(nf->pts, cap * nf->n_layers * sizeof *nf->pts);
        nf->cap = cap;
    }
    size_t i = nf->n++;
    memcpy(nf->m + i * nf->n_net, m, nf->n_net * sizeof *m);
    memcpy(nf->pos + i * nf->n_layers, pos, nf->n_layers * sizeof *pos);
    memcpy(nf->pts + i * nf->n_layers, pts, nf->n_layers * sizeof *pts);
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



/* Turns accumulated aggregates into final values; returns 1 if they meet
 * every constraint and have no NaN objective. */
static int s_finish(const dse_compose_spec_t *s, double *m)
{
    for (size_t j = 0; j < s->n_net; j++)
        if (s->net_agg[j] == DSE_AGG_MEAN)
            m[j] /= (double)s->n_layers;
    for (size_t c = 0; c < s->n_cons; c++)
        if (!dse_cmp_holds(s->cons_cmp[c], m[s->cons_metric[c]], s->cons_bound[c]))
            return 0;
    for (size_t o = 0; o < s->n_obj; o++)
        if (isnan(m[s->obj[o]]))
            return 0;
    return 1;
}

typedef struct {
    size_t *ord; /* rows by point index (then position) */
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

static void s_layer_init(s_layer_t *ly, const dse_front_t *f)
{
    size_t n = dse_front_size(f);
    ly->ord = dse_xmalloc((n ? n : 1) * sizeof *ly->ord);
    for (size_t i = 0; i < n; i++)
        ly->ord[i] = i;
    qsort_r(ly->ord, n, sizeof *ly->ord, s_cmp_row_index, (void *)f);
}

/* Steering columns: objectives, then the constrained metrics, with a sign
 * that makes "smaller" mean "at least as good for every completion". */
typedef struct {
    size_t n;
    int *col;
    double *sign;
} s_steer_t;

/* Adds a steering column unless an earlier one has the same column and
 * sign (a budget on an objective): a repeated value never decides a
 * dominance test or a lexicographic comparison that the first copy did not,
 * so dropping it changes no result and saves a dimension. */
static size_t s_steer_add(s_steer_t *st, size_t k, int col, double sign)
{
    for (size_t i = 0; i < k; i++)
        if (st->col[i] == col && st->sign[i] == sign)
            return k;
    st->col[k] = col;
    st->sign[k] = sign;
    return k + 1;
}

static void s_steer_init(s_steer_t *st, const dse_compose_spec_t *spec)
{
    size_t cap = spec->n_obj + 2 * spec->n_cons;
    st->col = dse_xmalloc(cap * sizeof *st->col);
    st->sign = dse_xmalloc(cap * sizeof *st->sign);
    size_t k = 0;
    for (size_t o = 0; o < spec->n_obj; o++)
        k = s_steer_add(st, k, spec->obj[o], 1);
    for (size_t c = 0; c < spec->n_cons; c++) {
        dse_cmp_t cmp = spec->cons_cmp[c];
        if (cmp == DSE_CMP_LE || cmp == DSE_CMP_LT || cmp == DSE_CMP_EQ)
            k = s_steer_add(st, k, spec->cons_metric[c], 1);
        if (cmp == DSE_CMP_GE || cmp == DSE_CMP_GT || cmp == DSE_CMP_EQ)
            k = s_steer_add(st, k, spec->cons_metric[c], -1);
    }
    st->n = k;
}

static void s_steer_free(s_steer_t *st)
{
    free(st->col);
    free(st->sign);
}

/* Steering values of accumulated aggregates; 0 when one is NaN (such a
 * partial can only end infeasible or with a NaN objective). */
static int s_steer_values(const s_steer_t *st, const double *agg, double *out)
{
    for (size_t i = 0; i < st->n; i++) {
        out[i] = st->sign[i] * agg[st->col[i]];
        if (isnan(out[i]))
            return 0;
    }
    return 1;
}

/* Lexicographic order of steering vectors (no NaN by construction). */
static int s_cmp_vec(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* The choices of every partial network kept, as a trail of back links:
 * entry e chose row row[e] of its layer after the partial network of
 * entry up[e] (S_NO_UP at the first layer). The entries of one call of
 * dse_compose only grow, so that a partial network handed from one pass
 * to the next keeps its choices. */
#define S_NO_UP SIZE_MAX

typedef struct {
    size_t n, cap;
    size_t *up, *row;
} s_trail_t;

static size_t s_trail_add(s_trail_t *t, size_t up, size_t row)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 4096;
        t->up = dse_xrealloc(t->up, t->cap * sizeof *t->up);
        t->row = dse_xrealloc(t->row, t->cap * sizeof *t->row);
    }
    t->up[t->n] = up;
    t->row[t->n] = row;
    return t->n++;
}

/* The rows entry e chose, layer by layer (pos: its depth entries), and
 * their point indices (pts). */
static void s_trail_get(const s_trail_t *t, const dse_compose_spec_t *spec, size_t e,
                        size_t depth, size_t *pos, uint64_t *pts)
{
    for (size_t l = depth; l-- > 0;) {
        pos[l] = t->row[e];
        pts[l] = dse_front_index(spec->layers[l], pos[l]);
        e = t->up[e];
    }
}

/* Partial networks of the dynamic program (L: the layer count; 0 for a
 * store that holds none). */
typedef struct {
    size_t n, cap, N, L, ns;
    double *agg;   /* n * N accumulated (MEAN: sums) */
    double *steer; /* n * ns */
    size_t *node;  /* its entry in the trail */
    int64_t *cls;
    uint64_t *gen; /* generation order within the layer (the tie key) */
} s_store_t;

static void s_store_init(s_store_t *s, size_t N, size_t L, size_t ns)
{
    memset(s, 0, sizeof *s);
    s->N = N;
    s->L = L;
    s->ns = ns;
}

static void s_store_free(s_store_t *s)
{
    free(s->agg);
    free(s->steer);
    free(s->node);
    free(s->cls);
    free(s->gen);
    memset(s, 0, sizeof *s);
}

/* Room for cap partials, the n kept kept. */
static void s_store_grow(s_store_t *s, size_t cap)
{
    s->agg = dse_xrealloc(s->agg, cap * (s->N ? s->N : 1) * sizeof *s->agg);
    s->steer = dse_xrealloc(s->steer, cap * (s->ns ? s->ns : 1) * sizeof *s->steer);
    s->node = dse_xrealloc(s->node, cap * sizeof *s->node);
    s->cls = dse_xrealloc(s->cls, cap * sizeof *s->cls);
    s->gen = dse_xrealloc(s->gen, cap * sizeof *s->gen);
    s->cap = cap;
}

/* Empties s with room for n partials (one allocation instead of a
 * doubling chain; at least doubling, so that fronts growing by a few a
 * layer do not allocate every layer). Nothing is copied: the old arrays
 * go before the new ones come, so their pages may serve again. */
static void s_store_reset(s_store_t *s, size_t n)
{
    s->n = 0;
    if (n <= s->cap)
        return;
    size_t cap = n > 2 * s->cap ? n : 2 * s->cap;
    free(s->agg);
    free(s->steer);
    free(s->node);
    free(s->cls);
    free(s->gen);
    s->agg = NULL;
    s->steer = NULL;
    s->node = NULL;
    s->cls = NULL;
    s->gen = NULL;
    s_store_grow(s, cap);
}

static size_t s_store_add(s_store_t *s, const double *agg, const double *steer, size_t node,
                          int64_t cls, uint64_t gen)
{
    if (s->n == s->cap)
        s_store_grow(s, s->cap ? 2 * s->cap : 256);
    size_t i = s->n++;
    memcpy(s->agg + i * s->N, agg, s->N * sizeof *agg);
    memcpy(s->steer + i * s->ns, steer, s->ns * sizeof *steer);
    s->node[i] = node;
    s->cls[i] = cls;
    s->gen[i] = gen;
    return i;
}

/* The candidates of one layer live only in a Pareto front on the steering
 * columns (per group, ties to the lower generation number): each row is
 * the steering values, then the parent slot and the layer row, so a
 * candidate costs a few doubles until it survives the layer. */
typedef struct {
    const dse_front_t *f; /* candidate rows: steering values, parent, layer row */
    size_t ns;
} s_cand_order_t;

/* Survivors in tie-key order: steering values, then generation. */
static int s_cmp_cand(const void *pa, const void *pb, void *arg)
{
    const s_cand_order_t *o = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int c = s_cmp_vec(dse_front_row(o->f, a), dse_front_row(o->f, b), o->ns);
    if (c)
        return c;
    uint64_t x = dse_front_index(o->f, a), y = dse_front_index(o->f, b);
    return x < y ? -1 : x > y;
}

/* grp[r] for each row r of layer f (not the last): its out class, or the
 * smallest out class of f with the same compatibility with every in class
 * of the next layer g. Such classes have the same futures, so their
 * partials may evict each other (the argument for per-class fronts, with
 * a coarser partition); the representative answers every later
 * compatibility question as the class itself would. */
static void s_groups(const dse_compose_spec_t *spec, const dse_front_t *f, const dse_front_t *g,
                     int64_t *grp)
{
    const size_t nf = dse_front_size(f), ng = dse_front_size(g);
    int64_t *outs = dse_xmalloc((nf + 1) * sizeof *outs);
    int64_t *ins = dse_xmalloc((ng + 1) * sizeof *ins);
    size_t no = 0, ni = 0;
    for (size_t r = 0; r < nf; r++) {
        size_t k = 0;
        while (k < no && outs[k] != dse_front_cout(f, r))
            k++;
        if (k == no)
            outs[no++] = dse_front_cout(f, r);
    }
    for (size_t r = 0; r < ng; r++) {
        size_t k = 0;
        while (k < ni && ins[k] != dse_front_cin(g, r))
            k++;
        if (k == ni)
            ins[ni++] = dse_front_cin(g, r);
    }
    unsigned char *ok = dse_xmalloc(no * (ni ? ni : 1) + 1);
    for (size_t a = 0; a < no; a++)
        for (size_t b = 0; b < ni; b++)
            ok[a * ni + b] = spec->compatible(spec->compatible_arg, outs[a], ins[b]) != 0;
    int64_t *rep = dse_xmalloc((no + 1) * sizeof *rep);
    for (size_t a = 0; a < no; a++) {
        rep[a] = outs[a];
        for (size_t c = 0; c < no; c++)
            if (outs[c] < rep[a] && !memcmp(ok + a * ni, ok + c * ni, ni))
                rep[a] = outs[c];
    }
    for (size_t r = 0; r < nf; r++) {
        size_t k = 0;
        while (outs[k] != dse_front_cout(f, r))
            k++;
        grp[r] = rep[k];
    }
    free(outs);
    free(ins);
    free(ok);
    free(rep);
}

/* The rows of layer f that a parent of out class pc may take (all rows
 * when !has_pc), in point-index order, into out; returns how many. Rows
 * that an earlier row of the same group (grp; NULL: one group) beats are
 * left out: r' before r with every signed steering source <= (and finite)
 * makes candidate (p, r') <= (p, r) on every steering value for every
 * parent p (aggregation is monotone), feasible whenever (p, r) is, and
 * first in generation order, so (p, r) could never survive the filter.
 * death[k] (for out[k]): see below; j is the MAX steering column (>= ns:
 * none). vals: scratch of nrows * ns. */
/* The menu reductions compare pairs of rows; beyond this many rows they
 * only compare with the first ones (layer fronts are rarely that large). */
#define MENU_PAIRS_MAX 4096

static size_t s_menu(const dse_compose_spec_t *spec, const s_steer_t *st, const dse_front_t *f,
                     const size_t *ord, int has_pc, int64_t pc, const int64_t *grp,
                     size_t j, size_t *out, double *death, double *vals)
{
    const size_t ns = st->n, nrows = dse_front_size(f);
    size_t n = 0;
    for (size_t q = 0; q < nrows; q++) {
        size_t r = ord[q];
        if (has_pc && !spec->compatible(spec->compatible_arg, pc, dse_front_cin(f, r)))
            continue;
        const double *row = dse_front_row(f, r);
        double *v = vals + n * ns;
        for (size_t i = 0; i < ns; i++)
            v[i] = st->sign[i] * row[spec->net_source[st->col[i]]];
        int64_t g = grp ? grp[r] : 0;
        int beaten = 0;
        for (size_t k = 0; k < n && k < MENU_PAIRS_MAX && !beaten; k++) {
            if (grp && grp[out[k]] != g)
                continue;
            /* only rows of finite values beat (u = -inf could make a NaN
             * candidate, inf - inf, where v's is not) */
            const double *u = vals + k * ns;
            size_t i = 0;
            while (i < ns && u[i] <= v[i] && isfinite(u[i]))
                i++;
            beaten = i == ns;
        }
        if (!beaten)
            out[n++] = r;
    }
    /* A MAX steering column j (sign +1) absorbs row values up to the
     * parent's: for a parent with p_j >= max(r_j, r'_j), candidates (p, r)
     * and (p, r') share max = p_j, and r' beating r on every other column
     * (<=, finite, earlier on equality) makes (p, r') beat or tie-and-
     * precede (p, r). death[k]: the least such max(r_j, r'_j); the DP skips
     * row k for parents with p_j >= death[k]. A skipped candidate is beaten
     * through a chain (beating is a strict order) that ends at a generated
     * one, so the layer's surviving set does not change. */
    for (size_t k = 0; k < n; k++) {
        death[k] = INFINITY;
        if (j >= ns || n > MENU_PAIRS_MAX)
            continue;
        const double *v = vals + k * ns;
        int64_t g = grp ? grp[out[k]] : 0;
        for (size_t k2 = 0; k2 < n; k2++) {
            if (k2 == k || (grp && grp[out[k2]] != g))
                continue;
            const double *u = vals + k2 * ns;
            int ok = 1, less = 0;
            for (size_t i = 0; i < ns && ok; i++) {
                if (i == j)
                    continue;
                ok = u[i] <= v[i] && isfinite(u[i]);
                less |= u[i] < v[i];
            }
            if (!ok || (!less && k2 > k))
                continue;
            double d = u[j] > v[j] ? u[j] : v[j];
            if (d < death[k])
                death[k] = d;
        }
    }
    return n;
}

/* The comparisons one candidate costs in the dominance filter among
 * `partials` kept ones. The filter compares a candidate with about log m
 * kept ones up to 4 steering values; beyond, its k-d tree query visits
 * more nodes as the front grows (core/pareto), each comparison longer
 * with each more value: the work of a layer in comparisons of 4 values.
 * Measured on CNV w2a2 with 5 steering values (1.5, 2.8 and 4.1 us a
 * candidate with 5,582, 24,695 and 129,416 partials; a comparison is
 * about 30 ns), about (ns - 3) sqrt(partials) / 4, rounded up. */
static uint64_t s_cmp_per(size_t ns, double partials)
{
    if (ns <= 4)
        return 3;
    uint64_t c = (uint64_t)ceil((double)(ns - 3) * sqrt(partials) / 4);
    return c > 8 ? c : 8;
}

/* The forecast of the layers still to come, from the layers composed so
 * far. On the layers with more than one row, the partial fronts grow by
 * a factor that shrinks from layer to layer as the front fills up (CNV
 * w2a2, 3 objectives: 7.1, 5.4, 3.4, 3.9, 2.7, 1.3, 1.5, 1.0; 5
 * objectives: 9.2, 6.3, 4.4, 5.2, 3.9): the log of the growth is taken to
 * shrink by the ratio of the last two (at most 1; FORECAST_DECAY after
 * the first). A parent makes about as many candidates as on the last such
 * layer (a, at most the layer's rows), and a layer cannot grow the front
 * by more than that. Returns the comparisons the remaining layers would
 * cost (the measure of the work limit), the partial networks after the
 * last layer (*final) and the next growth (*g_next). A forecast is
 * rough: the DP refuses on one only beyond the limit by a margin. */
#define FORECAST_DECAY 0.7

typedef struct {
    size_t n;        /* layers with more than one row composed so far */
    size_t n_g;      /* growths seen (from the second such layer on) */
    double lg_prev, lg_last; /* the last two logs of the growth */
    double a_last;   /* candidates per parent on the last such layer */
} s_growth_t;

static double s_forecast(const dse_compose_spec_t *spec, const s_growth_t *gr, size_t ns,
                         size_t l, double partials, double *final, double *g_next)
{
    double rho = FORECAST_DECAY;
    if (gr->n_g >= 2 && gr->lg_prev > 0) {
        rho = gr->lg_last / gr->lg_prev;
        rho = rho < 0 ? 0 : rho > 1 ? 1 : rho;
    }
    double work = 0, p = partials, lg = gr->lg_last;
    *g_next = 0;
    for (size_t j = l + 1; j < spec->n_layers; j++) {
        double rows = (double)dse_front_size(spec->layers[j]);
        double a = rows <= 1 ? rows : (gr->a_last < rows ? gr->a_last : rows);
        work += p * a * (double)s_cmp_per(ns, p);
        if (rows <= 1)
            continue;
        lg *= rho;
        double g = exp(lg) < a ? exp(lg) : a;
        if (*g_next == 0)
            *g_next = g;
        p *= g > 1 ? g : 1;
    }
    *final = p;
    return work;
}

/* Refuse on a forecast beyond this many times the limit. */
#define COMPOSE_FORECAST_MARGIN 2.0

/* Menu entries by death, latest first, then in menu order. */
static int s_cmp_death(const void *pa, const void *pb, void *arg)
{
    const double *death = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (death[a] != death[b])
        return death[a] > death[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* Partials kept after a layer beyond which the exact composition restarts
 * with bounds from known networks; the boxes of the quick pass that finds
 * them (ratio 1 + delta per layer). */
#define COMPOSE_SOFT 20000
#define COMPOSE_PRE_DELTA 0.02

typedef struct s_inc s_inc_t;
typedef struct s_ws s_ws_t;

/* Options of one pass of the dynamic program. */
typedef struct {
    /* per steering column: log(1 + delta) of its epsilon boxes, 0 = exact */
    const double *box;
    /* complete feasible networks known beforehand: their final objective
     * values (NULL = none) */
    const s_inc_t *inc;
    size_t max_front;
    uint64_t max_work; /* comparisons all passes may make (0 = any number) */
    uint64_t *work;    /* comparisons so far, over the passes (estimated) */
    size_t soft_front; /* > 0: stop (return 1) when more partials are kept */
    int pass;          /* for the progress callback: 1, 2, 3 */
    size_t *peak; /* out: the most partial networks kept after a layer */
    /* with soft_front: where a stopped pass leaves the partial networks
     * it kept after layer *handoff_layer; otherwise, when handoff->L is
     * set, the pass starts from them (dropping those the known networks
     * beat) at the next layer */
    s_store_t *handoff;
    size_t *handoff_layer;
    s_ws_t *ws; /* memory the passes share */
} s_opts_t;

/* The known networks in a static k-d tree: median splits on the widest
 * spread, leaves of at most INC_LEAF networks, each node with the least
 * and the greatest corner of its networks. A query skips every node whose
 * least corner is not <= the bound, and takes a whole node at once when
 * its greatest corner is. */
#define INC_LEAF 8

struct s_inc {
    size_t n, d;
    double *pt;     /* n * d, in tree order */
    double *lo, *hi; /* per node (heap numbering from 1) */
    /* With 3 objectives, a table answers most queries instead of the
     * tree (s_inc3_beats): the networks by their first value (s0, s1,
     * s2: their values in that order; spos: their tree positions), the
     * distinct second values xs (m of them, ascending), and per block of
     * the first bsz * (b + 1) networks in that order (b < nb) and per
     * x = xs[g], the least third value among those networks whose second
     * value is <= x (t2[b * m + g], +inf: none) and which one (targ).
     * nb = 0: no table. */
    size_t nb, m, bsz;
    double *s0, *s1, *s2, *xs, *t2;
    size_t *spos, *targ;
};

static void s_inc_select(double *pt, size_t d, size_t a, size_t b, size_t m, size_t j,
                         double *tmp)
{
    while (b - a > 1) {
        double piv = pt[(a + (b - a) / 2) * d + j];
        size_t i = a, lt = a, gt = b;
        while (i < gt) {
            double v = pt[i * d + j];
            if (v < piv) {
                memcpy(tmp, pt + i * d, d * sizeof *tmp);
                memcpy(pt + i * d, pt + lt * d, d * sizeof *tmp);
                memcpy(pt + lt * d, tmp, d * sizeof *tmp);
                i++;
                lt++;
            } else if (v > piv) {
                gt--;
                memcpy(tmp, pt + i * d, d * sizeof *tmp);
                memcpy(pt + i * d, pt + gt * d, d * sizeof *tmp);
                memcpy(pt + gt * d, tmp, d * sizeof *tmp);
            } else {
                i++;
            }
        }
        if (m < lt)
            b = lt;
        else if (m >= gt)
            a = gt;
        else
            return;
    }
}

/* The dimension of a node's box in which it is widest (the first of
 * equals; a NaN width counts as widest): the k-d trees split there. */
static size_t s_widest(const double *lo, const double *hi, size_t d)
{
    size_t js = 0;
    double best = -1;
    for (size_t j = 0; j < d; j++)
        if (!(hi[j] - lo[j] <= best)) {
            best = hi[j] - lo[j];
            js = j;
        }
    return js;
}

static void s_inc_build(s_inc_t *t, size_t node, size_t a, size_t b, double *tmp)
{
    const size_t d = t->d;
    double *lo = t->lo + node * d, *hi = t->hi + node * d;
    for (size_t j = 0; j < d; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (size_t i = a; i < b; i++)
        for (size_t j = 0; j < d; j++) {
            double v = t->pt[i * d + j];
            lo[j] = v < lo[j] ? v : lo[j];
            hi[j] = v > hi[j] ? v : hi[j];
        }
    if (b - a <= INC_LEAF)
        return;
    size_t js = s_widest(lo, hi, d);
    size_t m = a + (b - a) / 2;
    s_inc_select(t->pt, d, a, b, m, js, tmp);
    s_inc_build(t, 2 * node, a, m, tmp);
    s_inc_build(t, 2 * node + 1, m, b, tmp);
}

/* The table of 3-objective queries: blocks of at least INC3_BLOCK
 * networks, and at most INC3_CELLS cells (larger blocks beyond). */
#define INC3_BLOCK 32
#define INC3_CELLS ((size_t)1 << 20)

static int s_cmp_first(const void *pa, const void *pb, void *arg)
{
    const double *pt = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (pt[a * 3] != pt[b * 3])
        return pt[a * 3] < pt[b * 3] ? -1 : 1;
    return a < b ? -1 : a > b;
}

static int s_cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* The number of values of v (n, ascending) that are <= x. */
static size_t s_count_le(const double *v, size_t n, double x)
{
    size_t a = 0, b = n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (v[m] <= x)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* Builds t's table (3 objectives, finite values, tree built). */
static void s_inc3_build(s_inc_t *t)
{
    const size_t n = t->n;
    for (size_t i = 0; i < 3 * n; i++)
        if (!isfinite(t->pt[i]))
            return;
    size_t *ord = dse_xmalloc(n * sizeof *ord);
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, n, sizeof *ord, s_cmp_first, t->pt);
    t->s0 = dse_xmalloc(n * sizeof *t->s0);
    t->s1 = dse_xmalloc(n * sizeof *t->s1);
    t->s2 = dse_xmalloc(n * sizeof *t->s2);
    t->spos = dse_xmalloc(n * sizeof *t->spos);
    t->xs = dse_xmalloc(n * sizeof *t->xs);
    for (size_t i = 0; i < n; i++) {
        const double *v = t->pt + ord[i] * 3;
        t->s0[i] = v[0];
        t->s1[i] = v[1];
        t->s2[i] = v[2];
        t->spos[i] = ord[i];
        t->xs[i] = v[1];
    }
    free(ord);
    qsort(t->xs, n, sizeof *t->xs, s_cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || t->xs[i] != t->xs[m - 1])
            t->xs[m++] = t->xs[i];
    size_t bsz = INC3_BLOCK;
    while ((n / bsz) * m > INC3_CELLS)
        bsz *= 2;
    t->m = m;
    t->bsz = bsz;
    t->nb = n / bsz;
    t->t2 = dse_xmalloc((t->nb ? t->nb : 1) * m * sizeof *t->t2);
    t->targ = dse_xmalloc((t->nb ? t->nb : 1) * m * sizeof *t->targ);
    /* at[g]: the least third value of the networks so far whose second
     * value is xs[g] (the first such network on ties) */
    double *at = dse_xmalloc(m * sizeof *at);
    size_t *atarg = dse_xmalloc(m * sizeof *atarg);
    for (size_t g = 0; g < m; g++) {
        at[g] = INFINITY;
        atarg[g] = 0;
    }
    for (size_t b = 0; b < t->nb; b++) {
        for (size_t i = b * bsz; i < (b + 1) * bsz; i++) {
            size_t g = s_count_le(t->xs, m, t->s1[i]) - 1;
            if (t->s2[i] < at[g]) {
                at[g] = t->s2[i];
                atarg[g] = i;
            }
        }
        double *row = t->t2 + b * m;
        size_t *arg = t->targ + b * m;
        for (size_t g = 0; g < m; g++) {
            if (g == 0 || at[g] < row[g - 1]) {
                row[g] = at[g];
                arg[g] = atarg[g];
            } else {
                row[g] = row[g - 1];
                arg[g] = arg[g - 1];
            }
        }
    }
    free(at);
    free(atarg);
}

/* s_inc_beats over the whole tree, from t's table: 1 or 0 as the tree
 * answers (some network <= lb everywhere and < lb - tol somewhere, or
 * none), -1 when the table cannot tell (ask the tree). A network that is
 * <= lb everywhere is among the first i by the first value (those <= lb[0])
 * and has a second value <= xs[g - 1]: the table gives the least third
 * value of such networks in the first whole blocks, the rest is scanned. */
static int s_inc3_beats(const s_inc_t *t, const double *lb, const double *tol, size_t *who)
{
    if (isnan(lb[0]) || isnan(lb[1]) || isnan(lb[2]))
        return -1;
    const size_t i = s_count_le(t->s0, t->n, lb[0]);
    const size_t g = s_count_le(t->xs, t->m, lb[1]);
    if (i == 0 || g == 0)
        return 0;
    const size_t b = i / t->bsz;
    if (b) {
        const size_t c = (b - 1) * t->m + g - 1;
        if (t->t2[c] <= lb[2]) {
            const size_t a = t->targ[c];
            if (t->s0[a] < lb[0] - tol[0] || t->s1[a] < lb[1] - tol[1] ||
                t->s2[a] < lb[2] - tol[2]) {
                *who = t->spos[a];
                return 1;
            }
            return -1;
        }
    }
    for (size_t a = b * t->bsz; a < i; a++)
        if (t->s1[a] <= lb[1] && t->s2[a] <= lb[2] &&
            (t->s0[a] < lb[0] - tol[0] || t->s1[a] < lb[1] - tol[1] ||
             t->s2[a] < lb[2] - tol[2])) {
            *who = t->spos[a];
            return 1;
        }
    return 0;
}

/* Takes the n vectors of d values in pts (copied). */
static s_inc_t *s_inc_new(const double *pts, size_t n, size_t d)
{
    s_inc_t *t = dse_xcalloc(1, sizeof *t);
    t->n = n;
    t->d = d;
    size_t depth = 0;
    while ((n >> depth) > INC_LEAF)
        depth++;
    size_t n_nodes = (size_t)2 << (depth + 1);
    t->pt = dse_xmalloc((n ? n : 1) * d * sizeof *t->pt);
    memcpy(t->pt, pts, n * d * sizeof *t->pt);
    t->lo = dse_xmalloc(n_nodes * d * sizeof *t->lo);
    t->hi = dse_xmalloc(n_nodes * d * sizeof *t->hi);
    double *tmp = dse_xmalloc(d * sizeof *tmp);
    if (n)
        s_inc_build(t, 1, 0, n, tmp);
    free(tmp);
    if (d == 3 && n)
        s_inc3_build(t);
    return t;
}

static void s_inc_destroy(s_inc_t **tp)
{
    if (!*tp)
        return;
    free((*tp)->pt);
    free((*tp)->lo);
    free((*tp)->hi);
    free((*tp)->s0);
    free((*tp)->s1);
    free((*tp)->s2);
    free((*tp)->spos);
    free((*tp)->xs);
    free((*tp)->t2);
    free((*tp)->targ);
    free(*tp);
    *tp = NULL;
}

/* 1 when some vector s of node [a, b) has s <= lb everywhere and
 * s < lb - tol somewhere. */
static int s_inc_beats(const s_inc_t *t, size_t node, size_t a, size_t b, const double *lb,
                       const double *tol, size_t *who)
{
    const size_t d = t->d;
    const double *lo = t->lo + node * d, *hi = t->hi + node * d;
    int all = 1, strict = 0, lstrict = 0;
    for (size_t j = 0; j < d; j++) {
        if (lo[j] > lb[j])
            return 0;
        lstrict |= lo[j] < lb[j] - tol[j];
        all &= hi[j] <= lb[j];
        strict |= hi[j] < lb[j] - tol[j];
    }
    if (!lstrict)
        return 0;
    if (all && strict) {
        *who = a;
        return 1;
    }
    if (b - a <= INC_LEAF) {
        for (size_t i = a; i < b; i++) {
            const double *v = t->pt + i * d;
            size_t k = 0;
            int st = 0;
            while (k < d && v[k] <= lb[k]) {
                st |= v[k] < lb[k] - tol[k];
                k++;
            }
            if (k == d && st) {
                *who = i;
                return 1;
            }
        }
        return 0;
    }
    size_t m = a + (b - a) / 2;
    return s_inc_beats(t, 2 * node, a, m, lb, tol, who) ||
           s_inc_beats(t, 2 * node + 1, m, b, lb, tol, who);
}

/* 1 when a known network beats every completion of a partial: inc <= lb
 * on every objective and < on one, where lb is a lower bound of the
 * completions' final values. lb sums in another order than the final
 * values, so "<" keeps a margin of rounding on the summed objectives (tol);
 * MAX objectives are exact. */
static int s_beaten(const s_opts_t *o, const double *lb, const double *tol, size_t *hint)
{
    const s_inc_t *t = o->inc;
    if (!t->n)
        return 0;
    /* the network that beat the last one first: neighbours in the DP's
     * order (one parent's rows) tend to be beaten by the same one */
    if (*hint < t->n) {
        const double *v = t->pt + *hint * t->d;
        size_t k = 0;
        int st = 0;
        while (k < t->d && v[k] <= lb[k]) {
            st |= v[k] < lb[k] - tol[k];
            k++;
        }
        if (k == t->d && st)
            return 1;
    }
    if (t->nb || t->m) {
        const int r = s_inc3_beats(t, lb, tol, hint);
        if (r >= 0)
            return r;
    }
    return s_inc_beats(t, 1, 0, t->n, lb, tol, hint);
}

void dse_compose_known_query(const double *pts, size_t n, size_t d, const double *lb,
                             const double *tol, size_t nq, int way, int *out)
{
    s_inc_t *t = s_inc_new(pts, n, d);
    for (size_t q = 0; q < nq; q++) {
        size_t who = 0;
        int r = -1;
        if (way && (t->nb || t->m))
            r = s_inc3_beats(t, lb + q * d, tol + q * d, &who);
        if (r < 0)
            r = n ? s_inc_beats(t, 1, 0, n, lb + q * d, tol + q * d, &who) : 0;
        out[q] = r;
    }
    s_inc_destroy(&t);
}

/* s_beaten for a partial network of aggregates agg, whose completions add
 * at least rest (the least the remaining layers add, per metric); lbv and
 * tolv: scratch of n_obj. */
static int s_bound_beaten(const dse_compose_spec_t *spec, const s_opts_t *opt, const double *rest,
                          const double *agg, double *lbv, double *tolv, size_t *hint)
{
    for (size_t o = 0; o < spec->n_obj; o++) {
        size_t j = (size_t)spec->obj[o];
        double lb = dse_agg_combine(spec->net_agg[j], agg[j], rest[j]);
        if (spec->net_agg[j] == DSE_AGG_MEAN)
            lb /= (double)spec->n_layers;
        lbv[o] = lb;
        tolv[o] = spec->net_agg[j] == DSE_AGG_MAX ? 0 : 1e-9 * fabs(lb);
    }
    return s_beaten(opt, lbv, tolv, hint);
}

/* Parents that a slower parent replaces. With a MAX steering column c,
 * a candidate (p, r) whose row is at least as slow as a parent p' (r_c >=
 * p'_c) has the same c as (p', r) when p_c <= r_c as well; so when p' is
 * <= p on every other steering value (and joins the same rows: same
 * class), (p', r) is <= (p, r) on every steering value. killer[p] is such
 * a p', as fast as found, and kill_c[p] its c (inf: none); the DP tries
 * (p, r) with r_c >= kill_c[p] only when the exact vectors of (p', r) and
 * (p, r) do not show that (p', r) beats it (<= everywhere and < somewhere,
 * or equal and generated first). The parents come from a Pareto filter,
 * so such a p' is slower than p, and only rows slower than p lose
 * candidates: the mirror of the rows' death (s_menu).
 *
 * Found with a static k-d tree over the other steering values of the
 * parents, each node with the least corner of its parents and their least
 * c: a branch and bound, the child of lesser c first, that skips the nodes
 * whose corner is not <= the parent or whose least c is no better than
 * the killer found so far. The fastest killer is not needed (any one is
 * exact), so a search stops after KILL_VISITS nodes with what it has. */
#define KILL_LEAF 8
#define KILL_VISITS 48
#define KILL_REST 7

typedef struct {
    size_t n, d;
    const double *steer; /* the parents' steering values (n * ns) */
    size_t ns, jmax;
    double *pt;          /* n * d other values, by parent */
    size_t *tree;        /* parents in tree order */
    double *lo;          /* per node: the least corner of its parents */
    double *cmin;        /* per node: their least c */
    const int64_t *cls;  /* parents' classes (NULL: one class) */
    size_t cap_pt, cap_tree, cap_lo, cap_cmin; /* (kept from layer to layer) */
} s_killtree_t;

static void s_kt_build(s_killtree_t *t, size_t node, size_t a, size_t b)
{
    const size_t d = t->d;
    double *lo = t->lo + node * d;
    double hi[64];
    double cm = INFINITY;
    for (size_t j = 0; j < d; j++) {
        hi[j] = -INFINITY;
        lo[j] = INFINITY;
    }
    for (size_t i = a; i < b; i++) {
        const double *p = t->pt + t->tree[i] * d;
        for (size_t j = 0; j < d; j++) {
            hi[j] = p[j] > hi[j] ? p[j] : hi[j];
            lo[j] = p[j] < lo[j] ? p[j] : lo[j];
        }
        double c = t->steer[t->tree[i] * t->ns + t->jmax];
        cm = c < cm ? c : cm;
    }
    t->cmin[node] = cm;
    if (b - a <= KILL_LEAF)
        return;
    size_t js = s_widest(lo, hi, d);
    /* median split on js */
    size_t m = a + (b - a) / 2;
    dse_select_by_value(t->tree, a, b, m, t->pt, d, js);
    s_kt_build(t, 2 * node, a, m);
    s_kt_build(t, 2 * node + 1, m, b);
}

/* A parent of least c other than p, of p's class, that is <= q on every
 * other value, below node [a, b): into *best, *bc (within *visits). */
static void s_kt_find(const s_killtree_t *t, size_t node, size_t a, size_t b, size_t p,
                      const double *q, size_t *best, double *bc, unsigned *visits)
{
    const size_t d = t->d;
    if (t->cmin[node] >= *bc || *visits == 0)
        return;
    --*visits;
    const double *lo = t->lo + node * d;
    for (size_t j = 0; j < d; j++)
        if (lo[j] > q[j])
            return;
    if (b - a <= KILL_LEAF) {
        for (size_t i = a; i < b; i++) {
            size_t k = t->tree[i];
            double c = t->steer[k * t->ns + t->jmax];
            if (k == p || !(c < *bc) || (t->cls && t->cls[k] != t->cls[p]))
                continue;
            const double *v = t->pt + k * d;
            size_t j = 0;
            while (j < d && v[j] <= q[j])
                j++;
            if (j == d) {
                *best = k;
                *bc = c;
            }
        }
        return;
    }
    size_t m = a + (b - a) / 2;
    if (t->cmin[2 * node + 1] < t->cmin[2 * node]) {
        s_kt_find(t, 2 * node + 1, m, b, p, q, best, bc, visits);
        s_kt_find(t, 2 * node, a, m, p, q, best, bc, visits);
    } else {
        s_kt_find(t, 2 * node, a, m, p, q, best, bc, visits);
        s_kt_find(t, 2 * node + 1, m, b, p, q, best, bc, visits);
    }
}

/* killer[p] and kill_c[p] for the n parents (steering values steer, n *
 * ns; MAX column jmax; classes cls or NULL). */
static void s_killers(s_killtree_t *tp, const double *steer, size_t n, size_t ns, size_t jmax,
                      const int64_t *cls, size_t *killer, double *kill_c)
{
    for (size_t p = 0; p < n; p++) {
        killer[p] = (size_t)-1;
        kill_c[p] = INFINITY;
    }
    const size_t d = ns - 1;
    if (n < 2 || d == 0 || d > 64)
        return;
    s_killtree_t *t = tp;
    t->n = n;
    t->d = d;
    t->steer = steer;
    t->ns = ns;
    t->jmax = jmax;
    t->cls = cls;
    size_t depth = 0;
    while ((n >> depth) > KILL_LEAF)
        depth++;
    size_t n_nodes = (size_t)2 << (depth + 1);
    t->pt = dse_xgrow(t->pt, sizeof *t->pt, n * d, &t->cap_pt);
    t->tree = dse_xgrow(t->tree, sizeof *t->tree, n, &t->cap_tree);
    t->lo = dse_xgrow(t->lo, sizeof *t->lo, n_nodes * d, &t->cap_lo);
    t->cmin = dse_xgrow(t->cmin, sizeof *t->cmin, n_nodes, &t->cap_cmin);
    for (size_t p = 0; p < n; p++) {
        double *v = t->pt + p * d;
        for (size_t i = 0, k = 0; i < ns; i++)
            if (i != jmax)
                v[k++] = steer[p * ns + i];
        t->tree[p] = p;
    }
    s_kt_build(t, 1, 0, n);
    for (size_t p = 0; p < n; p++) {
        size_t best = (size_t)-1;
        double bc = INFINITY;
        unsigned visits = KILL_VISITS;
        s_kt_find(t, 1, 0, n, p, t->pt + p * d, &best, &bc, &visits);
        if (best != (size_t)-1) {
            killer[p] = best;
            kill_c[p] = bc;
        }
    }
}

/* rest[l * N + j]: the least layers l+1 .. L-1 can add to metric j. */
static double *s_rest_new(const dse_compose_spec_t *spec)
{
    const size_t L = spec->n_layers, N = spec->n_net;
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
    return rest;
}

/* The metrics that steer, are budgeted or bounded, into need; returns
 * how many. */
static size_t s_need_init(const dse_compose_spec_t *spec, const s_steer_t *st, size_t *need)
{
    size_t n = 0;
    for (size_t j = 0; j < spec->n_net; j++) {
        int used = 0;
        for (size_t i = 0; i < st->n; i++)
            used |= st->col[i] == (int)j;
        for (size_t o = 0; o < spec->n_obj; o++)
            used |= spec->obj[o] == (int)j;
        for (size_t c = 0; c < spec->n_cons; c++)
            used |= spec->cons_metric[c] == (int)j;
        if (used)
            need[n++] = j;
    }
    return n;
}

/* The menus of one layer: per parent class, the rows a parent may join
 * (s_menu) with their death, their value on the MAX column (rc) and
 * their order by death (byd, latest first). */
typedef struct {
    size_t n, rows_n;
    int64_t *cls;
    size_t *off, *rows, *byd;
    double *death, *rc;
    size_t cls_cap, off_cap, rows_cap, byd_cap, death_cap, rc_cap;
} s_menus_t;

static void s_menus_free(s_menus_t *ms)
{
    free(ms->cls);
    free(ms->off);
    free(ms->rows);
    free(ms->byd);
    free(ms->death);
    free(ms->rc);
    memset(ms, 0, sizeof *ms);
}

/* The menu of parent class pc in layer f (built on first use); returns its
 * number. jmax: the MAX steering column (ns: none), read from row column
 * csrc; grp: s_menu's groups (NULL: one); vals: s_menu's scratch. */
static size_t s_menus_get(s_menus_t *ms, const dse_compose_spec_t *spec, const s_steer_t *st,
                          const dse_front_t *f, const size_t *ord, int has_pc, int64_t pc,
                          const int64_t *grp, size_t jmax, int csrc, double *vals)
{
    size_t menu = 0;
    while (menu < ms->n && ms->cls[menu] != pc)
        menu++;
    if (menu < ms->n)
        return menu;
    const size_t nrows = dse_front_size(f);
    ms->cls = dse_xgrow(ms->cls, sizeof *ms->cls, ms->n + 1, &ms->cls_cap);
    ms->off = dse_xgrow(ms->off, sizeof *ms->off, ms->n + 2, &ms->off_cap);
    ms->rows = dse_xgrow(ms->rows, sizeof *ms->rows, ms->rows_n + nrows + 1, &ms->rows_cap);
    ms->death = dse_xgrow(ms->death, sizeof *ms->death, ms->rows_n + nrows + 1, &ms->death_cap);
    ms->cls[ms->n] = pc;
    ms->off[ms->n] = ms->rows_n;
    const size_t off = ms->rows_n;
    ms->rows_n += s_menu(spec, st, f, ord, has_pc, pc, grp, jmax, ms->rows + off,
                         ms->death + off, vals);
    ms->off[ms->n + 1] = ms->rows_n;
    ms->rc = dse_xgrow(ms->rc, sizeof *ms->rc, ms->rows_n + 1, &ms->rc_cap);
    ms->byd = dse_xgrow(ms->byd, sizeof *ms->byd, ms->rows_n + 1, &ms->byd_cap);
    for (size_t q = off; q < ms->rows_n; q++) {
        ms->rc[q] = jmax < st->n ? dse_front_row(f, ms->rows[q])[csrc] : 0;
        ms->byd[q] = q;
    }
    qsort_r(ms->byd + off, ms->rows_n - off, sizeof *ms->byd, s_cmp_death, ms->death);
    return ms->n++;
}

/* 1 when (k, r) beats (p, r): the candidates of partials with aggregates
 * km (the killer k) and of p (its aggregates joined with row: tmp) are
 * compared on their exact steering values (under epsilon, their boxes:
 * what the filter compares); equal ones go to the one generated first. */
static int s_killer_beats(const dse_compose_spec_t *spec, const s_steer_t *st, const double *box,
                          const double *km, const double *row, const double *tmp, size_t k,
                          size_t p)
{
    /* (le is an "and" and lt an "or" over the columns: any order gives
     * the same answer, so the columns without boxes go first, and a box is
     * computed only for values that differ: equal values share theirs) */
    int le = 1, lt = 0;
    for (int boxed = 0; boxed <= (box != NULL); boxed++)
        for (size_t i = 0; i < st->n && le; i++) {
            if ((box && box[i] > 0) != boxed)
                continue;
            const int j = st->col[i];
            double a = st->sign[i] *
                       dse_agg_combine(spec->net_agg[j], km[j], row[spec->net_source[j]]);
            double b = st->sign[i] * tmp[j];
            if (boxed && a != b) {
                a = a > 0 ? floor(log(a) / box[i]) : -INFINITY;
                b = b > 0 ? floor(log(b) / box[i]) : -INFINITY;
            }
            le = a <= b;
            lt |= a < b;
        }
    return le && (lt || k < p);
}

/* 1 when a partial with aggregates tmp cannot meet a <= / < budget any
 * more, whatever the remaining layers add (at least rest_l). */
static int s_hopeless(const dse_compose_spec_t *spec, const double *rest_l, const double *tmp)
{
    for (size_t c = 0; c < spec->n_cons; c++) {
        dse_cmp_t cmp = spec->cons_cmp[c];
        if (cmp != DSE_CMP_LE && cmp != DSE_CMP_LT)
            continue;
        size_t j = (size_t)spec->cons_metric[c];
        double lb = dse_agg_combine(spec->net_agg[j], tmp[j], rest_l[j]);
        if (spec->net_agg[j] == DSE_AGG_MEAN)
            lb /= (double)spec->n_layers;
        double bound = spec->cons_bound[c];
        /* the bound sums in another order: only prune what is clearly out
         * of reach, rounding aside */
        if (lb > bound + 1e-9 * (fabs(bound) + fabs(lb)))
            return 1;
    }
    return 0;
}

/* Records a layer with more than one row for the forecast: partials kept
 * from nparts parents that made work candidates. */
static void s_growth_note(s_growth_t *gr, size_t partials, size_t nparts, uint64_t work)
{
    if (gr->n) {
        double g = (double)partials / (double)(nparts ? nparts : 1);
        gr->lg_prev = gr->lg_last;
        gr->lg_last = g > 1 ? log(g) : 0;
        gr->n_g++;
    }
    gr->a_last = (double)work / (double)(nparts ? nparts : 1);
    gr->n++;
}

/* DSE_ERANGE with the forecast when the layers after l (partials kept)
 * would pass the work limit by the margin; else 0. */
static int s_forecast_check(const dse_compose_spec_t *spec, const s_opts_t *opt,
                            const s_growth_t *gr, size_t ns, size_t l, size_t partials,
                            dse_error_t *err)
{
    double final = 0, g = 1;
    double rest_work = s_forecast(spec, gr, ns, l, (double)partials, &final, &g);
    if ((double)*opt->work + rest_work <= COMPOSE_FORECAST_MARGIN * (double)opt->max_work)
        return 0;
    return dse_error_set(err, DSE_ERANGE, NULL, 0, 0,
                         "compose: after layer %zu of %zu the partial fronts hold %zu networks "
                         "and would grow about %.1fx on the next layer with more than one row: "
                         "the remaining layers would cost about %.2g comparisons in the "
                         "dominance filter (%zu steering values: objectives and budgets) and "
                         "end near %.2g partial networks, beyond the limit of %.2g",
                         l + 1, spec->n_layers, partials, g, rest_work, ns, final,
                         (double)opt->max_work);
}

/* The final front of the partials after the last layer: final values;
 * among equal objectives the lowest tie key (= slot) wins. fin: scratch
 * of n_net. */
static dse_netfront_t *s_result(const dse_compose_spec_t *spec, const s_store_t *cur,
                                const s_trail_t *tr, double *fin, size_t *pos, uint64_t *pts)
{
    const size_t N = spec->n_net, L = spec->n_layers;
    dse_front_t *ff = dse_front_new(N, spec->n_obj, spec->obj);
    for (size_t i = 0; i < cur->n; i++) {
        memcpy(fin, cur->agg + i * N, N * sizeof *fin);
        s_finish(spec, fin);
        dse_front_push(ff, i, 0, 0, fin);
    }
    dse_front_filter(ff);
    dse_netfront_t *res = s_nf_new(N, L);
    for (size_t i = 0; i < dse_front_size(ff); i++) {
        size_t slot = (size_t)dse_front_index(ff, i);
        s_trail_get(tr, spec, cur->node[slot], L, pos, pts);
        s_nf_add(res, dse_front_row(ff, i), pos, pts);
    }
    dse_front_destroy(&ff);
    return res;
}

/* Counts layer l's candidates (work, from nparts partials and nrows rows)
 * into the work so far; DSE_ERANGE with the estimate when they would pass
 * the limit. */
static int s_work_check(const s_opts_t *opt, size_t l, size_t L, size_t nparts, size_t nrows,
                        size_t ns, uint64_t work, dse_error_t *err)
{
    const uint64_t cmp_per = s_cmp_per(ns, (double)nparts);
    if (opt->max_work &&
        (work > opt->max_work / cmp_per || *opt->work + work * cmp_per > opt->max_work))
        return dse_error_set(err, DSE_ERANGE, NULL, 0, 0,
                             "compose: layer %zu of %zu would join %zu partial networks with "
                             "%zu rows into %llu candidates, each costing about %llu "
                             "comparisons in the dominance filter (%zu steering values: "
                             "objectives and budgets): about %.2g in all, beyond the limit "
                             "of %.2g",
                             l + 1, L, nparts, nrows, (unsigned long long)work,
                             (unsigned long long)cmp_per, ns,
                             (double)*opt->work + (double)work * (double)cmp_per,
                             (double)opt->max_work);
    *opt->work += work * cmp_per;
    return 0;
}

/* The survivors of layer l's filter (cand) into next, in tie-key order,
 * with their aggregates recomputed as when they were generated (the same
 * operations, the same values), and their choices on the trail. perm:
 * room for the survivors; tmp, sv: scratch. */
static void s_keep(const dse_compose_spec_t *spec, const s_steer_t *st, size_t l,
                   const dse_front_t *cand, size_t *perm, const s_store_t *cur, s_store_t *next,
                   s_trail_t *tr, double *tmp, double *sv)
{
    const size_t N = spec->n_net, ns = st->n, m = dse_front_size(cand);
    const dse_front_t *f = spec->layers[l];
    for (size_t i = 0; i < m; i++)
        perm[i] = i;
    s_cand_order_t ord = {cand, ns};
    qsort_r(perm, m, sizeof *perm, s_cmp_cand, &ord);
    s_store_reset(next, m);
    for (size_t i = 0; i < m; i++) {
        const double *cr = dse_front_row(cand, perm[i]);
        size_t p = (size_t)cr[ns], r = (size_t)cr[ns + 1];
        const double *row = dse_front_row(f, r);
        const double *pm = l ? cur->agg + p * N : NULL;
        for (size_t j = 0; j < N; j++) {
            double v = row[spec->net_source[j]];
            tmp[j] = l ? dse_agg_combine(spec->net_agg[j], pm[j], v) : v;
        }
        const size_t node = s_trail_add(tr, l ? cur->node[p] : S_NO_UP, r);
        /* the steering values (cr holds boxes under epsilon) */
        s_steer_values(st, tmp, sv);
        s_store_add(next, tmp, sv, node, dse_front_cin(cand, perm[i]),
                    dse_front_index(cand, perm[i]));
    }
}

/* Memory the passes share: the partial networks, the candidates and the
 * killers' tree keep their capacity from one pass to the next instead of
 * faulting in fresh pages each time. */
struct s_ws {
    s_store_t a, b;
    dse_front_t *cand;
    s_killtree_t kt;
    s_trail_t trail;
    /* per layer: its menus, which depend on the layer and the parent
     * class alone, built once for every pass */
    s_menus_t *menus;
    size_t L;
};

static void s_ws_init(s_ws_t *ws, size_t N, size_t L, size_t ns)
{
    memset(ws, 0, sizeof *ws);
    ws->menus = dse_xcalloc(L ? L : 1, sizeof *ws->menus);
    ws->L = L;
    s_store_init(&ws->a, N, L, ns);
    s_store_init(&ws->b, N, L, ns);
}

static void s_ws_free(s_ws_t *ws)
{
    s_store_free(&ws->a);
    s_store_free(&ws->b);
    dse_front_destroy(&ws->cand);
    free(ws->kt.pt);
    free(ws->kt.tree);
    free(ws->kt.lo);
    free(ws->kt.cmin);
    free(ws->trail.up);
    free(ws->trail.row);
    for (size_t l = 0; l < ws->L; l++)
        s_menus_free(&ws->menus[l]);
    free(ws->menus);
    memset(ws, 0, sizeof *ws);
}

/* What s_dp's steps share: the spec and options, the scratch rows, the
 * menus and killers of the layer being composed, and the partial networks
 * (cur, from the layers before; next, those that layer keeps). */
typedef struct {
    const dse_compose_spec_t *spec;
    const s_opts_t *opt;
    size_t L, N, ns;
    int use_classes;
    s_layer_t *ly;
    double *rest;
    s_steer_t st;
    int *fcols;
    s_store_t cur, next;
    /* candidate rows: steering values, parent slot, layer row */
    dse_front_t *cand;
    double *crow, *tmp, *fin, *sv;
    size_t *pos;
    uint64_t *pts;
    double *lbv, *tolv;
    size_t hint;
    size_t *perm;
    size_t perm_cap;
    s_menus_t *ms; /* the layer's (in the workspace) */
    double *vals;
    size_t vals_cap;
    int64_t *grp;
    size_t grp_cap;
    /* a parent reads the prefix of its menu by death that it may join
     * instead of the whole menu; bits marks them, to generate in menu
     * order */
    uint64_t *bits;
    size_t bits_cap;
    /* the MAX steering column that absorbs row values (ns: none) */
    size_t jmax;
    size_t *need;
    size_t n_need;
    s_growth_t gr;
    unsigned kill_rest;
    size_t *killer, killer_cap;
    double *kill_c;
    size_t kill_c_cap;
    /* the layer being composed */
    size_t l, nrows, nparts;
    int last, has_pc, grouped, use_kill, csrc;
    /* the layer's epsilon boxes (NULL: exact) */
    const double *box;
    const dse_front_t *f;
    size_t next_filter;
    uint64_t gen, work, work_all;
} s_dp_t;

/* How generating a candidate ended. */
typedef enum { S_TRY_NEXT, S_TRY_TOO_MANY, S_TRY_STOPPED } s_try_t;

static void s_dp_setup(s_dp_t *d, const dse_compose_spec_t *spec, const s_opts_t *opt)
{
    memset(d, 0, sizeof *d);
    d->spec = spec;
    d->opt = opt;
    const size_t L = d->L = spec->n_layers, N = d->N = spec->n_net;
    d->use_classes = spec->compatible != NULL;

    d->ly = dse_xcalloc(L, sizeof *d->ly);
    for (size_t l = 0; l < L; l++)
        s_layer_init(&d->ly[l], spec->layers[l]);

    d->rest = s_rest_new(spec);

    s_steer_init(&d->st, spec);
    const size_t ns = d->ns = d->st.n;
    d->fcols = dse_xmalloc(ns * sizeof *d->fcols);
    for (size_t i = 0; i < ns; i++)
        d->fcols[i] = (int)i;

    d->cur = opt->ws->a;
    d->next = opt->ws->b;
    d->cur.n = d->next.n = 0;
    d->cand = opt->ws->cand ? opt->ws->cand : dse_front_new(ns + 2, ns, d->fcols);
    opt->ws->cand = NULL;
    d->crow = dse_xmalloc((ns + 2) * sizeof *d->crow);
    d->tmp = dse_xmalloc((N ? N : 1) * sizeof *d->tmp);
    d->fin = dse_xmalloc((N ? N : 1) * sizeof *d->fin);
    d->sv = dse_xmalloc((ns ? ns : 1) * sizeof *d->sv);
    d->pos = dse_xmalloc(L * sizeof *d->pos);
    d->pts = dse_xmalloc(L * sizeof *d->pts);
    d->lbv = dse_xmalloc(spec->n_obj * sizeof *d->lbv);
    d->tolv = dse_xmalloc(spec->n_obj * sizeof *d->tolv);
    d->jmax = ns;
    for (size_t i = 0; i < ns && d->jmax == ns; i++)
        if (spec->net_agg[d->st.col[i]] == DSE_AGG_MAX && d->st.sign[i] > 0)
            d->jmax = i;
    d->need = dse_xmalloc((N ? N : 1) * sizeof *d->need);
    d->n_need = s_need_init(spec, &d->st, d->need);
}

/* A pass that goes on from where pass 1 stopped: its partials are what
 * this pass would have kept after that layer, less those that the known
 * networks beat (dropping them here instead of before the filter keeps the
 * same set, as in s_dp_try). Returns the first layer to compose. */
static size_t s_dp_load_handoff(s_dp_t *d)
{
    const s_opts_t *opt = d->opt;
    const size_t N = d->N, L = d->L, ns = d->ns;
    size_t l0 = 0;
    if (!opt->soft_front && opt->handoff && opt->handoff->L) {
        const s_store_t *h = opt->handoff;
        l0 = *opt->handoff_layer + 1;
        assert(l0 < L);
        for (size_t i = 0; i < h->n; i++) {
            const double *agg = h->agg + i * N;
            if (opt->inc &&
                s_bound_beaten(d->spec, opt, d->rest + (l0 - 1) * N, agg, d->lbv, d->tolv,
                               &d->hint))
                continue;
            s_store_add(&d->cur, agg, h->steer + i * ns, h->node[i], h->cls[i], h->gen[i]);
        }
    }
    return l0;
}

/* Layer l's state before its sweeps: the row groups, empty menus and
 * candidates, and the parents' killers. */
static void s_dp_layer_prep(s_dp_t *d, size_t l)
{
    const dse_compose_spec_t *spec = d->spec;
    const size_t ns = d->ns;
    d->l = l;
    d->last = l + 1 == d->L;
    /* the quick pass filters its last layer exactly: its networks, the
     * bounds of pass 3, lose nothing there */
    d->box = d->opt->pass == 2 && d->last ? NULL : d->opt->box;
    d->f = spec->layers[l];
    const size_t nrows = d->nrows = dse_front_size(d->f);
    dse_front_clear(d->cand);
    /* Filtering in batches gives the same set as filtering once (the
     * front of a union is the front of the union of fronts); batches
     * of 8 times the survivors keep the re-sweeping of survivors cheap
     * (each filter sweeps them again: 8 beat 4 by about 5% on CNV). */
    d->next_filter = 4096;
    d->gen = 0;
    /* Parents in tie-key order, rows by point index: the generation
     * number orders candidates by their tie key. */
    d->nparts = l == 0 ? 1 : d->cur.n;
    d->grp = dse_xgrow(d->grp, sizeof *d->grp, nrows + 1, &d->grp_cap);
    if (d->use_classes && !d->last)
        s_groups(spec, d->f, spec->layers[l + 1], d->grp);
    /* one menu of rows per parent class */
    d->has_pc = l && d->use_classes;
    d->grouped = d->use_classes && !d->last;
    d->ms = &d->opt->ws->menus[l];
    d->vals = dse_xgrow(d->vals, sizeof *d->vals, (nrows + 1) * (ns ? ns : 1), &d->vals_cap);
    /* Parents that a slower one replaces. Finding the killers costs a
     * tree query per parent: where they took less than an eighth of
     * a layer's candidates, the next KILL_REST layers of more than
     * one row go without (then they are tried again). */
    d->use_kill = l && d->jmax < ns && nrows > 1 && !d->kill_rest;
    d->kill_rest -= d->kill_rest > 0 && nrows > 1;
    if (d->use_kill) {
        d->killer = dse_xgrow(d->killer, sizeof *d->killer, d->cur.n + 1, &d->killer_cap);
        d->kill_c = dse_xgrow(d->kill_c, sizeof *d->kill_c, d->cur.n + 1, &d->kill_c_cap);
        s_killers(&d->opt->ws->kt, d->cur.steer, d->cur.n, ns, d->jmax,
                  d->has_pc ? d->cur.cls : NULL, d->killer, d->kill_c);
    }
    d->csrc = d->jmax < ns ? spec->net_source[d->st.col[d->jmax]] : 0;
    d->bits = dse_xgrow(d->bits, sizeof *d->bits, nrows / 64 + 2, &d->bits_cap);
    memset(d->bits, 0, (nrows / 64 + 2) * sizeof *d->bits);
    d->work = d->work_all = 0;
}

/* The menu parent p joins: menu (that of parent p - 1) unless p is the
 * first or its class differs. */
static size_t s_dp_menu(s_dp_t *d, size_t p, size_t menu)
{
    const int64_t pc = d->has_pc ? d->cur.cls[p] : 0;
    if (p == 0 || (d->has_pc && d->ms->cls[menu] != pc))
        menu = s_menus_get(d->ms, d->spec, &d->st, d->f, d->ly[d->l].ord, d->has_pc, pc,
                           d->grouped ? d->grp : NULL, d->l ? d->jmax : d->ns, d->csrc,
                           d->vals);
    return menu;
}

/* Sweep 0: builds the menus and counts the candidates the layer will try
 * (work: without those the parents' killers take); a layer beyond the
 * work limit is refused before it starts. */
static int s_dp_count(s_dp_t *d, dse_error_t *err)
{
    const size_t l = d->l, ns = d->ns;
    size_t menu = 0;
    for (size_t p = 0; p < d->nparts; p++) {
        menu = s_dp_menu(d, p, menu);
        const double pj = l && d->jmax < ns ? d->cur.steer[p * ns + d->jmax] : -INFINITY;
        const double kc = d->use_kill ? d->kill_c[p] : INFINITY;
        /* the entries p joins: those not dead for p (death > pj); the
         * estimate leaves out those p's killer takes (rc >= kc, checked
         * exactly in s_dp_try) */
        const size_t m0 = d->ms->off[menu], m1 = d->ms->off[menu + 1];
        for (size_t i = m0; i < m1 && pj < d->ms->death[d->ms->byd[i]]; i++) {
            d->work += !(d->ms->rc[d->ms->byd[i]] >= kc);
            d->work_all++;
        }
    }
    return s_work_check(d->opt, l, d->L, d->nparts, d->nrows, ns, d->work, err);
}

/* Parent p (aggregates pm, killer's cut kc) joined with layer row r: the
 * candidate goes into the filter unless a test shows it cannot be on the
 * front; the filter runs when a batch is full. */
static s_try_t s_dp_try(s_dp_t *d, size_t p, size_t r, const double *pm, double kc)
{
    const dse_compose_spec_t *spec = d->spec;
    const s_opts_t *opt = d->opt;
    const size_t l = d->l, N = d->N, ns = d->ns;
    const int last = d->last;
    double *tmp = d->tmp, *sv = d->sv, *crow = d->crow;
    const double *row = dse_front_row(d->f, r);
    /* the metrics the tests below read (all of them at the last layer:
     * s_finish); survivors get theirs again */
    const size_t nu = last ? N : d->n_need;
    for (size_t u = 0; u < nu; u++) {
        const size_t j = last ? u : d->need[u];
        double v = row[spec->net_source[j]];
        tmp[j] = l ? dse_agg_combine(spec->net_agg[j], pm[j], v) : v;
    }
    /* (killer[p], r) beats (p, r): skip it */
    if (row[d->csrc] >= kc &&
        s_killer_beats(spec, &d->st, d->box, d->cur.agg + d->killer[p] * N, row, tmp, d->killer[p],
                       p))
        return S_TRY_NEXT;
    if (last) {
        memcpy(d->fin, tmp, N * sizeof *d->fin);
        if (!s_finish(spec, d->fin))
            return S_TRY_NEXT;
    } else if (s_hopeless(spec, d->rest + l * N, tmp)) {
        return S_TRY_NEXT;
    }
    if (!s_steer_values(&d->st, tmp, sv))
        return S_TRY_NEXT;
    /* A candidate that a known network beats whatever its completion goes
     * before the filter: every candidate it would evict there is beaten
     * too (the bound is monotone in the aggregates), so the survivors are
     * the same as when it is dropped after the filter, for less work. */
    if (opt->inc && !last &&
        s_bound_beaten(spec, opt, d->rest + l * N, tmp, d->lbv, d->tolv, &d->hint))
        return S_TRY_NEXT;
    int64_t group = last || !d->use_classes ? 0 : d->grp[r];
    memcpy(crow, sv, ns * sizeof *crow);
    if (d->box)
        for (size_t i = 0; i < ns; i++)
            if (d->box[i] > 0)
                crow[i] = sv[i] > 0 ? floor(log(sv[i]) / d->box[i]) : -INFINITY;
    crow[ns] = (double)p;
    crow[ns + 1] = (double)r;
    dse_front_push(d->cand, d->gen, group, 0, crow);
    d->gen++;
    if (dse_front_size(d->cand) >= d->next_filter) {
        dse_front_filter(d->cand);
        size_t m = dse_front_size(d->cand);
        if (opt->max_front && m > opt->max_front)
            return S_TRY_TOO_MANY;
        if (spec->stop && *spec->stop)
            return S_TRY_STOPPED;
        d->next_filter = 8 * m > d->next_filter ? 8 * m : d->next_filter;
    }
    return S_TRY_NEXT;
}

/* Sweep 1: every parent joined with the rows of its menu that are not
 * dead for it, in menu order. */
static s_try_t s_dp_generate(s_dp_t *d)
{
    const size_t l = d->l, N = d->N, ns = d->ns;
    s_menus_t *ms = d->ms;
    uint64_t *bits = d->bits;
    size_t menu = 0;
    for (size_t p = 0; p < d->nparts; p++) {
        const double *pm = l ? d->cur.agg + p * N : NULL;
        menu = s_dp_menu(d, p, menu);
        const double pj = l && d->jmax < ns ? d->cur.steer[p * ns + d->jmax] : -INFINITY;
        const double kc = d->use_kill ? d->kill_c[p] : INFINITY;
        const size_t m0 = ms->off[menu], m1 = ms->off[menu + 1];
        const size_t nw = (m1 - m0 + 63) / 64;
        for (size_t i = m0; i < m1 && pj < ms->death[ms->byd[i]]; i++) {
            const size_t q = ms->byd[i];
            bits[(q - m0) / 64] |= (uint64_t)1 << ((q - m0) % 64);
        }
        for (size_t w = 0; w < nw; w++)
            for (uint64_t bw = bits[w]; bw; bw &= bw - 1) {
                const size_t q = m0 + 64 * w + (size_t)__builtin_ctzll(bw);
                const s_try_t t = s_dp_try(d, p, ms->rows[q], pm, kc);
                if (t != S_TRY_NEXT)
                    return t;
            }
        memset(bits, 0, nw * sizeof *bits);
    }
    return S_TRY_NEXT;
}

static int s_dp_too_many(const s_opts_t *opt, dse_error_t *err)
{
    return dse_error_set(err, DSE_ERANGE, NULL, 0, 0, "compose: more than %zu partial networks",
                         opt->max_front);
}

/* After layer l's sweeps: the survivors kept in next, or handed off when
 * the soft limit is passed (returns 1), the growth and forecast checks
 * (negative: refused), the progress line, then next becomes cur. */
static int s_dp_layer_end(s_dp_t *d, dse_error_t *err)
{
    const dse_compose_spec_t *spec = d->spec;
    const s_opts_t *opt = d->opt;
    const size_t l = d->l;
    int ret;
    dse_front_filter(d->cand);
    const size_t m = dse_front_size(d->cand);
    if (opt->max_front && m > opt->max_front)
        return s_dp_too_many(opt, err);
    d->perm = dse_xgrow(d->perm, sizeof *d->perm, m + 1, &d->perm_cap);
    s_keep(spec, &d->st, l, d->cand, d->perm, &d->cur, &d->next, &opt->ws->trail, d->tmp, d->sv);
    if (opt->peak && d->next.n > *opt->peak)
        *opt->peak = d->next.n;
    if (opt->soft_front && !d->last && d->next.n > opt->soft_front) {
        if (opt->handoff) {
            s_store_t t = *opt->handoff;
            *opt->handoff = d->next;
            d->next = t;
            *opt->handoff_layer = l;
        }
        return 1;
    }
    if (d->use_kill && 8 * (d->work_all - d->work) < d->work_all)
        d->kill_rest = KILL_REST;
    if (d->nrows > 1)
        s_growth_note(&d->gr, d->next.n, d->nparts, d->work);
    /* (not in the quick pass: it may fail, leaving no known networks) */
    if (!d->last && opt->max_work && !opt->soft_front && opt->pass != 2 && d->gr.n_g &&
        (ret = s_forecast_check(spec, opt, &d->gr, d->ns, l, d->next.n, err)))
        return ret;
    if (spec->progress)
        spec->progress(spec->progress_arg, opt->pass, l, d->L, d->next.n);
    s_store_t t = d->cur;
    d->cur = d->next;
    d->next = t;
    return 0;
}

/* Frees the scratch and gives the stores and the candidates back to the
 * workspace, whose capacity the next pass reuses. */
static void s_dp_teardown(s_dp_t *d)
{
    const s_opts_t *opt = d->opt;
    free(d->perm);
    free(d->bits);
    free(d->grp);
    free(d->vals);
    free(d->tmp);
    free(d->fin);
    free(d->sv);
    free(d->pos);
    free(d->pts);
    free(d->lbv);
    free(d->tolv);
    free(d->killer);
    free(d->kill_c);
    free(d->need);
    /* (a store handed off in exchange for an empty one gets its shape) */
    if (!d->next.N)
        s_store_init(&d->next, d->N, d->L, d->ns);
    opt->ws->a = d->cur;
    opt->ws->b = d->next;
    dse_front_clear(d->cand);
    opt->ws->cand = d->cand;
    free(d->crow);
    free(d->fcols);
    s_steer_free(&d->st);
    free(d->rest);
    for (size_t l = 0; l < d->L; l++)
        free(d->ly[l].ord);
    free(d->ly);
}

/* One pass of the composition, layer by layer: each layer's candidates
 * (every kept partial network joined with the rows of its menu) go
 * through the tests and the dominance filter, and the survivors are the
 * partial networks of the next layer. Returns 0 with the network front in
 * *out, 1 when the soft limit handed the partials off, or a negative
 * DSE_E code. */
static int s_dp(const dse_compose_spec_t *spec, const s_opts_t *opt, dse_netfront_t **out,
                dse_error_t *err)
{
    *out = NULL;
    int ret = 0;
    s_dp_t d;
    s_dp_setup(&d, spec, opt);
    for (size_t l = s_dp_load_handoff(&d); l < d.L; l++) {
        s_dp_layer_prep(&d, l);
        if ((ret = s_dp_count(&d, err)))
            goto out;
        const s_try_t t = s_dp_generate(&d);
        if (t == S_TRY_TOO_MANY) {
            ret = s_dp_too_many(opt, err);
            goto out;
        }
        if (t == S_TRY_STOPPED) {
            ret = dse_error_set(err, DSE_EINTR, NULL, 0, 0, "compose: interrupted");
            goto out;
        }
        if ((ret = s_dp_layer_end(&d, err)))
            goto out;
    }
    *out = s_result(spec, &d.cur, &opt->ws->trail, d.fin, d.pos, d.pts);
out:
    s_dp_teardown(&d);
    return ret;
}

/* Steering columns that take epsilon boxes of ratio 1 + delta: the
 * objectives (sign +1) without an == budget whose per-layer values are all
 * >= 0, so that every aggregate is. Fills box (log(1 + delta) or 0 = exact); returns how many. */
static size_t s_boxes(const dse_compose_spec_t *spec, const s_steer_t *st, double delta,
                      double *box)
{
    size_t n = 0;
    for (size_t i = 0; i < st->n; i++) {
        box[i] = 0;
        int is_obj = 0, eq = 0;
        for (size_t o = 0; o < spec->n_obj; o++)
            is_obj |= spec->obj[o] == st->col[i];
        /* (an == budget needs the exact value: a box could cover its
         * point with one that misses it) */
        for (size_t c = 0; c < spec->n_cons; c++)
            eq |= spec->cons_metric[c] == st->col[i] && spec->cons_cmp[c] == DSE_CMP_EQ;
        if (!is_obj || eq || st->sign[i] < 0)
            continue;
        int nonneg = 1;
        for (size_t l = 0; l < spec->n_layers && nonneg; l++) {
            const dse_front_t *f = spec->layers[l];
            for (size_t r = 0; r < dse_front_size(f) && nonneg; r++)
                nonneg = dse_front_row(f, r)[spec->net_source[st->col[i]]] >= 0;
        }
        if (nonneg) {
            box[i] = log1p(delta);
            n++;
        }
    }
    return n;
}

int dse_compose(const dse_compose_spec_t *spec, dse_netfront_t **out, dse_error_t *err)
{
    *out = NULL;
    int ret = s_check_spec(spec, err);
    if (ret)
        return ret;
    if (!(spec->epsilon >= 0) || !isfinite(spec->epsilon))
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                             "compose: epsilon must be a finite number >= 0");
    const size_t L = spec->n_layers, n_obj = spec->n_obj;
    s_steer_t st;
    s_steer_init(&st, spec);
    double *box = dse_xmalloc((st.n ? st.n : 1) * sizeof *box);
    uint64_t work = 0;
    s_inc_t *known = NULL;
    s_store_t handoff;
    size_t handoff_layer = 0;
    memset(&handoff, 0, sizeof handoff);
    s_ws_t ws;
    s_ws_init(&ws, spec->n_net, L, st.n);
    s_opts_t opt = {.max_front = spec->max_front,
                    .ws = &ws,
                    .max_work = spec->max_work ? spec->max_work : DSE_COMPOSE_MAX_WORK,
                    .work = &work,
                    .pass = 1};
    if (spec->epsilon > 0) {
        /* every layer's filter may lose a factor (1 + delta) on a boxed
         * column; L of them compound to (1 + epsilon) */
        double delta = pow(1 + spec->epsilon, 1.0 / (double)L) - 1;
        if (s_boxes(spec, &st, delta, box) == 0)
            opt.box = NULL;
        else
            opt.box = box;
        ret = s_dp(spec, &opt, out, err);
        goto done;
    }
    /* Bounds pay where a budget on a metric that is not an objective
     * steers: the partial fronts then hold many networks that end up
     * infeasible or off the front (CNV: 150,000 partials for a front of
     * 5,709). Without such a column the partial fronts are about the
     * network front, and the extra passes would cost more than they save. */
    int budget_only = 0;
    for (size_t i = 0; i < st.n; i++) {
        int is_obj = 0;
        for (size_t o = 0; o < spec->n_obj; o++)
            is_obj |= spec->obj[o] == st.col[i] && st.sign[i] > 0;
        budget_only |= !is_obj;
    }
    if (!spec->no_bounds && (budget_only || spec->bounds_after)) {
        /* Small compositions run as they are. Past COMPOSE_SOFT partials
         * after a layer, a quick pass with coarse boxes on every objective
         * finds complete feasible networks near the front, and the exact
         * pass starts again, dropping the partials that one of them beats
         * whatever their completion. */
        s_opts_t first = opt;
        first.soft_front = spec->bounds_after ? spec->bounds_after : COMPOSE_SOFT;
        first.pass = 1;
        first.handoff = &handoff;
        first.handoff_layer = &handoff_layer;
        ret = s_dp(spec, &first, out, err);
        if (ret <= 0)
            goto done;
        /* pass 3 goes on from the partials pass 1 kept */
        opt.handoff = &handoff;
        opt.handoff_layer = &handoff_layer;
        s_opts_t pre = {.max_front = 4 * COMPOSE_SOFT + 4 * first.soft_front,
                        .ws = &ws,
                        .max_work = opt.max_work / 4,
                        .work = &work,
                        .pass = 2};
        opt.pass = 3;
        dse_netfront_t *nf = NULL;
        dse_error_t perr = DSE_ERROR_INIT;
        if (s_boxes(spec, &st, COMPOSE_PRE_DELTA, box)) {
            pre.box = box;
            if (s_dp(spec, &pre, &nf, &perr) == 0 && dse_netfront_size(nf)) {
                size_t n = dse_netfront_size(nf);
                double *inc = dse_xmalloc(n * n_obj * sizeof *inc);
                for (size_t i = 0; i < n; i++)
                    for (size_t o = 0; o < n_obj; o++)
                        inc[i * n_obj + o] = dse_netfront_metrics(nf, i)[spec->obj[o]];
                known = s_inc_new(inc, n, n_obj);
                opt.inc = known;
                free(inc);
            }
            dse_netfront_destroy(&nf);
        }
    }
    ret = s_dp(spec, &opt, out, err);
done:
    if (ret == DSE_ERANGE && err) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        dse_error_set(err, DSE_ERANGE, NULL, 0, 0,
                      "%s; this front is out of reach: drop an objective or a budget, or "
                      "%s", why, spec->epsilon > 0 ? "take a larger [search] epsilon"
                                                   : "accept an approximate front with [search] "
                                                     "epsilon (summary.json reports its bound; "
                                                     "larger values prune more)");
    }
    s_inc_destroy(&known);
    s_store_free(&handoff);
    s_ws_free(&ws);
    free(box);
    s_steer_free(&st);
    return ret;
}

/* ---- the reference ---- */

typedef struct {
    size_t L, ns;
    const double *key; /* per combination: S_{L-1}, ..., S_0 (L * ns), then... */
    const uint64_t *pts;
} s_brute_ctx_t;

static int s_cmp_brute(const void *pa, const void *pb, void *arg)
{
    const s_brute_ctx_t *c = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int r = s_cmp_vec(c->key + a * c->L * c->ns, c->key + b * c->L * c->ns, c->L * c->ns);
    if (r)
        return r;
    const uint64_t *p = c->pts + a * c->L, *q = c->pts + b * c->L;
    for (size_t l = 0; l < c->L; l++)
        if (p[l] != q[l])
            return p[l] < q[l] ? -1 : 1;
    return 0;
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
    s_steer_t st;
    s_steer_init(&st, spec);
    const size_t ns = st.n;
    /* Every feasible combination with its final values, its tie key
     * (steering values after layer L-1, L-2, ..., 0) and its choices. */
    size_t n = 0, cap = 0;
    double *fin = NULL, *key = NULL;
    size_t *pos = NULL;
    uint64_t *pts = NULL;
    size_t *digit = dse_xcalloc(L, sizeof *digit);
    double *acc = dse_xmalloc((N ? N : 1) * sizeof *acc);
    double *m = dse_xmalloc((N ? N : 1) * sizeof *m);
    double *kv = dse_xmalloc((L * ns + 1) * sizeof *kv);
    for (size_t c = 0; c < total; c++) {
        size_t t = c;
        for (size_t l = L; l-- > 0;) {
            size_t nl = dse_front_size(spec->layers[l]);
            digit[l] = t % nl;
            t /= nl;
        }
        int ok = 1;
        for (size_t l = 0; l + 1 < L && ok && spec->compatible; l++)
            ok = spec->compatible(spec->compatible_arg, dse_front_cout(spec->layers[l], digit[l]),
                                  dse_front_cin(spec->layers[l + 1], digit[l + 1]));
        if (!ok)
            continue;
        for (size_t l = 0; l < L; l++) {
            const double *row = dse_front_row(spec->layers[l], digit[l]);
            for (size_t j = 0; j < N; j++) {
                double v = row[spec->net_source[j]];
                acc[j] = l ? dse_agg_combine(spec->net_agg[j], acc[j], v) : v;
            }
            for (size_t i = 0; i < ns; i++)
                kv[(L - 1 - l) * ns + i] = st.sign[i] * acc[st.col[i]];
        }
        memcpy(m, acc, N * sizeof *m);
        if (!s_finish(spec, m))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            fin = dse_xrealloc(fin, cap * (N ? N : 1) * sizeof *fin);
            key = dse_xrealloc(key, cap * (L * ns + 1) * sizeof *key);
            pos = dse_xrealloc(pos, cap * L * sizeof *pos);
            pts = dse_xrealloc(pts, cap * L * sizeof *pts);
        }
        memcpy(fin + n * N, m, N * sizeof *m);
        memcpy(key + n * L * ns, kv, L * ns * sizeof *kv);
        for (size_t l = 0; l < L; l++) {
            pos[n * L + l] = digit[l];
            pts[n * L + l] = dse_front_index(spec->layers[l], digit[l]);
        }
        n++;
    }
    size_t *perm = dse_xmalloc((n ? n : 1) * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    s_brute_ctx_t ctx = {L, ns, key, pts};
    qsort_r(perm, n, sizeof *perm, s_cmp_brute, &ctx);
    /* the rank in tie-key order is the index: a Pareto front keeps the lowest */
    dse_front_t *front = dse_front_new(N, spec->n_obj, spec->obj);
    for (size_t i = 0; i < n; i++)
        dse_front_push(front, i, 0, 0, fin + perm[i] * N);
    dse_front_filter(front);
    dse_netfront_t *res = s_nf_new(N, L);
    for (size_t i = 0; i < dse_front_size(front); i++) {
        size_t c = perm[dse_front_index(front, i)];
        s_nf_add(res, dse_front_row(front, i), pos + c * L, pts + c * L);
    }
    dse_front_destroy(&front);
    free(perm);
    free(fin);
    free(key);
    free(pos);
    free(pts);
    free(digit);
    free(acc);
    free(m);
    free(kv);
    s_steer_free(&st);
    *out = res;
    return 0;
}
