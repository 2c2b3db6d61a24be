/* hwmodel.h - the interface every hardware cost model implements.
 *
 * A model is a const dse_hwmodel_t registered by name in hwmodels/registry.c.
 * It declares everything config validation needs (preset keys, layer keys,
 * parameters with their domain rules, metrics and how each aggregates across
 * layers), so config/config validates a job knowing nothing model-specific.
 *
 * Evaluation: for each layer the runtime calls prepare() once, then
 * evaluate() for each point of the layer's space with the decoded parameter
 * values (in the order of `params`). evaluate() must not allocate, must be
 * thread-safe for one ctx used from many threads (ctx is read-only), and is
 * the hot path: keep it lean.
 */
#ifndef DSE_HWMODEL_H
#define DSE_HWMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/job.h"

typedef enum {
    DSE_VAL_INT,  /* whole numbers (TOML integers) */
    DSE_VAL_REAL, /* real numbers (TOML floats or integers) */
    DSE_VAL_ENUM  /* one of `choices` (TOML strings); the value is the index */
} dse_val_kind_t;

/* A hardware preset key (configs/hw/NAME.toml, overridable in [target]) or a
 * model-specific layer key ([[workload.layer]]). */
typedef struct {
    const char *name;
    dse_val_kind_t kind;
    const char *const *choices; /* DSE_VAL_ENUM: NULL-terminated */
    double dflt;                /* default (index for ENUM); NAN = required */
    double min, max;            /* accepted range (inclusive) for INT and REAL when min < max */
    const char *unit;           /* "bytes", "cycles", "MHz", "" */
    const char *doc;            /* one line, with its source for presets */
    /* Preset keys that `dse-run --calibrate` may fit to measurements, within
     * [cal_lo, cal_hi] (cal_lo < cal_hi); others are never changed. */
    double cal_lo, cal_hi;
} dse_key_decl_t;

/* How a parameter's domain is bounded by the layer: the extent is the number
 * the rules "divisors", "all" (1..extent) and "pow2" (powers of two up to
 * extent) refer to. */
typedef int64_t (*dse_extent_fn)(const dse_job_t *job, const dse_layer_t *layer);

typedef struct {
    const char *name;
    dse_val_kind_t kind;
    const char *const *choices; /* DSE_VAL_ENUM: NULL-terminated */
    /* Default domain, written as a TOML value: "\"divisors\"", "[\"single\", \"double\"]",
     * "[0.0]", "\"best\"", "{ from = 1, to = 8, step = 1 }". */
    const char *dflt;
    dse_extent_fn extent;       /* DSE_VAL_INT: bound of the rules; NULL = no rule allowed */
    int must_divide;            /* every value must divide the extent */
    /* Whether the parameter applies to this layer (NULL = always). Where it
     * does not, its domain is the single value `neutral` (for ENUM an index),
     * a setting in [space] is ignored for that layer and a setting in the
     * layer's own `space` is an error. */
    int (*applies)(const dse_job_t *job, const dse_layer_t *layer);
    double neutral;
    const char *doc;
    double min, max; /* INT and REAL values accepted when min < max (else any) */
} dse_param_decl_t;

typedef enum {
    DSE_AGG_SUM,  /* network value = sum over layers (latency of sequential targets) */
    DSE_AGG_MAX,  /* network value = max over layers (L1 reuse, pipeline throughput) */
    DSE_AGG_MEAN, /* network value = mean over layers */
    DSE_AGG_NONE  /* per-layer only */
} dse_agg_t;

typedef struct {
    const char *name;
    const char *unit;
    const char *const *labels; /* non-NULL: the value is an index into these names */
    const char *doc;
} dse_metric_decl_t;

/* A network metric: a per-layer metric aggregated over the layers. */
typedef struct {
    const char *name;
    const char *source; /* per-layer metric it aggregates */
    dse_agg_t agg;
    const char *unit;
    const char *doc;
} dse_net_metric_decl_t;

/* A capacity of the target that can make a point infeasible, for the
 * explanation of empty fronts (core/why.h). */
typedef struct {
    const char *name;  /* what is exceeded: "l1_bytes" */
    const char *bound; /* the preset key that holds the bound ("l1_bytes"), or NULL */
    const char *unit;  /* unit of the value: "bytes", "cores", "bits" */
    const char *hint;  /* what to try: "try smaller tiles, single buffering or a larger L1" */
} dse_reason_decl_t;

/* Flags of prepare(). */
enum {
    /* The contexts serve a worker's evaluation threads (not a coordinator's
     * calibration sample, an export or a test): lets the test model inject
     * faults where a real model would fail, in a worker. */
    DSE_PREPARE_IN_WORKER = 1
};

