/* cli_tree_x.c - a model's tree inputs and their column names (cli_tree_x.h says where the
 * names come from).  The names are read with jansson from the JSON data files themselves: the
 * data reader keeps variables only, and these arrays are not variables. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_tree_x.h"

static int is_tree_prior(const char *d)
{
    return strcmp(d, "bart_prior") == 0 || strcmp(d, "cart_prior") == 0 ||
           strcmp(d, "cart_class_prior") == 0;
}

/* The data variable holding exactly the values x (len of them), or NULL. */
static const char *data_name(const gb_data *d, const double *x, size_t len)
{
    for (size_t i = 0; d && i < gb_data_count(d); i++) {
        const gb_data_var *v = gb_data_get(d, i);
        if (v->len == len && (v->val == x || memcmp(v->val, x, len * sizeof *x) == 0))
            return v->name;
    }
    return NULL;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* x->names from the first JSON file of o that has "VAR_names". */
static gb_status read_names(const cli_opts *o, cli_tree_x *x, gb_errlist *errs)
{
    char key[256];
    if (!x->var || snprintf(key, sizeof key, "%s_names", x->var) >= (int)sizeof key)
        return GB_OK;
    for (int f = 0; f < o->ndata; f++) {
        if (!ends_with(o->data[f], ".json") && !ends_with(o->data[f], ".JSON"))
            continue;
        json_error_t jerr;
        json_t *root = json_load_file(o->data[f], 0, &jerr);
        if (!root) /* the data reader has read it already: only memory can fail here */
            return json_error_code(&jerr) == json_error_out_of_memory ? GB_ENOMEM : GB_OK;
        const json_t *a = json_object_get(root, key);
        gb_status st = GB_OK;
        if (a && json_array_size(a) != x->cols) {
            st = gb_error(errs, GB_EDATA, (gb_loc){0},
                          "%s: '%s' has %zu names, but %s has %zu columns", o->data[f], key,
                          json_array_size(a), x->var, x->cols);
        } else if (a) {
            x->names = calloc(x->cols, sizeof *x->names);
            for (size_t j = 0; x->names && j < x->cols; j++)
                if (!(x->names[j] = strdup(json_string_value(json_array_get(a, j)))))
                    st = GB_ENOMEM;
            if (!x->names)
                st = GB_ENOMEM;
        }
        json_decref(root);
        if (st == GB_ENOMEM)
            gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory reading column names");
        if (a || st != GB_OK)
            return st;
    }
    return GB_OK;
}

gb_status cli_tree_xs_find(const cli_opts *o, const cli_session *s, const gb_model *m,
                           cli_tree_xs *out)
{
    size_t nl = gb_model_latent_count(m);
    out->n = 0;
    out->items = calloc(nl ? nl : 1, sizeof *out->items);
    if (!out->items)
        return gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    const gb_graph *g = gb_model_graph(m);
    for (size_t k = 0; k < nl; k++) {
        gb_model_link l;
        const char *why;
        const gb_node *n = gb_graph_node(g, gb_model_latent_node(m, k));
        if (n->ndefs != 1 || n->defs[0].nindex != 0 || !is_tree_prior(n->defs[0].dist->name))
            continue;
        /* the tree sampler's check accepted this link: only memory can fail it now */
        if (!gb_model_latent_link(m, k, &l, &why))
            return gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "%s", why);
        cli_tree_x *x = &out->items[out->n];
        size_t len, ylen, one;
        x->x = gb_model_link_fixed(m, &l, 1, &len, &x->cols);
        const double *y = gb_model_link_fixed(m, &l, 0, &ylen, &one);
        if (!x->x || !y || x->cols == 0) /* the sampler refuses these at check */
            continue;
        x->node = gb_graph_node(g, gb_model_latent_node(m, k))->name;
        x->rows = len / x->cols;
        x->classes = l.kind == GB_LINK_CATEGORICAL ? l.classes : 0;
        x->var = data_name(s->data, x->x, len);
        out->n++;
        gb_status st = read_names(o, x, s->errs);
        if (st != GB_OK)
            return st;
    }
    return GB_OK;
}

void cli_tree_xs_free(cli_tree_xs *xs)
{
    for (size_t i = 0; xs->items && i < xs->n; i++) {
        for (size_t j = 0; xs->items[i].names && j < xs->items[i].cols; j++)
            free(xs->items[i].names[j]);
        free(xs->items[i].names);
    }
    free(xs->items);
    xs->items = NULL, xs->n = 0;
}

const cli_tree_x *cli_tree_xs_get(const cli_tree_xs *xs, const char *node)
{
    for (size_t i = 0; i < xs->n; i++)
        if (strcmp(xs->items[i].node, node) == 0)
            return &xs->items[i];
    return NULL;
}
