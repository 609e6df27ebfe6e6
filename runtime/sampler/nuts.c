/* nuts.c - the multinomial No-U-Turn sampler with a diagonal or dense Euclidean metric, and its
 * coupling to the warmup adaptation (adapt.c: Stan's windows or nutpie's Fisher metric).
 *
 * The tree builder is Stan's base_nuts.hpp (Stan >= 2.26), i.e. Betancourt (2017), "A
 * Conceptual Introduction to Hamiltonian Monte Carlo", arXiv:1701.02434, appendix A.3
 * (multinomial sampling: biased progressive sampling between the old trajectory and a new
 * subtree, uniform progressive sampling inside subtrees) and A.4 (the generalised No-U-Turn
 * criterion on rho = sum of momenta and p_sharp = M^{-1} p), plus Stan's additional checks
 * across merged subtrees (stan-dev/stan#2800).  Doubling follows Hoffman & Gelman (2014), JMLR
 * 15, sec. 3.1 and Algorithm 3.  The step-size heuristic is Stan's base_hmc::init_stepsize
 * (Hoffman & Gelman Algorithm 4 with Stan's threshold).
 *
 * build_tree recurses at most max_depth - 1 levels (max_depth <= GB_NUTS_DEPTH_LIMIT); the
 * temporaries Stan keeps on each level's stack frame live in `levels[depth]`, allocated with
 * everything else in gb_nuts_new, so a transition allocates nothing.
 */
#include "nuts.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "size.h"

/* Limits of the step-size heuristic (base_hmc::init_stepsize): above this the posterior looks
 * improper; a step that underflows to 0 means no step is acceptable. */
#define INIT_STEPSIZE_MAX 1e7

/* A point in phase space: position, momentum, gradient of log p, log p. */
typedef struct point {
    double *q, *p, *g;
    double logp;
} point;

/* Temporaries of one build_tree level (Stan's locals p_init_end, rho_init, z_propose_final...). */
typedef struct level {
    double *p_init_end, *ps_init_end, *rho_init, *p_final_beg, *ps_final_beg, *rho_final;
    point z_final;
} level;

struct gb_nuts {
    size_t dim;
    gb_metric_kind metric;
    int max_depth;
    double max_energy_error, eps;
    double *minv;      /* dim (diag) or dim*dim row-major (dense), symmetric */
    double *chol;      /* dense: lower Cholesky factor L of minv, row-major; else NULL */
    double *chol_work; /* dense: scratch for a candidate factorisation */
    double *adapt_out; /* receives the adapter's new inverse metric */
    double *velocity;  /* M^{-1} p inside a leapfrog step */
    point z, z_fwd, z_bck, z_sample, z_propose;
    double *p_ff, *ps_ff, *p_fb, *ps_fb, *p_bf, *ps_bf, *p_bb, *ps_bb, *rho, *rho_fwd, *rho_bck;
    level *levels; /* [0, max_depth); index = build_tree depth, 0 unused */
    int cache_valid;
    double *cache_q, *cache_g, cache_logp;
    /* per transition */
    const gb_target *t;
    gsl_rng *r;
    double h0, sum_metro;
    size_t n_leapfrog;
    int divergent;
    double *block; /* owns every vector above */
};

void gb_nuts_config_default(gb_nuts_config *cfg)
{
    cfg->max_depth = GB_NUTS_DEFAULT_MAX_DEPTH;
    cfg->max_energy_error = GB_NUTS_DEFAULT_MAX_ENERGY_ERROR;
    cfg->metric = GB_METRIC_DIAG;
    cfg->stepsize = 1.0;
}

/* Vectors of length dim: 5 points of 3, 11 trajectory vectors, velocity, the 2 cached ones. */
#define TOP_VECTORS (5 * 3 + 11 + 1 + 2)
#define LEVEL_VECTORS (6 + 3)

int gb_nuts_work_size(size_t dim, int max_depth, int dense, size_t *out)
{
    size_t metric_len = dim, nvec = TOP_VECTORS + LEVEL_VECTORS * (size_t)max_depth, vec_len, total;
    if ((dense && gb_size_mul(dim, dim, &metric_len) != 0) ||
        gb_size_mul(metric_len, dense ? 4 : 2, &total) != 0 ||
        gb_size_mul(dim, nvec, &vec_len) != 0 || gb_size_add(total, vec_len, &total) != 0)
        return -1;
    *out = total;
    return 0;
}

