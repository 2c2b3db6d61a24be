/* search.c - exhaustive, random and nsga2 as units of work (see search.h). */
#include "search/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "search/nsga2.h"
#include "search/perm.h"
#include "search/refine.h"

#define S_DEFAULT_BUDGET 1000000ULL /* random, nsga2: evaluations when [search] budget is 0 */
#define S_DEFAULT_STALL 20
#define S_MIN_ROUND 8 /* units per round of a time-limited search, at least */

typedef enum { S_EXHAUSTIVE, S_RANDOM, S_NSGA2, S_BASELINE, S_REFINE } s_strategy_t;

typedef struct {
    /* the layer's block of range units (exhaustive, random, an exact nsga2 layer) */
    uint64_t count;      /* points (or positions) covered by ranges */
    uint64_t chunk;      /* points per unit */
    uint64_t n_units;    /* range units of the layer */
    uint64_t revealed;   /* of those, proposed so far */
    uint64_t key;        /* random: permutation key */
    dse_nsga2_t *ga;     /* nsga2, when the layer evolves */
    dse_refine_t *rf;    /* refine */
    uint64_t share;      /* evaluations granted */
} s_layer_t;

typedef struct {
    uint32_t layer;
    size_t block, off, n; /* pool[block][off .. off + n) */
    int extra;            /* added by dse_search_extra: the search does not learn from it */
} s_list_t;

/* A run of consecutive unit ids: range units base, base + 1, ... of one
 * layer, or list units base, base + 1, ... (layer = UINT32_MAX). */
typedef struct {
    uint64_t first_id, base, count;
    uint32_t layer;
} s_seg_t;
#define S_LISTS UINT32_MAX

struct dse_search {
    const dse_evaljob_t *ej;
    s_strategy_t strategy;
    size_t n_layers;
    s_layer_t *layers;
    uint64_t n_static;   /* range units in all */
    s_seg_t *segs;       /* unit ids in the order proposed */
    size_t n_segs, cap_segs;
    uint64_t n_units;
    s_list_t *lists;     /* list units, in the order proposed */
    size_t n_lists, cap_lists;
    uint64_t **pool; /* index blocks (never moved, so units may borrow them) */
    size_t n_pool, cap_pool;
    double *rate;
    double unit_seconds;
    uint64_t budget;
    /* refine: rounds proposed, and the job's copy on which the model's
     * calibratable keys are refitted between rounds */
    unsigned refine_rounds;
    dse_evaljob_t *fit_ej;
    int fit_off; /* nothing to refit, or a refit failed: rounds go on without */
    dse_fit_t last_fit;
    unsigned refits;
};

uint64_t dse_unit_points(const dse_unit_t *u)
{
    return u->kind == DSE_UNIT_LIST ? u->n : u->hi - u->lo;
}

int dse_unit_has(const dse_unit_t *u, uint64_t size, uint64_t index)
{
    switch (u->kind) {
    case DSE_UNIT_RANGE:
        return index >= u->lo && index < u->hi;
    case DSE_UNIT_SHUFFLED: {
        if (index >= size)
            return 0;
        dse_perm_t p;
        dse_perm_init(&p, size, u->key);
        uint64_t pos = dse_perm_pos(&p, index);
        return pos >= u->lo && pos < u->hi;
    }
    case DSE_UNIT_LIST: {
        size_t lo = 0, hi = u->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (u->indices[mid] < index)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo < u->n && u->indices[lo] == index;
    }
    }
    return 0;
}

