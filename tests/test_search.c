/* test_search.c - permutations, NSGA-II ranking and the three strategies. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "outputs/outputs.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/baseline.h"
#include "search/nsga2.h"
#include "core/perm.h"
#include "search/search.h"
#include "tests/test.h"

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

DSE_TEST(search_perm_bijection)
{
    static const uint64_t sizes[] = {1, 2, 3, 4, 5, 17, 255, 256, 257, 1000, 4097};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        uint64_t n = sizes[t];
        for (uint64_t key = 0; key < 3; key++) {
            dse_perm_t p;
            dse_perm_init(&p, n, key * 7919);
            unsigned char *hit = calloc(n, 1);
            for (uint64_t pos = 0; pos < n; pos++) {
                uint64_t x = dse_perm_at(&p, pos);
                CHECK(x < n);
                if (x >= n)
                    break;
                CHECK(!hit[x]);
                hit[x] = 1;
                CHECK(dse_perm_pos(&p, x) == pos);
            }
            free(hit);
        }
    }
    /* different keys give different orders */
    dse_perm_t a, b;
    dse_perm_init(&a, 1000, 1);
    dse_perm_init(&b, 1000, 2);
    int same = 1;
    for (uint64_t pos = 0; pos < 10; pos++)
        same &= dse_perm_at(&a, pos) == dse_perm_at(&b, pos);
    CHECK(!same);
}

DSE_TEST(search_perm_huge)
{
    static const uint64_t sizes[] = {0x7fffffffffffffffULL, (1ULL << 62) + 1, 1298124800ULL};
    for (size_t t = 0; t < 3; t++) {
        dse_perm_t p;
        dse_perm_init(&p, sizes[t], 42);
        uint64_t seen[2000];
        for (uint64_t i = 0; i < 2000; i++) {
            uint64_t pos = i * (sizes[t] / 2000);
            uint64_t x = dse_perm_at(&p, pos);
            CHECK(x < sizes[t]);
            CHECK(dse_perm_pos(&p, x) == pos);
            seen[i] = x;
        }
        qsort(seen, 2000, sizeof *seen, s_cmp_u64);
        for (size_t i = 1; i < 2000; i++)
            CHECK(seen[i] != seen[i - 1]);
    }
}

/* The definition, peeled naively: rank r = non-dominated within its class
 * among the feasible points not ranked before r. */
static void s_rank_brute(size_t n, size_t k, const double *obj, const int64_t *cin,
                         const int64_t *cout, const unsigned char *feas, unsigned *rank)
{
    unsigned char *done = calloc(n + 1, 1);
    size_t left = 0;
    for (size_t i = 0; i < n; i++)
        left += feas[i];
    unsigned level = 0;
    while (left > 0) {
        unsigned char *now = calloc(n + 1, 1);
        for (size_t i = 0; i < n; i++) {
            if (done[i] || !feas[i])
                continue;
            int dominated = 0;
            for (size_t j = 0; j < n && !dominated; j++) {
                if (j == i || done[j] || !feas[j] || cin[i] != cin[j] || cout[i] != cout[j])
                    continue;
                int le = 1, lt = 0;
                for (size_t o = 0; o < k; o++) {
                    le &= obj[j * k + o] <= obj[i * k + o];
                    lt |= obj[j * k + o] < obj[i * k + o];
                }
                dominated = le && lt;
            }
            now[i] = !dominated;
        }
        for (size_t i = 0; i < n; i++)
            if (now[i]) {
                done[i] = 1;
                rank[i] = level;
                left--;
            }
        free(now);
        level++;
    }
    for (size_t i = 0; i < n; i++)
        if (!feas[i])
            rank[i] = level;
    free(done);
}

