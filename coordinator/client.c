/* client.c - submitting a job and collecting its fronts. */
#include "coordinator/client.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/transport.h"
#include "coordinator/coord.h"
#include "core/util.h"
#include "core/wire.h"
#include "hwmodels/hwmodel.h"

static void s_progress_line(const dse_msg_progress_t *p, double rate, int measured)
{
    double pct = p->total ? 100.0 * (double)p->evaluated / (double)p->total : 0;
    if (p->units_total && p->units_done == p->units_total)
        pct = 100;
    double left = rate > 0 && p->total > p->evaluated ? (double)(p->total - p->evaluated) / rate
                                                      : 0;
    char eta[32];
    if (rate <= 0)
        snprintf(eta, sizeof eta, "--");
    else if (left < 3600)
        snprintf(eta, sizeof eta, "%d:%02d", (int)left / 60, (int)left % 60);
    else
        snprintf(eta, sizeof eta, "%.1f h", left / 3600);
    const char *unit = "";
    double r = rate;
    if (r >= 1e6)
        r /= 1e6, unit = "M";
    else if (r >= 1e3)
        r /= 1e3, unit = "k";
    fprintf(stderr, "\r\033[K  %5.1f%%  %6.2f%s %spoints/s  ETA %s  %u worker%s  units %u/%u", pct,
            r, unit, measured ? "measured " : "", eta, p->workers_alive, p->workers_alive == 1 ? "" : "s", p->units_done,
            p->units_total);
    if (p->reissued)
        fprintf(stderr, " (%u re-issued)", p->reissued);
    if (p->hv == p->hv) /* not NaN */
        fprintf(stderr, "  hv %.4f", p->hv);
    fflush(stderr);
}

void dse_client_result_release(dse_client_result_t *res, size_t n_layers)
{
    for (size_t i = 0; i < n_layers; i++) {
        if (res->fronts)
            dse_front_destroy(&res->fronts[i]);
        if (res->all)
            dse_front_destroy(&res->all[i]);
    }
    free(res->fronts);
    free(res->all);
    free(res->per_layer);
    for (size_t i = 0; i < res->n_quarantined; i++)
        free(res->quarantined[i].error);
    free(res->quarantined);
    for (size_t i = 0; i < res->n_bad_workers; i++)
        free(res->bad_workers[i]);
    free(res->bad_workers);
    free(res->verified);
    memset(res, 0, sizeof *res);
}

static void s_reset(const dse_evaljob_t *ej, dse_client_result_t *res)
{
    size_t nl = ej->job->n_layers;
    dse_client_result_release(res, nl);
    res->fronts = dse_xcalloc(nl, sizeof *res->fronts);
    res->per_layer = dse_xcalloc(nl, sizeof *res->per_layer);
    for (size_t i = 0; i < nl; i++)
        res->fronts[i] = dse_evaljob_front_new(ej);
    if (ej->job->dump_all || ej->job->evaluator) {
        res->all = dse_xcalloc(nl, sizeof *res->all);
        for (size_t i = 0; i < nl; i++)
            res->all[i] = dse_evaljob_front_new(ej);
    }
}

/* "tcp://h:5556 (workers: tcp://h:5555)", for messages that name both */
static void s_where(const dse_client_opts_t *o, char *out, size_t size)
{
    if (o->worker_endpoint)
        snprintf(out, size, "%s (its client endpoint; workers connect to %s)", o->endpoint,
                 o->worker_endpoint);
    else
        snprintf(out, size, "%s (its client endpoint)", o->endpoint);
}

static zsock_t *s_submit(const dse_evaljob_t *ej, const dse_client_opts_t *o,
                         dse_handshake_watch_t **watch)
{
    zsock_t *s = zsock_new(ZMQ_DEALER);
    dse_sock_setup(s);
    zsock_set_linger(s, 0);
    zsock_set_sndtimeo(s, 0); /* a failed handshake leaves no pipe: never block on it */
    if (o->curve)
        dse_curve_client_apply(o->curve, s);
    *watch = dse_handshake_watch_new(s);
    if (zsock_connect(s, "%s", o->endpoint) != 0) {
        dse_handshake_watch_destroy(watch);
        zsock_destroy(&s);
        return NULL;
    }
    dse_msg_view_t m = {.cmd = DSE_MSG_SUBMIT};
    m.submit.config = ej->canonical;
    m.submit.dump_all = ej->job->dump_all;
    m.submit.verbose = o->verbose;
    dse_msg_send(s, NULL, &m);
    return s;
}

