/* job.h - a validated job: target, workload layers, spaces, search settings.
 *
 * config/config builds a dse_job_t from a TOML file; everything downstream
 * (spaces, models, search, runtime, outputs) reads it and never the TOML.
 * All dimensions are resolved: a layer's output shape is computed, every
 * hardware preset key has its value, every parameter of the model has a
 * domain for every layer.
 */
#ifndef DSE_JOB_H
#define DSE_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define DSE_MAX_PARAMS 24      /* parameters of one model */
#define DSE_MAX_METRICS 48     /* per-layer metrics of one model */
#define DSE_MAX_PRESET_KEYS 40 /* hardware preset keys of one model */
#define DSE_MAX_LAYER_KEYS 16  /* model-specific layer keys */
#define DSE_MAX_OBJECTIVES 8
#define DSE_MAX_CONSTRAINTS 16

struct dse_hwmodel;
struct dse_space;
struct dse_evaluator;

typedef enum {
    DSE_OP_CONV2D,      /* dense 2-D convolution */
    DSE_OP_DW,          /* depthwise convolution (out_channels = in channels) */
    DSE_OP_PW,          /* pointwise (1x1) convolution */
    DSE_OP_LINEAR,      /* fully connected: in_shape [Cin] */
    DSE_OP_MATMUL,      /* bare matmul C[M x N] = A[M x K] * B[K x N]: dims [M, N, K] */
    DSE_OP_GEMM,        /* same shape as matmul (int8 GEMM on Siracusa) */
    DSE_OP_GEMV,        /* y[N] = W[N x K] x[K]: dims [N, K] (M = 1) */
    DSE_OP_ELEMENTWISE, /* one op per element of in_shape */
    DSE_OP_MAXPOOL,     /* max pooling: kernel, stride; channels kept */
    DSE_OP_AVGPOOL,     /* average pooling: kernel, stride; channels kept */
    /* Element-wise and row-wise ops of transformers and integer graphs: in_shape
     * [C], [C, H] or [C, H, W], output of the same shape. Norms and softmax
     * reduce over the last dimension given (W, or H for [C, H], or C). */
    DSE_OP_RMSNORM,   /* RMS normalisation */
    DSE_OP_LAYERNORM, /* layer normalisation */
    DSE_OP_SOFTMAX,   /* softmax */
    DSE_OP_GELU,      /* GELU activation */
    DSE_OP_HARDSWISH, /* hard-swish activation */
    DSE_OP_ADD,       /* element-wise sum of two tensors of in_shape (residual add) */
    DSE_OP_MUL,       /* element-wise product of two tensors of in_shape */
    DSE_OP_REQUANT,   /* requantisation (multiply, shift, clip) */
    DSE_OP_TRANSPOSE, /* a permutation of the elements of in_shape (cost: a copy) */
    DSE_OP__COUNT
} dse_op_t;

/* 1 for the ops whose output has the shape of their input and whose cost is
 * per element (elementwise and the transformer ops above). */
int dse_op_is_eltwise(dse_op_t op);

/* "conv2d", "dw", ... ; NULL for an out-of-range value. */
const char *dse_op_name(dse_op_t op);

typedef enum { DSE_DTYPE_FP32, DSE_DTYPE_FP16, DSE_DTYPE_INT8, DSE_DTYPE__COUNT } dse_dtype_t;
const char *dse_dtype_name(dse_dtype_t dt);
int dse_dtype_bytes(dse_dtype_t dt);

/* Training steps (bit set). Inference is fw alone. */
enum { DSE_STEP_FW = 1, DSE_STEP_WG = 2, DSE_STEP_IG = 4 };
#define DSE_N_STEPS 3
/* "fw", "wg", "ig": the name of step i (the bit 1u << i), or NULL. */
const char *dse_step_name(unsigned i);
/* The DSE_STEP_* bit of the step named by the len bytes at name, or 0. */
unsigned dse_step_bit(const char *name, size_t len);

/* refine's margin modes ([search] margin_mode, see search/refine.h) */
enum { DSE_MARGIN_ADAPTIVE = 0, DSE_MARGIN_DECLARED = 1 };
#define DSE_MARGIN_SAFETY 1.5 /* the default margin_safety */

typedef struct {
    char *name;
    dse_op_t op;
    /* Input and output feature maps, C x H x W (linear: C x 1 x 1). */
    int64_t cin, hin, win;
    int64_t cout, hout, wout;
    /* Kernel, stride, padding (top, left, bottom, right) for conv, dw, pw, maxpool. */
    int64_t kh, kw, sh, sw;
    int64_t pad_t, pad_l, pad_b, pad_r;
    /* Matmul shape for matmul, gemm, gemv (gemv: m = 1); also set for
     * linear (m = 1, n = cout, k = cin). */
    int64_t m, n, k;
    /* Values of the model's layer keys (dse_hwmodel_t.layer_keys), in that order. */
    double attr[DSE_MAX_LAYER_KEYS];
    struct dse_space *space; /* this layer's parameter space (owned) */
    /* Node names of an imported graph that exports name for this layer (FINN
     * dataflow: [0] its ConvolutionInputGenerator, [1] its MVAU/VVAU/
     * StreamingMaxPool); NULL = the export's own names. Owned. */
    char *src_names[2];
    int line, col;           /* where the layer's table starts in the config */
    int64_t batch;           /* samples per run of the layer (>= 1; [workload] batch) */
} dse_layer_t;

