/* train.c - training steps built from the catalogue matmuls. */
#include "kernels/train.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "kernels/matmul.h"

static int64_t khw(const dse_layer_t *l)
{
    return l->op == DSE_OP_PW ? 1 : l->kh * l->kw;
}

static void mm(const dse_train_cfg_t *cfg, const float *a, const float *b, float *c, int64_t n,
               int64_t k, int64_t m)
{
    dse_mm_run_f32(cfg->tab, cfg->kernel, a, b, c, n, k, m, cfg->cores, NULL);
}

/* Input value at (ci, ih, iw) or 0 in the padding. */
static inline float at(const dse_layer_t *l, const float *x, int64_t ci, int64_t ih, int64_t iw)
{
    if (ih < 0 || ih >= l->hin || iw < 0 || iw >= l->win)
        return 0.0f;
    return x[(ci * l->hin + ih) * l->win + iw];
}

/* im2col: col[(ci*kh + r)*kw + s][p] (transposed = 0) or col[p][...]
 * (transposed = 1, for the weight gradient), p = oh*wout + ow. */
static float *im2col(const dse_layer_t *l, const float *x, int transposed)
{
    int64_t kh = l->op == DSE_OP_PW ? 1 : l->kh, kw = l->op == DSE_OP_PW ? 1 : l->kw;
    int64_t kk = l->cin * kh * kw, np = l->hout * l->wout;
    float *col = dse_xmalloc((size_t)(kk * np) * sizeof *col);
    for (int64_t ci = 0; ci < l->cin; ci++)
        for (int64_t r = 0; r < kh; r++)
            for (int64_t s = 0; s < kw; s++) {
                int64_t row = (ci * kh + r) * kw + s;
                for (int64_t oh = 0; oh < l->hout; oh++)
                    for (int64_t ow = 0; ow < l->wout; ow++) {
                        int64_t p = oh * l->wout + ow;
                        float v = at(l, x, ci, oh * l->sh - l->pad_t + r, ow * l->sw - l->pad_l + s);
                        col[transposed ? p * kk + row : row * np + p] = v;
                    }
            }
    return col;
}

void dse_train_conv_fw(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                       const float *w, const float *bias, float *y)
{
    int64_t np = l->hout * l->wout;
    int direct = l->op == DSE_OP_PW && l->sh == 1 && l->sw == 1 && l->pad_t == 0 && l->pad_l == 0
                 && l->hout == l->hin && l->wout == l->win;
    if (direct) { /* pointwise, stride 1: the input is already the B matrix */
        mm(cfg, w, x, y, l->cout, l->cin, np);
    } else {
        float *col = im2col(l, x, 0);
        mm(cfg, w, col, y, l->cout, l->cin * khw(l), np);
        free(col);
    }
    if (bias)
        for (int64_t co = 0; co < l->cout; co++)
            for (int64_t p = 0; p < np; p++)
                y[co * np + p] += bias[co];
}

void dse_train_conv_wg(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                       const float *dy, float *dw, float *dbias)
{
    int64_t np = l->hout * l->wout;
    float *colt = im2col(l, x, 1);
    mm(cfg, dy, colt, dw, l->cout, np, l->cin * khw(l));
    free(colt);
    if (dbias)
        for (int64_t co = 0; co < l->cout; co++) {
            float s = 0;
            for (int64_t p = 0; p < np; p++)
                s += dy[co * np + p];
            dbias[co] = s;
        }
}

void dse_train_conv_ig(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *w,
                       const float *dy, float *dx)
{
    int64_t kh = l->op == DSE_OP_PW ? 1 : l->kh, kw = l->op == DSE_OP_PW ? 1 : l->kw;
    int64_t kk = l->cout * kh * kw, ni = l->hin * l->win;
    /* transposed weights wt[ci][(co*kh + r)*kw + s] */
    float *wt = dse_xmalloc((size_t)(l->cin * kk) * sizeof *wt);
    for (int64_t co = 0; co < l->cout; co++)
        for (int64_t ci = 0; ci < l->cin; ci++)
            for (int64_t r = 0; r < kh; r++)
                for (int64_t s = 0; s < kw; s++)
                    wt[ci * kk + (co * kh + r) * kw + s] = w[((co * l->cin + ci) * kh + r) * kw + s];
    /* im2col of the output gradient over the input positions:
     * col[(co*kh + r)*kw + s][ih*win + iw] = dy[co][oh][ow] when ih = oh*sh - pt + r,
     * iw = ow*sw - pl + s, else 0 */
    float *col = dse_xcalloc((size_t)(kk * ni), sizeof *col);
    for (int64_t co = 0; co < l->cout; co++)
        for (int64_t r = 0; r < kh; r++)
            for (int64_t s = 0; s < kw; s++) {
                float *row = col + ((co * kh + r) * kw + s) * ni;
                for (int64_t oh = 0; oh < l->hout; oh++)
                    for (int64_t ow = 0; ow < l->wout; ow++) {
                        int64_t ih = oh * l->sh - l->pad_t + r, iw = ow * l->sw - l->pad_l + s;
                        if (ih >= 0 && ih < l->hin && iw >= 0 && iw < l->win)
                            row[ih * l->win + iw] = dy[(co * l->hout + oh) * l->wout + ow];
                    }
            }
    mm(cfg, wt, col, dx, l->cin, kk, ni);
    free(wt);
    free(col);
}

