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

static dse_coord_opts_t s_o = {.worker_bind = "tcp://127.0.0.1:5555", .heartbeat_s = 1,
                               .heartbeat_misses = 3, .max_attempts = 3, .stop = &s_stop};
static const char *s_client_bind, *s_endpoints_file, *s_cache;
static int s_no_cache;

/* --state DIR: a folder, not "" */
static int s_opt_state(void *target, const char *prog, const char *name, const char *value)
{
    if (!*value) {
        fprintf(stderr, "%s: %s takes a folder (got '')\n", prog, name);
        return 2;
    }
    *(const char **)target = value;
    return -1;
}

static const dse_cli_opt_t s_opts[] = {
    {"--bind", 0, "ENDPOINT", DSE_CLI_ENDPOINT, &s_o.worker_bind,
     .example = "tcp://127.0.0.1:5555",
     .help = "endpoint for workers (default tcp://127.0.0.1:5555);\n"
             "port * lets the system pick a free one"},
    {"--client-bind", 0, "ENDPOINT", DSE_CLI_ENDPOINT, &s_client_bind,
     .example = "tcp://127.0.0.1:5556",
     .help = "endpoint for dse-run clients (default: the worker\n"
             "port plus one, tcp://127.0.0.1:5556; with port *,\n"
             "port * too)"},
    {"--endpoints-file", 0, "FILE", DSE_CLI_STRING, &s_endpoints_file,
     .help = "once bound, write the two endpoints to FILE as\n"
             "'workers ENDPOINT' and 'clients ENDPOINT' lines"},
    {"--heartbeat", 0, "S", DSE_CLI_NUMBER, &s_o.heartbeat_s, .lo = 0.01, .hi = 3600,
     .help = "heartbeat interval (default 1)"},
    {"--heartbeat-misses", 0, "N", DSE_CLI_INT, &s_o.heartbeat_misses, .lo = 1, .hi = 1000,
     .help = "missed heartbeats before a worker is dead (3)"},
    {"--max-attempts", 0, "N", DSE_CLI_INT, &s_o.max_attempts, .lo = 1, .hi = 255,
     .help = "attempts before a unit is quarantined (3)"},
    {"--lease-timeout", 0, "S", DSE_CLI_NUMBER, &s_o.lease_timeout_s, .lo = 0.01, .hi = 1e7,
     .help = "re-issue a unit outstanding this long (default: auto)"},
    {"--cache", 0, "DIR", DSE_CLI_STRING, &s_cache,
     .help = "cache of measured points (default:\n"
             "$XDG_CACHE_HOME/dse/measured, else ~/.cache/dse/measured)"},
    {"--no-cache", 0, NULL, DSE_CLI_FLAG, &s_no_cache,
     .help = "no cache: measured jobs measure every point"},
    {"--state", 0, "DIR", DSE_CLI_CALL, &s_o.state_dir, .call = s_opt_state,
     .help = "journal every accepted job and merged result in\n"
             "DIR/journal; started again with the same DIR, the\n"
             "coordinator resumes the jobs (their clients\n"
             "reconnect on their own)"},
    {"--keys", 0, "DIR", DSE_CLI_STRING, &s_o.keys_dir,
     .help = "CURVE: encrypt, and accept only the keys in\n"
             "DIR/allowed/workers/*.pub (workers) and\n"
             "DIR/allowed/clients/*.pub (dse-run); its own pair is\n"
             "DIR/coordinator.key (dse-keygen DIR/coordinator).\n"
             "Endpoints beyond this host are then allowed"},
    {"--insecure", 0, NULL, DSE_CLI_FLAG, &s_o.insecure,
     .help = "allow endpoints beyond this host without --keys:\n"
             "nothing is authenticated, so only on a network that\n"
             "trusted hosts alone can reach"},
    {"--verbose", 'v', NULL, DSE_CLI_FLAG, &s_o.verbose, .help = "say what happens"},
    {"--help", 'h', NULL, DSE_CLI_HELP, .help = "this text"},
    {NULL},
};

static const dse_cli_t s_cli = {
    .prog = "dse-coordinator",
    .usage = "usage: dse-coordinator [options]\n"
             "\n"
             "A standing coordinator: workers (dse-worker --connect) and jobs\n"
             "(dse-run --coordinator) come and go; several jobs are served at once.\n"
             "\n"
             "Two endpoints: one for workers (dse-worker --connect) and one for clients\n"
             "(dse-run). Both are printed once bound. With the default, workers connect to\n"
             "port 5555 and clients to 5556 (dse-run --coordinator tcp://HOST:5555 takes the\n"
             "worker port and adds one).\n",
    .opts = s_opts,
};

int main(int argc, char **argv)
{
    int st = dse_cli_parse(&s_cli, argc, argv);
    if (st >= 0)
        return st;
    dse_coord_opts_t o = s_o;
    const char *client_bind = s_client_bind, *endpoints_file = s_endpoints_file;
    const char *cache = s_cache;
    int no_cache = s_no_cache;
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
