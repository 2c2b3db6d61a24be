/* embedded.h - a whole run as a library call: what dse-run does between
 * reading its options and choosing its exit status.
 *
 * dse_run_embedded() loads the job, starts a coordinator in a thread of
 * this process and local workers (dse-worker processes, or threads of this
 * process), submits the job as a client, shows progress, composes the
 * network front and writes the outputs; it keeps the run's state in
 * OUT/.dse-state for `--resume`. With a standing coordinator named instead
 * (client_endpoint), it submits there and starts nothing. With calibrate,
 * it fits the model to the cached measurements instead of running.
 *
 * The pieces benchmarks and tests reuse are public too: a coordinator
 * serving in a thread (dse_embedded_coord_*), and a job submitted as text
 * and waited for (dse_embedded_submit).
 *
 * What a person reads (progress, the closing lines, errors) goes to the
 * streams the caller gives in the options, with its program name.
 */
#ifndef DSE_EMBEDDED_H
#define DSE_EMBEDDED_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "coordinator/coord.h"
#include "core/auth.h"
#include "core/error.h"

/* Where the local workers of an embedded run live. */
typedef enum {
    DSE_LOCAL_PROCESSES = 0, /* dse-worker processes, each pinned to a core (dse-run) */
    DSE_LOCAL_THREADS,       /* worker engines in threads of this process (tests) */
} dse_local_workers_t;

typedef struct {
    const char *prog;       /* the name messages start with ("dse-run" when NULL) */
    const char *config;     /* the job file; with resume, may be the output folder instead */
    const char *output;     /* write the outputs here instead of [job] output (NULL: the job's) */
    int dump_all;           /* also all_points.csv */
    int plot_layers;        /* pareto.svg plots each layer's front too */
    int workers;            /* local workers: < 0 the job's [cluster] workers, 0 one per core */
    dse_local_workers_t local;
    const char *worker_program; /* dse-worker's path (NULL: beside this program) */
    const char *allow_command;  /* local workers run [evaluator] commands: NULL none, "" any,
                                 * else only this absolute path */
    int keep_failed;        /* keep the working folder of a measured point that failed */
    const char *cache;      /* cache of measured points (NULL: the default folder) */
    int no_cache;
    int resume;             /* continue the interrupted run kept in the output folder */
    int calibrate;          /* fit the model's calibratable keys instead of running */
    /* A standing coordinator instead of an embedded one: its client
     * endpoint, and its worker endpoint for messages (may be NULL). */
    const char *client_endpoint;
    const char *coordinator;
    const dse_curve_client_t *curve; /* CURVE keys for a standing coordinator, or NULL */
    double timeout_s;       /* give up after this long without the coordinator (60 when 0) */
    int quiet;              /* no progress line, no closing lines */
    int verbose;
    int progress;           /* draw progress lines (on a terminal) */
    volatile sig_atomic_t *stop; /* set (by a signal handler) to interrupt; may be NULL */
    FILE *out;              /* the closing lines (stdout when NULL) */
    FILE *log;              /* progress, warnings and errors (stderr when NULL) */
} dse_run_opts_t;

/* What a finished run wrote. */
typedef struct {
    uint64_t evaluated;     /* points evaluated, all layers */
    uint64_t skipped;       /* points skipped as known infeasible */
    size_t front_rows;      /* rows of the layer fronts, all layers */
    size_t network_rows;    /* rows of the network front (0 when none) */
    size_t quarantined;     /* units quarantined in a model-only job: its fronts are
                             * incomplete (dse-run exits 3) */
} dse_run_result_t;

/* Runs the job of o->config (see above). Returns 0 with *res filled (res
 * may be NULL); DSE_EINTR when *o->stop was set (nothing written; an
 * embedded run's state stays for --resume); another negative DSE_E code
 * on a failure. Every failure has been said on o->log, and err holds its
 * code and, where there is one, the message. */
int dse_run_embedded(const dse_run_opts_t *o, dse_run_result_t *res, dse_error_t *err);

/* A coordinator serving in a thread of this process. o is copied; its
 * stop flag is replaced by the thread's own. NULL with err when the
 * coordinator cannot be made (dse_coord_new). */
typedef struct dse_embedded_coord dse_embedded_coord_t;
dse_embedded_coord_t *dse_embedded_coord_start(const dse_coord_opts_t *o, dse_error_t *err);
/* The coordinator (for its endpoints and dse_coord_n_workers). */
dse_coord_t *dse_embedded_coord(const dse_embedded_coord_t *ec);
/* CPU seconds the coordinator's thread has used so far. */
double dse_embedded_coord_cpu(const dse_embedded_coord_t *ec);
/* Stops the coordinator, joins its thread and destroys it; NULL-safe. */
void dse_embedded_coord_stop(dse_embedded_coord_t **ec_p);

/* What dse_embedded_submit saw of a job. */
typedef struct {
    double t_accept, t_done;     /* dse_now() when ACCEPT and DONE came */
    double cpu_accept, cpu_done; /* the coordinator thread's CPU seconds then */
    uint32_t units, reissued, workers_seen;
    uint64_t evaluated;          /* the job's points counted, deduplicated by unit */
} dse_submit_stats_t;

/* Submits a job's canonical text to ec's coordinator as a bare client
 * (heartbeating once a second) and waits for its end, at most timeout_s.
 * The fronts are not kept: this measures the coordinator. Returns 0 with
 * *st filled, DSE_ETIMEDOUT, or DSE_EFAIL with the coordinator's refusal in
 * err. */
int dse_embedded_submit(dse_embedded_coord_t *ec, const char *canonical,
                        const dse_curve_client_t *curve, double timeout_s,
                        dse_submit_stats_t *st, dse_error_t *err);

#endif
