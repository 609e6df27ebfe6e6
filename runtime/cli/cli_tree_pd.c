/* cli_tree_pd.c - partial dependence (Friedman 2001, section 8.2; as the BART R package's
 * pdbart): for each grid value v of one input, the average over the training rows of the tree's
 * prediction with that input set to v, computed for every used draw, then summarised over draws
 * by its posterior mean and 90% interval.  The grid is the observed column's quantiles (R's type
 * 7) at 0, 1/(G-1), ..., 1, equal values merged.  Each draw's forest is read back with the tree
 * library (gb_forest_read_json) into a forest made on the training X and evaluated with
 * gb_forest_predict; at most CLI_TREE_PD_DRAWS draws, evenly spaced, are used, since the work is
 * draws x grid x rows x trees.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_tree_pd.h"
#include "tree.h"

#define CLI_TREE_PD_DRAWS 500

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The grid: quantiles of column col of x; returns how many distinct values (<= g). */
static size_t make_grid(const cli_tree_x *x, size_t col, size_t g, double *grid, double *tmp)
{
    size_t n = x->rows, k = 0;
    for (size_t i = 0; i < n; i++)
        tmp[i] = x->x[i * x->cols + col];
    qsort(tmp, n, sizeof *tmp, cmp_double);
    for (size_t j = 0; j < g; j++) {
        double h = g > 1 ? (double)(n - 1) * (double)j / (double)(g - 1) : 0;
        size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
        double v = tmp[lo] + (h - (double)lo) * (tmp[hi] - tmp[lo]);
        if (k == 0 || v > grid[k - 1])
            grid[k++] = v;
    }
    return k;
}

typedef struct pd {
    gb_tree_data *data;
    gb_forest *f;
    gb_errlist *errs;
    double *xm, *pred, *vals, *grid, *tmp; /* vals: draw s, grid j, output k at (s*G + j)*K + k */
} pd;

static void pd_free(pd *p)
{
    gb_forest_free(p->f);
    gb_tree_data_free(p->data);
    gb_errlist_free(p->errs);
    free(p->xm);
    free(p->pred);
    free(p->vals);
    free(p->grid);
    free(p->tmp);
}