typedef struct dse_hwmodel {
    const char *name; /* registry name: "pulp-cluster", "siracusa", "finn", "testfn" */
    const char *doc;
    const char *default_preset;  /* preset used when [target] names none; NULL = none */
    unsigned dtypes;             /* bit set of 1u << dse_dtype_t accepted */
    unsigned steps;              /* bit set of DSE_STEP_* accepted (DSE_STEP_FW = inference) */
    unsigned ops;                /* bit set of 1u << dse_op_t accepted */
    const dse_key_decl_t *preset_keys;
    size_t n_preset_keys;
    const dse_key_decl_t *layer_keys;
    size_t n_layer_keys;
    const dse_param_decl_t *params;
    size_t n_params;
    const dse_metric_decl_t *metrics;
    size_t n_metrics;
    const dse_net_metric_decl_t *net_metrics;
    size_t n_net_metrics;
    const char *const *default_objectives; /* NULL-terminated network metric names */

    /* Model-specific checks of a layer after the generic ones (shape fits the
     * model); NULL = none. Returns 0 or DSE_ECONFIG with err->msg set (the
     * caller adds the position). */
    int (*check_layer)(const dse_job_t *job, const dse_layer_t *layer, dse_error_t *err);

    /* Builds the read-only per-layer context evaluate() uses. NULL evaluate
     * means the cost function is not built yet: such a model validates jobs
     * but refuses to run them. flags: DSE_PREPARE_* below. */
    int (*prepare)(const dse_job_t *job, size_t layer, unsigned flags, void **ctx,
                   dse_error_t *err);
    void (*release)(void *ctx);
    /* Evaluates one point: params in declaration order, metrics filled in
     * declaration order. Returns 1 when the point is feasible on the target,
     * 0 when it is not (metrics are then unspecified). */
    int (*evaluate)(const void *ctx, const double *params, double *metrics);

    /* Monotone infeasibility, which lets exhaustive search skip points it
     * knows are infeasible without evaluating them (NULL = none). For a
     * point p of the layer's space it returns a set of parameters S (bit i
     * = params[i]) such that every point q of the space that equals p
     * outside S and is >= p in each parameter of S (values compare as
     * numbers; enum values by index)
     *   what < 0 (p is infeasible: evaluate() returned 0): is infeasible too;
     *   what = m, a metric index (p is feasible): is infeasible or has
     *     metric m >= p's metric m (so a "<=" or "<" bound p breaks, q breaks).
     * Returning 0 claims nothing, always sound. The claim must hold for every
     * such q, not only for neighbours of p: the runtime never evaluates the
     * points it skips on this word. Called only on points found infeasible,
     * so it may cost about one evaluate(). params == NULL asks about the
     * layer as a whole: 0 when no point of it can ever get a claim for
     * `what` (the runtime then stops asking), non-zero otherwise. */
    uint32_t (*monotone)(const void *ctx, const double *params, int what);

    /* Interface classes between neighbouring layers (NULL = none): the
     * composition only joins a layer point whose in_class is compatible with
     * the previous layer's out_class. */
    void (*iface)(const void *ctx, const double *params, int64_t *in_class, int64_t *out_class);
    int (*compatible)(const dse_job_t *job, int64_t prev_out, int64_t next_in);

    /* Baselines: deployments chosen the way other tools choose them (the
     * PULP-TrainLib AutoTuner, DORY, FINN's SetFolding, ...), shown beside
     * the exact front. `baselines` is NULL-terminated (NULL = none).
     * baseline() fills params[layer][param] (declaration order) for every
     * layer of the job; values need not lie in the job's domains. Returns 0,
     * or a negative code with err set when the baseline finds no deployment. */
    const char *const *baselines;
    int (*baseline)(const dse_job_t *job, const char *name, double *const *params,
                    dse_error_t *err);

    /* An export a deployment flow can consume (FINN's folding_config.json),
     * written for the first network front point (best on the first
     * objective) that export_fits accepts (NULL = any). net holds the
     * point's network metrics in declaration order; params[layer][param]
     * its parameters. export_point writes into the output folder dir and
     * returns 0 or DSE_EIO with err set. NULL export_point = no export. */
    int (*export_fits)(const dse_job_t *job, const double *net);
    int (*export_point)(const dse_job_t *job, double *const *params, const char *dir,
                        dse_error_t *err);
    /* Per-layer metrics that count work per sample (cycles, MACs, traffic,
     * time): NULL-terminated names. A layer with batch B (`[workload] batch`
     * or the layer's `batch`) processes B samples one after another, each
     * as the model evaluates one, so these are multiplied by B after
     * evaluate(); footprints and resources are not. NULL: none. */
    const char *const *batch_metrics;

    /* Why points are infeasible (NULL = not said; at most DSE_WHY_MODEL of
     * core/why.h). The runtime sets metrics[0] = 0 before evaluate(); when
     * evaluate() returns 0 because a capacity is exceeded, the model stores
     * 1 + the index of its reason in metrics[0] and the value it needed in
     * metrics[1]. Leaving metrics[0] at 0 means "no capacity": an illegal
     * or duplicate combination. */
    const dse_reason_decl_t *reasons;
    size_t n_reasons;
} dse_hwmodel_t;

/* Index of a parameter / metric / network metric / key by name, or -1. */
int dse_model_param(const dse_hwmodel_t *m, const char *name);
int dse_model_metric(const dse_hwmodel_t *m, const char *name);
int dse_model_net_metric(const dse_hwmodel_t *m, const char *name);
int dse_model_preset_key(const dse_hwmodel_t *m, const char *name);
int dse_model_layer_key(const dse_hwmodel_t *m, const char *name);

/* The registry: models by name. */
const dse_hwmodel_t *dse_model_find(const char *name);
size_t dse_model_count(void);
const dse_hwmodel_t *dse_model_at(size_t i);

#endif
