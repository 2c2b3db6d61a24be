/* pareto.c - Pareto fronts: incremental insertion, batch filtering, merging,
 * hypervolume.
 *
 * Rows are stored column-wise (index, classes, a compact copy of the
 * objective values, the full rows) so that the insertion scan only touches
 * the class pair and the objectives.
 *
 * The batch filter sorts a permutation by (class pair, objectives
 * lexicographically, index). In that order no row can be dominated by a
 * later one (a later row that is <= in every objective would have to be
 * equal), and identical objective vectors are adjacent with the lowest index
 * first; so one sweep that compares each row with the rows already kept of
 * its class is exact. The "compare with the kept rows" step is:
 *   1 objective:  keep the first row of each class;
 *   2 objectives: keep a row iff its second objective is below every kept one;
 *   3 objectives: a Fenwick tree over the ranks of the second objective
 *                 holding prefix minima of the third (O(log n) per row);
 *   4 objectives: a Fenwick tree over the ranks of the second objective
 *                 holding 2-D staircases of the third and fourth
 *                 (O(log^2 n) per query);
 *   more:         a scan over the kept rows while it stays cheap, then a
 *                 static k-d tree over the rows of the class, in which
 *                 the kept rows are switched on (s_sweep_kd).
 */
#include "core/pareto.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

struct dse_front {
    size_t width, k;
    int *obj;
    size_t n, cap;
    uint64_t *idx;
    int64_t *cin, *cout;
    double *ov;  /* n * k objective values */
    double *row; /* n * width */
    /* rows [0, sorted) are the result of the last filter (canonical
     * order, no NaN objective): the next filter sorts only the rows
     * pushed after them and merges */
    size_t sorted;
    /* the filter's index arrays, kept between calls (buf_cap entries) */
    size_t *buf_perm, *buf_tmp, *buf_keep;
    size_t buf_cap;
    /* the filter's scratch, kept between calls too (s_scratch_t, for
     * scr_cap rows) */
    double *scr_sweep;
    uint64_t *scr_key;
    uint32_t *scr_pos;
    size_t *scr_cnt;
    size_t scr_cap;
};

/* The scratch of one filter: the sweeps' (2 * rows + 1 doubles), and the
 * rank sort's keys and positions (2 * rows each) and digit counts
 * (s_digit_slots of the rows). */
typedef struct {
    double *sweep;
    uint64_t *key;
    uint32_t *pos;
    size_t *cnt;
} s_scratch_t;

/* The bits of a digit of the rank sort of m rows: clearing and summing
 * the counts stays below the passes over the keys. */
static inline unsigned s_rank_bits(size_t m)
{
    return m < 4096 ? 8 : m < 131072 ? 11 : 16;
}

/* The digit counts a filter of up to m rows needs: the rank sort's, and
 * s_radix_sort's 11-bit digits. Sized by the rows, so that a small front
 * kept for long (a layer's, in the coordinator) holds 16 KiB, not 512. */
static inline size_t s_digit_slots(size_t m)
{
    size_t r = (size_t)1 << s_rank_bits(m);
    return r > 2048 ? r : 2048;
}

/* The least number of rows the filter sorts by radix (s_radix_sort). */
#define RADIX_MIN 512

dse_front_t *dse_front_new(size_t width, size_t n_obj, const int *obj)
{
    assert(n_obj >= 1 && obj);
    dse_front_t *f = dse_xcalloc(1, sizeof *f);
    f->width = width;
    f->k = n_obj;
    f->obj = dse_xmalloc(n_obj * sizeof *f->obj);
    for (size_t j = 0; j < n_obj; j++) {
        assert(obj[j] >= 0 && (size_t)obj[j] < width);
        f->obj[j] = obj[j];
    }
    return f;
}

void dse_front_destroy(dse_front_t **fp)
{
    if (!fp || !*fp)
        return;
    dse_front_t *f = *fp;
    free(f->obj);
    free(f->idx);
    free(f->cin);
    free(f->cout);
    free(f->ov);
    free(f->row);
    free(f->buf_perm);
    free(f->buf_tmp);
    free(f->buf_keep);
    free(f->scr_sweep);
    free(f->scr_key);
    free(f->scr_pos);
    free(f->scr_cnt);
    free(f);
    *fp = NULL;
}

void dse_front_clear(dse_front_t *f)
{
    f->n = 0;
    f->sorted = 0;
}

static void s_reserve(dse_front_t *f, size_t need)
{
    if (need <= f->cap)
        return;
    size_t cap = f->cap ? f->cap : 16;
    while (cap < need)
        cap *= 2;
    f->idx = dse_xrealloc(f->idx, cap * sizeof *f->idx);
    f->cin = dse_xrealloc(f->cin, cap * sizeof *f->cin);
    f->cout = dse_xrealloc(f->cout, cap * sizeof *f->cout);
    f->ov = dse_xrealloc(f->ov, cap * f->k * sizeof *f->ov);
    f->row = dse_xrealloc(f->row, cap * (f->width ? f->width : 1) * sizeof *f->row);
    f->cap = cap;
}

static void s_append(dse_front_t *f, uint64_t index, int64_t cin, int64_t cout, const double *row)
{
    s_reserve(f, f->n + 1);
    size_t i = f->n++;
    f->idx[i] = index;
    f->cin[i] = cin;
    f->cout[i] = cout;
    for (size_t j = 0; j < f->k; j++)
        f->ov[i * f->k + j] = row[f->obj[j]];
    if (f->width)
        memcpy(f->row + i * f->width, row, f->width * sizeof *row);
}

static void s_move(dse_front_t *f, size_t to, size_t from)
{
    f->idx[to] = f->idx[from];
    f->cin[to] = f->cin[from];
    f->cout[to] = f->cout[from];
    memcpy(f->ov + to * f->k, f->ov + from * f->k, f->k * sizeof *f->ov);
    if (f->width)
        memcpy(f->row + to * f->width, f->row + from * f->width, f->width * sizeof *f->row);
}

void dse_front_push(dse_front_t *f, uint64_t index, int64_t cin, int64_t cout, const double *row)
{
    s_append(f, index, cin, cout, row);
}

/* Compares objective vectors: -1 when a dominates b, 1 when b dominates a,
 * 2 when equal, 0 when incomparable. */
static inline int s_cmp(const double *a, const double *b, size_t k)
{
    int a_better = 0, b_better = 0;
    for (size_t j = 0; j < k; j++) {
        if (a[j] < b[j])
            a_better = 1;
        else if (b[j] < a[j])
            b_better = 1;
        if (a_better && b_better)
            return 0;
    }
    if (a_better)
        return -1;
    if (b_better)
        return 1;
    return 2;
}

