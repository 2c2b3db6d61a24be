/* coord.c - the coordinator engine: workers, leases, jobs, clients. */
#include "coordinator/coord.h"

#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/mcache.h"
#include "core/evaluator.h"
#include "core/outputs.h"
#include "core/space.h"
#include "core/transport.h"
#include "core/util.h"
#include "core/wire.h"
#include "hwmodels/hwmodel.h"
#include "search/perm.h"
#include "search/search.h"
#include "worker/eval.h"
#include "worker/measure.h"

#define S_UNIT_BITS 40
#define S_UNIT_MASK ((1ULL << S_UNIT_BITS) - 1)
#define S_MAX_CAPS 16

enum { S_PENDING = 0, S_DONE = 1, S_QUARANTINED = 2 };

typedef struct {
    dse_peer_t peer;
    uint64_t uid;
    char host[DSE_WIRE_MAX_HOST + 1];
    uint32_t threads, credit, outstanding;
    double last_seen;
    uint64_t evaluated;
    char caps[S_MAX_CAPS][32];
    size_t n_caps;
    uint64_t *jobs_sent; /* job ids whose text this worker has */
    size_t n_jobs_sent, cap_jobs_sent;
} s_worker_t;

typedef struct {
    uint64_t unit;
    uint64_t worker; /* uid */
    uint32_t epoch;
    double issued, deadline;
} s_lease_t;

typedef struct s_job {
    uint64_t id;
    dse_peer_t client;
    double client_seen;
    dse_evaljob_t *ej;
    dse_search_t *search;
    uint64_t cap_units; /* of state and attempts */
    double *hv_ref;     /* per layer: the progress hypervolume's reference and ideal points,
                           fixed when the layer's front is first seen (n_obj each) */
    double *hv_ideal;
    unsigned char *hv_set;
    dse_front_t **fronts;
    dse_front_t **all; /* every feasible point, when the job dumps them */
    dse_counters_t *per_layer;
    uint8_t *state;    /* per unit */
    uint8_t *attempts; /* failed leases per unit, saturating */
    uint64_t cursor;   /* next fresh unit */
    uint64_t *retry;   /* units back at the front of the queue (FIFO) */
    size_t retry_head, n_retry, cap_retry;
    s_lease_t *leases;
    size_t n_leases, cap_leases;
    uint64_t done;
    dse_quarantined_t *quar;
    size_t n_quar, cap_quar;
    uint64_t reissued;
    uint32_t epoch;
    uint64_t *seen; /* worker uids that returned results */
    size_t n_seen, cap_seen;
    uint64_t evaluated;
    double started;
    double workers_seen_at; /* last time a worker could take the job */
    int said_no_workers;    /* "waiting for workers" logged since then */
    uint64_t measured, cached; /* measured jobs: points measured by workers, taken from the cache */
    int waiting_logged;
} s_job_t;

struct dse_coord {
    dse_coord_opts_t o;
    zsock_t *wsock, *csock;
    char wep[256], cep[256];
    s_worker_t *workers;
    size_t n_workers, cap_workers;
    uint64_t next_worker_uid;
    s_job_t **jobs;
    size_t n_jobs, cap_jobs;
    uint64_t next_job_id;
    size_t rr; /* round-robin position over jobs */
    double last_heartbeat, last_progress;
    uint64_t proto_errors;
    dse_mcache_t *cache; /* measured points; opened for the first measured job */
};

/* ------------------------------------------------------------------- logging */

