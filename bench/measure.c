/* bench/measure.c - the overhead of measured evaluation per point.
 *
 * Per point, as a worker thread runs a measured unit: the thread's working
 * folder, spawn of a trivial command, capture of its output, parsing,
 * emptying of the folder (dse_measure_point); then the coordinator's cache,
 * a key and a store per point and a lookup per point. Side by side in one
 * run, interleaved point by point: a bare fork+exec+wait of the same
 * program, and a bare posix_spawn+wait (what the command path uses: clone
 * with CLONE_VFORK), the floors any command path pays; and the load
 * average, since the machine is shared.
 *
 * Two trivial commands, both found beside this program: build/dse-fake-sim
 * --json (linked to the shared libc: most of its cost is the dynamic
 * loader's) and build/dse-fake-sim-static --json (the same program linked
 * statically), which print {"cycles": N} and exit. Then the rate per
 * worker: as many threads as dse-worker starts on this host (one per
 * physical core), each running the command path on its share of the
 * points, against as many threads of bare posix_spawn.
 * Prints points/s; the goal is at least 500 points/s per worker.
 *
 *   build/bench-measure [POINTS]     (default 400)
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coordinator/mcache.h"
#include "config/config.h"
#include "core/space.h"
#include "core/topo.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "eval/eval.h"
#include "eval/measure.h"

extern char **environ;

/* CPU seconds of this process (who = RUSAGE_SELF) or of its waited-for
 * children (RUSAGE_CHILDREN), user + system. */
static double s_cpu(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* A measured job on one small layer whose command is sim --json. */
static dse_evaljob_t *s_job(const char *sim)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb,
                    "[job]\nname = \"bench-measure\"\n[target]\nmodel = \"pulp-cluster\"\n"
                    "[workload]\nsteps = [\"fw\"]\n[[workload.layer]]\nname = \"pw\"\nop = \"pw\"\n"
                    "in_shape = [64, 16, 16]\nout_channels = 64\n[space]\ntile_cout = \"all\"\n"
                    "tile_ho = [16]\ntile_wo = [16]\nmatmul = [\"mm\"]\nbuffering = [\"single\"]\n"
                    "[evaluator]\nkind = \"command\"\ncommand = [\"%s\", \"--json\", "
                    "\"tile_cout={tile_cout}\", \"cin={cin}\"]\ntimeout = 10\n", sim);
    size_t len;
    char *text = dse_strbuf_detach(&sb, &len);
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    dse_evaljob_t *ej = NULL;
    if (dse_config_parse("bench-measure", text, len, 0, &job, &err) ||
        dse_evaljob_new(&job, &ej, &err)) {
        dse_error_print(&err, stderr);
        ej = NULL;
    }
    free(text);
    return ej;
}

/* One point through the command path; 0 when it was measured. */
static int s_point(const dse_evaljob_t *ej, uint64_t i)
{
    const dse_space_t *s = ej->job->layers[0].space;
    double params[DSE_MAX_PARAMS], metrics[DSE_MAX_METRICS];
    char why[512];
    uint64_t idx = i % s->size;
    dse_space_decode(s, idx, params);
    ej->job->model->evaluate(ej->ctx[0], params, metrics);
    return dse_measure_point(ej, 0, idx, params, metrics, NULL, why, sizeof why) != 0;
}

