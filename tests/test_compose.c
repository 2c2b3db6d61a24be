/* test_compose.c - the network front against brute force over the joint
 * space of small random layer spaces (dse_compose_brute on the unfiltered
 * spaces) and over the combinations of the layer fronts. */
#include "core/pareto.h"
#include "core/util.h"
#include "search/compose.h"
#include "tests/test.h"

#include <math.h>
#include <stdlib.h>

static uint64_t s_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define W 4

static const int64_t s_classes[] = {1, 2, 3, 4, 6};

/* Compatible when one class divides the other (FINN stream widths). */
static int s_divides(const void *arg, int64_t prev_out, int64_t next_in)
{
    (void)arg;
    return prev_out % next_in == 0 || next_in % prev_out == 0;
}

/* Compatible when both or neither class is a multiple of 3: out classes
 * {1, 2, 4} and {3, 6} are alike for every next layer (one front each). */
static int s_mod3(const void *arg, int64_t prev_out, int64_t next_in)
{
    (void)arg;
    return (prev_out % 3 == 0) == (next_in % 3 == 0);
}

static int (*const s_compat[3])(const void *, int64_t, int64_t) = {NULL, s_divides, s_mod3};

/* A layer space: every point of the layer (unfiltered), point index = row. */
static dse_front_t *s_space(uint64_t *rng, size_t n, int integer, int classes)
{
    int obj[1] = {0};
    dse_front_t *f = dse_front_new(W, 1, obj);
    for (size_t i = 0; i < n; i++) {
        double r[W];
        for (size_t j = 0; j < W; j++)
            r[j] = integer ? (double)(s_rng(rng) % 5) : (double)(s_rng(rng) % 10000) / 97.0;
        int64_t cin = classes ? s_classes[s_rng(rng) % 5] : 0;
        int64_t cout = classes ? s_classes[s_rng(rng) % 5] : 0;
        dse_front_push(f, i * 3 + 1, cin, cout, r);
    }
    return f;
}

/* The layer front of a space on the given columns (per class pair). */
static dse_front_t *s_layer_front(const dse_front_t *space, size_t k, const int *cols)
{
    dse_front_t *f = dse_front_new(W, k, cols);
    for (size_t i = 0; i < dse_front_size(space); i++)
        dse_front_push(f, dse_front_index(space, i), dse_front_cin(space, i),
                       dse_front_cout(space, i), dse_front_row(space, i));
    dse_front_filter(f);
    return f;
}

static int s_same_exact(const dse_netfront_t *a, const dse_netfront_t *b, int check_pos)
{
    if (dse_netfront_size(a) != dse_netfront_size(b))
        return 0;
    size_t nn = dse_netfront_n_net(a), nl = dse_netfront_n_layers(a);
    for (size_t i = 0; i < dse_netfront_size(a); i++) {
        if (memcmp(dse_netfront_metrics(a, i), dse_netfront_metrics(b, i), nn * sizeof(double)))
            return 0;
        if (memcmp(dse_netfront_points(a, i), dse_netfront_points(b, i), nl * sizeof(uint64_t)))
            return 0;
        if (check_pos &&
            memcmp(dse_netfront_choice(a, i), dse_netfront_choice(b, i), nl * sizeof(size_t)))
            return 0;
    }
    return 1;
}

/* Same objective vectors (both are sorted by objectives first). */
static int s_same_objectives(const dse_netfront_t *a, const dse_netfront_t *b, size_t n_obj,
                             const int *obj)
{
    if (dse_netfront_size(a) != dse_netfront_size(b))
        return 0;
    for (size_t i = 0; i < dse_netfront_size(a); i++)
        for (size_t o = 0; o < n_obj; o++)
            if (dse_netfront_metrics(a, i)[obj[o]] != dse_netfront_metrics(b, i)[obj[o]])
                return 0;
    return 1;
}

/* Every row holds the values of its choices, meets the constraints and
 * joins compatible classes. */
