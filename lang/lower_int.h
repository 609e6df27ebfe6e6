/* lower_int.h - what the lowering stages (lang/lower*.c) share: the lowerer, scopes and symbols,
 * per-node state, and the recursion's entry points, grouped by the file that defines them. */
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

/* A component instance's progress (sym.state of a SYM_COMPONENT). */
typedef enum comp_state {
    COMP_NEW = 0, /* declared, not instantiated */
    COMP_BUSY,    /* being instantiated: asked for again, it depends on itself */
    COMP_DONE     /* instantiated, or failed with its error reported (inst is then NULL) */
} comp_state;

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
    comp_state state;     /* SYM_COMPONENT */
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

typedef GB_VEC(stmt_ref) stmt_list;

#define LW_MAX_LOOPS GB_MAX_LOOPS

/* Component instances in one graph: wide trees of nested calls (each model calling the next
 * twice, 16 deep) would otherwise multiply without bound. */
#define LW_MAX_COMPONENTS 10000
/* Statements that unrolling loops (over components or holding `if` statements) may make in one
 * graph: nested loops would otherwise multiply them without bound. */
#define LW_MAX_UNROLLED 50000

/* A node's progress through lowering (lower_node.c).  The order matters: from ND_SHAPED on, the
 * node's shape is known, or its failure reported, and nd_shape returns at once. */
typedef enum nd_state {
    ND_NEW = 0,     /* declared, nothing elaborated */
    ND_SHAPING,     /* its shape is being worked out: asked for again, it depends on itself */
    ND_SHAPED,      /* shape and type known, statements not yet elaborated */
    ND_ELABORATING, /* shape known, statements being elaborated (may refer to the node) */
    ND_DONE,        /* every statement elaborated */
    ND_FAILED       /* an error was reported; callers go on without reporting it again */
} nd_state;

typedef struct nstate {
    nd_state state;
    stmt_list stmts;
    /* `~` statements on a node that `=` defines: Stan's transformed data observed, held back
       until lower_tdata.c has checked that the `=` reads data alone */
    stmt_list obs;
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
    size_t unrolled;      /* statements made by unrolling loops, against LW_MAX_UNROLLED */
    int unroll_refused;   /* the too-many-statements error has been reported */
    /* the loop context of the statement being elaborated */
    size_t nloops;
    const char *loopvar[LW_MAX_LOOPS + 8];
    gb_expr *looplo[LW_MAX_LOOPS + 8], *loophi[LW_MAX_LOOPS + 8];
} lowerer;

/* The entry points of lowering's recursion, one group per stage file.  Lowering is mutually
 * recursive (elaborating an expression may shape a node, which elaborates its statements, which
 * may instantiate a component, which declares its statements ...); these are the only names
 * that cross files, each with its file's prefix. */

/* lower.c (lw_): the driver, and the error shape every stage shares.  A function that crosses
 * files returns gb_status: GB_OK, or the code of the error it put in L->errs.  An allocation
 * failure is remembered (L->oom, reported once by the driver, as SQLite's mallocFailed) and
 * returned as GB_ENOMEM.  Constructors are the exception, as the AST's are: ex_elab, ex_new and
 * unroll_subst return the new expression, or NULL with the error reported (or L->oom set). */
gb_status lw_nomem(lowerer *L);
/* The status of a pass that reports every error it finds and goes on: GB_ENOMEM after an
 * allocation failure, GB_OK when it added no error since the list held n0, else the worst in
 * the list. */
gb_status lw_status(lowerer *L, size_t n0);
/* The status of a step that failed with its error already reported: GB_ENOMEM after an
 * allocation failure, else the worst in the list; a failure that left no message at all is a
 * bug, reported as an internal error naming the caller. */
#define lw_failed(L) ((L)->oom ? GB_ENOMEM                                                      \
                      : gb_errlist_status((L)->errs) != GB_OK ? gb_errlist_status((L)->errs)    \
                                                              : GB_INTERNAL((L)->errs))

/* lower_scope.c (sc_): scopes, nodes and imports */
gb_status sc_new(lowerer *L, scope *file, const char *prefix, int comp, scope **out);
sym *sc_find(scope *sc, const char *name);
gb_status sc_add(lowerer *L, scope *sc, sym s);
/* A new node `name` (qualified by the scope's prefix) and its symbol in sc: its index in *out. */
gb_status sc_new_node(lowerer *L, scope *sc, const char *name, gb_node_kind kind, gb_loc loc,
                      size_t *out);
gb_node *sc_node(lowerer *L, size_t i);
/* The module `import` statement imp names, loaded and declared once (*out); fails (error
 * reported) when it cannot be found, read or parsed. */
