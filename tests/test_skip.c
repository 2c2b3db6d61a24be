/* test_skip.c - skipping points a model proves infeasible (hwmodel.monotone)
 * in dse_eval_points: the same fronts and feasible points with skipping on
 * and off, counters that add up, and each claim of each model's hook checked
 * against brute-force evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/pareto.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "tests/test.h"
#include "eval/eval.h"

/* Loads a config, with an optional text replacement (from -> to). */
static dse_evaljob_t *load(const char *path, const char *from, const char *to)
{
    char *text = NULL;
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_read_file(path, &text, &len, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
        return NULL;
    }
    if (from) {
        char *at = strstr(text, from);
        if (!at) {
            free(text);
            dse__test_fail(__FILE__, __LINE__, "%s: no '%s'", path, from);
            return NULL;
        }
        dse_strbuf_t sb;
        dse_strbuf_init(&sb);
        dse_strbuf_add(&sb, text, (size_t)(at - text));
        dse_strbuf_adds(&sb, to);
        dse_strbuf_adds(&sb, at + strlen(from));
        free(text);
        text = dse_strbuf_detach(&sb, &len);
    }
    dse_job_t *job = NULL;
    int rc = dse_config_parse(path, text, len, 0, &job, &err);
    free(text);
    dse_evaljob_t *ej = NULL;
    if (rc == 0)
        rc = dse_evaljob_new(&job, &ej, &err);
    if (rc != 0) {
        char msg[1200];
        dse_error_format(&err, msg, sizeof msg);
        dse__test_fail(__FILE__, __LINE__, "%s: %s", path, msg);
        return NULL;
    }
    return ej;
}

/* 1 when two fronts hold the same rows (sorted first). */
static int same_front(dse_front_t *a, dse_front_t *b)
{
    dse_front_sort(a);
    dse_front_sort(b);
    if (dse_front_size(a) != dse_front_size(b))
        return 0;
    size_t w = dse_front_width(a);
    for (size_t i = 0; i < dse_front_size(a); i++)
        if (dse_front_index(a, i) != dse_front_index(b, i) ||
            dse_front_cin(a, i) != dse_front_cin(b, i) ||
            dse_front_cout(a, i) != dse_front_cout(b, i) ||
            memcmp(dse_front_row(a, i), dse_front_row(b, i), w * sizeof(double)) != 0)
            return 0;
    return 1;
}

/* The same rows in the same order (the unfiltered feasible points). */
static int same_rows(const dse_front_t *a, const dse_front_t *b)
{
    if (dse_front_size(a) != dse_front_size(b))
        return 0;
    size_t w = dse_front_width(a);
    for (size_t i = 0; i < dse_front_size(a); i++)
        if (dse_front_index(a, i) != dse_front_index(b, i) ||
            memcmp(dse_front_row(a, i), dse_front_row(b, i), w * sizeof(double)) != 0)
            return 0;
    return 1;
}

/* Evaluates a layer in units of `unit` points (the last one shorter), with
 * skipping on or off; fills the merged front, all feasible points in index
 * order, and the summed counters. */
static void run_layer(dse_evaljob_t *ej, size_t li, uint64_t unit, int skip,
                      dse_front_t *front, dse_front_t *all, dse_counters_t *cnt)
{
    uint64_t size = ej->job->layers[li].space->size;
    ej->no_skip = !skip;
    for (uint64_t lo = 0; lo < size; lo += unit) {
        uint64_t hi = size - lo < unit ? size : lo + unit;
        dse_front_t *f = dse_evaljob_front_new(ej);
        dse_counters_t c = {0};
        CHECK_INT(dse_eval_points(ej, li, lo, hi, NULL, 0, f, all, &c, NULL), 0);
        CHECK(c.evaluated + c.skipped == hi - lo);
        CHECK(c.feasible + c.infeasible == c.evaluated);
        if (!skip)
            CHECK(c.skipped == 0);
        dse_front_merge(front, f);
        dse_front_destroy(&f);
        cnt->evaluated += c.evaluated;
        cnt->feasible += c.feasible;
        cnt->infeasible += c.infeasible;
        cnt->skipped += c.skipped;
    }
    ej->no_skip = 0;
}

/* The reference: every point of the layer through the explicit-index path
 * (a plain decode per point, never skipped). */