static void s_log(dse_coord_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_log(dse_coord_t *c, const char *fmt, ...)
{
    (void)c;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "dse-coordinator: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void s_proto_error(dse_coord_t *c, const char *side, const dse_error_t *err)
{
    c->proto_errors++;
    /* the first errors in full, then now and then, so a noisy peer cannot
     * flood the log */
    if (c->proto_errors <= 10 || c->proto_errors % 1000 == 0)
        s_log(c, "dropped a malformed message from a %s (%llu so far): %s", side,
              (unsigned long long)c->proto_errors, err->msg);
}

/* ------------------------------------------------------------------- workers */

static s_worker_t *s_worker_find(dse_coord_t *c, const dse_peer_t *p)
{
    for (size_t i = 0; i < c->n_workers; i++)
        if (c->workers[i].peer.len == p->len &&
            memcmp(c->workers[i].peer.bytes, p->bytes, p->len) == 0)
            return &c->workers[i];
    return NULL;
}

static s_worker_t *s_worker_by_uid(dse_coord_t *c, uint64_t uid)
{
    for (size_t i = 0; i < c->n_workers; i++)
        if (c->workers[i].uid == uid)
            return &c->workers[i];
    return NULL;
}

static int s_worker_can(const s_worker_t *w, const char *model)
{
    for (size_t i = 0; i < w->n_caps; i++)
        if (strcmp(w->caps[i], model) == 0)
            return 1;
    return 0;
}

/* Whether a worker may get a job's units: it runs the model and, for a
 * measured job, allows commands and carries the job's `requires` tag. So a
 * command never travels to a worker that did not opt in. */
static int s_worker_takes(const s_worker_t *w, const s_job_t *j)
{
    const dse_job_t *job = j->ej->job;
    if (!s_worker_can(w, job->model->name))
        return 0;
    if (!job->evaluator)
        return 1;
    if (!s_worker_can(w, "command"))
        return 0;
    if (!job->evaluator->requires[0])
        return 1;
    char tag[40];
    snprintf(tag, sizeof tag, "tag:%s", job->evaluator->requires);
    return s_worker_can(w, tag);
}

static int s_max_attempts(const dse_coord_t *c, const s_job_t *j)
{
    return j->ej->job->evaluator ? j->ej->job->evaluator->max_attempts : c->o.max_attempts;
}

static void s_send_worker(dse_coord_t *c, const s_worker_t *w, const dse_msg_t *m)
{
    dse_msg_send(c->wsock, &w->peer, m);
}

static void s_send_peer(dse_coord_t *c, zsock_t *sock, const dse_peer_t *p, int cmd)
{
    (void)c;
    dse_msg_t m = {.cmd = cmd};
    dse_msg_send(sock, p, &m);
}

/* ---------------------------------------------------------------------- jobs */

static s_job_t *s_job_find(dse_coord_t *c, uint64_t id)
{
    for (size_t i = 0; i < c->n_jobs; i++)
        if (c->jobs[i]->id == id)
            return c->jobs[i];
    return NULL;
}

static void s_job_free(s_job_t *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->ej->job->n_layers; i++) {
        if (j->fronts)
            dse_front_destroy(&j->fronts[i]);
        if (j->all)
            dse_front_destroy(&j->all[i]);
    }
    free(j->fronts);
    free(j->all);
    free(j->per_layer);
    free(j->state);
    free(j->attempts);
    free(j->retry);
    free(j->leases);
    free(j->quar);
    free(j->seen);
    free(j->hv_ref);
    free(j->hv_ideal);
    free(j->hv_set);
    dse_search_destroy(&j->search);
    dse_evaljob_destroy(&j->ej);
    free(j);
}

static void s_job_remove(dse_coord_t *c, s_job_t *j)
{
    /* leases held by workers are released, and the workers told to drop the job */
    for (size_t i = 0; i < j->n_leases; i++) {
        s_worker_t *w = s_worker_by_uid(c, j->leases[i].worker);
        if (w && w->outstanding > 0)
            w->outstanding--;
    }
    dse_msg_t m = {.cmd = DSE_MSG_CANCEL};
    m.cancel.job = j->id;
    for (size_t i = 0; i < c->n_workers; i++) {
        s_worker_t *w = &c->workers[i];
        for (size_t k = 0; k < w->n_jobs_sent; k++)
            if (w->jobs_sent[k] == j->id) {
                s_send_worker(c, w, &m);
                w->jobs_sent[k] = w->jobs_sent[--w->n_jobs_sent];
                break;
            }
    }
    for (size_t i = 0; i < c->n_jobs; i++)
        if (c->jobs[i] == j) {
            memmove(&c->jobs[i], &c->jobs[i + 1], (c->n_jobs - i - 1) * sizeof *c->jobs);
            c->n_jobs--;
            break;
        }
    s_job_free(j);
}

static int s_job_has_pending(const s_job_t *j)
{
    return j->n_retry > 0 || j->cursor < dse_search_n_units(j->search);
}

/* Next unit to hand out, or -1. Retries come first. */
static int64_t s_job_pop(s_job_t *j)
{
    while (j->n_retry > 0) {
        uint64_t u = j->retry[j->retry_head];
        j->retry_head = (j->retry_head + 1) % j->cap_retry;
        j->n_retry--;
        if (j->state[u] == S_PENDING)
            return (int64_t)u;
    }
    while (j->cursor < dse_search_n_units(j->search)) {
        uint64_t u = j->cursor++;
        if (j->state[u] == S_PENDING)
            return (int64_t)u;
    }
    return -1;
}

static void s_job_push_retry(s_job_t *j, uint64_t u)
{
    if (j->n_retry == j->cap_retry) {
        size_t ncap = j->cap_retry ? j->cap_retry * 2 : 64;
        uint64_t *r = dse_xmalloc(ncap * sizeof *r);
        for (size_t i = 0; i < j->n_retry; i++)
            r[i] = j->retry[(j->retry_head + i) % j->cap_retry];
        free(j->retry);
        j->retry = r;
        j->retry_head = 0;
        j->cap_retry = ncap;
    }
    j->retry[(j->retry_head + j->n_retry) % j->cap_retry] = u;
    j->n_retry++;
}

static size_t s_unit_leases(const s_job_t *j, uint64_t u)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_leases; i++)
        n += j->leases[i].unit == u;
    return n;
}

/* The point of a one-point unit. */
static uint64_t s_unit_point(const s_job_t *j, const dse_unit_t *unit)
{
    if (unit->kind == DSE_UNIT_LIST)
        return unit->indices[0];
    if (unit->kind == DSE_UNIT_SHUFFLED) {
        dse_perm_t perm;
        dse_perm_init(&perm, j->ej->job->layers[unit->layer].space->size, unit->key);
        return dse_perm_at(&perm, unit->lo);
    }
    return unit->lo;
}

/* A lease ended without a result (worker dead, FAIL, expiry). Every failed
 * lease counts, copies included, so a unit that kills whoever runs it
 * cannot circulate forever: after max_attempts failures it is quarantined;
 * before that it goes back to the front of the queue, unless a copy of it
 * is still out. */
static void s_unit_failed(dse_coord_t *c, s_job_t *j, uint64_t u, const char *why)
{
    if (j->state[u] != S_PENDING)
        return; /* done already */
    if (j->attempts[u] < 255)
        j->attempts[u]++;
    unsigned max_attempts = (unsigned)s_max_attempts(c, j);
    if (j->attempts[u] < max_attempts && s_unit_leases(j, u) > 0)
        return; /* still running elsewhere */
    if (j->attempts[u] >= max_attempts) {
        j->state[u] = S_QUARANTINED;
        dse_unit_t unit;
        dse_search_unit(j->search, u, &unit);
        j->quar = dse_xgrow(j->quar, sizeof *j->quar, j->n_quar + 1, &j->cap_quar);
        dse_quarantined_t *q = &j->quar[j->n_quar++];
        q->layer = unit.layer;
        q->lo = unit.lo;
        q->hi = unit.hi;
        q->attempts = j->attempts[u];
        if (j->ej->job->evaluator && dse_unit_points(&unit) == 1) {
            /* a measured point that failed every attempt: infeasible, with its reason */
            q->lo = s_unit_point(j, &unit);
            q->hi = q->lo + 1;
            j->per_layer[unit.layer].evaluated++;
            j->per_layer[unit.layer].infeasible++;
            j->evaluated++;
        }
        snprintf(q->error, sizeof q->error, "%s", why);
        if (j->ej->job->evaluator)
            s_log(c, "job %llu: point %llu of layer '%s' failed %u time%s: %s",
                  (unsigned long long)j->id, (unsigned long long)q->lo,
                  j->ej->job->layers[unit.layer].name, q->attempts, q->attempts == 1 ? "" : "s",
                  why);
        else
            s_log(c, "job %llu: unit %llu (layer '%s', points %llu..%llu) quarantined after %u "
                  "attempts: %s", (unsigned long long)j->id, (unsigned long long)u,
                  j->ej->job->layers[unit.layer].name, (unsigned long long)unit.lo,
                  (unsigned long long)unit.hi, q->attempts, why);
    } else {
        s_job_push_retry(j, u);
        j->reissued++;
        if (c->o.verbose)
            s_log(c, "job %llu: unit %llu back in the queue after attempt %u of %d (%s)",
                  (unsigned long long)j->id, (unsigned long long)u, j->attempts[u],
                  (int)max_attempts, why);
    }
}