/* What dse_client_run's loop keeps from one turn to the next: the socket
 * and its handshake watch, the clocks of the link, the job the coordinator
 * gave, the rate shown on the progress line and the outcome so far. */
typedef struct {
    const dse_evaljob_t *ej;
    const dse_client_opts_t *o;
    dse_client_result_t *res;
    dse_error_t *err;
    zsock_t *sock;
    dse_handshake_watch_t *watch;
    double hb;
    int misses;
    double timeout;
    double now, last_seen, last_sent, silent_since, started;
    uint64_t job_id;
    int layers_got, drew, rc;
    double rate_t0;
    uint64_t rate_e0;
    double rate;
    size_t nl;
    char where[1200];
    double no_workers_since, last_wait_drawn;
    int said_no_workers, handshakes_closed;
} s_client_t;

/* On a stop request, cancels the job (unless it is kept) and says so in
 * c->rc; returns 1 when the loop must end. */
static int s_stop_requested(s_client_t *c)
{
    const dse_client_opts_t *o = c->o;
    if (!(o->stop && *o->stop))
        return 0;
    if (c->job_id && !o->keep_job) {
        dse_msg_view_t m = {.cmd = DSE_MSG_CANCEL};
        m.cancel.job = c->job_id;
        dse_msg_send(c->sock, NULL, &m);
        zclock_sleep(50); /* let the cancel leave */
    }
    c->rc = dse_error_set(c->err, DSE_EINTR, NULL, 0, 0, "interrupted: the job was %s",
                          o->keep_job ? "stopped" : "cancelled");
    return 1;
}

/* The job was accepted: keeps its id, warns when the digests differ. */
static void s_on_accept(s_client_t *c, const dse_msg_t *msg)
{
    c->job_id = msg->accept.job;
    if (strcmp(msg->accept.digest, c->ej->digest) != 0)
        fprintf(stderr, "dse-run: warning: the coordinator's digest differs\n");
    if (c->o->verbose)
        fprintf(stderr, "dse-run: job %llu accepted (%s)\n",
                (unsigned long long)c->job_id, msg->accept.digest);
}

/* Folds a progress report into the smoothed rate (at most once a second). */
static void s_update_rate(s_client_t *c, const dse_msg_progress_t *p)
{
    if (c->now - c->rate_t0 >= 1.0 || c->rate == 0) {
        double dt = c->now - c->rate_t0;
        if (dt > 0 && p->evaluated >= c->rate_e0) {
            double inst = (double)(p->evaluated - c->rate_e0) / dt;
            c->rate = c->rate > 0 ? 0.5 * c->rate + 0.5 * inst : inst;
        }
        c->rate_t0 = c->now;
        c->rate_e0 = p->evaluated;
    }
}

/* Tracks how long no worker has been connected; once that lasts
 * DSE_NO_WORKERS_SECONDS, says so (on the progress line, or once as a
 * message) and returns 1: the progress line is not drawn then. */
static int s_waiting_for_workers(s_client_t *c, const dse_msg_progress_t *p)
{
    const dse_client_opts_t *o = c->o;
    if (p->workers_alive) {
        c->no_workers_since = 0;
        c->said_no_workers = 0;
    } else if (c->no_workers_since == 0) {
        c->no_workers_since = c->now;
    }
    if (!(c->no_workers_since && c->now - c->no_workers_since >= DSE_NO_WORKERS_SECONDS))
        return 0;
    if (o->progress) {
        fprintf(stderr, "\r\033[K  waiting for workers: 0 connected%s%s",
                o->worker_endpoint ? " (they connect to " : "",
                o->worker_endpoint ? o->worker_endpoint : "");
        fprintf(stderr, "%s", o->worker_endpoint ? ")" : "");
        fflush(stderr);
        c->drew = 1;
    } else if (!c->said_no_workers && !o->quiet) {
        fprintf(stderr, "dse-run: waiting for workers: 0 connected%s%s%s\n",
                o->worker_endpoint ? " (they connect to " : "",
                o->worker_endpoint ? o->worker_endpoint : "",
                o->worker_endpoint ? ")" : "");
    }
    c->said_no_workers = 1;
    return 1;
}

