/* siracusa.c - the Siracusa cost model: int8 PULP cluster + NEUREKA NPU,
 * L1 / L2 / L3 / weight memory, DMA, tiling (in the style of Deeploy).
 *
 * Sources (facts and figures only; see docs/model-siracusa.md):
 *  - pulp-platform/Deeploy (Siracusa and Neureka targets, tutorial figures);
 *  - pulp-platform/dory, Ne16PerfModel.py: the structure of the NPU latency
 *    (per subtile: input-channel blocks of load + weight offset + matrix-vector
 *    + 2, then normalisation/quantisation and stream-out) and its constants
 *    (FIFO latency 6, memory port 256 bit, 4 multipliers and 8 adders in the
 *    normaliser, scale latency 9 + ..., bias 8 + ..., stream-out 3 + ... + 1);
 *  - pulp-platform/neureka: 6x6 output subtile, 32 output channels, input
 *    channel blocks of 32 (1x1) and 28 (3x3);
 *  - dory Hardware_targets/PULP/PULP_gvsoc/HW_description.json: L2 latency
 *    10 cycles, L2 bandwidth 8 B/cycle, 32 int8 MAC/cycle for 8 cores;
 *  - PULP-NN: 4x2 int8 SIMD matmul with im2col, leftovers, fork/barrier;
 *  - Deeploy's Siracusa kernels and bindings (pulp-platform/Deeploy at
 *    bf64cfae: Targets/PULPOpen/Bindings.py, Templates/GEMMTemplate.py,
 *    TargetLibraries/PULPOpen/src and Generic/src): the GEMM as one
 *    pulp_nn_linear call per row, the one-core MatMul of two activations,
 *    and the transformer ops' kernels (vec_cost below);
 *  - the Deeploy tutorial (docs/tutorials/introduction.md): the LeakyReLU
 *    and microLlama cycle counts the model is held to (tests/test_siracusa.c);
 *  - CV32E40P user manual: integer division takes 3 to 35 cycles.
 * Instruction counts of the kernels are our derivation; the elementwise
 * constants are calibrated on the Deeploy tutorial's LeakyReLU figures;
 * fork_cycles and call_cycles are fitted on microLlama64 autoregressive.
 */
#include "hwmodels/siracusa.h"
#include "hwmodels/exports.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/space.h"
#include "core/util.h"

/* ---- declarations ------------------------------------------------------ */

enum {
    H_CORES, H_L1, H_L2, H_L3, H_WMEM, H_DMA_BW, H_DMA_SETUP, H_DMA_MAX, H_L3_BW, H_L3_SETUP,
    H_L2_LAT, H_L2_PORT, H_FORK, H_CALL, H_NPU_SETUP, H_STRIDE2, H_CLOCK, H_ROW_CALL, H_DIV,
    H__COUNT
};

static const dse_key_decl_t s_preset_keys[H__COUNT] = {
    [H_CORES] = {.name = "cores", .kind = DSE_VAL_INT, .dflt = 8, .min = 1, .max = 16, .unit = "",
        .doc = "cluster cores (Siracusa: 8 RISC-V cores; Deeploy Siracusa target)"},
    [H_L1] = {.name = "l1_bytes", .kind = DSE_VAL_INT, .dflt = 262144, .min = 1024, .max = 1 << 24,
        .unit = "bytes",
        .doc = "L1 TCDM shared by cores and NPU (Siracusa: 256 KiB; Deeploy tutorial)"},
    [H_L2] = {.name = "l2_bytes", .kind = DSE_VAL_INT, .dflt = 2097152, .min = 4096,
        .max = 1 << 28, .unit = "bytes", .doc = "on-chip L2 (Siracusa: 2 MiB; Deeploy tutorial)"},
    [H_L3] = {.name = "l3_bytes", .kind = DSE_VAL_INT, .dflt = 16777216, .min = 0,
        .max = 1LL << 34, .unit = "bytes", .doc = "off-chip L3 (16 MiB; Deeploy Siracusa target)"},
    [H_WMEM] = {.name = "wmem_bytes", .kind = DSE_VAL_INT, .dflt = 4194304, .min = 0,
        .max = 1 << 28, .unit = "bytes",
        .doc = "NPU weight memory with its own port (4 MiB; Deeploy Neureka target)"},
    [H_DMA_BW] = {.name = "dma_bytes_per_cycle", .kind = DSE_VAL_REAL, .dflt = 8, .min = 0.125,
        .max = 1024, .unit = "bytes/cycle",
        .doc = "cluster DMA L2<->L1 bandwidth (64-bit AXI; DORY HW_description: 8)"},
    [H_DMA_SETUP] = {.name = "dma_setup_cycles", .kind = DSE_VAL_REAL, .dflt = 30, .min = 0,
        .max = 1e6, .unit = "cycles",
        .doc = "cycles to program and start one DMA transfer (estimate)"},
    [H_DMA_MAX] = {.name = "dma_max_bytes", .kind = DSE_VAL_INT, .dflt = 131072, .min = 1,
        .max = 1 << 30, .unit = "bytes",
        .doc = "largest single DMA transfer, larger ones are split (2^17; MCHAN)"},
    [H_L3_BW] = {.name = "l3_bytes_per_cycle", .kind = DSE_VAL_REAL, .dflt = 1, .min = 0.01,
        .max = 1024, .unit = "bytes/cycle",
        .doc = "L3->L2 bandwidth (HyperBus-class: ~400 MB/s at ~360 MHz; estimate)"},
    [H_L3_SETUP] = {.name = "l3_setup_cycles", .kind = DSE_VAL_REAL, .dflt = 200, .min = 0,
        .max = 1e6, .unit = "cycles",
        .doc = "extra cycles per transfer that starts in L3 (estimate)"},
    [H_L2_LAT] = {.name = "l2_access_cycles", .kind = DSE_VAL_REAL, .dflt = 10, .min = 1,
        .max = 1000, .unit = "cycles",
        .doc = "latency of a core load/store to L2 (DORY HW_description: 10)"},
    [H_L2_PORT] = {.name = "l2_port_cycles", .kind = DSE_VAL_REAL, .dflt = 1, .min = 0, .max = 100,
        .unit = "cycles", .doc = "cycles the cluster's L2 port is busy per core access (one AXI "
               "transaction per 32-bit access; estimate)"},
    [H_FORK] = {.name = "fork_cycles", .kind = DSE_VAL_REAL, .dflt = 300, .min = 0, .max = 1e6,
        .unit = "cycles",
        .doc = "fork + barrier and tile bookkeeping per kernel call, one per tile (estimate, "
               "fitted with call_cycles on microLlama64 autoregressive; docs/model-siracusa.md)"},
    [H_CALL] = {.name = "call_cycles", .kind = DSE_VAL_REAL, .dflt = 100, .min = 0, .max = 1e7,
        .unit = "cycles",
        .doc = "per-layer closure call and argument set-up (estimate, fitted with fork_cycles "
               "on microLlama64 autoregressive; docs/model-siracusa.md)"},
    [H_NPU_SETUP] = {.name = "npu_setup_cycles", .kind = DSE_VAL_REAL, .dflt = 150, .min = 0,
        .max = 1e6, .unit = "cycles",
        .doc = "cycles to program one NEUREKA job (register writes; estimate)"},
    [H_STRIDE2] = {.name = "npu_stride2", .kind = DSE_VAL_INT, .dflt = 0, .min = 0, .max = 1,
        .unit = "", .doc = "1 = NEUREKA accepts stride 2 (computed densely, then subsampled)"},
    [H_CLOCK] = {.name = "clock_mhz", .kind = DSE_VAL_REAL, .dflt = 360, .min = 1, .max = 10000,
        .unit = "MHz", .doc = "cluster clock, for time_us only (Siracusa, JSSC 2024: ~360 MHz)"},
    [H_ROW_CALL] = {.name = "row_call_cycles", .kind = DSE_VAL_REAL, .dflt = 80, .min = 0,
        .max = 1e6, .unit = "cycles",
        .doc = "per row of A: one pulp_nn_linear call of Deeploy's int8 GEMM template "
               "(GEMMTemplate.py: 3-nop loop, call, chunking, barrier; estimate)"},
    [H_DIV] = {.name = "div_cycles", .kind = DSE_VAL_REAL, .dflt = 12, .min = 1, .max = 100,
        .unit = "cycles",
        .doc = "one 32-bit integer division on a cluster core (CV32E40P serial divider: 3 to 35 "
               "cycles by operand; estimate for the short quotients of softmax and norms)"},
};

enum { K_CONST_W, K_WBITS, K_BATCH, K__COUNT };

static const dse_key_decl_t s_layer_keys[K__COUNT] = {
    [K_CONST_W] = {.name = "const_weights", .kind = DSE_VAL_INT, .dflt = 1, .min = 0, .max = 1,
        .unit = "", .doc = "gemm/gemv: 1 = B is a constant weight, 0 = an activation (attention)"},
    [K_WBITS] = {.name = "weight_bits", .kind = DSE_VAL_INT, .dflt = 8, .min = 2, .max = 8,
        .unit = "bits", .doc = "NPU weight precision (NEUREKA: 2..8); the cluster runs int8"},
    [K_BATCH] = {.name = "repeat", .kind = DSE_VAL_INT, .dflt = 1, .min = 1, .max = 1 << 20,
        .unit = "",
        .doc = "gemm/gemv: independent instances run one after the other (a batched MatMul: "
               "one per head or per token); costs and L2 bytes scale with it, L1 tiles do not"},
};

enum {
    P_ENGINE, P_TILE_HO, P_TILE_WO, P_TILE_COUT, P_TILE_M, P_TILE_N, P_BUF, P_WMEM, P_CORES,
    P_L1, P_SIMD, P__COUNT
};

