/* siracusa.h - the Siracusa SoC cost model: an 8-core int8 PULP cluster and
 * the NEUREKA neural engine, with L1 / L2 / L3 / weight memory (in the style
 * of Deeploy). See docs/model-siracusa.md for formulas and sources.
 *
 * Besides the model table, the int8 cluster engine and the NEUREKA latency
 * are public so that other models (and tests) can reuse them; they are pure
 * arithmetic and allocate nothing.
 */
#ifndef DSE_SIRACUSA_H
#define DSE_SIRACUSA_H

#include <stdint.h>

#include "hwmodels/hwmodel.h"

extern const dse_hwmodel_t dse_model_siracusa;

/* Work of the busiest core of one int8 cluster kernel call. */
typedef struct {
    double instr;  /* instructions (one cycle each when every access hits L1) */
    double acc;    /* memory accesses (loads and stores) among them */
    double active; /* cores that received work */
} dse_i8_work_t;

/* Dense convolution (PULP-NN style: im2col of the receptive field when the
 * kernel is larger than 1x1, a 4x2 SIMD dot-product matmul with 1x2, 4x1, 1x1
 * and scalar leftovers), output tile th x tw x tc, cin input channels,
 * parallel over output rows. */
dse_i8_work_t dse_i8_conv_work(int64_t th, int64_t tw, int64_t tc, int64_t cin, int64_t kh,
                               int64_t kw, int64_t cores);
/* Depthwise convolution, parallel over channels (per-channel im2col, then
 * SIMD dot products over kernel rows). sh, sw: stride. */
dse_i8_work_t dse_i8_dw_work(int64_t th, int64_t tw, int64_t tc, int64_t kh, int64_t kw,
                             int64_t sh, int64_t sw, int64_t cores);
/* C[tm x tn] = A[tm x k] B[k x tn] with B constant, as Deeploy runs it: one
 * pulp_nn_linear call per row of A (row_call cycles each), the tn outputs
 * shared by the cores two at a time (GEMV: tm = 1). */
dse_i8_work_t dse_i8_gemm_work(int64_t tm, int64_t tn, int64_t k, int64_t cores,
                               double row_call);
/* C[tm x tn] = A[tm x k] B[k x tn] of two activations, as Deeploy runs it:
 * the Generic scalar MatMul on one core (w.active = 1). */
dse_i8_work_t dse_i8_matmul_work(int64_t tm, int64_t tn, int64_t k);
/* An int8 elementwise op (LeakyReLU-like) over n elements; simd packs four
 * elements per word. */
dse_i8_work_t dse_i8_elem_work(int64_t n, int simd, int64_t cores);

/* Cycles of a kernel call: w.instr when data is in L1; when it is in L2,
 * every access pays l2_lat cycles and waits for the L2 port, which serves an
 * access every port_cycles (a queue shared by the active cores). */
double dse_i8_cycles(dse_i8_work_t w, int in_l2, double l2_lat, double port_cycles);

/* NEUREKA kinds. */
enum { DSE_NEUREKA_1X1 = 0, DSE_NEUREKA_3X3 = 1, DSE_NEUREKA_DW = 2 };

/* Cycles of NEUREKA on one output tile: `pixels_h` x `pixels_w` output
 * pixels computed (dense, before any stride subsampling), tc output channels,
 * cin input channels, weight bits wbits (DORY Ne16PerfModel structure with
 * NEUREKA's 6x6x32 subtile). */
double dse_neureka_cycles(int kind, int64_t pixels_h, int64_t pixels_w, int64_t tc, int64_t cin,
                          int wbits);
/* Bytes of NEUREKA-formatted weights for cout output channels. */
double dse_neureka_weight_bytes(int kind, int64_t cout, int64_t cin, int wbits);

#endif
