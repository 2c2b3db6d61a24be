/* test_kernels_train.c - training steps against direct formulas. */
#include <stdlib.h>

#include "core/util.h"
#include "kernels/catalogue.h"
#include "kernels/train.h"
#include "tests/test.h"

static uint64_t s_rng = 0x2545F4914F6CDD1DULL;

static int64_t rnd(int64_t lo, int64_t hi)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return lo + (int64_t)(s_rng % (uint64_t)(hi - lo + 1));
}

static float *rnd_buf(int64_t n)
{
    float *b = dse_xmalloc((size_t)n * sizeof *b);
    for (int64_t i = 0; i < n; i++)
        b[i] = (float)rnd(-1000, 1000) / 1000.0f;
    return b;
}

static void random_conv(dse_layer_t *l, dse_op_t op)
{
    memset(l, 0, sizeof *l);
    l->op = op;
    l->cin = rnd(1, 6);
    l->cout = op == DSE_OP_DW ? l->cin : rnd(1, 9);
    l->kh = op == DSE_OP_PW ? 1 : rnd(1, 4);
    l->kw = op == DSE_OP_PW ? 1 : rnd(1, 4);
    l->sh = rnd(1, 2), l->sw = rnd(1, 2);
    l->pad_t = rnd(0, l->kh - 1), l->pad_b = rnd(0, l->kh - 1);
    l->pad_l = rnd(0, l->kw - 1), l->pad_r = rnd(0, l->kw - 1);
    if (op == DSE_OP_PW && rnd(0, 1))
        l->sh = l->sw = 1, l->pad_t = l->pad_b = l->pad_l = l->pad_r = 0;
    l->hin = rnd(l->kh, 9), l->win = rnd(l->kw, 9);
    l->hout = (l->hin + l->pad_t + l->pad_b - l->kh) / l->sh + 1;
    l->wout = (l->win + l->pad_l + l->pad_r - l->kw) / l->sw + 1;
}

static float xat(const dse_layer_t *l, const float *x, int64_t c, int64_t i, int64_t j)
{
    if (i < 0 || i >= l->hin || j < 0 || j >= l->win)
        return 0;
    return x[(c * l->hin + i) * l->win + j];
}

static int close_all(const float *a, const double *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (fabs((double)a[i] - b[i]) > 1e-4 * (1 + fabs(b[i])))
            return 0;
    return 1;
}

/* Direct convolution and its gradients; groups = cin for depthwise. */
static void ref_steps(const dse_layer_t *l, const float *x, const float *w, const float *b,
                      const float *dy, double *y, double *dw, double *db, double *dx)
{
    int dwise = l->op == DSE_OP_DW;
    int64_t cpg = dwise ? 1 : l->cin; /* input channels per output channel */
    memset(y, 0, (size_t)(l->cout * l->hout * l->wout) * sizeof *y);
    memset(dw, 0, (size_t)(l->cout * cpg * l->kh * l->kw) * sizeof *dw);
    memset(db, 0, (size_t)l->cout * sizeof *db);
    memset(dx, 0, (size_t)(l->cin * l->hin * l->win) * sizeof *dx);
    for (int64_t co = 0; co < l->cout; co++)
        for (int64_t oh = 0; oh < l->hout; oh++)
            for (int64_t ow = 0; ow < l->wout; ow++) {
                int64_t o = (co * l->hout + oh) * l->wout + ow;
                y[o] = b ? b[co] : 0;
                db[co] += dy[o];
                for (int64_t g = 0; g < cpg; g++) {
                    int64_t ci = dwise ? co : g;
                    for (int64_t r = 0; r < l->kh; r++)
                        for (int64_t s = 0; s < l->kw; s++) {
                            int64_t ih = oh * l->sh - l->pad_t + r, iw = ow * l->sw - l->pad_l + s;
                            int64_t wi = ((co * cpg + g) * l->kh + r) * l->kw + s;
                            y[o] += (double)w[wi] * xat(l, x, ci, ih, iw);
                            dw[wi] += (double)dy[o] * xat(l, x, ci, ih, iw);
                            if (ih >= 0 && ih < l->hin && iw >= 0 && iw < l->win)
                                dx[(ci * l->hin + ih) * l->win + iw] += (double)dy[o] * w[wi];
                        }
                }
            }
}

