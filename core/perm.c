/* perm.c - keyed permutation of [0, n) by a Feistel network and cycle walking. */
#include "core/perm.h"

#define S_ROUNDS 4

void dse_perm_init(dse_perm_t *p, uint64_t n, uint64_t key)
{
    p->n = n ? n : 1;
    unsigned bits = 2;
    while (bits < 64 && (1ULL << bits) < p->n)
        bits += 2;
    p->half = bits / 2;
    p->mask = (1ULL << p->half) - 1;
    uint64_t k = key;
    for (int i = 0; i < S_ROUNDS; i++) {
        k += 0x9e3779b97f4a7c15ULL;
        p->key[i] = dse_mix64(k);
    }
}

static inline uint64_t s_round(const dse_perm_t *p, uint64_t half, int i)
{
    return dse_mix64(half ^ p->key[i]) & p->mask;
}

static inline uint64_t s_forward(const dse_perm_t *p, uint64_t x)
{
    uint64_t l = x >> p->half, r = x & p->mask;
    for (int i = 0; i < S_ROUNDS; i++) {
        uint64_t t = l ^ s_round(p, r, i);
        l = r;
        r = t;
    }
    return (l << p->half) | r;
}

static inline uint64_t s_backward(const dse_perm_t *p, uint64_t x)
{
    uint64_t l = x >> p->half, r = x & p->mask;
    for (int i = S_ROUNDS - 1; i >= 0; i--) {
        uint64_t t = r ^ s_round(p, l, i);
        r = l;
        l = t;
    }
    return (l << p->half) | r;
}

/* Cycle walking: the network permutes [0, 2^bits); following x's cycle to
 * the next value below n gives a permutation of [0, n), and the walk ends
 * because x itself is on the cycle. */
uint64_t dse_perm_at(const dse_perm_t *p, uint64_t pos)
{
    uint64_t x = pos;
    do
        x = s_forward(p, x);
    while (x >= p->n);
    return x;
}

uint64_t dse_perm_pos(const dse_perm_t *p, uint64_t x)
{
    uint64_t y = x;
    do
        y = s_backward(p, y);
    while (y >= p->n);
    return y;
}
