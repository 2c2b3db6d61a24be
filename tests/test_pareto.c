/* test_pareto.c - Pareto fronts against an O(n^2) brute force, merge laws,
 * incremental insertion, hypervolume against exact grid counting. */
#include "core/pareto.h"
#include "core/util.h"
#include "tests/test.h"

#include <stdlib.h>

static uint64_t s_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double s_unif(uint64_t *s)
{
    return (double)(s_rng(s) >> 11) / 9007199254740992.0;
}

typedef struct {
    size_t n, width;
    uint64_t *idx;
    int64_t *cin, *cout;
    double *row;
} s_set_t;

static void s_set_free(s_set_t *s)
{
    free(s->idx);
    free(s->cin);
    free(s->cout);
    free(s->row);
}

/* Random rows: mode 0 continuous, 1 small integer grid (many ties), 2 a
 * 2-D anti-diagonal (everything on the front), 3 near a simplex (large
 * fronts with dominated rows mixed in: the sort-based filter's case). Non-objective columns are a
 * function of the index so that equal indices mean equal rows. */
static s_set_t s_random_set(uint64_t *rng, size_t n, size_t width, int mode, int classes,
                            int with_nan)
{
    s_set_t s = {n, width, NULL, NULL, NULL, NULL};
    s.idx = dse_xmalloc((n + 1) * sizeof *s.idx);
    s.cin = dse_xmalloc((n + 1) * sizeof *s.cin);
    s.cout = dse_xmalloc((n + 1) * sizeof *s.cout);
    s.row = dse_xmalloc((n + 1) * width * sizeof *s.row);
    for (size_t i = 0; i < n; i++) {
        /* some rows repeat an earlier index (a unit evaluated twice) */
        if (i > 0 && s_rng(rng) % 10 == 0) {
            size_t j = s_rng(rng) % i;
            s.idx[i] = s.idx[j];
            s.cin[i] = s.cin[j];
            s.cout[i] = s.cout[j];
            memcpy(s.row + i * width, s.row + j * width, width * sizeof *s.row);
            continue;
        }
        s.idx[i] = (s_rng(rng) % 64) * 4096 + i; /* fresh rows get fresh indices */
        s.cin[i] = classes > 1 ? (int64_t)(s_rng(rng) % (uint64_t)classes) : 0;
        s.cout[i] = classes > 1 ? (int64_t)(s_rng(rng) % 2) - 1 : 0;
        double *r = s.row + i * width;
        double t = s_unif(rng), sum = 0;
        for (size_t j = 0; j < width; j++) {
            if (mode == 3) {
                r[j] = s_unif(rng) + 0.05;
                sum += r[j];
            } else if (mode == 0)
                r[j] = s_unif(rng) * 10 - 5;
            else if (mode == 1)
                r[j] = (double)(s_rng(rng) % 4);
            else
                r[j] = (j % 2 == 0) ? t : 1 - t;
        }
        if (mode == 3)
            for (size_t j = 0; j < width; j++)
                r[j] = r[j] / sum + (s_rng(rng) % 8 == 0 ? 0.01 : 0);
        r[width - 1] = (double)s.idx[i] * 0.5; /* never an objective */
        if (with_nan && s_rng(rng) % 20 == 0)
            r[s_rng(rng) % width] = NAN;
    }
    return s;
}

/* O(n^2): row i is kept iff it has no NaN objective and no other row of its
 * class dominates it or ties with it at a lower index (or, for identical
 * index, comes first). */
