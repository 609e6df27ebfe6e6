/* model_int.h - what the compiled-model files (runtime/model/model_*.c) and the built-in sampler
 * kinds (runtime/sampler/sampler_*.c) share.  Not a public header.
 *
 * Values live in tensors: a tensor is `batch` items of `elen` doubles each (batched) or one item
 * shared by the whole batch (not batched).  A tensor's storage is either external (data,
 * constants, loop-variable arrays: shared, read-only, owned by the graph or the model) or an
 * offset into the chain's workspace buffer, with its adjoint at another offset.
 */
#ifndef GB_RUNTIME_MODEL_MODEL_INT_H
#define GB_RUNTIME_MODEL_MODEL_INT_H

#include "model.h"
#include "split.h"
#include "vec.h"

#define GB_NO_TENSOR ((size_t)-1)

typedef struct tensor {
    size_t batch;       /* items when batched (the def's iteration count); 1 otherwise */
    int batched;
    size_t elen;        /* doubles per item */
    gb_shape eshape;    /* shape of one item */
    int is_int;
    const double *ext;  /* external read-only values, or NULL */
    size_t val, adj;    /* workspace offsets (when ext is NULL); adj also for ext when needed */
    int has_adj;
    unsigned char fused_tmp; /* read and written only by a fused term's argument ops
                                (model_fuse.c): its adjoint is not zeroed when fused */
    unsigned char group_tmp; /* the same for a grouped term's argument ops (model_group.c) */
} tensor;

typedef enum op_kind {
    OP_INDEX,      /* out = in[0][in[1..]] ; ix kinds in aux */
    OP_BINOP,      /* out = in[0] sub in[1] */
    OP_UNOP,
    OP_IF,
    OP_CALL_ELEM,  /* elementwise function */
    OP_CALL_GEN,   /* general function, item by item */
    OP_MATMUL,
    OP_ARRAY,      /* stack inputs along a new first axis */
    OP_COMPREH,    /* run body ops [body0, body1) for each value of the range; in[0] = body out,
                      in[1], in[2] = range ends, slot = the loop variable's workspace offset */
    OP_RANGE,      /* out = lo..hi as an integer vector */
    OP_ASSIGN,     /* node tensor (out) = in[0] */
    OP_SCATTER,    /* out[idx(b)] = in[0][b]: element-wise definition of a node */
    OP_GATHER,     /* out[b] = in[0][idx(b)]: the elements a definition's left side names */
    OP_TRANSFORM,  /* node value from theta (latent continuous): see model_term.c */
    OP_TERM,       /* log density of a def: in[0] variate, in[1..] parameters */
    OP_SKIP        /* placeholder before a comprehension's body: runs jump to body1 */
} op_kind;

enum { IX_SCALAR, IX_VECTOR, IX_RANGE, IX_ALL };

typedef struct mop {
    op_kind kind;
    int sub;                 /* operator, or index kinds packed (2 bits per position) */
    size_t out;
    size_t in[8];
    int nin;
    const gb_func_ops *func;
    const gb_dist_ops *dist;
    size_t body0, body1;     /* OP_COMPREH */
    size_t slot;             /* OP_COMPREH: loop variable value; OP_TERM: scratch offset */
    size_t node;             /* OP_TRANSFORM, OP_TERM, OP_SCATTER: graph node */
    size_t def;              /* OP_TERM, OP_SCATTER, OP_GATHER: def index */
    size_t trunc_lo, trunc_hi; /* OP_TERM: tensors or GB_NO_TENSOR */
    int seq;                 /* run item by item, with the other ops of the same seq number (a
                                deterministic node reading itself, or a recursion group) */
    gb_loc loc;
    /* OP_TERM layout, fixed at compile time: the lpdf runs over n repetitions; input i is read
       with stride[i] (0: broadcast), or copied to scratch scr[i] first when its broadcast pattern
       is not a stride (then its adjoint goes through scr_adj[i]) */
    size_t n, batch, dims[2];
    size_t stride[8], scr[8], scr_adj[8];
    int use_scr[8];
    void *prep;              /* OP_TERM: the distribution's summary of its fixed arguments
                                (dist->prepare), or NULL */
    size_t marg;             /* 1 + the latent summed out in this op's term range (model_marg.c),
                                0 when none: the evaluator runs the range only through it */
    struct gb_fuse_plan *fuse; /* OP_TERM: its one-pass plan (model_fuse.c, owned), or NULL */
    unsigned char fused_in;  /* an argument op of a fused term: the gradient pass skips it */
    struct gb_group_plan *group; /* OP_TERM: evaluated from per-group statistics (model_group.c,
                                    owned), or NULL */
    unsigned char group_in;  /* an argument op of a grouped term: the gradient pass skips it */
} mop;