int dse_unit_eval(const dse_evaljob_t *ej, const dse_unit_t *u, dse_front_t *front,
                  dse_front_t *all, dse_counters_t *cnt, const atomic_int *cancel)
{
    if (u->layer >= ej->job->n_layers)
        return DSE_EINVAL;
    if (u->kind == DSE_UNIT_RANGE)
        return dse_eval_points(ej, u->layer, u->lo, u->hi, NULL, 0, front, all, cnt, cancel);
    if (u->kind == DSE_UNIT_LIST)
        return dse_eval_points(ej, u->layer, 0, 0, u->indices, u->n, front, all, cnt, cancel);
    /* shuffled: the points at positions [lo, hi) of the permutation, in batches */
    uint64_t size = ej->job->layers[u->layer].space->size;
    if (u->hi > size || u->lo > u->hi)
        return DSE_EINVAL;
    dse_perm_t p;
    dse_perm_init(&p, size, u->key);
    uint64_t idx[1024];
    for (uint64_t pos = u->lo; pos < u->hi;) {
        size_t n = 0;
        while (n < 1024 && pos < u->hi)
            idx[n++] = dse_perm_at(&p, pos++);
        int rc = dse_eval_points(ej, u->layer, 0, 0, idx, n, front, all, cnt, cancel);
        if (rc)
            return rc;
        if (cancel && atomic_load(cancel))
            return DSE_EINTR;
    }
    return 0;
}

/* Shares `budget` evaluations out over the layers: half of it evenly (a
 * layer smaller than its even part gets its whole space, so small layers are
 * exact), the rest in proportion to the room left in each layer's space
 * (largest remainders, ties to the earlier layer). A layer whose share is
 * too small can make the whole network infeasible (one layer's sampled
 * points all infeasible), hence the even part. Every layer gets at least
 * one point and never more than it has. */
static void s_share(const dse_job_t *job, uint64_t budget, s_layer_t *L)
{
    size_t n = job->n_layers;
    uint64_t even = budget / 2 / n, given = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t size = job->layers[i].space->size;
        L[i].share = even < size ? even : size;
        if (L[i].share < 1)
            L[i].share = 1;
        given += L[i].share;
    }
    uint64_t rest = budget > given ? budget - given : 0;
    long double room = 0;
    for (size_t i = 0; i < n; i++)
        room += (long double)(job->layers[i].space->size - L[i].share);
    long double *frac = dse_xcalloc(n, sizeof *frac);
    uint64_t add_total = 0;
    for (size_t i = 0; i < n && room > 0; i++) {
        long double want = (long double)rest *
                           (long double)(job->layers[i].space->size - L[i].share) / room;
        uint64_t w = (uint64_t)floorl(want);
        frac[i] = want - (long double)w;
        L[i].share += w;
        add_total += w;
    }
    while (add_total < rest) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (L[i].share < job->layers[i].space->size && (best == n || frac[i] > frac[best]))
                best = i;
        if (best == n)
            break;
        L[best].share++;
        frac[best] = -1;
        add_total++;
    }
    for (size_t i = 0; i < n; i++)
        if (L[i].share > job->layers[i].space->size)
            L[i].share = job->layers[i].space->size;
    free(frac);
}

static uint64_t s_chunk(const dse_search_t *s, size_t layer, uint64_t count)
{
    double c = s->rate[layer] * s->unit_seconds;
    if (!(c >= 1))
        c = 1;
    if (c > (double)count)
        c = (double)count;
    uint64_t k = (uint64_t)c;
    return k ? k : 1;
}

/* Appends `count` units (range units of a layer or list units, from
 * `base`) to the ids. */
static void s_append(dse_search_t *s, uint32_t layer, uint64_t base, uint64_t count)
{
    if (count == 0)
        return;
    s_seg_t *last = s->n_segs ? &s->segs[s->n_segs - 1] : NULL;
    if (last && last->layer == layer && last->base + last->count == base) {
        last->count += count;
    } else {
        s->segs = dse_xgrow(s->segs, sizeof *s->segs, s->n_segs + 1, &s->cap_segs);
        s->segs[s->n_segs++] = (s_seg_t){s->n_units, base, count, layer};
    }
    s->n_units += count;
}

/* Proposes about `round` more range units, every layer advancing by the
 * same fraction of its units, so that a search stopped by its time limit
 * has covered every layer alike. Returns how many. */
