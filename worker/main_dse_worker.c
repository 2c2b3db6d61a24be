/* main_dse_worker.c - the dse-worker program. */
#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cli.h"
#include "core/error.h"
#include "worker/worker.h"

static volatile sig_atomic_t s_stop;

static dse_worker_opts_t s_o = {.pin = 1, .heartbeat_s = 1.0, .heartbeat_misses = 3,
                                .stop = &s_stop};
static const char *s_key, *s_coordinator_key;
static int s_no_pin;

/* --allow-command[=PROGRAM] */
static int s_opt_allow(void *target, const char *prog, const char *name, const char *value)
{
    dse_worker_opts_t *o = target;
    if (value && value[0] != '/') {
        fprintf(stderr, "%s: %s=PROGRAM takes an absolute path (got '%s')\n", prog, name,
                value);
        return 2;
    }
    o->allow_command = 1;
    o->allow_program = value;
    return -1;
}

/* --tag TAG, repeatable */
static int s_opt_tag(void *target, const char *prog, const char *name, const char *value)
{
    dse_worker_opts_t *o = target;
    int ok = *value && strlen(value) <= 24 && o->n_tags < 8;
    for (const char *p = value; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '-' || *p == '_' || *p == '.';
    if (!ok) {
        fprintf(stderr, "%s: %s takes 1 to 24 letters, digits, '-', '_' or '.' (at most 8 "
                "tags; got '%s')\n", prog, name, value);
        return 2;
    }
    o->tags[o->n_tags++] = value;
    return -1;
}

static const dse_cli_opt_t s_opts[] = {
    {"--connect", 0, "ENDPOINT", DSE_CLI_ENDPOINT, &s_o.endpoint, .example = "tcp://hostA:5555",
     .help = "the coordinator's worker endpoint (tcp://host:5555)"},
    {"--threads", 0, "N", DSE_CLI_INT, &s_o.threads, .lo = 1, .hi = 1024,
     .help = "evaluation threads (default: physical cores)"},
    {"--death-timeout", 0, "S", DSE_CLI_NUMBER, &s_o.death_timeout_s, .lo = 0, .hi = 1e9,
     .help = "exit after S seconds without a coordinator (default: never)"},
    {"--heartbeat", 0, "S", DSE_CLI_NUMBER, &s_o.heartbeat_s, .lo = 0.01, .hi = 3600,
     .help = "heartbeat interval (default 1)"},
    {"--heartbeat-misses", 0, "N", DSE_CLI_INT, &s_o.heartbeat_misses, .lo = 1, .hi = 1000,
     .help = "missed heartbeats before the coordinator is lost (3)"},
    {"--first-core", 0, "K", DSE_CLI_INT, &s_o.first_core, .lo = 0, .hi = 65535,
     .help = "pin thread t to core K + t (for several workers on\n"
             "one host; default 0)"},
    {"--no-pin", 0, NULL, DSE_CLI_FLAG, &s_no_pin, .help = "do not pin threads to cores"},
    {"--allow-command", 0, "PROG", DSE_CLI_CALL, &s_o, .call = s_opt_allow,
     .flags = DSE_CLI_OPTIONAL | DSE_CLI_NEXT_PATH,
     .help = "run the commands of measured jobs ([evaluator] kind =\n"
             "\"command\"); with PROG (an absolute path) only that one"},
    {"--tag", 0, "TAG", DSE_CLI_CALL, &s_o, .call = s_opt_tag,
     .help = "take measured jobs that require TAG (repeatable)"},
    {"--keep-failed", 0, NULL, DSE_CLI_FLAG, &s_o.keep_failed,
     .help = "keep the working folder of a point that failed"},
    {"--key", 0, "FILE", DSE_CLI_STRING, &s_key,
     .help = "CURVE: this worker's pair (NAME.key of dse-keygen;\n"
             "NAME.pub goes into the coordinator's\n"
             "KEYS/allowed/workers/)"},
    {"--coordinator-key", 0, "FILE", DSE_CLI_STRING, &s_coordinator_key,
     .help = "CURVE: the coordinator's public key (its .pub)"},
    {"--topology", 0, "DESC", DSE_CLI_STRING, &s_o.synthetic_topology,
     .help = "an hwloc synthetic topology instead of this host's\n"
             "(for tests: \"pack:2 core:4 pu:2\")"},
    {"--verbose", 'v', NULL, DSE_CLI_FLAG, &s_o.verbose, .help = "say what happens"},
    {"--help", 'h', NULL, DSE_CLI_HELP, .help = "this text"},
    {NULL},
};

static const dse_cli_t s_cli = {
    .prog = "dse-worker",
    .usage = "usage: dse-worker --connect ENDPOINT [options]\n"
             "\n"
             "Evaluates units of work for a coordinator: one thread per physical core,\n"
             "each pinned. Reconnects with backoff (1 s to 32 s) when the coordinator\n"
             "goes away.\n",
    .opts = s_opts,
};

int main(int argc, char **argv)
{
    int st = dse_cli_parse(&s_cli, argc, argv);
    if (st >= 0)
        return st;
    dse_worker_opts_t o = s_o;
    const char *key = s_key, *coordinator_key = s_coordinator_key;
    if (s_no_pin)
        o.pin = 0;
    if (!o.endpoint) {
        fprintf(stderr, "dse-worker: --connect ENDPOINT is required\n");
        dse_cli_help(&s_cli, stderr);
        return 2;
    }
    dse_curve_client_t curve;
    int krc = dse_cli_keys("dse-worker", key, coordinator_key, &curve);
    if (krc)
        return krc;
    o.curve = key ? &curve : NULL;
    dse_error_t err = DSE_ERROR_INIT;
    dse_cli_stop_on_signals(&s_stop);
    int rc = dse_worker_run(&o, &err);
    if (rc && rc != DSE_ETIMEDOUT) {
        dse_error_print(&err, stderr);
        return 1;
    }
    return rc == DSE_ETIMEDOUT ? 3 : 0;
}
