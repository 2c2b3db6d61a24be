/* test_wire.c - protocol messages: round trips, and strict rejection of
 * truncated, trailing, mistyped, oversized, deeply nested and random input. */
#include "core/pareto.h"
#include "core/util.h"
#include "core/wire.h"
#include "tests/test.h"

#include <msgpack.h>
#include <stdlib.h>

static uint64_t s_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static const char *s_caps[] = {"exhaustive", "random", "pin"};
static uint64_t s_indices[] = {0, 1, 127, 128, 65535, 65536, 0xffffffffULL, UINT64_MAX};
static uint64_t s_row_index[] = {7, 0, UINT64_MAX};
static int64_t s_row_cin[] = {0, -1, INT64_MIN};
static int64_t s_row_cout[] = {INT64_MAX, 32, -70000};
static double s_row_m[] = {1.5, -0.0, 1e300, 4, 5, 6, 7.25, 8, 9};
static dse_quarantined_t s_quar[] = {{1, 100, 200, 3, "evaluate crashed"},
                                          {4294967295u, 0, UINT64_MAX, 3, ""}};
static dse_wire_verified_t s_verified[] = {
    {1, 17, 2, "host-a #1", "host-b #2", "cycles", "", 1234.5, 1851.75},
    {0, UINT64_MAX, 3, "cache", "", "", "no other worker", 0, 0}};

/* One sample of every message, as encode views of static data. */
static size_t s_samples(dse_msg_view_t *m)
{
    size_t n = 0;
    memset(m, 0, 20 * sizeof *m);
    m[n].cmd = DSE_MSG_READY;
    m[n].ready = (dse_msg_ready_view_t){1, "node-7.cluster", 8, 16, 3, s_caps};
    n++;
    m[n].cmd = DSE_MSG_JOB;
    m[n].job = (dse_msg_job_view_t){"0123456789abcdef", "[job]\nname = \"x\"\n"};
    n++;
    m[n].cmd = DSE_MSG_WORK;
    m[n].work = (dse_msg_work_view_t){42, 3, "beef", 2, DSE_WORK_RANGE, 1000, 2000, 0, 0, NULL};
    n++;
    m[n].cmd = DSE_MSG_WORK;
    m[n].work = (dse_msg_work_view_t){UINT64_MAX, UINT32_MAX, "beef", 0, DSE_WORK_LIST, 0, 0, 0, 8,
                                 s_indices};
    n++;
    m[n].cmd = DSE_MSG_RESULT;
    m[n].result = (dse_msg_result_view_t){42, 3, {100, 60, 40, 0},
                                     {3, 3, s_row_index, s_row_cin, s_row_cout, s_row_m, NULL}};
    n++;
    m[n].cmd = DSE_MSG_RESULT;
    m[n].result = (dse_msg_result_view_t){1, 0, {0, 0, 0, 0}, {0, 0, NULL, NULL, NULL, NULL, NULL}};
    n++;
    m[n].cmd = DSE_MSG_FAIL;
    m[n].fail = (dse_msg_fail_view_t){9, 1, -11, "cannot build the job: unknown model"};
    n++;
    m[n].cmd = DSE_MSG_HEARTBEAT;
    m[n].heartbeat = (dse_msg_heartbeat_t){123456789012ULL, 77, 2};
    n++;
    m[n].cmd = DSE_MSG_DISCONNECT;
    n++;
    m[n].cmd = DSE_MSG_SUBMIT;
    m[n].submit = (dse_msg_submit_view_t){"[job]\n", 1, 0};
    n++;
    m[n].cmd = DSE_MSG_ACCEPT;
    m[n].accept = (dse_msg_accept_view_t){5, "abc123"};
    n++;
    m[n].cmd = DSE_MSG_PROGRESS;
    m[n].progress = (dse_msg_progress_t){5, 1000, 5000, 3, 10, 4, 1, 12.5, 0.75};
    n++;
    m[n].cmd = DSE_MSG_LAYER_FRONT;
    m[n].layer_front = (dse_msg_layer_front_view_t){5, 1, {10, 5, 5, 1},
                                               {3, 2, s_row_index, s_row_cin, s_row_cout,
                                                s_row_m, NULL}};
    n++;
    m[n].cmd = DSE_MSG_DONE;
    m[n].done = (dse_msg_done_view_t){5, {10, 5, 5, 1}, 10, 2, 2, s_quar, 3, 99.75};
    m[n].done.n_verified = 2;
    m[n].done.verified = s_verified;
    n++;
    m[n].cmd = DSE_MSG_ERROR;
    m[n].error = (dse_msg_error_view_t){"config: line 3: unknown key"};
    n++;
    m[n].cmd = DSE_MSG_CANCEL;
    m[n].cancel = (dse_msg_cancel_t){5};
    n++;
    m[n].cmd = DSE_MSG_WORK;
    m[n].work = (dse_msg_work_view_t){43, 4, "beef", 1, DSE_WORK_SHUFFLED, 10, 20, UINT64_MAX, 0, NULL};
    n++;
    return n;
}

