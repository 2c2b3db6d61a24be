/* test_refine.c - refine's refit of the model between rounds, on a
 * stand-in "simulator" whose constants differ from the preset's: the
 * pulp-cluster model itself with dma_setup_cycles 300 instead of 30 (a
 * per-tile overhead the preset underestimates). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/pareto.h"
#include "core/perm.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "search/fit.h"
#include "search/refine.h"
#include "search/search.h"
#include "tests/test.h"

#define S_JOB                                                                                  \
    "[job]\nname = \"refit\"\n[target]\nmodel = \"pulp-cluster\"\nhardware = \"pulp-open\"\n"   \
    "%s\n[workload]\ndtype = \"fp32\"\nsteps = [\"fw\"]\n"                                      \
    "[[workload.layer]]\nname = \"pw1\"\nop = \"pw\"\nin_shape = [32, 16, 16]\n"                \
    "out_channels = 64\n"                                                                      \
    "[[workload.layer]]\nname = \"c2\"\nop = \"conv2d\"\nin_shape = [16, 16, 16]\n"             \
    "chain = false\nout_channels = 32\nkernel = [3, 3]\npadding = [1]\n"                       \
    "[space]\ntile_cout = \"divisors\"\ntile_ho = \"divisors\"\ntile_wo = [16]\n"               \
    "buffering = [\"single\", \"double\"]\nmatmul = [\"mm\", \"mm_unroll_2x1\", "              \
    "\"mm_unroll_1x4\", \"mm_unroll_2x4\"]\n"                                                  \
    "[search]\nstrategy = \"refine\"\nobjectives = [\"cycles\", \"l1_bytes\"]\n"               \
    "[evaluator]\nkind = \"command\"\ncommand = [\"/bin/true\"]\n"

static dse_evaljob_t *s_job(const char *target_extra)
{
    char text[4096];
    snprintf(text, sizeof text, S_JOB, target_extra);
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_parse("refit.toml", text, strlen(text), 0, &job, &err) != 0 ||
        dse_evaljob_new(&job, &ej, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "job: %d:%d %s", err.line, err.col, err.msg);
        return NULL;
    }
    return ej;
}

/* The "measurement": the model on the true constants. */
static int s_measure(const dse_evaljob_t *truth, size_t l, uint64_t i, double *m)
{
    double params[DSE_MAX_PARAMS];
    dse_space_decode(truth->job->layers[l].space, i, params);
    return truth->job->model->evaluate(truth->ctx[l], params, m);
}

/* Pairs of feasible points the predictions rank against the measurements. */
static uint64_t s_discordant(const dse_refine_t *r, const dse_evaljob_t *truth, size_t l)
{
    const dse_space_t *sp = truth->job->layers[l].space;
    int obj = truth->job->layer_objectives[0];
    double *p = dse_xmalloc(sp->size * sizeof *p), *t = dse_xmalloc(sp->size * sizeof *t);
    double m[DSE_MAX_METRICS];
    size_t n = 0;
    for (uint64_t i = 0; i < sp->size; i++) {
        double pred = dse_refine_prediction(r, i, 0);
        if (isnan(pred) || !s_measure(truth, l, i, m))
            continue;
        p[n] = pred;
        t[n++] = m[obj];
    }
    uint64_t bad = 0;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            bad += (p[a] - p[b]) * (t[a] - t[b]) < 0;
    free(p);
    free(t);
    return bad;
}

/* Runs refine on every layer to the end, with or without the refit;
 * returns the points measured; *exact: every layer's measured front is
 * the true one; disc[l]: discordant pairs after round 0, and after the
 * first refit (refit only). */