/* A term's dims for its distribution's lpdf and lpdf_each: NULL when it has none. */
static inline const size_t *mop_dims(const mop *o)
{
    return (o->dims[0] || o->dims[1]) ? o->dims : NULL;
}

/* Transforms of continuous latents (see model_term.c). */
enum { LT_NONE, LT_LOWER, LT_UPPER, LT_BOUNDED, LT_SIMPLEX, LT_ORDERED, LT_POS_ORDERED,
       LT_CHOL_CORR };

/* Per blanket range of a summed latent with independent elements (model_marg_bcast.c): byp[i],
 * the gather op whose result term argument i reads and which is replaced by one broadcast
 * element while the latent holds one value everywhere (GB_NO_TENSOR: none); con, the term is
 * then the same for every repetition; on, either applies. */
typedef struct gb_marg_bcast {
    unsigned char on, con;
    size_t byp[8];
} gb_marg_bcast;

/* A discrete latent that is a first-order chain in its element order (model_chain.c): factor f
 * is batch item item[f] (a repetition when the range is per_rep) of blanket range range[f]; it
 * reads element t[f] only, or t[f] - 1 and t[f] when pair[f]. */
typedef struct chain_plan {
    size_t K;               /* states lo .. lo + K - 1, fixed at compilation */
    double lo;
    size_t nfac;
    size_t *range, *item, *t;
    unsigned char *pair;
    size_t maxn;            /* the most repetitions of a factor range's term: scratch needed */
    char reason[96];        /* "chain of 400 discrete latents: forward filtering, ..." */
} chain_plan;

typedef struct latent {
    size_t node;
    const gb_sampler_ops *kind; /* the sampler kind that updates it (model_plan.c) */
    const char *reason;
    int discrete, finite;    /* integer-valued; with a support bounded on both sides */
    int smooth;              /* the density is differentiable in it (model_deps.c) */
    size_t theta0, ntheta;   /* joint kind: slice of theta; other continuous: of ws->slice */
    int tf;                  /* transform kind (transform.h), -1 for discrete */
    size_t lo_t, hi_t;       /* bound tensors or GB_NO_TENSOR */
    double lo_c, hi_c;       /* constant bounds */
    size_t K;                /* matrix/vector size for structured transforms */
    /* not joint: the ops to rerun when it changes (its Markov blanket) */
    GB_VEC(size_t) blanket;  /* op ranges [a, b) pairs, in order */
    /* element plan (model_gibbs.c), or NULL: element e's log density is the pieces
       [eoff[e], eoff[e + 1]): batch item eitem[i] (a repetition when per_rep) of blanket range
       erange[i] */
    size_t *eoff, *erange, *eitem;
    unsigned char *per_rep;
    /* per blanket range k, gop[k * GB_GIBBS_GATHERS ..]: the ops between z and the term whose
       element e is brought up to date for repetition e (gathers mu[z], elementwise ops),
       in order, GB_NO_TENSOR-filled; NULL when none */
    size_t *gop;
    chain_plan *chain;       /* or NULL: not a chain (needs the element plan) */
    /* marginalised (model_marg.c): support [mlo, mlo + mK), and for each blanket range k the
       element read by repetition r of its term, melem[moff[k] + r]; workspace offsets of the
       table of log densities (len x mK), the saved values (len), the adjoint scratch and the
       per-repetition log densities and weights of one term (2 x its repetitions).  A chain
       summed by the forward algorithm (model_marg_chain.c, L->chain set) keeps instead, in
       melem, the chain factor each repetition belongs to, and at mtab its potentials,
       messages and marginals (model_marg_chain.c lays them out) */
    int marg;
    double mlo;
    size_t mK, *moff, *melem, mtab, msave, mscr, mout;
    /* a scalar latent's step ranges (model_marg_step.c), or NULL when none: per blanket range,
       the one comparison op through which its term reads the latent, GB_NO_TENSOR for a range
       summed value by value; per repetition (at moff), its breakpoint when fixed, else
       GB_NO_TENSOR; mstep, the step sums' workspace */
    size_t *mcmp, *mbrk, mstep;
    gb_marg_bcast *mbc;      /* per blanket range (model_marg_bcast.c), or NULL */
    char *reason_buf;        /* reason when composed at planning (owned), or NULL */
} latent;

