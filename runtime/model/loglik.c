/* loglik.c - the pointwise log-likelihood (loglik.h): observations are found once from the
 * compiled terms of the observed nodes; each draw then runs the terms' argument ops and the
 * distribution's lpdf one repetition at a time (model_term.c, mop_term_obs_logp).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loglik.h"
#include "model_int.h"
#include "size.h"

typedef struct obs {
    size_t term; /* index into m->terms */
    size_t rep;  /* observation within the term */
} obs;

struct gb_loglik {
    const gb_model *m;
    size_t n;
    obs *o;
    char **name;
};

void gb_loglik_set_values(const gb_model *m, gb_model_ws *ws, const double *row)
{
    for (size_t col = 0; col < m->ncols;) {
        size_t i = m->colnode[col], len = gb_graph_node(m->g, i)->len;
        if (m->ni[i].latent != GB_NO_TENSOR)
            memcpy(tval(m, ws, m->ni[i].tensor), row + col, len * sizeof *row);
        col += len;
    }
    ws->bad = 0;
    gb_model_tape_forward(m, ws, 0, m->nterm_start, NULL, 0, 0);
}

static const mop *term_op(const gb_model *m, const term_range *tr)
{
    return &m->ops.items[tr->b - 1];
}

/* The gather op that reads the term's variate from its node (its kind is OP_SKIP when it was
 * folded: data indices into data), or NULL when the term reads the whole node. */
static const mop *term_gather(const gb_model *m, const term_range *tr, size_t *at)
{
    const mop *t = term_op(m, tr);
    if (gb_graph_node(m->g, tr->node)->defs[t->def].nindex == 0)
        return NULL;
    for (size_t q = tr->a; q + 1 < tr->b; q++)
        if (m->ops.items[q].out == t->in[0] && m->ops.items[q].in[0] == m->ni[tr->node].tensor) {
            *at = q;
            return &m->ops.items[q];
        }
    return NULL;
}

/* Names term k's observations from slot first on. */
static gb_status name_term(gb_loglik *l, gb_model_ws *ws, size_t k, size_t first, gb_errlist *errs)
{
    const gb_model *m = l->m;
    const term_range *tr = &m->terms.items[k];
    const mop *t = term_op(m, tr);
    const gb_node *n = gb_graph_node(m->g, tr->node);
    size_t gat = 0, cnt = mop_term_obs_count(t);
    const mop *g = term_gather(m, tr, &gat);
    size_t le = t->n / (t->batch ? t->batch : 1);
    int vrank = strstr(t->dist->name, "_glm") ? 0 : t->dist->variate_rank;
    if (g) { /* the left side's indices: data and loop variables */
        ws->bad = 0;
        gb_model_tape_forward(m, ws, tr->a, gat, NULL, 0, 0);
    }
    for (size_t r = 0; r < cnt; r++) {
        size_t off = mop_term_obs_offset(m, t, r);
        if (g) {
            int bad = 0;
            off += mop_lhs_offset(m, ws, g, &m->t.items[m->ni[tr->node].tensor], r / le, &bad);
            if (bad)
                return gb_error(errs, GB_EDATA, t->loc,
                                "an index of '%s' on the left side is out of range", n->name);
        }
        l->o[first + r] = (obs){k, r};
        l->name[first + r] = gb_node_element_name(n, off, vrank);
        if (!l->name[first + r])
            return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    }
    return GB_OK;
}

/* Is term tr's node observed, and a likelihood of data?  A `target += e` statement's node
 * (lang/parser.y; its term's distribution, stdlib/dist_target.c, says is_target) is observed but
 * adds e, which is no observation's density. */
static int is_observation(const gb_model *m, const term_range *tr)
{
    return gb_node_is_observed(gb_graph_node(m->g, tr->node)) && !term_op(m, tr)->dist->is_target;
}

gb_status gb_loglik_new(const gb_model *m, gb_model_ws *ws, gb_loglik **out, gb_errlist *errs)
{
    size_t total = 0;
    for (size_t k = 0; k < m->terms.len; k++)
        if (is_observation(m, &m->terms.items[k]))
            total += mop_term_obs_count(term_op(m, &m->terms.items[k]));
    gb_loglik *l = calloc(1, sizeof *l);
    /* an entry, a name pointer and at least glibc's smallest chunk (32 bytes) per observation */
    if (!l || gb_size_fits_budget(total, sizeof(obs) + sizeof(char *) + 32) != 0) {
        free(l);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    }
    l->m = m;
    l->n = total;
    l->o = calloc(total ? total : 1, sizeof *l->o);
    l->name = calloc(total ? total : 1, sizeof *l->name);
    gb_status st =
        l->o && l->name ? GB_OK : gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    size_t at = 0;
    for (size_t k = 0; k < m->terms.len && st == GB_OK; k++) {
        const term_range *tr = &m->terms.items[k];
        if (!is_observation(m, tr))
            continue;
        st = name_term(l, ws, k, at, errs);
        at += mop_term_obs_count(term_op(m, tr));
    }
    if (st != GB_OK) {
        gb_loglik_free(l);
        return st;
    }
    *out = l;
    return GB_OK;
}

void gb_loglik_free(gb_loglik *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->name && i < l->n; i++)
        free(l->name[i]);
    free(l->name);
    free(l->o);
    free(l);
}

size_t gb_loglik_count(const gb_loglik *l)
{
    return l->n;
}

const char *gb_loglik_name(const gb_loglik *l, size_t i)
{
    return l->name[i];
}

size_t gb_loglik_node(const gb_loglik *l, size_t i)
{
    return l->m->terms.items[l->o[i].term].node;
}

void gb_loglik_eval(const gb_loglik *l, gb_model_ws *ws, double *out)
{
    const gb_model *m = l->m;
    size_t last = (size_t)-1;
    int bad = 0;
    for (size_t i = 0; i < l->n; i++) {
        const term_range *tr = &m->terms.items[l->o[i].term];
        if (l->o[i].term != last) { /* the term's arguments, once per term */
            ws->bad = 0;
            gb_model_tape_forward(m, ws, tr->a, tr->b - 1, NULL, 0, 0);
            bad = ws->bad;
            last = l->o[i].term;
        }
        out[i] = bad ? -INFINITY : mop_term_obs_logp(m, ws, term_op(m, tr), l->o[i].rep);
    }
}