static uint64_t s_run(dse_evaljob_t *ej, const dse_evaljob_t *truth, int refit, int *exact,
                      uint64_t disc[2][2], dse_fit_t *fit1, uint64_t **round1, size_t *n_round1)
{
    const dse_job_t *job = ej->job;
    size_t nl = job->n_layers;
    dse_refine_t *rf[2] = {NULL, NULL};
    dse_front_t *got[2], *want[2];
    dse_evaljob_t *fit_ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    double m[DSE_MAX_METRICS];
    CHECK(dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &fit_ej, &err) == 0);
    for (size_t l = 0; l < nl; l++) {
        rf[l] = dse_refine_new(ej, l, job->margin, &err);
        /* the declared margin: round 0 measures enough for the fit */
        dse_refine_set_mode(rf[l], DSE_MARGIN_DECLARED, DSE_REFINE_SAFETY);
        got[l] = dse_evaljob_front_new(ej);
        want[l] = dse_evaljob_front_new(ej);
        for (uint64_t i = 0; i < job->layers[l].space->size; i++)
            if (s_measure(truth, l, i, m))
                dse_front_insert(want[l], i, 0, 0, m);
    }
    *n_round1 = 0;
    for (int round = 0, more = 1; more; round++) {
        if (round == 1) {
            for (size_t l = 0; l < nl; l++)
                disc[l][0] = s_discordant(rf[l], truth, l);
            if (refit) {
                CHECK_INT(dse_refine_refit(rf, nl, fit_ej, fit1, &err), 0);
                /* the key the stand-in changed is found (300; the preset says 30) */
                size_t k = 0;
                while (strcmp(job->model->preset_keys[k].name, "dma_setup_cycles") != 0)
                    k++;
                CHECK(fabs(fit_ej->job->hw[k] - 300) <= 15);
                for (size_t l = 0; l < nl; l++)
                    disc[l][1] = s_discordant(rf[l], truth, l);
            }
        } else if (round > 1 && refit) {
            dse_fit_t f;
            CHECK_INT(dse_refine_refit(rf, nl, fit_ej, &f, &err), 0);
        }
        more = 0;
        for (size_t l = 0; l < nl; l++) {
            uint64_t *idx;
            size_t n = dse_refine_next(rf[l], UINT64_MAX, &idx);
            more |= n > 0;
            if (round == 1 && l == 0 && n) {
                *round1 = dse_xmalloc(n * sizeof **round1);
                memcpy(*round1, idx, n * sizeof **round1);
                *n_round1 = n;
            }
            for (size_t k = 0; k < n; k++)
                if (s_measure(truth, l, idx[k], m)) {
                    dse_refine_tell(rf[l], idx[k], m);
                    dse_front_insert(got[l], idx[k], 0, 0, m);
                }
            free(idx);
        }
    }
    uint64_t measured = 0;
    *exact = 1;
    for (size_t l = 0; l < nl; l++) {
        measured += dse_refine_measured(rf[l]);
        dse_front_sort(got[l]);
        dse_front_sort(want[l]);
        int same = dse_front_size(got[l]) == dse_front_size(want[l]);
        for (size_t i = 0; same && i < dse_front_size(got[l]); i++)
            same = dse_front_index(got[l], i) == dse_front_index(want[l], i);
        *exact &= same;
        dse_refine_destroy(&rf[l]);
        dse_front_destroy(&got[l]);
        dse_front_destroy(&want[l]);
    }
    dse_evaljob_destroy(&fit_ej);
    return measured;
}