static void run_listed(const dse_evaljob_t *ej, size_t li, dse_front_t *front, dse_front_t *all,
                       dse_counters_t *cnt)
{
    uint64_t size = ej->job->layers[li].space->size;
    uint64_t *idx = dse_xmalloc(size * sizeof *idx);
    for (uint64_t i = 0; i < size; i++)
        idx[i] = i;
    CHECK_INT(dse_eval_points(ej, li, 0, 0, idx, (size_t)size, front, all, cnt, NULL), 0);
    CHECK(cnt->skipped == 0 && cnt->evaluated == size);
    free(idx);
}

/* Whole spaces and odd unit sizes, skipping on and off, every layer,
 * against the reference. Identical feasible points (in order) with and
 * without skipping prove that no skipped point was feasible. Returns the
 * points skipped. */
static uint64_t compare(dse_evaljob_t *ej, const char *what)
{
    static const uint64_t units[] = {UINT64_MAX, 997, 61, 7};
    uint64_t skipped = 0, total = 0;
    for (size_t li = 0; li < ej->job->n_layers; li++) {
        uint64_t size = ej->job->layers[li].space->size;
        dse_front_t *f_off = dse_evaljob_front_new(ej), *a_off = dse_evaljob_front_new(ej);
        dse_counters_t off = {0};
        run_listed(ej, li, f_off, a_off, &off);
        for (size_t u = 0; u < 2 * sizeof units / sizeof units[0]; u++) {
            uint64_t unit = units[u / 2] > size ? size : units[u / 2];
            int skip = u % 2 == 0;
            if (u > 1 && size / unit > 4000)
                continue; /* keep the test quick */
            dse_front_t *f_on = dse_evaljob_front_new(ej), *a_on = dse_evaljob_front_new(ej);
            dse_counters_t on = {0};
            run_layer(ej, li, unit, skip, f_on, a_on, &on);
            if (!same_front(f_on, f_off) || !same_rows(a_on, a_off) ||
                on.feasible != off.feasible || on.evaluated != off.evaluated - on.skipped)
                dse__test_fail(__FILE__, __LINE__,
                               "%s layer %zu unit %llu skip %d: fronts %zu/%zu, feasible "
                               "%llu/%llu, evaluated %llu skipped %llu of %llu",
                               what, li, (unsigned long long)unit, skip, dse_front_size(f_on),
                               dse_front_size(f_off), (unsigned long long)on.feasible,
                               (unsigned long long)off.feasible,
                               (unsigned long long)on.evaluated, (unsigned long long)on.skipped,
                               (unsigned long long)size);
            if (u == 0) {
                skipped += on.skipped;
                total += size;
            }
            dse_front_destroy(&f_on);
            dse_front_destroy(&a_on);
        }
        dse_front_destroy(&f_off);
        dse_front_destroy(&a_off);
    }
    printf("  %s: %llu of %llu points skipped\n", what, (unsigned long long)skipped,
           (unsigned long long)total);
    return skipped;
}

/* Brute force on the hook itself: for infeasible points p (and, for the
 * per-layer "<=" constraints, feasible points over the bound) take the set
 * S the hook returns and evaluate every point q >= p in S, equal elsewhere
 * (up to a cap per p): each must be infeasible (or, for a metric claim,
 * infeasible or not below p's metric). Returns the claims checked. */
