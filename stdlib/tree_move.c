/* tree_move.c - one Metropolis-Hastings structure move on one tree: grow, prune or change
 * (Chipman, George & McCulloch 1998, section 3; the ratios as in Kapelner & Bleich 2016,
 * "bartMachine", appendix A), with the leaf values integrated out (tree_leaf.c).
 *
 * Move choice: a single-leaf tree grows; otherwise grow 1/4, prune 1/4, change 4/10, swap 1/10.
 *   grow    a leaf uniformly among the L leaves, a variable from the split-variable prior, a cut
 *           uniformly among the leaf's valid cuts (none: the move is refused);
 *   prune   a node whose children are both leaves ("nog" node) uniformly among the nog nodes;
 *   change  an internal node uniformly; half the time a new variable and cut drawn as in grow,
 *           half the time the same variable and a nearby cut (local_cut).  A node deeper than
 *           one split is re-applied with its subtree in tree_change.c, as is swap (1/10 of the
 *           moves, taken from change's share).
 * The variable and cut proposals equal their prior terms, so they cancel in every ratio:
 *   grow:   r = m(T')/m(T) * a_d (1 - a_{d+1})^2 / (1 - a_d) * [P_prune(T') / nog(T')]
 *               / [P_grow(T) / L(T)],   a_d = alpha (1 + d)^-beta;
 *   prune:  the reciprocal form; change of a nog node: r = m(T')/m(T).
 * Valid cuts are counted in O(rows in the node): two selections find the min_leaf-th smallest
 * and largest ranks, a stamp array counts the distinct ranks between them.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "tree_int.h"

#define P_GROW 0.25 /* grow and prune probabilities once a tree has split (CGM 1998) */
#define P_PRUNE 0.25
#define P_SWAP 0.1 /* change 0.4 (CGM 1998, section 3.1) */
/* A change keeps the variable and moves the cut a few places (local_cut) this often, instead
 * of drawing both from the prior: a uniform new cut among hundreds almost never refines a
 * nearly right one, and a wrong cut leaves the tree growing splits to make up for it.  Each
 * kind of change is reversible on its own, so choosing between them keeps the target. */
#define P_LOCAL 0.5
/* Minimum leaf sizes up to this use two heaps to find the node's extreme ranks (kth_both); larger
 * ones a selection, whose cost no longer depends on the size. */
#define GB_TREE_HEAP_MAX 32

/* k-th smallest (0-based) of a[0..n) by Hoare selection with a median-of-three pivot; a is
 * reordered. */
static uint32_t select_kth(uint32_t *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t x = a[lo], y = a[mid], z = a[hi];
        uint32_t piv = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i <= j) {
                uint32_t tmp = a[i];
                a[i] = a[j], a[j] = tmp;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return a[k];
    }
    return a[k];
}

/* Sifts a[i] down a binary heap of n entries; max-heap when max, else min-heap. */
static void sift_down(uint32_t *a, size_t n, size_t i, bool max)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && (max ? a[c + 1] > a[c] : a[c + 1] < a[c]))
            c++;
        if (max ? a[c] <= a[i] : a[c] >= a[i])
            return;
        uint32_t tmp = a[i];
        a[i] = a[c], a[c] = tmp;
        i = c;
    }
}

static void heapify(uint32_t *a, size_t n, bool max)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, n, i, max);
}

/* The k-th smallest and k-th largest of v[rows[0..m)] (k <= m / 2) in one pass with two heaps
 * of k entries in f->sel: a row costs one comparison with each heap's top unless it belongs in
 * the heap, so this is O(m) for small k where a selection would reorder all m values. */
static void kth_both(gb_forest *f, const uint32_t *v, const uint32_t *rows, size_t m, size_t k,
                     uint32_t *lo, uint32_t *hi)
{
    uint32_t *small = f->sel, *large = f->sel + k;
    for (size_t r = 0; r < k; r++)
        small[r] = large[r] = v[rows[r]];
    heapify(small, k, true);
    heapify(large, k, false);
    for (size_t r = k; r < m; r++) {
        uint32_t x = v[rows[r]];
        if (x < small[0]) {
            small[0] = x;
            sift_down(small, k, 0, true);
        }
        if (x > large[0]) {
            large[0] = x;
            sift_down(large, k, 0, false);
        }
    }
    *lo = small[0], *hi = large[0];
}