static uint64_t s_reveal(dse_search_t *s, uint64_t round)
{
    uint64_t added = 0;
    for (size_t i = 0; i < s->n_layers; i++) {
        s_layer_t *L = &s->layers[i];
        uint64_t left = L->n_units - L->revealed;
        if (left == 0)
            continue;
        long double want = ceill((long double)round * (long double)L->n_units /
                                 (long double)s->n_static);
        uint64_t n = want >= (long double)left ? left : (uint64_t)want;
        if (n == 0)
            n = 1;
        s_append(s, (uint32_t)i, L->revealed, n);
        L->revealed += n;
        added += n;
    }
    return added;
}

/* Range units per round of a time-limited search: enough for every slot
 * of the workers, and at most about 1000 rounds in all. */
static uint64_t s_round(const dse_search_t *s, uint64_t slots)
{
    uint64_t r = slots > S_MIN_ROUND ? slots : S_MIN_ROUND;
    return r > s->n_static / 1000 ? r : s->n_static / 1000;
}

/* Appends the list units of one generation of a layer (split into chunks). */
static uint64_t s_add_lists(dse_search_t *s, uint32_t layer, const uint64_t *idx, size_t n)
{
    if (n == 0)
        return 0;
    uint64_t *block = dse_xmalloc(n * sizeof *block);
    memcpy(block, idx, n * sizeof *block);
    s->pool = dse_xgrow(s->pool, sizeof *s->pool, s->n_pool + 1, &s->cap_pool);
    s->pool[s->n_pool++] = block;
    uint64_t chunk = s_chunk(s, layer, n);
    uint64_t added = 0;
    s_append(s, S_LISTS, s->n_lists, (n + chunk - 1) / chunk);
    for (size_t off = 0; off < n; off += chunk) {
        s->lists = dse_xgrow(s->lists, sizeof *s->lists, s->n_lists + 1, &s->cap_lists);
        s_list_t *l = &s->lists[s->n_lists++];
        l->layer = layer;
        l->block = s->n_pool - 1;
        l->off = off;
        l->n = n - off < chunk ? n - off : chunk;
        l->extra = 0;
        added++;
    }
    return added;
}

uint64_t dse_search_extra(dse_search_t *s, uint32_t layer, const uint64_t *idx, size_t n)
{
    uint64_t first = s->n_units;
    if (n == 0)
        return first;
    uint64_t *block = dse_xmalloc(n * sizeof *block);
    memcpy(block, idx, n * sizeof *block);
    s->pool = dse_xgrow(s->pool, sizeof *s->pool, s->n_pool + 1, &s->cap_pool);
    s->pool[s->n_pool++] = block;
    s_append(s, S_LISTS, s->n_lists, n);
    for (size_t off = 0; off < n; off++) {
        s->lists = dse_xgrow(s->lists, sizeof *s->lists, s->n_lists + 1, &s->cap_lists);
        s->lists[s->n_lists++] = (s_list_t){layer, s->n_pool - 1, off, 1, 1};
    }
    return first;
}

/* One generation of every evolving layer; returns the units added. */
static uint64_t s_generation(dse_search_t *s)
{
    uint64_t added = 0;
    for (size_t i = 0; i < s->n_layers; i++) {
        if (!s->layers[i].ga)
            continue;
        const uint64_t *idx;
        size_t n = dse_nsga2_propose(s->layers[i].ga, &idx);
        added += s_add_lists(s, (uint32_t)i, idx, n);
    }
    return added;
}

