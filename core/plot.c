/* plot.c - SVG panels of Pareto fronts: axes with round ticks, the points,
 * the staircase of the ones non-dominated on the two axes, baselines. */
#include "core/plot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Panel geometry, in SVG user units (pixels). */
enum {
    S_W = 760,   /* panel (and document) width */
    S_H = 500,   /* panel height */
    S_AX0 = 90,  /* plot area */
    S_AX1 = 560,
    S_AY0 = 84,
    S_AY1 = 404,
    S_PAD = 10,  /* values stay this far inside the plot area */
    S_LEGX = 580 /* legend */
};

#define S_FRONT_COLOUR "#1f77b4"

static const char *const s_colours[] = {"#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                        "#8c564b", "#e377c2"};
#define S_N_COLOURS (sizeof s_colours / sizeof s_colours[0])
#define S_N_SHAPES 5

void dse_plot_escape(dse_strbuf_t *sb, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': dse_strbuf_adds(sb, "&amp;"); break;
        case '<': dse_strbuf_adds(sb, "&lt;"); break;
        case '>': dse_strbuf_adds(sb, "&gt;"); break;
        case '"': dse_strbuf_adds(sb, "&quot;"); break;
        case '\'': dse_strbuf_adds(sb, "&apos;"); break;
        default:
            /* XML 1.0 has no way to write the other C0 controls at all */
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                dse_strbuf_addc(sb, '?');
            else
                dse_strbuf_addc(sb, (char)*p);
        }
    }
}

/* Appends at most max bytes of s (escaped), cut at a character boundary and
 * marked with "..." when cut. */
static void s_escape_cut(dse_strbuf_t *sb, const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len <= max) {
        dse_plot_escape(sb, s);
        return;
    }
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) /* UTF-8 continuation */
        cut--;
    char *head = dse_xstrndup(s, cut);
    dse_plot_escape(sb, head);
    dse_strbuf_adds(sb, "...");
    free(head);
}

void dse_plot_tick_label(char *buf, size_t size, double t, double step, double top)
{
    int p = (int)floor(log10(step) + 1e-9); /* step = m * 10^p */
    if (fabs(t) < step * 1e-6) {
        snprintf(buf, size, "0");
        return;
    }
    top = fabs(top);
    if (top >= 1e-3 && top < 1e3) {
        int d = p < 0 ? -p : 0;
        snprintf(buf, size, "%.*f", d > 12 ? 12 : d, t);
    } else if (top >= 1e3 && top < 1e21) {
        static const char suffix[] = "kMGTPE";
        int k = (int)floor(log10(top) / 3 + 1e-9);
        k = k < 1 ? 1 : k > 6 ? 6 : k;
        int d = 3 * k - p > 0 ? 3 * k - p : 0;
        snprintf(buf, size, "%.*f%c", d > 12 ? 12 : d, t / pow(10, 3 * k), suffix[k - 1]);
    } else {
        int e = (int)floor(log10(top) + 1e-9);
        int d = e - p > 0 ? e - p : 0;
        snprintf(buf, size, "%.*fe%d", d > 12 ? 12 : d, t / pow(10, e), e);
    }
}

/* An axis: the value range rounded out to whole ticks; logarithmic when
 * every value is positive and they span more than S_LOG_SPAN. */
#define S_LOG_SPAN 100.0
#define S_MAX_TICKS 64
typedef struct {
    int log;
    double lo, hi; /* linear: values; log: their log10 */
    size_t n_ticks;
    double tick[S_MAX_TICKS];
    char label[S_MAX_TICKS][24];
} s_axis_t;

static void s_log_tick(s_axis_t *a, double v)
{
    if (a->n_ticks == S_MAX_TICKS)
        return;
    a->tick[a->n_ticks] = v;
    dse_plot_tick_label(a->label[a->n_ticks++], sizeof a->label[0], v,
                        pow(10, floor(log10(v) + 1e-9)), v);
}