static int s_consistent(const dse_compose_spec_t *s, const dse_netfront_t *nf)
{
    for (size_t i = 0; i < dse_netfront_size(nf); i++) {
        const size_t *c = dse_netfront_choice(nf, i);
        const double *m = dse_netfront_metrics(nf, i);
        for (size_t l = 0; l < s->n_layers; l++) {
            if (dse_netfront_points(nf, i)[l] != dse_front_index(s->layers[l], c[l]))
                return 0;
            if (l + 1 < s->n_layers && s->compatible &&
                !s->compatible(NULL, dse_front_cout(s->layers[l], c[l]),
                               dse_front_cin(s->layers[l + 1], c[l + 1])))
                return 0;
        }
        for (size_t j = 0; j < s->n_net; j++) {
            double v = dse_front_row(s->layers[0], c[0])[s->net_source[j]];
            for (size_t l = 1; l < s->n_layers; l++) {
                double x = dse_front_row(s->layers[l], c[l])[s->net_source[j]];
                v = s->net_agg[j] == DSE_AGG_MAX ? (x > v ? x : v) : v + x;
            }
            if (s->net_agg[j] == DSE_AGG_MEAN)
                v /= (double)s->n_layers;
            if (v != m[j])
                return 0;
        }
        for (size_t k = 0; k < s->n_cons; k++) {
            double v = m[s->cons_metric[k]], b = s->cons_bound[k];
            int ok = 1;
            switch (s->cons_cmp[k]) {
            case DSE_CMP_LE: ok = v <= b; break;
            case DSE_CMP_LT: ok = v < b; break;
            case DSE_CMP_GE: ok = v >= b; break;
            case DSE_CMP_GT: ok = v > b; break;
            case DSE_CMP_EQ: ok = v == b; break;
            }
            if (!ok)
                return 0;
        }
    }
    return 1;
}

/* network metrics: SUM c0, MAX c1, MEAN c2, SUM c3, MAX c3 */
static const int s_src[5] = {0, 1, 2, 3, 3};
static const dse_agg_t s_agg[5] = {DSE_AGG_SUM, DSE_AGG_MAX, DSE_AGG_MEAN, DSE_AGG_SUM,
                                   DSE_AGG_MAX};

typedef struct {
    size_t n_obj;
    int obj[5];
    size_t n_cons;
    int cons_metric[2];
    dse_cmp_t cons_cmp[2];
    double cons_bound[2]; /* per layer; scaled by the layer count for SUM */
    int joint_exact;      /* only <= / < constraints: compare with the joint space */
} s_case_t;

static const s_case_t s_cases[] = {
    {2, {0, 1}, 0, {0}, {0}, {0}, 1},
    {3, {0, 1, 2}, 0, {0}, {0}, {0}, 1},
    {1, {1}, 0, {0}, {0}, {0}, 1},
    {2, {2, 0}, 1, {3}, {DSE_CMP_LE}, {2.0}, 1},
    {2, {1, 3}, 2, {4, 0}, {DSE_CMP_LT, DSE_CMP_LE}, {3.5, 2.5}, 1},
    {1, {0}, 1, {2}, {DSE_CMP_LE}, {2.0}, 1},
    {2, {0, 4}, 1, {2}, {DSE_CMP_GE}, {1.5}, 0},
    {2, {1, 2}, 1, {3}, {DSE_CMP_GT}, {1.0}, 0},
    /* MAX with several SUMs: four steering values */
    {4, {1, 0, 3, 2}, 0, {0}, {0}, {0}, 1},
    /* budgets on objectives (one steering column each) */
    {3, {1, 0, 3}, 2, {0, 3}, {DSE_CMP_LE, DSE_CMP_LE}, {2.5, 2.0}, 1},
    {4, {1, 0, 3, 2}, 2, {0, 1}, {DSE_CMP_LE, DSE_CMP_LT}, {2.5, 3.0}, 1},
    /* == steers both ways */
    {3, {4, 0, 3}, 1, {2}, {DSE_CMP_EQ}, {2.0}, 0},
    /* five objectives, with and without budgets */
    {5, {1, 0, 3, 2, 4}, 0, {0}, {0}, {0}, 1},
    {5, {1, 0, 3, 2, 4}, 2, {0, 3}, {DSE_CMP_LE, DSE_CMP_LT}, {2.5, 2.2}, 1},
    /* six steering values (a >= budget on an objective steers both ways):
     * the k-d tree filter */
    {5, {1, 0, 3, 2, 4}, 1, {2}, {DSE_CMP_GE}, {1.0}, 0},
};

