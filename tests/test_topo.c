/* test_topo.c - core counts of synthetic topologies and this host; pinning. */
#include "core/topo.h"
#include "tests/test.h"

#include <pthread.h>
#include <sched.h>

DSE_TEST(topo_synthetic)
{
    static const struct {
        const char *desc;
        int cores, pus;
    } cases[] = {
        {"pack:2 core:4 pu:2", 8, 16},
        {"core:1 pu:1", 1, 1},
        {"numa:2 core:3 pu:1", 6, 6},
        {"pack:1 l3:2 core:4 pu:4", 8, 32},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        dse_topo_t *t = NULL;
        dse_error_t err = DSE_ERROR_INIT;
        int r = dse_topo_open(&t, cases[i].desc, &err);
        if (r) {
            dse__test_fail(__FILE__, __LINE__, "%s: %s", cases[i].desc, err.msg);
            continue;
        }
        CHECK_INT(dse_topo_cores(t), cases[i].cores);
        CHECK_INT(dse_topo_pus(t), cases[i].pus);
        CHECK_INT(dse_topo_core_pus(t, 0), cases[i].pus / cases[i].cores);
        CHECK(dse_topo_is_synthetic(t));
        /* binding to a described machine is a no-op */
        CHECK_INT(dse_topo_pin_current_thread(t, 5, &err), 0);
        CHECK_INT(dse_topo_pin_current_thread(t, -1, &err), DSE_EINVAL);
        CHECK(dse_topo_host(t)[0] != '\0');
        dse_topo_destroy(&t);
        dse_topo_destroy(&t);
    }
    dse_topo_t *t = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_topo_open(&t, "frobnicate:7", &err), DSE_EINVAL);
    CHECK(t == NULL);
    CHECK(strstr(err.msg, "frobnicate") != NULL);
}

typedef struct {
    const dse_topo_t *t;
    int core;
    int ret;
    int n_cpus;
    dse_error_t err;
} s_pin_arg_t;

static void *s_pin_thread(void *p)
{
    s_pin_arg_t *a = p;
    a->ret = dse_topo_pin_current_thread(a->t, a->core, &a->err);
    cpu_set_t set;
    CPU_ZERO(&set);
    a->n_cpus = -1;
    if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) == 0)
        a->n_cpus = CPU_COUNT(&set);
    return NULL;
}

DSE_TEST(topo_host)
{
    dse_topo_t *t = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_topo_open(&t, NULL, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "%s", err.msg);
        return;
    }
    CHECK(dse_topo_cores(t) >= 1);
    CHECK(dse_topo_pus(t) >= dse_topo_cores(t));
    CHECK(!dse_topo_is_synthetic(t));
    CHECK(dse_topo_host(t)[0] != '\0');
    /* pin a fresh thread (not the test runner's), to the last core and past it */
    int cores = dse_topo_cores(t);
    int which[2] = {cores - 1, cores};
    for (int i = 0; i < 2; i++) {
        s_pin_arg_t a = {t, which[i], 0, 0, DSE_ERROR_INIT};
        pthread_t th;
        CHECK_INT(pthread_create(&th, NULL, s_pin_thread, &a), 0);
        pthread_join(th, NULL);
        if (a.ret == DSE_ENOTSUP) {
            fprintf(stderr, "  topo_host: pinning skipped: %s\n", a.err.msg);
            break;
        }
        CHECK_INT(a.ret, 0);
        /* bound to exactly that core's processing units */
        CHECK_INT(a.n_cpus, dse_topo_core_pus(t, which[i]));
    }
    dse_topo_destroy(&t);
}
