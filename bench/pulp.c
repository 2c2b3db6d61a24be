/* pulp.c - evaluation rate of the pulp-cluster model: points/s in one thread
 * with matmul = "best" over FW + WG + IG, on the quickstart (DS-CNN-S)
 * layers and their default tile spaces (divisors), or with --resnet8 on the
 * layers of configs/resnet8-train-huge.toml with every tile size of
 * tile_cout, tile_ho and tile_wo (the spaces that config makes too large
 * for the per-layer cache).
 *
 *   bench-pulp [--direct] [--resnet8] [--reps N] [--sample N] [--digest]
 *
 * --direct times only the direct path (no cache; also PULP_DIRECT_ONLY=1),
 * --reps repeats each layer's space N times, --digest prints an FNV-1a
 * hash of every metric of every point (to compare two builds).
 * --sample N (with --resnet8) gives each layer the whole space of
 * configs/resnet8-train-huge.toml (every tile_cin, cores 1/2/4/8, the 25
 * matmul values, 4 pruning ratios) and evaluates N seeded random points of
 * it, as a sampling search does: the rate a run of that config sees.
 * Each direct run also prints how many steps the fast path summed by
 * distinct tile dims and how many of them fell back to the class-by-class
 * sum (hwmodels/pulp_cluster.c, step_grouped). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/space.h"
#include "core/util.h"
#include "hwmodels/pulp_cluster.h"

static const dse_hwmodel_t *M = &dse_model_pulp_cluster;

static int s_all_sizes, s_digest_on; /* --resnet8: every tile size, not only divisors */
static uint64_t s_sample; /* --sample N: N random points of each layer's whole space */

static size_t divisors(int64_t n, double *out)
{
    size_t c = 0;
    for (int64_t d = 1; d <= n; d++)
        if (s_all_sizes || n % d == 0)
            out[c++] = (double)d;
    return c;
}

static uint64_t s_digest = 1469598103934665603ull;

static void digest(const double *m, size_t n)
{
    const unsigned char *b = (const unsigned char *)m;
    for (size_t i = 0; i < n * sizeof *m; i++)
        s_digest = (s_digest ^ b[i]) * 1099511628211ull;
}

