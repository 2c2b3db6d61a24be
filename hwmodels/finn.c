/* finn.c - the finn cost model (declarations and cost function to come). */
#include "hwmodels/hwmodel.h"

const dse_hwmodel_t dse_model_finn = {
    .name = "finn",
    .doc = "not built yet",
};
