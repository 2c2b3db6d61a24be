/* worker.c - the worker engine: socket loop, job cache, evaluation threads,
 * and the preparer actor that builds jobs off the socket loop. */
#include "worker/worker.h"

#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/topo.h"
#include "core/transport.h"
#include "core/util.h"
#include "core/wire.h"
#include "hwmodels/hwmodel.h"
#include "eval/unit.h"
#include "eval/eval.h"
#include "eval/measure.h"

typedef struct s_task s_task_t;

/* A job known to this worker: built once per digest, shared by the threads.
 * It is prepared by the preparer actor (s_preparer): until the actor hands
 * it back, only the actor touches config, ej and error, and the units that
 * come for it wait in its own queue, not the pool's. */
typedef struct s_jobentry {
    char digest[DSE_WIRE_MAX_DIGEST + 1];
    char *config;           /* its text, until it is prepared */
    dse_evaljob_t *ej;      /* NULL when the job could not be built */
    char error[512];        /* why it could not be built */
    int ready;              /* prepared (ej or error set); the socket loop's */
    s_task_t *wait_head, *wait_tail; /* its units that came before it was ready */
    atomic_int refs;        /* the cache's reference plus one per task */
    struct s_jobentry *next;
} s_jobentry_t;

struct s_task {
    dse_msg_work_t work;    /* taken from its WORK (dse_msg_take_work) */
    s_jobentry_t *je;
    uint64_t session;       /* results of an older session are dropped */
    int dump_all;
    atomic_int cancelled;   /* its job was cancelled: stop early, send nothing */
    /* result */
    int rc;
    dse_counters_t cnt;
    dse_front_t *front;
    char error[512];
    struct s_task *next;
};

typedef struct {
    /* the task queue shared with the threads */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    s_task_t *head, *tail;
    s_task_t **current;     /* the task each thread is running, or NULL */
    int quit;
    atomic_uint_fast64_t evaluated;
    atomic_uint busy;
    dse_topo_t *topo;
    int pin;
    int first_core;
    int n_threads;
    char results_ep[64];
} s_pool_t;

typedef struct {
    s_pool_t *pool;
    int index;
} s_thread_arg_t;

static void s_job_unref(s_jobentry_t *je)
{
    if (atomic_fetch_sub(&je->refs, 1) == 1) {
        dse_evaljob_destroy(&je->ej);
        free(je->config);
        free(je);
    }
}

static void s_task_free(s_task_t *t)
{
    if (!t)
        return;
    dse_msg_work_release(&t->work);
    dse_front_destroy(&t->front);
    if (t->je)
        s_job_unref(t->je);
    free(t);
}

static void *s_thread_main(void *arg)
{
    s_thread_arg_t *ta = arg;
    s_pool_t *pool = ta->pool;
    if (pool->pin && pool->topo) {
        dse_error_t err = DSE_ERROR_INIT;
        if (dse_topo_pin_current_thread(pool->topo, pool->first_core + ta->index, &err) != 0 &&
            ta->index == 0)
            fprintf(stderr, "dse-worker: could not pin threads: %s\n", err.msg);
    }
    zsock_t *push = zsock_new_push(pool->results_ep);
    zsock_set_linger(push, -1);
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        while (!pool->head && !pool->quit)
            pthread_cond_wait(&pool->cv, &pool->mu);
        if (pool->quit && !pool->head) {
            pthread_mutex_unlock(&pool->mu);
            break;
        }
        s_task_t *t = pool->head;
        pool->head = t->next;
        if (!pool->head)
            pool->tail = NULL;
        pool->current[ta->index] = t;
        pthread_mutex_unlock(&pool->mu);

        atomic_fetch_add(&pool->busy, 1);
        const dse_evaljob_t *ej = t->je->ej;
        if (atomic_load(&t->cancelled)) {
            t->rc = DSE_EINTR;
        } else if (!ej) {
            t->rc = DSE_ECONFIG;
            snprintf(t->error, sizeof t->error, "%s", t->je->error);
        } else if (t->work.layer >= ej->job->n_layers) {
            t->rc = DSE_EINVAL;
            snprintf(t->error, sizeof t->error, "layer %u does not exist", t->work.layer);
        } else {
            /* with dump_all every feasible point travels back, and so it
             * does for point lists: the search that proposed them (nsga2)
             * ranks dominated points too */
            dse_front_t *all = t->dump_all || t->work.kind == DSE_WORK_LIST
                                   ? dse_evaljob_front_new(ej)
                                   : NULL;
            t->front = dse_evaljob_front_new(ej);
            uint64_t before = t->cnt.evaluated;
            dse_unit_t unit;
            dse_unit_from_work(&t->work, &unit);
            t->rc = dse_unit_eval(ej, &unit, t->front, all, &t->cnt, &t->cancelled);
            atomic_fetch_add(&pool->evaluated, t->cnt.evaluated - before);
            if (t->rc == DSE_EINVAL)
                snprintf(t->error, sizeof t->error, "a point of the unit is outside layer %u's "
                         "space", t->work.layer);
            else if (t->rc == DSE_EFAIL || t->rc == DSE_ENOTSUP)
                snprintf(t->error, sizeof t->error, "%s", dse_eval_failure);
            if (all) {
                dse_front_destroy(&t->front);
                t->front = all;
            }
        }
        atomic_fetch_sub(&pool->busy, 1);
        pthread_mutex_lock(&pool->mu);
        pool->current[ta->index] = NULL;
        pthread_mutex_unlock(&pool->mu);
        zsock_send(push, "p", t);
    }
    zsock_destroy(&push);
    return NULL;
}

