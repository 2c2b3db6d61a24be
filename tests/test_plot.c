/* test_plot.c - pareto.svg panels, checked by parsing the SVG: a small XML
 * reader (well-formedness: one root, balanced tags, quoted attributes with
 * no '<', known entities) collects every element with its attributes, its
 * text and the panel it is in; the checks then look at the geometry. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/job.h"
#include "outputs/outputs.h"
#include "core/plot.h"
#include "core/space.h"
#include "core/util.h"
#include "test.h"

#define S_MAX_ATTRS 12

typedef struct {
    char name[24];
    size_t n_attrs;
    char *key[S_MAX_ATTRS], *val[S_MAX_ATTRS]; /* decoded */
    dse_strbuf_t text;                          /* decoded direct text */
    int panel;                                  /* enclosing g.panel, -1 outside */
    int parent;                                 /* index of the parent element, -1 for the root */
} s_el_t;

typedef struct {
    s_el_t *el;
    size_t n, cap;
    char error[200];
} s_doc_t;

static int s_fail(s_doc_t *d, const char *what, const char *at, const char *start)
{
    snprintf(d->error, sizeof d->error, "%s at byte %ld", what, (long)(at - start));
    return -1;
}

/* Decodes one entity at *p (pointing at '&') into sb; -1 when unknown. */
static int s_entity(const char **p, dse_strbuf_t *sb)
{
    static const char *const names[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    static const char chars[] = "&<>\"'";
    const char *s = *p + 1;
    for (int i = 0; i < 5; i++)
        if (strncmp(s, names[i], strlen(names[i])) == 0) {
            dse_strbuf_addc(sb, chars[i]);
            *p = s + strlen(names[i]);
            return 0;
        }
    if (*s == '#') {
        char *end;
        long v = s[1] == 'x' ? strtol(s + 2, &end, 16) : strtol(s + 1, &end, 10);
        if (end == s + 1 || *end != ';' || v <= 0 || v > 0x10FFFF)
            return -1;
        dse_strbuf_addc(sb, v < 128 ? (char)v : '?');
        *p = end + 1;
        return 0;
    }
    return -1;
}

static int s_name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
}

static const char *s_attr(const s_el_t *e, const char *key)
{
    for (size_t i = 0; i < e->n_attrs; i++)
        if (strcmp(e->key[i], key) == 0)
            return e->val[i];
    return NULL;
}

static double s_num_attr(const s_el_t *e, const char *key)
{
    const char *v = s_attr(e, key);
    return v ? atof(v) : NAN;
}

static int s_is(const s_el_t *e, const char *name, const char *cls)
{
    const char *c = s_attr(e, "class");
    return strcmp(e->name, name) == 0 && (!cls || (c && strcmp(c, cls) == 0));
}

static void s_doc_free(s_doc_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        for (size_t a = 0; a < d->el[i].n_attrs; a++) {
            free(d->el[i].key[a]);
            free(d->el[i].val[a]);
        }
        dse_strbuf_release(&d->el[i].text);
    }
    free(d->el);
    memset(d, 0, sizeof *d);
}