static dse_front_t *s_brute(const s_set_t *s, size_t k, const int *obj)
{
    dse_front_t *f = dse_front_new(s->width, k, obj);
    for (size_t i = 0; i < s->n; i++) {
        const double *a = s->row + i * s->width;
        int ok = 1;
        for (size_t j = 0; j < k; j++)
            if (isnan(a[obj[j]]))
                ok = 0;
        for (size_t q = 0; q < s->n && ok; q++) {
            if (q == i || s->cin[q] != s->cin[i] || s->cout[q] != s->cout[i])
                continue;
            const double *b = s->row + q * s->width;
            int le = 1, lt = 0, nan = 0;
            for (size_t j = 0; j < k; j++) {
                double x = b[obj[j]], y = a[obj[j]];
                nan |= isnan(x);
                if (x > y)
                    le = 0;
                if (x < y)
                    lt = 1;
            }
            if (nan || !le)
                continue;
            if (lt || s->idx[q] < s->idx[i] || (s->idx[q] == s->idx[i] && q < i))
                ok = 0;
        }
        if (ok)
            dse_front_push(f, s->idx[i], s->cin[i], s->cout[i], a);
    }
    dse_front_sort(f);
    return f;
}

static int s_same(const dse_front_t *a, const dse_front_t *b)
{
    if (dse_front_size(a) != dse_front_size(b))
        return 0;
    size_t w = dse_front_width(a);
    for (size_t i = 0; i < dse_front_size(a); i++) {
        if (dse_front_index(a, i) != dse_front_index(b, i) ||
            dse_front_cin(a, i) != dse_front_cin(b, i) ||
            dse_front_cout(a, i) != dse_front_cout(b, i) ||
            memcmp(dse_front_row(a, i), dse_front_row(b, i), w * sizeof(double)) != 0)
            return 0;
    }
    return 1;
}

static dse_front_t *s_filtered(const s_set_t *s, size_t k, const int *obj, size_t lo, size_t hi)
{
    dse_front_t *f = dse_front_new(s->width, k, obj);
    for (size_t i = lo; i < hi; i++)
        dse_front_push(f, s->idx[i], s->cin[i], s->cout[i], s->row + i * s->width);
    dse_front_filter(f);
    return f;
}

DSE_TEST(pareto_filter_vs_brute)
{
    uint64_t rng = 42;
    static const size_t sizes[] = {0, 1, 2, 3, 17, 150, 600};
    for (size_t k = 1; k <= 6; k++) {
        for (int mode = 0; mode < 4; mode++) {
            for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
                for (int classes = 1; classes <= 3; classes += 2) {
                    size_t width = k + 2;
                    int obj[6];
                    /* objectives in a scrambled column order */
                    for (size_t j = 0; j < k; j++)
                        obj[j] = (int)((j * 5 + 1) % (k + 1));
                    s_set_t s = s_random_set(&rng, sizes[si], width, mode, classes, mode == 0);
                    dse_front_t *want = s_brute(&s, k, obj);
                    dse_front_t *got = s_filtered(&s, k, obj, 0, s.n);
                    if (!s_same(got, want))
                        dse__test_fail(__FILE__, __LINE__,
                                       "k=%zu mode=%d n=%zu classes=%d: %zu rows, expected %zu",
                                       k, mode, s.n, classes, dse_front_size(got),
                                       dse_front_size(want));
                    /* filtering twice changes nothing */
                    dse_front_filter(got);
                    CHECK(s_same(got, want));
                    dse_front_destroy(&got);
                    dse_front_destroy(&want);
                    CHECK(want == NULL);
                    dse_front_destroy(&want);
                    s_set_free(&s);
                }
            }
        }
    }
}

DSE_TEST(pareto_insert_equals_filter)
{
    uint64_t rng = 7;
    for (size_t k = 1; k <= 5; k++) {
        for (int mode = 0; mode < 4; mode++) {
            size_t width = k + 1;
            int obj[5];
            for (size_t j = 0; j < k; j++)
                obj[j] = (int)j;
            s_set_t s = s_random_set(&rng, 500, width, mode, 3, 1);
            dse_front_t *ins = dse_front_new(width, k, obj);
            for (size_t i = 0; i < s.n; i++) {
                int r = dse_front_insert(ins, s.idx[i], s.cin[i], s.cout[i], s.row + i * width);
                CHECK(r == 0 || r == 1);
            }
            dse_front_sort(ins);
            dse_front_t *bat = s_filtered(&s, k, obj, 0, s.n);
            if (!s_same(ins, bat))
                dse__test_fail(__FILE__, __LINE__, "k=%zu mode=%d: insert %zu rows, filter %zu",
                               k, mode, dse_front_size(ins), dse_front_size(bat));
            dse_front_destroy(&ins);
            dse_front_destroy(&bat);
            s_set_free(&s);
        }
    }
}

