/* ops.c - step shapes, MAC counts and L1 footprints of layer tiles. */
#include "kernels/ops.h"

int64_t dse_ops_in_span(int64_t o0, int64_t n, int64_t stride, int64_t k, int64_t pad_lo,
                        int64_t in_size)
{
    if (n <= 0)
        return 0;
    int64_t lo = o0 * stride - pad_lo;
    int64_t hi = (o0 + n - 1) * stride - pad_lo + k - 1;
    if (lo < 0)
        lo = 0;
    if (hi > in_size - 1)
        hi = in_size - 1;
    /* With stride > k some inputs between windows are never read; they are
     * still part of the contiguous block the DMA fetches, so they count. */
    return hi >= lo ? hi - lo + 1 : 0;
}

int dse_ops_is_dense(dse_op_t op)
{
    return op == DSE_OP_LINEAR || op == DSE_OP_MATMUL || op == DSE_OP_GEMM || op == DSE_OP_GEMV;
}

static int is_bare_mm(dse_op_t op)
{
    return op == DSE_OP_MATMUL || op == DSE_OP_GEMM || op == DSE_OP_GEMV;
}

void dse_ops_full_tile(const dse_layer_t *l, dse_tile_t *t)
{
    if (is_bare_mm(l->op)) {
        t->cout = l->n;
        t->cin = l->k;
        t->ho = l->m;
        t->wo = 1;
        t->hi = l->m;
        t->wi = 1;
        return;
    }
    t->cout = l->cout;
    t->cin = l->cin;
    if (l->op == DSE_OP_LINEAR) {
        t->ho = t->wo = t->hi = t->wi = 1;
        return;
    }
    t->ho = l->hout;
    t->wo = l->wout;
    t->hi = dse_ops_in_span(0, l->hout, l->sh, l->kh, l->pad_t, l->hin);
    t->wi = dse_ops_in_span(0, l->wout, l->sw, l->kw, l->pad_l, l->win);
}

void dse_ops_mm_dims(const dse_layer_t *l, int step, const dse_tile_t *t, dse_mm_dims_t *d)
{
    int64_t khw = l->kh * l->kw;
    d->n = d->k = d->m = 0;
    switch (l->op) {
    case DSE_OP_CONV2D:
    case DSE_OP_PW:
        if (l->op == DSE_OP_PW)
            khw = 1;
        if (step == DSE_TSTEP_FW) {
            d->n = t->cout, d->k = khw * t->cin, d->m = t->ho * t->wo;
        } else if (step == DSE_TSTEP_WG) {
            d->n = t->cout, d->k = t->ho * t->wo, d->m = khw * t->cin;
        } else {
            d->n = t->cin, d->k = khw * t->cout;
            d->m = l->op == DSE_OP_PW ? t->ho * t->wo : t->hi * t->wi;
        }
        break;
    case DSE_OP_LINEAR:
    case DSE_OP_MATMUL:
    case DSE_OP_GEMM:
    case DSE_OP_GEMV:
        /* rows = batch rows of the input (1 for linear) */
        if (step == DSE_TSTEP_FW) {
            d->n = t->cout, d->k = t->cin, d->m = t->ho;
            if (l->op != DSE_OP_LINEAR) /* C[m x n]: rows of A are the parallel rows */
                d->n = t->ho, d->m = t->cout;
        } else if (step == DSE_TSTEP_WG) {
            d->n = t->cout, d->k = t->ho, d->m = t->cin;
            if (l->op != DSE_OP_LINEAR) /* dB[k x n] = A^T dC */
                d->n = t->cin, d->m = t->cout;
        } else {
            d->n = t->ho, d->k = t->cout, d->m = t->cin;
        }
        break;
    default:
        break;
    }
}

int64_t dse_ops_macs(const dse_layer_t *l, int step, const dse_tile_t *t)
{
    if (l->op == DSE_OP_DW)
        return t->cout * t->ho * t->wo * l->kh * l->kw;
    dse_mm_dims_t d;
    dse_ops_mm_dims(l, step, t, &d);
    return d.n * d.k * d.m;
}

int64_t dse_ops_im2col_elems(const dse_layer_t *l, int step, const dse_tile_t *t)
{
    if (l->op != DSE_OP_CONV2D)
        return 0;
    int64_t khw = l->kh * l->kw;
    if (step == DSE_TSTEP_IG)
        return t->cout * khw * t->hi * t->wi;
    return t->cin * khw * t->ho * t->wo;
}

void dse_ops_footprint(const dse_layer_t *l, int step, const dse_tile_t *t, int eb,
                       dse_footprint_t *fp)
{
    int64_t khw = l->kh * l->kw;
    fp->in = fp->w = fp->bias = fp->im2col = fp->out = 0;
    switch (l->op) {
    case DSE_OP_CONV2D:
        fp->in = t->cin * t->hi * t->wi * eb;
        fp->w = khw * t->cin * t->cout * eb;
        fp->bias = step == DSE_TSTEP_IG ? 0 : t->cout * eb;
        fp->im2col = dse_ops_im2col_elems(l, step, t) * eb;
        fp->out = t->cout * t->ho * t->wo * eb;
        break;
    case DSE_OP_PW:
        fp->in = t->cin * t->hi * t->wi * eb;
        fp->w = t->cin * t->cout * eb;
        fp->out = t->cout * t->ho * t->wo * eb;
        break;
    case DSE_OP_DW:
        fp->in = t->cout * t->hi * t->wi * eb;
        fp->w = khw * t->cout * eb;
        fp->out = t->cout * t->ho * t->wo * eb;
        break;
    case DSE_OP_LINEAR:
    case DSE_OP_MATMUL:
    case DSE_OP_GEMM:
    case DSE_OP_GEMV:
        fp->in = t->ho * t->cin * eb;
        fp->w = t->cin * t->cout * eb;
        fp->out = t->ho * t->cout * eb;
        if (l->op == DSE_OP_LINEAR && step != DSE_TSTEP_IG)
            fp->bias = t->cout * eb;
        break;
    default:
        break;
    }
}

int64_t dse_ops_footprint_total(const dse_footprint_t *fp, int double_buffer)
{
    int64_t dma = fp->in + fp->w + fp->bias + fp->out;
    return (double_buffer ? 2 * dma : dma) + fp->im2col;
}
