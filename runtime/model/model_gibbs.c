/* model_gibbs.c - element-wise Markov blankets for Gibbs updates of discrete latent arrays.
 *
 * Enumerating z[e] over its support needs only the log-density terms that read z[e].  The plain
 * blanket (gb_model_deps_blanket in model_deps.c) is whole definitions: a mixture's 1000-row
 * likelihood is re-evaluated in full for each of the 1000 labels, O(N^2) per sweep.  Here the
 * term ops are analysed once, at compilation: when every path from z to a term goes through
 * indexing with parameter-free indices (z[n], mu[z[n]], Gamma[z[t - 1]]), each batch item of
 * the term reads a known, fixed set of elements of z.  Inverting that gives, for each element
 * e, the (term, batch item) pieces to evaluate: O(1) work per element in a mixture or a hidden
 * Markov chain.  A vector statement gathering by the whole array (`y ~ normal(mu[z], sigma)`)
 * is the same per repetition: repetition e reads mu[z[e]], so only element e of the gather is
 * recomputed and only repetition e of the term evaluated.  Elementwise arithmetic on z or on
 * such a gather (`poisson(lambda * (1 - z))`) keeps the per-repetition plan; those ops are
 * rerun whole (cheap arithmetic, O(N) per element), the term still for repetition e alone.
 * Anything else (z read whole, indices that move with a parameter, truncation, a deterministic
 * node in the blanket) keeps the plain blanket.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"

#define MAX_MAPS 4

enum { D_NONE, D_WHOLE, D_MAPS, D_ELEM, D_ALL };

/* What a tensor's value depends on in z: nothing, z itself, per batch item a few elements
 * (maps[j][b] is an element index), element j on z[j] alone (a gather base[z], D_ELEM), or
 * anything. */
typedef struct dep {
    int kind;
    int nmaps;
    const size_t *maps[MAX_MAPS];
} dep;

typedef struct planner {
    const gb_model *m;
    gb_model_ws *ws;
    dep *d;                /* per tensor */
    unsigned char *fixed;  /* per tensor: value independent of every parameter */
    size_t *src;           /* per D_ELEM tensor: the gather op computing it */
    int elem_in[8];        /* the term last analysed: its inputs that are D_ELEM */
    GB_VEC(size_t *) pool; /* map arrays */
    int oom;
} planner;

typedef struct piece {
    size_t elem, range, item;
} piece;

typedef GB_VEC(piece) piece_list;

static const size_t *new_map(planner *p, size_t n)
{
    size_t *a = malloc((n ? n : 1) * sizeof *a);
    if (!a || GB_VEC_PUSH(&p->pool, a) != 0) {
        free(a);
        p->oom = 1;
        return NULL;
    }
    return a;
}

static int same_map(const size_t *a, const size_t *b, size_t n)
{
    return a == b || memcmp(a, b, n * sizeof *a) == 0;
}

/* Adds the maps of `in` into `out` (union, by content); D_ALL when there are too many. */
static void join(dep *out, const dep *in, size_t batch)
{
    if (in->kind == D_NONE || out->kind == D_ALL)
        return;
    if (in->kind != D_MAPS) {
        out->kind = D_ALL;
        return;
    }
    out->kind = D_MAPS;
    for (int j = 0; j < in->nmaps; j++) {
        int have = 0;
        for (int k = 0; k < out->nmaps && !have; k++)
            have = same_map(out->maps[k], in->maps[j], batch);
        if (have)
            continue;
        if (out->nmaps == MAX_MAPS) {
            out->kind = D_ALL;
            return;
        }
        out->maps[out->nmaps++] = in->maps[j];
    }
}

/* z[idx] with one scalar index, or the left side z[i, j] of an element-wise definition: a map
 * from batch items to elements, when the index values are fixed. */
