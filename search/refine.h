/* refine.h - multi-fidelity search of one layer: screen with the analytic
 * model, measure what may be on the front.
 *
 * The model evaluates the layer's whole space once. Round 0 proposes the
 * model-feasible points whose predicted objectives are within the margin of
 * the analytic front: a point p is left out when some point f of the front
 * has (1 + margin_j) f_j <= p_j on every objective j (margin_j: the margin
 * of objective j, which may differ per objective). Before each later round
 * the caller may refit the model's calibratable keys to the measurements
 * of all layers (dse_refine_refit); each later round also refits
 * one scale per objective (the geometric mean of measured / predicted over
 * the points measured so far), builds the front of the measured values and
 * the rescaled predictions of the points not measured, and proposes the
 * points not measured within the margin of it. The layer stops when a round
 * proposes nothing, when its measured front did not change in the last
 * round, or when the budget is spent (points closest to the front first;
 * a limit smaller than the predicted front takes the front's points greedily
 * by the predicted hypervolume each adds).
 *
 * The guarantee: if the model's relative error on objective j is at most
 * delta_j (|model - measured| <= delta_j * measured) and
 * margin_j >= (1 + delta_j) / (1 - delta_j) - 1 on every objective, round 0
 * already measures every point on the true (measured) front: a point left
 * out has a front point q with (1 + margin_j) q_pred <= p_pred on each j,
 * so q_true <= q_pred / (1 - delta_j) <= p_pred / ((1 + margin_j)(1 -
 * delta_j)) <= p_true (1 + delta_j) / ((1 + margin_j)(1 - delta_j)) <=
 * p_true, and q dominates p (or ties). An objective the command does not
 * measure (the model's exact value, delta_j = 0) needs margin_j = 0. The
 * objectives must be positive for the ratios to mean this; a point with a
 * predicted objective <= 0 is always measured. That is the declared mode
 * (DSE_MARGIN_DECLARED).
 *
 * The adaptive mode (DSE_MARGIN_ADAPTIVE, the default), after epsilon-PAL
 * (Zuluaga et al., JMLR 2016): round 0 measures the analytic front only.
 * Before each later round the caller refits (dse_refine_refit) and pools
 * the errors (dse_refine_pool); the round then rescales the predictions
 * (one scale per objective, as above) and bounds the model's error on
 * objective j by delta_j = safety * the largest |prediction - measured| /
 * measured seen on the measured points of any layer. A point not measured
 * is left out when a measured front point q has q_j <= p_pred_j / (1 +
 * delta_j) on every j: if |p_pred - p_true| <= delta_j p_true, then p_true_j
 * >= p_pred_j / (1 + delta_j) >= q_j, and q dominates p (or ties). The round
 * measures the points not left out that no other such point is predicted
 * to dominate; the layer stops when no point is left to measure (or the
 * budget is spent). When those points outnumber the limit (the budget
 * left), the round takes half the limit (at least 1): the ones whose
 * rescaled predictions add the most hypervolume to the measured front,
 * greedily, so that the model is refitted and the points screened again
 * before the budget is gone; such a run carries no exactness guarantee. Then the measured front is exact if, on every point
 * not measured, the refitted model's relative error on each objective is
 * at most safety times the largest seen on the measured points. Only one
 * side of the comparison is a prediction (the other is measured), so the
 * band is about delta wide instead of the declared mode's 2 delta, and an
 * objective the command does not measure (error 0 seen) gets none.
 */
#ifndef DSE_REFINE_H
#define DSE_REFINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "eval/eval.h"
#include "search/fit.h"

/* adaptive: the default factor on the largest error seen */
#define DSE_REFINE_SAFETY DSE_MARGIN_SAFETY

/* Points of one layer the model may enumerate for refine. */
#define DSE_REFINE_MAX_POINTS 20000000ULL

typedef struct dse_refine dse_refine_t;

/* Evaluates the layer's space on the model. margin: one relative margin
 * per per-layer objective (job->layer_objectives order). NULL with err
 * (DSE_ERANGE) when the space is larger than DSE_REFINE_MAX_POINTS. */
dse_refine_t *dse_refine_new(const dse_evaljob_t *ej, size_t layer, const double *margin,
                             dse_error_t *err);
/* The margin mode (DSE_MARGIN_ADAPTIVE or DSE_MARGIN_DECLARED, core/job.h;
 * by default the job's margin_mode) and the adaptive safety factor. */
void dse_refine_set_mode(dse_refine_t *r, int mode, double safety);

void dse_refine_destroy(dse_refine_t **r_p);

/* The next round: up to `limit` points to measure, sorted by index, into
 * *out (the caller frees). Returns how many; 0 = the layer is done (or
 * limit is 0: nothing happens). */
size_t dse_refine_next(dse_refine_t *r, uint64_t limit, uint64_t **out);

/* How many points the next round screens as candidates: a limit of at
 * least that does not bind the round (dse_refine_next proposes the same
 * points as with no limit). 0: the layer is done. The round's screen is
 * kept for dse_refine_next until a tell, a refit or a pooling changes what
 * it rests on. */
uint64_t dse_refine_want(dse_refine_t *r);

/* A measured point's metrics (the model's declaration order). Points
 * proposed and never told (failed, or outside a constraint) count as
 * measured without a value. */
void dse_refine_tell(dse_refine_t *r, uint64_t index, const double *metrics);

/* Refits the model between rounds, across the layers of a job: fits the
 * model's calibratable hardware keys (search/fit.h) to the measurements of
 * the first objective told to rf[0 .. n_layers) so far (NULL entries are
 * skipped), on fit_ej (a copy of the job the refines were made from; its
 * hardware values change), then predicts every point of each layer again
 * with the fitted values. Nothing happens (0, out->points = 0) when the
 * model declares no calibratable key or nothing is measured. Returns 0 or
 * the model's error. */
int dse_refine_refit(dse_refine_t *const *rf, size_t n_layers, dse_evaljob_t *fit_ej,
                     dse_fit_t *out, dse_error_t *err);

/* Adaptive margin, between rounds after any refit: every layer of
 * rf[0 .. n_layers) (NULL entries skipped) bounds the model's error by the
 * largest seen on the measured points of any of them. */
void dse_refine_pool(dse_refine_t *const *rf, size_t n_layers);

/* A point's prediction on objective j as the next round ranks it (after
 * the refits), or NaN when the point is not model-feasible. */
double dse_refine_prediction(const dse_refine_t *r, uint64_t index, size_t j);

/* Points proposed so far, and model-feasible points of the layer. */
uint64_t dse_refine_measured(const dse_refine_t *r);
uint64_t dse_refine_feasible(const dse_refine_t *r);

#endif
