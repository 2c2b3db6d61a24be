/* bench/quality.c - how close random and nsga2 get to the exact front.
 *
 * For each config (default: the reference configs small enough for
 * exhaustive search): the exact network front (exhaustive search, then the
 * composition); then random and nsga2 with budgets of 1% and 5% of the
 * exhaustive evaluations, and the ratio of their network front's
 * hypervolume to the exact one, both against the exact front's reference
 * point (dse_front_reference); then the smallest budget on a grid that
 * reaches 99%. Everything runs in this process on one thread: the searches
 * are deterministic per seed, so the figures do not depend on workers.
 *
 *   bench-quality [CONFIG...]
 *   bench-quality --huge CONFIG SECONDS   nsga2 and random for SECONDS each
 *                                          on a space too large to enumerate,
 *                                          with a budget of 1% of its points
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "outputs/outputs.h"
#include "core/pareto.h"
#include "core/space.h"
#include "core/util.h"
#include "search/search.h"

typedef struct {
    dse_front_t **fronts;
    uint64_t evaluated;
    unsigned generations;
    double seconds;
} s_result_t;

static void s_result_free(const dse_evaljob_t *ej, s_result_t *r)
{
    for (size_t i = 0; r->fronts && i < ej->job->n_layers; i++)
        dse_front_destroy(&r->fronts[i]);
    free(r->fronts);
    r->fronts = NULL;
}

/* Runs a search in process, unit after unit, as the coordinator would. */
static int s_search(dse_evaljob_t *ej, const char *strategy, uint64_t budget, double seconds,
                    const double *rate, s_result_t *r)
{
    dse_job_t *job = ej->job;
    free(job->strategy);
    job->strategy = dse_xstrdup(strategy);
    job->budget = (int64_t)budget;
    job->seconds = seconds;
    memset(r, 0, sizeof *r);
    r->fronts = dse_xcalloc(job->n_layers, sizeof *r->fronts);
    for (size_t i = 0; i < job->n_layers; i++)
        r->fronts[i] = dse_evaljob_front_new(ej);
    dse_search_t *s = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    double t0 = dse_now();
    if (dse_search_new(ej, 0.05, rate, &s, &err)) {
        fprintf(stderr, "bench-quality: %s\n", err.msg);
        return -1;
    }
    dse_counters_t cnt = {0};
    dse_search_run_here(s, ej, r->fronts, &cnt);
    r->evaluated = cnt.evaluated;
    r->seconds = dse_now() - t0;
    r->generations = dse_search_generations(s);
    dse_search_destroy(&s);
    return 0;
}

/* The network front's objective vectors as a front of their own. */
static dse_front_t *s_network(const dse_evaljob_t *ej, s_result_t *r, double *compose_s)
{
    const dse_job_t *job = ej->job;
    dse_netfront_t *nf = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    double t0 = dse_now();
    if (dse_outputs_compose(ej, r->fronts, NULL, &nf, &err)) {
        fprintf(stderr, "bench-quality: composition: %s\n", err.msg);
        return NULL;
    }
    if (compose_s)
        *compose_s = dse_now() - t0;
    int cols[DSE_MAX_OBJECTIVES];
    for (size_t k = 0; k < job->n_objectives; k++)
        cols[k] = (int)k;
    dse_front_t *f = dse_front_new(job->n_objectives, job->n_objectives, cols);
    for (size_t q = 0; q < dse_netfront_size(nf); q++) {
        double v[DSE_MAX_OBJECTIVES];
        for (size_t k = 0; k < job->n_objectives; k++)
            v[k] = dse_netfront_metrics(nf, q)[job->objectives[k]];
        dse_front_push(f, q, 0, 0, v);
    }
    dse_netfront_destroy(&nf);
    return f;
}

static double s_ratio(dse_evaljob_t *ej, const char *strategy, uint64_t budget, const double *rate,
                      const double *ref, double hv_exact, s_result_t *info)
{
    s_result_t r;
    if (s_search(ej, strategy, budget, 0, rate, &r))
        return NAN;
    dse_front_t *f = s_network(ej, &r, NULL);
    double hv = f ? dse_hypervolume(f, ref) : NAN;
    dse_front_destroy(&f);
    *info = r;
    s_result_free(ej, &r);
    return hv / hv_exact;
}

/* The job of a config, built, with each layer's measured evaluation rate. */
static dse_evaljob_t *s_load(const char *path, double **rate)
{
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load(path, &job, &err) || dse_evaljob_new(&job, &ej, &err)) {
        fprintf(stderr, "bench-quality: %s: %s\n", path, err.msg);
        return NULL;
    }
    *rate = dse_xcalloc(ej->job->n_layers, sizeof **rate);
    for (size_t i = 0; i < ej->job->n_layers; i++)
        (*rate)[i] = dse_eval_rate(ej, i);
    return ej;
}