DSE_TEST(search_nsga2_rank_brute)
{
    dse_rng_t rng = {7};
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + dse_rng_below(&rng, 40), k = 1 + dse_rng_below(&rng, 4);
        double obj[40 * 4];
        int64_t cin[40], cout[40];
        unsigned char feas[40];
        unsigned r1[40], r2[40];
        for (size_t i = 0; i < n; i++) {
            for (size_t o = 0; o < k; o++)
                obj[i * k + o] = (double)dse_rng_below(&rng, 5); /* ties and duplicates */
            cin[i] = (int64_t)dse_rng_below(&rng, 2);
            cout[i] = trial % 3 == 0 ? 0 : (int64_t)dse_rng_below(&rng, 2);
            feas[i] = dse_rng_below(&rng, 5) != 0;
        }
        dse_nsga2_rank(n, k, obj, cin, cout, feas, r1);
        s_rank_brute(n, k, obj, cin, cout, feas, r2);
        for (size_t i = 0; i < n; i++)
            CHECK_INT(r1[i], r2[i]);
    }
}

static dse_evaljob_t *s_job(const char *path, const char *strategy, int64_t budget)
{
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load(path, &job, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
        return NULL;
    }
    free(job->strategy);
    job->strategy = dse_xstrdup(strategy);
    job->budget = budget;
    if (dse_evaljob_new(&job, &ej, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
        return NULL;
    }
    return ej;
}

static dse_search_t *s_search(const dse_evaljob_t *ej)
{
    dse_search_t *s = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    double rate[64];
    for (size_t i = 0; i < ej->job->n_layers && i < 64; i++)
        rate[i] = 1000; /* small units: many of them */
    CHECK_INT(dse_search_new(ej, 0.25, rate, &s, &err), 0);
    return s;
}

/* Every point of every layer a unit holds, sorted, per layer. */
static uint64_t *s_points(const dse_evaljob_t *ej, dse_search_t *s, size_t layer, size_t *n)
{
    uint64_t *v = NULL;
    size_t nv = 0, cap = 0;
    for (uint64_t id = 0; id < dse_search_n_units(s); id++) {
        dse_unit_t u;
        dse_search_unit(s, id, &u);
        CHECK(u.id == id);
        if (u.layer != layer)
            continue;
        uint64_t size = ej->job->layers[layer].space->size;
        dse_perm_t p;
        dse_perm_init(&p, size, u.key);
        for (uint64_t i = 0; i < dse_unit_points(&u); i++) {
            uint64_t x = u.kind == DSE_UNIT_LIST   ? u.indices[i]
                         : u.kind == DSE_UNIT_RANGE ? u.lo + i
                                                    : dse_perm_at(&p, u.lo + i);
            CHECK(dse_unit_has(&u, size, x));
            v = dse_xgrow(v, sizeof *v, nv + 1, &cap);
            v[nv++] = x;
        }
    }
    qsort(v, nv, sizeof *v, s_cmp_u64);
    *n = nv;
    return v;
}

DSE_TEST(search_exhaustive_units_cover)
{
    dse_evaljob_t *ej = s_job("configs/testfn.toml", "exhaustive", 0);
    if (!ej)
        return;
    dse_search_t *s = s_search(ej);
    CHECK(dse_search_n_units(s) > ej->job->n_layers);
    for (size_t l = 0; l < ej->job->n_layers; l++) {
        size_t n;
        uint64_t *v = s_points(ej, s, l, &n);
        CHECK(n == ej->job->layers[l].space->size);
        for (size_t i = 0; i < n; i++)
            CHECK(v[i] == i);
        free(v);
    }
    CHECK(dse_search_advance(s, 0, 1) == 0);
    dse_search_destroy(&s);
    dse_evaljob_destroy(&ej);
}

DSE_TEST(search_random_sample)
{
    dse_evaljob_t *ej = s_job("configs/testfn.toml", "random", 5000);
    if (!ej)
        return;
    dse_search_t *s = s_search(ej);
    CHECK(dse_search_budget(s) == 5000);
    size_t total = 0;
    uint64_t first[3] = {0};
    for (size_t l = 0; l < ej->job->n_layers; l++) {
        size_t n;
        uint64_t *v = s_points(ej, s, l, &n);
        total += n;
        CHECK(n > 0 && n <= ej->job->layers[l].space->size);
        for (size_t i = 1; i < n; i++)
            CHECK(v[i] != v[i - 1]); /* without replacement */
        if (l < 3 && n)
            first[l] = v[0];
        free(v);
    }
    CHECK(total == 5000);
    /* a point outside a shuffled unit is not claimed by it */
    dse_unit_t u;
    dse_search_unit(s, 0, &u);
    CHECK(u.kind == DSE_UNIT_SHUFFLED);
    dse_perm_t p;
    dse_perm_init(&p, ej->job->layers[u.layer].space->size, u.key);
    CHECK(!dse_unit_has(&u, ej->job->layers[u.layer].space->size, dse_perm_at(&p, u.hi)));
    dse_search_destroy(&s);
    /* the same seed proposes the same sample */
    s = s_search(ej);
    size_t n;
    uint64_t *v = s_points(ej, s, 0, &n);
    CHECK(n > 0 && v[0] == first[0]);
    free(v);
    dse_search_destroy(&s);
    dse_evaljob_destroy(&ej);
}

DSE_TEST(search_random_huge_space)
{
    dse_evaljob_t *ej = s_job("configs/resnet8-train-huge.toml", "random", 20000);
    if (!ej)
        return;
    ej->job->seconds = 0; /* the config's wall-time limit would reveal units in rounds */
    dse_search_t *s = s_search(ej);
    size_t total = 0;
    for (size_t l = 0; l < ej->job->n_layers; l++) {
        size_t n;
        uint64_t *v = s_points(ej, s, l, &n);
        total += n;
        for (size_t i = 1; i < n; i++)
            CHECK(v[i] != v[i - 1]);
        CHECK(n == 0 || v[n - 1] < ej->job->layers[l].space->size);
        free(v);
    }
    CHECK(total == 20000);
    dse_search_destroy(&s);
    dse_evaljob_destroy(&ej);
}

/* A driver unlike dse_search_run_here: each round's units backwards, each
 * unit's rows fed backwards. */
static void s_run_backwards(dse_search_t *s, const dse_evaljob_t *ej, dse_front_t **fronts,
                            uint64_t **seen, size_t *n_seen, size_t *cap_seen)
{
    uint64_t done = 0;
    do {
        uint64_t n = dse_search_n_units(s);
        for (uint64_t id = n; id-- > done;) {
            dse_unit_t u;
            dse_search_unit(s, id, &u);
            dse_front_t *rows = dse_evaljob_front_new(ej);
            dse_counters_t c = {0};
            CHECK_INT(dse_unit_eval(ej, &u, fronts[u.layer], rows, &c, NULL), 0);
            size_t nr = dse_front_size(rows), w = dse_front_width(rows);
            uint64_t *idx = calloc(nr + 1, sizeof *idx);
            int64_t *ci = calloc(nr + 1, sizeof *ci), *co = calloc(nr + 1, sizeof *co);
            double *met = calloc(nr * w + 1, sizeof *met);
            for (size_t i = 0; i < nr; i++) {
                size_t r = nr - 1 - i;
                idx[i] = dse_front_index(rows, r);
                ci[i] = dse_front_cin(rows, r);
                co[i] = dse_front_cout(rows, r);
                memcpy(met + i * w, dse_front_row(rows, r), w * sizeof *met);
            }
            dse_search_feed(s, id, nr, idx, ci, co, met);
            for (uint64_t i = 0; i < dse_unit_points(&u) && u.kind == DSE_UNIT_LIST; i++) {
                *seen = dse_xgrow(*seen, sizeof **seen, *n_seen + 1, cap_seen);
                (*seen)[(*n_seen)++] = u.indices[i] * 64 + u.layer;
            }
            free(idx);
            free(ci);
            free(co);
            free(met);
            dse_front_destroy(&rows);
        }
        done = n;
    } while (dse_search_advance(s, 0, 1) > 0);
}

static void s_check_same_fronts(dse_front_t *const *a, dse_front_t *const *b, size_t n)
{
    for (size_t l = 0; l < n; l++) {
        dse_front_sort(a[l]);
        dse_front_sort(b[l]);
        CHECK(dse_front_size(a[l]) == dse_front_size(b[l]));
        for (size_t i = 0; i < dse_front_size(a[l]) && i < dse_front_size(b[l]); i++)
            CHECK(dse_front_index(a[l], i) == dse_front_index(b[l], i));
    }
}

DSE_TEST(search_nsga2_deterministic)
{
    dse_evaljob_t *ej = s_job("configs/quickstart.toml", "nsga2", 4000);
    if (!ej)
        return;
    size_t nl = ej->job->n_layers;
    dse_front_t *a[16], *b[16];
    for (size_t l = 0; l < nl; l++) {
        a[l] = dse_evaljob_front_new(ej);
        b[l] = dse_evaljob_front_new(ej);
    }
    dse_search_t *s = s_search(ej);
    dse_counters_t cnt = {0};
    CHECK_INT(dse_search_run_here(s, ej, a, &cnt), 0);
    CHECK(cnt.evaluated <= 4000 && cnt.evaluated > 1000);
    CHECK(dse_search_generations(s) > 3);
    dse_search_destroy(&s);
    s = s_search(ej);
    uint64_t *seen = NULL;
    size_t n_seen = 0, cap = 0;
    s_run_backwards(s, ej, b, &seen, &n_seen, &cap);
    s_check_same_fronts(a, b, nl);
    /* no point is proposed twice */
    qsort(seen, n_seen, sizeof *seen, s_cmp_u64);
    for (size_t i = 1; i < n_seen; i++)
        CHECK(seen[i] != seen[i - 1]);
    free(seen);
    dse_search_destroy(&s);
    for (size_t l = 0; l < nl; l++) {
        dse_front_destroy(&a[l]);
        dse_front_destroy(&b[l]);
    }
    dse_evaljob_destroy(&ej);
}

/* Hypervolume of the composed network front against ref (NULL: set ref). */
static double s_network_hv(const dse_evaljob_t *ej, dse_front_t *const *fronts, double *ref,
                           int set_ref)
{
    dse_netfront_t *nf = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_outputs_compose(ej, fronts, NULL, &nf, &err), 0);
    if (!nf)
        return NAN;
    int cols[2] = {0, 1};
    dse_front_t *f = dse_front_new(2, 2, cols);
    for (size_t q = 0; q < dse_netfront_size(nf); q++) {
        double v[2] = {dse_netfront_metrics(nf, q)[ej->job->objectives[0]],
                       dse_netfront_metrics(nf, q)[ej->job->objectives[1]]};
        dse_front_push(f, q, 0, 0, v);
    }
    if (set_ref)
        dse_front_reference(f, ref, NULL);
    double hv = dse_hypervolume(f, ref);
    dse_front_destroy(&f);
    dse_netfront_destroy(&nf);
    return hv;
}

