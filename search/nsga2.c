/* nsga2.c - NSGA-II on one layer's mixed-radix space (see nsga2.h).
 *
 * After Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist
 * multiobjective genetic algorithm: NSGA-II", IEEE TEVC 6(2), 2002: fast
 * non-dominated sorting, crowding distance, crowded binary tournament and
 * constraint-domination. The operators here are for integer digit vectors
 * (uniform crossover, neighbour-step or redraw mutation) instead of the
 * paper's real-coded SBX and polynomial mutation.
 */
#include "search/nsga2.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/job.h"
#include "core/pareto.h"
#include "core/util.h"
#include "core/perm.h"

#define S_TRIES 8           /* breeding attempts before falling back to a fresh point */
#define S_CROSSOVER 0.9     /* probability of crossover (else the first parent is copied) */

typedef struct {
    uint64_t index;
    int64_t cin, cout;
    unsigned char feas, told;
    unsigned rank;
    double crowd;
    double obj[DSE_MAX_OBJECTIVES];
} s_ind_t;

struct dse_nsga2 {
    const dse_space_t *s;
    size_t width, k;
    int obj[DSE_MAX_OBJECTIVES];
    dse_nsga2_opts_t o;
    dse_rng_t rng;
    dse_perm_t perm;
    uint64_t perm_pos;
    uint64_t *seen; /* open addressing, index + 1 (0 = empty) */
    size_t seen_cap, seen_n;
    s_ind_t *pop, *gen;
    size_t n_pop, n_gen;
    uint64_t *gen_idx;
    dse_front_t *archive;
    int changed, over;
    unsigned stall, generations;
    uint64_t evaluations;
};

/* ----------------------------------------------------------------- seen set */

static int s_seen_has(const dse_nsga2_t *g, uint64_t x)
{
    size_t mask = g->seen_cap - 1;
    for (size_t h = (size_t)dse_mix64(x) & mask;; h = (h + 1) & mask) {
        if (g->seen[h] == 0)
            return 0;
        if (g->seen[h] == x + 1)
            return 1;
    }
}

static void s_seen_put(dse_nsga2_t *g, uint64_t x)
{
    if (2 * (g->seen_n + 1) > g->seen_cap) {
        size_t ocap = g->seen_cap;
        uint64_t *old = g->seen;
        g->seen_cap = ocap ? 2 * ocap : 1024;
        g->seen = dse_xcalloc(g->seen_cap, sizeof *g->seen);
        g->seen_n = 0;
        for (size_t i = 0; i < ocap; i++)
            if (old[i])
                s_seen_put(g, old[i] - 1);
        free(old);
    }
    size_t mask = g->seen_cap - 1;
    size_t h = (size_t)dse_mix64(x) & mask;
    while (g->seen[h] && g->seen[h] != x + 1)
        h = (h + 1) & mask;
    if (!g->seen[h]) {
        g->seen[h] = x + 1;
        g->seen_n++;
    }
}

/* The next point of the permutation not seen yet; 0 when none is left. */
static int s_fresh(dse_nsga2_t *g, uint64_t *out)
{
    while (g->perm_pos < g->s->size) {
        uint64_t x = dse_perm_at(&g->perm, g->perm_pos++);
        if (!s_seen_has(g, x)) {
            *out = x;
            return 1;
        }
    }
    return 0;
}

/* -------------------------------------------------------------- life cycle */

dse_nsga2_t *dse_nsga2_new(const dse_space_t *s, size_t width, size_t n_obj, const int *obj,
                           const dse_nsga2_opts_t *o)
{
    dse_nsga2_t *g = dse_xcalloc(1, sizeof *g);
    g->s = s;
    g->width = width;
    g->k = n_obj < DSE_MAX_OBJECTIVES ? n_obj : DSE_MAX_OBJECTIVES;
    memcpy(g->obj, obj, g->k * sizeof *obj);
    g->o = *o;
    if (g->o.population < 4)
        g->o.population = 4;
    if (g->o.budget < 1)
        g->o.budget = 1;
    if (g->o.stall < 1)
        g->o.stall = 1;
    g->rng.s = dse_mix64(o->seed ^ 0x6a09e667f3bcc909ULL);
    dse_perm_init(&g->perm, s->size, dse_mix64(o->seed ^ 0xbb67ae8584caa73bULL));
    g->pop = dse_xcalloc(2 * g->o.population, sizeof *g->pop);
    g->gen = dse_xcalloc(g->o.population, sizeof *g->gen);
    g->gen_idx = dse_xcalloc(g->o.population, sizeof *g->gen_idx);
    g->archive = dse_front_new(width, g->k, g->obj);
    g->seen_cap = 1024;
    g->seen = dse_xcalloc(g->seen_cap, sizeof *g->seen);
    return g;
}

void dse_nsga2_destroy(dse_nsga2_t **gp)
{
    if (!gp || !*gp)
        return;
    dse_nsga2_t *g = *gp;
    free(g->seen);
    free(g->pop);
    free(g->gen);
    free(g->gen_idx);
    dse_front_destroy(&g->archive);
    free(g);
    *gp = NULL;
}