/* Parses a whole document; 0 when well-formed, else -1 with d->error. */
static int s_parse(const char *doc, s_doc_t *d)
{
    memset(d, 0, sizeof *d);
    const char *p = doc;
    int stack[64], depth = 0, roots = 0, panels = 0;
    if (strncmp(p, "<?xml ", 6) == 0) {
        p = strstr(p, "?>");
        if (!p)
            return s_fail(d, "unterminated declaration", doc, doc);
        p += 2;
    }
    while (*p) {
        if (*p != '<') {
            dse_strbuf_t tmp = DSE_STRBUF_INIT;
            dse_strbuf_t *sb = depth ? &d->el[stack[depth - 1]].text : &tmp;
            while (*p && *p != '<') {
                if (*p == '&') {
                    if (s_entity(&p, sb) != 0) {
                        dse_strbuf_release(&tmp);
                        return s_fail(d, "bad entity", p, doc);
                    }
                } else if (!depth && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r') {
                    dse_strbuf_release(&tmp);
                    return s_fail(d, "text outside the root", p, doc);
                } else {
                    dse_strbuf_addc(sb, *p++);
                }
            }
            dse_strbuf_release(&tmp);
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p + 4, "-->");
            if (!e)
                return s_fail(d, "unterminated comment", p, doc);
            p = e + 3;
            continue;
        }
        if (p[1] == '/') {
            const char *n = p + 2, *e = n;
            while (s_name_char(*e, e == n))
                e++;
            if (!depth)
                return s_fail(d, "end tag without start", p, doc);
            s_el_t *open = &d->el[stack[depth - 1]];
            if ((size_t)(e - n) != strlen(open->name) || strncmp(n, open->name, (size_t)(e - n)))
                return s_fail(d, "mismatched end tag", p, doc);
            while (*e == ' ')
                e++;
            if (*e != '>')
                return s_fail(d, "bad end tag", p, doc);
            depth--;
            p = e + 1;
            continue;
        }
        /* a start tag */
        const char *n = p + 1, *e = n;
        if (!s_name_char(*e, 1))
            return s_fail(d, "bad tag name", p, doc);
        while (s_name_char(*e, e == n))
            e++;
        if (depth == 0 && roots++)
            return s_fail(d, "second root element", p, doc);
        if (depth == 64 || (size_t)(e - n) >= sizeof d->el[0].name)
            return s_fail(d, "too deep or too long a name", p, doc);
        d->el = dse_xgrow(d->el, sizeof *d->el, d->n + 1, &d->cap);
        s_el_t *el = &d->el[d->n];
        memset(el, 0, sizeof *el);
        memcpy(el->name, n, (size_t)(e - n));
        el->parent = depth ? stack[depth - 1] : -1;
        el->panel = depth ? d->el[stack[depth - 1]].panel : -1;
        d->n++;
        p = e;
        for (;;) {
            int ws = 0;
            while (*p == ' ' || *p == '\n' || *p == '\t') {
                p++;
                ws = 1;
            }
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            if (!ws || !s_name_char(*p, 1))
                return s_fail(d, "bad attribute", p, doc);
            const char *k = p;
            while (s_name_char(*p, p == k))
                p++;
            if (*p != '=' || (p[1] != '"' && p[1] != '\''))
                return s_fail(d, "unquoted attribute", p, doc);
            if (el->n_attrs == S_MAX_ATTRS)
                return s_fail(d, "too many attributes", p, doc);
            char *key = dse_xstrndup(k, (size_t)(p - k));
            for (size_t a = 0; a < el->n_attrs; a++)
                if (strcmp(el->key[a], key) == 0) {
                    free(key);
                    return s_fail(d, "duplicate attribute", p, doc);
                }
            char q = p[1];
            p += 2;
            dse_strbuf_t v = DSE_STRBUF_INIT;
            dse_strbuf_adds(&v, "");
            while (*p != q) {
                if (!*p || *p == '<' || (*p == '&' && s_entity(&p, &v) != 0)) {
                    free(key);
                    dse_strbuf_release(&v);
                    return s_fail(d, "bad attribute value", p, doc);
                }
                if (*p != q && *p != '&')
                    dse_strbuf_addc(&v, *p++);
            }
            p++;
            el->key[el->n_attrs] = key;
            el->val[el->n_attrs++] = dse_strbuf_detach(&v, NULL);
        }
        if (s_is(el, "g", "panel"))
            el->panel = panels++;
        if (*p == '/') {
            p += 2;
        } else {
            stack[depth++] = (int)(d->n - 1);
            p++;
        }
    }
    if (depth)
        return s_fail(d, "unclosed element", p, doc);
    if (roots != 1)
        return s_fail(d, "no root element", p, doc);
    return 0;
}

/* Renders panels and parses them; fails the test when not well-formed. */
static int s_render(const dse_plot_panel_t *panels, size_t n, const char *title, s_doc_t *d,
                    dse_strbuf_t *out)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_plot_svg(&sb, title, panels, n);
    int rc = s_parse(sb.buf, d);
    if (rc)
        dse__test_fail(__FILE__, __LINE__, "not well-formed: %s", d->error);
    /* geometry is finite numbers */
    static const char *const geo[] = {"x", "y", "cx", "cy", "x1", "x2", "y1", "y2", "width",
                                      "height", "d", "transform", "r"};
    for (size_t i = 0; rc == 0 && i < d->n; i++)
        for (size_t a = 0; a < d->el[i].n_attrs; a++)
            for (size_t g = 0; g < sizeof geo / sizeof geo[0]; g++)
                if (strcmp(d->el[i].key[a], geo[g]) == 0)
                    CHECK(!strstr(d->el[i].val[a], "nan") && !strstr(d->el[i].val[a], "inf"));
    CHECK(strstr(sb.buf, "<script") == NULL && strstr(sb.buf, "href") == NULL);
    if (out)
        *out = sb;
    else
        dse_strbuf_release(&sb);
    return rc;
}

static size_t s_count(const s_doc_t *d, const char *name, const char *cls, int panel)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += s_is(&d->el[i], name, cls) && (panel < 0 || d->el[i].panel == panel);
    return n;
}

static const s_el_t *s_find(const s_doc_t *d, const char *name, const char *cls, int panel)
{
    for (size_t i = 0; i < d->n; i++)
        if (s_is(&d->el[i], name, cls) && d->el[i].panel == panel)
            return &d->el[i];
    return NULL;
}

/* The text of every <text class=cls> of a panel, lines joined by spaces
 * (caller frees). */
