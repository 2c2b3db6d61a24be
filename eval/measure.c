/* measure.c - running a job's command for a point, and reading its metrics. */
#include "eval/measure.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "hwmodels/hwmodel.h"

extern char **environ;

static int s_allowed;
static char s_program[4096];
static int s_keep_failed;
static int s_subreaper;

/* The children being run, so that the orphan sweep leaves them alone. */
static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;
#define S_MAX_RUNNING 1024
static pid_t s_running[S_MAX_RUNNING];
static size_t s_n_running;

void dse_measure_allow(const char *program)
{
    s_allowed = 1;
    snprintf(s_program, sizeof s_program, "%s", program ? program : "");
    /* grandchildren that leave the process group come back to us */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
        s_subreaper = 1;
}

void dse_measure_keep_failed(int keep)
{
    s_keep_failed = keep;
}

int dse_measure_check(const dse_evaluator_t *ev, char *why, size_t size)
{
    if (!s_allowed) {
        snprintf(why, size, "refused: this job runs the command '%s' for each point, and this "
                 "worker was not started with --allow-command (dse-run: --allow-command)",
                 ev->argv[0]);
        return DSE_ENOTSUP;
    }
    if (s_program[0] && strcmp(ev->argv[0], s_program) != 0) {
        snprintf(why, size, "refused: this job runs '%s', but --allow-command allows only '%s'",
                 ev->argv[0], s_program);
        return DSE_ENOTSUP;
    }
    return 0;
}

/* --------------------------------------------------------------- capturing */

/* A stream kept as its first half-cap bytes and a ring of its last ones.
 * The head grows as output comes and the ring is made when the head is
 * full, so a command that prints a line costs a page, not the cap. */
typedef struct {
    char *head;
    size_t head_len, head_cap;
    char *tail; /* ring */
    size_t tail_len, tail_pos;
    int capped, open;
} s_capture_t;

#define S_HALF (DSE_MEASURE_CAP / 2)

static void s_capture_add(s_capture_t *c, const char *p, size_t n)
{
    if (c->head_len < S_HALF) {
        size_t k = S_HALF - c->head_len < n ? S_HALF - c->head_len : n;
        if (c->head_len + k > c->head_cap) {
            size_t cap = c->head_cap ? 2 * c->head_cap : 4096;
            while (cap < c->head_len + k)
                cap *= 2;
            c->head_cap = cap < S_HALF ? cap : S_HALF;
            c->head = dse_xrealloc(c->head, c->head_cap);
        }
        memcpy(c->head + c->head_len, p, k);
        c->head_len += k;
        p += k;
        n -= k;
    }
    if (n && !c->tail)
        c->tail = dse_xmalloc(S_HALF);
    for (; n > 0; n--, p++) {
        if (c->tail_len == S_HALF)
            c->capped = 1;
        else
            c->tail_len++;
        c->tail[c->tail_pos] = *p;
        c->tail_pos = (c->tail_pos + 1) % S_HALF;
    }
}

/* The kept bytes in order (a cut is marked by a newline), NUL-terminated. */
static char *s_capture_take(s_capture_t *c, size_t *len)
{
    char *out = dse_xmalloc(c->head_len + c->tail_len + 2);
    if (c->head_len)
        memcpy(out, c->head, c->head_len);
    size_t n = c->head_len;
    if (c->capped)
        out[n++] = '\n';
    size_t start = c->tail_len == S_HALF ? c->tail_pos : 0;
    for (size_t i = 0; i < c->tail_len; i++)
        out[n++] = c->tail[(start + i) % S_HALF];
    out[n] = '\0';
    *len = n;
    return out;
}

