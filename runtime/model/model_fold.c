/* model_fold.c - what is computed once, at compilation, because no parameter can change it:
 * deterministic nodes of data and constants (folded into read-only values, their ops made
 * no-ops), ops inside definitions whose inputs are all read-only, and each likelihood's summary
 * of its fixed arguments (gb_dist_ops' prepare: sufficient statistics).  Lowering asks for
 * the folded values (gb_model_fixed_value) of transformed data that a '~' observes.
 */
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

static gb_status fold_ops(gb_model *m, gb_model_ws *ws)
{
    for (size_t q = 0; q < m->ops.len; q++) {
        mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP) {
            q = o->body1 - 1; /* a comprehension's body, or a no-op */
            continue;
        }
        int foldable = !o->seq;
        switch (o->kind) {
        case OP_INDEX: case OP_BINOP: case OP_UNOP: case OP_IF: case OP_CALL_ELEM:
        case OP_CALL_GEN: case OP_MATMUL: case OP_ARRAY: case OP_RANGE: case OP_GATHER:
            break;
        default:
            foldable = 0;
        }
        for (int i = 0; foldable && i < o->nin; i++)
            foldable = m->t.items[o->in[i]].ext != NULL;
        tensor *X = &m->t.items[o->out];
        if (!foldable || X->ext)
            continue;
        ws->bad = 0;
        op_forward(m, ws, o, 0, X->batch);
        if (ws->bad)
            continue; /* reported when the model runs */
        size_t len = X->batch * X->elen;
        double *v = malloc((len ? len : 1) * sizeof *v);
        if (!v || GB_VEC_PUSH(&m->owned, v) != 0) {
            free(v);
            return GB_ENOMEM;
        }
        memcpy(v, tval(m, ws, o->out), len * sizeof *v);
        X->ext = v;
        o->kind = OP_SKIP;
        o->body1 = q + 1;
    }
    return GB_OK;
}

gb_status gb_model_fold_fixed(gb_model *m)
{
    gb_model_ws *ws = gb_model_ws_new(m);
    if (!ws)
        return GB_ENOMEM;
    gb_status rc = GB_OK;
    for (size_t t = 0; t < gb_graph_node_count(m->g) && rc == GB_OK; t++) {
        size_t i = m->topo[t];
        const gb_node *n = gb_graph_node(m->g, i);
        if (n->kind != GB_NODE_DETERMINISTIC || !m->fixed[i])
            continue;
        node_info *ni = &m->ni[i];
        ws->bad = 0;
        gb_model_tape_forward(m, ws, ni->ops0, ni->ops1, NULL, 0, 0);
        if (ws->bad)
            continue; /* left to fail at run time, where the error is reported */
        tensor *X = &m->t.items[ni->tensor];
        size_t len = X->batch * X->elen;
        double *v = malloc((len ? len : 1) * sizeof *v);
        if (!v || GB_VEC_PUSH(&m->owned, v) != 0) {
            free(v);
            rc = GB_ENOMEM;
            break;
        }
        memcpy(v, tval(m, ws, ni->tensor), len * sizeof *v);
        X->ext = v;
        for (size_t q = ni->ops0; q < ni->ops1; q++) {
            mop *o = &m->ops.items[q];
            o->kind = OP_SKIP;
            o->body1 = q + 1;
            o->seq = 0;
        }
    }
    if (rc == GB_OK)
        rc = fold_ops(m, ws);
    gb_model_ws_free(ws);
    return rc;
}

int gb_model_fixed_value(const gb_model *m, size_t i, const double **val)
{
    const tensor *X = &m->t.items[m->ni[i].tensor];
    if (!m->fixed[i] || !X->ext)
        return -1;
    *val = X->ext;
    return 0;
}

/* Lets each likelihood whose distribution can summarise fixed arguments (the data) do so once:
 * normal_id_glm of a data design becomes sufficient statistics.  Declining (or running out of
 * memory) leaves the term as it was. */
void gb_model_prepare_terms(gb_model *m)
{
    for (size_t q = 0; q < m->ops.len; q++) {
        mop *o = &m->ops.items[q];
        if (o->kind != OP_TERM || !o->dist->prepare || o->nin > 8)
            continue;
        gb_arg args[8];
        unsigned fixed = 0;
        for (int i = 0; i < o->nin; i++) {
            const tensor *X = &m->t.items[o->in[i]];
            int f = X->ext && !X->batched && !o->use_scr[i];
            args[i] = (gb_arg){f ? X->ext : NULL, NULL, o->stride[i]};
            fixed |= (unsigned)f << i;
        }
        o->prep = o->dist->prepare(o->n, args, mop_dims(o),
                                   fixed);
    }
}

void gb_model_drop_prepared(gb_model *m)
{
    for (size_t q = 0; q < m->ops.len; q++) {
        mop *o = &m->ops.items[q];
        if (o->prep)
            o->dist->free_prepared(o->prep);
        o->prep = NULL;
    }
}