DSE_TEST(kernels_train_conv_pw_dw)
{
    const dse_op_t ops[3] = {DSE_OP_CONV2D, DSE_OP_PW, DSE_OP_DW};
    for (int it = 0; it < 150; it++) {
        dse_layer_t l;
        random_conv(&l, ops[it % 3]);
        int dwise = l.op == DSE_OP_DW;
        int64_t nx = l.cin * l.hin * l.win, ny = l.cout * l.hout * l.wout;
        int64_t nw = l.cout * (dwise ? 1 : l.cin) * l.kh * l.kw;
        float *x = rnd_buf(nx), *w = rnd_buf(nw), *b = rnd_buf(l.cout), *dy = rnd_buf(ny);
        double *ry = dse_xmalloc((size_t)ny * sizeof *ry), *rdw = dse_xmalloc((size_t)nw * sizeof *rdw);
        double *rdb = dse_xmalloc((size_t)l.cout * sizeof *rdb), *rdx = dse_xmalloc((size_t)nx * sizeof *rdx);
        ref_steps(&l, x, w, dwise ? NULL : b, dy, ry, rdw, rdb, rdx);
        float *y = dse_xmalloc((size_t)ny * sizeof *y), *gw = dse_xmalloc((size_t)nw * sizeof *gw);
        float *gb = dse_xmalloc((size_t)l.cout * sizeof *gb), *gx = dse_xmalloc((size_t)nx * sizeof *gx);
        int cores = (int)rnd(1, 8);
        if (dwise) {
            dse_train_dw_fw(&l, cores, x, w, y);
            dse_train_dw_wg(&l, cores, x, dy, gw);
            dse_train_dw_ig(&l, cores, w, dy, gx);
            CHECK(close_all(y, ry, ny));
            CHECK(close_all(gw, rdw, nw));
            CHECK(close_all(gx, rdx, nx));
        } else {
            /* every kernel of the catalogue, each through its fallbacks */
            for (int k = 0; k < DSE_MM_FP32_COUNT; k++) {
                dse_train_cfg_t cfg = {dse_mm_fp32, k, cores};
                dse_train_conv_fw(&l, &cfg, x, w, b, y);
                dse_train_conv_wg(&l, &cfg, x, dy, gw, gb);
                dse_train_conv_ig(&l, &cfg, w, dy, gx);
                if (!close_all(y, ry, ny) || !close_all(gw, rdw, nw) || !close_all(gb, rdb, l.cout)
                    || !close_all(gx, rdx, nx))
                    dse__test_fail(__FILE__, __LINE__, "%s %s with %s on %d cores",
                                   dse_op_name(l.op), "steps", dse_mm_fp32[k].name, cores);
            }
        }
        free(x), free(w), free(b), free(dy), free(ry), free(rdw), free(rdb), free(rdx);
        free(y), free(gw), free(gb), free(gx);
    }
}

DSE_TEST(kernels_train_linear)
{
    for (int it = 0; it < 60; it++) {
        dse_layer_t l;
        memset(&l, 0, sizeof l);
        l.op = DSE_OP_LINEAR, l.cin = rnd(1, 40), l.cout = rnd(1, 40);
        l.hin = l.win = l.hout = l.wout = l.kh = l.kw = l.sh = l.sw = 1;
        float *x = rnd_buf(l.cin), *w = rnd_buf(l.cin * l.cout), *b = rnd_buf(l.cout);
        float *dy = rnd_buf(l.cout);
        float *y = dse_xmalloc((size_t)l.cout * sizeof *y);
        float *gw = dse_xmalloc((size_t)(l.cin * l.cout) * sizeof *gw);
        float *gb = dse_xmalloc((size_t)l.cout * sizeof *gb), *gx = dse_xmalloc((size_t)l.cin * sizeof *gx);
        double *ry = dse_xmalloc((size_t)l.cout * sizeof *ry);
        double *rw = dse_xmalloc((size_t)(l.cin * l.cout) * sizeof *rw);
        double *rb = dse_xmalloc((size_t)l.cout * sizeof *rb), *rx = dse_xcalloc((size_t)l.cin, sizeof *rx);
        for (int64_t o = 0; o < l.cout; o++) {
            ry[o] = b[o];
            rb[o] = dy[o];
            for (int64_t i = 0; i < l.cin; i++) {
                ry[o] += (double)w[o * l.cin + i] * x[i];
                rw[o * l.cin + i] = (double)dy[o] * x[i];
                rx[i] += (double)dy[o] * w[o * l.cin + i];
            }
        }
        for (int k = 0; k < DSE_MM_FP32_COUNT; k++) {
            dse_train_cfg_t cfg = {dse_mm_fp32, k, (int)rnd(1, 8)};
            dse_train_linear_fw(&l, &cfg, x, w, b, y);
            dse_train_linear_wg(&l, &cfg, x, dy, gw, gb);
            dse_train_linear_ig(&l, &cfg, w, dy, gx);
            CHECK(close_all(y, ry, l.cout));
            CHECK(close_all(gw, rw, l.cin * l.cout));
            CHECK(close_all(gb, rb, l.cout));
            CHECK(close_all(gx, rx, l.cin));
        }
        free(x), free(w), free(b), free(dy), free(y), free(gw), free(gb), free(gx);
        free(ry), free(rw), free(rb), free(rx);
    }
}
