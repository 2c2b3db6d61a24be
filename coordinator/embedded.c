/* embedded.c - a whole run as a library call (dse-run's orchestration). */
#include "coordinator/embedded.h"

#include <czmq.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/evaluator.h"
#include "coordinator/calibrate.h"
#include "coordinator/client.h"
#include "coordinator/journal.h"
#include "coordinator/mcache.h"
#include "coordinator/verify.h"
#include "core/job.h"
#include "core/topo.h"
#include "core/transport.h"
#include "core/util.h"
#include "core/wire.h"
#include "eval/eval.h"
#include "eval/explain.h"
#include "outputs/outputs.h"
#include "worker/worker.h"

/* ------------------------------------------------ a coordinator in a thread */

struct dse_embedded_coord {
    dse_coord_t *coord;
    pthread_t thread;
    volatile sig_atomic_t stop;
};

static void *s_coord_thread(void *arg)
{
    dse_coord_run(arg);
    return NULL;
}

dse_embedded_coord_t *dse_embedded_coord_start(const dse_coord_opts_t *o, dse_error_t *err)
{
    dse_embedded_coord_t *ec = dse_xcalloc(1, sizeof *ec);
    dse_coord_opts_t co = *o;
    co.stop = &ec->stop;
    ec->coord = dse_coord_new(&co, err);
    if (!ec->coord) {
        free(ec);
        return NULL;
    }
    if (pthread_create(&ec->thread, NULL, s_coord_thread, ec->coord) != 0) {
        dse_coord_destroy(&ec->coord);
        free(ec);
        dse_error_set(err, DSE_EFAIL, NULL, 0, 0, "cannot start the coordinator's thread");
        return NULL;
    }
    return ec;
}

dse_coord_t *dse_embedded_coord(const dse_embedded_coord_t *ec)
{
    return ec->coord;
}

double dse_embedded_coord_cpu(const dse_embedded_coord_t *ec)
{
    clockid_t id;
    struct timespec ts;
    if (pthread_getcpuclockid(ec->thread, &id) || clock_gettime(id, &ts))
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dse_embedded_coord_stop(dse_embedded_coord_t **ec_p)
{
    dse_embedded_coord_t *ec = *ec_p;
    if (!ec)
        return;
    ec->stop = 1;
    pthread_join(ec->thread, NULL);
    dse_coord_destroy(&ec->coord);
    free(ec);
    *ec_p = NULL;
}

/* ------------------------------------------------------- a bare client */

/* Takes what st needs from one message: 1 when the job ended, DSE_EFAIL
 * when the coordinator refused it. */
static int s_submit_seen(dse_embedded_coord_t *ec, dse_msg_t *m, dse_submit_stats_t *st,
                         dse_error_t *err)
{
    if (m->cmd == DSE_MSG_ACCEPT) {
        st->t_accept = dse_now(); /* after planning, which times a sample of points */
        st->cpu_accept = dse_embedded_coord_cpu(ec);
    }
    if (m->cmd == DSE_MSG_DONE) {
        st->units = m->done.units;
        st->reissued = m->done.reissued;
        st->evaluated = m->done.counters.evaluated;
        st->workers_seen = m->done.workers_seen;
    }
    if (m->cmd != DSE_MSG_DONE && m->cmd != DSE_MSG_ERROR)
        return 0;
    st->t_done = dse_now();
    st->cpu_done = dse_embedded_coord_cpu(ec);
    if (m->cmd == DSE_MSG_ERROR)
        return dse_error_set(err, DSE_EFAIL, NULL, 0, 0, "%s", m->error.message);
    return 1;
}

int dse_embedded_submit(dse_embedded_coord_t *ec, const char *canonical,
                        const dse_curve_client_t *curve, double timeout_s,
                        dse_submit_stats_t *st, dse_error_t *err)
{
    memset(st, 0, sizeof *st);
    zsock_t *cl = zsock_new(ZMQ_DEALER);
    dse_sock_setup(cl);
    if (curve)
        dse_curve_client_apply(curve, cl);
    zsock_connect(cl, "%s", dse_coord_client_endpoint(ec->coord));
    dse_msg_view_t sub = {.cmd = DSE_MSG_SUBMIT};
    sub.submit.config = canonical;
    dse_msg_send(cl, NULL, &sub);
    dse_msg_view_t hb = {.cmd = DSE_MSG_HEARTBEAT};
    double deadline = dse_now() + timeout_s, last_hb = dse_now();
    int done = 0;
    while (done == 0 && dse_now() < deadline) {
        if (dse_now() - last_hb >= 1.0) { /* the client's own heartbeat */
            dse_msg_send(cl, NULL, &hb);
            last_hb = dse_now();
        }
        zpoller_t *p = zpoller_new(cl, NULL);
        void *w = zpoller_wait(p, 100);
        zpoller_destroy(&p);
        dse_msg_t m;
        dse_error_t rerr = DSE_ERROR_INIT;
        if (!w || dse_msg_recv(cl, NULL, &m, &rerr) != 0)
            continue;
        done = s_submit_seen(ec, &m, st, err);
        dse_msg_release(&m);
    }
    zsock_destroy(&cl);
    if (done == 0)
        return dse_error_set(err, DSE_ETIMEDOUT, NULL, 0, 0, "the job did not end within %g s",
                             timeout_s);
    return done < 0 ? done : 0;
}

/* ------------------------------------------------------- an embedded run's state */

/* An embedded run keeps its coordinator's journal in OUT/.dse-state, beside
 * a file `run` naming the job file (absolute) and the options that shape
 * its outputs, so that `dse-run --resume OUT` can run it again. The state
 * goes when the run ends, unless it was interrupted or killed. */
#define S_STATE ".dse-state"

static char *s_state_dir(const char *out)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "%s/%s", out, S_STATE);
    return dse_strbuf_detach(&sb, NULL);
}

