/* worker.h - the worker engine behind dse-worker.
 *
 * One DEALER socket to the coordinator; one evaluation thread per physical
 * core (hwloc), each pinned; units queued in memory up to the credit the
 * worker announced (about 2 per thread). Jobs are built once per digest and
 * cached. Application heartbeats both ways; when the coordinator falls
 * silent the worker reconnects with a fresh socket, backing off from 1 s to
 * 32 s; with a death timeout it exits after that long without a coordinator.
 */
#ifndef DSE_WORKER_H
#define DSE_WORKER_H

#include <signal.h>

#include "core/auth.h"
#include "core/error.h"

typedef struct {
    const char *endpoint;           /* coordinator's worker endpoint, e.g. tcp://host:5555 */
    int threads;                    /* 0 = one per physical core */
    const char *synthetic_topology; /* hwloc synthetic description for tests, or NULL */
    int pin;                        /* pin evaluation threads to cores */
    int first_core;                 /* thread t is pinned to core (first_core + t) mod cores */
    double heartbeat_s;             /* heartbeat interval (default 1 s) */
    int heartbeat_misses;           /* missed intervals before the coordinator is lost (3) */
    double death_timeout_s;         /* exit after this long without a coordinator; 0 = never */
    int verbose;
    volatile sig_atomic_t *stop;    /* set by a signal handler to stop */
    /* Measured evaluation: run job commands only when allow_command is set
     * (allow_program, when not NULL, is the one absolute path argv[0] may
     * be); tags are announced so that jobs with `requires` reach this
     * worker; keep_failed keeps the folders of failed points. */
    int allow_command;
    const char *allow_program;
    const char *tags[8];
    int n_tags;
    int keep_failed;
    /* CURVE keys (core/auth.h: --key, --coordinator-key), or NULL. A
     * refused key is said once per refusal streak, and retried with the
     * usual backoff (the coordinator may be restarted with the key). */
    const dse_curve_client_t *curve;
} dse_worker_opts_t;

/* Runs a worker until *stop is set or the death timeout expires. Returns 0
 * on a requested stop, DSE_ETIMEDOUT on the death timeout, or an error. */
int dse_worker_run(const dse_worker_opts_t *opts, dse_error_t *err);

#endif
