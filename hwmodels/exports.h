/* exports.h - deployment files models write for the first network front
 * point that fits (dse_hwmodel_t.export_point): pulp-cluster's tiling.h and
 * fastest_tiling.txt, siracusa's deployment.json. Each returns 0 or DSE_EIO
 * (DSE_EFAIL when the point no longer evaluates as feasible) with err set. */
#ifndef DSE_EXPORTS_H
#define DSE_EXPORTS_H

#include "core/error.h"
#include "core/job.h"

int dse_pulp_export_point(const dse_job_t *job, double *const *params, const char *dir,
                          dse_error_t *err);
int dse_siracusa_export_point(const dse_job_t *job, double *const *params, const char *dir,
                              dse_error_t *err);

#endif