/* Tie between equal objective vectors: 1 when the kept row i wins against
 * the offered one (lower index; for the same index, the smaller row bytes,
 * as in dse_front_sort, so that the result never depends on the order). */
static int s_kept_wins(const dse_front_t *f, size_t i, uint64_t index, const double *row)
{
    if (f->idx[i] != index)
        return f->idx[i] < index;
    return !f->width || memcmp(f->row + i * f->width, row, f->width * sizeof *row) <= 0;
}

/* Inserts a row whose objective values (no NaN) are ov. */
static int s_insert(dse_front_t *f, uint64_t index, int64_t cin, int64_t cout, const double *row,
                    const double *ov)
{
    const size_t k = f->k;
    f->sorted = 0;
    /* The front is non-dominated, so if the new row is rejected by some row
     * it cannot have evicted any row before that (that row would then
     * dominate the evicted one): evicting while scanning is safe. */
    size_t w = 0;
    for (size_t i = 0; i < f->n; i++) {
        int evict = 0;
        if (f->cin[i] == cin && f->cout[i] == cout) {
            int c = s_cmp(ov, f->ov + i * k, k);
            if (c == 1 || (c == 2 && s_kept_wins(f, i, index, row))) {
                /* Rejected: close the gap left by evictions and stop. */
                if (w != i) {
                    for (; i < f->n; i++, w++)
                        s_move(f, w, i);
                    f->n = w;
                }
                return 0;
            }
            evict = c == -1 || c == 2;
        }
        if (!evict) {
            if (w != i)
                s_move(f, w, i);
            w++;
        }
    }
    f->n = w;
    s_append(f, index, cin, cout, row);
    return 1;
}

int dse_front_insert(dse_front_t *f, uint64_t index, int64_t cin, int64_t cout, const double *row)
{
    const size_t k = f->k;
    double v[64];
    double *ov = k <= 64 ? v : dse_xmalloc(k * sizeof *ov);
    int ret = 0;
    for (size_t j = 0; j < k; j++) {
        ov[j] = row[f->obj[j]];
        if (isnan(ov[j]))
            goto out;
    }
    ret = s_insert(f, index, cin, cout, row, ov);
out:
    if (ov != v)
        free(ov);
    return ret;
}

/* ---- batch filter ---- */

static int s_cmp_canon(const dse_front_t *f, size_t a, size_t b, int full)
{
    if (f->cin[a] != f->cin[b])
        return f->cin[a] < f->cin[b] ? -1 : 1;
    if (f->cout[a] != f->cout[b])
        return f->cout[a] < f->cout[b] ? -1 : 1;
    const double *x = f->ov + a * f->k, *y = f->ov + b * f->k;
    for (size_t j = 0; j < f->k; j++)
        if (x[j] != y[j])
            return x[j] < y[j] ? -1 : 1;
    if (f->idx[a] != f->idx[b])
        return f->idx[a] < f->idx[b] ? -1 : 1;
    if (full && f->width) {
        /* Bitwise, so that the order is total even with NaN columns. */
        int c = memcmp(f->row + a * f->width, f->row + b * f->width, f->width * sizeof(double));
        if (c)
            return c;
    }
    return 0;
}

/* Row s into position t (t != s). */
static void s_copy_row(dse_front_t *f, size_t t, size_t s)
{
    f->idx[t] = f->idx[s];
    f->cin[t] = f->cin[s];
    f->cout[t] = f->cout[s];
    memcpy(f->ov + t * f->k, f->ov + s * f->k, f->k * sizeof *f->ov);
    if (f->width)
        memcpy(f->row + t * f->width, f->row + s * f->width, f->width * sizeof *f->row);
}

/* Rewrites the rows in the order perm[0 .. m) (distinct positions), in
 * place: no second copy of a front that the composition fills with
 * hundreds of thousands of candidates. Position t takes row perm[t]; that
 * row's old position, when it is below m, takes its own row next, and so
 * on: a chain that starts at a position whose row is dropped ends at a
 * position at or beyond m, and what is left are cycles, each closed
 * through one saved row. f->buf_tmp (n entries) marks the positions. */
static void s_permute(dse_front_t *f, const size_t *perm, size_t m)
{
    enum { KEPT = 1, DONE = 2 };
    size_t *mark = f->buf_tmp;
    for (size_t i = 0; i < f->n; i++)
        mark[i] = 0;
    for (size_t t = 0; t < m; t++)
        mark[perm[t]] |= KEPT;
    for (size_t t = 0; t < m; t++) {
        if (perm[t] == t)
            mark[t] |= DONE;
    }
    /* chains from the positions whose row goes */
    for (size_t t = 0; t < m; t++) {
        if (mark[t] & (KEPT | DONE))
            continue;
        for (size_t cur = t; cur < m && !(mark[cur] & DONE);) {
            size_t src = perm[cur];
            s_copy_row(f, cur, src);
            mark[cur] |= DONE;
            cur = src;
        }
    }
    /* cycles: position t's row is saved, then goes last */
    double tov[64], *tr = NULL;
    for (size_t t = 0; t < m; t++) {
        if (mark[t] & DONE)
            continue;
        uint64_t tidx = f->idx[t];
        int64_t tcin = f->cin[t], tcout = f->cout[t];
        double *ov = f->k <= 64 ? tov : dse_xmalloc(f->k * sizeof *ov);
        memcpy(ov, f->ov + t * f->k, f->k * sizeof *ov);
        if (f->width) {
            tr = dse_xrealloc(tr, f->width * sizeof *tr);
            memcpy(tr, f->row + t * f->width, f->width * sizeof *tr);
        }
        size_t cur = t;
        while (perm[cur] != t) {
            size_t src = perm[cur];
            s_copy_row(f, cur, src);
            mark[cur] |= DONE;
            cur = src;
        }
        f->idx[cur] = tidx;
        f->cin[cur] = tcin;
        f->cout[cur] = tcout;
        memcpy(f->ov + cur * f->k, ov, f->k * sizeof *ov);
        if (f->width)
            memcpy(f->row + cur * f->width, tr, f->width * sizeof *tr);
        mark[cur] |= DONE;
        if (ov != tov)
            free(ov);
    }
    free(tr);
    f->n = m;
}

/* Sorts perm[0 .. m) in canonical order, then by position (a
 * total order, so the result is the one any correct sort gives) with a
 * merge sort whose comparison is inlined; tmp holds m entries. */
