/* loglik.h - the pointwise log-likelihood of a compiled model: the log density of every observed
 * element at one draw, with no user code, for PSIS-LOO and WAIC (diag/psis.h) and for `compare`;
 * and the driver step every draws-reading command shares: setting a saved draw's values.
 *
 * An observation is one repetition of an observed node's likelihood term: an element for a scalar
 * distribution (y[i] ~ normal(...), or a vectorised y ~ normal(...) element by element), a row
 * for a multivariate one (Y[i] ~ multi_normal(...)), a row of a GLM shortcut.  Its log density is
 * the distribution's lpdf of that repetition alone with every normalising constant kept (propto
 * off), divided by the truncation's normaliser when there is one.  Observations are in graph
 * order of their nodes, then definition order, then repetition order; each is named by its node
 * and 1-based indices as output columns are ("y.3", "comp.y.2", "Y.4" for a row).
 */
#ifndef GB_RUNTIME_MODEL_LOGLIK_H
#define GB_RUNTIME_MODEL_LOGLIK_H

#include <stddef.h>

#include "model.h"
#include "status.h"

typedef struct gb_loglik gb_loglik;

/* Sets every latent node in ws to its values in row (an output row, gb_model_output_size
 * doubles in the layout of gb_model_values; only the latent nodes' columns are read) and
 * recomputes the deterministic nodes from them: ws then holds the draw as the sampler had it. */
void gb_loglik_set_values(const gb_model *m, gb_model_ws *ws, const double *row);

/* The observations of m (borrowed; must outlive the result), found with ws (a work space of m
 * whose values may be anything: only the data's indices are read).  Returns GB_OK and a new
 * object in *out (free with gb_loglik_free); GB_ENOMEM, or GB_EDATA at the definition when a
 * data index on a left side is out of range, reported in errs. */
gb_status gb_loglik_new(const gb_model *m, gb_model_ws *ws, gb_loglik **out, gb_errlist *errs);
void gb_loglik_free(gb_loglik *l);

size_t gb_loglik_count(const gb_loglik *l);
/* Observation i's name (owned by l) and graph node. */
const char *gb_loglik_name(const gb_loglik *l, size_t i);
size_t gb_loglik_node(const gb_loglik *l, size_t i);

/* The log density of every observation at the values in ws (after gb_loglik_set_values) into
 * out (gb_loglik_count doubles); -INFINITY for an observation outside its support, never NaN. */
void gb_loglik_eval(const gb_loglik *l, gb_model_ws *ws, double *out);

#endif
