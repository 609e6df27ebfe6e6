/* func_gp.c - Gaussian-process covariance functions (func.h, GB_FUNC_GENERAL):
 * gp_exp_quad_cov, gp_matern32_cov, gp_matern52_cov, gp_periodic_cov.
 *
 * Definitions and argument orders follow the Stan Functions Reference, "Gaussian Process
 * Covariance Functions".  Points are the elements of a vector (one-dimensional inputs) or the
 * rows of an [N, D] matrix (Stan's array of vectors).  With one set of points the result is the
 * N x N covariance K[i, j] = k(x_i, x_j); with two, gp_*(x1, x2, ...) is the N1 x N2
 * cross-covariance k(x1_i, x2_j).  With r the distance scaled by the length scale l (a scalar, or
 * for matrix inputs of the first three kernels a D-vector, one scale per dimension):
 *   exp_quad:  sigma^2 exp(-r^2 / 2)
 *   matern32:  sigma^2 (1 + sqrt(3) r) exp(-sqrt(3) r)
 *   matern52:  sigma^2 (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)
 *   periodic:  sigma^2 exp(-2 sin^2(pi d / p) / l^2), d the unscaled distance, p the period.
 * sigma, l and p must be positive (Stan rejects the others; eval fails the same way).
 *
 * Gradients: the first three depend on the points only through s = r^2, and dk/ds has a closed
 * form without a singularity at s = 0 (matern32: -sigma^2 (3/2) e^-a, a = sqrt(3 s);
 * matern52: -sigma^2 (5/6)(1 + a) e^-a, a = sqrt(5 s)), so the chain rule runs through s.  The
 * periodic kernel's derivative in d is sin(2u) / d times a constant, u = pi d / p; at d = 0 the
 * kernel is flat in the points and their gradient is zero. */
#include "funcs.h"
#include "func_def.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include <gsl/gsl_math.h>

typedef enum kernel { EXP_QUAD, MATERN32, MATERN52, PERIODIC } kernel;

static int fail(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return -1;
}

/* Scalar hyperparameters after the points: sigma, l (and p for the periodic kernel). */
static int n_hyper(kernel kn)
{
    return kn == PERIODIC ? 3 : 2;
}

/* The points' dimension D: 1 for a vector, columns for a matrix. */
static size_t point_dim(const gb_shape *s)
{
    return s->rank == 2 ? s->dim[1] : 1;
}

static int gp_shape(kernel kn, int nargs, const gb_shape *in, gb_shape *out, char *why,
                    size_t whylen)
{
    int npts = nargs - n_hyper(kn);
    for (int i = 0; i < npts; i++)
        if (in[i].rank < 1 || in[i].rank > 2)
            return fail(why, whylen, "expects the points as a vector or as the rows of a matrix");
    if (npts == 2 && (in[0].rank != in[1].rank || !gb_dim_eq(point_dim(&in[0]), point_dim(&in[1]))))
        return fail(why, whylen, "the two sets of points must have the same dimension");
    for (int i = npts; i < nargs; i++) {
        int ard = i == npts + 1 && kn != PERIODIC && in[0].rank == 2 && in[i].rank == 1;
        if (ard && !gb_dim_eq(in[i].dim[0], in[0].dim[1]))
            return fail(why, whylen, "a vector of length scales needs one per input dimension");
        if (in[i].rank != 0 && !ard)
            return fail(why, whylen, "the magnitude, length scale and period must be scalars");
    }
    out->rank = 2;
    out->dim[0] = in[0].dim[0];
    out->dim[1] = in[npts - 1].dim[0];
    return 0;
}

#define GP_SHAPE_FN(fn, kn)                                                                        \
    static int fn(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,        \
                  gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)                     \
    {                                                                                              \
        (void)types, (void)cval;                                                                   \
        *out_type = GB_REAL;                                                                       \
        return gp_shape(kn, nargs, in, out, why, whylen);                                          \
    }

/* The arguments read once: points x (n1 x d) and y (n2 x d), which are the same tensor for a
 * covariance; sigma; the length scales l (nl of them: 1 or d); the period p. */