static int s_read_into(int fd, s_capture_t *c)
{
    char buf[65536];
    ssize_t k = read(fd, buf, sizeof buf);
    if (k > 0) {
        s_capture_add(c, buf, (size_t)k);
        return 1;
    }
    if (k < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    c->open = 0;
    return 0;
}

/* Kills and reaps our children that are not commands being run: the
 * grandchildren of a command that left its process group, handed to us as
 * the subreaper. */
static void s_sweep_one(pid_t pid)
{
    for (size_t i = 0; i < s_n_running; i++)
        if (s_running[i] == pid)
            return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Kills our children listed in a /proc/self/task/TID/children file ("PID
 * PID ... ", read in pieces: a number cut at a piece's end is carried into
 * the next). The number of children it found; -1 when the file cannot be
 * opened (errno says why). */
static int s_sweep_children_of(const char *tid)
{
    char path[320], buf[4096];
    snprintf(path, sizeof path, "/proc/self/task/%s/children", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char num[16];
    size_t nl = 0;
    ssize_t k;
    int found = 0;
    while ((k = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < k; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                if (nl < sizeof num - 1)
                    num[nl++] = buf[i];
            } else if (nl) {
                num[nl] = '\0';
                s_sweep_one((pid_t)atol(num));
                found++;
                nl = 0;
            }
        }
    if (nl) {
        num[nl] = '\0';
        s_sweep_one((pid_t)atol(num));
        found++;
    }
    close(fd);
    return found;
}

/* Whether this process's first thread (the leader) has ended. */
static int s_leader_gone(void)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", (long)getpid());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k <= 0)
        return 1;
    buf[k] = '\0';
    char *rp = strrchr(buf, ')');
    return !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
}

/* The sweep through /proc/self/task/TID/children (Linux with
 * CONFIG_PROC_CHILDREN): our children only, a few reads instead of one per
 * process of the host. An orphan goes to the subreaper's first live
 * thread (the kernel's find_new_reaper), which is the leader while it
 * lives: then the leader's file lists them all, and other threads' files
 * only commands being run. So the leader's file alone when it lists
 * someone or the leader lives; every thread's otherwise. -1 when the
 * kernel has no such file. */
static int s_sweep_children_files(void)
{
    char lead[24];
    snprintf(lead, sizeof lead, "%ld", (long)getpid());
    int n = s_sweep_children_of(lead);
    if (n < 0)
        return errno == ENOENT ? -1 : 0;
    if (n > 0 || !s_leader_gone())
        return 0;
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (s_sweep_children_of(e->d_name) < 0 && errno == ENOENT)
            rc = -1;
    }
    closedir(d);
    return rc;
}

static void s_sweep_orphans(void)
{
    if (!s_subreaper)
        return;
    if (s_sweep_children_files() == 0)
        return;
    pid_t self = getpid();
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t k = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (k <= 0)
            continue;
        buf[k] = '\0';
        char *rp = strrchr(buf, ')');
        char state;
        int ppid;
        if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2 || ppid != self)
            continue;
        s_sweep_one((pid_t)pid);
    }
    closedir(d);
}

/* The environment of the command: ours, with the DSE_* entries of env
 * replacing any of the same name. */
static char **s_environment(char *const env[])
{
    size_t n = 0, k = 0;
    while (environ && environ[n])
        n++;
    while (env && env[k])
        k++;
    char **out = dse_xcalloc(n + k + 1, sizeof *out);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < k && !replaced; j++) {
            size_t nl = strcspn(env[j], "=");
            replaced = strncmp(environ[i], env[j], nl) == 0 && environ[i][nl] == '=';
        }
        if (!replaced)
            out[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        out[m++] = env[j];
    return out;
}

/* One running command: its process, its pidfd and the read ends of its
 * output pipes with what was captured from them. */
typedef struct {
    pid_t pid;
    int pfd;
    int out_fd, err_fd;
    s_capture_t co, ce;
} s_child_t;

/* Starts argv in its own process group with stdout and stderr into pipes.
 * posix_spawn, which glibc runs as clone(CLONE_VM | CLONE_VFORK): no copy
 * of the worker's page tables per point, and an exec or chdir failure
 * comes back as its return value. The child: stdin /dev/null, the point's
 * folder as working directory, no other inherited file descriptor, no
 * blocked signal, SIGPIPE back to its default. */
