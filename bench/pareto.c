/* bench/pareto.c - Pareto filter and insertion rates on random points. */
#include <stdio.h>
#include <stdlib.h>

#include "core/pareto.h"
#include "core/util.h"

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
    double *pts = dse_xmalloc(n * 4 * sizeof *pts);
    int obj[3] = {0, 1, 2};
    for (size_t k = 2; k <= 3; k++) {
        uint64_t rng = 1;
        for (size_t i = 0; i < n * 4; i++)
            pts[i] = (double)(s_rng(&rng) >> 11) / 9007199254740992.0;
        dse_front_t *f = dse_front_new(4, k, obj);
        for (size_t i = 0; i < n; i++)
            dse_front_push(f, i, 0, 0, pts + 4 * i);
        double t0 = dse_now();
        dse_front_filter(f);
        double t1 = dse_now();
        printf("pareto filter %zu-obj: %zu random points in %.3f s (%.1f Mpoints/s), front %zu\n", k,
               n, t1 - t0, n / (t1 - t0) / 1e6, dse_front_size(f));
        dse_front_clear(f);
        t0 = dse_now();
        for (size_t i = 0; i < n; i++)
            dse_front_insert(f, i, 0, 0, pts + 4 * i);
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
    free(pts);
    return 0;
}
