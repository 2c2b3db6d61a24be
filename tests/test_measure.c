/* test_measure.c - measured evaluation: the [evaluator] table (errors at
 * line:col, canonical text, substitution), parsing a command's output, and
 * running commands (timeout of the whole group, output cap, closed file
 * descriptors, environment, refusal). */
#include "config/config.h"
#include "config/evaluator.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/hwmodel.h"
#include "tests/test.h"
#include "eval/eval.h"
#include "eval/measure.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define JOB                                                                                      \
    "[target]\nmodel = \"pulp-cluster\"\n[workload]\nsteps = [\"fw\"]\n"                          \
    "[[workload.layer]]\nname = \"pw1\"\nop = \"pw\"\nin_shape = [16, 8, 8]\nout_channels = 32\n" \
    "[space]\ntile_cout = [8, 16]\ntile_ho = [8]\ntile_wo = [8]\nmatmul = [\"mm\"]\n"             \
    "buffering = [\"single\"]\n"
/* JOB has 15 lines; [evaluator] starts on line 16 */
#define EV "[evaluator]\nkind = \"command\"\n"

typedef struct {
    const char *name, *text;
    int line, col;
    const char *msg;
} s_bad_t;

static const s_bad_t s_bad[] = {
    {"unknown substitution", JOB EV "command = [\"sim\", \"--t={tile_cout}x{tile_cot}\"]\n", 18, 36,
     "unknown substitution '{tile_cot}'"},
    {"lone brace", JOB EV "command = [\"sim\", \"a}b\"]\n", 18, 21, "lone '}'"},
    {"open brace", JOB EV "command = [\"sim\", \"{cin\"]\n", 18, 20, "without its '}'"},
    {"unknown key", JOB EV "comand = [\"sim\"]\n", 18, 1, "did you mean 'command'"},
    {"unknown kind", JOB "[evaluator]\nkind = \"shell\"\n", 17, 8, "unknown evaluator kind"},
    {"no command", JOB EV, 16, 1, "missing key 'command'"},
    {"empty command", JOB EV "command = []\n", 18, 11, "non-empty list"},
    {"command not strings", JOB EV "command = [\"sim\", 3]\n", 18, 19, "must be strings"},
    {"timeout range", JOB EV "command = [\"sim\"]\ntimeout = 0\n", 19, 11, "timeout must be"},
    {"bad parse", JOB EV "command = [\"sim\"]\nparse = \"xml\"\n", 19, 9, "parse must be"},
    {"regex without group", JOB EV "command = [\"sim\"]\nmetrics = { cycles = 'cycles = \\d+' }\n",
     19, 22, "needs a group"},
    {"bad regex", JOB EV "command = [\"sim\"]\nmetrics = { cycles = 'c = (\\d+' }\n", 19, 22,
     "bad regex for 'cycles'"},
    {"regex unknown metric", JOB EV "command = [\"sim\"]\nmetrics = { cycle = '(\\d+)' }\n", 19, 13,
     "unknown metric 'cycle'"},
    {"json metrics table", JOB EV "command = [\"sim\"]\nparse = \"json\"\nmetrics = { a = 'x' }\n",
     20, 11, "list of the metric names"},
    {"json unknown metric", JOB EV "command = [\"sim\"]\nmetrics = [\"cycels\"]\n", 19, 12,
     "unknown metric 'cycels'"},
    {"requires not a tag", JOB EV "command = [\"sim\"]\nrequires = \"a b\"\n", 19, 12,
     "requires must be a tag"},
    {"model with command", JOB "[evaluator]\nkind = \"model\"\ncommand = [\"sim\"]\n", 18, 1,
     "applies to kind = \"command\" only"},
    {"max_attempts", JOB EV "command = [\"sim\"]\nmax_attempts = 0\n", 19, 16, "max_attempts"},
};

