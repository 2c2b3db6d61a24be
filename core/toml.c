/* toml.c - a TOML 1.0.0 parser (see toml.h).
 *
 * The input is first checked as a whole for what TOML forbids everywhere
 * (invalid UTF-8, NUL and other control characters, a CR without LF), so the
 * grammar below only deals with well-formed text. Then one recursive-descent
 * pass builds the tree.
 *
 * Redefinition rules are enforced with a "kind" on every table and array:
 *   implicit  created as a parent by a header ([a.b] creates a): a later [a]
 *             may define it once, or dotted keys (from [a]'s parent) may,
 *             which makes it a dotted table ("as long as a key hasn't been
 *             directly defined, you may still write to it", TOML 1.0 Keys);
 *   header    defined by [x] or an element of [[x]]: never defined again,
 *             dotted keys may not reach into it from elsewhere;
 *   dotted    created by a dotted key (a.b = 1 creates a): more dotted keys in
 *             the same table may extend it, headers may pass through it to
 *             create sub-tables but may not define it;
 *   inline    { ... }: closed, nothing may add to it;
 *   static    an array literal: [[x]] may not append to it;
 *   aot       an array of tables created by [[x]].
 * A dotted table can only be reached by dotted keys from the table that
 * holds it, and that table can only be the current one while its own header
 * section (or inline table) lasts, so these kinds are all the state needed.
 *
 * Positions: the parser works on byte offsets and turns them into line and
 * column (counted in characters) with a cursor that only moves forward in the
 * common case, so recording every position costs O(input) in total.
 *
 * Depth: arrays, tables and dotted-key levels count towards one nesting limit
 * (S_MAX_DEPTH), which bounds the recursion here and in every tree walk.
 */
#include "core/toml.h"

#include "core/util.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_DEPTH 256
/* Tables with this many keys or more get a hash index. */
#define S_INDEX_MIN 8

enum {
    S_K_NONE,
    S_K_IMPLICIT,
    S_K_HEADER,
    S_K_DOTTED,
    S_K_INLINE,
    S_K_STATIC,
    S_K_AOT
};

typedef struct {
    char *key; /* NUL-terminated, may hold NUL */
    size_t len;
    uint64_t hash;
    int line, col;
    dse_toml_value_t *val;
} s_entry_t;

struct dse_toml_value {
    dse_toml_type_t type;
    int kind;
    int line, col;
    union {
        struct {
            char *s; /* strings and the text of date-times */
            size_t len;
        } str;
        int64_t i;
        double f;
        bool b;
        struct {
            dse_toml_value_t **items;
            size_t n, cap;
        } arr;
        struct {
            s_entry_t *e;
            size_t n, cap;
            uint32_t *slots; /* entry index + 1, 0 = empty; NULL below S_INDEX_MIN */
            size_t nslots;   /* a power of two */
        } tab;
    } u;
};

/* A key part parsed from a (dotted) key: bytes at kb.buf + off. */
typedef struct {
    size_t off, len;
    int line, col;
} s_part_t;

typedef struct {
    const char *s;
    size_t n, i;
    dse_error_t *err;
    int failed;
    /* Position cursor: offset loc_off is at loc_line:loc_col. */
    size_t loc_off;
    int loc_line, loc_col;
    /* Key parts, used as a stack (nested inline tables push above). */
    dse_strbuf_t kb;
    s_part_t *parts;
    size_t nparts, parts_cap;
    dse_strbuf_t sb; /* string values being decoded */
    dse_toml_value_t *root;
} s_parser_t;

/* ---------------------------------------------------------------- values */

static dse_toml_value_t *s_new(dse_toml_type_t type, int kind, int line, int col)
{
    dse_toml_value_t *v = dse_xcalloc(1, sizeof *v);
    v->type = type;
    v->kind = kind;
    v->line = line;
    v->col = col;
    return v;
}

static void s_free(dse_toml_value_t *v)
{
    if (!v)
        return;
    switch (v->type) {
    case DSE_TOML_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++)
            s_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case DSE_TOML_TABLE:
        for (size_t i = 0; i < v->u.tab.n; i++) {
            free(v->u.tab.e[i].key);
            s_free(v->u.tab.e[i].val);
        }
        free(v->u.tab.e);
        free(v->u.tab.slots);
        break;
    case DSE_TOML_STRING:
    case DSE_TOML_DATETIME:
    case DSE_TOML_DATETIME_LOCAL:
    case DSE_TOML_DATE_LOCAL:
    case DSE_TOML_TIME_LOCAL:
        free(v->u.str.s);
        break;
    default:
        break;
    }
    free(v);
}

static uint64_t s_hash(const char *k, size_t len)
{
    return dse_hash64(k, len, 0x746f6d6cu);
}

static void s_index_put(dse_toml_value_t *t, size_t idx)
{
    size_t mask = t->u.tab.nslots - 1;
    size_t j = (size_t)t->u.tab.e[idx].hash & mask;
    while (t->u.tab.slots[j])
        j = (j + 1) & mask;
    t->u.tab.slots[j] = (uint32_t)(idx + 1);
}

static void s_index_rebuild(dse_toml_value_t *t, size_t nslots)
{
    free(t->u.tab.slots);
    t->u.tab.slots = dse_xcalloc(nslots, sizeof *t->u.tab.slots);
    t->u.tab.nslots = nslots;
    for (size_t i = 0; i < t->u.tab.n; i++)
        s_index_put(t, i);
}

static long s_find(const dse_toml_value_t *t, const char *k, size_t len, uint64_t h)
{
    if (!t->u.tab.slots) {
        for (size_t i = 0; i < t->u.tab.n; i++) {
            const s_entry_t *e = &t->u.tab.e[i];
            if (e->len == len && memcmp(e->key, k, len) == 0)
                return (long)i;
        }
        return -1;
    }
    size_t mask = t->u.tab.nslots - 1;
    for (size_t j = (size_t)h & mask; t->u.tab.slots[j]; j = (j + 1) & mask) {
        const s_entry_t *e = &t->u.tab.e[t->u.tab.slots[j] - 1];
        if (e->hash == h && e->len == len && memcmp(e->key, k, len) == 0)
            return (long)(t->u.tab.slots[j] - 1);
    }
    return -1;
}