DSE_TEST(refine_refit_between_rounds)
{
    dse_evaljob_t *ej = s_job(""), *truth = s_job("dma_setup_cycles = 300");
    if (!ej || !truth) {
        dse_evaljob_destroy(&ej);
        dse_evaljob_destroy(&truth);
        return;
    }
    uint64_t disc[2][2] = {{0}}, disc0[2][2] = {{0}}, *r1 = NULL, *r0 = NULL;
    size_t n1 = 0, n0 = 0;
    int exact = 0, exact0 = 0;
    dse_fit_t f1, unused;
    uint64_t without = s_run(ej, truth, 0, &exact0, disc0, &unused, &r0, &n0);
    uint64_t with = s_run(ej, truth, 1, &exact, disc, &f1, &r1, &n1);
    /* the fit finds the constants: the error after round 0 falls */
    CHECK(f1.points > 0);
    CHECK(f1.rms_after < f1.rms_before / 2);
    /* and the ranking changes, towards the measurements */
    for (size_t l = 0; l < 2; l++)
        CHECK(disc[l][1] < disc[l][0]);
    CHECK(n1 != n0 || (n1 && memcmp(r1, r0, n1 * sizeof *r1) != 0));
    /* the measured fronts stay those of measuring every point */
    CHECK(exact);
    printf("  refit: rms log error %.4f -> %.4f; discordant pairs %llu -> %llu, %llu -> %llu; "
           "measured %llu with the refit, %llu without (fronts %s, %s)\n", f1.rms_before,
           f1.rms_after, (unsigned long long)disc[0][0], (unsigned long long)disc[0][1],
           (unsigned long long)disc[1][0], (unsigned long long)disc[1][1],
           (unsigned long long)with, (unsigned long long)without, exact ? "exact" : "not exact",
           exact0 ? "exact" : "not exact");
    free(r1);
    free(r0);
    dse_evaljob_destroy(&ej);
    dse_evaljob_destroy(&truth);
}

/* The stand-in of bench/refine.c: the truth's cycles times 1 + 0.05 u, u a
 * fixed number in [-1, 1] per point (a model error of at most 5.3%). */
static int s_noisy(const dse_evaljob_t *truth, size_t l, uint64_t i, double *m)
{
    if (!s_measure(truth, l, i, m))
        return 0;
    uint64_t key[2] = {i, l};
    double u = (double)(dse_hash64(key, sizeof key, 0x5eed) % 2001) / 1000.0 - 1.0;
    m[truth->job->layer_objectives[0]] *= 1 + 0.05 * u;
    return 1;
}

/* refine in `mode` to the end, refitting between rounds; returns the
 * points measured, *exact: the fronts equal those of measuring every
 * point (brute force), *feasible: the model-feasible points. */
static uint64_t s_run_mode(const dse_evaljob_t *ej, const dse_evaljob_t *truth, int mode,
                           double margin, int *exact, uint64_t *feasible)
{
    const dse_job_t *job = ej->job;
    size_t nl = job->n_layers;
    dse_refine_t *rf[2] = {NULL, NULL};
    dse_front_t *got[2], *want[2];
    dse_evaljob_t *fit_ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    double m[DSE_MAX_METRICS], mg[DSE_MAX_OBJECTIVES];
    for (size_t j = 0; j < DSE_MAX_OBJECTIVES; j++)
        mg[j] = margin;
    CHECK(dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &fit_ej, &err) == 0);
    for (size_t l = 0; l < nl; l++) {
        rf[l] = dse_refine_new(ej, l, mg, &err);
        dse_refine_set_mode(rf[l], mode, DSE_REFINE_SAFETY);
        got[l] = dse_evaljob_front_new(ej);
        want[l] = dse_evaljob_front_new(ej);
        for (uint64_t i = 0; i < job->layers[l].space->size; i++)
            if (s_noisy(truth, l, i, m))
                dse_front_insert(want[l], i, 0, 0, m);
    }
    int rounds = 0;
    for (int more = 1; more && rounds < 1000; rounds++) {
        dse_fit_t f;
        if (rounds > 0) {
            CHECK_INT(dse_refine_refit(rf, nl, fit_ej, &f, &err), 0);
            dse_refine_pool(rf, nl);
        }
        more = 0;
        for (size_t l = 0; l < nl; l++) {
            uint64_t *idx;
            size_t n = dse_refine_next(rf[l], UINT64_MAX, &idx);
            more |= n > 0;
            for (size_t k = 0; k < n; k++)
                if (s_noisy(truth, l, idx[k], m)) {
                    dse_refine_tell(rf[l], idx[k], m);
                    dse_front_insert(got[l], idx[k], 0, 0, m);
                }
            free(idx);
        }
    }
    CHECK(rounds < 1000);
    uint64_t measured = 0;
    *exact = 1;
    *feasible = 0;
    for (size_t l = 0; l < nl; l++) {
        measured += dse_refine_measured(rf[l]);
        *feasible += dse_refine_feasible(rf[l]);
        dse_front_sort(got[l]);
        dse_front_sort(want[l]);
        int same = dse_front_size(got[l]) == dse_front_size(want[l]);
        for (size_t i = 0; same && i < dse_front_size(got[l]); i++)
            same = dse_front_index(got[l], i) == dse_front_index(want[l], i);
        *exact &= same;
        dse_refine_destroy(&rf[l]);
        dse_front_destroy(&got[l]);
        dse_front_destroy(&want[l]);
    }
    dse_evaljob_destroy(&fit_ej);
    return measured;
}

