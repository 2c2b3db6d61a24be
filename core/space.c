/* space.c - mixed-radix parameter spaces. */
#include "core/space.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t dse_sort_unique(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, s_cmp_double);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

dse_space_t *dse_space_new(size_t n_params, const double *const *values, const size_t *n_values,
                           dse_error_t *err)
{
    dse_space_t *s = dse_xcalloc(1, sizeof *s);
    s->n_params = n_params;
    s->n_values = dse_xcalloc(n_params, sizeof *s->n_values);
    s->values = dse_xcalloc(n_params, sizeof *s->values);
    s->size = 1;
    for (size_t p = 0; p < n_params; p++) {
        if (n_values[p] == 0) {
            dse_error_set(err, DSE_EINVAL, NULL, 0, 0, "parameter %zu has an empty domain", p);
            dse_space_destroy(&s);
            return NULL;
        }
        s->values[p] = dse_xmalloc(n_values[p] * sizeof(double));
        memcpy(s->values[p], values[p], n_values[p] * sizeof(double));
        s->n_values[p] = dse_sort_unique(s->values[p], n_values[p]);
        if (s->size > DSE_SPACE_MAX_SIZE / s->n_values[p]) {
            dse_error_set(err, DSE_ERANGE, NULL, 0, 0,
                          "the space has more than 2^63 - 1 points");
            dse_space_destroy(&s);
            return NULL;
        }
        s->size *= s->n_values[p];
    }
    return s;
}

void dse_space_destroy(dse_space_t **space_p)
{
    if (!space_p || !*space_p)
        return;
    dse_space_t *s = *space_p;
    for (size_t p = 0; p < s->n_params; p++)
        free(s->values[p]);
    free(s->values);
    free(s->n_values);
    free(s);
    *space_p = NULL;
}

void dse_space_digits(const dse_space_t *s, uint64_t index, size_t *digits)
{
    for (size_t p = 0; p < s->n_params; p++) {
        digits[p] = (size_t)(index % s->n_values[p]);
        index /= s->n_values[p];
    }
}

uint64_t dse_space_index(const dse_space_t *s, const size_t *digits)
{
    uint64_t index = 0;
    for (size_t p = s->n_params; p-- > 0;)
        index = index * s->n_values[p] + digits[p];
    return index;
}

int dse_space_find(const dse_space_t *s, const double *values, uint64_t *index)
{
    uint64_t idx = 0, stride = 1;
    for (size_t p = 0; p < s->n_params; p++) {
        size_t i = 0;
        while (i < s->n_values[p] && s->values[p][i] != values[p])
            i++;
        if (i == s->n_values[p])
            return -1 - (int)p;
        idx += i * stride;
        stride *= s->n_values[p];
    }
    *index = idx;
    return 0;
}
