/* tree_change.c - the moves that re-apply a subtree's rules: change at an internal node whose
 * subtree is deeper than one split (CGM 1998, section 3.1, "CHANGE": any internal node), and
 * swap (exchange a parent's and a child's rules).  A nog node's change is in
 * tree_move.c; here the new rule moves rows between the node's two subtrees, so every
 * descendant split is re-applied top-down to the node's row range.
 *
 * The node is drawn uniformly among the L - 1 internal nodes (a number the move does not
 * change), its new variable and cut from their prior, so the proposal is symmetric up to the
 * node's own cut count, which cancels with its prior term.  The descendants keep their rules but
 * see other rows: each descendant's prior term 1 / (its valid cuts) changes, and a descendant
 * whose cut is no longer a valid cut of its rows makes the new tree impossible (rejected).
 *   r = m(T') / m(T) * prod_desc n_cuts_T(desc) / n_cuts_T'(desc).
 * Cost O(rows in the node x depth of the subtree).  On rejection the saved row range, node
 * ranges and rule are put back.
 */
#include <math.h>
#include <string.h>

#include "tree_int.h"

/* The node after x in preorder within the subtree rooted at top, or NONE. */
static int32_t next_in(const gb_tree *t, int32_t top, int32_t x)
{
    if (t->nodes[x].left != GB_TREE_NONE)
        return t->nodes[x].left;
    while (x != top) {
        int32_t par = t->nodes[x].parent;
        if (t->nodes[par].left == x)
            return t->nodes[par].right;
        x = par;
    }
    return GB_TREE_NONE;
}

typedef struct sub_score {
    double term, q, log_cuts; /* leaves' separable terms and NIG terms; sum log n_cuts(desc) */
    bool valid;
} sub_score;

/* Scores the subtree under top (with top's own cut count when with_top) as it is partitioned
 * now. */
static sub_score score(gb_forest *f, gb_tree *t, int32_t top, bool with_top)
{
    sub_score sc = {0, 0, 0, true};
    double *s = f->st;
    int32_t first = with_top ? top : t->nodes[top].left;
    for (int32_t x = first; x != GB_TREE_NONE; x = next_in(t, top, x)) {
        const gb_tree_node *nd = &t->nodes[x];
        if (nd->left == GB_TREE_NONE) {
            if (f->y) {
                gb_tree_sum_rows(f, t->rows, nd->begin, nd->end, s);
                sc.term += gb_tree_leaf_term(f, s);
                sc.q += gb_tree_leaf_q(f, s);
            }
            continue;
        }
        size_t nc = gb_tree_node_cuts(f, t, nd, nd->var);
        /* node_cuts stamped exactly the valid cut ranks with f->gen */
        if (nc == 0 || f->stamp[nd->cut] != f->gen) {
            sc.valid = false;
            return sc;
        }
        sc.log_cuts += log((double)nc);
    }
    return sc;
}

static void repartition(gb_forest *f, gb_tree *t, int32_t top)
{
    for (int32_t x = top; x != GB_TREE_NONE; x = next_in(t, top, x))
        if (t->nodes[x].left != GB_TREE_NONE)
            gb_tree_partition(f, t, &t->nodes[x]);
}

static void save(gb_forest *f, gb_tree *t, int32_t top)
{
    const gb_tree_node *nd = &t->nodes[top];
    memcpy(f->save_rows, t->rows + nd->begin, (nd->end - nd->begin) * sizeof *f->save_rows);
    for (int32_t x = top; x != GB_TREE_NONE; x = next_in(t, top, x)) {
        f->save_range[2 * x] = t->nodes[x].begin;
        f->save_range[2 * x + 1] = t->nodes[x].end;
    }
}

static void restore(gb_forest *f, gb_tree *t, int32_t top)
{
    const gb_tree_node *nd = &t->nodes[top];
    memcpy(t->rows + nd->begin, f->save_rows, (nd->end - nd->begin) * sizeof *f->save_rows);
    for (int32_t x = top; x != GB_TREE_NONE; x = next_in(t, top, x)) {
        t->nodes[x].begin = f->save_range[2 * x];
        t->nodes[x].end = f->save_range[2 * x + 1];
    }
}

