/* coord.c - the coordinator engine: workers, leases, jobs, clients. */
#include "coordinator/coord.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/journal.h"
#include "coordinator/mcache.h"
#include "config/evaluator.h"
#include "coordinator/verify.h"
#include "core/auth.h"
#include "outputs/outputs.h"
#include "core/space.h"
#include "core/transport.h"
#include "core/util.h"
#include "core/wire.h"
#include "hwmodels/hwmodel.h"
#include "core/perm.h"
#include "search/search.h"
#include "eval/eval.h"
#include "eval/measure.h"

#define S_UNIT_BITS DSE_WIRE_UNIT_BITS /* core/wire.h */
#define S_UNIT_MASK DSE_WIRE_UNIT_MASK
#define S_MAX_CAPS 16
/* A slot is what a lease holds and a WORK message names: a unit of the
 * search (its number), or, with this bit set, a piece of a unit that was
 * split after failing too often (an index into the job's pieces). Unit
 * numbers stay below 2^39 (DSE_SEARCH_MAX_UNITS). */
#define S_PIECE_BIT (1ULL << 39)

/* S_SPLIT: the slot failed max_attempts times and was cut in halves, which
 * run as pieces; a unit is done when its last piece settles. */
enum { S_PENDING = 0, S_DONE = 1, S_QUARANTINED = 2, S_SPLIT = 3 };
/* A worker's hungry list: no unit out, or some but room for more. */
enum { S_IDLE = 0, S_PARTIAL = 1 };

typedef struct {
    uint64_t unit;   /* the unit it is part of */
    uint64_t lo, hi; /* positions (range, shuffled) or offsets into the indices (list) */
    uint8_t state, attempts, suspect, nlease;
} s_piece_t;

/* A unit being run as pieces: its pieces' rows gathered for the search. */
typedef struct {
    uint64_t unit;
    uint64_t open; /* pieces not settled yet */
    dse_front_t *rows;
} s_split_t;

typedef struct s_job s_job_t;

/* The end of a lease-pool chain, and "in no heap". */
#define S_NIL UINT32_MAX

/* A lease a worker holds: its job, and the lease's index in the job's pool. */
typedef struct {
    s_job_t *job;
    uint32_t lease;
} s_held_t;

/* A job this worker has the text of, and whether it returned results for it. */
typedef struct {
    uint64_t job;
    int returned;
} s_sent_t;

/* A registered worker. Each is allocated alone (its address is stable while
 * it is registered) and sits in: the coordinator's array (at idx), a hash
 * chain (by routing id), the list of workers by last message
 * (oldest first, for the heartbeat check), and, while it has room for more
 * units, one of two hungry lists (idle: no unit; partial: some). So no
 * message costs a scan over all workers. */
typedef struct s_worker {
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
    s_sent_t *jobs_sent; /* jobs whose text this worker has */
    size_t n_jobs_sent, cap_jobs_sent;
    s_held_t *held; /* its leases, outstanding of them */
    size_t cap_held;
    size_t idx;                           /* in the coordinator's array */
    struct s_worker *peer_next;            /* hash chain */
    struct s_worker *seen_prev, *seen_next;
    struct s_worker *hprev, *hnext;
    int hlist; /* S_IDLE, S_PARTIAL or -1 */
} s_worker_t;

/* A lease, in its job's pool. Live leases are found by epoch (a hash of
 * chains through enext), sit in the job's deadline heap, and, while they
 * are their unit's only copy, in the job's heap of end-phase candidates
 * (oldest issue first). twin links a lease and its end-phase copy. */
typedef struct {
    uint64_t unit;
    s_worker_t *w; /* its holder (a worker's leases end before it is freed) */
    uint32_t epoch;
    int exclusive; /* a suspect unit, the only one its worker holds */
    double issued, deadline;
    uint32_t enext; /* epoch chain; the free list when not live */
    uint32_t held;  /* position in its worker's held array */
    uint32_t dpos, rpos, twin;
    int live;
} s_lease_t;

struct s_job {
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
    uint8_t *nlease;   /* leases out per unit */
    s_lease_t *lp;     /* the lease pool */
    size_t n_lp, cap_lp;
    uint32_t free_lp;
    size_t n_leases;   /* live ones */
    uint32_t *ebucket; /* by epoch: heads of chains */
    size_t n_ebucket;
    uint32_t *dheap, *rheap; /* by deadline; end-phase candidates by issue */
    size_t n_dheap, cap_dheap, n_rheap, cap_rheap;
    uint64_t done;
    dse_quarantined_t *quar;
    size_t n_quar, cap_quar;
    uint64_t reissued;
    uint32_t epoch;
    size_t n_seen; /* workers that returned results */
    uint64_t done_points; /* points done: evaluated or skipped (the progress message's
                             `evaluated`); per_layer[].evaluated counts evaluated ones */
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
    /* restored from the journal: its submitted text, and whether it still
     * waits for a client to submit that text again (orphan) with its
     * results held back when it finished meanwhile (held) */
    char *text;
    int orphan, held;
    int search_over;      /* the search proposed its last unit */
    /* [evaluator] verify: the sampled points run as one-point units from
     * verify_first, verify_map[unit - verify_first] naming each one's sample
     * entry (coordinator/verify.h) */
    dse_verify_t *verify;
    int verify_started;
    uint64_t verify_first, n_verify_units;
    size_t *verify_map;
    double verify_alone_since; /* a sampled point has had no other worker to go to since */
};

/* A SUBMIT being prepared (its text parsed, the job and its model built,
 * its rates calibrated, its search built) by an actor of its own (a czmq
 * zactor), so that a job slow to prepare stalls neither the loop nor its
 * heartbeats: the loop polls the actor's pipe beside its sockets and admits
 * the job when the actor says it is ready. The actor writes only the
 * fields below `submitted` and touches nothing else of the coordinator;
 * the loop reads them once the pipe has said so. */
