/* test_why.c - the infeasibility tally (core/why.h): merging, the
 * explanation of an empty front, and its place in the RESULT counters. */
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "eval/explain.h"
#include "core/why.h"
#include "core/wire.h"
#include "hwmodels/siracusa.h"
#include "tests/test.h"

DSE_TEST(why_merge_and_top)
{
    dse_why_t a = {0}, b = {0};
    CHECK(dse_why_empty(&a));
    CHECK_INT(dse_why_top(&a), -1);
    dse_why_add(&a, 0, 90000);
    dse_why_add(&a, 0, 85000);
    dse_why_add(&a, 3, 7);
    dse_why_add(&a, DSE_WHY_SLOTS, 1); /* out of range: ignored */
    dse_why_add(&b, 0, 99000);
    dse_why_add(&b, 3, 2);
    dse_why_add(&b, 3, 9);
    dse_why_add(&b, 3, 4);
    /* merging in either order gives the same tally */
    dse_why_t ab = a, ba = b;
    dse_why_merge(&ab, &b);
    dse_why_merge(&ba, &a);
    CHECK(memcmp(&ab, &ba, sizeof ab) == 0);
    CHECK_INT(ab.n[0], 3);
    CHECK(ab.key[0] == 85000);
    CHECK_INT(ab.n[3], 4);
    CHECK(ab.key[3] == 2);
    CHECK_INT(dse_why_top(&ab), 3);
}

DSE_TEST(why_explain)
{
    dse_job_t job = {0};
    dse_layer_t l = {0};
    l.name = "conv";
    job.model = &dse_model_siracusa;
    job.layers = &l;
    job.n_layers = 1;
    for (size_t i = 0; i < dse_model_siracusa.n_preset_keys; i++)
        job.hw[i] = dse_model_siracusa.preset_keys[i].dflt;
    job.hw[dse_model_preset_key(&dse_model_siracusa, "l1_bytes")] = 65536;
    dse_why_t w = {0};
    char msg[512], reason[160];
    double v, b;
    CHECK_INT(dse_why_explain(&job, 0, &w, 10, msg, sizeof msg, reason, sizeof reason, &v, &b),
              -1);
    CHECK(strstr(msg, "conv: no feasible point, and none exceeded a capacity") == msg);
    CHECK(isnan(v) && isnan(b));
    for (int i = 0; i < 6; i++)
        dse_why_add(&w, 0, 84992 + 1024 * i);
    CHECK_INT(dse_why_explain(&job, 0, &w, 10, msg, sizeof msg, reason, sizeof reason, &v, &b),
              0);
    CHECK_STR(msg, "conv: no feasible point; 6 of 10 points evaluated exceed l1_bytes: the "
                   "smallest needs 83 KiB, above the 64 KiB of the preset (l1_bytes); try "
                   "smaller tiles (tile_*), single buffering, or a larger L1");
    CHECK_STR(reason, "l1_bytes");
    CHECK(v == 84992 && b == 65536);
    /* every point evaluated: no counts (they depend on what skipping spared) */
    CHECK_INT(dse_why_explain(&job, 0, &w, 6, msg, sizeof msg, reason, sizeof reason, &v, &b), 0);
    CHECK_STR(msg, "conv: no feasible point; every point needs at least 83 KiB of l1_bytes, "
                   "above the 64 KiB of the preset (l1_bytes); try smaller tiles (tile_*), "
                   "single buffering, or a larger L1");
    /* a ">=" constraint keeps the largest value (stored negated) */
    job.n_constraints = 1;
    job.constraints[0] = (dse_constraint_t){dse_model_metric(&dse_model_siracusa, "mac_per_cycle"),
                                            -1, DSE_CMP_GE, 20};
    dse_why_add(&w, DSE_WHY_MODEL, -12.5);
    dse_why_add(&w, DSE_WHY_MODEL, -3);
    for (int i = 0; i < 9; i++)
        dse_why_add(&w, DSE_WHY_MODEL, -1);
    CHECK_INT(dse_why_explain(&job, 0, &w, 20, msg, sizeof msg, reason, sizeof reason, &v, &b),
              DSE_WHY_MODEL);
    CHECK_STR(reason, "constraint: mac_per_cycle >= 20");
    CHECK(v == 12.5 && b == 20);
    CHECK(strstr(msg, "11 of 20 points evaluated break the constraint mac_per_cycle >= 20 "
                      "MAC/cycle: the closest has mac_per_cycle = 12.5 MAC/cycle") != NULL);
}

/* The tally travels as an optional 5th field of the counters; 4 fields
 * (a peer without it) still decode, with an empty tally. */
DSE_TEST(why_wire)
{
    dse_msg_view_t m = {0};
    dse_msg_t d;
    m.cmd = DSE_MSG_RESULT;
    m.result.unit = 7;
    m.result.counters = (dse_counters_t){.evaluated = 10, .infeasible = 10};
    dse_why_add(&m.result.counters.why, 0, 84992);
    dse_why_add(&m.result.counters.why, DSE_WHY_SLOTS - 1, -2.5);
    dse_strbuf_t sb = DSE_STRBUF_INIT;
    dse_wire_encode(&m, &sb);
    CHECK_INT(dse_wire_decode(sb.buf, sb.len, &d, NULL), 0);
    CHECK(memcmp(&d.result.counters.why, &m.result.counters.why, sizeof(dse_why_t)) == 0);
    dse_msg_release(&d);
    dse_strbuf_release(&sb);
    /* hand-built bodies: 4 fields, then bad tallies */
    for (int k = 0; k < 5; k++) {
        msgpack_sbuffer buf;
        msgpack_sbuffer_init(&buf);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
        msgpack_pack_array(&pk, 5);
        msgpack_pack_uint64(&pk, 7); /* unit */
        msgpack_pack_uint32(&pk, 0); /* epoch */
        msgpack_pack_array(&pk, k == 0 ? 4 : 5);
        for (int i = 0; i < 4; i++)
            msgpack_pack_uint64(&pk, i == 0 || i == 2 ? 10 : 0);
        if (k > 0) {
            msgpack_pack_array(&pk, k == 3 ? 2 : 1);
            for (int j = 0; j < (k == 3 ? 2 : 1); j++) {
                msgpack_pack_array(&pk, 3);
                msgpack_pack_uint32(&pk, k == 2 ? DSE_WHY_SLOTS : 1); /* 2: out of range */
                msgpack_pack_uint64(&pk, k == 4 ? 0 : 3);             /* 4: zero points */
                msgpack_pack_double(&pk, 1.5);
            }
        }
        msgpack_pack_uint32(&pk, 0); /* width */
        msgpack_pack_array(&pk, 0);  /* rows */
        dse_error_t err = DSE_ERROR_INIT;
        int rc = dse_wire_decode_body(DSE_MSG_RESULT, buf.data, buf.size, &d, &err);
        if (k <= 1) {
            CHECK_INT(rc, 0);
            if (rc == 0) {
                CHECK_INT(d.result.counters.why.n[1], k == 1 ? 3 : 0);
                dse_msg_release(&d);
            }
        } else {
            CHECK(rc < 0); /* 2 out of range, 3 repeated, 4 zero points */
        }
        msgpack_sbuffer_destroy(&buf);
    }
}
