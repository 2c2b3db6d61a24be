/* plan.h - splitting a job's spaces into units of work.
 *
 * Exhaustive search covers each layer's space [0, size) with range units of
 * about `unit_seconds` of work each, sized from a measured evaluation rate.
 * Units are numbered 0..n_units-1 across the layers in order and computed on
 * demand, so a plan of millions of units costs a few words per layer.
 */
#ifndef DSE_PLAN_H
#define DSE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "worker/eval.h"

/* At most this many units in one job (the coordinator keeps a bit per unit). */
#define DSE_PLAN_MAX_UNITS 50000000ULL

typedef struct {
    uint64_t id;
    uint32_t layer;
    uint64_t lo, hi;
} dse_unit_t;

typedef struct {
    size_t n_layers;
    uint64_t *chunk;      /* points per unit, per layer */
    uint64_t *first_unit; /* id of each layer's first unit; first_unit[n_layers] = n_units */
    uint64_t n_units;
} dse_plan_t;

/* Plans an exhaustive run. rate[i] is the measured points/s of layer i (NULL:
 * measure with dse_eval_rate). Fails with DSE_ERANGE when the spaces need
 * more than DSE_PLAN_MAX_UNITS units. */
int dse_plan_exhaustive(const dse_evaljob_t *ej, double unit_seconds, const double *rate,
                        dse_plan_t **out, dse_error_t *err);
void dse_plan_destroy(dse_plan_t **plan_p);
/* The unit with this id (< n_units). */
void dse_plan_unit(const dse_plan_t *plan, const dse_evaljob_t *ej, uint64_t id, dse_unit_t *u);

#endif
