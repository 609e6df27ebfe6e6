/* rng.h - one GSL random number stream per chain, seeded from (seed, chain).
 *
 * Every chain owns its own gsl_rng (no global RNG, no rand()), so a chain's draws depend only on
 * the user's seed and the chain's index, never on the thread count or on which thread ran it.
 *
 * Generator: gsl_rng_mt19937 (Matsumoto & Nishimura 1998), period 2^19937 - 1.  GSL seeds it
 * from 32 bits, so the 64-bit user seed is first mixed down to 32 bits:
 *
 *     base  = hi32(s) XOR lo32(s)       where s = splitmix64(seed)
 *     seed32 = fmix32(base + chain)     (mod 2^32)
 *
 * splitmix64 is Steele, Lea & Flood (2014), "Fast splittable pseudorandom number generators"
 * (the output function of java.util.SplittableRandom); fmix32 is MurmurHash3's 32-bit finaliser,
 * a bijection on 32-bit words.  Since `base + chain` is distinct for distinct chains and fmix32
 * is a bijection, chains 0 .. 2^32-1 of one seed get distinct 32-bit seeds, hence distinct
 * streams (mt19937 maps seed 0 to its default 4357; the collision this allows has probability
 * 2^-32 per chain pair and is accepted).  Neighbouring seeds and chains land far apart because
 * of the two mixing steps.
 */
#ifndef GB_RUNTIME_SAMPLER_RNG_H
#define GB_RUNTIME_SAMPLER_RNG_H

#include <gsl/gsl_rng.h>

/* The 32-bit value handed to gsl_rng_set for (seed, chain); exposed for tests and for the
 * draws file's header. */
unsigned long gb_rng_chain_seed(unsigned long seed, unsigned chain);

/* A new mt19937 stream for chain `chain` of a run with user seed `seed`; NULL when allocation
 * fails.  The caller frees it with gb_rng_free. */
gsl_rng *gb_rng_new(unsigned long seed, unsigned chain);

/* Frees a stream from gb_rng_new; accepts NULL. */
void gb_rng_free(gsl_rng *r);

#endif
