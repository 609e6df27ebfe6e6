/* stan_names.c - Stan's spellings that glassbox writes differently, for the hint after an
 * unknown function or distribution: a Stan user's `row(x, i)` should be told `x[i, ]`, not
 * "did you mean 'pow'?", which is what edit distance alone would say.
 *
 * Two sources: a table of names (Stan functions and distributions with another glassbox form),
 * and Stan's suffixes (`normal_rng`, `normal_lpdf`, `normal_lcdf`, ...), which glassbox expresses
 * as statements rather than functions.  The table holds only names glassbox does not define,
 * so a hint never hides one of its own functions. */
#include <stdio.h>
#include <string.h>

#include "dist.h"
#include "lower_int.h"

typedef struct stan_name {
    const char *stan; /* the call as Stan writes it */
    const char *ours; /* the same in glassbox */
} stan_name;

static const stan_name names[] = {
    {"row(x, i)", "x[i, ]"},
    {"col(x, j)", "x[, j]"},
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
    {"quad_form(A, B)", "transpose(B) @ A @ B"},
    {"quad_form_diag(A, v)", "diag_matrix(v) @ A @ diag_matrix(v)"},
    {"diag_pre_multiply(v, A)", "diag_matrix(v) @ A"},
    {"diag_post_multiply(A, v)", "A @ diag_matrix(v)"},
    {"mdivide_left_tri_low(L, b)", "mdivide_left(L, b)"},
    {"to_row_vector(x)", "to_vector(x) (glassbox has one vector type)"},
    {"rep_row_vector(x, n)", "rep_vector(x, n) (glassbox has one vector type)"},
    {"dims(x)", "size(x), rows(x) and cols(x)"},
    {"increment_log_prob(lp)", "a '~' statement: y ~ normal(mu, sigma)"},
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

int stan_hint(const char *name, char *buf, size_t len)
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