static void s_axis(s_axis_t *a, double lo, double hi)
{
    if (!(lo <= hi)) { /* nothing finite */
        lo = 0;
        hi = 1;
    }
    a->n_ticks = 0;
    a->log = lo > 0 && hi / lo > S_LOG_SPAN;
    if (a->log) {
        /* from the 1-2-5 value below lo to the one above hi; ticks there
         * and at the decades between (with few decades, 2 and 5 times them
         * too), none crowding an end */
        static const double m125[] = {1, 2, 5};
        int e0 = (int)floor(log10(lo) + 1e-9), e1 = (int)ceil(log10(hi) - 1e-9);
        double r0 = pow(10, e0), r1 = pow(10, e1);
        for (int k = 1; k < 3; k++)
            if (m125[k] * pow(10, e0) <= lo)
                r0 = m125[k] * pow(10, e0);
        for (int k = 2; k >= 0 && e1 > e0; k--)
            if (m125[k] * pow(10, e1 - 1) >= hi)
                r1 = m125[k] * pow(10, e1 - 1);
        a->lo = log10(r0);
        a->hi = log10(r1);
        double span = a->hi - a->lo;
        int fine = span <= 3.01, every = (e1 - e0 + 9) / 10; /* at most about 10 decades labelled */
        s_log_tick(a, r0);
        for (int e = e0; e <= e1; e++)
            for (int k = 0; k < 3; k++) {
                double t = m125[k] * pow(10, e), lt = log10(t);
                if (t > r0 * (1 + 1e-9) && t < r1 * (1 - 1e-9) &&
                    (fine || (k == 0 && (e - e0) % every == 0)) && lt - a->lo > 0.08 * span &&
                    a->hi - lt > 0.08 * span)
                    s_log_tick(a, t);
            }
        s_log_tick(a, r1);
        return;
    }
    if (lo == hi) {
        double d = lo != 0 ? fabs(lo) * 0.1 : 1;
        lo -= d;
        hi += d;
    }
    double raw = (hi - lo) / 5;
    double e = pow(10, floor(log10(raw)));
    double f = raw / e;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
    long long t0 = (long long)floor(lo / step + 1e-9);
    long long t1 = (long long)ceil(hi / step - 1e-9);
    if (t1 <= t0)
        t1 = t0 + 1;
    a->lo = (double)t0 * step;
    a->hi = (double)t1 * step;
    double top = fmax(fabs(a->lo), fabs(a->hi));
    for (long long t = t0; t <= t1 && a->n_ticks < S_MAX_TICKS; t++) {
        double v = (double)t * step;
        a->tick[a->n_ticks] = v;
        dse_plot_tick_label(a->label[a->n_ticks++], sizeof a->label[0], v, step, top);
    }
}

/* Where a value falls on an axis, 0 to 1. */
static double s_frac(const s_axis_t *a, double v)
{
    return ((a->log ? log10(v) : v) - a->lo) / (a->hi - a->lo);
}

static double s_px(const s_axis_t *a, double v)
{
    return S_AX0 + S_PAD + s_frac(a, v) * (S_AX1 - S_AX0 - 2 * S_PAD);
}

static double s_py(const s_axis_t *a, double v)
{
    return S_AY1 - S_PAD - s_frac(a, v) * (S_AY1 - S_AY0 - 2 * S_PAD);
}

/* A point in minimisation terms (maximised axes negated), for ordering. */
typedef struct {
    double x, y;
    size_t i;
} s_pt_t;

static int s_pt_cmp(const void *a, const void *b)
{
    const s_pt_t *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

/* A baseline marker of shape k centred on (x, y): the path starts at the
 * centre ("M x,y") so a reader finds it, then draws relative to it. */
static void s_marker(dse_strbuf_t *sb, size_t k, double x, double y, const char *cls)
{
    static const char *const shapes[S_N_SHAPES] = {
        "m0,-6l6,6l-6,6l-6,-6z",           /* diamond */
        "m0,-6l6,10h-12z",                 /* triangle */
        "m-5,-5h10v10h-10z",               /* square */
        "m0,6l6,-10h-12z",                 /* triangle down */
        "m-2,-6h4v4h4v4h-4v4h-4v-4h-4v-4h4z" /* plus */
    };
    dse_strbuf_addf(sb, "<path class=\"%s\" d=\"M%.1f,%.1f%s\" fill=\"%s\" stroke=\"#000\" "
                        "stroke-width=\"0.6\"",
                    cls, x, y, shapes[k % S_N_SHAPES], s_colours[k % S_N_COLOURS]);
}

static void s_value_text(dse_strbuf_t *sb, double v)
{
    dse_strbuf_addf(sb, "%.6g", v);
}

/* Text lines of at most width bytes, broken at spaces (a longer word is
 * cut), at most max_lines of them (the last one ends with "..." if the text
 * goes on). */
static void s_wrapped(dse_strbuf_t *sb, const char *s, double x, double y, double dy,
                      size_t width, int max_lines, const char *attrs)
{
    for (int line = 0; *s && line < max_lines; line++) {
        while (*s == ' ')
            s++;
        size_t len = strlen(s), n = len;
        if (len > width) {
            n = width;
            while (n > 0 && s[n] != ' ')
                n--;
            if (n == 0) {
                n = width;
                while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                    n--;
            }
        }
        dse_strbuf_addf(sb, "<text x=\"%.1f\" y=\"%.1f\" %s>", x, y + line * dy, attrs);
        char *part = dse_xstrndup(s, n);
        dse_plot_escape(sb, part);
        free(part);
        if (n < len && line + 1 == max_lines)
            dse_strbuf_adds(sb, "...");
        dse_strbuf_adds(sb, "</text>\n");
        s += n;
    }
}

static void s_ticks_x(dse_strbuf_t *sb, const s_axis_t *a, int grid)
{
    dse_strbuf_adds(sb, "<g class=\"xticks\" font-size=\"11\" text-anchor=\"middle\">\n");
    for (size_t t = 0; t < a->n_ticks; t++) {
        double x = s_px(a, a->tick[t]);
        if (grid)
            dse_strbuf_addf(sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                                "stroke=\"#e4e4e4\"/>\n", x, S_AY0, x, S_AY1);
        dse_strbuf_addf(sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n",
                        x, S_AY1, x, S_AY1 + 5);
        dse_strbuf_addf(sb, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x, S_AY1 + 18,
                        a->label[t]);
    }
    dse_strbuf_adds(sb, "</g>\n");
}

static void s_ticks_y(dse_strbuf_t *sb, const s_axis_t *a)
{
    dse_strbuf_adds(sb, "<g class=\"yticks\" font-size=\"11\" text-anchor=\"end\">\n");
    for (size_t t = 0; t < a->n_ticks; t++) {
        double y = s_py(a, a->tick[t]);
        dse_strbuf_addf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                            "stroke=\"#e4e4e4\"/>\n", S_AX0, y, S_AX1, y);
        dse_strbuf_addf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>\n",
                        S_AX0 - 5, y, S_AX0, y);
        dse_strbuf_addf(sb, "<text x=\"%d\" y=\"%.1f\">%s</text>\n", S_AX0 - 8, y + 4,
                        a->label[t]);
    }
    dse_strbuf_adds(sb, "</g>\n");
}