static double s_strategy_hv(const char *strategy, int64_t budget, double *ref, int set_ref)
{
    dse_evaljob_t *ej = s_job("configs/quickstart.toml", strategy, budget);
    if (!ej)
        return NAN;
    dse_front_t *f[16];
    for (size_t l = 0; l < ej->job->n_layers; l++)
        f[l] = dse_evaljob_front_new(ej);
    dse_search_t *s = s_search(ej);
    dse_search_run_here(s, ej, f, NULL);
    double hv = s_network_hv(ej, f, ref, set_ref);
    dse_search_destroy(&s);
    for (size_t l = 0; l < ej->job->n_layers; l++)
        dse_front_destroy(&f[l]);
    dse_evaljob_destroy(&ej);
    return hv;
}

/* The quality the README reports, held: on the quickstart job (57,856
 * points evaluated by exhaustive search, the rest skipped) nsga2 with 5%
 * of those evaluations reaches 99% of the exact network front's
 * hypervolume, and beats random with the same budget. */
DSE_TEST(search_nsga2_quality)
{
    double ref[2];
    double exact = s_strategy_hv("exhaustive", 0, ref, 1);
    double ga = s_strategy_hv("nsga2", 5880, ref, 0);
    double rnd = s_strategy_hv("random", 5880, ref, 0);
    CHECK(exact > 0);
    CHECK(ga / exact >= 0.99);
    CHECK(ga > rnd);
    CHECK(ga <= exact * (1 + 1e-12));
    CHECK(rnd <= exact * (1 + 1e-12));
}

