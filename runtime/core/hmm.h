/* hmm.h - the forward algorithm of a first-order chain of finite discrete states, in log space,
 * with backward sampling (FFBS) and the posterior marginals (the gradient of the log normaliser).
 *
 * A chain of T states, each in 0 .. K-1, with a log potential per state and step:
 *   logE[t * K + j]               log emission of state j at t (t = 0 .. T-1): every factor that
 *                                 reads only z[t] (z[1]'s initial distribution included);
 *   logA[(t - 1) * a_stride + i * K + j]
 *                                 log transition from state i at t - 1 to j at t (t = 1 .. T-1):
 *                                 every factor that reads z[t - 1] and z[t].
 * a_stride is K * K for one matrix a step, 0 for one matrix shared by every step.  The joint
 * density is p(z) = exp(sum_t logE[t, z_t] + sum_t logA[t, z_{t-1}, z_t]) / Z; log Z is the
 * log normaliser (with emissions that are likelihood terms, the marginal log density of the
 * data given the continuous parameters: what marginalising the chain out adds to the density).
 *
 * Forward filtering follows Rabiner (1989), "A tutorial on hidden Markov models", eq. 19-20, in
 * log space with the maximum factored out of each log-sum-exp (no scaling, no underflow at any
 * T); backward sampling follows Frühwirth-Schnatter (2006), "Finite Mixture and Markov Switching
 * Models", sec. 11.5.6.  No function allocates: callers pass the buffers (sizes below).
 */
#ifndef GB_RUNTIME_CORE_HMM_H
#define GB_RUNTIME_CORE_HMM_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

/* Forward filter: alpha[t * K + j] = log of the sum over z_0 .. z_{t-1} of the potentials up to
 * t with z_t = j (T * K doubles, written).  Returns log Z = log-sum-exp of alpha's last row;
 * -INFINITY when no path has a finite potential.  T >= 1, K >= 1. */
double gb_hmm_forward(size_t T, size_t K, const double *logE, const double *logA, size_t a_stride,
                      double *alpha);

/* Backward sampling from the forward filter's alpha: draws the path z[0 .. T-1] (states
 * 0 .. K-1) from p(z) exactly, last state first.  w: K doubles of scratch.  Returns 0, or -1
 * when a row of weights has no finite value (log Z = -INFINITY; z untouched then). */
int gb_hmm_sample(size_t T, size_t K, const double *logA, size_t a_stride, const double *alpha,
                  gsl_rng *r, double *w, size_t *z);

/* Posterior marginals, which are the gradient of log Z: pE[t * K + j] = P(z_t = j) =
 * d log Z / d logE[t * K + j] (T * K doubles), and pA = d log Z / d logA laid out as logA: with
 * a_stride K * K, P(z_{t-1} = i, z_t = j) per step ((T - 1) * K * K doubles); with a_stride 0,
 * their sum over the steps (K * K doubles).  pA may be NULL.  beta: T * K doubles of scratch
 * (the backward log messages).  Needs alpha and log Z from gb_hmm_forward (finite). */
void gb_hmm_marginals(size_t T, size_t K, const double *logE, const double *logA, size_t a_stride,
                      const double *alpha, double logZ, double *beta, double *pE, double *pA);

#endif
