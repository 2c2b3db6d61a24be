/* hostile_peer.c - the attacks of issue 16, replayed against live processes
 * for the integration tests. Loopback endpoints only.
 *
 *   dse-hostile forge ENDPOINT SECONDS
 *       At a coordinator's worker endpoint, for SECONDS:
 *       - from a socket that never registers: RESULTs with forged rows (every
 *         metric 0, which would dominate any front) and FAILs for the units
 *         of jobs 1 to 4;
 *       - as a registered worker: READY again and again with a large
 *         credit; FAILs and forged RESULTs for units it does not hold; for
 *         each unit it is given, in turn: an empty RESULT (feasible points
 *         claimed, no rows), a RESULT with a -inf metric (refused at
 *         decode), or a FAIL for another unit; heartbeats, so that it is not
 *         declared dead.
 *       Prints what it sent and received on stdout.
 *
 *   dse-hostile liar ENDPOINT SECONDS [KEY COORDINATOR_KEY]
 *       A registered worker that evaluates each unit it is given and halves
 *       every metric of one row of its answer: well-formed, counters right,
 *       only a re-evaluation can tell. Prints how many results it forged.
 *       With key files (as dse-worker --key, --coordinator-key), it connects
 *       with CURVE.
 *
 *   dse-hostile submit ENDPOINT FILE SECONDS
 *       At a coordinator's client endpoint: sends FILE's text as a SUBMIT
 *       (as dse-run would after checking it, which this skips) and prints
 *       the answer: "ERROR: ..." or "ACCEPT". Exit 0 when an answer came
 *       within SECONDS, 1 otherwise.
 *
 *   dse-hostile coordinator ENDPOINT JOB_FILE SECONDS
 *       Binds ENDPOINT as a coordinator would. For each worker that says
 *       READY: hostile frames (random bytes, huge declared counts, deep
 *       nesting, truncated and mistyped bodies of every command, WORK for a
 *       job it never sent, a JOB whose text is not a job), then the job of
 *       JOB_FILE (its canonical text) and a unit of it. Exit 0 when the
 *       worker answers the unit with a RESULT, and prints "result N rows".
 */
#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "config/config.h"
#include "core/space.h"
#include "core/transport.h"
#include "core/wire.h"
#include "search/search.h"
#include "eval/eval.h"

static uint64_t s_state = 88172645463325252ULL;

static uint64_t s_rand(void)
{
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return s_state;
}

static int s_loopback(const char *ep)
{
    return strncmp(ep, "tcp://127.", 10) == 0 || strncmp(ep, "ipc://", 6) == 0 ||
           strncmp(ep, "inproc://", 9) == 0;
}

/* A RESULT with `rows` forged rows of width metrics, all metric values v. */
static void s_send_result(zsock_t *s, uint64_t unit, uint32_t epoch, uint64_t feasible,
                          size_t rows, uint32_t width, double v)
{
    uint64_t idx[4] = {0, 1, 2, 3};
    int64_t z[4] = {0};
    double m[4 * 64];
    for (size_t i = 0; i < 4 * 64; i++)
        m[i] = v;
    dse_msg_view_t r = {.cmd = DSE_MSG_RESULT};
    r.result.unit = unit;
    r.result.epoch = epoch;
    r.result.counters = (dse_counters_t){feasible, feasible, 0, 0};
    r.result.rows = (dse_wire_rows_view_t){width, rows, idx, z, z, m, NULL};
    dse_msg_send(s, NULL, &r); /* the encoder writes a -inf as it is: a float64 */
}

static void s_send_fail(zsock_t *s, uint64_t unit, uint32_t epoch)
{
    dse_msg_view_t f = {.cmd = DSE_MSG_FAIL};
    f.fail.unit = unit;
    f.fail.epoch = epoch;
    f.fail.code = -1;
    f.fail.message = "forged failure";
    dse_msg_send(s, NULL, &f);
}

