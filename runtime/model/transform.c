/* transform.c - unconstraining transforms and their log-Jacobians (see transform.h).
 *
 * Formulas follow the Stan Reference Manual's "Constraint transforms" chapter.  Reverse mode is
 * written out by hand for each kind; the Cholesky-factor transform, whose reverse pass is
 * intricate, uses forward-mode derivatives one coordinate at a time (O(K^4), fine for the
 * small K such factors have in practice).
 */
#include "transform.h"

#include <math.h>
#include <string.h>

static double inv_logit(double y)
{
    return y >= 0 ? 1 / (1 + exp(-y)) : exp(y) / (1 + exp(y));
}

/* log(inv_logit(y)) + log(1 - inv_logit(y)) = -|y| - 2 log1p(exp(-|y|)) */
static double log_logistic_jac(double y)
{
    double a = fabs(y);
    return -a - 2 * log1p(exp(-a));
}

size_t gb_tf_free_len(gb_tf_kind kind, size_t n, size_t K)
{
    switch (kind) {
    case GB_TF_SIMPLEX:
        return n ? n - 1 : 0;
    case GB_TF_CHOLESKY_CORR:
        return K * (K - 1) / 2;
    default:
        return n;
    }
}

/* ---- one scalar with bounds ---- */

static double bounded_fwd(double y, double lo, double hi, double *x)
{
    int fl = isfinite(lo), fh = isfinite(hi);
    if (fl && fh) {
        if (!(hi > lo))
            return *x = NAN, -INFINITY;
        double u = inv_logit(y);
        *x = lo + (hi - lo) * u;
        if (*x >= hi) /* rounding at the upper end */
            *x = nextafter(hi, lo);
        if (*x <= lo)
            *x = nextafter(lo, hi);
        return log(hi - lo) + log_logistic_jac(y);
    }
    if (fl)
        return *x = lo + exp(y), y;
    if (fh)
        return *x = hi - exp(y), y;
    *x = y;
    return 0;
}

/* Adds the derivatives of xa * x + ja * logJ for one scalar. */
static void bounded_bwd(double y, double lo, double hi, double xa, double ja, double *ya,
                        double *loa, double *hia)
{
    int fl = isfinite(lo), fh = isfinite(hi);
    if (fl && fh) {
        double u = inv_logit(y), w = hi - lo;
        *ya += xa * w * u * (1 - u) + ja * (1 - 2 * u);
        if (loa)
            *loa += xa * (1 - u) - ja / w;
        if (hia)
            *hia += xa * u + ja / w;
    } else if (fl) {
        *ya += xa * exp(y) + ja;
        if (loa)
            *loa += xa;
    } else if (fh) {
        *ya += -xa * exp(y) + ja;
        if (hia)
            *hia += xa;
    } else {
        *ya += xa;
    }
}

static void kind_bounds(gb_tf_kind kind, double *lo, double *hi)
{
    if (kind == GB_TF_LOWER)
        *hi = INFINITY;
    else if (kind == GB_TF_UPPER)
        *lo = -INFINITY;
    else if (kind == GB_TF_NONE)
        *lo = -INFINITY, *hi = INFINITY;
}

/* ---- simplex: stick-breaking with the offset that maps y = 0 to the uniform simplex ---- */

static double simplex_fwd(size_t n, const double *y, double *x)
{
    if (n == 0)
        return 0;
    double stick = 1, lj = 0;
    for (size_t k = 0; k + 1 < n; k++) {
        double a = y[k] - log((double)(n - k - 1));
        double z = inv_logit(a);
        lj += log(stick) + log_logistic_jac(a);
        x[k] = stick * z;
        stick -= x[k];
        if (stick < 0)
            stick = 0;
    }
    x[n - 1] = stick;
    return lj;
}

