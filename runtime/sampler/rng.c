/* rng.c - per-chain GSL streams seeded by a documented mix of (seed, chain); see rng.h for the
 * mix and why distinct chains get distinct streams.  Owns nothing beyond the streams it returns.
 */
#include "rng.h"

#include <stdint.h>

/* splitmix64 (Steele, Lea & Flood 2014): the golden-ratio increment and the two multipliers of
 * the variant "Mix13" from David Stafford's "Better bit mixing" (2011), as in SplittableRandom. */
static uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* MurmurHash3's fmix32 (Appleby 2011): each step (xor-shift, odd multiply) is invertible, so the
 * whole function is a bijection on 32-bit words. */
static uint32_t fmix32(uint32_t h)
{
    h ^= h >> 16;
    h *= UINT32_C(0x85EBCA6B);
    h ^= h >> 13;
    h *= UINT32_C(0xC2B2AE35);
    h ^= h >> 16;
    return h;
}

unsigned long gb_rng_chain_seed(unsigned long seed, unsigned chain)
{
    uint64_t s = splitmix64((uint64_t)seed);
    uint32_t base = (uint32_t)(s >> 32) ^ (uint32_t)s;
    return (unsigned long)fmix32(base + (uint32_t)chain);
}

gsl_rng *gb_rng_new(unsigned long seed, unsigned chain)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return NULL;
    gsl_rng_set(r, gb_rng_chain_seed(seed, chain));
    return r;
}

void gb_rng_free(gsl_rng *r)
{
    if (r)
        gsl_rng_free(r);
}