static void s_state_remove(const char *state)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/journal", state);
    unlink(path);
    snprintf(path, sizeof path, "%s/run", state);
    unlink(path);
    rmdir(state);
}

static int s_state_write(const char *state, const char *config, int dump_all, int plot_layers,
                         dse_error_t *err)
{
    char abs[PATH_MAX];
    if (!realpath(config, abs))
        return dse_error_set(err, DSE_EIO, config, 0, 0, "cannot resolve the path: %s",
                             strerror(errno));
    if (strchr(abs, '\n'))
        return dse_error_set(err, DSE_EINVAL, config, 0, 0, "a job file whose path holds a "
                             "newline cannot be resumed");
    if (dse_mkdir_p(state, err) != 0)
        return err->code;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "config %s\ndump_all %d\nplot_layers %d\n", abs, dump_all, plot_layers);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/run", state);
    int rc = dse_write_file_atomic(path, sb.buf, sb.len, err);
    dse_strbuf_release(&sb);
    return rc;
}

/* Reads OUT/.dse-state/run: the job file and the options. */
static int s_state_read(const char *out, char **config, int *dump_all, int *plot_layers,
                        dse_error_t *err)
{
    char *state = s_state_dir(out);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/run", state);
    free(state);
    char *text = NULL;
    size_t len = 0;
    dse_error_t e = DSE_ERROR_INIT;
    if (dse_read_file_max(path, 65536, &text, &len, &e) != 0)
        return dse_error_set(err, DSE_ENOTFOUND, out, 0, 0, "no interrupted run to resume here "
                             "(%s: %s)", path, e.msg);
    *config = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "config ", 7) == 0)
            *config = dse_xstrdup(line + 7);
        else if (strncmp(line, "dump_all ", 9) == 0)
            *dump_all = atoi(line + 9) != 0;
        else if (strncmp(line, "plot_layers ", 12) == 0)
            *plot_layers = atoi(line + 12) != 0;
    }
    free(text);
    if (!*config || !**config) {
        free(*config);
        *config = NULL;
        return dse_error_set(err, DSE_EPARSE, path, 0, 0, "names no job file");
    }
    return 0;
}

/* Before an embedded run: whether OUT/.dse-state holds an interrupted run
 * of this job text. 1 = it does (resume it); 0 = nothing to resume (a state
 * of another text is discarded, with a line on log, unless `resume`, which
 * then fails); < 0 = an error (for --resume). */
static int s_state_check(const char *state, const char *out, const char *canonical, int resume,
                         FILE *log, const char *prog, dse_error_t *err)
{
    char **texts = NULL;
    size_t n = 0;
    dse_error_t e = DSE_ERROR_INIT;
    int rc = dse_journal_live_texts(state, &texts, &n, &e);
    int same = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        same |= strcmp(texts[i], canonical) == 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        free(texts[i]);
    free(texts);
    if (same)
        return 1;
    if (resume) {
        if (rc == DSE_ENOTFOUND || (rc == 0 && n == 0))
            return dse_error_set(err, DSE_ENOTFOUND, out, 0, 0, "no interrupted run to resume "
                                 "here (no job in %s)", state);
        if (rc)
            return dse_error_set(err, rc, out, 0, 0, "cannot resume: %s: %s", e.file, e.msg);
        return dse_error_set(err, DSE_ECONFIG, out, 0, 0, "cannot resume: the interrupted run "
                             "kept here is of another job text (the job file or a file it "
                             "reads changed since); run it without --resume to start afresh");
    }
    if (rc != DSE_ENOTFOUND && (rc != 0 || n > 0)) {
        /* said even with -q: work is dropped */
        fprintf(log, "%s: %s held an interrupted run of %s: starting afresh\n", prog, state,
                rc ? "a damaged journal" : "another job text");
        s_state_remove(state);
    }
    return 0;
}

