/* unit.h - a unit of work: the points of one layer a worker evaluates at once.
 *
 * A unit is a range of point indices, an explicit sorted list of them, or
 * a range of positions of a keyed permutation of the layer's space
 * (core/perm.h). Searches (search/search.h) propose units; workers and the
 * coordinator evaluate them here.
 */
#ifndef DSE_UNIT_H
#define DSE_UNIT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pareto.h"
#include "core/wire.h"
#include "eval/eval.h"

/* The kinds travel in WORK messages: the same values as core/wire.h's. */
typedef enum {
    DSE_UNIT_RANGE = DSE_WORK_RANGE,      /* points [lo, hi) */
    DSE_UNIT_LIST = DSE_WORK_LIST,        /* the n points indices[] (sorted, distinct) */
    DSE_UNIT_SHUFFLED = DSE_WORK_SHUFFLED /* the points at positions [lo, hi) of the
                                             permutation keyed by key */
} dse_unit_kind_t;

typedef struct {
    uint64_t id;
    uint32_t layer;
    dse_unit_kind_t kind;
    uint64_t lo, hi;
    uint64_t key;
    const uint64_t *indices; /* borrowed from the search */
    size_t n;
} dse_unit_t;

/* Points in a unit. */
uint64_t dse_unit_points(const dse_unit_t *u);
/* 1 when point index of layer space (size points) belongs to the unit. */
int dse_unit_has(const dse_unit_t *u, uint64_t size, uint64_t index);

/* Evaluates a unit's points (see dse_eval_points: front, all, counters,
 * cancel). Returns 0, DSE_EINVAL for a point or position outside the
 * layer's space, DSE_EINTR when cancelled. */
int dse_unit_eval(const dse_evaljob_t *ej, const dse_unit_t *u, dse_front_t *front,
                  dse_front_t *all, dse_counters_t *cnt, const atomic_int *cancel);

/* The unit a WORK message names (its indices borrowed; id left 0). A kind
 * outside dse_unit_kind_t stays as sent: dse_unit_eval refuses it. */
void dse_unit_from_work(const dse_msg_work_t *w, dse_unit_t *u);
/* The WORK fields of a unit: layer, kind, lo, hi, key and the indices
 * (borrowed, for encoding); unit id, epoch and digest are the caller's. */
void dse_unit_to_work(const dse_unit_t *u, dse_msg_work_view_t *w);

#endif