static void s_merge_sort(const dse_front_t *f, size_t *perm, size_t *tmp, size_t m)
{
    /* runs of 8 by insertion, then bottom-up merges between perm and tmp */
    const size_t run = 8;
    for (size_t lo = 0; lo < m; lo += run) {
        size_t hi = lo + run < m ? lo + run : m;
        for (size_t i = lo + 1; i < hi; i++) {
            size_t x = perm[i], j = i;
            while (j > lo) {
                size_t y = perm[j - 1];
                int c = s_cmp_canon(f, y, x, 1);
                if (c < 0 || (c == 0 && y < x))
                    break;
                perm[j] = y;
                j--;
            }
            perm[j] = x;
        }
    }
    size_t *a = perm, *b = tmp;
    for (size_t width = run; width < m; width *= 2) {
        for (size_t lo = 0; lo < m; lo += 2 * width) {
            size_t mid = lo + width < m ? lo + width : m;
            size_t hi = lo + 2 * width < m ? lo + 2 * width : m;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                int c = s_cmp_canon(f, a[j], a[i], 1);
                /* the left run wins ties of the canonical order only when
                 * its position is lower */
                if (c < 0 || (c == 0 && a[j] < a[i]))
                    b[o++] = a[j++];
                else
                    b[o++] = a[i++];
            }
            while (i < mid)
                b[o++] = a[i++];
            while (j < hi)
                b[o++] = a[j++];
        }
        size_t *t = a;
        a = b;
        b = t;
    }
    if (a != perm)
        memcpy(perm, a, m * sizeof *perm);
}

/* Room in f's scratch for a filter of u rows (free and malloc: nothing
 * in it outlives a filter). */
static void s_scratch(dse_front_t *f, size_t u)
{
    if (f->scr_cnt && f->scr_cap >= u)
        return;
    size_t cap = u > 2 * f->scr_cap ? u : 2 * f->scr_cap;
    free(f->scr_sweep);
    free(f->scr_key);
    free(f->scr_pos);
    if (!f->scr_cnt || s_digit_slots(cap) > s_digit_slots(f->scr_cap)) {
        free(f->scr_cnt);
        f->scr_cnt = dse_xmalloc(s_digit_slots(cap) * sizeof *f->scr_cnt);
    }
    f->scr_sweep = dse_xmalloc((2 * cap + 1) * sizeof *f->scr_sweep);
    f->scr_key = dse_xmalloc((2 * cap + 1) * sizeof *f->scr_key);
    f->scr_pos = dse_xmalloc((2 * cap + 1) * sizeof *f->scr_pos);
    f->scr_cap = cap;
}

/* A double that is not NaN as an unsigned number of the same order;
 * -0.0 and 0.0 share a key. */
static inline uint64_t s_double_key(double v)
{
    if (v == 0)
        v = 0;
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | (1ULL << 63);
}

/* The canonical order's key of row i on field q (0, 1: cin, cout; 2 ..
 * k + 1: the objectives; k + 2: the index) as an unsigned number of the
 * same order; no objective is NaN. */
static inline uint64_t s_canon_key(const dse_front_t *f, size_t i, size_t q)
{
    if (q == 0)
        return (uint64_t)f->cin[i] ^ (1ULL << 63);
    if (q == 1)
        return (uint64_t)f->cout[i] ^ (1ULL << 63);
    if (q == f->k + 2)
        return f->idx[i];
    return s_double_key(f->ov[i * f->k + q - 2]);
}

/* s_merge_sort for rows without NaN objectives, by an LSD radix sort of
 * the fields of the canonical order, the last first (11-bit digits; a
 * digit that all rows share moves nothing). It is stable, and the rows
 * come in position order, so rows equal on every field stay in position
 * order; such runs are then ordered as s_merge_sort orders them (the
 * whole row bitwise, then the position). key: 2 m entries, pb: m, cnt:
 * 2048. */
static void s_radix_sort(const dse_front_t *f, size_t *perm, size_t m, uint64_t *key,
                         size_t *pb, size_t *cnt)
{
    const unsigned bits = 11;
    const size_t nd = (size_t)1 << bits;
    size_t *pa = perm;
    uint64_t *ka = key, *kb = key + m;
    for (size_t q = f->k + 3; q-- > 0;) {
        /* the bits in which the keys differ: other digits move nothing */
        uint64_t any = 0, all = ~(uint64_t)0;
        for (size_t i = 0; i < m; i++) {
            uint64_t x = s_canon_key(f, pa[i], q);
            ka[i] = x;
            any |= x;
            all &= x;
        }
        const uint64_t diff = any ^ all;
        for (unsigned shift = 0; shift < 64; shift += bits) {
            if (!((diff >> shift) & (nd - 1)))
                continue;
            memset(cnt, 0, nd * sizeof *cnt);
            for (size_t i = 0; i < m; i++)
                cnt[(ka[i] >> shift) & (nd - 1)]++;
            if (cnt[(ka[0] >> shift) & (nd - 1)] == m)
                continue;
            size_t sum = 0;
            for (size_t d = 0; d < nd; d++) {
                size_t c = cnt[d];
                cnt[d] = sum;
                sum += c;
            }
            for (size_t i = 0; i < m; i++) {
                size_t o = cnt[(ka[i] >> shift) & (nd - 1)]++;
                kb[o] = ka[i];
                pb[o] = pa[i];
            }
            uint64_t *tk = ka;
            ka = kb;
            kb = tk;
            size_t *tp = pa;
            pa = pb;
            pb = tp;
        }
    }
    if (pa != perm)
        memcpy(perm, pa, m * sizeof *perm);
    if (!f->width)
        return;
    /* runs equal on every field: by the row's bits, then the position */
    for (size_t lo = 0; lo < m;) {
        size_t hi = lo + 1;
        while (hi < m && s_cmp_canon(f, perm[lo], perm[hi], 0) == 0)
            hi++;
        for (size_t i = lo + 1; i < hi; i++) {
            size_t x = perm[i], j = i;
            while (j > lo) {
                size_t y = perm[j - 1];
                int c = s_cmp_canon(f, y, x, 1);
                if (c < 0 || (c == 0 && y < x))
                    break;
                perm[j] = y;
                j--;
            }
            perm[j] = x;
        }
        lo = hi;
    }
}