/* Adds a key the caller has checked is absent; takes ownership of key and v. */
static void s_insert(dse_toml_value_t *t, char *key, size_t len, uint64_t h, int line, int col,
                     dse_toml_value_t *v)
{
    if (t->u.tab.n >= UINT32_MAX - 1) {
        fprintf(stderr, "toml: table too large\n");
        abort();
    }
    t->u.tab.e = dse_xgrow(t->u.tab.e, sizeof *t->u.tab.e, t->u.tab.n + 1, &t->u.tab.cap);
    s_entry_t *e = &t->u.tab.e[t->u.tab.n++];
    e->key = key;
    e->len = len;
    e->hash = h;
    e->line = line;
    e->col = col;
    e->val = v;
    if (t->u.tab.slots) {
        if (2 * t->u.tab.n > t->u.tab.nslots)
            s_index_rebuild(t, 2 * t->u.tab.nslots);
        else
            s_index_put(t, t->u.tab.n - 1);
    } else if (t->u.tab.n >= S_INDEX_MIN) {
        s_index_rebuild(t, 4 * S_INDEX_MIN);
    }
}

static void s_push(dse_toml_value_t *a, dse_toml_value_t *v)
{
    a->u.arr.items = dse_xgrow(a->u.arr.items, sizeof *a->u.arr.items, a->u.arr.n + 1, &a->u.arr.cap);
    a->u.arr.items[a->u.arr.n++] = v;
}

