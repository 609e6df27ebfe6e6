/* lower_expr.c - typing and shaping of expressions: names resolved to nodes and loop variables,
 * numpy-style broadcasting for elementwise operators (an unknown size is compatible with any),
 * `@` as matrix product, indexing (scalar, range, integer-array gather, all), function calls
 * checked against their signature.
 *
 * Owns: the typed expressions it builds (in the graph's arena).
 * Offers: ex_elab, ex_new, ex_shape_text.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dist.h"
#include "func.h"
#include "lower_int.h"
#include "shape.h"

gb_expr *ex_new(lowerer *L, gb_expr_kind kind, gb_loc loc, int nargs)
{
    gb_arena *ar = gb_graph_arena(L->g);
    gb_expr *e = gb_arena_alloc(ar, sizeof *e);
    if (!e) {
        L->oom = 1;
        return NULL;
    }
    e->kind = kind;
    e->loc = loc;
    e->nargs = nargs;
    if (nargs > 0) {
        e->args = gb_arena_alloc(ar, (size_t)nargs * sizeof *e->args);
        if (!e->args) {
            L->oom = 1;
            return NULL;
        }
    }
    return e;
}

const char *ex_shape_text(const gb_shape *s, char *buf, size_t len)
{
    size_t used = 0;
    if (s->rank == 0) {
        snprintf(buf, len, "a scalar");
        return buf;
    }
    used += (size_t)snprintf(buf, len, "shape [");
    for (int i = 0; i < s->rank && used < len; i++) {
        if (s->dim[i] == GB_DIM_UNKNOWN)
            used += (size_t)snprintf(buf + used, len - used, "%s?", i ? ", " : "");
        else
            used += (size_t)snprintf(buf + used, len - used, "%s%zu", i ? ", " : "", s->dim[i]);
    }
    if (used < len)
        snprintf(buf + used, len - used, "]");
    return buf;
}


static gb_expr *elab_name(lowerer *L, scope *sc, const gb_ast *a)
{
    for (size_t d = L->nloops; d-- > 0;)
        if (strcmp(L->loopvar[d], a->name) == 0) {
            gb_expr *e = ex_new(L, GB_EX_LOOPVAR, a->loc, 0);
            if (e) {
                e->loopvar = (int)d;
                e->type = GB_INT;
            }
            return e;
        }
    sym *s = sc_find(sc, a->name);
    if (!s) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "unknown name '%s'", a->name);
        if (strcmp(a->name, "target") == 0)
            gb_error_hint(L->errs, "'target' is the log density: `target += expr` adds to it, "
                                   "and it cannot be read");
        else if (gb_dist_find(a->name))
            gb_error_hint(L->errs, "'%s' is a distribution: use it on the right of '~'",
                          a->name);
        else
            sg_suggest(L, sc, a->name, 0, 0);
        return NULL;
    }
    switch (s->kind) {
    case SYM_LOOP: {
        gb_expr *e = ex_new(L, GB_EX_LOOPVAR, a->loc, 0);
        if (e) {
            e->loopvar = s->depth;
            e->type = GB_INT;
        }
        return e;
    }
    case SYM_NODE: {
        size_t i = s->node;
        if (nd_shape(L, i, a->loc) != GB_OK)
            return NULL;
        gb_expr *e = ex_new(L, GB_EX_NODE, a->loc, 0);
        if (e) {
            e->node = i;
            e->type = sc_node(L, i)->type;
            e->shape = sc_node(L, i)->shape;
        }
        return e;
    }
    case SYM_COMPONENT:
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "'%s' is a component, not a value", a->name);
        gb_error_hint(L->errs, "name one of its nodes, e.g. %s.<node>", a->name);
        return NULL;
    case SYM_COMPARRAY:
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "'%s' is an array of components, not a value",
                 a->name);
        gb_error_hint(L->errs, "name a node of one of them, e.g. %s[1].<node>", a->name);
        return NULL;
    case SYM_MODEL:
    case SYM_MODULE:
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "'%s' is a %s, not a value", a->name,
                 s->kind == SYM_MODEL ? "model" : "module");
        return NULL;
    }
    return NULL;
}

/* The component instance an expression names (fit, fit.inner, layer[2], net.layer[2].out):
 * instantiated on first use.  NULL with an error reported, or NULL with *none set when the
 * expression is not a component at all. */