static void s_bufs(dse_front_t *f)
{
    if (f->buf_cap >= f->n + 1)
        return;
    size_t cap = f->n + 1 > 2 * f->buf_cap ? f->n + 1 : 2 * f->buf_cap;
    free(f->buf_perm);
    free(f->buf_tmp);
    free(f->buf_keep);
    f->buf_perm = dse_xmalloc(cap * sizeof *f->buf_perm);
    f->buf_tmp = dse_xmalloc(cap * sizeof *f->buf_tmp);
    f->buf_keep = dse_xmalloc(cap * sizeof *f->buf_keep);
    f->buf_cap = cap;
}

/* The rows in canonical order, then by position (NaN objectives left out
 * when drop_nan), in f->buf_perm; returns how many. With drop_nan, the
 * rows of the last filter are in that order already: only the rows pushed
 * since are sorted, then merged with them (their positions are lower, so
 * they go first among equals, as in the full sort). */
static size_t s_sorted_perm(dse_front_t *f, int drop_nan)
{
    s_bufs(f);
    size_t *perm = f->buf_perm, *tmp = f->buf_tmp;
    const size_t pre = drop_nan ? f->sorted : 0;
    size_t m = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (drop_nan && i >= pre) {
            int bad = 0;
            for (size_t j = 0; j < f->k; j++)
                bad |= isnan(f->ov[i * f->k + j]);
            if (bad)
                continue;
        }
        perm[m++] = i;
    }
    if (drop_nan && m - pre >= RADIX_MIN) {
        s_scratch(f, f->n);
        s_radix_sort(f, perm + pre, m - pre, f->scr_key, (size_t *)f->scr_sweep, f->scr_cnt);
    } else {
        s_merge_sort(f, perm + pre, tmp, m - pre);
    }
    if (pre && m > pre) {
        size_t i = 0, j = pre, o = 0;
        while (i < pre && j < m)
            tmp[o++] = s_cmp_canon(f, perm[j], perm[i], 1) < 0 ? perm[j++] : perm[i++];
        while (i < pre)
            tmp[o++] = perm[i++];
        while (j < m)
            tmp[o++] = perm[j++];
        memcpy(perm, tmp, m * sizeof *perm);
    }
    return m;
}

void dse_front_sort(dse_front_t *f)
{
    size_t m = s_sorted_perm(f, 0);
    s_permute(f, f->buf_perm, m);
    f->sorted = 0;
}

/* The rank (1 .. nu) of column j of the rows perm[lo .. hi) among the
 * distinct values of that column (equal values share a rank; -0.0 and 0.0
 * are equal), into rank[0 .. hi - lo); returns nu. The values (no NaN) map
 * to unsigned keys of the same order (sign bit flipped for positives, every
 * bit for negatives) that an LSD radix sort orders, 16 bits a pass,
 * carrying each value's position: no binary search per row after. */
static size_t s_ranks(const dse_front_t *f, const size_t *perm, size_t lo, size_t hi, size_t j,
                      uint32_t *rank, const s_scratch_t *sc)
{
    const size_t m = hi - lo;
    if (m == 0)
        return 0;
    assert(m < UINT32_MAX);
    uint64_t *key = sc->key;
    uint32_t *pos = sc->pos;
    uint64_t *ka = key, *kb = key + m;
    uint32_t *pa = pos, *pb = pos + m;
    for (size_t i = 0; i < m; i++) {
        ka[i] = s_double_key(f->ov[perm[lo + i] * f->k + j]);
        pa[i] = (uint32_t)i;
    }
    /* digits of 8, 11 or 16 bits: clearing and summing the counts stays
     * below the passes over the keys */
    const unsigned bits = s_rank_bits(m);
    const size_t nd = (size_t)1 << bits;
    size_t *cnt = sc->cnt;
    for (unsigned shift = 0; shift < 64; shift += bits) {
        memset(cnt, 0, nd * sizeof *cnt);
        for (size_t i = 0; i < m; i++)
            cnt[(ka[i] >> shift) & (nd - 1)]++;
        if (cnt[(ka[0] >> shift) & (nd - 1)] == m)
            continue; /* one digit: the pass would not move anything */
        size_t sum = 0;
        for (size_t d = 0; d < nd; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < m; i++) {
            size_t o = cnt[(ka[i] >> shift) & (nd - 1)]++;
            kb[o] = ka[i];
            pb[o] = pa[i];
        }
        uint64_t *tk = ka;
        ka = kb;
        kb = tk;
        uint32_t *tp = pa;
        pa = pb;
        pb = tp;
    }
    size_t nu = 0;
    for (size_t i = 0; i < m; i++) {
        if (i == 0 || ka[i] != ka[i - 1])
            nu++;
        rank[pa[i]] = (uint32_t)nu;
    }
    return nu;
}

/* A 2-D staircase: the non-dominated (z, w) pairs of a set, by z ascending
 * (so w strictly descending). */
typedef struct {
    double *zw; /* n pairs */
    size_t n, cap;
} s_stair_t;

/* Index of the first pair with z > key (pairs before it have z <= key). */
static size_t s_stair_upper(const s_stair_t *s, double key)
{
    size_t a = 0, b = s->n;
    while (a < b) {
        size_t c = (a + b) / 2;
        if (s->zw[2 * c] <= key)
            a = c + 1;
        else
            b = c;
    }
    return a;
}

/* 1 when some pair has z' <= z and w' <= w: the pair with the largest
 * z' <= z has the least w' among them. */
static int s_stair_covers(const s_stair_t *s, double z, double w)
{
    size_t i = s_stair_upper(s, z);
    return i > 0 && s->zw[2 * (i - 1) + 1] <= w;
}

static void s_stair_add(s_stair_t *s, double z, double w)
{
    size_t i = s_stair_upper(s, z);
    if (i > 0 && s->zw[2 * (i - 1) + 1] <= w)
        return;
    /* the new pair evicts the pairs with z' >= z and w' >= w: a run that
     * starts at the pair of equal z (if any, its w' > w) or at i */
    if (i > 0 && s->zw[2 * (i - 1)] == z)
        i--;
    size_t j = i;
    while (j < s->n && s->zw[2 * j + 1] >= w)
        j++;
    size_t n = s->n - (j - i) + 1;
    if (n > s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        while (s->cap < n)
            s->cap *= 2;
        s->zw = dse_xrealloc(s->zw, 2 * s->cap * sizeof *s->zw);
    }
    if (j != i + 1)
        memmove(s->zw + 2 * (i + 1), s->zw + 2 * j, 2 * (s->n - j) * sizeof *s->zw);
    s->zw[2 * i] = z;
    s->zw[2 * i + 1] = w;
    s->n = n;
}