typedef struct node_info {
    size_t tensor;           /* the node's value */
    size_t ops0, ops1;       /* ops computing it (deterministic / transform) */
    size_t latent;           /* index into latents or GB_NO_TENSOR */
} node_info;

/* The ops of one stochastic definition's term: [a, b), the term op last. */
typedef struct term_range {
    size_t node, a, b;
} term_range;

struct gb_model {
    const gb_graph *g;
    const gb_sampler_ops *const *kinds; /* asked in order by the planner (borrowed) */
    size_t nkinds;
    const gb_sampler_ops **used; /* the kinds that took latents, in kinds' order */
    size_t nused;
    GB_VEC(term_range) terms;
    GB_VEC(tensor) t;
    GB_VEC(mop) ops;
    size_t nterm_start;      /* ops from here on are the terms (and their argument ops) */
    GB_VEC(double *) owned;  /* constant and loop arrays the model owns */
    node_info *ni;
    GB_VEC(latent) lat;
    size_t dim, slice_dim, ws_size;
    size_t *topo;            /* node evaluation order */
    unsigned char *fixed;    /* per node: its value does not depend on any parameter (data,
                                constants, observed nodes and what is computed from them only);
                                fixed deterministic nodes are computed once, at compilation */
    /* output columns */
    size_t ncols;
    char **colname;
    size_t *colnode;
};

struct gb_model_ws {
    double *buf;             /* ws_size doubles: values and adjoints */
    double *theta;           /* the NUTS block at the last evaluation */
    double *slice;           /* coordinates of continuous latents outside the NUTS block */
    int changed;             /* a value changed since the last gb_model_ws_sync */
    size_t ops_run;          /* ops the evaluator ran (gb_model_ws_ops_run) */
    double *grad;            /* gradient scratch for value-only calls */
    double logp;
    int bad;                 /* an index was out of range or a function undefined: logp = -inf */
    int no_jacobian;         /* the transforms' log-Jacobians are left out (gb_model_ws_set_jacobian) */
    size_t bad_op;           /* the term op where a non-finite density appeared (init messages) */
    size_t *path;            /* a summed-out chain's drawn path (model_marg_chain.c), or NULL */
    /* data-parallel likelihood (split.h): while share_n > 1 the tape evaluates share share_k
       of share_n: that share of each observation term's repetitions, and (share 0 only) the
       priors and log-Jacobians; gb_model_logp hands the whole evaluation to split when set */
    size_t share_k, share_n;
    /* per op, while sharing: 1 + the term range whose argument ops run over the share's loop
       iterations only (model_split.c), or 0; NULL: every argument op runs whole */
    const size_t *share_ops;
    /* per op, while sharing: 1 + the vectorised term range that this row-wise op (of its
       arguments, or of a node feeding only it) runs for, over the share's rows only
       (model_rows.c), or 0; per tensor, the same for the op's result, whose adjoint is then
       zeroed at those rows only.  NULL: none */
    const size_t *share_rows, *share_trows;
    gb_split *split;
    int no_fuse;             /* the gradient runs fused terms op by op (gb_model_ws_set_fused) */
    int no_step;             /* summed step ranges run value by value (model_marg_step.c) */
    int no_group;            /* the gradient runs grouped terms op by op (gb_model_ws_set_grouped) */
    int no_bcast;            /* summed ranges gather and run every repetition (model_marg_bcast.c) */
};

/* model_recur.c: the nodes' value order (parents first; an element-wise recursion's members
 * together, where the last of them falls), and a recursion group's defs in their order. */
typedef struct gb_recur_def {
    size_t node, def;
} gb_recur_def;
gb_status gb_model_value_order(const gb_graph *g, size_t *topo);
/* *out: a new array (the caller frees) of the *n defs of group, in recur_order. */
gb_status gb_model_recur_defs(const gb_graph *g, int group, gb_recur_def **out, size_t *n);

/* model_fold.c: computes the fixed deterministic nodes once, makes their tensors read-only
 * external values and their ops no-ops (-1 when out of memory); lets each likelihood summarise
 * its fixed arguments. */
gb_status gb_model_fold_fixed(gb_model *m);
void gb_model_prepare_terms(gb_model *m);

/* model_gibbs.c: element plans of the Gibbs latents (-1: out of memory), and the log density
 * of the terms that read element e of L. */
gb_status gb_model_plan_gibbs(gb_model *m);
#define GB_GIBBS_GATHERS 8
double gb_model_gibbs_element_logp(const gb_model *m, gb_model_ws *ws, const latent *L,
                                   size_t e);