DSE_TEST(wire_roundtrip)
{
    dse_msg_view_t m[20];
    size_t n = s_samples(m);
    for (size_t i = 0; i < n; i++) {
        dse_strbuf_t a = DSE_STRBUF_INIT, b = DSE_STRBUF_INIT;
        dse_wire_encode(&m[i], &a);
        dse_msg_t d;
        dse_error_t err = DSE_ERROR_INIT;
        int r = dse_wire_decode(a.buf, a.len, &d, &err);
        if (r)
            dse__test_fail(__FILE__, __LINE__, "%s: %s", dse_wire_cmd_name(m[i].cmd), err.msg);
        CHECK_INT(d.cmd, m[i].cmd);
        /* re-encoding the decoded message (a view of it) gives the same bytes */
        dse_msg_view_t v;
        dse_msg_view(&d, &v);
        CHECK_INT(v.cmd, d.cmd);
        dse_wire_encode(&v, &b);
        CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
        dse_msg_release(&d);
        dse_strbuf_release(&a);
        dse_strbuf_release(&b);
    }
    /* a few fields by hand */
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_wire_encode(&m[4], &sb);
    dse_msg_t d;
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, NULL), 0);
    CHECK_INT(d.result.unit, 42);
    CHECK_INT(d.result.counters.feasible, 60);
    CHECK_INT(d.result.rows.n, 3);
    CHECK_INT(d.result.rows.width, 3);
    CHECK(d.result.rows.index[2] == UINT64_MAX);
    CHECK(d.result.rows.cin[2] == INT64_MIN);
    CHECK(d.result.rows.cout[0] == INT64_MAX);
    CHECK(d.result.rows.metrics[2] == 1e300);
    CHECK(signbit(d.result.rows.metrics[1]));
    dse_msg_release(&d);
    dse_msg_release(&d);
    dse_strbuf_release(&sb);
    dse_wire_encode(&m[3], &sb);
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, NULL), 0);
    CHECK_INT(d.work.n_indices, 8);
    CHECK(d.work.indices[7] == UINT64_MAX);
    CHECK_STR(d.work.digest, "beef");
    dse_msg_release(&d);
    dse_strbuf_release(&sb);
    dse_wire_encode(&m[16], &sb);
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, NULL), 0);
    CHECK_INT(d.work.kind, DSE_WORK_SHUFFLED);
    CHECK(d.work.lo == 10 && d.work.hi == 20 && d.work.key == UINT64_MAX);
    dse_msg_release(&d);
    dse_strbuf_release(&sb);
    dse_wire_encode(&m[13], &sb);
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, NULL), 0);
    CHECK_INT(d.done.n_quarantined, 2);
    CHECK_STR(d.done.quarantined[0].error, "evaluate crashed");
    CHECK(d.done.quarantined[1].hi == UINT64_MAX);
    CHECK(d.done.wall == 99.75);
    CHECK_INT(d.done.n_verified, 2);
    CHECK_INT(d.done.verified[0].status, 2);
    CHECK_STR(d.done.verified[0].second, "host-b #2");
    CHECK(d.done.verified[0].b == 1851.75);
    CHECK(d.done.verified[1].point == UINT64_MAX);
    CHECK_STR(d.done.verified[1].note, "no other worker");
    dse_msg_release(&d);
    dse_strbuf_release(&sb);
    dse_wire_encode(&m[0], &sb);
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, NULL), 0);
    CHECK_STR(d.ready.host, "node-7.cluster");
    CHECK_INT(d.ready.n_caps, 3);
    CHECK_STR(d.ready.caps[2], "pin");
    dse_msg_release(&d);
    dse_strbuf_release(&sb);
}

