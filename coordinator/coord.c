/* coord.c - the coordinator engine: workers, leases, jobs, clients. */
#include "coordinator/coord.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/mcache.h"
#include "coordinator/verify.h"
#include "core/auth.h"
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
/* A slot is what a lease holds and a WORK message names: a unit of the
 * search (its number), or, with this bit set, a piece of a unit that was
 * split after failing too often (an index into the job's pieces). Unit
 * numbers stay below 2^39 (DSE_SEARCH_MAX_UNITS). */
#define S_PIECE_BIT (1ULL << 39)

/* S_SPLIT: the slot failed max_attempts times and was cut in halves, which
 * run as pieces; a unit is done when its last piece settles. */
enum { S_PENDING = 0, S_DONE = 1, S_QUARANTINED = 2, S_SPLIT = 3 };

typedef struct {
    uint64_t unit;   /* the unit it is part of */
    uint64_t lo, hi; /* positions (range, shuffled) or offsets into the indices (list) */
    uint8_t state, attempts, suspect;
} s_piece_t;

/* A unit being run as pieces: its pieces' rows gathered for the search. */
typedef struct {
    uint64_t unit;
    uint64_t open; /* pieces not settled yet */
    dse_front_t *rows;
} s_split_t;

typedef struct {
    dse_peer_t peer;
    uint64_t uid;
    char host[DSE_WIRE_MAX_HOST + 1];
    uint32_t threads, credit, outstanding;
    uint32_t exclusive; /* holds a suspect unit alone: gets nothing else meanwhile */
    int quarantined;    /* returned rows the model disagrees with: gets no more units */
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
    int exclusive; /* a suspect unit, the only one its worker holds */
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
    uint8_t *suspect;  /* per unit: was held by a worker that died; runs alone from then on */
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
    uint64_t n_quar_units; /* units settled as quarantined (one-point units) */
    s_piece_t *pieces;
    size_t n_pieces, cap_pieces;
    s_split_t *splits;
    size_t n_splits, cap_splits;
    double *rate;      /* per layer, points/s measured by the coordinator */
    uint64_t checked;  /* rows and points re-evaluated by the coordinator */
    char **bad;        /* workers quarantined over this job's rows: "host #uid: why" */
    size_t n_bad, cap_bad;
    double workers_seen_at; /* last time a worker could take the job */
    int said_no_workers;    /* "waiting for workers" logged since then */
    uint64_t measured, cached; /* measured jobs: points measured by workers, taken from the cache */
    int waiting_logged;
    int search_over;      /* the search proposed its last unit */
    /* [evaluator] verify: the sampled points run as one-point units from
     * verify_first, verify_map[unit - verify_first] naming each one's sample
     * entry (coordinator/verify.h) */
    dse_verify_t *verify;
    int verify_started;
    uint64_t verify_first, n_verify_units;
    size_t *verify_map;
    double verify_alone_since; /* a sampled point has had no other worker to go to since */
} s_job_t;

/* A SUBMIT being built and calibrated in a thread of its own, so that a
 * job whose points are slow to evaluate does not stall the loop. */
typedef struct {
    pthread_t thread;
    atomic_int finished, cancel;
    dse_peer_t client;
    char *config;
    double unit_seconds;
    double submitted;
    dse_evaljob_t *ej;
    dse_search_t *search;
    double *rate; /* per layer, points/s measured here */
    int rc;
    char error[1200];
} s_pending_t;

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
    uint64_t unleased; /* RESULTs and FAILs refused: no lease held by their sender */
    uint64_t unleased_kind[4];
    uint64_t drops; /* workers dropped, for the log's rate limit */
    /* workers whose rows disagreed with the model: "host #uid: why" (for
     * summary.json), and their connections, refused from then on */
    dse_peer_t *bad_peers;
    size_t n_bad_peers, cap_bad_peers;
    s_pending_t **pending;
    size_t n_pending, cap_pending;
    dse_mcache_t *cache; /* measured points; opened for the first measured job */
    dse_auth_t *auth;    /* CURVE: the ZAP handler and allow-lists, or NULL */
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
    free(j->suspect);
    free(j->retry);
    free(j->leases);
    free(j->quar);
    free(j->seen);
    free(j->hv_ref);
    free(j->hv_ideal);
    free(j->hv_set);
    free(j->pieces);
    free(j->rate);
    for (size_t i = 0; i < j->n_bad; i++)
        free(j->bad[i]);
    free(j->bad);
    for (size_t i = 0; i < j->n_splits; i++)
        dse_front_destroy(&j->splits[i].rows);
    free(j->splits);
    dse_verify_destroy(&j->verify);
    free(j->verify_map);
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
        if (w && j->leases[i].exclusive && w->exclusive > 0)
            w->exclusive--;
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

/* ---------------------------------------------------------------- slots */

static int s_is_piece(uint64_t slot)
{
    return (slot & S_PIECE_BIT) != 0;
}

/* The verify sample entry a slot measures again, or -1. */
static int64_t s_verify_entry(const s_job_t *j, uint64_t slot)
{
    if (!j->verify_started || s_is_piece(slot) || slot < j->verify_first ||
        slot - j->verify_first >= j->n_verify_units)
        return -1;
    return (int64_t)j->verify_map[slot - j->verify_first];
}

/* 1 when slot names a unit or piece the job has. */
static int s_slot_valid(const s_job_t *j, uint64_t slot)
{
    if (s_is_piece(slot))
        return (slot & ~S_PIECE_BIT) < j->n_pieces;
    return slot < dse_search_n_units(j->search);
}

static uint8_t *s_slot_state(s_job_t *j, uint64_t slot)
{
    return s_is_piece(slot) ? &j->pieces[slot & ~S_PIECE_BIT].state : &j->state[slot];
}

static uint8_t *s_slot_attempts(s_job_t *j, uint64_t slot)
{
    return s_is_piece(slot) ? &j->pieces[slot & ~S_PIECE_BIT].attempts : &j->attempts[slot];
}

static uint8_t *s_slot_suspect(s_job_t *j, uint64_t slot)
{
    return s_is_piece(slot) ? &j->pieces[slot & ~S_PIECE_BIT].suspect : &j->suspect[slot];
}

/* The points a slot stands for, as a unit (a piece narrows its unit). */
static void s_slot_unit(const s_job_t *j, uint64_t slot, dse_unit_t *out)
{
    if (!s_is_piece(slot)) {
        dse_search_unit(j->search, slot, out);
        return;
    }
    const s_piece_t *p = &j->pieces[slot & ~S_PIECE_BIT];
    dse_search_unit(j->search, p->unit, out);
    if (out->kind == DSE_UNIT_LIST) {
        out->indices += p->lo;
        out->n = (size_t)(p->hi - p->lo);
    } else {
        out->lo = p->lo;
        out->hi = p->hi;
    }
}

