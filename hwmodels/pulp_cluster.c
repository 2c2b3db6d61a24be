/* pulp_cluster.c - the pulp-cluster cost model (declarations and cost function to come). */
#include "hwmodels/hwmodel.h"

const dse_hwmodel_t dse_model_pulp_cluster = {
    .name = "pulp-cluster",
    .doc = "not built yet",
};