static const char *const s_engines[] = {"cluster", "npu", NULL};
static const char *const s_buffering[] = {"single", "double", NULL};
static const char *const s_onoff[] = {"off", "on", NULL};
static const char *const s_l1modes[] = {"tiled", "l2", NULL};

enum { KIND_CONV, KIND_DW, KIND_GEMM, KIND_ELEM };

static int op_kind(dse_op_t op)
{
    switch (op) {
    case DSE_OP_CONV2D:
    case DSE_OP_PW:
        return KIND_CONV;
    case DSE_OP_DW:
        return KIND_DW;
    case DSE_OP_LINEAR:
    case DSE_OP_GEMM:
    case DSE_OP_GEMV:
        return KIND_GEMM;
    default:
        return KIND_ELEM;
    }
}

static int is_conv(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    int k = op_kind(l->op);
    return k == KIND_CONV || k == KIND_DW;
}

static int is_not_elem(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return op_kind(l->op) != KIND_ELEM;
}

/* ---- vector ops: element-wise and row-wise kernels of Deeploy ----------
 *
 * Per-op costs of Deeploy's int8 kernels for Siracusa (pulp-platform/Deeploy,
 * TargetLibraries/PULPOpen/src and Generic/src; bindings in
 * Deeploy/Targets/PULPOpen/Bindings.py). Instruction counts are our reading
 * of each kernel's loop body (estimates: one instruction per cycle from L1),
 * accesses are its loads and stores:
 *  - requant: UniformRequantShift_s8_s8 (ForkTransformer): elements split
 *    over cores; load, offset, mul, add, round, shift, offset, clip, store;
 *  - add: RQAddTemplate -> pulp_nn_add with three requantisations (two
 *    inputs, one output): two loads, 3 x (mul, add, shift), add, clip, store;
 *  - mul: MulTemplate, elements split over cores: two loads, two offsets,
 *    mul, store, loop;
 *  - hardswish: RQiHardswish_s8_s8_plp, elements split over cores: add,
 *    clip, three mul, add, shift, clip, load, store;
 *  - gelu: RQSiGELU (Generic RQGELU_s8_s8) under ClusterTransformer: ONE
 *    core; sign, abs, min, square, polynomial, requant: about 20;
 *  - transpose: TransposeTemplate, nested loops, one dimension split over
 *    cores: load, store and index arithmetic, about 5 per element;
 *  - softmax: PULPSoftmax_i8_u8 (iSoftmaxTemplate, ForkTransformer): rows
 *    split over cores, the last core taking the remainder (fewer rows than
 *    cores run on one core); three passes per row: max (3), exponent with a
 *    division by log2 and a 32-bit buffer store (11 + 1 division),
 *    normalise with a division by the sum (4 + 1 division); the buffer is
 *    row_len 32-bit words per core in L1;
 *  - rmsnorm: iRMSnorm_s8_s8_plp (ForkTransformer): EVERY core sums the
 *    squares of every row (3 per element), divides and takes an integer
 *    square root (a binary search of about 9 steps of 8), then normalises
 *    its chunk of the row (load, weight load, mul, division by the root,
 *    shift, clip, store); weights are row_len int32;
 *  - layernorm: the Generic Layernorm_s8_s8 (no core split: one core):
 *    mean pass (3), variance pass (5), two divisions and a 32-bit root
 *    search (about 16 steps of 8), normalise pass (9 + 1 division); weight
 *    and bias row_len int32 each.
 * Division cycles are the preset's div_cycles. */
typedef struct {
    double instr, acc, divs; /* per element (row ops: per element of a row) */
    double row_instr, row_divs; /* per row */
    int split;               /* how the work is shared by the cores */
    int inputs;              /* input tensors of the element count */
    int w_per_len;           /* bytes of int32 parameters per element of a row */
} vec_cost_t;

enum { SPLIT_ELEMS, SPLIT_ROWS_LAST, SPLIT_RMS, SPLIT_ONE };

static int vec_cost(dse_op_t op, vec_cost_t *v)
{
    static const vec_cost_t t_req = {9, 2, 0, 0, 0, SPLIT_ELEMS, 1, 0};
    static const vec_cost_t t_add = {15, 3, 0, 0, 0, SPLIT_ELEMS, 2, 0};
    static const vec_cost_t t_mul = {7, 3, 0, 0, 0, SPLIT_ELEMS, 2, 0};
    static const vec_cost_t t_hsw = {11, 2, 0, 0, 0, SPLIT_ELEMS, 1, 0};
    static const vec_cost_t t_gelu = {20, 2, 0, 0, 0, SPLIT_ONE, 1, 0};
    static const vec_cost_t t_tr = {5, 2, 0, 0, 0, SPLIT_ELEMS, 1, 0};
    static const vec_cost_t t_smax = {18, 5, 2, 10, 0, SPLIT_ROWS_LAST, 1, 0};
    static const vec_cost_t t_rms = {3, 1, 0, 15 + 9 * 8, 1, SPLIT_RMS, 1, 4};
    static const vec_cost_t t_ln = {17, 3, 1, 20 + 16 * 8, 2, SPLIT_ONE, 1, 8};
    switch (op) {
    case DSE_OP_REQUANT: *v = t_req; return 1;
    case DSE_OP_ADD: *v = t_add; return 1;
    case DSE_OP_MUL: *v = t_mul; return 1;
    case DSE_OP_HARDSWISH: *v = t_hsw; return 1;
    case DSE_OP_GELU: *v = t_gelu; return 1;
    case DSE_OP_TRANSPOSE: *v = t_tr; return 1;
    case DSE_OP_SOFTMAX: *v = t_smax; return 1;
    case DSE_OP_RMSNORM: *v = t_rms; return 1;
    case DSE_OP_LAYERNORM: *v = t_ln; return 1;
    default: return 0;
    }
}

static int is_row_op(dse_op_t op)
{
    return op == DSE_OP_SOFTMAX || op == DSE_OP_RMSNORM || op == DSE_OP_LAYERNORM;
}

/* Length of the rows a norm or softmax reduces: the last dimension of
 * in_shape that is larger than 1 (W, else H, else C). */
static int64_t row_len_of(const dse_layer_t *l)
{
    return l->win > 1 ? l->win : l->hin > 1 ? l->hin : l->cin;
}

/* Kernels that run on one core whatever `cores` says (Deeploy binds them
 * with ClusterTransformer: gelu, layernorm, and the int8 MatMul of two
 * activations). */
static int single_core_op(const dse_layer_t *l)
{
    if (l->op == DSE_OP_GELU || l->op == DSE_OP_LAYERNORM)
        return 1;
    return (l->op == DSE_OP_GEMM || l->op == DSE_OP_GEMV) && l->attr[K_CONST_W] == 0;
}

static int is_conv_or_elem(const dse_job_t *job, const dse_layer_t *l)
{
    return is_conv(job, l) || op_kind(l->op) == KIND_ELEM;
}

static int is_gemm_m(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op == DSE_OP_GEMM;
}

static int is_gemm_n(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return op_kind(l->op) == KIND_GEMM;
}

static int is_elem(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->op == DSE_OP_ELEMENTWISE; /* Deeploy has no SIMD kernel of the other vector ops */
}

/* Which NEUREKA mode runs the layer, or -1 when it cannot. */
static int npu_kind_of(const dse_job_t *job, const dse_layer_t *l)
{
    int s2 = job->hw[H_STRIDE2] != 0;
    int stride_ok = (l->sh == 1 && l->sw == 1) || (s2 && l->sh <= 2 && l->sw <= 2);
    switch (l->op) {
    case DSE_OP_PW:
        return stride_ok ? DSE_NEUREKA_1X1 : -1;
    case DSE_OP_CONV2D:
        if (!stride_ok)
            return -1;
        if (l->kh == 1 && l->kw == 1)
            return DSE_NEUREKA_1X1;
        if (l->kh == 3 && l->kw == 3)
            return DSE_NEUREKA_3X3;
        return -1;
    case DSE_OP_DW:
        return stride_ok && l->kh == 3 && l->kw == 3 ? DSE_NEUREKA_DW : -1;
    case DSE_OP_LINEAR:
        return DSE_NEUREKA_1X1;
    case DSE_OP_GEMM:
    case DSE_OP_GEMV:
        /* attention matmuls multiply two activations: no constant weights to stream */
        return l->attr[K_CONST_W] != 0 ? DSE_NEUREKA_1X1 : -1;
    default:
        return -1;
    }
}

static int npu_eligible(const dse_job_t *job, const dse_layer_t *l)
{
    return npu_kind_of(job, l) >= 0;
}

static int64_t ext_ho(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    if (is_row_op(l->op))
        return l->cin * l->hin * l->win / row_len_of(l); /* rows */
    return op_kind(l->op) == KIND_ELEM ? l->hin : l->hout;
}
static int64_t ext_wo(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->wout;
}
static int64_t ext_cout(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->cout;
}
static int64_t ext_m(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->m;
}
static int64_t ext_n(const dse_job_t *job, const dse_layer_t *l)
{
    (void)job;
    return l->n;
}
static int64_t ext_cores(const dse_job_t *job, const dse_layer_t *l)
{
    (void)l;
    return (int64_t)job->hw[H_CORES];
}