/* ------------------------------------------------------- one run */

typedef struct {
    const dse_run_opts_t *o;
    const char *prog;
    FILE *out, *log;
    volatile sig_atomic_t *stop;
    volatile sig_atomic_t never; /* the stop flag when the caller gives none */
    const char *config;          /* the job file (o->config, or the one a state names) */
    char *resume_config;
    int dump_all, plot_layers, workers;
    int remote;
    char *cache_dir;
    dse_evaljob_t *ej;
    char *state;          /* OUT/.dse-state of an embedded run */
    int state_resumed;    /* the state held this job: it is not this run's to remove */
    int made_output;      /* the output folder did not exist before this run */
    dse_embedded_coord_t *ec;
    pid_t *pids;          /* DSE_LOCAL_PROCESSES */
    pthread_t *threads;   /* DSE_LOCAL_THREADS */
    dse_worker_opts_t wopts;
    volatile sig_atomic_t workers_stop;
    int n_local;
    char client_ep[512];
} s_run_t;

/* Says err on the log and returns its code. */
static int s_fail(s_run_t *r, const dse_error_t *err)
{
    dse_error_print(err, r->log);
    return err->code ? err->code : DSE_EFAIL;
}

/* dse-run --resume OUT: the job file and options the run was started with. */
static int s_resolve(s_run_t *r, dse_error_t *err)
{
    const dse_run_opts_t *o = r->o;
    r->config = o->config;
    r->dump_all = o->dump_all;
    r->plot_layers = o->plot_layers;
    struct stat cst;
    if (!o->resume || stat(o->config, &cst) != 0 || !S_ISDIR(cst.st_mode))
        return 0;
    int saved_dump = 0, saved_plot = 0;
    if (s_state_read(o->config, &r->resume_config, &saved_dump, &saved_plot, err) != 0)
        return s_fail(r, err);
    r->config = r->resume_config;
    r->dump_all |= saved_dump;
    r->plot_layers |= saved_plot;
    return 0;
}

/* The output folder: --output, or the folder --resume named. */
static const char *s_output(const s_run_t *r)
{
    return r->resume_config ? r->o->config : r->o->output;
}

/* A measured job runs on the local workers only with --allow-command. */
static int s_allowed(s_run_t *r, const dse_job_t *job, dse_error_t *err)
{
    const char *allow = r->o->allow_command;
    if (!job->evaluator || r->remote)
        return 0;
    const char *cmd = job->evaluator->argv[0];
    if (!allow) {
        /* before anything is written */
        fprintf(r->log, "%s: %s: [evaluator] runs '%s' for each point: the local workers "
                "run commands only with --allow-command (or --allow-command=%s%s)\n", r->prog,
                job->path, cmd, cmd[0] == '/' ? "" : "/ABSOLUTE/", cmd[0] == '/' ? cmd : "PATH");
        return dse_error_set(err, DSE_EINVAL, job->path, 0, 0, "the local workers run "
                             "commands only with --allow-command");
    }
    if (*allow && strcmp(allow, cmd) != 0) {
        fprintf(r->log, "%s: %s: [evaluator] runs '%s', but --allow-command allows only "
                "'%s'\n", r->prog, job->path, cmd, allow);
        return dse_error_set(err, DSE_EINVAL, job->path, 0, 0, "--allow-command allows only "
                             "'%s'", allow);
    }
    if (r->o->local == DSE_LOCAL_THREADS) {
        fprintf(r->log, "%s: %s: a measured job needs worker processes\n", r->prog, job->path);
        return dse_error_set(err, DSE_ENOTSUP, job->path, 0, 0, "a measured job needs worker "
                             "processes");
    }
    return 0;
}

/* --calibrate: fits the model's calibratable keys to the cached
 * measurements of the job and writes calibrated-NAME.toml into the job's
 * output folder. Takes the job. */
