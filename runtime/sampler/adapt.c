/* adapt.c - Stan's windowed warmup (dual averaging of the step size, Welford estimates of the
 * metric in doubling windows); see adapt.h for the algorithm and its sources.  Owns its Welford
 * buffers, allocated once in gb_adapt_new.
 */
#include "adapt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adapt_fisher.h"
#include "size.h"

/* Stan's defaults (stepsize_adaptation.hpp, windowed_adaptation.hpp, CmdStan's adapt options). */
#define DEFAULT_DELTA 0.8
#define DEFAULT_GAMMA 0.05
#define DEFAULT_T0 10.0
#define DEFAULT_KAPPA 0.75
#define DEFAULT_INIT_BUFFER 75
#define DEFAULT_TERM_BUFFER 50
#define DEFAULT_BASE_WINDOW 25
/* Short-warmup fallback fractions (windowed_adaptation::set_window_params). */
#define FALLBACK_INIT_FRACTION 0.15
#define FALLBACK_TERM_FRACTION 0.1
/* Regularisation toward REG_SCALE * I with the weight of REG_PRIOR_N pseudo-draws
 * (var_adaptation.hpp, covar_adaptation.hpp). */
#define REG_PRIOR_N 5.0
#define REG_SCALE 1e-3

_Static_assert(GB_ADAPT_NEW_METRIC == GB_FISHER_NEW_METRIC &&
                   GB_ADAPT_RESTART_STEP == GB_FISHER_RESTART_STEP,
               "gb_adapt_learn passes the fisher bits through");

struct gb_adapt {
    size_t dim;
    int dense;
    /* dual averaging */
    double delta, gamma, t0, kappa, mu, s_bar, x_bar;
    size_t counter;
    /* windows */
    int metric_on;
    size_t warmup, init_buffer, term_buffer, base_window;
    size_t window_counter, window_size, next_window;
    /* Welford */
    size_t n;
    double *mean, *delta_buf, *m2; /* m2: dim (diag) or dim*dim (dense) */
    gb_fisher *fisher;             /* the Fisher-divergence metric instead of windows, or NULL */
};

void gb_adapt_config_default(gb_adapt_config *cfg, size_t warmup)
{
    cfg->warmup = warmup;
    cfg->delta = DEFAULT_DELTA;
    cfg->gamma = DEFAULT_GAMMA;
    cfg->t0 = DEFAULT_T0;
    cfg->kappa = DEFAULT_KAPPA;
    cfg->init_buffer = DEFAULT_INIT_BUFFER;
    cfg->term_buffer = DEFAULT_TERM_BUFFER;
    cfg->base_window = DEFAULT_BASE_WINDOW;
    cfg->dense = 0;
    cfg->fisher = 0;
}

static int config_ok(const gb_adapt_config *c, size_t dim, double eps0)
{
    return dim > 0 && c->delta > 0 && c->delta < 1 && c->gamma > 0 && isfinite(c->gamma) &&
           c->t0 >= 0 && isfinite(c->t0) && c->kappa > 0.5 && c->kappa <= 1 && c->base_window > 0 &&
           eps0 > 0 && isfinite(eps0);
}

/* windowed_adaptation::restart: the first slow window ends at init_buffer + base_window - 1. */
static void restart_windows(gb_adapt *a)
{
    a->window_counter = 0;
    a->window_size = a->base_window;
    a->next_window = a->init_buffer + a->window_size - 1;
}

/* windowed_adaptation::set_window_params, including the 15/75/10 fallback.  Stan skips
 * restart() on the fallback path, leaving the default windows' end in place; we restart in
 * both cases, which is what the fallback evidently intends. */
