/* unit.c - the points of a unit, and their evaluation (see unit.h). */
#include "eval/unit.h"

#include "core/perm.h"
#include "core/space.h"

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

void dse_unit_from_work(const dse_msg_work_t *w, dse_unit_t *u)
{
    *u = (dse_unit_t){
        .layer = w->layer,
        .kind = (dse_unit_kind_t)w->kind,
        .lo = w->lo,
        .hi = w->hi,
        .key = w->key,
        .indices = w->indices,
        .n = w->n_indices,
    };
}

void dse_unit_to_work(const dse_unit_t *u, dse_msg_work_view_t *w)
{
    w->layer = u->layer;
    w->kind = (uint32_t)u->kind;
    w->lo = u->lo;
    w->hi = u->hi;
    w->key = u->key;
    w->indices = u->indices;
    w->n_indices = u->n;
}