DSE_TEST(measure_config_errors)
{
    for (size_t i = 0; i < sizeof s_bad / sizeof *s_bad; i++) {
        const s_bad_t *b = &s_bad[i];
        dse_job_t *job = NULL;
        dse_error_t err = DSE_ERROR_INIT;
        int rc = dse_config_parse("bad.toml", b->text, strlen(b->text), 0, &job, &err);
        if (rc != DSE_ECONFIG || err.line != b->line || err.col != b->col ||
            !strstr(err.msg, b->msg))
            dse__test_fail(__FILE__, __LINE__, "%s: rc %d at %d:%d '%s' (expected %d:%d '%s')",
                           b->name, rc, err.line, err.col, err.msg, b->line, b->col, b->msg);
        dse_job_destroy(&job);
    }
}

static dse_job_t *s_job(const char *text)
{
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_parse("ok.toml", text, strlen(text), 0, &job, &err) != 0)
        dse__test_fail(__FILE__, __LINE__, "rejected: %d:%d %s", err.line, err.col, err.msg);
    return job;
}

DSE_TEST(measure_canonical)
{
    /* kind = "model" is the job without the table, to the byte */
    dse_job_t *a = s_job(JOB), *b = s_job(JOB "[evaluator]\nkind = \"model\"\n");
    if (!a || !b)
        return;
    CHECK(!b->evaluator);
    char *ta = dse_job_canonical(a), *tb = dse_job_canonical(b);
    CHECK_STR(ta, tb);
    free(ta), free(tb);
    dse_job_destroy(&a), dse_job_destroy(&b);
    /* a command job round-trips */
    dse_job_t *c = s_job(JOB EV "command = [\"/bin/sim\", \"{{x}}\", \"t={tile_cout}\"]\n"
                         "timeout = 2.5\nmetrics = { cycles = '\\[0\\] cycles = (\\d+)' }\n"
                         "requires = \"gvsoc\"\ncache_key = \"sdk 1\"\nmax_attempts = 4\n");
    if (!c)
        return;
    char *tc = dse_job_canonical(c);
    dse_job_t *d = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_config_parse("canon", tc, strlen(tc), DSE_CONFIG_CANONICAL, &d, &err), 0);
    if (d) {
        char *td = dse_job_canonical(d);
        CHECK_STR(td, tc);
        CHECK(d->evaluator && d->evaluator->timeout == 2.5 && d->evaluator->max_attempts == 4);
        CHECK_STR(d->evaluator->requires, "gvsoc");
        CHECK_INT(d->evaluator->parse, DSE_PARSE_REGEX);
        free(td);
        dse_job_destroy(&d);
    }
    free(tc);
    dse_job_destroy(&c);
}

DSE_TEST(measure_substitution)
{
    dse_job_t *job = s_job(JOB EV "command = [\"sim\", \"{layer}:{op}:{cin}x{cout}:{h}x{w}\", "
                           "\"{tile_cout}/{matmul}/{buffering}\", \"{steps}\", \"{point}\", "
                           "\"{workdir}/f\", \"{{lit}}\"]\n");
    if (!job)
        return;
    double params[DSE_MAX_PARAMS];
    dse_space_decode(job->layers[0].space, 1, params);
    char **argv = dse_evaluator_argv(job->evaluator, job, 0, 1, params, NULL, "/tmp/wd");
    CHECK_STR(argv[0], "sim");
    CHECK_STR(argv[1], "pw1:pw:16x32:8x8");
    CHECK_STR(argv[2], "16/mm/single");
    CHECK_STR(argv[3], "fw");
    CHECK_STR(argv[4], "1");
    CHECK_STR(argv[5], "/tmp/wd/f");
    CHECK_STR(argv[6], "{lit}");
    CHECK(argv[7] == NULL);
    dse_evaluator_argv_free(argv);
    dse_job_destroy(&job);
}

