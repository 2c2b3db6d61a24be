/* testfn.c - a synthetic test model (to come). */
#include "hwmodels/hwmodel.h"

const dse_hwmodel_t dse_model_testfn = {
    .name = "testfn",
    .doc = "not built yet",
};
