/* topo.h - the machine's topology (hwloc): physical cores, processing units,
 * and pinning threads to cores.
 *
 * A worker runs one compute thread per physical core by default (hardware
 * threads of one core share its pipelines, so a second thread per core adds
 * little to a compute-bound evaluation) and pins each thread to its core so
 * that its evaluation context stays in that core's caches.
 */
#ifndef DSE_TOPO_H
#define DSE_TOPO_H

#include "core/error.h"

typedef struct dse_topo dse_topo_t;

/* Loads the topology of this host (synthetic == NULL) or an hwloc synthetic
 * description such as "pack:2 core:4 pu:2" (for tests and planning).
 * Only the CPUs this process may use are counted (cgroups, taskset).
 * Returns 0 and *t (caller destroys), or DSE_EINVAL (a bad synthetic
 * description) / DSE_EFAIL (hwloc could not load) with err filled. */
int dse_topo_open(dse_topo_t **t, const char *synthetic, dse_error_t *err);
/* Frees the topology and sets *t to NULL; safe on NULL. */
void dse_topo_destroy(dse_topo_t **t);

/* Physical cores (>= 1; where hwloc sees no cores, the processing units). */
int dse_topo_cores(const dse_topo_t *t);
/* Processing units (hardware threads, >= 1). */
int dse_topo_pus(const dse_topo_t *t);
/* Processing units of core core_index (taken modulo the core count). */
int dse_topo_core_pus(const dse_topo_t *t, int core_index);
/* 1 for a synthetic topology, 0 for this host's. */
int dse_topo_is_synthetic(const dse_topo_t *t);

/* Binds the calling thread to the CPUs of core core_index (modulo the core
 * count, so that more threads than cores share cores round-robin). With a
 * synthetic topology there is nothing to bind to: a no-op that returns 0.
 * Returns DSE_EINVAL for a negative index, DSE_ENOTSUP when the system
 * refuses binding (some containers), DSE_EFAIL otherwise; err says why. */
int dse_topo_pin_current_thread(const dse_topo_t *t, int core_index, dse_error_t *err);

/* This machine's host name (borrowed; the same for synthetic topologies,
 * which describe a machine shape, not a host). */
const char *dse_topo_host(const dse_topo_t *t);

#endif
