/* test_outputs_stage.c - a model's export is staged with the other outputs:
 * a run whose last file cannot be written leaves the previous
 * folding_config.json in place (the same file, not a new one). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "outputs/outputs.h"
#include "core/space.h"
#include "core/util.h"
#include "tests/test.h"
#include "eval/eval.h"

static ino_t s_inode(const char *dir, const char *name)
{
    char path[700];
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
    CHECK_INT(dse_outputs_write(ej, fronts, nf, NULL, NULL, &st, &err), 0);
    ino_t before = s_inode(dir, "folding_config.json");
    CHECK(before != 0);
    /* summary.json, written last, cannot be staged: a folder holds its
     * temporary name */
    char block[700];
    snprintf(block, sizeof block, "%s/.summary.json.new.%ld", dir, (long)getpid());
    CHECK_INT(mkdir(block, 0755), 0);
    dse_error_t e2 = DSE_ERROR_INIT;
    CHECK(dse_outputs_write(ej, fronts, nf, NULL, NULL, &st, &e2) != 0);
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
    CHECK_INT(dse_outputs_write(ej, fronts, nf, NULL, NULL, &st, &err), 0);
    CHECK(s_inode(dir, "folding_config.json") != 0);
    CHECK(s_inode(dir, "folding_config.json") != before);
    dse_netfront_destroy(&nf);
    for (size_t l = 0; l < nl; l++)
        dse_front_destroy(&fronts[l]);
    free(fronts);
    free(cnt);
    dse_evaljob_destroy(&ej);
}