static char *s_texts(const s_doc_t *d, const char *cls, int panel)
{
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_strbuf_adds(&sb, "");
    for (size_t i = 0; i < d->n; i++)
        if (s_is(&d->el[i], "text", cls) && d->el[i].panel == panel)
            dse_strbuf_addf(&sb, "%s%s", sb.len ? " " : "", d->el[i].text.buf);
    return dse_strbuf_detach(&sb, NULL);
}

/* The centre of a baseline marker: its path starts "Mx,y". */
static void s_marker_centre(const s_el_t *e, double *x, double *y)
{
    const char *dd = s_attr(e, "d");
    *x = *y = NAN;
    if (dd && dd[0] == 'M')
        sscanf(dd + 1, "%lf,%lf", x, y);
}

static int s_inside(const s_el_t *area, double x, double y)
{
    double ax = s_num_attr(area, "x"), ay = s_num_attr(area, "y");
    return x >= ax && x <= ax + s_num_attr(area, "width") && y >= ay &&
           y <= ay + s_num_attr(area, "height");
}

/* Checks the circles of a panel: inside the plot area and, ordered by
 * value, ordered the same way on screen (x right, y up). Returns how many. */
static size_t s_check_points(const s_doc_t *d, int panel, const double *x, const double *y,
                             size_t n)
{
    const s_el_t *area = s_find(d, "rect", "plot-area", panel);
    CHECK(area != NULL);
    size_t seen = 0;
    for (size_t i = 0; i < d->n; i++) {
        const s_el_t *c = &d->el[i];
        if (!s_is(c, "circle", "pt") || c->panel != panel)
            continue;
        seen++;
        double cx = s_num_attr(c, "cx"), cy = s_num_attr(c, "cy");
        CHECK(area && s_inside(area, cx, cy));
        /* the tooltip names the point: "#i: ..." */
        const char *t = NULL;
        for (size_t j = i + 1; j < d->n && d->el[j].parent == (int)i; j++)
            if (strcmp(d->el[j].name, "title") == 0)
                t = d->el[j].text.buf;
        CHECK(t && t[0] == '#');
        if (!t)
            continue;
        size_t pi = (size_t)atol(t + 1);
        CHECK(pi < n);
        /* compare with every other circle of the panel */
        for (size_t j = 0; j < d->n && pi < n; j++) {
            const s_el_t *o = &d->el[j];
            if (j == i || !s_is(o, "circle", "pt") || o->panel != panel)
                continue;
            const char *ot = NULL;
            for (size_t k = j + 1; k < d->n && d->el[k].parent == (int)j; k++)
                if (strcmp(d->el[k].name, "title") == 0)
                    ot = d->el[k].text.buf;
            size_t pj = ot ? (size_t)atol(ot + 1) : n;
            if (pj >= n)
                continue;
            double ox = s_num_attr(o, "cx"), oy = s_num_attr(o, "cy");
            if (x[pi] < x[pj])
                CHECK(cx < ox);
            if (y && y[pi] < y[pj])
                CHECK(cy > oy); /* SVG's y grows downwards */
        }
    }
    return seen;
}

DSE_TEST(plot_two_objectives)
{
    /* a staircase: x up, y down; given out of order */
    double x[] = {3e6, 1e6, 2e6, 5e6, 4e6};
    double y[] = {30e3, 50e3, 40e3, 10e3, 20e3};
    dse_plot_mark_t marks[] = {
        {"autotuner", 6e6, 60e3, NULL},
        {"dory", NAN, NAN, "infeasible"},
        {"third", 0.5e6, 70e3, NULL},
    };
    dse_plot_panel_t p = {.title = "job: network front", .subtitle = "model m",
                          .x_label = "cycles", .y_label = "l1_bytes [bytes]",
                          .n = 5, .x = x, .y = y, .n_marks = 3, .marks = marks};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_count(&d, "g", "panel", -1), 1);
    CHECK_INT(s_check_points(&d, 0, x, y, 5), 5);
    /* every point on the staircase: M + 4 x "H..V.." */
    const s_el_t *st = s_find(&d, "path", "stair", 0);
    CHECK(st != NULL);
    if (st) {
        const char *s = s_attr(st, "d");
        CHECK(s && s[0] == 'M');
        size_t h = 0;
        for (; s && *s; s++)
            h += *s == 'H';
        CHECK_INT(h, 4);
    }
    /* two baselines drawn, three in the legend, the one without value says why */
    CHECK_INT(s_count(&d, "path", "bl", 0), 2);
    CHECK_INT(s_count(&d, "text", "legend-bl", 0), 3);
    const s_el_t *area = s_find(&d, "rect", "plot-area", 0);
    int found_why = 0;
    for (size_t i = 0; i < d.n; i++) {
        const s_el_t *e = &d.el[i];
        if (s_is(e, "path", "bl")) {
            double cx, cy;
            s_marker_centre(e, &cx, &cy);
            CHECK(area && s_inside(area, cx, cy));
        }
        if (s_is(e, "text", "legend-bl") && strstr(e->text.buf, "dory"))
            found_why = strstr(e->text.buf, "(infeasible)") != NULL;
    }
    CHECK(found_why);
    /* axis titles and the sense of each axis */
    const s_el_t *xl = s_find(&d, "text", "xlabel", 0), *yl = s_find(&d, "text", "ylabel", 0);
    CHECK(xl && strcmp(xl->text.buf, "cycles (lower is better)") == 0);
    CHECK(yl && strcmp(yl->text.buf, "l1_bytes [bytes] (lower is better)") == 0);
    char *cap = s_texts(&d, "caption", 0);
    CHECK(strstr(cap, "(all of them)"));
    free(cap);
    s_doc_free(&d);
}