static int s_calibrate(s_run_t *r, dse_job_t **job_p, dse_error_t *err)
{
    const dse_run_opts_t *o = r->o;
    dse_job_t *job = *job_p;
    if (!job->evaluator || o->no_cache) {
        fprintf(r->log, "%s: %s: --calibrate fits the model to the cached measurements of "
                "a job with [evaluator] kind = \"command\"%s\n", r->prog, job->path,
                o->no_cache ? " (not with --no-cache)" : "");
        dse_job_destroy(job_p);
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "nothing to calibrate");
    }
    char *dir = o->cache ? dse_xstrdup(o->cache) : dse_mcache_default_dir();
    if (!dir) {
        fprintf(r->log, "%s: no cache folder: give --cache DIR\n", r->prog);
        dse_job_destroy(job_p);
        return dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "no cache folder");
    }
    dse_mcache_t *c = NULL;
    char *path = NULL;
    int rc = 0;
    if (dse_evaljob_new(job_p, &r->ej, err) != 0 || !(c = dse_mcache_open(dir, err)) ||
        dse_mkdir_p(r->ej->job->output, err) != 0) {
        rc = s_fail(r, err);
        goto out;
    }
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "%s/calibrated-%s.toml", r->ej->job->output, r->ej->job->name);
    path = dse_strbuf_detach(&sb, NULL);
    dse_calibration_t cal;
    if (dse_calibrate(r->ej, c, path, &cal, err) != 0) {
        rc = s_fail(r, err);
        goto out;
    }
    fprintf(r->out, "%s: %zu measured points; rms of log(model / measured) %.4f -> %.4f, mean "
            "relative error %.2f%% -> %.2f%%; written to %s\n", r->ej->job->name, cal.points,
            cal.rms_before, cal.rms_after, 100 * cal.mean_before, 100 * cal.mean_after, path);
out:
    free(path);
    dse_mcache_destroy(&c);
    free(dir);
    return rc;
}

/* Loads the job and builds it for evaluation (r->ej); checks that its
 * output folder can be written before any time is spent. */
static int s_load(s_run_t *r, dse_error_t *err)
{
    const dse_run_opts_t *o = r->o;
    dse_job_t *job = NULL;
    if (dse_config_load(r->config, &job, err) != 0)
        return s_fail(r, err);
    char warning[512];
    if (dse_job_prune_warning(job, warning, sizeof warning))
        fprintf(r->log, "%s: %s\n", r->config, warning);
    if (s_output(r)) {
        free(job->output);
        job->output = dse_xstrdup(s_output(r));
    }
    job->dump_all |= r->dump_all;
    job->plot_layers |= r->plot_layers;
    r->workers = o->workers < 0 ? job->workers : o->workers;
    if (o->calibrate)
        return s_calibrate(r, &job, err);
    if (s_allowed(r, job, err) != 0) {
        dse_job_destroy(&job);
        return err->code;
    }
    if (job->evaluator && !r->remote && !o->no_cache)
        r->cache_dir = o->cache ? dse_xstrdup(o->cache) : dse_mcache_default_dir();
    if (dse_evaljob_new(&job, &r->ej, err) != 0)
        return s_fail(r, err);
    /* the output folder is created only when the outputs are written, so a
     * failed or interrupted run leaves no empty folder */
    if (dse_outputs_check_dir(r->ej->job->output, err) != 0)
        return s_fail(r, err);
    return 0;
}

/* An embedded run keeps its state in the output folder (which it creates
 * for that): an interrupted or killed run is resumed. */
static int s_state_begin(s_run_t *r, dse_error_t *err)
{
    struct stat ost;
    r->made_output = stat(r->ej->job->output, &ost) != 0;
    if (r->remote)
        return 0;
    r->state = s_state_dir(r->ej->job->output);
    int sc = s_state_check(r->state, r->ej->job->output, r->ej->canonical, r->o->resume,
                           r->log, r->prog, err);
    if (sc < 0 || s_state_write(r->state, r->config, r->ej->job->dump_all,
                                r->ej->job->plot_layers, err) != 0) {
        dse_error_print(err, r->log);
        if (sc >= 0) { /* what this run made of the state */
            s_state_remove(r->state);
            if (r->made_output)
                rmdir(r->ej->job->output);
        }
        free(r->state);
        r->state = NULL;
        return err->code;
    }
    r->state_resumed = sc == 1;
    if (sc == 1) /* said even with -q: the run is not what it seems otherwise */
        fprintf(r->log, "%s: resuming the interrupted run kept in %s\n", r->prog, r->state);
    return 0;
}

