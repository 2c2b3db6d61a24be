/* outputs.h - the files a run writes into the job's output folder.
 *
 *   pareto_layers.csv            one row per point on a layer's front
 *   pareto_network.csv           one row per point on the network front
 *   pareto_network_choices.csv   the same in long form: each layer's parameters
 *   pareto.svg                   the network front on the first two objectives,
 *                                baselines marked; with plot_layers (and when
 *                                there is no network front) each layer's too
 *   summary.json                 counters, sizes, wall time, workers, re-issued
 *                                and quarantined units
 *   all_points.csv               every feasible point (only with dump_all)
 *
 * Every file is written to a temporary name and renamed, so a reader never
 * sees a half-written file. CSV is RFC 4180 with a header row; columns are
 * named after the model's parameters and metrics, in declaration order.
 */
#ifndef DSE_OUTPUTS_H
#define DSE_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/pareto.h"
#include "core/util.h"
#include "core/wire.h"
#include "search/compose.h"
#include "eval/eval.h"

/* dse_quarantined_t: core/wire.h (one type, in process and on the wire) */

/* [evaluator] verify: one measured point measured again on another worker. */
enum { DSE_VERIFY_AGREE = 1, DSE_VERIFY_DISAGREE = 2, DSE_VERIFY_NOT = 3 };
typedef struct {
    uint32_t layer;
    uint64_t point;
    int status;                /* DSE_VERIFY_* */
    char first[96], second[96]; /* "host #uid" that measured it ("cache"), that measured it again */
    char metric[48];           /* the metric that differs most (relatively) */
    double a, b;               /* its first and second values */
    char note[256];            /* why it was not verified, or what else disagreed */
} dse_verified_t;

typedef struct {
    double wall_seconds;    /* the distributed evaluation */
    double compose_seconds; /* the network composition */
    uint32_t workers_seen;
    uint64_t units;
    uint64_t units_reissued;
    size_t n_quarantined;
    const dse_quarantined_t *quarantined;
    size_t n_bad_workers;
    const char *const *bad_workers; /* quarantined workers: "host #uid: why" */
    const dse_counters_t *per_layer; /* n_layers counters */
    uint64_t measured, cached;       /* measured jobs: points measured, from the cache */
    size_t n_verified;               /* [evaluator] verify: the sampled points */
    const dse_verified_t *verified;
    dse_front_t *const *measured_rows; /* measured jobs: every measured point kept, per layer
                                          (fidelity.csv); NULL = none */
} dse_run_stats_t;

/* Writes every output of a finished run, each by its writer in
 * outputs.c's table (s_writers: the opt-in of each, and the order). A measured job ([evaluator]
 * kind = "command") also gets failures.csv: its quarantined units are
 * points that failed every attempt (layer, point, parameters, attempts,
 * reason), counted as infeasible; with [evaluator] verify, verify.csv:
 * the sampled points measured again on another worker. layer_fronts[i] is the front of
 * layer i; nf is the network front or NULL (then net_error says why); all
 * is NULL unless the job asked for every point. What the user should hear
 * besides the files (a model export that no network point fits) is added
 * to warnings, one line each ending in '\n', for the program to print;
 * warnings may be NULL. Nothing is printed. Each call keeps its state to
 * itself: calls for different folders may run at the same time. Returns 0
 * or DSE_EIO. */
int dse_outputs_write(const dse_evaljob_t *ej, dse_front_t *const *layer_fronts,
                      const dse_netfront_t *nf, const char *net_error,
                      dse_front_t *const *all, const dse_run_stats_t *st,
                      dse_strbuf_t *warnings, dse_error_t *err);

/* Checks, before a run, that the output folder can be written: it exists and
 * is a writable folder, or its nearest existing parent is. Creates nothing,
 * so that a run that fails or is interrupted leaves no empty folder behind
 * (dse_outputs_write creates it). Returns 0 or DSE_EIO with err naming the
 * path. */
int dse_outputs_check_dir(const char *dir, dse_error_t *err);

/* Composes the network front of a job from its layer fronts (the job's
 * network metrics, objectives, constraints and interface rules). A set
 * *stop interrupts it (DSE_EINTR). */
int dse_outputs_compose(const dse_evaljob_t *ej, dse_front_t *const *layer_fronts,
                        const volatile sig_atomic_t *stop, dse_netfront_t **nf, dse_error_t *err);
/* The same, calling progress(arg, pass, layer, n_layers, partials) after
 * each layer of each pass of the composition (see dse_compose_spec_t). */
int dse_outputs_compose_progress(const dse_evaljob_t *ej, dse_front_t *const *layer_fronts,
                                 const volatile sig_atomic_t *stop,
                                 void (*progress)(void *, int, size_t, size_t, size_t),
                                 void *arg, dse_netfront_t **nf, dse_error_t *err);

#endif