static const dse_param_decl_t s_params[P__COUNT] = {
    [P_ENGINE] = {.name = "engine", .kind = DSE_VAL_ENUM, .choices = s_engines,
        .dflt = "[\"cluster\", \"npu\"]", .applies = is_not_elem, .neutral = 0,
        .doc = "cluster cores or the NEUREKA NPU (npu infeasible where not eligible)"},
    [P_TILE_HO] = {.name = "tile_ho", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = ext_ho, .applies = is_conv_or_elem, .neutral = 0,
        .doc = "output rows per L1 tile (element-wise ops: rows of H; norms, softmax: "
               "rows they reduce)"},
    [P_TILE_WO] = {.name = "tile_wo", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = ext_wo, .applies = is_conv, .neutral = 0, .doc = "output columns per L1 tile"},
    [P_TILE_COUT] = {.name = "tile_cout", .kind = DSE_VAL_INT, .dflt = "\"divisors\"",
        .extent = ext_cout, .applies = is_conv, .neutral = 0,
        .doc = "output channels per L1 tile"},
    [P_TILE_M] = {.name = "tile_m", .kind = DSE_VAL_INT, .dflt = "\"divisors\"", .extent = ext_m,
        .applies = is_gemm_m, .neutral = 0, .doc = "rows of A and C per L1 tile (gemm)"},
    [P_TILE_N] = {.name = "tile_n", .kind = DSE_VAL_INT, .dflt = "\"divisors\"", .extent = ext_n,
        .applies = is_gemm_n, .neutral = 0,
        .doc = "columns of B and C (output features) per L1 tile"},
    [P_BUF] = {.name = "buffering", .kind = DSE_VAL_ENUM, .choices = s_buffering,
        .dflt = "[\"single\", \"double\"]", .neutral = 0,
        .doc = "single: DMA then compute; double: DMA overlaps compute, 2x L1"},
    [P_WMEM] = {.name = "wmem", .kind = DSE_VAL_ENUM, .choices = s_onoff,
        .dflt = "[\"off\", \"on\"]", .applies = npu_eligible, .neutral = 0,
        .doc = "NPU weights resident in the weight memory (no weight DMA)"},
    [P_CORES] = {.name = "cores", .kind = DSE_VAL_INT, .dflt = "\"max\"", .extent = ext_cores,
        .neutral = 0, .doc = "cluster cores used (default: the preset's `cores`)"},
    [P_L1] = {.name = "l1", .kind = DSE_VAL_ENUM, .choices = s_l1modes,
        .dflt = "[\"tiled\", \"l2\"]", .neutral = 0,
        .doc = "tiled: DMA tiles into L1; l2: cluster runs straight from L2, untiled"},
    [P_SIMD] = {.name = "simd", .kind = DSE_VAL_ENUM, .choices = s_onoff,
        .dflt = "[\"off\", \"on\"]", .applies = is_elem, .neutral = 1,
        .doc = "elementwise: pack 4 int8 per word (conv/GEMM kernels always use SIMD)"},
};

enum {
    M_CYCLES, M_DMA, M_COMPUTE, M_L1, M_L2, M_WMEM, M_L2_TRAFFIC, M_ENGINE, M_TILES, M_L3,
    M_MACS, M_MAC_PER_CYCLE, M_TIME, M__COUNT
};

static const dse_metric_decl_t s_metrics[M__COUNT] = {
    [M_CYCLES] = {.name = "cycles", .unit = "cycles",
        .doc = "latency of the layer (DMA, compute, overheads)"},
    [M_DMA] = {.name = "dma_cycles", .unit = "cycles",
        .doc = "busy cycles of the DMA (L3->L2 and L2<->L1)"},
    [M_COMPUTE] = {.name = "compute_cycles", .unit = "cycles",
        .doc = "busy cycles of the cores or the NPU"},
    [M_L1] = {.name = "l1_bytes", .unit = "bytes",
        .doc = "L1 occupied by the tiles (all buffers)"},
    [M_L2] = {.name = "l2_bytes", .unit = "bytes", .doc = "the layer's tensors resident in L2"},
    [M_WMEM] = {.name = "wmem_bytes", .unit = "bytes",
        .doc = "NPU weights kept in the weight memory"},
    [M_L2_TRAFFIC] = {.name = "l2_traffic_bytes", .unit = "bytes",
        .doc = "bytes read or written in L2"},
    [M_ENGINE] = {.name = "engine", .unit = "", .labels = s_engines,
        .doc = "engine that runs the layer"},
    [M_TILES] = {.name = "tiles", .unit = "", .doc = "L1 tiles (1 when run from L2)"},
    [M_L3] = {.name = "l3_bytes", .unit = "bytes",
        .doc = "the layer's tensors placed in L3 (streamed)"},
    [M_MACS] = {.name = "macs", .unit = "MAC",
        .doc = "multiply-accumulates (elementwise: elements)"},
    [M_MAC_PER_CYCLE] = {.name = "mac_per_cycle", .unit = "MAC/cycle", .doc = "macs / cycles"},
    [M_TIME] = {.name = "time_us", .unit = "us", .doc = "cycles / clock_mhz"},
};

static const dse_net_metric_decl_t s_net_metrics[] = {
    {.name = "cycles", .source = "cycles", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = "layers run one after the other"},
    {.name = "dma_cycles", .source = "dma_cycles", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = ""},
    {.name = "compute_cycles", .source = "compute_cycles", .agg = DSE_AGG_SUM, .unit = "cycles",
        .doc = ""},
    {.name = "l1_bytes", .source = "l1_bytes", .agg = DSE_AGG_MAX, .unit = "bytes",
        .doc = "L1 is reused layer after layer"},
    {.name = "l2_bytes", .source = "l2_bytes", .agg = DSE_AGG_MAX, .unit = "bytes",
        .doc = "activations are reused layer after layer"},
    {.name = "wmem_bytes", .source = "wmem_bytes", .agg = DSE_AGG_SUM, .unit = "bytes",
        .doc = "weights of all layers stay resident together"},
    {.name = "l2_traffic_bytes", .source = "l2_traffic_bytes", .agg = DSE_AGG_SUM, .unit = "bytes",
        .doc = ""},
    {.name = "tiles", .source = "tiles", .agg = DSE_AGG_SUM, .unit = "", .doc = ""},
    {.name = "l3_bytes", .source = "l3_bytes", .agg = DSE_AGG_MAX, .unit = "bytes", .doc = ""},
    {.name = "time_us", .source = "time_us", .agg = DSE_AGG_SUM, .unit = "us", .doc = ""},
};

static const char *const s_objectives[] = {"cycles", "l1_bytes", NULL};

/* ---- int8 cluster engine ----------------------------------------------- */

