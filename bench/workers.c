/* bench/workers.c - one coordinator against many simulated workers.
 *
 * Child processes hold N DEALER sockets (500 per process), shared out over
 * a few threads per process, each a fake worker: it registers (READY,
 * credit 2), answers every WORK at once with a RESULT for its unit and
 * lease epoch, and sends a HEARTBEAT every 5 s (the coordinator's interval
 * here, with 6 misses). The parent runs the coordinator in a thread, waits
 * until it registered every worker, and submits a job of U one-point units
 * as a client. Loopback TCP only. It reports:
 * - the coordinator thread's CPU time to register the workers, and over
 *   the job (per unit), and the unit results per second from the job's
 *   acceptance to its end;
 * - the memory the coordinator process gained per registered worker
 *   (resident set once the workers registered, less before they came), and
 *   at the job's end;
 * - the workers declared dead (the fake workers never leave);
 * - that every unit settled exactly once: the job's counters (deduplicated
 *   by unit id) hold each point once, against the results the fake workers
 *   sent (end-phase copies included).
 *
 *   bench-workers [WORKERS [UNITS [THREADS per process]]]
 *
 * Without arguments it runs 1,000, 2,000 and 10,000 workers (5,000, 10,000
 * and 20,000 units). The coordinator holds one connection (file
 * descriptor) per worker: the benchmark raises its RLIMIT_NOFILE to the
 * hard limit, and skips a size the limit cannot hold (exit status 3).
 */
#include <czmq.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "coordinator/coord.h"
#include "coordinator/embedded.h"
#include "config/config.h"
#include "core/transport.h"
#include "core/util.h"
#include "core/wire.h"

static volatile sig_atomic_t s_stop;
static atomic_ullong s_results;

/* The heartbeat interval of the coordinator and of the fake workers (s), and
 * the beats a worker may miss: 10,000 workers beat 2,000 times a second each
 * way, from dozens of threads sharing the machine's cores with the
 * coordinator. */
#define S_HEARTBEAT 5.0
#define S_MISSES 6

typedef struct {
    const char *endpoint;
    size_t n;
} s_fleet_t;

static atomic_int s_registered; /* threads whose sockets all sent READY */

/* Reads what socket i has and answers each WORK at once. Reads until the
 * socket has nothing: its ZMQ_FD then signals again when more comes. */
static void s_drain(zsock_t *sock)
{
    while (zsock_events(sock) & ZMQ_POLLIN) {
        dse_msg_t m;
        dse_error_t err = DSE_ERROR_INIT;
        if (dse_msg_recv(sock, NULL, &m, &err) != 0)
            continue;
        if (m.cmd == DSE_MSG_WORK) {
            dse_msg_view_t res = {.cmd = DSE_MSG_RESULT};
            res.result.unit = m.work.unit;
            res.result.epoch = m.work.epoch;
            res.result.counters.evaluated = m.work.hi - m.work.lo;
            res.result.counters.infeasible = m.work.hi - m.work.lo;
            res.result.rows.width = 3;
            dse_msg_send(sock, NULL, &res);
            atomic_fetch_add(&s_results, 1);
        }
        dse_msg_release(&m);
    }
}

/* One thread's fake workers, answering at once. zmq_poll would look at
 * every socket of the thread for each message (a few system calls each):
 * with hundreds of sockets per thread the fake workers, not the
 * coordinator, would be the limit. So the thread waits on the sockets'
 * ZMQ_FDs with epoll (edge-triggered, as ZeroMQ signals them) and reads only
 * the sockets that signalled; once a second, and after each round of
 * heartbeats, it reads every socket in case an edge was missed. */
static void *s_fleet(void *arg)
{
    const s_fleet_t *f = arg;
    zsock_t **socks = dse_xcalloc(f->n, sizeof *socks);
    int ep = epoll_create1(0);
    if (ep < 0) {
        perror("bench-workers: epoll_create1");
        exit(1);
    }
    dse_msg_view_t ready = {.cmd = DSE_MSG_READY};
    const char *caps[] = {"testfn"};
    ready.ready.version = DSE_WIRE_VERSION;
    ready.ready.host = "fake";
    ready.ready.threads = 1;
    ready.ready.credit = 2;
    ready.ready.caps = caps;
    ready.ready.n_caps = 1;
    /* connect every socket first (in the background), then register them
     * all at once: a worker that registered early must not wait, silent,
     * for hundreds of connections after it */
    for (size_t i = 0; i < f->n; i++) {
        socks[i] = zsock_new(ZMQ_DEALER);
        dse_sock_setup(socks[i]);
        zsock_connect(socks[i], "%s", f->endpoint);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u64 = i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, zsock_fd(socks[i]), &ev) != 0) {
            perror("bench-workers: epoll_ctl");
            exit(1);
        }
    }
    for (size_t i = 0; i < f->n; i++)
        dse_msg_send(socks[i], NULL, &ready);
    atomic_fetch_add(&s_registered, 1);
    double last_hb = dse_now(), last_sweep = last_hb;
    dse_msg_view_t hb = {.cmd = DSE_MSG_HEARTBEAT};
    struct epoll_event evs[256];
    while (!s_stop) {
        int n = epoll_wait(ep, evs, 256, 20);
        for (int k = 0; k < n; k++)
            s_drain(socks[evs[k].data.u64]);
        double now = dse_now();
        if (now - last_hb >= S_HEARTBEAT) {
            for (size_t i = 0; i < f->n; i++)
                dse_msg_send(socks[i], NULL, &hb);
            last_hb = now;
            last_sweep = 0;
        }
        if (now - last_sweep >= 1.0) {
            for (size_t i = 0; i < f->n; i++)
                s_drain(socks[i]);
            last_sweep = now;
        }
    }
    close(ep);
    for (size_t i = 0; i < f->n; i++)
        zsock_destroy(&socks[i]);
    free(socks);
    return NULL;
}