DSE_TEST(plot_ticks_round)
{
    double x[] = {1.23e6, 2.71e6}, y[] = {0.31, 0.07};
    dse_plot_panel_t p = {.title = "t", .x_label = "a", .y_label = "b", .n = 2, .x = x, .y = y};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    /* tick labels: round values, SI suffixes on the big axis */
    size_t n_x = 0, n_y = 0;
    for (size_t i = 0; i < d.n; i++) {
        const s_el_t *e = &d.el[i];
        if (strcmp(e->name, "text") || e->parent < 0)
            continue;
        const char *cls = s_attr(&d.el[e->parent], "class");
        if (cls && strcmp(cls, "xticks") == 0) {
            n_x++;
            CHECK(strcmp(e->text.buf, "0") == 0 || e->text.buf[strlen(e->text.buf) - 1] == 'M');
        } else if (cls && strcmp(cls, "yticks") == 0) {
            n_y++;
            CHECK(strlen(e->text.buf) <= 4); /* 0, 0.05, 0.10, ... */
        }
    }
    CHECK(n_x >= 3 && n_x <= 11);
    CHECK(n_y >= 3 && n_y <= 11);
    s_doc_free(&d);
}

DSE_TEST(plot_tick_labels)
{
    char b[64];
    dse_plot_tick_label(b, sizeof b, 5e6, 5e6, 2.5e7);
    CHECK_STR(b, "5M");
    dse_plot_tick_label(b, sizeof b, 1.5e6, 1e5, 2e6);
    CHECK_STR(b, "1.5M");
    dse_plot_tick_label(b, sizeof b, 20e3, 20e3, 80e3);
    CHECK_STR(b, "20k");
    dse_plot_tick_label(b, sizeof b, 0.25, 0.05, 1);
    CHECK_STR(b, "0.25");
    dse_plot_tick_label(b, sizeof b, 12, 2, 20);
    CHECK_STR(b, "12");
    dse_plot_tick_label(b, sizeof b, 1e-17, 0.1, 1); /* rounding residue of 0 */
    CHECK_STR(b, "0");
    dse_plot_tick_label(b, sizeof b, -0.2, 0.1, 0.5);
    CHECK_STR(b, "-0.2");
    dse_plot_tick_label(b, sizeof b, 2e-5, 1e-5, 5e-5);
    CHECK_STR(b, "2e-5");
    dse_plot_tick_label(b, sizeof b, 1.2e-4, 2e-5, 1.2e-4);
    CHECK_STR(b, "1.2e-4");
    dse_plot_tick_label(b, sizeof b, 3e22, 1e22, 5e22);
    CHECK_STR(b, "3e22");
    dse_plot_tick_label(b, sizeof b, 2e9, 1e9, 4e9);
    CHECK_STR(b, "2G");
}

DSE_TEST(plot_escapes_names)
{
    double x[] = {1, 2}, y[] = {2, 1};
    dse_plot_mark_t marks[] = {{"a<b>&\"c'", 1.5, 1.5, NULL}};
    const char *title = "job: layer <script>alert(1)</script> & \"q\" 'z'\x01";
    dse_plot_panel_t p = {.title = title, .x_label = "x&y", .y_label = "<y>", .n = 2, .x = x,
                          .y = y, .n_marks = 1, .marks = marks, .note = "err: a < b & c > d"};
    s_doc_t d;
    dse_strbuf_t out;
    if (s_render(&p, 1, "doc <&>", &d, &out))
        return;
    const s_el_t *t = s_find(&d, "text", "title", 0);
    CHECK(t && strcmp(t->text.buf, "job: layer <script>alert(1)</script> & \"q\" 'z'?") == 0);
    const s_el_t *lg = s_find(&d, "text", "legend-bl", 0);
    CHECK(lg && strcmp(lg->text.buf, "a<b>&\"c'") == 0);
    const s_el_t *note = s_find(&d, "text", "note", 0);
    CHECK(note && strcmp(note->text.buf, "err: a < b & c > d") == 0);
    CHECK(d.n && strcmp(d.el[1].name, "title") == 0 && strcmp(d.el[1].text.buf, "doc <&>") == 0);
    dse_strbuf_release(&out);
    s_doc_free(&d);
}