/* The run is over: its state goes, and the output folder this run made
 * for it when nothing was written there (failed). */
static void s_state_end(s_run_t *r, int failed)
{
    if (!r->state)
        return;
    s_state_remove(r->state);
    if (r->made_output && failed)
        rmdir(r->ej->job->output);
    free(r->state);
    r->state = NULL;
}

/* Path of a program installed beside this one. */
static int s_sibling(const char *name, char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    if (strlen(self) + strlen(name) + 2 > size)
        return -1;
    strcpy(out, self);
    strcat(out, "/");
    strcat(out, name);
    return access(out, X_OK) == 0 ? 0 : -1;
}

static pid_t s_spawn_worker(const s_run_t *r, const char *prog, const char *endpoint, int index)
{
    const dse_job_t *job = r->ej->job;
    const char *allow_prog = r->o->allow_command;
    char allow[4200];
    snprintf(allow, sizeof allow, "--allow-command%s%s", allow_prog && *allow_prog ? "=" : "",
             allow_prog ? allow_prog : "");
    char hb[32], misses[16], core[16];
    snprintf(core, sizeof core, "%d", index);
    snprintf(hb, sizeof hb, "%g", job->heartbeat_s);
    snprintf(misses, sizeof misses, "%d", job->heartbeat_misses);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* the worker goes when its parent goes, however it goes */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    const char *argv[24];
    int a = 0;
    argv[a++] = prog;
    argv[a++] = "--connect";
    argv[a++] = endpoint;
    argv[a++] = "--threads";
    argv[a++] = "1";
    argv[a++] = "--heartbeat";
    argv[a++] = hb;
    argv[a++] = "--heartbeat-misses";
    argv[a++] = misses;
    argv[a++] = "--death-timeout";
    argv[a++] = "30";
    argv[a++] = "--first-core"; /* one core each */
    argv[a++] = core;
    if (r->o->verbose)
        argv[a++] = "--verbose";
    if (allow_prog && job->evaluator) {
        argv[a++] = allow;
        /* the local host is where the user chose to measure: it has the tag */
        if (job->evaluator->requires[0]) {
            argv[a++] = "--tag";
            argv[a++] = job->evaluator->requires;
        }
        if (r->o->keep_failed)
            argv[a++] = "--keep-failed";
    }
    argv[a] = NULL;
    execv(prog, (char *const *)argv);
    fprintf(r->log, "%s: cannot start %s: %s\n", r->prog, prog, strerror(errno));
    _exit(127);
}

static void *s_worker_thread(void *arg)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_worker_run(arg, &err);
    return NULL;
}

/* The local workers: processes of dse-worker, or engines in threads. */
static int s_start_workers(s_run_t *r, const char *prog)
{
    const char *wep = dse_coord_worker_endpoint(dse_embedded_coord(r->ec));
    if (r->o->local == DSE_LOCAL_PROCESSES) {
        r->pids = dse_xcalloc((size_t)r->workers, sizeof *r->pids);
        for (int i = 0; i < r->workers; i++) {
            pid_t pid = s_spawn_worker(r, prog, wep, i);
            if (pid > 0)
                r->pids[r->n_local++] = pid;
        }
        return r->n_local;
    }
    r->wopts = (dse_worker_opts_t){
        .endpoint = wep,
        .threads = 1,
        .heartbeat_s = r->ej->job->heartbeat_s,
        .heartbeat_misses = r->ej->job->heartbeat_misses,
        .death_timeout_s = 30,
        .verbose = r->o->verbose,
        .stop = &r->workers_stop,
    };
    r->threads = dse_xcalloc((size_t)r->workers, sizeof *r->threads);
    for (int i = 0; i < r->workers; i++)
        if (pthread_create(&r->threads[r->n_local], NULL, s_worker_thread, &r->wopts) == 0)
            r->n_local++;
    return r->n_local;
}