static void layer(dse_layer_t *l, dse_op_t op, int64_t cin, int64_t h, int64_t w, int64_t cout,
                  int64_t kh, int64_t kw, int64_t s, int64_t pt, int64_t pl, int64_t pb,
                  int64_t pr)
{
    memset(l, 0, sizeof *l);
    l->op = op, l->cin = cin, l->hin = h, l->win = w, l->cout = cout;
    l->kh = kh, l->kw = kw, l->sh = l->sw = s;
    l->pad_t = pt, l->pad_l = pl, l->pad_b = pb, l->pad_r = pr;
    l->hout = (h + pt + pb - kh) / s + 1;
    l->wout = (w + pl + pr - kw) / s + 1;
    if (op == DSE_OP_LINEAR) {
        l->hin = l->win = l->hout = l->wout = l->kh = l->kw = l->sh = l->sw = 1;
        l->m = 1, l->n = cout, l->k = cin;
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run(dse_job_t *job_p, dse_layer_t *L, int cached, int reps)
{
    dse_job_t job = *job_p;
    uint64_t points = 0, feasible = 0;
    double t0 = now(), prep = 0;
    for (size_t li = 0; li < job.n_layers; li++) {
        dse_layer_t *l = &L[li];
        int dense = l->op == DSE_OP_LINEAR;
        double vc[256], vh[256], vw[256], vci[1] = {0}, vb[2] = {0, 1}, vco[1] = {8};
        double vm[25] = {0}, vp[4] = {0, 0.25, 0.5, 0.75}, vcw[4] = {1, 2, 4, 8};
        size_t n[8] = {divisors(l->cout, vc), dense ? 1 : divisors(l->hout, vh),
                       dense ? 1 : divisors(l->wout, vw), 1, 2, 1, 1, 1};
        double vcia[256];
        if (s_sample) { /* the config's whole domains */
            n[3] = divisors(l->cin, vcia);
            n[5] = 4, n[6] = 25, n[7] = 4;
            for (int k = 0; k < 25; k++)
                vm[k] = k;
        }
        if (dense)
            vh[0] = vw[0] = 1;
        const double *vals[8] = {vc, vh, vw, s_sample ? vcia : vci, vb, s_sample ? vcw : vco, vm, vp};
        dse_error_t err = DSE_ERROR_INIT;
        l->space = dse_space_new(8, vals, n, &err);
        void *ctx;
        double tp = now();
        dse_space_t *keep = l->space;
        if (!cached)
            l->space = NULL; /* no space at prepare: no cache, direct evaluation */
        int rc = M->prepare(&job, li, 0, &ctx, &err);
        l->space = keep;
        if (rc != 0) {
            fprintf(stderr, "prepare: %s\n", err.msg);
            return -1;
        }
        prep += now() - tp;
        double p[8], m[DSE_PULP_M__COUNT], sink = 0;
        int dig = s_digest_on && !cached;
        /* the layer's space repeated so the timing is not dominated by the
         * clock (digested once), or s_sample seeded random points of it */
        uint64_t size = l->space->size, rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)li;
        uint64_t count = s_sample ? s_sample : (uint64_t)reps * size;
        for (uint64_t k = 0; k < count; k++) {
            uint64_t i = k % size;
            if (s_sample) {
                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; /* xorshift64 */
                i = rng % size;
            }
            dse_space_decode(l->space, i, p);
            if (dig)
                memset(m, 0, sizeof m);
            int ok = M->evaluate(ctx, p, m);
            if (ok) {
                sink += m[0];
                feasible++;
            }
            if (dig && (s_sample || k < size)) {
                double okd = ok;
                digest(&okd, 1);
                digest(m, DSE_PULP_M__COUNT);
            }
            points++;
        }
        if (sink < 0)
            printf("impossible\n");
        M->release(ctx);
        dse_space_destroy(&l->space);
    }
    double dt = now() - t0 - prep;
    printf("pulp-cluster: %.0f points/s per core (%s; %llu points, %.1f%% feasible, %.3f s; "
           "prepare %.4f s)\n",
           (double)points / dt, cached ? "cached" : "direct, no cache", (unsigned long long)points, 100.0 * (double)feasible / (double)points,
           dt, prep);
    if (s_digest_on && !cached)
        printf("pulp-cluster: digest of the direct path's metrics %016llx\n",
               (unsigned long long)s_digest);
    uint64_t gs, gf;
    dse__pulp_group_stats(&gs, &gf);
    if (!cached && gs)
        printf("pulp-cluster: %llu steps summed by distinct tile dims, %llu (%.3f%%) fell back to "
               "the class-by-class sum\n",
               (unsigned long long)gs, (unsigned long long)gf, 100.0 * (double)gf / (double)gs);
    return 0;
}

static void conv(dse_layer_t *l, int64_t cin, int64_t h, int64_t cout, int64_t k, int64_t s,
                 int64_t pt, int64_t pb)
{
    layer(l, k == 1 ? DSE_OP_PW : DSE_OP_CONV2D, cin, h, h, cout, k, k, s, pt, pt, pb, pb);
}

int main(int argc, char **argv)
{
    int direct = getenv("PULP_DIRECT_ONLY") != NULL, resnet8 = 0, reps = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--direct") == 0)
            direct = 1;
        else if (strcmp(argv[i], "--resnet8") == 0)
            resnet8 = 1;
        else if (strcmp(argv[i], "--digest") == 0)
            s_digest_on = 1;
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--sample") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            s_sample = (uint64_t)atoi(argv[++i]);
        else {
            fprintf(stderr, "bench-pulp: unknown argument \"%s\"\n"
                            "usage: bench-pulp [--direct] [--resnet8] [--reps N] [--sample N] [--digest]\n",
                    argv[i]);
            return 2;
        }
    }
    dse_job_t job;
    memset(&job, 0, sizeof job);
    job.model = M;
    for (size_t i = 0; i < M->n_preset_keys; i++)
        job.hw[i] = M->preset_keys[i].dflt;
    job.dtype = DSE_DTYPE_FP32;
    job.steps = DSE_STEP_FW | DSE_STEP_WG | DSE_STEP_IG;
    dse_layer_t L[10];
    if (resnet8) {
        /* configs/resnet8-train-huge.toml: pulp-open-128k, its 10 layers */
        s_all_sizes = 1;
        job.hw[DSE_PULP_HW_L1] = 131072;
        conv(&L[0], 3, 32, 16, 3, 1, 1, 1);
        conv(&L[1], 16, 32, 16, 3, 1, 1, 1);
        conv(&L[2], 16, 32, 16, 3, 1, 1, 1);
        conv(&L[3], 16, 32, 32, 3, 2, 0, 1);
        conv(&L[4], 32, 16, 32, 3, 1, 1, 1);
        conv(&L[5], 16, 32, 32, 1, 2, 0, 0);
        conv(&L[6], 32, 16, 64, 3, 2, 0, 1);
        conv(&L[7], 64, 8, 64, 3, 1, 1, 1);
        conv(&L[8], 32, 16, 64, 1, 2, 0, 0);
        layer(&L[9], DSE_OP_LINEAR, 64, 1, 1, 10, 1, 1, 1, 0, 0, 0, 0);
    } else {
        layer(&L[0], DSE_OP_CONV2D, 1, 49, 10, 64, 10, 4, 2, 4, 1, 5, 1);
        for (int b = 0; b < 4; b++) {
            layer(&L[1 + 2 * b], DSE_OP_DW, 64, 25, 5, 64, 3, 3, 1, 1, 1, 1, 1);
            layer(&L[2 + 2 * b], DSE_OP_PW, 64, 25, 5, 64, 1, 1, 1, 0, 0, 0, 0);
        }
        layer(&L[9], DSE_OP_LINEAR, 64, 1, 1, 12, 1, 1, 1, 0, 0, 0, 0);
    }
    job.layers = L;
    job.n_layers = 10;
    if (s_sample && !resnet8) {
        fprintf(stderr, "bench-pulp: --sample needs --resnet8\n");
        return 2;
    }
    int rd = reps ? reps : resnet8 ? 1 : direct ? 400 : 200;
    if (direct || resnet8)
        return run(&job, L, 0, rd) ? 1 : 0;
    if (run(&job, L, 1, reps ? reps : 2000) || run(&job, L, 0, rd))
        return 1;
    return 0;
}