/* The epsilon bound of dse_compose: every network x of the exact front ex
 * whose budgeted objectives meet their budgets divided by (1 + eps) has a
 * row y of ap with y <= (1 + eps) x on every objective (rounding aside;
 * the test values are >= 0). */
static int s_covers(const dse_compose_spec_t *s, const dse_netfront_t *ap,
                    const dse_netfront_t *ex, double eps)
{
    for (size_t i = 0; i < dse_netfront_size(ex); i++) {
        const double *x = dse_netfront_metrics(ex, i);
        int tight = 1;
        for (size_t c = 0; c < s->n_cons && tight; c++) {
            int is_obj = 0;
            for (size_t o = 0; o < s->n_obj; o++)
                is_obj |= s->obj[o] == s->cons_metric[c];
            double v = x[s->cons_metric[c]] * (1 + eps), b = s->cons_bound[c];
            if (is_obj && s->cons_cmp[c] == DSE_CMP_LE)
                tight = v <= b;
            if (is_obj && s->cons_cmp[c] == DSE_CMP_LT)
                tight = v < b;
        }
        if (!tight)
            continue;
        int covered = 0;
        for (size_t k = 0; k < dse_netfront_size(ap) && !covered; k++) {
            const double *y = dse_netfront_metrics(ap, k);
            covered = 1;
            for (size_t o = 0; o < s->n_obj && covered; o++) {
                double xv = x[s->obj[o]];
                covered = y[s->obj[o]] <= (1 + eps) * xv * (1 + 1e-9);
            }
        }
        if (!covered)
            return 0;
    }
    return 1;
}

/* dse_compose with the bounds from known networks forced (after every
 * layer), without them, and with epsilon 0.05 and 0.5: the first two are
 * byte-identical to dp; the others are feasible networks that cover the
 * exact front within their bound. */
static void s_variants(const dse_compose_spec_t *spec, const dse_netfront_t *dp)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_compose_spec_t v = *spec;
    dse_netfront_t *nf = NULL;
    v.bounds_after = 1;
    CHECK_INT(dse_compose(&v, &nf, &err), 0);
    if (!s_same_exact(dp, nf, 1))
        dse__test_fail(__FILE__, __LINE__, "with bounds: %zu rows, without: %zu",
                       dse_netfront_size(nf), dse_netfront_size(dp));
    dse_netfront_destroy(&nf);
    v = *spec;
    v.no_bounds = 1;
    CHECK_INT(dse_compose(&v, &nf, &err), 0);
    CHECK(s_same_exact(dp, nf, 1));
    dse_netfront_destroy(&nf);
    const double eps[2] = {0.05, 0.5};
    for (int e = 0; e < 2; e++) {
        v = *spec;
        v.epsilon = eps[e];
        CHECK_INT(dse_compose(&v, &nf, &err), 0);
        CHECK(s_consistent(&v, nf));
        if (!s_covers(&v, nf, dp, eps[e]))
            dse__test_fail(__FILE__, __LINE__, "epsilon %g: %zu rows do not cover the %zu exact",
                           eps[e], dse_netfront_size(nf), dse_netfront_size(dp));
        dse_netfront_destroy(&nf);
    }
}