/* Starts the embedded coordinator and the local workers. */
static int s_start_local(s_run_t *r, dse_error_t *err)
{
    char prog[PATH_MAX] = "";
    if (r->o->local == DSE_LOCAL_PROCESSES) {
        if (r->o->worker_program)
            snprintf(prog, sizeof prog, "%s", r->o->worker_program);
        else if (s_sibling("dse-worker", prog, sizeof prog) != 0) {
            fprintf(r->log, "%s: cannot find dse-worker beside %s\n", r->prog, r->prog);
            return dse_error_set(err, DSE_ENOTFOUND, NULL, 0, 0, "no dse-worker");
        }
    }
    if (r->workers <= 0) {
        dse_topo_t *topo = NULL;
        dse_error_t terr = DSE_ERROR_INIT;
        r->workers = 1;
        if (dse_topo_open(&topo, NULL, &terr) == 0) {
            r->workers = dse_topo_cores(topo);
            dse_topo_destroy(&topo);
        }
        if (r->workers < 1)
            r->workers = 1;
    }
    const dse_job_t *job = r->ej->job;
    dse_coord_opts_t co = {
        .worker_bind = "tcp://127.0.0.1:*",
        .client_bind = "tcp://127.0.0.1:*",
        .heartbeat_s = job->heartbeat_s,
        .heartbeat_misses = job->heartbeat_misses,
        .max_attempts = job->max_attempts,
        .unit_seconds = job->unit_seconds,
        .cache_dir = r->cache_dir,
        .verbose = r->o->verbose,
        .state_dir = r->state,
    };
    r->ec = dse_embedded_coord_start(&co, err);
    if (!r->ec)
        return s_fail(r, err);
    dse_coord_t *c = dse_embedded_coord(r->ec);
    snprintf(r->client_ep, sizeof r->client_ep, "%s", dse_coord_client_endpoint(c));
    int n = s_start_workers(r, prog);
    if (r->o->verbose)
        fprintf(r->log, "%s: embedded coordinator at %s with %d local worker%s\n", r->prog,
                dse_coord_worker_endpoint(c), n, n == 1 ? "" : "s");
    return 0;
}

/* Stops the local workers, then the coordinator. */
static void s_stop_local(s_run_t *r)
{
    for (int i = 0; r->pids && i < r->n_local; i++)
        kill(r->pids[i], SIGTERM);
    for (int i = 0; r->pids && i < r->n_local; i++)
        waitpid(r->pids[i], NULL, 0);
    r->workers_stop = 1;
    for (int i = 0; r->threads && i < r->n_local; i++)
        pthread_join(r->threads[i], NULL);
    free(r->pids);
    free(r->threads);
    r->pids = NULL;
    r->threads = NULL;
    r->n_local = 0;
    dse_embedded_coord_stop(&r->ec);
}

/* Submits the job to the coordinator (embedded or standing) and waits for
 * its fronts. */
static int s_submit(s_run_t *r, dse_client_result_t *res, dse_error_t *err)
{
    const dse_run_opts_t *o = r->o;
    if (r->remote) {
        snprintf(r->client_ep, sizeof r->client_ep, "%s", o->client_endpoint);
        if (o->verbose)
            fprintf(r->log, "%s: submitting to %s%s%s\n", r->prog, r->client_ep,
                    o->coordinator ? "; workers connect to " : "",
                    o->coordinator ? o->coordinator : "");
    } else if (s_start_local(r, err) != 0) {
        s_stop_local(r);
        if (!r->state_resumed) /* a resumed run's state stays for the next try */
            s_state_end(r, 1);
        return err->code;
    }
    dse_client_opts_t clo = {
        .endpoint = r->client_ep,
        .worker_endpoint = o->coordinator ? o->coordinator
                           : r->ec ? dse_coord_worker_endpoint(dse_embedded_coord(r->ec))
                                   : NULL,
        .progress = o->progress,
        .quiet = o->quiet,
        .verbose = o->verbose,
        .heartbeat_s = r->ej->job->heartbeat_s,
        .heartbeat_misses = r->ej->job->heartbeat_misses,
        .timeout_s = o->timeout_s > 0 ? o->timeout_s : 60,
        .keep_job = r->state != NULL,
        .stop = r->stop,
        .curve = o->curve,
    };
    int crc = dse_client_run(r->ej, &clo, res, err);
    s_stop_local(r);
    if (crc == DSE_EINTR) {
        if (r->state)
            fprintf(r->log, "%s: interrupted; no output written; the run's state is kept "
                    "in %s: dse-run --resume %s continues it\n", r->prog, r->state,
                    r->ej->job->output);
        else
            fprintf(r->log, "%s: interrupted; nothing written\n", r->prog);
        return crc;
    }
    /* from here on the run is over: its state goes */
    s_state_end(r, crc != 0);
    if (crc != 0) {
        char buf[1200];
        dse_error_format(err, buf, sizeof buf);
        fprintf(r->log, "%s: %s\n", r->prog, buf);
    }
    return crc;
}

/* The progress line of the composition: the pass, the layer, the partial
 * networks kept and the time so far, on the terminal. */
typedef struct {
    double t0;
    int shown;
    FILE *log;
} s_compose_t;