static int s_spawn(char *const argv[], const char *cwd, char *const env[], s_child_t *ch,
                   char *why, size_t size)
{
    int po[2] = {-1, -1}, pe[2] = {-1, -1};
    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
        snprintf(why, size, "cannot create pipes: %s", strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (po[i] >= 0)
                close(po[i]);
            if (pe[i] >= 0)
                close(pe[i]);
        }
        return DSE_EFAIL;
    }
    char **envp = s_environment(env);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&at);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    /* registered as running before the orphan sweep of another thread can see it */
    pthread_mutex_lock(&s_mu);
    int spawn_errno = posix_spawnp(&pid, argv[0], &fa, &at, argv, envp);
    if (spawn_errno == 0 && s_n_running < S_MAX_RUNNING)
        s_running[s_n_running++] = pid;
    pthread_mutex_unlock(&s_mu);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(envp);
    close(po[1]);
    close(pe[1]);
    if (spawn_errno) {
        snprintf(why, size, "cannot run '%s': %s", argv[0], strerror(spawn_errno));
        close(po[0]), close(pe[0]);
        return DSE_EFAIL;
    }
    *ch = (s_child_t){.pid = pid, .out_fd = po[0], .err_fd = pe[0],
                      .co = {NULL, 0, 0, NULL, 0, 0, 0, 1},
                      .ce = {NULL, 0, 0, NULL, 0, 0, 0, 1}};
    /* the end of the program wakes the poll of s_supervise (Linux 5.3+; else short sleeps) */
    ch->pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    fcntl(ch->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(ch->err_fd, F_SETFL, O_NONBLOCK);
    return 0;
}

/* Reads the child's output until it ends. At the deadline, or when cancel
 * is set, the group gets SIGTERM, then SIGKILL a second later. Returns
 * whether it was cancelled; *status is waitpid's. */
static int s_supervise(s_child_t *ch, double t0, double timeout, const atomic_int *cancel,
                       int *status, int *timed_out)
{
    double deadline = t0 + timeout, term_at = 0;
    int done = 0, cancelled = 0, idle_us = 200;
    while (!done) {
        double now = dse_now();
        if (!term_at && (now >= deadline || (cancel && atomic_load(cancel)))) {
            cancelled = !(now >= deadline);
            *timed_out = !cancelled;
            kill(-ch->pid, SIGTERM);
            term_at = now;
        } else if (term_at && now - term_at >= 1.0) {
            kill(-ch->pid, SIGKILL);
        }
        struct pollfd fds[3];
        int nf = 0;
        if (ch->co.open)
            fds[nf++] = (struct pollfd){.fd = ch->out_fd, .events = POLLIN};
        if (ch->ce.open)
            fds[nf++] = (struct pollfd){.fd = ch->err_fd, .events = POLLIN};
        int np = nf;
        if (ch->pfd >= 0)
            fds[np++] = (struct pollfd){.fd = ch->pfd, .events = POLLIN};
        int wait_ms = 50;
        if (!term_at && deadline - now < 0.05)
            wait_ms = (int)((deadline - now) * 1000) + 1;
        int polled = 0;
        if (np) {
            polled = poll(fds, (nfds_t)np, wait_ms);
            for (int i = 0; i < nf; i++)
                if (fds[i].revents)
                    s_read_into(fds[i].fd, fds[i].fd == ch->out_fd ? &ch->co : &ch->ce);
        }
        /* with a pidfd, only once it says the program ended */
        int ended = ch->pfd < 0 || (polled > 0 && fds[nf].revents);
        if (ended && waitpid(ch->pid, status, WNOHANG) == ch->pid) {
            done = 1;
        } else if (!np) {
            /* both streams closed, the program still running: wait for it
             * in short, growing steps */
            usleep((useconds_t)(idle_us < wait_ms * 1000 ? idle_us : wait_ms * 1000));
            idle_us = idle_us < 50000 ? idle_us * 2 : idle_us;
        }
    }
    return cancelled;
}

/* After the leader's end: kills the rest of its group, reads what is left
 * in the pipes (a grandchild holding them open is not waited for), closes
 * the descriptors and forgets the process. */