DSE_TEST(pareto_insert_cases)
{
    int obj[2] = {0, 1};
    dse_front_t *f = dse_front_new(3, 2, obj);
    double a[3] = {1, 5, 0}, b[3] = {2, 2, 0}, c[3] = {1, 5, 9}, d[3] = {0, 0, 0};
    double n1[3] = {NAN, 1, 0}, n2[3] = {1, 1, NAN};
    CHECK_INT(dse_front_insert(f, 10, 0, 0, a), 1);
    CHECK_INT(dse_front_insert(f, 11, 0, 0, b), 1);
    CHECK_INT(dse_front_insert(f, 12, 0, 0, c), 0); /* same objectives, higher index */
    CHECK_INT(dse_front_insert(f, 10, 0, 0, c), 0); /* same index */
    CHECK_INT(dse_front_insert(f, 3, 0, 0, c), 1);  /* lower index replaces */
    CHECK_INT(dse_front_size(f), 2);
    CHECK_INT(dse_front_insert(f, 1, 0, 0, n1), 0); /* NaN objective */
    CHECK_INT(dse_front_insert(f, 2, 0, 0, n2), 1); /* NaN elsewhere is fine */
    CHECK_INT(dse_front_size(f), 1);
    CHECK_INT(dse_front_insert(f, 99, 1, 2, a), 1); /* another class */
    CHECK_INT(dse_front_insert(f, 98, 0, 0, d), 1);
    CHECK_INT(dse_front_size(f), 2);
    dse_front_sort(f);
    CHECK_INT(dse_front_index(f, 0), 98);
    CHECK_INT(dse_front_cin(f, 1), 1);
    CHECK_INT(dse_front_cout(f, 1), 2);
    dse_front_clear(f);
    CHECK_INT(dse_front_size(f), 0);
    dse_front_destroy(&f);
    dse_front_destroy(&f);
}

DSE_TEST(pareto_merge_laws)
{
    uint64_t rng = 99;
    for (size_t k = 2; k <= 4; k++) {
        for (int mode = 0; mode < 4; mode++) {
            size_t width = k + 1;
            int obj[4];
            for (size_t j = 0; j < k; j++)
                obj[j] = (int)(k - 1 - j);
            s_set_t s = s_random_set(&rng, 900, width, mode, 3, 0);
            dse_front_t *a = s_filtered(&s, k, obj, 0, 300);
            dse_front_t *b = s_filtered(&s, k, obj, 300, 600);
            dse_front_t *c = s_filtered(&s, k, obj, 600, 900);
            dse_front_t *all = s_filtered(&s, k, obj, 0, 900);
            /* idempotent */
            dse_front_t *aa = s_filtered(&s, k, obj, 0, 300);
            dse_front_merge(aa, a);
            CHECK(s_same(aa, a));
            /* commutative */
            dse_front_t *ab = s_filtered(&s, k, obj, 0, 300);
            dse_front_merge(ab, b);
            dse_front_t *ba = s_filtered(&s, k, obj, 300, 600);
            dse_front_merge(ba, a);
            CHECK(s_same(ab, ba));
            /* associative: (a b) c == a (b c) == filter(all) */
            dse_front_merge(ab, c);
            dse_front_t *bc = s_filtered(&s, k, obj, 300, 600);
            dse_front_merge(bc, c);
            dse_front_t *a_bc = s_filtered(&s, k, obj, 0, 300);
            dse_front_merge(a_bc, bc);
            CHECK(s_same(ab, a_bc));
            CHECK(s_same(ab, all));
            /* many */
            dse_front_t *m = dse_front_new(width, k, obj);
            const dse_front_t *src[4] = {c, NULL, a, b};
            dse_front_merge_many(m, src, 4);
            CHECK(s_same(m, all));
            dse_front_t *fs[] = {a, b, c, all, aa, ab, ba, bc, a_bc, m};
            for (size_t i = 0; i < sizeof fs / sizeof *fs; i++)
                dse_front_destroy(&fs[i]);
            s_set_free(&s);
        }
    }
}