/* A progress report of our job: the rate, the wait for workers, the line. */
static void s_on_progress(s_client_t *c, const dse_msg_progress_t *p)
{
    if (p->job != c->job_id)
        return;
    s_update_rate(c, p);
    if (s_waiting_for_workers(c, p))
        return;
    if (c->o->progress) {
        s_progress_line(p, c->rate, c->ej->job->evaluator != NULL);
        c->drew = 1;
    }
}

/* Adds one layer's front (and its counters) to the result; returns 1 when
 * its width is wrong, with c->rc set. */
static int s_on_layer_front(s_client_t *c, dse_msg_layer_front_t *lf)
{
    const dse_evaljob_t *ej = c->ej;
    dse_client_result_t *res = c->res;
    if (lf->job != c->job_id || lf->layer >= c->nl)
        return 0;
    size_t width = lf->rows.width;
    if (width != ej->job->model->n_metrics) {
        c->rc = dse_error_set(c->err, DSE_EPROTO, NULL, 0, 0, "layer front with %zu "
                              "metrics, expected %zu", width, ej->job->model->n_metrics);
        return 1;
    }
    /* the width was checked: these cannot fail */
    dse_wire_rows_view_t rows = dse_wire_rows_view(&lf->rows);
    dse_wire_rows_to_front(&rows, res->fronts[lf->layer], DSE_WIRE_ROWS_INSERT, NULL,
                           c->err);
    if (res->all)
        dse_wire_rows_to_front(&rows, res->all[lf->layer], DSE_WIRE_ROWS_PUSH, NULL,
                               c->err);
    res->per_layer[lf->layer] = lf->counters;
    c->layers_got++;
    return 0;
}

/* Copies DONE's verified points into the result; returns 1 when one names
 * a layer the job does not have. */
static int s_copy_verified(s_client_t *c, const dse_msg_done_t *d)
{
    dse_client_result_t *res = c->res;
    size_t nl = c->nl;
    int bad_layer = 0;
    res->n_verified = d->n_verified;
    res->verified = dse_xcalloc(d->n_verified + 1, sizeof *res->verified);
    for (size_t i = 0; i < d->n_verified; i++) {
        const dse_wire_verified_t *wv = &d->verified[i];
        dse_verified_t *v = &res->verified[i];
        bad_layer |= wv->layer >= nl;
        v->layer = wv->layer < nl ? wv->layer : 0;
        v->point = wv->point;
        v->status = (int)wv->status;
        snprintf(v->first, sizeof v->first, "%s", wv->first);
        snprintf(v->second, sizeof v->second, "%s", wv->second);
        snprintf(v->metric, sizeof v->metric, "%s", wv->metric);
        snprintf(v->note, sizeof v->note, "%s", wv->note);
        v->a = wv->a;
        v->b = wv->b;
    }
    return bad_layer;
}

/* Copies DONE's quarantined units into res->quarantined (s_on_done
 * allocates it); returns 1 when one names a layer the job does not have. */
static int s_copy_quarantined(s_client_t *c, const dse_msg_done_t *d)
{
    dse_client_result_t *res = c->res;
    size_t nl = c->nl;
    int bad_layer = 0;
    for (size_t i = 0; i < d->n_quarantined; i++) {
        bad_layer |= d->quarantined[i].layer >= nl;
        res->quarantined[i].layer = d->quarantined[i].layer < nl ? d->quarantined[i].layer : 0;
        res->quarantined[i].lo = d->quarantined[i].lo;
        res->quarantined[i].hi = d->quarantined[i].hi;
        res->quarantined[i].attempts = d->quarantined[i].attempts;
        res->quarantined[i].error = dse_xstrdup(d->quarantined[i].error);
    }
    return bad_layer;
}

/* The job is done: copies its totals, bad workers, verified points and
 * quarantined units, and checks every layer's front came; sets c->rc and
 * returns 1 (the loop ends) for our job, 0 for another. */
