/* hwmodel.c - look-ups in a model's declarations (see hwmodel.h). */
#include "hwmodels/hwmodel.h"

#include <string.h>

int dse_model_param(const dse_hwmodel_t *m, const char *name)
{
    for (size_t i = 0; i < m->n_params; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

int dse_model_metric(const dse_hwmodel_t *m, const char *name)
{
    for (size_t i = 0; i < m->n_metrics; i++)
        if (strcmp(m->metrics[i].name, name) == 0)
            return (int)i;
    return -1;
}

int dse_model_net_metric(const dse_hwmodel_t *m, const char *name)
{
    for (size_t i = 0; i < m->n_net_metrics; i++)
        if (strcmp(m->net_metrics[i].name, name) == 0)
            return (int)i;
    return -1;
}

int dse_model_preset_key(const dse_hwmodel_t *m, const char *name)
{
    for (size_t i = 0; i < m->n_preset_keys; i++)
        if (strcmp(m->preset_keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

int dse_model_layer_key(const dse_hwmodel_t *m, const char *name)
{
    for (size_t i = 0; i < m->n_layer_keys; i++)
        if (strcmp(m->layer_keys[i].name, name) == 0)
            return (int)i;
    return -1;
}
