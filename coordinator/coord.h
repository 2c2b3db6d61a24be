/* coord.h - the coordinator engine behind dse-coordinator and embedded dse-run.
 *
 * One ROUTER for workers, one for clients. Workers pull work with credit:
 * the coordinator never holds more units at a worker than it announced.
 * Every unit handed out is a lease (unit, worker, attempt, deadline). A
 * worker silent for `heartbeat_misses` heartbeat intervals is dead and its
 * units go back to the front of the queue; a unit that failed
 * `max_attempts` times is quarantined and reported. When the queue is empty
 * outstanding units are re-issued to idle workers (a result that arrives
 * twice is merged once). Several jobs run at once, served in turn; progress
 * streams to each job's client, and the final fronts travel back to it.
 * A malformed message is dropped and logged; it never disturbs other peers.
 */
#ifndef DSE_COORD_H
#define DSE_COORD_H

#include <signal.h>

#include "core/error.h"

typedef struct {
    const char *worker_bind; /* e.g. "tcp://0.0.0.0:5555", or port "*" for any */
    const char *client_bind; /* the same for dse-run clients */
    double heartbeat_s;      /* default 1 */
    int heartbeat_misses;    /* default 3 */
    int max_attempts;        /* default 3 */
    double unit_seconds;     /* target work per unit (default 0.25) */
    double lease_timeout_s;  /* a unit outstanding this long is re-issued; 0 = automatic */
    const char *cache_dir;   /* measured points are cached here (coordinator/mcache.h);
                                NULL or "" = no cache */
    int verbose;
    int insecure;            /* allow binds beyond loopback without keys */
    const char *keys_dir;    /* CURVE (core/auth.h): DIR/coordinator.key and the allowed
                                keys in DIR/allowed/{workers,clients}; NULL = none */
    const char *state_dir;   /* journal the jobs here and resume them on start
                                (coordinator/journal.h); NULL or "" = no journal */
    volatile sig_atomic_t *stop;
} dse_coord_opts_t;

typedef struct dse_coord dse_coord_t;

/* A job that no worker can take for this long is reported as "waiting for
 * workers: 0 connected", in the coordinator's log and by dse-run. */
#define DSE_NO_WORKERS_SECONDS 3.0

/* A job restored from the journal waits this long for a client that submits
 * its text again (dse-run does, on its own, when its coordinator comes
 * back) before it is dropped. */
#define DSE_RESTORED_CLIENT_WAIT 600.0

/* Creates a coordinator and binds its sockets. NULL with err on failure:
 * DSE_EINVAL for an endpoint beyond loopback (see dse_endpoint_is_local)
 * without opts->keys_dir or opts->insecure; a bad keys folder (core/keys.h)
 * with err naming the file. With keys, the ZAP handler runs before either
 * socket binds. With opts->state_dir, the journal there is replayed once
 * the sockets are bound: its jobs resume with their merged units (the
 * journal's errors: see dse_journal_open). */
dse_coord_t *dse_coord_new(const dse_coord_opts_t *opts, dse_error_t *err);
/* The endpoints actually bound (ports resolved), for connecting to. */
const char *dse_coord_worker_endpoint(const dse_coord_t *c);
const char *dse_coord_client_endpoint(const dse_coord_t *c);
/* The number of workers registered now; safe to call from any thread
 * while dse_coord_run serves in another (for benchmarks and monitoring). */
size_t dse_coord_n_workers(const dse_coord_t *c);
/* Serves until *opts->stop is set. Returns 0. */
int dse_coord_run(dse_coord_t *c);
/* With keys: how many keys each role allows (else 0 and 0). */
void dse_coord_allowed(const dse_coord_t *c, size_t *workers, size_t *clients);
void dse_coord_destroy(dse_coord_t **c_p);

/* 1 when an endpoint can only be reached from this host: ipc://, inproc://,
 * or tcp:// on 127.x.y.z, localhost or [::1]. */
int dse_endpoint_is_local(const char *endpoint);

/* The client endpoint that goes with a worker endpoint: the same host with
 * the port plus one ("tcp://host:5555" -> "tcp://host:5556"). Returns 0 or
 * DSE_EINVAL when the endpoint has no numeric port. */
int dse_client_endpoint_for(const char *worker_endpoint, char *out, size_t size);

#endif
