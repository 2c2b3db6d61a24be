/* perm.h - a keyed pseudo-random permutation of [0, n), for sampling
 * without replacement on spaces of any size (n up to 2^63).
 *
 * A balanced Feistel network on the smallest even number of bits that holds
 * n, with cycle walking: positions at or above n are pushed through the
 * network again until they land below n. The result is a bijection of
 * [0, n) that costs O(1) memory; walking the positions 0, 1, 2, ... visits
 * distinct points in an order fixed by the key alone. Both directions cost
 * a few rounds of integer mixing (fewer than 4 walks on average, since the
 * network's domain is less than 4n).
 */
#ifndef DSE_PERM_H
#define DSE_PERM_H

#include <stdint.h>

typedef struct {
    uint64_t n;
    unsigned half;   /* bits per Feistel half */
    uint64_t mask;   /* (1 << half) - 1 */
    uint64_t key[4]; /* round keys */
} dse_perm_t;

/* A permutation of [0, n) (n >= 1) chosen by key. */
void dse_perm_init(dse_perm_t *p, uint64_t n, uint64_t key);
/* The point at position pos (< n). */
uint64_t dse_perm_at(const dse_perm_t *p, uint64_t pos);
/* The position of point x (< n): dse_perm_at(p, dse_perm_pos(p, x)) == x. */
uint64_t dse_perm_pos(const dse_perm_t *p, uint64_t x);

/* splitmix64's finaliser: a bijective 64-bit mix. */
static inline uint64_t dse_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A small seeded generator (splitmix64): deterministic for a seed. */
typedef struct {
    uint64_t s;
} dse_rng_t;

static inline uint64_t dse_rng_next(dse_rng_t *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return dse_mix64(r->s);
}

/* Uniform in [0, n) (n >= 1), without modulo bias. */
static inline uint64_t dse_rng_below(dse_rng_t *r, uint64_t n)
{
    uint64_t lim = -n % n; /* 2^64 mod n */
    for (;;) {
        uint64_t x = dse_rng_next(r);
        if (x >= lim)
            return x % n;
    }
}

/* Uniform in [0, 1). */
static inline double dse_rng_unit(dse_rng_t *r)
{
    return (double)(dse_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