int dse_search_baseline_points(const dse_job_t *job, uint64_t *points, dse_error_t *err)
{
    const dse_hwmodel_t *m = job->model;
    double **params = dse_xcalloc(job->n_layers, sizeof *params);
    for (size_t l = 0; l < job->n_layers; l++)
        params[l] = dse_xcalloc(DSE_MAX_PARAMS, sizeof **params);
    int rc = m->baseline(job, job->strategy, params, err);
    for (size_t l = 0; l < job->n_layers && rc == 0; l++) {
        const dse_space_t *sp = job->layers[l].space;
        size_t dig[DSE_MAX_PARAMS];
        for (size_t p = 0; p < sp->n_params && rc == 0; p++) {
            size_t i = 0;
            while (i < sp->n_values[p] && sp->values[p][i] != params[l][p])
                i++;
            dig[p] = i;
            if (i == sp->n_values[p]) {
                char v[64];
                dse_fmt_double(v, sizeof v, params[l][p]);
                rc = dse_error_set(err, DSE_EINVAL, job->path, job->layers[l].line,
                                   job->layers[l].col,
                                   "baseline '%s' picks %s = %s for layer '%s', which is not in "
                                   "the layer's space: it cannot run as a strategy (baselines.csv "
                                   "shows it beside every strategy)",
                                   job->strategy, m->params[p].name, v, job->layers[l].name);
            }
        }
        if (rc == 0)
            points[l] = dse_space_index(sp, dig);
    }
    for (size_t l = 0; l < job->n_layers; l++)
        free(params[l]);
    free(params);
    return rc;
}

/* A model baseline as a strategy: its one deployment, one point per layer. */
static int s_baseline(dse_search_t *s, dse_error_t *err)
{
    const dse_job_t *job = s->ej->job;
    uint64_t *points = dse_xcalloc(job->n_layers, sizeof *points);
    int rc = dse_search_baseline_points(job, points, err);
    for (size_t l = 0; l < job->n_layers && rc == 0; l++)
        s_add_lists(s, (uint32_t)l, &points[l], 1);
    free(points);
    return rc;
}

/* refine, before a round after the first: the model's calibratable keys
 * fitted to every measurement so far, and every prediction made again. */
static void s_refine_refit(dse_search_t *s)
{
    if (s->fit_off)
        return;
    const dse_evaljob_t *ej = s->ej;
    if (!dse_fit_n_keys(ej->job->model) ||
        (!s->fit_ej && dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), &s->fit_ej,
                                             NULL) != 0)) {
        s->fit_off = 1;
        return;
    }
    dse_refine_t **rf = dse_xcalloc(s->n_layers, sizeof *rf);
    for (size_t i = 0; i < s->n_layers; i++)
        rf[i] = s->layers[i].rf;
    dse_fit_t fit;
    if (dse_refine_refit(rf, s->n_layers, s->fit_ej, &fit, NULL) != 0)
        s->fit_off = 1;
    else if (fit.points) {
        /* the error before the first refit, after the last */
        double before = s->refits ? s->last_fit.rms_before : fit.rms_before;
        double mbefore = s->refits ? s->last_fit.mean_before : fit.mean_before;
        s->last_fit = fit;
        s->last_fit.rms_before = before;
        s->last_fit.mean_before = mbefore;
        s->refits++;
    }
    free(rf);
}

/* refine: one round of every layer not done, within the budget left. */
static uint64_t s_refine_round(dse_search_t *s)
{
    uint64_t added = 0;
    if (s->refine_rounds++ > 0)
        s_refine_refit(s);
    for (size_t i = 0; i < s->n_layers; i++) {
        if (!s->layers[i].rf)
            continue;
        uint64_t spent = 0;
        for (size_t l = 0; l < s->n_layers; l++)
            spent += s->layers[l].rf ? dse_refine_measured(s->layers[l].rf) : 0;
        uint64_t left = s->budget > spent ? s->budget - spent : 0;
        uint64_t *idx = NULL;
        size_t n = dse_refine_next(s->layers[i].rf, left, &idx);
        added += s_add_lists(s, (uint32_t)i, idx, n);
        free(idx);
    }
    return added;
}

static int s_refine_start(dse_search_t *s, dse_error_t *err)
{
    const dse_job_t *job = s->ej->job;
    if (job->model->iface)
        return dse_error_set(err, DSE_ENOTSUP, job->path, 0, 0, "strategy \"refine\" does not "
                             "screen per interface class yet (model '%s' has them)",
                             job->model->name);
    for (size_t i = 0; i < job->n_layers; i++)
        if (!(s->layers[i].rf = dse_refine_new(s->ej, i, job->margin, err)))
            return err ? err->code : DSE_ERANGE;
    s_refine_round(s);
    return 0;
}