/* Both margin modes give the fronts of measuring every point, on a model
 * whose constants are right and on one whose DMA setup is 10 times too
 * small, under a 5% error the model cannot explain; adaptive measures
 * fewer points. */
DSE_TEST(refine_modes_exact)
{
    dse_evaljob_t *ej = s_job(""), *same = s_job(""), *off = s_job("dma_setup_cycles = 300");
    if (!ej || !same || !off) {
        dse_evaljob_destroy(&ej);
        dse_evaljob_destroy(&same);
        dse_evaljob_destroy(&off);
        return;
    }
    CHECK_INT(ej->job->margin_mode, DSE_MARGIN_ADAPTIVE); /* the default */
    const dse_evaljob_t *truths[2] = {same, off};
    for (int t = 0; t < 2; t++) {
        int ed = 0, ea = 0;
        uint64_t feasible = 0;
        /* declared: 0.12 >= (1 + 0.053) / (1 - 0.053) - 1 when the constants
         * are right; with the wrong constant the declared bound is false */
        uint64_t decl = s_run_mode(ej, truths[t], DSE_MARGIN_DECLARED, 0.12, &ed, &feasible);
        uint64_t ad = s_run_mode(ej, truths[t], DSE_MARGIN_ADAPTIVE, 0.12, &ea, &feasible);
        if (t == 0)
            CHECK(ed);
        CHECK(ea);
        CHECK(ad < decl);
        CHECK(ad < feasible);
        printf("  %s: declared 0.12 measured %llu of %llu feasible points (fronts %s), adaptive "
               "%llu (%.1f%%, fronts %s)\n", t ? "dma_setup_cycles 300" : "preset constants",
               (unsigned long long)decl, (unsigned long long)feasible,
               ed ? "exact" : "not exact", (unsigned long long)ad,
               100.0 * (double)ad / (double)feasible, ea ? "exact" : "not exact");
    }
    dse_evaljob_destroy(&ej);
    dse_evaljob_destroy(&same);
    dse_evaljob_destroy(&off);
}

/* With a budget smaller than what the screen asks for, refine spends it in
 * small rounds (half the budget left each), the most promising points
 * first, with the model refitted between them; on the noisy stand-in with
 * the wrong DMA constant, the measured fronts it finds hold more of the
 * true fronts' hypervolume than the same number of points taken at random
 * (seeds 1 to 5, each). */
