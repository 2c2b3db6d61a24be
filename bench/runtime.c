/* runtime.c - benchmarks of the runtime (`make bench`):
 *
 *   1. testfn evaluation rate in one thread, in process;
 *   2. end-to-end embedded runs (dse_run_embedded, as dse-run) with 1 and 2
 *      local workers on a CPU-bound job (target: 2 workers at least 1.8x one);
 *   3. the coordinator alone against fake workers that answer at once
 *      (target: at least 20,000 unit results per second);
 *   4. the same without and with CURVE keys (--keys), alternated, for the
 *      cost of encryption and authentication (`bench-runtime --curve` runs
 *      this part alone);
 *   5. the same without and with a journal (--state), alternated
 *      (`bench-runtime journal` runs this part alone, twice over).
 *
 * Loopback only. Run from the repository root (its workers are
 * build/dse-worker).
 */
#include <czmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coordinator/coord.h"
#include "coordinator/embedded.h"
#include "core/auth.h"
#include "config/config.h"
#include "core/space.h"
#include "core/transport.h"
#include "core/util.h"
#include "core/wire.h"
#include "eval/eval.h"

static dse_evaljob_t *s_job(const char *text)
{
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_parse("bench", text, strlen(text), 0, &job, &err) ||
        dse_evaljob_new(&job, &ej, &err)) {
        dse_error_print(&err, stderr);
        exit(1);
    }
    return ej;
}

static void s_inprocess_rate(void)
{
    const char *text = "[target]\nmodel = \"testfn\"\n[workload]\n[[workload.layer]]\n"
                       "name = \"a\"\nop = \"elementwise\"\nin_shape = [1]\nn = 160\n";
    dse_evaljob_t *ej = s_job(text);
    dse_front_t *f = dse_evaljob_front_new(ej);
    dse_counters_t c = {0};
    double t0 = dse_now();
    dse_eval_points(ej, 0, 0, ej->job->layers[0].space->size, NULL, 0, f, NULL, &c, NULL);
    double dt = dse_now() - t0;
    printf("testfn in process, one thread: %.2f M points/s (%llu points, front %zu)\n",
           (double)c.evaluated / dt / 1e6, (unsigned long long)c.evaluated, dse_front_size(f));
    dse_front_destroy(&f);
    dse_evaljob_destroy(&ej);
}

/* dse-run's embedded run, in this process: a coordinator thread and
 * `workers` dse-worker processes (build/dse-worker, beside this program). */
static double s_run(const char *config, int workers)
{
    char out[128];
    snprintf(out, sizeof out, "build/out-bench-runtime-%d", workers);
    dse_run_opts_t o = {.prog = "bench-runtime", .config = config, .output = out,
                        .workers = workers, .timeout_s = 60, .quiet = 1};
    dse_error_t err = DSE_ERROR_INIT;
    double t0 = dse_now();
    if (dse_run_embedded(&o, NULL, &err) != 0) {
        fprintf(stderr, "bench: the run of %s with %d workers failed\n", config, workers);
        exit(1);
    }
    return dse_now() - t0;
}

/* The machine's own scaling: the same busy loop in 1 and in 2 processes. */
static double s_spin(int procs)
{
    double t0 = dse_now();
    for (int i = 0; i < procs; i++) {
        if (fork() == 0) {
            volatile double a = 0;
            for (long k = 0; k < 150000000L; k++)
                a = a * 0.999999 + 1e-9;
            _exit(a > 1e9);
        }
    }
    for (int i = 0; i < procs; i++)
        wait(NULL);
    return dse_now() - t0;
}

static void s_end_to_end(void)
{
    double m1 = s_spin(1), m2 = s_spin(2);
    double machine = 2 * m1 / m2;
    printf("this machine: one busy process %.2f s, two at once %.2f s: throughput %.2fx\n", m1,
           m2, machine);
    const char *path = "build/bench-cpu.toml";
    const char *text = "[job]\nname = \"bench-cpu\"\n[target]\nmodel = \"testfn\"\ncost = 6000\n"
                       "[workload]\n[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\n"
                       "in_shape = [1]\nn = 48\n[[workload.layer]]\nname = \"b\"\n"
                       "op = \"elementwise\"\nin_shape = [1]\nn = 48\n[cluster]\n"
                       "unit_seconds = 0.1\n";
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_write_file_atomic(path, text, strlen(text), &err)) {
        dse_error_print(&err, stderr);
        exit(1);
    }
    double points = 2.0 * 48 * 48 * 48;
    double t1 = s_run(path, 1), t2 = s_run(path, 2);
    /* a second round, interleaved, to even out a noisy machine */
    double t1b = s_run(path, 1), t2b = s_run(path, 2);
    t1 = t1 < t1b ? t1 : t1b;
    t2 = t2 < t2b ? t2 : t2b;
    printf("embedded run (dse_run_embedded, as dse-run), CPU-bound testfn job (%.0f points, ~12 us each): 1 worker %.2f s "
           "(%.0f points/s), 2 workers %.2f s (%.0f points/s): %.2fx (%.0f%% of the machine's "
           "%.2fx)\n",
           points, t1, points / t1, t2, points / t2, t1 / t2, 100 * (t1 / t2) / machine, machine);
}

