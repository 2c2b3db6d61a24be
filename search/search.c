/* search.c - exhaustive, random and nsga2 as units of work (see search.h). */
#include "search/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/strategy.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/baseline.h"
#include "hwmodels/hwmodel.h"
#include "search/nsga2.h"
#include "core/perm.h"
#include "search/refine.h"

#define S_DEFAULT_STALL 20
#define S_MIN_ROUND 8 /* units per round of a time-limited search, at least */

typedef struct s_ops s_ops_t;

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
    const s_ops_t *ops;
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

/* A model baseline as a strategy: its one deployment, one point per layer. */
static int s_baseline(dse_search_t *s, dse_error_t *err)
{
    const dse_job_t *job = s->ej->job;
    uint64_t *points = dse_xcalloc(job->n_layers, sizeof *points);
    int rc = dse_baseline_points(job, job->strategy, points, err);
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
        (!s->fit_ej && dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0,
                                             &s->fit_ej, NULL) != 0)) {
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

/* refine: shares the `left` measurements of the budget out among the
 * layers for one round, max-min fair on what each round screens as
 * candidates (want, dse_refine_want): a layer that wants no more than an
 * even part of what is left gets what it wants, and the rest is shared the
 * same way among the others; the layers that want more split what remains
 * evenly, one more each to those that have measured fewest so far (then
 * the earlier layer). When the wants fit in `left`, each gets its want and
 * the budget does not bind. */
static void s_refine_share(const dse_search_t *s, const uint64_t *want, uint64_t left,
                           uint64_t *give)
{
    size_t n = s->n_layers, n_open = 0;
    uint64_t total = 0;
    unsigned char *open = dse_xcalloc(n + 1, 1);
    for (size_t i = 0; i < n; i++) {
        give[i] = 0;
        total = want[i] > UINT64_MAX - total ? UINT64_MAX : total + want[i];
        open[i] = want[i] > 0;
        n_open += open[i];
    }
    if (total <= left) {
        memcpy(give, want, n * sizeof *give);
        free(open);
        return;
    }
    /* settle the layers that want no more than an even part (the part
     * only grows as they settle) */
    for (int settled = 1; settled && n_open > 0;) {
        uint64_t even = left / n_open;
        settled = 0;
        for (size_t i = 0; i < n; i++)
            if (open[i] && want[i] <= even) {
                give[i] = want[i];
                left -= want[i];
                open[i] = 0;
                n_open--;
                settled = 1;
            }
    }
    if (n_open > 0) {
        uint64_t even = left / n_open, extra = left % n_open;
        for (size_t i = 0; i < n; i++)
            if (open[i])
                give[i] = even;
        for (; extra > 0; extra--) {
            size_t best = n;
            for (size_t i = 0; i < n; i++)
                if (open[i] && give[i] == even &&
                    (best == n || dse_refine_measured(s->layers[i].rf) <
                                      dse_refine_measured(s->layers[best].rf)))
                    best = i;
            give[best]++;
        }
    }
    free(open);
}

/* refine: one round of every layer not done, within the budget left
 * (shared out by s_refine_share). */
static uint64_t s_refine_round(dse_search_t *s)
{
    uint64_t added = 0;
    if (s->refine_rounds++ > 0) {
        s_refine_refit(s);
        dse_refine_t **rf = dse_xcalloc(s->n_layers, sizeof *rf);
        for (size_t i = 0; i < s->n_layers; i++)
            rf[i] = s->layers[i].rf;
        dse_refine_pool(rf, s->n_layers);
        free(rf);
    }
    uint64_t spent = 0;
    for (size_t l = 0; l < s->n_layers; l++)
        spent += s->layers[l].rf ? dse_refine_measured(s->layers[l].rf) : 0;
    if (spent >= s->budget)
        return 0;
    uint64_t *want = dse_xcalloc(s->n_layers + 1, sizeof *want);
    uint64_t *give = dse_xcalloc(s->n_layers + 1, sizeof *give);
    for (size_t i = 0; i < s->n_layers; i++)
        want[i] = s->layers[i].rf ? dse_refine_want(s->layers[i].rf) : 0;
    s_refine_share(s, want, s->budget - spent, give);
    for (size_t i = 0; i < s->n_layers; i++) {
        if (!want[i])
            continue;
        uint64_t *idx = NULL;
        size_t n = dse_refine_next(s->layers[i].rf, give[i], &idx);
        added += s_add_lists(s, (uint32_t)i, idx, n);
        free(idx);
    }
    free(want);
    free(give);
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

/* The range units of every layer with a count, sized by its rate; the
 * first round revealed. DSE_ERANGE when they are too many. */
static int s_ranges(dse_search_t *s, dse_error_t *err)
{
    const dse_job_t *job = s->ej->job;
    uint64_t units = 0;
    for (size_t i = 0; i < job->n_layers; i++) {
        s_layer_t *L = &s->layers[i];
        if (L->count == 0)
            continue;
        L->chunk = s_chunk(s, i, L->count);
        uint64_t n = L->count / L->chunk + (L->count % L->chunk != 0);
        if (n > DSE_SEARCH_MAX_UNITS - units)
            return dse_error_set(err, DSE_ERANGE, job->path, job->layers[i].line,
                                 job->layers[i].col,
                                 "the spaces are too large for %s search (more than %llu units "
                                 "of %.2g s): narrow the domains or set a budget", job->strategy,
                                 (unsigned long long)DSE_SEARCH_MAX_UNITS, s->unit_seconds);
        L->n_units = n;
        units += n;
    }
    s->n_static = units;
    /* with a time limit, range units come in rounds between which the
     * limit is checked; nsga2 breeds one generation per round */
    s_reveal(s, job->seconds > 0 ? s_round(s, 0) : units);
    return 0;
}

static int s_exhaustive_init(dse_search_t *s, dse_error_t *err)
{
    const dse_job_t *job = s->ej->job;
    for (size_t i = 0; i < job->n_layers; i++)
        s->layers[i].count = job->layers[i].space->size;
    return s_ranges(s, err);
}

static int s_random_init(dse_search_t *s, dse_error_t *err)
{
    const dse_job_t *job = s->ej->job;
    s_share(job, s->budget, s->layers);
    for (size_t i = 0; i < job->n_layers; i++) {
        s->layers[i].count = s->layers[i].share;
        s->layers[i].key = dse_mix64(job->seed * 0x9e3779b97f4a7c15ULL + i + 1);
    }
    return s_ranges(s, err);
}

static int s_nsga2_init(dse_search_t *s, dse_error_t *err)
{
    const dse_job_t *job = s->ej->job;
    s_share(job, s->budget, s->layers);
    for (size_t i = 0; i < job->n_layers; i++) {
        s_layer_t *L = &s->layers[i];
        uint64_t size = job->layers[i].space->size;
        if (L->share >= size) {
            L->count = size; /* the whole layer: enumerate it */
            continue;
        }
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
    int rc = s_ranges(s, err);
    if (rc == 0)
        s_generation(s);
    return rc;
}

/* Range units: the next round. */
static uint64_t s_ranges_advance(dse_search_t *s, uint64_t slots)
{
    return s_reveal(s, s_round(s, slots));
}

static uint64_t s_nsga2_advance(dse_search_t *s, uint64_t slots)
{
    uint64_t added = s_reveal(s, s_round(s, slots));
    return added + s_generation(s);
}

static uint64_t s_refine_advance(dse_search_t *s, uint64_t slots)
{
    (void)slots;
    return s_refine_round(s);
}

static void s_nsga2_feed(dse_search_t *s, uint32_t layer, size_t n, const uint64_t *index,
                         const int64_t *cin, const int64_t *cout, const double *metrics)
{
    dse_nsga2_t *ga = s->layers[layer].ga;
    if (!ga)
        return;
    size_t width = s->ej->job->model->n_metrics;
    for (size_t i = 0; i < n; i++)
        dse_nsga2_tell(ga, index[i], cin[i], cout[i], metrics + i * width);
}

static void s_refine_feed(dse_search_t *s, uint32_t layer, size_t n, const uint64_t *index,
                          const int64_t *cin, const int64_t *cout, const double *metrics)
{
    (void)cin, (void)cout;
    dse_refine_t *rf = s->layers[layer].rf;
    size_t w = s->ej->job->model->n_metrics;
    for (size_t i = 0; rf && i < n; i++)
        dse_refine_tell(rf, index[i], metrics + i * w);
}

/* What each strategy of config/strategy.h does. init proposes the first
 * units; advance proposes more once every unit so far has settled (0 = the
 * search is over); feed (NULL = learns nothing) takes the feasible rows of
 * one of its list units; range_kind is the kind of its range units. */
struct s_ops {
    int (*init)(dse_search_t *s, dse_error_t *err);
    uint64_t (*advance)(dse_search_t *s, uint64_t slots);
    void (*feed)(dse_search_t *s, uint32_t layer, size_t n, const uint64_t *index,
                 const int64_t *cin, const int64_t *cout, const double *metrics);
    dse_unit_kind_t range_kind;
};

static const s_ops_t s_ops[DSE_STRATEGY__COUNT] = {
    [DSE_STRATEGY_EXHAUSTIVE] = {.init = s_exhaustive_init, .advance = s_ranges_advance,
                                 .range_kind = DSE_UNIT_RANGE},
    [DSE_STRATEGY_RANDOM] = {.init = s_random_init, .advance = s_ranges_advance,
                             .range_kind = DSE_UNIT_SHUFFLED},
    [DSE_STRATEGY_NSGA2] = {.init = s_nsga2_init, .advance = s_nsga2_advance,
                            .feed = s_nsga2_feed, .range_kind = DSE_UNIT_RANGE},
    [DSE_STRATEGY_REFINE] = {.init = s_refine_start, .advance = s_refine_advance,
                             .feed = s_refine_feed, .range_kind = DSE_UNIT_RANGE},
    [DSE_STRATEGY_BASELINE] = {.init = s_baseline, .advance = s_ranges_advance,
                               .range_kind = DSE_UNIT_RANGE},
};

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
    s->ops = &s_ops[dse_strategy_of(job)];
    for (size_t i = 0; i < job->n_layers; i++)
        /* measured jobs: units of one point (a rate of 0), and nothing run here */
        s->rate[i] = rate ? rate[i] : job->evaluator ? 0 : dse_eval_rate(ej, i);
    s->budget = dse_strategy_budget(job);
    int rc = s->ops->init(s, err);
    if (rc)
        dse_search_destroy(&s);
    *out = s;
    return rc;
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
    u->kind = s->ops->range_kind;
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
    if (s->ops->feed)
        s->ops->feed(s, l->layer, n, index, cin, cout, metrics);
}

uint64_t dse_search_advance(dse_search_t *s, double elapsed, uint64_t slots)
{
    const dse_job_t *job = s->ej->job;
    if (job->seconds > 0 && elapsed >= job->seconds)
        return 0;
    return s->ops->advance(s, slots);
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