DSE_TEST(measure_parse)
{
    dse_job_t *job = s_job(JOB EV "command = [\"sim\"]\nmetrics = [\"cycles\"]\n");
    if (!job)
        return;
    const dse_evaluator_t *ev = job->evaluator;
    int ci = dse_model_metric(job->model, "cycles"), li = dse_model_metric(job->model, "l1_bytes");
    double m[DSE_MAX_METRICS] = {0};
    char why[512];
    /* the last object counts; nested values and other types are skipped */
    const char *out = "log {\"cycles\": 1}\n{\"cycles\": 123, \"l1_bytes\": 4.5e2, "
                      "\"kernel_fw\": 2}\ntrailer {broken\n";
    CHECK_INT(dse_measure_parse(ev, job, out, strlen(out), m, why, sizeof why), 0);
    CHECK(m[ci] == 123 && m[li] == 450);
    static const struct {
        const char *out, *why;
    } bad[] = {
        {"no json here\n", "no JSON object on stdout (its last line: 'no json here')"},
        {"{\"cycels\": 3}", "unknown metric 'cycels'"},
        {"{\"cycles\": \"fast\"}", "metric 'cycles' is not a number"},
        {"{\"l1_bytes\": 3}", "missing metric 'cycles'"},
        {"{\"cycles\": 1e999}", "not a finite number"},
        {"{\"cycles\": {\"x\": 1}}", "metric 'cycles' is not a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = dse_measure_parse(ev, job, bad[i].out, strlen(bad[i].out), m, why, sizeof why);
        if (rc != DSE_EFAIL || !strstr(why, bad[i].why))
            dse__test_fail(__FILE__, __LINE__, "'%s': rc %d, '%s'", bad[i].out, rc, why);
    }
    dse_job_destroy(&job);
    /* regexes: AutoTuner's core 0 (its first value) and Deeploy's runtime line */
    job = s_job(JOB EV "command = [\"sim\"]\nmetrics = { cycles = '\\[0\\] cycles = (\\d+)', "
                "l1_bytes = 'Runtime:\\s+(\\d+) cycles' }\n");
    if (!job)
        return;
    out = "[1] cycles = 7\n[0] cycles = 1234\n[0] cycles = 99\nRuntime: 555 cycles\n";
    CHECK_INT(dse_measure_parse(job->evaluator, job, out, strlen(out), m, why, sizeof why), 0);
    CHECK(m[ci] == 1234 && m[li] == 555);
    out = "Error at index: 4\n";
    CHECK_INT(dse_measure_parse(job->evaluator, job, out, strlen(out), m, why, sizeof why),
              DSE_EFAIL);
    CHECK(strstr(why, "no match for cycles's regex") != NULL);
    dse_job_destroy(&job);
}

DSE_TEST(measure_run_timeout_kills_group)
{
    /* a shell that leaves a background child and waits: both die at the timeout */
    char *argv[] = {"/bin/sh", "-c", "sleep 30 & echo $!; wait", NULL};
    dse_cmd_result_t r;
    char why[256] = "";
    CHECK_INT(dse_cmd_run(argv, NULL, NULL, 0.3, NULL, &r, why, sizeof why), 0);
    CHECK(r.timed_out);
    CHECK(r.signaled && r.sig == SIGTERM);
    long child = strtol(r.out, NULL, 10);
    CHECK(child > 1);
    int gone = 0;
    for (int i = 0; i < 200 && child > 1 && !gone; i++) {
        gone = kill((pid_t)child, 0) != 0 && errno == ESRCH;
        if (!gone)
            usleep(10000);
    }
    CHECK(gone);
    dse_cmd_result_release(&r);
}

DSE_TEST(measure_run_output_cap)
{
    /* 5 MB of noise, then the metric line: kept within 1 MiB, and it parses */
    char *argv[] = {"/bin/sh", "-c",
                    "echo first; head -c 5000000 /dev/zero | tr '\\0' x; echo; "
                    "echo '{\"cycles\": 42}'; head -c 3000000 /dev/zero >&2",
                    NULL};
    dse_cmd_result_t r;
    char why[256] = "";
    CHECK_INT(dse_cmd_run(argv, NULL, NULL, 30, NULL, &r, why, sizeof why), 0);
    CHECK(r.exited && r.code == 0);
    CHECK(r.out_capped && r.err_capped);
    CHECK(r.out_len <= DSE_MEASURE_CAP + 1 && r.err_len <= DSE_MEASURE_CAP + 1);
    CHECK(strncmp(r.out, "first\n", 6) == 0);
    dse_job_t *job = s_job(JOB EV "command = [\"sim\"]\n");
    if (job) {
        double m[DSE_MAX_METRICS] = {0};
        CHECK_INT(dse_measure_parse(job->evaluator, job, r.out, r.out_len, m, why, sizeof why),
                  0);
        CHECK(m[dse_model_metric(job->model, "cycles")] == 42);
        dse_job_destroy(&job);
    }
    dse_cmd_result_release(&r);
}

DSE_TEST(measure_run_fds_env)
{
    /* a descriptor without close-on-exec does not reach the command */
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd > 2);
    char script[256];
    snprintf(script, sizeof script,
             "echo \"$DSE_POINT $PWD\"; if [ -e /proc/$$/fd/%d ]; then echo leaked; fi", fd);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    char *env[] = {"DSE_POINT=17", NULL};
    dse_cmd_result_t r;
    char why[256] = "";
    CHECK_INT(dse_cmd_run(argv, "/", env, 10, NULL, &r, why, sizeof why), 0);
    CHECK_STR(r.out, "17 /\n");
    dse_cmd_result_release(&r);
    close(fd);
    /* a program that does not exist */
    char *none[] = {"/nonexistent/sim", NULL};
    CHECK_INT(dse_cmd_run(none, NULL, NULL, 10, NULL, &r, why, sizeof why), DSE_EFAIL);
    CHECK(strstr(why, "cannot run '/nonexistent/sim'") != NULL);
    dse_cmd_result_release(&r);
}