/* Exact volume of integer points: count unit cells [c, c+1)^k below ref
 * dominated by some point (p <= c). */
static double s_grid_hv(const double *pts, size_t n, size_t k, int lo, int hi)
{
    size_t cells = 1;
    for (size_t j = 0; j < k; j++)
        cells *= (size_t)(hi - lo);
    double count = 0;
    int c[6];
    for (size_t cell = 0; cell < cells; cell++) {
        size_t t = cell;
        for (size_t j = 0; j < k; j++) {
            c[j] = lo + (int)(t % (size_t)(hi - lo));
            t /= (size_t)(hi - lo);
        }
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < k && pts[i * k + j] <= c[j])
                j++;
            if (j == k) {
                count += 1;
                break;
            }
        }
    }
    return count;
}

DSE_TEST(pareto_hypervolume_grid)
{
    uint64_t rng = 5;
    for (size_t k = 1; k <= 5; k++) {
        int obj[5] = {0, 1, 2, 3, 4};
        int range = k <= 3 ? 9 : 6;
        for (int trial = 0; trial < 30; trial++) {
            size_t n = s_rng(&rng) % 25;
            dse_front_t *raw = dse_front_new(k, k, obj);
            dse_front_t *fr = dse_front_new(k, k, obj);
            double *pts = dse_xmalloc((n + 1) * k * sizeof *pts);
            for (size_t i = 0; i < n; i++) {
                for (size_t j = 0; j < k; j++)
                    /* some points beyond the reference (range - 1) */
                    pts[i * k + j] = (double)(s_rng(&rng) % (uint64_t)(range + 1)) - 1;
                dse_front_push(raw, i, 0, 0, pts + i * k);
                dse_front_push(fr, i, (int64_t)(i % 2), 0, pts + i * k);
            }
            double ref[5];
            for (size_t j = 0; j < k; j++)
                ref[j] = range - 1;
            double want = s_grid_hv(pts, n, k, -1, range - 1);
            /* unfiltered rows (dominated ones included) */
            double got = dse_hypervolume(raw, ref);
            if (got != want)
                dse__test_fail(__FILE__, __LINE__, "k=%zu n=%zu: hv %g, expected %g", k, n, got,
                               want);
            dse_front_filter(fr);
            CHECK(dse_hypervolume(fr, ref) == want);
            dse_front_destroy(&raw);
            dse_front_destroy(&fr);
            free(pts);
        }
    }
    int obj6[6] = {0, 1, 2, 3, 4, 5};
    dse_front_t *f6 = dse_front_new(6, 6, obj6);
    double ref6[6] = {1, 1, 1, 1, 1, 1};
    CHECK(isnan(dse_hypervolume(f6, ref6)));
    dse_front_destroy(&f6);
}

DSE_TEST(pareto_hypervolume_known)
{
    int obj[3] = {0, 1, 2};
    dse_front_t *f = dse_front_new(3, 2, obj);
    double a[3] = {1, 3, 0}, b[3] = {2, 2, 0}, c[3] = {3, 1, 0};
    dse_front_push(f, 0, 0, 0, a);
    dse_front_push(f, 1, 0, 0, b);
    dse_front_push(f, 2, 0, 0, c);
    double ref[2] = {4, 4};
    CHECK(dse_hypervolume(f, ref) == 6.0);
    dse_front_destroy(&f);
    dse_front_t *g = dse_front_new(3, 3, obj);
    double p[3] = {0.5, 0.25, 0.125};
    dse_front_push(g, 0, 0, 0, p);
    double ref3[3] = {1, 1, 1};
    CHECK_REL(dse_hypervolume(g, ref3), 0.5 * 0.75 * 0.875, 1e-15);
    dse_front_destroy(&g);
}