typedef struct gp_args {
    kernel kn;
    const double *x, *y, *l;
    size_t n1, n2, d, nl;
    double sigma, p;
    int cross;
} gp_args;

static int gp_read(kernel kn, int nargs, const gb_tensor *in, gp_args *g)
{
    int npts = nargs - n_hyper(kn);
    const gb_tensor *ls = &in[npts + 1];
    g->kn = kn;
    g->cross = npts == 2;
    g->x = in[0].val;
    g->y = in[npts - 1].val;
    g->n1 = in[0].shape.dim[0];
    g->n2 = in[npts - 1].shape.dim[0];
    g->d = point_dim(&in[0].shape);
    g->sigma = in[npts].val[0];
    g->l = ls->val;
    g->nl = ls->len;
    g->p = kn == PERIODIC ? in[npts + 2].val[0] : 1;
    if (!(g->sigma > 0) || !(g->p > 0) || isinf(g->sigma) || isinf(g->p))
        return -1;
    for (size_t k = 0; k < g->nl; k++)
        if (!(g->l[k] > 0) || isinf(g->l[k]))
            return -1;
    return 0;
}

static double scale(const gp_args *g, size_t k)
{
    return g->nl == 1 ? g->l[0] : g->l[k];
}

/* s = r^2 for the first three kernels (distance over the length scales), d^2 for periodic. */
static double sq_dist(const gp_args *g, size_t i, size_t j)
{
    double s = 0;
    for (size_t k = 0; k < g->d; k++) {
        double t = g->x[i * g->d + k] - g->y[j * g->d + k];
        if (g->kn != PERIODIC)
            t /= scale(g, k);
        s += t * t;
    }
    return s;
}

/* The kernel at squared distance s, and in *dk its derivative in s (for periodic: the derivative
 * in d divided by d, zero at d = 0, so both cases scale the coordinate differences the same). */
static double kernel_at(const gp_args *g, double s, double *dk)
{
    double s2 = g->sigma * g->sigma, a, e;
    switch (g->kn) {
    case EXP_QUAD:
        e = s2 * exp(-s / 2);
        *dk = -e / 2;
        return e;
    case MATERN32:
        a = sqrt(3 * s);
        e = s2 * exp(-a);
        *dk = -1.5 * e;
        return e * (1 + a);
    case MATERN52:
        a = sqrt(5 * s);
        e = s2 * exp(-a);
        *dk = -e * (1 + a) * 5.0 / 6;
        return e * (1 + a + a * a / 3);
    case PERIODIC:
    default: {
        double d = sqrt(s), u = M_PI * d / g->p, sn = sin(u), l = g->l[0];
        e = s2 * exp(-2 * sn * sn / (l * l));
        /* dk/dd = -e * 2 sin(2u) / l^2 * pi / p; divided by d (and by 2, as for s = d^2) */
        *dk = d > 0 ? -e * sin(2 * u) * M_PI / (g->p * l * l * d) : 0;
        return e;
    }
    }
}

static int gp_eval(kernel kn, int nargs, const gb_tensor *in, gb_tensor *out)
{
    gp_args g;
    if (gp_read(kn, nargs, in, &g) != 0)
        return -1;
    double dk;
    for (size_t i = 0; i < g.n1; i++)
        for (size_t j = 0; j < g.n2; j++)
            out->val[i * g.n2 + j] = kernel_at(&g, sq_dist(&g, i, j), &dk);
    return 0;
}

/* Adjoint of one entry K[i, j] = k with weight w: dk is dk/ds, as kernel_at gives it. */
static void entry_vjp(const gp_args *g, size_t i, size_t j, double w, double k, double dk, double s,
                      double *xadj, double *yadj, double *sadj, double *ladj, double *padj)
{
    if (sadj)
        *sadj += w * 2 * k / g->sigma;
    for (size_t q = 0; q < g->d; q++) {
        double diff = g->x[i * g->d + q] - g->y[j * g->d + q];
        double sc = g->kn == PERIODIC ? 1 : scale(g, q);
        double ds = 2 * diff / (sc * sc); /* ds / dx_iq */
        if (xadj)
            xadj[i * g->d + q] += w * dk * ds;
        if (yadj)
            yadj[j * g->d + q] -= w * dk * ds;
        if (ladj && g->kn != PERIODIC)
            ladj[g->nl == 1 ? 0 : q] += w * dk * (-diff * ds / sc);
    }
    if (g->kn == PERIODIC) {
        double d = sqrt(s), u = M_PI * d / g->p, sn = sin(u), l = g->l[0];
        if (ladj)
            *ladj += w * k * 4 * sn * sn / (l * l * l);
        if (padj) /* dk/du = -k 2 sin(2u) / l^2, du/dp = -u / p */
            *padj += w * k * 2 * sin(2 * u) / (l * l) * u / g->p;
    }
}