static void s_run_case(uint64_t *rng, const s_case_t *cs, size_t n_layers, size_t space_n,
                       int integer, int classes)
{
    dse_front_t *space[5], *front[5], *shuffled[5];
    /* layer fronts keep the sources of the objectives and of the <=/<
     * constrained metrics */
    int cols[W];
    size_t k = 0;
    int used[W] = {0};
    for (size_t o = 0; o < cs->n_obj; o++)
        used[s_src[cs->obj[o]]] = 1;
    for (size_t c = 0; c < cs->n_cons; c++)
        if (cs->cons_cmp[c] == DSE_CMP_LE || cs->cons_cmp[c] == DSE_CMP_LT)
            used[s_src[cs->cons_metric[c]]] = 1;
    for (int j = 0; j < W; j++)
        if (used[j])
            cols[k++] = j;
    for (size_t l = 0; l < n_layers; l++) {
        space[l] = s_space(rng, space_n, integer, classes);
        front[l] = s_layer_front(space[l], k, cols);
        /* the same rows in a random order */
        size_t n = dse_front_size(front[l]);
        size_t *perm = dse_xmalloc((n + 1) * sizeof *perm);
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = n; i > 1; i--) {
            size_t j = s_rng(rng) % i, t = perm[i - 1];
            perm[i - 1] = perm[j];
            perm[j] = t;
        }
        shuffled[l] = dse_front_new(W, k, cols);
        for (size_t i = 0; i < n; i++)
            dse_front_push(shuffled[l], dse_front_index(front[l], perm[i]),
                           dse_front_cin(front[l], perm[i]), dse_front_cout(front[l], perm[i]),
                           dse_front_row(front[l], perm[i]));
        free(perm);
    }
    double bounds[2];
    for (size_t c = 0; c < cs->n_cons; c++)
        bounds[c] = s_agg[cs->cons_metric[c]] == DSE_AGG_SUM ? cs->cons_bound[c] * (double)n_layers
                                                              : cs->cons_bound[c];
    dse_compose_spec_t spec = {n_layers, (const dse_front_t *const *)front, 5, s_src, s_agg,
                               cs->n_obj, cs->obj, cs->n_cons, cs->cons_metric, cs->cons_cmp,
                               bounds, s_compat[classes], NULL, 0};
    dse_error_t err = DSE_ERROR_INIT;
    dse_netfront_t *dp = NULL, *bf = NULL, *joint = NULL, *sh = NULL;
    CHECK_INT(dse_compose(&spec, &dp, &err), 0);
    CHECK_INT(dse_compose_brute(&spec, &bf, &err), 0);
    if (!s_same_exact(dp, bf, 1))
        dse__test_fail(__FILE__, __LINE__, "DP (%zu rows) != brute force over fronts (%zu rows)",
                       dse_netfront_size(dp), dse_netfront_size(bf));
    CHECK(s_consistent(&spec, dp));
    s_variants(&spec, dp);
    if (cs->joint_exact) {
        dse_compose_spec_t js = spec;
        js.layers = (const dse_front_t *const *)space;
        CHECK_INT(dse_compose_brute(&js, &joint, &err), 0);
        if (!s_same_objectives(dp, joint, cs->n_obj, cs->obj))
            dse__test_fail(__FILE__, __LINE__,
                           "DP (%zu rows) != joint space (%zu rows), %zu layers, objective %d",
                           dse_netfront_size(dp), dse_netfront_size(joint), n_layers, cs->obj[0]);
        CHECK(s_consistent(&js, joint));
    }
    dse_compose_spec_t ss = spec;
    ss.layers = (const dse_front_t *const *)shuffled;
    CHECK_INT(dse_compose(&ss, &sh, &err), 0);
    CHECK(s_same_exact(dp, sh, 0));
    CHECK(s_consistent(&ss, sh));
    dse_netfront_destroy(&dp);
    dse_netfront_destroy(&bf);
    dse_netfront_destroy(&joint);
    dse_netfront_destroy(&sh);
    for (size_t l = 0; l < n_layers; l++) {
        dse_front_destroy(&space[l]);
        dse_front_destroy(&front[l]);
        dse_front_destroy(&shuffled[l]);
    }
}

DSE_TEST(compose_vs_brute)
{
    uint64_t rng = 2024;
    for (size_t c = 0; c < sizeof s_cases / sizeof *s_cases; c++)
        for (int integer = 0; integer <= 1; integer++)
            for (int classes = 0; classes <= 2; classes++) {
                s_run_case(&rng, &s_cases[c], 1, 40, integer, classes);
                s_run_case(&rng, &s_cases[c], 2, 60, integer, classes);
                s_run_case(&rng, &s_cases[c], 3, 25, integer, classes);
                s_run_case(&rng, &s_cases[c], 4, 10, integer, classes);
                /* five layers: parents that a slower parent replaces
                 * (a MAX column) on partial fronts of many generations */
                s_run_case(&rng, &s_cases[c], 5, 8, integer, classes);
            }
}