/* The 3-D sweep on larger sets (deep staircases, many removals) against the
 * grid count. */
DSE_TEST(pareto_hypervolume_3d_large)
{
    uint64_t rng = 77;
    int obj[3] = {0, 1, 2};
    const int range = 24;
    for (int trial = 0; trial < 8; trial++) {
        size_t n = 100 + s_rng(&rng) % 400;
        dse_front_t *f = dse_front_new(3, 3, obj);
        double *pts = dse_xmalloc(n * 3 * sizeof *pts);
        for (size_t i = 0; i < n; i++) {
            double *p = pts + 3 * i;
            if (trial % 2) {
                /* x + y fixed: every point on the 2-D staircase */
                p[0] = (double)(s_rng(&rng) % (uint64_t)range);
                p[1] = range - 1 - p[0];
            } else {
                p[0] = (double)(s_rng(&rng) % (uint64_t)range);
                p[1] = (double)(s_rng(&rng) % (uint64_t)range);
            }
            p[2] = (double)(s_rng(&rng) % (uint64_t)range);
            dse_front_push(f, i, 0, 0, p);
        }
        double ref[3] = {range, range, range};
        double want = s_grid_hv(pts, n, 3, 0, range);
        double got = dse_hypervolume(f, ref);
        if (got != want)
            dse__test_fail(__FILE__, __LINE__, "trial %d n=%zu: hv %g, expected %g", trial, n, got,
                           want);
        dse_front_destroy(&f);
        free(pts);
    }
}

/* The 4-objective sweep (staircases in a Fenwick tree) on fronts of
 * thousands of rows, with ties on every coordinate (integer values near a
 * simplex) and without (continuous). */
DSE_TEST(pareto_filter_4d_large)
{
    uint64_t rng = 77;
    for (int integer = 0; integer <= 1; integer++) {
        for (int classes = 1; classes <= 3; classes += 2) {
            s_set_t s = s_random_set(&rng, 4000, 6, 3, classes, 0);
            if (integer)
                for (size_t i = 0; i < s.n * s.width; i++)
                    if (i % s.width != s.width - 1)
                        s.row[i] = floor(s.row[i] * 400);
            int obj[4] = {3, 0, 2, 1};
            dse_front_t *want = s_brute(&s, 4, obj);
            dse_front_t *got = s_filtered(&s, 4, obj, 0, s.n);
            if (!s_same(got, want))
                dse__test_fail(__FILE__, __LINE__, "integer=%d classes=%d: %zu rows, expected %zu",
                               integer, classes, dse_front_size(got), dse_front_size(want));
            CHECK(dse_front_size(want) > 200); /* beyond the insertion prefilter */
            dse_front_destroy(&got);
            dse_front_destroy(&want);
            s_set_free(&s);
        }
    }
}

/* Beyond 4096 rows the filter ranks with 16-bit radix digits: signed
 * values, -0.0 next to 0.0, ties on a grid; filtered at once and in
 * batches (the composition's way: push, filter, push more, filter), for 3
 * and 4 objectives, against the brute force. */
