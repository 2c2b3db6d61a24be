/* train.h - forward, weight-gradient and input-gradient steps of conv2d,
 * pointwise, depthwise and linear layers (FP32, CHW, batch 1), built the
 * PULP-TrainLib way: im2col + a catalogue matmul for conv2d, plain matmuls
 * for pointwise and linear, a direct kernel split by channels for
 * depthwise. Shapes come from a dse_layer_t (cin, hin, win, cout, hout,
 * wout, kernel, stride, padding). Weights are [cout][cin][kh][kw]
 * (depthwise [c][kh][kw]; linear [cout][cin]). Scratch buffers are
 * allocated per call: these are reference implementations, not hot paths.
 */
#ifndef DSE_TRAIN_H
#define DSE_TRAIN_H

#include "core/job.h"
#include "kernels/catalogue.h"

typedef struct {
    const dse_mm_kernel_t *tab; /* dse_mm_fp32 */
    int kernel;                 /* index into tab; the fallback cascade applies */
    int cores;
} dse_train_cfg_t;

/* y = conv(x, w) + bias (bias may be NULL). conv2d or pw layers. */
void dse_train_conv_fw(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                       const float *w, const float *bias, float *y);
/* dw = dL/dw from the input x and the output gradient dy; dbias may be NULL. */
void dse_train_conv_wg(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                       const float *dy, float *dw, float *dbias);
/* dx = dL/dx from the weights and the output gradient. */
void dse_train_conv_ig(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *w,
                       const float *dy, float *dx);

/* Depthwise steps (direct kernel, ceil(C/cores) channels per core). */
void dse_train_dw_fw(const dse_layer_t *l, int cores, const float *x, const float *w, float *y);
void dse_train_dw_wg(const dse_layer_t *l, int cores, const float *x, const float *dy,
                     float *dw);
void dse_train_dw_ig(const dse_layer_t *l, int cores, const float *w, const float *dy,
                     float *dx);

/* Linear steps: y[cout] = W x + bias, dW = dy x^T, dx = dy^T W. */
void dse_train_linear_fw(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                         const float *w, const float *bias, float *y);
void dse_train_linear_wg(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *x,
                         const float *dy, float *dw, float *dbias);
void dse_train_linear_ig(const dse_layer_t *l, const dse_train_cfg_t *cfg, const float *w,
                         const float *dy, float *dx);

#endif