static int s_lease_take(s_job_t *j, uint64_t u, uint64_t worker, s_lease_t *out)
{
    for (size_t i = 0; i < j->n_leases; i++)
        if (j->leases[i].unit == u && j->leases[i].worker == worker) {
            if (out)
                *out = j->leases[i];
            j->leases[i] = j->leases[--j->n_leases];
            return 1;
        }
    return 0;
}

/* The progress line's hypervolume. Per layer: the hypervolume of the front
 * so far inside a box fixed when the layer's front is first seen (its ideal
 * point then, and its reference: the worst values plus 10% of the range),
 * over the box's volume. With the box fixed, a layer's figure only grows as
 * its front improves (past 1 when the front moves beyond the first ideal
 * point). The mean over the layers that have a front; NaN when there is
 * none yet or when fronts of 4+ objectives are too large to measure often. */
static double s_progress_hv(s_job_t *j)
{
    const dse_job_t *job = j->ej->job;
    size_t k = job->n_layer_objectives;
    double sum = 0;
    size_t n = 0;
    for (size_t l = 0; l < job->n_layers; l++) {
        const dse_front_t *f = j->fronts[l];
        size_t rows = dse_front_size(f);
        if (rows == 0)
            continue;
        if ((k == 4 && rows > 2000) || (k >= 5 && rows > 200))
            return NAN; /* exact methods are quadratic and cubic there */
        double *ref = j->hv_ref + l * k, *ideal = j->hv_ideal + l * k;
        if (!j->hv_set[l]) {
            dse_front_reference(f, ref, ideal);
            j->hv_set[l] = 1;
        }
        double box = 1;
        for (size_t o = 0; o < k; o++)
            box *= ref[o] - ideal[o];
        if (!(box > 0))
            continue;
        sum += dse_hypervolume(f, ref) / box;
        n++;
    }
    return n ? sum / (double)n : NAN;
}

static void s_send_progress(dse_coord_t *c, s_job_t *j, double now)
{
    uint32_t alive = 0;
    for (size_t i = 0; i < c->n_workers; i++)
        alive += s_worker_can(&c->workers[i], j->ej->job->model->name);
    dse_msg_t m = {.cmd = DSE_MSG_PROGRESS};
    m.progress.job = j->id;
    m.progress.evaluated = j->evaluated;
    m.progress.total = dse_search_total(j->search);
    m.progress.units_done = (uint32_t)(j->done + j->n_quar);
    m.progress.units_total = (uint32_t)dse_search_n_units(j->search);
    m.progress.hv = s_progress_hv(j);
    m.progress.workers_alive = alive;
    m.progress.reissued = (uint32_t)j->reissued;
    m.progress.elapsed = now - j->started;
    dse_msg_send(c->csock, &j->client, &m);
}

/* A job that no worker can take says so in the log, once, after a few
 * seconds (its client shows the same from the progress messages). */
static void s_check_workers(dse_coord_t *c, s_job_t *j, double now)
{
    uint32_t alive = 0;
    for (size_t i = 0; i < c->n_workers; i++)
        alive += s_worker_can(&c->workers[i], j->ej->job->model->name);
    if (alive || j->workers_seen_at == 0) {
        j->workers_seen_at = now;
        j->said_no_workers = 0;
        return;
    }
    if (!j->said_no_workers && now - j->workers_seen_at >= DSE_NO_WORKERS_SECONDS) {
        s_log(c, "job %llu '%s': waiting for workers: 0 connected (workers connect to %s)",
              (unsigned long long)j->id, j->ej->job->name, c->wep);
        j->said_no_workers = 1;
    }
}

static void s_job_finish(dse_coord_t *c, s_job_t *j, double now)
{
    const dse_job_t *job = j->ej->job;
    s_send_progress(c, j, now);
    for (size_t i = 0; i < job->n_layers; i++) {
        dse_msg_t m = {.cmd = DSE_MSG_LAYER_FRONT};
        m.layer_front.job = j->id;
        m.layer_front.layer = (uint32_t)i;
        m.layer_front.counters.evaluated = j->per_layer[i].evaluated;
        m.layer_front.counters.feasible = j->per_layer[i].feasible;
        m.layer_front.counters.infeasible = j->per_layer[i].infeasible;
        m.layer_front.counters.skipped = j->per_layer[i].skipped;
        m.layer_front.counters.why = j->per_layer[i].why;
        /* with dump_all the client gets every feasible point and filters */
        const dse_front_t *f = j->all ? j->all[i] : j->fronts[i];
        m.layer_front.rows.width = (uint32_t)dse_front_width(f);
        m.layer_front.rows.front = f;
        dse_msg_send(c->csock, &j->client, &m);
    }
    dse_msg_t d = {.cmd = DSE_MSG_DONE};
    d.done.job = j->id;
    for (size_t i = 0; i < job->n_layers; i++) {
        d.done.counters.evaluated += j->per_layer[i].evaluated;
        d.done.counters.feasible += j->per_layer[i].feasible;
        d.done.counters.infeasible += j->per_layer[i].infeasible;
        d.done.counters.skipped += j->per_layer[i].skipped;
    }
    d.done.units = (uint32_t)dse_search_n_units(j->search);
    d.done.reissued = (uint32_t)j->reissued;
    d.done.n_quarantined = j->n_quar;
    dse_wire_quarantined_t *q = dse_xcalloc(j->n_quar ? j->n_quar : 1, sizeof *q);
    for (size_t i = 0; i < j->n_quar; i++) {
        q[i].layer = j->quar[i].layer;
        q[i].lo = j->quar[i].lo;
        q[i].hi = j->quar[i].hi;
        q[i].attempts = j->quar[i].attempts;
        q[i].error = j->quar[i].error;
    }
    d.done.quarantined = q;
    d.done.workers_seen = (uint32_t)j->n_seen;
    d.done.wall = now - j->started;
    d.done.measured = j->measured;
    d.done.cached = j->cached;
    dse_msg_send(c->csock, &j->client, &d);
    free(q);
    if (c->o.verbose)
        s_log(c, "job %llu '%s' done: %llu units, %llu re-issued, %zu quarantined, %.2f s",
              (unsigned long long)j->id, job->name,
              (unsigned long long)dse_search_n_units(j->search),
              (unsigned long long)j->reissued, j->n_quar, now - j->started);
    s_job_remove(c, j);
}

/* Room for the unit states of every unit proposed so far. */
static void s_job_grow(s_job_t *j)
{
    uint64_t n = dse_search_n_units(j->search);
    if (n <= j->cap_units)
        return;
    uint64_t cap = j->cap_units ? j->cap_units : 64;
    while (cap < n)
        cap *= 2;
    j->state = dse_xrealloc(j->state, cap);
    j->attempts = dse_xrealloc(j->attempts, cap);
    memset(j->state + j->cap_units, S_PENDING, cap - j->cap_units);
    memset(j->attempts + j->cap_units, 0, cap - j->cap_units);
    j->cap_units = cap;
}

