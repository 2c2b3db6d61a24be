/* test_finn_configs.c - the CNV configs load and hold the calibration network. */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/job.h"
#include "hwmodels/finn.h"
#include "tests/test.h"

static dse_job_t *load(const char *path)
{
    dse_job_t *job = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    if (dse_config_load(path, &job, &err) != 0) {
        char msg[1200];
        dse_error_format(&err, msg, sizeof msg);
        dse__test_fail(__FILE__, __LINE__, "%s: %s", path, msg);
        return NULL;
    }
    return job;
}

DSE_TEST(finn_config_cnv)
{
    static const char *const names[] = {"w1a1-pynq", "w2a2-pynq", "w4a4-pynq",
                                        "w1a1-ultra96", "w2a2-ultra96", "w4a4-ultra96"};
    static const int wbits[6] = {1, 2, 4, 1, 2, 4};
    for (int i = 0; i < 6; i++) {
        char path[128];
        snprintf(path, sizeof path, "configs/cnv-%s.toml", names[i]);
        dse_job_t *job = load(path);
        if (!job)
            continue;
        CHECK(job->model == &dse_model_finn);
        CHECK_INT(job->n_layers, 11);
        CHECK_INT(job->hw[DSE_FINN_HW_CLOCK_MHZ], i < 3 ? 100 : 300);
        CHECK_INT(job->hw[DSE_FINN_HW_ESTIMATES], DSE_FINN_EST_2021);
        for (size_t l = 0; l < job->n_layers; l++) {
            if (job->layers[l].op != DSE_OP_MAXPOOL)
                CHECK_INT(job->layers[l].attr[DSE_FINN_L_WEIGHT_BITS], wbits[i]);
            CHECK_INT(job->layers[l].attr[DSE_FINN_L_ACT_BITS], l == 0 ? 8 : wbits[i]);
        }
        CHECK_INT(job->layers[10].attr[DSE_FINN_L_ACTIVATION], 0);
        if (i == 0) {
            /* The calibration folding on the config's network. */
            static const int fold[11][2] = {{16, 3}, {32, 32}, {1, 1}, {16, 32}, {16, 32}, {1, 1},
                                            {4, 32}, {1, 32},  {1, 4}, {1, 8},   {5, 1}};
            double lut = 0, bram = 0, maxc = 0;
            for (size_t l = 0; l < 11; l++) {
                double p[DSE_FINN_N_PARAMS] = {0}, m[DSE_FINN_N_METRICS];
                p[DSE_FINN_P_PE] = fold[l][0];
                p[DSE_FINN_P_SIMD] = fold[l][1];
                p[DSE_FINN_P_SWG_SIMD] = fold[l][1];
                void *ctx = NULL;
                dse_error_t err = DSE_ERROR_INIT;
                CHECK_INT(job->model->prepare(job, l, 0, &ctx, &err), 0);
                if (!ctx)
                    continue;
                CHECK_INT(job->model->evaluate(ctx, p, m), 1);
                job->model->release(ctx);
                lut += m[DSE_FINN_M_LUT];
                bram += m[DSE_FINN_M_BRAM18];
                if (m[DSE_FINN_M_CYCLES] > maxc)
                    maxc = m[DSE_FINN_M_CYCLES];
            }
            CHECK_INT(lut, 25849);
            CHECK_INT(bram, 146);
            CHECK_INT(maxc, 32768);
        }
        dse_job_destroy(&job);
    }
}