/* Next slot to hand out, or -1. Retries come first. */
static int64_t s_job_pop(s_job_t *j)
{
    while (j->n_retry > 0) {
        uint64_t u = j->retry[j->retry_head];
        j->retry_head = (j->retry_head + 1) % j->cap_retry;
        j->n_retry--;
        if (*s_slot_state(j, u) == S_PENDING)
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

/* Puts a slot back at the head of the queue (one that may not go to the
 * worker at hand). */
static void s_job_unpop(s_job_t *j, uint64_t u)
{
    s_job_push_retry(j, u); /* makes room, then moves it to the head */
    j->n_retry--;
    j->retry_head = (j->retry_head + j->cap_retry - 1) % j->cap_retry;
    j->retry[j->retry_head] = u;
    j->n_retry++;
}

static size_t s_unit_leases(const s_job_t *j, uint64_t u)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_leases; i++)
        n += j->leases[i].unit == u;
    return n;
}

static s_split_t *s_split_find(s_job_t *j, uint64_t unit)
{
    for (size_t i = 0; i < j->n_splits; i++)
        if (j->splits[i].unit == unit)
            return &j->splits[i];
    return NULL;
}

/* A unit is settled: its rows go to the search (which learns from them),
 * and it counts as done. */
static void s_unit_settled(s_job_t *j, uint64_t u, size_t n, const uint64_t *index,
                           const int64_t *cin, const int64_t *cout, const double *metrics)
{
    dse_search_feed(j->search, u, n, index, cin, cout, metrics);
    j->state[u] = S_DONE;
    j->done++;
}

/* A piece settled (done or quarantined): when it was its unit's last, the
 * unit is settled with the rows its pieces returned. The search sees the
 * same rows as from the whole unit: for a list, every feasible row; for a
 * range, the union of the pieces' local fronts filtered, which is the
 * unit's local front. */
static void s_piece_settled(s_job_t *j, uint64_t piece)
{
    uint64_t u = j->pieces[piece].unit;
    s_split_t *sp = s_split_find(j, u);
    assert(sp && sp->open > 0);
    if (--sp->open > 0)
        return;
    const dse_front_t *f = sp->rows;
    size_t n = dse_front_size(f), width = dse_front_width(f);
    uint64_t *index = dse_xmalloc((n + 1) * sizeof *index);
    int64_t *cin = dse_xmalloc((n + 1) * sizeof *cin);
    int64_t *cout = dse_xmalloc((n + 1) * sizeof *cout);
    double *metrics = dse_xmalloc((n * width + 1) * sizeof *metrics);
    for (size_t i = 0; i < n; i++) {
        index[i] = dse_front_index(f, i);
        cin[i] = dse_front_cin(f, i);
        cout[i] = dse_front_cout(f, i);
        memcpy(metrics + i * width, dse_front_row(f, i), width * sizeof *metrics);
    }
    s_unit_settled(j, u, n, index, cin, cout, metrics);
    free(index);
    free(cin);
    free(cout);
    free(metrics);
    dse_front_destroy(&sp->rows);
    *sp = j->splits[--j->n_splits];
}

static uint64_t s_piece_new(s_job_t *j, uint64_t unit, uint64_t lo, uint64_t hi)
{
    j->pieces = dse_xgrow(j->pieces, sizeof *j->pieces, j->n_pieces + 1, &j->cap_pieces);
    s_piece_t *p = &j->pieces[j->n_pieces];
    p->unit = unit;
    p->lo = lo;
    p->hi = hi;
    p->state = S_PENDING;
    p->attempts = 0;
    p->suspect = 1; /* part of a unit that failed: run alone, so a death is its own */
    return S_PIECE_BIT | j->n_pieces++;
}

/* Cuts a slot that reached its attempt limit in halves, queued at the
 * front, so that one point that kills workers costs only itself. */
static void s_slot_split(dse_coord_t *c, s_job_t *j, uint64_t slot, const char *why)
{
    uint64_t u, lo, hi;
    if (s_is_piece(slot)) {
        s_piece_t *p = &j->pieces[slot & ~S_PIECE_BIT];
        u = p->unit, lo = p->lo, hi = p->hi;
        p->state = S_SPLIT;
        s_split_find(j, u)->open--; /* replaced by its halves below */
    } else {
        dse_unit_t unit;
        dse_search_unit(j->search, slot, &unit);
        u = slot;
        lo = unit.kind == DSE_UNIT_LIST ? 0 : unit.lo;
        hi = unit.kind == DSE_UNIT_LIST ? unit.n : unit.hi;
        j->state[u] = S_SPLIT;
        j->splits = dse_xgrow(j->splits, sizeof *j->splits, j->n_splits + 1, &j->cap_splits);
        s_split_t *sp = &j->splits[j->n_splits++];
        sp->unit = u;
        sp->open = 0;
        sp->rows = dse_evaljob_front_new(j->ej);
    }
    uint64_t mid = lo + (hi - lo) / 2;
    /* the pieces array may move: no pointers into it across s_piece_new */
    uint64_t a = s_piece_new(j, u, lo, mid);
    uint64_t b = s_piece_new(j, u, mid, hi);
    s_split_find(j, u)->open += 2;
    s_job_push_retry(j, a);
    s_job_push_retry(j, b);
    j->reissued += 2;
    s_log(c, "job %llu: unit %llu (positions %llu..%llu) failed %d times (%s): split into "
          "halves and retried", (unsigned long long)j->id, (unsigned long long)u,
          (unsigned long long)lo, (unsigned long long)hi, s_max_attempts(c, j), why);
}

/* The point a one-point slot stands for. */
static uint64_t s_slot_point(const s_job_t *j, const dse_unit_t *unit)
{
    if (unit->kind == DSE_UNIT_LIST)
        return unit->indices[0];
    if (unit->kind == DSE_UNIT_RANGE)
        return unit->lo;
    dse_perm_t perm;
    dse_perm_init(&perm, j->ej->job->layers[unit->layer].space->size, unit->key);
    return dse_perm_at(&perm, unit->lo);
}

/* A lease ended without a result. charge says whether the slot is to blame:
 * a FAIL, a bad RESULT, an expired lease or a worker that died holding it
 * (the coordinator cannot tell which of a dead worker's units killed it)
 * are charged; a worker that re-registered or left in good order is not.
 * A slot charged max_attempts times is split in halves, which start afresh;
 * only a single point at the limit is quarantined, and named (a measured
 * point that failed every attempt counts as infeasible, with its reason).
 * Before that the slot goes back to the front of the queue, unless a copy
 * is still out. The limit is the job's evaluator's max_attempts for a
 * measured job, else the coordinator's. */