/* The 4-objective sweep: rows come by the first objective, so a row is
 * dominated iff an earlier kept row is <= in the other three. A Fenwick
 * tree over the ranks of the second objective holds, per node, the 2-D
 * staircase of (third, fourth) of the kept rows it covers; a prefix query
 * visits O(log n) staircases with a binary search each. Staircases of
 * real fronts stay short; the worst case (a memmove per insertion) is the
 * old scan's order. */
static size_t s_sweep4(const dse_front_t *f, const size_t *perm, size_t lo, size_t hi,
                       size_t *keep, const s_scratch_t *sc)
{
    size_t nk = 0;
    uint32_t *rank = (uint32_t *)sc->sweep;
    size_t nu = s_ranks(f, perm, lo, hi, 1, rank, sc);
    s_stair_t *tree = dse_xcalloc(nu ? nu : 1, sizeof *tree);
    for (size_t i = lo; i < hi; i++) {
        const double *v = f->ov + perm[i] * 4;
        size_t r = rank[i - lo];
        int dominated = 0;
        for (size_t p = r; p > 0 && !dominated; p -= p & (~p + 1))
            dominated = s_stair_covers(&tree[p - 1], v[2], v[3]);
        if (dominated)
            continue;
        keep[nk++] = perm[i];
        for (size_t p = r; p <= nu; p += p & (~p + 1))
            s_stair_add(&tree[p - 1], v[2], v[3]);
    }
    for (size_t i = 0; i < nu; i++)
        free(tree[i].zw);
    free(tree);
    return nk;
}

/* The sweep beyond 4 objectives: rows come by the first objective, so a
 * row is dominated iff an earlier kept row is <= in the other k - 1. All
 * rows of the class are known before the sweep, so a static k-d tree is
 * built over them once (median splits on the widest remaining spread,
 * leaves of at most KD_LEAF rows); kept rows are switched on as the sweep
 * goes. Each node holds the least corner of its switched-on rows (the
 * query skips a node whose corner is not <= the row: nothing below can
 * dominate it) and the greatest corner of all its rows (when that one is
 * <= the row and some row below is on, the row is dominated without
 * looking further). Building costs O(n log n); a query costs what the
 * corners let it skip: on fronts of real compositions, a few dozen nodes
 * (bench-pareto gives rates). */
#define KD_LEAF 8

typedef struct {
    size_t d;      /* dimensions: objectives 1 .. k-1 */
    double *pt;    /* n * d: the row values, by sweep position */
    size_t *tree;  /* sweep positions in tree order */
    size_t *at;    /* at[sweep position] = its place in tree */
    unsigned char *on;
    double *lo;    /* per node: least corner of the rows switched on */
    double *hi;    /* per node: greatest corner of all rows */
    uint32_t *non; /* per node: rows switched on */
    double *mn;    /* d values of scratch for the build */
} s_kd_t;

void dse_select_by_value(size_t *x, size_t a, size_t b, size_t m, const double *pt,
                         size_t stride, size_t j)
{
    while (b - a > 1) {
        double piv = pt[x[a + (b - a) / 2] * stride + j];
        size_t i = a, lt = a, gt = b;
        /* three-way partition: < piv, == piv, > piv */
        while (i < gt) {
            double v = pt[x[i] * stride + j];
            if (v < piv) {
                size_t s = x[i];
                x[i++] = x[lt];
                x[lt++] = s;
            } else if (v > piv) {
                size_t s = x[i];
                x[i] = x[--gt];
                x[gt] = s;
            } else {
                i++;
            }
        }
        if (m < lt)
            b = lt;
        else if (m >= gt)
            a = gt;
        else
            return;
    }
}

static void s_kd_build(s_kd_t *t, size_t node, size_t a, size_t b)
{
    const size_t d = t->d;
    double *hi = t->hi + node * d, *lo = t->lo + node * d;
    double *mn = t->mn, *mx = hi;
    for (size_t j = 0; j < d; j++) {
        mn[j] = INFINITY;
        mx[j] = -INFINITY;
        lo[j] = INFINITY;
    }
    t->non[node] = 0;
    for (size_t i = a; i < b; i++) {
        const double *p = t->pt + t->tree[i] * d;
        for (size_t j = 0; j < d; j++) {
            if (p[j] < mn[j])
                mn[j] = p[j];
            if (p[j] > mx[j])
                mx[j] = p[j];
        }
    }
    if (b - a <= KD_LEAF)
        return;
    size_t js = 0;
    double best = -1;
    for (size_t j = 0; j < d; j++) {
        /* (an infinite spread ranks first; NaN never occurs here) */
        double s = mx[j] - mn[j];
        if (!(s <= best)) {
            best = s;
            js = j;
        }
    }
    size_t m = a + (b - a) / 2;
    dse_select_by_value(t->tree, a, b, m, t->pt, t->d, js);
    s_kd_build(t, 2 * node, a, m);
    s_kd_build(t, 2 * node + 1, m, b);
}

/* 1 when a switched-on row below node [a, b) is <= v on every dimension;
 * *who is then that row (or, when a whole node is <= v, its first row
 * switched on). */
static int s_kd_covers(const s_kd_t *t, size_t node, size_t a, size_t b, const double *v,
                       size_t *who)
{
    const size_t d = t->d;
    if (!t->non[node])
        return 0;
    const double *lo = t->lo + node * d, *hi = t->hi + node * d;
    size_t j = 0;
    while (j < d && lo[j] <= v[j])
        j++;
    if (j < d)
        return 0;
    j = 0;
    while (j < d && hi[j] <= v[j])
        j++;
    const int all = j == d;
    if (b - a <= KD_LEAF) {
        for (size_t i = a; i < b; i++) {
            if (!t->on[t->tree[i]])
                continue;
            const double *p = t->pt + t->tree[i] * d;
            size_t q = 0;
            while (!all && q < d && p[q] <= v[q])
                q++;
            if (all || q == d) {
                *who = t->tree[i];
                return 1;
            }
        }
        return 0;
    }
    size_t m = a + (b - a) / 2;
    return s_kd_covers(t, 2 * node, a, m, v, who) || s_kd_covers(t, 2 * node + 1, m, b, v, who);
}