typedef struct {
    const dse_worker_opts_t *o;
    s_pool_t pool;
    pthread_t *threads;
    s_thread_arg_t *targs;
    zsock_t *results;        /* PULL: finished tasks */
    zsock_t *dealer;
    dse_handshake_watch_t *watch; /* the dealer's handshakes */
    int said_refused;        /* a failed handshake was logged since the last message */
    int handshakes_closed;   /* handshakes the coordinator closed since the last message */
    s_jobentry_t *jobs;      /* the cache */
    zactor_t *preparer;      /* builds jobs off this loop (s_preparer) */
    uint64_t session;
    double last_seen;        /* last message from the coordinator */
    double last_sent;        /* last heartbeat sent */
    double lost_since;       /* when the coordinator was last known alive */
    uint64_t units_done;
    char host[256];
} s_worker_t;

static s_jobentry_t *s_find_job(s_worker_t *w, const char *digest)
{
    for (s_jobentry_t *je = w->jobs; je; je = je->next)
        if (strcmp(je->digest, digest) == 0)
            return je;
    return NULL;
}

static void s_send(s_worker_t *w, const dse_msg_view_t *m)
{
    if (w->dealer)
        dse_msg_send(w->dealer, NULL, m);
}

static void s_send_ready(s_worker_t *w)
{
    const char *caps[16];
    char tagcaps[8][32];
    size_t n = 0;
    for (size_t i = 0; i < dse_model_count() && n < 16; i++)
        if (dse_model_at(i)->evaluate)
            caps[n++] = dse_model_at(i)->name;
    /* measured jobs go only to workers that allow commands (and carry the
     * job's `requires` tag) */
    if (w->o->allow_command && n < 16)
        caps[n++] = "command";
    for (int i = 0; i < w->o->n_tags && i < 8 && n < 16; i++) {
        snprintf(tagcaps[i], sizeof tagcaps[i], "tag:%s", w->o->tags[i]);
        caps[n++] = tagcaps[i];
    }
    dse_msg_view_t m = {.cmd = DSE_MSG_READY};
    m.ready.version = DSE_WIRE_VERSION;
    m.ready.host = w->host;
    m.ready.threads = (uint32_t)w->pool.n_threads;
    m.ready.credit = (uint32_t)(2 * w->pool.n_threads);
    m.ready.n_caps = n;
    m.ready.caps = caps;
    s_send(w, &m);
}

static void s_wait_drop(s_jobentry_t *je, int by_job, uint64_t job_id);