static double *take(double **cursor, size_t n)
{
    double *v = *cursor;
    *cursor += n;
    return v;
}

static void take_point(point *z, double **cursor, size_t dim)
{
    z->q = take(cursor, dim);
    z->p = take(cursor, dim);
    z->g = take(cursor, dim);
    z->logp = 0;
}

static void carve(gb_nuts *n, size_t metric_len)
{
    size_t d = n->dim;
    double *c = n->block;
    n->minv = take(&c, metric_len);
    n->adapt_out = take(&c, metric_len);
    if (n->metric == GB_METRIC_DENSE) {
        n->chol = take(&c, metric_len);
        n->chol_work = take(&c, metric_len);
    }
    n->velocity = take(&c, d);
    point *pts[] = {&n->z, &n->z_fwd, &n->z_bck, &n->z_sample, &n->z_propose};
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++)
        take_point(pts[i], &c, d);
    double **vecs[] = {&n->p_ff,    &n->ps_ff,   &n->p_fb,   &n->ps_fb, &n->p_bf,
                       &n->ps_bf,   &n->p_bb,    &n->ps_bb,  &n->rho,   &n->rho_fwd,
                       &n->rho_bck, &n->cache_q, &n->cache_g};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        *vecs[i] = take(&c, d);
    for (int k = 0; k < n->max_depth; k++) {
        level *L = &n->levels[k];
        L->p_init_end = take(&c, d);
        L->ps_init_end = take(&c, d);
        L->rho_init = take(&c, d);
        L->p_final_beg = take(&c, d);
        L->ps_final_beg = take(&c, d);
        L->rho_final = take(&c, d);
        take_point(&L->z_final, &c, d);
    }
}

/* The identity metric (and its Cholesky factor, the identity). */
static void set_identity(gb_nuts *n)
{
    size_t d = n->dim;
    if (n->metric == GB_METRIC_DIAG) {
        for (size_t i = 0; i < d; i++)
            n->minv[i] = 1.0;
        return;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            n->minv[i * d + j] = n->chol[i * d + j] = (i == j);
}

gb_status gb_nuts_new(const gb_nuts_config *cfg, size_t dim, gb_nuts **out)
{
    if (dim == 0 || cfg->max_depth < 1 || cfg->max_depth > GB_NUTS_DEPTH_LIMIT ||
        !(cfg->max_energy_error > 0) || !(cfg->stepsize > 0) || !isfinite(cfg->stepsize) ||
        (cfg->metric != GB_METRIC_DIAG && cfg->metric != GB_METRIC_DENSE))
        return GB_EUSAGE;
    int dense = cfg->metric == GB_METRIC_DENSE;
    size_t metric_len = dim, total;
    if ((dense && gb_size_mul(dim, dim, &metric_len) != 0) ||
        gb_nuts_work_size(dim, cfg->max_depth, dense, &total) != 0 ||
        gb_size_fits_budget(total, sizeof(double)) != 0)
        return GB_ENOMEM;
    gb_nuts *n = calloc(1, sizeof *n);
    if (!n)
        return GB_ENOMEM;
    n->block = calloc(total, sizeof *n->block);
    n->levels = calloc((size_t)cfg->max_depth, sizeof *n->levels);
    if (!n->block || !n->levels) {
        gb_nuts_free(n);
        return GB_ENOMEM;
    }
    n->dim = dim;
    n->metric = cfg->metric;
    n->max_depth = cfg->max_depth;
    n->max_energy_error = cfg->max_energy_error;
    n->eps = cfg->stepsize;
    carve(n, metric_len);
    set_identity(n);
    *out = n;
    return GB_OK;
}

void gb_nuts_free(gb_nuts *n)
{
    if (!n)
        return;
    free(n->block);
    free(n->levels);
    free(n);
}

size_t gb_nuts_dim(const gb_nuts *n)
{
    return n->dim;
}

gb_metric_kind gb_nuts_metric(const gb_nuts *n)
{
    return n->metric;
}

double gb_nuts_stepsize(const gb_nuts *n)
{
    return n->eps;
}

gb_status gb_nuts_set_stepsize(gb_nuts *n, double eps)
{
    if (!(eps > 0) || !isfinite(eps))
        return GB_EUSAGE;
    n->eps = eps;
    return GB_OK;
}

const double *gb_nuts_inv_metric(const gb_nuts *n)
{
    return n->minv;
}

void gb_nuts_invalidate(gb_nuts *n)
{
    n->cache_valid = 0;
}

/* Dense: reads the lower triangle, factorises a copy, and installs both only on success. */
static gb_status set_dense(gb_nuts *n, const double *m)
{
    size_t d = n->dim;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++) {
            if (!isfinite(m[i * d + j]))
                return GB_ENUMERIC;
            n->chol_work[i * d + j] = n->chol_work[j * d + i] = m[i * d + j];
        }
    gsl_matrix_view v = gsl_matrix_view_array(n->chol_work, d, d);
    if (gsl_linalg_cholesky_decomp1(&v.matrix) != GSL_SUCCESS)
        return GB_ENUMERIC;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double lower = m[(i >= j ? i : j) * d + (i >= j ? j : i)];
            n->minv[i * d + j] = lower;
            n->chol[i * d + j] = j <= i ? n->chol_work[i * d + j] : 0.0;
        }
    return GB_OK;
}

