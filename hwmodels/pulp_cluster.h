/* pulp_cluster.h - the pulp-cluster cost model: on-device training
 * (forward, weight gradient, input gradient) of CNN layers on an 8-core
 * PULP cluster with PULP-TrainLib-style matmul kernels, L1 tiling and a
 * cluster DMA. See docs/model-pulp-cluster.md for the formulas and sources.
 */
#ifndef DSE_PULP_CLUSTER_H
#define DSE_PULP_CLUSTER_H

#include <stdint.h>

#include "hwmodels/hwmodel.h"
#include "kernels/catalogue.h"

extern const dse_hwmodel_t dse_model_pulp_cluster;

/* Preset key, parameter and metric positions (declaration order). */
enum {
    DSE_PULP_HW_CORES, DSE_PULP_HW_L1, DSE_PULP_HW_L2, DSE_PULP_HW_DMA_BPC,
    DSE_PULP_HW_DMA_SETUP, DSE_PULP_HW_FPUS, DSE_PULP_HW_CLOCK, DSE_PULP_HW_FORK,
    DSE_PULP_HW__COUNT
};
enum {
    DSE_PULP_P_TILE_COUT, DSE_PULP_P_TILE_HO, DSE_PULP_P_TILE_WO, DSE_PULP_P_TILE_CIN,
    DSE_PULP_P_BUFFERING, DSE_PULP_P_CORES, DSE_PULP_P_MATMUL, DSE_PULP_P_PRUNE,
    DSE_PULP_P__COUNT
};
enum {
    DSE_PULP_M_CYCLES, DSE_PULP_M_CYCLES_FW, DSE_PULP_M_CYCLES_WG, DSE_PULP_M_CYCLES_IG,
    DSE_PULP_M_MACS, DSE_PULP_M_MAC_PER_CYCLE, DSE_PULP_M_L1_BYTES, DSE_PULP_M_L2_TRAFFIC,
    DSE_PULP_M_TILES, DSE_PULP_M_KERNEL_FW, DSE_PULP_M_KERNEL_WG, DSE_PULP_M_KERNEL_IG,
    DSE_PULP_M_PRUNE, DSE_PULP_M_TIME, DSE_PULP_M__COUNT
};

/* Label indices of the kernel metrics: FP32 kernels 0..23, FP16 kernels
 * 24..32, then the depthwise direct kernel and "none" (step not run). The
 * matmul parameter's choices are "best" followed by the same kernel names. */
enum {
    DSE_PULP_LABEL_FP16 = DSE_MM_FP32_COUNT,
    DSE_PULP_LABEL_DW = DSE_MM_FP32_COUNT + DSE_MM_FP16_COUNT,
    DSE_PULP_LABEL_NONE
};

/* Cycles of the busiest core for one matmul call of kernel `idx` of `tab`
 * (the fallback cascade applied first) on `cores` cores, FMAs slowed by
 * fma_factor (cores / fpus when FPUs are shared, else 1); no fork cost. */
double dse_pulp_mm_cycles(const dse_mm_kernel_t *tab, int idx, int64_t n, int64_t k, int64_t m,
                          int cores, double fma_factor);

/* 1 when the context made by prepare() holds the per-layer cache over its
 * layer's space (tests compare the cached and the direct evaluation). */
int dse_pulp_has_cache(const void *ctx);

/* Tests: on (the default), evaluation takes the fast path (closed forms, a
 * thread's memo of every kernel's cost by tile dims for "best"); off, the
 * reference path, costing every tile class afresh through kernels/ (what
 * the fast path must match bit for bit). Set it while no evaluation runs. */
void dse__pulp_fast(int on);

/* Tests: the fast path's grouped sums (one cost per distinct tile dims, an
 * error bound proving the float of each sum, else the class-by-class sum):
 * 0 off, 1 on (the default), 2 on with a bound so wide that every sum
 * takes the fallback. Set it while no evaluation runs. */
void dse__pulp_grouped(int mode);
/* Tests: the calling thread's steps summed by grouping (mode 1 or 2) so far, and of
 * them those that fell back to the class-by-class sum. */
void dse__pulp_group_stats(uint64_t *steps, uint64_t *fallbacks);

/* Tests: kernel idx's matmul cycles on dims (n, k, m) > 0 and 1 .. the
 * preset's cores through the fast path of a context made by prepare():
 * its fallbacks resolved from the class tables (*run: the kernel that
 * runs), its cost by the code compiled for that kernel. dse__pulp_fast_mm_all
 * gives every kernel's (c[i], run[i], i < the table's kernels) as a miss
 * of the thread's memo fills them. Both must be what dse_mm_resolve and
 * dse_pulp_mm_cycles give, bit for bit. */
double dse__pulp_fast_mm(const void *ctx, int idx, int64_t n, int64_t k, int64_t m, int cores,
                         int *run);
void dse__pulp_fast_mm_all(const void *ctx, int64_t n, int64_t k, int64_t m, int cores,
                           double *c, int8_t *run);

#endif
