/* graph.h - the model graph: the single source of truth after parsing.
 *
 * Nodes are named variables: data, constants (sizes bound from data, literal options),
 * stochastic (latent parameters, or observed when their values come from data) and
 * deterministic.  A node is defined by one statement, or element by element by several
 * (`z[1] ~ ...`, `for t in 2..N { z[t] ~ ... }`); each such statement is a gb_def, with the
 * loops around it.  A vectorised statement, or a loop over observations, stays ONE node with
 * one def: how it is evaluated (vectorised or element by element) is the evaluator's choice.
 *
 * Expressions are gb_expr trees owned by the graph, typed and shaped by lowering, referring to
 * nodes by index and to loop variables by depth.  Everything is allocated in the graph's own
 * arena (never the parser's), so freeing the graph frees it all.
 */
#ifndef GB_RUNTIME_GRAPH_GRAPH_H
#define GB_RUNTIME_GRAPH_GRAPH_H

#include <stddef.h>
#include <stdio.h>

#include "arena.h"
#include "dist.h"
#include "func.h"
#include "op.h"
#include "status.h"

/* The operator's spelling ("+", "@", "&&"); the operators themselves are in op.h. */
const char *gb_op_text(int op);

/* Loops nest at most this deep. */
#define GB_MAX_LOOPS 50

typedef enum gb_node_kind {
    GB_NODE_DATA,
    GB_NODE_CONST,
    GB_NODE_STOCHASTIC,
    GB_NODE_DETERMINISTIC
} gb_node_kind;

typedef enum gb_expr_kind {
    GB_EX_CONST,   /* num (scalar) */
    GB_EX_NODE,    /* node: the whole value of graph node `node` */
    GB_EX_LOOPVAR, /* loopvar: the current value of the enclosing loop at that depth (0 = outer) */
    GB_EX_INDEX,   /* args[0][args[1], ...]: each index a scalar, an int array (gather),
                      GB_EX_RANGE or GB_EX_ALL */
    GB_EX_RANGE,   /* args[0]..args[1] (as an index, or the values of a comprehension) */
    GB_EX_ALL,     /* an empty index position: every element of that axis */
    GB_EX_BINOP,   /* args[0] op args[1], elementwise with broadcasting; GB_OP_MATMUL: matmul */
    GB_EX_UNOP,    /* op args[0] */
    GB_EX_IF,      /* if args[0] then args[1] else args[2], elementwise */
    GB_EX_CALL,    /* func(args...) */
    GB_EX_ARRAY,   /* [args...] stacked along a new first axis */
    GB_EX_COMPREH  /* [args[0] for loopvar in args[1]]: loopvar is the comprehension's depth */
} gb_expr_kind;

typedef struct gb_expr gb_expr;
struct gb_expr {
    gb_expr_kind kind;
    int op;                    /* GB_OP_ values of ast.h */
    double num;
    size_t node;
    int loopvar;
    const char *var;           /* GB_EX_COMPREH: its variable's name as written, for messages */
    const gb_func_ops *func;
    gb_vtype type;
    gb_shape shape;            /* for one iteration of the enclosing loops */
    int nargs;
    gb_expr **args;
    gb_loc loc;
};

typedef struct gb_loop {
    const char *var;
    gb_expr *lo, *hi;          /* scalar int expressions of data and outer loop variables */
} gb_loop;

/* One statement that defines a node, or some of its elements. */
typedef struct gb_def {
    gb_loc loc;
    size_t nloops;
    gb_loop *loops;            /* enclosing for loops, outermost first */
    size_t nindex;
    gb_expr **index;           /* the left side's indices, NULL when the whole node is defined */
    gb_expr *expr;             /* deterministic: the value */
    const gb_dist_ops *dist;   /* stochastic: the distribution and its arguments */
    size_t nargs;
    gb_expr **args;
    gb_expr *trunc_lo, *trunc_hi; /* T[lo, hi], either may be NULL */
    /* Element-wise recursions across nodes (nu[t] reads err[t - 1], err[t] reads nu[t]): the
       defs of one such group (1, 2, ...; 0 for none) run in recur_order, the looped ones item
       by item together (lang/lower_recur.c sets them, the compiler follows them). */
    int recur_group;
    long recur_order;
} gb_def;

/* A constraint declared with a type (Stan's names); the distribution's support adds its own. */
typedef enum gb_constraint_kind {
    GB_CON_NONE,
    GB_CON_ORDERED,
    GB_CON_POSITIVE_ORDERED,
    GB_CON_SIMPLEX,
    GB_CON_CHOLESKY_CORR,
    GB_CON_CHOLESKY_COV,
    GB_CON_CORR,
    GB_CON_COV
} gb_constraint_kind;

