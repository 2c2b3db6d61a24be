/* bench/pareto.c - Pareto filter and insertion rates on random points,
 * hypervolume, and network composition (search/compose). */
#include <stdio.h>
#include <stdlib.h>

#include "core/pareto.h"
#include "core/util.h"
#include "search/compose.h"

static uint64_t s_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int main(void)
{
    const size_t n = 1000000;
    double *pts = dse_xmalloc(n * 6 * sizeof *pts);
    int obj[6] = {0, 1, 2, 3, 4, 5};
    for (size_t k = 2; k <= 6; k++) {
        uint64_t rng = 1;
        for (size_t i = 0; i < n * 6; i++)
            pts[i] = (double)(s_rng(&rng) >> 11) / 9007199254740992.0;
        dse_front_t *f = dse_front_new(6, k, obj);
        for (size_t i = 0; i < n; i++)
            dse_front_push(f, i, 0, 0, pts + 6 * i);
        double t0 = dse_now();
        dse_front_filter(f);
        double t1 = dse_now();
        printf("pareto filter %zu-obj: %zu random points in %.3f s (%.1f Mpoints/s), front %zu\n", k,
               n, t1 - t0, n / (t1 - t0) / 1e6, dse_front_size(f));
        if (k > 4) {
            /* (insertion scans the front: beyond 4 objectives the filter) */
            dse_front_destroy(&f);
            continue;
        }
        dse_front_clear(f);
        t0 = dse_now();
        for (size_t i = 0; i < n; i++)
            dse_front_insert(f, i, 0, 0, pts + 6 * i);
        t1 = dse_now();
        printf("pareto insert %zu-obj: %zu random points in %.3f s (%.1f Mpoints/s), front %zu\n", k,
               n, t1 - t0, n / (t1 - t0) / 1e6, dse_front_size(f));
        dse_front_destroy(&f);
    }
    /* worst case for 2-D: every point on the front (anti-diagonal) */
    dse_front_t *g = dse_front_new(2, 2, obj);
    uint64_t rng = 3;
    for (size_t i = 0; i < n; i++) {
        double x = (double)(s_rng(&rng) >> 11) / 9007199254740992.0, p[2] = {x, 1 - x};
        dse_front_push(g, i, 0, 0, p);
    }
    double t0 = dse_now();
    dse_front_filter(g);
    double t1 = dse_now();
    printf("pareto filter 2-obj anti-diagonal: %zu points in %.3f s, front %zu\n", n, t1 - t0,
           dse_front_size(g));
    double ref[2] = {1.5, 1.5};
    t0 = dse_now();
    double hv = dse_hypervolume(g, ref);
    t1 = dse_now();
    printf("hypervolume 2-obj: front %zu in %.3f s (hv %.6f)\n", dse_front_size(g), t1 - t0, hv);
    dse_front_destroy(&g);

    /* 3-D hypervolume, worst case for the staircase: x + y fixed */
    dse_front_t *h = dse_front_new(3, 3, obj);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / (double)n, p[3] = {t, 1 - t, 0};
        p[2] = (double)(s_rng(&rng) >> 11) / 9007199254740992.0;
        dse_front_push(h, i, 0, 0, p);
    }
    dse_front_filter(h);
    double ref3[3] = {2, 2, 2};
    t0 = dse_now();
    hv = dse_hypervolume(h, ref3);
    t1 = dse_now();
    printf("hypervolume 3-obj: front %zu in %.3f s (hv %.6f)\n", dse_front_size(h), t1 - t0, hv);
    dse_front_destroy(&h);

    /* composition: 20 layers, latency (sum) and L1 (max) */
    enum { LAYERS = 20 };
    dse_front_t *lf[LAYERS];
    size_t rows = 0;
    for (size_t l = 0; l < LAYERS; l++) {
        lf[l] = dse_front_new(3, 2, obj);
        for (size_t i = 0; i < 10000; i++) {
            double t = (double)(s_rng(&rng) >> 11) / 9007199254740992.0, p[3];
            p[0] = 1000 * t + (double)(s_rng(&rng) % 100);
            p[1] = (double)(1 + s_rng(&rng) % 64) * 1024 * (1.0 - 0.9 * t);
            p[2] = (double)(s_rng(&rng) % 1000);
            dse_front_push(lf[l], i, 0, 0, p);
        }
        dse_front_filter(lf[l]);
        rows += dse_front_size(lf[l]);
    }
    int src[3] = {0, 1, 2};
    dse_agg_t agg[3] = {DSE_AGG_SUM, DSE_AGG_MAX, DSE_AGG_SUM};
    dse_compose_spec_t spec = {LAYERS, (const dse_front_t *const *)lf, 3, src, agg, 2, obj,
                               0, NULL, NULL, NULL, NULL, NULL, 0};
    dse_netfront_t *nf = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    t0 = dse_now();
    int rc = dse_compose(&spec, &nf, &err);
    t1 = dse_now();
    printf("compose: %d layers, %zu layer-front rows, 2 objectives: network front %zu in %.3f s\n",
           LAYERS, rows, rc ? 0 : dse_netfront_size(nf), t1 - t0);
    dse_netfront_destroy(&nf);
    for (size_t l = 0; l < LAYERS; l++)
        dse_front_destroy(&lf[l]);
    free(pts);
    return rc ? 1 : 0;
}