uint64_t dse_nsga2_evaluations(const dse_nsga2_t *g)
{
    return g->evaluations;
}

unsigned dse_nsga2_generations(const dse_nsga2_t *g)
{
    return g->generations;
}

/* ------------------------------------------------------------------ ranking */

static int s_dominates(const double *a, const double *b, size_t k)
{
    int better = 0;
    for (size_t j = 0; j < k; j++) {
        if (b[j] < a[j])
            return 0;
        better |= a[j] < b[j];
    }
    return better;
}

void dse_nsga2_rank(size_t n, size_t k, const double *obj, const int64_t *cin,
                    const int64_t *cout, const unsigned char *feas, unsigned *rank)
{
    /* Deb's fast non-dominated sort: count the dominators of each point,
     * peel the points with none, repeat. */
    unsigned *count = dse_xcalloc(n ? n : 1, sizeof *count);
    size_t *queue = dse_xcalloc(n ? n : 1, sizeof *queue);
    unsigned char *done = dse_xcalloc(n ? n : 1, 1);
    size_t n_feas = 0;
    for (size_t i = 0; i < n; i++) {
        if (feas && !feas[i])
            continue;
        n_feas++;
        for (size_t j = 0; j < n; j++) {
            if (j == i || (feas && !feas[j]))
                continue;
            if (cin && (cin[i] != cin[j] || cout[i] != cout[j]))
                continue;
            if (s_dominates(obj + j * k, obj + i * k, k))
                count[i]++;
        }
    }
    unsigned level = 0;
    size_t ranked = 0;
    while (ranked < n_feas) {
        size_t nq = 0;
        for (size_t i = 0; i < n; i++)
            if (!done[i] && !(feas && !feas[i]) && count[i] == 0)
                queue[nq++] = i;
        for (size_t q = 0; q < nq; q++) {
            size_t i = queue[q];
            done[i] = 1;
            rank[i] = level;
            ranked++;
        }
        for (size_t q = 0; q < nq; q++) {
            size_t i = queue[q];
            for (size_t j = 0; j < n; j++) {
                if (done[j] || (feas && !feas[j]))
                    continue;
                if (cin && (cin[i] != cin[j] || cout[i] != cout[j]))
                    continue;
                if (s_dominates(obj + i * k, obj + j * k, k))
                    count[j]--;
            }
        }
        level++;
    }
    for (size_t i = 0; i < n; i++)
        if (feas && !feas[i])
            rank[i] = level;
    free(count);
    free(queue);
    free(done);
}

/* ---------------------------------------------------------------- selection */

/* By objective *(const size_t *)arg, ties by index (for qsort_r). */
static int s_by_obj(const void *a, const void *b, void *arg)
{
    const s_ind_t *x = *(const s_ind_t *const *)a, *y = *(const s_ind_t *const *)b;
    size_t k = *(const size_t *)arg;
    if (x->obj[k] != y->obj[k])
        return x->obj[k] < y->obj[k] ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int s_by_fitness(const void *a, const void *b)
{
    const s_ind_t *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->crowd != y->crowd)
        return x->crowd > y->crowd ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Crowding distance within each rank of the feasible points. */
static void s_crowding(s_ind_t *v, size_t n, size_t k)
{
    s_ind_t **m = dse_xcalloc(n ? n : 1, sizeof *m);
    for (size_t i = 0; i < n; i++)
        v[i].crowd = 0;
    unsigned max_rank = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].feas && v[i].rank > max_rank)
            max_rank = v[i].rank;
    for (unsigned r = 0; r <= max_rank; r++) {
        size_t nm = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i].feas && v[i].rank == r)
                m[nm++] = &v[i];
        if (nm == 0)
            continue;
        for (size_t j = 0; j < k; j++) {
            qsort_r(m, nm, sizeof *m, s_by_obj, &j);
            double lo = m[0]->obj[j], hi = m[nm - 1]->obj[j];
            m[0]->crowd = m[nm - 1]->crowd = INFINITY;
            if (!(hi > lo))
                continue;
            for (size_t i = 1; i + 1 < nm; i++)
                m[i]->crowd += (m[i + 1]->obj[j] - m[i - 1]->obj[j]) / (hi - lo);
        }
    }
    free(m);
}

/* Parents and the told children together; the best `population` survive,
 * in fitness order (the tournament reads rank and crowding). */
static void s_select(dse_nsga2_t *g)
{
    size_t n = g->n_pop;
    for (size_t i = 0; i < g->n_gen; i++)
        g->pop[n++] = g->gen[i];
    size_t k = g->k;
    double *obj = dse_xcalloc(n * k + 1, sizeof *obj);
    int64_t *cin = dse_xcalloc(n + 1, sizeof *cin), *cout = dse_xcalloc(n + 1, sizeof *cout);
    unsigned char *feas = dse_xcalloc(n + 1, 1);
    unsigned *rank = dse_xcalloc(n + 1, sizeof *rank);
    for (size_t i = 0; i < n; i++) {
        memcpy(obj + i * k, g->pop[i].obj, k * sizeof *obj);
        cin[i] = g->pop[i].cin;
        cout[i] = g->pop[i].cout;
        feas[i] = g->pop[i].feas;
    }
    dse_nsga2_rank(n, k, obj, cin, cout, feas, rank);
    for (size_t i = 0; i < n; i++)
        g->pop[i].rank = rank[i];
    s_crowding(g->pop, n, k);
    qsort(g->pop, n, sizeof *g->pop, s_by_fitness);
    g->n_pop = n < g->o.population ? n : g->o.population;
    free(obj);
    free(cin);
    free(cout);
    free(feas);
    free(rank);
}