int dse_search_new(const dse_evaljob_t *ej, double unit_seconds, const double *rate,
                   dse_search_t **out, dse_error_t *err)
{
    const dse_job_t *job = ej->job;
    dse_search_t *s = dse_xcalloc(1, sizeof *s);
    s->ej = ej;
    s->n_layers = job->n_layers;
    s->layers = dse_xcalloc(job->n_layers, sizeof *s->layers);
    s->rate = dse_xcalloc(job->n_layers, sizeof *s->rate);
    s->unit_seconds = unit_seconds;
    s->strategy = strcmp(job->strategy, "random") == 0       ? S_RANDOM
                  : strcmp(job->strategy, "nsga2") == 0      ? S_NSGA2
                  : strcmp(job->strategy, "exhaustive") == 0 ? S_EXHAUSTIVE
                  : strcmp(job->strategy, "refine") == 0     ? S_REFINE
                                                             : S_BASELINE;
    for (size_t i = 0; i < job->n_layers; i++)
        /* measured jobs: units of one point (a rate of 0), and nothing run here */
        s->rate[i] = rate ? rate[i] : job->evaluator ? 0 : dse_eval_rate(ej, i);
    s->budget = dse_search_job_budget(job);
    if (s->strategy == S_BASELINE) {
        int rc = s_baseline(s, err);
        if (rc) {
            dse_search_destroy(&s);
            *out = NULL;
            return rc;
        }
        *out = s;
        return 0;
    }
    if (s->strategy == S_REFINE) {
        int rc = s_refine_start(s, err);
        if (rc) {
            dse_search_destroy(&s);
            *out = NULL;
            return rc;
        }
        *out = s;
        return 0;
    }
    if (s->strategy == S_EXHAUSTIVE) {
        for (size_t i = 0; i < job->n_layers; i++)
            s->layers[i].count = job->layers[i].space->size;
    } else {
        uint64_t b = s->budget;
        s_share(job, b, s->layers);
        for (size_t i = 0; i < job->n_layers; i++) {
            s_layer_t *L = &s->layers[i];
            uint64_t size = job->layers[i].space->size;
            if (s->strategy == S_RANDOM) {
                L->count = L->share;
                L->key = dse_mix64(job->seed * 0x9e3779b97f4a7c15ULL + i + 1);
            } else if (L->share >= size) {
                L->count = size; /* the whole layer: enumerate it */
            } else {
                dse_nsga2_opts_t o = {
                    .population = job->population > 0 ? (size_t)job->population : 0,
                    .budget = L->share,
                    .stall = job->stall_generations > 0 ? (unsigned)job->stall_generations
                                                        : S_DEFAULT_STALL,
                    .seed = dse_mix64(job->seed * 0x9e3779b97f4a7c15ULL + i + 1),
                };
                if (o.population == 0) {
                    /* about sqrt(share) individuals, so generations ~ population */
                    double p = sqrt((double)L->share);
                    o.population = p < 8 ? 8 : p > 200 ? 200 : (size_t)p;
                }
                L->ga = dse_nsga2_new(job->layers[i].space, job->model->n_metrics,
                                      job->n_layer_objectives, job->layer_objectives, &o);
            }
        }
    }
    uint64_t units = 0;
    for (size_t i = 0; i < job->n_layers; i++) {
        s_layer_t *L = &s->layers[i];
        if (L->count == 0)
            continue;
        L->chunk = s_chunk(s, i, L->count);
        uint64_t n = L->count / L->chunk + (L->count % L->chunk != 0);
        if (n > DSE_SEARCH_MAX_UNITS - units) {
            dse_error_set(err, DSE_ERANGE, job->path, job->layers[i].line, job->layers[i].col,
                          "the spaces are too large for %s search (more than %llu units of "
                          "%.2g s): narrow the domains or set a budget", job->strategy,
                          (unsigned long long)DSE_SEARCH_MAX_UNITS, unit_seconds);
            dse_search_destroy(&s);
            *out = NULL;
            return DSE_ERANGE;
        }
        L->n_units = n;
        units += n;
    }
    s->n_static = units;
    /* with a time limit, range units come in rounds between which the
     * limit is checked; nsga2 breeds one generation per round */
    s_reveal(s, job->seconds > 0 ? s_round(s, 0) : units);
    if (s->strategy == S_NSGA2)
        s_generation(s);
    *out = s;
    return 0;
}

