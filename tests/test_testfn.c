/* The test model's knobs that are not job keys. */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/job.h"
#include "hwmodels/hwmodel.h"
#include "hwmodels/testfn.h"
#include "tests/test.h"

/* DSE_TESTFN_PREPARE_MS: read by the first layer's prepare only; a value
 * that is not a whole number of milliseconds in range fails the
 * preparation with an error naming the variable. */
DSE_TEST(testfn_prepare_knob)
{
    const char *text = "[target]\nmodel = \"testfn\"\n[workload]\n"
                       "[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\nin_shape = [1]\n"
                       "[[workload.layer]]\nname = \"b\"\nop = \"elementwise\"\nin_shape = [1]\n";
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_parse("knob.toml", text, strlen(text), 0, &job, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "config: %s", err.msg);
        return;
    }
    const dse_hwmodel_t *m = job->model;
    const char *saved = getenv(DSE_TESTFN_PREPARE_ENV);
    char *keep = saved ? strdup(saved) : NULL;
    static const char *const good[] = {"", "0", "1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        setenv(DSE_TESTFN_PREPARE_ENV, good[i], 1);
        void *ctx = NULL;
        dse_error_t e = DSE_ERROR_INIT;
        CHECK_INT(m->prepare(job, 0, 0, &ctx, &e), 0);
        if (ctx)
            m->release(ctx);
    }
    static const char *const bad[] = {"abc", "-1", "600001", "5ms", "1e3", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv(DSE_TESTFN_PREPARE_ENV, bad[i], 1);
        void *ctx = NULL;
        dse_error_t e = DSE_ERROR_INIT;
        CHECK_INT(m->prepare(job, 0, 0, &ctx, &e), DSE_EINVAL);
        CHECK(ctx == NULL);
        CHECK(strstr(e.msg, DSE_TESTFN_PREPARE_ENV) != NULL);
        CHECK(strstr(e.msg, bad[i]) != NULL);
        /* the other layers do not read it */
        dse_error_t e1 = DSE_ERROR_INIT;
        CHECK_INT(m->prepare(job, 1, 0, &ctx, &e1), 0);
        if (ctx)
            m->release(ctx);
    }
    if (keep)
        setenv(DSE_TESTFN_PREPARE_ENV, keep, 1);
    else
        unsetenv(DSE_TESTFN_PREPARE_ENV);
    free(keep);
    dse_job_destroy(&job);
}
