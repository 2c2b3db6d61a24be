/* client.h - submitting a job to a coordinator and collecting its fronts.
 *
 * The client (dse-run) sends the job's canonical text, shows progress, and
 * receives each layer's front and the run's counters. It heartbeats the
 * coordinator; when the coordinator falls silent it reconnects and submits
 * again (results are deterministic, so a restarted job gives the same
 * fronts), until `timeout_s` passes without an answer.
 */
#ifndef DSE_CLIENT_H
#define DSE_CLIENT_H

#include <signal.h>

#include "core/auth.h"
#include "core/error.h"
#include "outputs/outputs.h"
#include "eval/eval.h"

typedef struct {
    const char *endpoint; /* the coordinator's client endpoint */
    const char *worker_endpoint; /* its worker endpoint, for messages (may be NULL) */
    int progress;         /* draw a progress line on stderr (a terminal): also a countdown
                           * while the coordinator does not answer */
    int quiet;            /* not even a "waiting for workers" line */
    int verbose;
    double heartbeat_s;
    int heartbeat_misses;
    double timeout_s;     /* give up after this long without the coordinator (default 60) */
    int keep_job;         /* when *stop is set, leave the job on the coordinator (an embedded
                           * run with a journal: `dse-run --resume` continues it) */
    volatile sig_atomic_t *stop;
    const dse_curve_client_t *curve; /* CURVE keys (--key, --coordinator-key), or NULL */
} dse_client_opts_t;

typedef struct {
    dse_front_t **fronts;        /* per layer */
    dse_front_t **all;           /* per layer, when the job dumps every point */
    dse_counters_t *per_layer;
    dse_quarantined_t *quarantined;
    size_t n_quarantined;
    char **bad_workers; /* workers quarantined for rows the model disagrees with */
    size_t n_bad_workers;
    dse_verified_t *verified; /* [evaluator] verify: the sampled points */
    size_t n_verified;
    uint64_t units, reissued;
    uint32_t workers_seen;
    double wall;
    uint64_t measured, cached; /* measured jobs: points measured, and taken from the cache */
} dse_client_result_t;

/* Runs the job on the coordinator. Returns 0 with res filled (release with
 * dse_client_result_release), DSE_EINTR when *stop was set (the job is
 * cancelled on the coordinator, unless keep_job), or an error (DSE_ETIMEDOUT,
 * the coordinator's refusal as DSE_ECONFIG, a failed handshake, such as a key
 * the coordinator does not allow, as DSE_EIO at once, ...). */
int dse_client_run(const dse_evaljob_t *ej, const dse_client_opts_t *o, dse_client_result_t *res,
                   dse_error_t *err);
void dse_client_result_release(dse_client_result_t *res, size_t n_layers);

#endif
