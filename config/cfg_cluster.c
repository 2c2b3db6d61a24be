/* cfg_cluster.c - [cluster]: workers, heartbeats, attempts, unit size.
 */
#include "config/cfg_private.h"

int dse__cfg_cluster(dse__cfg_ctx_t *c, dse_job_t *job, const dse_toml_value_t *root)
{
    job->workers = 0;
    job->heartbeat_s = 1.0;
    job->heartbeat_misses = 3;
    job->max_attempts = 3;
    job->unit_seconds = 0.25;
    const dse_toml_value_t *t = dse__cfg_get(root, "cluster", NULL);
    if (!t)
        return 0;
    int rc = dse__cfg_expect(c, t, DSE_TOML_TABLE, "[cluster]");
    if (rc)
        return rc;
    static const char *const keys[] = {"workers", "heartbeat", "heartbeat_misses",
                                       "max_attempts", "unit_seconds"};
    if ((rc = dse__cfg_check_keys(c, t, "[cluster]", keys, 5)))
        return rc;
    const dse_toml_value_t *v;
    int64_t x;
    if ((v = dse__cfg_get(t, "workers", NULL))) {
        if ((rc = dse__cfg_int(c, v, "workers", 0, 1024, &x)))
            return rc;
        job->workers = (int)x;
    }
    if ((v = dse__cfg_get(t, "heartbeat", NULL))) {
        if ((rc = dse__cfg_number(c, v, "heartbeat", &job->heartbeat_s)))
            return rc;
        if (job->heartbeat_s < 0.01 || job->heartbeat_s > 3600)
            return CFG_ERR_VAL(c, v, "heartbeat must be 0.01 to 3600 seconds");
    }
    if ((v = dse__cfg_get(t, "heartbeat_misses", NULL))) {
        if ((rc = dse__cfg_int(c, v, "heartbeat_misses", 1, 1000, &x)))
            return rc;
        job->heartbeat_misses = (int)x;
    }
    if ((v = dse__cfg_get(t, "max_attempts", NULL))) {
        if ((rc = dse__cfg_int(c, v, "max_attempts", 1, 1000, &x)))
            return rc;
        job->max_attempts = (int)x;
    }
    if ((v = dse__cfg_get(t, "unit_seconds", NULL))) {
        if ((rc = dse__cfg_number(c, v, "unit_seconds", &job->unit_seconds)))
            return rc;
        if (job->unit_seconds < 0.001 || job->unit_seconds > 3600)
            return CFG_ERR_VAL(c, v, "unit_seconds must be 0.001 to 3600");
    }
    return 0;
}