DSE_TEST(wire_frames_and_fronts)
{
    int obj[2] = {0, 1};
    dse_front_t *f = dse_front_new(3, 2, obj);
    double a[3] = {1, 2, 3}, b[3] = {2, 1, 0.5};
    dse_front_push(f, 10, 1, 2, a);
    dse_front_push(f, 11, 1, 2, b);
    dse_msg_view_t m = {.cmd = DSE_MSG_RESULT};
    m.result.unit = 3;
    m.result.rows.width = 3;
    m.result.rows.front = f;
    dse_strbuf_t body = DSE_STRBUF_INIT;
    dse_wire_encode_body(&m, &body);
    unsigned char cmd = DSE_MSG_RESULT;
    dse_msg_t d;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_wire_decode_frames(dse_wire_signature, 4, &cmd, 1, body.buf, body.len, &d, &err),
              0);
    dse_wire_rows_view_t rows = dse_wire_rows_view(&d.result.rows);
    dse_front_t *g = dse_front_new(3, 2, obj);
    size_t kept = 99;
    CHECK_INT(dse_wire_rows_to_front(&rows, g, DSE_WIRE_ROWS_PUSH, &kept, &err), 0);
    CHECK_INT(kept, 2);
    CHECK_INT(dse_front_size(g), 2);
    CHECK_INT(dse_front_index(g, 1), 11);
    CHECK(dse_front_row(g, 1)[2] == 0.5);
    dse_front_t *h = dse_front_new(4, 2, obj);
    CHECK_INT(dse_wire_rows_to_front(&rows, h, DSE_WIRE_ROWS_PUSH, &kept, &err), DSE_EPROTO);
    CHECK_INT(kept, 0);
    CHECK_INT(dse_front_size(h), 0);
    CHECK(strstr(err.msg, "rows of 3 metrics, expected 4") != NULL);
    /* INSERT keeps the front non-dominated: a row both rows dominate is
     * refused, one dominating the first evicts it; a front can be the source */
    dse_front_t *k = dse_front_new(3, 2, obj);
    double worse[3] = {5, 5, 0}, better[3] = {0.5, 1.5, 0};
    dse_front_push(k, 20, 1, 2, worse);
    dse_front_push(k, 21, 1, 2, better);
    dse_wire_rows_view_t from_k = {.width = 3, .front = k};
    CHECK_INT(dse_wire_rows_to_front(&from_k, g, DSE_WIRE_ROWS_INSERT, &kept, &err), 0);
    CHECK_INT(kept, 1);
    CHECK_INT(dse_front_size(g), 2); /* 11 and 21 */
    int saw21 = 0, saw10 = 0, saw20 = 0;
    for (size_t i = 0; i < dse_front_size(g); i++) {
        saw21 += dse_front_index(g, i) == 21;
        saw10 += dse_front_index(g, i) == 10;
        saw20 += dse_front_index(g, i) == 20;
    }
    CHECK(saw21 == 1 && saw10 == 0 && saw20 == 0);
    dse_front_destroy(&k);
    dse_msg_release(&d);
    /* header errors */
    unsigned char bad_sig[4] = {'D', 'S', 'F', 1}, bad_ver[4] = {'D', 'S', 'E', 9};
    CHECK_INT(dse_wire_decode_frames(bad_sig, 4, &cmd, 1, body.buf, body.len, &d, &err),
              DSE_EPROTO);
    CHECK(strstr(err.msg, "signature") != NULL);
    CHECK_INT(dse_wire_decode_frames(bad_ver, 4, &cmd, 1, body.buf, body.len, &d, &err),
              DSE_EPROTO);
    CHECK(strstr(err.msg, "version 9") != NULL);
    CHECK_INT(dse_wire_decode_frames(dse_wire_signature, 3, &cmd, 1, body.buf, body.len, &d, &err),
              DSE_EPROTO);
    unsigned char two[2] = {DSE_MSG_RESULT, 0}, unknown = 99;
    CHECK_INT(dse_wire_decode_frames(dse_wire_signature, 4, two, 2, body.buf, body.len, &d, &err),
              DSE_EPROTO);
    CHECK_INT(dse_wire_decode_frames(dse_wire_signature, 4, &unknown, 1, body.buf, body.len, &d,
                                     &err),
              DSE_EPROTO);
    /* a RESULT body under another command */
    unsigned char hb = DSE_MSG_HEARTBEAT;
    CHECK_INT(dse_wire_decode_frames(dse_wire_signature, 4, &hb, 1, body.buf, body.len, &d, &err),
              DSE_EPROTO);
    CHECK(strncmp(err.msg, "HEARTBEAT: ", 11) == 0);
    dse_strbuf_release(&body);
    dse_front_destroy(&f);
    dse_front_destroy(&g);
    dse_front_destroy(&h);
}