static int s_finite_mark(const dse_plot_panel_t *p, const dse_plot_mark_t *m)
{
    return isfinite(m->x) && (!p->y_label || isfinite(m->y));
}

/* The caption says what the line means and what is not drawn. */
static void s_caption(dse_strbuf_t *sb, int two, size_t n, size_t n_drawn, size_t n_stair,
                      size_t stride, size_t n_bad, size_t n_marks, const char *more)
{
    /* the caption says what the line means and what is not drawn */
    dse_strbuf_t cap = DSE_STRBUF_INIT;
    if (n == 0)
        dse_strbuf_adds(&cap, "No front point to draw.");
    else if (two && n_drawn == n)
        dse_strbuf_addf(&cap, "The line joins the %zu point%s not dominated on these two "
                              "objectives%s.", n_stair, n_stair == 1 ? "" : "s",
                        n_stair == n ? " (all of them)"
                                     : "; the others are kept for objectives or interface "
                                       "classes not shown");
    else if (two)
        dse_strbuf_addf(&cap, "%zu of the %zu points drawn (every %zu-th); the line joins the "
                              "%zu of them not dominated on these two objectives.",
                        n_drawn, n, stride, n_stair);
    else
        dse_strbuf_addf(&cap, "One objective: %s%zu point%s on one axis%s.",
                        n_drawn == n ? "" : "a sample of the ", n, n == 1 ? "" : "s",
                        n_marks ? ", baselines beside them" : "");
    if (n_bad)
        dse_strbuf_addf(&cap, " %zu point%s without a finite value not drawn.", n_bad,
                        n_bad == 1 ? "" : "s");
    if (more)
        dse_strbuf_adds(&cap, more);
    s_wrapped(sb, cap.buf, 20, S_AY1 + 62, 14, 120, 3,
              "class=\"caption\" font-size=\"11\" fill=\"#555\"");
    dse_strbuf_release(&cap);
}

/* The values a baseline may take and still widen an axis: half the front's
 * span beyond each end (in decades when the front spans more than two). */
static void s_window(double lo, double hi, double *w0, double *w1)
{
    if (!(lo <= hi)) {
        *w0 = -INFINITY;
        *w1 = INFINITY;
        return;
    }
    if (lo > 0 && hi / lo > S_LOG_SPAN) {
        double f = sqrt(hi / lo);
        *w0 = lo / f;
        *w1 = hi * f;
        return;
    }
    double span = hi - lo;
    if (span == 0)
        span = lo != 0 ? fabs(lo) : 1;
    *w0 = lo - 0.5 * span;
    *w1 = hi + 0.5 * span;
}

/* The knee among the staircase points stair[0 .. ns) of pts (minimisation
 * terms, x ascending, y descending): the one farthest below the chord
 * between the two ends, on axes normalised to the staircase's range; the
 * first on a tie. */
static size_t s_knee(const s_pt_t *pts, const size_t *stair, size_t ns)
{
    double x0 = pts[stair[0]].x, x1 = pts[stair[ns - 1]].x;
    double y0 = pts[stair[ns - 1]].y, y1 = pts[stair[0]].y;
    double dx = x1 > x0 ? x1 - x0 : 1, dy = y1 > y0 ? y1 - y0 : 1;
    size_t best = stair[0];
    double far = -INFINITY;
    for (size_t k = 0; k < ns; k++) {
        const s_pt_t *q = &pts[stair[k]];
        double d = 1 - (q->x - x0) / dx - (q->y - y0) / dy;
        if (d > far) {
            far = d;
            best = stair[k];
        }
    }
    return best;
}

/* A baseline far outside the front: its marker on the edge of the plot
 * area where it lies, an arrow pointing outwards, and its value. */
/* A baseline marker's tooltip and the end of its <path>: its name, `sep`,
 * then its value on each axis. */