typedef struct gb_node {
    const char *name;          /* full path: "beta", "fit.beta", "fit.inner.w" */
    gb_node_kind kind;
    int observed;              /* stochastic with data values */
    int marginal;              /* the user's choice for a discrete parameter: 1 `marginalise`,
                                  -1 `sample`, 0 automatic (runtime/model/model_marg.c) */
    gb_loc marginal_loc;       /* where that choice was written */
    gb_vtype type;
    gb_shape shape;            /* GB_DIM_UNKNOWN where no data bound it */
    const char *dim_name[GB_MAX_RANK]; /* how the script names each dimension ("N"), or NULL */
    gb_constraint_kind constraint;
    gb_expr *lower, *upper;    /* declared bounds <lower=, upper=>, NULL if none */
    size_t ndefs;
    gb_def *defs;
    size_t nparents, nchildren;
    size_t *parents, *children;
    int component;             /* index into the graph's components, -1 at top level */
    double *value;             /* data and constant values (row-major), NULL otherwise */
    size_t len;                /* number of elements when the shape is known */
    gb_loc loc;                /* declaration or first definition */
} gb_node;

typedef struct gb_component {
    const char *name;          /* the call's path: "fit", "net.layer1" */
    const char *model;         /* the model it instantiates: "linear", "regression.linear" */
    int parent;                /* enclosing component or -1 */
    gb_loc loc;
} gb_component;

typedef struct gb_graph gb_graph;

gb_graph *gb_graph_new(void);
void gb_graph_free(gb_graph *g);
/* The graph's arena, for lowering to allocate expressions and names in. */
gb_arena *gb_graph_arena(gb_graph *g);

/* Adds a node named `name` (copied); returns its index, or (size_t)-1 when out of memory. */
size_t gb_graph_add_node(gb_graph *g, const char *name, gb_node_kind kind, gb_loc loc);
int gb_graph_add_component(gb_graph *g, const char *name, const char *model, int parent,
                           gb_loc loc);
/* Appends a def to node i; returns it (zeroed) or NULL when out of memory. */
gb_def *gb_graph_add_def(gb_graph *g, size_t i);

size_t gb_graph_node_count(const gb_graph *g);
gb_node *gb_graph_node(const gb_graph *g, size_t i);
/* Index of the node with this full name, or (size_t)-1. */
size_t gb_graph_find(const gb_graph *g, const char *name);
size_t gb_graph_component_count(const gb_graph *g);
const gb_component *gb_graph_component(const gb_graph *g, size_t i);

/* Fills parents/children from the nodes referenced by each node's defs, declared bounds and
 * loop bounds.  Returns GB_OK or GB_ENOMEM. */
gb_status gb_graph_link(gb_graph *g);

int gb_node_is_observed(const gb_node *n);
int gb_node_is_parameter(const gb_node *n); /* latent stochastic */
/* The node of a `target += e` statement (a def whose distribution says is_target): observed,
 * but no data and nothing to draw or report. */
int gb_node_is_target_term(const gb_node *n);
const char *gb_node_kind_name(const gb_node *n); /* "data", "observed", "parameter", ... */
/* The name of n's element at flat (row-major) offset e in CmdStan's style, "y", "y.3", "Y.2.1",
 * its last vrank indices left out (0; a multivariate variate's rank names its row); a new string
 * the caller frees, NULL when out of memory. */
char *gb_node_element_name(const gb_node *n, size_t e, int vrank);

/* Writes a shape as "[N, 3]" (names where known, sizes otherwise; "" for a scalar). */
void gb_shape_format(const gb_node *n, char *buf, size_t len);
/* Writes a node's type as declared: "real[N]", "real<lower=0>[J]", "ordered[3]",
 * "cholesky_factor_corr[K]" (the K x K matrix declared with one size). */
void gb_type_format(const gb_graph *g, const gb_node *n, char *buf, size_t len);
/* Writes an expression in the language's syntax (node names, loop variable names). */
void gb_expr_format(const gb_graph *g, const gb_def *def, const gb_expr *e, char *buf, size_t len);
/* Writes a def's right side, then where it applies: "normal(mu, sigma)",
 * "poisson(lambda[g[i]])  for [i] with i in 1..N". */
void gb_def_format(const gb_graph *g, const gb_def *def, char *buf, size_t len);

/* The value of a scalar expression of data, constants and loop variables (loopvals[d] is the
 * value of the loop at depth d; NULL when there are none): GB_CONST_OK and *out, or
 * GB_CONST_NOT when it depends on anything else or an index is out of range. */
#define GB_CONST_OK 0
#define GB_CONST_NOT 1
int gb_expr_const_eval(const gb_graph *g, const gb_expr *e, const double *loopvals, double *out);
/* Iterations of a loop given the outer loops' values (and its first value in *lo); -1 when the
 * bounds are not constant. */
long gb_loop_count(const gb_graph *g, const gb_loop *lp, const double *loopvals, long *lo);

#endif
