/* wire.c - message encoding (msgpack-c packer) and strict decoding (a
 * bounded cursor over the msgpack bytes; see wire.h for why and for the
 * body layouts).
 */
#include "core/wire.h"

#include <assert.h>
#include <msgpack.h>
#include <stdarg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const unsigned char dse_wire_signature[DSE_WIRE_SIG_LEN] = {'D', 'S', 'E', DSE_WIRE_VERSION};

/* ---- the commands: core/wire.h's DSE_WIRE_COMMANDS, each with its
 * encoder (of a view), decoder, release and view of a decoded message
 * (s_enc_NAME, s_dec_NAME, s_rel_NAME, s_view_NAME) ---- */

typedef struct s_cur s_cur_t;

typedef struct {
    const char *name;
    void (*encode)(msgpack_packer *pk, const dse_msg_view_t *msg);
    int (*decode)(s_cur_t *c, dse_msg_t *msg);
    void (*release)(dse_msg_t *msg);
    void (*view)(const dse_msg_t *msg, dse_msg_view_t *v);
} s_cmd_t;

#define S_DECLARE(NAME, num, member)                                           \
    static void s_enc_##member(msgpack_packer *pk, const dse_msg_view_t *msg); \
    static int s_dec_##member(s_cur_t *c, dse_msg_t *msg);                     \
    static void s_rel_##member(dse_msg_t *msg);                                \
    static void s_view_##member(const dse_msg_t *msg, dse_msg_view_t *v);
DSE_WIRE_COMMANDS(S_DECLARE)
#undef S_DECLARE

#define S_ENTRY(NAME, num, member) \
    [num] = {#NAME, s_enc_##member, s_dec_##member, s_rel_##member, s_view_##member},
static const s_cmd_t s_cmds[] = {DSE_WIRE_COMMANDS(S_ENTRY)};
#undef S_ENTRY

static const s_cmd_t *s_cmd(int cmd)
{
    if (cmd < 0 || (size_t)cmd >= sizeof s_cmds / sizeof s_cmds[0] || !s_cmds[cmd].name)
        return NULL;
    return &s_cmds[cmd];
}

const char *dse_wire_cmd_name(int cmd)
{
    const s_cmd_t *c = s_cmd(cmd);
    return c ? c->name : NULL;
}

/* ---- encoding ---- */

static int s_sb_write(void *data, const char *buf, size_t len)
{
    dse_strbuf_add(data, buf, len);
    return 0;
}

static void s_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s ? s : "", n);
}

static void s_pack_counters(msgpack_packer *pk, const dse_counters_t *c)
{
    size_t n_why = 0;
    for (size_t i = 0; i < DSE_WHY_SLOTS; i++)
        n_why += c->why.n[i] != 0;
    msgpack_pack_array(pk, n_why ? 5 : 4);
    msgpack_pack_uint64(pk, c->evaluated);
    msgpack_pack_uint64(pk, c->feasible);
    msgpack_pack_uint64(pk, c->infeasible);
    msgpack_pack_uint64(pk, c->skipped);
    if (!n_why)
        return;
    msgpack_pack_array(pk, n_why);
    for (size_t i = 0; i < DSE_WHY_SLOTS; i++) {
        if (!c->why.n[i])
            continue;
        msgpack_pack_array(pk, 3);
        msgpack_pack_uint32(pk, (uint32_t)i);
        msgpack_pack_uint64(pk, c->why.n[i]);
        msgpack_pack_double(pk, c->why.key[i]);
    }
}

static void s_pack_rows(msgpack_packer *pk, const dse_wire_rows_view_t *r)
{
    msgpack_pack_uint32(pk, r->width);
    if (r->front) {
        const dse_front_t *f = r->front;
        assert(dse_front_width(f) == r->width);
        msgpack_pack_array(pk, dse_front_size(f));
        for (size_t i = 0; i < dse_front_size(f); i++) {
            msgpack_pack_array(pk, 4);
            msgpack_pack_uint64(pk, dse_front_index(f, i));
            msgpack_pack_int64(pk, dse_front_cin(f, i));
            msgpack_pack_int64(pk, dse_front_cout(f, i));
            msgpack_pack_array(pk, r->width);
            const double *m = dse_front_row(f, i);
            for (uint32_t j = 0; j < r->width; j++)
                msgpack_pack_double(pk, m[j]);
        }
        return;
    }
    msgpack_pack_array(pk, r->n);
    for (size_t i = 0; i < r->n; i++) {
        msgpack_pack_array(pk, 4);
        msgpack_pack_uint64(pk, r->index[i]);
        msgpack_pack_int64(pk, r->cin[i]);
        msgpack_pack_int64(pk, r->cout[i]);
        msgpack_pack_array(pk, r->width);
        for (uint32_t j = 0; j < r->width; j++)
            msgpack_pack_double(pk, r->metrics[i * r->width + j]);
    }
}

static void s_enc_ready(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    const dse_msg_ready_view_t *m = &msg->ready;
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint32(pk, m->version);
    s_pack_str(pk, m->host);
    msgpack_pack_uint32(pk, m->threads);
    msgpack_pack_uint32(pk, m->credit);
    msgpack_pack_array(pk, m->n_caps);
    for (size_t i = 0; i < m->n_caps; i++)
        s_pack_str(pk, m->caps[i]);
}

static void s_enc_job(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 2);
    s_pack_str(pk, msg->job.digest);
    s_pack_str(pk, msg->job.config);
}