static void simplex_bwd(size_t n, const double *y, const double *x, const double *xa, double ja,
                        double *ya)
{
    if (n == 0)
        return;
    double s_next = x[n - 1], s_adj = xa[n - 1];
    for (size_t k = n - 1; k-- > 0;) {
        double a = y[k] - log((double)(n - k - 1));
        double z = inv_logit(a);
        double s = s_next + x[k]; /* the stick before piece k was cut */
        double z_adj = (xa[k] - s_adj) * s;
        ya[k] += z_adj * z * (1 - z) + ja * (1 - 2 * z);
        s_adj = s_adj * (1 - z) + xa[k] * z + ja / s;
        s_next = s;
    }
}

/* ---- ordered and positive ordered ---- */

static double ordered_fwd(size_t n, const double *y, double *x, int positive)
{
    double lj = 0;
    for (size_t k = 0; k < n; k++) {
        if (k == 0) {
            x[0] = positive ? exp(y[0]) : y[0];
            lj += positive ? y[0] : 0;
        } else {
            x[k] = x[k - 1] + exp(y[k]);
            lj += y[k];
        }
    }
    return lj;
}

static void ordered_bwd(size_t n, const double *y, const double *xa, double ja, double *ya,
                        int positive)
{
    double acc = 0;
    for (size_t k = n; k-- > 0;) {
        acc += xa[k];
        if (k > 0 || positive)
            ya[k] += acc * exp(y[k]) + ja;
        else
            ya[k] += acc;
    }
}

/* ---- Cholesky factor of a correlation matrix ---- */

/* Forward pass writing x (when x is non-NULL) and returning log J.  When dir is a coordinate
 * index, also the directional derivatives along it: *g = sum_ij xa_ij dx_ij / dy_dir and
 * *dlj = d log J / dy_dir.  Each row needs only its running sum of squares, so no scratch. */
static double chol_corr_pass(size_t K, const double *y, size_t dir, double *x, const double *xa,
                             double *g, double *dlj)
{
    double lj = 0, dl = 0, gg = 0;
    size_t k = 0;
    if (x) {
        memset(x, 0, K * K * sizeof *x);
        if (K > 0)
            x[0] = 1;
    }
    for (size_t i = 1; i < K; i++) {
        double ss = 0, dss = 0;
        for (size_t j = 0; j < i; j++, k++) {
            double z = tanh(y[k]), dz = k == dir ? 1 - z * z : 0;
            lj += log1p(-z * z);
            dl += k == dir ? -2 * z : 0; /* d log(1 - tanh^2 y) / dy = -2 tanh y */
            double r = 1, dr = 0;
            if (j > 0) {
                lj += 0.5 * log1p(-ss);
                dl += -0.5 * dss / (1 - ss);
                r = sqrt(1 - ss);
                dr = -0.5 * dss / r;
            }
            double xij = z * r, dxij = dz * r + z * dr;
            if (x)
                x[i * K + j] = xij;
            if (xa)
                gg += xa[i * K + j] * dxij;
            ss += xij * xij;
            dss += 2 * xij * dxij;
        }
        double d = sqrt(fmax(1 - ss, 0));
        if (x)
            x[i * K + i] = d;
        if (xa && d > 0)
            gg += xa[i * K + i] * (-0.5 * dss / d);
    }
    if (g)
        *g = gg;
    if (dlj)
        *dlj = dl;
    return lj;
}

static void chol_corr_bwd(size_t K, const double *y, const double *xa, double ja, double *ya)
{
    size_t m = K * (K - 1) / 2;
    for (size_t p = 0; p < m; p++) {
        double g = 0, dlj = 0;
        chol_corr_pass(K, y, p, NULL, xa, &g, &dlj);
        ya[p] += g + ja * dlj;
    }
}

/* ---- dispatch ---- */

double gb_tf_constrain(gb_tf_kind kind, size_t n, size_t K, const double *y, const double *lo,
                       size_t ls, const double *hi, size_t us, double *x)
{
    switch (kind) {
    case GB_TF_SIMPLEX:
        return simplex_fwd(n, y, x);
    case GB_TF_ORDERED:
    case GB_TF_POSITIVE_ORDERED:
        return ordered_fwd(n, y, x, kind == GB_TF_POSITIVE_ORDERED);
    case GB_TF_CHOLESKY_CORR:
        return chol_corr_pass(K, y, (size_t)-1, x, NULL, NULL, NULL);
    default:
        break;
    }
    double lj = 0;
    for (size_t i = 0; i < n; i++) {
        double a = lo ? lo[i * ls] : -INFINITY, b = hi ? hi[i * us] : INFINITY;
        kind_bounds(kind, &a, &b);
        lj += bounded_fwd(y[i], a, b, &x[i]);
    }
    return lj;
}