static void s_resolve_local(dse_coord_t *c, s_job_t *j, uint64_t from, uint64_t to);

/* When every unit proposed so far has settled, the search proposes more,
 * or the job is finished. */
static void s_job_check_done(dse_coord_t *c, s_job_t *j, double now)
{
    while (j->done + j->n_quar == dse_search_n_units(j->search)) {
        uint64_t slots = 0;
        for (size_t i = 0; i < c->n_workers; i++)
            slots += c->workers[i].credit;
        uint64_t before = dse_search_n_units(j->search);
        if (dse_search_advance(j->search, now - j->started, slots) == 0) {
            s_job_finish(c, j, now);
            return;
        }
        s_job_grow(j);
        s_resolve_local(c, j, before, dse_search_n_units(j->search));
    }
}

/* -------------------------------------------------------------- scheduling */

static void s_issue(dse_coord_t *c, s_job_t *j, s_worker_t *w, uint64_t u, double now)
{
    int sent = 0;
    for (size_t k = 0; k < w->n_jobs_sent && !sent; k++)
        sent = w->jobs_sent[k] == j->id;
    if (!sent) {
        dse_msg_t m = {.cmd = DSE_MSG_JOB};
        m.job.digest = j->ej->digest;
        m.job.config = j->ej->canonical;
        s_send_worker(c, w, &m);
        w->jobs_sent = dse_xgrow(w->jobs_sent, sizeof *w->jobs_sent, w->n_jobs_sent + 1,
                                 &w->cap_jobs_sent);
        w->jobs_sent[w->n_jobs_sent++] = j->id;
    }
    dse_unit_t unit;
    dse_search_unit(j->search, u, &unit);
    double timeout = c->o.lease_timeout_s > 0 ? c->o.lease_timeout_s
                                              : (60 > 40 * c->o.unit_seconds ? 60 : 40 * c->o.unit_seconds);
    const dse_evaluator_t *ev = j->ej->job->evaluator;
    if (ev) /* a measured unit: its points' timeouts, the kill's grace, and the messaging */
        timeout = ev->timeout * (double)dse_unit_points(&unit) + 2 + 3 * c->o.heartbeat_s;
    j->leases = dse_xgrow(j->leases, sizeof *j->leases, j->n_leases + 1, &j->cap_leases);
    s_lease_t *l = &j->leases[j->n_leases++];
    l->unit = u;
    l->worker = w->uid;
    l->epoch = ++j->epoch;
    l->issued = now;
    l->deadline = now + timeout;
    w->outstanding++;
    dse_msg_t m = {.cmd = DSE_MSG_WORK};
    m.work.unit = (j->id << S_UNIT_BITS) | u;
    m.work.epoch = l->epoch;
    m.work.digest = j->ej->digest;
    m.work.layer = unit.layer;
    m.work.kind = (uint32_t)unit.kind;
    m.work.lo = unit.lo;
    m.work.hi = unit.hi;
    m.work.key = unit.key;
    m.work.indices = (uint64_t *)unit.indices;
    m.work.n_indices = unit.n;
    s_send_worker(c, w, &m);
}

/* End phase: an idle worker takes a copy of the oldest outstanding unit it
 * does not hold already; whichever copy returns first counts. */
static int s_reissue(dse_coord_t *c, s_worker_t *w, double now)
{
    s_job_t *best_job = NULL;
    size_t best = 0;
    for (size_t ji = 0; ji < c->n_jobs; ji++) {
        s_job_t *j = c->jobs[ji];
        /* a copy of a measured unit would measure its point twice: a hung
         * one is re-issued at its lease's end instead */
        if (s_job_has_pending(j) || !s_worker_takes(w, j) || j->ej->job->evaluator)
            continue;
        for (size_t i = 0; i < j->n_leases; i++) {
            s_lease_t *l = &j->leases[i];
            if (l->worker == w->uid || j->state[l->unit] != S_PENDING ||
                s_unit_leases(j, l->unit) > 1 || now - l->issued < c->o.unit_seconds)
                continue;
            if (!best_job || l->issued < best_job->leases[best].issued)
                best_job = j, best = i;
        }
    }
    if (!best_job)
        return 0;
    uint64_t u = best_job->leases[best].unit;
    best_job->reissued++;
    s_issue(c, best_job, w, u, now);
    return 1;
}

static void s_schedule(dse_coord_t *c, double now)
{
    if (c->n_jobs == 0)
        return;
    for (size_t wi = 0; wi < c->n_workers; wi++) {
        s_worker_t *w = &c->workers[wi];
        while (w->outstanding < w->credit) {
            s_job_t *j = NULL;
            for (size_t k = 0; k < c->n_jobs; k++) {
                s_job_t *cand = c->jobs[(c->rr + k) % c->n_jobs];
                if (s_job_has_pending(cand) && s_worker_takes(w, cand)) {
                    j = cand;
                    c->rr = (c->rr + k + 1) % c->n_jobs;
                    break;
                }
            }
            if (!j) {
                if (w->outstanding == 0)
                    s_reissue(c, w, now);
                break;
            }
            int64_t u = s_job_pop(j);
            if (u < 0)
                break;
            s_issue(c, j, w, (uint64_t)u, now);
        }
    }
}

/* --------------------------------------------------------- worker messages */

static void s_worker_drop(dse_coord_t *c, s_worker_t *w, const char *why)
{
    if (c->o.verbose || w->outstanding)
        s_log(c, "worker %s (#%llu) %s; %u unit%s back in the queue", w->host,
              (unsigned long long)w->uid, why, w->outstanding, w->outstanding == 1 ? "" : "s");
    uint64_t uid = w->uid;
    free(w->jobs_sent);
    size_t idx = (size_t)(w - c->workers);
    c->workers[idx] = c->workers[--c->n_workers];
    for (size_t ji = 0; ji < c->n_jobs; ji++) {
        s_job_t *j = c->jobs[ji];
        for (size_t i = 0; i < j->n_leases;) {
            if (j->leases[i].worker == uid) {
                uint64_t u = j->leases[i].unit;
                j->leases[i] = j->leases[--j->n_leases];
                s_unit_failed(c, j, u, "worker lost");
            } else {
                i++;
            }
        }
    }
}