static void s_connect(s_worker_t *w)
{
    dse_handshake_watch_destroy(&w->watch);
    zsock_destroy(&w->dealer);
    w->session++;
    w->dealer = zsock_new(ZMQ_DEALER);
    dse_sock_setup(w->dealer);
    zsock_set_linger(w->dealer, 0);
    /* after a failed handshake (a refused key) libzmq keeps no pipe to the
     * coordinator, and a blocking send would wait forever: drop instead */
    zsock_set_sndtimeo(w->dealer, 0);
    if (w->o->curve)
        dse_curve_client_apply(w->o->curve, w->dealer);
    w->watch = dse_handshake_watch_new(w->dealer);
    if (zsock_connect(w->dealer, "%s", w->o->endpoint) != 0)
        fprintf(stderr, "dse-worker: cannot connect to %s\n", w->o->endpoint);
    /* queued tasks of the old session are dropped; running ones finish and
     * their results are discarded */
    pthread_mutex_lock(&w->pool.mu);
    s_task_t *t = w->pool.head;
    w->pool.head = w->pool.tail = NULL;
    pthread_mutex_unlock(&w->pool.mu);
    while (t) {
        s_task_t *next = t->next;
        s_task_free(t);
        t = next;
    }
    /* and so are the units waiting for their job to be prepared (the jobs
     * stay cached, prepared or in preparation) */
    for (s_jobentry_t *je = w->jobs; je; je = je->next)
        s_wait_drop(je, 0, 0);
    s_send_ready(w);
    w->last_sent = dse_now();
}

/* The preparer actor's own state: the options it reads, and a flag that
 * makes it skip what is still queued when the worker stops. */
typedef struct {
    const dse_worker_opts_t *o;
    atomic_int quit;
} s_prep_t;

/* Builds a job from its text (the model prepared for a worker's threads),
 * refusing one whose command this worker may not run or whose digest is
 * not the one it was sent under. Runs in the preparer actor: it writes only
 * je's ej and error. */
static void s_prepare_job(const dse_worker_opts_t *o, s_jobentry_t *je)
{
    if (o->verbose)
        fprintf(stderr, "dse-worker: preparing job %.12s\n", je->digest);
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_evaljob_from_text(je->config, strlen(je->config), DSE_PREPARE_IN_WORKER, &je->ej,
                              &err) != 0) {
        dse_error_format(&err, je->error, sizeof je->error);
        fprintf(stderr, "dse-worker: cannot build job %.12s: %s\n", je->digest, je->error);
    } else if (je->ej->job->evaluator &&
               dse_measure_check(je->ej->job->evaluator, je->error, sizeof je->error)) {
        /* never build a job whose command this worker may not run */
        fprintf(stderr, "dse-worker: job %.12s %s\n", je->digest, je->error);
        dse_evaljob_destroy(&je->ej);
    } else if (strcmp(je->ej->digest, je->digest) != 0) {
        snprintf(je->error, sizeof je->error, "job digest mismatch (sent %s, built %s)",
                 je->digest, je->ej->digest);
        dse_evaljob_destroy(&je->ej);
    } else if (o->verbose) {
        fprintf(stderr, "dse-worker: job %.12s built (%s, %zu layers)\n", je->digest,
                je->ej->job->model->name, je->ej->job->n_layers);
    }
}

/* The preparer actor (a czmq zactor): takes jobs from its pipe ("PREPARE"
 * and a job entry), one at a time in the order they came, prepares each and
 * hands it back on the pipe, so that the socket loop keeps answering
 * heartbeats however long a model takes to prepare. */
static void s_preparer(zsock_t *pipe, void *arg)
{
    s_prep_t *p = arg;
    zsock_signal(pipe, 0);
    for (;;) {
        char *cmd = NULL;
        void *ptr = NULL;
        if (zsock_recv(pipe, "sp", &cmd, &ptr) != 0) {
            zstr_free(&cmd);
            if (zmq_errno() == EINTR) /* a signal (the worker's stop comes as $TERM) */
                continue;
            break; /* the context is ending */
        }
        int term = !cmd || strcmp(cmd, "$TERM") == 0;
        int prepare = cmd && strcmp(cmd, "PREPARE") == 0 && ptr;
        zstr_free(&cmd);
        if (term)
            break;
        if (!prepare)
            continue;
        s_jobentry_t *je = ptr;
        if (atomic_load(&p->quit))
            snprintf(je->error, sizeof je->error, "the worker is stopping");
        else
            s_prepare_job(p->o, je);
        zsock_send(pipe, "p", je);
    }
}

/* A JOB: a new job entry, handed to the preparer. Its units wait in it
 * until the preparer hands it back (s_on_prepared). */