static void s_compose_progress(void *arg, int pass, size_t layer, size_t n_layers,
                               size_t partials)
{
    s_compose_t *cp = arg;
    cp->shown = 1;
    fprintf(cp->log, "  composing the network front: pass %d, layer %zu of %zu, %zu partial "
                     "networks, %.0f s   \r", pass, layer + 1, n_layers, partials,
            dse_now() - cp->t0);
}

/* Composes the network front (NULL with *why when there is none). */
static int s_compose(s_run_t *r, const dse_client_result_t *res, dse_netfront_t **nf,
                     double *seconds, dse_error_t *nerr)
{
    double t0 = dse_now();
    int show = r->o->progress;
    if (show)
        fprintf(r->log, "  composing the network front...\r");
    s_compose_t cp = {dse_now(), 0, r->log};
    if (dse_outputs_compose_progress(r->ej, res->fronts, r->stop,
                                     show ? s_compose_progress : NULL, &cp, nf, nerr) != 0) {
        if (nerr->code == DSE_EINTR) {
            fprintf(r->log, "%s: interrupted; nothing written\n", r->prog);
            return DSE_EINTR;
        }
        fprintf(r->log, "%s: no network front: %s\n", r->prog, nerr->msg);
    }
    *seconds = dse_now() - t0;
    if (show && cp.shown)
        fprintf(r->log, "%-78s\r", "");
    return 0;
}

/* [evaluator] verify: how the sampled points fared. */
static void s_report_verify(const s_run_t *r, const dse_client_result_t *res)
{
    const dse_job_t *job = r->ej->job;
    size_t n[4] = {0};
    for (size_t i = 0; i < res->n_verified; i++)
        n[res->verified[i].status & 3]++;
    if (!r->o->quiet)
        fprintf(r->out, "%s: verify: %zu of %zu sampled points measured again on another "
                "worker, %zu disagreed%s\n", job->name,
                n[DSE_VERIFY_AGREE] + n[DSE_VERIFY_DISAGREE], res->n_verified,
                n[DSE_VERIFY_DISAGREE], res->n_verified ? " (see verify.csv)" : "");
    if (n[DSE_VERIFY_DISAGREE])
        fprintf(r->log, "%s: verify: %zu point%s measured again on another worker "
                "disagreed beyond the tolerance: the fronts keep the first measurement; "
                "see verify.csv for the workers\n", r->prog, n[DSE_VERIFY_DISAGREE],
                n[DSE_VERIFY_DISAGREE] == 1 ? "" : "s");
    if (n[DSE_VERIFY_NOT])
        fprintf(r->log, "%s: verify: %zu sampled point%s not verified (see "
                "verify.csv)\n", r->prog, n[DSE_VERIFY_NOT], n[DSE_VERIFY_NOT] == 1 ? "" : "s");
}

/* The closing lines of a run whose outputs were written. */
static void s_report(const s_run_t *r, const dse_client_result_t *res, const dse_netfront_t *nf,
                     double t_compose, dse_run_result_t *out)
{
    const dse_job_t *job = r->ej->job;
    for (size_t i = 0; i < job->n_layers; i++) {
        out->evaluated += res->per_layer[i].evaluated;
        out->skipped += res->per_layer[i].skipped;
        out->front_rows += dse_front_size(res->fronts[i]);
    }
    out->network_rows = nf ? dse_netfront_size(nf) : 0;
    char skip_note[64] = "";
    if (out->skipped)
        snprintf(skip_note, sizeof skip_note, " (%llu more skipped: known infeasible)",
                 (unsigned long long)out->skipped);
    if (!r->o->quiet)
        fprintf(r->out, "%s: %llu points evaluated%s in %.2f s, network composed in %.2f s; "
                "%zu layer front rows, %zu network front rows; written to %s/\n", job->name,
                (unsigned long long)out->evaluated, skip_note, res->wall, t_compose,
                out->front_rows, out->network_rows, job->output);
    if (job->evaluator && !r->o->quiet)
        fprintf(r->out, "%s: %llu points measured, %llu from the cache%s, %zu failed%s\n",
                job->name, (unsigned long long)res->measured, (unsigned long long)res->cached,
                r->cache_dir ? "" : " (no cache)", res->n_quarantined,
                res->n_quarantined ? " (see failures.csv)" : "");
    if (job->evaluator && job->evaluator->verify)
        s_report_verify(r, res);
    /* an empty layer front says why: the capacity or constraint that
     * rejected the most points and the closest value to its bound */
    for (size_t i = 0; i < job->n_layers; i++) {
        if (dse_front_size(res->fronts[i]) || !res->per_layer[i].evaluated)
            continue;
        char msg[512], reason[160];
        double v, b;
        dse_why_explain(job, i, &res->per_layer[i].why, res->per_layer[i].evaluated, msg,
                        sizeof msg, reason, sizeof reason, &v, &b);
        fprintf(r->log, "%s: %s\n", r->prog, msg);
    }
    if (res->n_bad_workers)
        fprintf(r->log, "%s: %zu worker%s quarantined: %s rows disagreed with the "
                "model, and %s units were run again (see summary.json)\n", r->prog,
                res->n_bad_workers, res->n_bad_workers == 1 ? " was" : "s were",
                res->n_bad_workers == 1 ? "its" : "their",
                res->n_bad_workers == 1 ? "its" : "their");
    if (res->n_quarantined && !job->evaluator) {
        fprintf(r->log, "%s: %zu unit%s quarantined: the fronts are incomplete (see "
                "summary.json)\n", r->prog, res->n_quarantined,
                res->n_quarantined == 1 ? " was" : "s were");
        out->quarantined = res->n_quarantined;
    }
}

