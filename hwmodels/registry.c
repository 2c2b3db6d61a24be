/* registry.c - the hardware models by name. */
#include <string.h>

#include "hwmodels/hwmodel.h"

extern const dse_hwmodel_t dse_model_testfn;
extern const dse_hwmodel_t dse_model_pulp_cluster;
extern const dse_hwmodel_t dse_model_siracusa;
extern const dse_hwmodel_t dse_model_finn;

static const dse_hwmodel_t *const s_models[] = {
    &dse_model_pulp_cluster,
    &dse_model_siracusa,
    &dse_model_finn,
    &dse_model_testfn,
};

size_t dse_model_count(void)
{
    return sizeof s_models / sizeof s_models[0];
}

const dse_hwmodel_t *dse_model_at(size_t i)
{
    return i < dse_model_count() ? s_models[i] : NULL;
}

const dse_hwmodel_t *dse_model_find(const char *name)
{
    for (size_t i = 0; i < dse_model_count(); i++)
        if (strcmp(s_models[i]->name, name) == 0)
            return s_models[i];
    return NULL;
}