static int s_spawn_wait(const char *sim, const posix_spawn_file_actions_t *fa)
{
    char *args[] = {(char *)sim, "--json", "x=1", NULL};
    pid_t pid;
    if (posix_spawn(&pid, sim, fa, NULL, args, environ) != 0)
        return 1;
    int st;
    waitpid(pid, &st, 0);
    return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* One thread: n points of the command path (path) or of bare spawns. */
typedef struct {
    const dse_evaljob_t *ej;
    const char *sim;
    int path;
    int first, n;
    int failed;
} s_share_t;

static void *s_share_main(void *arg)
{
    s_share_t *sh = arg;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    for (int i = 0; i < sh->n; i++)
        sh->failed += sh->path ? s_point(sh->ej, (uint64_t)(sh->first + i))
                               : s_spawn_wait(sh->sim, &fa);
    posix_spawn_file_actions_destroy(&fa);
    return NULL;
}

/* n points over t threads; wall seconds, failures into *failed. */
static double s_threads(const dse_evaljob_t *ej, const char *sim, int path, int n, int t,
                        int *failed)
{
    pthread_t th[64];
    s_share_t sh[64];
    double t0 = dse_now();
    for (int i = 0; i < t; i++) {
        sh[i] = (s_share_t){ej, sim, path, i * (n / t), n / t + (i < n % t), 0};
        pthread_create(&th[i], NULL, s_share_main, &sh[i]);
    }
    for (int i = 0; i < t; i++) {
        pthread_join(th[i], NULL);
        *failed += sh[i].failed;
    }
    return dse_now() - t0;
}

/* The three on one command, interleaved point by point so that each sees
 * the same load of a shared machine: the floor of fork, exec, wait; the
 * floor of posix_spawn (vfork semantics), wait; the command path. */
static int s_single(const dse_evaljob_t *ej, const char *sim, const char *label, int n)
{
    char *args[] = {(char *)sim, "--json", "x=1", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    double t_bare = 0, t_spawn = 0, t_cmd = 0, t0;
    /* CPU time: of this process (the worker's side) and of the children */
    double c_bare[2] = {0, 0}, c_spawn[2] = {0, 0}, c_cmd[2] = {0, 0}, s0, k0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        t0 = dse_now(), s0 = s_cpu(RUSAGE_SELF), k0 = s_cpu(RUSAGE_CHILDREN);
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open("/dev/null", 1);
            dup2(fd, 1);
            execv(sim, args);
            _exit(127);
        }
        waitpid(pid, NULL, 0);
        t_bare += dse_now() - t0;
        c_bare[0] += s_cpu(RUSAGE_SELF) - s0, c_bare[1] += s_cpu(RUSAGE_CHILDREN) - k0;

        t0 = dse_now(), s0 = s_cpu(RUSAGE_SELF), k0 = s_cpu(RUSAGE_CHILDREN);
        failed += s_spawn_wait(sim, &fa);
        t_spawn += dse_now() - t0;
        c_spawn[0] += s_cpu(RUSAGE_SELF) - s0, c_spawn[1] += s_cpu(RUSAGE_CHILDREN) - k0;

        t0 = dse_now(), s0 = s_cpu(RUSAGE_SELF), k0 = s_cpu(RUSAGE_CHILDREN);
        failed += s_point(ej, (uint64_t)i);
        t_cmd += dse_now() - t0;
        c_cmd[0] += s_cpu(RUSAGE_SELF) - s0, c_cmd[1] += s_cpu(RUSAGE_CHILDREN) - k0;
    }
    posix_spawn_file_actions_destroy(&fa);
    printf("one thread, %d points, trivial command: %s\n", n, label);
    printf("  fork+exec+wait alone        %8.0f points/s\n", n / t_bare);
    printf("  posix_spawn+wait alone      %8.0f points/s\n", n / t_spawn);
    printf("  command path per point      %8.0f points/s (%.2f ms each; %.2fx the bare "
           "fork+exec, %.2fx the bare posix_spawn; %d failed)\n", n / t_cmd, 1e3 * t_cmd / n,
           t_cmd / t_bare, t_cmd / t_spawn, failed);
    printf("  CPU ms per point, this process + the command: fork+exec %.2f + %.2f, posix_spawn "
           "%.2f + %.2f, command path %.2f + %.2f\n", 1e3 * c_bare[0] / n, 1e3 * c_bare[1] / n,
           1e3 * c_spawn[0] / n, 1e3 * c_spawn[1] / n, 1e3 * c_cmd[0] / n, 1e3 * c_cmd[1] / n);
    return failed;
}

/* Per worker: t threads of the command path against t threads of bare
 * posix_spawn, alternated twice. */
