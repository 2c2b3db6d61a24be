/* main_dse_coordinator.c - the dse-coordinator program. */
#include <czmq.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
            "Two endpoints: one for workers (dse-worker --connect) and one for clients\n"
            "(dse-run). Both are printed once bound. With the default, workers connect to\n"
            "port 5555 and clients to 5556 (dse-run --coordinator tcp://HOST:5555 takes the\n"
            "worker port and adds one).\n"
            "\n"
            "options:\n"
            "  --bind ENDPOINT          endpoint for workers (default tcp://127.0.0.1:5555);\n"
            "                           port * lets the system pick a free one\n"
            "  --client-bind ENDPOINT   endpoint for dse-run clients (default: the worker\n"
            "                           port plus one, tcp://127.0.0.1:5556; with port *,\n"
            "                           port * too)\n"
            "  --endpoints-file FILE    once bound, write the two endpoints to FILE as\n"
            "                           'workers ENDPOINT' and 'clients ENDPOINT' lines\n"
            "  --heartbeat S            heartbeat interval (default 1)\n"
            "  --heartbeat-misses N     missed heartbeats before a worker is dead (3)\n"
            "  --max-attempts N         attempts before a unit is quarantined (3)\n"
            "  --lease-timeout S        re-issue a unit outstanding this long (default: auto)\n"
            "  --cache DIR              cache of measured points (default:\n"
            "                           $XDG_CACHE_HOME/dse/measured, else ~/.cache/dse/measured)\n"
            "  --no-cache               no cache: measured jobs measure every point\n"
            "  --state DIR              journal every accepted job and merged result in\n"
            "                           DIR/journal; started again with the same DIR, the\n"
            "                           coordinator resumes the jobs (their clients\n"
            "                           reconnect on their own)\n"
            "  --keys DIR               CURVE: encrypt, and accept only the keys in\n"
            "                           DIR/allowed/workers/*.pub (workers) and\n"
            "                           DIR/allowed/clients/*.pub (dse-run); its own pair is\n"
            "                           DIR/coordinator.key (dse-keygen DIR/coordinator).\n"
            "                           Endpoints beyond this host are then allowed\n"
            "  --insecure               allow endpoints beyond this host without --keys:\n"
            "                           nothing is authenticated, so only on a network that\n"
            "                           trusted hosts alone can reach\n"
            "  -v, --verbose            say what happens\n"
            "  -h, --help               this text\n");
}

/* Written to a temporary name and renamed: a reader sees both lines or no file. */
static int s_write_endpoints(const char *path, const char *wep, const char *cep)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "workers %s\nclients %s\n", wep, cep);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    dse_coord_opts_t o = {.worker_bind = "tcp://127.0.0.1:5555", .heartbeat_s = 1, .heartbeat_misses = 3,
                          .max_attempts = 3, .stop = &s_stop};
    const char *client_bind = NULL, *endpoints_file = NULL, *cache = NULL;
    int no_cache = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        double v;
        if (strcmp(a, "--bind") == 0 && has_next) {
            o.worker_bind = argv[++i];
            if (dse_cli_endpoint("dse-coordinator", a, o.worker_bind, "tcp://127.0.0.1:5555"))
                return 2;
        } else if (strcmp(a, "--client-bind") == 0 && has_next) {
            client_bind = argv[++i];
            if (dse_cli_endpoint("dse-coordinator", a, client_bind, "tcp://127.0.0.1:5556"))
                return 2;
        } else if (strcmp(a, "--endpoints-file") == 0 && has_next) {
            endpoints_file = argv[++i];
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
        } else if (strcmp(a, "--state") == 0 && has_next) {
            o.state_dir = argv[++i];
            if (!*o.state_dir) {
                fprintf(stderr, "dse-coordinator: --state takes a folder (got '')\n");
                return 2;
            }
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = 1;
        } else if (strcmp(a, "--keys") == 0 && has_next) {
            o.keys_dir = argv[++i];
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
    size_t wl = strlen(o.worker_bind);
    if (!client_bind && wl > 2 && strncmp(o.worker_bind, "tcp://", 6) == 0 &&
        strcmp(o.worker_bind + wl - 2, ":*") == 0) {
        /* a system-picked worker port: the client port is picked too */
        client_bind = o.worker_bind;
    } else if (!client_bind) {
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
    size_t nw, nc;
    dse_coord_allowed(c, &nw, &nc);
    if (o.keys_dir)
        fprintf(stderr, "dse-coordinator: CURVE keys from %s: %zu worker key%s and %zu client "
                        "key%s allowed; others are refused and logged%s\n", o.keys_dir, nw,
                nw == 1 ? "" : "s", nc, nc == 1 ? "" : "s",
                nc == 0 ? " (no client key: no one can submit a job)" : "");
    else if (!dse_endpoint_is_local(o.worker_bind) || !dse_endpoint_is_local(o.client_bind))
        fprintf(stderr, "dse-coordinator: --insecure: reachable beyond this host, and "
                        "authenticating no one: anyone who reaches these ports can register "
                        "workers and submit or cancel jobs\n");
    const char *wep = dse_coord_worker_endpoint(c), *cep = dse_coord_client_endpoint(c);
    fprintf(stderr, "dse-coordinator: workers connect to %s (dse-worker --connect %s)\n", wep,
            wep);
    char guess[512];
    if (dse_client_endpoint_for(wep, guess, sizeof guess) == 0 && strcmp(guess, cep) == 0)
        fprintf(stderr, "dse-coordinator: clients connect to %s (dse-run JOB --coordinator %s)\n",
                cep, wep);
    else
        fprintf(stderr, "dse-coordinator: clients connect to %s (dse-run JOB --client-endpoint "
                        "%s)\n", cep, cep);
    if (endpoints_file && s_write_endpoints(endpoints_file, wep, cep) != 0) {
        fprintf(stderr, "dse-coordinator: cannot write %s: %s\n", endpoints_file,
                strerror(errno));
        dse_coord_destroy(&c);
        return 1;
    }
    dse_coord_run(c);
    dse_coord_destroy(&c);
    free(cache_dir);
    return 0;
}