static int s_on_done(s_client_t *c, const dse_msg_done_t *d)
{
    dse_client_result_t *res = c->res;
    size_t nl = c->nl;
    if (d->job != c->job_id)
        return 0;
    res->units = d->units;
    res->reissued = d->reissued;
    res->workers_seen = d->workers_seen;
    res->measured = d->measured;
    res->cached = d->cached;
    res->wall = c->now - c->started;
    res->n_quarantined = d->n_quarantined;
    res->quarantined = dse_xcalloc(d->n_quarantined ? d->n_quarantined : 1,
                                   sizeof *res->quarantined);
    res->n_bad_workers = d->n_bad_workers;
    res->bad_workers = dse_xcalloc(d->n_bad_workers + 1, sizeof *res->bad_workers);
    for (size_t i = 0; i < d->n_bad_workers; i++)
        res->bad_workers[i] = dse_xstrdup(d->bad_workers[i]);
    int bad_layer = s_copy_verified(c, d);
    bad_layer |= s_copy_quarantined(c, d);
    if ((size_t)c->layers_got != nl)
        c->rc = dse_error_set(c->err, DSE_EPROTO, NULL, 0, 0, "the coordinator sent %d of "
                              "%zu layer fronts", c->layers_got, nl);
    else if (bad_layer)
        c->rc = dse_error_set(c->err, DSE_EPROTO, NULL, 0, 0, "the coordinator reported a "
                              "quarantined or verified point of a layer the job does not have");
    else
        c->rc = 0;
    return 1;
}

/* Acts on one message from the coordinator; returns 1 when the loop must
 * end (refused, a bad front, or done), with c->rc set. */
static int s_on_message(s_client_t *c, dse_msg_t *msg)
{
    switch (msg->cmd) {
    case DSE_MSG_ACCEPT:
        s_on_accept(c, msg);
        return 0;
    case DSE_MSG_ERROR:
        c->rc = dse_error_set(c->err, DSE_ECONFIG, NULL, 0, 0, "the coordinator refused the "
                              "job: %s", msg->error.message);
        return 1;
    case DSE_MSG_PROGRESS:
        s_on_progress(c, &msg->progress);
        return 0;
    case DSE_MSG_LAYER_FRONT:
        return s_on_layer_front(c, &msg->layer_front);
    case DSE_MSG_DONE:
        return s_on_done(c, &msg->done);
    default:
        return 0;
    }
}

enum { S_TURN_GO_ON, S_TURN_SKIP, S_TURN_END };

/* Reads the message waiting on the socket and acts on it: S_TURN_SKIP when
 * none could be read (the next turn starts at once), S_TURN_END when the
 * loop must end, S_TURN_GO_ON otherwise. */
static int s_receive(s_client_t *c)
{
    dse_msg_t msg;
    dse_error_t perr = DSE_ERROR_INIT;
    int mr = dse_msg_recv(c->sock, NULL, &msg, &perr);
    if (mr == DSE_EPROTO) {
        fprintf(stderr, "dse-run: dropped a malformed message: %s\n", perr.msg);
        return S_TURN_SKIP;
    }
    if (mr)
        return S_TURN_SKIP;
    c->last_seen = c->silent_since = c->now;
    c->handshakes_closed = 0;
    int finished = s_on_message(c, &msg);
    dse_msg_release(&msg);
    return finished ? S_TURN_END : S_TURN_GO_ON;
}

/* Nothing came: returns 1 (the loop ends, c->rc set) when the handshake
 * was refused, or closed again and again. */
static int s_handshake_failed(s_client_t *c)
{
    /* a refused key or a mismatched mechanism: say so now, not after
     * the timeout (the coordinator reads its keys only when it starts) */
    char why[1200];
    int hs = dse_handshake_watch_failed(c->watch, "client", c->o->curve, why, sizeof why);
    /* a connection closed in its handshake once may be a coordinator
     * going down; again and again, it is not */
    if (hs == 2 || (hs == 1 && ++c->handshakes_closed >= 5)) {
        c->rc = dse_error_set(c->err, DSE_EIO, NULL, 0, 0, "%s", why);
        return 1;
    }
    return 0;
}

/* Sends a heartbeat when one period has passed since the last. */
static void s_heartbeat(s_client_t *c)
{
    if (c->now - c->last_sent >= c->hb) {
        dse_msg_view_t m = {.cmd = DSE_MSG_HEARTBEAT};
        dse_msg_send(c->sock, NULL, &m);
        c->last_sent = c->now;
    }
}