DSE_TEST(wire_truncated_and_trailing)
{
    dse_msg_view_t m[20];
    size_t n = s_samples(m);
    for (size_t i = 0; i < n; i++) {
        dse_strbuf_t sb = DSE_STRBUF_INIT;
        dse_wire_encode(&m[i], &sb);
        for (size_t len = 0; len < sb.len; len++) {
            /* a fresh copy of exactly len bytes, so reads past it are caught by ASan */
            char *cut = dse_xmalloc(len + 1);
            memcpy(cut, sb.buf, len);
            dse_msg_t d;
            dse_error_t err = DSE_ERROR_INIT;
            int r = dse_wire_decode(cut, len, &d, &err);
            if (r != DSE_EPROTO)
                dse__test_fail(__FILE__, __LINE__, "%s cut to %zu of %zu bytes: %d",
                               dse_wire_cmd_name(m[i].cmd), len, sb.len, r);
            free(cut);
        }
        dse_strbuf_addc(&sb, 0);
        dse_msg_t d;
        dse_error_t err = DSE_ERROR_INIT;
        CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, &err), DSE_EPROTO);
        CHECK(strstr(err.msg, "1 trailing bytes") != NULL);
        dse_strbuf_release(&sb);
    }
}

static int s_sb_write(void *data, const char *buf, size_t len)
{
    dse_strbuf_add(data, buf, len);
    return 0;
}

static int s_decode_body(int cmd, const dse_strbuf_t *sb, dse_error_t *err)
{
    dse_msg_t d;
    int r = dse_wire_decode_body(cmd, sb->buf, sb->len, &d, err);
    dse_msg_release(&d);
    return r;
}