static void s_reap(s_child_t *ch)
{
    kill(-ch->pid, SIGKILL);
    for (int round = 0; round < 64 && (ch->co.open || ch->ce.open); round++) {
        int any = 0;
        if (ch->co.open) {
            errno = 0;
            ssize_t before = (ssize_t)(ch->co.head_len + ch->co.tail_len);
            s_read_into(ch->out_fd, &ch->co);
            any |= (ssize_t)(ch->co.head_len + ch->co.tail_len) != before;
        }
        if (ch->ce.open) {
            ssize_t before = (ssize_t)(ch->ce.head_len + ch->ce.tail_len);
            s_read_into(ch->err_fd, &ch->ce);
            any |= (ssize_t)(ch->ce.head_len + ch->ce.tail_len) != before;
        }
        if (!any)
            break;
    }
    close(ch->out_fd);
    close(ch->err_fd);
    if (ch->pfd >= 0)
        close(ch->pfd);
    pthread_mutex_lock(&s_mu);
    for (size_t i = 0; i < s_n_running; i++)
        if (s_running[i] == ch->pid) {
            s_running[i] = s_running[--s_n_running];
            break;
        }
    s_sweep_orphans();
    pthread_mutex_unlock(&s_mu);
}

int dse_cmd_run(char *const argv[], const char *cwd, char *const env[], double timeout,
                const atomic_int *cancel, dse_cmd_result_t *r, char *why, size_t size)
{
    memset(r, 0, sizeof *r);
    s_child_t ch;
    double t0 = dse_now();
    int rc = s_spawn(argv, cwd, env, &ch, why, size);
    if (rc)
        return rc;
    int status = 0;
    int cancelled = s_supervise(&ch, t0, timeout, cancel, &status, &r->timed_out);
    s_reap(&ch);
    r->out = s_capture_take(&ch.co, &r->out_len);
    r->err = s_capture_take(&ch.ce, &r->err_len);
    r->out_capped = ch.co.capped;
    r->err_capped = ch.ce.capped;
    free(ch.co.head), free(ch.co.tail), free(ch.ce.head), free(ch.ce.tail);
    r->seconds = dse_now() - t0;
    if (WIFEXITED(status))
        r->exited = 1, r->code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r->signaled = 1, r->sig = WTERMSIG(status);
    if (cancelled)
        return DSE_EINTR;
    return 0;
}

void dse_cmd_result_release(dse_cmd_result_t *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------ parsing */

typedef struct {
    char key[64];
    int is_number;
    double value;
} s_pair_t;

#define S_MAX_PAIRS 64

static const char *s_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* A JSON string at p (after the quote is checked): copies up to cap-1
 * bytes of it (escapes kept as written) and returns the byte after it. */
static const char *s_jstring(const char *p, const char *end, char *out, size_t cap)
{
    if (p >= end || *p != '"')
        return NULL;
    size_t n = 0;
    for (p++; p < end; p++) {
        if (*p == '"') {
            if (out)
                out[n] = '\0';
            return p + 1;
        }
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            if (++p >= end)
                return NULL;
        }
        if (out && n + 1 < cap)
            out[n++] = *p;
    }
    return NULL;
}

static const char *s_jvalue(const char *p, const char *end, int depth, s_pair_t *pair);

/* Skips an array or object (nested values are not metrics). */
static const char *s_jskip(const char *p, const char *end, int depth)
{
    if (depth > 32)
        return NULL;
    char close = *p == '{' ? '}' : ']';
    int obj = *p == '{';
    p = s_ws(p + 1, end);
    if (p < end && *p == close)
        return p + 1;
    for (;;) {
        if (obj) {
            if (!(p = s_jstring(p, end, NULL, 0)))
                return NULL;
            p = s_ws(p, end);
            if (p >= end || *p != ':')
                return NULL;
            p = s_ws(p + 1, end);
        }
        if (!(p = s_jvalue(p, end, depth + 1, NULL)))
            return NULL;
        p = s_ws(p, end);
        if (p < end && *p == ',') {
            p = s_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == close)
            return p + 1;
        return NULL;
    }
}