static void gp_vjp(kernel kn, int nargs, const gb_tensor *in, const gb_tensor *out,
                   const double *out_adj, double *const *in_adj)
{
    gp_args g;
    if (gp_read(kn, nargs, in, &g) != 0)
        return;
    int npts = nargs - n_hyper(kn);
    double *xadj = in_adj[0], *yadj = in_adj[npts - 1];
    double *sadj = in_adj[npts], *ladj = in_adj[npts + 1];
    double *padj = kn == PERIODIC ? in_adj[npts + 2] : NULL;
    double dk;
    for (size_t i = 0; i < g.n1; i++)
        for (size_t j = 0; j < g.n2; j++) {
            size_t e = i * g.n2 + j;
            double s = sq_dist(&g, i, j);
            (void)kernel_at(&g, s, &dk);
            entry_vjp(&g, i, j, out_adj[e], out->val[e], dk, s, xadj, yadj, sadj, ladj, padj);
        }
}

#define GP_FNS(sh, ev, vj, kn)                                                                     \
    GP_SHAPE_FN(sh, kn)                                                                            \
    static int ev(int nargs, const gb_tensor *in, gb_tensor *out)                                  \
    {                                                                                              \
        return gp_eval(kn, nargs, in, out);                                                        \
    }                                                                                              \
    static void vj(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,    \
                   double *const *in_adj)                                                          \
    {                                                                                              \
        gp_vjp(kn, nargs, in, out, out_adj, in_adj);                                               \
    }

GP_FNS(sh_eq, ev_eq, vj_eq, EXP_QUAD)
GP_FNS(sh_m32, ev_m32, vj_m32, MATERN32)
GP_FNS(sh_m52, ev_m52, vj_m52, MATERN52)
GP_FNS(sh_per, ev_per, vj_per, PERIODIC)

#define GEN(id, nm, lo, sh, ev, vj, text)                                                          \
    static const gb_func_ops id = GB_GENERAL_FUNC(nm, lo, lo + 1, sh, ev, vj, text)

GEN(fn_eq, "gp_exp_quad_cov", 3, sh_eq, ev_eq, vj_eq,
    "gp_exp_quad_cov(x, sigma, l): K[i, j] = sigma^2 exp(-|x_i - x_j|^2 / (2 l^2)); "
    "gp_exp_quad_cov(x1, x2, sigma, l) the cross-covariance");
GEN(fn_m32, "gp_matern32_cov", 3, sh_m32, ev_m32, vj_m32,
    "gp_matern32_cov(x, sigma, l): sigma^2 (1 + sqrt(3) d / l) exp(-sqrt(3) d / l), "
    "d = |x_i - x_j|; (x1, x2, sigma, l) the cross-covariance");
GEN(fn_m52, "gp_matern52_cov", 3, sh_m52, ev_m52, vj_m52,
    "gp_matern52_cov(x, sigma, l): sigma^2 (1 + sqrt(5) d / l + 5 d^2 / (3 l^2)) "
    "exp(-sqrt(5) d / l); (x1, x2, sigma, l) the cross-covariance");
GEN(fn_per, "gp_periodic_cov", 4, sh_per, ev_per, vj_per,
    "gp_periodic_cov(x, sigma, l, p): sigma^2 exp(-2 sin^2(pi |x_i - x_j| / p) / l^2); "
    "(x1, x2, sigma, l, p) the cross-covariance");

const gb_func_ops *const gb_funcs_gp[] = {&fn_eq, &fn_m32, &fn_m52, &fn_per, NULL};