static void s_on_ready(dse_coord_t *c, const dse_peer_t *p, dse_msg_ready_t *r, double now)
{
    s_worker_t *w = s_worker_find(c, p);
    if (w)
        s_worker_drop(c, w, "re-registered");
    if (r->version != DSE_WIRE_VERSION) {
        s_log(c, "worker %s speaks protocol %u, not %u: refused", r->host, r->version,
              DSE_WIRE_VERSION);
        s_send_peer(c, c->wsock, p, DSE_MSG_DISCONNECT);
        return;
    }
    c->workers = dse_xgrow(c->workers, sizeof *c->workers, c->n_workers + 1, &c->cap_workers);
    w = &c->workers[c->n_workers++];
    memset(w, 0, sizeof *w);
    w->peer = *p;
    w->uid = ++c->next_worker_uid;
    snprintf(w->host, sizeof w->host, "%s", r->host);
    w->threads = r->threads ? r->threads : 1;
    w->credit = r->credit < 1 ? 1 : (r->credit > 1024 ? 1024 : r->credit);
    w->last_seen = now;
    for (size_t i = 0; i < r->n_caps && w->n_caps < S_MAX_CAPS; i++)
        snprintf(w->caps[w->n_caps++], sizeof w->caps[0], "%s", r->caps[i]);
    if (c->o.verbose)
        s_log(c, "worker %s (#%llu) joined: %u threads, credit %u", w->host,
              (unsigned long long)w->uid, w->threads, w->credit);
}

static int s_check_result(const s_job_t *j, const dse_unit_t *unit, const dse_msg_result_t *r,
                          char *why, size_t size)
{
    size_t width = j->ej->job->model->n_metrics;
    if (r->rows.width != width) {
        snprintf(why, size, "rows have %u metrics, the model has %zu", r->rows.width, width);
        return 0;
    }
    if (r->counters.evaluated + r->counters.skipped != dse_unit_points(unit) ||
        r->counters.feasible + r->counters.infeasible != r->counters.evaluated) {
        snprintf(why, size, "counters do not add up to the unit's %llu points",
                 (unsigned long long)dse_unit_points(unit));
        return 0;
    }
    if (r->rows.n > r->counters.feasible) {
        snprintf(why, size, "more rows than feasible points");
        return 0;
    }
    uint64_t told = 0;
    for (size_t i = 0; i < DSE_WHY_SLOTS; i++)
        told += r->counters.why.n[i];
    if (told > r->counters.infeasible) {
        snprintf(why, size, "the infeasibility tally counts more points than are infeasible");
        return 0;
    }
    uint64_t space = j->ej->job->layers[unit->layer].space->size;
    for (size_t i = 0; i < r->rows.n; i++)
        if (!dse_unit_has(unit, space, r->rows.index[i])) {
            snprintf(why, size, "row %zu: point %llu is outside the unit", i,
                     (unsigned long long)r->rows.index[i]);
            return 0;
        }
    return 1;
}

/* Merges a unit's rows and counters. A measured job's rows are kept
 * whatever the per-layer constraints (so that they can be cached): they are
 * checked here. */
static void s_merge(s_job_t *j, uint64_t u, const dse_unit_t *unit, const dse_wire_counters_t *cn,
                    size_t n, const uint64_t *index, const int64_t *cin, const int64_t *cout,
                    const double *metrics, size_t width)
{
    const dse_job_t *job = j->ej->job;
    dse_counters_t *pl = &j->per_layer[unit->layer];
    uint64_t dropped = 0;
    size_t kept = 0;
    if (!job->evaluator) { /* the model's rows are final: merged as they come */
        dse_front_t *f = j->fronts[unit->layer];
        for (size_t i = 0; i < n; i++) {
            dse_front_insert(f, index[i], cin[i], cout[i], metrics + i * width);
            if (j->all)
                dse_front_push(j->all[unit->layer], index[i], cin[i], cout[i],
                               metrics + i * width);
        }
        dse_search_feed(j->search, u, n, index, cin, cout, metrics);
        goto counters;
    }
    uint64_t *kidx = dse_xcalloc(n + 1, sizeof *kidx);
    int64_t *kcin = dse_xcalloc(n + 1, sizeof *kcin), *kcout = dse_xcalloc(n + 1, sizeof *kcout);
    double *km = dse_xcalloc(n * width + 1, sizeof *km);
    dse_front_t *f = j->fronts[unit->layer];
    for (size_t i = 0; i < n; i++) {
        const double *row = metrics + i * width;
        if (!dse_eval_keep(job, row)) {
            dse_eval_tally(job, 1, row, &pl->why); /* the constraint it breaks */
            dropped++;
            continue;
        }
        dse_front_insert(f, index[i], cin[i], cout[i], row);
        if (j->all)
            dse_front_push(j->all[unit->layer], index[i], cin[i], cout[i], row);
        kidx[kept] = index[i], kcin[kept] = cin[i], kcout[kept] = cout[i];
        memcpy(km + kept * width, row, width * sizeof *row);
        kept++;
    }
    dse_search_feed(j->search, u, kept, kidx, kcin, kcout, km);
    free(kidx), free(kcin), free(kcout), free(km);
counters:
    pl->evaluated += cn->evaluated;
    pl->feasible += cn->feasible - dropped;
    pl->infeasible += cn->infeasible + dropped;
    pl->skipped += cn->skipped;
    dse_why_merge(&pl->why, &cn->why);
    /* progress counts points done: a skipped point is as done as an evaluated one */
    j->evaluated += cn->evaluated + cn->skipped;
    j->state[u] = S_DONE;
    j->done++;
}

/* Measured jobs: settles here the new units [from, to) that need no
 * measurement: one-point units whose point the model finds infeasible, or
 * whose measurement is in the cache. Does not check for the job's end. */