static void s_mark_title(dse_strbuf_t *sb, const dse_plot_panel_t *p, const dse_plot_mark_t *m,
                         int two, const char *sep)
{
    dse_strbuf_adds(sb, "><title>");
    dse_plot_escape(sb, m->name);
    dse_strbuf_adds(sb, sep);
    dse_plot_escape(sb, p->x_label ? p->x_label : "x");
    dse_strbuf_adds(sb, " ");
    s_value_text(sb, m->x);
    if (two) {
        dse_strbuf_adds(sb, ", ");
        dse_plot_escape(sb, p->y_label);
        dse_strbuf_adds(sb, " ");
        s_value_text(sb, m->y);
    }
    dse_strbuf_adds(sb, "</title></path>\n");
}

static void s_mark_out(dse_strbuf_t *sb, const dse_plot_panel_t *p, const dse_plot_mark_t *m,
                       size_t b, size_t nth, const s_axis_t *ax, const s_axis_t *ay, int two,
                       double mid)
{
    /* -1 below the axis, 1 above, 0 on it */
    double fx = ax->log && m->x <= 0 ? -1 : s_frac(ax, m->x);
    double fy = two ? (ay->log && m->y <= 0 ? -1 : s_frac(ay, m->y)) : 0.5;
    int sx = fx < 0 ? -1 : fx > 1 ? 1 : 0, sy = fy < 0 ? -1 : fy > 1 ? 1 : 0;
    double cx = sx < 0 ? S_AX0 : sx > 0 ? S_AX1 : s_px(ax, m->x);
    double cy = !two ? mid : sy < 0 ? S_AY1 : sy > 0 ? S_AY0 : s_py(ay, m->y);
    s_marker(sb, b, cx, cy, "bl-out");
    s_mark_title(sb, p, m, two, " (outside the plot): ");
    /* the arrow: from the marker outwards (SVG's y grows downwards) */
    double ux = sx, uy = -sy, len = sqrt(ux * ux + uy * uy);
    ux /= len, uy /= len;
    double tx = cx + 22 * ux, ty = cy + 22 * uy, px = -uy, py = ux;
    dse_strbuf_addf(sb, "<path class=\"bl-arrow\" d=\"M%.1f,%.1fL%.1f,%.1fM%.1f,%.1fL%.1f,%.1f"
                        "L%.1f,%.1f\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                    cx + 8 * ux, cy + 8 * uy, tx, ty, tx - 6 * ux + 4 * px, ty - 6 * uy + 4 * py,
                    tx, ty, tx - 6 * ux - 4 * px, ty - 6 * uy - 4 * py,
                    s_colours[b % S_N_COLOURS]);
    /* the value that is out of range, inside the plot area beside the marker */
    char vx[32] = "", vy[32] = "";
    if (sx)
        dse_plot_tick_label(vx, sizeof vx, m->x, pow(10, floor(log10(fabs(m->x) + 1e-300)) - 2),
                            m->x);
    if (sy)
        dse_plot_tick_label(vy, sizeof vy, m->y, pow(10, floor(log10(fabs(m->y) + 1e-300)) - 2),
                            m->y);
    /* labels of several baselines off the plot are stacked, not overlaid */
    double lx = cx - 10 * ux - (sx > 0 ? 4 : 0),
           ly = cy - 10 * uy + (sy < 0 ? -4 - 13.0 * (double)nth : 14 + 13.0 * (double)nth);
    if (!sx)
        lx = cx + 8;
    dse_strbuf_addf(sb, "<text class=\"bl-value\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                        "text-anchor=\"%s\" fill=\"%s\">", lx, ly, sx > 0 ? "end" : "start",
                    s_colours[b % S_N_COLOURS]);
    dse_plot_escape(sb, m->name);
    dse_strbuf_addf(sb, " %s%s%s</text>\n", vx, vx[0] && vy[0] ? ", " : "", vy);
}

/* Parallel coordinates: one vertical axis per objective, its best value at
 * the bottom; one line per front point (at most DSE_PLOT_MAX_LINES, at an
 * even stride). */