static int s_quality(const char *path)
{
    double *rate = NULL;
    dse_evaljob_t *ej = s_load(path, &rate);
    if (!ej)
        return 1;
    s_result_t ex;
    double compose_s = 0;
    s_search(ej, "exhaustive", 0, 0, rate, &ex);
    dse_front_t *exf = s_network(ej, &ex, &compose_s);
    s_result_free(ej, &ex);
    if (!exf) {
        free(rate);
        dse_evaljob_destroy(&ej);
        return 1;
    }
    double ref[DSE_MAX_OBJECTIVES];
    dse_front_reference(exf, ref, NULL);
    double hv_exact = dse_hypervolume(exf, ref);
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    printf("quality %s: exhaustive %llu evaluations, network front %zu points (composed in %.2f s)\n",
           name, (unsigned long long)ex.evaluated, dse_front_size(exf), compose_s);
    static const double grid[] = {0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5,
                                  0.75, 1.0};
    const size_t n_grid = sizeof grid / sizeof grid[0];
    const char *strategies[] = {"random", "nsga2"};
    for (int si = 0; si < 2; si++) {
        const char *st = strategies[si];
        s_result_t info;
        double r1 = s_ratio(ej, st, (uint64_t)ceil(0.01 * ex.evaluated), rate, ref, hv_exact, &info);
        uint64_t e1 = info.evaluated;
        double r5 = s_ratio(ej, st, (uint64_t)ceil(0.05 * ex.evaluated), rate, ref, hv_exact, &info);
        uint64_t e5 = info.evaluated;
        double reach = NAN;
        uint64_t reach_e = 0;
        for (size_t g = 0; g < n_grid; g++) {
            double r = s_ratio(ej, st, (uint64_t)ceil(grid[g] * ex.evaluated), rate, ref,
                               hv_exact, &info);
            if (r >= 0.99) {
                reach = grid[g];
                reach_e = info.evaluated;
                break;
            }
        }
        printf("quality %s %-6s: hypervolume ratio %.4f at 1%% (%llu evaluations), %.4f at 5%% "
               "(%llu); 99%% reached with ",
               name, st, r1, (unsigned long long)e1, r5, (unsigned long long)e5);
        if (isnan(reach))
            printf("no budget up to 100%%\n");
        else
            printf("%llu evaluations (%.1f%% of exhaustive)\n", (unsigned long long)reach_e,
                   100.0 * (double)reach_e / (double)ex.evaluated);
    }
    dse_front_destroy(&exf);
    free(rate);
    dse_evaljob_destroy(&ej);
    return 0;
}

/* A space too large to enumerate: random and nsga2 for `seconds` each;
 * both network fronts measured against the reference of their union. */
static int s_huge(const char *path, double seconds)
{
    double *rate = NULL;
    dse_evaljob_t *ej = s_load(path, &rate);
    if (!ej)
        return 1;
    long double points = 0;
    for (size_t i = 0; i < ej->job->n_layers; i++)
        points += (long double)ej->job->layers[i].space->size;
    const char *strategies[] = {"random", "nsga2"};
    dse_front_t *nets[2] = {NULL, NULL};
    s_result_t info[2];
    for (int si = 0; si < 2; si++) {
        s_result_t r;
        /* a budget of 1% of the space, which the wall time cuts short */
        s_search(ej, strategies[si], (uint64_t)(points / 100), seconds, rate, &r);
        nets[si] = s_network(ej, &r, NULL);
        info[si] = r;
        s_result_free(ej, &r);
    }
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!nets[0] || !nets[1]) {
        dse_front_destroy(&nets[0]);
        dse_front_destroy(&nets[1]);
        free(rate);
        dse_evaljob_destroy(&ej);
        return 1;
    }
    dse_front_t *u = dse_front_new(dse_front_width(nets[0]), dse_front_n_obj(nets[0]),
                                   dse_front_obj(nets[0]));
    dse_front_merge(u, nets[0]);
    dse_front_merge(u, nets[1]);
    double ref[DSE_MAX_OBJECTIVES];
    dse_front_reference(u, ref, NULL);
    double hv_u = dse_hypervolume(u, ref);
    printf("quality %s (%.3Lg points): %.0f s each, one thread\n", name, points, seconds);
    for (int si = 0; si < 2; si++) {
        char gen[64] = "";
        if (info[si].generations)
            snprintf(gen, sizeof gen, " (%u generations)", info[si].generations);
        printf("quality %s %-6s: %llu evaluations%s in %.1f s, network front %zu points, "
               "hypervolume %.4f of the union of both fronts\n",
               name, strategies[si], (unsigned long long)info[si].evaluated, gen,
               info[si].seconds,
               dse_front_size(nets[si]), dse_hypervolume(nets[si], ref) / hv_u);
    }
    dse_front_destroy(&u);
    dse_front_destroy(&nets[0]);
    dse_front_destroy(&nets[1]);
    free(rate);
    dse_evaljob_destroy(&ej);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--huge") == 0)
        return s_huge(argv[2], atof(argv[3]));
    static const char *defaults[] = {"configs/quickstart.toml", "configs/resnet8-train.toml",
                                     "configs/dscnn-infer.toml", "configs/mobilenetv2-siracusa.toml",
                                     "configs/slm-prefill.toml", "configs/cnv-w2a2-pynq.toml",
                                     "configs/cnv-w2a2-pynq-4obj.toml"};
    int rc = 0;
    if (argc > 1)
        for (int i = 1; i < argc; i++)
            rc |= s_quality(argv[i]);
    else
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            rc |= s_quality(defaults[i]);
    return rc;
}