DSE_TEST(compose_errors)
{
    uint64_t rng = 1;
    dse_front_t *sp = s_space(&rng, 30, 0, 0);
    int cols[2] = {0, 1};
    dse_front_t *f = s_layer_front(sp, 2, cols);
    const dse_front_t *layers[3] = {sp, sp, sp};
    int obj[2] = {0, 1};
    dse_compose_spec_t spec = {3, layers, 5, s_src, s_agg, 2, obj, 0, NULL, NULL, NULL,
                               NULL, NULL, 1};
    dse_error_t err = DSE_ERROR_INIT;
    dse_netfront_t *nf = NULL;
    CHECK_INT(dse_compose(&spec, &nf, &err), DSE_ERANGE);
    CHECK(nf == NULL);
    CHECK(strstr(err.msg, "more than 1 partial") != NULL);
    CHECK_INT(dse_compose_brute(&spec, &nf, &err), DSE_ERANGE);
    spec.max_front = 0;
    /* the work limit: refused before the layer that would pass it, with
     * the estimate and what to change */
    spec.max_work = 100;
    CHECK_INT(dse_compose(&spec, &nf, &err), DSE_ERANGE);
    CHECK(nf == NULL);
    CHECK(strstr(err.msg, "comparisons") != NULL);
    CHECK(strstr(err.msg, "[search] epsilon") != NULL);
    spec.max_work = 0;
    spec.epsilon = -1;
    CHECK_INT(dse_compose(&spec, &nf, &err), DSE_EINVAL);
    spec.epsilon = 0;
    spec.n_layers = 0;
    CHECK_INT(dse_compose(&spec, &nf, &err), DSE_EINVAL);
    spec.n_layers = 3;
    int bad_obj[1] = {7};
    spec.obj = bad_obj;
    spec.n_obj = 1;
    CHECK_INT(dse_compose(&spec, &nf, &err), DSE_EINVAL);
    spec.obj = obj;
    spec.n_obj = 2;
    dse_agg_t none[5] = {DSE_AGG_SUM, DSE_AGG_NONE, DSE_AGG_SUM, DSE_AGG_SUM, DSE_AGG_SUM};
    spec.net_agg = none;
    CHECK_INT(dse_compose(&spec, &nf, &err), DSE_EINVAL);
    spec.net_agg = s_agg;
    /* nothing feasible: an empty front, not an error */
    int cm[1] = {0};
    dse_cmp_t cc[1] = {DSE_CMP_LT};
    double cb[1] = {-1};
    spec.n_cons = 1;
    spec.cons_metric = cm;
    spec.cons_cmp = cc;
    spec.cons_bound = cb;
    layers[0] = layers[1] = layers[2] = f;
    CHECK_INT(dse_compose(&spec, &nf, &err), 0);
    CHECK_INT(dse_netfront_size(nf), 0);
    dse_netfront_destroy(&nf);
    dse_netfront_destroy(&nf);
    dse_front_destroy(&sp);
    dse_front_destroy(&f);
}