#define DSE_PLOT_MAX_LINES 2000
static void s_panel_parallel(dse_strbuf_t *sb, const dse_plot_panel_t *p)
{
    size_t k = p->n_par, n = p->n;
    double *lo = dse_xmalloc(k * sizeof *lo), *hi = dse_xmalloc(k * sizeof *hi);
    for (size_t a = 0; a < k; a++) {
        lo[a] = INFINITY;
        hi[a] = -INFINITY;
        for (size_t r = 0; r < n; r++) {
            double v = p->par[r * k + a];
            if (isfinite(v)) {
                lo[a] = fmin(lo[a], v);
                hi[a] = fmax(hi[a], v);
            }
        }
    }
    /* an axis is logarithmic as a scatter axis would be: positive values
     * spanning more than S_LOG_SPAN */
    int *lg = dse_xcalloc(k, sizeof *lg);
    for (size_t a = 0; a < k; a++)
        lg[a] = lo[a] > 0 && hi[a] / lo[a] > S_LOG_SPAN;
    double gap = (double)(S_AX1 - S_AX0) / (double)(k - 1);
    dse_strbuf_addf(sb, "<rect class=\"plot-area\" x=\"%d\" y=\"%d\" width=\"%d\" "
                        "height=\"%d\" fill=\"none\" stroke=\"none\"/>\n",
                    S_AX0, S_AY0, S_AX1 - S_AX0, S_AY1 - S_AY0);
    size_t stride = n > DSE_PLOT_MAX_LINES ? (n + DSE_PLOT_MAX_LINES - 1) / DSE_PLOT_MAX_LINES : 1;
    dse_strbuf_adds(sb, "<g class=\"lines\" fill=\"none\" stroke=\"" S_FRONT_COLOUR
                        "\" stroke-opacity=\"0.35\">\n");
    size_t drawn = 0;
    for (size_t r = 0; r < n; r += stride) {
        dse_strbuf_adds(sb, "<polyline class=\"pc\" points=\"");
        for (size_t a = 0; a < k; a++) {
            double v = p->par[r * k + a];
            double f = hi[a] <= lo[a] ? 0.5
                       : lg[a]        ? log10(v / lo[a]) / log10(hi[a] / lo[a])
                                      : (v - lo[a]) / (hi[a] - lo[a]);
            if (p->par_max && p->par_max[a])
                f = 1 - f; /* best at the bottom */
            if (!isfinite(f))
                f = 0.5;
            dse_strbuf_addf(sb, "%s%.1f,%.1f", a ? " " : "", S_AX0 + gap * (double)a,
                            S_AY1 - f * (S_AY1 - S_AY0));
        }
        dse_strbuf_addf(sb, "\"><title>#%zu</title></polyline>\n", r);
        drawn++;
    }
    dse_strbuf_adds(sb, "</g>\n<g class=\"paxes\" font-size=\"11\" text-anchor=\"middle\">\n");
    for (size_t a = 0; a < k; a++) {
        double x = S_AX0 + gap * (double)a;
        int mx = p->par_max && p->par_max[a];
        char top[32] = "-", bottom[32] = "-";
        if (lo[a] <= hi[a]) {
            double t = mx ? lo[a] : hi[a], bt = mx ? hi[a] : lo[a];
            /* three significant digits of each end */
            dse_plot_tick_label(top, sizeof top, t, pow(10, floor(log10(fabs(t) + 1e-300)) - 2),
                                t);
            dse_plot_tick_label(bottom, sizeof bottom, bt,
                                pow(10, floor(log10(fabs(bt) + 1e-300)) - 2), bt);
        }
        dse_strbuf_addf(sb, "<line class=\"paxis\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                            "stroke=\"#333\"/>\n", x, S_AY0, x, S_AY1);
        dse_strbuf_addf(sb, "<text class=\"plabel\" x=\"%.1f\" y=\"%d\">", x, S_AY0 - 22);
        s_escape_cut(sb, p->par_labels[a] ? p->par_labels[a] : "", 22);
        if (lg[a])
            dse_strbuf_adds(sb, " (log)");
        dse_strbuf_addf(sb, "</text>\n<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>\n"
                            "<text x=\"%.1f\" y=\"%d\" fill=\"#555\">%s</text>\n",
                        x, S_AY0 - 8, top, x, S_AY1 + 16, bottom);
    }
    dse_strbuf_adds(sb, "</g>\n");
    dse_strbuf_t cap = DSE_STRBUF_INIT;
    dse_strbuf_addf(&cap, "Parallel coordinates: one line per front point across the %zu "
                          "objectives%s; each axis runs from its best value (bottom) to its "
                          "worst (top) over the front.", k,
                    stride > 1 ? " (a sample at an even stride)" : "");
    (void)drawn;
    s_wrapped(sb, cap.buf, 20, S_AY1 + 62, 14, 120, 2,
              "class=\"caption\" font-size=\"11\" fill=\"#555\"");
    dse_strbuf_release(&cap);
    free(lo);
    free(hi);
    free(lg);
}

/* What the parts of a scatter panel share: the panel, its points in
 * minimisation order, the axes and what has been drawn so far. */
typedef struct {
    dse_strbuf_t *sb;
    const dse_plot_panel_t *p;
    int two;
    s_pt_t *pts;
    size_t n, n_bad;
    double xlo, xhi, ylo, yhi;
    unsigned char *out; /* per baseline: 1 when drawn at the edge */
    size_t n_marks_drawn;
    s_axis_t ax, ay;
    size_t stride, n_drawn, n_stair;
    int knee_drawn;
    double mid; /* the single axis' line */
} s_scatter_t;