/* Frees what the planner gave a latent: its blanket, element plan and chain plan. */
void gb_model_latent_plan_free(latent *L);

/* Brings the element plan's term ranges up to date at the current values: called once before
 * a sweep over L's elements (each element then recomputes only its own gathered values). */
void gb_model_gibbs_prepare(const gb_model *m, gb_model_ws *ws, const latent *L);
/* The log density of one piece of L's element plan: batch item b (a repetition when per_rep) of
 * blanket range k, at the current values; -INFINITY when not finite. */
double gb_model_gibbs_piece_logp(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                                 size_t b);
/* Runs blanket range k of L whole (every batch item) at the current values, clearing ws->bad
 * first; then gb_model_gibbs_item_logp gives any piece of range k without rerunning anything,
 * equal to gb_model_gibbs_piece_logp's value when the run left ws->bad clear. */
void gb_model_gibbs_run_range(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k);
double gb_model_gibbs_item_logp(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                                size_t b);
/* After gb_model_gibbs_run_range: every piece of range k at once, out[b] for item b (out holds
 * the term's repetitions, mop.n), by the distribution's lpdf_each; returns 0 and leaves out
 * alone when the distribution has none or an item spans several repetitions. */
int gb_model_gibbs_range_each(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                              double *out);

/* model_chain.c: recognises the discrete latents that are first-order chains (L->chain; -1 when
 * out of memory), frees a plan, and fills a chain's log emission (T * K) and transition
 * ((T - 1) * K * K) potentials at the current values (hmm.h's layout), moving L's values
 * (restored from zsave, T doubles of scratch, before returning); each is scratch of
 * L->chain->maxn doubles. */
gb_status gb_model_plan_chains(gb_model *m);
void gb_model_chain_free(chain_plan *c);
void gb_model_chain_potentials(const gb_model *m, gb_model_ws *ws, const latent *L,
                               double *zsave, double *each, double *logE, double *logA);

/* model_ops.c: tensor access and what the op kernels share.  The per-element helpers are
 * inline here: the kernels live in several files, and a call per element through another
 * file cost changepoint 25% of its run time (perf: mop_operand_at, mop_bidx, mop_item). */
static inline double *tval(const gb_model *m, gb_model_ws *ws, size_t t)
{
    const tensor *x = &m->t.items[t];
    return x->ext ? (double *)x->ext : ws->buf + x->val;
}

static inline double *tadj(const gb_model *m, gb_model_ws *ws, size_t t)
{
    const tensor *x = &m->t.items[t];
    return x->has_adj ? ws->buf + x->adj : NULL;
}

/* An elementwise op's inputs, read once per call: tensor, values, adjoint (NULL when none or
 * not wanted: adj NULL) and broadcast mode of each. */
typedef struct mop_operands {
    const tensor *X[8];
    const double *val[8];
    double *adj[8];
    int mode[8];
} mop_operands;
size_t mop_bmap(const tensor *x, const gb_shape *os, size_t j);
int mop_same_layout(const tensor *x, const tensor *out);
int mop_bcast_mode(const tensor *x, const tensor *out);
void mop_get_operands(const gb_model *m, gb_model_ws *ws, const mop *o, int with_adj,
                      mop_operands *p);

/* Where batch item b of x starts. */
static inline size_t mop_item(const tensor *x, size_t b)
{
    return x->batched ? b * x->elen : 0;
}

/* Offset in an item of x of output element j, by x's broadcast mode (mop_bcast_mode). */
static inline size_t mop_bidx(const tensor *x, int mode, const gb_shape *os, size_t j)
{
    return mode == 0 ? 0 : mode == 1 ? j : mode == 3 ? j % x->elen : mop_bmap(x, os, j);
}

/* Offset of input i's element for output element j of item b. */
static inline size_t mop_operand_at(const mop_operands *p, int i, const tensor *O, size_t b,
                                    size_t j)
{
    return mop_item(p->X[i], b) + mop_bidx(p->X[i], p->mode[i], &O->eshape, j);
}
/* The op families (model_ops_arith.c, model_ops_index.c): run op o forward or backward over
 * items [b0, b1); 0 when o is not of the family. */
int mop_arith_run(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1,
                  int backward);
int mop_index_run(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1,
                  int backward);
void op_forward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1);
void op_backward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t b0, size_t b1);

/* model_plan.c: asks the kinds for each latent, lays out the coordinates, makes the blankets of
 * latents outside the joint block (-1: out of memory or no kind, reported in errs). */
