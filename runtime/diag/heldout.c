/* heldout.c - held-out log predictive density and paired differences (see heldout.h). */
#include <math.h>

#include "heldout.h"

double gb_heldout_lpd(const double *ll, size_t S, size_t N, double *lpd)
{
    double total = 0;
    for (size_t i = 0; i < N; i++) {
        double mx = -INFINITY;
        for (size_t s = 0; s < S; s++)
            mx = fmax(mx, ll[s * N + i]);
        double sum = 0;
        if (mx > -INFINITY)
            for (size_t s = 0; s < S; s++)
                sum += exp(ll[s * N + i] - mx);
        lpd[i] = mx > -INFINITY ? mx + log(sum / (double)S) : -INFINITY;
        total += lpd[i];
    }
    return total;
}

double gb_heldout_diff(const double *a, const double *b, size_t N, double *se)
{
    double sum = 0;
    for (size_t i = 0; i < N; i++)
        sum += a[i] - b[i];
    double mean = N ? sum / (double)N : 0, ss = 0;
    for (size_t i = 0; i < N; i++) {
        double d = a[i] - b[i] - mean;
        ss += d * d;
    }
    *se = N > 1 ? sqrt((double)N * ss / (double)(N - 1)) : 0;
    return sum;
}