static void s_enc_work(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    const dse_msg_work_view_t *m = &msg->work;
    msgpack_pack_array(pk, 6);
    msgpack_pack_uint64(pk, m->unit);
    msgpack_pack_uint32(pk, m->epoch);
    s_pack_str(pk, m->digest);
    msgpack_pack_uint32(pk, m->layer);
    msgpack_pack_uint32(pk, m->kind);
    if (m->kind == DSE_WORK_RANGE) {
        msgpack_pack_array(pk, 2);
        msgpack_pack_uint64(pk, m->lo);
        msgpack_pack_uint64(pk, m->hi);
    } else if (m->kind == DSE_WORK_SHUFFLED) {
        msgpack_pack_array(pk, 3);
        msgpack_pack_uint64(pk, m->lo);
        msgpack_pack_uint64(pk, m->hi);
        msgpack_pack_uint64(pk, m->key);
    } else {
        msgpack_pack_array(pk, m->n_indices);
        for (size_t i = 0; i < m->n_indices; i++)
            msgpack_pack_uint64(pk, m->indices[i]);
    }
}

static void s_enc_result(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint64(pk, msg->result.unit);
    msgpack_pack_uint32(pk, msg->result.epoch);
    s_pack_counters(pk, &msg->result.counters);
    s_pack_rows(pk, &msg->result.rows);
}

static void s_enc_fail(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint64(pk, msg->fail.unit);
    msgpack_pack_uint32(pk, msg->fail.epoch);
    msgpack_pack_int32(pk, msg->fail.code);
    s_pack_str(pk, msg->fail.message);
}

static void s_enc_heartbeat(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, msg->heartbeat.evaluated);
    msgpack_pack_uint64(pk, msg->heartbeat.units_done);
    msgpack_pack_uint32(pk, msg->heartbeat.busy);
}

static void s_enc_disconnect(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    (void)pk, (void)msg; /* an empty body */
}

static void s_enc_submit(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 2);
    s_pack_str(pk, msg->submit.config);
    msgpack_pack_array(pk, 2);
    if (msg->submit.dump_all)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
    if (msg->submit.verbose)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}

static void s_enc_accept(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint64(pk, msg->accept.job);
    s_pack_str(pk, msg->accept.digest);
}

static void s_enc_progress(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    const dse_msg_progress_t *m = &msg->progress;
    msgpack_pack_array(pk, 9);
    msgpack_pack_uint64(pk, m->job);
    msgpack_pack_uint64(pk, m->evaluated);
    msgpack_pack_uint64(pk, m->total);
    msgpack_pack_uint32(pk, m->units_done);
    msgpack_pack_uint32(pk, m->units_total);
    msgpack_pack_uint32(pk, m->workers_alive);
    msgpack_pack_uint32(pk, m->reissued);
    msgpack_pack_double(pk, m->elapsed);
    msgpack_pack_double(pk, m->hv);
}

static void s_enc_layer_front(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 5);
    msgpack_pack_uint64(pk, msg->layer_front.job);
    msgpack_pack_uint32(pk, msg->layer_front.layer);
    s_pack_counters(pk, &msg->layer_front.counters);
    s_pack_rows(pk, &msg->layer_front.rows);
}

static void s_enc_done(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    const dse_msg_done_view_t *m = &msg->done;
    msgpack_pack_array(pk, 11);
    msgpack_pack_uint64(pk, m->job);
    s_pack_counters(pk, &m->counters);
    msgpack_pack_uint32(pk, m->units);
    msgpack_pack_uint32(pk, m->reissued);
    msgpack_pack_array(pk, m->n_quarantined);
    for (size_t i = 0; i < m->n_quarantined; i++) {
        const dse_quarantined_t *q = &m->quarantined[i];
        msgpack_pack_array(pk, 5);
        msgpack_pack_uint32(pk, q->layer);
        msgpack_pack_uint64(pk, q->lo);
        msgpack_pack_uint64(pk, q->hi);
        msgpack_pack_uint32(pk, q->attempts);
        s_pack_str(pk, q->error);
    }
    msgpack_pack_uint32(pk, m->workers_seen);
    msgpack_pack_double(pk, m->wall);
    msgpack_pack_uint64(pk, m->measured);
    msgpack_pack_uint64(pk, m->cached);
    msgpack_pack_array(pk, m->n_bad_workers);
    for (size_t i = 0; i < m->n_bad_workers; i++)
        s_pack_str(pk, m->bad_workers[i]);
    msgpack_pack_array(pk, m->n_verified);
    for (size_t i = 0; i < m->n_verified; i++) {
        const dse_wire_verified_t *v = &m->verified[i];
        msgpack_pack_array(pk, 9);
        msgpack_pack_uint32(pk, v->layer);
        msgpack_pack_uint64(pk, v->point);
        msgpack_pack_uint32(pk, v->status);
        s_pack_str(pk, v->first);
        s_pack_str(pk, v->second);
        s_pack_str(pk, v->metric);
        msgpack_pack_double(pk, v->a);
        msgpack_pack_double(pk, v->b);
        s_pack_str(pk, v->note);
    }
}

static void s_enc_error(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 1);
    s_pack_str(pk, msg->error.message);
}

static void s_enc_cancel(msgpack_packer *pk, const dse_msg_view_t *msg)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_uint64(pk, msg->cancel.job);
}

void dse_wire_encode_body(const dse_msg_view_t *msg, dse_strbuf_t *body)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, body, s_sb_write);
    const s_cmd_t *c = s_cmd(msg->cmd);
    assert(c && "dse_wire_encode_body: unknown command");
    c->encode(&pk, msg);
}

void dse_wire_encode(const dse_msg_view_t *msg, dse_strbuf_t *out)
{
    unsigned char cmd = (unsigned char)msg->cmd;
    dse_strbuf_add(out, dse_wire_signature, DSE_WIRE_SIG_LEN);
    dse_strbuf_add(out, &cmd, 1);
    dse_wire_encode_body(msg, out);
}

/* ---- decoding ---- */

static _Thread_local size_t s_max_alloc;

size_t dse__wire_max_alloc(int reset)
{
    size_t v = s_max_alloc;
    if (reset)
        s_max_alloc = 0;
    return v;
}