static const char *s_jvalue(const char *p, const char *end, int depth, s_pair_t *pair)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return s_jstring(p, end, NULL, 0);
    if (*p == '{' || *p == '[')
        return s_jskip(p, end, depth);
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(end - p) >= n && memcmp(p, words[i], n) == 0)
            return p + n;
    }
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        char buf[64];
        size_t n = 0;
        while (p + n < end && n < sizeof buf - 1 && strchr("+-0123456789.eE", p[n]))
            n++;
        memcpy(buf, p, n);
        buf[n] = '\0';
        char *e;
        double v = strtod(buf, &e);
        if (e != buf + n)
            return NULL;
        if (pair)
            pair->is_number = 1, pair->value = v;
        return p + n;
    }
    return NULL;
}

/* A flat JSON object at p: its pairs; returns the byte after it or NULL. */
static const char *s_jobject(const char *p, const char *end, s_pair_t *pairs, size_t *n_pairs)
{
    *n_pairs = 0;
    p = s_ws(p + 1, end);
    if (p < end && *p == '}')
        return p + 1;
    for (;;) {
        s_pair_t tmp = {{0}, 0, 0};
        if (!(p = s_jstring(p, end, tmp.key, sizeof tmp.key)))
            return NULL;
        p = s_ws(p, end);
        if (p >= end || *p != ':')
            return NULL;
        p = s_ws(p + 1, end);
        if (!(p = s_jvalue(p, end, 1, &tmp)))
            return NULL;
        if (*n_pairs < S_MAX_PAIRS)
            pairs[(*n_pairs)++] = tmp;
        p = s_ws(p, end);
        if (p < end && *p == ',') {
            p = s_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            return p + 1;
        return NULL;
    }
}

/* The last line of a text that holds something, for messages. */
static void s_last_line(const char *s, size_t len, char *out, size_t size)
{
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
        len--;
    size_t start = len;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    size_t n = len - start;
    if (n > 120)
        n = 120;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++)
        out[k++] = (unsigned char)s[start + i] < 0x20 ? '?' : s[start + i];
    out[k] = '\0';
}

static int s_check_value(const dse_job_t *job, const char *name, double v, char *why, size_t size)
{
    if (!isfinite(v)) {
        snprintf(why, size, "metric '%s' is not a finite number", name);
        return DSE_EFAIL;
    }
    (void)job;
    return 0;
}