typedef struct {
    zactor_t *actor;
    atomic_int cancel;
    dse_peer_t client;
    char *config;
    double unit_seconds;
    double unit_s; /* what the search was built with (the job's, else the coordinator's) */
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
    s_worker_t **workers;
    size_t n_workers, cap_workers;
    atomic_size_t registered; /* n_workers, for other threads */
    s_worker_t **by_peer; /* hash chains by routing id; n_buckets, a power of 2 */
    size_t n_buckets;
    uint64_t peer_seed;
    s_worker_t *seen_head, *seen_tail; /* by last message, oldest first */
    s_worker_t *hungry_head[2], *hungry_tail[2];
    double drained_at; /* when the loop last found no message waiting */
    char first_host[DSE_WIRE_MAX_HOST + 1]; /* the first worker's host */
    int multi_host;                          /* a worker has come from another */
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
    s_pending_t **pending; /* in the order submitted */
    size_t n_pending, cap_pending;
    zpoller_t *poller; /* the two sockets and the pending actors' pipes, while running */
    dse_mcache_t *cache; /* measured points; opened for the first measured job */
    dse_journal_t *journal; /* --state: NULL without, and while the journal is replayed */
    int replaying;
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

/* A journal write failed: said once, the journal is off from then on. */
static void s_journal_rc(dse_coord_t *c, int rc, const dse_error_t *err)
{
    if (rc)
        s_log(c, "%s: %s", err->file, err->msg);
}

/* ------------------------------------------------------------------- workers */

static size_t s_peer_bucket(const dse_coord_t *c, const dse_peer_t *p)
{
    return (size_t)dse_hash64(p->bytes, p->len, c->peer_seed) & (c->n_buckets - 1);
}

static s_worker_t *s_worker_find(dse_coord_t *c, const dse_peer_t *p)
{
    if (!c->n_buckets)
        return NULL;
    for (s_worker_t *w = c->by_peer[s_peer_bucket(c, p)]; w; w = w->peer_next)
        if (w->peer.len == p->len && memcmp(w->peer.bytes, p->bytes, p->len) == 0)
            return w;
    return NULL;
}

static void s_hash_insert(dse_coord_t *c, s_worker_t *w)
{
    size_t b = s_peer_bucket(c, &w->peer);
    w->peer_next = c->by_peer[b];
    c->by_peer[b] = w;
}

static void s_hash_remove(dse_coord_t *c, s_worker_t *w)
{
    s_worker_t **pp = &c->by_peer[s_peer_bucket(c, &w->peer)];
    while (*pp != w)
        pp = &(*pp)->peer_next;
    *pp = w->peer_next;
}

/* Room in the hash tables for one more worker: at most one per bucket on
 * average. */
static void s_hash_reserve(dse_coord_t *c)
{
    if (c->n_workers + 1 <= c->n_buckets)
        return;
    free(c->by_peer);
    c->n_buckets = c->n_buckets ? 2 * c->n_buckets : 64;
    c->by_peer = dse_xcalloc(c->n_buckets, sizeof *c->by_peer);
    for (size_t i = 0; i < c->n_workers; i++)
        s_hash_insert(c, c->workers[i]);
}

/* The list of workers by last message: w moves to its end (now is never
 * earlier than any worker's last_seen, so the list stays in order). */
static void s_seen_unlink(dse_coord_t *c, s_worker_t *w)
{
    if (w->seen_prev)
        w->seen_prev->seen_next = w->seen_next;
    else if (c->seen_head == w)
        c->seen_head = w->seen_next;
    if (w->seen_next)
        w->seen_next->seen_prev = w->seen_prev;
    else if (c->seen_tail == w)
        c->seen_tail = w->seen_prev;
    w->seen_prev = w->seen_next = NULL;
}

static void s_worker_touch(dse_coord_t *c, s_worker_t *w, double now)
{
    w->last_seen = now;
    if (c->seen_tail == w)
        return;
    s_seen_unlink(c, w);
    w->seen_prev = c->seen_tail;
    if (c->seen_tail)
        c->seen_tail->seen_next = w;
    else
        c->seen_head = w;
    c->seen_tail = w;
}

/* Puts a worker in the hungry list its units out call for (none when it
 * is full or holds a suspect unit alone). Called whenever its outstanding,
 * exclusive or credit change. */
static void s_worker_sync(dse_coord_t *c, s_worker_t *w)
{
    int want = (w->exclusive || w->outstanding >= w->credit) ? -1
             : w->outstanding == 0                          ? S_IDLE
                                                             : S_PARTIAL;
    if (want == w->hlist)
        return;
    if (w->hlist >= 0) {
        int l = w->hlist;
        if (w->hprev)
            w->hprev->hnext = w->hnext;
        else
            c->hungry_head[l] = w->hnext;
        if (w->hnext)
            w->hnext->hprev = w->hprev;
        else
            c->hungry_tail[l] = w->hprev;
        w->hprev = w->hnext = NULL;
    }
    w->hlist = want;
    if (want < 0)
        return;
    w->hprev = c->hungry_tail[want];
    if (w->hprev)
        w->hprev->hnext = w;
    else
        c->hungry_head[want] = w;
    c->hungry_tail[want] = w;
}

/* Moves a worker in a hungry list to that list's end. */
static void s_hungry_rotate(dse_coord_t *c, s_worker_t *w)
{
    int l = w->hlist;
    if (l < 0 || !w->hnext)
        return;
    if (w->hprev)
        w->hprev->hnext = w->hnext;
    else
        c->hungry_head[l] = w->hnext;
    w->hnext->hprev = w->hprev;
    w->hnext = NULL;
    w->hprev = c->hungry_tail[l];
    c->hungry_tail[l]->hnext = w;
    c->hungry_tail[l] = w;
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

static void s_send_worker(dse_coord_t *c, const s_worker_t *w, const dse_msg_view_t *m)
{
    dse_msg_send(c->wsock, &w->peer, m);
}

static void s_send_peer(dse_coord_t *c, zsock_t *sock, const dse_peer_t *p, int cmd)
{
    (void)c;
    dse_msg_view_t m = {.cmd = cmd};
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
    free(j->nlease);
    free(j->lp);
    free(j->ebucket);
    free(j->dheap);
    free(j->rheap);
    for (size_t i = 0; i < j->n_quar; i++)
        free(j->quar[i].error);
    free(j->quar);
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
    free(j->text);
    dse_verify_destroy(&j->verify);
    free(j->verify_map);
    dse_search_destroy(&j->search);
    dse_evaljob_destroy(&j->ej);
    free(j);
}

static void s_lease_end(dse_coord_t *c, s_job_t *j, uint32_t i);

static void s_job_remove(dse_coord_t *c, s_job_t *j)
{
    dse_error_t jerr = DSE_ERROR_INIT;
    s_journal_rc(c, dse_journal_end(c->journal, j->id, &jerr), &jerr);
    /* leases held by workers are released, and the workers told to drop the job */
    for (size_t i = 0; i < j->n_lp; i++)
        if (j->lp[i].live)
            s_lease_end(c, j, (uint32_t)i);
    dse_msg_view_t m = {.cmd = DSE_MSG_CANCEL};
    m.cancel.job = j->id;
    for (size_t i = 0; i < c->n_workers; i++) {
        s_worker_t *w = c->workers[i];
        for (size_t k = 0; k < w->n_jobs_sent; k++)
            if (w->jobs_sent[k].job == j->id) {
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

/* ------------------------------------------------------------------ leases */

static uint8_t *s_slot_nlease(s_job_t *j, uint64_t slot)
{
    return s_is_piece(slot) ? &j->pieces[slot & ~S_PIECE_BIT].nlease : &j->nlease[slot];
}

static size_t s_unit_leases(s_job_t *j, uint64_t u)
{
    return *s_slot_nlease(j, u);
}

static uint32_t s_lease_by_epoch(const s_job_t *j, uint32_t epoch)
{
    if (!j->n_ebucket)
        return S_NIL;
    uint32_t i = j->ebucket[dse_mix64(epoch) & (j->n_ebucket - 1)];
    while (i != S_NIL && j->lp[i].epoch != epoch)
        i = j->lp[i].enext;
    return i;
}

static void s_epoch_link(s_job_t *j, uint32_t i)
{
    uint32_t *head = &j->ebucket[dse_mix64(j->lp[i].epoch) & (j->n_ebucket - 1)];
    j->lp[i].enext = *head;
    *head = i;
}

/* The two heaps: 0 by deadline, 1 (end-phase candidates) by issue time;
 * ties by epoch. */
static int s_heap_less(const s_job_t *j, int h, uint32_t a, uint32_t b)
{
    const s_lease_t *x = &j->lp[a], *y = &j->lp[b];
    double kx = h ? x->issued : x->deadline, ky = h ? y->issued : y->deadline;
    return kx < ky || (kx == ky && x->epoch < y->epoch);
}

static uint32_t *s_heap_pos(s_job_t *j, int h, uint32_t i)
{
    return h ? &j->lp[i].rpos : &j->lp[i].dpos;
}

static void s_heap_set(s_job_t *j, int h, size_t pos, uint32_t i)
{
    (h ? j->rheap : j->dheap)[pos] = i;
    *s_heap_pos(j, h, i) = (uint32_t)pos;
}

static void s_heap_up(s_job_t *j, int h, size_t pos)
{
    uint32_t *a = h ? j->rheap : j->dheap, i = a[pos];
    while (pos > 0 && s_heap_less(j, h, i, a[(pos - 1) / 2])) {
        s_heap_set(j, h, pos, a[(pos - 1) / 2]);
        pos = (pos - 1) / 2;
    }
    s_heap_set(j, h, pos, i);
}

static void s_heap_down(s_job_t *j, int h, size_t pos)
{
    uint32_t *a = h ? j->rheap : j->dheap, i = a[pos];
    size_t n = h ? j->n_rheap : j->n_dheap;
    for (;;) {
        size_t k = 2 * pos + 1;
        if (k >= n)
            break;
        if (k + 1 < n && s_heap_less(j, h, a[k + 1], a[k]))
            k++;
        if (!s_heap_less(j, h, a[k], i))
            break;
        s_heap_set(j, h, pos, a[k]);
        pos = k;
    }
    s_heap_set(j, h, pos, i);
}

static void s_heap_push(s_job_t *j, int h, uint32_t i)
{
    if (h) {
        j->rheap = dse_xgrow(j->rheap, sizeof *j->rheap, j->n_rheap + 1, &j->cap_rheap);
        j->rheap[j->n_rheap++] = i;
        s_heap_up(j, h, j->n_rheap - 1);
    } else {
        j->dheap = dse_xgrow(j->dheap, sizeof *j->dheap, j->n_dheap + 1, &j->cap_dheap);
        j->dheap[j->n_dheap++] = i;
        s_heap_up(j, h, j->n_dheap - 1);
    }
}

static void s_heap_remove(s_job_t *j, int h, uint32_t i)
{
    uint32_t *pp = s_heap_pos(j, h, i);
    if (*pp == S_NIL)
        return;
    size_t pos = *pp;
    *pp = S_NIL;
    uint32_t *a = h ? j->rheap : j->dheap;
    size_t *n = h ? &j->n_rheap : &j->n_dheap;
    uint32_t last = a[--*n];
    if (pos == *n)
        return;
    s_heap_set(j, h, pos, last);
    s_heap_up(j, h, pos);
    s_heap_down(j, h, *s_heap_pos(j, h, last));
}

/* A lease ends (its result came, it failed, expired, its worker or its job
 * went): it leaves the job's tables and its worker's, which gets room for
 * another unit. When it had an end-phase twin still out on a pending unit,
 * that twin is again its unit's only copy, and a candidate for copying. */
static void s_lease_end(dse_coord_t *c, s_job_t *j, uint32_t i)
{
    s_lease_t *l = &j->lp[i];
    assert(l->live);
    uint32_t *pp = &j->ebucket[dse_mix64(l->epoch) & (j->n_ebucket - 1)];
    while (*pp != i)
        pp = &j->lp[*pp].enext;
    *pp = l->enext;
    s_heap_remove(j, 0, i);
    s_heap_remove(j, 1, i);
    s_worker_t *w = l->w;
    s_held_t last = w->held[--w->outstanding];
    w->held[l->held] = last;
    last.job->lp[last.lease].held = l->held;
    if (l->exclusive && w->exclusive > 0)
        w->exclusive--;
    uint8_t *nl = s_slot_nlease(j, l->unit);
    assert(*nl > 0);
    (*nl)--;
    if (l->twin != S_NIL) {
        s_lease_t *t = &j->lp[l->twin];
        t->twin = S_NIL;
        if (*nl == 1 && *s_slot_state(j, t->unit) == S_PENDING && t->rpos == S_NIL &&
            !j->ej->job->evaluator)
            s_heap_push(j, 1, l->twin);
    }
    l->live = 0;
    l->enext = j->free_lp;
    j->free_lp = i;
    j->n_leases--;
    s_worker_sync(c, w);
}

/* A new lease of slot u to w; copy_of is the lease it copies in the end
 * phase, or S_NIL. Returns its index in the pool. */
static uint32_t s_lease_new(dse_coord_t *c, s_job_t *j, s_worker_t *w, uint64_t u,
                            uint32_t copy_of, double now, double timeout)
{
    if (j->n_leases + 1 > j->n_ebucket) { /* rehash: about one lease per chain */
        free(j->ebucket);
        j->n_ebucket = j->n_ebucket ? 2 * j->n_ebucket : 64;
        j->ebucket = dse_xmalloc(j->n_ebucket * sizeof *j->ebucket);
        memset(j->ebucket, 0xff, j->n_ebucket * sizeof *j->ebucket);
        for (size_t k = 0; k < j->n_lp; k++)
            if (j->lp[k].live)
                s_epoch_link(j, (uint32_t)k);
    }
    uint32_t i = j->free_lp;
    if (i != S_NIL) {
        j->free_lp = j->lp[i].enext;
    } else {
        assert(j->n_lp < S_NIL);
        j->lp = dse_xgrow(j->lp, sizeof *j->lp, j->n_lp + 1, &j->cap_lp);
        i = (uint32_t)j->n_lp++;
        j->lp[i].live = 0;
    }
    /* epochs name leases on the wire: one that wrapped around must not
     * name a lease still out */
    do
        ++j->epoch;
    while (j->epoch == 0 || s_lease_by_epoch(j, j->epoch) != S_NIL);
    s_lease_t *l = &j->lp[i];
    memset(l, 0, sizeof *l);
    l->unit = u;
    l->w = w;
    l->epoch = j->epoch;
    l->issued = now;
    l->deadline = now + timeout;
    l->exclusive = *s_slot_suspect(j, u) != 0;
    l->dpos = l->rpos = l->twin = S_NIL;
    l->live = 1;
    s_epoch_link(j, i);
    j->n_leases++;
    s_heap_push(j, 0, i);
    uint8_t *nl = s_slot_nlease(j, u);
    assert(*nl < UINT8_MAX);
    (*nl)++;
    if (copy_of != S_NIL) {
        s_heap_remove(j, 1, copy_of);
        j->lp[copy_of].twin = i;
        l->twin = copy_of;
    } else if (*nl == 1 && !j->ej->job->evaluator) {
        s_heap_push(j, 1, i);
    }
    w->held = dse_xgrow(w->held, sizeof *w->held, (size_t)w->outstanding + 1, &w->cap_held);
    l->held = w->outstanding;
    w->held[w->outstanding++] = (s_held_t){j, i};
    w->exclusive += (uint32_t)l->exclusive;
    s_worker_sync(c, w);
    return i;
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
    p->nlease = 0;
    p->suspect = 1; /* part of a unit that failed: run alone, so a death is its own */
    return S_PIECE_BIT | j->n_pieces++;
}

/* Cuts a slot that reached its attempt limit in halves, queued at the
 * front, so that one point that kills workers costs only itself. */
static void s_slot_split(dse_coord_t *c, s_job_t *j, uint64_t slot, const char *why)
{
    dse_error_t jerr = DSE_ERROR_INIT;
    s_journal_rc(c, dse_journal_split(c->journal, j->id, slot, &jerr), &jerr);
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
    if (!c->replaying)
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

static void s_slot_quarantine(dse_coord_t *c, s_job_t *j, uint64_t slot, const dse_unit_t *u,
                              unsigned tries, const char *why);

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
    s_slot_quarantine(c, j, slot, &unit, *attempts, why);
}

/* A one-point slot that reached its attempt limit is settled as
 * quarantined (a measured point: infeasible, with its reason). */
static void s_slot_quarantine(dse_coord_t *c, s_job_t *j, uint64_t slot, const dse_unit_t *u,
                              unsigned tries, const char *why)
{
    dse_error_t jerr = DSE_ERROR_INIT;
    s_journal_rc(c, dse_journal_quarantine(c->journal, j->id, slot, tries, why, &jerr), &jerr);
    dse_unit_t unit = *u;
    *s_slot_state(j, slot) = S_QUARANTINED;
    uint64_t point = s_slot_point(j, &unit);
    j->quar = dse_xgrow(j->quar, sizeof *j->quar, j->n_quar + 1, &j->cap_quar);
    dse_quarantined_t *q = &j->quar[j->n_quar++];
    q->layer = unit.layer;
    q->lo = point;
    q->hi = point + 1;
    q->attempts = tries;
    q->error = dse_xstrdup(why);
    if (j->ej->job->evaluator) {
        /* a measured point that failed every attempt: infeasible, its
         * reason kept for failures.csv */
        j->per_layer[unit.layer].evaluated++;
        j->per_layer[unit.layer].infeasible++;
        j->done_points++;
        if (!c->replaying)
            s_log(c, "job %llu: point %llu of layer '%s' failed %u time%s: %s",
                  (unsigned long long)j->id, (unsigned long long)point,
                  j->ej->job->layers[unit.layer].name, tries, tries == 1 ? "" : "s", why);
    } else if (!c->replaying) {
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
    if (j->orphan)
        return;
    uint32_t alive = 0;
    for (size_t i = 0; i < c->n_workers; i++)
        alive += s_worker_can(c->workers[i], j->ej->job->model->name);
    dse_msg_view_t m = {.cmd = DSE_MSG_PROGRESS};
    m.progress.job = j->id;
    m.progress.evaluated = j->done_points;
    m.progress.total = dse_search_budget(j->search);
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
        alive += s_worker_can(c->workers[i], j->ej->job->model->name);
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
    if (j->orphan) { /* restored and finished before its client came back: kept for it */
        j->held = 1;
        return;
    }
    s_send_progress(c, j, now);
    for (size_t i = 0; i < job->n_layers; i++) {
        dse_msg_view_t m = {.cmd = DSE_MSG_LAYER_FRONT};
        m.layer_front.job = j->id;
        m.layer_front.layer = (uint32_t)i;
        m.layer_front.counters = j->per_layer[i];
        /* with dump_all the client gets every feasible point and filters */
        const dse_front_t *f = j->all ? j->all[i] : j->fronts[i];
        m.layer_front.rows.width = (uint32_t)dse_front_width(f);
        m.layer_front.rows.front = f;
        dse_msg_send(c->csock, &j->client, &m);
    }
    dse_msg_view_t d = {.cmd = DSE_MSG_DONE};
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
    d.done.quarantined = j->quar; /* borrowed for the encoding */
    d.done.n_bad_workers = j->n_bad;
    d.done.bad_workers = dse_wire_strs(j->bad);
    d.done.workers_seen = (uint32_t)j->n_seen;
    d.done.wall = now - j->started;
    d.done.measured = j->measured;
    d.done.cached = j->cached;
    size_t nv = dse_verify_n(j->verify);
    dse_wire_verified_t *wv = dse_xcalloc(nv + 1, sizeof *wv); /* borrows vr's strings */
    const dse_verified_t *vr = dse_verify_results(j->verify);
    for (size_t i = 0; i < nv; i++) {
        wv[i].layer = vr[i].layer;
        wv[i].point = vr[i].point;
        wv[i].status = vr[i].status ? (uint32_t)vr[i].status : DSE_VERIFY_NOT;
        wv[i].first = vr[i].first;
        wv[i].second = vr[i].second;
        wv[i].metric = vr[i].metric;
        wv[i].note = vr[i].status ? vr[i].note : "not settled";
        wv[i].a = vr[i].a;
        wv[i].b = vr[i].b;
    }
    d.done.n_verified = nv;
    d.done.verified = wv;
    dse_msg_send(c->csock, &j->client, &d);
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
    j->nlease = dse_xrealloc(j->nlease, cap);
    memset(j->nlease + j->cap_units, 0, cap - j->cap_units);
    j->cap_units = cap;
}

static void s_resolve_local(dse_coord_t *c, s_job_t *j, uint64_t from, uint64_t to);

/* When every unit proposed so far has settled, the search proposes more,
 * or the job is finished. */
static uint64_t s_verify_start(dse_coord_t *c, s_job_t *j);

static void s_job_check_done(dse_coord_t *c, s_job_t *j, double now)
{
    while (!j->held && j->done + j->n_quar_units == dse_search_n_units(j->search)) {
        if (!j->search_over) {
            uint64_t slots = 0;
            for (size_t i = 0; i < c->n_workers; i++)
                slots += c->workers[i]->credit;
            uint64_t before = dse_search_n_units(j->search);
            uint64_t added = dse_search_advance(j->search, now - j->started, slots);
            if (added > 0) {
                /* the search's next round is journaled with what it was
                 * asked, so that a replay proposes the same units */
                dse_error_t jerr = DSE_ERROR_INIT;
                s_journal_rc(c, dse_journal_advance(c->journal, j->id, now - j->started, slots,
                                                    added, &jerr), &jerr);
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
        if (c->workers[i]->uid != uid && !c->workers[i]->quarantined &&
            s_worker_takes(c->workers[i], j))
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

static void s_issue(dse_coord_t *c, s_job_t *j, s_worker_t *w, uint64_t u, uint32_t copy_of,
                    double now)
{
    int sent = 0;
    for (size_t k = 0; k < w->n_jobs_sent && !sent; k++)
        sent = w->jobs_sent[k].job == j->id;
    if (!sent) {
        dse_msg_view_t m = {.cmd = DSE_MSG_JOB};
        m.job.digest = j->ej->digest;
        m.job.config = j->ej->canonical;
        s_send_worker(c, w, &m);
        w->jobs_sent = dse_xgrow(w->jobs_sent, sizeof *w->jobs_sent, w->n_jobs_sent + 1,
                                 &w->cap_jobs_sent);
        w->jobs_sent[w->n_jobs_sent++] = (s_sent_t){j->id, 0};
    }
    dse_unit_t unit;
    s_slot_unit(j, u, &unit);
    double timeout = c->o.lease_timeout_s > 0 ? c->o.lease_timeout_s
                                              : (60 > 40 * c->o.unit_seconds ? 60 : 40 * c->o.unit_seconds);
    const dse_evaluator_t *ev = j->ej->job->evaluator;
    if (ev) /* a measured unit: its points' timeouts, the kill's grace, and the messaging */
        timeout = ev->timeout * (double)dse_unit_points(&unit) + 2 + 3 * c->o.heartbeat_s;
    uint32_t li = s_lease_new(c, j, w, u, copy_of, now, timeout);
    dse_msg_view_t m = {.cmd = DSE_MSG_WORK};
    m.work.unit = (j->id << S_UNIT_BITS) | u;
    m.work.epoch = j->lp[li].epoch;
    m.work.digest = j->ej->digest;
    dse_unit_to_work(&unit, &m.work);
    s_send_worker(c, w, &m);
}

/* The job's oldest lease that may be copied in the end phase (its unit
 * pending, and its only copy), or S_NIL. Leases whose unit settled or was
 * split leave the heap here. */
static uint32_t s_reissue_top(s_job_t *j)
{
    while (j->n_rheap > 0) {
        uint32_t i = j->rheap[0];
        const s_lease_t *l = &j->lp[i];
        if (*s_slot_state(j, l->unit) == S_PENDING && s_unit_leases(j, l->unit) == 1)
            return i;
        s_heap_remove(j, 1, i);
    }
    return S_NIL;
}

/* Whether a copy on worker w can finish before the lease's own holder: on
 * another host it can; on the holder's own host only when the holder has
 * fallen silent (stopped, or its socket thread stuck), since a live holder
 * there runs at the speed the copy would, having started earlier, and a
 * copy would only take cores from it (local workers beyond the cores). */
static int s_holder_silent(const dse_coord_t *c, const s_worker_t *holder)
{
    /* as of the last time every waiting message was read (see s_timers) */
    return !holder || c->drained_at - holder->last_seen >= 1.5 * c->o.heartbeat_s;
}

static int s_copy_helps(const dse_coord_t *c, const s_worker_t *holder, const s_worker_t *w)
{
    return s_holder_silent(c, holder) || strcmp(holder->host, w->host) != 0;
}

/* Whether job j may give an end-phase copy to some worker now. */
static int s_reissue_ready(const dse_coord_t *c, s_job_t *j, double now)
{
    /* a copy of a measured unit would measure its point twice: a hung
     * one is re-issued at its lease's end instead */
    if (s_job_has_pending(j) || j->ej->job->evaluator)
        return 0;
    uint32_t i = s_reissue_top(j);
    /* with every worker on one host, only a silent holder's unit is worth
     * a copy (s_copy_helps), and no idle worker need be visited for more */
    return i != S_NIL && now - j->lp[i].issued >= c->o.unit_seconds &&
           (c->multi_host || s_holder_silent(c, j->lp[i].w));
}

/* End phase: an idle worker takes a copy of the oldest outstanding unit it
 * does not hold already, where the copy can help; whichever copy returns
 * first counts. */
static int s_reissue(dse_coord_t *c, s_worker_t *w, double now)
{
    s_job_t *best_job = NULL;
    uint32_t best = S_NIL;
    for (size_t ji = 0; ji < c->n_jobs; ji++) {
        s_job_t *j = c->jobs[ji];
        if (!s_reissue_ready(c, j, now) || !s_worker_takes(w, j))
            continue;
        uint32_t i = j->rheap[0];
        if (j->lp[i].w == w) /* an idle worker holds none; kept for safety */
            continue;
        if (!s_copy_helps(c, j->lp[i].w, w))
            continue;
        if (!best_job || j->lp[i].issued < best_job->lp[best].issued)
            best_job = j, best = i;
    }
    if (!best_job)
        return 0;
    uint64_t u = best_job->lp[best].unit;
    best_job->reissued++;
    s_issue(c, best_job, w, u, best, now);
    return 1;
}

/* Gives a worker units while it has credit: fresh or retried units of the
 * jobs in turn, or, when idle and no job has any, an end-phase copy. */
static void s_fill(dse_coord_t *c, s_worker_t *w, double now)
{
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
        s_issue(c, j, w, (uint64_t)u, S_NIL, now);
    }
}

/* Serves the hungry workers, idle ones first. Only workers with room are
 * visited, and the pass stops as soon as there is nothing any of the rest
 * could get: no job with units waiting and (for idle workers) no unit to
 * copy. So a pass costs the workers it serves, not the workers there are. */
/* Idle workers a scheduling pass visits in vain at most. */
#define S_IDLE_MISSES 64

static void s_schedule(dse_coord_t *c, double now)
{
    if (c->n_jobs == 0)
        return;
    int idle_misses = 0;
    for (int list = S_IDLE; list <= S_PARTIAL; list++) {
        s_worker_t *w = c->hungry_head[list];
        while (w) {
            /* filling w moves only w between the lists (to the end of the
             * partial one): its successor stays valid */
            s_worker_t *next = w->hnext;
            int any = 0;
            for (size_t k = 0; k < c->n_jobs && !any; k++)
                any = s_job_has_pending(c->jobs[k]) ||
                      (list == S_IDLE && s_reissue_ready(c, c->jobs[k], now));
            if (!any)
                break;
            uint32_t before = w->outstanding;
            s_fill(c, w, now);
            /* an idle worker that got nothing (no copy helps from its host,
             * or its tags take no waiting job): a pass visits a bounded
             * number of those, rotating them to the back for the next */
            if (list == S_IDLE && w->outstanding == before) {
                if (++idle_misses > S_IDLE_MISSES)
                    break;
                s_hungry_rotate(c, w);
            }
            w = next;
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
    /* its leases end first (each one's end touches the worker) */
    while (w->outstanding > 0) {
        s_held_t h = w->held[w->outstanding - 1];
        s_job_t *j = h.job;
        uint64_t u = j->lp[h.lease].unit;
        /* a worker that dies holding several units does not say which one
         * killed it: each becomes a suspect and runs alone from then on; a
         * death charges only a unit that ran alone */
        int alone = j->lp[h.lease].exclusive;
        if (charge && !alone)
            *s_slot_suspect(j, u) = 1;
        s_lease_end(c, j, h.lease);
        s_unit_failed(c, j, u, "worker lost", charge && alone);
    }
    w->exclusive = 0;
    w->credit = 0; /* out of the hungry lists */
    s_worker_sync(c, w);
    s_seen_unlink(c, w);
    s_hash_remove(c, w);
    c->workers[w->idx] = c->workers[--c->n_workers];
    c->workers[w->idx]->idx = w->idx;
    atomic_store(&c->registered, c->n_workers);
    free(w->jobs_sent);
    free(w->held);
    free(w);
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
    s_hash_reserve(c);
    c->workers = dse_xgrow(c->workers, sizeof *c->workers, c->n_workers + 1, &c->cap_workers);
    w = dse_xcalloc(1, sizeof *w);
    w->idx = c->n_workers;
    c->workers[c->n_workers++] = w;
    atomic_store(&c->registered, c->n_workers);
    w->hlist = -1;
    w->peer = *p;
    w->uid = ++c->next_worker_uid;
    s_hash_insert(c, w);
    snprintf(w->host, sizeof w->host, "%s", r->host);
    if (w->uid == 1)
        snprintf(c->first_host, sizeof c->first_host, "%s", w->host);
    else if (strcmp(c->first_host, w->host) != 0)
        c->multi_host = 1;
    w->threads = r->threads ? r->threads : 1;
    /* about 2 units per thread is what a worker asks; more than 4 per
     * thread would only hoard units others could run */
    uint32_t most = w->threads > 256 ? 1024 : 4 * w->threads;
    w->credit = r->credit < 1 ? 1 : (r->credit > most ? most : r->credit);
    s_worker_touch(c, w, now);
    s_worker_sync(c, w);
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
    uint32_t i = s_lease_by_epoch(j, epoch);
    if (i == S_NIL || j->lp[i].unit != u || j->lp[i].w != w)
        return NULL;
    s_lease_end(c, j, i);
    *slot = u;
    return j;
}

/* Merges a slot's rows and counters, and settles it: a unit's rows go to
 * the search, a piece's are gathered with its unit's other pieces (see
 * s_piece_settled). A measured job's rows are kept whatever the per-layer
 * constraints (so that they can be cached): they are checked here. */
static void s_merge(dse_coord_t *c, s_job_t *j, uint64_t slot, const dse_unit_t *unit,
                    const dse_counters_t *cn, size_t n, const uint64_t *index,
                    const int64_t *cin, const int64_t *cout, const double *metrics, size_t width)
{
    /* journaled as it came, before the measured rows are filtered: a replay
     * merges the same input the same way */
    dse_error_t jerr = DSE_ERROR_INIT;
    s_journal_rc(c, dse_journal_merge(c->journal, j->id, slot, cn, n, index, cin, cout, metrics,
                                      width, &jerr), &jerr);
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
    /* each front gets the rows in their order (their widths were checked) */
    dse_wire_rows_view_t rows = {.width = (uint32_t)width, .n = n, .index = index, .cin = cin,
                                 .cout = cout, .metrics = metrics};
    dse_error_t rerr = DSE_ERROR_INIT;
    int rrc = dse_wire_rows_to_front(&rows, f, DSE_WIRE_ROWS_INSERT, NULL, &rerr);
    if (!rrc && j->all)
        rrc = dse_wire_rows_to_front(&rows, j->all[unit->layer], DSE_WIRE_ROWS_PUSH, NULL, &rerr);
    if (!rrc && sp)
        rrc = dse_wire_rows_to_front(&rows, sp->rows, unit->kind == DSE_UNIT_LIST
                                                          ? DSE_WIRE_ROWS_PUSH
                                                          : DSE_WIRE_ROWS_INSERT, NULL, &rerr);
    assert(rrc == 0);
    pl->evaluated += cn->evaluated;
    pl->feasible += cn->feasible - dropped;
    pl->infeasible += cn->infeasible + dropped;
    pl->skipped += cn->skipped;
    dse_why_merge(&pl->why, &cn->why);
    /* progress counts points done: a skipped point is as done as an evaluated one */
    j->done_points += cn->evaluated + cn->skipped;
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
        dse_counters_t cn = {1, 0, 0, 0};
        if (!m->evaluate(j->ej->ctx[unit.layer], params, metrics)) {
            cn.infeasible = 1;
            dse_eval_tally(job, 0, metrics, &cn.why);
            s_merge(c, j, u, &unit, &cn, 0, NULL, NULL, NULL, NULL, width);
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
        s_merge(c, j, u, &unit, &cn, finite, &idx, &ci, &co, metrics, width);
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
    s_merge(c, j, u, &unit, &r->counters, r->rows.n, r->rows.index, r->rows.cin, r->rows.cout,
            r->rows.metrics, r->rows.width);
    /* a lease means the job's text went to w: it has an entry */
    for (size_t k = 0; k < w->n_jobs_sent; k++)
        if (w->jobs_sent[k].job == j->id) {
            if (!w->jobs_sent[k].returned)
                j->n_seen++;
            w->jobs_sent[k].returned = 1;
            break;
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
        s_worker_touch(c, w, now);
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
    dse_msg_view_t m = {.cmd = DSE_MSG_ERROR};
    m.error.message = text;
    dse_msg_send(c->csock, p, &m);
}

/* At most this many SUBMITs built at once; more are refused at once. */
#define S_MAX_PENDING 4

/* Prepares a submitted job: parsed, built (the model prepared), calibrated
 * layer by layer, its search built. Runs in the job's actor; stops between
 * layers' calibrations when the coordinator is stopping. */
static void s_prepare(s_pending_t *pj)
{
    dse_error_t err = DSE_ERROR_INIT;
    double *rate = NULL;
    int rc = dse_evaljob_from_text(pj->config, strlen(pj->config), 0, &pj->ej, &err);
    if (rc == 0) {
        const dse_job_t *job = pj->ej->job;
        double unit_s = job->unit_seconds > 0 ? job->unit_seconds : pj->unit_seconds;
        pj->unit_s = unit_s;
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
}

/* The actor of a SUBMIT: prepares it, says "prepared" on its pipe, then
 * waits for the $TERM of zactor_destroy. */
static void s_prepare_actor(zsock_t *pipe, void *arg)
{
    s_pending_t *pj = arg;
    zsock_signal(pipe, 0);
    s_prepare(pj);
    zstr_send(pipe, "prepared");
    for (;;) {
        char *cmd = zstr_recv(pipe);
        if (!cmd && zmq_errno() == EINTR) /* a signal: the stop comes as $TERM */
            continue;
        int term = !cmd || strcmp(cmd, "$TERM") == 0;
        zstr_free(&cmd);
        if (term)
            break;
    }
}

/* Ends the actor (waiting for it: when it is still preparing, until its
 * preparation returns) and frees what it prepared that was not taken. */
static void s_pending_free(dse_coord_t *c, s_pending_t *pj)
{
    if (pj->actor) {
        if (c->poller)
            zpoller_remove(c->poller, pj->actor);
        zactor_destroy(&pj->actor);
    }
    free(pj->rate);
    dse_search_destroy(&pj->search);
    dse_evaljob_destroy(&pj->ej);
    free(pj->config);
    free(pj);
}

/* A SUBMIT starts an actor that prepares the job; the loop admits the job
 * when it is ready (s_pending_poll). */
static void s_on_submit(dse_coord_t *c, const dse_peer_t *p, dse_msg_submit_t *s, double now)
{
    /* the text of a job restored from the journal: its client is back */
    for (size_t i = 0; i < c->n_jobs; i++) {
        s_job_t *j = c->jobs[i];
        if (!j->orphan || !s->config || strcmp(j->text, s->config) != 0)
            continue;
        j->orphan = 0;
        j->client = *p;
        j->client_seen = now;
        dse_msg_view_t m = {.cmd = DSE_MSG_ACCEPT};
        m.accept.job = j->id;
        m.accept.digest = j->ej->digest;
        dse_msg_send(c->csock, p, &m);
        s_log(c, "job %llu '%s' resumed by its client: %llu of %llu units merged already",
              (unsigned long long)j->id, j->ej->job->name,
              (unsigned long long)(j->done + j->n_quar_units),
              (unsigned long long)dse_search_n_units(j->search));
        if (j->held) {
            j->held = 0;
            s_job_finish(c, j, now);
        }
        return;
    }
    if (c->n_pending >= S_MAX_PENDING) {
        char buf[200];
        snprintf(buf, sizeof buf, "the coordinator is preparing %zu jobs already: submit again "
                 "in a moment", c->n_pending);
        s_client_error(c, p, buf);
        return;
    }
    s_pending_t *pj = dse_xcalloc(1, sizeof *pj);
    atomic_init(&pj->cancel, 0);
    pj->client = *p;
    pj->config = dse_msg_submit_take_config(s);
    pj->unit_seconds = c->o.unit_seconds;
    pj->submitted = now;
    pj->actor = zactor_new(s_prepare_actor, pj);
    if (!pj->actor) {
        s_client_error(c, p, "the coordinator cannot start a thread to prepare the job");
        s_pending_free(c, pj);
        return;
    }
    if (c->poller)
        zpoller_add(c->poller, pj->actor);
    c->pending = dse_xgrow(c->pending, sizeof *c->pending, c->n_pending + 1, &c->cap_pending);
    c->pending[c->n_pending++] = pj;
    if (c->o.verbose)
        s_log(c, "a job submitted: preparing it (%zu in preparation)", c->n_pending);
}

/* A job's state, added to the running jobs (its units not yet resolved). */
static s_job_t *s_job_create(dse_coord_t *c, uint64_t id, dse_evaljob_t *ej, dse_search_t *search,
                             double *rate, double now)
{
    s_job_t *j = dse_xcalloc(1, sizeof *j);
    j->id = id;
    j->client_seen = now;
    j->ej = ej;
    j->search = search;
    j->rate = rate;
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
    j->free_lp = S_NIL;
    j->verify = dse_verify_new(ej->job);
    s_job_grow(j);
    size_t nobj = ej->job->n_layer_objectives;
    j->hv_ref = dse_xcalloc(nl * nobj + 1, sizeof *j->hv_ref);
    j->hv_ideal = dse_xcalloc(nl * nobj + 1, sizeof *j->hv_ideal);
    j->hv_set = dse_xcalloc(nl, 1);
    j->started = now;
    c->jobs = dse_xgrow(c->jobs, sizeof *c->jobs, c->n_jobs + 1, &c->cap_jobs);
    c->jobs[c->n_jobs++] = j;
    return j;
}

/* Opens the cache a measured job needs, once. 0, or an error in err. */
static int s_need_cache(dse_coord_t *c, const dse_job_t *job, dse_error_t *err)
{
    if (job->evaluator && !c->cache && c->o.cache_dir && *c->o.cache_dir &&
        !(c->cache = dse_mcache_open(c->o.cache_dir, err)))
        return err->code ? err->code : DSE_EIO;
    return 0;
}

/* A built job becomes a running one: its state, the ACCEPT to its client
 * (or an ERROR when the cache a measured job needs cannot be opened). */
static void s_job_start(dse_coord_t *c, s_pending_t *pj, double now)
{
    dse_error_t err = DSE_ERROR_INIT;
    if (s_need_cache(c, pj->ej->job, &err) != 0) {
        char buf[1200];
        dse_error_format(&err, buf, sizeof buf);
        s_client_error(c, &pj->client, buf);
        return; /* the caller frees pj with its job */
    }
    dse_evaljob_t *ej = pj->ej;
    dse_search_t *search = pj->search;
    pj->ej = NULL;
    pj->search = NULL;
    s_job_t *j = s_job_create(c, ++c->next_job_id, ej, search, pj->rate, now);
    pj->rate = NULL;
    j->client = pj->client;
    size_t nl = ej->job->n_layers;
    /* journaled before any of its units is merged */
    s_journal_rc(c, dse_journal_job(c->journal, j->id, pj->config, pj->unit_s, j->rate, nl, &err),
                 &err);
    s_resolve_local(c, j, 0, dse_search_n_units(search));
    dse_msg_view_t m = {.cmd = DSE_MSG_ACCEPT};
    m.accept.job = j->id;
    m.accept.digest = ej->digest;
    dse_msg_send(c->csock, &j->client, &m);
    if (c->o.verbose)
        s_log(c, "job %llu '%s' accepted: %zu layers, %llu units (prepared in %.2f s)",
              (unsigned long long)j->id, ej->job->name, nl,
              (unsigned long long)dse_search_n_units(search), now - pj->submitted);
    s_job_check_done(c, j, now);
}

/* Admits the jobs whose actor said "prepared", or tells their clients why
 * not, in the order they were submitted. Job ids and the journal's records
 * are made here, on the loop, never by an actor. */
static void s_pending_poll(dse_coord_t *c, double now)
{
    for (size_t i = 0; i < c->n_pending;) {
        s_pending_t *pj = c->pending[i];
        zsock_t *pipe = zactor_sock(pj->actor);
        if (!(zsock_events(pipe) & ZMQ_POLLIN)) {
            i++;
            continue;
        }
        char *said = zstr_recv(pipe);
        zstr_free(&said);
        memmove(&c->pending[i], &c->pending[i + 1], (c->n_pending - i - 1) * sizeof *c->pending);
        c->n_pending--;
        if (pj->rc)
            s_client_error(c, &pj->client, pj->error);
        else
            s_job_start(c, pj, now);
        s_pending_free(c, pj);
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

/* ------------------------------------------------------------ journal replay */

typedef struct {
    dse_coord_t *c;
    uint64_t *dropped; /* jobs that could not be restored: ended in the journal after */
    size_t n_dropped, cap_dropped;
} s_replay_t;

/* A restored job that the journal does not fit (a build that proposes other
 * units, a damaged record that passed its checksum): dropped; its client's
 * SUBMIT starts it afresh. */
static int s_replay_drop(s_replay_t *rp, uint64_t id, const char *name, const char *why)
{
    dse_coord_t *c = rp->c;
    s_log(c, "job %llu '%s' cannot be restored from the journal (%s): dropped; it starts afresh "
          "when its client submits it again", (unsigned long long)id, name, why);
    s_job_t *j = s_job_find(c, id);
    if (j)
        s_job_remove(c, j);
    rp->dropped = dse_xgrow(rp->dropped, sizeof *rp->dropped, rp->n_dropped + 1,
                            &rp->cap_dropped);
    rp->dropped[rp->n_dropped++] = id;
    return 0;
}

/* A JOB record: the job rebuilt from its text, with the unit size and rates
 * its search was built with, so that it proposes the same units. */
static int s_replay_job(s_replay_t *rp, const dse_jrec_t *r, double now)
{
    dse_coord_t *c = rp->c;
    dse_evaljob_t *ej = NULL;
    dse_search_t *search = NULL;
    dse_error_t e = DSE_ERROR_INIT;
    if (dse_evaljob_from_text(r->text, strlen(r->text), 0, &ej, &e) != 0)
        return s_replay_drop(rp, r->job, "?", e.msg);
    if (r->n_rates != ej->job->n_layers || s_need_cache(c, ej->job, &e) != 0 ||
        dse_search_new(ej, r->unit_seconds, r->rates, &search, &e) != 0) {
        char name[128];
        snprintf(name, sizeof name, "%s", ej->job->name);
        dse_evaljob_destroy(&ej);
        return s_replay_drop(rp, r->job, name, e.code ? e.msg : "a rate per layer expected");
    }
    double *rate = dse_xcalloc(r->n_rates + 1, sizeof *rate);
    memcpy(rate, r->rates, r->n_rates * sizeof *rate);
    s_job_t *j = s_job_create(c, r->job, ej, search, rate, now);
    j->text = dse_xstrdup(r->text);
    j->orphan = 1;
    j->epoch = 1u << 31; /* leases of the coordinator that wrote the journal are not these */
    return 0;
}

/* A unit-level record must name a unit or piece the job has, still
 * pending. */
static int s_replay_slot_ok(s_job_t *j, uint64_t slot)
{
    return s_slot_valid(j, slot) && *s_slot_state(j, slot) == S_PENDING;
}

static int s_replay(void *ctx, const dse_jrec_t *r, dse_error_t *err)
{
    (void)err;
    s_replay_t *rp = ctx;
    dse_coord_t *c = rp->c;
    double now = dse_now();
    if (r->type == DSE_JREC_SEQ || r->type == DSE_JREC_JOB) {
        if (r->job > c->next_job_id)
            c->next_job_id = r->job;
        return r->type == DSE_JREC_JOB ? s_replay_job(rp, r, now) : 0;
    }
    s_job_t *j = s_job_find(c, r->job);
    if (!j)
        return 0; /* ended, or dropped earlier in the replay */
    const char *name = j->ej->job->name;
    dse_unit_t unit;
    switch (r->type) {
    case DSE_JREC_END:
        s_job_remove(c, j);
        break;
    case DSE_JREC_ADVANCE: {
        if (j->done + j->n_quar_units != dse_search_n_units(j->search))
            return s_replay_drop(rp, j->id, name, "a round proposed before the last settled");
        uint64_t added = dse_search_advance(j->search, r->elapsed, r->slots);
        if (added != r->added)
            return s_replay_drop(rp, j->id, name, "the search proposes other units");
        s_job_grow(j);
        j->started = now - r->elapsed;
        break;
    }
    case DSE_JREC_SPLIT:
        if (!s_replay_slot_ok(j, r->slot))
            return s_replay_drop(rp, j->id, name, "a split of a unit it does not have");
        s_slot_split(c, j, r->slot, "restored");
        break;
    case DSE_JREC_QUAR:
        if (!s_replay_slot_ok(j, r->slot))
            return s_replay_drop(rp, j->id, name, "a quarantine of a unit it does not have");
        s_slot_unit(j, r->slot, &unit);
        s_slot_quarantine(c, j, r->slot, &unit, r->attempts, r->why);
        break;
    case DSE_JREC_MERGE: {
        const dse_msg_result_t *res = r->result;
        if (!s_replay_slot_ok(j, r->slot))
            return s_replay_drop(rp, j->id, name, "a result of a unit it does not have");
        s_slot_unit(j, r->slot, &unit);
        uint64_t space = j->ej->job->layers[unit.layer].space->size;
        int ok = res->rows.width == j->ej->job->model->n_metrics;
        for (size_t i = 0; ok && i < res->rows.n; i++)
            ok = dse_unit_has(&unit, space, res->rows.index[i]);
        if (!ok)
            return s_replay_drop(rp, j->id, name, "a result whose rows do not fit its unit");
        s_merge(c, j, r->slot, &unit, &res->counters, res->rows.n, res->rows.index,
                res->rows.cin, res->rows.cout, res->rows.metrics, res->rows.width);
        break;
    }
    default:
        break;
    }
    return 0;
}

/* Opens the journal of --state and restores its jobs: each waits for its
 * client to submit its text again, and runs meanwhile. */
static int s_journal_open(dse_coord_t *c, dse_error_t *err)
{
    s_replay_t rp = {.c = c};
    dse_journal_info_t info;
    c->replaying = 1;
    dse_journal_t *jr = dse_journal_open(c->o.state_dir, s_replay, &rp, &info, err);
    c->replaying = 0;
    if (!jr) {
        free(rp.dropped);
        return err->code ? err->code : DSE_EIO;
    }
    if (info.dropped_bytes)
        s_log(c, "%s: cut a torn or corrupt tail: %llu bytes dropped after %llu good records "
              "(%s)", dse_journal_path(jr), (unsigned long long)info.dropped_bytes,
              (unsigned long long)info.records, info.why);
    c->journal = jr;
    for (size_t i = 0; i < rp.n_dropped; i++)
        s_journal_rc(c, dse_journal_end(jr, rp.dropped[i], err), err);
    free(rp.dropped);
    double now = dse_now();
    for (size_t i = 0; i < c->n_jobs; i++) {
        s_job_t *j = c->jobs[i];
        s_resolve_local(c, j, 0, dse_search_n_units(j->search));
        s_log(c, "job %llu '%s' restored from %s: %llu of %llu units merged; waiting for its "
              "client to submit it again", (unsigned long long)j->id, j->ej->job->name,
              dse_journal_path(jr), (unsigned long long)(j->done + j->n_quar_units),
              (unsigned long long)dse_search_n_units(j->search));
        j->client_seen = now;
    }
    return 0;
}

/* ------------------------------------------------------------------- timers */

static void s_timers(dse_coord_t *c, double now)
{
    double hb = c->o.heartbeat_s;
    if (now - c->last_heartbeat >= hb) {
        c->last_heartbeat = now;
        dse_msg_view_t m = {.cmd = DSE_MSG_HEARTBEAT};
        for (size_t i = 0; i < c->n_workers; i++)
            s_send_worker(c, c->workers[i], &m);
    }
    /* the workers silent longest come first; silent as of the last time
     * the loop had read every message waiting for it, so that a worker
     * whose heartbeats queue behind a backlog is not declared dead */
    while (c->seen_head && c->drained_at - c->seen_head->last_seen > hb * c->o.heartbeat_misses)
        s_worker_drop(c, c->seen_head, "missed its heartbeats: declared dead", 1);
    for (size_t ji = 0; ji < c->n_jobs; ji++) {
        s_job_t *j = c->jobs[ji];
        /* expired as of the last drain too: a result may be waiting */
        while (j->n_dheap > 0 && c->drained_at > j->lp[j->dheap[0]].deadline) {
            uint64_t u = j->lp[j->dheap[0]].unit;
            s_lease_end(c, j, j->dheap[0]);
            s_log(c, "job %llu: unit %llu outstanding too long: issued again",
                  (unsigned long long)j->id, (unsigned long long)u);
            s_unit_failed(c, j, u, "lease expired", 1);
        }
    }
    dse_error_t jerr = DSE_ERROR_INIT;
    s_journal_rc(c, dse_journal_tick(c->journal, now, &jerr), &jerr);
    if (now - c->last_progress >= (hb < 0.5 ? hb : 0.5)) {
        c->last_progress = now;
        for (size_t ji = 0; ji < c->n_jobs;) {
            s_job_t *j = c->jobs[ji];
            /* a client silent for long has gone: its job is dropped (a
             * restored job waits longer for its client to submit again) */
            if (now - j->client_seen > (j->orphan ? DSE_RESTORED_CLIENT_WAIT
                                                   : hb * c->o.heartbeat_misses * 2)) {
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
                    any = s_worker_takes(c->workers[i], j);
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
    /* a seed of the routing-id hash that a peer cannot guess */
    c->peer_seed = dse_mix64((uint64_t)(uintptr_t)c ^ (uint64_t)(dse_now() * 1e9));
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
        s_bind(c->csock, o->client_bind, c->cep, sizeof c->cep, err) ||
        (o->state_dir && *o->state_dir && s_journal_open(c, err) != 0)) {
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

size_t dse_coord_n_workers(const dse_coord_t *c)
{
    return atomic_load(&((dse_coord_t *)c)->registered);
}

void dse_coord_allowed(const dse_coord_t *c, size_t *workers, size_t *clients)
{
    *workers = c->auth ? dse_auth_allowed(c->auth, DSE_ROLE_WORKER) : 0;
    *clients = c->auth ? dse_auth_allowed(c->auth, DSE_ROLE_CLIENT) : 0;
}

int dse_coord_run(dse_coord_t *c)
{
    c->poller = zpoller_new(c->wsock, c->csock, NULL);
    for (size_t i = 0; i < c->n_pending; i++)
        zpoller_add(c->poller, c->pending[i]->actor);
    int tick = (int)(c->o.heartbeat_s * 250);
    if (tick < 10)
        tick = 10;
    c->drained_at = dse_now();
    while (!(c->o.stop && *c->o.stop)) {
        void *which = zpoller_wait(c->poller, tick);
        double now = dse_now();
        if (!which && !zpoller_terminated(c->poller))
            c->drained_at = now; /* nothing was waiting */
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
                if (!any) {
                    c->drained_at = now;
                    break;
                }
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
    zpoller_destroy(&c->poller);
    /* tell the workers and clients we are going */
    dse_msg_view_t m = {.cmd = DSE_MSG_DISCONNECT};
    for (size_t i = 0; i < c->n_workers; i++)
        s_send_worker(c, c->workers[i], &m);
    return 0;
}

void dse_coord_destroy(dse_coord_t **c_p)
{
    if (!c_p || !*c_p)
        return;
    dse_coord_t *c = *c_p;
    /* closed first: the jobs removed below are not ended in it, so that a
     * coordinator started again on the same --state resumes them */
    dse_journal_close(&c->journal);
    /* a preparation stops between layers' calibrations */
    for (size_t i = 0; i < c->n_pending; i++)
        atomic_store(&c->pending[i]->cancel, 1);
    for (size_t i = 0; i < c->n_pending; i++)
        s_pending_free(c, c->pending[i]);
    free(c->pending);
    free(c->bad_peers);
    while (c->n_jobs)
        s_job_remove(c, c->jobs[c->n_jobs - 1]);
    free(c->jobs);
    for (size_t i = 0; i < c->n_workers; i++) {
        free(c->workers[i]->jobs_sent);
        free(c->workers[i]->held);
        free(c->workers[i]);
    }
    free(c->workers);
    free(c->by_peer);
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