/* Channel range of one core in the depthwise split. */
static void dw_range(int64_t c, int cores, int id, int64_t *s, int64_t *t)
{
    int64_t bs = (c + cores - 1) / cores;
    *s = id * bs < c ? id * bs : c;
    *t = *s + bs < c ? *s + bs : c;
}

void dse_train_dw_fw(const dse_layer_t *l, int cores, const float *x, const float *w, float *y)
{
    for (int id = 0; id < cores; id++) {
        int64_t c0, c1;
        dw_range(l->cout, cores, id, &c0, &c1);
        for (int64_t c = c0; c < c1; c++)
            for (int64_t oh = 0; oh < l->hout; oh++)
                for (int64_t ow = 0; ow < l->wout; ow++) {
                    float s = 0;
                    for (int64_t r = 0; r < l->kh; r++)
                        for (int64_t q = 0; q < l->kw; q++)
                            s += w[(c * l->kh + r) * l->kw + q]
                                 * at(l, x, c, oh * l->sh - l->pad_t + r, ow * l->sw - l->pad_l + q);
                    y[(c * l->hout + oh) * l->wout + ow] = s;
                }
    }
}

void dse_train_dw_wg(const dse_layer_t *l, int cores, const float *x, const float *dy,
                     float *dw)
{
    for (int id = 0; id < cores; id++) {
        int64_t c0, c1;
        dw_range(l->cout, cores, id, &c0, &c1);
        for (int64_t c = c0; c < c1; c++)
            for (int64_t r = 0; r < l->kh; r++)
                for (int64_t q = 0; q < l->kw; q++) {
                    float s = 0;
                    for (int64_t oh = 0; oh < l->hout; oh++)
                        for (int64_t ow = 0; ow < l->wout; ow++)
                            s += dy[(c * l->hout + oh) * l->wout + ow]
                                 * at(l, x, c, oh * l->sh - l->pad_t + r, ow * l->sw - l->pad_l + q);
                    dw[(c * l->kh + r) * l->kw + q] = s;
                }
    }
}

void dse_train_dw_ig(const dse_layer_t *l, int cores, const float *w, const float *dy,
                     float *dx)
{
    for (int id = 0; id < cores; id++) {
        int64_t c0, c1;
        dw_range(l->cout, cores, id, &c0, &c1);
        for (int64_t c = c0; c < c1; c++) {
            memset(dx + c * l->hin * l->win, 0, (size_t)(l->hin * l->win) * sizeof *dx);
            for (int64_t oh = 0; oh < l->hout; oh++)
                for (int64_t ow = 0; ow < l->wout; ow++) {
                    float g = dy[(c * l->hout + oh) * l->wout + ow];
                    for (int64_t r = 0; r < l->kh; r++)
                        for (int64_t q = 0; q < l->kw; q++) {
                            int64_t ih = oh * l->sh - l->pad_t + r, iw = ow * l->sw - l->pad_l + q;
                            if (ih >= 0 && ih < l->hin && iw >= 0 && iw < l->win)
                                dx[(c * l->hin + ih) * l->win + iw] += g * w[(c * l->kh + r) * l->kw + q];
                        }
                }
        }
    }
}

void dse_train_linear_fw(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                         const float *w, const float *bias, float *y)
{
    mm(cfg, w, x, y, l->cout, l->cin, 1);
    if (bias)
        for (int64_t i = 0; i < l->cout; i++)
            y[i] += bias[i];
}

void dse_train_linear_wg(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                         const float *dy, float *dw, float *dbias)
{
    mm(cfg, dy, x, dw, l->cout, 1, l->cin);
    if (dbias)
        memcpy(dbias, dy, (size_t)l->cout * sizeof *dbias);
}

void dse_train_linear_ig(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *w,
                         const float *dy, float *dx)
{
    mm(cfg, dy, w, dx, 1, l->cout, l->cin);
}