static void *s_alloc(size_t n, size_t elem)
{
    size_t bytes = (n ? n : 1) * elem;
    if (bytes > s_max_alloc)
        s_max_alloc = bytes;
    return dse_xcalloc(n ? n : 1, elem);
}

struct s_cur {
    const uint8_t *p, *end;
    const char *msg; /* message name for errors */
    dse_error_t *err;
};

static int s_fail(s_cur_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int s_fail(s_cur_t *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    dse_error_set(c->err, DSE_EPROTO, NULL, 0, 0, "%s: %s", c->msg, buf);
    return DSE_EPROTO;
}

static size_t s_left(const s_cur_t *c)
{
    return (size_t)(c->end - c->p);
}

static const char *s_type_name(uint8_t b)
{
    if (b <= 0x7f || (b >= 0xcc && b <= 0xd3) || b >= 0xe0)
        return "an integer";
    if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf)
        return "a map";
    if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd)
        return "an array";
    if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb))
        return "a string";
    if (b == 0xc0)
        return "nil";
    if (b == 0xc2 || b == 0xc3)
        return "a boolean";
    if (b == 0xca || b == 0xcb)
        return "a real";
    if (b >= 0xc4 && b <= 0xc6)
        return "binary";
    return "an extension";
}

/* Reads n big-endian bytes (the caller checked they exist). */
static uint64_t s_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static int s_need(s_cur_t *c, size_t n, const char *what)
{
    if (s_left(c) < n)
        return s_fail(c, "%s: truncated", what);
    return 0;
}

static int s_array(s_cur_t *c, size_t *n, const char *what)
{
    if (s_need(c, 1, what))
        return DSE_EPROTO;
    uint8_t b = *c->p;
    size_t hdr;
    uint64_t cnt;
    if (b >= 0x90 && b <= 0x9f) {
        hdr = 1;
        cnt = b & 0x0f;
    } else if (b == 0xdc || b == 0xdd) {
        hdr = b == 0xdc ? 3 : 5;
        if (s_need(c, hdr, what))
            return DSE_EPROTO;
        cnt = s_be(c->p + 1, hdr - 1);
    } else {
        return s_fail(c, "%s: expected an array, got %s", what, s_type_name(b));
    }
    c->p += hdr;
    /* every element takes at least one byte */
    if (cnt > s_left(c))
        return s_fail(c, "%s: %llu elements claimed, %zu bytes left", what,
                      (unsigned long long)cnt, s_left(c));
    *n = (size_t)cnt;
    return 0;
}

/* An array of exactly n elements. */
static int s_array_n(s_cur_t *c, size_t n, const char *what)
{
    size_t got;
    if (s_array(c, &got, what))
        return DSE_EPROTO;
    if (got != n)
        return s_fail(c, "%s: expected %zu fields, got %zu", what, n, got);
    return 0;
}

/* Any msgpack integer: *neg set when negative, *mag = value or -(value). */
static int s_int(s_cur_t *c, int *neg, uint64_t *u, int64_t *s, const char *what)
{
    if (s_need(c, 1, what))
        return DSE_EPROTO;
    uint8_t b = *c->p;
    if (b <= 0x7f) {
        c->p++;
        *neg = 0;
        *u = b;
        return 0;
    }
    if (b >= 0xe0) {
        c->p++;
        *neg = 1;
        *s = (int8_t)b;
        return 0;
    }
    if (b >= 0xcc && b <= 0xcf) {
        size_t n = (size_t)1 << (b - 0xcc);
        if (s_need(c, 1 + n, what))
            return DSE_EPROTO;
        *u = s_be(c->p + 1, n);
        *neg = 0;
        c->p += 1 + n;
        return 0;
    }
    if (b >= 0xd0 && b <= 0xd3) {
        size_t n = (size_t)1 << (b - 0xd0);
        if (s_need(c, 1 + n, what))
            return DSE_EPROTO;
        uint64_t raw = s_be(c->p + 1, n);
        int64_t v;
        if (n == 1)
            v = (int8_t)raw;
        else if (n == 2)
            v = (int16_t)raw;
        else if (n == 4)
            v = (int32_t)raw;
        else
            v = (int64_t)raw;
        c->p += 1 + n;
        if (v >= 0) {
            *neg = 0;
            *u = (uint64_t)v;
        } else {
            *neg = 1;
            *s = v;
        }
        return 0;
    }
    return s_fail(c, "%s: expected an integer, got %s", what, s_type_name(b));
}

static int s_u64(s_cur_t *c, uint64_t *v, const char *what)
{
    int neg;
    int64_t sv;
    if (s_int(c, &neg, v, &sv, what))
        return DSE_EPROTO;
    if (neg)
        return s_fail(c, "%s: negative value %lld", what, (long long)sv);
    return 0;
}

static int s_u32(s_cur_t *c, uint32_t *v, const char *what)
{
    uint64_t u;
    if (s_u64(c, &u, what))
        return DSE_EPROTO;
    if (u > UINT32_MAX)
        return s_fail(c, "%s: %llu does not fit 32 bits", what, (unsigned long long)u);
    *v = (uint32_t)u;
    return 0;
}

static int s_i64(s_cur_t *c, int64_t *v, const char *what)
{
    int neg;
    uint64_t u;
    if (s_int(c, &neg, &u, v, what))
        return DSE_EPROTO;
    if (!neg) {
        if (u > INT64_MAX)
            return s_fail(c, "%s: %llu does not fit a signed 64-bit integer", what,
                          (unsigned long long)u);
        *v = (int64_t)u;
    }
    return 0;
}

static int s_i32(s_cur_t *c, int32_t *v, const char *what)
{
    int64_t x;
    if (s_i64(c, &x, what))
        return DSE_EPROTO;
    if (x < INT32_MIN || x > INT32_MAX)
        return s_fail(c, "%s: %lld does not fit 32 bits", what, (long long)x);
    *v = (int32_t)x;
    return 0;
}