static sym *resolve_instance(lowerer *L, scope *sc, const gb_ast *a, int *none)
{
    scope *in = sc;
    const char *name = NULL;
    sym *s = NULL;
    if (a->kind == GB_AST_NAME) {
        name = a->name;
        s = sc_find(sc, name);
        if (!s) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "unknown name '%s'", name);
            sg_suggest(L, sc, name, 0, 0);
            return NULL;
        }
    } else if (a->kind == GB_AST_MEMBER) {
        sym *t = resolve_instance(L, sc, a->a, none);
        if (!t)
            return NULL;
        in = t->inst;
        name = a->name;
        s = sc_find(in, name);
    } else if (a->kind == GB_AST_INDEX &&
               (a->a->kind == GB_AST_NAME || a->a->kind == GB_AST_MEMBER)) {
        /* layer[k]: the family's scope, then the instance's name with k evaluated here */
        const char *root = a->a->name; /* NAME or MEMBER: the family's name */
        if (a->a->kind == GB_AST_MEMBER) {
            sym *t = resolve_instance(L, sc, a->a->a, none);
            if (!t)
                return NULL;
            in = t->inst;
        }
        sym *fam = sc_find(in, root);
        if (!fam || fam->kind != SYM_COMPARRAY) {
            *none = 1;
            return NULL;
        }
        if (decl_instance_name(L, sc, root, a->list, &name) != GB_OK)
            return NULL;
        s = sc_find(in, name);
        if (!s) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "the component array '%s' has no %s",
                     root, name);
            return NULL;
        }
    } else {
        *none = 1;
        return NULL;
    }
    if (s && s->kind == SYM_MODULE && a->kind == GB_AST_NAME) {
        *none = 2;
        return NULL;
    }
    if (s && s->kind == SYM_COMPARRAY) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "'%s' is an array of components", name);
        gb_error_hint(L->errs, "index it to choose one: %s[1]", name);
        return NULL;
    }
    if (!s || s->kind != SYM_COMPONENT) {
        *none = 1;
        return NULL;
    }
    sym *inst = NULL;
    return comp_instantiate(L, s, &inst) == GB_OK ? inst : NULL;
}

static gb_expr *elab_member(lowerer *L, scope *sc, const gb_ast *a)
{
    int none = 0;
    sym *c = resolve_instance(L, sc, a->a, &none);
    if (!c) {
        if (none == 2)
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "'%s.%s' is a model; call it to use it",
                     a->a->name, a->name);
        else if (none)
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "'.' needs a component on its left");
        return NULL;
    }
    scope *inner = c->inst;
    const char *path = gb_graph_component(L->g, (size_t)inner->comp)->name;
    sym *m = sc_find(inner, a->name);
    if (!m || m->kind != SYM_NODE || sc_find(inner->file, a->name) == m) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "component '%s' has no node '%s'", path,
                 a->name);
        sg_suggest(L, inner, a->name, 0, 0);
        return NULL;
    }
    size_t i = m->node;
    if (nd_shape(L, i, a->loc) != GB_OK)
        return NULL;
    gb_expr *e = ex_new(L, GB_EX_NODE, a->loc, 0);
    if (e) {
        e->node = i;
        e->type = sc_node(L, i)->type;
        e->shape = sc_node(L, i)->shape;
    }
    return e;
}

/* A range's length when both ends are constants, else unknown. */
static size_t range_len(lowerer *L, const gb_expr *r)
{
    double lo, hi;
    if (cst_eval(L, r->args[0], NULL, &lo) == CST_OK &&
        cst_eval(L, r->args[1], NULL, &hi) == CST_OK)
        return hi >= lo ? (size_t)(hi - lo + 1) : 0;
    return GB_DIM_UNKNOWN;
}

static gb_expr *elab_range(lowerer *L, scope *sc, const gb_ast *a)
{
    gb_expr *e = ex_new(L, GB_EX_RANGE, a->loc, 2);
    if (!e)
        return NULL;
    e->args[0] = ex_elab(L, sc, a->a);
    e->args[1] = ex_elab(L, sc, a->b);
    if (!e->args[0] || !e->args[1])
        return NULL;
    for (int i = 0; i < 2; i++)
        if (e->args[i]->type != GB_INT || e->args[i]->shape.rank != 0) {
            gb_error(L->errs, GB_ESEMANTIC, e->args[i]->loc,
                     "the ends of a range must be integer scalars");
            return NULL;
        }
    e->type = GB_INT;
    e->shape.rank = 1;
    e->shape.dim[0] = range_len(L, e);
    return e;
}

