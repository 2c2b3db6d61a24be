/* test_embedded.c - dse_run_embedded(): a whole run in this process, its
 * workers as threads, on loopback; and the bare submit of the benchmarks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/config.h"
#include "coordinator/embedded.h"
#include "core/space.h"
#include "core/util.h"
#include "eval/eval.h"
#include "tests/test.h"

/* two small testfn layers: 3 * 20^3 + 16^3 points, evaluated in no time */
static const char s_job[] =
    "[job]\nname = \"emb\"\n"
    "[target]\nmodel = \"testfn\"\n"
    "[workload]\n"
    "[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\nin_shape = [1]\nn = 20\n"
    "space = { x3 = [1, 2, 3] }\n"
    "[[workload.layer]]\nname = \"b\"\nop = \"elementwise\"\nin_shape = [1]\nn = 16\n"
    "problem = \"dtlz2\"\n"
    "[cluster]\nunit_seconds = 0.01\nheartbeat = 0.2\n";

static char *s_write_job(void)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_addf(&sb, "%s/embedded.toml", dse_test_tmpdir());
    char *path = dse_strbuf_detach(&sb, NULL);
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_write_file_atomic(path, s_job, strlen(s_job), &err), 0);
    return path;
}

/* The layer fronts of the job evaluated here, in one thread: the rows and
 * the points. */
static void s_reference(const char *path, size_t *rows, uint64_t *points)
{
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    *rows = 0;
    *points = 0;
    CHECK_INT(dse_config_load(path, &job, &err), 0);
    CHECK_INT(dse_evaljob_new(&job, &ej, &err), 0);
    if (!ej)
        return;
    for (size_t i = 0; i < ej->job->n_layers; i++) {
        dse_front_t *f = dse_evaljob_front_new(ej);
        dse_counters_t c = {0};
        uint64_t size = ej->job->layers[i].space->size;
        dse_eval_points(ej, i, 0, size, NULL, 0, f, NULL, &c, NULL);
        *rows += dse_front_size(f);
        *points += size;
        dse_front_destroy(&f);
    }
    dse_evaljob_destroy(&ej);
}

static char *s_slurp(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = NULL;
    size_t len = 0;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_read_file(path, &data, &len, &err) != 0)
        return NULL;
    return data;
}

static int s_run(const char *config, const char *out, int workers, dse_run_result_t *res,
                 FILE *log)
{
    dse_run_opts_t o = {
        .config = config,
        .output = out,
        .workers = workers,
        .local = DSE_LOCAL_THREADS,
        .timeout_s = 30,
        .quiet = 1,
        .log = log,
        .out = log,
    };
    dse_error_t err = DSE_ERROR_INIT;
    return dse_run_embedded(&o, res, &err);
}

DSE_TEST(embedded_run_in_process)
{
    char *config = s_write_job();
    size_t rows = 0;
    uint64_t points = 0;
    s_reference(config, &rows, &points);
    char out1[512], out2[512];
    snprintf(out1, sizeof out1, "%s/embedded-1", dse_test_tmpdir());
    snprintf(out2, sizeof out2, "%s/embedded-2", dse_test_tmpdir());
    FILE *log = tmpfile();
    dse_run_result_t r1, r2;
    CHECK_INT(s_run(config, out1, 1, &r1, log), 0);
    CHECK_INT(s_run(config, out2, 2, &r2, log), 0);
    /* every point counted once, the fronts those of the evaluation here */
    CHECK_INT(r1.evaluated + r1.skipped, points);
    CHECK_INT(r2.evaluated + r2.skipped, points);
    CHECK_INT(r1.front_rows, rows);
    CHECK_INT(r2.front_rows, rows);
    CHECK(r1.network_rows > 0);
    CHECK_INT(r2.network_rows, r1.network_rows);
    CHECK_INT(r1.quarantined, 0);
    /* the same files whatever the number of workers; the state is gone */
    static const char *const files[] = {"pareto_layers.csv", "pareto_network.csv"};
    for (size_t i = 0; i < 2; i++) {
        char *a = s_slurp(out1, files[i]), *b = s_slurp(out2, files[i]);
        CHECK(a && b && strcmp(a, b) == 0);
        free(a);
        free(b);
    }
    char state[600];
    struct stat st;
    snprintf(state, sizeof state, "%s/.dse-state", out1);
    CHECK(stat(state, &st) != 0);
    fclose(log);
    free(config);
}

DSE_TEST(embedded_run_refusals)
{
    char *config = s_write_job();
    FILE *log = tmpfile();
    char out[512];
    snprintf(out, sizeof out, "%s/embedded-none", dse_test_tmpdir());
    /* --resume with no interrupted run: an error, nothing made */
    dse_run_opts_t o = {.config = config, .output = out, .workers = 1,
                        .local = DSE_LOCAL_THREADS, .resume = 1, .quiet = 1, .log = log};
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_run_embedded(&o, NULL, &err), DSE_ENOTFOUND);
    struct stat st;
    CHECK(stat(out, &st) != 0);
    /* a stop already set: interrupted, nothing written, the state kept */
    volatile sig_atomic_t stop = 1;
    o.resume = 0;
    o.stop = &stop;
    o.timeout_s = 10;
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK_INT(dse_run_embedded(&o, NULL, &err), DSE_EINTR);
    char path[600];
    snprintf(path, sizeof path, "%s/summary.json", out);
    CHECK(stat(path, &st) != 0);
    snprintf(path, sizeof path, "%s/.dse-state/run", out);
    CHECK(stat(path, &st) == 0);
    /* a missing job file */
    o.config = "/nonexistent/embedded.toml";
    o.stop = NULL;
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK(dse_run_embedded(&o, NULL, &err) < 0);
    CHECK_STR(err.file, "/nonexistent/embedded.toml");
    fclose(log);
    free(config);
}

DSE_TEST(embedded_coord_submit)
{
    /* a coordinator in a thread, a job and no worker: the job waits, and
     * the bare client gives up at its deadline */
    dse_coord_opts_t co = {.worker_bind = "inproc://dse-test-embedded-w",
                           .client_bind = "inproc://dse-test-embedded-c",
                           .heartbeat_s = 0.2, .heartbeat_misses = 3};
    dse_error_t err = DSE_ERROR_INIT;
    dse_embedded_coord_t *ec = dse_embedded_coord_start(&co, &err);
    CHECK(ec != NULL);
    if (!ec)
        return;
    CHECK_INT(dse_coord_n_workers(dse_embedded_coord(ec)), 0);
    dse_job_t *job = NULL;
    CHECK_INT(dse_config_parse("emb", s_job, strlen(s_job), 0, &job, &err), 0);
    char *canon = dse_job_canonical(job);
    dse_job_destroy(&job);
    dse_submit_stats_t st;
    CHECK_INT(dse_embedded_submit(ec, canon, NULL, 1.0, &st, &err), DSE_ETIMEDOUT);
    CHECK(st.t_accept > 0); /* accepted, then waiting for workers */
    CHECK_INT(st.units, 0);
    /* text that is no job: refused */
    err = (dse_error_t)DSE_ERROR_INIT;
    CHECK_INT(dse_embedded_submit(ec, "[job]\nname = 3\n", NULL, 10.0, &st, &err), DSE_EFAIL);
    CHECK(err.msg[0] != '\0');
    dse_embedded_coord_stop(&ec);
    CHECK(ec == NULL);
    dse_embedded_coord_stop(&ec); /* safe twice */
    free(canon);
}