DSE_TEST(pareto_filter_large_signed_batches)
{
    uint64_t rng = 4099;
    for (size_t k = 3; k <= 6; k++) {
        /* one class (16-bit digits); objectives on the plane where they
         * sum to a constant, minus a few bumps (large fronts: the sort, not
         * the insertion prefilter), on a grid around zero */
        s_set_t s = s_random_set(&rng, 9000, k + 1, 0, 1, 0);
        for (size_t i = 0; i < s.n; i++) {
            double *r = s.row + i * s.width, sum = 0;
            for (size_t j = 0; j + 1 < k; j++) {
                r[j] = floor(s_unif(&rng) * 2000 - 1000) / 4;
                sum += r[j];
            }
            r[k - 1] = -sum + (s_rng(&rng) % 8 == 0 ? 0.25 : 0);
            for (size_t j = 0; j < k; j++)
                if (r[j] == 0)
                    r[j] = s_rng(&rng) % 2 ? -0.0 : 0.0;
        }
        /* equal indices must mean equal rows (s_random_set's contract) */
        for (size_t i = 1; i < s.n; i++)
            for (size_t q = 0; q < i; q++)
                if (s.idx[q] == s.idx[i]) {
                    memcpy(s.row + i * s.width, s.row + q * s.width, s.width * sizeof *s.row);
                    break;
                }
        int obj[6] = {2, 0, 1, 3, 5, 4};
        dse_front_t *want = s_brute(&s, k, obj);
        dse_front_t *got = s_filtered(&s, k, obj, 0, s.n);
        if (!s_same(got, want))
            dse__test_fail(__FILE__, __LINE__, "k=%zu at once: %zu rows, expected %zu", k,
                           dse_front_size(got), dse_front_size(want));
        dse_front_destroy(&got);
        got = dse_front_new(s.width, k, obj);
        /* (the row after each filter goes in by insertion: the filter
         * after it must not take the front for sorted) */
        for (size_t i = 0; i < s.n; i++) {
            if (i % 1500 == 0 && i)
                dse_front_insert(got, s.idx[i], s.cin[i], s.cout[i], s.row + i * s.width);
            else
                dse_front_push(got, s.idx[i], s.cin[i], s.cout[i], s.row + i * s.width);
            if (i % 1500 == 1499)
                dse_front_filter(got);
        }
        dse_front_filter(got);
        if (!s_same(got, want))
            dse__test_fail(__FILE__, __LINE__, "k=%zu in batches: %zu rows, expected %zu", k,
                           dse_front_size(got), dse_front_size(want));
        CHECK(dse_front_size(want) > 300); /* past the insertion prefilter */
        dse_front_destroy(&got);
        dse_front_destroy(&want);
        s_set_free(&s);
    }
}

/* Filtering sorts large batches by radix (512 rows or more) and small ones
 * by merging: both give the canonical order, down to rows equal on class,
 * objectives and index that differ elsewhere (ordered by their bits: the
 * first stays) and -0.0 next to 0.0. 3,000 rows filtered at once against
 * the same rows filtered 250 at a time. */
DSE_TEST(pareto_filter_radix_ties)
{
    uint64_t rng = 512;
    for (size_t k = 2; k <= 4; k++) {
        int obj[4] = {1, 0, 2, 3};
        const size_t width = k + 1, n = 3000;
        dse_front_t *once = dse_front_new(width, k, obj), *steps = dse_front_new(width, k, obj);
        double row[5];
        for (size_t i = 0; i < n; i++) {
            /* on the plane where the objectives sum to 0 (a front of
             * hundreds: the sort, not the insertion prefilter), each
             * vector about 6 times */
            const uint64_t span = k == 2 ? 450 : k == 3 ? 23 : 9;
            double sum = 0;
            for (size_t j = 0; j + 1 < k; j++) {
                row[j] = (double)(s_rng(&rng) % span) - (double)(span / 2);
                sum += row[j];
            }
            row[k - 1] = -sum;
            for (size_t j = 0; j < k; j++)
                if (row[j] == 0)
                    row[j] = s_rng(&rng) % 2 ? -0.0 : 0.0;
            /* a column outside the objectives tells equal rows apart */
            row[k] = (double)(s_rng(&rng) % 1000);
            uint64_t idx = s_rng(&rng) % 6;
            int64_t cin = (int64_t)(s_rng(&rng) % 2) - 1;
            dse_front_push(once, idx, cin, 0, row);
            dse_front_push(steps, idx, cin, 0, row);
            if (i % 250 == 249)
                dse_front_filter(steps);
        }
        dse_front_filter(once);
        dse_front_filter(steps);
        if (!s_same(once, steps))
            dse__test_fail(__FILE__, __LINE__, "k=%zu: %zu rows at once, %zu in steps", k,
                           dse_front_size(once), dse_front_size(steps));
        CHECK(dse_front_size(once) > 200);
        dse_front_destroy(&once);
        dse_front_destroy(&steps);
    }
}