static void s_unit_failed(dse_coord_t *c, s_job_t *j, uint64_t slot, const char *why, int charge)
{
    uint8_t *state = s_slot_state(j, slot), *attempts = s_slot_attempts(j, slot);
    if (*state != S_PENDING)
        return; /* done already */
    if (charge && *attempts < 255)
        (*attempts)++;
    unsigned max_attempts = (unsigned)s_max_attempts(c, j);
    if (*attempts < max_attempts && s_unit_leases(j, slot) > 0)
        return; /* still running elsewhere */
    if (*attempts < max_attempts) {
        s_job_push_retry(j, slot);
        j->reissued++;
        if (c->o.verbose)
            s_log(c, "job %llu: unit %llu back in the queue after attempt %u of %u (%s)",
                  (unsigned long long)j->id, (unsigned long long)slot, *attempts,
                  max_attempts, why);
        return;
    }
    int64_t ve = s_verify_entry(j, slot);
    if (ve >= 0) { /* a re-measurement that failed: not verified, nothing else */
        char note[256];
        snprintf(note, sizeof note, "measured again %u time%s without a result: %s", *attempts,
                 *attempts == 1 ? "" : "s", why);
        dse_verify_not(j->verify, (size_t)ve, note);
        *state = S_DONE;
        j->done++;
        return;
    }
    dse_unit_t unit;
    s_slot_unit(j, slot, &unit);
    if (dse_unit_points(&unit) > 1) {
        s_slot_split(c, j, slot, why);
        return;
    }
    unsigned tries = *attempts;
    *state = S_QUARANTINED;
    uint64_t point = s_slot_point(j, &unit);
    j->quar = dse_xgrow(j->quar, sizeof *j->quar, j->n_quar + 1, &j->cap_quar);
    dse_quarantined_t *q = &j->quar[j->n_quar++];
    q->layer = unit.layer;
    q->lo = point;
    q->hi = point + 1;
    q->attempts = tries;
    snprintf(q->error, sizeof q->error, "%s", why);
    if (j->ej->job->evaluator) {
        /* a measured point that failed every attempt: infeasible, its
         * reason kept for failures.csv */
        j->per_layer[unit.layer].evaluated++;
        j->per_layer[unit.layer].infeasible++;
        j->evaluated++;
        s_log(c, "job %llu: point %llu of layer '%s' failed %u time%s: %s",
              (unsigned long long)j->id, (unsigned long long)point,
              j->ej->job->layers[unit.layer].name, tries, tries == 1 ? "" : "s", why);
    } else {
        s_log(c, "job %llu: point %llu of layer '%s' quarantined after %u attempts: %s",
              (unsigned long long)j->id, (unsigned long long)point,
              j->ej->job->layers[unit.layer].name, tries, why);
    }
    if (s_is_piece(slot))
        s_piece_settled(j, slot & ~S_PIECE_BIT);
    else
        j->n_quar_units++;
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
    m.progress.units_done = (uint32_t)(j->done + j->n_quar_units);
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
    d.done.n_bad_workers = j->n_bad;
    d.done.bad_workers = j->bad;
    d.done.workers_seen = (uint32_t)j->n_seen;
    d.done.wall = now - j->started;
    d.done.measured = j->measured;
    d.done.cached = j->cached;
    size_t nv = dse_verify_n(j->verify);
    dse_wire_verified_t *wv = dse_xcalloc(nv + 1, sizeof *wv);
    const dse_verified_t *vr = dse_verify_results(j->verify);
    for (size_t i = 0; i < nv; i++) {
        wv[i].layer = vr[i].layer;
        wv[i].point = vr[i].point;
        wv[i].status = vr[i].status ? (uint32_t)vr[i].status : DSE_VERIFY_NOT;
        wv[i].first = (char *)vr[i].first;
        wv[i].second = (char *)vr[i].second;
        wv[i].metric = (char *)vr[i].metric;
        wv[i].note = (char *)(vr[i].status ? vr[i].note : "not settled");
        wv[i].a = vr[i].a;
        wv[i].b = vr[i].b;
    }
    d.done.n_verified = nv;
    d.done.verified = wv;
    dse_msg_send(c->csock, &j->client, &d);
    free(q);
    free(wv);
    dse_fit_t fit;
    unsigned refits = dse_search_refits(j->search, &fit);
    if (c->o.verbose && refits)
        s_log(c, "job %llu '%s': refine refitted the model's calibratable keys %u time%s between "
              "rounds; on %zu measurements at the last, rms log error %.4f before the first -> "
              "%.4f after the last",
              (unsigned long long)j->id, job->name, refits, refits == 1 ? "" : "s", fit.points,
              fit.rms_before, fit.rms_after);
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
    j->suspect = dse_xrealloc(j->suspect, cap);
    memset(j->suspect + j->cap_units, 0, cap - j->cap_units);
    memset(j->state + j->cap_units, S_PENDING, cap - j->cap_units);
    memset(j->attempts + j->cap_units, 0, cap - j->cap_units);
    j->cap_units = cap;
}

static void s_resolve_local(dse_coord_t *c, s_job_t *j, uint64_t from, uint64_t to);

/* When every unit proposed so far has settled, the search proposes more,
 * or the job is finished. */
static uint64_t s_verify_start(dse_coord_t *c, s_job_t *j);

static void s_job_check_done(dse_coord_t *c, s_job_t *j, double now)
{
    while (j->done + j->n_quar_units == dse_search_n_units(j->search)) {
        if (!j->search_over) {
            uint64_t slots = 0;
            for (size_t i = 0; i < c->n_workers; i++)
                slots += c->workers[i].credit;
            uint64_t before = dse_search_n_units(j->search);
            if (dse_search_advance(j->search, now - j->started, slots) > 0) {
                s_job_grow(j);
                s_resolve_local(c, j, before, dse_search_n_units(j->search));
                continue;
            }
            j->search_over = 1;
        }
        if (j->verify && !j->verify_started && s_verify_start(c, j) > 0)
            continue;
        s_job_finish(c, j, now);
        return;
    }
}

/* ------------------------------------------------------------------ verify */

/* 1 when some worker other than uid (0: none excluded) can take the job. */
static int s_other_taker(const dse_coord_t *c, const s_job_t *j, uint64_t uid)
{
    for (size_t i = 0; i < c->n_workers; i++)
        if (c->workers[i].uid != uid && !c->workers[i].quarantined &&
            s_worker_takes(&c->workers[i], j))
            return 1;
    return 0;
}

/* The search is over: draws the verify sample and queues each point that
 * another worker can measure again as a unit of its own (the search does
 * not learn from them). Returns the units queued. */