DSE_TEST(plot_deterministic)
{
    double x[] = {0.1, 0.2, 0.3}, y[] = {3, 2, 1};
    dse_plot_mark_t marks[] = {{"b", 0.4, 4, NULL}};
    dse_plot_panel_t p[2] = {
        {.title = "a", .x_label = "x", .y_label = "y", .n = 3, .x = x, .y = y, .n_marks = 1,
         .marks = marks},
        {.title = "b", .x_label = "x", .n = 3, .x = x},
    };
    dse_strbuf_t a = DSE_STRBUF_INIT, b = DSE_STRBUF_INIT;
    dse_plot_svg(&a, "t", p, 2);
    dse_plot_svg(&b, "t", p, 2);
    CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    dse_strbuf_release(&a);
    dse_strbuf_release(&b);
}

DSE_TEST(plot_maximised_axis)
{
    /* cycles minimised, accuracy maximised: both grow together on the front */
    double x[] = {1e6, 2e6, 3e6}, y[] = {0.80, 0.85, 0.90};
    dse_plot_panel_t p = {.title = "acc", .x_label = "cycles", .y_label = "accuracy",
                          .y_max = 1, .n = 3, .x = x, .y = y};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_check_points(&d, 0, x, y, 3), 3);
    const s_el_t *yl = s_find(&d, "text", "ylabel", 0);
    CHECK(yl && strstr(yl->text.buf, "higher is better"));
    const s_el_t *st = s_find(&d, "path", "stair", 0);
    size_t h = 0;
    for (const char *s = st ? s_attr(st, "d") : ""; s && *s; s++)
        h += *s == 'H';
    CHECK_INT(h, 2); /* all three on the staircase */
    s_doc_free(&d);
}

DSE_TEST(plot_projection_of_three_objectives)
{
    /* points 2 and 3 are dominated on (x, y), kept by a third objective */
    double x[] = {1, 2, 3, 4, 5}, y[] = {5, 4, 4.5, 6, 1};
    dse_plot_panel_t p = {.title = "3d", .x_label = "x", .y_label = "y", .n = 5, .x = x, .y = y};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_count(&d, "circle", "pt", 0), 5);
    const s_el_t *st = s_find(&d, "path", "stair", 0);
    size_t h = 0;
    for (const char *s = st ? s_attr(st, "d") : ""; s && *s; s++)
        h += *s == 'H';
    CHECK_INT(h, 2); /* (1,5), (2,4), (5,1) */
    char *cap = s_texts(&d, "caption", 0);
    CHECK(strstr(cap, "joins the 3 points") && strstr(cap, "not shown"));
    free(cap);
    s_doc_free(&d);
}

DSE_TEST(plot_one_objective)
{
    double x[] = {7, 5};
    dse_plot_mark_t marks[] = {{"base", 8, NAN, NULL}};
    dse_plot_panel_t p = {.title = "1d", .x_label = "cycles", .n = 2, .x = x, .n_marks = 1,
                          .marks = marks};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_check_points(&d, 0, x, NULL, 2), 2);
    CHECK_INT(s_count(&d, "path", "bl", 0), 1);
    CHECK_INT(s_count(&d, "text", "ylabel", 0), 0);
    double cy0 = NAN;
    for (size_t i = 0; i < d.n; i++)
        if (s_is(&d.el[i], "circle", "pt")) {
            double cy = s_num_attr(&d.el[i], "cy");
            if (isnan(cy0))
                cy0 = cy;
            CHECK(cy == cy0); /* one axis: one line */
        }
    s_doc_free(&d);
}

DSE_TEST(plot_empty_and_missing)
{
    double nanv[] = {NAN}, one[] = {2};
    dse_plot_mark_t marks[] = {{"base", 3, 4, NULL}};
    dse_plot_panel_t p[3] = {
        {.title = "none", .x_label = "x", .y_label = "y", .note = "No network front: too big"},
        {.title = "baseline only", .x_label = "x", .y_label = "y", .n_marks = 1, .marks = marks},
        {.title = "nan", .x_label = "x", .y_label = "y", .n = 1, .x = nanv, .y = one},
    };
    s_doc_t d;
    if (s_render(p, 3, "t", &d, NULL))
        return;
    CHECK_INT(s_count(&d, "g", "panel", -1), 3);
    CHECK_INT(s_count(&d, "circle", "pt", -1), 0);
    CHECK_INT(s_count(&d, "path", "bl", 1), 1);
    const s_el_t *note = s_find(&d, "text", "note", 0);
    CHECK(note && strstr(note->text.buf, "too big"));
    char *cap = s_texts(&d, "caption", 2);
    CHECK(strstr(cap, "No front point") && strstr(cap, "1 point without a finite value"));
    free(cap);
    /* panels stack downwards */
    CHECK(strstr(s_attr(s_find(&d, "g", "panel", 2), "transform"), "translate(0,1000)"));
    s_doc_free(&d);
}