gb_status sc_load_module(lowerer *L, const gb_ast *imp, const char *from_file, module **out);
const gb_ast *sc_find_model(lowerer *L, scope *sc, const gb_ast *callee, scope **file);
/* Is callee `module.name` for a module imported in sc (loaded or not)? */
int sc_names_module(scope *sc, const gb_ast *callee);
/* Is callee `module.name` for an imported module without that model (or that failed to load)?
 * Reports the missing model (once per call); 1 when so, 0 when callee is something else. */
int sc_module_call(lowerer *L, scope *sc, const gb_ast *callee);

/* lower_decl.c (decl_): the declaration pass */
gb_status decl_block(lowerer *L, scope *sc, const gb_ast *list, const gb_ast **loops,
                     size_t nloops);
/* "layer[2]": the name of one instance in an array of components, its indices evaluated in sc;
 * fails (error reported) when an index is not a constant positive integer. */
gb_status decl_instance_name(lowerer *L, scope *sc, const char *root, const gb_ast *indices,
                             const char **out);

/* lower_unroll.c (unroll_): loops unrolled while the graph is built */
/* Unrolls the scope's loops that create components (their bounds must be known by now: sizes
 * from the data or the component's arguments), declaring each iteration's statements. */
gb_status unroll_loops(lowerer *L, scope *sc);
/* A copy of a statement or expression (a list: every statement of it) with the loop variable
 * `var` replaced by the integer v, as loops creating components are unrolled. */
gb_ast *unroll_subst(lowerer *L, const gb_ast *a, const char *var, long v);
gb_ast *unroll_subst_list(lowerer *L, const gb_ast *list, const char *var, long v);

/* lower_bind.c (bind_): data against declarations */
gb_status bind_data_decls(lowerer *L, scope *sc);

/* lower_node.c (nd_): one node's definitions, shape first */
/* Works out the node's shape and type (and elaborates its statements); `use` is where it is
 * needed, for the error when it depends on itself. */
gb_status nd_shape(lowerer *L, size_t node, gb_loc use);
/* Elaborates statements added to an already elaborated node (a component observing the
 * caller's data). */
gb_status nd_elab_pending(lowerer *L, size_t node);
/* Elaborates the `~` statements that lower_tdata.c gave a node it made observed, and checks
 * their shape against the node's. */
gb_status nd_observe(lowerer *L, size_t node);

/* lower_tdata.c (td_): a `~` on a deterministic node of data alone (Stan's transformed data)
 * makes it observed: each such node is checked to read no parameter, its value is computed from
 * the data, and its `~` statements become its definitions.  Runs once the graph is linked. */
gb_status td_observe(lowerer *L);

/* lower_recur.c (rc_): element-wise recursions across nodes (an ARMA model's nu and err)
 * that are well defined step by step: their defs get a group and an order (gb_def.recur_*);
 * a circle at the same step is refused.  Runs once the graph is linked. */
gb_status rc_mark_recursions(lowerer *L);
/* The recursion group of node i (0: none). */
int rc_group(const gb_node *n);

/* lower_component.c (comp_): component instances */
/* Instantiates the component s names (once); *out is its symbol, which may have moved since s
 * was taken (instantiating adds symbols). */
gb_status comp_instantiate(lowerer *L, sym *s, sym **out);

/* lower_expr.c (ex_): typed expressions */
gb_expr *ex_elab(lowerer *L, scope *sc, const gb_ast *a);
gb_expr *ex_new(lowerer *L, gb_expr_kind kind, gb_loc loc, int nargs);
const char *ex_shape_text(const gb_shape *s, char *buf, size_t len);

/* lower_const.c (cst_): values of expressions over data, constants and loop variables */
#define CST_OK GB_CONST_OK
#define CST_NOTCONST GB_CONST_NOT
int cst_eval(lowerer *L, const gb_expr *e, const double *loopvals, double *out);
/* Size of a loop's range given outer loop values; -1 when not constant. */
long cst_loop_count(lowerer *L, const gb_loop *lp, const double *loopvals, long *lo);
/* The value of expression a when it is a scalar known while the graph is built (data, sizes,
 * options): *known = 1 and *v; *known = 0 when it is not.  Fails when a does not elaborate. */
gb_status cst_build(lowerer *L, scope *sc, const gb_ast *a, double *v, int *known);

/* lower_ranges.c (rg_): every index the loops produce, against the data's sizes */
gb_status rg_check_defs(lowerer *L);
/* ... and every discrete latent read as an index, against the indexed axis (data or not) */
gb_status rg_check_latent_indices(lowerer *L);

/* lower_suggest.c (sg_): "did you mean" */
void sg_suggest(lowerer *L, scope *sc, const char *name, int want_dist, int want_func);
/* Whole-word edit distance. */
size_t sg_edit_distance(const char *a, const char *b);
/* When `name` is Stan's spelling of something glassbox writes differently (row, normal_rng,
 * std_normal, ...), 1 and a hint "glassbox writes Stan's ... as ..." in buf. */
int sg_stan_hint(const char *name, char *buf, size_t len);

#endif