static dep index_map(planner *p, const mop *o, const tensor *Z, int gather)
{
    dep r = {D_ALL, 0, {0}};
    const tensor *O = &p->m->t.items[o->out];
    int rank = Z->eshape.rank;
    if (gather ? o->nin - 1 != rank : !(o->nin == 2 && (o->sub & 3) == IX_SCALAR && rank == 1))
        return r;
    for (int i = 1; i < o->nin; i++)
        if (!p->fixed[o->in[i]])
            return r;
    size_t batch = O->batch;
    size_t *map = (size_t *)new_map(p, batch);
    if (!map)
        return r;
    for (size_t b = 0; b < batch; b++) {
        size_t off = 0;
        for (int i = 1; i < o->nin; i++) {
            const tensor *X = &p->m->t.items[o->in[i]];
            double x = tval(p->m, p->ws, o->in[i])[X->batched ? b * X->elen : 0];
            size_t dim = Z->eshape.dim[i - 1];
            if (!(x >= 1 && x <= (double)dim))
                return r; /* reported when the model runs */
            off = off * dim + (size_t)x - 1;
        }
        map[b] = off;
    }
    r.kind = D_MAPS;
    r.nmaps = 1;
    r.maps[0] = map;
    return r;
}

/* base[z] with z the whole latent and a vector base that does not move with z: element j of
 * the result is base[z[j]], one element per element of z. */
static int is_elem_gather(const planner *p, const mop *o, size_t ztensor)
{
    const gb_model *m = p->m;
    if (o->kind != OP_INDEX || o->nin != 2 || (o->sub & 3) != IX_VECTOR || o->in[1] != ztensor ||
        p->d[o->in[0]].kind != D_NONE)
        return 0;
    const tensor *B = &m->t.items[o->in[0]], *O = &m->t.items[o->out];
    const tensor *Z = &m->t.items[ztensor];
    return B->eshape.rank == 1 && !B->batched && !O->batched && !Z->batched && O->elen == Z->elen;
}

/* An elementwise op (1 - z, lambda * mu[z]) reading z or a D_ELEM value, one element per
 * element of z, and otherwise only values that do not move with z: element j of the result
 * depends on z[j] alone. */
static int is_elem_op(const planner *p, const mop *o, size_t ztensor)
{
    const gb_model *m = p->m;
    const tensor *O = &m->t.items[o->out], *Z = &m->t.items[ztensor];
    if ((o->kind != OP_BINOP && o->kind != OP_UNOP && o->kind != OP_IF &&
         o->kind != OP_CALL_ELEM) ||
        O->batched || O->elen != Z->elen || Z->batched)
        return 0;
    int reads = 0;
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        int k = p->d[o->in[i]].kind;
        if (k == D_NONE)
            continue;
        if ((k != D_ELEM && !(k == D_WHOLE && o->in[i] == ztensor)) || X->batched ||
            X->elen != Z->elen)
            return 0;
        reads = 1;
    }
    return reads;
}