static int s_f64(s_cur_t *c, double *v, const char *what)
{
    if (s_need(c, 1, what))
        return DSE_EPROTO;
    uint8_t b = *c->p;
    if (b == 0xcb) {
        if (s_need(c, 9, what))
            return DSE_EPROTO;
        uint64_t raw = s_be(c->p + 1, 8);
        memcpy(v, &raw, sizeof *v);
        c->p += 9;
        return 0;
    }
    if (b == 0xca) {
        if (s_need(c, 5, what))
            return DSE_EPROTO;
        uint32_t raw = (uint32_t)s_be(c->p + 1, 4);
        float f;
        memcpy(&f, &raw, sizeof f);
        *v = f;
        c->p += 5;
        return 0;
    }
    return s_fail(c, "%s: expected a real, got %s", what, s_type_name(b));
}

static int s_bool(s_cur_t *c, int *v, const char *what)
{
    if (s_need(c, 1, what))
        return DSE_EPROTO;
    uint8_t b = *c->p;
    if (b != 0xc2 && b != 0xc3)
        return s_fail(c, "%s: expected a boolean, got %s", what, s_type_name(b));
    *v = b == 0xc3;
    c->p++;
    return 0;
}

/* A string of at most max bytes without NUL; *s is allocated (len + 1). */
static int s_str(s_cur_t *c, char **s, size_t max, const char *what)
{
    if (s_need(c, 1, what))
        return DSE_EPROTO;
    uint8_t b = *c->p;
    size_t hdr;
    uint64_t len;
    if (b >= 0xa0 && b <= 0xbf) {
        hdr = 1;
        len = b & 0x1f;
    } else if (b >= 0xd9 && b <= 0xdb) {
        size_t n = (size_t)1 << (b - 0xd9);
        hdr = 1 + n;
        if (s_need(c, hdr, what))
            return DSE_EPROTO;
        len = s_be(c->p + 1, n);
    } else {
        return s_fail(c, "%s: expected a string, got %s", what, s_type_name(b));
    }
    if (len > max)
        return s_fail(c, "%s: string of %llu bytes, at most %zu allowed", what,
                      (unsigned long long)len, max);
    if (len > s_left(c) - hdr)
        return s_fail(c, "%s: string of %llu bytes, %zu bytes left", what,
                      (unsigned long long)len, s_left(c) - hdr);
    const uint8_t *src = c->p + hdr;
    if (memchr(src, 0, (size_t)len))
        return s_fail(c, "%s: string contains a NUL byte", what);
    char *out = s_alloc((size_t)len + 1, 1);
    memcpy(out, src, (size_t)len);
    out[len] = '\0';
    c->p += hdr + len;
    *s = out;
    return 0;
}

static int s_digest(s_cur_t *c, char **s, const char *what)
{
    if (s_str(c, s, DSE_WIRE_MAX_DIGEST, what))
        return DSE_EPROTO;
    size_t n = strlen(*s);
    int ok = n > 0;
    for (size_t i = 0; i < n && ok; i++)
        ok = ((*s)[i] >= '0' && (*s)[i] <= '9') || ((*s)[i] >= 'a' && (*s)[i] <= 'f');
    if (!ok) {
        free(*s);
        *s = NULL;
        return s_fail(c, "%s: not a lowercase hex digest", what);
    }
    return 0;
}

static int s_counters(s_cur_t *c, dse_counters_t *k)
{
    size_t n;
    memset(&k->why, 0, sizeof k->why);
    if (s_array(c, &n, "counters"))
        return DSE_EPROTO;
    if (n != 4 && n != 5)
        return s_fail(c, "counters: expected 4 or 5 fields, got %zu", n);
    if (s_u64(c, &k->evaluated, "counters: evaluated") ||
        s_u64(c, &k->feasible, "counters: feasible") ||
        s_u64(c, &k->infeasible, "counters: infeasible") ||
        s_u64(c, &k->skipped, "counters: skipped"))
        return DSE_EPROTO;
    if (n == 4)
        return 0;
    size_t m;
    if (s_array(c, &m, "counters: why"))
        return DSE_EPROTO;
    if (m > DSE_WHY_SLOTS)
        return s_fail(c, "counters: why: %zu slots, at most %d", m, DSE_WHY_SLOTS);
    for (size_t i = 0; i < m; i++) {
        uint32_t slot;
        uint64_t pts;
        double key;
        if (s_array_n(c, 3, "counters: why") || s_u32(c, &slot, "counters: why: slot") ||
            s_u64(c, &pts, "counters: why: points") || s_f64(c, &key, "counters: why: key"))
            return DSE_EPROTO;
        if (slot >= DSE_WHY_SLOTS || pts == 0 || k->why.n[slot])
            return s_fail(c, "counters: why: bad or repeated slot %u", slot);
        k->why.n[slot] = pts;
        k->why.key[slot] = key;
    }
    return 0;
}

static void s_rows_release(dse_wire_rows_t *r)
{
    free(r->index);
    free(r->cin);
    free(r->cout);
    free(r->metrics);
    memset(r, 0, sizeof *r);
}

