/* lower_int.h - what the lowering files (lower.c, elab.c, consteval.c, bind.c) share. */
#ifndef GB_LANG_LOWER_INT_H
#define GB_LANG_LOWER_INT_H

#include "ast.h"
#include "graph.h"
#include "lower.h"
#include "vec.h"

typedef enum sym_kind {
    SYM_NODE,      /* a graph node (data, size, parameter, deterministic, component argument) */
    SYM_LOOP,      /* a loop or comprehension variable */
    SYM_MODEL,     /* a `model` definition */
    SYM_MODULE,    /* an imported module */
    SYM_COMPONENT, /* `fit = linear(...)` or `layer[2] = dense(...)`: an instance */
    SYM_COMPARRAY  /* `layer` when instances are named layer[1], layer[2], ... */
} sym_kind;

typedef struct module module;
typedef struct scope scope;

typedef struct sym {
    const char *name;
    sym_kind kind;
    size_t node;          /* SYM_NODE */
    int depth;            /* SYM_LOOP: loop depth */
    const gb_ast *ast;    /* SYM_MODEL: the model; SYM_COMPONENT: the call statement */
    module *mod;          /* SYM_MODULE, and the module a SYM_MODEL lives in */
    scope *inst;          /* SYM_COMPONENT once instantiated; SYM_MODEL: its file's scope */
    int state;            /* SYM_COMPONENT: 0 new, 1 in progress, 2 done */
    gb_loc loc;
} sym;

struct scope {
    GB_VEC(sym) syms;
    scope *file;          /* the module scope models and imports are looked up in */
    const char *prefix;   /* "" at top level, "fit." inside a component */
    int comp;             /* component index or -1 */
    int inst_depth;       /* nesting of component instantiations */
    scope *caller;        /* the scope whose statement instantiated this one, or NULL */
    const gb_ast *model;  /* the model this scope instantiates, or NULL at top level */
    scope *next_alloc;    /* every scope, for freeing */
    GB_VEC(const gb_ast *) unroll; /* loops creating components, unrolled once sizes are bound */
};

struct module {
    const char *name;
    scope *sc;
};

/* Per-node lowering state. */
typedef struct stmt_ref {
    const gb_ast *ast;    /* TILDE or ASSIGN */
    scope *sc;
    size_t nloops;
    const gb_ast *loops[GB_MAX_LOOPS]; /* enclosing FOR statements, outermost first */
    int done;             /* elaborated into a def */
} stmt_ref;

#define MAX_LOOPS GB_MAX_LOOPS

/* Component instances in one graph: wide trees of nested calls (each model calling the next
 * twice, 16 deep) would otherwise multiply without bound. */
#define MAX_COMPONENTS 10000
/* Statements that unrolling loops (over components or holding `if` statements) may make in one
 * graph: nested loops would otherwise multiply them without bound. */
#define MAX_UNROLLED 50000

typedef struct nstate {
    int state;            /* 0 new, 1 shaping, 2 shaped, 3 elaborating, 4 done */
    GB_VEC(stmt_ref) stmts;
    const gb_ast *decl_type;
    scope *sc;
} nstate;

typedef struct lowerer {
    gb_graph *g;
    gb_sources *srcs;
    gb_errlist *errs;
    const gb_lower_opts *opts;
    gb_arena ast_arena;   /* every parsed file's AST; dropped after lowering */
    GB_VEC(nstate) ns;    /* parallel to the graph's nodes */
    GB_VEC(module *) mods;
    scope *scopes;        /* all scopes, for freeing */
    int oom;
    size_t unrolled;      /* statements made by unrolling loops, against MAX_UNROLLED */
    int unroll_refused;   /* the too-many-statements error has been reported */
    /* the loop context of the statement being elaborated */
    size_t nloops;
    const char *loopvar[MAX_LOOPS + 8];
    gb_expr *looplo[MAX_LOOPS + 8], *loophi[MAX_LOOPS + 8];
} lowerer;

/* lower.c */
scope *scope_new(lowerer *L, scope *file, const char *prefix, int comp);
sym *scope_find(scope *sc, const char *name);
sym *scope_add(lowerer *L, scope *sc, sym s);
size_t ensure_shaped(lowerer *L, size_t node, gb_loc use);
/* Elaborates statements added to an already elaborated node (a component observing the
 * caller's data); returns 0 or -1. */
int elaborate_pending(lowerer *L, size_t node);
sym *ensure_component(lowerer *L, sym *s);
const gb_ast *find_model(lowerer *L, scope *sc, const gb_ast *callee, scope **file);
/* Is callee `module.name` for an imported module without that model (or that failed to load)?
 * Reports the missing model (once per call); 1 when so, 0 when callee is something else. */
int module_call(lowerer *L, scope *sc, const gb_ast *callee);
void pass1(lowerer *L, scope *sc, const gb_ast *list, const gb_ast **loops, size_t nloops);
/* Unrolls the scope's loops that create components (their bounds must be known by now: sizes
 * from the data or the component's arguments), declaring each iteration's statements. */
void unroll_loops(lowerer *L, scope *sc);
/* A copy of a statement or expression (a list: every statement of it) with the loop variable
 * `var` replaced by the integer v, as loops creating components are unrolled. */
gb_ast *ast_subst(lowerer *L, const gb_ast *a, const char *var, long v);
gb_ast *ast_subst_list(lowerer *L, const gb_ast *list, const char *var, long v);
/* The value of expression a when it is a scalar known while the graph is built (data, sizes,
 * options): 1 and *v; 0 when it is not; -1 when it does not elaborate (error reported). */
int build_const(lowerer *L, scope *sc, const gb_ast *a, double *v);
/* "layer[2]": the name of one instance in an array of components, its indices evaluated in sc;
 * NULL (error reported) when an index is not a constant positive integer. */
const char *instance_name(lowerer *L, scope *sc, const char *root, const gb_ast *indices);
size_t new_node(lowerer *L, scope *sc, const char *name, gb_node_kind kind, gb_loc loc);
gb_node *N(lowerer *L, size_t i);

/* elab.c: typed expressions */
gb_expr *elab(lowerer *L, scope *sc, const gb_ast *a);
gb_expr *ex_new(lowerer *L, gb_expr_kind kind, gb_loc loc, int nargs);
void suggest(lowerer *L, scope *sc, const char *name, int want_dist, int want_func);
const char *shape_text(const gb_shape *s, char *buf, size_t len);

/* consteval.c: values of expressions over data, constants and loop variables */
#define CE_OK GB_CONST_OK
#define CE_NOTCONST GB_CONST_NOT
int ceval(lowerer *L, const gb_expr *e, const double *loopvals, double *out);
/* Size of a loop's range given outer loop values; -1 when not constant. */
long loop_count(lowerer *L, const gb_loop *lp, const double *loopvals, long *lo);

/* bind.c: data against declarations */
void bind_data_decls(lowerer *L, scope *sc);
/* ranges.c: every index the loops produce, against the data's sizes */
void check_defs(lowerer *L);

/* stan_names.c: when `name` is Stan's spelling of something glassbox writes differently
 * (row, normal_rng, std_normal, ...), 1 and a hint "glassbox writes Stan's ... as ..." in buf. */
int stan_hint(const char *name, char *buf, size_t len);

/* Whole-word edit distance, for "did you mean". */
size_t edit_distance(const char *a, const char *b);

#endif