void dse_search_destroy(dse_search_t **sp)
{
    if (!sp || !*sp)
        return;
    dse_search_t *s = *sp;
    for (size_t i = 0; i < s->n_layers; i++) {
        dse_nsga2_destroy(&s->layers[i].ga);
        dse_refine_destroy(&s->layers[i].rf);
    }
    dse_evaljob_destroy(&s->fit_ej);
    for (size_t i = 0; i < s->n_pool; i++)
        free(s->pool[i]);
    free(s->pool);
    free(s->lists);
    free(s->segs);
    free(s->layers);
    free(s->rate);
    free(s);
    *sp = NULL;
}

uint64_t dse_search_n_units(const dse_search_t *s)
{
    return s->n_units;
}

/* The segment holding unit id (< n_units). */
static const s_seg_t *s_seg(const dse_search_t *s, uint64_t id)
{
    size_t lo = 0, hi = s->n_segs;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->segs[mid].first_id <= id)
            lo = mid;
        else
            hi = mid;
    }
    return &s->segs[lo];
}

void dse_search_unit(const dse_search_t *s, uint64_t id, dse_unit_t *u)
{
    memset(u, 0, sizeof *u);
    u->id = id;
    const s_seg_t *g = s_seg(s, id);
    if (g->layer == S_LISTS) {
        size_t li = (size_t)(g->base + (id - g->first_id));
        const s_list_t *l = &s->lists[li];
        u->layer = l->layer;
        u->kind = DSE_UNIT_LIST;
        u->indices = s->pool[l->block] + l->off;
        u->n = l->n;
        u->lo = u->indices[0];
        u->hi = u->indices[u->n - 1] + 1;
        return;
    }
    const s_layer_t *L = &s->layers[g->layer];
    uint64_t k = g->base + (id - g->first_id); /* the layer's k-th range unit */
    u->layer = g->layer;
    u->kind = s->strategy == S_RANDOM ? DSE_UNIT_SHUFFLED : DSE_UNIT_RANGE;
    u->key = L->key;
    u->lo = k * L->chunk;
    u->hi = u->lo + L->chunk < L->count ? u->lo + L->chunk : L->count;
}

void dse_search_feed(dse_search_t *s, uint64_t id, size_t n, const uint64_t *index,
                     const int64_t *cin, const int64_t *cout, const double *metrics)
{
    if (id >= s->n_units)
        return;
    const s_seg_t *g = s_seg(s, id);
    if (g->layer != S_LISTS)
        return;
    const s_list_t *l = &s->lists[g->base + (id - g->first_id)];
    if (l->extra)
        return;
    dse_refine_t *rf = s->layers[l->layer].rf;
    size_t w = s->ej->job->model->n_metrics;
    for (size_t i = 0; rf && i < n; i++)
        dse_refine_tell(rf, index[i], metrics + i * w);
    dse_nsga2_t *ga = s->layers[l->layer].ga;
    if (!ga)
        return;
    size_t width = s->ej->job->model->n_metrics;
    for (size_t i = 0; i < n; i++)
        dse_nsga2_tell(ga, index[i], cin[i], cout[i], metrics + i * width);
}

uint64_t dse_search_advance(dse_search_t *s, double elapsed, uint64_t slots)
{
    const dse_job_t *job = s->ej->job;
    if (job->seconds > 0 && elapsed >= job->seconds)
        return 0;
    if (s->strategy == S_REFINE)
        return s_refine_round(s);
    uint64_t added = s_reveal(s, s_round(s, slots));
    if (s->strategy == S_NSGA2)
        added += s_generation(s);
    return added;
}