static void set_windows(gb_adapt *a, const gb_adapt_config *c)
{
    a->warmup = c->warmup;
    a->metric_on = c->warmup >= GB_ADAPT_MIN_WARMUP_FOR_METRIC;
    a->init_buffer = c->init_buffer;
    a->term_buffer = c->term_buffer;
    a->base_window = c->base_window;
    if (a->metric_on && c->init_buffer + c->base_window + c->term_buffer > c->warmup) {
        a->init_buffer = (size_t)(FALLBACK_INIT_FRACTION * (double)c->warmup);
        a->term_buffer = (size_t)(FALLBACK_TERM_FRACTION * (double)c->warmup);
        a->base_window = c->warmup - (a->init_buffer + a->term_buffer);
    }
    restart_windows(a);
}

gb_status gb_adapt_new(const gb_adapt_config *cfg, size_t dim, double eps0, gb_adapt **out)
{
    if (!config_ok(cfg, dim, eps0))
        return GB_EUSAGE;
    size_t m2_len = dim;
    if (cfg->dense && gb_size_mul(dim, dim, &m2_len) != 0)
        return GB_ENOMEM;
    if (gb_size_fits_budget(m2_len, sizeof(double)) != 0)
        return GB_ENOMEM;
    gb_adapt *a = calloc(1, sizeof *a);
    if (!a)
        return GB_ENOMEM;
    a->mean = calloc(dim, sizeof *a->mean);
    a->delta_buf = calloc(dim, sizeof *a->delta_buf);
    a->m2 = calloc(m2_len, sizeof *a->m2);
    if (!a->mean || !a->delta_buf || !a->m2) {
        gb_adapt_free(a);
        return GB_ENOMEM;
    }
    if (cfg->fisher && !cfg->dense) {
        gb_status st = gb_fisher_new(cfg->warmup, dim, &a->fisher);
        if (st != GB_OK) {
            gb_adapt_free(a);
            return st;
        }
    }
    a->dim = dim;
    a->dense = cfg->dense != 0;
    a->delta = cfg->delta;
    a->gamma = cfg->gamma;
    a->t0 = cfg->t0;
    a->kappa = cfg->kappa;
    gb_adapt_stepsize_restart(a, eps0);
    set_windows(a, cfg);
    *out = a;
    return GB_OK;
}

void gb_adapt_free(gb_adapt *a)
{
    if (!a)
        return;
    free(a->mean);
    free(a->delta_buf);
    free(a->m2);
    gb_fisher_free(a->fisher);
    free(a);
}

size_t gb_adapt_dim(const gb_adapt *a)
{
    return a->dim;
}

int gb_adapt_is_fisher(const gb_adapt *a)
{
    return a->fisher != NULL;
}

int gb_adapt_is_dense(const gb_adapt *a)
{
    return a->dense;
}

void gb_adapt_windows(const gb_adapt *a, size_t *init_buffer, size_t *term_buffer,
                      size_t *base_window)
{
    *init_buffer = a->init_buffer;
    *term_buffer = a->term_buffer;
    *base_window = a->base_window;
}

void gb_adapt_stepsize_restart(gb_adapt *a, double eps)
{
    a->mu = log(10.0 * eps);
    a->counter = 0;
    a->s_bar = 0;
    a->x_bar = 0;
}

double gb_adapt_stepsize_learn(gb_adapt *a, double accept_stat)
{
    double stat = isnan(accept_stat) ? 0.0 : fmin(accept_stat, 1.0);
    a->counter++;
    double m = (double)a->counter;
    double eta = 1.0 / (m + a->t0);
    a->s_bar = (1.0 - eta) * a->s_bar + eta * (a->delta - stat);
    double x = a->mu - a->s_bar * sqrt(m) / a->gamma;
    double x_eta = pow(m, -a->kappa);
    a->x_bar = (1.0 - x_eta) * a->x_bar + x_eta * x;
    return exp(x);
}

double gb_adapt_stepsize_final(const gb_adapt *a)
{
    return exp(a->x_bar);
}

/* windowed_adaptation::adaptation_window */
static int in_window(const gb_adapt *a)
{
    return a->metric_on && a->window_counter >= a->init_buffer &&
           a->window_counter + a->term_buffer < a->warmup && a->window_counter != a->warmup;
}