static void s_send_ready(zsock_t *s, uint32_t credit)
{
    static const char *caps[] = {"testfn", "pulp-cluster", "siracusa", "finn"};
    dse_msg_view_t r = {.cmd = DSE_MSG_READY};
    r.ready = (dse_msg_ready_view_t){DSE_WIRE_VERSION, "hostile", 1, credit, 4, caps};
    dse_msg_send(s, NULL, &r);
}

static int s_forge(const char *ep, double seconds)
{
    zsock_t *nobody = zsock_new(ZMQ_DEALER), *fake = zsock_new(ZMQ_DEALER);
    dse_sock_setup(nobody);
    dse_sock_setup(fake);
    if (zsock_connect(nobody, "%s", ep) != 0 || zsock_connect(fake, "%s", ep) != 0)
        return 1;
    s_send_ready(fake, 1000);
    long sent = 0, works = 0, answered = 0;
    double end = zclock_mono() / 1000.0 + seconds, last_ready = 0;
    while (zclock_mono() / 1000.0 < end) {
        double now = zclock_mono() / 1000.0;
        /* results and failures from nobody, for units it cannot know */
        for (int k = 0; k < 20; k++) {
            uint64_t unit = dse_wire_unit(1 + s_rand() % 4, s_rand() % 64);
            uint32_t epoch = (uint32_t)(s_rand() % 8);
            if (k & 1)
                s_send_result(nobody, unit, epoch, 3, 3, (uint32_t)(3 + s_rand() % 3), 0);
            else
                s_send_fail(nobody, unit, epoch);
            /* the registered fake, for units it does not hold */
            if (k % 4 == 0)
                s_send_fail(fake, unit, epoch);
            if (k % 4 == 1)
                s_send_result(fake, unit, epoch, 3, 3, (uint32_t)(3 + s_rand() % 3), 0);
            sent += 2;
        }
        if (now - last_ready > 0.5) { /* READY again, with a large credit */
            s_send_ready(fake, 1000);
            last_ready = now;
        }
        dse_msg_view_t hb = {.cmd = DSE_MSG_HEARTBEAT};
        dse_msg_send(fake, NULL, &hb);
        /* answer what it is given, badly */
        zpoller_t *p = zpoller_new(fake, nobody, NULL);
        for (int k = 0; k < 50; k++) {
            void *which = zpoller_wait(p, 1);
            if (!which)
                break;
            dse_msg_t m;
            dse_error_t err = DSE_ERROR_INIT;
            if (dse_msg_recv(which, NULL, &m, &err) != 0) {
                fprintf(stderr, "forge: %s\n", err.msg);
                continue;
            }
            if (which == fake && m.cmd == DSE_MSG_WORK) {
                works++;
                switch (works % 3) {
                case 0: /* an empty result: feasible points claimed, no rows */
                    s_send_result(fake, m.work.unit, m.work.epoch, 1, 0, 3, 0);
                    break;
                case 1: /* a -inf metric */
                    s_send_result(fake, m.work.unit, m.work.epoch, 1, 1, 3, -INFINITY);
                    break;
                default: /* a FAIL for a neighbouring unit it does not hold */
                    s_send_fail(fake, m.work.unit + 1, m.work.epoch);
                    break;
                }
                answered++;
            } else if (which == fake && m.cmd == DSE_MSG_DISCONNECT) {
                s_send_ready(fake, 1000); /* and straight back */
            }
            dse_msg_release(&m);
        }
        zpoller_destroy(&p);
        zclock_sleep(20);
    }
    printf("forge: %ld forged messages, %ld units given to the fake, %ld answered badly\n", sent,
           works, answered);
    zsock_destroy(&nobody);
    zsock_destroy(&fake);
    return 0;
}

/* A worker that evaluates its units, then improves one row's metrics by
 * half before answering: a result that passes every structural check. */