static uint64_t brute(const dse_evaljob_t *ej, const char *what)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    uint64_t claims = 0;
    for (size_t li = 0; li < job->n_layers; li++) {
        const dse_space_t *s = job->layers[li].space;
        const void *ctx = ej->ctx[li];
        uint64_t step = s->size / 1500 + 1;
        for (uint64_t idx = 0; idx < s->size; idx += step) {
            double p[DSE_MAX_PARAMS], mp[DSE_MAX_METRICS];
            dse_space_decode(s, idx, p);
            int ok = m->evaluate(ctx, p, mp);
            /* the claims to check: what = -1, or one per broken constraint */
            int whats[DSE_MAX_CONSTRAINTS + 1], n_what = 0;
            if (!ok) {
                whats[n_what++] = -1;
            } else {
                for (size_t k = 0; k < job->n_constraints; k++) {
                    const dse_constraint_t *c = &job->constraints[k];
                    if (c->metric >= 0 && (c->cmp == DSE_CMP_LE || c->cmp == DSE_CMP_LT) &&
                        !dse_cmp_holds(c->cmp, mp[c->metric], c->bound))
                        whats[n_what++] = c->metric;
                }
            }
            for (int w = 0; w < n_what; w++) {
                uint32_t set = m->monotone(ctx, p, whats[w]);
                if (!set)
                    continue;
                claims++;
                /* a layer that claims something says so when asked as a whole */
                CHECK(m->monotone(ctx, NULL, whats[w]) != 0);
                size_t d0[DSE_MAX_PARAMS], d[DSE_MAX_PARAMS];
                dse_space_digits(s, idx, d0);
                memcpy(d, d0, sizeof d);
                for (int n_q = 0; n_q < 4000; n_q++) {
                    /* next q: an odometer over the digits of S, from p's up */
                    size_t j;
                    for (j = 0; j < s->n_params; j++) {
                        if (!(set >> j & 1u))
                            continue;
                        if (++d[j] < s->n_values[j])
                            break;
                        d[j] = d0[j];
                    }
                    if (j == s->n_params)
                        break;
                    double q[DSE_MAX_PARAMS], mq[DSE_MAX_METRICS];
                    for (size_t k = 0; k < s->n_params; k++)
                        q[k] = s->values[k][d[k]];
                    if (!m->evaluate(ctx, q, mq))
                        continue;
                    if (whats[w] < 0 || mq[whats[w]] < mp[whats[w]]) {
                        dse__test_fail(__FILE__, __LINE__,
                                       "%s layer %zu: point %llu (claim %d, set 0x%x) but "
                                       "point %llu is feasible",
                                       what, li, (unsigned long long)idx, whats[w], set,
                                       (unsigned long long)dse_space_index(s, d));
                        return claims;
                    }
                }
            }
        }
    }
    return claims;
}

static void check_config(const char *path, const char *from, const char *to, int expect_skips)
{
    dse_evaljob_t *ej = load(path, from, to);
    if (!ej)
        return;
    CHECK(ej->job->model->monotone != NULL);
    uint64_t skipped = compare(ej, path);
    uint64_t claims = brute(ej, path);
    if (expect_skips) {
        CHECK(skipped > 0);
        CHECK(claims > 0);
    }
    dse_evaljob_destroy(&ej);
}

DSE_TEST(skip_pulp_configs)
{
    check_config("configs/quickstart.toml", NULL, NULL, 1);
    check_config("configs/resnet8-train.toml", NULL, NULL, 1);
    check_config("configs/dscnn-infer.toml", NULL, NULL, 0);
    /* every tile size and input-channel tiling: many oversized tiles, and
     * tile_cin = 0 ("all") beside explicit values */
    check_config("configs/resnet8-train.toml", "tile_cout = \"divisors\"",
                 "tile_cout = \"all\"\ntile_cin = \"divisors\"", 1);
}

DSE_TEST(skip_pulp_constraint)
{
    /* a per-layer bound below L1: points the model accepts but the bound
     * rules out, skipped through the l1_bytes claim */
    check_config("configs/quickstart.toml", "objectives = [\"cycles\", \"l1_bytes\"]",
                 "objectives = [\"cycles\", \"l1_bytes\"]\nconstraints = [\"l1_bytes <= 12000\"]",
                 1);
}

/* The spatial claims of pulp-cluster (tile_ho, tile_wo) on many small
 * convolutions: strides 1-3, kernels 1-5, every leading padding below the
 * kernel (those above the stride must claim nothing there), every tile size,
 * an L1 small enough that many tiles overflow. The brute-force check covers
 * each layer's claims. */
