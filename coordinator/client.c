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

int dse_client_run(const dse_evaljob_t *ej, const dse_client_opts_t *o, dse_client_result_t *res,
                   dse_error_t *err)
{
    memset(res, 0, sizeof *res);
    s_reset(ej, res);
    double hb = o->heartbeat_s > 0 ? o->heartbeat_s : 1.0;
    int misses = o->heartbeat_misses > 0 ? o->heartbeat_misses : 3;
    double timeout = o->timeout_s > 0 ? o->timeout_s : 60;
    dse_handshake_watch_t *watch = NULL;
    zsock_t *sock = s_submit(ej, o, &watch);
    if (!sock)
        return dse_error_set(err, DSE_EIO, NULL, 0, 0, "cannot connect to %s", o->endpoint);
    double now = dse_now();
    double last_seen = now, last_sent = now, silent_since = now, started = now;
    uint64_t job_id = 0;
    int layers_got = 0, drew = 0, rc = DSE_EFAIL;
    double rate_t0 = now;
    uint64_t rate_e0 = 0;
    double rate = 0;
    size_t nl = ej->job->n_layers;
    char where[1200];
    s_where(o, where, sizeof where);
    double no_workers_since = 0, last_wait_drawn = 0;
    int said_no_workers = 0, handshakes_closed = 0;
    for (;;) {
        if (o->stop && *o->stop) {
            if (job_id && !o->keep_job) {
                dse_msg_view_t m = {.cmd = DSE_MSG_CANCEL};
                m.cancel.job = job_id;
                dse_msg_send(sock, NULL, &m);
                zclock_sleep(50); /* let the cancel leave */
            }
            rc = dse_error_set(err, DSE_EINTR, NULL, 0, 0, "interrupted: the job was %s",
                               o->keep_job ? "stopped" : "cancelled");
            break;
        }
        zpoller_t *p = zpoller_new(sock, NULL);
        void *r = zpoller_wait(p, 100);
        zpoller_destroy(&p);
        now = dse_now();
        if (r) {
            dse_msg_t msg;
            dse_error_t perr = DSE_ERROR_INIT;
            int mr = dse_msg_recv(sock, NULL, &msg, &perr);
            if (mr == DSE_EPROTO) {
                fprintf(stderr, "dse-run: dropped a malformed message: %s\n", perr.msg);
                continue;
            }
            if (mr)
                continue;
            last_seen = silent_since = now;
            handshakes_closed = 0;
            int finished = 0;
            switch (msg.cmd) {
            case DSE_MSG_ACCEPT:
                job_id = msg.accept.job;
                if (strcmp(msg.accept.digest, ej->digest) != 0)
                    fprintf(stderr, "dse-run: warning: the coordinator's digest differs\n");
                if (o->verbose)
                    fprintf(stderr, "dse-run: job %llu accepted (%s)\n",
                            (unsigned long long)job_id, msg.accept.digest);
                break;
            case DSE_MSG_ERROR:
                rc = dse_error_set(err, DSE_ECONFIG, NULL, 0, 0, "the coordinator refused the "
                                   "job: %s", msg.error.message);
                finished = 1;
                break;
            case DSE_MSG_PROGRESS:
                if (msg.progress.job != job_id)
                    break;
                if (now - rate_t0 >= 1.0 || rate == 0) {
                    double dt = now - rate_t0;
                    if (dt > 0 && msg.progress.evaluated >= rate_e0) {
                        double inst = (double)(msg.progress.evaluated - rate_e0) / dt;
                        rate = rate > 0 ? 0.5 * rate + 0.5 * inst : inst;
                    }
                    rate_t0 = now;
                    rate_e0 = msg.progress.evaluated;
                }
                if (msg.progress.workers_alive) {
                    no_workers_since = 0;
                    said_no_workers = 0;
                } else if (no_workers_since == 0) {
                    no_workers_since = now;
                }
                if (no_workers_since && now - no_workers_since >= DSE_NO_WORKERS_SECONDS) {
                    if (o->progress) {
                        fprintf(stderr, "\r\033[K  waiting for workers: 0 connected%s%s",
                                o->worker_endpoint ? " (they connect to " : "",
                                o->worker_endpoint ? o->worker_endpoint : "");
                        fprintf(stderr, "%s", o->worker_endpoint ? ")" : "");
                        fflush(stderr);
                        drew = 1;
                    } else if (!said_no_workers && !o->quiet) {
                        fprintf(stderr, "dse-run: waiting for workers: 0 connected%s%s%s\n",
                                o->worker_endpoint ? " (they connect to " : "",
                                o->worker_endpoint ? o->worker_endpoint : "",
                                o->worker_endpoint ? ")" : "");
                    }
                    said_no_workers = 1;
                    break;
                }
                if (o->progress) {
                    s_progress_line(&msg.progress, rate, ej->job->evaluator != NULL);
                    drew = 1;
                }
                break;
            case DSE_MSG_LAYER_FRONT: {
                dse_msg_layer_front_t *lf = &msg.layer_front;
                if (lf->job != job_id || lf->layer >= nl)
                    break;
                size_t width = lf->rows.width;
                if (width != ej->job->model->n_metrics) {
                    rc = dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "layer front with %zu "
                                       "metrics, expected %zu", width, ej->job->model->n_metrics);
                    finished = 1;
                    break;
                }
                /* the width was checked: these cannot fail */
                dse_wire_rows_view_t rows = dse_wire_rows_view(&lf->rows);
                dse_wire_rows_to_front(&rows, res->fronts[lf->layer], DSE_WIRE_ROWS_INSERT, NULL,
                                       err);
                if (res->all)
                    dse_wire_rows_to_front(&rows, res->all[lf->layer], DSE_WIRE_ROWS_PUSH, NULL,
                                           err);
                res->per_layer[lf->layer] = lf->counters;
                layers_got++;
                break;
            }
            case DSE_MSG_DONE: {
                dse_msg_done_t *d = &msg.done;
                if (d->job != job_id)
                    break;
                res->units = d->units;
                res->reissued = d->reissued;
                res->workers_seen = d->workers_seen;
                res->measured = d->measured;
                res->cached = d->cached;
                res->wall = now - started;
                res->n_quarantined = d->n_quarantined;
                res->quarantined = dse_xcalloc(d->n_quarantined ? d->n_quarantined : 1,
                                               sizeof *res->quarantined);
                res->n_bad_workers = d->n_bad_workers;
                res->bad_workers = dse_xcalloc(d->n_bad_workers + 1, sizeof *res->bad_workers);
                for (size_t i = 0; i < d->n_bad_workers; i++)
                    res->bad_workers[i] = dse_xstrdup(d->bad_workers[i]);
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
                for (size_t i = 0; i < d->n_quarantined; i++) {
                    bad_layer |= d->quarantined[i].layer >= nl;
                    res->quarantined[i].layer = d->quarantined[i].layer < nl ? d->quarantined[i].layer : 0;
                    res->quarantined[i].lo = d->quarantined[i].lo;
                    res->quarantined[i].hi = d->quarantined[i].hi;
                    res->quarantined[i].attempts = d->quarantined[i].attempts;
                    res->quarantined[i].error = dse_xstrdup(d->quarantined[i].error);
                }
                if ((size_t)layers_got != nl)
                    rc = dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "the coordinator sent %d of "
                                       "%zu layer fronts", layers_got, nl);
                else if (bad_layer)
                    rc = dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "the coordinator reported a "
                                       "quarantined or verified point of a layer the job does not have");
                else
                    rc = 0;
                finished = 1;
                break;
            }
            default:
                break;
            }
            dse_msg_release(&msg);
            if (finished)
                break;
        } else {
            /* a refused key or a mismatched mechanism: say so now, not after
             * the timeout (the coordinator reads its keys only when it starts) */
            char why[1200];
            int hs = dse_handshake_watch_failed(watch, "client", o->curve, why, sizeof why);
            /* a connection closed in its handshake once may be a coordinator
             * going down; again and again, it is not */
            if (hs == 2 || (hs == 1 && ++handshakes_closed >= 5)) {
                rc = dse_error_set(err, DSE_EIO, NULL, 0, 0, "%s", why);
                break;
            }
        }
        if (now - last_sent >= hb) {
            dse_msg_view_t m = {.cmd = DSE_MSG_HEARTBEAT};
            dse_msg_send(sock, NULL, &m);
            last_sent = now;
        }
        /* before ACCEPT the coordinator may be building the job (model
         * preparation can take seconds): only the full timeout applies */
        double patience = job_id ? hb * misses * 2 : timeout;
        /* on a terminal, a countdown while the coordinator does not answer */
        if (o->progress && now - silent_since >= 1.0 && now - last_wait_drawn >= 1.0) {
            double left = timeout - (now - silent_since);
            fprintf(stderr, "\r\033[K  waiting for the coordinator at %s: giving up in %.0f s",
                    o->endpoint, left > 0 ? left : 0);
            fflush(stderr);
            last_wait_drawn = now;
            drew = 1;
        }
        if (now - last_seen > patience) {
            if (now - silent_since >= timeout) {
                rc = dse_error_set(err, DSE_ETIMEDOUT, NULL, 0, 0, "no answer from the "
                                   "coordinator at %s for %.0f s (is it running? "
                                   "dse-coordinator prints both of its endpoints)", where,
                                   timeout);
                break;
            }
            /* the coordinator went away: submit again on a fresh connection */
            if (o->verbose)
                fprintf(stderr, "\ndse-run: coordinator silent; submitting again\n");
            dse_handshake_watch_destroy(&watch);
            zsock_destroy(&sock);
            s_reset(ej, res);
            layers_got = 0;
            job_id = 0;
            sock = s_submit(ej, o, &watch);
            last_seen = now;
            if (!sock) {
                rc = dse_error_set(err, DSE_EIO, NULL, 0, 0, "cannot connect to %s", o->endpoint);
                break;
            }
        }
    }
    if (drew)
        fprintf(stderr, "\n");
    dse_handshake_watch_destroy(&watch);
    zsock_destroy(&sock);
    if (rc)
        dse_client_result_release(res, nl);
    return rc;
}