/* windowed_adaptation::end_adaptation_window */
static int at_window_end(const gb_adapt *a)
{
    return a->metric_on && a->window_counter == a->next_window && a->window_counter != a->warmup;
}

/* windowed_adaptation::compute_next_window: double the window; stretch it to the terminal
 * buffer when the one after it would not fit. */
static void next_window(gb_adapt *a)
{
    size_t last = a->warmup - a->term_buffer - 1;
    if (a->next_window == last)
        return;
    a->window_size *= 2;
    a->next_window = a->window_counter + a->window_size;
    if (a->next_window != last && a->next_window + 2 * a->window_size >= last + 1)
        a->next_window = last;
}

/* welford_var_estimator / welford_covar_estimator add_sample. */
static void welford_add(gb_adapt *a, const double *q)
{
    size_t d = a->dim;
    a->n++;
    double n = (double)a->n;
    for (size_t i = 0; i < d; i++) {
        a->delta_buf[i] = q[i] - a->mean[i];
        a->mean[i] += a->delta_buf[i] / n;
    }
    if (!a->dense) {
        for (size_t i = 0; i < d; i++)
            a->m2[i] += (q[i] - a->mean[i]) * a->delta_buf[i];
        return;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            a->m2[i * d + j] += (q[i] - a->mean[i]) * a->delta_buf[j];
}

/* Sample (co)variance, shrunk toward REG_SCALE * I; then the estimator restarts. */
static void welford_finish(gb_adapt *a, double *inv_metric)
{
    size_t d = a->dim;
    double n = (double)a->n;
    double w = n / (n + REG_PRIOR_N), shrink = REG_SCALE * REG_PRIOR_N / (n + REG_PRIOR_N);
    if (!a->dense) {
        for (size_t i = 0; i < d; i++)
            inv_metric[i] = w * a->m2[i] / (n - 1.0) + shrink;
    } else {
        /* m2 is symmetric in exact arithmetic; average the halves so rounding cannot make the
         * matrix handed to the Cholesky factorisation asymmetric. */
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++) {
                double c = 0.5 * (a->m2[i * d + j] + a->m2[j * d + i]) / (n - 1.0);
                inv_metric[i * d + j] = w * c + (i == j ? shrink : 0.0);
            }
    }
}

static void welford_reset(gb_adapt *a)
{
    a->n = 0;
    memset(a->mean, 0, a->dim * sizeof *a->mean);
    memset(a->m2, 0, (a->dense ? a->dim * a->dim : a->dim) * sizeof *a->m2);
}

int gb_adapt_metric_learn(gb_adapt *a, const double *q, double *inv_metric)
{
    int updated = 0;
    if (in_window(a))
        welford_add(a, q);
    if (at_window_end(a)) {
        next_window(a);
        /* A window of one point has no variance; Stan keeps the old metric then. */
        if (a->n >= 2) {
            welford_finish(a, inv_metric);
            updated = 1;
        }
        welford_reset(a);
    }
    a->window_counter++;
    return updated;
}

size_t gb_adapt_metric_iteration(const gb_adapt *a)
{
    return a->window_counter;
}

int gb_adapt_start(gb_adapt *a, const double *q, const double *g, double *inv_metric)
{
    if (!a->fisher)
        return 0;
    gb_fisher_start(a->fisher, q, g, inv_metric);
    return 1;
}

int gb_adapt_learn(gb_adapt *a, const double *q, const double *g, int good, double *inv_metric)
{
    if (!a->fisher)
        return gb_adapt_metric_learn(a, q, inv_metric) ? GB_ADAPT_NEW_METRIC | GB_ADAPT_RESTART_STEP
                                                       : 0;
    a->window_counter++;
    return gb_fisher_learn(a->fisher, q, g, good, inv_metric);
}
