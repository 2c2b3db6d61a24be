/* counters.h - what a unit, a layer or a job evaluated: one type, used in
 * process and on the wire (core/wire.h sends it as its counters field).
 */
#ifndef DSE_COUNTERS_H
#define DSE_COUNTERS_H

#include <stdint.h>

#include "core/why.h"

typedef struct {
    uint64_t evaluated;  /* points evaluated */
    uint64_t feasible;   /* of those, feasible on the target and within the constraints */
    uint64_t infeasible; /* evaluated but infeasible or outside a per-layer constraint */
    uint64_t skipped;    /* known infeasible without evaluation */
    dse_why_t why;       /* of the infeasible: the capacity or constraint that rejected them */
} dse_counters_t;

#endif