DSE_TEST(refine_budget_rounds)
{
    dse_evaljob_t *ej = s_job(""), *truth = s_job("dma_setup_cycles = 300");
    dse_evaljob_t *fit_ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (!ej || !truth ||
        dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &fit_ej, &err) != 0) {
        CHECK(!"jobs");
        dse_evaljob_destroy(&ej);
        dse_evaljob_destroy(&truth);
        return;
    }
    const dse_job_t *job = ej->job;
    size_t nl = job->n_layers;
    const uint64_t budget = 6;
    dse_refine_t *rf[2] = {NULL, NULL};
    double m[DSE_MAX_METRICS];
    for (size_t l = 0; l < nl; l++) {
        rf[l] = dse_refine_new(ej, l, job->margin, &err);
        dse_refine_set_mode(rf[l], DSE_MARGIN_ADAPTIVE, DSE_REFINE_SAFETY);
    }
    dse_front_t *got[2] = {dse_evaljob_front_new(ej), dse_evaljob_front_new(ej)};
    int rounds[2] = {0, 0}, refits = 0;
    for (int round = 0, more = 1; more && round < 100; round++) {
        dse_fit_t f;
        if (round > 0) {
            CHECK_INT(dse_refine_refit(rf, nl, fit_ej, &f, &err), 0);
            refits += f.points > 0;
            dse_refine_pool(rf, nl);
        }
        more = 0;
        for (size_t l = 0; l < nl; l++) {
            uint64_t left = budget - dse_refine_measured(rf[l]), *idx;
            size_t n = dse_refine_next(rf[l], left, &idx);
            if (!n)
                continue;
            more = 1;
            rounds[l]++;
            CHECK(n <= (left + 1) / 2); /* the screen asks for more than the budget */
            for (size_t k = 0; k < n; k++)
                if (s_noisy(truth, l, idx[k], m)) {
                    dse_refine_tell(rf[l], idx[k], m);
                    dse_front_insert(got[l], idx[k], 0, 0, m);
                }
            free(idx);
        }
    }
    CHECK(refits > 0);
    for (size_t l = 0; l < nl; l++) {
        CHECK(dse_refine_measured(rf[l]) == budget);
        CHECK(rounds[l] >= 3); /* 3, 2, 1 */
        dse_front_t *want = dse_evaljob_front_new(ej);
        const dse_space_t *sp = job->layers[l].space;
        for (uint64_t i = 0; i < sp->size; i++)
            if (s_noisy(truth, l, i, m))
                dse_front_insert(want, i, 0, 0, m);
        double ref[DSE_MAX_OBJECTIVES];
        dse_front_reference(want, ref, NULL);
        double hv = dse_hypervolume(want, ref), q = dse_hypervolume(got[l], ref) / hv;
        printf("  layer %zu: %llu points measured in %d rounds, hypervolume %.4f of the true "
               "front's; random:", l, (unsigned long long)budget, rounds[l], q);
        for (uint64_t seed = 1; seed <= 5; seed++) {
            dse_perm_t p;
            dse_perm_init(&p, sp->size, seed);
            dse_front_t *rnd = dse_evaljob_front_new(ej);
            uint64_t used = 0;
            for (uint64_t pos = 0; pos < sp->size && used < budget; pos++) {
                uint64_t i = dse_perm_at(&p, pos);
                if (s_noisy(truth, l, i, m)) {
                    used++;
                    dse_front_insert(rnd, i, 0, 0, m);
                }
            }
            double qr = dse_hypervolume(rnd, ref) / hv;
            printf(" %.4f", qr);
            CHECK(q > qr);
            dse_front_destroy(&rnd);
        }
        printf("\n");
        dse_front_destroy(&want);
        dse_front_destroy(&got[l]);
        dse_refine_destroy(&rf[l]);
    }
    dse_evaljob_destroy(&fit_ej);
    dse_evaljob_destroy(&ej);
    dse_evaljob_destroy(&truth);
}

/* Runs the search of ej (strategy refine, budget `budget`) without
 * workers, measuring on the noisy stand-in; per layer, the points
 * measured into measured[], the measured fronts into got[] (may be NULL).
 * Returns the rounds. */