static void s_kd_switch_on(s_kd_t *t, size_t s, size_t n)
{
    const size_t d = t->d, pos = t->at[s];
    const double *p = t->pt + s * d;
    t->on[s] = 1;
    size_t node = 1, a = 0, b = n;
    for (;;) {
        double *lo = t->lo + node * d;
        for (size_t j = 0; j < d; j++)
            if (p[j] < lo[j])
                lo[j] = p[j];
        t->non[node]++;
        if (b - a <= KD_LEAF)
            return;
        size_t m = a + (b - a) / 2;
        if (pos < m) {
            node = 2 * node;
            b = m;
        } else {
            node = 2 * node + 1;
            a = m;
        }
    }
}

/* The sweep from sweep position start on (0 .. start-1 done: the nk kept
 * rows are keep[0 .. nk), at sweep positions kpos[0 .. nk)); returns the
 * number kept in all. */
static size_t s_sweep_kd(const dse_front_t *f, const size_t *perm, size_t lo, size_t hi,
                         size_t *keep, const size_t *kpos, size_t nk, size_t start)
{
    const size_t k = f->k, d = k - 1, n = hi - lo;
    size_t depth = 0;
    while ((n >> depth) > KD_LEAF)
        depth++;
    /* (a node of size s splits into floor(s/2) and ceil(s/2): every leaf
     * is at depth <= depth + 1) */
    size_t n_nodes = (size_t)2 << (depth + 1);
    s_kd_t t = {.d = d};
    t.pt = dse_xmalloc(n * d * sizeof *t.pt);
    t.tree = dse_xmalloc(n * sizeof *t.tree);
    t.at = dse_xmalloc(n * sizeof *t.at);
    t.on = dse_xcalloc(n, 1);
    t.lo = dse_xmalloc(n_nodes * d * sizeof *t.lo);
    t.hi = dse_xmalloc(n_nodes * d * sizeof *t.hi);
    t.non = dse_xmalloc(n_nodes * sizeof *t.non);
    t.mn = dse_xmalloc(d * sizeof *t.mn);
    for (size_t i = 0; i < n; i++) {
        memcpy(t.pt + i * d, f->ov + perm[lo + i] * k + 1, d * sizeof *t.pt);
        t.tree[i] = i;
    }
    s_kd_build(&t, 1, 0, n);
    for (size_t i = 0; i < n; i++)
        t.at[t.tree[i]] = i;
    for (size_t q = 0; q < nk; q++)
        s_kd_switch_on(&t, kpos[q], n);
    /* the kept row that dominated the previous row: neighbours in the
     * sweep are often dominated by the same one (a leaf's worth of the
     * last ones is checked before the tree) */
    size_t hint[KD_LEAF], n_hint = 0, h_next = 0;
    for (size_t i = start; i < n; i++) {
        const double *v = t.pt + i * d;
        int dominated = 0;
        for (size_t h = 0; h < n_hint && !dominated; h++) {
            const double *p = t.pt + hint[h] * d;
            size_t q = 0;
            while (q < d && p[q] <= v[q])
                q++;
            dominated = q == d;
        }
        if (dominated)
            continue;
        if (s_kd_covers(&t, 1, 0, n, v, &hint[h_next])) {
            h_next = (h_next + 1) % KD_LEAF;
            n_hint += n_hint < KD_LEAF;
            continue;
        }
        keep[nk++] = perm[lo + i];
        s_kd_switch_on(&t, i, n);
    }
    free(t.pt);
    free(t.tree);
    free(t.at);
    free(t.on);
    free(t.lo);
    free(t.hi);
    free(t.non);
    free(t.mn);
    return nk;
}

/* Keeps, among perm[lo .. hi) (one class, canonical order, duplicates
 * removed), the non-dominated rows: writes them to keep[] and returns how
 * many. sc holds at least hi - lo rows (s_scratch_t). */
static size_t s_sweep(const dse_front_t *f, const size_t *perm, size_t lo, size_t hi, size_t *keep,
                      const s_scratch_t *sc)
{
    double *scratch = sc->sweep;
    const size_t k = f->k;
    size_t nk = 0;
    if (k == 1) {
        keep[nk++] = perm[lo];
    } else if (k == 2) {
        double best = INFINITY;
        int any = 0;
        for (size_t i = lo; i < hi; i++) {
            double y = f->ov[perm[i] * 2 + 1];
            if (!any || y < best) {
                keep[nk++] = perm[i];
                best = y;
                any = 1;
            }
        }
    } else if (k == 3) {
        /* Ranks of the second objective; a Fenwick tree of prefix minima of
         * the third over those ranks. A row is dominated iff some earlier
         * row has second <= and third <= (earlier means first <=). */
        size_t m = hi - lo;
        uint32_t *rank = (uint32_t *)scratch;
        double *tree = scratch + m;
        size_t nu = s_ranks(f, perm, lo, hi, 1, rank, sc);
        for (size_t i = 0; i <= nu && i < m; i++)
            tree[i] = INFINITY;
        for (size_t i = lo; i < hi; i++) {
            const double *v = f->ov + perm[i] * 3;
            size_t r = rank[i - lo];
            double mn = INFINITY;
            for (size_t p = r; p > 0; p -= p & (~p + 1))
                if (tree[p - 1] < mn)
                    mn = tree[p - 1];
            if (mn <= v[2])
                continue;
            keep[nk++] = perm[i];
            for (size_t p = r; p <= nu; p += p & (~p + 1))
                if (v[2] < tree[p - 1])
                    tree[p - 1] = v[2];
        }
    } else if (k == 4) {
        nk = s_sweep4(f, perm, lo, hi, keep, sc);
    } else {
        /* A scan over the kept rows is cheapest while the front stays
         * small (random-like data: most rows are dominated by one of the
         * first kept rows). Once the scan has cost about what building the
         * k-d tree costs, the tree takes over from where the scan is. */
        const size_t n = hi - lo;
        size_t lg = 1;
        while (((size_t)1 << lg) < n)
            lg++;
        const uint64_t budget = (uint64_t)8 * n * lg;
        uint64_t work = 0;
        size_t *kpos = (size_t *)scratch;
        size_t i = lo;
        for (; i < hi && work <= budget; i++) {
            const double *v = f->ov + perm[i] * k;
            int dominated = 0;
            size_t q = 0;
            for (; q < nk && !dominated; q++) {
                const double *u = f->ov + keep[q] * k;
                size_t j = 0;
                while (j < k && u[j] <= v[j])
                    j++;
                dominated = j == k;
            }
            work += q + 1;
            if (!dominated) {
                kpos[nk] = i - lo;
                keep[nk++] = perm[i];
            }
        }
        if (i < hi)
            nk = s_sweep_kd(f, perm, lo, hi, keep, kpos, nk, i - lo);
    }
    return nk;
}