/* Dependencies of the ops of one term range; returns the term's, or D_ALL. */
static dep analyse_range(planner *p, size_t a, size_t z, size_t ztensor)
{
    const gb_model *m = p->m;
    size_t body_end = 0;
    int body_dep = 0;
    for (size_t q = a; q < z; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP) {
            body_end = o->body1;
            body_dep = 0;
            continue;
        }
        dep r = {D_NONE, 0, {0}};
        int fixed = 1;
        const tensor *Z = &m->t.items[ztensor];
        if (is_elem_gather(p, o, ztensor) || is_elem_op(p, o, ztensor)) {
            r.kind = D_ELEM;
            fixed = 0;
            p->src[o->out] = q;
        } else if ((o->kind == OP_INDEX || o->kind == OP_GATHER) &&
                   p->d[o->in[0]].kind == D_WHOLE) {
            r = index_map(p, o, Z, o->kind == OP_GATHER);
            fixed = 0;
            for (int i = 1; i < o->nin; i++)
                join(&r, &p->d[o->in[i]], m->t.items[o->out].batch);
        } else {
            size_t batch =
                o->kind == OP_TERM ? (o->batch ? o->batch : 1) : m->t.items[o->out].batch;
            for (int i = 0; i < o->nin; i++) {
                const dep *di = &p->d[o->in[i]];
                if (o->kind == OP_TERM)
                    p->elem_in[i] = di->kind == D_ELEM;
                if (di->kind == D_WHOLE && o->kind == OP_TERM && i == 0)
                    r.kind = r.kind == D_NONE ? D_WHOLE : D_ALL;
                else if (di->kind == D_ELEM && o->kind == OP_TERM)
                    r.kind = r.kind == D_NONE || r.kind == D_ELEM ? D_ELEM : D_ALL;
                else if (r.kind == D_ELEM && di->kind != D_NONE)
                    r.kind = D_ALL;
                else
                    join(&r, di, batch);
                fixed &= p->fixed[o->in[i]];
            }
            if (r.kind == D_MAPS && o->kind != OP_TERM && !m->t.items[o->out].batched)
                r.kind = D_ALL; /* items of different batches meet */
        }
        if (o->kind == OP_COMPREH && body_dep)
            r.kind = D_ALL;
        if (q < body_end && r.kind != D_NONE)
            body_dep = 1;
        if (o->kind == OP_TERM)
            return r;
        if (o->kind == OP_TRANSFORM || o->kind == OP_SCATTER)
            return (dep){D_ALL, 0, {0}};
        p->d[o->out] = r;
        p->fixed[o->out] = (unsigned char)(fixed && r.kind == D_NONE);
    }
    return (dep){D_ALL, 0, {0}};
}

static int cmp_piece(const void *x, const void *y)
{
    const piece *a = x, *b = y;
    if (a->elem != b->elem)
        return a->elem < b->elem ? -1 : 1;
    if (a->range != b->range)
        return a->range < b->range ? -1 : 1;
    return a->item < b->item ? -1 : a->item > b->item;
}

/* The pieces of one term range: every (element, batch item or repetition) it reads. */
static int add_pieces(planner *p, latent *L, size_t k, const dep *r, piece_list *out)
{
    const mop *t = &p->m->ops.items[L->blanket.items[2 * k + 1] - 1];
    size_t nz = p->m->t.items[p->m->ni[L->node].tensor].elen;
    if (r->kind == D_WHOLE) { /* z ~ dist(...) vectorised: repetition r reads element r */
        if (t->batch > 1 || t->n != nz || t->stride[0] != 1 || t->use_scr[0])
            return -1;
        L->per_rep[k] = 1;
        for (size_t e = 0; e < nz; e++) {
            piece pc = {e, k, e};
            if (GB_VEC_PUSH(out, pc) != 0)
                return p->oom = 1, -1;
        }
        return 0;
    }
    if (r->kind == D_ELEM) { /* repetition e reads the gathers' element e */
        size_t *g = L->gop + k * GB_GIBBS_GATHERS;
        int ng = 0;
        if (t->batch > 1 || t->n != nz || t->dims[0] || t->dims[1])
            return -1;
        for (int i = 0; i < t->nin; i++)
            if (p->elem_in[i] && (t->stride[i] != 1 || t->use_scr[i]))
                return -1;
        for (size_t q = L->blanket.items[2 * k]; q + 1 < L->blanket.items[2 * k + 1]; q++) {
            const mop *o = &p->m->ops.items[q];
            if (o->kind == OP_SKIP || p->d[o->out].kind != D_ELEM || p->src[o->out] != q)
                continue;
            if (ng == GB_GIBBS_GATHERS)
                return -1;
            g[ng++] = q;
        }
        L->per_rep[k] = 1;
        for (size_t e = 0; e < nz; e++) {
            piece pc = {e, k, e};
            if (GB_VEC_PUSH(out, pc) != 0)
                return p->oom = 1, -1;
        }
        return 0;
    }
    if (r->kind != D_MAPS)
        return -1;
    size_t batch = t->batch ? t->batch : 1;
    for (int j = 0; j < r->nmaps; j++)
        for (size_t b = 0; b < batch; b++) {
            piece pc = {r->maps[j][b], k, b};
            if (pc.elem >= nz)
                return -1;
            if (GB_VEC_PUSH(out, pc) != 0)
                return p->oom = 1, -1;
        }
    return 0;
}