void gb_tf_constrain_vjp(gb_tf_kind kind, size_t n, size_t K, const double *y, const double *lo,
                         size_t ls, const double *hi, size_t us, const double *x,
                         const double *x_adj, double jac_adj, double *y_adj, double *lo_adj,
                         double *hi_adj)
{
    switch (kind) {
    case GB_TF_SIMPLEX:
        simplex_bwd(n, y, x, x_adj, jac_adj, y_adj);
        return;
    case GB_TF_ORDERED:
    case GB_TF_POSITIVE_ORDERED:
        ordered_bwd(n, y, x_adj, jac_adj, y_adj, kind == GB_TF_POSITIVE_ORDERED);
        return;
    case GB_TF_CHOLESKY_CORR:
        chol_corr_bwd(K, y, x_adj, jac_adj, y_adj);
        return;
    default:
        break;
    }
    for (size_t i = 0; i < n; i++) {
        double a = lo ? lo[i * ls] : -INFINITY, b = hi ? hi[i * us] : INFINITY;
        kind_bounds(kind, &a, &b);
        bounded_bwd(y[i], a, b, x_adj[i], jac_adj, &y_adj[i], lo_adj ? &lo_adj[i * ls] : NULL,
                    hi_adj ? &hi_adj[i * us] : NULL);
    }
}

int gb_tf_unconstrain(gb_tf_kind kind, size_t n, size_t K, const double *x, const double *lo,
                      size_t ls, const double *hi, size_t us, double *y)
{
    switch (kind) {
    case GB_TF_SIMPLEX: {
        double stick = 1;
        for (size_t k = 0; k + 1 < n; k++) {
            if (!(x[k] > 0) || !(stick > x[k]))
                return -1;
            double z = x[k] / stick;
            y[k] = log(z / (1 - z)) + log((double)(n - k - 1));
            stick -= x[k];
        }
        return 0;
    }
    case GB_TF_ORDERED:
    case GB_TF_POSITIVE_ORDERED:
        for (size_t k = 0; k < n; k++) {
            double d = k ? x[k] - x[k - 1] : x[0];
            if (k == 0 && kind == GB_TF_ORDERED) {
                y[0] = x[0];
                continue;
            }
            if (!(d > 0))
                return -1;
            y[k] = log(d);
        }
        return 0;
    case GB_TF_CHOLESKY_CORR: {
        size_t k = 0;
        for (size_t i = 1; i < K; i++) {
            double ss = 0;
            for (size_t j = 0; j < i; j++, k++) {
                double r = sqrt(1 - ss), z = r > 0 ? x[i * K + j] / r : 0;
                if (!(fabs(z) < 1))
                    return -1;
                y[k] = atanh(z);
                ss += x[i * K + j] * x[i * K + j];
            }
        }
        return 0;
    }
    default:
        break;
    }
    for (size_t i = 0; i < n; i++) {
        double a = lo ? lo[i * ls] : -INFINITY, b = hi ? hi[i * us] : INFINITY;
        kind_bounds(kind, &a, &b);
        if (!(x[i] >= a && x[i] <= b))
            return -1;
        if (isfinite(a) && isfinite(b)) {
            if (!(x[i] > a && x[i] < b))
                return -1;
            double u = (x[i] - a) / (b - a);
            y[i] = log(u / (1 - u));
        } else if (isfinite(a)) {
            if (!(x[i] > a))
                return -1;
            y[i] = log(x[i] - a);
        } else if (isfinite(b)) {
            if (!(x[i] < b))
                return -1;
            y[i] = log(b - x[i]);
        } else {
            y[i] = x[i];
        }
    }
    return 0;
}
