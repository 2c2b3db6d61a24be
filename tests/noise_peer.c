/* noise_peer.c - sends random and malformed frames to a coordinator socket,
 * for the integration test that checks a bad peer disturbs no one.
 *
 *   dse-noise ENDPOINT COUNT [SEED]
 *
 * Loopback endpoints only (the tests pass tcp://127.0.0.1:PORT).
 */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/transport.h"
#include "core/wire.h"

static uint64_t s_state;

static uint64_t s_rand(void)
{
    s_state ^= s_state << 13;
    s_state ^= s_state >> 7;
    s_state ^= s_state << 17;
    return s_state;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dse-noise ENDPOINT COUNT [SEED]\n");
        return 2;
    }
    const char *ep = argv[1];
    if (strncmp(ep, "tcp://127.", 10) != 0 && strncmp(ep, "ipc://", 6) != 0 &&
        strncmp(ep, "inproc://", 9) != 0) {
        fprintf(stderr, "dse-noise: loopback endpoints only\n");
        return 2;
    }
    long count = atol(argv[2]);
    s_state = argc > 3 ? strtoull(argv[3], NULL, 10) | 1 : 88172645463325252ULL;
    zsys_handler_set(NULL);
    zsock_t *s = zsock_new(ZMQ_DEALER);
    zsock_set_linger(s, 1000);
    zsock_set_sndhwm(s, 1000000);
    if (zsock_connect(s, "%s", ep) != 0)
        return 1;
    unsigned char buf[512];
    for (long i = 0; i < count; i++) {
        zmsg_t *m = zmsg_new();
        int kind = (int)(s_rand() % 6);
        size_t frames = 1 + s_rand() % 5;
        if (kind == 0) { /* random frames */
            for (size_t f = 0; f < frames; f++) {
                size_t n = s_rand() % sizeof buf;
                for (size_t k = 0; k < n; k++)
                    buf[k] = (unsigned char)s_rand();
                zmsg_addmem(m, buf, n);
            }
        } else {
            /* a valid signature, a real or unknown command, a bad body */
            zmsg_addmem(m, dse_wire_signature, DSE_WIRE_SIG_LEN);
            unsigned char cmd = kind == 1 ? (unsigned char)s_rand()
                                          : (unsigned char)(1 + s_rand() % 22);
            zmsg_addmem(m, &cmd, 1);
            size_t n = s_rand() % 64;
            for (size_t k = 0; k < n; k++)
                buf[k] = (unsigned char)s_rand();
            if (kind == 3 && n >= 5) { /* an array32 header claiming millions */
                buf[0] = 0xdd, buf[1] = 0x00, buf[2] = 0xff, buf[3] = 0xff, buf[4] = 0xff;
            }
            zmsg_addmem(m, buf, n);
            if (kind == 4) /* a trailing extra frame */
                zmsg_addmem(m, "x", 1);
        }
        zmsg_send(&m, s);
    }
    /* and well-formed messages out of place: a RESULT for a unit nobody gave out */
    dse_msg_view_t r = {.cmd = DSE_MSG_RESULT};
    r.result.unit = dse_wire_unit(999, 7);
    dse_msg_send(s, NULL, &r);
    dse_msg_view_t h = {.cmd = DSE_MSG_HEARTBEAT};
    dse_msg_send(s, NULL, &h);
    zclock_sleep(200);
    zsock_destroy(&s);
    return 0;
}