/* Sequential target shape: latency sums, L1 is the max; a known answer. */
DSE_TEST(compose_known)
{
    int obj2[2] = {0, 1};
    dse_front_t *a = dse_front_new(W, 2, obj2), *b = dse_front_new(W, 2, obj2);
    double a0[W] = {10, 4, 0, 0}, a1[W] = {20, 2, 0, 0};
    double b0[W] = {5, 3, 0, 0}, b1[W] = {8, 1, 0, 0};
    dse_front_push(a, 100, 0, 0, a0);
    dse_front_push(a, 101, 0, 0, a1);
    dse_front_push(b, 200, 0, 0, b0);
    dse_front_push(b, 201, 0, 0, b1);
    const dse_front_t *layers[2] = {a, b};
    int obj[2] = {0, 1};
    dse_compose_spec_t spec = {2, layers, 5, s_src, s_agg, 2, obj, 0, NULL, NULL, NULL,
                               NULL, NULL, 0};
    dse_error_t err = DSE_ERROR_INIT;
    dse_netfront_t *nf = NULL;
    CHECK_INT(dse_compose(&spec, &nf, &err), 0);
    /* (10+5, max 4) = (15, 4); (10+8, 4) dominated; (20+5, 3) = (25, 3);
     * (20+8, 2) = (28, 2) */
    CHECK_INT(dse_netfront_size(nf), 3);
    CHECK(dse_netfront_metrics(nf, 0)[0] == 15 && dse_netfront_metrics(nf, 0)[1] == 4);
    CHECK(dse_netfront_metrics(nf, 1)[0] == 25 && dse_netfront_metrics(nf, 1)[1] == 3);
    CHECK(dse_netfront_metrics(nf, 2)[0] == 28 && dse_netfront_metrics(nf, 2)[1] == 2);
    CHECK_INT(dse_netfront_points(nf, 2)[0], 101);
    CHECK_INT(dse_netfront_points(nf, 2)[1], 201);
    CHECK_INT(dse_netfront_choice(nf, 1)[1], 0);
    dse_netfront_destroy(&nf);
    dse_front_destroy(&a);
    dse_front_destroy(&b);
}

/* The bounds' test on the known networks: the 3-objective table answers
 * as the k-d tree does, and both as a plain scan, on sets below, at and
 * beyond a table block (32) and with larger blocks (8,000 distinct
 * values), with many ties (small integers), bounds equal to networks,
 * margins that make "strictly less" fail, -0.0 and NaN bounds. */
DSE_TEST(compose_known_table)
{
    uint64_t rng = 77;
    const size_t sizes[] = {1, 5, 31, 32, 33, 100, 1000, 8000};
    const size_t d = 3, nq = 3000;
    double *lb = dse_xmalloc(nq * d * sizeof *lb), *tol = dse_xmalloc(nq * d * sizeof *tol);
    int *tree = dse_xmalloc(nq * sizeof *tree), *table = dse_xmalloc(nq * sizeof *table);
    size_t yes = 0, no = 0;
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++)
        for (int integer = 0; integer <= 1; integer++) {
            const size_t n = sizes[c];
            double *pts = dse_xmalloc(n * d * sizeof *pts);
            for (size_t i = 0; i < n * d; i++)
                pts[i] = integer ? (double)(s_rng(&rng) % 12)
                                 : (double)(s_rng(&rng) % 1000000) / 1000.0;
            for (size_t q = 0; q < nq; q++) {
                const double *near = pts + (s_rng(&rng) % n) * d;
                for (size_t j = 0; j < d; j++) {
                    double v;
                    switch (s_rng(&rng) % 4) {
                    case 0: v = near[j]; break;
                    case 1: v = near[j] + (double)(s_rng(&rng) % 3); break;
                    case 2: v = integer ? (double)(s_rng(&rng) % 14) - 1
                                        : (double)(s_rng(&rng) % 1100000) / 1000.0; break;
                    default: v = near[j] == 0 ? -0.0 : near[j] - 0.5; break;
                    }
                    lb[q * d + j] = v;
                    tol[q * d + j] = s_rng(&rng) % 3 == 0 ? 0.75 : 0;
                }
                if (q % 997 == 5)
                    lb[q * d + s_rng(&rng) % d] = NAN;
            }
            dse_compose_known_query(pts, n, d, lb, tol, nq, 0, tree);
            dse_compose_known_query(pts, n, d, lb, tol, nq, 1, table);
            for (size_t q = 0; q < nq; q++) {
                int scan = 0;
                for (size_t i = 0; i < n && !scan; i++) {
                    int le = 1, lt = 0;
                    for (size_t j = 0; j < d; j++) {
                        le &= pts[i * d + j] <= lb[q * d + j];
                        lt |= pts[i * d + j] < lb[q * d + j] - tol[q * d + j];
                    }
                    scan = le && lt;
                }
                if (tree[q] != scan || table[q] != scan)
                    dse__test_fail(__FILE__, __LINE__,
                                   "n %zu query %zu: scan %d, tree %d, table %d", n, q, scan,
                                   tree[q], table[q]);
                yes += scan;
                no += !scan;
            }
            free(pts);
        }
    /* both answers occur often */
    CHECK(yes > 5000 && no > 5000);
    free(lb);
    free(tol);
    free(tree);
    free(table);
}

