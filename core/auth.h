/* auth.h - CURVE on the project's sockets: the coordinator's ZAP handler,
 * the keys of workers and clients, and what a refused handshake tells them.
 *
 * The coordinator side answers ZeroMQ's ZAP requests itself (RFC 27, on
 * inproc://zeromq.zap.01) instead of using czmq's zauth: zauth ignores the
 * ZAP domain, so it cannot tell a worker's key from a client's, and it reads
 * certificate metadata into a fixed buffer. Each server socket gets a ZAP
 * domain naming its role ("dse-workers", "dse-clients"); the handler accepts
 * a key only when it is in that role's allow-list, sets the connection's
 * User-Id to "ROLE:NAME" (NAME from NAME.pub), and logs every refusal
 * (rate-limited). The handler runs before any socket binds: a CURVE server
 * without a ZAP handler accepts every key.
 */
#ifndef DSE_AUTH_H
#define DSE_AUTH_H

#include <czmq.h>

#include "core/error.h"
#include "core/keys.h"

typedef enum { DSE_ROLE_WORKER = 0, DSE_ROLE_CLIENT = 1 } dse_role_t;

/* "worker:" / "client:", the User-Id prefix of a role's connections. */
const char *dse_role_user_prefix(dse_role_t role);

typedef struct dse_auth dse_auth_t;

/* Loads DIR/coordinator.key and the allow-lists DIR/allowed/workers and
 * DIR/allowed/clients (keys.h: every file checked before any is used; DIR
 * and its folders must not be writable by group or others), then starts
 * the ZAP handler. log_prefix starts each log line ("dse-coordinator").
 * NULL with err naming the file on failure; DSE_ENOTSUP without CURVE in
 * libzmq; DSE_EIO when another ZAP handler runs in this process. */
dse_auth_t *dse_auth_new(const char *dir, const char *log_prefix, int verbose, dse_error_t *err);
/* Makes sock a CURVE server for role (before it binds), once per role. Its
 * handshakes that fail before a key reaches the handler (a peer without
 * CURVE, or with a wrong coordinator key) are logged too. */
void dse_auth_server(dse_auth_t *a, zsock_t *sock, dse_role_t role);
/* How many keys a role allows. */
size_t dse_auth_allowed(const dse_auth_t *a, dse_role_t role);
/* Refuses the key of user (a User-Id, "worker:NAME") from now on, until
 * the coordinator restarts: for a worker quarantined for false results,
 * which could otherwise connect again. Thread-safe. */
void dse_auth_ban(dse_auth_t *a, const char *user);
/* Connections refused so far. */
uint64_t dse_auth_refused(dse_auth_t *a);
/* Stops the handler. Destroy the server sockets first: without a handler
 * they would accept any key. */
void dse_auth_destroy(dse_auth_t **a_p);

/* The keys a worker or client connects with. */
typedef struct {
    dse_key_t own;          /* its pair (--key) */
    dse_key_t server;       /* the coordinator's public key (--coordinator-key) */
    char own_path[512], server_path[512];
} dse_curve_client_t;

/* Loads both files (keys.h: the secret must be private to this user).
 * 0 or an error naming the file. */
int dse_curve_client_load(dse_curve_client_t *cc, const char *key_file,
                          const char *server_key_file, dse_error_t *err);
/* Makes sock a CURVE client with these keys (before it connects). */
void dse_curve_client_apply(const dse_curve_client_t *cc, zsock_t *sock);

/* Watches a connecting socket's handshakes, so that a refused key or a
 * mismatched mechanism is said, not waited out. */
typedef struct dse_handshake_watch dse_handshake_watch_t;
dse_handshake_watch_t *dse_handshake_watch_new(zsock_t *sock);
/* Non-blocking. When handshakes failed since the last call, fills why (a
 * sentence for a person) about the last and returns 2 when it was a
 * refusal or a mismatch (the coordinator refused the key, or one side uses
 * CURVE and the other not), 1 when the connection only closed during the
 * handshake (a wrong --coordinator-key does that, and so may a coordinator
 * going down); 0 when none failed. side names the program's role
 * ("worker", "client"); cc is NULL without keys. */
int dse_handshake_watch_failed(dse_handshake_watch_t *w, const char *side,
                               const dse_curve_client_t *cc, char *why, size_t size);
/* Stops watching; call before destroying the socket. */
void dse_handshake_watch_destroy(dse_handshake_watch_t **w_p);

#endif
