/* ops.h - shapes of the training steps of one layer (or one tile of it):
 * the matmul each step runs, its MAC count, im2col size and L1 footprint.
 *
 * Conventions follow PULP-TrainLib (pulp-platform/pulp-trainlib, CHW layout,
 * batch 1): a step is the matmul C[N x M] = A[N x K] * B[K x M] given by the
 * table in MODELS.md section 1 (facts, not code, taken from there):
 *
 *   step        N       K              M
 *   conv FW     Cout    Hk*Wk*Cin      Ho*Wo
 *   conv WG     Cout    Ho*Wo          Hk*Wk*Cin
 *   conv IG     Cin     Hk*Wk*Cout     Hi*Wi      (input rows/cols of the tile)
 *   pw          as conv with Hk = Wk = 1, IG M = Ho*Wo
 *   linear FW   Cout    Cin            1
 *   linear WG   Cout    1              Cin
 *   linear IG   1       Cout           Cin
 *
 * A bare matmul layer (job dims C[m x n] = A[m x k] B[k x n]) is treated as a
 * linear layer with m rows: tile "ho" = rows of A (m), "cout" = n, "cin" = k.
 * Depthwise layers run a direct kernel (no matmul); their MACs are
 * C*Ho*Wo*Hk*Wk per step.
 */
#ifndef DSE_OPS_H
#define DSE_OPS_H

#include <stdint.h>

#include "core/job.h"

enum { DSE_TSTEP_FW = 0, DSE_TSTEP_WG = 1, DSE_TSTEP_IG = 2, DSE_TSTEP__COUNT = 3 };

typedef struct {
    int64_t n, k, m;
} dse_mm_dims_t;

/* One tile: its actual extents (border tiles are smaller). hi, wi are the
 * input rows and columns the tile's output rows and columns touch (halo
 * included, clipped at the borders by padding). */
typedef struct {
    int64_t cout, cin;
    int64_t ho, wo;
    int64_t hi, wi;
} dse_tile_t;

/* L1 bytes of one tile of one step, buffer by buffer. im2col is built in
 * L1 by the cores; all other buffers are moved by the DMA. */
typedef struct {
    int64_t in, w, bias, im2col, out;
} dse_footprint_t;

/* Number of input positions [0, in_size) touched by outputs o0 .. o0+n-1 of a
 * sliding window (stride, kernel k, padding pad_lo before the first input). */
int64_t dse_ops_in_span(int64_t o0, int64_t n, int64_t stride, int64_t k, int64_t pad_lo,
                        int64_t in_size);

/* Whether the op is handled as a matmul-like layer with no spatial extent
 * (linear, matmul, gemm, gemv). */
int dse_ops_is_dense(dse_op_t op);

/* The whole layer as a single tile. */
void dse_ops_full_tile(const dse_layer_t *l, dse_tile_t *t);

/* Matmul shape of one step of one tile (dw: zeros, it has no matmul). */
void dse_ops_mm_dims(const dse_layer_t *l, int step, const dse_tile_t *t, dse_mm_dims_t *d);

/* MACs of one step of one tile (the matmul's N*K*M; dw: C*Ho*Wo*Hk*Wk). */
int64_t dse_ops_macs(const dse_layer_t *l, int step, const dse_tile_t *t);

/* Elements of the im2col buffer of one step of one tile (0 where none). */
int64_t dse_ops_im2col_elems(const dse_layer_t *l, int step, const dse_tile_t *t);

/* L1 footprint of one step of one tile; elem_bytes = bytes per element
 * (4 fp32, 2 fp16). */
void dse_ops_footprint(const dse_layer_t *l, int step, const dse_tile_t *t, int elem_bytes,
                       dse_footprint_t *fp);

/* Total bytes of a footprint; double buffering doubles the DMA'd buffers
 * (everything but im2col). */
int64_t dse_ops_footprint_total(const dse_footprint_t *fp, int double_buffer);

#endif
