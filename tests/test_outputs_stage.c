/* test_outputs_stage.c - a model's export is staged with the other outputs:
 * a run whose last file cannot be written leaves the previous
 * folding_config.json in place (the same file, not a new one). Two runs'
 * outputs written at once do not share their staging; an export that no
 * point fits is a warning returned to the caller. */
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "outputs/outputs.h"
#include "core/space.h"
#include "core/util.h"
#include "hwmodels/finn.h"
#include "tests/test.h"
#include "eval/eval.h"

static ino_t s_inode(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

DSE_TEST(outputs_export_staged)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/staged-export", dse_test_tmpdir());
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load("configs/cnv-w1a1-pynq.toml", &job, &err) != 0 ||
        (free(job->output), job->output = dse_xstrdup(dir), dse_evaljob_new(&job, &ej, &err)) != 0) {
        dse__test_fail(__FILE__, __LINE__, "job: %s", err.msg);
        return;
    }
    size_t nl = ej->job->n_layers;
    dse_front_t **fronts = dse_xcalloc(nl, sizeof *fronts);
    dse_counters_t *cnt = dse_xcalloc(nl, sizeof *cnt);
    for (size_t l = 0; l < nl; l++) {
        fronts[l] = dse_evaljob_front_new(ej);
        CHECK_INT(dse_eval_points(ej, l, 0, ej->job->layers[l].space->size, NULL, 0, fronts[l],
                                  NULL, &cnt[l], NULL), 0);
    }
    dse_netfront_t *nf = NULL;
    CHECK_INT(dse_outputs_compose(ej, fronts, NULL, &nf, &err), 0);
    dse_run_stats_t st = {.per_layer = cnt};
    CHECK_INT(dse_outputs_write(ej, fronts, nf, NULL, NULL, &st, NULL, &err), 0);
    ino_t before = s_inode(dir, "folding_config.json");
    CHECK(before != 0);
    /* summary.json, written last, cannot be staged: a folder holds its
     * temporary name */
    char block[700];
    snprintf(block, sizeof block, "%s/.summary.json.new.%ld", dir, (long)getpid());
    CHECK_INT(mkdir(block, 0755), 0);
    dse_error_t e2 = DSE_ERROR_INIT;
    CHECK(dse_outputs_write(ej, fronts, nf, NULL, NULL, &st, NULL, &e2) != 0);
    CHECK(strstr(e2.file, "summary.json") != NULL);
    /* the previous export is the same file, and nothing of the failed run is left */
    CHECK(s_inode(dir, "folding_config.json") == before);
    rmdir(block);
    DIR *d = opendir(dir);
    int stray = 0;
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d))
        stray += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    CHECK_INT(stray, 0);
    /* and a run that succeeds replaces it */
    CHECK_INT(dse_outputs_write(ej, fronts, nf, NULL, NULL, &st, NULL, &err), 0);
    CHECK(s_inode(dir, "folding_config.json") != 0);
    CHECK(s_inode(dir, "folding_config.json") != before);
    dse_netfront_destroy(&nf);
    for (size_t l = 0; l < nl; l++)
        dse_front_destroy(&fronts[l]);
    free(fronts);
    free(cnt);
    dse_evaljob_destroy(&ej);
}

/* The cnv job evaluated and composed, written into dir. */
typedef struct {
    dse_evaljob_t *ej;
    dse_front_t **fronts;
    dse_counters_t *cnt;
    dse_netfront_t *nf;
    dse_run_stats_t st;
    int rc;               /* of the last dse_outputs_write */
    dse_strbuf_t warnings;
    dse_error_t err;
} s_run_t;

