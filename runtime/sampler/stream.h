/* stream.h - summaries of many quantities kept without keeping their draws: running mean and
 * variance (Welford) and the 5%, 50% and 95% quantiles by the P-square algorithm (Jain and
 * Chlamtac 1985, "The P2 algorithm for dynamic calculation of quantiles and histograms without
 * storing observations"), in constant memory per quantity.
 *
 * Used for large deterministic nodes (an N x H activation matrix) whose full draws would not fit;
 * one gb_stream per chain.  Pooling chains is exact for the mean and sd; pooled quantiles are
 * the average of the chains' estimates (an approximation, close when the chains agree).
 */
#ifndef GB_RUNTIME_SAMPLER_STREAM_H
#define GB_RUNTIME_SAMPLER_STREAM_H

#include <stddef.h>

typedef struct gb_stream gb_stream;

/* Accumulators for n quantities; NULL when out of memory or over the memory budget. */
gb_stream *gb_stream_new(size_t n);
void gb_stream_free(gb_stream *s);
/* Adds one draw: x[0 .. n-1]. */
void gb_stream_add(gb_stream *s, const double *x);
size_t gb_stream_count(const gb_stream *s);

typedef struct gb_stream_summary {
    double mean, sd, q5, q50, q95;
    size_t count;
} gb_stream_summary;

/* Quantity i pooled over the ns streams (chains). */
void gb_stream_result(const gb_stream *const *s, size_t ns, size_t i, gb_stream_summary *out);

#endif
