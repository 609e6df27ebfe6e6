/* optimize.c - posterior modes by BFGS from several random starts (see optimize.h).
 *
 * Each start draws its initial point as a chain does (gb_model_init, uniform on (-r, r) per
 * unconstrained coordinate, retried until the density is finite) from its own RNG stream, then
 * minimises f = -log p with gsl_multimin_fdfminimizer_vector_bfgs2 (Fletcher 1987, sec. 2.6 line
 * search; GSL manual "Multidimensional Minimization").  Stopping follows Stan's L-BFGS defaults
 * (Stan Reference Manual, "Optimization"): the gradient's norm below tol_grad = 1e-8, or the
 * objective's relative change below tol_rel_obj = 1e4 machine epsilons.  The model owns no state
 * here: each run allocates its workspace and frees it.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_multimin.h>

#include "graph.h"
#include "optimize.h"
#include "rng.h"

/* Stan's tol_grad and tol_rel_obj (CmdStan optimize defaults). */
#define TOL_GRAD 1e-8
#define TOL_REL_OBJ (1e4 * DBL_EPSILON)
/* bfgs2's first trial step and line-search tolerance: GSL's manual recommends tol = 0.1 for
 * bfgs2; the step is the unconstrained scale's unit (the starts' radius is 2) over 10. */
#define FIRST_STEP 0.1
#define LINE_TOL 0.1
/* Tries per start to find a finite density, as a chain's initialisation. */
#define INIT_TRIES 100

typedef struct objective {
    const gb_model *m;
    gb_model_ws *ws;
    double *g; /* gradient scratch (dim) */
} objective;

static double f_only(const gsl_vector *x, void *p)
{
    objective *o = p;
    double lp = gb_model_logp(o->m, o->ws, x->data, o->g);
    return lp > -INFINITY ? -lp : GSL_POSINF;
}

static void f_and_df(const gsl_vector *x, void *p, double *f, gsl_vector *df)
{
    objective *o = p;
    double lp = gb_model_logp(o->m, o->ws, x->data, o->g);
    *f = lp > -INFINITY ? -lp : GSL_POSINF;
    for (size_t k = 0; k < df->size; k++)
        gsl_vector_set(df, k, lp > -INFINITY ? -o->g[k] : 0.0);
}

static void df_only(const gsl_vector *x, void *p, gsl_vector *df)
{
    double f;
    f_and_df(x, p, &f, df);
}

gb_status gb_optimize_check(const gb_model *m, gb_errlist *errs)
{
    gb_status st = GB_OK;
    const gb_graph *g = gb_model_graph(m);
    for (size_t k = 0; k < gb_model_latent_count(m); k++) {
        if (gb_model_latent_kind(m, k)->joint)
            continue;
        const gb_node *n = gb_graph_node(g, gb_model_latent_node(m, k));
        if (gb_model_latent_is_discrete(m, k)) {
            st = gb_error(errs, GB_ESEMANTIC, n->loc,
                          "optimize finds the mode of continuous parameters only, and '%s' is "
                          "discrete",
                          n->name);
            gb_error_hint(errs,
                          "sample the model with `glassbox run`, or sum '%s' out of the "
                          "likelihood",
                          n->name);
        } else {
            st = gb_error(errs, GB_ESEMANTIC, n->loc,
                          "optimize needs the gradient of the log density, and it is not "
                          "differentiable in '%s' (%s)",
                          n->name, gb_model_latent_reason(m, k));
            gb_error_hint(errs, "sample the model with `glassbox run`");
        }
    }
    return st;
}