/* ----------------------------------------------------------------- breeding */

static const s_ind_t *s_tournament(dse_nsga2_t *g)
{
    const s_ind_t *a = &g->pop[dse_rng_below(&g->rng, g->n_pop)];
    const s_ind_t *b = &g->pop[dse_rng_below(&g->rng, g->n_pop)];
    return s_by_fitness(a, b) <= 0 ? a : b;
}

static uint64_t s_child(dse_nsga2_t *g)
{
    const dse_space_t *s = g->s;
    size_t d1[DSE_MAX_PARAMS], d2[DSE_MAX_PARAMS];
    const s_ind_t *p1 = s_tournament(g), *p2 = s_tournament(g);
    dse_space_digits(s, p1->index, d1);
    dse_space_digits(s, p2->index, d2);
    if (dse_rng_unit(&g->rng) < S_CROSSOVER)
        for (size_t p = 0; p < s->n_params; p++)
            if (dse_rng_next(&g->rng) & 1)
                d1[p] = d2[p];
    size_t n_var = 0;
    for (size_t p = 0; p < s->n_params; p++)
        n_var += s->n_values[p] > 1;
    double pm = n_var ? 1.0 / (double)n_var : 0;
    for (size_t p = 0; p < s->n_params; p++) {
        size_t radix = s->n_values[p];
        if (radix < 2 || dse_rng_unit(&g->rng) >= pm)
            continue;
        if (dse_rng_next(&g->rng) & 1) {
            /* a step to a neighbouring value: 1 with probability 1/2, 2 with 1/4, ... */
            size_t step = 1;
            while (step < radix - 1 && (dse_rng_next(&g->rng) & 1))
                step++;
            int up = (int)(dse_rng_next(&g->rng) & 1);
            if (up ? d1[p] + step >= radix : d1[p] < step)
                up = !up;
            if (up)
                d1[p] = d1[p] + step < radix ? d1[p] + step : radix - 1;
            else
                d1[p] = d1[p] >= step ? d1[p] - step : 0;
        } else {
            size_t r = (size_t)dse_rng_below(&g->rng, radix - 1);
            d1[p] = r >= d1[p] ? r + 1 : r;
        }
    }
    return dse_space_index(s, d1);
}

static int s_cmp_ind_index(const void *a, const void *b)
{
    const s_ind_t *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

size_t dse_nsga2_propose(dse_nsga2_t *g, const uint64_t **indices)
{
    *indices = g->gen_idx;
    if (g->over)
        return 0;
    if (g->n_gen > 0 || g->generations > 0) {
        s_select(g);
        g->generations++;
        g->stall = g->changed ? 0 : g->stall + 1;
        g->changed = 0;
        g->n_gen = 0;
        if (g->stall >= g->o.stall)
            g->over = 1;
    }
    uint64_t left = g->o.budget > g->evaluations ? g->o.budget - g->evaluations : 0;
    size_t want = left < g->o.population ? (size_t)left : g->o.population;
    if (g->over || want == 0) {
        g->over = 1;
        return 0;
    }
    for (size_t c = 0; c < want; c++) {
        uint64_t x = 0;
        int ok = 0;
        for (int t = 0; g->n_pop > 0 && t < S_TRIES && !ok; t++) {
            x = s_child(g);
            ok = !s_seen_has(g, x);
        }
        if (!ok && !s_fresh(g, &x))
            break;
        s_seen_put(g, x);
        s_ind_t *v = &g->gen[g->n_gen++];
        memset(v, 0, sizeof *v);
        v->index = x;
    }
    if (g->n_gen == 0) {
        g->over = 1;
        return 0;
    }
    qsort(g->gen, g->n_gen, sizeof *g->gen, s_cmp_ind_index);
    for (size_t i = 0; i < g->n_gen; i++)
        g->gen_idx[i] = g->gen[i].index;
    g->evaluations += g->n_gen;
    return g->n_gen;
}

void dse_nsga2_tell(dse_nsga2_t *g, uint64_t index, int64_t cin, int64_t cout,
                    const double *row)
{
    size_t lo = 0, hi = g->n_gen;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->gen[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->n_gen || g->gen[lo].index != index || g->gen[lo].told)
        return;
    s_ind_t *v = &g->gen[lo];
    v->told = 1;
    v->feas = 1;
    v->cin = cin;
    v->cout = cout;
    for (size_t j = 0; j < g->k; j++)
        v->obj[j] = row[g->obj[j]];
    if (dse_front_insert(g->archive, index, cin, cout, row))
        g->changed = 1;
}