gb_status gb_nuts_set_inv_metric(gb_nuts *n, const double *inv_metric)
{
    if (n->metric == GB_METRIC_DENSE) {
        gb_status st = set_dense(n, inv_metric);
        if (st != GB_OK)
            return st;
    } else {
        for (size_t i = 0; i < n->dim; i++)
            if (!(inv_metric[i] > 0) || !isfinite(inv_metric[i]))
                return GB_ENUMERIC;
        memmove(n->minv, inv_metric, n->dim * sizeof *n->minv);
    }
    n->cache_valid = 0;
    return GB_OK;
}

/* out = M^{-1} p (p_sharp, the velocity dK/dp). */
static void p_sharp(const gb_nuts *n, const double *p, double *out)
{
    size_t d = n->dim;
    if (n->metric == GB_METRIC_DIAG) {
        for (size_t i = 0; i < d; i++)
            out[i] = n->minv[i] * p[i];
        return;
    }
    for (size_t i = 0; i < d; i++) {
        double s = 0;
        for (size_t j = 0; j < d; j++)
            s += n->minv[i * d + j] * p[j];
        out[i] = s;
    }
}

/* p ~ N(0, M): diagonal p_i = z_i / sqrt(minv_i); dense p = L'^{-1} z by back substitution. */
static void sample_p(const gb_nuts *n, gsl_rng *r, double *p)
{
    size_t d = n->dim;
    for (size_t i = 0; i < d; i++)
        p[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    if (n->metric == GB_METRIC_DIAG) {
        for (size_t i = 0; i < d; i++)
            p[i] /= sqrt(n->minv[i]);
        return;
    }
    for (size_t i = d; i-- > 0;) {
        double s = p[i];
        for (size_t j = i + 1; j < d; j++)
            s -= n->chol[j * d + i] * p[j];
        p[i] = s / n->chol[i * d + i];
    }
}

static double dot(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t i = 0; i < d; i++)
        s += a[i] * b[i];
    return s;
}

/* log p at q with its gradient; NaN and +inf become -inf so they never propagate. */
static double eval(const gb_target *t, const double *q, double *g)
{
    double lp = t->logp_grad(t->ctx, q, g);
    return isfinite(lp) ? lp : -INFINITY;
}

/* H = -log p + p' M^{-1} p / 2, with ps = M^{-1} p computed by the caller; NaN counts as +inf. */
static double hamiltonian(const gb_nuts *n, const point *z, const double *ps)
{
    if (z->logp == -INFINITY)
        return INFINITY;
    double h = -z->logp + 0.5 * dot(z->p, ps, n->dim);
    return isnan(h) ? INFINITY : h;
}

/* One leapfrog step of size e (signed) from z, in place.  When the new position is outside the
 * support the final half step is skipped: its gradient is unspecified and H is already +inf. */