DSE_TEST(wire_bad_types)
{
    dse_error_t err = DSE_ERROR_INIT;
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, s_sb_write);

    /* RESULT whose row 3 has 4 metrics instead of 5 */
    msgpack_pack_array(&pk, 5);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_array(&pk, 4);
    for (int i = 0; i < 4; i++)
        msgpack_pack_uint64(&pk, 0);
    msgpack_pack_uint32(&pk, 5);
    msgpack_pack_array(&pk, 5);
    for (int r = 0; r < 5; r++) {
        msgpack_pack_array(&pk, 4);
        msgpack_pack_uint64(&pk, (uint64_t)r);
        msgpack_pack_int64(&pk, 0);
        msgpack_pack_int64(&pk, 0);
        int w = r == 3 ? 4 : 5;
        msgpack_pack_array(&pk, (size_t)w);
        for (int j = 0; j < w; j++)
            msgpack_pack_double(&pk, j);
    }
    CHECK_INT(s_decode_body(DSE_MSG_RESULT, &sb, &err), DSE_EPROTO);
    CHECK_STR(err.msg, "RESULT: row 3: expected 5 metrics, got 4");

    /* an integer where the host string belongs */
    sb.len = 0;
    msgpack_pack_array(&pk, 5);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_uint32(&pk, 7);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_array(&pk, 0);
    CHECK_INT(s_decode_body(DSE_MSG_READY, &sb, &err), DSE_EPROTO);
    CHECK_STR(err.msg, "READY: host: expected a string, got an integer");

    /* a string where the unit id belongs; a negative unit; a real as int */
    sb.len = 0;
    msgpack_pack_array(&pk, 1);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "x", 1);
    CHECK_INT(s_decode_body(DSE_MSG_CANCEL, &sb, &err), DSE_EPROTO);
    sb.len = 0;
    msgpack_pack_array(&pk, 1);
    msgpack_pack_int64(&pk, -5);
    CHECK_INT(s_decode_body(DSE_MSG_CANCEL, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "negative") != NULL);
    sb.len = 0;
    msgpack_pack_array(&pk, 1);
    msgpack_pack_double(&pk, 5);
    CHECK_INT(s_decode_body(DSE_MSG_CANCEL, &sb, &err), DSE_EPROTO);
    /* an integer too big for u32, for i32 */
    sb.len = 0;
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint64(&pk, 1ULL << 32);
    CHECK_INT(s_decode_body(DSE_MSG_HEARTBEAT, &sb, &err), DSE_EPROTO);
    sb.len = 0;
    msgpack_pack_array(&pk, 4);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_int64(&pk, -3000000000LL);
    msgpack_pack_str(&pk, 0);
    CHECK_INT(s_decode_body(DSE_MSG_FAIL, &sb, &err), DSE_EPROTO);
    /* cin beyond int64 */
    sb.len = 0;
    msgpack_pack_array(&pk, 5);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_array(&pk, 4);
    for (int i = 0; i < 4; i++)
        msgpack_pack_uint64(&pk, 0);
    msgpack_pack_uint32(&pk, 0);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_uint64(&pk, 0);
    msgpack_pack_uint64(&pk, UINT64_MAX);
    msgpack_pack_int64(&pk, 0);
    msgpack_pack_array(&pk, 0);
    CHECK_INT(s_decode_body(DSE_MSG_RESULT, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "row 0") != NULL);
    /* a map as body; wrong field count; nil as bool; bad digest; NUL in a string */
    sb.len = 0;
    msgpack_pack_map(&pk, 1);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint64(&pk, 1);
    CHECK_INT(s_decode_body(DSE_MSG_CANCEL, &sb, &err), DSE_EPROTO);
    CHECK_STR(err.msg, "CANCEL: body: expected an array, got a map");
    sb.len = 0;
    msgpack_pack_array(&pk, 2);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint64(&pk, 1);
    CHECK_INT(s_decode_body(DSE_MSG_CANCEL, &sb, &err), DSE_EPROTO);
    CHECK_STR(err.msg, "CANCEL: body: expected 1 fields, got 2");
    sb.len = 0;
    msgpack_pack_array(&pk, 2);
    msgpack_pack_str(&pk, 1);
    msgpack_pack_str_body(&pk, "x", 1);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    CHECK_INT(s_decode_body(DSE_MSG_SUBMIT, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "dump_all: expected a boolean, got nil") != NULL);
    sb.len = 0;
    msgpack_pack_array(&pk, 2);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "ABCD", 4);
    msgpack_pack_str(&pk, 0);
    CHECK_INT(s_decode_body(DSE_MSG_JOB, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "hex") != NULL);
    sb.len = 0;
    msgpack_pack_array(&pk, 1);
    msgpack_pack_str(&pk, 3);
    msgpack_pack_str_body(&pk, "a\0b", 3);
    CHECK_INT(s_decode_body(DSE_MSG_ERROR, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "NUL") != NULL);
    /* bin where a string belongs */
    sb.len = 0;
    msgpack_pack_array(&pk, 1);
    msgpack_pack_bin(&pk, 1);
    msgpack_pack_bin_body(&pk, "a", 1);
    CHECK_INT(s_decode_body(DSE_MSG_ERROR, &sb, &err), DSE_EPROTO);
    /* WORK: lo > hi, unknown kind */
    sb.len = 0;
    msgpack_pack_array(&pk, 6);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_str(&pk, 2);
    msgpack_pack_str_body(&pk, "ab", 2);
    msgpack_pack_uint32(&pk, 0);
    msgpack_pack_uint32(&pk, 0);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_uint64(&pk, 5);
    msgpack_pack_uint64(&pk, 4);
    CHECK_INT(s_decode_body(DSE_MSG_WORK, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "lo 5 > hi 4") != NULL);
    sb.buf[sb.len - 4] = 3; /* kind */
    CHECK_INT(s_decode_body(DSE_MSG_WORK, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "unknown kind 3") != NULL);
    /* a host name over the limit */
    sb.len = 0;
    char host[300];
    memset(host, 'h', sizeof host);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_str(&pk, 256);
    msgpack_pack_str_body(&pk, host, 256);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_array(&pk, 0);
    CHECK_INT(s_decode_body(DSE_MSG_READY, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "at most 255") != NULL);
    /* an empty body: fine for DISCONNECT only */
    dse_msg_t e;
    CHECK_INT(dse_wire_decode_body(DSE_MSG_DISCONNECT, NULL, 0, &e, &err), 0);
    CHECK_INT(dse_wire_decode_body(DSE_MSG_CANCEL, NULL, 0, &e, &err), DSE_EPROTO);
    /* DISCONNECT takes no body at all */
    sb.len = 0;
    msgpack_pack_array(&pk, 0);
    CHECK_INT(s_decode_body(DSE_MSG_DISCONNECT, &sb, &err), DSE_EPROTO);
    dse_strbuf_release(&sb);
}