static int s_rows(s_cur_t *c, dse_wire_rows_t *r)
{
    if (s_u32(c, &r->width, "width"))
        return DSE_EPROTO;
    if (r->width > DSE_WIRE_MAX_WIDTH)
        return s_fail(c, "width %u exceeds %u", r->width, DSE_WIRE_MAX_WIDTH);
    size_t n;
    if (s_array(c, &n, "rows"))
        return DSE_EPROTO;
    if (n > DSE_WIRE_MAX_ROWS)
        return s_fail(c, "%zu rows exceed %u", n, DSE_WIRE_MAX_ROWS);
    /* the smallest row: 2 array headers, 3 one-byte integers, width float32 */
    size_t min_row = 5 + 5 * (size_t)r->width;
    if (n > s_left(c) / min_row)
        return s_fail(c, "%zu rows of %u metrics cannot fit in %zu bytes", n, r->width,
                      s_left(c));
    r->index = s_alloc(n, sizeof *r->index);
    r->cin = s_alloc(n, sizeof *r->cin);
    r->cout = s_alloc(n, sizeof *r->cout);
    r->metrics = s_alloc(n * r->width, sizeof *r->metrics);
    r->n = n;
    char what[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(what, sizeof what, "row %zu", i);
        size_t m;
        if (s_array_n(c, 4, what) || s_u64(c, &r->index[i], what) || s_i64(c, &r->cin[i], what) ||
            s_i64(c, &r->cout[i], what) || s_array(c, &m, what))
            return DSE_EPROTO;
        if (m != r->width)
            return s_fail(c, "row %zu: expected %u metrics, got %zu", i, r->width, m);
        for (size_t j = 0; j < m; j++) {
            if (s_f64(c, &r->metrics[i * r->width + j], what))
                return DSE_EPROTO;
            /* a feasible point has finite metrics: NaN or infinity is a
             * forged or broken row, and would win or poison every front */
            if (!isfinite(r->metrics[i * r->width + j]))
                return s_fail(c, "row %zu: metric %zu is not finite", i, j);
        }
    }
    return 0;
}

static int s_dec_ready(s_cur_t *c, dse_msg_t *msg)
{
    dse_msg_ready_t *m = &msg->ready;
    size_t n;
    if (s_array_n(c, 5, "body") || s_u32(c, &m->version, "version") ||
        s_str(c, &m->host, DSE_WIRE_MAX_HOST, "host") ||
        s_u32(c, &m->threads, "threads") || s_u32(c, &m->credit, "credit") ||
        s_array(c, &n, "capabilities"))
        return DSE_EPROTO;
    if (n > DSE_WIRE_MAX_CAPS)
        return s_fail(c, "%zu capabilities exceed %d", n, DSE_WIRE_MAX_CAPS);
    m->caps = s_alloc(n, sizeof *m->caps);
    m->n_caps = n;
    for (size_t i = 0; i < n; i++)
        if (s_str(c, &m->caps[i], DSE_WIRE_MAX_TEXT, "capability"))
            return DSE_EPROTO;
    return 0;
}

static int s_dec_job(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 2, "body") || s_digest(c, &msg->job.digest, "digest") ||
                   s_str(c, &msg->job.config, DSE_WIRE_MAX_CONFIG, "config")
               ? DSE_EPROTO
               : 0;
}

static int s_dec_work(s_cur_t *c, dse_msg_t *msg)
{
    dse_msg_work_t *m = &msg->work;
    if (s_array_n(c, 6, "body") || s_u64(c, &m->unit, "unit") ||
        s_u32(c, &m->epoch, "epoch") || s_digest(c, &m->digest, "digest") ||
        s_u32(c, &m->layer, "layer") || s_u32(c, &m->kind, "kind"))
        return DSE_EPROTO;
    if (m->kind == DSE_WORK_RANGE) {
        if (s_array_n(c, 2, "range") || s_u64(c, &m->lo, "range: lo") ||
            s_u64(c, &m->hi, "range: hi"))
            return DSE_EPROTO;
        if (m->lo > m->hi)
            return s_fail(c, "range: lo %llu > hi %llu", (unsigned long long)m->lo,
                          (unsigned long long)m->hi);
        return 0;
    }
    if (m->kind == DSE_WORK_SHUFFLED) {
        if (s_array_n(c, 3, "positions") || s_u64(c, &m->lo, "positions: lo") ||
            s_u64(c, &m->hi, "positions: hi") || s_u64(c, &m->key, "positions: key"))
            return DSE_EPROTO;
        if (m->lo > m->hi)
            return s_fail(c, "positions: lo %llu > hi %llu", (unsigned long long)m->lo,
                          (unsigned long long)m->hi);
        return 0;
    }
    if (m->kind != DSE_WORK_LIST)
        return s_fail(c, "kind: unknown kind %u", m->kind);
    size_t n;
    if (s_array(c, &n, "indices"))
        return DSE_EPROTO;
    if (n > DSE_WIRE_MAX_INDICES)
        return s_fail(c, "%zu indices exceed %u", n, DSE_WIRE_MAX_INDICES);
    m->indices = s_alloc(n, sizeof *m->indices);
    m->n_indices = n;
    for (size_t i = 0; i < n; i++)
        if (s_u64(c, &m->indices[i], "index"))
            return DSE_EPROTO;
    return 0;
}

static int s_dec_result(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 5, "body") || s_u64(c, &msg->result.unit, "unit") ||
                   s_u32(c, &msg->result.epoch, "epoch") ||
                   s_counters(c, &msg->result.counters) || s_rows(c, &msg->result.rows)
               ? DSE_EPROTO
               : 0;
}

static int s_dec_fail(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 4, "body") || s_u64(c, &msg->fail.unit, "unit") ||
                   s_u32(c, &msg->fail.epoch, "epoch") || s_i32(c, &msg->fail.code, "code") ||
                   s_str(c, &msg->fail.message, DSE_WIRE_MAX_TEXT, "message")
               ? DSE_EPROTO
               : 0;
}

static int s_dec_heartbeat(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 3, "body") || s_u64(c, &msg->heartbeat.evaluated, "evaluated") ||
                   s_u64(c, &msg->heartbeat.units_done, "units_done") ||
                   s_u32(c, &msg->heartbeat.busy, "busy")
               ? DSE_EPROTO
               : 0;
}

static int s_dec_disconnect(s_cur_t *c, dse_msg_t *msg)
{
    (void)c, (void)msg;
    return 0;
}

