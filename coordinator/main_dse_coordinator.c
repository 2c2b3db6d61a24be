/* main_dse_coordinator.c - the dse-coordinator program. */
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/coord.h"
#include "coordinator/mcache.h"
#include "core/util.h"
#include "core/cli.h"
#include "core/error.h"

static volatile sig_atomic_t s_stop;

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dse-coordinator [options]\n"
            "\n"
            "A standing coordinator: workers (dse-worker --connect) and jobs\n"
            "(dse-run --coordinator) come and go; several jobs are served at once.\n"
            "\n"
            "options:\n"
            "  --bind ENDPOINT          endpoint for workers (default tcp://127.0.0.1:5555)\n"
            "  --client-bind ENDPOINT   endpoint for dse-run clients (default: the worker\n"
            "                           port plus one, tcp://127.0.0.1:5556)\n"
            "  --heartbeat S            heartbeat interval (default 1)\n"
            "  --heartbeat-misses N     missed heartbeats before a worker is dead (3)\n"
            "  --max-attempts N         attempts before a unit is quarantined (3)\n"
            "  --lease-timeout S        re-issue a unit outstanding this long (default: auto)\n"
            "  --cache DIR              cache of measured points (default:\n"
            "                           $XDG_CACHE_HOME/dse/measured, else ~/.cache/dse/measured)\n"
            "  --no-cache               no cache: measured jobs measure every point\n"
            "  --insecure               allow endpoints beyond this host: nothing is\n"
            "                           authenticated yet, so only on a network that\n"
            "                           trusted hosts alone can reach\n"
            "  -v, --verbose            say what happens\n"
            "  -h, --help               this text\n");
}

int main(int argc, char **argv)
{
    dse_coord_opts_t o = {.worker_bind = "tcp://127.0.0.1:5555", .heartbeat_s = 1, .heartbeat_misses = 3,
                          .max_attempts = 3, .stop = &s_stop};
    const char *client_bind = NULL, *cache = NULL;
    int no_cache = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        double v;
        if (strcmp(a, "--bind") == 0 && has_next) {
            o.worker_bind = argv[++i];
        } else if (strcmp(a, "--client-bind") == 0 && has_next) {
            client_bind = argv[++i];
        } else if (strcmp(a, "--heartbeat") == 0 && has_next) {
            if (dse_cli_number("dse-coordinator", a, argv[++i], 0.01, 3600, &v))
                return 2;
            o.heartbeat_s = v;
        } else if (strcmp(a, "--heartbeat-misses") == 0 && has_next) {
            if (dse_cli_number("dse-coordinator", a, argv[++i], 1, 1000, &v))
                return 2;
            o.heartbeat_misses = (int)v;
        } else if (strcmp(a, "--max-attempts") == 0 && has_next) {
            if (dse_cli_number("dse-coordinator", a, argv[++i], 1, 255, &v))
                return 2;
            o.max_attempts = (int)v;
        } else if (strcmp(a, "--lease-timeout") == 0 && has_next) {
            if (dse_cli_number("dse-coordinator", a, argv[++i], 0.01, 1e7, &v))
                return 2;
            o.lease_timeout_s = v;
        } else if (strcmp(a, "--cache") == 0 && has_next) {
            cache = argv[++i];
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = 1;
        } else if (strcmp(a, "--insecure") == 0) {
            o.insecure = 1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o.verbose = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "dse-coordinator: unknown option '%s'\n", a);
            s_usage(stderr);
            return 2;
        }
    }
    char cbind[512];
    if (!client_bind) {
        if (dse_client_endpoint_for(o.worker_bind, cbind, sizeof cbind) != 0) {
            fprintf(stderr, "dse-coordinator: --bind %s has no numeric port: give "
                            "--client-bind too\n", o.worker_bind);
            return 2;
        }
        client_bind = cbind;
    }
    o.client_bind = client_bind;
    dse_cli_stop_on_signals(&s_stop);
    dse_error_t err = DSE_ERROR_INIT;
    /* opened when the first measured job comes */
    char *cache_dir = no_cache ? NULL : cache ? dse_xstrdup(cache) : dse_mcache_default_dir();
    o.cache_dir = cache_dir;
    dse_coord_t *c = dse_coord_new(&o, &err);
    if (!c) {
        dse_error_print(&err, stderr);
        free(cache_dir);
        return 1;
    }
    if (!dse_endpoint_is_local(o.worker_bind) || !dse_endpoint_is_local(o.client_bind))
        fprintf(stderr, "dse-coordinator: --insecure: reachable beyond this host, and "
                        "authenticating no one: anyone who reaches these ports can register "
                        "workers and submit or cancel jobs\n");
    fprintf(stderr, "dse-coordinator: workers at %s, clients at %s\n", o.worker_bind,
            o.client_bind);
    dse_coord_run(c);
    dse_coord_destroy(&c);
    free(cache_dir);
    return 0;
}