gb_status gb_model_plan(gb_model *m, gb_errlist *errs);
/* model_plan.c: after the element and chain plans, asks the kinds again for the discrete
 * latents (a chain kind can only say yes once the chain is known) and recounts the kinds used. */
gb_status gb_model_plan_discrete(gb_model *m, gb_errlist *errs);

/* Once the fixed values are folded in: each latent's kind checks what it needs (its check op). */
gb_status gb_model_plan_check(const gb_model *m, gb_errlist *errs);

/* model_deps.c: the fixed nodes (gb_model.fixed), latent L's blanket, and whether the density
 * is smooth in each continuous latent (latent.smooth).  -1 when out of memory. */
gb_status gb_model_deps_fixed(gb_model *m);
gb_status gb_model_deps_blanket(gb_model *m, latent *L);
gb_status gb_model_deps_smooth(gb_model *m);

/* model_term.c: the TRANSFORM and TERM kernels (value and log density; vector-Jacobian
 * product of the transform). */
double mop_transform_forward(const gb_model *m, gb_model_ws *ws, const mop *o,
                             const double *theta);
void mop_transform_backward(const gb_model *m, gb_model_ws *ws, const mop *o,
                            const double *theta, double *grad);
double mop_term_forward(const gb_model *m, gb_model_ws *ws, const mop *o, int want_grad,
                        int propto);
/* Term o's arguments over all its repetitions, as its lpdf takes them (an argument whose
 * broadcast is not a stride is copied to the op's scratch first).  With want_grad the adjoints
 * point at the tensors' or, for copied arguments, at zeroed scratch that mop_term_add_adj then
 * adds back to the tensors'. */
void mop_term_args(const gb_model *m, gb_model_ws *ws, const mop *o, int want_grad, gb_arg *args);
void mop_term_add_adj(const gb_model *m, gb_model_ws *ws, const mop *o, const gb_arg *args);
/* One observation at a time, for the pointwise log-likelihood: a term's observations are its
 * repetitions (a GLM's rows); observation r's full log density (normalising constants kept,
 * truncation included; -INFINITY outside the support), and where it starts in the term's
 * variate item (the gathered element block, or the node when the term reads it whole). */
size_t mop_term_obs_count(const mop *o);
/* Repetitions [r0, r1) of term o (a GLM's rows), as mop_term_forward does all of them: the
 * share of a data-parallel evaluation (split.h).  0 when the range is empty. */
double mop_term_forward_range(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r0,
                              size_t r1, int want_grad, int propto);
double mop_term_obs_logp(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r);
size_t mop_term_obs_offset(const gb_model *m, const mop *o, size_t r);
/* model_ops_index.c: where batch item b of a SCATTER / GATHER's left side starts in the node;
 * *bad set when an index is out of range. */
size_t mop_lhs_offset(const gb_model *m, gb_model_ws *ws, const mop *o, const tensor *node,
                      size_t b, int *bad);

/* model_tape.c, the one executor: run_range runs ops [a, z) forward, or backward from z - 1 down
 * to a, over items [b0, b1), skipping comprehension bodies (their comprehension op runs them);
 * gb_model_tape_forward runs ops [a, z) forward over every item and returns the log density of
 * the TRANSFORM and TERM ops among them; gb_model_blanket_logp is L's blanket's at the current
 * values. */
void run_range(const gb_model *m, gb_model_ws *ws, size_t a, size_t z, size_t b0, size_t b1,
               int backward);
double gb_model_tape_forward(const gb_model *m, gb_model_ws *ws, size_t a, size_t z,
                             const double *theta, int want_grad, int propto);
double gb_model_blanket_logp(const gb_model *m, gb_model_ws *ws, const latent *L);
/* model_split.c: is term op o split into shares of its repetitions (an observation term of
 * data whose lpdf has not summarised its rows), rather than run whole by share 0? */
int gb_split_term_is_split(const gb_model *m, const mop *o);
/* The loop iterations [*b0, *b1) of term range k (batched) that share ws->share_k evaluates. */
void gb_split_items(const gb_model *m, const gb_model_ws *ws, size_t k, size_t *b0, size_t *b1);
/* The repetitions [*r0, *r1) of term op o that ws evaluates: all of them unsplit; in a share,
 * an observation term's share (whole loop iterations for a loop, as its argument ops ran), and
 * a term left whole all of them in share 0 and none in the others. */