DSE_TEST(wire_huge_counts)
{
    dse_error_t err = DSE_ERROR_INIT;
    /* a 5-byte body claiming 16 million elements */
    static const unsigned char arr32[] = {0xdd, 0x00, 0xff, 0xff, 0xff};
    static const int cmds[] = {DSE_MSG_READY, DSE_MSG_RESULT, DSE_MSG_CANCEL, DSE_MSG_DONE};
    dse__wire_max_alloc(1);
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        dse_msg_t d;
        CHECK_INT(dse_wire_decode_body(cmds[i], arr32, sizeof arr32, &d, &err), DSE_EPROTO);
        CHECK(strstr(err.msg, "16777215 elements claimed") != NULL);
    }
    /* the same count deeper inside: rows, indices, capabilities, quarantined, strings */
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, s_sb_write);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_array(&pk, 4);
    for (int i = 0; i < 4; i++)
        msgpack_pack_uint64(&pk, 0);
    msgpack_pack_uint32(&pk, 4);
    static const unsigned char rows50k[] = {0xdd, 0x00, 0x00, 0xc3, 0x50};
    dse_strbuf_add(&sb, rows50k, sizeof rows50k);
    /* fewer rows than bytes left, but 50000 rows of 4 metrics need more
     * than the 100000 bytes that follow */
    char *pad = dse_xcalloc(100000, 1);
    dse_strbuf_add(&sb, pad, 100000);
    CHECK_INT(s_decode_body(DSE_MSG_RESULT, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "cannot fit") != NULL);
    sb.len = 0;
    msgpack_pack_array(&pk, 6);
    msgpack_pack_uint64(&pk, 1);
    msgpack_pack_uint32(&pk, 1);
    msgpack_pack_str(&pk, 2);
    msgpack_pack_str_body(&pk, "ab", 2);
    msgpack_pack_uint32(&pk, 0);
    msgpack_pack_uint32(&pk, 1);
    dse_strbuf_add(&sb, arr32, sizeof arr32);
    CHECK_INT(s_decode_body(DSE_MSG_WORK, &sb, &err), DSE_EPROTO);
    sb.len = 0;
    msgpack_pack_array(&pk, 1);
    static const unsigned char str32[] = {0xdb, 0x7f, 0xff, 0xff, 0xff};
    dse_strbuf_add(&sb, str32, sizeof str32);
    CHECK_INT(s_decode_body(DSE_MSG_ERROR, &sb, &err), DSE_EPROTO);
    sb.len = 0;
    msgpack_pack_array(&pk, 2);
    static const unsigned char cfg32[] = {0xdb, 0x00, 0xff, 0xff, 0xff};
    dse_strbuf_add(&sb, cfg32, sizeof cfg32);
    CHECK_INT(s_decode_body(DSE_MSG_SUBMIT, &sb, &err), DSE_EPROTO);
    CHECK(strstr(err.msg, "bytes left") != NULL);
    /* nothing above needed more than a few bytes of memory */
    CHECK(dse__wire_max_alloc(1) < 64);
    free(pad);
    dse_strbuf_release(&sb);
}