DSE_TEST(plot_large_front_is_sampled)
{
    size_t n = 3 * DSE_PLOT_MAX_POINTS + 7;
    double *x = dse_xmalloc(n * sizeof *x), *y = dse_xmalloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i;
        y[i] = (double)(n - i);
    }
    dse_plot_panel_t p = {.title = "big", .x_label = "x", .y_label = "y", .n = n, .x = x, .y = y};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL) == 0) {
        size_t c = s_count(&d, "circle", "pt", 0);
        CHECK(c <= DSE_PLOT_MAX_POINTS && c >= DSE_PLOT_MAX_POINTS / 2);
        char *cap = s_texts(&d, "caption", 0);
        CHECK(strstr(cap, "points drawn"));
        free(cap);
        s_doc_free(&d);
    }
    free(x);
    free(y);
}

DSE_TEST(plot_xml_checker_rejects)
{
    /* the reader the tests rely on does catch what a browser refuses */
    static const char *const bad[] = {
        "<svg><g></svg>",          "<svg>a & b</svg>",     "<svg x=1/>",
        "<svg x=\"<\"/>",          "<svg/><svg/>",         "<svg>&bogus;</svg>",
        "<svg x=\"1\" x=\"2\"/>",  "<svg><a></b></svg>",   "text<svg/>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_doc_t d;
        int rc = s_parse(bad[i], &d);
        if (rc == 0)
            dse__test_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
        s_doc_free(&d);
    }
    s_doc_t d;
    CHECK_INT(s_parse("<?xml version=\"1.0\"?>\n<svg a='&lt;&#65;'><t>x &amp; y</t></svg>\n", &d),
              0);
    CHECK(d.n == 2 && strcmp(d.el[0].val[0], "<A") == 0 && strcmp(d.el[1].text.buf, "x & y") == 0);
    s_doc_free(&d);
}

DSE_TEST(plot_layers_config)
{
    const char *text = "[job]\nname = \"p\"\nplot_layers = true\n[target]\nmodel = \"testfn\"\n"
                       "[workload]\n[[workload.layer]]\nname = \"a\"\nop = \"elementwise\"\n"
                       "in_shape = [1]\n";
    dse_job_t *job = NULL, *again = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_config_parse("t.toml", text, strlen(text), 0, &job, &err), 0);
    if (!job)
        return;
    CHECK_INT(job->plot_layers, 1);
    char *canon = dse_job_canonical(job);
    CHECK(strstr(canon, "\nplot_layers = true\n") != NULL);
    CHECK_INT(dse_config_parse("c", canon, strlen(canon), DSE_CONFIG_CANONICAL, &again, &err), 0);
    CHECK(again && again->plot_layers == 1);
    dse_job_destroy(&again);
    free(canon);
    dse_job_destroy(&job);
    const char *wrong = "[job]\nplot_layers = 1\n[target]\nmodel = \"testfn\"\n";
    CHECK(dse_config_parse("w.toml", wrong, strlen(wrong), 0, &job, &err) != 0);
    CHECK(strstr(err.msg, "plot_layers") != NULL);
}