/* Applies the rules in place, scores, and accepts or puts everything back. */
static bool try_rules(gb_forest *f, gb_tree *t, int32_t j, const int32_t *nodes,
                      const uint32_t *var, const uint32_t *cut, size_t count, gsl_rng *rng,
                      bool with_top)
{
    uint32_t old_var[3], old_cut[3];
    sub_score old = score(f, t, j, with_top);
    save(f, t, j);
    for (size_t k = 0; k < count; k++) {
        gb_tree_node *nd = &t->nodes[nodes[k]];
        old_var[k] = nd->var, old_cut[k] = nd->cut;
        gb_tree_set_rule(f, nd, var[k], cut[k]);
    }
    repartition(f, t, j);
    sub_score neu = score(f, t, j, with_top);
    if (neu.valid) {
        double log_r = gb_tree_lik_delta_sums(f, neu.term - old.term, neu.q - old.q) +
                       old.log_cuts - neu.log_cuts;
        if (gb_tree_accept(rng, log_r)) {
            if (f->y)
                f->nig_q += neu.q - old.q;
            return true;
        }
    }
    for (size_t k = 0; k < count; k++)
        gb_tree_set_rule(f, &t->nodes[nodes[k]], old_var[k], old_cut[k]);
    restore(f, t, j);
    return false;
}

static bool is_internal(const gb_tree *t, int32_t j)
{
    return t->nodes[j].left != GB_TREE_NONE;
}

/* Swap (CGM 1998, section 3.1): a parent with at least one internal child, uniformly among
 * such parents, then one internal child uniformly; the two rules are exchanged (and the
 * sibling's too when it carries the same rule, so the children stay alike).  The tree's shape is
 * unchanged, so both counts, and the proposal, are symmetric; r = likelihood ratio times the
 * ratio of the cut-count prior terms of the parent and every descendant. */
bool gb_tree_swap(gb_forest *f, gb_tree *t, gsl_rng *rng)
{
    size_t parents = 0;
    for (size_t j = 0; j < f->cap; j++) {
        const gb_tree_node *nd = &t->nodes[j];
        parents += nd->used && is_internal(t, (int32_t)j) &&
                   (is_internal(t, nd->left) || is_internal(t, nd->right));
    }
    if (parents == 0)
        return false;
    size_t k = gsl_rng_uniform_int(rng, parents);
    int32_t p = GB_TREE_NONE;
    for (size_t j = 0; j < f->cap && p == GB_TREE_NONE; j++) {
        const gb_tree_node *nd = &t->nodes[j];
        if (nd->used && is_internal(t, (int32_t)j) &&
            (is_internal(t, nd->left) || is_internal(t, nd->right)) && k-- == 0)
            p = (int32_t)j;
    }
    const gb_tree_node *pn = &t->nodes[p];
    int32_t c = pn->left, sib = pn->right;
    if (!is_internal(t, c) || (is_internal(t, sib) && gsl_rng_uniform(rng) < 0.5))
        c = pn->right, sib = pn->left;
    const gb_tree_node *cn = &t->nodes[c], *sn = &t->nodes[sib];
    int32_t nodes[3] = {p, c, sib};
    uint32_t var[3] = {cn->var, pn->var, pn->var}, cut[3] = {cn->cut, pn->cut, pn->cut};
    bool both = is_internal(t, sib) && sn->var == cn->var && sn->cut == cn->cut;
    return try_rules(f, t, p, nodes, var, cut, both ? 3 : 2, rng, true);
}

bool gb_tree_change_deep(gb_forest *f, gb_tree *t, int32_t j, uint32_t var, uint32_t cut,
                         gsl_rng *rng)
{
    return try_rules(f, t, j, &j, &var, &cut, 1, rng, false);
}
