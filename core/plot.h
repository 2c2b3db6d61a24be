/* plot.h - Pareto fronts as a self-contained SVG document (pareto.svg).
 *
 * One document holds one or more panels stacked vertically: the network
 * front, then (optionally) each layer's front. A panel plots the first two
 * objectives of a front, x against y, with the true values (a maximised
 * objective such as accuracy is shown as it is, not negated). The points are
 * circles; a step line joins the points that are non-dominated on the two
 * axes (for a two-objective front, every point: the staircase). Baselines
 * are distinct markers named in a legend. With one objective the panel is a
 * single axis with the points and baselines on it. An axis whose values are
 * all positive and span more than two decades is logarithmic (its title
 * says so); otherwise it is linear with 1-2-5 ticks.
 *
 * The axes are scaled to the front. A baseline within half the front's
 * span beyond it widens the axis; one further out is drawn at the edge of
 * the plot area (<path class="bl-out">) with an arrow pointing where it
 * lies (<path class="bl-arrow">) and its value (<text class="bl-value">),
 * so that a far baseline does not squash the front into a corner. With
 * `knee`, the knee of the staircase is ringed (<circle class="knee">): the
 * point farthest below the chord between its two ends, on axes normalised
 * to the staircase's range.
 *
 * The output is plain SVG 1.1 (no script, no external resource), pure text
 * of the inputs: fixed printf formats, so the same inputs give the same
 * bytes. User text (job, layer and baseline names, notes) is XML-escaped.
 *
 * Structure a reader (or a test) can rely on: each panel is a
 * <g class="panel">; inside it, <rect class="plot-area"> bounds the axes,
 * every front point is a <circle class="pt"> with cx, cy in panel
 * coordinates, every baseline with a value is a <path class="bl"> whose d
 * starts with "M cx,cy" (its centre), and <g class="legend"> holds one
 * <text class="legend-bl"> per baseline.
 */
#ifndef DSE_PLOT_H
#define DSE_PLOT_H

#include <stddef.h>

#include "core/util.h"

/* A baseline (or any named reference point) on a panel. */
typedef struct {
    const char *name;
    double x, y;     /* true values; a NaN or infinity: not drawn, listed */
    const char *why; /* with no value: a short reason ("infeasible"), or NULL */
} dse_plot_mark_t;

typedef struct {
    const char *title;
    const char *subtitle; /* one grey line under the title, or NULL */
    const char *x_label; /* axis titles: metric names, with units */
    const char *y_label; /* NULL: one objective (a single axis, y unused) */
    int x_max, y_max;    /* 1 when the objective is maximised (better is larger) */
    size_t n;            /* front points */
    const double *x, *y; /* their values (non-finite ones are not drawn) */
    size_t n_marks;
    const dse_plot_mark_t *marks;
    const char *note;    /* shown under the title (why a front is missing), or NULL */
    int knee;            /* mark the knee of the staircase (a two-objective front) */
    /* A parallel-coordinates panel instead, when n_par >= 3: every point is
     * a line across n_par vertical axes (par: n rows of n_par values; x, y
     * and marks unused). */
    size_t n_par;
    const char *const *par_labels;
    const int *par_max;  /* per axis: 1 when maximised */
    const double *par;
} dse_plot_panel_t;

/* At most this many front points get a marker on a panel; a larger front is
 * drawn at an even stride (first and last included), and the caption says so. */
#define DSE_PLOT_MAX_POINTS 20000

/* Appends a complete SVG document (XML declaration included) with the
 * panels in order, under the document title `title`, to sb. */
void dse_plot_svg(dse_strbuf_t *sb, const char *title, const dse_plot_panel_t *panels,
                  size_t n_panels);

/* Appends s to sb with &, <, >, " and ' as entities and the control
 * characters XML 1.0 forbids as '?'. */
void dse_plot_escape(dse_strbuf_t *sb, const char *s);

/* Formats an axis tick value t of an axis whose ticks are `step` apart
 * (step = 1, 2 or 5 times a power of ten) and whose largest tick magnitude
 * is `top`: plain decimals between 0.001 and 1000, SI suffixes (k, M, G, T,
 * P, E) above, scientific notation below or beyond. */
void dse_plot_tick_label(char *buf, size_t size, double t, double step, double top);

#endif