/* dse_outputs_write on a small testfn job: with and without a network front. */
DSE_TEST(plot_outputs_write)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/plot-out", dse_test_tmpdir());
    dse_strbuf_t text = DSE_STRBUF_INIT;
    dse_strbuf_addf(&text, "[job]\nname = \"pw\"\noutput = \"%s\"\n[target]\nmodel = \"testfn\"\n"
                           "[workload]\n", dir);
    for (int l = 0; l < 2; l++)
        dse_strbuf_addf(&text, "[[workload.layer]]\nname = \"l%d<&>\"\nop = \"elementwise\"\n"
                               "in_shape = [1]\nn = 5\n", l);
    dse_strbuf_adds(&text, "[search]\nobjectives = [\"f1\", \"f2\"]\n");
    dse_job_t *job = NULL;
    dse_evaljob_t *ej = NULL;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_config_parse("pw.toml", text.buf, text.len, 0, &job, &err), 0);
    dse_strbuf_release(&text);
    if (!job || dse_evaljob_new(&job, &ej, &err) != 0) {
        dse__test_fail(__FILE__, __LINE__, "job: %s", err.msg);
        return;
    }
    dse_front_t *fronts[2];
    dse_counters_t cnt[2] = {{0}};
    for (size_t l = 0; l < 2; l++) {
        fronts[l] = dse_evaljob_front_new(ej);
        CHECK_INT(dse_eval_points(ej, l, 0, ej->job->layers[l].space->size, NULL, 0, fronts[l],
                                  NULL, &cnt[l], NULL), 0);
    }
    dse_run_stats_t st = {.per_layer = cnt};
    char path[600];
    snprintf(path, sizeof path, "%s/pareto.svg", dir);
    for (int with_nf = 0; with_nf < 2; with_nf++) {
        dse_netfront_t *nf = NULL;
        if (with_nf)
            CHECK_INT(dse_outputs_compose(ej, fronts, NULL, &nf, &err), 0);
        CHECK_INT(dse_outputs_write(ej, fronts, nf, with_nf ? NULL : "too large & so on", NULL,
                                    &st, NULL, &err), 0);
        char *svg = NULL;
        size_t len = 0;
        s_doc_t d;
        memset(&d, 0, sizeof d);
        if (dse_read_file(path, &svg, &len, &err) == 0 && s_parse(svg, &d) == 0) {
            size_t nn = nf ? dse_netfront_size(nf) : 0;
            /* no network front: the layers follow, each with all its points */
            CHECK_INT(s_count(&d, "g", "panel", -1), with_nf ? 1 : 3);
            CHECK_INT(s_count(&d, "circle", "pt", 0), nn);
            CHECK(!with_nf || nn > 1);
            for (int l = 0; !with_nf && l < 2; l++)
                CHECK_INT(s_count(&d, "circle", "pt", 1 + l), dse_front_size(fronts[l]));
            char *note = s_texts(&d, "note", 0);
            CHECK(with_nf ? !note[0] : strstr(note, "No network front: too large & so on") != NULL);
            free(note);
            char *t = s_texts(&d, "title", 1);
            CHECK(with_nf || strcmp(t, "pw: layer l0<&>, front of 5 points") == 0);
            free(t);
            s_doc_free(&d);
        } else {
            dse__test_fail(__FILE__, __LINE__, "pareto.svg: %s %s", err.msg, d.error);
        }
        free(svg);
        dse_netfront_destroy(&nf);
    }
    for (size_t l = 0; l < 2; l++)
        dse_front_destroy(&fronts[l]);
    dse_evaljob_destroy(&ej);
}

DSE_TEST(plot_log_axis)
{
    /* x spans five decades: logarithmic; y stays linear */
    double x[] = {20, 3e3, 4e6}, y[] = {3, 2, 1};
    dse_plot_panel_t p = {.title = "log", .x_label = "cycles", .y_label = "lut", .n = 3, .x = x,
                          .y = y};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_check_points(&d, 0, x, y, 3), 3);
    char *xl = s_texts(&d, "xlabel", 0), *yl = s_texts(&d, "ylabel", 0);
    CHECK(strstr(xl, "log scale") && !strstr(yl, "log scale"));
    free(xl);
    free(yl);
    /* from the 1-2-5 values around the range, decades between */
    const char *want[] = {"20", "100", "1k", "10k", "100k", "1M", "5M"};
    size_t k = 0;
    double tx[8];
    for (size_t i = 0; i < d.n; i++) {
        const s_el_t *e = &d.el[i];
        if (strcmp(e->name, "text") || e->parent < 0 || !s_is(&d.el[e->parent], "g", "xticks"))
            continue;
        CHECK(k < 7 && strcmp(e->text.buf, want[k]) == 0);
        if (k < 8)
            tx[k] = s_num_attr(e, "x");
        if (k >= 3 && k <= 5) /* decades evenly spaced */
            CHECK(fabs((tx[k] - tx[k - 1]) - (tx[k - 1] - tx[k - 2])) < 0.2);
        k++;
    }
    CHECK_INT(k, 7);
    /* the middle point sits between the outer ones in proportion to its log */
    double cx[3];
    size_t n = 0;
    for (size_t i = 0; i < d.n && n < 3; i++)
        if (s_is(&d.el[i], "circle", "pt"))
            cx[n++] = s_num_attr(&d.el[i], "cx");
    double want_frac = (log10(3e3) - log10(20)) / (log10(4e6) - log10(20));
    CHECK(n == 3 && fabs((cx[1] - cx[0]) / (cx[2] - cx[0]) - want_frac) < 0.01);
    s_doc_free(&d);
}

/* A baseline far from the front (the VWW case: 144 KB of L1 against a
 * front under 16 KB) does not set the axis: the front fills the plot and
 * the baseline sits on the edge with an arrow and its value. A near one
 * still widens the axis and is drawn where it lies. */
