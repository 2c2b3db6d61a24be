/* why.h - why a layer's points were infeasible: a per-layer tally.
 *
 * Evaluation counts each infeasible point under the capacity or constraint
 * that rejected it, with the value closest to its bound seen so far. A
 * model names its capacities in dse_hwmodel_t.reasons (slots 0 ..
 * DSE_WHY_MODEL - 1); the job's constraints follow (slot DSE_WHY_MODEL + i
 * for constraints[i]). Points a model rejects for no capacity (an illegal
 * or duplicate combination) and points skipped unevaluated are not in it.
 * Tallies merge by adding counts and keeping the closest value, so they
 * are the same whatever the split into units and workers.
 */
#ifndef DSE_WHY_H
#define DSE_WHY_H

#include <stddef.h>
#include <stdint.h>

#include "core/job.h"

#define DSE_WHY_MODEL 8 /* reasons a model may declare */
#define DSE_WHY_SLOTS (DSE_WHY_MODEL + DSE_MAX_CONSTRAINTS)

typedef struct {
    uint64_t n[DSE_WHY_SLOTS];
    /* per slot with n > 0: the closest value to the bound, as a key where
     * smaller is closer (the value itself; minus the value for ">=" and
     * ">" constraints) */
    double key[DSE_WHY_SLOTS];
} dse_why_t;

/* Counts one point in `slot` with key `key` (slot < DSE_WHY_SLOTS). */
static inline void dse_why_add(dse_why_t *w, unsigned slot, double key)
{
    if (slot >= DSE_WHY_SLOTS)
        return;
    if (w->n[slot]++ == 0 || key < w->key[slot])
        w->key[slot] = key;
}

/* dst += src. */
void dse_why_merge(dse_why_t *dst, const dse_why_t *src);

/* 1 when no slot holds a count. */
int dse_why_empty(const dse_why_t *w);

/* The slot that rejected the most points (ties: the lowest slot), or -1. */
int dse_why_top(const dse_why_t *w);

#endif
