/* space.h - a layer's design space: the mixed-radix product of its
 * parameter domains.
 *
 * A point is an index in [0, size). Parameter 0 varies fastest. Decoding a
 * point into parameter values costs O(number of parameters) and allocates
 * nothing.
 */
#ifndef DSE_SPACE_H
#define DSE_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct dse_space {
    size_t n_params;
    size_t *n_values; /* domain size of each parameter (>= 1) */
    double **values;  /* values[p][0 .. n_values[p]), sorted ascending, no duplicates */
    uint64_t size;    /* product of the domain sizes (< 2^63) */
} dse_space_t;

/* Largest space accepted: 2^63 - 1 points. */
#define DSE_SPACE_MAX_SIZE 0x7fffffffffffffffULL

/* Creates a space from n_params domains; copies, sorts and deduplicates
 * them. Returns NULL with err filled (DSE_ERANGE) when the product exceeds
 * DSE_SPACE_MAX_SIZE, or (DSE_EINVAL) when a domain is empty. */
dse_space_t *dse_space_new(size_t n_params, const double *const *values, const size_t *n_values,
                           dse_error_t *err);
void dse_space_destroy(dse_space_t **space_p);

/* Decodes a point index (< size) into one value per parameter. */
static inline void dse_space_decode(const dse_space_t *s, uint64_t index, double *values)
{
    for (size_t p = 0; p < s->n_params; p++) {
        uint64_t n = s->n_values[p];
        values[p] = s->values[p][index % n];
        index /= n;
    }
}

/* Decodes a point index into one domain position per parameter. */
void dse_space_digits(const dse_space_t *s, uint64_t index, size_t *digits);
/* The inverse of dse_space_digits. */
uint64_t dse_space_index(const dse_space_t *s, const size_t *digits);

/* The point whose parameter values are values[0 .. n_params), compared
 * exactly: 0 with *index set, or -1 - p when values[p] is not in parameter
 * p's domain (the first such p). */
int dse_space_find(const dse_space_t *s, const double *values, uint64_t *index);

/* Sorts and deduplicates an array of doubles in place; returns the new count. */
size_t dse_sort_unique(double *v, size_t n);

#endif