static int s_dec_submit(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 2, "body") ||
                   s_str(c, &msg->submit.config, DSE_WIRE_MAX_CONFIG, "config") ||
                   s_array_n(c, 2, "options") ||
                   s_bool(c, &msg->submit.dump_all, "options: dump_all") ||
                   s_bool(c, &msg->submit.verbose, "options: verbose")
               ? DSE_EPROTO
               : 0;
}

static int s_dec_accept(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 2, "body") || s_u64(c, &msg->accept.job, "job") ||
                   s_digest(c, &msg->accept.digest, "digest")
               ? DSE_EPROTO
               : 0;
}

static int s_dec_progress(s_cur_t *c, dse_msg_t *msg)
{
    dse_msg_progress_t *m = &msg->progress;
    return s_array_n(c, 9, "body") || s_u64(c, &m->job, "job") ||
                   s_u64(c, &m->evaluated, "evaluated") || s_u64(c, &m->total, "total") ||
                   s_u32(c, &m->units_done, "units_done") ||
                   s_u32(c, &m->units_total, "units_total") ||
                   s_u32(c, &m->workers_alive, "workers_alive") ||
                   s_u32(c, &m->reissued, "reissued") || s_f64(c, &m->elapsed, "elapsed") ||
                   s_f64(c, &m->hv, "hv")
               ? DSE_EPROTO
               : 0;
}

static int s_dec_layer_front(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 5, "body") || s_u64(c, &msg->layer_front.job, "job") ||
                   s_u32(c, &msg->layer_front.layer, "layer") ||
                   s_counters(c, &msg->layer_front.counters) ||
                   s_rows(c, &msg->layer_front.rows)
               ? DSE_EPROTO
               : 0;
}

static int s_dec_done(s_cur_t *c, dse_msg_t *msg)
{
    dse_msg_done_t *m = &msg->done;
    size_t n;
    if (s_array_n(c, 11, "body") || s_u64(c, &m->job, "job") ||
        s_counters(c, &m->counters) || s_u32(c, &m->units, "units") ||
        s_u32(c, &m->reissued, "reissued") || s_array(c, &n, "quarantined"))
        return DSE_EPROTO;
    if (n > DSE_WIRE_MAX_QUARANTINED)
        return s_fail(c, "%zu quarantined units exceed %u", n, DSE_WIRE_MAX_QUARANTINED);
    /* each entry: array header, 4 integers, a string header */
    if (n > s_left(c) / 6)
        return s_fail(c, "%zu quarantined units cannot fit in %zu bytes", n, s_left(c));
    m->quarantined = s_alloc(n, sizeof *m->quarantined);
    m->n_quarantined = n;
    char what[64];
    for (size_t i = 0; i < n; i++) {
        dse_quarantined_t *q = &m->quarantined[i];
        snprintf(what, sizeof what, "quarantined %zu", i);
        if (s_array_n(c, 5, what) || s_u32(c, &q->layer, what) || s_u64(c, &q->lo, what) ||
            s_u64(c, &q->hi, what) || s_u32(c, &q->attempts, what) ||
            s_str(c, &q->error, DSE_WIRE_MAX_TEXT, what))
            return DSE_EPROTO;
    }
    if (s_u32(c, &m->workers_seen, "workers_seen") || s_f64(c, &m->wall, "wall") ||
        s_u64(c, &m->measured, "measured") || s_u64(c, &m->cached, "cached") ||
        s_array(c, &n, "workers_quarantined"))
        return DSE_EPROTO;
    if (n > DSE_WIRE_MAX_CAPS)
        return s_fail(c, "%zu quarantined workers exceed %u", n, DSE_WIRE_MAX_CAPS);
    if (n > s_left(c))
        return s_fail(c, "%zu quarantined workers cannot fit in %zu bytes", n, s_left(c));
    m->bad_workers = s_alloc(n, sizeof *m->bad_workers);
    m->n_bad_workers = n;
    for (size_t i = 0; i < n; i++)
        if (s_str(c, &m->bad_workers[i], DSE_WIRE_MAX_TEXT, "workers_quarantined"))
            return DSE_EPROTO;
    if (s_array(c, &n, "verified"))
        return DSE_EPROTO;
    if (n > DSE_WIRE_MAX_QUARANTINED)
        return s_fail(c, "%zu verified points exceed %u", n, DSE_WIRE_MAX_QUARANTINED);
    /* each entry: array header, 3 integers, 4 string headers, 2 reals (5 bytes
     * at least): 18 bytes at least */
    if (n > s_left(c) / 18)
        return s_fail(c, "%zu verified points cannot fit in %zu bytes", n, s_left(c));
    m->verified = s_alloc(n, sizeof *m->verified);
    m->verified_strings = s_alloc(4 * n, sizeof *m->verified_strings);
    m->n_verified = n;
    for (size_t i = 0; i < n; i++) {
        dse_wire_verified_t *v = &m->verified[i];
        char **str = &m->verified_strings[4 * i];
        snprintf(what, sizeof what, "verified %zu", i);
        if (s_array_n(c, 9, what) || s_u32(c, &v->layer, what) ||
            s_u64(c, &v->point, what) || s_u32(c, &v->status, what) ||
            s_str(c, &str[0], DSE_WIRE_MAX_TEXT, what) ||
            s_str(c, &str[1], DSE_WIRE_MAX_TEXT, what) ||
            s_str(c, &str[2], DSE_WIRE_MAX_TEXT, what) || s_f64(c, &v->a, what) ||
            s_f64(c, &v->b, what) || s_str(c, &str[3], DSE_WIRE_MAX_TEXT, what))
            return DSE_EPROTO;
        v->first = str[0], v->second = str[1], v->metric = str[2], v->note = str[3];
        if (v->status < 1 || v->status > 3)
            return s_fail(c, "verified %zu: status %u is not 1 to 3", i, v->status);
    }
    return 0;
}