int dse_measure_parse(const dse_evaluator_t *ev, const dse_job_t *job, const char *out,
                      size_t len, double *metrics, char *why, size_t size)
{
    const dse_hwmodel_t *m = job->model;
    unsigned char got[DSE_MAX_METRICS] = {0};
    char last[128];
    if (ev->parse == DSE_PARSE_JSON) {
        s_pair_t best[S_MAX_PAIRS], cur[S_MAX_PAIRS];
        size_t n_best = 0, n_cur;
        int found = 0;
        const char *end = out + len;
        for (const char *p = out; p < end;) {
            const char *q = memchr(p, '{', (size_t)(end - p));
            if (!q)
                break;
            const char *after = s_jobject(q, end, cur, &n_cur);
            if (after) {
                memcpy(best, cur, n_cur * sizeof *cur);
                n_best = n_cur;
                found = 1;
                p = after;
            } else {
                p = q + 1;
            }
        }
        if (!found) {
            s_last_line(out, len, last, sizeof last);
            snprintf(why, size, "no JSON object on stdout (its last line: '%s')", last);
            return DSE_EFAIL;
        }
        for (size_t i = 0; i < n_best; i++) {
            int mi = dse_model_metric(m, best[i].key);
            if (mi < 0) {
                snprintf(why, size, "unknown metric '%s' in the command's JSON (model '%s'; "
                         "dse-run --models lists its metrics)", best[i].key, m->name);
                return DSE_EFAIL;
            }
            if (!best[i].is_number) {
                snprintf(why, size, "metric '%s' is not a number", best[i].key);
                return DSE_EFAIL;
            }
            if (s_check_value(job, best[i].key, best[i].value, why, size))
                return DSE_EFAIL;
            metrics[mi] = best[i].value;
            got[mi] = 1;
        }
    } else {
        for (size_t i = 0; i < ev->n_regex; i++) {
            regex_t re;
            if (!ev->regex[i])
                continue;
            char ewhy[128];
            if (dse_evaluator_compile(ev->regex[i], &re, ewhy, sizeof ewhy)) {
                snprintf(why, size, "bad regex for '%s': %s", ev->regex_metric[i], ewhy);
                return DSE_EFAIL;
            }
            regmatch_t mt[2];
            int rc = regexec(&re, out, 2, mt, 0);
            regfree(&re);
            if (rc != 0 || mt[1].rm_so < 0) {
                snprintf(why, size, "no match for %s's regex '%s' in the output",
                         ev->regex_metric[i], ev->regex[i]);
                return DSE_EFAIL;
            }
            char buf[64];
            size_t n = (size_t)(mt[1].rm_eo - mt[1].rm_so);
            if (n == 0 || n >= sizeof buf) {
                snprintf(why, size, "%s's regex matched '%.*s', not a number",
                         ev->regex_metric[i], (int)(n < 40 ? n : 40), out + mt[1].rm_so);
                return DSE_EFAIL;
            }
            memcpy(buf, out + mt[1].rm_so, n);
            buf[n] = '\0';
            char *e;
            double v = strtod(buf, &e);
            if (*e) {
                snprintf(why, size, "%s's regex matched '%s', not a number", ev->regex_metric[i],
                         buf);
                return DSE_EFAIL;
            }
            if (s_check_value(job, ev->regex_metric[i], v, why, size))
                return DSE_EFAIL;
            metrics[ev->regex_index[i]] = v;
            got[ev->regex_index[i]] = 1;
        }
    }
    for (size_t i = 0; i < ev->n_regex; i++)
        if (!got[ev->regex_index[i]]) {
            snprintf(why, size, "missing metric '%s' in the command's output", ev->regex_metric[i]);
            return DSE_EFAIL;
        }
    return 0;
}

/* ------------------------------------------------------------------ a point */

static int s_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void s_rmtree(const char *dir)
{
    nftw(dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* What a point left in its folder, the folder itself kept. */
static int s_rm_inside(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag;
    return ftw->level == 0 ? 0 : remove(path);
}

/* A thread's working folder, kept from one point to the next. Making and
 * removing a folder per point cost 2.4-2.7 ms of wall time on this
 * project's ext4 disk (journal and discard), more than the rest of the
 * command path; an empty folder, checked empty and private after each
 * point, is as fresh for the next one. Only in a subreaper: a grandchild
 * that left the process group is killed after its point, so nothing writes
 * into the folder once the point is over. Removed at the thread's end
 * (its key's destructor) or at exit (the thread that calls exit). */
static pthread_key_t s_wd_key;
static pthread_once_t s_wd_once = PTHREAD_ONCE_INIT;
static _Thread_local char *s_wd;

static void s_wd_drop(void *dir)
{
    if (dir) {
        s_rmtree(dir);
        free(dir);
    }
}

/* The thread no longer has a folder; the old one is removed, or kept
 * (a failed point's, with --keep-failed). */
static void s_wd_forget(int remove)
{
    char *d = s_wd;
    if (!d)
        return;
    s_wd = NULL;
    pthread_setspecific(s_wd_key, NULL);
    if (remove)
        s_wd_drop(d);
    else
        free(d);
}

static void s_wd_at_exit(void)
{
    s_wd_forget(1);
}

static void s_wd_init(void)
{
    if (pthread_key_create(&s_wd_key, s_wd_drop) == 0)
        atexit(s_wd_at_exit);
}

/* The folder for the next point into dir: the thread's own when it has
 * one, else a fresh one (kept as the thread's when reuse is allowed). */
static int s_wd_take(char *dir, size_t size, char *why, size_t wsize)
{
    if (s_wd) {
        /* unless something removed it meanwhile (a cleaner of old files
         * in /tmp, while the worker was idle) */
        struct stat st;
        if (lstat(s_wd, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(dir, size, "%s", s_wd);
            return 0;
        }
        s_wd_forget(1);
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, size, "%s/dse-point-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(why, wsize, "cannot create a working folder in %s: %s",
                 tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return DSE_EFAIL;
    }
    if (s_subreaper && pthread_once(&s_wd_once, s_wd_init) == 0) {
        s_wd = dse_xstrdup(dir);
        pthread_setspecific(s_wd_key, s_wd);
    }
    return 0;
}

/* 1 when dir holds nothing and is still a directory of ours with mode
 * 0700 (mkdtemp's), whatever the command did to it; 0 when it holds
 * something; -1 when it cannot be read or is not such a folder. */
static int s_dir_fresh(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    DIR *d = NULL;
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 07777) != 0700 ||
        !(d = fdopendir(fd))) {
        close(fd);
        return -1;
    }
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)))
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

