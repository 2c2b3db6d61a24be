/* siracusa.c - the siracusa cost model (declarations and cost function to come). */
#include "hwmodels/hwmodel.h"

const dse_hwmodel_t dse_model_siracusa = {
    .name = "siracusa",
    .doc = "not built yet",
};