static uint64_t s_verify_start(dse_coord_t *c, s_job_t *j)
{
    j->verify_started = 1;
    size_t n = dse_verify_sample(j->verify);
    j->verify_map = dse_xcalloc(n + 1, sizeof *j->verify_map);
    j->verify_first = dse_search_n_units(j->search);
    for (size_t i = 0; i < n; i++) {
        uint64_t uid = dse_verify_first_uid(j->verify, i);
        if (!s_other_taker(c, j, uid)) {
            char why[200];
            snprintf(why, sizeof why, "no other worker could take the job when the search "
                     "ended (%zu connected)", c->n_workers);
            dse_verify_not(j->verify, i, why);
            continue;
        }
        uint64_t point = dse_verify_point(j->verify, i);
        dse_search_extra(j->search, dse_verify_layer(j->verify, i), &point, 1);
        j->verify_map[j->n_verify_units++] = i;
    }
    s_job_grow(j);
    if (n && c->o.verbose)
        s_log(c, "job %llu '%s': verify: %zu sampled point%s, %llu to measure again on another "
              "worker", (unsigned long long)j->id, j->ej->job->name, n, n == 1 ? "" : "s",
              (unsigned long long)j->n_verify_units);
    return j->n_verify_units;
}

/* Sampled points waiting for a worker other than the one that measured
 * them, when none has been there for a few heartbeats: not verified, so
 * the job never hangs on them. Returns 1 when that finished the job (it is
 * removed). */
static int s_verify_tick(dse_coord_t *c, s_job_t *j, double now)
{
    if (!j->verify_started || j->done + j->n_quar_units == dse_search_n_units(j->search))
        return 0;
    int stuck = 0;
    for (uint64_t k = 0; k < j->n_verify_units && !stuck; k++) {
        uint64_t u = j->verify_first + k;
        stuck = j->state[u] == S_PENDING && s_unit_leases(j, u) == 0 &&
                !s_other_taker(c, j, dse_verify_first_uid(j->verify, j->verify_map[k]));
    }
    if (!stuck) {
        j->verify_alone_since = 0;
        return 0;
    }
    if (j->verify_alone_since == 0)
        j->verify_alone_since = now;
    if (now - j->verify_alone_since < c->o.heartbeat_s * c->o.heartbeat_misses)
        return 0;
    for (uint64_t k = 0; k < j->n_verify_units; k++) {
        uint64_t u = j->verify_first + k;
        if (j->state[u] != S_PENDING || s_unit_leases(j, u) > 0 ||
            s_other_taker(c, j, dse_verify_first_uid(j->verify, j->verify_map[k])))
            continue;
        dse_verify_not(j->verify, j->verify_map[k], "no worker other than the one that "
                       "measured it stayed connected");
        j->state[u] = S_DONE;
        j->done++;
    }
    uint64_t id = j->id;
    s_job_check_done(c, j, now);
    return s_job_find(c, id) == NULL;
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
    s_slot_unit(j, u, &unit);
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
    l->exclusive = *s_slot_suspect(j, u) != 0;
    w->outstanding++;
    w->exclusive += (uint32_t)l->exclusive;
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
            if (l->worker == w->uid || *s_slot_state(j, l->unit) != S_PENDING ||
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
        while (w->outstanding < w->credit && !w->exclusive) {
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
            if (*s_slot_suspect(j, (uint64_t)u) && w->outstanding > 0) {
                s_job_unpop(j, (uint64_t)u); /* for a worker with nothing else */
                break;
            }
            int64_t ve = s_verify_entry(j, (uint64_t)u);
            if (ve >= 0 && dse_verify_first_uid(j->verify, (size_t)ve) == w->uid) {
                s_job_unpop(j, (uint64_t)u); /* measured again by another worker only */
                break;
            }
            s_issue(c, j, w, (uint64_t)u, now);
        }
    }
}

/* --------------------------------------------------------- worker messages */

/* Forgets a worker; its units go back to the queue, charged to them when
 * charge is set (see s_unit_failed). */