static void s_resolve_local(dse_coord_t *c, s_job_t *j, uint64_t from, uint64_t to)
{
    const dse_job_t *job = j->ej->job;
    if (!job->evaluator)
        return;
    const dse_hwmodel_t *m = job->model;
    size_t width = m->n_metrics;
    double params[DSE_MAX_PARAMS], metrics[DSE_MAX_METRICS];
    for (uint64_t u = from; u < to; u++) {
        if (j->state[u] != S_PENDING)
            continue;
        dse_unit_t unit;
        dse_search_unit(j->search, u, &unit);
        if (dse_unit_points(&unit) != 1)
            continue;
        const dse_space_t *sp = job->layers[unit.layer].space;
        uint64_t idx = s_unit_point(j, &unit);
        if (idx >= sp->size)
            continue;
        dse_space_decode(sp, idx, params);
        dse_wire_counters_t cn = {1, 0, 0, 0};
        if (!m->evaluate(j->ej->ctx[unit.layer], params, metrics)) {
            cn.infeasible = 1;
            dse_eval_tally(job, 0, metrics, &cn.why);
            s_merge(j, u, &unit, &cn, 0, NULL, NULL, NULL, NULL, width);
            continue;
        }
        if (!c->cache)
            continue;
        char *key = dse_measure_key(j->ej, unit.layer, params);
        int64_t ci = 0, co = 0;
        int hit = dse_mcache_get(c->cache, key, width, &ci, &co, metrics);
        free(key);
        if (!hit)
            continue;
        int finite = 1;
        for (size_t o = 0; o < job->n_layer_objectives; o++)
            finite &= isfinite(metrics[job->layer_objectives[o]]) != 0;
        if (finite)
            cn.feasible = 1;
        else
            cn.infeasible = 1;
        j->cached++;
        s_merge(j, u, &unit, &cn, finite, &idx, &ci, &co, metrics, width);
    }
}

static void s_on_result(dse_coord_t *c, s_worker_t *w, dse_msg_result_t *r, double now)
{
    s_job_t *j = s_job_find(c, r->unit >> S_UNIT_BITS);
    if (!j)
        return; /* a job that finished or was cancelled */
    uint64_t u = r->unit & S_UNIT_MASK;
    if (u >= dse_search_n_units(j->search)) {
        s_log(c, "worker %s: RESULT for unit %llu, which job %llu does not have", w ? w->host : "?",
              (unsigned long long)u, (unsigned long long)j->id);
        return;
    }
    if (w && s_lease_take(j, u, w->uid, NULL) && w->outstanding > 0)
        w->outstanding--;
    if (j->state[u] != S_PENDING)
        return; /* a duplicate, or a stale copy: already merged */
    dse_unit_t unit;
    dse_search_unit(j->search, u, &unit);
    char why[256];
    if (!s_check_result(j, &unit, r, why, sizeof why)) {
        s_log(c, "worker %s: bad RESULT for unit %llu: %s", w ? w->host : "?",
              (unsigned long long)u, why);
        s_unit_failed(c, j, u, why);
        return;
    }
    const dse_job_t *job = j->ej->job;
    if (job->evaluator) {
        j->measured += r->counters.evaluated;
        /* every measurement goes to the cache, whatever the job's constraints */
        double params[DSE_MAX_PARAMS];
        const dse_space_t *sp = job->layers[unit.layer].space;
        for (size_t i = 0; c->cache && i < r->rows.n; i++) {
            dse_space_decode(sp, r->rows.index[i], params);
            char *key = dse_measure_key(j->ej, unit.layer, params);
            dse_error_t e = DSE_ERROR_INIT;
            if (dse_mcache_put(c->cache, key, r->rows.width, r->rows.cin[i], r->rows.cout[i],
                               r->rows.metrics + i * r->rows.width, &e) != 0)
                s_log(c, "cache: %s", e.msg);
            free(key);
        }
    }
    s_merge(j, u, &unit, &r->counters, r->rows.n, r->rows.index, r->rows.cin, r->rows.cout,
            r->rows.metrics, r->rows.width);
    if (w) {
        size_t k = 0;
        while (k < j->n_seen && j->seen[k] != w->uid)
            k++;
        if (k == j->n_seen) {
            j->seen = dse_xgrow(j->seen, sizeof *j->seen, j->n_seen + 1, &j->cap_seen);
            j->seen[j->n_seen++] = w->uid;
        }
    }
    s_job_check_done(c, j, now);
}

static void s_on_fail(dse_coord_t *c, s_worker_t *w, dse_msg_fail_t *f, double now)
{
    s_job_t *j = s_job_find(c, f->unit >> S_UNIT_BITS);
    if (!j)
        return;
    uint64_t u = f->unit & S_UNIT_MASK;
    if (u >= dse_search_n_units(j->search))
        return;
    if (s_lease_take(j, u, w->uid, NULL) && w->outstanding > 0)
        w->outstanding--;
    if (c->o.verbose)
        s_log(c, "worker %s failed unit %llu of job %llu: %s", w->host, (unsigned long long)u,
              (unsigned long long)j->id, f->message);
    s_unit_failed(c, j, u, f->message);
    s_job_check_done(c, j, now);
}

static void s_on_worker_msg(dse_coord_t *c, double now)
{
    dse_peer_t peer;
    dse_msg_t msg;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_msg_recv(c->wsock, &peer, &msg, &err);
    if (rc == DSE_EPROTO) {
        s_proto_error(c, "worker", &err);
        return;
    }
    if (rc)
        return;
    s_worker_t *w = s_worker_find(c, &peer);
    if (w)
        w->last_seen = now;
    switch (msg.cmd) {
    case DSE_MSG_READY:
        s_on_ready(c, &peer, &msg.ready, now);
        break;
    case DSE_MSG_RESULT:
        s_on_result(c, w, &msg.result, now);
        if (!w) /* from a worker we declared dead: merged if useful; now re-register */
            s_send_peer(c, c->wsock, &peer, DSE_MSG_DISCONNECT);
        break;
    case DSE_MSG_FAIL:
        if (w)
            s_on_fail(c, w, &msg.fail, now);
        else
            s_send_peer(c, c->wsock, &peer, DSE_MSG_DISCONNECT);
        break;
    case DSE_MSG_HEARTBEAT:
        if (w)
            w->evaluated = msg.heartbeat.evaluated;
        else
            s_send_peer(c, c->wsock, &peer, DSE_MSG_DISCONNECT);
        break;
    case DSE_MSG_DISCONNECT:
        if (w)
            s_worker_drop(c, w, "left");
        break;
    default: {
        dse_error_t e = DSE_ERROR_INIT;
        dse_error_set(&e, DSE_EPROTO, NULL, 0, 0, "a worker may not send %s",
                      dse_wire_cmd_name(msg.cmd));
        s_proto_error(c, "worker", &e);
    }
    }
    dse_msg_release(&msg);
}

/* --------------------------------------------------------- client messages */

static void s_client_error(dse_coord_t *c, const dse_peer_t *p, const char *text)
{
    dse_msg_t m = {.cmd = DSE_MSG_ERROR};
    m.error.message = (char *)text;
    dse_msg_send(c->csock, p, &m);
}