/* Random-like data has small fronts, where inserting every row into a
 * scratch front (one scan of the front per row) beats sorting by far. Give
 * up as soon as the scratch front holds more than 64 + 8 log2(n) rows (one
 * insertion then costs more than a row's share of the sort) and sort
 * instead: both give the same set, and little work is wasted. */
#define PREFILTER_MIN 64

static int s_filter_by_insertion(dse_front_t *f)
{
    dse_front_t *g = dse_front_new(f->width, f->k, f->obj);
    size_t lg = 0;
    while (((size_t)1 << lg) < f->n)
        lg++;
    size_t limit = 64 + 8 * lg;
    for (size_t i = 0; i < f->n; i++) {
        const double *ov = f->ov + i * f->k;
        int bad = 0;
        for (size_t j = 0; j < f->k; j++)
            bad |= isnan(ov[j]);
        if (bad)
            continue;
        s_insert(g, f->idx[i], f->cin[i], f->cout[i], f->row + i * f->width, ov);
        if (g->n > limit) {
            dse_front_destroy(&g);
            return 0;
        }
    }
    /* adopt g's rows */
    dse_front_t t = *f;
    *f = *g;
    *g = t;
    dse_front_destroy(&g);
    dse_front_sort(f);
    f->sorted = f->n; /* (non-dominated, no NaN, in canonical order) */
    return 1;
}

void dse_front_filter(dse_front_t *f)
{
    if (f->n >= PREFILTER_MIN && s_filter_by_insertion(f))
        return;
    size_t m = s_sorted_perm(f, 1);
    size_t *perm = f->buf_perm;
    /* Remove duplicate objective vectors within a class (the first, lowest
     * index, stays). */
    size_t u = 0;
    for (size_t i = 0; i < m; i++) {
        if (u > 0) {
            size_t a = perm[u - 1], b = perm[i];
            if (f->cin[a] == f->cin[b] && f->cout[a] == f->cout[b]) {
                size_t j = 0;
                while (j < f->k && f->ov[a * f->k + j] == f->ov[b * f->k + j])
                    j++;
                if (j == f->k)
                    continue;
            }
        }
        perm[u++] = perm[i];
    }
    size_t *keep = f->buf_keep;
    s_scratch_t sc = {NULL, NULL, NULL, NULL};
    if (f->k >= 3) {
        s_scratch(f, u);
        sc = (s_scratch_t){f->scr_sweep, f->scr_key, f->scr_pos, f->scr_cnt};
    }
    size_t nk = 0;
    for (size_t lo = 0; lo < u;) {
        size_t hi = lo + 1;
        while (hi < u && f->cin[perm[hi]] == f->cin[perm[lo]] &&
               f->cout[perm[hi]] == f->cout[perm[lo]])
            hi++;
        nk += s_sweep(f, perm, lo, hi, keep + nk, &sc);
        lo = hi;
    }
    s_permute(f, keep, nk);
    f->sorted = nk;
}

void dse_front_merge_many(dse_front_t *dst, const dse_front_t *const *src, size_t k)
{
    size_t total = dst->n;
    for (size_t s = 0; s < k; s++) {
        if (!src[s])
            continue;
        assert(src[s]->width == dst->width && src[s]->k == dst->k);
        assert(memcmp(src[s]->obj, dst->obj, dst->k * sizeof *dst->obj) == 0);
        total += src[s]->n;
    }
    s_reserve(dst, total);
    for (size_t s = 0; s < k; s++) {
        const dse_front_t *g = src[s];
        if (!g)
            continue;
        for (size_t i = 0; i < g->n; i++)
            s_append(dst, g->idx[i], g->cin[i], g->cout[i], g->row + i * g->width);
    }
    dse_front_filter(dst);
}

void dse_front_merge(dse_front_t *dst, const dse_front_t *src)
{
    dse_front_merge_many(dst, &src, 1);
}

size_t dse_front_size(const dse_front_t *f)
{
    return f->n;
}

uint64_t dse_front_index(const dse_front_t *f, size_t i)
{
    assert(i < f->n);
    return f->idx[i];
}

int64_t dse_front_cin(const dse_front_t *f, size_t i)
{
    assert(i < f->n);
    return f->cin[i];
}

int64_t dse_front_cout(const dse_front_t *f, size_t i)
{
    assert(i < f->n);
    return f->cout[i];
}

const double *dse_front_row(const dse_front_t *f, size_t i)
{
    assert(i < f->n);
    return f->row + i * f->width;
}

size_t dse_front_width(const dse_front_t *f)
{
    return f->width;
}

size_t dse_front_n_obj(const dse_front_t *f)
{
    return f->k;
}

const int *dse_front_obj(const dse_front_t *f)
{
    return f->obj;
}

/* ---- hypervolume ---- */