static void s_on_job(s_worker_t *w, const dse_msg_job_t *j)
{
    if (s_find_job(w, j->digest))
        return;
    s_jobentry_t *je = dse_xcalloc(1, sizeof *je);
    snprintf(je->digest, sizeof je->digest, "%s", j->digest);
    je->config = dse_xstrdup(j->config); /* the preparer's copy */
    atomic_init(&je->refs, 1);
    je->next = w->jobs;
    w->jobs = je;
    zsock_send(w->preparer, "sp", "PREPARE", je);
    /* keep the cache small: forget the oldest idle jobs beyond 16 (one in
     * preparation is the preparer's until it comes back) */
    size_t n = 0;
    for (s_jobentry_t **pp = &w->jobs; *pp;) {
        s_jobentry_t *e = *pp;
        if (++n > 16 && e->ready && atomic_load(&e->refs) == 1) {
            *pp = e->next;
            s_job_unref(e);
        } else {
            pp = &e->next;
        }
    }
}

/* Moves tasks to the end of the pool's queue, waking the threads. */
static void s_pool_push(s_pool_t *pool, s_task_t *head, s_task_t *tail)
{
    if (!head)
        return;
    pthread_mutex_lock(&pool->mu);
    if (pool->tail)
        pool->tail->next = head;
    else
        pool->head = head;
    pool->tail = tail;
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

/* A job came back from the preparer: its waiting units go to the threads,
 * which evaluate them, or answer FAIL with the job's error as for any unit
 * of a job that could not be built. */
static void s_on_prepared(s_worker_t *w, s_jobentry_t *je)
{
    free(je->config);
    je->config = NULL;
    je->ready = 1;
    int dump_all = je->ej && je->ej->job->dump_all;
    for (s_task_t *t = je->wait_head; t; t = t->next)
        t->dump_all = dump_all;
    s_pool_push(&w->pool, je->wait_head, je->wait_tail);
    je->wait_head = je->wait_tail = NULL;
}

/* Frees the units waiting for je to be prepared: all of them, or (by_job)
 * those of one job id. */
static void s_wait_drop(s_jobentry_t *je, int by_job, uint64_t job_id)
{
    s_task_t **pp = &je->wait_head;
    je->wait_tail = NULL;
    while (*pp) {
        s_task_t *t = *pp;
        if (!by_job || dse_wire_unit_job(t->work.unit) == job_id) {
            *pp = t->next;
            s_task_free(t);
        } else {
            je->wait_tail = t;
            pp = &t->next;
        }
    }
}

static void s_fail(s_worker_t *w, uint64_t unit, uint32_t epoch, int code, const char *msg)
{
    dse_msg_view_t m = {.cmd = DSE_MSG_FAIL};
    m.fail.unit = unit;
    m.fail.epoch = epoch;
    m.fail.code = code;
    m.fail.message = msg;
    s_send(w, &m);
}

static void s_on_work(s_worker_t *w, dse_msg_t *msg)
{
    dse_msg_work_t *wk = &msg->work;
    s_jobentry_t *je = s_find_job(w, wk->digest);
    if (!je) {
        s_fail(w, wk->unit, wk->epoch, DSE_ENOTFOUND, "job not known to this worker");
        return;
    }
    s_task_t *t = dse_xcalloc(1, sizeof *t);
    dse_msg_take_work(msg, &t->work); /* the task owns the digest and indices */
    atomic_fetch_add(&je->refs, 1);
    t->je = je;
    atomic_init(&t->cancelled, 0);
    t->session = w->session;
    if (!je->ready) { /* waits for its job's preparation */
        if (je->wait_tail)
            je->wait_tail->next = t;
        else
            je->wait_head = t;
        je->wait_tail = t;
        return;
    }
    t->dump_all = je->ej && je->ej->job->dump_all;
    pthread_mutex_lock(&w->pool.mu);
    if (w->pool.tail)
        w->pool.tail->next = t;
    else
        w->pool.head = t;
    w->pool.tail = t;
    pthread_cond_signal(&w->pool.cv);
    pthread_mutex_unlock(&w->pool.mu);
}

/* Drops the queued units of a cancelled job and stops its running ones.
 * Only that job: another job with the same digest (the same config
 * submitted again) goes on. Unit ids carry the job id in their top bits. */
static void s_on_cancel(s_worker_t *w, uint64_t job_id)
{
    s_task_t *dropped = NULL;
    pthread_mutex_lock(&w->pool.mu);
    s_task_t **pp = &w->pool.head;
    w->pool.tail = NULL;
    while (*pp) {
        s_task_t *t = *pp;
        if (dse_wire_unit_job(t->work.unit) == job_id) {
            *pp = t->next;
            t->next = dropped;
            dropped = t;
        } else {
            w->pool.tail = t;
            pp = &t->next;
        }
    }
    for (int i = 0; i < w->pool.n_threads; i++)
        if (w->pool.current[i] && dse_wire_unit_job(w->pool.current[i]->work.unit) == job_id)
            atomic_store(&w->pool.current[i]->cancelled, 1);
    pthread_mutex_unlock(&w->pool.mu);
    while (dropped) {
        s_task_t *next = dropped->next;
        s_task_free(dropped);
        dropped = next;
    }
    for (s_jobentry_t *je = w->jobs; je; je = je->next)
        s_wait_drop(je, 1, job_id);
}

static void s_on_result(s_worker_t *w, s_task_t *t)
{
    if (t->session != w->session || t->rc == DSE_EINTR) {
        s_task_free(t);
        return;
    }
    if (t->rc != 0) {
        s_fail(w, t->work.unit, t->work.epoch, t->rc, t->error[0] ? t->error : dse_strerror(t->rc));
    } else {
        dse_msg_view_t m = {.cmd = DSE_MSG_RESULT};
        m.result.unit = t->work.unit;
        m.result.epoch = t->work.epoch;
        m.result.counters = t->cnt;
        m.result.rows.width = (uint32_t)dse_front_width(t->front);
        m.result.rows.front = t->front;
        s_send(w, &m);
        w->units_done++;
    }
    s_task_free(t);
}

static void s_heartbeat(s_worker_t *w)
{
    dse_msg_view_t m = {.cmd = DSE_MSG_HEARTBEAT};
    m.heartbeat.evaluated = atomic_load(&w->pool.evaluated);
    m.heartbeat.units_done = w->units_done;
    m.heartbeat.busy = atomic_load(&w->pool.busy);
    s_send(w, &m);
    w->last_sent = dse_now();
}

/* What the socket loop keeps from one turn to the next: the heartbeat
 * period, how many missed ones make the coordinator silent, and the
 * reconnect backoff. */
typedef struct {
    double hb;
    int misses;
    double backoff;
    double next_reconnect;
} s_link_t;

/* Opens the topology, starts the evaluation threads and the preparer actor
 * (which reads prep), and says so when verbose. */
static int s_worker_start(s_worker_t *w, s_prep_t *prep, dse_error_t *err)
{
    const dse_worker_opts_t *o = w->o;
    int rc = dse_topo_open(&w->pool.topo, o->synthetic_topology, err);
    if (rc)
        return rc;
    int cores = dse_topo_cores(w->pool.topo);
    w->pool.n_threads = o->threads > 0 ? o->threads : (cores > 0 ? cores : 1);
    /* pin only where each thread gets a core of its own on this host */
    w->pool.pin = o->pin && !o->synthetic_topology && w->pool.n_threads <= cores;
    w->pool.first_core = o->first_core;
    snprintf(w->host, sizeof w->host, "%s", dse_topo_host(w->pool.topo));
    pthread_mutex_init(&w->pool.mu, NULL);
    pthread_cond_init(&w->pool.cv, NULL);
    atomic_init(&w->pool.evaluated, 0);
    atomic_init(&w->pool.busy, 0);
    snprintf(w->pool.results_ep, sizeof w->pool.results_ep, "inproc://dse-worker-results-%p",
             (void *)w);
    w->results = zsock_new_pull(w->pool.results_ep);
    w->threads = dse_xcalloc((size_t)w->pool.n_threads, sizeof *w->threads);
    w->pool.current = dse_xcalloc((size_t)w->pool.n_threads, sizeof *w->pool.current);
    w->targs = dse_xcalloc((size_t)w->pool.n_threads, sizeof *w->targs);
    for (int i = 0; i < w->pool.n_threads; i++) {
        w->targs[i].pool = &w->pool;
        w->targs[i].index = i;
        pthread_create(&w->threads[i], NULL, s_thread_main, &w->targs[i]);
    }
    w->preparer = zactor_new(s_preparer, prep);
    if (o->verbose)
        fprintf(stderr, "dse-worker: %s, %d threads (%d physical cores%s), connecting to %s\n",
                w->host, w->pool.n_threads, cores, w->pool.pin ? ", pinned" : "", o->endpoint);
    return 0;
}

/* Takes one message from the coordinator: any well-formed one proves it
 * alive and resets the backoff. */
static void s_on_dealer(s_worker_t *w, s_link_t *l, double now)
{
    dse_msg_t msg;
    dse_error_t perr = DSE_ERROR_INIT;
    int r = dse_msg_recv(w->dealer, NULL, &msg, &perr);
    if (r == DSE_EPROTO) {
        fprintf(stderr, "dse-worker: dropped a malformed message: %s\n", perr.msg);
    } else if (r == 0) {
        w->last_seen = now;
        w->lost_since = now;
        w->said_refused = 0;
        w->handshakes_closed = 0;
        l->backoff = 1.0;
        switch (msg.cmd) {
        case DSE_MSG_JOB: s_on_job(w, &msg.job); break;
        case DSE_MSG_WORK: s_on_work(w, &msg); break;
        case DSE_MSG_CANCEL: s_on_cancel(w, msg.cancel.job); break;
        case DSE_MSG_HEARTBEAT: break;
        case DSE_MSG_DISCONNECT:
            /* the coordinator does not know us (it restarted, or
             * declared us dead): register again */
            if (w->o->verbose)
                fprintf(stderr, "dse-worker: coordinator asked to re-register\n");
            s_connect(w);
            break;
        default:
            fprintf(stderr, "dse-worker: unexpected %s message\n", dse_wire_cmd_name(msg.cmd));
        }
        dse_msg_release(&msg);
    }
}

/* Takes whatever the poller found ready: a finished task, a prepared job
 * or a message from the coordinator. */
static void s_on_ready(s_worker_t *w, s_link_t *l, void *which, double now)
{
    if (which == w->results) {
        s_task_t *t = NULL;
        if (zsock_recv(w->results, "p", &t) == 0 && t)
            s_on_result(w, t);
    } else if (which == w->preparer) {
        s_jobentry_t *je = NULL;
        if (zsock_recv(w->preparer, "p", &je) == 0 && je)
            s_on_prepared(w, je);
    } else if (which == w->dealer) {
        s_on_dealer(w, l, now);
    }
}

/* After a quiet wait, looks for failed handshakes on the dealer and, when
 * they mean a refusal, stops libzmq's own retries. */
static void s_watch_handshakes(s_worker_t *w, void *which)
{
    char why[1200];
    int hs = which ? 0 : dse_handshake_watch_failed(w->watch, "worker", w->o->curve, why,
                                                    sizeof why);
    /* one handshake closed may be a coordinator going down; a refusal
     * or a mismatch is not */
    if (hs == 2 || (hs == 1 && ++w->handshakes_closed >= 3)) {
        if (!w->said_refused)
            fprintf(stderr, "dse-worker: %s; retrying with backoff\n", why);
        w->said_refused = 1;
        /* libzmq would try again every 100 ms: wait for the backoff */
        zsock_disconnect(w->dealer, "%s", w->o->endpoint);
    }
}

/* Reconnects, with a doubling backoff up to 32 s, while the coordinator
 * has been silent for more than its heartbeats. */
static void s_watch_silence(s_worker_t *w, s_link_t *l, double now)
{
    if (now - w->last_seen > l->hb * l->misses) {
        /* the coordinator is silent: reconnect with backoff */
        if (l->next_reconnect == 0) {
            l->next_reconnect = now + l->backoff;
            if (w->o->verbose)
                fprintf(stderr, "dse-worker: coordinator silent; reconnecting in %.0f s\n",
                        l->backoff);
        } else if (now >= l->next_reconnect) {
            s_connect(w);
            w->last_seen = now - l->hb * l->misses; /* stay "lost" until it answers */
            l->backoff = l->backoff * 2 > 32 ? 32 : l->backoff * 2;
            l->next_reconnect = now + l->backoff;
        }
    } else {
        l->next_reconnect = 0;
    }
}

/* The socket loop: connects, then serves the coordinator, the threads and
 * the preparer until asked to stop (0) or the coordinator has been gone
 * for the death timeout (DSE_ETIMEDOUT). */
static int s_worker_loop(s_worker_t *w, s_link_t *l)
{
    const dse_worker_opts_t *o = w->o;
    l->backoff = 1.0;
    double now = dse_now();
    w->last_seen = now;
    w->lost_since = now;
    s_connect(w);
    l->next_reconnect = 0;
    zpoller_t *poller = NULL;
    uint64_t poller_session = 0; /* s_connect bumps the session with each new socket */
    int rc = 0;
    while (!(o->stop && *o->stop)) {
        /* a new poller only when a reconnect replaced the socket */
        if (!poller || poller_session != w->session) {
            zpoller_destroy(&poller);
            poller = zpoller_new(w->results, w->preparer, w->dealer, NULL);
            poller_session = w->session;
        }
        void *which = zpoller_wait(poller, (int)(l->hb * 250));
        now = dse_now();
        s_on_ready(w, l, which, now);
        if (now - w->last_sent >= l->hb)
            s_heartbeat(w);
        s_watch_handshakes(w, which);
        s_watch_silence(w, l, now);
        if (o->death_timeout_s > 0 && now - w->lost_since > o->death_timeout_s) {
            fprintf(stderr, "dse-worker: no coordinator for %.0f s; exiting\n",
                    o->death_timeout_s);
            rc = DSE_ETIMEDOUT;
            break;
        }
    }
    zpoller_destroy(&poller);
    return rc;
}

/* Stops the evaluation threads: running and queued tasks are cancelled,
 * and each thread is joined. */
static void s_stop_threads(s_worker_t *w)
{
    pthread_mutex_lock(&w->pool.mu);
    w->pool.quit = 1;
    for (int i = 0; i < w->pool.n_threads; i++)
        if (w->pool.current[i])
            atomic_store(&w->pool.current[i]->cancelled, 1);
    for (s_task_t *t = w->pool.head; t; t = t->next)
        atomic_store(&t->cancelled, 1);
    pthread_cond_broadcast(&w->pool.cv);
    pthread_mutex_unlock(&w->pool.mu);
    /* push sockets linger until delivered, so after the joins every
     * finished task is waiting in the results socket */
    for (int i = 0; i < w->pool.n_threads; i++)
        pthread_join(w->threads[i], NULL);
}

/* Frees what the stopped worker still holds: finished and queued tasks,
 * the job cache, the sockets and the pool. */
static void s_worker_free(s_worker_t *w)
{
    for (;;) {
        zpoller_t *p = zpoller_new(w->results, NULL);
        void *r = zpoller_wait(p, 0);
        zpoller_destroy(&p);
        if (!r)
            break;
        s_task_t *t = NULL;
        if (zsock_recv(w->results, "p", &t) == 0)
            s_task_free(t);
    }
    s_task_t *t = w->pool.head;
    while (t) {
        s_task_t *next = t->next;
        s_task_free(t);
        t = next;
    }
    while (w->jobs) {
        s_jobentry_t *next = w->jobs->next;
        s_wait_drop(w->jobs, 0, 0);
        s_job_unref(w->jobs);
        w->jobs = next;
    }
    dse_handshake_watch_destroy(&w->watch);
    zsock_destroy(&w->dealer);
    zsock_destroy(&w->results);
    free(w->threads);
    free(w->targs);
    free(w->pool.current);
    pthread_mutex_destroy(&w->pool.mu);
    pthread_cond_destroy(&w->pool.cv);
    dse_topo_destroy(&w->pool.topo);
}

int dse_worker_run(const dse_worker_opts_t *o, dse_error_t *err)
{
    s_worker_t w;
    memset(&w, 0, sizeof w);
    w.o = o;
    s_link_t link = {0};
    link.hb = o->heartbeat_s > 0 ? o->heartbeat_s : 1.0;
    link.misses = o->heartbeat_misses > 0 ? o->heartbeat_misses : 3;

    if (o->allow_command)
        dse_measure_allow(o->allow_program);
    dse_measure_keep_failed(o->keep_failed);
    s_prep_t prep = {.o = o};
    atomic_init(&prep.quit, 0);
    int rc = s_worker_start(&w, &prep, err);
    if (rc)
        return rc;
    rc = s_worker_loop(&w, &link);

    /* a preparation under way is waited for; the queued ones are skipped */
    atomic_store(&prep.quit, 1);
    zactor_destroy(&w.preparer);
    if (w.dealer && !(rc == DSE_ETIMEDOUT)) {
        dse_msg_view_t m = {.cmd = DSE_MSG_DISCONNECT};
        s_send(&w, &m);
    }
    s_stop_threads(&w);
    s_worker_free(&w);
    return rc;
}