/* On a terminal, a countdown while the coordinator does not answer. */
static void s_draw_countdown(s_client_t *c)
{
    if (c->o->progress && c->now - c->silent_since >= 1.0 && c->now - c->last_wait_drawn >= 1.0) {
        double left = c->timeout - (c->now - c->silent_since);
        fprintf(stderr, "\r\033[K  waiting for the coordinator at %s: giving up in %.0f s",
                c->o->endpoint, left > 0 ? left : 0);
        fflush(stderr);
        c->last_wait_drawn = c->now;
        c->drew = 1;
    }
}

/* The coordinator has been silent longer than patience: gives up after
 * the full timeout, else submits again on a fresh connection. Returns 1
 * (c->rc set) when the loop must end. */
static int s_resubmit_if_silent(s_client_t *c, double patience)
{
    if (!(c->now - c->last_seen > patience))
        return 0;
    if (c->now - c->silent_since >= c->timeout) {
        c->rc = dse_error_set(c->err, DSE_ETIMEDOUT, NULL, 0, 0, "no answer from the "
                              "coordinator at %s for %.0f s (is it running? "
                              "dse-coordinator prints both of its endpoints)", c->where,
                              c->timeout);
        return 1;
    }
    /* the coordinator went away: submit again on a fresh connection */
    if (c->o->verbose)
        fprintf(stderr, "\ndse-run: coordinator silent; submitting again\n");
    dse_handshake_watch_destroy(&c->watch);
    zsock_destroy(&c->sock);
    s_reset(c->ej, c->res);
    c->layers_got = 0;
    c->job_id = 0;
    c->sock = s_submit(c->ej, c->o, &c->watch);
    c->last_seen = c->now;
    if (!c->sock) {
        c->rc = dse_error_set(c->err, DSE_EIO, NULL, 0, 0, "cannot connect to %s",
                              c->o->endpoint);
        return 1;
    }
    return 0;
}

/* One turn of the loop: waits up to 100 ms for a message and acts on it,
 * then keeps the link alive. Returns 1 when the loop must end. */
static int s_turn(s_client_t *c)
{
    if (s_stop_requested(c))
        return 1;
    zpoller_t *p = zpoller_new(c->sock, NULL);
    void *r = zpoller_wait(p, 100);
    zpoller_destroy(&p);
    c->now = dse_now();
    if (r) {
        int t = s_receive(c);
        if (t == S_TURN_SKIP)
            return 0;
        if (t == S_TURN_END)
            return 1;
    } else if (s_handshake_failed(c)) {
        return 1;
    }
    s_heartbeat(c);
    /* before ACCEPT the coordinator may be building the job (model
     * preparation can take seconds): only the full timeout applies */
    double patience = c->job_id ? c->hb * c->misses * 2 : c->timeout;
    s_draw_countdown(c);
    return s_resubmit_if_silent(c, patience);
}

int dse_client_run(const dse_evaljob_t *ej, const dse_client_opts_t *o, dse_client_result_t *res,
                   dse_error_t *err)
{
    memset(res, 0, sizeof *res);
    s_reset(ej, res);
    s_client_t c = {.ej = ej, .o = o, .res = res, .err = err};
    c.hb = o->heartbeat_s > 0 ? o->heartbeat_s : 1.0;
    c.misses = o->heartbeat_misses > 0 ? o->heartbeat_misses : 3;
    c.timeout = o->timeout_s > 0 ? o->timeout_s : 60;
    c.sock = s_submit(ej, o, &c.watch);
    if (!c.sock)
        return dse_error_set(err, DSE_EIO, NULL, 0, 0, "cannot connect to %s", o->endpoint);
    c.now = dse_now();
    c.last_seen = c.last_sent = c.silent_since = c.started = c.now;
    c.rc = DSE_EFAIL;
    c.rate_t0 = c.now;
    c.nl = ej->job->n_layers;
    s_where(o, c.where, sizeof c.where);
    while (!s_turn(&c))
        ;
    if (c.drew)
        fprintf(stderr, "\n");
    dse_handshake_watch_destroy(&c.watch);
    zsock_destroy(&c.sock);
    if (c.rc)
        dse_client_result_release(res, c.nl);
    return c.rc;
}