static int s_cmp_lex2(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* pts: n points of 2 coordinates, all strictly below ref; sorted in place. */
static double s_hv2(double *pts, size_t n, const double *ref)
{
    qsort(pts, n, 2 * sizeof(double), s_cmp_lex2);
    double area = 0, cur = ref[1];
    for (size_t i = 0; i < n; i++) {
        double x = pts[2 * i], y = pts[2 * i + 1];
        if (y < cur) {
            area += (ref[0] - x) * (cur - y);
            cur = y;
        }
    }
    return area;
}

/* The coordinate s_cmp_dim sorts on (qsort has no context argument). */
static _Thread_local size_t s_sort_dim;

static int s_cmp_dim(const void *pa, const void *pb)
{
    double a = ((const double *)pa)[s_sort_dim], b = ((const double *)pb)[s_sort_dim];
    return a < b ? -1 : a > b;
}

/* The 2-D staircase of the 3-D sweep: a treap of (x ascending, y
 * descending) points, keyed by x; nodes live in one array. */
typedef struct {
    double *x, *y;
    uint32_t *prio;
    size_t *left, *right;
    size_t n;
    uint32_t seed;
} s_treap_t;

#define S_NIL ((size_t)-1)

/* Splits t into keys < key (*a) and keys >= key (*b). */
static void s_split(s_treap_t *tr, size_t t, double key, size_t *a, size_t *b)
{
    if (t == S_NIL) {
        *a = *b = S_NIL;
        return;
    }
    if (tr->x[t] < key) {
        s_split(tr, tr->right[t], key, &tr->right[t], b);
        *a = t;
    } else {
        s_split(tr, tr->left[t], key, a, &tr->left[t]);
        *b = t;
    }
}

/* Joins a and b where every key of a is below every key of b. */
static size_t s_merge(s_treap_t *tr, size_t a, size_t b)
{
    if (a == S_NIL)
        return b;
    if (b == S_NIL)
        return a;
    if (tr->prio[a] > tr->prio[b]) {
        tr->right[a] = s_merge(tr, tr->right[a], b);
        return a;
    }
    tr->left[b] = s_merge(tr, a, tr->left[b]);
    return b;
}

static size_t s_pop_min(s_treap_t *tr, size_t t)
{
    if (tr->left[t] == S_NIL)
        return tr->right[t];
    tr->left[t] = s_pop_min(tr, tr->left[t]);
    return t;
}

/* pts: n points of `stride` doubles whose first 3 coordinates are used, all
 * strictly below ref. Sweeps on the third coordinate; the area dominated in
 * the first two is kept up to date as points join the staircase. Each
 * point enters and leaves the treap at most once: O(n log n). */
static double s_hv3(double *pts, size_t n, size_t stride, const double *ref)
{
    s_sort_dim = 2;
    qsort(pts, n, stride * sizeof(double), s_cmp_dim);
    s_treap_t tr;
    size_t cap = n ? n : 1;
    tr.x = dse_xmalloc(cap * sizeof *tr.x);
    tr.y = dse_xmalloc(cap * sizeof *tr.y);
    tr.prio = dse_xmalloc(cap * sizeof *tr.prio);
    tr.left = dse_xmalloc(cap * sizeof *tr.left);
    tr.right = dse_xmalloc(cap * sizeof *tr.right);
    tr.n = 0;
    tr.seed = 2463534242u;
    size_t root = S_NIL;
    double area = 0, vol = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = pts + i * stride;
        double px = p[0], py = p[1];
        size_t lo, hi;
        s_split(&tr, root, px, &lo, &hi);
        /* height of the staircase at px: the point with the largest x <= px */
        double h = ref[1];
        if (lo != S_NIL) {
            size_t t = lo;
            while (tr.right[t] != S_NIL)
                t = tr.right[t];
            h = tr.y[t];
        }
        if (hi != S_NIL) {
            size_t t = hi;
            while (tr.left[t] != S_NIL)
                t = tr.left[t];
            if (tr.x[t] == px)
                h = tr.y[t];
        }
        if (h > py) {
            /* Walk the points with x >= px in order: those above py are
             * dominated by p and leave; the added area is the part of
             * [px, ref0) x [py, h(x)) not covered yet. */
            double x0 = px, add = 0;
            int stopped = 0;
            while (hi != S_NIL) {
                size_t t = hi;
                while (tr.left[t] != S_NIL)
                    t = tr.left[t];
                add += (tr.x[t] - x0) * (h - py);
                x0 = tr.x[t];
                h = tr.y[t];
                if (h <= py) {
                    stopped = 1;
                    break;
                }
                hi = s_pop_min(&tr, hi);
            }
            if (!stopped)
                add += (ref[0] - x0) * (h - py);
            area += add;
            size_t k = tr.n++;
            tr.x[k] = px;
            tr.y[k] = py;
            tr.seed ^= tr.seed << 13;
            tr.seed ^= tr.seed >> 17;
            tr.seed ^= tr.seed << 5;
            tr.prio[k] = tr.seed;
            tr.left[k] = tr.right[k] = S_NIL;
            hi = s_merge(&tr, k, hi);
        }
        root = s_merge(&tr, lo, hi);
        double znext = i + 1 < n ? pts[(i + 1) * stride + 2] : ref[2];
        vol += area * (znext - p[2]);
    }
    free(tr.x);
    free(tr.y);
    free(tr.prio);
    free(tr.left);
    free(tr.right);
    return vol;
}

/* d >= 1 coordinates per point (stride d_all), points strictly below ref. */
static double s_hv(double *pts, size_t n, size_t d, size_t stride, const double *ref)
{
    if (n == 0)
        return 0;
    if (d == 1) {
        double mn = pts[0];
        for (size_t i = 1; i < n; i++)
            if (pts[i * stride] < mn)
                mn = pts[i * stride];
        return ref[0] - mn;
    }
    if (d == 2) {
        double *tmp = dse_xmalloc(2 * n * sizeof *tmp);
        for (size_t i = 0; i < n; i++) {
            tmp[2 * i] = pts[i * stride];
            tmp[2 * i + 1] = pts[i * stride + 1];
        }
        double v = s_hv2(tmp, n, ref);
        free(tmp);
        return v;
    }
    if (d == 3)
        return s_hv3(pts, n, stride, ref);
    /* Slice on the last coordinate: between consecutive values the slice is
     * the (d-1)-volume of the points seen so far. */
    s_sort_dim = d - 1;
    qsort(pts, n, stride * sizeof(double), s_cmp_dim);
    double *sub = dse_xmalloc(n * stride * sizeof *sub);
    double vol = 0;
    for (size_t i = 0; i < n; i++) {
        double z = pts[i * stride + d - 1];
        double znext = i + 1 < n ? pts[(i + 1) * stride + d - 1] : ref[d - 1];
        if (znext == z)
            continue;
        memcpy(sub, pts, (i + 1) * stride * sizeof *sub);
        vol += s_hv(sub, i + 1, d - 1, stride, ref) * (znext - z);
    }
    free(sub);
    return vol;
}

double dse_hypervolume(const dse_front_t *f, const double *ref)
{
    const size_t k = f->k;
    if (k > 5)
        return NAN;
    double *pts = dse_xmalloc((f->n ? f->n : 1) * k * sizeof *pts);
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++) {
        const double *v = f->ov + i * k;
        size_t j = 0;
        while (j < k && v[j] < ref[j])
            j++;
        if (j < k)
            continue;
        memcpy(pts + n * k, v, k * sizeof *pts);
        n++;
    }
    double vol = s_hv(pts, n, k, k, ref);
    free(pts);
    return vol;
}

void dse_front_reference(const dse_front_t *f, double *ref, double *ideal)
{
    size_t k = dse_front_n_obj(f), n = dse_front_size(f);
    const int *obj = dse_front_obj(f);
    for (size_t j = 0; j < k; j++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t r = 0; r < n; r++) {
            double v = dse_front_row(f, r)[obj[j]];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        ref[j] = n ? hi + (hi > lo ? 0.1 * (hi - lo) : 1.0) : 0;
        if (ideal)
            ideal[j] = n ? lo : 0;
    }
}