/* The panel's frame: its group, the separator, title, subtitle and note. */
static void s_panel_head(dse_strbuf_t *sb, const dse_plot_panel_t *p, size_t index)
{
    dse_strbuf_addf(sb, "<g class=\"panel\" id=\"panel-%zu\" transform=\"translate(0,%zu)\">\n",
                    index, index * (size_t)S_H);
    if (index)
        dse_strbuf_addf(sb, "<line x1=\"10\" y1=\"0\" x2=\"%d\" y2=\"0\" stroke=\"#bbb\"/>\n",
                        S_W - 10);
    dse_strbuf_adds(sb, "<text class=\"title\" x=\"20\" y=\"26\" font-size=\"15\" "
                        "font-weight=\"bold\">");
    dse_plot_escape(sb, p->title ? p->title : "");
    dse_strbuf_adds(sb, "</text>\n");
    if (p->subtitle)
        s_wrapped(sb, p->subtitle, 20, 45, 14, 110, 1, "class=\"subtitle\" fill=\"#555\"");
    if (p->note)
        s_wrapped(sb, p->note, 20, p->subtitle ? 60 : 46, 14, 110, 2,
                  "class=\"note\" fill=\"#a00000\"");
}

/* The finite points in minimisation order, the range they span, and which
 * baselines widen it or are drawn at the edge. */
static void s_scatter_gather(s_scatter_t *c)
{
    const dse_plot_panel_t *p = c->p;
    int two = c->two;
    /* the points to draw, in minimisation order */
    s_pt_t *pts = c->pts = dse_xmalloc((p->n ? p->n : 1) * sizeof *pts);
    size_t n = 0, n_bad = 0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < p->n; i++) {
        double x = p->x[i], y = two ? p->y[i] : 0;
        if (!isfinite(x) || !isfinite(y)) {
            n_bad++;
            continue;
        }
        pts[n].x = p->x_max ? -x : x;
        pts[n].y = p->y_max ? -y : y;
        pts[n++].i = i;
        xlo = fmin(xlo, x);
        xhi = fmax(xhi, x);
        ylo = fmin(ylo, y);
        yhi = fmax(yhi, y);
    }
    /* the axes span the front; a baseline widens them only when it lies
     * within half the front's span beyond it, else it is drawn at the edge */
    size_t n_marks_drawn = 0;
    unsigned char *out = c->out = dse_xcalloc(p->n_marks ? p->n_marks : 1, 1);
    double wx0, wx1, wy0, wy1;
    s_window(xlo, xhi, &wx0, &wx1);
    s_window(ylo, yhi, &wy0, &wy1);
    int have_front = n > 0;
    for (size_t b = 0; b < p->n_marks; b++) {
        const dse_plot_mark_t *m = &p->marks[b];
        if (!s_finite_mark(p, m))
            continue;
        n_marks_drawn++;
        if (have_front && (m->x < wx0 || m->x > wx1 || (two && (m->y < wy0 || m->y > wy1)))) {
            out[b] = 1;
            continue;
        }
        xlo = fmin(xlo, m->x);
        xhi = fmax(xhi, m->x);
        if (two) {
            ylo = fmin(ylo, m->y);
            yhi = fmax(yhi, m->y);
        }
    }
    qsort(pts, n, sizeof *pts, s_pt_cmp);
    c->n = n;
    c->n_bad = n_bad;
    c->xlo = xlo;
    c->xhi = xhi;
    c->ylo = ylo;
    c->yhi = yhi;
    c->n_marks_drawn = n_marks_drawn;
}