/* One start from theta (dim doubles, moved to the end point); fills *s. */
static gb_status minimise(objective *o, size_t dim, int max_iter, double *theta,
                          gb_optimize_start *s)
{
    gsl_multimin_fdfminimizer *mz =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, dim);
    if (!mz)
        return GB_ENOMEM;
    gsl_multimin_function_fdf fn = {f_only, df_only, f_and_df, dim, o};
    gsl_vector_view x0 = gsl_vector_view_array(theta, dim);
    memset(s, 0, sizeof *s);
    if (gsl_multimin_fdfminimizer_set(mz, &fn, &x0.vector, FIRST_STEP, LINE_TOL) != GSL_SUCCESS) {
        gsl_multimin_fdfminimizer_free(mz);
        s->lp = -INFINITY;
        return GB_OK;
    }
    double fprev = mz->f;
    for (int it = 0; it < max_iter; it++) {
        if (gsl_multimin_test_gradient(mz->gradient, TOL_GRAD) == GSL_SUCCESS) {
            s->converged = 1;
            break;
        }
        int rc = gsl_multimin_fdfminimizer_iterate(mz);
        s->iterations = it + 1;
        if (rc != GSL_SUCCESS)
            break; /* no further progress (GSL_ENOPROG) or a failed line search */
        if (fabs(fprev - mz->f) <= TOL_REL_OBJ * GSL_MAX(GSL_MAX(fabs(fprev), fabs(mz->f)), 1.0)) {
            s->converged = 1;
            break;
        }
        fprev = mz->f;
    }
    if (!s->converged && gsl_multimin_test_gradient(mz->gradient, TOL_GRAD) == GSL_SUCCESS)
        s->converged = 1;
    memcpy(theta, mz->x->data, dim * sizeof *theta);
    s->lp = isfinite(mz->f) ? -mz->f : -INFINITY;
    s->grad_norm = gsl_blas_dnrm2(mz->gradient);
    gsl_multimin_fdfminimizer_free(mz);
    return GB_OK;
}

void gb_optimize_result_free(gb_optimize_result *r)
{
    if (!r)
        return;
    free(r->theta);
    free(r->start);
    free(r);
}

static gb_optimize_result *result_new(size_t dim, int nstarts)
{
    gb_optimize_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->dim = dim;
    r->nstarts = nstarts;
    r->theta = calloc(dim ? dim : 1, sizeof *r->theta);
    r->start = calloc((size_t)nstarts, sizeof *r->start);
    if (!r->theta || !r->start) {
        gb_optimize_result_free(r);
        return NULL;
    }
    r->lp = -INFINITY;
    return r;
}

/* Runs start s into theta; GB_OK also when the start found no finite density (its lp -inf). */
static gb_status run_start(const gb_optimize_config *cfg, objective *o, size_t dim, int s,
                           double *theta, gb_optimize_start *out, gb_errlist *errs)
{
    if (cfg->init) {
        memcpy(theta, cfg->init, dim * sizeof *theta);
    } else {
        gsl_rng *r = gb_rng_new(cfg->seed, (unsigned)s);
        if (!r)
            return GB_ENOMEM;
        gb_status st = gb_model_init(o->m, o->ws, r, cfg->init_radius, INIT_TRIES, theta, errs);
        gb_rng_free(r);
        if (st != GB_OK)
            return st;
    }
    return minimise(o, dim, cfg->max_iter, theta, out);
}

gb_status gb_optimize_run(const gb_model *m, const gb_optimize_config *cfg,
                          gb_optimize_result **out, gb_errlist *errs)
{
    size_t dim = gb_model_dim(m);
    if (cfg->starts < 1 || cfg->max_iter < 1)
        return gb_error(errs, GB_EUSAGE, (gb_loc){0},
                        "optimize needs at least one start and "
                        "one iteration");
    if (dim == 0)
        return gb_error(errs, GB_ESEMANTIC, (gb_loc){0},
                        "optimize: the model has no continuous parameters to optimise");
    gb_optimize_result *r = result_new(dim, cfg->starts);
    objective o = {m, gb_model_ws_new(m), calloc(dim ? dim : 1, sizeof(double))};
    double *theta = calloc(dim ? dim : 1, sizeof *theta);
    gb_status st = r && o.ws && o.g && theta ? GB_OK : GB_ENOMEM;
    if (st == GB_OK)
        gb_model_ws_set_jacobian(o.ws, cfg->jacobian);
    for (int s = 0; st == GB_OK && s < cfg->starts; s++) {
        st = run_start(cfg, &o, dim, s, theta, &r->start[s], errs);
        if (st == GB_OK && r->start[s].lp > r->lp) {
            r->lp = r->start[s].lp;
            r->best = (size_t)s;
            memcpy(r->theta, theta, dim * sizeof *theta);
        }
    }
    if (st == GB_OK && !(r->lp > -INFINITY))
        st = gb_error(errs, GB_ENUMERIC, (gb_loc){0},
                      "optimize: no start reached a finite log density");
    for (int s = 0; st == GB_OK && s < cfg->starts; s++)
        r->nagree += r->lp - r->start[s].lp < GB_OPTIMIZE_SAME_LP;
    free(theta);
    free(o.g);
    gb_model_ws_free(o.ws);
    if (st != GB_OK) {
        gb_optimize_result_free(r);
        if (st == GB_ENOMEM)
            return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        return st;
    }
    *out = r;
    return GB_OK;
}
