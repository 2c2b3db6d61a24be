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

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dse-worker --connect ENDPOINT [options]\n"
            "\n"
            "Evaluates units of work for a coordinator: one thread per physical core,\n"
            "each pinned. Reconnects with backoff (1 s to 32 s) when the coordinator\n"
            "goes away.\n"
            "\n"
            "options:\n"
            "  --connect ENDPOINT       the coordinator's worker endpoint (tcp://host:5555)\n"
            "  --threads N              evaluation threads (default: physical cores)\n"
            "  --death-timeout S        exit after S seconds without a coordinator (default: never)\n"
            "  --heartbeat S            heartbeat interval (default 1)\n"
            "  --heartbeat-misses N     missed heartbeats before the coordinator is lost (3)\n"
            "  --first-core K           pin thread t to core K + t (for several workers on\n"
            "                           one host; default 0)\n"
            "  --no-pin                 do not pin threads to cores\n"
            "  --allow-command[=PROG]   run the commands of measured jobs ([evaluator] kind =\n"
            "                           \"command\"); with PROG (an absolute path) only that one\n"
            "  --tag TAG                take measured jobs that require TAG (repeatable)\n"
            "  --keep-failed            keep the working folder of a point that failed\n"
            "  --key FILE               CURVE: this worker's pair (NAME.key of dse-keygen;\n"
            "                           NAME.pub goes into the coordinator's\n"
            "                           KEYS/allowed/workers/)\n"
            "  --coordinator-key FILE   CURVE: the coordinator's public key (its .pub)\n"
            "  --topology DESC          an hwloc synthetic topology instead of this host's\n"
            "                           (for tests: \"pack:2 core:4 pu:2\")\n"
            "  -v, --verbose            say what happens\n"
            "  -h, --help               this text\n");
}

int main(int argc, char **argv)
{
    dse_worker_opts_t o = {.pin = 1, .heartbeat_s = 1.0, .heartbeat_misses = 3, .stop = &s_stop};
    const char *key = NULL, *coordinator_key = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        double v;
        if (strcmp(a, "--connect") == 0 && has_next) {
            o.endpoint = argv[++i];
            if (dse_cli_endpoint("dse-worker", a, o.endpoint, "tcp://hostA:5555"))
                return 2;
        } else if (strcmp(a, "--threads") == 0 && has_next) {
            if (dse_cli_number("dse-worker", a, argv[++i], 1, 1024, &v))
                return 2;
            o.threads = (int)v;
        } else if (strcmp(a, "--death-timeout") == 0 && has_next) {
            if (dse_cli_number("dse-worker", a, argv[++i], 0, 1e9, &v))
                return 2;
            o.death_timeout_s = v;
        } else if (strcmp(a, "--heartbeat") == 0 && has_next) {
            if (dse_cli_number("dse-worker", a, argv[++i], 0.01, 3600, &v))
                return 2;
            o.heartbeat_s = v;
        } else if (strcmp(a, "--heartbeat-misses") == 0 && has_next) {
            if (dse_cli_number("dse-worker", a, argv[++i], 1, 1000, &v))
                return 2;
            o.heartbeat_misses = (int)v;
        } else if (strcmp(a, "--first-core") == 0 && has_next) {
            if (dse_cli_number("dse-worker", a, argv[++i], 0, 65535, &v))
                return 2;
            o.first_core = (int)v;
        } else if (strcmp(a, "--allow-command") == 0 ||
                   strncmp(a, "--allow-command=", 16) == 0) {
            o.allow_command = 1;
            const char *prog = a[15] == '=' ? a + 16
                               : has_next && argv[i + 1][0] == '/' ? argv[++i] : NULL;
            if (prog && prog[0] != '/') {
                fprintf(stderr, "dse-worker: --allow-command=PROGRAM takes an absolute path "
                        "(got '%s')\n", prog);
                return 2;
            }
            o.allow_program = prog;
        } else if (strcmp(a, "--tag") == 0 && has_next) {
            const char *t = argv[++i];
            int ok = *t && strlen(t) <= 24 && o.n_tags < 8;
            for (const char *p = t; ok && *p; p++)
                ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
            if (!ok) {
                fprintf(stderr, "dse-worker: --tag takes 1 to 24 letters, digits, '-', '_' or "
                        "'.' (at most 8 tags; got '%s')\n", t);
                return 2;
            }
            o.tags[o.n_tags++] = t;
        } else if (strcmp(a, "--key") == 0 && has_next) {
            key = argv[++i];
        } else if (strcmp(a, "--coordinator-key") == 0 && has_next) {
            coordinator_key = argv[++i];
        } else if (strcmp(a, "--keep-failed") == 0) {
            o.keep_failed = 1;
        } else if (strcmp(a, "--no-pin") == 0) {
            o.pin = 0;
        } else if (strcmp(a, "--topology") == 0 && has_next) {
            o.synthetic_topology = argv[++i];
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o.verbose = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "dse-worker: unknown option '%s'%s\n", a,
                    has_next || a[0] != '-' ? "" : " (or it lacks its value)");
            s_usage(stderr);
            return 2;
        }
    }
    if (!o.endpoint) {
        fprintf(stderr, "dse-worker: --connect ENDPOINT is required\n");
        s_usage(stderr);
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
