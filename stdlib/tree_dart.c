/* tree_dart.c - the split-variable prior: uniform over the usable columns, or DART's sparse
 * Dirichlet weights (Linero 2018, "Bayesian regression trees for high-dimensional prediction
 * and variable selection", JASA 113, section 3).
 *
 * DART: s ~ Dirichlet(theta / P, ..., theta / P) over the P usable columns, with
 * lambda = theta / (theta + rho) ~ Beta(a, b), rho = P.  After each sweep
 * s | counts ~ Dirichlet(theta / P + c_j) and theta | s on a grid of GB_TREE_DART_GRID values of
 * lambda (Linero's griddy Gibbs step).  The Dirichlet draw is made in log space, since shapes
 * theta / P are small and a plain gamma draw underflows to 0: log G(a) = log G(a + 1) +
 * log(U) / a (Liu, Martin & Syring 2017).
 */
#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "tree_int.h"

uint32_t gb_tree_draw_var(const gb_forest *f, gsl_rng *rng)
{
    const gb_tree_data *d = f->d;
    if (!f->c.dart)
        return d->cols[gsl_rng_uniform_int(rng, d->usable)];
    double u = gsl_rng_uniform(rng), acc = 0;
    for (size_t k = 0; k + 1 < d->usable; k++) {
        acc += f->dart_s[d->cols[k]];
        if (u < acc)
            return d->cols[k];
    }
    return d->cols[d->usable - 1];
}

void gb_tree_dart_init(gb_forest *f)
{
    if (!f->c.dart)
        return;
    const gb_tree_data *d = f->d;
    for (size_t j = 0; j < f->p; j++)
        f->dart_s[j] = f->dart_logs[j] = 0;
    for (size_t k = 0; k < d->usable; k++) {
        f->dart_s[d->cols[k]] = 1.0 / (double)d->usable;
        f->dart_logs[d->cols[k]] = -log((double)d->usable);
    }
    f->dart_theta = (double)d->usable; /* lambda = 1/2 */
}

/* Draws s | counts into dart_s and dart_logs. */
static void draw_weights(gb_forest *f, gsl_rng *rng, const size_t *counts)
{
    const gb_tree_data *d = f->d;
    double shape0 = f->dart_theta / (double)d->usable, mx = -INFINITY, sum = 0;
    for (size_t k = 0; k < d->usable; k++) {
        uint32_t j = d->cols[k];
        double a = shape0 + (double)counts[j];
        double lg = log(gsl_ran_gamma(rng, a + 1, 1)) + log(gsl_rng_uniform_pos(rng)) / a;
        f->dart_logs[j] = lg;
        mx = lg > mx ? lg : mx;
    }
    for (size_t k = 0; k < d->usable; k++)
        sum += exp(f->dart_logs[d->cols[k]] - mx);
    double lse = mx + log(sum);
    for (size_t k = 0; k < d->usable; k++) {
        uint32_t j = d->cols[k];
        f->dart_logs[j] -= lse;
        f->dart_s[j] = exp(f->dart_logs[j]);
    }
}

static void draw_theta(gb_forest *f, gsl_rng *rng)
{
    const gb_tree_data *d = f->d;
    double P = (double)d->usable, rho = P, sum_logs = 0, mx = -INFINITY;
    for (size_t k = 0; k < d->usable; k++)
        sum_logs += f->dart_logs[d->cols[k]];
    for (size_t g = 0; g < GB_TREE_DART_GRID; g++) {
        double lam = (g + 0.5) / GB_TREE_DART_GRID, theta = rho * lam / (1 - lam);
        double lw = gsl_sf_lngamma(theta) - P * gsl_sf_lngamma(theta / P) + theta / P * sum_logs +
                    (f->c.dart_a - 1) * log(lam) + (f->c.dart_b - 1) * log1p(-lam);
        f->dart_grid[g] = lw;
        mx = lw > mx ? lw : mx;
    }
    double total = 0;
    for (size_t g = 0; g < GB_TREE_DART_GRID; g++)
        total += f->dart_grid[g] = exp(f->dart_grid[g] - mx);
    double u = gsl_rng_uniform(rng) * total, acc = 0;
    size_t g = 0;
    for (; g + 1 < GB_TREE_DART_GRID; g++) {
        acc += f->dart_grid[g];
        if (u < acc)
            break;
    }
    double lam = (g + 0.5) / GB_TREE_DART_GRID;
    f->dart_theta = rho * lam / (1 - lam);
}

void gb_tree_dart_update(gb_forest *f, gsl_rng *rng)
{
    if (!f->c.dart || f->d->usable == 0)
        return;
    gb_forest_var_counts(f, f->dart_counts);
    draw_weights(f, rng, f->dart_counts);
    draw_theta(f, rng);
}