/* ------------------------------------------------------------ fake workers */

static volatile sig_atomic_t s_fake_stop;

/* CURVE for the fake workers and the client, when the run uses keys */
static const char *s_keys_dir;
static const char *s_state_dir; /* the coordinator's journal folder, or NULL */
static dse_curve_client_t s_worker_keys, s_client_keys;

static void *s_fake_worker(void *arg)
{
    const char *ep = arg;
    zsock_t *s = zsock_new(ZMQ_DEALER);
    dse_sock_setup(s);
    if (s_keys_dir)
        dse_curve_client_apply(&s_worker_keys, s);
    zsock_connect(s, "%s", ep);
    dse_msg_view_t r = {.cmd = DSE_MSG_READY};
    r.ready.version = DSE_WIRE_VERSION;
    r.ready.host = "fake";
    r.ready.threads = 32;
    r.ready.credit = 64;
    const char *caps[] = {"testfn"};
    r.ready.caps = caps;
    r.ready.n_caps = 1;
    dse_msg_send(s, NULL, &r);
    double last_hb = dse_now();
    while (!s_fake_stop) {
        zpoller_t *p = zpoller_new(s, NULL);
        void *w = zpoller_wait(p, 50);
        zpoller_destroy(&p);
        if (w) {
            dse_msg_t m;
            dse_error_t err = DSE_ERROR_INIT;
            if (dse_msg_recv(s, NULL, &m, &err) == 0) {
                if (m.cmd == DSE_MSG_WORK) {
                    dse_msg_view_t res = {.cmd = DSE_MSG_RESULT};
                    res.result.unit = m.work.unit;
                    res.result.epoch = m.work.epoch;
                    res.result.counters.evaluated = m.work.hi - m.work.lo;
                    res.result.counters.infeasible = m.work.hi - m.work.lo;
                    res.result.rows.width = 3;
                    dse_msg_send(s, NULL, &res);
                }
                dse_msg_release(&m);
            }
        }
        if (dse_now() - last_hb > 0.5) {
            dse_msg_view_t hb = {.cmd = DSE_MSG_HEARTBEAT};
            dse_msg_send(s, NULL, &hb);
            last_hb = dse_now();
        }
    }
    zsock_destroy(&s);
    return NULL;
}

static double s_coordinator_alone(const char *what)
{
    s_fake_stop = 0;
    dse_coord_opts_t o = {.worker_bind = "tcp://127.0.0.1:*", .client_bind = "tcp://127.0.0.1:*",
                          .heartbeat_s = 1, .heartbeat_misses = 10,
                          .keys_dir = s_keys_dir, .state_dir = s_state_dir};
    if (s_state_dir) { /* a fresh journal */
        char path[512];
        snprintf(path, sizeof path, "%s/journal", s_state_dir);
        unlink(path);
    }
    dse_error_t err = DSE_ERROR_INIT;
    dse_embedded_coord_t *ec = dse_embedded_coord_start(&o, &err);
    if (!ec) {
        dse_error_print(&err, stderr);
        exit(1);
    }
    pthread_t wt[4];
    char wep[256];
    snprintf(wep, sizeof wep, "%s", dse_coord_worker_endpoint(dse_embedded_coord(ec)));
    for (int i = 0; i < 4; i++)
        pthread_create(&wt[i], NULL, s_fake_worker, wep);
    /* a job of 200,000 one-point units: each point "costs" 10^7 iterations,
     * so the planner gives every point a unit of its own; the fake workers
     * answer without evaluating */
    const char *text = "[job]\nname = \"units\"\n[target]\nmodel = \"testfn\"\ncost = 10000000\n"
                       "[workload]\n[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\n"
                       "in_shape = [1]\nn = 200000\nspace = { x2 = [1], x3 = [1] }\n"
                       "[cluster]\nunit_seconds = 0.001\n";
    dse_job_t *job = NULL;
    if (dse_config_parse("units", text, strlen(text), 0, &job, &err)) {
        dse_error_print(&err, stderr);
        exit(1);
    }
    char *canon = dse_job_canonical(job);
    dse_job_destroy(&job);
    zclock_sleep(300); /* let the fake workers register */
    dse_submit_stats_t st;
    if (dse_embedded_submit(ec, canon, s_keys_dir ? &s_client_keys : NULL, 120, &st, &err))
        fprintf(stderr, "bench: %s\n", err.msg);
    double rate = st.units ? st.units / (st.t_done - st.t_accept) : 0;
    if (st.units)
        printf("coordinator alone%s, 4 fake workers answering at once: %u unit results in "
               "%.2f s = %.0f results/s\n", what, st.units, st.t_done - st.t_accept, rate);
    else
        printf("coordinator alone%s: did not finish\n", what);
    free(canon);
    s_fake_stop = 1;
    for (int i = 0; i < 4; i++)
        pthread_join(wt[i], NULL);
    dse_embedded_coord_stop(&ec);
    return rate;
}