/* After a point: keep (a failed point with --keep-failed: the thread will
 * make a new folder), empty for the next point, or remove. The thread's
 * folder stays only while s_dir_fresh holds after the emptying. */
static void s_wd_give_back(const char *dir, int keep)
{
    int mine = s_wd && strcmp(dir, s_wd) == 0;
    if (!mine) {
        if (!keep)
            s_rmtree(dir);
        return;
    }
    int fresh = keep ? -1 : s_dir_fresh(dir);
    if (fresh == 0) {
        nftw(dir, s_rm_inside, 16, FTW_DEPTH | FTW_PHYS);
        fresh = s_dir_fresh(dir);
    }
    if (fresh != 1)
        s_wd_forget(!keep);
}

int dse_measure_point(const dse_evaljob_t *ej, size_t layer, uint64_t point,
                      const double *params, double *metrics, const atomic_int *cancel, char *why,
                      size_t size)
{
    const dse_job_t *job = ej->job;
    const dse_evaluator_t *ev = job->evaluator;
    int rc = dse_measure_check(ev, why, size);
    if (rc)
        return rc;
    char dir[4096];
    rc = s_wd_take(dir, sizeof dir, why, size);
    if (rc)
        return rc;
    char **argv = dse_evaluator_argv(ev, job, layer, point, params, metrics, dir);
    /* a relative program path names a file from the worker's folder, not
     * from the point's */
    char cwd[4096];
    if (argv[0][0] != '/' && strchr(argv[0], '/') && getcwd(cwd, sizeof cwd)) {
        dse_strbuf_t sb = DSE_STRBUF_INIT;
        dse_strbuf_addf(&sb, "%s/%s", cwd, argv[0]);
        free(argv[0]);
        argv[0] = dse_strbuf_detach(&sb, NULL);
    }
    char e_job[512], e_layer[512], e_point[64], e_dir[4200];
    snprintf(e_job, sizeof e_job, "DSE_JOB=%s", job->name);
    snprintf(e_layer, sizeof e_layer, "DSE_LAYER=%s", job->layers[layer].name);
    snprintf(e_point, sizeof e_point, "DSE_POINT=%llu", (unsigned long long)point);
    snprintf(e_dir, sizeof e_dir, "DSE_WORKDIR=%s", dir);
    char *env[] = {e_job, e_layer, e_point, e_dir, NULL};
    dse_cmd_result_t r;
    rc = dse_cmd_run(argv, dir, env, ev->timeout, cancel, &r, why, size);
    char last[128] = "";
    if (rc == 0) {
        if (r.timed_out) {
            rc = DSE_EFAIL;
            snprintf(why, size, "timed out after %g s (its process group was killed)",
                     ev->timeout);
        } else if (r.signaled) {
            rc = DSE_EFAIL;
            snprintf(why, size, "killed by signal %d (%s)", r.sig, strsignal(r.sig));
        } else if (r.code != 0) {
            rc = DSE_EFAIL;
            s_last_line(r.err, r.err_len, last, sizeof last);
            snprintf(why, size, "exit status %d%s%s%s", r.code, last[0] ? " (stderr: '" : "",
                     last, last[0] ? "')" : "");
        } else {
            double got[DSE_MAX_METRICS];
            memcpy(got, metrics, sizeof got[0] * job->model->n_metrics);
            rc = dse_measure_parse(ev, job, r.out, r.out_len, got, why, size);
            if (!rc)
                memcpy(metrics, got, sizeof got[0] * job->model->n_metrics);
        }
    }
    dse_cmd_result_release(&r);
    dse_evaluator_argv_free(argv);
    int keep = rc == DSE_EFAIL && s_keep_failed;
    if (keep) {
        size_t n = strlen(why);
        snprintf(why + n, size - n, " [kept: %s]", dir);
    }
    s_wd_give_back(dir, keep);
    return rc;
}