DSE_TEST(measure_refused)
{
    dse_job_t *job = s_job(JOB EV "command = [\"/bin/echo\"]\n");
    if (!job)
        return;
    char why[512];
    /* this process has not allowed commands (only this test allows them) */
    CHECK_INT(dse_measure_check(job->evaluator, why, sizeof why), DSE_ENOTSUP);
    CHECK(strstr(why, "--allow-command") != NULL);
    dse_measure_allow("/bin/true");
    CHECK_INT(dse_measure_check(job->evaluator, why, sizeof why), DSE_ENOTSUP);
    CHECK(strstr(why, "allows only '/bin/true'") != NULL);
    dse_measure_allow("/bin/echo");
    CHECK_INT(dse_measure_check(job->evaluator, why, sizeof why), 0);
    dse_job_destroy(&job);
}

/* A thread's working folder: the same one from point to point, emptied in
 * between, replaced when a command leaves it unfit (here chmod 755) or
 * something removes it between points, and removed at exit. In a child process, since allowing commands holds for
 * the whole process (and measure_refused needs it not allowed). */
DSE_TEST(measure_point_folder)
{
    char top[] = "/tmp/dse-test-wd-XXXXXX";
    if (!mkdtemp(top)) {
        CHECK(0);
        return;
    }
    char script[256], logf[256];
    snprintf(script, sizeof script, "%s/cmd.sh", top);
    snprintf(logf, sizeof logf, "%s/log", top);
    FILE *f = fopen(script, "w");
    if (!f) {
        CHECK(0);
        return;
    }
    fprintf(f, "n=$(ls -A | wc -l)\necho \"$PWD $n\" >> %s\nmkdir sub && echo x > sub/f && "
            "echo x > g\n[ \"$1\" = 16 ] && chmod 755 .\necho '{\"cycles\": 1}'\n", logf);
    fclose(f);
    char text[2048];
    snprintf(text, sizeof text, JOB EV "command = [\"/bin/sh\", \"%s\", \"{tile_cout}\"]\n",
             script);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("TMPDIR", top, 1);
        dse_job_t *job = NULL;
        dse_evaljob_t *ej = NULL;
        dse_error_t err = DSE_ERROR_INIT;
        if (dse_config_parse("wd.toml", text, strlen(text), 0, &job, &err) ||
            dse_evaljob_new(&job, &ej, &err))
            _exit(2);
        dse_measure_allow("/bin/sh");
        static const uint64_t seq[] = {0, 0, 1, 0, 0}; /* point 1: tile_cout 16 */
        for (size_t i = 0; i < 5; i++) {
            double params[DSE_MAX_PARAMS], metrics[DSE_MAX_METRICS] = {0};
            char why[512];
            if (i == 4) {
                /* the folder removed between two points (a cleaner of /tmp) */
                char last[256] = "";
                FILE *lf = fopen(logf, "r");
                while (lf && fscanf(lf, "%255s %*d", last) == 1) {
                }
                if (lf)
                    fclose(lf);
                if (!last[0] || rmdir(last) != 0)
                    _exit(4);
            }
            dse_space_decode(ej->job->layers[0].space, seq[i], params);
            if (dse_measure_point(ej, 0, seq[i], params, metrics, NULL, why, sizeof why) != 0) {
                fprintf(stderr, "measure_point_folder: %s\n", why);
                _exit(3);
            }
        }
        dse_evaljob_destroy(&ej);
        exit(0); /* exit, not _exit: the thread's folder goes at exit */
    }
    int st = -1;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char dirs[5][256];
    int n_lines = 0, empty = 1;
    f = fopen(logf, "r");
    if (f) {
        int count;
        while (n_lines < 5 && fscanf(f, "%255s %d", dirs[n_lines], &count) == 2) {
            empty &= count == 0;
            n_lines++;
        }
        fclose(f);
    }
    CHECK_INT(n_lines, 5);
    CHECK(empty); /* every point found its folder empty */
    if (n_lines == 5) {
        CHECK_STR(dirs[1], dirs[0]);
        CHECK_STR(dirs[2], dirs[0]);
        CHECK(strcmp(dirs[3], dirs[0]) != 0); /* the chmodded one was replaced */
        CHECK(strcmp(dirs[4], dirs[3]) != 0); /* the removed one too */
        CHECK(access(dirs[0], F_OK) != 0 && errno == ENOENT);
        CHECK(access(dirs[4], F_OK) != 0 && errno == ENOENT); /* removed at exit */
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", top);
    CHECK_INT(system(cmd), 0);
}