void gb_split_term_reps(const gb_model *m, const gb_model_ws *ws, const mop *o, size_t *r0,
                        size_t *r1);
/* gb_model_logp in ws alone, whatever ws->split says (the split's shares call it). */
double gb_model_logp_local(const gb_model *m, gb_model_ws *ws, const double *theta, double *grad);

/* model_marg.c: decides which latents taken by a marginalising kind are summed out (the others
 * go to the next kind that can update them, with the reason; -1 when out of memory), and the
 * marginal log density of L's terms at the current values (gradient added to the adjoints when
 * want_grad). */
gb_status gb_model_plan_marginal(gb_model *m, gb_errlist *errs);
double gb_model_marg_logp(const gb_model *m, gb_model_ws *ws, const latent *L, int want_grad);
/* What model_marg.c and model_marg_chain.c share: model_marg_int.h. */

/* model_marg_chain.c: a first-order chain (L->chain) summed out by the forward algorithm.
 * check says why it cannot be (NULL when it can; asked: the model said `@marginalise`, which
 * lifts the automatic bound on the states; *oom set when out of memory); adopt lays out its
 * workspace and tags its ops as latent k's; logp is log Z, the marginal log density of its terms
 * (gradient added to the adjoints when want_grad); draw draws its path by FFBS into ws.  The
 * longest summed chain (0 when none) sizes ws->path. */
const char *gb_model_marg_chain_check(const gb_model *m, latent *L, int asked, int *oom);
gb_status gb_model_marg_chain_adopt(gb_model *m, latent *L, size_t k);
double gb_model_marg_chain_logp(const gb_model *m, gb_model_ws *ws, const latent *L,
                                int want_grad);
gb_status gb_model_marg_chain_draw(const gb_model *m, gb_model_ws *ws, const latent *L,
                                   gsl_rng *r);
size_t gb_model_marg_chain_longest(const gb_model *m);

/* model_fuse.c: recognises the normal terms whose location is a sum of gathered and
 * linear-in-data pieces (-1 when out of memory); evaluates one such term without its argument
 * ops: forward, its log density (and the scale's adjoint), backward, the pieces' adjoints.  What
 * gb_model_logp runs unless the workspace says no_fuse; bit for bit the argument ops' and
 * lpdf's results. */
typedef struct gb_fuse_plan gb_fuse_plan;
gb_status gb_model_plan_fused(gb_model *m);
/* Over the term's rows [lo, hi) (all of them unsplit; a share's in a split likelihood). */
double mop_fused_term(const gb_model *m, gb_model_ws *ws, const mop *o, size_t lo, size_t hi);
void mop_fused_backward(const gb_model *m, gb_model_ws *ws, const mop *o, size_t lo, size_t hi);

/* model_group.c: recognises the terms whose rows reach the parameters only through an index
 * fixed during a NUTS trajectory (data, or discrete latents another kind updates), and lays out
 * their statistics in the workspace (-1 when out of memory); evaluates one such term from its
 * statistics, rebuilt first when the discrete values it reads changed, adding its adjoints to
 * the parameters' directly (its argument ops skipped forward and backward). */
typedef struct gb_group_plan gb_group_plan;
gb_status gb_model_plan_grouped(gb_model *m);
double mop_grouped_term(const gb_model *m, gb_model_ws *ws, const mop *o);

/* model_rows.c: the ops that run over a share's rows of a vectorised term (split.h).  plan
 * fills rows (per op) and trows (per tensor), both zeroed, with 1 + k for the row-wise ops that
 * feed only vectorised term range k and for their results (ws->share_rows, share_trows); run
 * runs one such op forward or backward over rows [r0, r1) only. */
gb_status mop_rows_plan(const gb_model *m, size_t *rows, size_t *trows);
void mop_rows_run(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r0, size_t r1,
                  int backward);
/* model_ops_arith.c: r[j] = a[j * as] op b[j * bs] for j in [j0, j1) (as, bs 0 or 1), and a
 * binary operator's partial derivatives given its value r. */
void mop_binop_range(int op, const double *a, size_t as, const double *b, size_t bs, double *r,
                     size_t j0, size_t j1);
void mop_binop_d(int op, double a, double b, double r, double *da, double *db);

/* model_columns.c: names the output columns (-1 when out of memory). */
gb_status gb_model_make_columns(gb_model *m);

/* model_init.c: the support [lo, hi] of discrete latent L (-1 when not a valid range). */
int gb_model_discrete_support(const gb_model *m, gb_model_ws *ws, const latent *L, double *lo,
                              double *hi);

#endif