DSE_TEST(wire_deep_nesting)
{
    dse_error_t err = DSE_ERROR_INIT;
    size_t n = 100000;
    unsigned char *deep = dse_xmalloc(n);
    memset(deep, 0x91, n - 1);
    deep[n - 1] = 0x01;
    static const int cmds[] = {DSE_MSG_READY, DSE_MSG_RESULT, DSE_MSG_DONE, DSE_MSG_WORK,
                               DSE_MSG_LAYER_FRONT};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        dse_msg_t d;
        CHECK_INT(dse_wire_decode_body(cmds[i], deep, n, &d, &err), DSE_EPROTO);
    }
    free(deep);
}

DSE_TEST(wire_random_bytes)
{
    uint64_t rng = 12345;
    dse_msg_view_t m[20];
    size_t ns = s_samples(m);
    dse_strbuf_t enc[20];
    for (size_t i = 0; i < ns; i++) {
        dse_strbuf_init(&enc[i]);
        dse_wire_encode(&m[i], &enc[i]);
    }
    unsigned char buf[256];
    size_t ok = 0;
    for (int it = 0; it < 100000; it++) {
        size_t len;
        if (it % 2 == 0) {
            /* pure noise behind a valid header */
            len = 5 + s_rng(&rng) % 60;
            memcpy(buf, dse_wire_signature, 4);
            buf[4] = (unsigned char)(s_rng(&rng) % 24);
            for (size_t i = 5; i < len; i++)
                buf[i] = (unsigned char)s_rng(&rng);
        } else {
            /* a valid message with a few bytes changed and maybe cut */
            const dse_strbuf_t *e = &enc[s_rng(&rng) % ns];
            len = e->len < sizeof buf ? e->len : sizeof buf;
            memcpy(buf, e->buf, len);
            int flips = 1 + (int)(s_rng(&rng) % 3);
            for (int f = 0; f < flips; f++)
                buf[4 + s_rng(&rng) % (len - 4)] = (unsigned char)s_rng(&rng);
            if (s_rng(&rng) % 4 == 0)
                len -= s_rng(&rng) % (len - 4);
        }
        unsigned char *copy = dse_xmalloc(len);
        memcpy(copy, buf, len);
        dse_msg_t d;
        dse_error_t err = DSE_ERROR_INIT;
        int r = dse_wire_decode(copy, len, &d, &err);
        CHECK(r == 0 || r == DSE_EPROTO);
        if (r == 0) {
            ok++;
            /* whatever decodes re-encodes */
            dse_strbuf_t sb = DSE_STRBUF_INIT;
            dse_msg_view_t v;
            dse_msg_view(&d, &v);
            dse_wire_encode(&v, &sb);
            dse_strbuf_release(&sb);
        } else {
            CHECK(err.msg[0] != '\0');
        }
        dse_msg_release(&d);
        free(copy);
    }
    CHECK(ok > 0);
    for (size_t i = 0; i < ns; i++)
        dse_strbuf_release(&enc[i]);
}