/* The axes: their ranges, ticks and labels. */
static void s_scatter_axes(s_scatter_t *c)
{
    dse_strbuf_t *sb = c->sb;
    const dse_plot_panel_t *p = c->p;
    int two = c->two;
    s_axis(&c->ax, c->xlo, c->xhi);
    s_axis(&c->ay, two ? c->ylo : 0, two ? c->yhi : 1);
    s_ticks_x(sb, &c->ax, two);
    if (two)
        s_ticks_y(sb, &c->ay);
    dse_strbuf_addf(sb, "<text class=\"xlabel\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                    (S_AX0 + S_AX1) / 2, S_AY1 + 38);
    dse_plot_escape(sb, p->x_label ? p->x_label : "");
    dse_strbuf_adds(sb, p->x_max ? " (higher is better" : " (lower is better");
    dse_strbuf_adds(sb, c->ax.log ? "; log scale)" : ")");
    dse_strbuf_adds(sb, "</text>\n");
    if (two) {
        dse_strbuf_addf(sb, "<text class=\"ylabel\" transform=\"translate(22,%d) rotate(-90)\" "
                            "text-anchor=\"middle\">",
                        (S_AY0 + S_AY1) / 2);
        dse_plot_escape(sb, p->y_label);
        dse_strbuf_adds(sb, p->y_max ? " (higher is better" : " (lower is better");
        dse_strbuf_adds(sb, c->ay.log ? "; log scale)" : ")");
        dse_strbuf_adds(sb, "</text>\n");
    }
}

/* With two axes, the staircase of the drawn points non-dominated on both
 * and its knee; with one, the axis' line. */
static void s_scatter_stair(s_scatter_t *c)
{
    dse_strbuf_t *sb = c->sb;
    const dse_plot_panel_t *p = c->p;
    const s_pt_t *pts = c->pts;
    size_t n = c->n, stride = c->stride;
    if (c->two) {
        /* points non-dominated on the two axes: sorted by x, keep each that
         * improves on y (duplicates once) */
        dse_strbuf_t path = DSE_STRBUF_INIT;
        double best = INFINITY;
        size_t *stair = dse_xmalloc((n ? n : 1) * sizeof *stair);
        size_t n_stair = 0;
        for (size_t r = 0; r < n; r++) {
            if (!(r % stride == 0 || r + 1 == n) || !(pts[r].y < best))
                continue;
            best = pts[r].y;
            stair[n_stair] = r;
            size_t i = pts[r].i;
            double x = s_px(&c->ax, p->x[i]), y = s_py(&c->ay, p->y[i]);
            if (n_stair++ == 0)
                dse_strbuf_addf(&path, "M%.1f,%.1f", x, y);
            else
                dse_strbuf_addf(&path, "H%.1fV%.1f", x, y);
        }
        c->n_stair = n_stair;
        if (n_stair)
            dse_strbuf_addf(sb, "<path class=\"stair\" fill=\"none\" stroke=\"" S_FRONT_COLOUR
                                "\" stroke-width=\"1.5\" d=\"%s\"/>\n", path.buf);
        dse_strbuf_release(&path);
        if (p->knee && n_stair >= 3) {
            size_t i = pts[s_knee(pts, stair, n_stair)].i;
            double kx = s_px(&c->ax, p->x[i]), ky = s_py(&c->ay, p->y[i]);
            dse_strbuf_addf(sb, "<circle class=\"knee\" cx=\"%.1f\" cy=\"%.1f\" r=\"7\" "
                                "fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\"><title>knee: "
                                "#%zu</title></circle>\n<text class=\"knee-label\" x=\"%.1f\" "
                                "y=\"%.1f\" font-size=\"11\">knee</text>\n",
                            kx, ky, i, kx + 9, ky - 8);
            c->knee_drawn = 1;
        }
        free(stair);
    } else {
        dse_strbuf_addf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#999\"/>\n",
                        S_AX0, c->mid, S_AX1, c->mid);
    }
}

/* The front's points (at the stride), each with its values as a tooltip. */
static void s_scatter_points(s_scatter_t *c)
{
    dse_strbuf_t *sb = c->sb;
    const dse_plot_panel_t *p = c->p;
    int two = c->two;
    size_t n = c->n, stride = c->stride;
    dse_strbuf_adds(sb, "<g class=\"front\" fill=\"" S_FRONT_COLOUR "\" fill-opacity=\"0.85\">\n");
    for (size_t r = 0; r < n; r++) {
        if (!(r % stride == 0 || r + 1 == n))
            continue;
        c->n_drawn++;
        size_t i = c->pts[r].i;
        dse_strbuf_addf(sb, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>#%zu: ",
                        s_px(&c->ax, p->x[i]), two ? s_py(&c->ay, p->y[i]) : c->mid, i);
        dse_plot_escape(sb, p->x_label ? p->x_label : "x");
        dse_strbuf_adds(sb, " ");
        s_value_text(sb, p->x[i]);
        if (two) {
            dse_strbuf_adds(sb, ", ");
            dse_plot_escape(sb, p->y_label);
            dse_strbuf_adds(sb, " ");
            s_value_text(sb, p->y[i]);
        }
        dse_strbuf_adds(sb, "</title></circle>\n");
    }
    dse_strbuf_adds(sb, "</g>\n");
}

/* The baselines with a finite value: at their place, or at the edge. */
static void s_scatter_baselines(s_scatter_t *c)
{
    dse_strbuf_t *sb = c->sb;
    const dse_plot_panel_t *p = c->p;
    int two = c->two;
    dse_strbuf_adds(sb, "<g class=\"baselines\">\n");
    size_t n_out_drawn = 0;
    for (size_t b = 0; b < p->n_marks; b++) {
        const dse_plot_mark_t *m = &p->marks[b];
        if (!s_finite_mark(p, m))
            continue;
        if (c->out[b]) {
            s_mark_out(sb, p, m, b, n_out_drawn++, &c->ax, &c->ay, two, c->mid);
            continue;
        }
        s_marker(sb, b, s_px(&c->ax, m->x), two ? s_py(&c->ay, m->y) : c->mid, "bl");
        s_mark_title(sb, p, m, two, ": ");
    }
    dse_strbuf_adds(sb, "</g>\n");
}

/* The legend: the front, then every baseline (greyed, with why, when it
 * has no value to draw). */
