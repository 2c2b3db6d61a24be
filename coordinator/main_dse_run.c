/* main_dse_run.c - the dse-run program: validate a job and run it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/job.h"
#include "hwmodels/hwmodel.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: dse-run CONFIG.toml [options]\n"
            "\n"
            "Explores the design space of the job in CONFIG.toml and writes its Pareto\n"
            "fronts into the job's output folder.\n"
            "\n"
            "options:\n"
            "  --check                validate the job and print its spaces; run nothing\n"
            "  -h, --help             this text\n");
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    int check = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "dse-run: unknown option '%s'\n", argv[i]);
            s_usage(stderr);
            return 2;
        } else if (config) {
            fprintf(stderr, "dse-run: one config file only ('%s' and '%s')\n", config, argv[i]);
            return 2;
        } else {
            config = argv[i];
        }
    }
    if (!config) {
        s_usage(stderr);
        return 2;
    }
    dse_error_t err = DSE_ERROR_INIT;
    dse_job_t *job = NULL;
    if (dse_config_load(config, &job, &err) != 0) {
        dse_error_print(&err, stderr);
        return 1;
    }
    if (check) {
        dse_job_print(job, stdout);
        dse_job_destroy(&job);
        return 0;
    }
    fprintf(stderr, "dse-run: running jobs is not built yet; use --check\n");
    dse_job_destroy(&job);
    return 1;
}