DSE_TEST(skip_pulp_spatial_shapes)
{
    dse_strbuf_t sb;
    dse_strbuf_init(&sb);
    dse_strbuf_adds(&sb, "[job]\nname = \"shapes\"\noutput = \"results/shapes\"\n"
                         "[target]\nmodel = \"pulp-cluster\"\nhardware = \"pulp-open\"\n"
                         "l1_bytes = 4096\n"
                         "[workload]\ndtype = \"fp32\"\nsteps = [\"fw\", \"wg\", \"ig\"]\n");
    int n = 0;
    for (int st = 1; st <= 3; st++)
        for (int k = 1; k <= 5; k++)
            for (int pad = 0; pad < k; pad++)
                for (int h = 5; h <= 13; h += 4) {
                    if (h - 2 + pad < k)
                        continue;
                    dse_strbuf_addf(&sb,
                                    "[[workload.layer]]\nname = \"c%d\"\nop = \"conv2d\"\n"
                                    "in_shape = [3, %d, %d]\nout_channels = 8\n"
                                    "kernel = [%d, %d]\nstride = [%d, %d]\n"
                                    "padding = [%d, %d, 0, 0]\nchain = false\n",
                                    n++, h, h - 2, k, k, st, st, pad, pad);
                }
    dse_strbuf_adds(&sb, "[space]\ntile_cout = \"divisors\"\ntile_ho = \"all\"\n"
                         "tile_wo = \"all\"\nbuffering = [\"single\", \"double\"]\n"
                         "[search]\nstrategy = \"exhaustive\"\n"
                         "objectives = [\"cycles\", \"l1_bytes\"]\n");
    size_t len = 0;
    char *text = dse_strbuf_detach(&sb, &len);
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_config_parse("shapes.toml", text, len, 0, &job, &err);
    if (rc == 0)
        rc = dse_evaljob_new(&job, &ej, &err);
    free(text);
    if (rc != 0) {
        char msg[1200];
        dse_error_format(&err, msg, sizeof msg);
        dse__test_fail(__FILE__, __LINE__, "%s", msg);
        return;
    }
    CHECK(compare(ej, "shapes") > 0);
    CHECK(brute(ej, "shapes") > 0);
    /* layers with padding above the stride make no claim on that side */
    const dse_hwmodel_t *m = ej->job->model;
    int ho = dse_model_param(m, "tile_ho"), wo = dse_model_param(m, "tile_wo");
    int seen_pad = 0, seen_ok = 0;
    for (size_t li = 0; li < ej->job->n_layers; li++) {
        const dse_layer_t *l = &ej->job->layers[li];
        const dse_space_t *sp = l->space;
        double p[DSE_MAX_PARAMS], mt[DSE_MAX_METRICS];
        for (uint64_t i = 0; i < sp->size; i++) {
            dse_space_decode(sp, i, p);
            if (m->evaluate(ej->ctx[li], p, mt))
                continue;
            uint32_t set = m->monotone(ej->ctx[li], p, -1);
            if (!set)
                continue;
            if (l->pad_t > l->sh) {
                CHECK(!(set >> ho & 1u) && !(set >> wo & 1u));
                seen_pad = 1;
            } else {
                CHECK((set >> ho & 1u) && (set >> wo & 1u));
                seen_ok = 1;
            }
            break;
        }
    }
    CHECK(seen_pad && seen_ok);
    dse_evaljob_destroy(&ej);
}

DSE_TEST(skip_siracusa_configs)
{
    check_config("configs/mobilenetv2-siracusa-64k.toml", NULL, NULL, 1);
    check_config("configs/slm-prefill-64k.toml", NULL, NULL, 1);
    check_config("configs/slm-autoregressive-64k.toml", NULL, NULL, 0);
    check_config("configs/mobilenetv2-siracusa.toml", "constraints = [\"wmem_bytes <= 4194304\"]",
                 "constraints = [\"wmem_bytes <= 4194304\", \"l1_bytes <= 30000\"]", 1);
}

DSE_TEST(skip_finn_configs)
{
    check_config("configs/cnv-w1a1-pynq.toml", NULL, NULL, 0);
    /* a cap on W * SIMD (SetFolding's 36 bits): every wider SIMD is out */
    check_config("configs/cnv-w2a2-pynq.toml", "[target]", "[target]\nsimd_cap_bits = 36", 1);
}

/* A model without the hook: nothing skipped, and the switch is a no-op. */
DSE_TEST(skip_no_hook)
{
    dse_evaljob_t *ej = load("configs/testfn.toml", NULL, NULL);
    if (!ej)
        return;
    CHECK(ej->job->model->monotone == NULL);
    CHECK_INT((int)compare(ej, "configs/testfn.toml"), 0);
    dse_evaljob_destroy(&ej);
}

/* Explicit index lists (random, nsga2) are never skipped. */
DSE_TEST(skip_not_on_lists)
{
    dse_evaljob_t *ej = load("configs/resnet8-train.toml", NULL, NULL);
    if (!ej)
        return;
    const dse_space_t *s = ej->job->layers[1].space;
    uint64_t *idx = dse_xmalloc(s->size * sizeof *idx);
    for (uint64_t i = 0; i < s->size; i++)
        idx[i] = i;
    dse_front_t *f = dse_evaljob_front_new(ej);
    dse_counters_t c = {0};
    CHECK_INT(dse_eval_points(ej, 1, 0, 0, idx, (size_t)s->size, f, NULL, &c, NULL), 0);
    CHECK(c.skipped == 0 && c.evaluated == s->size);
    dse_front_destroy(&f);
    free(idx);
    dse_evaljob_destroy(&ej);
}