static void s_on_submit(dse_coord_t *c, const dse_peer_t *p, dse_msg_submit_t *s, double now)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_evaljob_t *ej = NULL;
    if (dse_evaljob_from_text(s->config, strlen(s->config), &ej, &err) != 0) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        s_client_error(c, p, buf);
        return;
    }
    if (ej->job->evaluator && !c->cache && c->o.cache_dir && *c->o.cache_dir &&
        !(c->cache = dse_mcache_open(c->o.cache_dir, &err))) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        s_client_error(c, p, buf);
        dse_evaljob_destroy(&ej);
        return;
    }
    double unit_s = ej->job->unit_seconds > 0 ? ej->job->unit_seconds : c->o.unit_seconds;
    dse_search_t *search = NULL;
    if (dse_search_new(ej, unit_s, NULL, &search, &err) != 0) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        s_client_error(c, p, buf);
        dse_evaljob_destroy(&ej);
        return;
    }
    s_job_t *j = dse_xcalloc(1, sizeof *j);
    j->id = ++c->next_job_id;
    j->client = *p;
    j->client_seen = now;
    j->ej = ej;
    j->search = search;
    size_t nl = ej->job->n_layers;
    j->fronts = dse_xcalloc(nl, sizeof *j->fronts);
    for (size_t i = 0; i < nl; i++)
        j->fronts[i] = dse_evaljob_front_new(ej);
    /* measured jobs send every measured point back too (for fidelity.csv) */
    if (ej->job->dump_all || ej->job->evaluator) {
        j->all = dse_xcalloc(nl, sizeof *j->all);
        for (size_t i = 0; i < nl; i++)
            j->all[i] = dse_evaljob_front_new(ej);
    }
    j->per_layer = dse_xcalloc(nl, sizeof *j->per_layer);
    s_job_grow(j);
    s_resolve_local(c, j, 0, dse_search_n_units(search));
    size_t nobj = ej->job->n_layer_objectives;
    j->hv_ref = dse_xcalloc(nl * nobj + 1, sizeof *j->hv_ref);
    j->hv_ideal = dse_xcalloc(nl * nobj + 1, sizeof *j->hv_ideal);
    j->hv_set = dse_xcalloc(nl, 1);
    j->started = now;
    c->jobs = dse_xgrow(c->jobs, sizeof *c->jobs, c->n_jobs + 1, &c->cap_jobs);
    c->jobs[c->n_jobs++] = j;
    dse_msg_t m = {.cmd = DSE_MSG_ACCEPT};
    m.accept.job = j->id;
    m.accept.digest = ej->digest;
    dse_msg_send(c->csock, p, &m);
    if (c->o.verbose)
        s_log(c, "job %llu '%s' accepted: %zu layers, %llu units", (unsigned long long)j->id,
              ej->job->name, nl, (unsigned long long)dse_search_n_units(search));
    s_job_check_done(c, j, now);
}

static void s_on_client_msg(dse_coord_t *c, double now)
{
    dse_peer_t peer;
    dse_msg_t msg;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_msg_recv(c->csock, &peer, &msg, &err);
    if (rc == DSE_EPROTO) {
        s_proto_error(c, "client", &err);
        return;
    }
    if (rc)
        return;
    switch (msg.cmd) {
    case DSE_MSG_SUBMIT: {
        s_on_submit(c, &peer, &msg.submit, now);
        /* building a job (model preparation, rate calibration) can take a
         * while; the workers were not silent, the coordinator was busy */
        double after = dse_now();
        if (after - now > c->o.heartbeat_s)
            for (size_t i = 0; i < c->n_workers; i++)
                c->workers[i].last_seen = after;
        break;
    }
    case DSE_MSG_HEARTBEAT:
        for (size_t i = 0; i < c->n_jobs; i++)
            if (c->jobs[i]->client.len == peer.len &&
                memcmp(c->jobs[i]->client.bytes, peer.bytes, peer.len) == 0)
                c->jobs[i]->client_seen = now;
        break;
    case DSE_MSG_CANCEL: {
        s_job_t *j = s_job_find(c, msg.cancel.job);
        if (j && j->client.len == peer.len && memcmp(j->client.bytes, peer.bytes, peer.len) == 0) {
            s_log(c, "job %llu '%s' cancelled by its client", (unsigned long long)j->id,
                  j->ej->job->name);
            s_job_remove(c, j);
        }
        break;
    }
    default: {
        dse_error_t e = DSE_ERROR_INIT;
        dse_error_set(&e, DSE_EPROTO, NULL, 0, 0, "a client may not send %s",
                      dse_wire_cmd_name(msg.cmd));
        s_proto_error(c, "client", &e);
    }
    }
    dse_msg_release(&msg);
}

/* ------------------------------------------------------------------- timers */

static void s_timers(dse_coord_t *c, double now)
{
    double hb = c->o.heartbeat_s;
    if (now - c->last_heartbeat >= hb) {
        c->last_heartbeat = now;
        dse_msg_t m = {.cmd = DSE_MSG_HEARTBEAT};
        for (size_t i = 0; i < c->n_workers; i++)
            s_send_worker(c, &c->workers[i], &m);
    }
    for (size_t i = 0; i < c->n_workers;) {
        s_worker_t *w = &c->workers[i];
        if (now - w->last_seen > hb * c->o.heartbeat_misses)
            s_worker_drop(c, w, "missed its heartbeats: declared dead"); /* swaps in the last */
        else
            i++;
    }
    for (size_t ji = 0; ji < c->n_jobs; ji++) {
        s_job_t *j = c->jobs[ji];
        for (size_t i = 0; i < j->n_leases;) {
            s_lease_t *l = &j->leases[i];
            if (now > l->deadline) {
                uint64_t u = l->unit;
                s_worker_t *w = s_worker_by_uid(c, l->worker);
                if (w && w->outstanding > 0)
                    w->outstanding--;
                *l = j->leases[--j->n_leases];
                s_log(c, "job %llu: unit %llu outstanding too long: issued again",
                      (unsigned long long)j->id, (unsigned long long)u);
                s_unit_failed(c, j, u, "lease expired");
            } else {
                i++;
            }
        }
    }
    if (now - c->last_progress >= (hb < 0.5 ? hb : 0.5)) {
        c->last_progress = now;
        for (size_t ji = 0; ji < c->n_jobs;) {
            s_job_t *j = c->jobs[ji];
            /* a client silent for long has gone: its job is dropped */
            if (now - j->client_seen > hb * c->o.heartbeat_misses * 2) {
                s_log(c, "job %llu '%s': its client is gone; job dropped",
                      (unsigned long long)j->id, j->ej->job->name);
                s_job_remove(c, j);
                continue;
            }
            s_check_workers(c, j, now);
            s_send_progress(c, j, now);
            if (j->ej->job->evaluator && s_job_has_pending(j) && !j->waiting_logged) {
                int any = 0;
                for (size_t i = 0; i < c->n_workers && !any; i++)
                    any = s_worker_takes(&c->workers[i], j);
                if (!any && now - j->started > 2 * hb) {
                    const char *req = j->ej->job->evaluator->requires;
                    s_log(c, "job %llu '%s' runs a command for each point: it waits for a worker "
                          "started with --allow-command%s%s (%zu connected, none of them)",
                          (unsigned long long)j->id, j->ej->job->name, req[0] ? " --tag " : "",
                          req, c->n_workers);
                    j->waiting_logged = 1;
                }
            }
            ji++;
        }
    }
}