/* A row with a NaN or infinite metric is refused: no feasible point has
 * one, and a forged -inf would win every front. */
DSE_TEST(wire_nonfinite_metrics)
{
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t b = 0; b < 3; b++) {
        dse_error_t err = DSE_ERROR_INIT;
        dse_strbuf_t sb = DSE_STRBUF_INIT;
        double m[] = {1, 2, 3, 4, 5, 6};
        m[4] = bad[b];
        uint64_t idx[] = {1, 2};
        int64_t cin[] = {0, 0}, cout[] = {0, 0};
        dse_msg_view_t msg = {.cmd = DSE_MSG_RESULT};
        msg.result = (dse_msg_result_view_t){5, 1, {2, 2, 0, 0}, {3, 2, idx, cin, cout, m, NULL}};
        dse_wire_encode_body(&msg, &sb);
        dse_msg_t out;
        CHECK_INT(dse_wire_decode_body(DSE_MSG_RESULT, sb.buf, sb.len, &out, &err), DSE_EPROTO);
        CHECK_STR(err.msg, "RESULT: row 1: metric 1 is not finite");
        CHECK_INT(out.result.rows.n, 0);
        dse_strbuf_release(&sb);
    }
}

/* A decoded message owns its fields; a caller that keeps one takes it, and
 * the message's release then leaves it alone (ASan would see a double free
 * or a leak). A view of a decoded message borrows from it. */
DSE_TEST(wire_ownership)
{
    static const uint64_t idx[] = {5, 6, 7};
    dse_msg_view_t out = {.cmd = DSE_MSG_WORK};
    out.work = (dse_msg_work_view_t){.unit = 9, .epoch = 2, .digest = "cafe",
                                     .kind = DSE_WORK_LIST, .n_indices = 3, .indices = idx};
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_wire_encode(&out, &sb);
    dse_msg_t d;
    dse_error_t err = DSE_ERROR_INIT;
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, &err), 0);
    dse_msg_view_t v;
    dse_msg_view(&d, &v);
    CHECK(v.work.digest == d.work.digest && v.work.indices == d.work.indices);
    dse_msg_work_t kept;
    dse_msg_take_work(&d, &kept);
    CHECK(d.work.digest == NULL && d.work.indices == NULL && d.work.n_indices == 0);
    CHECK_INT(d.work.unit, 9); /* the scalars stay */
    dse_msg_release(&d);
    CHECK_STR(kept.digest, "cafe");
    CHECK_INT(kept.n_indices, 3);
    CHECK(kept.indices[2] == 7);
    CHECK_INT(kept.unit, 9);
    dse_msg_work_release(&kept);
    CHECK(kept.digest == NULL && kept.indices == NULL);
    dse_msg_work_release(&kept); /* twice is harmless */
    dse_strbuf_release(&sb);

    out = (dse_msg_view_t){.cmd = DSE_MSG_SUBMIT};
    out.submit = (dse_msg_submit_view_t){.config = "[job]\nname = \"t\"\n", .verbose = 1};
    dse_wire_encode(&out, &sb);
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, &err), 0);
    char *text = dse_msg_submit_take_config(&d.submit);
    CHECK(d.submit.config == NULL);
    CHECK_INT(d.submit.verbose, 1);
    dse_msg_release(&d);
    CHECK_STR(text, "[job]\nname = \"t\"\n");
    free(text);
    CHECK(dse_msg_submit_take_config(&d.submit) == NULL); /* nothing left to take */
    dse_strbuf_release(&sb);
}