DSE_TEST(search_time_limit)
{
    dse_evaljob_t *ej = s_job("configs/quickstart.toml", "nsga2", 100000);
    if (!ej)
        return;
    ej->job->seconds = 5;
    dse_search_t *s = s_search(ej);
    uint64_t n = dse_search_n_units(s);
    CHECK(n > 0);
    /* past the limit, nothing more is proposed */
    CHECK(dse_search_advance(s, 5.0, 1) == 0);
    CHECK(dse_search_n_units(s) == n);
    dse_search_destroy(&s);
    /* exhaustive with a limit: rounds of units */
    free(ej->job->strategy);
    ej->job->strategy = dse_xstrdup("exhaustive");
    s = s_search(ej);
    uint64_t first = dse_search_n_units(s);
    CHECK(first >= 1 && first < 1000);
    CHECK(dse_search_advance(s, 1.0, 4) > 0);
    CHECK(dse_search_n_units(s) > first);
    CHECK(dse_search_advance(s, 6.0, 4) == 0);
    dse_search_destroy(&s);
    dse_evaljob_destroy(&ej);
}

/* A config file's text with its strategy line replaced. */
static int s_parse_with_strategy(const char *path, const char *strategy, dse_job_t **job,
                                 dse_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    if (dse_read_file(path, &text, &len, err))
        return -1;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "strategy = ", 11) == 0)
            dse_strbuf_addf(&sb, "strategy = \"%s\"\n", strategy);
        else
            dse_strbuf_addf(&sb, "%s\n", line);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    size_t n;
    char *t = dse_strbuf_detach(&sb, &n);
    int rc = dse_config_parse(path, t, n, 0, job, err);
    free(t);
    return rc;
}

