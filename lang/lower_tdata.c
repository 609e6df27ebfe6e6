/* lower_tdata.c - a `~` on a transform of data: `log_earn = log(earn)` with
 * `log_earn ~ normal(mu, sigma)`, Stan's transformed data observed.  A deterministic node that
 * reads data and constants alone is itself data, so a `~` on it is a likelihood.
 *
 * The declaration pass holds such `~` statements back (nstate.obs).  Once the graph is linked,
 * each node that has them is checked to read no parameter, at any depth (otherwise the `~`
 * would put a density on a function of parameters without its Jacobian: refused, naming the
 * parameter); its value is computed from the data by compiling the graph as it stands, as for
 * sampling, and reading the folded value (model_fold.c), so the value is exactly the one a run
 * would compute; then the node becomes observed, its `=` definitions give way to its `~`
 * statements, and the graph is linked again.  Without data (check) the node is observed with
 * no value, as data are.
 *
 * Owns: nothing beyond the call (the value copies go to the graph's nodes).
 * Offers: td_observe.
 */
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"
#include "model.h"

/* The first parameter node i reads, through deterministic nodes, or (size_t)-1 when it reads
 * data and constants alone.  mark: per node, 1 once visited.  Depth-first with an explicit
 * stack, as the graph's depth is the model's. */
static size_t find_parameter(lowerer *L, size_t i, unsigned char *mark, size_t *stack)
{
    size_t top = 0;
    stack[top++] = i;
    mark[i] = 1;
    while (top > 0) {
        const gb_node *n = sc_node(L, stack[--top]);
        for (size_t k = 0; k < n->nparents; k++) {
            size_t p = n->parents[k];
            const gb_node *pn = sc_node(L, p);
            if (mark[p])
                continue;
            mark[p] = 1;
            if (gb_node_is_parameter(pn))
                return p;
            if (pn->kind == GB_NODE_DETERMINISTIC)
                stack[top++] = p;
        }
    }
    return (size_t)-1;
}

/* Refuses each held-back `~` whose node reads a parameter; 0 when none does. */
static int check_data_only(lowerer *L)
{
    size_t nn = L->ns.len;
    unsigned char *mark = malloc(nn ? nn : 1);
    size_t *stack = malloc((nn ? nn : 1) * sizeof *stack);
    int bad = 0;
    if (!mark || !stack) {
        free(mark);
        free(stack);
        L->oom = 1;
        return -1;
    }
    for (size_t i = 0; i < nn; i++) {
        if (L->ns.items[i].obs.len == 0)
            continue;
        memset(mark, 0, nn);
        size_t p = find_parameter(L, i, mark, stack);
        if (p == (size_t)-1)
            continue;
        const gb_ast *tilde = L->ns.items[i].obs.items[0].ast;
        const gb_ast *assign = L->ns.items[i].stmts.items[0].ast;
        gb_error(L->errs, GB_ESEMANTIC, tilde->a->loc,
                 "'%s' is computed from the parameter '%s', so '~' cannot observe it",
                 sc_node(L, i)->name, sc_node(L, p)->name);
        gb_error_hint(L->errs,
                      "'~' observes data, or a transform of data alone (Stan's "
                      "transformed data); '%s' is defined with '=' at line %d",
                      sc_node(L, i)->name, assign->loc.line);
        bad = 1;
    }
    free(mark);
    free(stack);
    return bad ? -1 : 0;
}

/* Computes every held-back node's value from the data (compiling the graph as it stands):
 * n->value for each; left NULL when the model does not compile yet (no data: sizes unknown),
 * and refused when the data are there but the value cannot be computed (a NaN). */
static void compute_values(lowerer *L)
{
    gb_errlist *scratch = gb_errlist_new();
    gb_model *m = NULL;
    if (!scratch) {
        L->oom = 1;
        return;
    }
    gb_status st = gb_model_compile(L->g, &m, scratch);
    if (st == GB_ENOMEM)
        L->oom = 1;
    else if (st != GB_OK && L->opts->data) /* without data, sizes are unknown: no values yet */
        for (size_t k = 0; k < gb_errlist_count(scratch); k++) {
            const gb_err *e = gb_errlist_get(scratch, k);
            gb_error(L->errs, e->code, e->loc, "%s", e->msg);
            if (e->hint)
                gb_error_hint(L->errs, "%s", e->hint);
        }
    gb_errlist_free(scratch);
    if (st != GB_OK)
        return;
    for (size_t i = 0; i < L->ns.len && !L->oom; i++) {
        if (L->ns.items[i].obs.len == 0)
            continue;
        gb_node *n = sc_node(L, i);
        const double *v;
        if (gb_model_fixed_value(m, i, &v) != 0) {
            gb_error(L->errs, GB_EDATA, n->loc, "'%s' cannot be computed from the data", n->name);
            gb_error_hint(L->errs, "'~' observes it, so it must be a number for every element "
                                   "(the log of a negative number is not)");
            continue;
        }
        n->value = malloc((n->len ? n->len : 1) * sizeof *n->value);
        if (!n->value) {
            L->oom = 1;
            break;
        }
        memcpy(n->value, v, n->len * sizeof *v);
    }
    gb_model_free(m);
}

gb_status td_observe(lowerer *L)
{
    size_t n0 = gb_errlist_count(L->errs);
    int any = 0;
    for (size_t i = 0; i < L->ns.len; i++)
        any |= L->ns.items[i].obs.len > 0;
    if (!any)
        return GB_OK;
    if (check_data_only(L) != 0)
        return lw_status(L, n0);
    compute_values(L);
    if (lw_status(L, n0) != GB_OK)
        return lw_status(L, n0);
    for (size_t i = 0; i < L->ns.len; i++) {
        nstate *st = &L->ns.items[i];
        if (st->obs.len == 0)
            continue;
        gb_node *n = sc_node(L, i);
        n->kind = GB_NODE_STOCHASTIC;
        n->observed = 1;
        n->ndefs = 0; /* the value is known now: the `~` statements define the node */
        free(st->stmts.items);
        st->stmts = st->obs;
        memset(&st->obs, 0, sizeof st->obs);
        nd_observe(L, i);
    }
    if (lw_status(L, n0) == GB_OK && L->opts->data)
        rg_check_defs(L);
    if (lw_status(L, n0) == GB_OK && gb_graph_link(L->g) != GB_OK)
        L->oom = 1;
    return lw_status(L, n0);
}
