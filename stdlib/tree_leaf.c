/* tree_leaf.c - the leaf models: sufficient statistics, the log marginal likelihood a structure
 * move compares (leaf values integrated out), and the conjugate draws of the leaf values.
 *
 *   NORMAL  r ~ N(mu, sigma^2 / w), mu ~ N(0, tau^2), sigma known (CGM 2010, section 3.1).
 *           Statistics {sum w, sum w r}; log m = -1/2 log(1 + tau^2 S_w / sigma^2)
 *           + (S_wr / sigma^2)^2 / (2 (S_w / sigma^2 + 1 / tau^2)) up to terms that cancel.
 *   NIG     y ~ N(mu, sigma^2), mu ~ N(mu0, sigma^2 / kappa), sigma^2 ~ InvGamma(a, b) shared by
 *           the leaves (CGM 1998, section 4.1).  Statistics over e = y - mu0: {n, sum e,
 *           sum e^2}; log m = sum_l 1/2 log(kappa / (n_l + kappa)) - (a + N/2) log(b + Q/2)
 *           with Q = sum_l [sum e^2 - (sum e)^2 / (n_l + kappa)]: not a sum over leaves, so the
 *           forest keeps Q (f->nig_q) and a move changes it by its leaves' terms.
 *   CLASS   counts n_k with p ~ Dirichlet(c, ..., c) (CGM 1998, section 4.2):
 *           log m = lgamma(K c) - lgamma(n + K c) + sum_k [lgamma(n_k + c) - lgamma(c)].
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "tree_int.h"

double gb_tree_leaf_term(const gb_forest *f, const double *s)
{
    switch (f->c.leaf) {
    case GB_TREE_LEAF_NORMAL: {
        double s2 = f->sigma * f->sigma, t2 = f->c.tau * f->c.tau;
        double b = s[1] / s2, prec = s[0] / s2 + 1 / t2;
        return -0.5 * log1p(t2 * s[0] / s2) + 0.5 * b * b / prec;
    }
    case GB_TREE_LEAF_NIG:
        return 0.5 * log(f->c.kappa / (s[0] + f->c.kappa));
    case GB_TREE_LEAF_CLASS: {
        double c = f->c.concentration, n = 0, v = 0;
        for (size_t k = 0; k < f->k; k++) {
            n += s[k];
            v += gsl_sf_lngamma(s[k] + c) - gsl_sf_lngamma(c);
        }
        return v + gsl_sf_lngamma((double)f->k * c) - gsl_sf_lngamma(n + (double)f->k * c);
    }
    }
    return 0;
}

double gb_tree_leaf_q(const gb_forest *f, const double *s)
{
    if (f->c.leaf != GB_TREE_LEAF_NIG)
        return 0;
    return s[2] - s[1] * s[1] / (s[0] + f->c.kappa);
}

double gb_tree_lik_delta(const gb_forest *f, const double *const *old_s, size_t n_old,
                         const double *const *new_s, size_t n_new)
{
    if (!f->y)
        return 0;
    double v = 0, dq = 0;
    for (size_t l = 0; l < n_new; l++) {
        v += gb_tree_leaf_term(f, new_s[l]);
        dq += gb_tree_leaf_q(f, new_s[l]);
    }
    for (size_t l = 0; l < n_old; l++) {
        v -= gb_tree_leaf_term(f, old_s[l]);
        dq -= gb_tree_leaf_q(f, old_s[l]);
    }
    return gb_tree_lik_delta_sums(f, v, dq);
}

double gb_tree_lik_delta_sums(const gb_forest *f, double dterm, double dq)
{
    if (!f->y)
        return 0;
    if (f->c.leaf == GB_TREE_LEAF_NIG) {
        double shape = f->c.a + 0.5 * (double)f->n;
        dterm -= shape * (log(f->c.b + 0.5 * (f->nig_q + dq)) - log(f->c.b + 0.5 * f->nig_q));
    }
    return f->heat * dterm; /* heat 1 (untempered) leaves dterm exact */
}