/* The forest of draw i into p->f, made on its first use. */
static gb_status load_draw(pd *p, const cli_tree_draws *nd, const cli_tree_x *x, size_t i)
{
    const json_t *trees = json_object_get(nd->forest[i], "trees");
    if (!p->f) {
        gb_tree_config c;
        gb_tree_config_default(&c, x->classes ? GB_TREE_LEAF_CLASS : GB_TREE_LEAF_NORMAL,
                               json_array_size(trees));
        c.classes = x->classes ? x->classes : 2;
        c.max_leaves = x->rows < GB_TREE_DEFAULT_MAX_LEAVES ? x->rows : GB_TREE_DEFAULT_MAX_LEAVES;
        gb_status st = gb_tree_data_new(x->x, x->rows, x->cols, 1, &p->data, p->errs);
        if (st == GB_OK)
            st = gb_forest_new(p->data, &c, &p->f, p->errs);
        if (st != GB_OK)
            return st;
    }
    char *line = json_dumps(nd->forest[i], JSON_COMPACT);
    if (!line)
        return gb_error(p->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    gb_status st = gb_forest_read_json(p->f, line, p->errs);
    free(line);
    return st;
}

/* Fills p->vals for the used draws; ns of them, ng grid values, k outputs. */
static gb_status compute(pd *p, const cli_tree_draws *nd, const cli_tree_x *x, size_t col,
                         size_t ns, size_t ng, size_t k)
{
    size_t n = nd->nchains * nd->ndraws, rows = x->rows;
    memcpy(p->xm, x->x, rows * x->cols * sizeof *p->xm);
    for (size_t s = 0; s < ns; s++) {
        size_t i = ns == n ? s : (size_t)((double)s * (double)(n - 1) / (double)(ns - 1) + 0.5);
        gb_status st = load_draw(p, nd, x, i);
        for (size_t j = 0; j < ng && st == GB_OK; j++) {
            for (size_t r = 0; r < rows; r++)
                p->xm[r * x->cols + col] = p->grid[j];
            st = gb_forest_predict(p->f, p->xm, rows, x->cols, p->pred, p->errs);
            for (size_t c = 0; c < k && st == GB_OK; c++) {
                double sum = 0;
                for (size_t r = 0; r < rows; r++)
                    sum += p->pred[r * k + c];
                p->vals[(s * ng + j) * k + c] = sum / (double)rows;
            }
        }
        if (st != GB_OK)
            return st;
    }
    return GB_OK;
}

static int print_table(FILE *out, const pd *p, const cli_tree_draws *nd, const cli_tree_x *x,
                       size_t col, size_t ns, size_t ng, size_t k)
{
    char xb[32];
    const char *name = cli_tree_input(nd, col, xb, sizeof xb);
    size_t n = nd->nchains * nd->ndraws;
    int bad = fprintf(out,
                      "partial dependence of %s on %s: the average over the %zu training rows "
                      "of %s with %s set to each value;\nposterior mean [5%%, 95%%] over %zu "
                      "draws%s\n%-12s",
                      nd->node, name, x->rows, k > 1 ? "the class probabilities" : nd->node, name,
                      ns, ns < n ? " (evenly spaced)" : "", name) < 0;
    for (size_t c = 0; c < k && !bad; c++) {
        char head[48];
        snprintf(head, sizeof head, k > 1 ? "p%zu mean [5%%, 95%%]" : "mean [5%%, 95%%]", c + 1);
        bad = fprintf(out, c + 1 < k ? "  %-24s" : "  %s", head) < 0;
    }
    bad = bad || fputc('\n', out) == EOF;
    for (size_t j = 0; j < ng && !bad; j++) {
        bad = fprintf(out, "%-12.6g", p->grid[j]) < 0;
        for (size_t c = 0; c < k && !bad; c++) {
            for (size_t s = 0; s < ns; s++)
                p->tmp[s] = p->vals[(s * ng + j) * k + c];
            double mean, q5, q95;
            cli_tree_describe(p->tmp, ns, &mean, &q5, &q95);
            char cell[80];
            snprintf(cell, sizeof cell, "%.4g [%.4g, %.4g]", mean, q5, q95);
            bad = fprintf(out, c + 1 < k ? "  %-24s" : "  %s", cell) < 0;
        }
        bad = bad || fputc('\n', out) == EOF;
    }
    return bad ? -1 : 0;
}

gb_status cli_tree_pd(FILE *out, const cli_tree_draws *nd, const cli_tree_x *x, size_t col,
                      size_t grid, gb_errlist *errs)
{
    size_t n = nd->nchains * nd->ndraws, k = x->classes ? x->classes : 1;
    size_t ns = n < CLI_TREE_PD_DRAWS ? n : CLI_TREE_PD_DRAWS;
    size_t tmpn = x->rows > ns ? x->rows : ns;
    pd p = {.errs = gb_errlist_new()};
    p.xm = malloc(x->rows * x->cols * sizeof *p.xm);
    p.pred = malloc(x->rows * k * sizeof *p.pred);
    p.vals = malloc(ns * grid * k * sizeof *p.vals);
    p.grid = malloc(grid * sizeof *p.grid);
    p.tmp = malloc(tmpn * sizeof *p.tmp);
    gb_status st = GB_ENOMEM;
    if (p.errs && p.xm && p.pred && p.vals && p.grid && p.tmp && ns > 0) {
        size_t ng = make_grid(x, col, grid, p.grid, p.tmp);
        st = compute(&p, nd, x, col, ns, ng, k);
        if (st == GB_OK && print_table(out, &p, nd, x, col, ns, ng, k) != 0)
            st = GB_EIO;
    }
    for (size_t i = 0; p.errs && i < gb_errlist_count(p.errs); i++) {
        const gb_err *e = gb_errlist_get(p.errs, i);
        gb_error(errs, e->code, (gb_loc){0}, "partial dependence of %s: %s", nd->node, e->msg);
    }
    if (st == GB_ENOMEM && (!p.errs || gb_errlist_count(p.errs) == 0))
        gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    pd_free(&p);
    return st;
}