static int has_gathers(const latent *L, size_t nr)
{
    for (size_t k = 0; k < nr; k++)
        if (L->gop[k * GB_GIBBS_GATHERS] != GB_NO_TENSOR)
            return 1;
    return 0;
}

/* Builds L's element plan, or leaves it empty (the plain blanket is used).  Running out of
 * memory is not a reason to fall back: it sets p->oom, and compiling fails. */
static void plan_latent(planner *p, latent *L)
{
    const gb_model *m = p->m;
    size_t nr = L->blanket.len / 2;
    piece_list pcs = {0};
    for (size_t k = 0; k < nr; k++)
        if (L->blanket.items[2 * k] < m->nterm_start)
            return; /* a deterministic node reads z: keep the plain blanket */
    L->per_rep = calloc(nr ? nr : 1, 1);
    L->gop = malloc((nr ? nr : 1) * GB_GIBBS_GATHERS * sizeof *L->gop);
    if (!L->per_rep || !L->gop) {
        p->oom = 1;
        goto fail;
    }
    for (size_t i = 0; i < (nr ? nr : 1) * GB_GIBBS_GATHERS; i++)
        L->gop[i] = GB_NO_TENSOR;
    for (size_t k = 0; k < nr; k++) {
        size_t a = L->blanket.items[2 * k], z = L->blanket.items[2 * k + 1];
        const mop *t = &m->ops.items[z - 1];
        if (t->kind != OP_TERM || t->trunc_lo != GB_NO_TENSOR || t->trunc_hi != GB_NO_TENSOR)
            goto fail;
        for (size_t i = 0; i < m->t.len; i++) {
            const tensor *X = &m->t.items[i];
            p->d[i] = (dep){i == m->ni[L->node].tensor ? D_WHOLE : D_NONE, 0, {0}};
            /* outside this range: read-only values and loop variables are fixed; node values
               computed per draw are not */
            p->fixed[i] = X->ext != NULL;
        }
        run_range(m, p->ws, a, z - 1, 0, t->batch ? t->batch : 1, 0);
        dep r = analyse_range(p, a, z, m->ni[L->node].tensor);
        if (add_pieces(p, L, k, &r, &pcs) != 0)
            goto fail;
    }
    qsort(pcs.items, pcs.len, sizeof *pcs.items, cmp_piece);
    size_t nz = m->t.items[m->ni[L->node].tensor].elen, w = 0;
    for (size_t i = 0; i < pcs.len; i++) /* an item reading z[e] twice counts once */
        if (w == 0 || cmp_piece(&pcs.items[w - 1], &pcs.items[i]) != 0)
            pcs.items[w++] = pcs.items[i];
    L->eoff = calloc(nz + 1, sizeof *L->eoff);
    L->erange = malloc((w ? w : 1) * sizeof *L->erange);
    L->eitem = malloc((w ? w : 1) * sizeof *L->eitem);
    if (!L->eoff || !L->erange || !L->eitem) {
        p->oom = 1;
        goto fail;
    }
    for (size_t i = 0; i < w; i++) {
        L->eoff[pcs.items[i].elem + 1]++;
        L->erange[i] = pcs.items[i].range;
        L->eitem[i] = pcs.items[i].item;
    }
    for (size_t e = 0; e < nz; e++)
        L->eoff[e + 1] += L->eoff[e];
    free(pcs.items);
    if (L->gop[0] == GB_NO_TENSOR && !has_gathers(L, nr)) {
        free(L->gop);
        L->gop = NULL;
    }
    return;
fail:
    free(pcs.items);
    free(L->per_rep);
    free(L->gop);
    L->gop = NULL;
    free(L->eoff);
    free(L->erange);
    free(L->eitem);
    L->per_rep = NULL;
    L->eoff = L->erange = L->eitem = NULL;
}