/* Layer fronts of hundreds of rows with many ties: more than 4096 candidates
 * per layer, so the dynamic program filters in batches. */
DSE_TEST(compose_large_fronts)
{
    uint64_t rng = 31;
    int cols[2] = {0, 1};
    for (int classes = 0; classes <= 1; classes++) {
        dse_front_t *fr[3];
        size_t sizes[3] = {300, 250, 6};
        for (size_t l = 0; l < 3; l++) {
            fr[l] = dse_front_new(W, 2, cols);
            for (size_t i = 0; i < sizes[l]; i++) {
                double r[W];
                r[0] = (double)(s_rng(&rng) % 400);
                r[1] = 399 - r[0] + (double)(s_rng(&rng) % 3);
                r[2] = (double)(s_rng(&rng) % 7);
                r[3] = (double)(s_rng(&rng) % 5);
                int64_t cin = classes ? s_classes[s_rng(&rng) % 5] : 0;
                int64_t cout = classes ? s_classes[s_rng(&rng) % 5] : 0;
                dse_front_push(fr[l], i, cin, cout, r);
            }
            dse_front_filter(fr[l]);
        }
        int obj[2] = {0, 1};
        int cm[1] = {3};
        dse_cmp_t cc[1] = {DSE_CMP_LE};
        double cb[1] = {8};
        for (int with_cons = 0; with_cons <= 1; with_cons++) {
            dse_compose_spec_t spec = {3, (const dse_front_t *const *)fr, 5, s_src, s_agg, 2, obj,
                                       (size_t)with_cons, cm, cc, cb,
                                       classes ? s_divides : NULL, NULL, 0};
            dse_netfront_t *dp = NULL, *bf = NULL;
            dse_error_t err = DSE_ERROR_INIT;
            CHECK_INT(dse_compose(&spec, &dp, &err), 0);
            CHECK_INT(dse_compose_brute(&spec, &bf, &err), 0);
            if (!s_same_exact(dp, bf, 1))
                dse__test_fail(__FILE__, __LINE__, "classes %d cons %d: DP %zu rows, brute %zu",
                               classes, with_cons, dse_netfront_size(dp), dse_netfront_size(bf));
            CHECK(s_consistent(&spec, dp));
            s_variants(&spec, dp);
            CHECK(dse_netfront_size(dp) > 0);
            dse_netfront_destroy(&dp);
            dse_netfront_destroy(&bf);
        }
        for (size_t l = 0; l < 3; l++)
            dse_front_destroy(&fr[l]);
    }
}

/* Four steering values (MAX and three sums; budgets on two of them) on
 * layer fronts of ~100 rows with ties: partial fronts beyond the insertion
 * prefilter, so core/pareto's 4-objective sweep decides; classes that
 * share futures (s_mod3) and that do not (s_divides). */
