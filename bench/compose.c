/* bench/compose.c - the network composition on real layer fronts.
 *
 * For each config: exhaustive search in this process (one thread), then the
 * composition of the network front, timed alone. Prints the layer front
 * rows, the composition's wall time, the network front size and a digest
 * of the front (FNV-1a over every metric and chosen point index), so two
 * builds can be compared for identical fronts.
 *
 *   bench-compose [-v] [CONFIG...]   (default: the shipped CNV w2a2 configs;
 *                                     -v: a line per layer of each pass)
 *
 * bench/compose.sh adds the variants of the scaling targets: 6 pruning
 * ratios, 5 and 6 objectives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "outputs/outputs.h"
#include "core/pareto.h"
#include "core/util.h"
#include "search/compose.h"
#include "search/search.h"

static uint64_t s_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static double s_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int s_verbose;
static double s_t0;

/* -v: one line per layer of each pass (partials kept, seconds so far). */
static void s_progress(void *arg, int pass, size_t layer, size_t n_layers, size_t partials)
{
    (void)arg;
    fprintf(stderr, "  pass %d layer %zu/%zu: %zu partial networks, %.3f s\n", pass, layer + 1,
            n_layers, partials, dse_now() - s_t0);
}

static int s_one(const char *path)
{
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load(path, &job, &err) || dse_evaljob_new(&job, &ej, &err)) {
        fprintf(stderr, "bench-compose: %s: %s\n", path, err.msg);
        return 1;
    }
    const size_t L = ej->job->n_layers;
    dse_front_t **fronts = dse_xcalloc(L, sizeof *fronts);
    for (size_t i = 0; i < L; i++)
        fronts[i] = dse_evaljob_front_new(ej);
    dse_search_t *s = NULL;
    if (dse_search_new(ej, 0.25, NULL, &s, &err)) {
        fprintf(stderr, "bench-compose: %s: %s\n", path, err.msg);
        return 1;
    }
    dse_search_run_here(s, ej, fronts, NULL);
    dse_search_destroy(&s);
    size_t rows = 0;
    for (size_t i = 0; i < L; i++)
        rows += dse_front_size(fronts[i]);
    dse_netfront_t *nf = NULL;
    double t0 = dse_now(), c0 = s_cpu();
    s_t0 = t0;
    int rc = dse_outputs_compose_progress(ej, fronts, NULL, s_verbose ? s_progress : NULL, NULL,
                                          &nf, &err);
    double t1 = dse_now(), c1 = s_cpu();
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (rc) {
        printf("compose %s: %zu objectives, %zu layers, %zu layer front rows: failed after "
               "%.2f s: %s\n", name, ej->job->n_objectives, L, rows, t1 - t0, err.msg);
    } else {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < dse_netfront_size(nf); i++) {
            h = s_fnv(h, dse_netfront_metrics(nf, i), dse_netfront_n_net(nf) * sizeof(double));
            h = s_fnv(h, dse_netfront_points(nf, i), L * sizeof(uint64_t));
        }
        printf("compose %s: %zu objectives, %zu layers, %zu layer front rows: %.3f s (CPU %.3f s), "
               "network front %zu points, digest %016llx\n", name, ej->job->n_objectives, L,
               rows, t1 - t0, c1 - c0, dse_netfront_size(nf), (unsigned long long)h);
    }
    dse_netfront_destroy(&nf);
    for (size_t i = 0; i < L; i++)
        dse_front_destroy(&fronts[i]);
    free(fronts);
    dse_evaljob_destroy(&ej);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    int first = 1;
    if (argc > 1 && !strcmp(argv[1], "-v")) {
        s_verbose = 1;
        first = 2;
    }
    if (argc <= first) {
        rc |= s_one("configs/cnv-w2a2-pynq.toml");
        rc |= s_one("configs/cnv-w2a2-pynq-4obj.toml");
    }
    for (int i = first; i < argc; i++)
        rc |= s_one(argv[i]);
    return rc;
}