static void s_on_term(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* The child: threads of fake workers until SIGTERM; writes one byte to
 * ready_fd once every socket has sent READY, and the results it sent to
 * done_fd at the end. */
static int s_child(const char *endpoint, size_t workers, size_t threads, int ready_fd,
                   int done_fd)
{
    signal(SIGTERM, s_on_term);
    /* the fake workers go when the benchmark does, whatever ends it */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1)
        return 1;
    zsys_set_max_sockets(workers + 64);
    zsys_handler_set(NULL);
    pthread_t *t = dse_xcalloc(threads, sizeof *t);
    s_fleet_t *f = dse_xcalloc(threads, sizeof *f);
    for (size_t i = 0; i < threads; i++) {
        f[i].endpoint = endpoint;
        f[i].n = workers / threads + (i < workers % threads);
        pthread_create(&t[i], NULL, s_fleet, &f[i]);
    }
    /* ready once every thread's sockets sent READY (at most 60 s) */
    for (int k = 0; k < 6000 && atomic_load(&s_registered) < (int)threads && !s_stop; k++)
        zclock_sleep(10);
    zclock_sleep(200);
    if (write(ready_fd, "r", 1) != 1)
        return 1;
    for (size_t i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    unsigned long long n = atomic_load(&s_results);
    if (write(done_fd, &n, sizeof n) != (ssize_t)sizeof n)
        return 1;
    free(t);
    free(f);
    zsys_shutdown();
    return 0;
}

static long s_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

/* Without arguments: 1,000, 2,000 and 10,000 workers, each in a process
 * of its own (a ZeroMQ context does not survive the forks of the next
 * size), one after another. */
static int s_series(void)
{
    static const char *sizes[][2] = {{"1000", "5000"}, {"2000", "10000"}, {"10000", "20000"}};
    int failed = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        printf("== bench-workers %s %s\n", sizes[i][0], sizes[i][1]);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            char *args[] = {"bench-workers", (char *)sizes[i][0], (char *)sizes[i][1], NULL};
            execv("/proc/self/exe", args);
            perror("bench-workers: execv");
            _exit(1);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
            failed = 1;
            continue;
        }
        if (WEXITSTATUS(st) == 3)
            printf("workers: skipped (the limit of open files is too low)\n");
        else if (WEXITSTATUS(st) != 0)
            failed = 1;
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return s_series();
    size_t workers = argc > 1 ? (size_t)atol(argv[1]) : 1000;
    size_t units = argc > 2 ? (size_t)atol(argv[2]) : 5000;
    size_t threads = argc > 3 ? (size_t)atol(argv[3]) : 2;
    if (workers < 1 || units < 2 || threads < 1 || threads > workers || units > 1000000) {
        fprintf(stderr, "usage: bench-workers [WORKERS [UNITS (2 to 10^6) [THREADS]]]\n");
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < workers + 256) {
        fprintf(stderr, "bench-workers: %zu workers need %zu open files; the limit is %llu (ulimit "
                "-n; raised to the hard limit already)\n",
                workers, workers + 256, (unsigned long long)rl.rlim_cur);
        return 3;
    }
    /* fork before any ZeroMQ context exists (a context does not survive a
     * fork); each child learns the coordinator's endpoint through a pipe.
     * A child holds at most 500 sockets (ZeroMQ's default limit per
     * context is 1,023). */
    size_t procs = (workers + 499) / 500;
    if (threads > (workers + procs - 1) / procs)
        threads = (workers + procs - 1) / procs;
    int ep[2], rp[2], dp[2];
    if (pipe(ep) || pipe(rp) || pipe(dp))
        return 1;
    fflush(stdout);
    pid_t *pids = dse_xcalloc(procs, sizeof *pids);
    for (size_t k = 0; k < procs; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(ep[1]);
            close(rp[0]);
            close(dp[0]);
            char cep[256] = "";
            if (read(ep[0], cep, sizeof cep) != (ssize_t)sizeof cep)
                _exit(1);
            cep[sizeof cep - 1] = 0;
            size_t mine = workers / procs + (k < workers % procs);
            _exit(s_child(cep, mine, threads, rp[1], dp[1]));
        }
        pids[k] = pid;
    }
    close(ep[0]);
    close(rp[1]);
    close(dp[1]);
    zsys_handler_set(NULL);
    dse_coord_opts_t o = {.worker_bind = "tcp://127.0.0.1:*", .client_bind = "tcp://127.0.0.1:*",
                          .heartbeat_s = S_HEARTBEAT, .heartbeat_misses = S_MISSES};
    dse_error_t err = DSE_ERROR_INIT;
    dse_embedded_coord_t *ec = dse_embedded_coord_start(&o, &err);
    if (!ec) {
        dse_error_print(&err, stderr);
        for (size_t k = 0; k < procs; k++)
            kill(pids[k], SIGKILL);
        return 1;
    }
    dse_coord_t *c = dse_embedded_coord(ec);
    char wep[256];
    snprintf(wep, sizeof wep, "%s", dse_coord_worker_endpoint(c));
    zclock_sleep(200);
    long rss0 = s_rss_kb();
    double cpu0 = dse_embedded_coord_cpu(ec);
    /* every child reads the endpoint from the one pipe: one fixed-size
     * record per child */
    char rec[256] = "";
    snprintf(rec, sizeof rec, "%s", wep);
    for (size_t k = 0; k < procs; k++)
        if (write(ep[1], rec, sizeof rec) != (ssize_t)sizeof rec)
            return 1;
    close(ep[1]);
    for (size_t k = 0; k < procs; k++) {
        char b;
        if (read(rp[0], &b, 1) != 1) {
            fprintf(stderr, "bench-workers: the fake workers did not start\n");
            for (size_t q = 0; q < procs; q++)
                kill(pids[q], SIGKILL);
            return 1;
        }
    }
    /* one point per unit: each point "costs" 10^7 iterations, so the
     * planner gives every point a unit; the fake workers answer at once */
    char text[1024];
    snprintf(text, sizeof text,
             "[job]\nname = \"units\"\n[target]\nmodel = \"testfn\"\ncost = 10000000\n"
             "[workload]\n[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\n"
             "in_shape = [1]\nn = %zu\nspace = { x2 = [1], x3 = [1] }\n"
             "[cluster]\nunit_seconds = 0.001\n", units);
    dse_job_t *job = NULL;
    if (dse_config_parse("units", text, strlen(text), 0, &job, &err)) {
        dse_error_print(&err, stderr);
        return 1;
    }
    char *canon = dse_job_canonical(job);
    dse_job_destroy(&job);
    /* wait until the coordinator has registered every worker, at most
     * 120 s; its memory is measured then */
    double reg_deadline = dse_now() + 120;
    while (dse_coord_n_workers(c) < workers && dse_now() < reg_deadline)
        zclock_sleep(20);
    size_t registered = dse_coord_n_workers(c);
    long rss1 = s_rss_kb();
    double cpu_reg = dse_embedded_coord_cpu(ec) - cpu0;
    dse_submit_stats_t st;
    if (dse_embedded_submit(ec, canon, NULL, 300, &st, &err) == DSE_EFAIL)
        fprintf(stderr, "bench-workers: %s\n", err.msg);
    double t0 = st.t_accept, t1 = st.t_done, cpu_a = st.cpu_accept, cpu_b = st.cpu_done;
    uint32_t done_units = st.units, reissued = st.reissued, returned = st.workers_seen;
    uint64_t evaluated = st.evaluated;
    long rss2 = s_rss_kb();
    /* the fake workers never leave nor register again: the workers missing
     * now were declared dead */
    size_t remaining = dse_coord_n_workers(c);
    unsigned long long sent = 0;
    for (size_t k = 0; k < procs; k++)
        kill(pids[k], SIGTERM);
    for (size_t k = 0; k < procs; k++) {
        unsigned long long n = 0;
        if (read(dp[0], &n, sizeof n) == (ssize_t)sizeof n)
            sent += n;
        waitpid(pids[k], NULL, 0);
    }
    free(pids);
    free(canon);
    dse_embedded_coord_stop(&ec);
    printf("workers: %zu simulated workers (%zu processes of %zu threads), %zu registered "
           "before the job (coordinator thread CPU %.2f s, %.1f us per worker; process memory "
           "%.1f KiB per worker, %ld KiB in all, %ld KiB at the job's end)\n",
           workers, procs, threads, registered, cpu_reg,
           registered ? 1e6 * cpu_reg / (double)registered : 0.0,
           registered ? (double)(rss1 - rss0) / (double)registered : 0.0, rss1 - rss0,
           rss2 - rss0);
    if (!done_units || t1 <= t0) {
        printf("workers: %zu units: did not finish; %zu workers declared dead\n", units,
               registered - remaining);
        return 1;
    }
    int once = evaluated == units;
    printf("workers: %u units in %.2f s = %.0f unit results/s; coordinator thread CPU %.2f s "
           "(%.1f us per unit); %u workers returned results, %zu declared dead; %llu results "
           "sent, %u units re-issued; every unit settled exactly once: %s (%llu points counted "
           "of %zu)\n",
           done_units, t1 - t0, done_units / (t1 - t0), cpu_b - cpu_a,
           1e6 * (cpu_b - cpu_a) / done_units, returned, registered - remaining, sent, reissued,
           once ? "yes" : "NO", (unsigned long long)evaluated, units);
    return once ? 0 : 1;
}