static int s_liar(const char *ep, double seconds, const char *key, const char *ckey)
{
    zsock_t *s = zsock_new(ZMQ_DEALER);
    dse_sock_setup(s);
    dse_curve_client_t cc;
    if (key) {
        dse_error_t kerr = DSE_ERROR_INIT;
        if (dse_curve_client_load(&cc, key, ckey, &kerr) != 0) {
            fprintf(stderr, "liar: %s: %s\n", kerr.file, kerr.msg);
            zsock_destroy(&s);
            return 1;
        }
        dse_curve_client_apply(&cc, s);
        zsock_set_sndtimeo(s, 0); /* a refused handshake leaves no pipe to send on */
    }
    if (zsock_connect(s, "%s", ep) != 0)
        return 1;
    s_send_ready(s, 2);
    dse_evaljob_t *ej = NULL;
    long lies = 0;
    zpoller_t *p = zpoller_new(s, NULL);
    double end = zclock_mono() / 1000.0 + seconds, last_hb = 0;
    while (zclock_mono() / 1000.0 < end) {
        double now = zclock_mono() / 1000.0;
        if (now - last_hb > 0.2) {
            dse_msg_view_t hb = {.cmd = DSE_MSG_HEARTBEAT};
            dse_msg_send(s, NULL, &hb);
            last_hb = now;
        }
        if (!zpoller_wait(p, 50))
            continue;
        dse_msg_t m;
        dse_error_t err = DSE_ERROR_INIT;
        if (dse_msg_recv(s, NULL, &m, &err) != 0)
            continue;
        if (m.cmd == DSE_MSG_JOB && !ej) {
            if (dse_evaljob_from_text(m.job.config, strlen(m.job.config), 0, &ej, &err) != 0)
                fprintf(stderr, "liar: %s\n", err.msg);
        } else if (m.cmd == DSE_MSG_WORK && ej && strcmp(m.work.digest, ej->digest) == 0) {
            dse_unit_t u;
            dse_unit_from_work(&m.work, &u);
            dse_front_t *f = dse_evaljob_front_new(ej);
            dse_counters_t cnt = {0};
            dse_unit_eval(ej, &u, f, NULL, &cnt, NULL);
            dse_front_sort(f);
            size_t n = dse_front_size(f), w = dse_front_width(f);
            dse_front_t *g = dse_front_new(w, dse_front_n_obj(f), dse_front_obj(f));
            for (size_t i = 0; i < n; i++) {
                double row[256];
                memcpy(row, dse_front_row(f, i), w * sizeof *row);
                if (i == 0)
                    for (size_t k = 0; k < w; k++)
                        row[k] *= 0.5; /* the lie */
                dse_front_push(g, dse_front_index(f, i), dse_front_cin(f, i), dse_front_cout(f, i),
                               row);
            }
            dse_msg_view_t r = {.cmd = DSE_MSG_RESULT};
            r.result.unit = m.work.unit;
            r.result.epoch = m.work.epoch;
            r.result.counters = (dse_counters_t){cnt.evaluated, cnt.feasible,
                                                      cnt.infeasible, cnt.skipped};
            r.result.rows.width = (uint32_t)w;
            r.result.rows.front = g;
            dse_msg_send(s, NULL, &r);
            lies += n > 0;
            dse_front_destroy(&f);
            dse_front_destroy(&g);
        } else if (m.cmd == DSE_MSG_DISCONNECT) {
            s_send_ready(s, 2);
        }
        dse_msg_release(&m);
    }
    printf("liar: %ld results with a forged row\n", lies);
    zpoller_destroy(&p);
    zsock_destroy(&s);
    dse_evaljob_destroy(&ej);
    return 0;
}