/* A command whose child leaves the process group (setsid) and outlives it;
 * the child's pid, or -1. */
static long s_escape_run(void)
{
    char *argv[] = {"/bin/sh", "-c", "setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $!",
                    NULL};
    dse_cmd_result_t r;
    char why[256] = "";
    if (dse_cmd_run(argv, NULL, NULL, 10, NULL, &r, why, sizeof why) != 0)
        return -1;
    long pid = r.out ? strtol(r.out, NULL, 10) : -1;
    dse_cmd_result_release(&r);
    return pid;
}

static void *s_escape_thread(void *arg)
{
    *(long *)arg = s_escape_run();
    return NULL;
}

/* Whether pid is gone (killed and reaped) within about 2 s. */
static int s_gone(long pid)
{
    for (int i = 0; i < 200 && pid > 1; i++) {
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            return 1;
        usleep(10000);
    }
    return 0;
}

/* A process that allows commands is a child subreaper: an escaped
 * grandchild comes back to it (to its first thread, whichever thread ran
 * the command) and is killed once its point is over. In a child process,
 * as allowing commands holds for the whole process. */
DSE_TEST(measure_run_escaped_killed)
{
    pid_t pid = fork();
    if (pid == 0) {
        dse_measure_allow(NULL);
        long p1 = s_escape_run(), p2 = -1;
        pthread_t th;
        if (pthread_create(&th, NULL, s_escape_thread, &p2) == 0)
            pthread_join(th, NULL);
        int ok = p1 > 1 && p2 > 1 && s_gone(p1) && s_gone(p2);
        if (!ok)
            fprintf(stderr, "measure_run_escaped_killed: %ld %ld\n", p1, p2);
        if (p1 > 1)
            kill((pid_t)p1, SIGKILL);
        if (p2 > 1)
            kill((pid_t)p2, SIGKILL);
        _exit(ok ? 0 : 1);
    }
    int st = -1;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
