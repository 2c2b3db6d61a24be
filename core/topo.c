/* topo.c - hwloc topology: counts and thread binding. */
#include "core/topo.h"

#include <errno.h>
#include <hwloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

struct dse_topo {
    hwloc_topology_t topo;
    int synthetic;
    int cores, pus;
    hwloc_obj_type_t core_type; /* HWLOC_OBJ_CORE, or HWLOC_OBJ_PU when there are no cores */
    char host[256];
};

int dse_topo_open(dse_topo_t **tp, const char *synthetic, dse_error_t *err)
{
    *tp = NULL;
    dse_topo_t *t = dse_xcalloc(1, sizeof *t);
    if (hwloc_topology_init(&t->topo) != 0) {
        free(t);
        return dse_error_set(err, DSE_EFAIL, NULL, 0, 0, "hwloc: cannot initialise: %s",
                             strerror(errno));
    }
    if (synthetic) {
        t->synthetic = 1;
        if (hwloc_topology_set_synthetic(t->topo, synthetic) != 0) {
            hwloc_topology_destroy(t->topo);
            free(t);
            return dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                                 "hwloc: invalid synthetic topology \"%s\"", synthetic);
        }
    }
    if (hwloc_topology_load(t->topo) != 0) {
        int e = errno;
        hwloc_topology_destroy(t->topo);
        free(t);
        return dse_error_set(err, DSE_EFAIL, NULL, 0, 0, "hwloc: cannot load the topology: %s",
                             strerror(e));
    }
    t->pus = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_PU);
    t->cores = hwloc_get_nbobjs_by_type(t->topo, HWLOC_OBJ_CORE);
    t->core_type = HWLOC_OBJ_CORE;
    if (t->cores <= 0) {
        t->cores = t->pus;
        t->core_type = HWLOC_OBJ_PU;
    }
    if (t->pus <= 0 || t->cores <= 0) {
        hwloc_topology_destroy(t->topo);
        free(t);
        return dse_error_set(err, DSE_EFAIL, NULL, 0, 0, "hwloc: no processing units found");
    }
    if (gethostname(t->host, sizeof t->host - 1) != 0)
        snprintf(t->host, sizeof t->host, "unknown");
    t->host[sizeof t->host - 1] = '\0';
    *tp = t;
    return 0;
}

void dse_topo_destroy(dse_topo_t **tp)
{
    if (!tp || !*tp)
        return;
    hwloc_topology_destroy((*tp)->topo);
    free(*tp);
    *tp = NULL;
}

int dse_topo_cores(const dse_topo_t *t)
{
    return t->cores;
}

int dse_topo_pus(const dse_topo_t *t)
{
    return t->pus;
}

int dse_topo_is_synthetic(const dse_topo_t *t)
{
    return t->synthetic;
}

static hwloc_obj_t s_core(const dse_topo_t *t, int core_index)
{
    return hwloc_get_obj_by_type(t->topo, t->core_type, (unsigned)(core_index % t->cores));
}

int dse_topo_core_pus(const dse_topo_t *t, int core_index)
{
    if (core_index < 0)
        return 0;
    hwloc_obj_t o = s_core(t, core_index);
    if (!o || !o->cpuset)
        return 0;
    int n = hwloc_bitmap_weight(o->cpuset);
    return n > 0 ? n : 0;
}

int dse_topo_pin_current_thread(const dse_topo_t *t, int core_index, dse_error_t *err)
{
    if (core_index < 0)
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "pin: negative core index %d",
                             core_index);
    if (t->synthetic)
        return 0;
    hwloc_obj_t o = s_core(t, core_index);
    if (!o || !o->cpuset)
        return dse_error_set(err, DSE_EFAIL, NULL, 0, 0, "pin: core %d not found", core_index);
    if (hwloc_set_cpubind(t->topo, o->cpuset, HWLOC_CPUBIND_THREAD) != 0) {
        int e = errno;
        int code = (e == ENOSYS || e == EXDEV || e == EPERM) ? DSE_ENOTSUP : DSE_EFAIL;
        return dse_error_set(err, code, NULL, 0, 0, "pin: cannot bind to core %d: %s",
                             core_index % t->cores, strerror(e));
    }
    return 0;
}

const char *dse_topo_host(const dse_topo_t *t)
{
    return t->host;
}
