/* memplan.h - the memory a run will take, estimated from the graph before anything large is
 * allocated, so that a model too large for the machine is refused with a message naming the node
 * that needs the most, instead of growing until malloc or the OOM killer stops it.
 *
 * The estimate counts what compiling and sampling allocate in proportion to the model's sizes:
 *   - once (the compiled model): the loop-index arrays of every definition inside loops, and an
 *     output column name per element of every parameter and parameter-dependent node;
 *   - per chain, for every chain running at once: the evaluation work space (each node's values
 *     and adjoints, and those of every intermediate value of its definitions), the unconstrained
 *     coordinates, their gradient and the NUTS trajectory vectors (gb_nuts_work_size; the dense
 *     metric and its estimator are dim x dim), the streamed summaries;
 *   - the stored draws: chains x draws x kept columns.
 * Continuous parameters are counted as NUTS coordinates (the compiler may give some to slice
 * sampling, which needs less); constant-folded nodes only once.  It is an estimate of the large
 * terms, not an account of every byte: small models are far below any budget anyway.
 */
#ifndef GB_RUNTIME_SAMPLER_MEMPLAN_H
#define GB_RUNTIME_SAMPLER_MEMPLAN_H

#include <stddef.h>

#include "graph.h"
#include "status.h"

/* Deterministic nodes with more elements than this are summarised while sampling instead of
 * keeping their draws, unless --keep names them (cli_run.c decides; the plan assumes it). */
#define GB_MEMPLAN_STREAM_ABOVE 1000

typedef struct gb_memplan_config {
    size_t chains;   /* chains run */
    size_t parallel; /* chains running at once: their work spaces coexist */
    size_t draws;    /* draws stored per chain */
    int max_depth;   /* NUTS tree depth limit */
    int dense;       /* dense metric */
} gb_memplan_config;

typedef struct gb_memplan {
    size_t total;     /* bytes; every figure saturates at SIZE_MAX */
    size_t model;     /* the compiled model, allocated once */
    size_t per_chain; /* one chain's work space */
    size_t draws;     /* the stored draws of every chain */
    size_t top;       /* the node that needs the most, or (size_t)-1 */
    size_t top_bytes; /* what it needs, all three parts together */
} gb_memplan;

/* Estimates the memory of compiling g and sampling it with cfg.  Returns GB_OK and fills *out,
 * or GB_ENOMEM when its own small work arrays cannot be allocated. */
gb_status gb_memplan_estimate(const gb_graph *g, const gb_memplan_config *cfg, gb_memplan *out);

/* GB_OK when the estimate fits in budget bytes; otherwise adds an error located at the node that
 * needs the most (its size, the parts, the budget, and how to change either) and returns
 * GB_ENOMEM. */
gb_status gb_memplan_check(const gb_graph *g, const gb_memplan_config *cfg, size_t budget,
                           gb_errlist *errs);

/* Writes bytes as "512 B", "3.2 MiB", "17.3 GiB" (into buf of len bytes); returns buf. */
const char *gb_memplan_format(size_t bytes, char *buf, size_t len);

#endif