static int s_dec_error(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 1, "body") ||
                   s_str(c, &msg->error.message, DSE_WIRE_MAX_TEXT, "message")
               ? DSE_EPROTO
               : 0;
}

static int s_dec_cancel(s_cur_t *c, dse_msg_t *msg)
{
    return s_array_n(c, 1, "body") || s_u64(c, &msg->cancel.job, "job") ? DSE_EPROTO : 0;
}

static void s_rel_ready(dse_msg_t *msg)
{
    free(msg->ready.host);
    if (msg->ready.caps)
        for (size_t i = 0; i < msg->ready.n_caps; i++)
            free(msg->ready.caps[i]);
    free(msg->ready.caps);
}

static void s_rel_job(dse_msg_t *msg)
{
    free(msg->job.digest);
    free(msg->job.config);
}

static void s_rel_work(dse_msg_t *msg)
{
    free(msg->work.digest);
    free(msg->work.indices);
}

static void s_rel_result(dse_msg_t *msg)
{
    s_rows_release(&msg->result.rows);
}

static void s_rel_fail(dse_msg_t *msg)
{
    free(msg->fail.message);
}

static void s_rel_heartbeat(dse_msg_t *msg)
{
    (void)msg; /* owns nothing */
}

static void s_rel_disconnect(dse_msg_t *msg)
{
    (void)msg; /* owns nothing */
}

static void s_rel_submit(dse_msg_t *msg)
{
    free(msg->submit.config);
}

static void s_rel_accept(dse_msg_t *msg)
{
    free(msg->accept.digest);
}

static void s_rel_progress(dse_msg_t *msg)
{
    (void)msg; /* owns nothing */
}

static void s_rel_layer_front(dse_msg_t *msg)
{
    s_rows_release(&msg->layer_front.rows);
}

static void s_rel_done(dse_msg_t *msg)
{
    if (msg->done.quarantined)
        for (size_t i = 0; i < msg->done.n_quarantined; i++)
            free(msg->done.quarantined[i].error);
    free(msg->done.quarantined);
    if (msg->done.bad_workers)
        for (size_t i = 0; i < msg->done.n_bad_workers; i++)
            free(msg->done.bad_workers[i]);
    free(msg->done.bad_workers);
    if (msg->done.verified_strings)
        for (size_t i = 0; i < 4 * msg->done.n_verified; i++)
            free(msg->done.verified_strings[i]);
    free(msg->done.verified_strings);
    free(msg->done.verified);
}

static void s_rel_error(dse_msg_t *msg)
{
    free(msg->error.message);
}

static void s_rel_cancel(dse_msg_t *msg)
{
    (void)msg; /* owns nothing */
}

void dse_msg_release(dse_msg_t *msg)
{
    const s_cmd_t *c = s_cmd(msg->cmd);
    if (c)
        c->release(msg);
    memset(msg, 0, sizeof *msg);
}

/* ---- views of decoded messages, and hand-overs ---- */

static void s_view_ready(const dse_msg_t *msg, dse_msg_view_t *v)
{
    const dse_msg_ready_t *m = &msg->ready;
    v->ready = (dse_msg_ready_view_t){.version = m->version, .host = m->host,
                                      .threads = m->threads, .credit = m->credit,
                                      .n_caps = m->n_caps, .caps = dse_wire_strs(m->caps)};
}

static void s_view_job(const dse_msg_t *msg, dse_msg_view_t *v)
{
    v->job = (dse_msg_job_view_t){.digest = msg->job.digest, .config = msg->job.config};
}

static void s_view_work(const dse_msg_t *msg, dse_msg_view_t *v)
{
    const dse_msg_work_t *m = &msg->work;
    v->work = (dse_msg_work_view_t){.unit = m->unit, .epoch = m->epoch, .digest = m->digest,
                                    .layer = m->layer, .kind = m->kind, .lo = m->lo,
                                    .hi = m->hi, .key = m->key, .n_indices = m->n_indices,
                                    .indices = m->indices};
}

static void s_view_result(const dse_msg_t *msg, dse_msg_view_t *v)
{
    const dse_msg_result_t *m = &msg->result;
    v->result = (dse_msg_result_view_t){.unit = m->unit, .epoch = m->epoch,
                                        .counters = m->counters,
                                        .rows = dse_wire_rows_view(&m->rows)};
}

static void s_view_fail(const dse_msg_t *msg, dse_msg_view_t *v)
{
    const dse_msg_fail_t *m = &msg->fail;
    v->fail = (dse_msg_fail_view_t){.unit = m->unit, .epoch = m->epoch, .code = m->code,
                                    .message = m->message};
}

static void s_view_heartbeat(const dse_msg_t *msg, dse_msg_view_t *v)
{
    v->heartbeat = msg->heartbeat;
}

static void s_view_disconnect(const dse_msg_t *msg, dse_msg_view_t *v)
{
    (void)msg, (void)v; /* no body */
}

static void s_view_submit(const dse_msg_t *msg, dse_msg_view_t *v)
{
    v->submit = (dse_msg_submit_view_t){.config = msg->submit.config,
                                        .dump_all = msg->submit.dump_all,
                                        .verbose = msg->submit.verbose};
}

static void s_view_accept(const dse_msg_t *msg, dse_msg_view_t *v)
{
    v->accept = (dse_msg_accept_view_t){.job = msg->accept.job, .digest = msg->accept.digest};
}

static void s_view_progress(const dse_msg_t *msg, dse_msg_view_t *v)
{
    v->progress = msg->progress;
}

static void s_view_layer_front(const dse_msg_t *msg, dse_msg_view_t *v)
{
    const dse_msg_layer_front_t *m = &msg->layer_front;
    v->layer_front = (dse_msg_layer_front_view_t){.job = m->job, .layer = m->layer,
                                                  .counters = m->counters,
                                                  .rows = dse_wire_rows_view(&m->rows)};
}