static void leapfrog(gb_nuts *n, point *z, double e)
{
    size_t d = n->dim;
    for (size_t i = 0; i < d; i++)
        z->p[i] += 0.5 * e * z->g[i];
    p_sharp(n, z->p, n->velocity);
    for (size_t i = 0; i < d; i++)
        z->q[i] += e * n->velocity[i];
    z->logp = eval(n->t, z->q, z->g);
    if (z->logp == -INFINITY)
        return;
    for (size_t i = 0; i < d; i++)
        z->p[i] += 0.5 * e * z->g[i];
}

static void point_copy(point *dst, const point *src, size_t d)
{
    memcpy(dst->q, src->q, d * sizeof *dst->q);
    memcpy(dst->p, src->p, d * sizeof *dst->p);
    memcpy(dst->g, src->g, d * sizeof *dst->g);
    dst->logp = src->logp;
}

static double log_sum_exp(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    double m = fmax(a, b);
    return m + log1p(exp(-fabs(a - b)));
}

/* Stan's compute_criterion on rho = a + b (b may be NULL): no U-turn while both ends' p_sharp
 * still point along rho (Betancourt 2017, A.4.2). */
static int no_uturn(const gb_nuts *n, const double *ps_minus, const double *ps_plus,
                    const double *a, const double *b)
{
    double sp = 0, sm = 0;
    for (size_t i = 0; i < n->dim; i++) {
        double rho = b ? a[i] + b[i] : a[i];
        sp += ps_plus[i] * rho;
        sm += ps_minus[i] * rho;
    }
    return sp > 0 && sm > 0;
}

/* One leapfrog step from n->z: Stan's base case of build_tree. */
static int build_leaf(gb_nuts *n, point *z_propose, double *ps_beg, double *ps_end, double *rho,
                      double *p_beg, double *p_end, double sign, double *log_sum_weight)
{
    size_t d = n->dim;
    leapfrog(n, &n->z, sign * n->eps);
    n->n_leapfrog++;
    p_sharp(n, n->z.p, ps_beg);
    double h = hamiltonian(n, &n->z, ps_beg);
    if (h - n->h0 > n->max_energy_error)
        n->divergent = 1;
    *log_sum_weight = log_sum_exp(*log_sum_weight, n->h0 - h);
    n->sum_metro += n->h0 - h > 0 ? 1.0 : exp(n->h0 - h);
    point_copy(z_propose, &n->z, d);
    memcpy(ps_end, ps_beg, d * sizeof *ps_end);
    for (size_t i = 0; i < d; i++)
        rho[i] += n->z.p[i];
    memcpy(p_beg, n->z.p, d * sizeof *p_beg);
    memcpy(p_end, n->z.p, d * sizeof *p_end);
    return !n->divergent;
}

/* Stan's base_nuts::build_tree: a subtree of 2^depth leapfrog steps in direction `sign` from
 * n->z.  Returns 0 when it diverged or a U-turn appeared inside it; z_propose receives a state
 * drawn from the subtree in proportion to exp(-H); rho accumulates its momenta. */
static int build_tree(gb_nuts *n, int depth, point *z_propose, double *ps_beg, double *ps_end,
                      double *rho, double *p_beg, double *p_end, double sign,
                      double *log_sum_weight)
{
    if (depth == 0)
        return build_leaf(n, z_propose, ps_beg, ps_end, rho, p_beg, p_end, sign, log_sum_weight);
    size_t d = n->dim;
    level *L = &n->levels[depth];
    double lsw_init = -INFINITY, lsw_final = -INFINITY;
    memset(L->rho_init, 0, d * sizeof *L->rho_init);
    if (!build_tree(n, depth - 1, z_propose, ps_beg, L->ps_init_end, L->rho_init, p_beg,
                    L->p_init_end, sign, &lsw_init))
        return 0;
    memset(L->rho_final, 0, d * sizeof *L->rho_final);
    if (!build_tree(n, depth - 1, &L->z_final, L->ps_final_beg, ps_end, L->rho_final,
                    L->p_final_beg, p_end, sign, &lsw_final))
        return 0;
    /* Uniform progressive sampling between the two halves (Betancourt A.3.1). */
    double lsw_sub = log_sum_exp(lsw_init, lsw_final);
    *log_sum_weight = log_sum_exp(*log_sum_weight, lsw_sub);
    if (lsw_final > lsw_sub || gsl_rng_uniform(n->r) < exp(lsw_final - lsw_sub))
        point_copy(z_propose, &L->z_final, d);
    for (size_t i = 0; i < d; i++)
        rho[i] += L->rho_init[i] + L->rho_final[i];
    /* Around the merged subtree, then across the seam between its halves. */
    return no_uturn(n, ps_beg, ps_end, L->rho_init, L->rho_final) &&
           no_uturn(n, ps_beg, L->ps_final_beg, L->rho_init, L->p_final_beg) &&
           no_uturn(n, L->ps_init_end, ps_end, L->rho_final, L->p_init_end);
}