/* A keys folder in a temporary directory: the coordinator's pair, one
 * worker key (shared by the fake workers) and one client key. */
static void s_make_keys(char *dir, size_t size)
{
    snprintf(dir, size, "%s/dse-bench-keys-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("bench: mkdtemp");
        exit(1);
    }
    chmod(dir, 0700);
    static const char *const sub[] = {"allowed", "allowed/workers", "allowed/clients"};
    char path[1024];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
        mkdir(path, 0700);
    }
    static const char *const names[] = {"coordinator", "w", "c"};
    dse_error_t err = DSE_ERROR_INIT;
    for (int i = 0; i < 3; i++) {
        dse_key_t k;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (dse_key_generate(names[i], &k, &err) || dse_key_write_pair(path, &k, 0, &err)) {
            dse_error_print(&err, stderr);
            exit(1);
        }
    }
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/w.pub", dir);
    snprintf(b, sizeof b, "%s/allowed/workers/w.pub", dir);
    rename(a, b);
    snprintf(a, sizeof a, "%s/c.pub", dir);
    snprintf(b, sizeof b, "%s/allowed/clients/c.pub", dir);
    rename(a, b);
    snprintf(a, sizeof a, "%s/w.key", dir);
    snprintf(b, sizeof b, "%s/coordinator.pub", dir);
    if (dse_curve_client_load(&s_worker_keys, a, b, &err)) {
        dse_error_print(&err, stderr);
        exit(1);
    }
    snprintf(a, sizeof a, "%s/c.key", dir);
    if (dse_curve_client_load(&s_client_keys, a, b, &err)) {
        dse_error_print(&err, stderr);
        exit(1);
    }
}

static void s_curve_cost(void)
{
    char dir[512];
    s_make_keys(dir, sizeof dir);
    double plain = 0, keyed = 0;
    /* alternated, best of two each, on a noisy machine */
    for (int round = 0; round < 2; round++) {
        s_keys_dir = NULL;
        double r = s_coordinator_alone(" without keys");
        plain = r > plain ? r : plain;
        s_keys_dir = dir;
        r = s_coordinator_alone(" with CURVE keys");
        keyed = r > keyed ? r : keyed;
    }
    s_keys_dir = NULL;
    if (plain > 0 && keyed > 0)
        printf("CURVE keys: %.0f against %.0f unit results/s without (best of 2 each, "
               "alternated): %.2fx\n", keyed, plain, keyed / plain);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
}

/* The journal's cost: the coordinator alone without and with --state, in
 * the same run, rounds alternating. */
static void s_journal_cost(int rounds)
{
    for (int r = 0; r < rounds; r++) {
        s_state_dir = NULL;
        double off = s_coordinator_alone("");
        s_state_dir = "build/journal-bench.state"; /* not bench-*: those are programs */
        double on = s_coordinator_alone(" with a journal (--state)");
        s_state_dir = NULL;
        if (off > 0 && on > 0)
            printf("journal cost, round %d: %.0f results/s with --state against %.0f without: "
                   "%.2fx\n", r + 1, on, off, on / off);
    }
}

int main(int argc, char **argv)
{
    zsys_handler_set(NULL);
    if (argc > 1 && strcmp(argv[1], "--curve") == 0) {
        s_curve_cost();
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "journal") == 0) {
        s_journal_cost(2);
        return 0;
    }
    s_inprocess_rate();
    s_end_to_end();
    s_journal_cost(1);
    s_curve_cost();
    return 0;
}