static gb_expr *elab_index(lowerer *L, scope *sc, const gb_ast *a)
{
    int n = (int)gb_ast_list_len(a->list);
    gb_expr *e = ex_new(L, GB_EX_INDEX, a->loc, n + 1);
    if (!e)
        return NULL;
    gb_expr *base = e->args[0] = ex_elab(L, sc, a->a);
    if (!base)
        return NULL;
    if (n > base->shape.rank) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "too many indices: %d given, but %s has %d %s",
                 n, base->kind == GB_EX_NODE ? sc_node(L, base->node)->name : "the value",
                 base->shape.rank, base->shape.rank == 1 ? "dimension" : "dimensions");
        return NULL;
    }
    gb_shape out = {0, {0}};
    int k = 1, ok = 1;
    for (const gb_ast *ix = a->list; ix; ix = ix->next, k++) {
        size_t dim = base->shape.dim[k - 1];
        gb_expr *x;
        if (ix->kind == GB_AST_ALL) {
            x = ex_new(L, GB_EX_ALL, ix->loc, 0);
            if (x)
                out.dim[out.rank++] = dim;
        } else if (ix->kind == GB_AST_RANGE) {
            x = elab_range(L, sc, ix);
            if (x)
                out.dim[out.rank++] = x->shape.dim[0];
        } else {
            x = ex_elab(L, sc, ix);
            if (x && x->type != GB_INT) {
                gb_error(L->errs, GB_ESEMANTIC, ix->loc, "an index must be an integer");
                x = NULL;
            } else if (x && x->shape.rank > 1) {
                gb_error(L->errs, GB_ESEMANTIC, ix->loc,
                         "an index must be an integer or a vector of integers");
                x = NULL;
            } else if (x && x->shape.rank == 1) {
                out.dim[out.rank++] = x->shape.dim[0];
            }
        }
        if (!x)
            ok = 0;
        e->args[k] = x;
    }
    if (!ok)
        return NULL;
    for (int i = n; i < base->shape.rank; i++)
        out.dim[out.rank++] = base->shape.dim[i];
    e->shape = out;
    e->type = base->type;
    return e;
}

static int arith_int(int op)
{
    return op == GB_OP_ADD || op == GB_OP_SUB || op == GB_OP_MUL || op == GB_OP_MOD;
}

static int matmul_shape(const gb_shape *a, const gb_shape *b, gb_shape *o)
{
    if (a->rank < 1 || a->rank > 2 || b->rank < 1 || b->rank > 2)
        return -1;
    size_t ka = a->dim[a->rank - 1], kb = b->dim[0];
    if (ka != kb && ka != GB_DIM_UNKNOWN && kb != GB_DIM_UNKNOWN)
        return -1;
    o->rank = 0;
    if (a->rank == 2)
        o->dim[o->rank++] = a->dim[0];
    if (b->rank == 2)
        o->dim[o->rank++] = b->dim[1];
    return 0;
}

static gb_expr *elab_binop(lowerer *L, scope *sc, const gb_ast *a)
{
    gb_expr *e = ex_new(L, GB_EX_BINOP, a->loc, 2);
    if (!e)
        return NULL;
    e->op = a->op;
    gb_expr *x = e->args[0] = ex_elab(L, sc, a->a);
    gb_expr *y = e->args[1] = ex_elab(L, sc, a->b);
    if (!x || !y)
        return NULL;
    char s1[64], s2[64];
    if (a->op == GB_OP_MATMUL) {
        if (matmul_shape(&x->shape, &y->shape, &e->shape) != 0) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc,
                     "'@' needs matrices or vectors with matching inner sizes, got %s and %s",
                     ex_shape_text(&x->shape, s1, sizeof s1),
                     ex_shape_text(&y->shape, s2, sizeof s2));
            gb_error_hint(L->errs, "'*' multiplies elementwise; '@' is the matrix product");
            return NULL;
        }
        e->type = GB_REAL;
        return e;
    }
    if (gb_shape_broadcast(&x->shape, &y->shape, &e->shape) != 0) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "shapes do not match for '%s': %s and %s",
                 gb_op_text(a->op), ex_shape_text(&x->shape, s1, sizeof s1),
                 ex_shape_text(&y->shape, s2, sizeof s2));
        if (a->op == GB_OP_MUL)
            gb_error_hint(L->errs, "for a matrix product use '@'");
        return NULL;
    }
    if (a->op >= GB_OP_EQ)
        e->type = GB_INT;
    else
        e->type = (arith_int(a->op) && x->type == GB_INT && y->type == GB_INT) ? GB_INT : GB_REAL;
    return e;
}