static void leaf_stats(const gb_forest *f, const gb_tree *t, const gb_tree_node *nd, double *s)
{
    gb_tree_sum_rows(f, t->rows, nd->begin, nd->end, s);
}

void gb_tree_nig_refresh(gb_forest *f, const gb_tree *t)
{
    double *s = f->st;
    f->nig_q = 0;
    for (size_t j = 0; j < f->cap; j++) {
        const gb_tree_node *nd = &t->nodes[j];
        if (nd->used && nd->left == GB_TREE_NONE) {
            leaf_stats(f, t, nd, s);
            f->nig_q += gb_tree_leaf_q(f, s);
        }
    }
}

/* Draws one leaf's value (or class probabilities into p) given its statistics s. */
static double draw_leaf(gb_forest *f, const double *s, gsl_rng *rng, double *p)
{
    switch (f->c.leaf) {
    case GB_TREE_LEAF_NORMAL: {
        double t2 = f->c.tau * f->c.tau;
        if (!f->y)
            return gsl_ran_gaussian(rng, f->c.tau);
        double s2 = f->sigma * f->sigma, prec = s[0] / s2 + 1 / t2;
        return s[1] / s2 / prec + gsl_ran_gaussian(rng, 1 / sqrt(prec));
    }
    case GB_TREE_LEAF_NIG: {
        double nk = (f->y ? s[0] : 0) + f->c.kappa;
        return f->c.mu0 + (f->y ? s[1] / nk : 0) + gsl_ran_gaussian(rng, f->sigma / sqrt(nk));
    }
    case GB_TREE_LEAF_CLASS: {
        double *alpha = f->st + f->nstat;
        for (size_t k = 0; k < f->k; k++)
            alpha[k] = f->c.concentration + (f->y ? s[k] : 0);
        gsl_ran_dirichlet(rng, f->k, alpha, p);
        return 0;
    }
    }
    return 0;
}

void gb_tree_draw_leaves(gb_forest *f, gb_tree *t, gsl_rng *rng)
{
    double *s = f->st;
    if (f->c.leaf == GB_TREE_LEAF_NIG) {
        /* sigma^2 | tree, y ~ InvGamma(a + N/2, b + Q/2); from the prior without data. */
        double shape = f->c.a, rate = f->c.b;
        if (f->y) {
            gb_tree_nig_refresh(f, t);
            shape += 0.5 * (double)f->n;
            rate += 0.5 * f->nig_q;
        }
        f->sigma = sqrt(1 / gsl_ran_gamma(rng, shape, 1 / rate));
    }
    for (size_t j = 0; j < f->cap; j++) {
        gb_tree_node *nd = &t->nodes[j];
        if (!nd->used || nd->left != GB_TREE_NONE)
            continue;
        leaf_stats(f, t, nd, s);
        double *p = t->probs ? t->probs + j * f->k : NULL;
        nd->mu = draw_leaf(f, s, rng, p);
        for (uint32_t r = nd->begin; r < nd->end; r++) {
            size_t i = t->rows[r];
            if (f->c.leaf == GB_TREE_LEAF_NORMAL)
                f->fit[i] += nd->mu;
            else if (f->c.leaf == GB_TREE_LEAF_NIG)
                f->fit[i] = nd->mu;
            else
                memcpy(f->fit + i * f->k, p, f->k * sizeof *p);
        }
    }
}

void gb_tree_remove_fit(gb_forest *f, gb_tree *t, const double *target)
{
    double *fit = f->fit, *resid = f->resid;
    for (size_t j = 0; j < f->cap; j++) {
        const gb_tree_node *nd = &t->nodes[j];
        if (!nd->used || nd->left != GB_TREE_NONE)
            continue;
        double mu = nd->mu;
        const uint32_t *rows = t->rows;
        if (target) {
            for (uint32_t r = nd->begin; r < nd->end; r++) {
                uint32_t i = rows[r];
                fit[i] -= mu;
                resid[i] = target[i] - fit[i];
            }
        } else {
            for (uint32_t r = nd->begin; r < nd->end; r++)
                fit[rows[r]] -= mu;
        }
    }
}