/* Sets up the trajectory's end points at the initial state n->z (Stan's transition preamble). */
static void start_trajectory(gb_nuts *n)
{
    size_t d = n->dim, bytes = d * sizeof(double);
    p_sharp(n, n->z.p, n->ps_ff);
    n->h0 = hamiltonian(n, &n->z, n->ps_ff);
    double *ps[] = {n->ps_fb, n->ps_bf, n->ps_bb};
    double *p[] = {n->p_ff, n->p_fb, n->p_bf, n->p_bb, n->rho};
    for (size_t i = 0; i < 3; i++)
        memcpy(ps[i], n->ps_ff, bytes);
    for (size_t i = 0; i < 5; i++)
        memcpy(p[i], n->z.p, bytes);
    point_copy(&n->z_fwd, &n->z, d);
    point_copy(&n->z_bck, &n->z, d);
    point_copy(&n->z_sample, &n->z, d);
    point_copy(&n->z_propose, &n->z, d);
    n->n_leapfrog = 0;
    n->sum_metro = 0;
    n->divergent = 0;
}

/* What one doubling did: the new subtree was invalid (diverged or U-turned inside; it is
 * discarded and not counted in the depth), it was kept but the whole trajectory now U-turns,
 * or the trajectory may grow again. */
enum { EXTEND_INVALID, EXTEND_UTURN, EXTEND_GO_ON };

/* Extends the trajectory by one doubling in a random direction. */
static int extend(gb_nuts *n, int depth, double *log_sum_weight)
{
    size_t d = n->dim, bytes = d * sizeof(double);
    double lsw_sub = -INFINITY;
    int valid;
    memset(n->rho_fwd, 0, bytes);
    memset(n->rho_bck, 0, bytes);
    if (gsl_rng_uniform(n->r) > 0.5) {
        point_copy(&n->z, &n->z_fwd, d);
        memcpy(n->rho_bck, n->rho, bytes);
        memcpy(n->p_bf, n->p_ff, bytes);
        memcpy(n->ps_bf, n->ps_ff, bytes);
        valid = build_tree(n, depth, &n->z_propose, n->ps_fb, n->ps_ff, n->rho_fwd, n->p_fb,
                           n->p_ff, 1.0, &lsw_sub);
        point_copy(&n->z_fwd, &n->z, d);
    } else {
        point_copy(&n->z, &n->z_bck, d);
        memcpy(n->rho_fwd, n->rho, bytes);
        memcpy(n->p_fb, n->p_bb, bytes);
        memcpy(n->ps_fb, n->ps_bb, bytes);
        valid = build_tree(n, depth, &n->z_propose, n->ps_bf, n->ps_bb, n->rho_bck, n->p_bf,
                           n->p_bb, -1.0, &lsw_sub);
        point_copy(&n->z_bck, &n->z, d);
    }
    if (!valid)
        return EXTEND_INVALID;
    /* Biased progressive sampling of the new subtree (Betancourt A.3.2). */
    if (lsw_sub > *log_sum_weight || gsl_rng_uniform(n->r) < exp(lsw_sub - *log_sum_weight))
        point_copy(&n->z_sample, &n->z_propose, d);
    *log_sum_weight = log_sum_exp(*log_sum_weight, lsw_sub);
    for (size_t i = 0; i < d; i++)
        n->rho[i] = n->rho_bck[i] + n->rho_fwd[i];
    int go_on = no_uturn(n, n->ps_bb, n->ps_ff, n->rho, NULL) &&
                no_uturn(n, n->ps_bb, n->ps_fb, n->rho_bck, n->p_fb) &&
                no_uturn(n, n->ps_bf, n->ps_ff, n->rho_fwd, n->p_bf);
    return go_on ? EXTEND_GO_ON : EXTEND_UTURN;
}