static int s_submit(const char *ep, const char *file, double seconds)
{
    char *text = NULL;
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_read_file_max(file, DSE_CONFIG_MAX_FILE, &text, &len, &err) != 0) {
        dse_error_print(&err, stderr);
        return 2;
    }
    zsock_t *s = zsock_new(ZMQ_DEALER);
    dse_sock_setup(s);
    if (zsock_connect(s, "%s", ep) != 0) {
        free(text);
        return 2;
    }
    dse_msg_view_t m = {.cmd = DSE_MSG_SUBMIT};
    m.submit.config = text;
    dse_msg_send(s, NULL, &m);
    free(text);
    zpoller_t *p = zpoller_new(s, NULL);
    int rc = 1;
    double end = zclock_mono() / 1000.0 + seconds;
    while (rc && zclock_mono() / 1000.0 < end) {
        if (!zpoller_wait(p, 100))
            continue;
        dse_msg_t a;
        if (dse_msg_recv(s, NULL, &a, &err) != 0)
            continue;
        if (a.cmd == DSE_MSG_ERROR) {
            printf("ERROR: %s\n", a.error.message);
            rc = 0;
        } else if (a.cmd == DSE_MSG_ACCEPT) {
            printf("ACCEPT\n");
            dse_msg_view_t cancel = {.cmd = DSE_MSG_CANCEL};
            cancel.cancel.job = a.accept.job;
            dse_msg_send(s, NULL, &cancel);
            rc = 0;
        }
        dse_msg_release(&a);
    }
    if (rc)
        printf("no answer in %.0f s\n", seconds);
    zpoller_destroy(&p);
    zsock_destroy(&s);
    return rc;
}

/* Hostile frames to a worker, from its coordinator's socket. */
static void s_hostile_frames(zsock_t *s, const dse_peer_t *w)
{
    unsigned char buf[600];
    for (int i = 0; i < 3000; i++) {
        zmsg_t *m = zmsg_new();
        zmsg_addmem(m, w->bytes, w->len);
        int kind = (int)(s_rand() % 5);
        if (kind == 0) { /* random frames */
            size_t frames = 1 + s_rand() % 4;
            for (size_t f = 0; f < frames; f++) {
                size_t n = s_rand() % sizeof buf;
                for (size_t k = 0; k < n; k++)
                    buf[k] = (unsigned char)s_rand();
                zmsg_addmem(m, buf, n);
            }
        } else {
            zmsg_addmem(m, dse_wire_signature, DSE_WIRE_SIG_LEN);
            unsigned char cmd = (unsigned char)(1 + s_rand() % 22);
            zmsg_addmem(m, &cmd, 1);
            size_t n = 0;
            if (kind == 1) { /* huge declared counts: array32, str32, bin32 */
                static const unsigned char heads[] = {0xdd, 0xdb, 0xc6};
                buf[n++] = 0x96; /* an array of 6, then a huge one */
                buf[n++] = heads[s_rand() % 3];
                buf[n++] = 0xff, buf[n++] = 0xff, buf[n++] = 0xff, buf[n++] = 0xf0;
            } else if (kind == 2) { /* deep nesting */
                for (; n < 500; n++)
                    buf[n] = 0x91;
            } else if (kind == 3) { /* a valid body, truncated */
                dse_strbuf_t sb = DSE_STRBUF_INIT;
                dse_msg_view_t w_ = {.cmd = DSE_MSG_WORK};
                w_.work = (dse_msg_work_view_t){dse_wire_unit(1, 3), 1, "00ff", 0, DSE_WORK_RANGE, 0,
                                           1000000000, 0, 0, NULL};
                dse_wire_encode_body(&w_, &sb);
                n = sb.len ? s_rand() % sb.len : 0;
                memcpy(buf, sb.buf, n);
                dse_strbuf_release(&sb);
            } else { /* wrong types: a map, a string, nil, a float in turn */
                static const unsigned char junk[] = {0x81, 0xa1, 'x', 0xc0, 0xcb};
                buf[n++] = 0x95;
                for (int k = 0; k < 5; k++)
                    buf[n++] = junk[s_rand() % sizeof junk];
            }
            zmsg_addmem(m, buf, n);
        }
        zmsg_send(&m, s);
    }
    /* well-formed but wrong: WORK for a job never sent, a JOB that is no job */
    dse_msg_view_t wk = {.cmd = DSE_MSG_WORK};
    wk.work = (dse_msg_work_view_t){dse_wire_unit(7, 1), 1, "abcdef", 0, DSE_WORK_RANGE, 0, 10, 0, 0,
                               NULL};
    dse_msg_send(s, w, &wk);
    dse_msg_view_t jb = {.cmd = DSE_MSG_JOB};
    jb.job.digest = "0123";
    jb.job.config = "[job]\nname = 5\n";
    dse_msg_send(s, w, &jb);
}

