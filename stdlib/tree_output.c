/* tree_output.c - a forest as text: one draw as a JSON line, a tree as if-then rules, and a
 * canonical key of a tree's structure.  Trees are walked without a stack or recursion by
 * following parent links (a node is entered from its parent, then returned to from its left and
 * from its right child), so the writers never allocate.  Every write is checked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tree_int.h"

typedef struct out {
    FILE *fp;
    bool bad;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!o->bad && vfprintf(o->fp, fmt, ap) < 0)
        o->bad = true;
    va_end(ap);
}

static void put_leaf_json(out *o, const gb_forest *f, const gb_tree *t, size_t j)
{
    if (!t->probs) {
        put(o, "{\"mu\":%.17g}", t->nodes[j].mu);
        return;
    }
    put(o, "{\"p\":[");
    for (size_t k = 0; k < f->k; k++)
        put(o, "%s%.17g", k ? "," : "", t->probs[j * f->k + k]);
    put(o, "]}");
}

static void put_tree_json(out *o, const gb_forest *f, const gb_tree *t)
{
    int32_t j = 0, from = GB_TREE_NONE; /* from: the child we came back from, or NONE */
    bool down = true;
    while (j != GB_TREE_NONE) {
        const gb_tree_node *nd = &t->nodes[j];
        if (down && nd->left == GB_TREE_NONE) {
            put_leaf_json(o, f, t, (size_t)j);
            down = false, from = j, j = nd->parent;
        } else if (down) {
            put(o, "{\"var\":%u,\"le\":%.17g,\"left\":", nd->var, nd->le);
            j = nd->left;
        } else if (from == nd->left) {
            put(o, ",\"right\":");
            down = true, j = nd->right;
        } else {
            put(o, "}");
            from = j, j = nd->parent;
        }
    }
}

gb_status gb_forest_write_json(const gb_forest *f, FILE *fp)
{
    out o = {fp, false};
    put(&o, "{\"trees\":[");
    for (size_t t = 0; t < f->c.trees; t++) {
        if (t)
            put(&o, ",");
        put_tree_json(&o, f, &f->trees[t]);
    }
    put(&o, "]}\n");
    return o.bad ? GB_EIO : GB_OK;
}

/* The next leaf after slot j in left-to-right order (j = NONE: the first), or NONE. */
static int32_t next_leaf(const gb_tree *t, int32_t j)
{
    if (j == GB_TREE_NONE) {
        j = 0;
    } else {
        for (;;) {
            int32_t par = t->nodes[j].parent;
            if (par == GB_TREE_NONE)
                return GB_TREE_NONE;
            if (t->nodes[par].left == j) {
                j = t->nodes[par].right;
                break;
            }
            j = par;
        }
    }
    while (t->nodes[j].left != GB_TREE_NONE)
        j = t->nodes[j].left;
    return j;
}

static void put_name(out *o, const char *const *names, uint32_t var)
{
    if (names)
        put(o, "%s", names[var]);
    else
        put(o, "x%u", var + 1);
}

static void put_rule(out *o, const gb_forest *f, const gb_tree *t, int32_t leaf,
                     const char *const *names)
{
    uint32_t depth = t->nodes[leaf].depth;
    put(o, "%s", depth ? "if " : "always ");
    for (uint32_t level = 0; level < depth; level++) {
        int32_t child = leaf; /* the ancestor at depth level + 1 on the way to the leaf */
        for (uint32_t up = depth; up > level + 1; up--)
            child = t->nodes[child].parent;
        const gb_tree_node *a = &t->nodes[t->nodes[child].parent];
        put(o, "%s", level ? " and " : "");
        put_name(o, names, a->var);
        put(o, " %s %g", a->left == child ? "<=" : ">", a->le);
    }
    put(o, "%s", depth ? " then " : "");
    if (!t->probs) {
        put(o, "mu = %g\n", t->nodes[leaf].mu);
        return;
    }
    put(o, "p = [");
    for (size_t k = 0; k < f->k; k++)
        put(o, "%s%g", k ? ", " : "", t->probs[(size_t)leaf * f->k + k]);
    put(o, "]\n");
}

gb_status gb_tree_write_rules(const gb_forest *f, size_t t, const char *const *names, FILE *fp)
{
    out o = {fp, false};
    const gb_tree *tr = &f->trees[t];
    for (int32_t j = next_leaf(tr, GB_TREE_NONE); j != GB_TREE_NONE; j = next_leaf(tr, j))
        put_rule(&o, f, tr, j, names);
    return o.bad ? GB_EIO : GB_OK;
}

/* snprintf into buf at *len, counting what does not fit. */
static void key_put(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void key_put(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, fmt, ap);
    va_end(ap);
    if (w > 0)
        *len += (size_t)w;
}

size_t gb_tree_key(const gb_forest *f, size_t t, char *buf, size_t size)
{
    /* Preorder: a split "var:cut" (cut = rank of its value in the column), a leaf "*"; with two
     * children per split the sequence determines the tree. */
    const gb_tree *tr = &f->trees[t];
    size_t len = 0;
    if (size)
        buf[0] = 0;
    int32_t j = 0;
    while (j != GB_TREE_NONE) {
        const gb_tree_node *nd = &tr->nodes[j];
        if (nd->left != GB_TREE_NONE) {
            key_put(buf, size, &len, "%s%u:%u", len ? " " : "", nd->var, nd->cut);
            j = nd->left;
            continue;
        }
        key_put(buf, size, &len, "%s*", len ? " " : "");
        for (;;) { /* up to the first ancestor entered from its left child */
            int32_t par = tr->nodes[j].parent;
            if (par == GB_TREE_NONE) {
                j = GB_TREE_NONE;
                break;
            }
            if (tr->nodes[par].left == j) {
                j = tr->nodes[par].right;
                break;
            }
            j = par;
        }
    }
    return len;
}