size_t gb_tree_node_cuts(gb_forest *f, const gb_tree *t, const gb_tree_node *nd, uint32_t var)
{
    const gb_tree_data *d = f->d;
    size_t m = nd->end - nd->begin, ml = d->min_leaf, count = 0;
    if (m < 2 * ml)
        return 0;
    const uint32_t *rk = d->rank + (size_t)var * d->n;
    const uint32_t *rows = t->rows + nd->begin;
    uint32_t lo, hi; /* valid cuts: the node's distinct ranks in [lo, hi) */
    if (ml == 1) {
        lo = hi = rk[rows[0]];
        for (size_t r = 1; r < m; r++) {
            uint32_t v = rk[rows[r]];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    } else if (ml <= GB_TREE_HEAP_MAX) {
        kth_both(f, rk, rows, m, ml, &lo, &hi);
    } else {
        for (size_t r = 0; r < m; r++)
            f->sel[r] = rk[rows[r]];
        lo = select_kth(f->sel, m, ml - 1);
        hi = select_kth(f->sel, m, m - ml);
    }
    if (lo >= hi)
        return 0;
    if (++f->gen == 0) {
        memset(f->stamp, 0, d->max_distinct * sizeof *f->stamp);
        f->gen = 1;
    }
    for (size_t r = 0; r < m; r++) {
        uint32_t v = rk[rows[r]];
        if (v >= lo && v < hi && f->stamp[v] != f->gen) {
            f->stamp[v] = f->gen;
            f->cuts[count++] = v;
        }
    }
    return count;
}

static double log_split(const gb_forest *f, double depth)
{
    return log(f->c.alpha) - f->c.beta * log1p(depth);
}

static double log_nosplit(const gb_forest *f, double depth)
{
    return log1p(-f->c.alpha * pow(1 + depth, -f->c.beta));
}

/* log prior ratio of splitting a leaf at depth d into two leaves. */
static double log_grow_prior(const gb_forest *f, uint32_t d)
{
    return log_split(f, d) + 2 * log_nosplit(f, d + 1.0) - log_nosplit(f, d);
}

static bool is_leaf(const gb_tree *t, int32_t j)
{
    return t->nodes[j].left == GB_TREE_NONE;
}

static bool is_nog(const gb_tree *t, size_t j)
{
    const gb_tree_node *nd = &t->nodes[j];
    return nd->used && nd->left != GB_TREE_NONE && is_leaf(t, nd->left) && is_leaf(t, nd->right);
}

static size_t count_nog(const gb_forest *f, const gb_tree *t)
{
    size_t c = 0;
    for (size_t j = 0; j < f->cap; j++)
        c += is_nog(t, j);
    return c;
}

enum { LEAF, NOG, INTERNAL };

/* The k-th (0-based) used slot of a kind: a leaf, a nog node, any internal node. */
static int32_t kth_node(const gb_forest *f, const gb_tree *t, size_t k, int kind)
{
    for (size_t j = 0; j < f->cap; j++) {
        const gb_tree_node *nd = &t->nodes[j];
        bool hit = kind == NOG    ? is_nog(t, j)
                   : kind == LEAF ? nd->used && nd->left == GB_TREE_NONE
                                  : nd->used && nd->left != GB_TREE_NONE;
        if (hit && k-- == 0)
            return (int32_t)j;
    }
    return GB_TREE_NONE;
}

/* Statistics of the rows of nd split by (var, cut) into sl and sr. */
static void split_stats(const gb_forest *f, const gb_tree *t, const gb_tree_node *nd, uint32_t var,
                        uint32_t cut, double *sl, double *sr)
{
    const uint32_t *rk = f->d->rank + (size_t)var * f->n;
    if (f->c.leaf == GB_TREE_LEAF_NORMAL && !f->w && f->y) { /* plain BART: sums in locals */
        double nl = 0, yl = 0, yr = 0;
        for (uint32_t r = nd->begin; r < nd->end; r++) {
            uint32_t i = t->rows[r];
            if (rk[i] <= cut)
                nl += 1, yl += f->y[i];
            else
                yr += f->y[i];
        }
        sl[0] = nl, sl[1] = yl, sl[2] = 0;
        sr[0] = (double)(nd->end - nd->begin) - nl, sr[1] = yr, sr[2] = 0;
        return;
    }
    memset(sl, 0, f->nstat * sizeof *sl);
    memset(sr, 0, f->nstat * sizeof *sr);
    for (uint32_t r = nd->begin; r < nd->end; r++) {
        uint32_t i = t->rows[r];
        gb_tree_stat_add(f, i, rk[i] <= cut ? sl : sr);
    }
}

static void range_stats(const gb_forest *f, const gb_tree *t, const gb_tree_node *nd, double *s)
{
    gb_tree_sum_rows(f, t->rows, nd->begin, nd->end, s);
}

/* Reorders nd's rows so that those going left come first; sets the children's ranges. */
void gb_tree_partition(gb_forest *f, gb_tree *t, gb_tree_node *nd)
{
    const uint32_t *rk = f->d->rank + (size_t)nd->var * f->n;
    uint32_t *rows = t->rows, i = nd->begin, j = nd->end;
    while (i < j) {
        if (rk[rows[i]] <= nd->cut) {
            i++;
        } else {
            uint32_t tmp = rows[i];
            rows[i] = rows[--j], rows[j] = tmp;
        }
    }
    gb_tree_node *l = &t->nodes[nd->left], *r = &t->nodes[nd->right];
    l->begin = nd->begin, l->end = i;
    r->begin = i, r->end = nd->end;
}

void gb_tree_set_rule(gb_forest *f, gb_tree_node *nd, uint32_t var, uint32_t cut)
{
    nd->var = var, nd->cut = cut;
    nd->le = gb_tree_data_value(f->d, var, cut);
}

static int32_t take_slot(gb_tree *t, int32_t parent, uint32_t depth)
{
    int32_t j = t->free_slots[--t->n_free];
    t->nodes[j] = (gb_tree_node){.parent = parent,
                                 .left = GB_TREE_NONE,
                                 .right = GB_TREE_NONE,
                                 .depth = depth,
                                 .used = true};
    return j;
}

static void nig_update(gb_forest *f, const double *const *old_s, size_t n_old,
                       const double *const *new_s, size_t n_new)
{
    for (size_t l = 0; l < n_new; l++)
        f->nig_q += gb_tree_leaf_q(f, new_s[l]);
    for (size_t l = 0; l < n_old; l++)
        f->nig_q -= gb_tree_leaf_q(f, old_s[l]);
}

bool gb_tree_accept(gsl_rng *rng, double log_r)
{
    return log_r >= 0 || log(gsl_rng_uniform_pos(rng)) < log_r;
}

static void grow(gb_forest *f, gb_tree *t, gsl_rng *rng, double p_grow)
{
    f->proposed[GB_TREE_GROW]++;
    if (t->leaves >= (f->cap + 1) / 2 || f->d->usable == 0)
        return;
    int32_t j = kth_node(f, t, gsl_rng_uniform_int(rng, t->leaves), LEAF);
    gb_tree_node *nd = &t->nodes[j];
    uint32_t var = gb_tree_draw_var(f, rng);
    size_t nc = gb_tree_node_cuts(f, t, nd, var);
    if (nc == 0)
        return;
    uint32_t cut = f->cuts[gsl_rng_uniform_int(rng, nc)];
    double *sl = f->st, *sr = sl + f->nstat, *sm = sr + f->nstat;
    split_stats(f, t, nd, var, cut, sl, sr);
    for (size_t k = 0; k < f->nstat; k++)
        sm[k] = sl[k] + sr[k];
    int32_t par = nd->parent;
    bool par_was_nog = par != GB_TREE_NONE && is_nog(t, (size_t)par);
    double nog_after = (double)(count_nog(f, t) + 1 - par_was_nog);
    const double *olds[1] = {sm}, *news[2] = {sl, sr};
    double log_r = gb_tree_lik_delta(f, olds, 1, news, 2) + log_grow_prior(f, nd->depth) +
                   log(P_PRUNE) - log(nog_after) - log(p_grow) + log((double)t->leaves);
    if (!gb_tree_accept(rng, log_r))
        return;
    f->accepted[GB_TREE_GROW]++;
    nd->left = take_slot(t, j, nd->depth + 1);
    nd->right = take_slot(t, j, nd->depth + 1);
    gb_tree_set_rule(f, nd, var, cut);
    gb_tree_partition(f, t, nd);
    t->leaves++;
    nig_update(f, olds, 1, news, 2);
}

static void prune(gb_forest *f, gb_tree *t, gsl_rng *rng)
{
    f->proposed[GB_TREE_PRUNE]++;
    size_t nog = count_nog(f, t);
    int32_t j = kth_node(f, t, gsl_rng_uniform_int(rng, nog), NOG);
    gb_tree_node *nd = &t->nodes[j];
    double *sl = f->st, *sr = sl + f->nstat, *sm = sr + f->nstat;
    range_stats(f, t, &t->nodes[nd->left], sl);
    range_stats(f, t, &t->nodes[nd->right], sr);
    for (size_t k = 0; k < f->nstat; k++)
        sm[k] = sl[k] + sr[k];
    size_t leaves_after = t->leaves - 1;
    double p_grow_after = leaves_after == 1 ? 1.0 : P_GROW;
    const double *olds[2] = {sl, sr}, *news[1] = {sm};
    double log_r = gb_tree_lik_delta(f, olds, 2, news, 1) - log_grow_prior(f, nd->depth) +
                   log(p_grow_after) - log((double)leaves_after) - log(P_PRUNE) + log((double)nog);
    if (!gb_tree_accept(rng, log_r))
        return;
    f->accepted[GB_TREE_PRUNE]++;
    t->nodes[nd->left].used = t->nodes[nd->right].used = false;
    t->free_slots[t->n_free++] = nd->right;
    t->free_slots[t->n_free++] = nd->left;
    nd->left = nd->right = GB_TREE_NONE;
    t->leaves--;
    nig_update(f, olds, 2, news, 1);
}

/* A cut near cur among the node's nc valid cuts (in f->cuts): a step of 1..w places up or
 * down in their sorted order, w = nc / 10 + 1.  The node's rows, hence its valid cuts and w,
 * do not change under a change of its own rule, so the step is symmetric; false when it leaves
 * the range. */
static bool local_cut(gb_forest *f, size_t nc, uint32_t cur, gsl_rng *rng, uint32_t *out)
{
    size_t w = nc / 10 + 1, pos = 0;
    for (size_t k = 0; k < nc; k++)
        pos += f->cuts[k] < cur;
    size_t step = 1 + gsl_rng_uniform_int(rng, w);
    bool up = gsl_rng_uniform(rng) < 0.5;
    if (up ? pos + step >= nc : step > pos)
        return false;
    *out = select_kth(f->cuts, nc, up ? pos + step : pos - step);
    return true;
}

static void change(gb_forest *f, gb_tree *t, gsl_rng *rng)
{
    f->proposed[GB_TREE_CHANGE]++;
    /* internal nodes: L - 1 in a binary tree, unchanged by the move */
    int32_t j = kth_node(f, t, gsl_rng_uniform_int(rng, t->leaves - 1), INTERNAL);
    gb_tree_node *nd = &t->nodes[j];
    uint32_t var, cut;
    if (gsl_rng_uniform(rng) < P_LOCAL) {
        var = nd->var;
        if (!local_cut(f, gb_tree_node_cuts(f, t, nd, var), nd->cut, rng, &cut))
            return;
    } else {
        var = gb_tree_draw_var(f, rng);
        size_t nc = gb_tree_node_cuts(f, t, nd, var);
        if (nc == 0)
            return;
        cut = f->cuts[gsl_rng_uniform_int(rng, nc)];
    }
    if (!is_nog(t, (size_t)j)) {
        if (gb_tree_change_deep(f, t, j, var, cut, rng))
            f->accepted[GB_TREE_CHANGE]++;
        return;
    }
    double *ol = f->st, *orr = ol + f->nstat, *nl = orr + f->nstat, *nr = nl + f->nstat;
    range_stats(f, t, &t->nodes[nd->left], ol);
    range_stats(f, t, &t->nodes[nd->right], orr);
    split_stats(f, t, nd, var, cut, nl, nr);
    const double *olds[2] = {ol, orr}, *news[2] = {nl, nr};
    if (!gb_tree_accept(rng, gb_tree_lik_delta(f, olds, 2, news, 2)))
        return;
    f->accepted[GB_TREE_CHANGE]++;
    gb_tree_set_rule(f, nd, var, cut);
    gb_tree_partition(f, t, nd);
    nig_update(f, olds, 2, news, 2);
}

void gb_tree_step(gb_forest *f, gb_tree *t, gsl_rng *rng)
{
    if (t->leaves == 1) {
        grow(f, t, rng, 1.0);
        return;
    }
    double u = gsl_rng_uniform(rng);
    if (u < P_GROW)
        grow(f, t, rng, P_GROW);
    else if (u < P_GROW + P_PRUNE)
        prune(f, t, rng);
    else if (u < 1 - P_SWAP)
        change(f, t, rng);
    else if (f->proposed[GB_TREE_SWAP]++, gb_tree_swap(f, t, rng))
        f->accepted[GB_TREE_SWAP]++;
}