/* Composes the network front and writes every output file. */
static int s_write(s_run_t *r, const dse_client_result_t *res, dse_run_result_t *out,
                   dse_error_t *err)
{
    dse_netfront_t *nf = NULL;
    dse_error_t nerr = DSE_ERROR_INIT;
    double t_compose = 0;
    if (s_compose(r, res, &nf, &t_compose, &nerr) != 0)
        return dse_error_set(err, DSE_EINTR, NULL, 0, 0, "interrupted");
    dse_run_stats_t st = {
        .wall_seconds = res->wall,
        .compose_seconds = t_compose,
        .workers_seen = res->workers_seen,
        .units = res->units,
        .units_reissued = res->reissued,
        .n_quarantined = res->n_quarantined,
        .quarantined = res->quarantined,
        .n_bad_workers = res->n_bad_workers,
        .bad_workers = (const char *const *)res->bad_workers,
        .per_layer = res->per_layer,
        .measured = res->measured,
        .cached = res->cached,
        .measured_rows = r->ej->job->evaluator ? res->all : NULL,
        .n_verified = res->n_verified,
        .verified = res->verified,
    };
    int rc = 0;
    /* the outputs' notices (an export no point fits) on the log, as ours */
    dse_strbuf_t warnings = DSE_STRBUF_INIT;
    int orc = dse_outputs_write(r->ej, res->fronts, nf, nf ? NULL : nerr.msg,
                                r->ej->job->dump_all ? res->all : NULL, &st, &warnings, err);
    for (char *w = warnings.buf, *nl; w && (nl = strchr(w, '\n')); w = nl + 1)
        fprintf(r->log, "%s: %.*s\n", r->prog, (int)(nl - w), w);
    dse_strbuf_release(&warnings);
    if (orc != 0) {
        rc = s_fail(r, err);
        if (r->made_output) /* made for the state only: nothing of this run is left */
            rmdir(r->ej->job->output);
    } else {
        s_report(r, res, nf, t_compose, out);
    }
    dse_netfront_destroy(&nf);
    return rc;
}

int dse_run_embedded(const dse_run_opts_t *o, dse_run_result_t *res, dse_error_t *err)
{
    dse_error_t local_err = DSE_ERROR_INIT;
    dse_run_result_t local_res;
    if (!err)
        err = &local_err;
    if (!res)
        res = &local_res;
    memset(res, 0, sizeof *res);
    s_run_t r = {
        .o = o,
        .prog = o->prog ? o->prog : "dse-run",
        .out = o->out ? o->out : stdout,
        .log = o->log ? o->log : stderr,
        .remote = o->client_endpoint != NULL,
    };
    r.stop = o->stop ? o->stop : &r.never;
    int rc = s_resolve(&r, err);
    if (rc == 0)
        rc = s_load(&r, err);
    if (rc == 0 && !o->calibrate)
        rc = s_state_begin(&r, err);
    dse_client_result_t cres;
    int have_result = 0;
    if (rc == 0 && !o->calibrate) {
        rc = s_submit(&r, &cres, err);
        have_result = rc == 0;
    }
    if (rc == 0 && have_result)
        rc = s_write(&r, &cres, res, err);
    if (have_result)
        dse_client_result_release(&cres, r.ej->job->n_layers);
    free(r.state);
    free(r.resume_config);
    free(r.cache_dir);
    dse_evaljob_destroy(&r.ej);
    return rc;
}