static void s_worker_drop(dse_coord_t *c, s_worker_t *w, const char *why, int charge)
{
    /* the first drops in full, then now and then: a peer that registers
     * and misbehaves in a loop cannot flood the log */
    c->drops++;
    if ((c->o.verbose || w->outstanding) && (c->drops <= 30 || c->drops % 100 == 0))
        s_log(c, "worker %s (#%llu) %s; %u unit%s back in the queue (%llu workers dropped so "
              "far)", w->host, (unsigned long long)w->uid, why, w->outstanding,
              w->outstanding == 1 ? "" : "s", (unsigned long long)c->drops);
    uint64_t uid = w->uid;
    free(w->jobs_sent);
    size_t idx = (size_t)(w - c->workers);
    c->workers[idx] = c->workers[--c->n_workers];
    for (size_t ji = 0; ji < c->n_jobs; ji++) {
        s_job_t *j = c->jobs[ji];
        for (size_t i = 0; i < j->n_leases;) {
            if (j->leases[i].worker == uid) {
                uint64_t u = j->leases[i].unit;
                /* a worker that dies holding several units does not say
                 * which one killed it: each becomes a suspect and runs
                 * alone from then on; a death charges only a unit that ran
                 * alone */
                int alone = j->leases[i].exclusive;
                if (charge && !alone)
                    *s_slot_suspect(j, u) = 1;
                j->leases[i] = j->leases[--j->n_leases];
                s_unit_failed(c, j, u, "worker lost", charge && alone);
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
        s_worker_drop(c, w, "re-registered", 0); /* a READY again is not an attempt */
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
    /* about 2 units per thread is what a worker asks; more than 4 per
     * thread would only hoard units others could run */
    uint32_t most = w->threads > 256 ? 1024 : 4 * w->threads;
    w->credit = r->credit < 1 ? 1 : (r->credit > most ? most : r->credit);
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
    /* a list (and every unit of a dump_all job) returns each feasible point;
     * a range its local front, which is empty only when nothing is feasible */
    if ((unit->kind == DSE_UNIT_LIST || j->ej->job->dump_all) &&
        r->rows.n != r->counters.feasible) {
        snprintf(why, size, "%zu rows for %llu feasible points", r->rows.n,
                 (unsigned long long)r->counters.feasible);
        return 0;
    }
    if (r->rows.n == 0 && r->counters.feasible > 0) {
        snprintf(why, size, "no rows, but %llu feasible points",
                 (unsigned long long)r->counters.feasible);
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

/* ------------------------------------------------------- result checks */

/* Layers whose points the coordinator evaluates slower than this (its own
 * calibration) are not re-evaluated: the checks must stay cheap on the
 * loop. */
#define S_CHECK_MIN_RATE 1000.0
/* Rows re-evaluated per result at most: all of a local front, a sample of
 * a list's or a dump_all unit's every feasible point. */
#define S_CHECK_ROWS 64

static int s_close(double a, double b)
{
    return a == b || fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

/* The point at position pos (< points) of a unit. */
static uint64_t s_unit_point_at(const s_job_t *j, const dse_unit_t *u, uint64_t pos)
{
    if (u->kind == DSE_UNIT_LIST)
        return u->indices[pos];
    if (u->kind == DSE_UNIT_RANGE)
        return u->lo + pos;
    dse_perm_t perm;
    dse_perm_init(&perm, j->ej->job->layers[u->layer].space->size, u->key);
    return dse_perm_at(&perm, u->lo + pos);
}

/* Re-evaluates a result with the job's own analytic model (deterministic
 * and cheap): its returned rows (all of them up to S_CHECK_ROWS, else a
 * seeded sample), whose metrics and interface class must be the model's,
 * and one seeded point of the unit, which,
 * when feasible, some returned row of its class must match or beat on
 * every objective (a worker's rows are its unit's local front, or every
 * feasible point). Returns 1 when they agree, or 0 with why. A measured
 * evaluator (not deterministic) would not be checked this way. */
static int s_verify_result(s_job_t *j, const dse_unit_t *unit, uint64_t slot,
                           const dse_msg_result_t *r, char *why, size_t size)
{
    const dse_evaljob_t *ej = j->ej;
    const dse_hwmodel_t *m = ej->job->model;
    size_t width = r->rows.width;
    dse_front_t *f = dse_evaljob_front_new(ej);
    uint64_t h = dse_mix64(ej->job->seed ^ (j->id << 48) ^ slot ^ (j->checked << 20));
    int ok = 1;
    dse_counters_t cnt = {0};
    /* every row of a small result (a local front is small), else a sample */
    size_t n_check = r->rows.n < S_CHECK_ROWS ? r->rows.n : S_CHECK_ROWS;
    for (size_t c_ = 0; c_ < n_check && ok; c_++) {
        size_t i = r->rows.n <= S_CHECK_ROWS ? c_ : (size_t)(dse_mix64(h + 2 + c_) % r->rows.n);
        uint64_t idx = r->rows.index[i];
        dse_front_clear(f);
        memset(&cnt, 0, sizeof cnt);
        dse_eval_points(ej, unit->layer, 0, 0, &idx, 1, f, NULL, &cnt, NULL);
        j->checked++;
        if (cnt.feasible != 1 || dse_front_size(f) != 1) {
            snprintf(why, size, "point %llu was returned as feasible; the model finds it "
                     "infeasible", (unsigned long long)idx);
            ok = 0;
        } else if (dse_front_cin(f, 0) != r->rows.cin[i] || dse_front_cout(f, 0) != r->rows.cout[i]) {
            snprintf(why, size, "point %llu: interface class differs from the model's",
                     (unsigned long long)idx);
            ok = 0;
        } else {
            const double *row = dse_front_row(f, 0);
            for (size_t k = 0; k < width && ok; k++)
                if (!s_close(row[k], r->rows.metrics[i * width + k])) {
                    snprintf(why, size, "point %llu: %s = %.17g, the model gives %.17g",
                             (unsigned long long)idx, m->metrics[k].name,
                             r->rows.metrics[i * width + k], row[k]);
                    ok = 0;
                }
        }
    }
    if (ok) {
        dse_front_clear(f);
        memset(&cnt, 0, sizeof cnt);
        uint64_t idx = s_unit_point_at(j, unit, dse_mix64(h + 1) % dse_unit_points(unit));
        dse_eval_points(ej, unit->layer, 0, 0, &idx, 1, f, NULL, &cnt, NULL);
        j->checked++;
        if (cnt.feasible == 1 && dse_front_size(f) == 1) {
            const double *p = dse_front_row(f, 0);
            const int *obj = dse_front_obj(f);
            size_t n_obj = dse_front_n_obj(f);
            int covered = 0;
            for (size_t i = 0; i < r->rows.n && !covered; i++) {
                if (r->rows.cin[i] != dse_front_cin(f, 0) || r->rows.cout[i] != dse_front_cout(f, 0))
                    continue;
                covered = 1;
                for (size_t o = 0; o < n_obj && covered; o++) {
                    double x = r->rows.metrics[i * width + (size_t)obj[o]], y = p[obj[o]];
                    covered = x <= y || s_close(x, y);
                }
            }
            if (!covered) {
                snprintf(why, size, "point %llu of the unit is feasible and no returned row "
                         "matches or beats it", (unsigned long long)idx);
                ok = 0;
            }
        }
    }
    dse_front_destroy(&f);
    return ok;
}

static int s_peer_banned(const dse_coord_t *c, const dse_peer_t *p)
{
    for (size_t i = 0; i < c->n_bad_peers; i++)
        if (c->bad_peers[i].len == p->len && memcmp(c->bad_peers[i].bytes, p->bytes, p->len) == 0)
            return 1;
    return 0;
}

/* A worker whose rows disagree with the model: it gets no more units (its
 * connection is refused from now on), its units go back to the queue
 * uncharged, and the job's summary names it. */
static void s_worker_quarantine(dse_coord_t *c, s_job_t *j, s_worker_t *w, const char *why)
{
    char line[DSE_WIRE_MAX_HOST + 320];
    snprintf(line, sizeof line, "%s #%llu: %.256s", w->host, (unsigned long long)w->uid, why);
    s_log(c, "job %llu: worker %s; quarantined: it gets no more units and its units are "
          "issued again", (unsigned long long)j->id, line);
    j->bad = dse_xgrow(j->bad, sizeof *j->bad, j->n_bad + 1, &j->cap_bad);
    j->bad[j->n_bad++] = dse_xstrdup(line);
    c->bad_peers = dse_xgrow(c->bad_peers, sizeof *c->bad_peers, c->n_bad_peers + 1,
                             &c->cap_bad_peers);
    c->bad_peers[c->n_bad_peers++] = w->peer;
    if (c->auth) /* with keys, its key too: a new connection would not do */
        dse_auth_ban(c->auth, w->peer.user);
    s_worker_drop(c, w, "quarantined", 0);
}

/* Refuses a RESULT or FAIL that its sender holds no lease for (never
 * registered, declared dead since, a unit it was not given, a stale epoch):
 * only the holder of a unit's current lease may settle it. Logged now and
 * then so that a noisy peer cannot flood the log. */
static void s_unleased(dse_coord_t *c, const char *what, const s_worker_t *w, uint64_t wire_unit)
{
    c->unleased++;
    /* the first few of each kind (RESULT or FAIL, from a worker or not) */
    uint64_t *kind = &c->unleased_kind[(what[0] == 'F') * 2 + (w != NULL)];
    if (++*kind <= 5 || c->unleased % 1000 == 0)
        s_log(c, "refused a %s for unit %llu from %s: it holds no lease on it (%llu so far)",
              what, (unsigned long long)wire_unit,
              w ? w->host : "a peer that is not a registered worker",
              (unsigned long long)c->unleased);
}

/* The job and slot a message names, with the sender's lease taken (the
 * worker's count of outstanding units released). NULL when there is no
 * such lease. */
static s_job_t *s_take_lease(dse_coord_t *c, s_worker_t *w, uint64_t wire_unit, uint32_t epoch,
                             uint64_t *slot)
{
    if (!w)
        return NULL;
    s_job_t *j = s_job_find(c, wire_unit >> S_UNIT_BITS);
    if (!j)
        return NULL;
    uint64_t u = wire_unit & S_UNIT_MASK;
    if (!s_slot_valid(j, u))
        return NULL;
    for (size_t i = 0; i < j->n_leases; i++)
        if (j->leases[i].unit == u && j->leases[i].worker == w->uid &&
            j->leases[i].epoch == epoch) {
            if (j->leases[i].exclusive && w->exclusive > 0)
                w->exclusive--;
            j->leases[i] = j->leases[--j->n_leases];
            if (w->outstanding > 0)
                w->outstanding--;
            *slot = u;
            return j;
        }
    return NULL;
}

/* Merges a slot's rows and counters, and settles it: a unit's rows go to
 * the search, a piece's are gathered with its unit's other pieces (see
 * s_piece_settled). A measured job's rows are kept whatever the per-layer
 * constraints (so that they can be cached): they are checked here. */
static void s_merge(s_job_t *j, uint64_t slot, const dse_unit_t *unit,
                    const dse_wire_counters_t *cn, size_t n, const uint64_t *index,
                    const int64_t *cin, const int64_t *cout, const double *metrics, size_t width)
{
    const dse_job_t *job = j->ej->job;
    dse_counters_t *pl = &j->per_layer[unit->layer];
    uint64_t dropped = 0;
    /* the rows kept: the model's rows are final; a measured job's are
     * copied without those its constraints reject */
    uint64_t *kidx = NULL;
    int64_t *kcin = NULL, *kcout = NULL;
    double *km = NULL;
    if (job->evaluator) {
        kidx = dse_xcalloc(n + 1, sizeof *kidx);
        kcin = dse_xcalloc(n + 1, sizeof *kcin);
        kcout = dse_xcalloc(n + 1, sizeof *kcout);
        km = dse_xcalloc(n * width + 1, sizeof *km);
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            const double *row = metrics + i * width;
            if (!dse_eval_keep(job, row)) {
                dse_eval_tally(job, 1, row, &pl->why); /* the constraint it breaks */
                dropped++;
                continue;
            }
            kidx[kept] = index[i], kcin[kept] = cin[i], kcout[kept] = cout[i];
            memcpy(km + kept * width, row, width * sizeof *row);
            kept++;
        }
        n = kept, index = kidx, cin = kcin, cout = kcout, metrics = km;
    }
    dse_front_t *f = j->fronts[unit->layer];
    s_split_t *sp = s_is_piece(slot) ? s_split_find(j, j->pieces[slot & ~S_PIECE_BIT].unit) : NULL;
    for (size_t i = 0; i < n; i++) {
        const double *row = metrics + i * width;
        dse_front_insert(f, index[i], cin[i], cout[i], row);
        if (j->all)
            dse_front_push(j->all[unit->layer], index[i], cin[i], cout[i], row);
        if (sp && unit->kind == DSE_UNIT_LIST)
            dse_front_push(sp->rows, index[i], cin[i], cout[i], row);
        else if (sp)
            dse_front_insert(sp->rows, index[i], cin[i], cout[i], row);
    }
    pl->evaluated += cn->evaluated;
    pl->feasible += cn->feasible - dropped;
    pl->infeasible += cn->infeasible + dropped;
    pl->skipped += cn->skipped;
    dse_why_merge(&pl->why, &cn->why);
    /* progress counts points done: a skipped point is as done as an evaluated one */
    j->evaluated += cn->evaluated + cn->skipped;
    if (sp) {
        j->pieces[slot & ~S_PIECE_BIT].state = S_DONE;
        s_piece_settled(j, slot & ~S_PIECE_BIT);
    } else {
        s_unit_settled(j, slot, n, index, cin, cout, metrics);
    }
    free(kidx), free(kcin), free(kcout), free(km);
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
        uint64_t idx = s_slot_point(j, &unit);
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
        int finite = dse_eval_finite(job, metrics);
        if (finite)
            cn.feasible = 1;
        else
            cn.infeasible = 1;
        j->cached++;
        if (finite)
            dse_verify_record(j->verify, unit.layer, idx, 0, "cache", metrics);
        s_merge(j, u, &unit, &cn, finite, &idx, &ci, &co, metrics, width);
    }
}

static void s_on_result(dse_coord_t *c, s_worker_t *w, dse_msg_result_t *r, double now)
{
    uint64_t u;
    s_job_t *j = s_take_lease(c, w, r->unit, r->epoch, &u);
    if (!j) {
        /* a job that finished or was cancelled is no fault of the worker */
        if (!w || s_job_find(c, r->unit >> S_UNIT_BITS))
            s_unleased(c, "RESULT", w, r->unit);
        return;
    }
    if (*s_slot_state(j, u) != S_PENDING)
        return; /* a copy of a unit merged already */
    dse_unit_t unit;
    s_slot_unit(j, u, &unit);
    char why[256];
    if (!s_check_result(j, &unit, r, why, sizeof why)) {
        /* a worker that cannot evaluate a unit says FAIL; a RESULT that does
         * not add up is the worker's fault, not the unit's: the unit goes
         * back uncharged and the worker is dropped (it may register again) */
        if (c->drops < 30)
            s_log(c, "worker %s (#%llu): bad RESULT for unit %llu: %s", w->host,
                  (unsigned long long)w->uid, (unsigned long long)u, why);
        s_unit_failed(c, j, u, why, 0);
        dse_peer_t peer = w->peer;
        s_worker_drop(c, w, "sent a bad RESULT", 0);
        s_send_peer(c, c->wsock, &peer, DSE_MSG_DISCONNECT);
        s_job_check_done(c, j, now);
        return;
    }
    int64_t ve = s_verify_entry(j, u);
    if (ve >= 0) { /* a re-measurement: compared, not merged */
        char who[300];
        snprintf(who, sizeof who, "%s #%llu", w->host, (unsigned long long)w->uid);
        int st = dse_verify_check(j->verify, (size_t)ve, w->uid, who,
                                  r->rows.n ? r->rows.metrics : NULL);
        if (st == DSE_VERIFY_DISAGREE) {
            const dse_verified_t *v = &dse_verify_results(j->verify)[ve];
            s_log(c, "job %llu: verify: point %llu of layer '%s' measured by %s and again by %s "
                  "disagree: %s %g against %g", (unsigned long long)j->id,
                  (unsigned long long)v->point, j->ej->job->layers[v->layer].name, v->first,
                  v->second, v->metric, v->a, v->b);
        }
        *s_slot_state(j, u) = S_DONE;
        j->done++;
        s_job_check_done(c, j, now);
        return;
    }
    /* a measured job's rows are not the model's: they are not checked against it */
    const dse_job_t *job = j->ej->job;
    if (!job->evaluator && j->rate && j->rate[unit.layer] >= S_CHECK_MIN_RATE &&
        !s_verify_result(j, &unit, u, r, why, sizeof why)) {
        s_unit_failed(c, j, u, why, 0);
        s_worker_quarantine(c, j, w, why);
        s_job_check_done(c, j, now);
        return;
    }
    if (job->evaluator) {
        j->measured += r->counters.evaluated;
        char who[300];
        snprintf(who, sizeof who, "%s #%llu", w->host, (unsigned long long)w->uid);
        for (size_t i = 0; j->verify && i < r->rows.n; i++)
            if (dse_eval_finite(job, r->rows.metrics + i * r->rows.width))
                dse_verify_record(j->verify, unit.layer, r->rows.index[i], w->uid, who,
                                  r->rows.metrics + i * r->rows.width);
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
    size_t k = 0;
    while (k < j->n_seen && j->seen[k] != w->uid)
        k++;
    if (k == j->n_seen) {
        j->seen = dse_xgrow(j->seen, sizeof *j->seen, j->n_seen + 1, &j->cap_seen);
        j->seen[j->n_seen++] = w->uid;
    }
    s_job_check_done(c, j, now);
}

static void s_on_fail(dse_coord_t *c, s_worker_t *w, dse_msg_fail_t *f, double now)
{
    uint64_t u;
    s_job_t *j = s_take_lease(c, w, f->unit, f->epoch, &u);
    if (!j) {
        if (s_job_find(c, f->unit >> S_UNIT_BITS))
            s_unleased(c, "FAIL", w, f->unit);
        return;
    }
    if (c->o.verbose)
        s_log(c, "worker %s failed unit %llu of job %llu: %s", w->host, (unsigned long long)u,
              (unsigned long long)j->id, f->message);
    s_unit_failed(c, j, u, f->message, 1);
    s_job_check_done(c, j, now);
}

static void s_on_worker_msg(dse_coord_t *c, double now)
{
    dse_peer_t peer;
    dse_msg_t msg;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_msg_recv_as(c->wsock, c->auth ? dse_role_user_prefix(DSE_ROLE_WORKER) : NULL,
                             &peer, &msg, &err);
    if (rc == DSE_EPROTO) {
        s_proto_error(c, "worker", &err);
        return;
    }
    if (rc)
        return;
    if (s_peer_banned(c, &peer)) { /* a quarantined worker: ignored */
        dse_msg_release(&msg);
        return;
    }
    s_worker_t *w = s_worker_find(c, &peer);
    if (w)
        w->last_seen = now;
    switch (msg.cmd) {
    case DSE_MSG_READY:
        s_on_ready(c, &peer, &msg.ready, now);
        break;
    case DSE_MSG_RESULT:
        s_on_result(c, w, &msg.result, now);
        if (!w) /* from a worker we declared dead: not merged; it is to re-register */
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
            s_worker_drop(c, w, "left", 0);
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

/* At most this many SUBMITs built at once; more are refused at once. */
#define S_MAX_PENDING 4

/* Builds and calibrates a submitted job, off the coordinator's loop. */
static void *s_build_thread(void *arg)
{
    s_pending_t *pj = arg;
    dse_error_t err = DSE_ERROR_INIT;
    double *rate = NULL;
    int rc = dse_evaljob_from_text(pj->config, strlen(pj->config), &pj->ej, &err);
    if (rc == 0) {
        const dse_job_t *job = pj->ej->job;
        double unit_s = job->unit_seconds > 0 ? job->unit_seconds : pj->unit_seconds;
        rate = dse_xcalloc(job->n_layers + 1, sizeof *rate);
        for (size_t l = 0; l < job->n_layers && rc == 0; l++) {
            if (atomic_load(&pj->cancel))
                rc = dse_error_set(&err, DSE_EINTR, NULL, 0, 0, "the coordinator is stopping");
            else /* measured jobs: units of one point (a rate of 0), and nothing run here */
                rate[l] = job->evaluator ? 0 : dse_eval_rate(pj->ej, l);
        }
        if (rc == 0)
            rc = dse_search_new(pj->ej, unit_s, rate, &pj->search, &err);
    }
    if (rc) {
        dse_error_format(&err, pj->error, sizeof pj->error);
        dse_evaljob_destroy(&pj->ej);
        free(rate);
        rate = NULL;
    }
    pj->rate = rate;
    pj->rc = rc;
    atomic_store(&pj->finished, 1);
    return NULL;
}

static void s_pending_free(s_pending_t *pj)
{
    free(pj->rate);
    dse_search_destroy(&pj->search);
    dse_evaljob_destroy(&pj->ej);
    free(pj->config);
    free(pj);
}

/* A SUBMIT starts a build thread; the job starts when it is ready. */
static void s_on_submit(dse_coord_t *c, const dse_peer_t *p, dse_msg_submit_t *s, double now)
{
    if (c->n_pending >= S_MAX_PENDING) {
        char buf[200];
        snprintf(buf, sizeof buf, "the coordinator is preparing %zu jobs already: submit again "
                 "in a moment", c->n_pending);
        s_client_error(c, p, buf);
        return;
    }
    s_pending_t *pj = dse_xcalloc(1, sizeof *pj);
    pj->client = *p;
    pj->config = s->config; /* taken over from the message */
    s->config = NULL;
    pj->unit_seconds = c->o.unit_seconds;
    pj->submitted = now;
    if (pthread_create(&pj->thread, NULL, s_build_thread, pj) != 0) {
        s_client_error(c, p, "the coordinator cannot start a thread to prepare the job");
        s_pending_free(pj);
        return;
    }
    c->pending = dse_xgrow(c->pending, sizeof *c->pending, c->n_pending + 1, &c->cap_pending);
    c->pending[c->n_pending++] = pj;
}

/* A built job becomes a running one: its state, the ACCEPT to its client
 * (or an ERROR when the cache a measured job needs cannot be opened). */
static void s_job_start(dse_coord_t *c, s_pending_t *pj, double now)
{
    dse_error_t err = DSE_ERROR_INIT;
    if (pj->ej->job->evaluator && !c->cache && c->o.cache_dir && *c->o.cache_dir &&
        !(c->cache = dse_mcache_open(c->o.cache_dir, &err))) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        s_client_error(c, &pj->client, buf);
        return; /* the caller frees pj with its job */
    }
    dse_evaljob_t *ej = pj->ej;
    dse_search_t *search = pj->search;
    pj->ej = NULL;
    pj->search = NULL;
    s_job_t *j = dse_xcalloc(1, sizeof *j);
    j->id = ++c->next_job_id;
    j->client = pj->client;
    j->client_seen = now;
    j->ej = ej;
    j->search = search;
    j->rate = pj->rate;
    pj->rate = NULL;
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
    j->verify = dse_verify_new(ej->job);
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
    dse_msg_send(c->csock, &j->client, &m);
    if (c->o.verbose)
        s_log(c, "job %llu '%s' accepted: %zu layers, %llu units (prepared in %.2f s)",
              (unsigned long long)j->id, ej->job->name, nl,
              (unsigned long long)dse_search_n_units(search), now - pj->submitted);
    s_job_check_done(c, j, now);
}

/* Starts the jobs whose build finished, or tells their clients why not. */
static void s_pending_poll(dse_coord_t *c, double now)
{
    for (size_t i = 0; i < c->n_pending;) {
        s_pending_t *pj = c->pending[i];
        if (!atomic_load(&pj->finished)) {
            i++;
            continue;
        }
        pthread_join(pj->thread, NULL);
        c->pending[i] = c->pending[--c->n_pending];
        if (pj->rc)
            s_client_error(c, &pj->client, pj->error);
        else
            s_job_start(c, pj, now);
        s_pending_free(pj);
    }
}

static void s_on_client_msg(dse_coord_t *c, double now)
{
    dse_peer_t peer;
    dse_msg_t msg;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_msg_recv_as(c->csock, c->auth ? dse_role_user_prefix(DSE_ROLE_CLIENT) : NULL,
                             &peer, &msg, &err);
    if (rc == DSE_EPROTO) {
        s_proto_error(c, "client", &err);
        return;
    }
    if (rc)
        return;
    switch (msg.cmd) {
    case DSE_MSG_SUBMIT:
        s_on_submit(c, &peer, &msg.submit, now);
        break;
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
            s_worker_drop(c, w, "missed its heartbeats: declared dead", 1); /* swaps in the last */
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
                if (w && l->exclusive && w->exclusive > 0)
                    w->exclusive--;
                *l = j->leases[--j->n_leases];
                s_log(c, "job %llu: unit %llu outstanding too long: issued again",
                      (unsigned long long)j->id, (unsigned long long)u);
                s_unit_failed(c, j, u, "lease expired", 1);
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
            if (s_verify_tick(c, j, now))
                continue; /* finished: removed */
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

int dse_endpoint_is_local(const char *ep)
{
    if (strncmp(ep, "ipc://", 6) == 0 || strncmp(ep, "inproc://", 9) == 0)
        return 1;
    if (strncmp(ep, "tcp://", 6) != 0)
        return 0;
    const char *h = ep + 6;
    return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost:", 10) == 0 ||
           strncmp(h, "[::1]:", 6) == 0;
}

dse_coord_t *dse_coord_new(const dse_coord_opts_t *o, dse_error_t *err)
{
    /* the one place the bind policy lives: without keys nothing is
     * authenticated, so a port beyond this host is opened only when asked */
    const char *eps[2] = {o->worker_bind, o->client_bind};
    for (int i = 0; i < 2; i++)
        if (!dse_endpoint_is_local(eps[i]) && !o->insecure && !o->keys_dir) {
            dse_error_set(err, DSE_EINVAL, NULL, 0, 0,
                          "refusing to bind %s: it is reachable beyond this host, and without "
                          "--keys the coordinator authenticates no one, so anyone who reaches "
                          "it could register workers and submit or cancel jobs. Give --keys DIR "
                          "(see dse-keygen), bind 127.0.0.1 or ipc://, or give --insecure on a "
                          "network only trusted hosts can reach", eps[i]);
            return NULL;
        }
    /* the ZAP handler first: a CURVE socket that binds without one
     * accepts every key */
    dse_auth_t *auth = NULL;
    if (o->keys_dir && !(auth = dse_auth_new(o->keys_dir, "dse-coordinator", o->verbose, err)))
        return NULL;
    dse_coord_t *c = dse_xcalloc(1, sizeof *c);
    c->auth = auth;
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
    if (c->auth) {
        dse_auth_server(c->auth, c->wsock, DSE_ROLE_WORKER);
        dse_auth_server(c->auth, c->csock, DSE_ROLE_CLIENT);
    }
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

void dse_coord_allowed(const dse_coord_t *c, size_t *workers, size_t *clients)
{
    *workers = c->auth ? dse_auth_allowed(c->auth, DSE_ROLE_WORKER) : 0;
    *clients = c->auth ? dse_auth_allowed(c->auth, DSE_ROLE_CLIENT) : 0;
}

int dse_coord_run(dse_coord_t *c)
{
    zpoller_t *poller = zpoller_new(c->wsock, c->csock, NULL);
    int tick = (int)(c->o.heartbeat_s * 250);
    if (tick < 10)
        tick = 10;
    while (!(c->o.stop && *c->o.stop)) {
        /* while a job is being prepared, look for it often */
        void *which = zpoller_wait(poller, c->n_pending ? 2 : tick);
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
        s_pending_poll(c, now);
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
    /* a build stops between layers' calibrations */
    for (size_t i = 0; i < c->n_pending; i++)
        atomic_store(&c->pending[i]->cancel, 1);
    for (size_t i = 0; i < c->n_pending; i++) {
        pthread_join(c->pending[i]->thread, NULL);
        s_pending_free(c->pending[i]);
    }
    free(c->pending);
    free(c->bad_peers);
    while (c->n_jobs)
        s_job_remove(c, c->jobs[c->n_jobs - 1]);
    free(c->jobs);
    for (size_t i = 0; i < c->n_workers; i++)
        free(c->workers[i].jobs_sent);
    free(c->workers);
    zsock_destroy(&c->wsock);
    zsock_destroy(&c->csock);
    /* after the sockets: without its handler a CURVE socket accepts any key */
    dse_auth_destroy(&c->auth);
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