static gb_expr *elab_call(lowerer *L, scope *sc, const gb_ast *a);

/* Does an expression read a node of an array of components (`layer[k].tau`)?  Only
 * components have members, so an indexed name followed by '.' is one. */
static int reads_component_array(const gb_ast *a)
{
    if (!a)
        return 0;
    if (a->kind == GB_AST_MEMBER && a->a && a->a->kind == GB_AST_INDEX)
        return 1;
    if (reads_component_array(a->a) || reads_component_array(a->b) ||
        reads_component_array(a->c))
        return 1;
    for (const gb_ast *x = a->list; x; x = x->next)
        if (reads_component_array(x))
            return 1;
    return 0;
}

static gb_expr *elab_array(lowerer *L, scope *sc, const gb_ast *a);

static gb_expr *elab_comprehension(lowerer *L, scope *sc, const gb_ast *a)
{
    if (reads_component_array(a->a)) {
        /* [layer[k].tau for k in 1..L]: with constant bounds, the array of the bodies with k
           replaced by 1, 2, ... (each names one component) */
        double lo, hi;
        int klo, khi;
        if (cst_build(L, sc, a->b->a, &lo, &klo) != GB_OK ||
            cst_build(L, sc, a->b->b, &hi, &khi) != GB_OK)
            return NULL;
        if (klo && khi && lo == floor(lo) && hi == floor(hi) && hi >= lo &&
            hi - lo < LW_MAX_COMPONENTS) {
            gb_ast *arr = gb_ast_new(&L->ast_arena, GB_AST_ARRAY, a->loc), *tail = NULL;
            if (!arr)
                return L->oom = 1, NULL;
            arr->depth = a->depth;
            arr->nest = a->nest;
            for (long v = (long)lo; v <= (long)hi; v++) {
                gb_ast *x = unroll_subst(L, a->a, a->name, v);
                if (!x)
                    return NULL;
                if (tail)
                    tail->next = x;
                else
                    arr->list = x;
                tail = x;
            }
            return elab_array(L, sc, arr);
        }
    }
    gb_expr *e = ex_new(L, GB_EX_COMPREH, a->loc, 2);
    if (!e)
        return NULL;
    gb_expr *r = e->args[1] = elab_range(L, sc, a->b);
    if (!r)
        return NULL;
    if (L->nloops >= LW_MAX_LOOPS + 7) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "loops nested too deeply");
        return NULL;
    }
    int depth = (int)L->nloops;
    L->loopvar[L->nloops] = a->name;
    L->looplo[L->nloops] = r->args[0];
    L->loophi[L->nloops] = r->args[1];
    L->nloops++;
    gb_expr *body = e->args[0] = ex_elab(L, sc, a->a);
    L->nloops--;
    if (!body)
        return NULL;
    e->loopvar = depth;
    e->var = gb_arena_strdup(gb_graph_arena(L->g), a->name);
    if (!e->var)
        return NULL;
    e->type = body->type;
    e->shape.rank = body->shape.rank + 1;
    if (e->shape.rank > GB_MAX_RANK) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "arrays have at most %d dimensions", GB_MAX_RANK);
        return NULL;
    }
    e->shape.dim[0] = r->shape.dim[0];
    for (int i = 0; i < body->shape.rank; i++)
        e->shape.dim[i + 1] = body->shape.dim[i];
    return e;
}

