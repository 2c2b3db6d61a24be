/* fuzz_job.c - libFuzzer target for the job text a worker parses.
 *
 * A worker builds each job from the canonical text a JOB message carries
 * (dse_evaljob_from_text). Any input must give a job or an error with a
 * message, never a crash or a leak; a job that builds must give a
 * canonical text that builds again to the same text (and so the same
 * digest), which is what lets units name a job by its digest.
 */
#include "config/config.h"
#include "eval/eval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_CHECK(c)                                                                        \
    do {                                                                                  \
        if (!(c))                                                                         \
            abort();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    int rc = dse_evaljob_from_text((const char *)data, size, 0, &ej, &err);
    if (rc != 0) {
        S_CHECK(rc < 0 && err.msg[0] && !ej);
        return 0;
    }
    dse_evaljob_t *again = NULL;
    S_CHECK(dse_evaljob_from_text(ej->canonical, strlen(ej->canonical), 0, &again, &err) == 0);
    S_CHECK(strcmp(ej->canonical, again->canonical) == 0);
    S_CHECK(strcmp(ej->digest, again->digest) == 0);
    dse_evaljob_destroy(&again);
    dse_evaljob_destroy(&ej);
    return 0;
}