static int64_t cdiv(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Requantisation of one int8 output (PULP-NN: multiply, add, shift, clip,
 * store, pointer update). */
#define I8_REQ_INSTR 6.0

/* One block of the matmul inner loop: `u` rows of A (pixels) x `v` columns of
 * B (output channels). Per k step of 4 bytes the kernel loads u + v words and
 * issues u * v sdotp; a k leftover of r bytes costs the same per byte in a
 * scalar loop; outputs are requantised and stored. */
static void i8_block(double u, double v, double k4, double rk, double *instr, double *acc)
{
    double ld = u + v, step = u + v + u * v;
    *instr += 2.0 + 2.0 * u + step * (k4 + rk) + u * v * I8_REQ_INSTR;
    *acc += ld * (k4 + rk) + u * v;
}

/* The busiest core runs `rows` rows of A against `cols` columns of B. */
static void i8_matmul(double rows, double cols, int64_t k, double *instr, double *acc)
{
    double k4 = (double)(k / 4), rk = (double)(k % 4);
    double pairs = floor(rows / 2.0), odd = rows - 2.0 * pairs;
    double b4 = floor(cols / 4.0), rc = cols - 4.0 * b4;
    double i42 = 0, a42 = 0, i12 = 0, a12 = 0, i41 = 0, a41 = 0, i11 = 0, a11 = 0;
    i8_block(2, 4, k4, rk, &i42, &a42);
    i8_block(2, 1, k4, rk, &i12, &a12);
    i8_block(1, 4, k4, rk, &i41, &a41);
    i8_block(1, 1, k4, rk, &i11, &a11);
    *instr += pairs * (b4 * i42 + rc * i12) + odd * (b4 * i41 + rc * i11);
    *acc += pairs * (b4 * a42 + rc * a12) + odd * (b4 * a41 + rc * a11);
}

dse_i8_work_t dse_i8_conv_work(int64_t th, int64_t tw, int64_t tc, int64_t cin, int64_t kh,
                               int64_t kw, int64_t cores)
{
    dse_i8_work_t w = {0, 0, 1};
    int64_t chunk = cdiv(th, cores);
    w.active = (double)cdiv(th, chunk);
    double pix = (double)(chunk * tw);
    int64_t k = kh * kw * cin;
    w.instr = 10.0; /* loop and pointer set-up */
    if (kh * kw > 1) {
        /* im2col: copy the receptive field word by word (load + store), a
         * little bookkeeping per kernel row */
        double words = (double)cdiv(k, 4);
        w.instr += pix * (2.0 * words + 4.0 * (double)kh);
        w.acc += pix * 2.0 * words;
    }
    i8_matmul(pix, (double)tc, k, &w.instr, &w.acc);
    return w;
}

dse_i8_work_t dse_i8_dw_work(int64_t th, int64_t tw, int64_t tc, int64_t kh, int64_t kw,
                             int64_t sh, int64_t sw, int64_t cores)
{
    dse_i8_work_t w = {0, 0, 1};
    int64_t chunk = cdiv(tc, cores);
    w.active = (double)cdiv(tc, chunk);
    double ih = (double)((th - 1) * sh + kh), iw = (double)((tw - 1) * sw + kw);
    double taps = (double)(kh * cdiv(kw, 4)); /* sdotp per output: one per kernel row */
    double per_ch = 10.0 + ih * iw * 2.0 /* gather the channel plane from HWC */
                    + (double)(th * tw) * (3.0 * taps + I8_REQ_INSTR);
    double acc_ch = ih * iw * 2.0 + (double)(th * tw) * (2.0 * taps + 1.0);
    w.instr = 10.0 + (double)chunk * per_ch;
    w.acc = (double)chunk * acc_ch;
    return w;
}

/* Deeploy's int8 GEMM with constant weights (PULPGEMM_8_Template in
 * Deeploy/Targets/PULPOpen/Templates/GEMMTemplate.py) calls pulp_nn_linear
 * once per row of A: each call shares the tn output features among the
 * cores, two at a time (per 4 bytes of K one input word, two weight words,
 * two sdotp: a 1x2 block), an odd one alone; every call pays row_call
 * cycles (the template's 3-nop loop, the call and chunking, the closing
 * barrier). So a GEMM is never parallel over M, and small K and N (the
 * K = 4 RoPE and head products of microLlama) are dominated by the calls. */
dse_i8_work_t dse_i8_gemm_work(int64_t tm, int64_t tn, int64_t k, int64_t cores,
                               double row_call)
{
    dse_i8_work_t w = {10.0, 0, 1};
    int64_t chunk = cdiv(tn, cores);
    w.active = (double)cdiv(tn, chunk);
    double k4 = (double)(k / 4), rk = (double)(k % 4);
    double i12 = 0, a12 = 0, i11 = 0, a11 = 0;
    i8_block(1, 2, k4, rk, &i12, &a12);
    i8_block(1, 1, k4, rk, &i11, &a11);
    double pairs = (double)(chunk / 2), odd = (double)(chunk % 2);
    w.instr += (double)tm * (row_call + pairs * i12 + odd * i11);
    w.acc += (double)tm * (pairs * a12 + odd * a11);
    return w;
}

/* Deeploy's int8 MatMul of two activations (PULPMM_8_Template, bound with
 * ClusterTransformer and BEGIN_SINGLE_CORE) runs the Generic MatMul_s8_s8_s32
 * on ONE core: a 2x2 scalar block, per pair of k steps 8 byte loads, 8
 * offset adds and 8 MACs (3 instructions and 1 load per MAC), 4 int32
 * stores and a few set-up instructions per block of 4 outputs. */
dse_i8_work_t dse_i8_matmul_work(int64_t tm, int64_t tn, int64_t k)
{
    dse_i8_work_t w = {10.0, 0, 1};
    double outs = (double)(tm * tn);
    w.instr += outs * (3.0 * (double)k + 2.5);
    w.acc = outs * ((double)k + 1.0);
    return w;
}

/* Calibrated on the Deeploy tutorial's int8 LeakyReLU (see the doc): 11
 * instructions per element, 12 per packed word of 4 with SIMD; 3 memory
 * accesses per element or word (load, store, and a parameter reload the
 * compiler keeps because int8 stores may alias the argument struct). */
#define ELEM_INSTR 11.0
#define ELEM_SIMD_INSTR 12.0
#define ELEM_ACC 3.0

dse_i8_work_t dse_i8_elem_work(int64_t n, int simd, int64_t cores)
{
    dse_i8_work_t w = {10.0, 0, 1};
    int64_t chunk = cdiv(n, cores);
    w.active = (double)cdiv(n, chunk);
    if (simd) {
        double words = (double)(chunk / 4), left = (double)(chunk % 4);
        w.instr += ELEM_SIMD_INSTR * words + ELEM_INSTR * left;
        w.acc = ELEM_ACC * (words + left);
    } else {
        w.instr += ELEM_INSTR * (double)chunk;
        w.acc = ELEM_ACC * (double)chunk;
    }
    return w;
}

double dse_i8_cycles(dse_i8_work_t w, int in_l2, double l2_lat, double port_cycles)
{
    if (!in_l2)
        return w.instr;
    double base = w.instr + w.acc * (l2_lat - 1.0);
    if (w.acc <= 0 || base <= 0)
        return base;
    /* The active cores share one L2 port: an M/D/1 queue whose load is the
     * port time the cores ask for per cycle. */
    double rho = w.active * w.acc * port_cycles / base;
    if (rho > 0.95)
        rho = 0.95;
    double wait = port_cycles * rho / (2.0 * (1.0 - rho));
    double c = base + w.acc * wait;
    double bound = w.active * w.acc * port_cycles;
    return c > bound ? c : bound;
}

/* ---- NEUREKA ----------------------------------------------------------- */

#define NK_FIFO 6.0    /* DORY Ne16PerfModel FIFO_LATENCY */
#define NK_PORT 256.0  /* memory port, bits per cycle */
#define NK_SUB 6       /* output subtile: 6 x 6 pixels */
#define NK_KOUT 32     /* output channels per subtile */
#define NK_KIN_1X1 32  /* input channels per block, 1x1 */
#define NK_KIN_3X3 28  /* input channels per block, 3x3 and depthwise */

static double nk_normquant(double k)
{
    /* scale: 9 + ceil(k * 32 bit / 8 / 4 multipliers); bias: 8 + ceil(k / 8 adders) */
    return 9.0 + ceil(k * 4.0 / 4.0) + 8.0 + ceil(k / 8.0);
}

double dse_neureka_cycles(int kind, int64_t ph, int64_t pw, int64_t tc, int64_t cin, int wbits)
{
    if (ph <= 0 || pw <= 0 || tc <= 0)
        return 0;
    double n_sp = (double)(cdiv(ph, NK_SUB) * cdiv(pw, NK_SUB));
    int64_t sh = ph < NK_SUB ? ph : NK_SUB, sw = pw < NK_SUB ? pw : NK_SUB;
    double px = (double)(sh * sw);
    double load;
    if (kind == DSE_NEUREKA_1X1)
        load = NK_FIFO + px * ceil(NK_KIN_1X1 * 8.0 / NK_PORT);
    else
        load = NK_FIFO + (double)((sh + 2) * (sw + 2)) * ceil(NK_KIN_3X3 * 8.0 / NK_PORT);
    double stream = 4.0 + px * ceil(NK_KOUT * 8.0 / NK_PORT);
    double kblk = kind == DSE_NEUREKA_DW ? NK_KIN_3X3 : NK_KOUT;
    double nb = floor((double)tc / kblk), rem = (double)tc - nb * kblk;
    double iter_body, iter_rem = 0;
    if (kind == DSE_NEUREKA_DW) {
        /* one input block per output block; weight offset grows with k */
        double kk[2] = {kblk, rem}, it[2];
        for (int i = 0; i < 2; i++) {
            double wo = NK_FIFO + kk[i], mv = NK_FIFO + kk[i] * wbits;
            it[i] = fmax(load, wo + mv) + 2.0 + nk_normquant(kk[i]) + stream;
        }
        iter_body = it[0];
        iter_rem = rem > 0 ? it[1] : 0;
    } else {
        double n_in = (double)cdiv(cin, kind == DSE_NEUREKA_1X1 ? NK_KIN_1X1 : NK_KIN_3X3);
        double kk[2] = {kblk, rem}, it[2];
        for (int i = 0; i < 2; i++) {
            double mv = kind == DSE_NEUREKA_1X1 ? NK_FIFO + kk[i] : NK_FIFO + kk[i] * wbits;
            /* the next activation block is prefetched during the matrix-vector
             * phase, so a block costs the longer of the two */
            it[i] = n_in * (fmax(load, NK_FIFO + mv) + 2.0) + nk_normquant(kk[i]) + stream;
        }
        iter_body = it[0];
        iter_rem = rem > 0 ? it[1] : 0;
    }
    /* the first activation load of each spatial block is not hidden */
    return n_sp * (load + nb * iter_body + iter_rem);
}

double dse_neureka_weight_bytes(int kind, int64_t cout, int64_t cin, int wbits)
{
    switch (kind) {
    case DSE_NEUREKA_1X1: /* 32 input channels x wbits per output channel and block */
        return (double)(cout * cdiv(cin, NK_KIN_1X1)) * 4.0 * wbits;
    case DSE_NEUREKA_3X3: /* 9 x 28 channels = 252 bits per bit-plane, padded to 256 */
        return (double)(cout * cdiv(cin, NK_KIN_3X3)) * wbits * 32.0;
    default: /* depthwise: 28 channels x 9 taps per bit-plane */
        return (double)cdiv(cout, NK_KIN_3X3) * wbits * 32.0;
    }
}

/* ---- per-layer context and evaluation ---------------------------------- */

typedef struct {
    int kind, npu_kind, op, const_w, wbits;
    int64_t cin, hin, win, cout, hout, wout, kh, kw, sh, sw, m, n, k;
    double hw[H__COUNT];
    double in_bytes, out_bytes; /* activations (gemm with const_weights 0: B is in in_bytes) */
    double w_bytes;             /* cluster weights + per-channel parameters */
    double npu_w_bytes;         /* NEUREKA-formatted weights (weight memory candidates) */
    double par_bytes;           /* per-channel bias / scale (8 bytes per output channel) */
    double canon[P__COUNT];     /* the value a parameter must take where it does not matter */
    double macs;
    int l1_overflow; /* some tiled point may exceed L1 (else sir_monotone claims nothing) */
    int single_core; /* the kernel runs on one core whatever `cores` says */
    double batch;    /* gemm/gemv instances run one after the other (1 otherwise) */
    int has_vec;     /* a vector op other than `elementwise`: vec holds its costs */
    vec_cost_t vec;
    int64_t ext0;    /* extent of tile_ho: rows of H (element-wise) or rows (norms, softmax) */
    int64_t row_len; /* elements of a row (norms, softmax; else win) */
} sir_ctx_t;

#define PAR_BYTES_PER_CH 8.0

static double dom_first(const dse_layer_t *l, int p, double dflt)
{
    if (!l->space || (size_t)p >= l->space->n_params || l->space->n_values[p] == 0)
        return dflt;
    return l->space->values[p][0];
}

static double dom_last(const dse_layer_t *l, int p, double dflt)
{
    if (!l->space || (size_t)p >= l->space->n_params || l->space->n_values[p] == 0)
        return dflt;
    return l->space->values[p][l->space->n_values[p] - 1];
}

static inline void tile_grid(const sir_ctx_t *c, const double *p, int64_t e[3], int64_t t[3]);
static inline void tile_bytes(const sir_ctx_t *c, int npu, int wmem, int64_t cores, int64_t h,
                              int64_t w, int64_t ch, double *in_t, double *out_t, double *w_t,
                              double *extra);

static int sir_prepare(const dse_job_t *job, size_t li, unsigned flags, void **ctx_p,
                       dse_error_t *err)
{
    (void)flags; /* nothing differs in a worker */
    (void)err;
    const dse_layer_t *l = &job->layers[li];
    sir_ctx_t *c = dse_xcalloc(1, sizeof *c);
    c->op = (int)l->op;
    c->kind = op_kind(l->op);
    c->npu_kind = npu_kind_of(job, l);
    c->const_w = l->attr[K_CONST_W] != 0;
    c->wbits = (int)l->attr[K_WBITS];
    if (c->wbits < 2 || c->wbits > 8)
        c->wbits = 8;
    c->cin = l->cin, c->hin = l->hin, c->win = l->win;
    c->cout = l->cout, c->hout = l->hout, c->wout = l->wout;
    c->kh = l->kh > 0 ? l->kh : 1, c->kw = l->kw > 0 ? l->kw : 1;
    c->sh = l->sh > 0 ? l->sh : 1, c->sw = l->sw > 0 ? l->sw : 1;
    c->m = l->m, c->n = l->n, c->k = l->k;
    memcpy(c->hw, job->hw, sizeof c->hw);
    if (c->kind == KIND_GEMM && c->m < 1)
        c->m = 1;
    switch (c->kind) {
    case KIND_CONV:
        c->in_bytes = (double)(c->cin * c->hin * c->win);
        c->out_bytes = (double)(c->cout * c->hout * c->wout);
        c->par_bytes = PAR_BYTES_PER_CH * (double)c->cout;
        c->w_bytes = (double)(c->cout * c->cin * c->kh * c->kw) + c->par_bytes;
        c->macs = (double)(c->cout * c->hout * c->wout * c->cin * c->kh * c->kw);
        break;
    case KIND_DW:
        c->cin = c->cout;
        c->in_bytes = (double)(c->cin * c->hin * c->win);
        c->out_bytes = (double)(c->cout * c->hout * c->wout);
        c->par_bytes = PAR_BYTES_PER_CH * (double)c->cout;
        c->w_bytes = (double)(c->cout * c->kh * c->kw) + c->par_bytes;
        c->macs = (double)(c->cout * c->hout * c->wout * c->kh * c->kw);
        break;
    case KIND_GEMM:
        c->in_bytes = (double)(c->m * c->k) + (c->const_w ? 0.0 : (double)(c->k * c->n));
        c->out_bytes = (double)(c->m * c->n) * (c->const_w ? 1.0 : 4.0); /* int32 */
        c->par_bytes = c->const_w ? PAR_BYTES_PER_CH * (double)c->n : 0.0;
        c->w_bytes = c->const_w ? (double)(c->k * c->n) + c->par_bytes : 0.0;
        c->macs = (double)(c->m * c->n * c->k);
        break;
    default: {
        double elems = (double)(c->cin * c->hin * c->win);
        c->has_vec = vec_cost(l->op, &c->vec);
        c->row_len = is_row_op(l->op) ? row_len_of(l) : c->win;
        c->ext0 = ext_ho(job, l);
        c->in_bytes = (c->has_vec ? (double)c->vec.inputs : 1.0) * elems;
        c->out_bytes = elems;
        c->w_bytes = c->has_vec ? (double)(c->vec.w_per_len * c->row_len) : 0.0;
        c->macs = elems;
        break;
    }
    }
    c->single_core = single_core_op(l);
    c->batch = 1;
    if (c->kind == KIND_GEMM && l->attr[K_BATCH] > 1) {
        /* instances one after the other: every tensor but a shared constant
         * B is per instance in L2 */
        c->batch = l->attr[K_BATCH];
        c->in_bytes *= c->batch;
        c->out_bytes *= c->batch;
        c->macs *= c->batch;
    }
    if (c->npu_kind >= 0) {
        int64_t ki = c->kind == KIND_GEMM ? c->k : c->cin;
        int64_t ko = c->kind == KIND_GEMM ? c->n : c->cout;
        c->npu_w_bytes = dse_neureka_weight_bytes(c->npu_kind, ko, ki, c->wbits);
    }
    c->canon[P_TILE_HO] = dom_last(l, P_TILE_HO, (double)ext_ho(job, l));
    c->canon[P_TILE_WO] = dom_last(l, P_TILE_WO, (double)c->wout);
    c->canon[P_TILE_COUT] = dom_last(l, P_TILE_COUT, (double)c->cout);
    c->canon[P_TILE_M] = dom_last(l, P_TILE_M, (double)c->m);
    c->canon[P_TILE_N] = dom_last(l, P_TILE_N, (double)c->n);
    c->canon[P_BUF] = dom_first(l, P_BUF, 0);
    c->canon[P_WMEM] = dom_first(l, P_WMEM, 0);
    c->canon[P_CORES] = dom_last(l, P_CORES, 0);
    /* The largest footprint of any point: whole extents, double buffers, no
     * weight memory, the most cores (a bound: too high only costs time). */
    double big[P__COUNT];
    for (int i = 0; i < P__COUNT; i++)
        big[i] = 1e12;
    int64_t e[3], t[3];
    tile_grid(c, big, e, t);
    int64_t cores = (int64_t)dom_last(l, P_CORES, 0);
    if (cores < (int64_t)job->hw[H_CORES])
        cores = (int64_t)job->hw[H_CORES];
    for (int npu = 0; npu <= (c->npu_kind >= 0); npu++) {
        double in_t, out_t, w_t, extra;
        tile_bytes(c, npu, 0, cores, t[0], t[1], t[2], &in_t, &out_t, &w_t, &extra);
        if (2.0 * (in_t + out_t + w_t) + extra > job->hw[H_L1])
            c->l1_overflow = 1;
    }
    *ctx_p = c;
    return 0;
}

static void sir_release(void *ctx)
{
    free(ctx);
}

/* One DMA move of `bytes` (split at dma_max_bytes), from or to L3 when l3. */
static double dma_cost(const sir_ctx_t *c, double bytes, int l3)
{
    if (bytes <= 0)
        return 0;
    double n = ceil(bytes / c->hw[H_DMA_MAX]);
    double bw = c->hw[H_DMA_BW];
    double setup = c->hw[H_DMA_SETUP];
    if (l3) {
        /* through L2 in a pipeline: the slower hop sets the rate */
        if (c->hw[H_L3_BW] < bw)
            bw = c->hw[H_L3_BW];
        setup += c->hw[H_L3_SETUP];
    }
    return n * setup + bytes / bw;
}

static int64_t clamp_tile(double v, int64_t ext)
{
    int64_t t = (int64_t)v;
    if (t > ext)
        t = ext;
    return t;
}

/* A vector op on `h` rows of H (element-wise) or `h` rows (norms, softmax),
 * as the Deeploy kernel of vec_cost() shares it among the cores. */
static dse_i8_work_t vec_work(const sir_ctx_t *c, int64_t h, int64_t cores)
{
    const vec_cost_t *v = &c->vec;
    double dv = c->hw[H_DIV];
    double per = v->instr + v->divs * dv;
    dse_i8_work_t w = {10.0, 0, 1};
    if (!is_row_op((dse_op_t)c->op)) {
        int64_t n = c->cin * h * c->win;
        int64_t chunk = v->split == SPLIT_ONE ? n : cdiv(n, cores);
        w.active = (double)cdiv(n, chunk);
        w.instr += (double)chunk * per;
        w.acc = (double)chunk * v->acc;
        return w;
    }
    double len = (double)c->row_len, row = v->row_instr + v->row_divs * dv;
    switch (v->split) {
    case SPLIT_ROWS_LAST: {
        /* cores 0..n-2 take floor(rows / n) rows, the last one the rest */
        int64_t base = h / cores, last = h - (cores - 1) * base;
        w.active = base > 0 ? (double)cores : 1.0;
        w.instr += (double)last * (row + len * per);
        w.acc = (double)last * len * v->acc;
        break;
    }
    case SPLIT_RMS: {
        /* every core reduces every row, then normalises its chunk of it:
         * load, weight load, mul, division, shift, clip, store */
        int64_t chunk = cdiv(c->row_len, cores);
        w.active = (double)cdiv(c->row_len, chunk);
        w.instr += (double)h * (row + len * per + (double)chunk * (7.0 + dv));
        w.acc = (double)h * (len * v->acc + (double)chunk * 3.0);
        break;
    }
    default: /* one core */
        w.instr += (double)h * (row + len * per);
        w.acc = (double)h * len * v->acc;
        break;
    }
    return w;
}

/* Whole-layer work on the cluster (used untiled from L2, and per tile). */
static dse_i8_work_t cluster_work(const sir_ctx_t *c, int64_t h, int64_t w, int64_t ch,
                                  int simd, int64_t cores)
{
    switch (c->kind) {
    case KIND_CONV:
        return dse_i8_conv_work(h, w, ch, c->cin, c->kh, c->kw, cores);
    case KIND_DW:
        return dse_i8_dw_work(h, w, ch, c->kh, c->kw, c->sh, c->sw, cores);
    case KIND_GEMM:
        if (!c->const_w)
            return dse_i8_matmul_work(h, ch, c->k);
        return dse_i8_gemm_work(h, ch, c->k, cores, c->hw[H_ROW_CALL]);
    default:
        if (!c->has_vec)
            return dse_i8_elem_work(c->cin * h * c->win, simd, cores);
        return vec_work(c, h, cores);
    }
}

static double npu_compute(const sir_ctx_t *c, int64_t h, int64_t w, int64_t ch)
{
    if (c->kind == KIND_GEMM) {
        /* tokens packed into 6x6 pixel subtiles of a 1x1 convolution */
        int64_t ph = h < NK_SUB ? h : NK_SUB;
        return dse_neureka_cycles(DSE_NEUREKA_1X1, ph, cdiv(h, NK_SUB), ch, c->k, c->wbits);
    }
    /* stride 2 is computed densely and subsampled */
    return dse_neureka_cycles(c->npu_kind, h * c->sh, w * c->sw, ch, c->cin, c->wbits);
}

/* Tile grid: extents e and tile sizes t; dims 0, 1 spatial (or M), dim 2
 * channels (or N). Each t[d] is min(its parameter, e[d]) or constant. */
static inline void tile_grid(const sir_ctx_t *c, const double *p, int64_t e[3], int64_t t[3])
{
    switch (c->kind) {
    case KIND_CONV:
    case KIND_DW:
        e[0] = c->hout, e[1] = c->wout, e[2] = c->cout;
        t[0] = clamp_tile(p[P_TILE_HO], e[0]);
        t[1] = clamp_tile(p[P_TILE_WO], e[1]);
        t[2] = clamp_tile(p[P_TILE_COUT], e[2]);
        break;
    case KIND_GEMM:
        e[0] = c->m, e[1] = 1, e[2] = c->n;
        t[0] = c->op == DSE_OP_GEMM ? clamp_tile(p[P_TILE_M], e[0]) : 1;
        t[1] = 1;
        t[2] = clamp_tile(p[P_TILE_N], e[2]);
        break;
    default:
        e[0] = c->ext0, e[1] = 1, e[2] = 1;
        t[0] = clamp_tile(p[P_TILE_HO], e[0]);
        t[1] = t[2] = 1;
        break;
    }
}

/* Bytes of one tile of h x w x ch (dims as in sir_evaluate's grid): input,
 * output, weights, and the cluster's im2col buffers. Each grows with h, w
 * and ch (sir_monotone relies on it). */
static inline void tile_bytes(const sir_ctx_t *c, int npu, int wmem, int64_t cores, int64_t h,
                              int64_t w, int64_t ch, double *in_t, double *out_t, double *w_t,
                              double *extra)
{
    *extra = 0;
    switch (c->kind) {
    case KIND_CONV:
    case KIND_DW: {
        double ich = (double)(c->kind == KIND_DW ? ch : c->cin);
        *in_t = ich * (double)((h - 1) * c->sh + c->kh) * (double)((w - 1) * c->sw + c->kw);
        *out_t = (double)(ch * h * w);
        if (npu)
            *w_t = PAR_BYTES_PER_CH * (double)ch +
                   (wmem ? 0.0 : dse_neureka_weight_bytes(c->npu_kind, ch, c->cin, c->wbits));
        else if (c->kind == KIND_DW)
            *w_t = (double)(ch * c->kh * c->kw) + PAR_BYTES_PER_CH * (double)ch;
        else
            *w_t = (double)(ch * c->cin * c->kh * c->kw) + PAR_BYTES_PER_CH * (double)ch;
        if (!npu && c->kind == KIND_CONV && c->kh * c->kw > 1)
            *extra = (double)(cores * 2 * c->kh * c->kw * c->cin); /* im2col */
        break;
    }
    case KIND_GEMM:
        *in_t = (double)(h * c->k);
        /* Deeploy's MatMul of two activations writes int32 (MatMul_s8_s8_s32),
         * requantised by the next layer */
        *out_t = (double)(h * ch) * (c->const_w ? 1.0 : 4.0);
        /* B: loaded once per column tile, whether weights or activations */
        *w_t = (double)(c->k * ch);
        if (c->const_w) {
            *w_t += PAR_BYTES_PER_CH * (double)ch;
            if (npu)
                *w_t = PAR_BYTES_PER_CH * (double)ch +
                       (wmem ? 0.0 : dse_neureka_weight_bytes(DSE_NEUREKA_1X1, ch, c->k, c->wbits));
        }
        break;
    default:
        if (!c->has_vec) {
            *in_t = *out_t = (double)(c->cin * h * c->win);
            *w_t = 0;
        } else {
            double elems = is_row_op((dse_op_t)c->op) ? (double)(h * c->row_len)
                                                      : (double)(c->cin * h * c->win);
            *in_t = (double)c->vec.inputs * elems;
            *out_t = elems;
            *w_t = (double)(c->vec.w_per_len * c->row_len);
            if (c->op == DSE_OP_SOFTMAX) /* PULPSoftmax's 32-bit row buffer per core */
                *extra = (double)(cores * c->row_len * 4);
        }
        break;
    }
}

/* Capacities that reject points (hwmodel.h reasons; order = R_*). */
enum { R_L1, R_L3, R_WMEM, R_CORES, R_L2_RUN };
static const dse_reason_decl_t s_reasons[] = {
    [R_L1] = {.name = "l1_bytes", .bound = "l1_bytes", .unit = "bytes",
        .hint = "try smaller tiles (tile_*), single buffering, or a larger L1"},
    [R_L3] = {.name = "l3_bytes", .bound = "l3_bytes", .unit = "bytes",
        .hint = "the layer's tensors do not fit L2 + L3"},
    [R_WMEM] = {.name = "wmem_bytes", .bound = "wmem_bytes", .unit = "bytes",
        .hint = "the layer's NPU weights do not fit the weight memory: use wmem = \"off\""},
    [R_CORES] = {.name = "cores", .bound = "cores", .unit = "cores",
        .hint = "use at most the preset's cores"},
    [R_L2_RUN] = {.name = "l2_bytes", .bound = "l2_bytes", .unit = "bytes",
        .hint = "running from L2 (l1 = \"l2\") needs every tensor in L2: tile it instead"},
};

/* A rejection with its reason (hwmodel.h): returns 0. */
static inline int s_reject(double *mt, int reason, double value)
{
    mt[0] = 1.0 + reason;
    mt[1] = value;
    return 0;
}

/* One point of sir_evaluate as it goes: its switches, where its tensors
 * live, and the metrics summed so far. No arrays, so the compiler keeps the
 * fields in registers (its tile grid e, t is passed beside it). */
typedef struct {
    int npu, dbl, wmem, l2run, simd;
    int64_t cores;
    int w_l3, a_l3;
    double wl2, acts, l2b, l3b;
    double cycles, dma, comp, l1b, traffic, tiles;
} sir_point_t;

/* Reads the point's switches and cores. 0 when the point is rejected (its
 * reason in mt) or a parameter it ignores is off its canonical value. */
static inline int s_decode_point(const sir_ctx_t *c, const double *p, double *mt,
                                 sir_point_t *pt)
{
    const double *hw = c->hw;
    pt->npu = c->kind != KIND_ELEM && p[P_ENGINE] != 0;
    pt->dbl = p[P_BUF] != 0;
    pt->wmem = p[P_WMEM] != 0;
    pt->l2run = p[P_L1] != 0;
    pt->simd = c->kind == KIND_ELEM ? p[P_SIMD] != 0 : 1;
    int64_t hw_cores = (int64_t)hw[H_CORES];
    pt->cores = p[P_CORES] <= 0 ? hw_cores : (int64_t)p[P_CORES];
    if (pt->cores > hw_cores)
        return s_reject(mt, R_CORES, (double)pt->cores);
    /* A parameter that does not change the point is feasible only at its
     * canonical value, so each deployment is counted once. */
    if (pt->npu) {
        if (c->npu_kind < 0 || pt->l2run || p[P_CORES] != c->canon[P_CORES])
            return 0;
        if (pt->wmem && c->npu_w_bytes > hw[H_WMEM])
            return s_reject(mt, R_WMEM, c->npu_w_bytes);
    } else if (p[P_WMEM] != c->canon[P_WMEM]) {
        return 0;
    } else if (c->single_core) {
        if (p[P_CORES] != c->canon[P_CORES])
            return 0;
        pt->cores = 1;
    }
    return 1;
}

/* The point's tile grid (e, t as in tile_grid); 0 when a tile is empty or,
 * running from L2, a tile size or the buffering is off its canonical value. */
static inline int s_tile_point(const sir_ctx_t *c, const double *p, const sir_point_t *pt,
                               int64_t *e, int64_t *t)
{
    tile_grid(c, p, e, t);
    if (pt->l2run) {
        switch (c->kind) {
        case KIND_CONV:
        case KIND_DW:
            if (p[P_TILE_HO] != c->canon[P_TILE_HO] || p[P_TILE_WO] != c->canon[P_TILE_WO] ||
                p[P_TILE_COUT] != c->canon[P_TILE_COUT])
                return 0;
            break;
        case KIND_GEMM:
            if ((c->op == DSE_OP_GEMM && p[P_TILE_M] != c->canon[P_TILE_M]) ||
                p[P_TILE_N] != c->canon[P_TILE_N])
                return 0;
            break;
        default:
            if (p[P_TILE_HO] != c->canon[P_TILE_HO])
                return 0;
            break;
        }
    }
    if (t[0] < 1 || t[1] < 1 || t[2] < 1)
        return 0;
    if (pt->l2run && p[P_BUF] != c->canon[P_BUF])
        return 0;
    return 1;
}

/* Placement: tensors in L2 as they fit, else weights, then all, in L3.
 * 0 (reason in mt) when they do not fit L3 either. */
static inline int s_place_tensors(const sir_ctx_t *c, sir_point_t *pt, double *mt)
{
    const double *hw = c->hw;
    pt->wl2 = pt->npu ? c->par_bytes + (pt->wmem ? 0.0 : c->npu_w_bytes) : c->w_bytes;
    pt->acts = c->in_bytes + c->out_bytes;
    pt->w_l3 = 0, pt->a_l3 = 0;
    pt->l2b = pt->acts + pt->wl2, pt->l3b = 0;
    if (pt->l2b > hw[H_L2]) {
        if (pt->acts <= hw[H_L2] && pt->wl2 > 0) {
            pt->w_l3 = 1, pt->l2b = pt->acts, pt->l3b = pt->wl2;
        } else {
            pt->w_l3 = pt->a_l3 = 1, pt->l3b = pt->acts + pt->wl2, pt->l2b = 0;
        }
    }
    if (pt->l3b > hw[H_L3])
        return s_reject(mt, R_L3, pt->l3b);
    return 1;
}

/* The cores run the whole layer from L2 (l1 = "l2"): one call, no DMA.
 * 0 (reason in mt) when a tensor lives in L3. */
static inline int s_run_from_l2(const sir_ctx_t *c, sir_point_t *pt, const int64_t *e,
                                 double *mt)
{
    const double *hw = c->hw;
    double port = hw[H_L2_PORT];
    if (pt->l3b > 0) /* cores cannot load from L3 */
        return s_reject(mt, R_L2_RUN, pt->acts + pt->wl2);
    dse_i8_work_t w = cluster_work(c, e[0], e[1], e[2], pt->simd, pt->cores);
    pt->comp = hw[H_FORK] + dse_i8_cycles(w, 1, hw[H_L2_LAT], port);
    double width = c->kind == KIND_ELEM && (!pt->simd || c->has_vec) ? 1.0 : 4.0;
    pt->traffic = w.acc * w.active * width;
    pt->cycles = pt->comp;
    pt->tiles = 1;
    return 1;
}

/* The tiled run's shares of a tile's input and weights loaded per tile, and
 * the schedule's running sums (no arrays, as sir_point_t). */
typedef struct {
    double in_share, w_share, bufs;
    double sum, first_in, last_out;
} sir_tiling_t;

/* Adds the tiles of class cls (bit d set: remainder size r[d], else tile
 * size t[d], of which there are q[d]) to the point's footprint, DMA, compute,
 * traffic and schedule. */
static inline void s_add_tile_class(const sir_ctx_t *c, sir_point_t *pt, sir_tiling_t *tl,
                                    const int64_t *t, const int64_t *q, const int64_t *r,
                                    int cls)
{
    const double *hw = c->hw;
    double port = hw[H_L2_PORT];
    int64_t s[3];
    double count = 1;
    for (int d = 0; d < 3; d++) {
        int rem = (cls >> d) & 1;
        s[d] = rem ? r[d] : t[d];
        count *= (double)(rem ? (r[d] > 0) : q[d]);
    }
    if (count == 0)
        return;
    double in_t, out_t, w_t, extra, tc;
    int64_t h = s[0], w = s[1], ch = s[2];
    tile_bytes(c, pt->npu, pt->wmem, pt->cores, h, w, ch, &in_t, &out_t, &w_t, &extra);
    double foot = tl->bufs * (in_t + out_t + w_t) + extra;
    if (foot > pt->l1b)
        pt->l1b = foot;
    if (pt->npu)
        tc = hw[H_NPU_SETUP] + npu_compute(c, h, w, ch);
    else
        tc = hw[H_FORK] + dse_i8_cycles(cluster_work(c, h, w, ch, pt->simd, pt->cores), 0,
                                        hw[H_L2_LAT], port);
    double w_l3_here = c->kind == KIND_GEMM && !c->const_w ? pt->a_l3 : pt->w_l3;
    double d_in = tl->in_share * dma_cost(c, in_t, pt->a_l3);
    double d_w = tl->w_share * dma_cost(c, w_t, (int)w_l3_here);
    double d_out = dma_cost(c, out_t, pt->a_l3);
    double td = d_in + d_w + d_out;
    pt->dma += count * td;
    pt->comp += count * tc;
    double moved = tl->in_share * in_t + tl->w_share * w_t + out_t;
    pt->traffic += count * moved;
    if (pt->a_l3)
        pt->traffic += count * (tl->in_share * in_t + out_t);
    if (w_l3_here)
        pt->traffic += count * tl->w_share * w_t;
    if (pt->dbl) {
        tl->sum += count * (tc > td ? tc : td);
        if (tl->first_in < 0)
            tl->first_in = d_in + d_w;
        tl->last_out = d_out;
    } else {
        tl->sum += count * (tc + td);
    }
}

/* The layer tile by tile through L1, DMA and compute overlapped when double
 * buffered. 0 (reason in mt) when the largest tile overflows L1. */
static inline int s_run_tiled(const sir_ctx_t *c, sir_point_t *pt, const int64_t *e,
                               const int64_t *t, double *mt)
{
    const double *hw = c->hw;
    sir_tiling_t tl;
    int64_t q[3], r[3];
    for (int d = 0; d < 3; d++)
        q[d] = e[d] / t[d], r[d] = e[d] % t[d];
    double n_sp = (double)(cdiv(e[0], t[0]) * cdiv(e[1], t[1]));
    double n_ch = (double)cdiv(e[2], t[2]);
    pt->tiles = n_sp * n_ch;
    int reuse_in = c->kind == KIND_CONV || c->kind == KIND_GEMM;
    tl.in_share = reuse_in && n_sp == 1 ? 1.0 / n_ch : 1.0;
    tl.w_share = 1.0 / n_sp;
    tl.bufs = pt->dbl ? 2.0 : 1.0;
    tl.sum = 0, tl.first_in = -1, tl.last_out = 0;
    for (int cls = 0; cls < 8; cls++)
        s_add_tile_class(c, pt, &tl, t, q, r, cls);
    if (pt->l1b > hw[H_L1])
        return s_reject(mt, R_L1, pt->l1b);
    pt->cycles = tl.sum + (pt->dbl ? tl.first_in + tl.last_out : 0.0);
    return 1;
}

/* Deeploy loops over the instances inside one kernel call
 * (PULPMM_8_Template, PULPGEMM_8_Template), over as many as fit L1
 * together when one instance is a single tile; a tiled instance runs
 * tile by tile. The work scales, the fork (or NPU set-up) is paid
 * per call. l1_bytes stays one instance's tile. */
static inline void s_scale_batch(const sir_ctx_t *c, sir_point_t *pt)
{
    const double *hw = c->hw;
    double per = pt->npu ? hw[H_NPU_SETUP] : hw[H_FORK];
    double calls = pt->tiles * c->batch;
    if (pt->tiles == 1 && !pt->l2run) {
        double fit = pt->l1b > 0 ? floor(hw[H_L1] / pt->l1b) : c->batch;
        calls = ceil(c->batch / (fit < 1 ? 1 : fit < c->batch ? fit : c->batch));
    } else if (pt->l2run) {
        calls = 1;
    }
    pt->cycles = (pt->cycles - pt->tiles * per) * c->batch + calls * per;
    pt->comp = (pt->comp - pt->tiles * per) * c->batch + calls * per;
    pt->dma *= c->batch;
    pt->traffic *= c->batch;
    pt->tiles *= c->batch;
}

/* The point's metrics, in hwmodel.h's order (M_*). */
static inline void s_write_metrics(const sir_ctx_t *c, const sir_point_t *pt, double *mt)
{
    const double *hw = c->hw;
    double cycles = pt->cycles;
    mt[M_CYCLES] = cycles;
    mt[M_DMA] = pt->dma;
    mt[M_COMPUTE] = pt->comp;
    mt[M_L1] = pt->l1b;
    mt[M_L2] = pt->l2b;
    mt[M_WMEM] = pt->npu && pt->wmem ? c->npu_w_bytes : 0.0;
    mt[M_L2_TRAFFIC] = pt->traffic;
    mt[M_ENGINE] = pt->npu ? 1.0 : 0.0;
    mt[M_TILES] = pt->tiles;
    mt[M_L3] = pt->l3b;
    mt[M_MACS] = c->macs;
    mt[M_MAC_PER_CYCLE] = c->macs / cycles;
    mt[M_TIME] = cycles / hw[H_CLOCK];
}

static int sir_evaluate(const void *vctx, const double *p, double *mt)
{
    const sir_ctx_t *c = vctx;
    sir_point_t pt;
    int64_t e[3], t[3];
    if (!s_decode_point(c, p, mt, &pt) || !s_tile_point(c, p, &pt, e, t) ||
        !s_place_tensors(c, &pt, mt))
        return 0;
    pt.dma = 0, pt.comp = 0, pt.l1b = 0, pt.traffic = 0;
    if (pt.l2run ? !s_run_from_l2(c, &pt, e, mt) : !s_run_tiled(c, &pt, e, t, mt))
        return 0;
    if (c->batch > 1)
        s_scale_batch(c, &pt);
    pt.cycles += c->hw[H_CALL];
    s_write_metrics(c, &pt, mt);
    return 1;
}

/* Monotone infeasibility for skipping: tiled points whose tiles overflow L1
 * (and l1_bytes for "<=" bounds). sir_evaluate's l1_bytes is the largest
 * footprint over the tile classes, bufs * (in + out + w) + extra; the
 * class of full tiles (t[0], t[1], t[2]) always occurs (t <= e) and,
 * tile_bytes growing with each size while the remainder classes are
 * smaller, is the largest. So l1_bytes = foot(t), and it does not decrease
 * when any of these parameters grows (the others fixed):
 * - the tile sizes: t[d] = min(value, e[d]) (tile_grid);
 * - buffering: bufs 1 -> 2 (single = 0 < double = 1);
 * - cores from a value >= 1 (0 means the preset's, the largest): extra
 *   grows with them; more than the preset's, or not the canonical value on
 *   the NPU, fails anyway. With no im2col buffer extra does not use them.
 * - wmem on the cluster: only the canonical value is feasible; on the NPU
 *   "on" drops the weights from L1, so it is not claimed there;
 * - engine: from the NPU (the last value) there is nothing larger; from the
 *   cluster, on a layer NEUREKA cannot run, the NPU fails anyway;
 * - simd: the footprint does not use it.
 * The l1 mode is fixed (l2 has no tiles) and the placement checks before
 * the L1 check do not depend on the claimed parameters' tile sizes: a
 * larger point fails there or at the L1 check. */
static uint32_t sir_monotone(const void *vctx, const double *p, int what)
{
    const sir_ctx_t *c = vctx;
    if ((what >= 0 && what != M_L1) || (what < 0 && !c->l1_overflow))
        return 0;
    if (!p)
        return 1;
    if (p[P_L1] != 0)
        return 0;
    int npu = c->kind != KIND_ELEM && p[P_ENGINE] != 0;
    /* Points sir_evaluate turns away at their non-canonical values are left
     * alone (claiming nothing is always sound): most infeasible points are
     * such, and working out their footprint costs more than it saves. */
    if (npu ? c->npu_kind < 0 || p[P_CORES] != c->canon[P_CORES]
            : p[P_WMEM] != c->canon[P_WMEM])
        return 0;
    int wmem = p[P_WMEM] != 0;
    int64_t hw_cores = (int64_t)c->hw[H_CORES];
    int64_t cores = p[P_CORES] <= 0 ? hw_cores : (int64_t)p[P_CORES];
    int64_t e[3], t[3];
    tile_grid(c, p, e, t);
    if (t[0] < 1 || t[1] < 1 || t[2] < 1)
        return 0;
    double in_t, out_t, w_t, extra;
    tile_bytes(c, npu, wmem, cores, t[0], t[1], t[2], &in_t, &out_t, &w_t, &extra);
    double foot = (p[P_BUF] != 0 ? 2.0 : 1.0) * (in_t + out_t + w_t) + extra;
    if (what < 0 && !(foot > c->hw[H_L1]))
        return 0;
    uint32_t set = 1u << P_TILE_HO | 1u << P_TILE_WO | 1u << P_TILE_COUT | 1u << P_TILE_M
                   | 1u << P_TILE_N | 1u << P_BUF | 1u << P_SIMD;
    /* the footprint grows with cores where a per-core buffer is in it */
    int im2col = (c->kind == KIND_CONV && c->kh * c->kw > 1) || c->op == DSE_OP_SOFTMAX;
    if (p[P_CORES] >= 1 || npu || !im2col)
        set |= 1u << P_CORES;
    if (!npu)
        set |= 1u << P_WMEM;
    if (npu || c->npu_kind < 0)
        set |= 1u << P_ENGINE;
    return set;
}

/* ---- baselines --------------------------------------------------------- */

static const char *const s_baselines[] = {"deeploy", "deeploy-cluster", NULL};

/* Deeploy's tiler keeps the tiles that fill L1 best, double-buffered; for the
 * NPU it prefers tile H and W multiples of 6 and Cout multiples of 32. */
static double baseline_score(const sir_ctx_t *c, int npu, const double *p, double l1)
{
    if (!npu || c->kind == KIND_GEMM)
        return l1;
    double bonus = 1.0;
    bonus += fmod(p[P_TILE_HO], 6.0) == 0 ? 0.25 : 0.0;
    bonus += fmod(p[P_TILE_WO], 6.0) == 0 ? 0.25 : 0.0;
    bonus += fmod(p[P_TILE_COUT], 32.0) == 0 ? 0.25 : 0.0;
    return l1 * bonus;
}

static int baseline_layer(const sir_ctx_t *c, int npu, double *best)
{
    double p[P__COUNT] = {0}, mt[M__COUNT], best_score = -1;
    p[P_ENGINE] = npu;
    p[P_BUF] = 1;
    p[P_WMEM] = npu ? 0 : c->canon[P_WMEM];
    p[P_CORES] = npu || c->single_core ? c->canon[P_CORES] : 0;
    p[P_L1] = 0;
    p[P_SIMD] = 1;
    int64_t e0, e1 = 1, e2 = 1;
    int ip0 = P_TILE_HO, ip1 = P_TILE_WO, ip2 = P_TILE_COUT;
    switch (c->kind) {
    case KIND_CONV:
    case KIND_DW:
        e0 = c->hout, e1 = c->wout, e2 = c->cout;
        break;
    case KIND_GEMM:
        e0 = c->op == DSE_OP_GEMM ? c->m : 1, e2 = c->n;
        ip0 = P_TILE_M, ip2 = P_TILE_N;
        break;
    default:
        e0 = c->ext0;
        break;
    }
    for (int64_t a = 1; a <= e0; a++) {
        if (e0 % a)
            continue;
        for (int64_t b = 1; b <= e1; b++) {
            if (e1 % b)
                continue;
            for (int64_t d = 1; d <= e2; d++) {
                if (e2 % d)
                    continue;
                p[ip0] = (double)a;
                if (c->kind == KIND_CONV || c->kind == KIND_DW)
                    p[ip1] = (double)b;
                if (c->kind != KIND_ELEM)
                    p[ip2] = (double)d;
                if (!sir_evaluate(c, p, mt))
                    continue;
                double s = baseline_score(c, npu, p, mt[M_L1]);
                if (s > best_score) {
                    best_score = s;
                    memcpy(best, p, sizeof p);
                }
            }
        }
    }
    return best_score >= 0;
}

static int sir_baseline(const dse_job_t *job, const char *name, double *const *params,
                        dse_error_t *err)
{
    int use_npu = strcmp(name, "deeploy") == 0;
    if (!use_npu && strcmp(name, "deeploy-cluster") != 0)
        return dse_error_set(err, DSE_ENOTFOUND, NULL, 0, 0, "unknown baseline '%s'", name);
    for (size_t i = 0; i < job->n_layers; i++) {
        void *ctx = NULL;
        int rc = sir_prepare(job, i, 0, &ctx, err);
        if (rc < 0)
            return rc;
        const sir_ctx_t *c = ctx;
        int npu = use_npu && c->npu_kind >= 0;
        int ok = baseline_layer(c, npu, params[i]);
        if (!ok && npu)
            ok = baseline_layer(c, 0, params[i]);
        sir_release(ctx);
        if (!ok)
            return dse_error_set(err, DSE_ENOTFOUND, NULL, 0, 0,
                                 "baseline %s: no tiling of layer '%s' fits L1", name,
                                 job->layers[i].name ? job->layers[i].name : "?");
    }
    return 0;
}

/* Work per sample: a batch runs the layer once per sample. */
static const char *const s_batch_metrics[] = {"cycles", "dma_cycles", "compute_cycles",
                                              "l2_traffic_bytes", "macs", "time_us", NULL};

const dse_hwmodel_t dse_model_siracusa = {
    .name = "siracusa",
    .doc = "Siracusa SoC: int8 8-core PULP cluster and NEUREKA NPU, L1/L2/L3/weight memory "
           "with DMA and tiling (in the style of Deeploy)",
    .default_preset = "siracusa",
    .dtypes = 1u << DSE_DTYPE_INT8,
    .steps = DSE_STEP_FW,
    .ops = (1u << DSE_OP_CONV2D) | (1u << DSE_OP_DW) | (1u << DSE_OP_PW) |
           (1u << DSE_OP_LINEAR) | (1u << DSE_OP_GEMM) | (1u << DSE_OP_GEMV) |
           (1u << DSE_OP_ELEMENTWISE) | (1u << DSE_OP_RMSNORM) | (1u << DSE_OP_LAYERNORM) |
           (1u << DSE_OP_SOFTMAX) | (1u << DSE_OP_GELU) | (1u << DSE_OP_HARDSWISH) |
           (1u << DSE_OP_ADD) | (1u << DSE_OP_MUL) | (1u << DSE_OP_REQUANT) |
           (1u << DSE_OP_TRANSPOSE),
    .preset_keys = s_preset_keys,
    .n_preset_keys = H__COUNT,
    .layer_keys = s_layer_keys,
    .n_layer_keys = K__COUNT,
    .params = s_params,
    .n_params = P__COUNT,
    .metrics = s_metrics,
    .n_metrics = M__COUNT,
    .net_metrics = s_net_metrics,
    .n_net_metrics = sizeof s_net_metrics / sizeof s_net_metrics[0],
    .default_objectives = s_objectives,
    .batch_metrics = s_batch_metrics,
    .prepare = sir_prepare,
    .release = sir_release,
    .evaluate = sir_evaluate,
    .monotone = sir_monotone,
    .baselines = s_baselines,
    .baseline = sir_baseline,
    .export_point = dse_siracusa_export_point, /* deployment.json (exports.c) */
    .reasons = s_reasons,
    .n_reasons = sizeof s_reasons / sizeof s_reasons[0],
};