/* ------------------------------------------------------------------ lifecycle */

static int s_bind(zsock_t *sock, const char *ep, char *out, size_t size, dse_error_t *err)
{
    int port;
    size_t len = strlen(ep);
    if (strncmp(ep, "tcp://", 6) == 0 && len > 2 && strcmp(ep + len - 2, ":*") == 0) {
        /* port *: libzmq binds port 0 and the kernel picks a free ephemeral
         * port. czmq's own ':*' scans upwards from 49152, so it hands a port
         * that was just freed straight to the next coordinator, where the
         * previous one's workers, still reconnecting, would join */
        port = -1;
        if (zmq_bind(zsock_resolve(sock), ep) == 0) {
            char *last = zsock_last_endpoint(sock);
            const char *colon = last ? strrchr(last, ':') : NULL;
            port = colon ? atoi(colon + 1) : -1;
            zstr_free(&last);
        }
    } else {
        port = zsock_bind(sock, "%s", ep);
    }
    if (port < 0)
        return dse_error_set(err, DSE_EIO, NULL, 0, 0, "cannot bind %s: %s%s", ep,
                             zmq_strerror(zmq_errno()), zmq_errno() == EADDRINUSE ?
                             " (another program holds it; port * lets the system pick a free "
                             "one)" : "");
    /* the endpoint to connect to: a wildcard host becomes loopback, a
     * wildcard port the port chosen */
    char host[200] = "";
    const char *p = strstr(ep, "://");
    if (p && strncmp(ep, "tcp", 3) == 0) {
        p += 3;
        const char *colon = strrchr(p, ':');
        size_t hl = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(host, sizeof host, "%.*s", (int)hl, p);
        if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
            snprintf(host, sizeof host, "127.0.0.1");
        snprintf(out, size, "tcp://%s:%d", host, port);
    } else {
        snprintf(out, size, "%s", ep);
    }
    return 0;
}

dse_coord_t *dse_coord_new(const dse_coord_opts_t *o, dse_error_t *err)
{
    dse_coord_t *c = dse_xcalloc(1, sizeof *c);
    c->o = *o;
    if (c->o.heartbeat_s <= 0)
        c->o.heartbeat_s = 1.0;
    if (c->o.heartbeat_misses <= 0)
        c->o.heartbeat_misses = 3;
    if (c->o.max_attempts <= 0)
        c->o.max_attempts = 3;
    if (c->o.unit_seconds <= 0)
        c->o.unit_seconds = 0.25;
    c->wsock = zsock_new(ZMQ_ROUTER);
    c->csock = zsock_new(ZMQ_ROUTER);
    dse_sock_setup(c->wsock);
    dse_sock_setup(c->csock);
    /* never block on a peer that went away */
    zsock_set_router_mandatory(c->wsock, 0);
    zsock_set_router_mandatory(c->csock, 0);
    if (s_bind(c->wsock, o->worker_bind, c->wep, sizeof c->wep, err) ||
        s_bind(c->csock, o->client_bind, c->cep, sizeof c->cep, err)) {
        dse_coord_destroy(&c);
        return NULL;
    }
    return c;
}

const char *dse_coord_worker_endpoint(const dse_coord_t *c)
{
    return c->wep;
}

const char *dse_coord_client_endpoint(const dse_coord_t *c)
{
    return c->cep;
}

int dse_coord_run(dse_coord_t *c)
{
    zpoller_t *poller = zpoller_new(c->wsock, c->csock, NULL);
    int tick = (int)(c->o.heartbeat_s * 250);
    if (tick < 10)
        tick = 10;
    while (!(c->o.stop && *c->o.stop)) {
        void *which = zpoller_wait(poller, tick);
        double now = dse_now();
        /* drain what is ready, a bounded batch per socket */
        if (which) {
            for (int k = 0; k < 1000; k++) {
                int any = 0;
                if (zsock_events(c->wsock) & ZMQ_POLLIN) {
                    s_on_worker_msg(c, now);
                    any = 1;
                }
                if (zsock_events(c->csock) & ZMQ_POLLIN) {
                    s_on_client_msg(c, now);
                    any = 1;
                }
                if (!any)
                    break;
                if ((k & 63) == 63) {
                    s_schedule(c, now);
                    now = dse_now();
                }
            }
        }
        s_timers(c, now);
        /* a lost worker or an expired lease may have quarantined a job's
         * last units: such a job is complete too */
        for (size_t i = c->n_jobs; i-- > 0;)
            if (i < c->n_jobs)
                s_job_check_done(c, c->jobs[i], now);
        s_schedule(c, now);
    }
    zpoller_destroy(&poller);
    /* tell the workers and clients we are going */
    dse_msg_t m = {.cmd = DSE_MSG_DISCONNECT};
    for (size_t i = 0; i < c->n_workers; i++)
        s_send_worker(c, &c->workers[i], &m);
    return 0;
}

void dse_coord_destroy(dse_coord_t **c_p)
{
    if (!c_p || !*c_p)
        return;
    dse_coord_t *c = *c_p;
    while (c->n_jobs)
        s_job_remove(c, c->jobs[c->n_jobs - 1]);
    free(c->jobs);
    for (size_t i = 0; i < c->n_workers; i++)
        free(c->workers[i].jobs_sent);
    free(c->workers);
    zsock_destroy(&c->wsock);
    zsock_destroy(&c->csock);
    dse_mcache_destroy(&c->cache);
    free(c);
    *c_p = NULL;
}

int dse_client_endpoint_for(const char *wep, char *out, size_t size)
{
    const char *colon = strrchr(wep, ':');
    if (!colon || !colon[1])
        return DSE_EINVAL;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port >= 65535)
        return DSE_EINVAL;
    snprintf(out, size, "%.*s:%ld", (int)(colon - wep), wep, port + 1);
    return 0;
}