static int s_per_worker(const dse_evaljob_t *ej, const char *sim, const char *label, int n, int t)
{
    int failed = 0;
    double w_spawn = 0, w_cmd = 0;
    for (int round = 0; round < 2; round++) {
        w_spawn += s_threads(ej, sim, 0, n, t, &failed);
        w_cmd += s_threads(ej, sim, 1, n, t, &failed);
    }
    printf("per worker (%d threads, one per physical core, as dse-worker starts them), %d points, "
           "%s:\n", t, 2 * n, label);
    printf("  posix_spawn+wait alone      %8.0f points/s\n", 2 * n / w_spawn);
    printf("  command path                %8.0f points/s (%.2fx the bare posix_spawn; %d "
           "failed)\n", 2 * n / w_cmd, w_cmd / w_spawn, failed);
    return failed;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 400;
    if (n < 1)
        n = 1;
    char self[PATH_MAX], sim[PATH_MAX + 32], sim_static[PATH_MAX + 32];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0)
        return 1;
    self[k] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(sim, sizeof sim, "%s/dse-fake-sim", self);
    if (access(sim, X_OK) != 0) {
        fprintf(stderr, "bench-measure: %s is missing (make all)\n", sim);
        return 1;
    }
    snprintf(sim_static, sizeof sim_static, "%s/dse-fake-sim-static", self);
    int have_static = access(sim_static, X_OK) == 0;
    if (!have_static)
        fprintf(stderr, "bench-measure: %s is missing (make all); the static rows are left "
                "out\n", sim_static);
    dse_measure_allow(NULL);
    dse_evaljob_t *ej = s_job(sim);
    dse_evaljob_t *ej_static = have_static ? s_job(sim_static) : NULL;
    if (!ej || (have_static && !ej_static))
        return 1;
    dse_error_t err = DSE_ERROR_INIT;
    int cores = 1;
    dse_topo_t *topo = NULL;
    if (dse_topo_open(&topo, NULL, &err) == 0) {
        cores = dse_topo_cores(topo);
        dse_topo_destroy(&topo);
    }
    if (cores < 1)
        cores = 1;
    if (cores > 64)
        cores = 64;
    int failed = s_single(ej, sim, "dse-fake-sim --json (dynamically linked)", n);
    if (have_static)
        failed += s_single(ej_static, sim_static, "dse-fake-sim-static --json (statically linked)",
                           n);
    failed += s_per_worker(ej, sim, "dse-fake-sim (dynamic)", n, cores);
    if (have_static)
        failed += s_per_worker(ej_static, sim_static, "dse-fake-sim-static", n, cores);
    double params[DSE_MAX_PARAMS], metrics[DSE_MAX_METRICS];
    double t0;
    memset(metrics, 0, sizeof metrics);

    /* the cache: key, store, lookup */
    char dir[] = "/tmp/dse-bench-cache-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    dse_mcache_t *c = dse_mcache_open(dir, &err);
    if (!c)
        return 1;
    size_t width = ej->job->model->n_metrics;
    t0 = dse_now();
    for (int i = 0; i < n; i++) {
        params[0] = i + 1; /* distinct keys */
        char *key = dse_measure_key(ej, 0, params);
        dse_mcache_put(c, key, width, 0, 0, metrics, &err);
        free(key);
    }
    double t_put = dse_now() - t0;
    int hits = 0;
    t0 = dse_now();
    for (int i = 0; i < n; i++) {
        params[0] = i + 1;
        char *key = dse_measure_key(ej, 0, params);
        int64_t a, b;
        hits += dse_mcache_get(c, key, width, &a, &b, metrics);
        free(key);
    }
    double t_get = dse_now() - t0;
    dse_mcache_destroy(&c);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-measure: could not remove %s\n", dir);

    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    printf("load average                  %8.2f %.2f %.2f (1, 5, 15 min) at the end\n", load[0],
           load[1], load[2]);
    printf("the coordinator's cache, one thread, %d points:\n", n);
    printf("  cache store (key + file)    %8.0f points/s\n", n / t_put);
    printf("  cache lookup (key + read)   %8.0f points/s (%d of %d hits)\n", n / t_get, hits, n);
    dse_evaljob_destroy(&ej);
    if (ej_static)
        dse_evaljob_destroy(&ej_static);
    return failed || hits != n;
}
