/* transport.c - protocol messages over czmq sockets. */
#include "core/transport.h"

#include <string.h>

#include "core/util.h"

void dse_sock_setup(zsock_t *sock)
{
    zsock_set_maxmsgsize(sock, (int)(DSE_MAX_FRAME > 0x7fffffff ? 0x7fffffff : DSE_MAX_FRAME));
    zsock_set_linger(sock, 200);
    zsock_set_sndhwm(sock, 100000);
    zsock_set_rcvhwm(sock, 100000);
}

int dse_msg_send(zsock_t *sock, const dse_peer_t *peer, const dse_msg_view_t *msg)
{
    dse_strbuf_t body = DSE_STRBUF_INIT;
    dse_wire_encode_body(msg, &body);
    zmsg_t *m = zmsg_new();
    if (peer)
        zmsg_addmem(m, peer->bytes, peer->len);
    zmsg_addmem(m, dse_wire_signature, DSE_WIRE_SIG_LEN);
    unsigned char cmd = (unsigned char)msg->cmd;
    zmsg_addmem(m, &cmd, 1);
    zmsg_addmem(m, body.buf ? body.buf : "", body.len);
    dse_strbuf_release(&body);
    if (zmsg_send(&m, sock) != 0) {
        zmsg_destroy(&m);
        return DSE_EIO;
    }
    return 0;
}

int dse_msg_recv(zsock_t *sock, dse_peer_t *peer, dse_msg_t *msg, dse_error_t *err)
{
    return dse_msg_recv_as(sock, NULL, peer, msg, err);
}

int dse_msg_recv_as(zsock_t *sock, const char *user_prefix, dse_peer_t *peer, dse_msg_t *msg,
                    dse_error_t *err)
{
    memset(msg, 0, sizeof *msg);
    zmsg_t *m = zmsg_recv(sock);
    if (!m)
        return DSE_EINTR;
    size_t want = peer ? 4 : 3;
    zframe_t *f = zmsg_first(m);
    if (peer) {
        peer->len = 0;
        if (f) {
            size_t n = zframe_size(f);
            if (n > sizeof peer->bytes)
                n = sizeof peer->bytes;
            memcpy(peer->bytes, zframe_data(f), n);
            peer->len = n;
        }
    }
    int rc;
    /* the role the ZAP handler gave this connection: a key allowed for one
     * role must not be heard on the other's socket */
    zframe_t *last = zmsg_last(m); /* a data frame: the routing id may carry no metadata */
    const char *user = last ? zframe_meta(last, "User-Id") : NULL;
    if (peer)
        snprintf(peer->user, sizeof peer->user, "%s", user ? user : "");
    if (user_prefix && (!user || strncmp(user, user_prefix, strlen(user_prefix)) != 0)) {
        rc = dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "a connection authenticated as '%.80s' "
                           "on the socket for '%s' peers", user ? user : "(nobody)",
                           user_prefix);
    } else if (zmsg_size(m) != want) {
        rc = dse_error_set(err, DSE_EPROTO, NULL, 0, 0, "expected %zu frames, got %zu", want - !!peer,
                           zmsg_size(m) - !!peer);
    } else {
        f = zmsg_first(m); /* zmsg_last moved the cursor */
        if (peer)
            f = zmsg_next(m);
        zframe_t *cmd = zmsg_next(m);
        zframe_t *body = zmsg_next(m);
        rc = dse_wire_decode_frames(zframe_data(f), zframe_size(f), zframe_data(cmd),
                                    zframe_size(cmd), zframe_data(body), zframe_size(body), msg,
                                    err);
    }
    zmsg_destroy(&m);
    return rc;
}