static int s_search_run(dse_evaljob_t *ej, const dse_evaljob_t *truth, int64_t budget,
                        uint64_t *measured, dse_front_t **got)
{
    ej->job->budget = budget;
    dse_search_t *s = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_search_new(ej, 1.0, NULL, &s, &err), 0);
    if (!s)
        return 0;
    size_t w = ej->job->model->n_metrics;
    for (size_t l = 0; l < ej->job->n_layers; l++)
        measured[l] = 0;
    uint64_t next = 0;
    int rounds = 0;
    do {
        rounds++;
        for (; next < dse_search_n_units(s); next++) {
            dse_unit_t u;
            dse_search_unit(s, next, &u);
            CHECK(u.kind == DSE_UNIT_LIST);
            uint64_t *idx = dse_xmalloc((u.n + 1) * sizeof *idx);
            int64_t *zero = dse_xcalloc(u.n + 1, sizeof *zero);
            double *met = dse_xmalloc((u.n + 1) * w * sizeof *met);
            size_t n = 0;
            for (size_t k = 0; k < u.n; k++)
                if (s_noisy(truth, u.layer, u.indices[k], met + n * w)) {
                    idx[n] = u.indices[k];
                    if (got)
                        dse_front_insert(got[u.layer], idx[n], 0, 0, met + n * w);
                    n++;
                }
            measured[u.layer] += u.n;
            dse_search_feed(s, next, n, idx, zero, zero, met);
            free(idx);
            free(zero);
            free(met);
        }
    } while (rounds < 1000 && dse_search_advance(s, 0, 1) > 0);
    CHECK(rounds < 1000);
    dse_search_destroy(&s);
    return rounds;
}

/* The search shares a tight budget out among the layers each round (the
 * budget left split evenly among the layers that ask for more): both
 * layers of the job measure half of it, where handing the whole budget
 * left to each layer in turn gave the first 8 points of 12 and the second
 * 4. With no budget the search measures what running each layer's refine
 * to the end does, and finds the fronts of measuring every point. */
DSE_TEST(refine_budget_shared)
{
    dse_evaljob_t *ej = s_job(""), *truth = s_job("");
    if (!ej || !truth) {
        dse_evaljob_destroy(&ej);
        dse_evaljob_destroy(&truth);
        return;
    }
    uint64_t measured[2];
    int rounds = s_search_run(ej, truth, 12, measured, NULL);
    printf("  budget 12: %llu and %llu points measured in %d rounds\n",
           (unsigned long long)measured[0], (unsigned long long)measured[1], rounds);
    CHECK_INT(measured[0] + measured[1], 12);
    CHECK_INT(measured[0], 6);
    CHECK_INT(measured[1], 6);
    CHECK(rounds >= 3); /* 3 + 3, 2 + 2, 1 + 1 */
    /* an odd budget: the extra point goes to the layer that has measured
     * fewer (then the earlier) */
    s_search_run(ej, truth, 13, measured, NULL);
    CHECK_INT(measured[0] + measured[1], 13);
    CHECK(measured[0] + 1 >= measured[1] && measured[1] + 1 >= measured[0]);

    /* no budget: it does not bind */
    dse_front_t *got[2] = {dse_evaljob_front_new(ej), dse_evaljob_front_new(ej)};
    s_search_run(ej, truth, 0, measured, got);
    int exact = 0;
    uint64_t feasible = 0;
    uint64_t alone = s_run_mode(ej, truth, DSE_MARGIN_ADAPTIVE, 0.12, &exact, &feasible);
    printf("  no budget: %llu + %llu points measured, each layer's refine alone %llu\n",
           (unsigned long long)measured[0], (unsigned long long)measured[1],
           (unsigned long long)alone);
    CHECK(exact);
    CHECK_INT(measured[0] + measured[1], alone);
    double m[DSE_MAX_METRICS];
    for (size_t l = 0; l < 2; l++) {
        dse_front_t *want = dse_evaljob_front_new(ej);
        for (uint64_t i = 0; i < ej->job->layers[l].space->size; i++)
            if (s_noisy(truth, l, i, m))
                dse_front_insert(want, i, 0, 0, m);
        dse_front_sort(want);
        dse_front_sort(got[l]);
        int same = dse_front_size(got[l]) == dse_front_size(want);
        for (size_t i = 0; same && i < dse_front_size(want); i++)
            same = dse_front_index(got[l], i) == dse_front_index(want, i);
        CHECK(same);
        dse_front_destroy(&want);
        dse_front_destroy(&got[l]);
    }
    dse_evaljob_destroy(&ej);
    dse_evaljob_destroy(&truth);
}
