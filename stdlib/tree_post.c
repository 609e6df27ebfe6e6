/* tree_post.c - the log posterior of one tree's structure with its leaf values integrated out
 * (CGM 1998, section 3: p(T | y) is proportional to p(y | T) p(T)), for picking the
 * maximum-posterior tree among those a chain visited.
 *
 *   log p(T) = sum over splits [log a_d + log P(variable) - log n_cuts(node, variable)]
 *            + sum over leaves log(1 - a_d),   a_d = alpha (1 + d)^-beta,
 * with P(variable) 1 / (usable columns), or DART's current weight; log p(y | T) is the leaf
 * models' marginal likelihood (tree_leaf.c), whole for NIG (its terms do not cancel here).
 */
#include <math.h>

#include "tree_int.h"

static double log_prior(gb_forest *f, gb_tree *t)
{
    double lp = 0;
    for (size_t j = 0; j < f->cap; j++) {
        const gb_tree_node *nd = &t->nodes[j];
        if (!nd->used)
            continue;
        double a = f->c.alpha * pow(1.0 + nd->depth, -f->c.beta);
        if (nd->left == GB_TREE_NONE) {
            lp += log1p(-a);
            continue;
        }
        double pv = f->c.dart ? f->dart_s[nd->var] : 1.0 / (double)f->d->usable;
        lp += log(a) + log(pv) - log((double)gb_tree_node_cuts(f, t, nd, nd->var));
    }
    return lp;
}

static double log_marginal(gb_forest *f, gb_tree *t)
{
    double term = 0, q = 0, *s = f->st;
    for (size_t j = 0; j < f->cap; j++) {
        const gb_tree_node *nd = &t->nodes[j];
        if (!nd->used || nd->left != GB_TREE_NONE)
            continue;
        gb_tree_sum_rows(f, t->rows, nd->begin, nd->end, s);
        term += gb_tree_leaf_term(f, s);
        q += gb_tree_leaf_q(f, s);
    }
    if (f->c.leaf == GB_TREE_LEAF_NIG) /* from the normalising constants that do depend on T */
        term -= (f->c.a + 0.5 * (double)f->n) * log(f->c.b + 0.5 * q);
    return term;
}

double gb_tree_log_lik(gb_forest *f, size_t t, const double *target, double sigma)
{
    gb_tree *tr = &f->trees[t];
    double saved_sigma = f->sigma;
    if (!target)
        return 0;
    if (f->c.leaf == GB_TREE_LEAF_NORMAL) {
        for (size_t i = 0; i < f->n; i++)
            f->resid[i] = target[i] - f->fit[i];
        for (size_t j = 0; j < f->cap; j++) {
            const gb_tree_node *nd = &tr->nodes[j];
            if (nd->used && nd->left == GB_TREE_NONE)
                for (uint32_t r = nd->begin; r < nd->end; r++)
                    f->resid[tr->rows[r]] += nd->mu;
        }
        f->y = f->resid;
        f->sigma = sigma;
    } else {
        f->y = target;
    }
    double ll = log_marginal(f, tr);
    f->y = NULL;
    f->sigma = saved_sigma;
    return ll;
}

double gb_tree_log_posterior(gb_forest *f, size_t t, const double *target, double sigma)
{
    return log_prior(f, &f->trees[t]) + gb_tree_log_lik(f, t, target, sigma);
}