/* Loads q into n->z with log p and gradient, from the cache when it is for this very q. */
static void load(gb_nuts *n, const gb_target *t, const double *q)
{
    size_t bytes = n->dim * sizeof(double);
    memcpy(n->z.q, q, bytes);
    if (n->cache_valid && memcmp(q, n->cache_q, bytes) == 0) {
        memcpy(n->z.g, n->cache_g, bytes);
        n->z.logp = n->cache_logp;
        return;
    }
    n->z.logp = eval(t, n->z.q, n->z.g);
    memcpy(n->cache_q, q, bytes);
    memcpy(n->cache_g, n->z.g, bytes);
    n->cache_logp = n->z.logp;
    n->cache_valid = 1;
}

gb_status gb_nuts_transition(gb_nuts *n, const gb_target *t, gsl_rng *r, double *q,
                             gb_nuts_info *info)
{
    assert(t->dim == n->dim);
    if (t->dim != n->dim)
        return GB_EINTERNAL;
    size_t d = n->dim;
    n->t = t;
    n->r = r;
    load(n, t, q);
    if (n->z.logp == -INFINITY)
        return GB_ENUMERIC;
    sample_p(n, r, n->z.p);
    start_trajectory(n);
    double log_sum_weight = 0; /* log exp(H0 - H0) */
    int depth = 0;
    while (depth < n->max_depth) {
        int e = extend(n, depth, &log_sum_weight);
        if (e == EXTEND_INVALID)
            break;
        depth++;
        if (e == EXTEND_UTURN)
            break;
    }
    memcpy(q, n->z_sample.q, d * sizeof *q);
    memcpy(n->cache_q, q, d * sizeof *q);
    memcpy(n->cache_g, n->z_sample.g, d * sizeof *n->cache_g);
    n->cache_logp = n->z_sample.logp;
    n->cache_valid = 1;
    if (info) {
        p_sharp(n, n->z_sample.p, n->velocity);
        info->lp = n->z_sample.logp;
        info->accept_stat = n->sum_metro / (double)n->n_leapfrog;
        info->stepsize = n->eps;
        info->treedepth = depth;
        info->n_leapfrog = n->n_leapfrog;
        info->divergent = n->divergent;
        info->energy = hamiltonian(n, &n->z_sample, n->velocity);
    }
    return GB_OK;
}

/* One trial of the heuristic: a fresh momentum at the start point (kept in z_sample), one
 * leapfrog step of size eps; returns H0 - H (NaN counted as -inf). */
static double trial_step(gb_nuts *n, gsl_rng *r, double eps)
{
    point_copy(&n->z, &n->z_sample, n->dim);
    sample_p(n, r, n->z.p);
    p_sharp(n, n->z.p, n->velocity);
    double h0 = hamiltonian(n, &n->z, n->velocity);
    leapfrog(n, &n->z, eps);
    p_sharp(n, n->z.p, n->velocity);
    double h = hamiltonian(n, &n->z, n->velocity);
    return h0 - h;
}

gb_status gb_nuts_init_stepsize(gb_nuts *n, const gb_target *t, gsl_rng *r, const double *q)
{
    assert(t->dim == n->dim);
    if (t->dim != n->dim)
        return GB_EINTERNAL;
    n->t = t;
    load(n, t, q);
    if (n->z.logp == -INFINITY)
        return GB_ENUMERIC;
    point_copy(&n->z_sample, &n->z, n->dim);
    const double log_target = log(GB_NUTS_INIT_ACCEPT);
    double eps = n->eps;
    int up = trial_step(n, r, eps) > log_target;
    for (;;) {
        double dh = trial_step(n, r, eps);
        if (up ? !(dh > log_target) : !(dh < log_target))
            break;
        eps = up ? 2.0 * eps : 0.5 * eps;
        if (eps > INIT_STEPSIZE_MAX || eps == 0)
            return GB_ENUMERIC;
    }
    n->eps = eps;
    return GB_OK;
}