static int s_run_new(s_run_t *r, const char *dir)
{
    dse_job_t *job = NULL;
    memset(r, 0, sizeof *r);
    r->err = (dse_error_t)DSE_ERROR_INIT;
    if (dse_config_load("configs/cnv-w1a1-pynq.toml", &job, &r->err) != 0)
        return -1;
    free(job->output);
    job->output = dse_xstrdup(dir);
    if (dse_evaljob_new(&job, &r->ej, &r->err) != 0)
        return -1;
    size_t nl = r->ej->job->n_layers;
    r->fronts = dse_xcalloc(nl, sizeof *r->fronts);
    r->cnt = dse_xcalloc(nl, sizeof *r->cnt);
    for (size_t l = 0; l < nl; l++) {
        r->fronts[l] = dse_evaljob_front_new(r->ej);
        if (dse_eval_points(r->ej, l, 0, r->ej->job->layers[l].space->size, NULL, 0,
                            r->fronts[l], NULL, &r->cnt[l], NULL) != 0)
            return -1;
    }
    r->st.per_layer = r->cnt;
    return dse_outputs_compose(r->ej, r->fronts, NULL, &r->nf, &r->err);
}

static void s_run_destroy(s_run_t *r)
{
    dse_netfront_destroy(&r->nf);
    for (size_t l = 0; r->fronts && l < r->ej->job->n_layers; l++)
        dse_front_destroy(&r->fronts[l]);
    free(r->fronts);
    free(r->cnt);
    dse_strbuf_release(&r->warnings);
    dse_evaljob_destroy(&r->ej);
}

/* The files of a complete run in dir, and nothing staged left over. */
static int s_complete(const char *dir)
{
    static const char *const files[] = {"pareto_layers.csv", "pareto_network.csv",
                                        "pareto_network_choices.csv", "pareto.svg",
                                        "summary.json", "folding_config.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (!s_inode(dir, files[i]))
            return 0;
    DIR *d = opendir(dir);
    int stray = 0;
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d))
        stray += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return stray == 0;
}

static void *s_write_thread(void *arg)
{
    s_run_t *r = arg;
    for (int i = 0; i < 4 && r->rc == 0; i++) /* a few rounds, bounded */
        r->rc = dse_outputs_write(r->ej, r->fronts, r->nf, NULL, NULL, &r->st, &r->warnings,
                                  &r->err);
    return NULL;
}

/* Two runs' outputs written at the same time, from two threads, into two
 * folders: each call stages its own files, so both complete. */
DSE_TEST(outputs_two_at_once)
{
    char dir[2][512];
    s_run_t r[2];
    for (int i = 0; i < 2; i++) {
        snprintf(dir[i], sizeof dir[i], "%s/at-once-%d", dse_test_tmpdir(), i);
        if (s_run_new(&r[i], dir[i]) != 0) {
            dse__test_fail(__FILE__, __LINE__, "job: %s", r[i].err.msg);
            return;
        }
    }
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        CHECK_INT(pthread_create(&t[i], NULL, s_write_thread, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(r[i].rc, 0);
        CHECK(s_complete(dir[i]));
        CHECK_INT((int)r[i].warnings.len, 0);
        s_run_destroy(&r[i]);
    }
}

/* A model export that no network point fits is a warning returned to the
 * caller (not printed by the library), and no export is written. */
DSE_TEST(outputs_export_warning)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/export-warning", dse_test_tmpdir());
    s_run_t r;
    if (s_run_new(&r, dir) != 0) {
        dse__test_fail(__FILE__, __LINE__, "job: %s", r.err.msg);
        return;
    }
    /* a device with no LUT: no front row fits it any more */
    r.ej->job->hw[DSE_FINN_HW_LUT_TOTAL] = 0;
    CHECK_INT(dse_outputs_write(r.ej, r.fronts, r.nf, NULL, NULL, &r.st, &r.warnings, &r.err), 0);
    CHECK_STR(r.warnings.buf ? r.warnings.buf : "",
              "no network point fits the device budgets: no export\n");
    CHECK(s_inode(dir, "summary.json") != 0);
    CHECK(s_inode(dir, "folding_config.json") == 0);
    /* without a list, the same run says nothing and writes the same files */
    CHECK_INT(dse_outputs_write(r.ej, r.fronts, r.nf, NULL, NULL, &r.st, NULL, &r.err), 0);
    CHECK(s_inode(dir, "summary.json") != 0);
    s_run_destroy(&r);
}