gb_status gb_model_plan_gibbs(gb_model *m)
{
    planner p = {m,
                 gb_model_ws_new(m),
                 calloc(m->t.len ? m->t.len : 1, sizeof(dep)),
                 calloc(m->t.len ? m->t.len : 1, 1),
                 calloc(m->t.len ? m->t.len : 1, sizeof(size_t)),
                 {0},
                 {0},
                 0};
    if (!p.ws || !p.d || !p.fixed || !p.src)
        p.oom = 1;
    for (size_t k = 0; !p.oom && k < m->lat.len; k++)
        if (m->lat.items[k].discrete)
            plan_latent(&p, &m->lat.items[k]);
    for (size_t i = 0; i < p.pool.len; i++)
        free(p.pool.items[i]);
    free(p.pool.items);
    free(p.d);
    free(p.fixed);
    free(p.src);
    gb_model_ws_free(p.ws);
    return p.oom ? GB_ENOMEM : GB_OK;
}

/* Log density of repetitions [r0, r1) of a term, value only, unnormalised terms kept. */
static double term_part(const gb_model *m, gb_model_ws *ws, const mop *o, size_t r0, size_t r1)
{
    gb_arg args[8];
    size_t le = o->n / (o->batch ? o->batch : 1);
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        const double *x = tval(m, ws, o->in[i]);
        size_t bl = o->stride[i];
        args[i].adj = NULL;
        args[i].stride = bl;
        if (!o->use_scr[i]) {
            args[i].val = x + r0 * bl;
            continue;
        }
        double *s = ws->buf + o->scr[i];
        for (size_t r = r0; r < r1; r++) {
            size_t nlead = X->elen / (bl ? bl : 1), lead = nlead == 1 ? 0 : r % le;
            size_t off = (X->batched ? (r / le) * X->elen : 0) + lead * bl;
            memcpy(s + (r - r0) * bl, x + off, bl * sizeof *s);
        }
        args[i].val = s;
    }
    double lp = o->dist->lpdf(r1 - r0, args, mop_dims(o), 0);
    return lp > -INFINITY ? lp : -INFINITY;
}

/* Element e of a gather base[z] (is_elem_gather). */
static void gather_element(const gb_model *m, gb_model_ws *ws, const mop *o, size_t e)
{
    const tensor *B = &m->t.items[o->in[0]];
    double x = tval(m, ws, o->in[1])[e];
    double *r = tval(m, ws, o->out);
    if (!(x >= 1 && x <= (double)B->eshape.dim[0])) {
        ws->bad = 1;
        r[e] = 0;
        return;
    }
    r[e] = tval(m, ws, o->in[0])[(size_t)x - 1];
}

/* Brings element e of a D_ELEM op's result up to date: a gather recomputes that element
 * alone; an elementwise op runs whole (its other elements read values that may be stale, but
 * nothing reads them before the next prepare). */
static void elem_op(const gb_model *m, gb_model_ws *ws, const mop *o, size_t e)
{
    if (o->kind == OP_INDEX)
        gather_element(m, ws, o, e);
    else
        op_forward(m, ws, o, 0, 1);
}

void gb_model_latent_plan_free(latent *L)
{
    free(L->blanket.items);
    free(L->eoff);
    free(L->erange);
    free(L->eitem);
    free(L->per_rep);
    free(L->gop);
    gb_model_chain_free(L->chain);
    free(L->moff);
    free(L->melem);
    free(L->mcmp);
    free(L->mbrk);
    free(L->mbc);
    free(L->reason_buf);
}