gb_status gb_nuts_adapt_transition(gb_nuts *n, gb_adapt *a, const gb_target *t, gsl_rng *r,
                                   double *q, gb_nuts_info *info)
{
    assert(gb_adapt_dim(a) == n->dim && gb_adapt_is_dense(a) == (n->metric == GB_METRIC_DENSE));
    if (gb_adapt_dim(a) != n->dim || gb_adapt_is_dense(a) != (n->metric == GB_METRIC_DENSE))
        return GB_EINTERNAL;
    gb_nuts_info local;
    gb_nuts_info *inf = info ? info : &local;
    gb_status st = gb_nuts_transition(n, t, r, q, inf);
    if (st != GB_OK)
        return st;
    n->eps = gb_adapt_stepsize_learn(a, inf->accept_stat);
    /* cache_g is the gradient at the accepted point q (gb_nuts_transition keeps it). */
    int what = gb_adapt_learn(a, q, n->cache_g, !inf->divergent, n->adapt_out);
    if (what & GB_ADAPT_NEW_METRIC)
        st = gb_nuts_set_inv_metric(n, n->adapt_out);
    if (st == GB_OK && (what & GB_ADAPT_RESTART_STEP)) {
        st = gb_nuts_init_stepsize(n, t, r, q);
        if (st == GB_OK)
            gb_adapt_stepsize_restart(a, n->eps);
    }
    return st;
}

gb_status gb_nuts_adapt_start(gb_nuts *n, gb_adapt *a, const gb_target *t, gsl_rng *r,
                              const double *q)
{
    assert(t->dim == n->dim && gb_adapt_dim(a) == n->dim);
    if (t->dim != n->dim || gb_adapt_dim(a) != n->dim)
        return GB_EINTERNAL;
    if (!gb_adapt_is_fisher(a))
        return gb_nuts_init_stepsize(n, t, r, q);
    load(n, t, q);
    if (n->z.logp == -INFINITY)
        return GB_ENUMERIC;
    gb_adapt_start(a, q, n->z.g, n->adapt_out);
    gb_status st = gb_nuts_set_inv_metric(n, n->adapt_out);
    if (st == GB_OK)
        st = gb_nuts_init_stepsize(n, t, r, q);
    if (st == GB_OK)
        gb_adapt_stepsize_restart(a, n->eps);
    return st;
}

gb_status gb_nuts_finish_adaptation(gb_nuts *n, const gb_adapt *a)
{
    return gb_nuts_set_stepsize(n, gb_adapt_stepsize_final(a));
}

/* Warmup with adaptation; mu starts at log(10 eps) for the configured step size, before the
 * heuristic, as in Stan's services (hmc_nuts_diag_e_adapt.hpp). */
static gb_status warmup(gb_nuts *n, const gb_adapt_config *acfg, const gb_target *t, gsl_rng *r,
                        double *q)
{
    gb_adapt_config c = *acfg;
    c.dense = n->metric == GB_METRIC_DENSE;
    gb_adapt *a = NULL;
    gb_status st = gb_adapt_new(&c, n->dim, n->eps, &a);
    if (st == GB_OK)
        st = gb_nuts_adapt_start(n, a, t, r, q);
    for (size_t i = 0; st == GB_OK && i < c.warmup; i++)
        st = gb_nuts_adapt_transition(n, a, t, r, q, NULL);
    if (st == GB_OK)
        st = gb_nuts_finish_adaptation(n, a);
    gb_adapt_free(a);
    return st;
}

gb_status gb_nuts_run(gb_nuts *n, const gb_adapt_config *acfg, const gb_target *t, gsl_rng *r,
                      double *q, size_t draws, gb_nuts_draw_fn fn, void *ctx)
{
    gb_status st = acfg && acfg->warmup > 0 ? warmup(n, acfg, t, r, q) : GB_OK;
    for (size_t i = 0; st == GB_OK && i < draws; i++) {
        gb_nuts_info info;
        st = gb_nuts_transition(n, t, r, q, &info);
        if (st == GB_OK && fn && fn(ctx, i, q, &info) != 0)
            st = GB_EINTERRUPT;
    }
    return st;
}