static void s_scatter_legend(dse_strbuf_t *sb, const dse_plot_panel_t *p)
{
    dse_strbuf_adds(sb, "<g class=\"legend\" font-size=\"12\">\n");
    int ly = S_AY0 + 8;
    dse_strbuf_addf(sb, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" fill=\"" S_FRONT_COLOUR "\"/>"
                        "<text class=\"legend-front\" x=\"%d\" y=\"%d\">"
                        "front: %zu point%s</text>\n",
                    S_LEGX + 6, ly, S_LEGX + 18, ly + 4, p->n, p->n == 1 ? "" : "s");
    for (size_t b = 0; b < p->n_marks; b++) {
        const dse_plot_mark_t *m = &p->marks[b];
        ly += 20;
        int drawn = s_finite_mark(p, m);
        if (drawn) {
            s_marker(sb, b, S_LEGX + 6, ly, "legend-marker");
            dse_strbuf_adds(sb, "/>");
        }
        dse_strbuf_addf(sb, "<text class=\"legend-bl\" x=\"%d\" y=\"%d\"%s>", S_LEGX + 18, ly + 4,
                        drawn ? "" : " fill=\"#777\"");
        s_escape_cut(sb, m->name, 24);
        if (!drawn) {
            dse_strbuf_adds(sb, " (");
            s_escape_cut(sb, m->why ? m->why : "no value", 24);
            dse_strbuf_adds(sb, ")");
        }
        dse_strbuf_adds(sb, "</text>\n");
    }
    dse_strbuf_adds(sb, "</g>\n");
}

/* The caption, with what the knee ring and the arrows at the edge mean. */
static void s_scatter_caption(const s_scatter_t *c)
{
    const dse_plot_panel_t *p = c->p;
    size_t n_out = 0;
    for (size_t b = 0; b < p->n_marks; b++)
        n_out += c->out[b];
    dse_strbuf_t more = DSE_STRBUF_INIT;
    dse_strbuf_adds(&more, "");
    if (c->knee_drawn)
        dse_strbuf_adds(&more, " The ring marks the knee: the staircase point farthest below "
                               "the line between its ends (axes normalised).");
    if (n_out)
        dse_strbuf_addf(&more, " %zu baseline%s far outside the front %s drawn at the edge, "
                               "with an arrow and %s value.", n_out, n_out == 1 ? "" : "s",
                        n_out == 1 ? "is" : "are", n_out == 1 ? "its" : "their");
    s_caption(c->sb, c->two, c->n, c->n_drawn, c->n_stair, c->stride, c->n_bad, p->n_marks,
              more.buf);
    dse_strbuf_release(&more);
}

/* A scatter panel of one or two objectives, after its head. */
static void s_panel_scatter(dse_strbuf_t *sb, const dse_plot_panel_t *p)
{
    s_scatter_t c;
    c.sb = sb;
    c.p = p;
    c.two = p->y_label != NULL;
    int two = c.two;
    s_scatter_gather(&c);

    dse_strbuf_addf(sb, "<rect class=\"plot-area\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                        "fill=\"none\" stroke=\"#333\"/>\n",
                    S_AX0, two ? S_AY0 : S_AY1 - 60, S_AX1 - S_AX0, two ? S_AY1 - S_AY0 : 60);
    if (c.n == 0 && c.n_marks_drawn == 0) {
        dse_strbuf_addf(sb, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\">"
                            "nothing to plot</text>\n",
                        (S_AX0 + S_AX1) / 2, two ? (S_AY0 + S_AY1) / 2 : S_AY1 - 26);
        s_caption(sb, two, 0, 0, 0, 1, c.n_bad, 0, NULL);
        free(c.pts);
        free(c.out);
        return;
    }

    s_scatter_axes(&c);
    /* a huge front is drawn at a stride; the staircase follows the drawn points */
    c.stride = 1;
    if (c.n > DSE_PLOT_MAX_POINTS)
        c.stride = (c.n + DSE_PLOT_MAX_POINTS - 2) / (DSE_PLOT_MAX_POINTS - 1);
    c.n_drawn = 0;
    c.n_stair = 0;
    c.knee_drawn = 0;
    c.mid = S_AY1 - 30;
    s_scatter_stair(&c);
    s_scatter_points(&c);

    /* baselines, and the legend */
    s_scatter_baselines(&c);
    s_scatter_legend(sb, p);
    s_scatter_caption(&c);
    free(c.pts);
    free(c.out);
}

static void s_panel(dse_strbuf_t *sb, const dse_plot_panel_t *p, size_t index)
{
    s_panel_head(sb, p, index);
    if (p->n_par >= 3)
        s_panel_parallel(sb, p);
    else
        s_panel_scatter(sb, p);
    dse_strbuf_adds(sb, "</g>\n");
}

void dse_plot_svg(dse_strbuf_t *sb, const char *title, const dse_plot_panel_t *panels,
                  size_t n_panels)
{
    size_t h = (n_panels ? n_panels : 1) * (size_t)S_H;
    dse_strbuf_addf(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                        "height=\"%zu\" viewBox=\"0 0 %d %zu\" font-family=\"sans-serif\" "
                        "font-size=\"13\">\n<title>",
                    S_W, h, S_W, h);
    dse_plot_escape(sb, title ? title : "");
    dse_strbuf_addf(sb, "</title>\n<rect width=\"%d\" height=\"%zu\" fill=\"#fff\"/>\n", S_W, h);
    for (size_t i = 0; i < n_panels; i++)
        s_panel(sb, &panels[i], i);
    dse_strbuf_adds(sb, "</svg>\n");
}