DSE_TEST(search_baseline_strategy)
{
    /* FINN's greedy picks points of the CNV spaces: one unit per layer */
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(s_parse_with_strategy("configs/cnv-w2a2-pynq.toml", "greedy", &job, &err), 0);
    if (!job)
        return;
    uint64_t points[16];
    CHECK_INT(dse_baseline_points(job, job->strategy, points, &err), 0);
    dse_evaljob_t *ej = NULL;
    CHECK_INT(dse_evaljob_new(&job, &ej, &err), 0);
    size_t nl = ej->job->n_layers;
    dse_front_t *f[16];
    for (size_t l = 0; l < nl; l++)
        f[l] = dse_evaljob_front_new(ej);
    dse_search_t *s = s_search(ej);
    CHECK(dse_search_budget(s) == nl);
    dse_counters_t cnt = {0};
    CHECK_INT(dse_search_run_here(s, ej, f, &cnt), 0);
    CHECK(cnt.evaluated == nl);
    for (size_t l = 0; l < nl; l++) {
        CHECK_INT(dse_front_size(f[l]), 1);
        CHECK(dse_front_size(f[l]) == 1 && dse_front_index(f[l], 0) == points[l]);
        dse_front_destroy(&f[l]);
    }
    dse_search_destroy(&s);
    dse_evaljob_destroy(&ej);
    /* a baseline that picks values outside the spaces is refused where the
     * strategy is named */
    CHECK(s_parse_with_strategy("configs/quickstart.toml", "autotuner", &job, &err) != 0);
    CHECK(strstr(err.msg, "not in the layer's space") != NULL);
    CHECK_INT(err.line, 107); /* the strategy line of configs/quickstart.toml */
    CHECK(s_parse_with_strategy("configs/quickstart.toml", "autotuneer", &job, &err) != 0);
    CHECK(strstr(err.msg, "did you mean 'autotuner'") != NULL);
}