DSE_TEST(plot_far_baseline_at_edge)
{
    double x[] = {1e6, 2e6, 3e6, 4e6};
    double y[] = {16e3, 12e3, 9e3, 8e3};
    dse_plot_mark_t marks[] = {{"deeploy", 2.5e6, 144e3, NULL}, {"near", 4.5e6, 15e3, NULL}};
    dse_plot_panel_t p = {.title = "vww", .x_label = "cycles", .y_label = "l1_bytes", .n = 4,
                          .x = x, .y = y, .n_marks = 2, .marks = marks};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_check_points(&d, 0, x, y, 4), 4);
    CHECK_INT(s_count(&d, "path", "bl", 0), 1);
    CHECK_INT(s_count(&d, "path", "bl-out", 0), 1);
    CHECK_INT(s_count(&d, "path", "bl-arrow", 0), 1);
    char *v = s_texts(&d, "bl-value", 0);
    CHECK(strstr(v, "deeploy") && strstr(v, "144k"));
    free(v);
    const s_el_t *area = s_find(&d, "rect", "plot-area", 0);
    const s_el_t *out = s_find(&d, "path", "bl-out", 0);
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < d.n; i++)
        if (s_is(&d.el[i], "circle", "pt")) {
            double cy = s_num_attr(&d.el[i], "cy");
            ymin = fmin(ymin, cy);
            ymax = fmax(ymax, cy);
        }
    if (area && out) {
        double ay0 = s_num_attr(area, "y"), h = s_num_attr(area, "height");
        /* the front spans most of the height, not its bottom tenth */
        CHECK(ymax - ymin > 0.6 * h);
        double cx, cy;
        s_marker_centre(out, &cx, &cy);
        CHECK(cy == ay0); /* on the top edge: the baseline lies above */
    }
    char *cap = s_texts(&d, "caption", 0);
    CHECK(strstr(cap, "1 baseline far outside the front is drawn at the edge"));
    free(cap);
    s_doc_free(&d);
}

/* The knee of a two-objective staircase is ringed: the point farthest
 * below the chord between its ends, on normalised axes. */
DSE_TEST(plot_knee)
{
    double x[] = {0, 1, 3, 10};
    double y[] = {10, 2, 1.5, 0};
    dse_plot_panel_t p = {.title = "knee", .x_label = "a", .y_label = "b", .n = 4, .x = x,
                          .y = y, .knee = 1};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_count(&d, "circle", "knee", 0), 1);
    const s_el_t *k = s_find(&d, "circle", "knee", 0);
    /* point 1 (x = 1) is the second from the left */
    const s_el_t *pt1 = NULL, *pts[4];
    size_t np = 0;
    for (size_t i = 0; i < d.n && np < 4; i++)
        if (s_is(&d.el[i], "circle", "pt"))
            pts[np++] = &d.el[i];
    CHECK_INT(np, 4);
    for (size_t i = 0; i < np; i++) {
        size_t left = 0;
        for (size_t j = 0; j < np; j++)
            left += s_num_attr(pts[j], "cx") < s_num_attr(pts[i], "cx");
        if (left == 1)
            pt1 = pts[i];
    }
    CHECK(k && pt1);
    if (k && pt1) {
        CHECK(s_num_attr(k, "cx") == s_num_attr(pt1, "cx"));
        CHECK(s_num_attr(k, "cy") == s_num_attr(pt1, "cy"));
    }
    s_doc_free(&d);
    /* without the flag, or with fewer than three staircase points: no ring */
    p.knee = 0;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_count(&d, "circle", "knee", 0), 0);
    s_doc_free(&d);
}

/* Three or more objectives: a parallel-coordinates panel, one line per
 * point across one axis per objective. */
DSE_TEST(plot_parallel_coordinates)
{
    const char *labels[] = {"max_cycles", "lut", "prune"};
    int mx[] = {0, 0, 0};
    double v[] = {100, 5000, 0.5, 200, 3000, 0.25, 400, 1000, 0};
    dse_plot_panel_t p = {.title = "pc", .n = 3, .n_par = 3, .par_labels = labels,
                          .par_max = mx, .par = v};
    s_doc_t d;
    if (s_render(&p, 1, "t", &d, NULL))
        return;
    CHECK_INT(s_count(&d, "polyline", "pc", 0), 3);
    CHECK_INT(s_count(&d, "line", "paxis", 0), 3);
    char *l = s_texts(&d, "plabel", 0);
    CHECK(strstr(l, "max_cycles") && strstr(l, "lut") && strstr(l, "prune"));
    free(l);
    /* the first point is best on max_cycles: its line starts at the bottom */
    const s_el_t *first = s_find(&d, "polyline", "pc", 0);
    const s_el_t *area = s_find(&d, "rect", "plot-area", 0);
    if (first && area) {
        double x0, y0;
        CHECK(sscanf(s_attr(first, "points"), "%lf,%lf", &x0, &y0) == 2);
        CHECK(y0 == s_num_attr(area, "y") + s_num_attr(area, "height"));
    }
    s_doc_free(&d);
}
