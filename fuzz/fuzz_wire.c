/* fuzz_wire.c - libFuzzer target for every wire decoder (core/wire).
 *
 * The first input byte picks what is decoded: below 0x80, the body of one
 * command (the byte modulo the number of commands) from the rest; from
 * 0x80 up, the rest as three frames back to back (dse_wire_decode: the
 * signature and command checks too). A decoded message must encode again
 * and decode to the same bytes (a fixed point), and no single allocation
 * of the decoder may exceed what the input's size allows: 8 bytes of
 * output per input byte (a one-byte integer becomes a uint64_t), plus a
 * constant. A broken invariant aborts, which libFuzzer reports.
 */
#include "core/util.h"
#include "core/wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S_CHECK(c)                                                                        \
    do {                                                                                  \
        if (!(c))                                                                         \
            abort();                                                                      \
    } while (0)

static const int s_cmds[] = {DSE_MSG_READY,  DSE_MSG_JOB,      DSE_MSG_WORK,
                             DSE_MSG_RESULT, DSE_MSG_FAIL,     DSE_MSG_HEARTBEAT,
                             DSE_MSG_DISCONNECT, DSE_MSG_SUBMIT, DSE_MSG_ACCEPT,
                             DSE_MSG_PROGRESS, DSE_MSG_LAYER_FRONT, DSE_MSG_DONE,
                             DSE_MSG_ERROR,  DSE_MSG_CANCEL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    dse_msg_t m;
    dse_error_t err = DSE_ERROR_INIT;
    dse__wire_max_alloc(1);
    int rc;
    if (data[0] < 0x80) {
        int cmd = s_cmds[data[0] % (sizeof s_cmds / sizeof s_cmds[0])];
        rc = dse_wire_decode_body(cmd, data + 1, size - 1, &m, &err);
    } else {
        rc = dse_wire_decode(data + 1, size - 1, &m, &err);
    }
    S_CHECK(dse__wire_max_alloc(1) <= 8 * size + 64);
    if (rc != 0) {
        S_CHECK(rc == DSE_EPROTO && err.msg[0]);
        return 0;
    }
    /* encode, decode, encode: the two encodings are the same bytes */
    dse_strbuf_t a = DSE_STRBUF_INIT, b = DSE_STRBUF_INIT;
    dse_msg_view_t v;
    dse_msg_view(&m, &v);
    dse_wire_encode(&v, &a);
    dse_msg_t m2;
    S_CHECK(dse_wire_decode(a.buf, a.len, &m2, &err) == 0);
    S_CHECK(m2.cmd == m.cmd);
    dse_msg_view(&m2, &v);
    dse_wire_encode(&v, &b);
    S_CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    dse_msg_release(&m);
    dse_msg_release(&m2);
    dse_strbuf_release(&a);
    dse_strbuf_release(&b);
    return 0;
}