void gb_model_gibbs_prepare(const gb_model *m, gb_model_ws *ws, const latent *L)
{
    size_t nr = L->blanket.len / 2;
    for (size_t k = 0; L->gop && k < nr; k++) {
        if (L->gop[k * GB_GIBBS_GATHERS] == GB_NO_TENSOR)
            continue;
        const mop *t = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
        run_range(m, ws, L->blanket.items[2 * k], L->blanket.items[2 * k + 1] - 1, 0,
                  t->batch ? t->batch : 1, 0);
    }
}

double gb_model_gibbs_piece_logp(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                                 size_t b)
{
    size_t a = L->blanket.items[2 * k], z = L->blanket.items[2 * k + 1];
    const mop *t = &m->ops.items[z - 1];
    double lp;
    ws->bad = 0;
    if (L->per_rep[k]) {
        const size_t *g = L->gop ? L->gop + k * GB_GIBBS_GATHERS : NULL;
        if (g && g[0] != GB_NO_TENSOR) /* element b of the gathers alone (after a prepare) */
            for (int j = 0; j < GB_GIBBS_GATHERS && g[j] != GB_NO_TENSOR; j++)
                elem_op(m, ws, &m->ops.items[g[j]], b);
        else
            run_range(m, ws, a, z - 1, 0, 1, 0);
        lp = term_part(m, ws, t, b, b + 1);
    } else {
        size_t le = t->n / (t->batch ? t->batch : 1);
        run_range(m, ws, a, z - 1, b, b + 1, 0);
        lp = term_part(m, ws, t, b * le, (b + 1) * le);
    }
    return ws->bad || isnan(lp) ? -INFINITY : lp;
}

void gb_model_gibbs_run_range(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k)
{
    const mop *t = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
    ws->bad = 0;
    run_range(m, ws, L->blanket.items[2 * k], L->blanket.items[2 * k + 1] - 1, 0,
              t->batch ? t->batch : 1, 0);
}

double gb_model_gibbs_item_logp(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                                size_t b)
{
    const mop *t = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
    size_t le = L->per_rep[k] ? 1 : t->n / (t->batch ? t->batch : 1);
    double lp = term_part(m, ws, t, b * le, (b + 1) * le);
    return isnan(lp) ? -INFINITY : lp;
}

int gb_model_gibbs_range_each(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                              double *out)
{
    const mop *o = &m->ops.items[L->blanket.items[2 * k + 1] - 1];
    size_t le = L->per_rep[k] ? 1 : o->n / (o->batch ? o->batch : 1);
    if (!o->dist->lpdf_each || le != 1 || o->nin > 8)
        return 0;
    gb_arg args[8];
    for (int i = 0; i < o->nin; i++) {
        const tensor *X = &m->t.items[o->in[i]];
        const double *x = tval(m, ws, o->in[i]);
        size_t bl = o->stride[i];
        args[i] = (gb_arg){x, NULL, bl};
        if (!o->use_scr[i])
            continue;
        double *s = ws->buf + o->scr[i]; /* as term_part lays the repetitions out */
        for (size_t r = 0; r < o->n; r++) {
            size_t nlead = X->elen / (bl ? bl : 1), lead = nlead == 1 ? 0 : r % le;
            size_t off = (X->batched ? (r / le) * X->elen : 0) + lead * bl;
            memcpy(s + r * bl, x + off, bl * sizeof *s);
        }
        args[i].val = s;
    }
    o->dist->lpdf_each(o->n, args, mop_dims(o), NULL, out);
    for (size_t r = 0; r < o->n; r++)
        if (isnan(out[r]))
            out[r] = -INFINITY;
    return 1;
}

double gb_model_gibbs_element_logp(const gb_model *m, gb_model_ws *ws, const latent *L,
                                   size_t e)
{
    double lp = 0;
    for (size_t i = L->eoff[e]; i < L->eoff[e + 1] && lp > -INFINITY; i++)
        lp += gb_model_gibbs_piece_logp(m, ws, L, L->erange[i], L->eitem[i]);
    return lp;
}