static char *s_memdup(const char *s, size_t len)
{
    char *d = dse_xmalloc(len + 1);
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* ------------------------------------------------------ errors, positions */

static void s_locate(s_parser_t *p, size_t off, int *line, int *col)
{
    if (off > p->n)
        off = p->n;
    if (off < p->loc_off) {
        p->loc_off = 0;
        p->loc_line = 1;
        p->loc_col = 1;
    }
    const unsigned char *s = (const unsigned char *)p->s;
    int l = p->loc_line, c = p->loc_col;
    for (size_t i = p->loc_off; i < off; i++) {
        if (s[i] == '\n') {
            if (l < INT_MAX)
                l++;
            c = 1;
        } else if ((s[i] & 0xC0) != 0x80 && c < INT_MAX) {
            c++;
        }
    }
    p->loc_off = off;
    p->loc_line = l;
    p->loc_col = c;
    *line = l;
    *col = c;
}

static int s_fail(s_parser_t *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(s_parser_t *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = 1;
    int line, col;
    s_locate(p, off, &line, &col);
    if (p->err) {
        va_list ap;
        va_start(ap, fmt);
        dse_error_vset(p->err, DSE_EPARSE, NULL, line, col, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int s_fail_at(s_parser_t *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Like s_fail, at a position already located (a key seen earlier). */
static int s_fail_at(s_parser_t *p, int line, int col, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = 1;
    if (p->err) {
        va_list ap;
        va_start(ap, fmt);
        dse_error_vset(p->err, DSE_EPARSE, NULL, line, col, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Writes a key for a message: control characters escaped, long keys cut. */
static void s_show(char *buf, size_t size, const char *k, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < size; i++) {
        unsigned char c = (unsigned char)k[i];
        if (i >= 60) {
            o += (size_t)snprintf(buf + o, size - o, "...");
            break;
        }
        if (c < 0x20 || c == 0x7F || c == '\'' || c == '\\')
            o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = '\0';
}

/* The dotted path of key parts [base, upto], for messages. */
static void s_show_path(s_parser_t *p, size_t base, size_t upto, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = base; k <= upto && o + 4 < size; k++) {
        if (k > base)
            buf[o++] = '.';
        s_show(buf + o, size - o, p->kb.buf + p->parts[k].off, p->parts[k].len);
        o += strlen(buf + o);
    }
    buf[o] = '\0';
}

static const char *s_article(dse_toml_type_t t)
{
    return (t == DSE_TOML_INTEGER || t == DSE_TOML_ARRAY || t == DSE_TOML_DATETIME) ? "an" : "a";
}

/* ------------------------------------------------------- input checking */

/* Rejects what TOML allows nowhere: invalid UTF-8, control characters other
 * than tab, LF and the CR of a CRLF. */
static int s_check_text(s_parser_t *p)
{
    const unsigned char *s = (const unsigned char *)p->s;
    size_t n = p->n;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c == 0)
                return s_fail(p, i, "NUL byte in the document");
            if (c == '\r' && (i + 1 >= n || s[i + 1] != '\n'))
                return s_fail(p, i, "carriage return not followed by a line feed");
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
                return s_fail(p, i,
                              "control character U+%04X is not allowed in a TOML document "
                              "(inside a basic string, write it as an escape)",
                              c);
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return s_fail(p, i, "invalid UTF-8 (byte 0x%02X)", c);
        }
        if (i + need >= n)
            return s_fail(p, i, "invalid UTF-8 (truncated sequence at the end)");
        for (size_t k = 1; k <= need; k++) {
            unsigned char d = s[i + k];
            unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
            if (d < l || d > h)
                return s_fail(p, i, "invalid UTF-8 (byte 0x%02X followed by 0x%02X)", c, d);
        }
        i += need + 1;
    }
    return 0;
}

/* ------------------------------------------------------------- lexing */

static int s_is_bare(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static int s_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Characters of numbers, booleans and date-times. */
static int s_is_tok(unsigned char c)
{
    return s_is_bare(c) || c == '+' || c == '.' || c == ':';
}

static int s_peek(const s_parser_t *p, size_t k)
{
    return p->i + k < p->n ? (unsigned char)p->s[p->i + k] : -1;
}

static void s_ws(s_parser_t *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
        p->i++;
}

static void s_comment(s_parser_t *p)
{
    if (p->i < p->n && p->s[p->i] == '#') {
        while (p->i < p->n && p->s[p->i] != '\n' && p->s[p->i] != '\r')
            p->i++;
    }
}

/* Consumes one newline (LF or CRLF); returns whether there was one. */
static int s_newline(s_parser_t *p)
{
    if (s_peek(p, 0) == '\n') {
        p->i++;
        return 1;
    }
    if (s_peek(p, 0) == '\r' && s_peek(p, 1) == '\n') {
        p->i += 2;
        return 1;
    }
    return 0;
}

/* Whitespace, comments and newlines (inside arrays). */
static void s_ws_nl(s_parser_t *p)
{
    for (;;) {
        s_ws(p);
        s_comment(p);
        if (!s_newline(p))
            return;
    }
}

/* What was found instead of what was expected, for messages. */
static const char *s_found(s_parser_t *p, char *buf, size_t size)
{
    int c = s_peek(p, 0);
    if (c < 0)
        return "end of input";
    if (c == '\n' || c == '\r')
        return "end of line";
    if (c == '\t')
        return "a tab";
    if (c < 0x80 && c >= 0x20)
        snprintf(buf, size, "'%c'", c);
    else
        snprintf(buf, size, "a non-ASCII character");
    return buf;
}

/* ------------------------------------------------------------- strings */

static void s_utf8(dse_strbuf_t *sb, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    dse_strbuf_add(sb, b, n);
}

static int s_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An escape after the backslash at p->i (not the line-ending kind). */
static int s_escape(s_parser_t *p, dse_strbuf_t *out)
{
    size_t at = p->i;
    int c = s_peek(p, 1);
    const char *simple = NULL;
    switch (c) {
    case 'b': simple = "\b"; break;
    case 't': simple = "\t"; break;
    case 'n': simple = "\n"; break;
    case 'f': simple = "\f"; break;
    case 'r': simple = "\r"; break;
    case '"': simple = "\""; break;
    case '\\': simple = "\\"; break;
    default: break;
    }
    if (simple) {
        dse_strbuf_addc(out, simple[0]);
        p->i += 2;
        return 0;
    }
    if (c == 'u' || c == 'U') {
        int nd = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int k = 0; k < nd; k++) {
            int h = s_hexval(s_peek(p, (size_t)(2 + k)));
            if (h < 0)
                return s_fail(p, at, "invalid escape: '\\%c' needs %d hex digits", c, nd);
            cp = (cp << 4) | (uint32_t)h;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return s_fail(p, at, "invalid escape '\\%c%.*s': U+%X is not a Unicode scalar value",
                          c, nd, p->s + at + 2, (unsigned)cp);
        s_utf8(out, cp);
        p->i += 2 + (size_t)nd;
        return 0;
    }
    if (c < 0)
        return s_fail(p, at, "unterminated string");
    if (c > 0x20 && c < 0x7F)
        return s_fail(p, at, "invalid escape '\\%c'", c);
    return s_fail(p, at, "invalid escape: a backslash must be followed by one of "
                         "b t n f r \" \\ u U (or end the line in a multi-line string)");
}

/* Parses a string at p->i into out (appended). Multi-line strings are
 * refused when key is set. */
static int s_string(s_parser_t *p, dse_strbuf_t *out, int key)
{
    size_t start = p->i;
    char q = p->s[p->i];
    int ml = s_peek(p, 1) == q && s_peek(p, 2) == q;
    if (ml) {
        if (key)
            return s_fail(p, start, "a multi-line string cannot be a key");
        p->i += 3;
        s_newline(p); /* a newline right after the delimiter is not content */
        for (;;) {
            size_t run = p->i;
            while (p->i < p->n && p->s[p->i] != q && p->s[p->i] != '\r' &&
                   !(q == '"' && p->s[p->i] == '\\'))
                p->i++;
            dse_strbuf_add(out, p->s + run, p->i - run);
            if (p->i >= p->n)
                return s_fail(p, start, "unterminated multi-line string (no closing %c%c%c)", q,
                              q, q);
            char c = p->s[p->i];
            if (c == q) {
                size_t nq = 0;
                while (p->i + nq < p->n && p->s[p->i + nq] == q)
                    nq++;
                if (nq < 3) {
                    dse_strbuf_add(out, p->s + p->i, nq);
                    p->i += nq;
                    continue;
                }
                if (nq > 5)
                    return s_fail(p, p->i, "too many quotes at the end of a multi-line string");
                dse_strbuf_add(out, p->s + p->i, nq - 3);
                p->i += nq;
                return 0;
            }
            if (c == '\r') { /* always CRLF here: lone CR is rejected up front */
                dse_strbuf_addc(out, '\n');
                p->i += 2;
                continue;
            }
            /* backslash in a basic string: line-ending or an escape */
            size_t j = p->i + 1;
            while (j < p->n && (p->s[j] == ' ' || p->s[j] == '\t'))
                j++;
            if (j < p->n && (p->s[j] == '\n' || p->s[j] == '\r')) {
                while (j < p->n &&
                       (p->s[j] == ' ' || p->s[j] == '\t' || p->s[j] == '\n' || p->s[j] == '\r'))
                    j++;
                p->i = j;
                continue;
            }
            if (s_escape(p, out) < 0)
                return -1;
        }
    }
    p->i++;
    for (;;) {
        size_t run = p->i;
        while (p->i < p->n && p->s[p->i] != q && p->s[p->i] != '\n' && p->s[p->i] != '\r' &&
               !(q == '"' && p->s[p->i] == '\\'))
            p->i++;
        dse_strbuf_add(out, p->s + run, p->i - run);
        if (p->i >= p->n || p->s[p->i] == '\n' || p->s[p->i] == '\r')
            return s_fail(p, start,
                          "unterminated string (a %s string ends on its line; use %c%c%c for a "
                          "multi-line string)",
                          q == '"' ? "basic" : "literal", q, q, q);
        if (p->s[p->i] == q) {
            p->i++;
            return 0;
        }
        if (s_escape(p, out) < 0)
            return -1;
    }
}

/* ------------------------------------------------------------- keys */

/* Parses a (dotted) key at p->i, pushing its parts on the part stack. */
static int s_key(s_parser_t *p)
{
    for (;;) {
        int c = s_peek(p, 0);
        s_part_t part;
        part.off = p->kb.len;
        s_locate(p, p->i, &part.line, &part.col);
        if (c >= 0 && s_is_bare((unsigned char)c)) {
            size_t st = p->i;
            while (p->i < p->n && s_is_bare((unsigned char)p->s[p->i]))
                p->i++;
            dse_strbuf_add(&p->kb, p->s + st, p->i - st);
        } else if (c == '"' || c == '\'') {
            if (s_string(p, &p->kb, 1) < 0)
                return -1;
        } else {
            char fb[32];
            return s_fail(p, p->i, "expected a key, found %s", s_found(p, fb, sizeof fb));
        }
        part.len = p->kb.len - part.off;
        p->parts = dse_xgrow(p->parts, sizeof *p->parts, p->nparts + 1, &p->parts_cap);
        p->parts[p->nparts++] = part;
        s_ws(p);
        if (s_peek(p, 0) != '.')
            return 0;
        p->i++;
        s_ws(p);
    }
}

static void s_pop_parts(s_parser_t *p, size_t base)
{
    if (base < p->nparts) {
        p->kb.len = p->parts[base].off;
        if (p->kb.buf)
            p->kb.buf[p->kb.len] = '\0';
    }
    p->nparts = base;
}

static const char *s_part(const s_parser_t *p, size_t k)
{
    return p->kb.buf + p->parts[k].off;
}

/* ------------------------------------------------------------- scalars */

static int s_digits(const char *s, size_t n, size_t *i, int count, int *out)
{
    int v = 0;
    for (int k = 0; k < count; k++) {
        if (*i >= n || !s_is_digit((unsigned char)s[*i]))
            return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    *out = v;
    return 0;
}

static int s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A date-time token t[0..len) at offset off. */
static int s_datetime(s_parser_t *p, size_t off, const char *t, size_t len, dse_toml_value_t *v)
{
    size_t i = 0;
    int have_date = 0, have_time = 0, have_off = 0, need_time = 0;
    int y, mo, d, h, mi, sec;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    char show[80];
    s_show(show, sizeof show, t, len);
    if (len >= 5 && s_is_digit((unsigned char)t[0]) && t[4] == '-') {
        if (s_digits(t, len, &i, 4, &y) || i >= len || t[i++] != '-' ||
            s_digits(t, len, &i, 2, &mo) || i >= len || t[i++] != '-' ||
            s_digits(t, len, &i, 2, &d))
            goto bad;
        if (mo < 1 || mo > 12) {
            dse_strbuf_release(&sb);
            return s_fail(p, off, "invalid date '%s': month %d is not in 1..12", show, mo);
        }
        static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int maxd = mo == 2 && !s_leap(y) ? 28 : mdays[mo - 1];
        if (d < 1 || d > maxd) {
            dse_strbuf_release(&sb);
            return s_fail(p, off, "invalid date '%s': day %d is not in 1..%d for %04d-%02d",
                          show, d, maxd, y, mo);
        }
        dse_strbuf_add(&sb, t, 10);
        have_date = 1;
        if (i < len) {
            if (t[i] != 'T' && t[i] != 't' && t[i] != ' ')
                goto bad;
            i++;
            need_time = 1;
            dse_strbuf_addc(&sb, 'T');
        }
    }
    if (!have_date || need_time) {
        size_t ts = i;
        if (s_digits(t, len, &i, 2, &h) || i >= len || t[i++] != ':' ||
            s_digits(t, len, &i, 2, &mi))
            goto bad;
        if (i >= len || t[i] != ':') {
            dse_strbuf_release(&sb);
            return s_fail(p, off, "invalid time '%s': seconds are required (HH:MM:SS)", show);
        }
        i++;
        if (s_digits(t, len, &i, 2, &sec))
            goto bad;
        if (h > 23 || mi > 59 || sec > 60) {
            dse_strbuf_release(&sb);
            return s_fail(p, off, "invalid time '%s': %s out of range", show,
                          h > 23 ? "hour" : mi > 59 ? "minute" : "second");
        }
        if (i < len && t[i] == '.') {
            i++;
            if (i >= len || !s_is_digit((unsigned char)t[i]))
                goto bad;
            while (i < len && s_is_digit((unsigned char)t[i]))
                i++;
        }
        dse_strbuf_add(&sb, t + ts, i - ts);
        have_time = 1;
        if (have_date && i < len) {
            if (t[i] == 'Z' || t[i] == 'z') {
                i++;
                dse_strbuf_addc(&sb, 'Z');
            } else if (t[i] == '+' || t[i] == '-') {
                int oh, om;
                size_t os = i++;
                if (s_digits(t, len, &i, 2, &oh) || i >= len || t[i++] != ':' ||
                    s_digits(t, len, &i, 2, &om))
                    goto bad;
                if (oh > 23 || om > 59) {
                    dse_strbuf_release(&sb);
                    return s_fail(p, off, "invalid date-time '%s': offset out of range", show);
                }
                dse_strbuf_add(&sb, t + os, i - os);
            } else {
                goto bad;
            }
            have_off = 1;
        }
    }
    if (i != len)
        goto bad;
    v->type = have_off ? DSE_TOML_DATETIME
              : have_date && have_time ? DSE_TOML_DATETIME_LOCAL
              : have_date ? DSE_TOML_DATE_LOCAL
                          : DSE_TOML_TIME_LOCAL;
    v->u.str.s = dse_strbuf_detach(&sb, &v->u.str.len);
    return 0;
bad:
    dse_strbuf_release(&sb);
    return s_fail(p, off,
                  "invalid date-time '%s' (expected YYYY-MM-DD, HH:MM:SS[.frac] or "
                  "YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM])",
                  show);
}

/* Digits of base with single underscores between digits, from t[*i]. Returns
 * the number of digits, or -1 on a misplaced underscore. */
static long s_digit_run(const char *t, size_t len, size_t *i, int base)
{
    long nd = 0;
    int prev_digit = 0;
    while (*i < len) {
        int c = (unsigned char)t[*i];
        int dv = s_hexval(c);
        if (c == '_') {
            if (!prev_digit || *i + 1 >= len || s_hexval((unsigned char)t[*i + 1]) < 0 ||
                s_hexval((unsigned char)t[*i + 1]) >= base)
                return -1;
            prev_digit = 0;
        } else if (dv >= 0 && dv < base) {
            nd++;
            prev_digit = 1;
        } else {
            break;
        }
        (*i)++;
    }
    return nd;
}

static int s_number(s_parser_t *p, size_t off, const char *t, size_t len, dse_toml_value_t *v)
{
    char show[80];
    s_show(show, sizeof show, t, len);
    size_t i = 0;
    int neg = 0, sign = 0;
    if (t[0] == '+' || t[0] == '-') {
        neg = t[0] == '-';
        sign = 1;
        i++;
    }
    const char *r = t + i;
    size_t rl = len - i;
    if ((rl == 3 && memcmp(r, "inf", 3) == 0) || (rl == 3 && memcmp(r, "nan", 3) == 0)) {
        v->type = DSE_TOML_FLOAT;
        v->u.f = r[0] == 'i' ? (neg ? -INFINITY : INFINITY) : (neg ? -NAN : NAN);
        return 0;
    }
    if (rl >= 2 && r[0] == '0' && (r[1] == 'x' || r[1] == 'o' || r[1] == 'b')) {
        int base = r[1] == 'x' ? 16 : r[1] == 'o' ? 8 : 2;
        if (sign)
            return s_fail(p, off, "'%s': a sign is not allowed on hex, octal or binary integers",
                          show);
        i += 2;
        size_t ds = i;
        if (i >= len || s_hexval((unsigned char)t[i]) < 0 || s_hexval((unsigned char)t[i]) >= base)
            return s_fail(p, off, "invalid integer '%s': digits must follow the prefix", show);
        if (s_digit_run(t, len, &i, base) < 0)
            return s_fail(p, off, "invalid integer '%s': an underscore must sit between digits",
                          show);
        if (i != len)
            return s_fail(p, off, "invalid integer '%s'", show);
        uint64_t u = 0;
        for (size_t k = ds; k < len; k++) {
            if (t[k] == '_')
                continue;
            uint64_t dv = (uint64_t)s_hexval((unsigned char)t[k]);
            if (u > ((uint64_t)INT64_MAX - dv) / (uint64_t)base)
                return s_fail(p, off, "integer '%s' out of range (64-bit signed)", show);
            u = u * (uint64_t)base + dv;
        }
        v->type = DSE_TOML_INTEGER;
        v->u.i = (int64_t)u;
        return 0;
    }
    if (i >= len || !s_is_digit((unsigned char)t[i]))
        return s_fail(p, off, "invalid value '%s'", show);
    size_t is = i;
    long nint = s_digit_run(t, len, &i, 10);
    if (nint < 0)
        return s_fail(p, off, "invalid number '%s': an underscore must sit between digits", show);
    if (t[is] == '0' && i - is > 1)
        return s_fail(p, off, "invalid number '%s': leading zeros are not allowed", show);
    int is_float = 0;
    if (i < len && t[i] == '.') {
        i++;
        if (i >= len || !s_is_digit((unsigned char)t[i]))
            return s_fail(p, off, "invalid float '%s': a digit must follow the decimal point",
                          show);
        if (s_digit_run(t, len, &i, 10) < 0)
            return s_fail(p, off, "invalid float '%s': an underscore must sit between digits",
                          show);
        is_float = 1;
    }
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < len && (t[i] == '+' || t[i] == '-'))
            i++;
        if (i >= len || !s_is_digit((unsigned char)t[i]))
            return s_fail(p, off, "invalid float '%s': digits must follow the exponent mark",
                          show);
        if (s_digit_run(t, len, &i, 10) < 0)
            return s_fail(p, off, "invalid float '%s': an underscore must sit between digits",
                          show);
        is_float = 1;
    }
    if (i != len)
        return s_fail(p, off, "invalid %s '%s'", is_float ? "float" : "number", show);
    if (!is_float) {
        uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (size_t k = is; k < len; k++) {
            if (t[k] == '_')
                continue;
            uint64_t dv = (uint64_t)(t[k] - '0');
            if (u > (lim - dv) / 10)
                return s_fail(p, off, "integer '%s' out of range (64-bit signed)", show);
            u = u * 10 + dv;
        }
        v->type = DSE_TOML_INTEGER;
        v->u.i = neg ? (int64_t)(0 - u) : (int64_t)u;
        if (neg && u == (uint64_t)INT64_MAX + 1)
            v->u.i = INT64_MIN;
        return 0;
    }
    /* strtod on a copy without underscores (and in the C locale's format) */
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    for (size_t k = 0; k < len; k++)
        if (t[k] != '_')
            dse_strbuf_addc(&sb, t[k]);
    char *end;
    double f = strtod(sb.buf, &end);
    int ok = *end == '\0';
    dse_strbuf_release(&sb);
    if (!ok)
        return s_fail(p, off, "invalid float '%s'", show);
    /* beyond the double range strtod rounds to +-inf (underflow to 0), which
     * is what IEEE 754 rounding gives: the spec asks for binary64, so the
     * document stays valid */
    v->type = DSE_TOML_FLOAT;
    v->u.f = f;
    return 0;
}

/* ------------------------------------------------------------- values */

static int s_value(s_parser_t *p, int depth, dse_toml_value_t **out);
static int s_keyval(s_parser_t *p, dse_toml_value_t *t, int depth);

static int s_depth_fail(s_parser_t *p, size_t off)
{
    return s_fail(p, off, "nesting deeper than %d levels", S_MAX_DEPTH);
}

static int s_array(s_parser_t *p, int depth, dse_toml_value_t *a)
{
    size_t start = p->i;
    p->i++;
    for (;;) {
        s_ws_nl(p);
        if (s_peek(p, 0) == ']') {
            p->i++;
            return 0;
        }
        if (s_peek(p, 0) < 0)
            return s_fail(p, start, "unterminated array (no closing ']')");
        dse_toml_value_t *v;
        if (s_value(p, depth + 1, &v) < 0)
            return -1;
        s_push(a, v);
        s_ws_nl(p);
        int c = s_peek(p, 0);
        if (c == ',') {
            p->i++;
        } else if (c == ']') {
            p->i++;
            return 0;
        } else if (c < 0) {
            return s_fail(p, start, "unterminated array (no closing ']')");
        } else {
            char fb[32];
            return s_fail(p, p->i, "expected ',' or ']' in array, found %s",
                          s_found(p, fb, sizeof fb));
        }
    }
}

static int s_inline_table(s_parser_t *p, int depth, dse_toml_value_t *t)
{
    size_t start = p->i;
    p->i++;
    s_ws(p);
    if (s_peek(p, 0) == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        s_ws(p);
        if (s_peek(p, 0) == '}')
            return s_fail(p, p->i, "trailing comma not allowed in an inline table");
        if (s_keyval(p, t, depth) < 0)
            return -1;
        s_ws(p);
        int c = s_peek(p, 0);
        if (c == ',') {
            p->i++;
        } else if (c == '}') {
            p->i++;
            return 0;
        } else if (c == '\n' || c == '\r' || c == '#') {
            return s_fail(p, p->i, "an inline table must be on one line (no newline or comment "
                                   "before its closing '}')");
        } else if (c < 0) {
            return s_fail(p, start, "unterminated inline table (no closing '}')");
        } else {
            char fb[32];
            return s_fail(p, p->i, "expected ',' or '}' in inline table, found %s",
                          s_found(p, fb, sizeof fb));
        }
    }
}

static int s_value(s_parser_t *p, int depth, dse_toml_value_t **out)
{
    size_t start = p->i;
    int line, col;
    s_locate(p, start, &line, &col);
    int c = s_peek(p, 0);
    dse_toml_value_t *v;
    int rc;
    *out = NULL;
    if (c == '"' || c == '\'') {
        p->sb.len = 0;
        if (s_string(p, &p->sb, 0) < 0)
            return -1;
        v = s_new(DSE_TOML_STRING, S_K_NONE, line, col);
        v->u.str.s = s_memdup(p->sb.buf ? p->sb.buf : "", p->sb.len);
        v->u.str.len = p->sb.len;
        *out = v;
        return 0;
    }
    if (c == '[' || c == '{') {
        if (depth > S_MAX_DEPTH)
            return s_depth_fail(p, start);
        if (c == '[') {
            v = s_new(DSE_TOML_ARRAY, S_K_STATIC, line, col);
            rc = s_array(p, depth, v);
        } else {
            v = s_new(DSE_TOML_TABLE, S_K_INLINE, line, col);
            rc = s_inline_table(p, depth, v);
        }
        if (rc < 0) {
            s_free(v);
            return -1;
        }
        *out = v;
        return 0;
    }
    if (c < 0 || !s_is_tok((unsigned char)c)) {
        char fb[32];
        return s_fail(p, start, "expected a value, found %s", s_found(p, fb, sizeof fb));
    }
    while (p->i < p->n && s_is_tok((unsigned char)p->s[p->i]))
        p->i++;
    /* a local date followed by a space and a time: one date-time */
    const char *t = p->s + start;
    if (p->i - start == 10 && t[4] == '-' && t[7] == '-' && s_peek(p, 0) == ' ' &&
        s_peek(p, 1) >= 0 && s_is_digit((unsigned char)s_peek(p, 1))) {
        p->i++;
        while (p->i < p->n && s_is_tok((unsigned char)p->s[p->i]))
            p->i++;
    }
    size_t len = p->i - start;
    v = s_new(DSE_TOML_BOOL, S_K_NONE, line, col);
    if (len == 4 && memcmp(t, "true", 4) == 0) {
        v->u.b = true;
        rc = 0;
    } else if (len == 5 && memcmp(t, "false", 5) == 0) {
        v->u.b = false;
        rc = 0;
    } else if ((len >= 5 && s_is_digit((unsigned char)t[0]) && s_is_digit((unsigned char)t[1]) &&
                s_is_digit((unsigned char)t[2]) && s_is_digit((unsigned char)t[3]) &&
                t[4] == '-') ||
               (len >= 3 && s_is_digit((unsigned char)t[0]) && s_is_digit((unsigned char)t[1]) &&
                t[2] == ':')) {
        rc = s_datetime(p, start, t, len, v);
    } else {
        rc = s_number(p, start, t, len, v);
    }
    if (rc < 0) {
        v->type = DSE_TOML_BOOL; /* nothing allocated */
        s_free(v);
        return -1;
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------- structure */

/* key = value into table t (at depth depth): the key at p->i. */
static int s_keyval(s_parser_t *p, dse_toml_value_t *t, int depth)
{
    size_t base = p->nparts;
    char path[256], fb[32];
    if (s_key(p) < 0)
        return -1;
    if (s_peek(p, 0) != '=') {
        s_show_path(p, base, p->nparts - 1, path, sizeof path);
        s_pop_parts(p, base);
        return s_fail(p, p->i, "expected '=' after key '%s', found %s", path,
                      s_found(p, fb, sizeof fb));
    }
    p->i++;
    s_ws(p);
    size_t last = p->nparts - 1;
    for (size_t k = base; k < last; k++) {
        const char *key = s_part(p, k);
        size_t len = p->parts[k].len;
        uint64_t h = s_hash(key, len);
        long idx = s_find(t, key, len, h);
        depth++;
        if (idx < 0) {
            if (depth > S_MAX_DEPTH) {
                s_pop_parts(p, base);
                return s_depth_fail(p, p->i);
            }
            dse_toml_value_t *nt =
                s_new(DSE_TOML_TABLE, S_K_DOTTED, p->parts[k].line, p->parts[k].col);
            s_insert(t, s_memdup(key, len), len, h, p->parts[k].line, p->parts[k].col, nt);
            t = nt;
            continue;
        }
        const s_entry_t *e = &t->u.tab.e[idx];
        dse_toml_value_t *v = e->val;
        if (v->type == DSE_TOML_TABLE && (v->kind == S_K_DOTTED || v->kind == S_K_IMPLICIT)) {
            /* an implicit parent was never defined: the dotted key defines it
             * now, so a [header] for it later is a redefinition */
            v->kind = S_K_DOTTED;
            t = v;
            continue;
        }
        s_show_path(p, base, k, path, sizeof path);
        int kl = p->parts[k].line, kc = p->parts[k].col;
        s_pop_parts(p, base);
        if (v->type == DSE_TOML_ARRAY && v->kind == S_K_AOT)
            return s_fail_at(p, kl, kc,
                             "cannot add keys to array of tables '%s' (line %d) with a dotted key",
                             path, e->line);
        if (v->type != DSE_TOML_TABLE)
            return s_fail_at(p, kl, kc,
                             "key '%s' is already %s %s (line %d), it cannot hold more keys", path,
                             s_article(v->type), dse_toml_type_name(v->type), e->line);
        if (v->kind == S_K_INLINE)
            return s_fail_at(p, kl, kc,
                             "cannot add keys to inline table '%s' (line %d): inline tables are "
                             "complete as written",
                             path, e->line);
        return s_fail_at(p, kl, kc,
                         "cannot add keys to table '%s' with a dotted key: it was defined by a "
                         "[header] at line %d",
                         path, e->line);
    }
    const char *key = s_part(p, last);
    size_t len = p->parts[last].len;
    uint64_t h = s_hash(key, len);
    long idx = s_find(t, key, len, h);
    int kl = p->parts[last].line, kc = p->parts[last].col;
    if (idx >= 0) {
        s_show_path(p, base, last, path, sizeof path);
        int el = t->u.tab.e[idx].line;
        s_pop_parts(p, base);
        return s_fail_at(p, kl, kc, "duplicate key '%s' (first defined at line %d)", path, el);
    }
    char *owned = s_memdup(key, len);
    s_pop_parts(p, base);
    dse_toml_value_t *v;
    if (s_value(p, depth + 1, &v) < 0) {
        free(owned);
        return -1;
    }
    s_insert(t, owned, len, h, kl, kc, v);
    return 0;
}

/* A table header being resolved, one dotted part at a time. */
typedef struct {
    s_parser_t *p;
    size_t start;        /* the header's offset, for messages */
    int hl, hc;          /* its line and column */
    dse_toml_value_t *t; /* the table the part is looked up in */
    int depth;
    /* the part at hand and what its table holds under it */
    const char *key;
    size_t len;
    uint64_t h;
    int kl, kc;
    s_entry_t *e;
    dse_toml_value_t *v;
    char path[256]; /* the header up to this part, when v is set */
} s_hdr_t;

/* A part before the last: descends into (or creates) its table. */
static int s_header_descend(s_hdr_t *x)
{
    s_parser_t *p = x->p;
    dse_toml_value_t *v = x->v;
    if (!v) {
        if (++x->depth > S_MAX_DEPTH)
            return s_depth_fail(p, x->start);
        v = s_new(DSE_TOML_TABLE, S_K_IMPLICIT, x->kl, x->kc);
        s_insert(x->t, s_memdup(x->key, x->len), x->len, x->h, x->kl, x->kc, v);
        x->t = v;
    } else if (v->type == DSE_TOML_TABLE && v->kind != S_K_INLINE) {
        x->depth++;
        x->t = v;
    } else if (v->type == DSE_TOML_ARRAY && v->kind == S_K_AOT) {
        x->depth += 2;
        x->t = v->u.arr.items[v->u.arr.n - 1];
    } else if (v->type == DSE_TOML_TABLE) {
        return s_fail(p, x->start,
                      "cannot add to inline table '%s' (line %d): inline tables are "
                      "complete as written",
                      x->path, x->e->line);
    } else {
        return s_fail(p, x->start, "key '%s' is already %s %s (line %d), not a table", x->path,
                      s_article(v->type), dse_toml_type_name(v->type), x->e->line);
    }
    return 0;
}

/* The last part of [header]: defines its table. */
static int s_header_table(s_hdr_t *x, dse_toml_value_t **cur, int *cur_depth)
{
    s_parser_t *p = x->p;
    dse_toml_value_t *v = x->v;
    if (!v) {
        if (++x->depth > S_MAX_DEPTH)
            return s_depth_fail(p, x->start);
        v = s_new(DSE_TOML_TABLE, S_K_HEADER, x->hl, x->hc);
        s_insert(x->t, s_memdup(x->key, x->len), x->len, x->h, x->kl, x->kc, v);
    } else if (v->type == DSE_TOML_TABLE && v->kind == S_K_IMPLICIT) {
        x->depth++;
        v->kind = S_K_HEADER;
        v->line = x->hl;
        v->col = x->hc;
    } else if (v->type == DSE_TOML_TABLE) {
        return s_fail(p, x->start, "table '%s' already defined at line %d%s", x->path,
                      x->e->line,
                      v->kind == S_K_DOTTED   ? " (by dotted keys)"
                      : v->kind == S_K_INLINE ? " (as an inline table)"
                                              : "");
    } else if (v->type == DSE_TOML_ARRAY && v->kind == S_K_AOT) {
        return s_fail(p, x->start, "'%s' is an array of tables (line %d): add to it with [[%s]]",
                      x->path, x->e->line, x->path);
    } else {
        return s_fail(p, x->start, "key '%s' is already %s %s (line %d), not a table", x->path,
                      s_article(v->type), dse_toml_type_name(v->type), x->e->line);
    }
    *cur = v;
    *cur_depth = x->depth;
    return 0;
}

/* The last part of [[header]]: appends a table to its array. */
static int s_header_aot(s_hdr_t *x, dse_toml_value_t **cur, int *cur_depth)
{
    s_parser_t *p = x->p;
    dse_toml_value_t *v = x->v;
    if (!v) {
        if (x->depth + 2 > S_MAX_DEPTH)
            return s_depth_fail(p, x->start);
        v = s_new(DSE_TOML_ARRAY, S_K_AOT, x->hl, x->hc);
        s_insert(x->t, s_memdup(x->key, x->len), x->len, x->h, x->kl, x->kc, v);
    } else if (v->type == DSE_TOML_ARRAY && v->kind == S_K_AOT) {
        /* append below */
    } else if (v->type == DSE_TOML_ARRAY) {
        return s_fail(p, x->start,
                      "cannot append to array '%s' (line %d) with [[%s]]: it was written "
                      "as a value",
                      x->path, x->e->line, x->path);
    } else {
        return s_fail(p, x->start, "key '%s' is already %s %s (line %d), not an array of tables",
                      x->path, s_article(v->type), dse_toml_type_name(v->type), x->e->line);
    }
    dse_toml_value_t *el = s_new(DSE_TOML_TABLE, S_K_HEADER, x->hl, x->hc);
    s_push(v, el);
    *cur = el;
    *cur_depth = x->depth + 2;
    return 0;
}

/* [header] or [[header]] at p->i; sets *cur and *cur_depth. */
static int s_header(s_parser_t *p, dse_toml_value_t **cur, int *cur_depth)
{
    s_hdr_t x = {.p = p, .start = p->i, .t = p->root};
    char fb[32];
    s_locate(p, x.start, &x.hl, &x.hc);
    int aot = s_peek(p, 1) == '[';
    p->i += aot ? 2 : 1;
    s_ws(p);
    size_t base = p->nparts;
    if (s_key(p) < 0)
        return -1;
    if (s_peek(p, 0) != ']' || (aot && s_peek(p, 1) != ']')) {
        s_pop_parts(p, base);
        return s_fail(p, p->i, "expected '%s' to close the table header, found %s",
                      aot ? "]]" : "]", s_found(p, fb, sizeof fb));
    }
    p->i += aot ? 2 : 1;

    size_t last = p->nparts - 1;
    int rc = 0;
    for (size_t k = base; k <= last && rc == 0; k++) {
        x.key = s_part(p, k);
        x.len = p->parts[k].len;
        x.kl = p->parts[k].line, x.kc = p->parts[k].col;
        x.h = s_hash(x.key, x.len);
        long idx = s_find(x.t, x.key, x.len, x.h);
        x.e = idx >= 0 ? &x.t->u.tab.e[idx] : NULL;
        x.v = x.e ? x.e->val : NULL;
        if (x.v)
            s_show_path(p, base, k, x.path, sizeof x.path); /* for messages */
        if (k < last)
            rc = s_header_descend(&x);
        else if (!aot)
            rc = s_header_table(&x, cur, cur_depth);
        else
            rc = s_header_aot(&x, cur, cur_depth);
    }
    s_pop_parts(p, base);
    return rc;
}

/* After a header or key/value: only a comment may follow on the line. */
static int s_end_of_line(s_parser_t *p, const char *what)
{
    s_ws(p);
    s_comment(p);
    if (p->i >= p->n || s_newline(p))
        return 0;
    char fb[32];
    return s_fail(p, p->i, "expected a newline after %s, found %s", what,
                  s_found(p, fb, sizeof fb));
}

static int s_document(s_parser_t *p)
{
    dse_toml_value_t *cur = p->root;
    int cur_depth = 0;
    if (p->n >= 3 && memcmp(p->s, "\xEF\xBB\xBF", 3) == 0)
        p->i = 3;
    for (;;) {
        s_ws(p);
        s_comment(p);
        if (p->i >= p->n)
            return 0;
        if (s_newline(p))
            continue;
        if (p->s[p->i] == '[') {
            if (s_header(p, &cur, &cur_depth) < 0 || s_end_of_line(p, "the table header") < 0)
                return -1;
        } else {
            if (s_keyval(p, cur, cur_depth) < 0 || s_end_of_line(p, "the value") < 0)
                return -1;
        }
    }
}

/* ------------------------------------------------------------- public API */

dse_toml_value_t *dse_toml_parse(const char *data, size_t len, dse_error_t *err)
{
    s_parser_t p;
    memset(&p, 0, sizeof p);
    p.s = data ? data : "";
    p.n = data ? len : 0;
    p.err = err;
    p.loc_line = 1;
    p.loc_col = 1;
    dse_strbuf_init(&p.kb);
    dse_strbuf_init(&p.sb);
    p.root = s_new(DSE_TOML_TABLE, S_K_HEADER, 1, 1);
    int rc = s_check_text(&p);
    if (rc == 0)
        rc = s_document(&p);
    dse_strbuf_release(&p.kb);
    dse_strbuf_release(&p.sb);
    free(p.parts);
    if (rc < 0) {
        s_free(p.root);
        return NULL;
    }
    return p.root;
}

void dse_toml_destroy(dse_toml_value_t **root_p)
{
    if (!root_p || !*root_p)
        return;
    s_free(*root_p);
    *root_p = NULL;
}

const char *dse_toml_type_name(dse_toml_type_t type)
{
    switch (type) {
    case DSE_TOML_STRING: return "string";
    case DSE_TOML_INTEGER: return "integer";
    case DSE_TOML_FLOAT: return "float";
    case DSE_TOML_BOOL: return "boolean";
    case DSE_TOML_DATETIME: return "offset date-time";
    case DSE_TOML_DATETIME_LOCAL: return "local date-time";
    case DSE_TOML_DATE_LOCAL: return "local date";
    case DSE_TOML_TIME_LOCAL: return "local time";
    case DSE_TOML_ARRAY: return "array";
    case DSE_TOML_TABLE: return "table";
    }
    return "unknown";
}

dse_toml_type_t dse_toml_type(const dse_toml_value_t *v)
{
    assert(v);
    return v->type;
}

int dse_toml_line(const dse_toml_value_t *v)
{
    assert(v);
    return v->line;
}

int dse_toml_col(const dse_toml_value_t *v)
{
    assert(v);
    return v->col;
}

size_t dse_toml_table_size(const dse_toml_value_t *t)
{
    assert(t && t->type == DSE_TOML_TABLE);
    return t->u.tab.n;
}

static const s_entry_t *s_entry(const dse_toml_value_t *t, size_t i)
{
    assert(t && t->type == DSE_TOML_TABLE && i < t->u.tab.n);
    return &t->u.tab.e[i];
}

const char *dse_toml_table_key(const dse_toml_value_t *t, size_t i)
{
    return s_entry(t, i)->key;
}

size_t dse_toml_table_key_len(const dse_toml_value_t *t, size_t i)
{
    return s_entry(t, i)->len;
}

const dse_toml_value_t *dse_toml_table_value(const dse_toml_value_t *t, size_t i)
{
    return s_entry(t, i)->val;
}

int dse_toml_table_key_line(const dse_toml_value_t *t, size_t i)
{
    return s_entry(t, i)->line;
}

int dse_toml_table_key_col(const dse_toml_value_t *t, size_t i)
{
    return s_entry(t, i)->col;
}

long dse_toml_table_find(const dse_toml_value_t *t, const char *key)
{
    assert(t && t->type == DSE_TOML_TABLE && key);
    size_t len = strlen(key);
    return s_find(t, key, len, s_hash(key, len));
}

const dse_toml_value_t *dse_toml_table_get(const dse_toml_value_t *t, const char *key)
{
    long i = dse_toml_table_find(t, key);
    return i < 0 ? NULL : t->u.tab.e[i].val;
}

size_t dse_toml_array_size(const dse_toml_value_t *a)
{
    assert(a && a->type == DSE_TOML_ARRAY);
    return a->u.arr.n;
}

const dse_toml_value_t *dse_toml_array_get(const dse_toml_value_t *a, size_t i)
{
    assert(a && a->type == DSE_TOML_ARRAY && i < a->u.arr.n);
    return a->u.arr.items[i];
}

const char *dse_toml_string(const dse_toml_value_t *v, size_t *len)
{
    assert(v && v->type == DSE_TOML_STRING);
    if (len)
        *len = v->u.str.len;
    return v->u.str.s;
}

int64_t dse_toml_int(const dse_toml_value_t *v)
{
    assert(v && v->type == DSE_TOML_INTEGER);
    return v->u.i;
}

double dse_toml_float(const dse_toml_value_t *v)
{
    assert(v && v->type == DSE_TOML_FLOAT);
    return v->u.f;
}

bool dse_toml_bool(const dse_toml_value_t *v)
{
    assert(v && v->type == DSE_TOML_BOOL);
    return v->u.b;
}

const char *dse_toml_datetime(const dse_toml_value_t *v)
{
    assert(v && (v->type == DSE_TOML_DATETIME || v->type == DSE_TOML_DATETIME_LOCAL ||
                 v->type == DSE_TOML_DATE_LOCAL || v->type == DSE_TOML_TIME_LOCAL));
    return v->u.str.s;
}