static gb_expr *elab_array(lowerer *L, scope *sc, const gb_ast *a)
{
    int n = (int)gb_ast_list_len(a->list);
    gb_expr *e = ex_new(L, GB_EX_ARRAY, a->loc, n);
    if (!e)
        return NULL;
    int k = 0, ok = 1;
    e->type = GB_INT;
    for (const gb_ast *x = a->list; x; x = x->next, k++) {
        gb_expr *v = e->args[k] = ex_elab(L, sc, x);
        if (!v) {
            ok = 0;
            continue;
        }
        if (v->type == GB_REAL)
            e->type = GB_REAL;
        if (k > 0 && e->args[0] &&
            gb_shape_broadcast(&e->args[0]->shape, &v->shape, &e->shape) != 0) {
            gb_error(L->errs, GB_ESEMANTIC, x->loc, "array elements must have the same shape");
            ok = 0;
        }
    }
    if (!ok || n == 0) {
        if (n == 0)
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "an empty array has no type");
        return NULL;
    }
    gb_shape in = e->args[0]->shape;
    if (in.rank + 1 > GB_MAX_RANK) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "arrays have at most %d dimensions", GB_MAX_RANK);
        return NULL;
    }
    e->shape.rank = in.rank + 1;
    e->shape.dim[0] = (size_t)n;
    for (int i = 0; i < in.rank; i++)
        e->shape.dim[i + 1] = in.dim[i];
    return e;
}

gb_expr *ex_elab(lowerer *L, scope *sc, const gb_ast *a)
{
    if (!a)
        return NULL;
    if (a->depth >= GB_MAX_TERMS || a->nest > GB_MAX_NESTING)
        return NULL; /* reported by the parser */
    switch (a->kind) {
    case GB_AST_NUM: {
        if (a->is_int && a->num > 9007199254740992.0) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc,
                     "integer literal is too large (the limit is 2^53)");
            return NULL;
        }
        if (!isfinite(a->num)) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "number is too large");
            return NULL;
        }
        gb_expr *e = ex_new(L, GB_EX_CONST, a->loc, 0);
        if (e) {
            e->num = a->num;
            e->type = a->is_int ? GB_INT : GB_REAL;
        }
        return e;
    }
    case GB_AST_NAME:
        return elab_name(L, sc, a);
    case GB_AST_MEMBER:
        return elab_member(L, sc, a);
    case GB_AST_INDEX:
        return elab_index(L, sc, a);
    case GB_AST_CALL:
        return elab_call(L, sc, a);
    case GB_AST_BINOP:
        return elab_binop(L, sc, a);
    case GB_AST_UNOP: {
        gb_expr *e = ex_new(L, GB_EX_UNOP, a->loc, 1);
        if (!e || !(e->args[0] = ex_elab(L, sc, a->a)))
            return NULL;
        e->op = a->op;
        e->shape = e->args[0]->shape;
        e->type = a->op == GB_OP_NOT ? GB_INT : e->args[0]->type;
        return e;
    }
    case GB_AST_IF: {
        gb_expr *e = ex_new(L, GB_EX_IF, a->loc, 3);
        if (!e)
            return NULL;
        e->args[0] = ex_elab(L, sc, a->a);
        e->args[1] = ex_elab(L, sc, a->b);
        e->args[2] = ex_elab(L, sc, a->c);
        if (!e->args[0] || !e->args[1] || !e->args[2])
            return NULL;
        /* a condition known when the graph is built (a component's option) picks its branch
           now: the other is checked but never computed */
        double cv;
        if (e->args[0]->shape.rank == 0 && cst_eval(L, e->args[0], NULL, &cv) == CST_OK)
            return cv != 0 ? e->args[1] : e->args[2];
        gb_shape s;
        if (gb_shape_broadcast(&e->args[1]->shape, &e->args[2]->shape, &s) != 0 ||
            gb_shape_broadcast(&e->args[0]->shape, &s, &e->shape) != 0) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc,
                     "the condition and both branches of 'if' must have compatible shapes");
            return NULL;
        }
        e->type = (e->args[1]->type == GB_INT && e->args[2]->type == GB_INT) ? GB_INT : GB_REAL;
        return e;
    }
    case GB_AST_ARRAY:
        return elab_array(L, sc, a);
    case GB_AST_COMPREH:
        return elab_comprehension(L, sc, a);
    case GB_AST_RANGE:
        return elab_range(L, sc, a);
    case GB_AST_STR:
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "a string is not a value");
        gb_error_hint(L->errs, "strings are only used in `import \"file.gb\" as name`");
        return NULL;
    case GB_AST_ALL:
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "an empty index is only allowed inside [ ]");
        return NULL;
    case GB_AST_NAMED_ARG:
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "a named argument is only allowed in a call");
        return NULL;
    default:
        GB_INTERNAL(L->errs); /* the parser makes no other kind in an expression */
        return NULL;
    }
}

