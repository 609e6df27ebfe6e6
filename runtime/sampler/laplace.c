/* laplace.c - Laplace approximation and its draws (see laplace.h).
 *
 * The Hessian is central differences of the analytic gradient, H[i][j] = (g_i(x + h e_j) -
 * g_i(x - h e_j)) / 2h, with h = eps^(1/3) max(1, |x_j|), the step that balances the O(h^2)
 * truncation error against the O(eps / h) rounding error (Nocedal & Wright 2006, sec. 8.1),
 * then symmetrised (H + H^T) / 2.  Stan's laplace method does the same (finite differences of
 * gradients; Stan Reference Manual, "Laplace approximation").  With -H = L L^T (GSL's
 * Cholesky), a draw is mode + L^-T z for z ~ normal(0, I), whose covariance is (L L^T)^-1.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "laplace.h"
#include "rng.h"
#include "size.h"

const char *const gb_laplace_col_names[GB_LAPLACE_NCOLS] = {"log_p__", "log_g__"};

static double step_for(double x)
{
    return cbrt(DBL_EPSILON) * fmax(1.0, fabs(x));
}

static gb_status hessian_ws(const gb_model *m, gb_model_ws *ws, const double *theta, double *H,
                            double *x, double *gp, double *gm, gb_errlist *errs)
{
    size_t dim = gb_model_dim(m);
    memcpy(x, theta, dim * sizeof *x);
    for (size_t j = 0; j < dim; j++) {
        double h = step_for(theta[j]);
        x[j] = theta[j] + h;
        double a = gb_model_logp(m, ws, x, gp);
        x[j] = theta[j] - h;
        double b = gb_model_logp(m, ws, x, gm);
        x[j] = theta[j];
        if (!(a > -INFINITY) || !(b > -INFINITY))
            return gb_error(errs, GB_ENUMERIC, (gb_loc){0},
                            "the log density is not finite next to the mode (coordinate %zu), so "
                            "its Hessian cannot be taken there",
                            j + 1);
        for (size_t i = 0; i < dim; i++)
            H[i * dim + j] = (gp[i] - gm[i]) / (2 * h);
    }
    for (size_t i = 0; i < dim; i++)
        for (size_t j = 0; j < i; j++) {
            double s = 0.5 * (H[i * dim + j] + H[j * dim + i]);
            H[i * dim + j] = H[j * dim + i] = s;
        }
    return GB_OK;
}

/* dim x dim doubles, checked against the memory budget. */
static double *alloc_square(size_t dim)
{
    size_t n;
    if (gb_size_mul(dim ? dim : 1, dim ? dim : 1, &n) != 0 ||
        gb_size_fits_budget(n, sizeof(double)) != 0)
        return NULL;
    return malloc(n * sizeof(double));
}

gb_status gb_laplace_hessian(const gb_model *m, const double *theta, double *H, gb_errlist *errs)
{
    size_t dim = gb_model_dim(m), n = dim ? dim : 1;
    gb_model_ws *ws = gb_model_ws_new(m);
    double *x = malloc(n * sizeof *x), *gp = malloc(n * sizeof *gp), *gm = malloc(n * sizeof *gm);
    gb_status st = ws && x && gp && gm ? hessian_ws(m, ws, theta, H, x, gp, gm, errs)
                                       : gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    free(x);
    free(gp);
    free(gm);
    gb_model_ws_free(ws);
    return st;
}

/* Draws into rows given the Cholesky factor L of -H (lower triangle of a). */
static gb_status draw_rows(const gb_model *m, gb_model_ws *ws, const double *mode,
                           const gsl_matrix *L, size_t ndraws, gsl_rng *r, double *rows)
{
    size_t dim = gb_model_dim(m), nout = gb_model_output_size(m);
    size_t ncols = GB_LAPLACE_NCOLS + nout;
    gsl_vector *z = gsl_vector_alloc(dim ? dim : 1);
    double *theta = malloc((dim ? dim : 1) * sizeof *theta);
    if (!z || !theta) {
        gsl_vector_free(z);
        free(theta);
        return GB_ENOMEM;
    }
    for (size_t d = 0; d < ndraws; d++) {
        double zz = 0;
        for (size_t k = 0; k < dim; k++) {
            double v = gsl_ran_ugaussian(r);
            zz += v * v;
            gsl_vector_set(z, k, v);
        }
        if (dim > 0) /* z <- L^-T z */
            gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, L, z);
        for (size_t k = 0; k < dim; k++)
            theta[k] = mode[k] + gsl_vector_get(z, k);
        double *row = rows + d * ncols;
        row[GB_LAPLACE_COL_LOG_P] = gb_model_logp(m, ws, theta, NULL);
        row[GB_LAPLACE_COL_LOG_G] = -0.5 * zz;
        gb_model_values(m, ws, theta, row + GB_LAPLACE_NCOLS);
    }
    gsl_vector_free(z);
    free(theta);
    return GB_OK;
}

gb_status gb_laplace_draws(const gb_model *m, const double *mode, size_t ndraws, unsigned long seed,
                           double *rows, gb_errlist *errs)
{
    size_t dim = gb_model_dim(m);
    gsl_matrix *A = gsl_matrix_alloc(dim ? dim : 1, dim ? dim : 1);
    double *H = alloc_square(dim);
    gsl_rng *r = gb_rng_new(seed, 0);
    gb_model_ws *ws = gb_model_ws_new(m);
    gb_status st =
        A && H && r && ws ? GB_OK : gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK)
        st = gb_laplace_hessian(m, mode, H, errs);
    if (st == GB_OK && dim > 0) {
        for (size_t i = 0; i < dim; i++)
            for (size_t j = 0; j < dim; j++)
                gsl_matrix_set(A, i, j, -H[i * dim + j]);
        if (gsl_linalg_cholesky_decomp1(A) != GSL_SUCCESS)
            st = gb_error(errs, GB_ENUMERIC, (gb_loc){0},
                          "the negative Hessian at the mode is not positive definite (a saddle "
                          "point or a flat direction), so there is no Laplace approximation");
    }
    if (st == GB_OK && draw_rows(m, ws, mode, A, ndraws, r, rows) != GB_OK)
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    gsl_matrix_free(A);
    free(H);
    gb_rng_free(r);
    gb_model_ws_free(ws);
    return st;
}
