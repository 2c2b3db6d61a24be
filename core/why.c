/* why.c - the per-layer tally of why points were infeasible. */
#include "core/why.h"

#include <stddef.h>

void dse_why_merge(dse_why_t *dst, const dse_why_t *src)
{
    for (size_t i = 0; i < DSE_WHY_SLOTS; i++) {
        if (!src->n[i])
            continue;
        if (!dst->n[i] || src->key[i] < dst->key[i])
            dst->key[i] = src->key[i];
        dst->n[i] += src->n[i];
    }
}

int dse_why_empty(const dse_why_t *w)
{
    return dse_why_top(w) < 0;
}

int dse_why_top(const dse_why_t *w)
{
    int top = -1;
    for (int i = 0; i < DSE_WHY_SLOTS; i++)
        if (w->n[i] && (top < 0 || w->n[i] > w->n[top]))
            top = i;
    return top;
}
