/* categorical.c - a categorical draw from log weights (see categorical.h): the weights are
 * exponentiated with the maximum factored out, so none overflows and the largest is 1. */
#include "categorical.h"

#include <math.h>

size_t gb_categorical_draw_log(gsl_rng *r, double *w, size_t n, double mx)
{
    double tot = 0;
    for (size_t k = 0; k < n; k++)
        tot += (w[k] = exp(w[k] - mx));
    double u = gsl_rng_uniform(r) * tot, acc = 0;
    for (size_t k = 0; k < n; k++) {
        acc += w[k];
        if (u < acc)
            return k;
    }
    for (size_t k = n; k-- > 0;)
        if (w[k] > 0)
            return k;
    return n - 1;
}