DSE_TEST(compose_four_steering)
{
    uint64_t rng = 99;
    int cols[4] = {0, 1, 2, 3};
    for (int classes = 0; classes <= 2; classes++) {
        dse_front_t *fr[3];
        size_t sizes[3] = {60, 50, 40};
        for (size_t l = 0; l < 3; l++) {
            fr[l] = dse_front_new(W, 4, cols);
            for (size_t i = 0; i < sizes[l]; i++) {
                double r[W];
                r[0] = (double)(s_rng(&rng) % 60);
                r[1] = 59 - r[0] + (double)(s_rng(&rng) % 4);
                r[2] = (double)(s_rng(&rng) % 6);
                r[3] = (double)(s_rng(&rng) % 30);
                int64_t cin = classes ? s_classes[s_rng(&rng) % 5] : 0;
                int64_t cout = classes ? s_classes[s_rng(&rng) % 5] : 0;
                dse_front_push(fr[l], i, cin, cout, r);
            }
            dse_front_filter(fr[l]);
        }
        int obj[4] = {1, 0, 3, 2};
        int cm[2] = {0, 3};
        dse_cmp_t cc[2] = {DSE_CMP_LE, DSE_CMP_LE};
        double cb[2] = {120, 70};
        for (size_t n_cons = 0; n_cons <= 2; n_cons += 2) {
            dse_compose_spec_t spec = {3, (const dse_front_t *const *)fr, 5, s_src, s_agg, 4, obj,
                                       n_cons, cm, cc, cb, s_compat[classes], NULL, 0};
            dse_netfront_t *dp = NULL, *bf = NULL;
            dse_error_t err = DSE_ERROR_INIT;
            CHECK_INT(dse_compose(&spec, &dp, &err), 0);
            CHECK_INT(dse_compose_brute(&spec, &bf, &err), 0);
            if (!s_same_exact(dp, bf, 1))
                dse__test_fail(__FILE__, __LINE__, "classes %d cons %zu: DP %zu rows, brute %zu",
                               classes, n_cons, dse_netfront_size(dp), dse_netfront_size(bf));
            CHECK(s_consistent(&spec, dp));
            s_variants(&spec, dp);
            CHECK(dse_netfront_size(dp) > 100);
            dse_netfront_destroy(&dp);
            dse_netfront_destroy(&bf);
        }
        for (size_t l = 0; l < 3; l++)
            dse_front_destroy(&fr[l]);
    }
}

static void s_count_layers(void *arg, int pass, size_t layer, size_t n_layers, size_t partials)
{
    (void)pass;
    (void)layer;
    (void)n_layers;
    (void)partials;
    (*(size_t *)arg)++;
}

/* Five steering values on eight layers whose fronts grow several times a
 * layer: the forecast of the remaining layers refuses the job after its
 * first layers, long before the layer that would pass the work limit,
 * with the estimate and what to change; a smaller job of the same kind
 * under the same limit finishes. */
DSE_TEST(compose_forecast)
{
    uint64_t rng = 7;
    int cols[4] = {0, 1, 2, 3};
    enum { NL = 8 };
    dse_front_t *fr[NL];
    for (size_t l = 0; l < NL; l++) {
        fr[l] = dse_front_new(W, 4, cols);
        for (size_t i = 0; i < 120; i++) {
            double r[W];
            r[0] = (double)(s_rng(&rng) % 1000);
            r[1] = 999 - r[0] + (double)(s_rng(&rng) % 50);
            r[2] = (double)(s_rng(&rng) % 1000);
            r[3] = 999 - r[2] + (double)(s_rng(&rng) % 50);
            dse_front_push(fr[l], i, 0, 0, r);
        }
        dse_front_filter(fr[l]);
    }
    int obj[5] = {1, 0, 3, 2, 4};
    dse_compose_spec_t spec = {NL, (const dse_front_t *const *)fr, 5, s_src, s_agg, 5, obj, 0,
                               NULL, NULL, NULL, NULL, NULL, 0};
    size_t layers_done = 0;
    spec.max_work = 20000000;
    spec.progress = s_count_layers;
    spec.progress_arg = &layers_done;
    dse_error_t err = DSE_ERROR_INIT;
    dse_netfront_t *nf = NULL;
    CHECK_INT(dse_compose(&spec, &nf, &err), DSE_ERANGE);
    CHECK(nf == NULL);
    if (layers_done > 3)
        dse__test_fail(__FILE__, __LINE__, "refused after %zu of %d layers: %s", layers_done, NL,
                       err.msg);
    CHECK(strstr(err.msg, "would cost about") != NULL);
    CHECK(strstr(err.msg, "[search] epsilon") != NULL);
    /* two of the layers: within the limit, composed to the end, and the
     * same front as brute force */
    spec.n_layers = 2;
    layers_done = 0;
    CHECK_INT(dse_compose(&spec, &nf, &err), 0);
    CHECK_INT(layers_done, 2);
    dse_netfront_t *bf = NULL;
    CHECK_INT(dse_compose_brute(&spec, &bf, &err), 0);
    CHECK(s_same_exact(nf, bf, 1));
    dse_netfront_destroy(&nf);
    dse_netfront_destroy(&bf);
    for (size_t l = 0; l < NL; l++)
        dse_front_destroy(&fr[l]);
}
