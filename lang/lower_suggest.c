/* lower_suggest.c - "did you mean" for unknown names: the nearest defined name by edit
 * distance, and Stan's spellings that glassbox writes differently (a Stan user's `row(x, i)`
 * should be told `x[i, ]`, not "did you mean 'pow'?", which is what edit distance alone would
 * say).
 *
 * Stan's spellings come from two sources: a table of names (Stan functions and distributions
 * with another glassbox form), and Stan's suffixes (`normal_rng`, `normal_lpdf`, `normal_lcdf`,
 * ...), which glassbox expresses as statements rather than functions.  The table holds only
 * names glassbox does not define, so a hint never hides one of its own functions.
 *
 * Owns: nothing.
 * Offers: sg_suggest, sg_edit_distance, sg_stan_hint.
 */
#include <stdio.h>
#include <string.h>

#include "dist.h"
#include "func.h"
#include "lower_int.h"

size_t sg_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

/* Close enough to be a typo: at most 1 edit for short names, 2 for longer ones. */
static int close_enough(const char *a, const char *b, size_t dist)
{
    size_t n = strlen(a) > strlen(b) ? strlen(a) : strlen(b);
    return dist > 0 && dist <= (n <= 4 ? 1 : 2);
}

void sg_suggest(lowerer *L, scope *sc, const char *name, int want_dist, int want_func)
{
    char stan[256];
    if ((want_dist || want_func) && sg_stan_hint(name, stan, sizeof stan)) {
        gb_error_hint(L->errs, "%s", stan); /* a Stan user's name: the exact form beats a guess */
        return;
    }
    const char *best = NULL;
    size_t bestd = 99;
    for (scope *s = sc; s && !best; s = (s == s->file ? NULL : s->file)) {
        for (size_t i = 0; i < s->syms.len; i++) {
            size_t d = sg_edit_distance(name, s->syms.items[i].name);
            if (d < bestd && close_enough(name, s->syms.items[i].name, d)) {
                bestd = d;
                best = s->syms.items[i].name;
            }
        }
    }
    if (want_dist)
        for (size_t i = 0; i < gb_dist_count(); i++) {
            const gb_dist_ops *d = gb_dist_at(i);
            size_t k = sg_edit_distance(name, d->name);
            if (k < bestd && close_enough(name, d->name, k)) {
                bestd = k;
                best = d->name;
            }
        }
    if (want_func)
        for (size_t i = 0; i < gb_func_count(); i++) {
            const gb_func_ops *f = gb_func_at(i);
            size_t k = sg_edit_distance(name, f->name);
            if (k < bestd && close_enough(name, f->name, k)) {
                bestd = k;
                best = f->name;
            }
        }
    if (best)
        gb_error_hint(L->errs, "did you mean '%s'?", best);
}

typedef struct stan_name {
    const char *stan; /* the call as Stan writes it */
    const char *ours; /* the same in glassbox */
} stan_name;

static const stan_name names[] = {
    {"block(x, i, j, m, n)", "x[i..(i + m - 1), j..(j + n - 1)]"},
    {"sub_row(x, i, j, n)", "x[i, j..(j + n - 1)]"},
    {"sub_col(x, i, j, n)", "x[i..(i + n - 1), j]"},
    {"multiply(a, b)", "a @ b (the matrix product; '*' is elementwise)"},
    {"elt_multiply(a, b)", "a * b"},
    {"elt_divide(a, b)", "a / b"},
    {"add(a, b)", "a + b"},
    {"subtract(a, b)", "a - b"},
    {"minus(a)", "-a"},
    {"fma(a, b, c)", "a * b + c"},
    {"if_else(c, a, b)", "if c then a else b"},
    {"inv_sqrt(x)", "1 / sqrt(x)"},
    {"inv_square(x)", "1 / square(x)"},
    {"lmultiply(a, b)", "a * log(b)"},
    {"choose(n, k)", "exp(lchoose(n, k))"},
    {"mdivide_left_tri_low(L, b)", "mdivide_left(L, b)"},
    {"to_row_vector(x)", "to_vector(x) (glassbox has one vector type)"},
    {"rep_row_vector(x, n)", "rep_vector(x, n) (glassbox has one vector type)"},
    {"dims(x)", "size(x), rows(x) and cols(x)"},
    {"increment_log_prob(lp)", "target += lp"},
    {"std_normal()", "normal(0, 1)"},
    {"lkj_corr(eta)", "L: cholesky_factor_corr[K] ~ lkj_corr_cholesky(eta)"},
};

/* Stan's suffixes for a distribution's functions, and what glassbox writes instead: `before`,
 * the distribution's name, then `after`. */
typedef struct stan_suffix {
    const char *suffix, *before, *after;
} stan_suffix;

static const stan_suffix suffixes[] = {
    {"_rng", "a '~' statement, which draws it: z ~ ", "(...)"},
    {"_lpdf", "a '~' statement: y ~ ", "(...) adds the log density"},
    {"_lpmf", "a '~' statement: y ~ ", "(...) adds the log mass"},
    {"_lupdf", "a '~' statement: y ~ ", "(...) adds the log density"},
    {"_lupmf", "a '~' statement: y ~ ", "(...) adds the log mass"},
    {"_log", "a '~' statement: y ~ ", "(...) adds the log density"},
    {"_cdf", "a truncation, if that is its use: y ~ ", "(...) T[lower, upper]"},
    {"_lcdf", "a truncation, if that is its use: y ~ ", "(...) T[lower, upper]"},
    {"_lccdf", "a truncation, if that is its use: y ~ ", "(...) T[lower, upper]"},
};

int sg_stan_hint(const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strcspn(names[i].stan, "(");
        if (k == n && strncmp(names[i].stan, name, n) == 0) {
            snprintf(buf, len, "glassbox writes Stan's %s as %s", names[i].stan, names[i].ours);
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        const stan_suffix *x = &suffixes[i];
        size_t k = strlen(x->suffix);
        if (n <= k || n - k >= 64 || strcmp(name + n - k, x->suffix) != 0)
            continue;
        char dist[64];
        memcpy(dist, name, n - k);
        dist[n - k] = '\0';
        if (!gb_dist_find(dist))
            continue;
        snprintf(buf, len, "glassbox writes Stan's %s as %s%s%s", name, x->before, dist, x->after);
        return 1;
    }
    return 0;
}