uint64_t dse_search_job_budget(const dse_job_t *job)
{
    long double total = 0;
    for (size_t i = 0; i < job->n_layers; i++)
        total += (long double)job->layers[i].space->size;
    uint64_t all = total > (long double)UINT64_MAX ? UINT64_MAX : (uint64_t)total;
    if (strcmp(job->strategy, "exhaustive") == 0)
        return all;
    if (strcmp(job->strategy, "refine") == 0) /* measurements; 0 = as many as it takes */
        return job->budget > 0 && (uint64_t)job->budget < all ? (uint64_t)job->budget : all;
    if (strcmp(job->strategy, "random") != 0 && strcmp(job->strategy, "nsga2") != 0)
        return job->n_layers; /* a baseline: one point per layer */
    uint64_t b = job->budget > 0 ? (uint64_t)job->budget : S_DEFAULT_BUDGET;
    return b < all ? b : all;
}

uint64_t dse_search_total(const dse_search_t *s)
{
    return s->budget;
}

unsigned dse_search_generations(const dse_search_t *s)
{
    unsigned g = 0;
    for (size_t i = 0; i < s->n_layers; i++)
        if (s->layers[i].ga && dse_nsga2_generations(s->layers[i].ga) > g)
            g = dse_nsga2_generations(s->layers[i].ga);
    return g;
}

uint64_t dse_search_budget(const dse_search_t *s)
{
    return s->budget;
}

unsigned dse_search_refits(const dse_search_t *s, dse_fit_t *last)
{
    if (last)
        *last = s->last_fit;
    return s->refits;
}

int dse_search_run_here(dse_search_t *s, const dse_evaljob_t *ej, dse_front_t *const *fronts,
                        dse_counters_t *cnt)
{
    double t0 = dse_now();
    dse_front_t *rows = dse_evaljob_front_new(ej);
    size_t width = ej->job->model->n_metrics;
    uint64_t *idx = NULL;
    int64_t *cin = NULL, *cout = NULL;
    double *met = NULL;
    size_t cap = 0;
    int rc = 0;
    uint64_t next = 0;
    do {
        for (; next < dse_search_n_units(s) && rc == 0; next++) {
            dse_unit_t u;
            dse_search_unit(s, next, &u);
            dse_counters_t c = {0};
            dse_front_clear(rows);
            /* a list unit returns every feasible row, as a worker does */
            rc = dse_unit_eval(ej, &u, fronts[u.layer], u.kind == DSE_UNIT_LIST ? rows : NULL,
                               &c, NULL);
            if (cnt) {
                cnt->evaluated += c.evaluated;
                cnt->feasible += c.feasible;
                cnt->infeasible += c.infeasible;
                cnt->skipped += c.skipped;
                dse_why_merge(&cnt->why, &c.why);
            }
            size_t n = dse_front_size(rows);
            if (n > cap) {
                cap = n;
                idx = dse_xrealloc(idx, cap * sizeof *idx);
                cin = dse_xrealloc(cin, cap * sizeof *cin);
                cout = dse_xrealloc(cout, cap * sizeof *cout);
                met = dse_xrealloc(met, cap * width * sizeof *met);
            }
            for (size_t i = 0; i < n; i++) {
                idx[i] = dse_front_index(rows, i);
                cin[i] = dse_front_cin(rows, i);
                cout[i] = dse_front_cout(rows, i);
                memcpy(met + i * width, dse_front_row(rows, i), width * sizeof *met);
            }
            dse_search_feed(s, next, n, idx, cin, cout, met);
        }
    } while (rc == 0 && dse_search_advance(s, dse_now() - t0, 1) > 0);
    free(idx);
    free(cin);
    free(cout);
    free(met);
    dse_front_destroy(&rows);
    return rc;
}
