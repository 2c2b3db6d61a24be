/* finn.h - the FINN-style FPGA dataflow model: public helpers beyond the
 * dse_hwmodel_t interface (docs/model-finn.md describes the model).
 *
 * The model itself is `dse_model_finn` (hwmodels/registry.c). Parameters,
 * metrics, preset and layer keys are indexed by the enums below, which follow
 * the declaration order of the model's tables.
 */
#ifndef DSE_FINN_H
#define DSE_FINN_H

#include <stdint.h>

#include "core/error.h"
#include "core/job.h"
#include "hwmodels/hwmodel.h"

extern const dse_hwmodel_t dse_model_finn;

/* Parameters, in declaration order. */
enum {
    DSE_FINN_P_PE,         /* MVAU/VVAU output parallelism */
    DSE_FINN_P_SIMD,       /* MVAU/VVAU input parallelism */
    DSE_FINN_P_SWG_SIMD,   /* sliding window generator SIMD (conv2d only) */
    DSE_FINN_P_PRUNE,      /* pruning ratio of this layer's weights */
    DSE_FINN_P_PRUNE_MODE, /* 0 simd-blocks, 1 channels */
    DSE_FINN_P_RES_TYPE,   /* 0 lut, 1 dsp */
    DSE_FINN_P_IN_PRUNE,   /* ratio of input channels the producer pruned ("channels" mode) */
    DSE_FINN_N_PARAMS
};

/* Per-layer metrics, in declaration order. */
enum {
    DSE_FINN_M_CYCLES,
    DSE_FINN_M_MVAU_CYCLES,
    DSE_FINN_M_SWG_CYCLES,
    DSE_FINN_M_LUT,
    DSE_FINN_M_BRAM18,
    DSE_FINN_M_URAM,
    DSE_FINN_M_DSP,
    DSE_FINN_M_PRUNE,
    DSE_FINN_M_MVAU_LUT, /* the MVAU/VVAU's share of lut */
    DSE_FINN_M_SWG_LUT,  /* the SWG's share (with the in-layer converter under finn-current) */
    DSE_FINN_M_LATENCY,  /* SWG + MVAU/VVAU (+ maxpool) cycles: the layer's share of the critical path */
    DSE_FINN_N_METRICS
};

/* Preset keys, in declaration order (job->hw[]). */
enum {
    DSE_FINN_HW_LUT_TOTAL,
    DSE_FINN_HW_FF_TOTAL,
    DSE_FINN_HW_BRAM18_TOTAL,
    DSE_FINN_HW_URAM_TOTAL,
    DSE_FINN_HW_DSP_TOTAL,
    DSE_FINN_HW_CLOCK_MHZ,
    DSE_FINN_HW_ESTIMATES, /* 0 finn-2021, 1 finn-current */
    DSE_FINN_HW_LUT_BUDGET,
    DSE_FINN_HW_BRAM_BUDGET,
    DSE_FINN_HW_DSP_BUDGET,
    DSE_FINN_HW_SIMD_CAP_BITS,
    DSE_FINN_HW_TARGET_CYCLES,
    DSE_FINN_N_HW
};

/* Layer keys, in declaration order (layer->attr[]). */
enum {
    DSE_FINN_L_WEIGHT_BITS,
    DSE_FINN_L_ACT_BITS,
    DSE_FINN_L_OUT_BITS,
    DSE_FINN_L_ACTIVATION,
    DSE_FINN_L_MEM_MODE,  /* 0 const, 1 decoupled, 2 external */
    DSE_FINN_L_RAM_STYLE, /* 0 auto, 1 block, 2 distributed, 3 ultra */
    DSE_FINN_L_RAM_STYLE_THRESHOLDS, /* 0 auto, 1 block, 2 distributed */
    DSE_FINN_L_ACT_SIGNED,
    DSE_FINN_N_LAYER_KEYS
};

enum { DSE_FINN_EST_2021 = 0, DSE_FINN_EST_CURRENT = 1 };

/* Frames per second of a pipeline whose slowest block takes max_cycles
 * cycles, at the job's clock_mhz. */
double dse_finn_fps(const dse_job_t *job, double max_cycles);

/* LUT estimate of a FINN data-width converter from in_w to out_w bits
 * (current FINN's LCM-based estimate; 0 when the widths are equal, where
 * FINN inserts no converter). */
int64_t dse_finn_dwc_luts(int64_t in_w, int64_t out_w);

/* Width in bits of the stream a layer point produces / consumes (the low
 * 32 bits of its interface classes). */
int64_t dse_finn_class_width(int64_t iface_class);

/* LUTs of the converters between consecutive layers of a full assignment
 * params[layer][param] under "finn-current" (0 under "finn-2021", whose
 * published totals leave converters out). The per-layer lut metric already
 * holds the converter inside a conv layer (SWG -> MVAU); this is the part
 * that depends on two layers' choices. Returns -1 when a layer's context
 * cannot be built. */
double dse_finn_network_dwc_luts(const dse_job_t *job, double *const *params);

/* Writes path as the folding_config.json FINN's ApplyConfig reads, for the
 * assignment params[layer][param]: {"Defaults": {}, "<Op>_<n>": {...}} with
 * FINN's node names numbered per op type in graph order
 * (ConvolutionInputGenerator, MatrixVectorActivation, VectorVectorActivation,
 * StreamingMaxPool_Batch). Written atomically. Returns 0 or DSE_EIO. */
int dse_finn_write_folding_config(const dse_job_t *job, double *const *params, const char *path,
                                  dse_error_t *err);

#endif