static void s_view_done(const dse_msg_t *msg, dse_msg_view_t *v)
{
    const dse_msg_done_t *m = &msg->done;
    v->done = (dse_msg_done_view_t){.job = m->job, .counters = m->counters, .units = m->units,
                                    .reissued = m->reissued, .n_quarantined = m->n_quarantined,
                                    .quarantined = m->quarantined,
                                    .workers_seen = m->workers_seen, .wall = m->wall,
                                    .measured = m->measured, .cached = m->cached,
                                    .n_bad_workers = m->n_bad_workers,
                                    .bad_workers = dse_wire_strs(m->bad_workers),
                                    .n_verified = m->n_verified, .verified = m->verified};
}

static void s_view_error(const dse_msg_t *msg, dse_msg_view_t *v)
{
    v->error = (dse_msg_error_view_t){.message = msg->error.message};
}

static void s_view_cancel(const dse_msg_t *msg, dse_msg_view_t *v)
{
    v->cancel = msg->cancel;
}

void dse_msg_view(const dse_msg_t *msg, dse_msg_view_t *view)
{
    memset(view, 0, sizeof *view);
    view->cmd = msg->cmd;
    const s_cmd_t *c = s_cmd(msg->cmd);
    assert(c && "dse_msg_view: unknown command");
    c->view(msg, view);
}

char *dse_msg_submit_take_config(dse_msg_submit_t *submit)
{
    char *s = submit->config;
    submit->config = NULL;
    return s;
}

void dse_msg_take_work(dse_msg_t *msg, dse_msg_work_t *out)
{
    assert(msg->cmd == DSE_MSG_WORK);
    *out = msg->work;
    msg->work.digest = NULL;
    msg->work.indices = NULL;
    msg->work.n_indices = 0;
}

void dse_msg_work_release(dse_msg_work_t *work)
{
    free(work->digest);
    free(work->indices);
    memset(work, 0, sizeof *work);
}

int dse_wire_decode_body(int cmd, const void *body, size_t len, dse_msg_t *msg, dse_error_t *err)
{
    memset(msg, 0, sizeof *msg);
    const char *name = dse_wire_cmd_name(cmd);
    if (!name)
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "unknown command %d", cmd);
    msg->cmd = cmd;
    if (!body && len)
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "%s: no body", name);
    static const uint8_t empty[1];
    const uint8_t *p = body ? body : empty;
    s_cur_t c = {p, p + len, name, err};
    int ret = s_cmd(cmd)->decode(&c, msg);
    if (!ret && c.p != c.end)
        ret = s_fail(&c, "%zu trailing bytes", s_left(&c));
    if (ret) {
        dse_msg_release(msg);
        return DSE_EPROTO;
    }
    return 0;
}

int dse_wire_check_header(const void *sig, size_t sig_len, const void *cmd_frame, size_t cmd_len,
                          int *cmd, dse_error_t *err)
{
    if (sig_len != DSE_WIRE_SIG_LEN || memcmp(sig, "DSE", 3) != 0)
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "not a DSE message (bad signature)");
    unsigned v = ((const unsigned char *)sig)[3];
    if (v != DSE_WIRE_VERSION)
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0,
                             "protocol version %u, this program speaks %d", v, DSE_WIRE_VERSION);
    if (cmd_len != 1)
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "command frame of %zu bytes", cmd_len);
    int c = ((const unsigned char *)cmd_frame)[0];
    if (!dse_wire_cmd_name(c))
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "unknown command %d", c);
    *cmd = c;
    return 0;
}

int dse_wire_decode_frames(const void *sig, size_t sig_len, const void *cmd_frame, size_t cmd_len,
                           const void *body, size_t body_len, dse_msg_t *msg, dse_error_t *err)
{
    memset(msg, 0, sizeof *msg);
    int cmd;
    int ret = dse_wire_check_header(sig, sig_len, cmd_frame, cmd_len, &cmd, err);
    if (ret)
        return ret;
    return dse_wire_decode_body(cmd, body, body_len, msg, err);
}

int dse_wire_decode(const void *buf, size_t len, dse_msg_t *msg, dse_error_t *err)
{
    memset(msg, 0, sizeof *msg);
    const unsigned char *p = buf;
    if (len < DSE_WIRE_SIG_LEN + 1)
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "message of %zu bytes: truncated",
                             len);
    return dse_wire_decode_frames(p, DSE_WIRE_SIG_LEN, p + DSE_WIRE_SIG_LEN, 1,
                                  p + DSE_WIRE_SIG_LEN + 1, len - DSE_WIRE_SIG_LEN - 1, msg, err);
}

int dse_wire_rows_to_front(const dse_wire_rows_view_t *rows, dse_front_t *f,
                           dse_wire_rows_into_t into, size_t *n_kept, dse_error_t *err)
{
    if (n_kept)
        *n_kept = 0;
    if (rows->width != dse_front_width(f))
        return dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "rows of %u metrics, expected %zu",
                             rows->width, dse_front_width(f));
    const dse_front_t *src = rows->front;
    assert(!src || dse_front_width(src) == rows->width);
    size_t n = src ? dse_front_size(src) : rows->n, kept = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t index = src ? dse_front_index(src, i) : rows->index[i];
        int64_t cin = src ? dse_front_cin(src, i) : rows->cin[i];
        int64_t cout = src ? dse_front_cout(src, i) : rows->cout[i];
        const double *m = src ? dse_front_row(src, i) : rows->metrics + i * rows->width;
        if (into == DSE_WIRE_ROWS_INSERT) {
            kept += dse_front_insert(f, index, cin, cout, m) != 0;
        } else {
            dse_front_push(f, index, cin, cout, m);
            kept++;
        }
    }
    if (n_kept)
        *n_kept = kept;
    return 0;
}
