/* op.h - the operators of expressions: the parser produces them, the AST and the graph keep
 * them.  Kept apart from graph.h so the front end's AST does not include the model graph. */
#ifndef GB_RUNTIME_CORE_OP_H
#define GB_RUNTIME_CORE_OP_H

typedef enum gb_op {
    GB_OP_ADD = 1, GB_OP_SUB, GB_OP_MUL, GB_OP_DIV, GB_OP_MOD, GB_OP_MATMUL, GB_OP_POW,
    GB_OP_EQ, GB_OP_NE, GB_OP_LT, GB_OP_LE, GB_OP_GT, GB_OP_GE, GB_OP_AND, GB_OP_OR,
    GB_OP_NEG, GB_OP_NOT, GB_OP_PLUS
} gb_op;

#endif