char *dse_measure_key(const dse_evaljob_t *ej, size_t layer, const double *params)
{
    const dse_job_t *job = ej->job;
    const dse_hwmodel_t *m = job->model;
    const dse_layer_t *L = &job->layers[layer];
    const dse_evaluator_t *ev = job->evaluator;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    char buf[64];
    dse_strbuf_addf(&sb, "measured-v1 model=%s dtype=%s steps=%u hw=", m->name,
                    dse_dtype_name(job->dtype), job->steps);
    /* the calibratable constants describe the model, not what is measured:
     * a job on a calibrated preset finds the measurements it was fitted to */
    for (size_t i = 0; i < m->n_preset_keys; i++) {
        if (m->preset_keys[i].cal_lo < m->preset_keys[i].cal_hi)
            snprintf(buf, sizeof buf, "*");
        else
            snprintf(buf, sizeof buf, "%.17g", job->hw[i]);
        dse_strbuf_addf(&sb, "%s%s", i ? "," : "", buf);
    }
    dse_strbuf_addf(&sb, " op=%s dims=%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,"
                         "%lld,%lld,%lld,%lld,%lld attr=", dse_op_name(L->op),
                    (long long)L->cin, (long long)L->hin, (long long)L->win, (long long)L->cout,
                    (long long)L->hout, (long long)L->wout, (long long)L->kh, (long long)L->kw,
                    (long long)L->sh, (long long)L->sw, (long long)L->pad_t, (long long)L->pad_l,
                    (long long)L->pad_b, (long long)L->pad_r, (long long)L->m, (long long)L->n,
                    (long long)L->k);
    for (size_t i = 0; i < m->n_layer_keys; i++) {
        snprintf(buf, sizeof buf, "%.17g", L->attr[i]);
        dse_strbuf_addf(&sb, "%s%s", i ? "," : "", buf);
    }
    dse_strbuf_adds(&sb, " params=");
    for (size_t i = 0; i < m->n_params; i++) {
        snprintf(buf, sizeof buf, "%.17g", params[i]);
        dse_strbuf_addf(&sb, "%s%s", i ? "," : "", buf);
    }
    dse_strbuf_adds(&sb, " command=");
    for (size_t i = 0; i < ev->argc; i++) {
        char *a = dse_evaluator_subst(ev->argv[i], job, layer, 0, params, NULL, NULL);
        dse_strbuf_addf(&sb, "%s[%zu]%s", i ? " " : "", strlen(a), a);
        free(a);
    }
    dse_strbuf_addf(&sb, " parse=%s", ev->parse == DSE_PARSE_JSON ? "json" : "regex");
    for (size_t i = 0; i < ev->n_regex; i++)
        dse_strbuf_addf(&sb, " %s=[%zu]%s", ev->regex_metric[i],
                        ev->regex[i] ? strlen(ev->regex[i]) : 0, ev->regex[i] ? ev->regex[i] : "");
    dse_strbuf_addf(&sb, " cache_key=[%zu]%s", strlen(ev->cache_key), ev->cache_key);
    return dse_strbuf_detach(&sb, NULL);
}