typedef enum { DSE_CMP_LE, DSE_CMP_LT, DSE_CMP_GE, DSE_CMP_GT, DSE_CMP_EQ } dse_cmp_t;

/* 1 when v satisfies "v cmp bound". */
int dse_cmp_holds(dse_cmp_t cmp, double v, double bound);

typedef struct {
    int metric;    /* index into the model's per-layer metrics */
    int net;       /* index into the model's network metrics, or -1 */
    dse_cmp_t cmp;
    double bound;
} dse_constraint_t;

typedef struct {
    /* [job] */
    char *path;   /* the config file, for messages */
    char *name;
    char *output; /* output folder */
    int dump_all; /* also keep every feasible point (all_points.csv) */
    int plot_layers; /* pareto.svg also plots each layer's front */
    /* [job] plot: the metrics pareto.svg plots, x then y; n_plot = 0 is the
     * default (the first two objectives, time instead of cycles where the
     * model has it). Each is a network metric index, or -1 for accuracy. */
    size_t n_plot;
    int plot_axes[2];
    /* [target] */
    const struct dse_hwmodel *model;
    char *hardware;                   /* preset name, "" when none */
    double hw[DSE_MAX_PRESET_KEYS];   /* preset values, in the model's declaration order */
    /* [workload] */
    dse_dtype_t dtype;
    unsigned steps; /* DSE_STEP_* bits */
    int64_t batch;  /* [workload] batch: each layer's default (dse_layer_t.batch) */
    dse_layer_t *layers;
    size_t n_layers;
    /* [workload] onnx: the layers were imported from this file (resolved
     * path, NULL when typed in), with these op_types dropped knowingly
     * (onnx_ignore) and these nodes dropped by them ("name (op_type)"). */
    char *onnx;
    char **onnx_ignore;
    size_t n_onnx_ignore;
    char **onnx_dropped;
    size_t n_onnx_dropped;
    /* [search] */
    char *strategy;
    size_t n_objectives;
    int objectives[DSE_MAX_OBJECTIVES];     /* network metric indices */
    size_t n_layer_objectives;
    int layer_objectives[DSE_MAX_OBJECTIVES]; /* per-layer metric indices (sources of the above) */
    size_t n_constraints;
    dse_constraint_t constraints[DSE_MAX_CONSTRAINTS];
    uint64_t seed;
    int64_t budget;        /* evaluations for random and nsga2, 0 = the default (10^6) */
    int64_t population;    /* nsga2 individuals per layer, 0 = about sqrt(layer budget) */
    int64_t stall_generations; /* nsga2 stops a layer after this many generations without
                                  a change of its front; 0 = the default (20) */
    double seconds;        /* wall-time limit of the search, 0 = none */
    /* refine: relative margin around the front per per-layer objective (in
     * layer_objectives order; 0.1 unless set) */
    double margin[DSE_MAX_OBJECTIVES];
    int margin_mode;       /* refine: DSE_MARGIN_ADAPTIVE (the default) or DSE_MARGIN_DECLARED */
    double margin_safety;  /* refine, adaptive: the factor on the errors seen, 0 = default */
    double epsilon;        /* relative epsilon-dominance of the network composition, 0 = exact
                              (composition only: not in the canonical text) */
    /* Measured accuracy of the pruned network ([search] accuracy): a table
     * of (mean pruning ratio, accuracy), ratios ascending, accuracy not
     * increasing. When set, the objective "accuracy" (maximised) stands at
     * position accuracy_objective of objectives[], composed as the network
     * metric "prune" and mapped through the table afterwards. */
    size_t n_accuracy;
    double *accuracy_prune, *accuracy_value;
    int accuracy_objective; /* -1 = none */
    /* [cluster] */
    int workers;           /* local workers; 0 = one per physical core */
    double heartbeat_s;    /* heartbeat interval */
    int heartbeat_misses;  /* missed heartbeats before a peer is dead */
    int max_attempts;      /* attempts before a unit is quarantined */
    double unit_seconds;   /* target work per unit */
    /* [evaluator]: NULL = kind "model" (the analytic model alone); else a
     * command run per point (config/evaluator.h), owned. */
    struct dse_evaluator *evaluator;
} dse_job_t;

/* Accuracy of a network whose mean pruning ratio is prune, interpolated in
 * the job's table; NAN outside the table's range. */
double dse_job_accuracy(const dse_job_t *job, double prune);

#endif
