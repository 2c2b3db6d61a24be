/* transport.h - sending and receiving protocol messages on czmq sockets.
 *
 * A message travels as three frames (signature, command, body; core/wire),
 * preceded on a ROUTER by the peer's routing id. Receiving checks the frame
 * count and decodes strictly; anything malformed is DSE_EPROTO and the
 * message is consumed, so one bad peer never blocks the others.
 */
#ifndef DSE_TRANSPORT_H
#define DSE_TRANSPORT_H

#include <czmq.h>

#include "core/error.h"
#include "core/wire.h"

/* Largest frame accepted by any socket (ZMQ_MAXMSGSIZE). */
#define DSE_MAX_FRAME (256LL << 20)

/* A peer's routing id (ROUTER sockets). */
typedef struct {
    unsigned char bytes[256];
    size_t len;
    char user[80]; /* the connection's User-Id (core/auth: "worker:NAME"), "" without keys */
} dse_peer_t;

/* Sends msg; on a ROUTER, to peer (NULL on a DEALER). 0 or DSE_EIO. */
int dse_msg_send(zsock_t *sock, const dse_peer_t *peer, const dse_msg_view_t *msg);

/* Receives one message (the socket must be readable). On a ROUTER, peer
 * receives the sender's routing id. Returns 0 with msg filled (release with
 * dse_msg_release), DSE_EPROTO with err set (msg empty, peer filled when
 * known), or DSE_EINTR when interrupted. */
int dse_msg_recv(zsock_t *sock, dse_peer_t *peer, dse_msg_t *msg, dse_error_t *err);

/* The same, on a socket whose connections authenticated (core/auth):
 * a message whose connection's User-Id does not start with user_prefix
 * ("worker:") is DSE_EPROTO, consumed, with err saying so. NULL
 * user_prefix checks nothing (dse_msg_recv). */
int dse_msg_recv_as(zsock_t *sock, const char *user_prefix, dse_peer_t *peer, dse_msg_t *msg,
                    dse_error_t *err);

/* Applies the project's socket options: ZMQ_MAXMSGSIZE, linger. */
void dse_sock_setup(zsock_t *sock);

#endif