/* Calls of math functions (component calls are statements, handled in lower_decl.c and
 * lower_component.c). */
static gb_expr *elab_call(lowerer *L, scope *sc, const gb_ast *a)
{
    const char *fname = a->a->kind == GB_AST_NAME ? a->a->name : NULL;
    const gb_func_ops *f = fname ? gb_func_find(fname) : NULL;
    if (!f) {
        if (fname && gb_dist_find(fname)) {
            gb_error(L->errs, GB_ESEMANTIC, a->a->loc,
                     "'%s' is a distribution, not a function", fname);
            gb_error_hint(L->errs, "draw from it with '~': x ~ %s(...)", fname);
        } else if (sc_find_model(L, sc, a->a, NULL)) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc,
                     "a component is called in a statement of its own: name = model(...)");
        } else if (sc_module_call(L, sc, a->a)) {
            /* reported: the module failed to load, or has no such model */
        } else if (fname) {
            gb_error(L->errs, GB_ESEMANTIC, a->a->loc, "unknown function '%s'", fname);
            sg_suggest(L, sc, fname, 0, 1);
        } else {
            gb_error(L->errs, GB_ESEMANTIC, a->a->loc, "this is not a function");
        }
        return NULL;
    }
    int n = (int)gb_ast_list_len(a->list);
    if (n < f->min_args || n > f->max_args) {
        if (f->min_args == f->max_args)
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "%s takes %d argument%s, got %d", f->name,
                     f->min_args, f->min_args == 1 ? "" : "s", n);
        else
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "%s takes %d to %d arguments, got %d",
                     f->name, f->min_args, f->max_args, n);
        return NULL;
    }
    gb_expr *e = ex_new(L, GB_EX_CALL, a->loc, n);
    if (!e)
        return NULL;
    e->func = f;
    int k = 0, ok = 1;
    gb_shape shapes[16];
    gb_vtype types[16];
    double cvals[16];
    for (const gb_ast *x = a->list; x; x = x->next, k++) {
        if (x->kind == GB_AST_NAMED_ARG) {
            gb_error(L->errs, GB_ESEMANTIC, x->loc, "%s takes no named arguments", f->name);
            ok = 0;
            continue;
        }
        e->args[k] = ex_elab(L, sc, x);
        if (!e->args[k]) {
            ok = 0;
        } else if (k < 16) {
            shapes[k] = e->args[k]->shape;
            types[k] = e->args[k]->type;
            double cv;
            cvals[k] = NAN;
            if (f->kind != GB_FUNC_ELEMENTWISE && shapes[k].rank == 0 &&
                cst_eval(L, e->args[k], NULL, &cv) == CST_OK)
                cvals[k] = cv;
        }
    }
    if (!ok || n > 16)
        return NULL;
    if (f->kind == GB_FUNC_ELEMENTWISE) {
        gb_shape s = {0, {0}};
        int all_int = 1;
        for (int i = 0; i < n; i++) {
            if (gb_shape_broadcast(&s, &shapes[i], &s) != 0) {
                char s1[64];
                gb_error(L->errs, GB_ESEMANTIC, e->args[i]->loc,
                         "argument %d of %s has %s, which does not match the others", i + 1,
                         f->name, ex_shape_text(&shapes[i], s1, sizeof s1));
                return NULL;
            }
            all_int &= types[i] == GB_INT;
        }
        e->shape = s;
        e->type = f->int_result == 2 || (f->int_result == 1 && all_int) ? GB_INT : GB_REAL;
        return e;
    }
    char why[128] = "";
    if (!f->shape || f->shape(n, shapes, types, cvals, &e->shape, &e->type, why, sizeof why) != 0) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "%s: %s", f->name, why[0] ? why : "bad arguments");
        return NULL;
    }
    return e;
}