static int s_coordinator(const char *ep, const char *job_file, double seconds)
{
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load(job_file, &job, &err) != 0 || dse_evaljob_new(&job, &ej, &err) != 0) {
        dse_error_print(&err, stderr);
        return 2;
    }
    zsock_t *s = zsock_new(ZMQ_ROUTER);
    dse_sock_setup(s);
    zsock_set_router_mandatory(s, 0);
    if (zsock_bind(s, "%s", ep) < 0) {
        fprintf(stderr, "dse-hostile: cannot bind %s\n", ep);
        return 2;
    }
    zpoller_t *p = zpoller_new(s, NULL);
    int rc = 1, attacked = 0;
    double end = zclock_mono() / 1000.0 + seconds, last_hb = 0;
    dse_peer_t worker = {0};
    while (rc && zclock_mono() / 1000.0 < end) {
        double now = zclock_mono() / 1000.0;
        dse_peer_t peer;
        if (attacked && now - last_hb > 0.2) { /* keep it from declaring us gone */
            dse_msg_view_t hb = {.cmd = DSE_MSG_HEARTBEAT};
            dse_msg_send(s, &worker, &hb);
            last_hb = now;
        }
        if (!zpoller_wait(p, 50))
            continue;
        dse_msg_t m;
        if (dse_msg_recv(s, &peer, &m, &err) != 0)
            continue;
        if (m.cmd == DSE_MSG_READY) {
            /* a random DISCONNECT among the frames makes it register again:
             * the real job then goes to its new connection */
            worker = peer;
            if (!attacked)
                s_hostile_frames(s, &peer);
            attacked = 1;
            dse_msg_view_t jb = {.cmd = DSE_MSG_JOB};
            jb.job.digest = ej->digest;
            jb.job.config = ej->canonical;
            dse_msg_send(s, &peer, &jb);
            dse_msg_view_t wk = {.cmd = DSE_MSG_WORK};
            uint64_t hi = ej->job->layers[0].space->size;
            wk.work = (dse_msg_work_view_t){dse_wire_unit(1, 0), 1, ej->digest, 0, DSE_WORK_RANGE, 0, hi,
                                       0, 0, NULL};
            dse_msg_send(s, &peer, &wk);
            printf("coordinator: a READY; 3000 hostile frames sent before the first; then a "
                   "unit of %llu points\n", (unsigned long long)hi);
        } else if (m.cmd == DSE_MSG_RESULT && m.result.unit == dse_wire_unit(1, 0)) {
            printf("result %zu rows\n", m.result.rows.n);
            rc = 0;
        } else if (m.cmd == DSE_MSG_FAIL) {
            printf("fail: %s\n", m.fail.message);
        }
        dse_msg_release(&m);
    }
    zpoller_destroy(&p);
    zsock_destroy(&s);
    dse_evaljob_destroy(&ej);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4 || !s_loopback(argv[2])) {
        fprintf(stderr, "usage: dse-hostile forge ENDPOINT SECONDS\n"
                        "       dse-hostile liar ENDPOINT SECONDS [KEY COORDINATOR_KEY]\n"
                        "       dse-hostile submit ENDPOINT FILE SECONDS\n"
                        "       dse-hostile coordinator ENDPOINT JOB_FILE SECONDS\n"
                        "(loopback endpoints only)\n");
        return 2;
    }
    zsys_handler_set(NULL);
    if (strcmp(argv[1], "forge") == 0)
        return s_forge(argv[2], atof(argv[3]));
    if (strcmp(argv[1], "liar") == 0)
        return s_liar(argv[2], atof(argv[3]), argc > 5 ? argv[4] : NULL,
                      argc > 5 ? argv[5] : NULL);
    if (strcmp(argv[1], "submit") == 0 && argc > 4)
        return s_submit(argv[2], argv[3], atof(argv[4]));
    if (strcmp(argv[1], "coordinator") == 0 && argc > 4)
        return s_coordinator(argv[2], argv[3], atof(argv[4]));
    fprintf(stderr, "dse-hostile: unknown mode '%s'\n", argv[1]);
    return 2;
}
