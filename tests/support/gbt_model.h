/* gbt_model.h - test-only fixture for the tests that need a compiled model or its draws: a model
 * (text, or a file) and its optional CmdStan JSON data are lowered and compiled, its gradient
 * optionally checked against finite differences, optionally sampled, and the draws of an output
 * column are found by name and summarised (diag.h).
 *
 * A gbt_model owns everything it points to; gbt_model_free frees it all, whatever step the test
 * stopped at.  The steps return a status rather than failing the test, so each test keeps its
 * own failure message; on failure they have already printed the error list to stderr. */
#ifndef GB_TESTS_SUPPORT_GBT_MODEL_H
#define GB_TESTS_SUPPORT_GBT_MODEL_H

#include <stddef.h>

#include "data.h"
#include "diag.h"
#include "graph.h"
#include "model.h"
#include "run.h"
#include "source.h"
#include "status.h"

typedef struct gbt_model {
    gb_sources *srcs; /* the model's and the data's text, for the errors' locations */
    gb_errlist *errs;
    gb_data *data;   /* empty unless data was given */
    gb_graph *g;     /* NULL until built */
    gb_model *m;     /* NULL until built */
    gb_model_ws *ws; /* NULL; a test that evaluates the model itself makes it (freed here) */
    gb_draws *d;     /* NULL until run */
    int quiet;       /* 1: a failed step does not print its errors (tests that expect them) */
} gbt_model;

/* A new fixture with empty sources, errors and data (caller frees with gbt_model_free); fails
 * the running cmocka test when out of memory. */
gbt_model *gbt_model_new(void);
/* Frees the fixture and everything in it; accepts NULL. */
void gbt_model_free(gbt_model *f);

/* Lowers and compiles the model text `model` (source "m.gb", no stdlib folder) with the JSON
 * text `json` (source "d.json") as its data, or none when json is NULL.  The data and the model
 * text must be accepted as sources and the data must load (cmocka asserts); lowering and
 * compiling report through the status. */
gb_status gbt_model_build(gbt_model *f, const char *model, const char *json);
/* gbt_model_build, then a workspace in f->ws to evaluate the model with; fails the test (naming
 * the model) when the model does not compile or the workspace cannot be made. */
void gbt_model_build_ws(gbt_model *f, const char *model, const char *json);
/* The same up to the graph (f->g), not compiled: for tests of what is decided before compiling. */
gb_status gbt_model_lower(gbt_model *f, const char *model, const char *json);
/* Loads the data file `json_path`, then lowers the model file `model_path` (the stdlib folder
 * GB_STDLIB_DIR) with it and compiles it. */
gb_status gbt_model_build_files(gbt_model *f, const char *model_path, const char *json_path);
/* Samples the built model into f->d: `chains` chains of `warmup` + `draws` iterations from
 * `seed` on 2 threads, maximum tree depth 10, adapt_delta 0.8, a diagonal metric adapted by
 * the Fisher warmup (the CLI's default), inits uniform on (-2, 2) on the unconstrained scale,
 * every column kept. */
gb_status gbt_model_run(gbt_model *f, int chains, int warmup, int draws, unsigned long seed);

/* The index k (gb_model_latent_*) of the built model's latent named `name`; fails the test when
 * there is none. */
size_t gbt_model_latent(const gbt_model *f, const char *name);

/* Six-point central difference of logp at theta along coordinate k (STYLE section 6); theta is
 * restored.  Needs f->ws. */
double gbt_model_fd(gbt_model *f, double *theta, size_t k);
/* At three points uniform on (-1, 1)^d (drawn from `seed`) logp is finite and its gradient
 * matches gbt_model_fd to 1e-6 (absolute and relative); fails the test otherwise.  Needs f->ws. */
void gbt_model_check_gradient(gbt_model *f, unsigned long seed);

/* The draws' column of model output `name` (sampler columns first); fails the test when the
 * model has no such output. */
size_t gbt_model_col(const gbt_model *f, const char *name);
/* Diagnostics over every chain of the draws of output `name`; fails the test when
 * gb_diag_summarise does. */
gb_diag_summary gbt_model_summary(const gbt_model *f, const char *name);
/* The same of the squared deviations (x - center)^2 of those draws: with center the exact mean,
 * its mean estimates the variance, and its MCSE comes from its own ESS. */
gb_diag_summary gbt_model_summary_sqdev(const gbt_model *f, const char *name, double center);

#endif
